"""Domain-separated hashing (PROTOCOL.md §2.2). Every tag lives here, once.

The four grouping tags are still `sunshine-draw/v1/…`: the v2 grouping vectors
(tests/vectors/grouping.json, generate_grouping.py) and the standalone verifier
use them, although §2.2's table lists `v2` (reported to the lead; one of the two
changes, the code follows the vectors until then).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Final

TAG_RULES: Final = "sunshine-draw/v2/rules"
TAG_PARTICIPANTS: Final = "sunshine-draw/v2/participants"
TAG_COMMITMENT: Final = "sunshine-draw/v2/commitment"
TAG_ESCROW: Final = "sunshine-draw/v2/escrow"
TAG_SEED: Final = "sunshine-draw/v2/seed"
TAG_LOTTERY_NUMBER: Final = "sunshine-draw/v2/lottery-number"
TAG_GROUPING_KEY: Final = "sunshine-draw/v1/grouping-key"
TAG_CLASS_ORDER: Final = "sunshine-draw/v1/class-order"
TAG_GROUPING_ROUND: Final = "sunshine-draw/v1/grouping-round"
TAG_GROUPING_PREFERENCE: Final = "sunshine-draw/v1/grouping-preference"
TAG_TEACHER_KEY: Final = "sunshine-draw/v2/teacher-key"
TAG_ATTRIBUTES: Final = "sunshine-draw/v2/attributes"

_BLOCK = 64


def tagged_hash(tag: str, message: bytes) -> bytes:
    """H(tag, m) = SHA-256(UTF8(tag) ‖ 0x00 ‖ m)."""
    return hashlib.sha256(tag.encode("ascii") + b"\x00" + message).digest()


def _pads(key: bytes, tag: str) -> tuple[hashlib._Hash, hashlib._Hash]:
    """HMAC-SHA256 (RFC 2104) with the pads and the tag absorbed: (inner, outer) hashes."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    inner.update(tag.encode("ascii") + b"\x00")
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    return inner, outer


def keyed(key: bytes, tag: str) -> Callable[[str], bytes]:
    """Return id ↦ K(key, tag, id) = HMAC-SHA256(key, UTF8(tag) ‖ 0x00 ‖ UTF8(id)).

    The HMAC pads and the tag are absorbed once, so each call costs two SHA-256
    compressions.
    """
    inner, outer = _pads(key, tag)
    inner_copy = inner.copy
    outer_copy = outer.copy

    def k(ident: str) -> bytes:
        h = inner_copy()
        h.update(ident.encode())
        o = outer_copy()
        o.update(h.digest())
        return o.digest()

    return k


def keyed_all(key: bytes, tag: str, idents: Iterable[str]) -> list[bytes]:
    """[K(key, tag, id) for id in idents]: `keyed` with the call inlined, because this
    is the hot path of a city-scale draw (bench/city.py)."""
    inner, outer = _pads(key, tag)
    inner_copy = inner.copy
    outer_copy = outer.copy
    out: list[bytes] = []
    append = out.append
    for ident in idents:
        h = inner_copy()
        h.update(ident.encode())
        o = outer_copy()
        o.update(h.digest())
        append(o.digest())
    return out
