"""core.canonical: the fast encoder is byte-identical to RFC 8785 inside the §2.1 domain,
and refuses anything outside it (PROTOCOL.md §2.1)."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core.canonical import MAX_SAFE_INTEGER, canonical_json
from lottery_service.core.errors import CanonicalError

ascii_keys = st.text(alphabet=st.characters(max_codepoint=127), max_size=8)
scalars = (
    st.none() | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ascii_keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(values)
def test_identical_to_rfc8785(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("value", [
    1.5, 2**53, -(2**53), {"ключ": 1}, {1: 2}, "\ud800", {"a": [1, {"b": 0.0}]},
])
def test_outside_the_domain_is_refused(value: Any) -> None:
    with pytest.raises(CanonicalError):
        canonical_json(value)


def _outside(value: Any) -> bool:
    """The §2.1 domain's complement, written plainly (the reference for the property)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return False
    if isinstance(value, int):
        return abs(value) > MAX_SAFE_INTEGER
    if isinstance(value, list):
        return any(_outside(v) for v in value)
    if isinstance(value, dict):
        return any(not isinstance(k, str) or not k.isascii() or _outside(v)
                   for k, v in value.items())
    return True


mixed = st.recursive(
    scalars | st.floats(allow_nan=False) | st.integers(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=3) | st.integers(0, 3), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(mixed)
def test_refused_exactly_outside_the_domain_with_the_path(value: Any) -> None:
    """The fast domain pass and the path-naming refusal agree: a value is refused
    exactly when some item is outside §2.1, and the message starts with its path."""
    if _outside(value):
        with pytest.raises(CanonicalError, match=r"^\$"):
            canonical_json(value)
    else:
        assert canonical_json(value) == rfc8785.dumps(value)


def test_nesting_past_the_encoders_limit_is_refused_not_crashed() -> None:
    """orjson stops at 255 levels; no entry nests more than a few, and a deeper value is
    a CanonicalError like any other refusal, never an encoder exception."""
    assert canonical_json([[[1]]]) == b"[[[1]]]"
    deep: Any = 1
    for _ in range(300):
        deep = [deep]
    with pytest.raises(CanonicalError, match="cannot encode"):
        canonical_json(deep)


def test_an_encoding_holds_only_its_own_bytes() -> None:
    """orjson's own result keeps its ~4 KiB working buffer; canonical_json returns a
    compact copy, so a province's 2,000,000 leaves do not take 8 GB."""
    import tracemalloc

    value = {"reg": "R202600001234", "school": "S0001"}
    tracemalloc.start()
    try:
        held = [canonical_json(value) for _ in range(1000)]
        used, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(held) == 1000
    assert used < 1000 * 256  # each is 43 bytes plus the bytes object's header
