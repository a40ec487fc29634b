"""Checkpoints of the log (PROTOCOL.md §12): their origin, and signing them consistently.

The signer's one promise beyond the signature: it never signs a tree head that
is not an extension of one it signed before (RFC 9162 §2.1.4). This function
is where that promise is kept, for the database log and the in-memory one.

The origin names the log to every witness and verifier, so it must be unique
across deployments (tlog-checkpoint "Note text": a schema-less URL the operator
controls). Each deployment configures a prefix; `log_origin` appends the event.
"""

from __future__ import annotations

import re
from typing import Final

from .errors import ProtocolError
from .merkle import MerkleTree
from .note import MAX_NAME_BYTES, Checkpoint, NoteError, Signer, check_key_name, sign_note
from .strict import EVENT_ID

# The one path segment that marks a rehearsal (演练) log; refused inside prefixes
# so that no deployment's official origin can equal another's rehearsal origin.
REHEARSAL_SEGMENT: Final = "rehearsal"

# host: lower-case DNS labels (IDNs in their xn-- form), at least two, optional port;
# then path segments of RFC 3986 unreserved characters. No scheme, query or fragment.
_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SEGMENT: Final = r"[A-Za-z0-9._~-]+"
_PREFIX: Final = re.compile(rf"{_LABEL}(?:\.{_LABEL})+(?::[1-9][0-9]{{0,4}})?(?:/{_SEGMENT})*")


class InconsistentLogError(ProtocolError):
    """The log no longer extends the last signed checkpoint; nothing is signed."""

    title_zh = "审计日志不再延续上一个已签名的检查点，拒绝签名"
    section = "12"


class OriginError(ProtocolError):
    """A log origin prefix or event id that cannot make a unique, valid origin."""

    section = "12"


def check_origin_prefix(prefix: str) -> str:
    """Return prefix if it is a schema-less URL usable as a per-deployment origin prefix."""
    if not _PREFIX.fullmatch(prefix):
        raise OriginError(
            f"日志来源前缀 {prefix!r} 不是无协议头的网址（如 zsb.example.gov.cn/sunshine）；"
            f"origin prefix {prefix!r} is not a schema-less URL such as "
            "zsb.example.gov.cn/sunshine (lower-case host, no https://, no trailing slash)")
    segments = prefix.split("/")[1:]
    if any(s in (".", "..", REHEARSAL_SEGMENT) for s in segments):
        raise OriginError(
            f"日志来源前缀 {prefix!r} 含有保留路径段（. .. {REHEARSAL_SEGMENT}）；"
            f"origin prefix {prefix!r} has a reserved path segment "
            f"('.', '..' or '{REHEARSAL_SEGMENT}')")
    return prefix


def log_origin(prefix: str, event_id: str, *, rehearsal: bool = False) -> str:
    """The checkpoint origin and log key name of an event (PROTOCOL.md §12).

    ``<prefix>/<event-id>`` for an official event, ``<prefix>/rehearsal/<event-id>``
    for a rehearsal. One-to-one: event ids have no slash and prefixes no
    ``rehearsal`` segment, so the origin says which form, prefix and event it is;
    distinct prefixes (one per deployment) never share an origin.
    """
    check_origin_prefix(prefix)
    if not EVENT_ID.fullmatch(event_id):
        raise OriginError(f"活动编号 {event_id!r} 不合规则；event id {event_id!r} does not "
                          f"match {EVENT_ID.pattern}")
    origin = f"{prefix}/{REHEARSAL_SEGMENT}/{event_id}" if rehearsal else f"{prefix}/{event_id}"
    if len(origin.encode("utf-8")) > MAX_NAME_BYTES:
        raise OriginError(f"日志来源超过 {MAX_NAME_BYTES} 字节；origin {origin!r} is over "
                          f"{MAX_NAME_BYTES} bytes (ML-DSA-44 cosignatures carry it in one byte)")
    try:
        check_key_name(origin)  # the origin is also the log's signed-note key name
    except NoteError as e:
        raise OriginError(str(e)) from None
    return origin


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
