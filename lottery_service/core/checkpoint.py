"""Signing checkpoints of the log (PROTOCOL.md §12), never inconsistently.

The signer's one promise beyond the signature: it never signs a tree head that
is not an extension of one it signed before (RFC 9162 §2.1.4). This function
is where that promise is kept, for the database log and the in-memory one.
"""

from __future__ import annotations

from .errors import ProtocolError
from .merkle import MerkleTree
from .note import Checkpoint, Signer, sign_note


class InconsistentLogError(ProtocolError):
    """The log no longer extends the last signed checkpoint; nothing is signed."""

    title_zh = "审计日志不再延续上一个已签名的检查点，拒绝签名"
    section = "12"


def sign_checkpoint(origin: str, tree: MerkleTree, signer: Signer,
                    last: tuple[int, bytes] | None) -> str | None:
    """Return a signed checkpoint note for `tree`, or None if `last` already covers it.

    `last` is the (size, root) of the newest checkpoint signed before.
    """
    if last is not None:
        size, root = last
        if tree.size < size or tree.root(size) != root:
            raise InconsistentLogError(
                f"log of size {tree.size} does not extend the signed checkpoint of size {size}")
        if tree.size == size:
            return None
    body = Checkpoint(origin=origin, size=tree.size, root_hash=tree.root()).body()
    return sign_note(body, [signer])
