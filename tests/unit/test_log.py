"""The v2 log vocabulary against tests/vectors/log_entries.json (PROTOCOL.md §11.1, §11.2).

Every valid entry decodes to its typed body, which encodes back to the same
body and the same bytes; every invalid entry is refused; the record parts are
those of the vector (count and byte limits, §11.1).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core.canonical import canonical_json
from lottery_service.core.entries import BODY_TYPES, EntryType
from lottery_service.core.log import (
    MAX_ENTRY_BYTES,
    LogError,
    decode_entry,
    encode_entry,
    record_parts,
)
from lottery_service.core.records import record_from_json
from tests.paths import VECTORS

DATA: dict[str, Any] = json.loads((VECTORS / "log_entries.json").read_text("utf-8"))


def test_every_type_has_a_valid_vector() -> None:
    assert {c["type"] for c in DATA["valid"]} | {"beacon", "beacon_postponed"} == set(EntryType)


@pytest.mark.parametrize("case", DATA["valid"], ids=lambda c: c["name"])
def test_valid_entry(case: dict[str, Any]) -> None:
    raw = case["entry"].encode()
    entry = decode_entry(raw)
    assert entry.type == case["type"]
    assert isinstance(entry.body, BODY_TYPES[entry.type])
    assert entry.body.to_json() == case["body"]
    assert entry.leaf_hash.hex() == case["leaf_hash"]
    assert entry.leaf_hash == hashlib.sha256(b"\x00" + raw).digest()
    again = encode_entry(entry.event, entry.seq, entry.time, entry.type, entry.body.to_json())
    assert again.raw == raw


@pytest.mark.parametrize("case", DATA["invalid"], ids=lambda c: c["name"])
def test_invalid_entry(case: dict[str, Any]) -> None:
    with pytest.raises(LogError) as caught:
        decode_entry(case["entry"].encode())
    error = case["error"]
    section = error["section"].removeprefix("§")
    assert caught.value.section == section or (section == "preamble" and "version 1" in str(
        caught.value)), (str(caught.value), error)


def test_invalid_bodies_are_never_encoded() -> None:
    """What decode refuses, encode refuses too: the service cannot log it (§2.3)."""
    for case in DATA["invalid"]:
        try:
            obj = json.loads(case["entry"])
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, dict) or {"event", "seq", "time", "type", "body"} - obj.keys():
            continue
        if type(obj["seq"]) is not int or obj.get("v") != 2 or obj["type"] not in set(EntryType):
            continue
        if case["error"]["section"] in ("§2.1", "§2.3") and "member" not in case["error"][
                "reason"] and "records" not in case["error"]["reason"]:
            continue  # a JSON or encoding fault: a dict cannot carry it
        with pytest.raises(LogError):
            encode_entry(obj["event"], obj["seq"], obj["time"], obj["type"], obj["body"])


@pytest.mark.parametrize("case", DATA["split"], ids=lambda c: c["name"])
def test_record_parts(case: dict[str, Any]) -> None:
    inp = case["input"]
    leaves = [text.encode() for text in inp["records"]]
    records = [record_from_json(json.loads(leaf)) for leaf in leaves]
    assert [canonical_json(r.to_json()) for r in records] == leaves
    parts = list(record_parts(inp["event"], inp["first_seq"], inp["time"], inp["ceremony"],
                              leaves, records))
    assert [len(p.records) for p in parts] == case["expected"]["part_sizes"]
    sizes = [len(canonical_json({"v": 2, "event": inp["event"], "seq": inp["first_seq"] + i,
                                 "time": inp["time"], "type": "input_records",
                                 "body": p.to_json()}))
             for i, p in enumerate(parts)]
    assert sizes == case["expected"]["entry_bytes"]
    assert all(size < MAX_ENTRY_BYTES for size in sizes)
    assert [r for p in parts for r in p.records] == records


def test_empty_input_has_no_part() -> None:
    assert list(record_parts("demo-2026", 3, "2026-06-21T01:00:00Z", "lottery", [], [])) == []


def _strict_only(raw: bytes) -> str:
    """decode_entry with its fast reader off: every entry read by strict.loads."""
    from lottery_service.core import log

    fast = log._canonical_value
    log._canonical_value = lambda raw: None  # type: ignore[assignment]
    try:
        return _verdict(raw)
    finally:
        log._canonical_value = fast


def _verdict(raw: bytes) -> str:
    try:
        return repr(decode_entry(raw))
    except LogError as exc:
        return f"LogError: {exc}"
    except Exception as exc:  # the two readers must fail alike too
        return f"{type(exc).__name__}: {exc}"


_SPELLINGS = [  # ways to write the same or nearly the same JSON that a reader might let by
    (b'"seq":', b'"seq":1.0,"seq":'), (b'"seq":', b'"seq": '), (b'"seq":', b'"seq":0,"seq":'),
    (b'"v":2', b'"v":2.0'), (b'"v":2', b'"v":2e0'), (b'"v":2', b'"v":02'),
    (b'"v":2', b'"v":9007199254740993'), (b'"v":2', b'"v":18446744073709551616'),
    (b'"event":"', b'"event":"\\u0041'), (b'"event":"', b'"event":"\\ud800'),
    (b'{', b'\xef\xbb\xbf{'), (b'{', b' {'), (b'}', b'} '), (b'}', b'}x'), (b'"', b"'"),
    (b'"type"', b'"typ\\u0065"'), (b'"time"', b'"\xff"'), (b'null', b'NaN'),
]


@pytest.mark.parametrize("case", DATA["valid"] + DATA["invalid"], ids=lambda c: c["name"])
def test_the_fast_reader_accepts_and_refuses_exactly_as_the_strict_one(
        case: dict[str, Any]) -> None:
    """The vector entries, and each with one respelling: the same entry or the same
    error with orjson first as with strict.loads alone (§2.1, §2.3)."""
    raw = case["entry"].encode()
    for old, new in [(b"", b""), *_SPELLINGS]:
        if old and old not in raw:
            continue
        changed = raw.replace(old, new, 1)
        assert _verdict(changed) == _strict_only(changed), changed


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(DATA["valid"]), st.integers(0, 10**6), st.integers(0, 3),
       st.binary(max_size=4) | st.sampled_from([b"1.0", b" ", b'"a":1,', b"\\u00", b"\xc3"]))
def test_the_fast_reader_agrees_on_any_splice(case: dict[str, Any], at: int, cut: int,
                                                insert: bytes) -> None:
    """Bytes cut from and put into a valid entry anywhere: both readers agree."""
    raw = case["entry"].encode()
    at %= len(raw) + 1
    changed = raw[:at] + insert + raw[at + cut:]
    assert _verdict(changed) == _strict_only(changed), changed
