"""Audit-log entries (PROTOCOL.md §11): encoding, types and record parts.

An entry is canon({"v":1,"event","seq","time","type","body"}); the log is the
RFC 9162 Merkle tree of the entries' bytes in seq order (§4).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from .canonical import canonical_json
from .errors import ProtocolError
from .merkle import leaf_hash

ENTRY_TYPES: Final = frozenset({
    "event_created", "ceremony_opened", "eligibility_rejections", "input_records",
    "input_frozen", "commitment", "commitments_closed", "reveal", "escrow_opened",
    "contribution_void", "physical_entropy", "beacon", "seed", "escrow_key_released",
    "lottery_results",
    "bias_audit", "payment_round", "promotions", "payments_closed", "grouping_results",
    "matching_results", "notifications_sent", "correction", "published",
})
MAX_ENTRY_BYTES: Final = 65_536
PART_SIZE: Final = 250

T = TypeVar("T")


class LogError(ProtocolError):
    title_zh = "审计日志条目不符合协议"
    section = "11"


@dataclass(frozen=True, slots=True)
class Entry:
    """One logged entry; `raw` is exactly the bytes that were hashed."""

    seq: int
    time: str
    type: str
    body: dict[str, Any]
    raw: bytes

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.raw)


def encode_entry(event: str, seq: int, time: str, type_: str, body: dict[str, Any]) -> Entry:
    """Build an entry, enforcing the type list and the size bound (§11.1)."""
    if type_ not in ENTRY_TYPES:
        raise LogError(f"unknown entry type {type_!r}")
    raw = canonical_json(
        {"v": 1, "event": event, "seq": seq, "time": time, "type": type_, "body": body}
    )
    if len(raw) >= MAX_ENTRY_BYTES:
        raise LogError(f"{type_} entry is {len(raw)} bytes; the limit is {MAX_ENTRY_BYTES}")
    return Entry(seq=seq, time=time, type=type_, body=body, raw=raw)


def decode_entry(raw: bytes) -> Entry:
    """Parse an entry the service itself wrote (the verifier has its own strict parser)."""
    obj = json.loads(raw)
    if canonical_json(obj) != raw:
        raise LogError("entry bytes are not canonical")
    return Entry(seq=obj["seq"], time=obj["time"], type=obj["type"], body=obj["body"], raw=raw)


def parts(items: Sequence[T], size: int = PART_SIZE) -> Iterator[Sequence[T]]:
    """Split a record list into parts of at most `size` (§11.1); one empty part if none."""
    if not items:
        yield items
        return
    for start in range(0, len(items), size):
        yield items[start:start + size]
