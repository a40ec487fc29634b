"""Audit-log entries (PROTOCOL.md §11.1, version 2): the envelope, strict decoding, parts.

An entry is canon({"v": 2, "event", "seq", "time", "type", "body"}); the log
is the RFC 9162 Merkle tree of the entries' bytes in seq order (§4). Every
entry is below 65 536 bytes; an input's records are split into
`input_records` parts of at most 250 records, a part ending early when the next
record would make its entry reach the limit (`record_parts`).

`decode_entry` is strict (§2.3): the bytes must be canonical JSON in the §2.1
domain, the envelope exactly its members and version 2 (a version 1 entry is
refused as such), the body that of its type (`core.entries`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

from .canonical import canonical_json
from .entries import Body, EntryType, InputRecords, body_from_json
from .errors import CanonicalError, ProtocolError
from .merkle import leaf_hash
from .records import VERSION, InputRecord
from .seed import Ceremony
from .strict import EVENT_ID, StrictError, integer, loads, members, pattern, time

__all__ = ["MAX_ENTRY_BYTES", "PART_SIZE", "Entry", "LogError", "decode_entry",
           "encode_entry", "record_parts"]

MAX_ENTRY_BYTES: Final = 65_536  # tlog-tiles entry bundle limit (§11.1, §18)
PART_SIZE: Final = 250  # records per input_records part (§11.1)
_ENVELOPE: Final = frozenset(("v", "event", "seq", "time", "type", "body"))


class LogError(ProtocolError):
    title_zh = "审计日志条目不符合协议"
    section = "11"


@dataclass(frozen=True, slots=True)
class Entry:
    """One logged entry; `raw` is exactly the bytes that were hashed, `body` typed."""

    event: str
    seq: int
    time: str
    type: EntryType
    body: Body
    raw: bytes

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.raw)


def _envelope(event: str, seq: int, time_: str, type_: str, body: Any) -> bytes:
    raw = canonical_json({"v": VERSION, "event": event, "seq": seq, "time": time_,
                          "type": type_, "body": body})
    if len(raw) >= MAX_ENTRY_BYTES:
        raise LogError(f"{type_} entry is {len(raw)} bytes; the limit is {MAX_ENTRY_BYTES}",
                       section="11.1")
    return raw


def encode_entry(event: str, seq: int, time_: str, type_: str,
                 body: dict[str, Any]) -> Entry:
    """Build an entry from a body's JSON; the body is read back strictly first, so the
    service never logs what a verifier would refuse (§2.3, §11.2)."""
    try:
        typed = body_from_json(type_, body)
    except StrictError as exc:
        raise LogError(f"{type_}: {exc.message}", section=exc.section) from None
    raw = _envelope(event, seq, time_, typed.TYPE.value, body)
    return Entry(event, seq, time_, typed.TYPE, typed, raw)


def _canonical_value(raw: bytes) -> Any | None:
    """The JSON value whose canonical encoding is exactly `raw`, or None.

    A fast reader for the common case (every worker decodes every entry, §14): orjson
    parses, and re-encoding must give back `raw`, which no duplicate key, float, unsafe
    integer or other spelling survives. So it accepts exactly the entries `strict.loads`
    plus the canonical check accept; None sends the caller to `strict.loads`, whose
    error names the fault."""
    try:
        value = orjson.loads(raw)
        return value if canonical_json(value) == raw else None
    except (orjson.JSONDecodeError, CanonicalError):
        return None


def decode_entry(raw: bytes) -> Entry:
    """Parse one entry's bytes strictly (§2.3, §11.1, §11.2); any fault is a LogError."""
    obj = _canonical_value(raw)
    canonical = obj is not None
    try:
        if obj is None:
            obj = loads(raw)
        if type(obj) is dict and obj.get("v") == 1 and type(obj["v"]) is int:
            raise LogError("version 1 is not supported (PROTOCOL.md version 2)",
                           section="preamble")
        try:
            o = members(obj, _ENVELOPE, "entry")
        except StrictError as exc:
            raise StrictError(exc.message, section="11.1") from None
        if integer(o, "v", "entry") != VERSION:
            raise LogError(f"entry.v must be {VERSION}", section="11.1")
        event = pattern(o, "event", "entry", EVENT_ID, "event id")
        seq, time_ = integer(o, "seq", "entry"), time(o, "time", "entry")
        if type(o["type"]) is not str:
            raise StrictError("entry.type: not a string")
        body = body_from_json(o["type"], o["body"])
    except StrictError as exc:
        raise LogError(exc.message, section=exc.section) from None
    if not canonical and canonical_json(obj) != raw:
        raise LogError("entry bytes are not the canonical encoding", section="2.3")
    return Entry(event, seq, time_, body.TYPE, body, raw)


def record_parts(event: str, first_seq: int, time_: str, ceremony: Ceremony,
                 leaves: Sequence[bytes],
                 records: Sequence[InputRecord]) -> Iterator[InputRecords]:
    """The `input_records` parts of an input in tree order (§3.3): `leaves[i]` is
    canon(`records[i]`). At most PART_SIZE records each, and a part ends early when the
    next record would make its entry (with its own seq) reach MAX_ENTRY_BYTES (§11.1).
    An empty input has no part."""
    if len(leaves) != len(records):
        raise LogError("one leaf per record", section="11.1")
    if not leaves:
        return
    start, seq = 0, first_seq
    while start < len(leaves):
        size = len(_envelope(event, seq, time_, EntryType.INPUT_RECORDS.value,
                             {"ceremony": ceremony, "records": []}))
        end = start
        while end < len(leaves) and end - start < PART_SIZE:
            extra = len(leaves[end]) + (1 if end > start else 0)
            if size + extra >= MAX_ENTRY_BYTES:
                break
            size += extra
            end += 1
        if end == start:
            raise LogError(f"an input record of {len(leaves[start])} bytes cannot be logged",
                           section="11.1")
        yield InputRecords(ceremony, tuple(records[start:end]))
        start, seq = end, seq + 1
