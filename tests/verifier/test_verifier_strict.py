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


def test_unknown_member_rejected() -> None:
    with pytest.raises(strict.StrictError):
        records.entry({"v": 1, "event": "e", "seq": 0, "time": "2026-01-01T00:00:00Z",
                       "type": "seed", "body": {"ceremony": "lottery", "seed": "00" * 32,
                                                "extra": 1}}, None, 0)


def test_unknown_entry_type_rejected() -> None:
    with pytest.raises(strict.StrictError):
        records.entry({"v": 1, "event": "e", "seq": 0, "time": "2026-01-01T00:00:00Z",
                       "type": "reseed", "body": {}}, None, 0)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(alphabet=st.characters(max_codepoint=127), max_size=5), inner,
                      max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_fast_canon_equals_rfc8785_in_domain(value: Any) -> None:
    """§2.1: the fast serialiser yields RFC 8785's bytes on the v1 domain."""
    try:
        ref = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        return
    assert strict.canon(value) == ref
    assert strict.loads_canonical(ref) == value
