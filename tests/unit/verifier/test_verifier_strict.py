"""Strict parsing rejections (PROTOCOL.md §1, §2.1, §2.3)."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier import records, strict


@pytest.mark.parametrize("raw", [
    b'{"a":1,"a":2}', b'{"a":1.0}', b'{"a":1e3}', b'{"a":NaN}', b'{"a":Infinity}',
    b'{"a":9007199254740992}', b'{"a":1} x', b'\xff'])
def test_loads_rejects(raw: bytes) -> None:
    with pytest.raises(strict.StrictError):
        strict.loads(raw)


@pytest.mark.parametrize("raw", [b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":"\\u0041"}',
                                 b'{"a":-0}'])
def test_non_canonical_rejected(raw: bytes) -> None:
    with pytest.raises(strict.StrictError):
        strict.loads_canonical(raw)


@pytest.mark.parametrize("v", ["QQ", "QR==", "QQ==\n", " QQ==", "QQ=", "Q===", "QQ==QQ=="])
def test_base64_rejects(v: str) -> None:
    with pytest.raises(strict.StrictError):
        strict.b64_bytes(v)


@pytest.mark.parametrize("v", ["00", "01", "+1", " 1", "1_0", "١"])
def test_decimal_rejects(v: str) -> None:
    with pytest.raises(strict.StrictError):
        strict.decimal(v)


@pytest.mark.parametrize("v", ["ab" * 31, "AB" * 32, "ab" * 33, "a" * 63, 5])
def test_hash_rejects(v: object) -> None:
    with pytest.raises(strict.StrictError):
        strict.hex_bytes(v)


SEED = {"ceremony": "lottery", "seed": "00" * 32, "input_root": "00" * 32, "input_size": 0}


def _entry(type_: str, body: dict[str, Any], v: int = 2) -> dict[str, Any]:
    return {"v": v, "event": "e", "seq": 0, "time": "2026-01-01T00:00:00Z", "type": type_,
            "body": body}


def test_a_v2_entry_is_accepted() -> None:
    records.entry(_entry("seed", SEED), None, 0)


def test_unknown_member_rejected() -> None:
    with pytest.raises(strict.StrictError, match="unknown member extra"):
        records.entry(_entry("seed", {**SEED, "extra": 1}), None, 0)


def test_unknown_entry_type_rejected() -> None:
    with pytest.raises(strict.StrictError, match="unknown entry type"):
        records.entry(_entry("reseed", {}), None, 0)


def test_version_1_is_refused_as_such() -> None:
    """v2 preamble: a v1 entry or rule set is not read as v2, and the message says why."""
    with pytest.raises(records.VersionOneError, match="version 1 bundles are not supported"):
        records.entry(_entry("seed", SEED, v=1), None, 0)
    rules = {"type": "rules", "version": 1, "event": "e"}
    with pytest.raises(records.VersionOneError):
        records.rules(rules)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(alphabet=st.characters(max_codepoint=127), max_size=5), inner,
                      max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_fast_canon_equals_rfc8785_in_domain(value: Any) -> None:
    """§2.1: the fast serialiser yields RFC 8785's bytes on the v2 domain."""
    try:
        ref = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        return
    assert strict.canon(value) == ref
    assert strict.loads_canonical(ref) == value


@pytest.mark.parametrize("raw", [
    b'{"a":1,"a":1}', b'{"a":1,"a":2}', b'{"a":{"b":1,"b":1}}', b'[{"a":1,"a":1}]',
    b'{"a":1,"\\u0061":1}', b'{"a":true,"b":1,"b":1}'])
def test_canonical_parse_rejects_duplicate_keys(raw: bytes) -> None:
    """§2.1: the fast entry parser drops a repeated key; the byte comparison catches it."""
    with pytest.raises(strict.StrictError, match="repeat"):
        strict.loads_canonical(raw)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(alphabet="abc", min_size=1, max_size=2), _json, min_size=1,
                       max_size=4), st.data())
def test_any_repeated_member_is_rejected(value: dict[str, Any], data: st.DataObject) -> None:
    """§2.1: repeating any member of a canonical object (same or other value) is rejected."""
    try:
        raw = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        return
    key = data.draw(st.sampled_from(sorted(value)))
    other = data.draw(st.sampled_from([value[key], None, 7]))
    member = rfc8785.dumps({key: value[key]})[1:-1]
    dup = rfc8785.dumps({key: other})[1:-1]
    # Put the repeat right after the original, keeping every other byte canonical.
    bad = raw.replace(member, member + b"," + dup, 1)
    assert bad != raw
    with pytest.raises(strict.StrictError):
        strict.loads_canonical(bad)


def test_remembered_identifiers_still_reject_bad_ones() -> None:
    """Identifier checks remember valid values only; a bad id is rejected every time."""
    school = {"type": "school", "id": "S1", "name": "学校", "district": "D1",
              "authority": "city", "tuition": 0, "quota": 1, "community_quota": 0,
              "nine_year": False}
    for _ in range(3):
        records.school(dict(school))
        for bad in ("bad id", "", "-S1", 5, None):
            with pytest.raises(strict.StrictError):
                records.school(dict(school, district=bad))


@pytest.mark.parametrize("depth", [5000, 30000])
def test_deeply_nested_json_is_refused_not_a_crash(depth: int) -> None:
    """An entry below 65,536 bytes can nest 30,000 arrays: a StrictError, not a
    RecursionError escaping the parser."""
    raw = b"[" * depth + b"]" * depth
    with pytest.raises(strict.StrictError, match="nested too deeply"):
        strict.loads_for_canonical_check(raw)
    with pytest.raises(strict.StrictError, match="nested too deeply"):
        strict.loads(raw)
