"""Canonical JSON (PROTOCOL.md §2.1): RFC 8785 restricted to the v1 value domain.

Inside that domain (ASCII keys, no floats, |int| ≤ 2^53-1, valid Unicode) the
standard library's encoder with sorted keys and no whitespace yields exactly the
RFC 8785 bytes, and is several times faster than a pure-Python RFC 8785
serialiser on city-scale rosters. `tests/unit/test_canonical.py` checks the identity
against the `rfc8785` package with Hypothesis. The domain check runs first, so a
value outside it raises instead of being encoded loosely.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import CanonicalError

MAX_SAFE_INTEGER = 2**53 - 1

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _in_domain(value: Any) -> bool:
    """The §2.1 domain, checked without building paths: the hot path of every encoding
    (a path string per item cost more than the encoding itself on city-scale inputs)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        safe: bool = -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
        return safe
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                return False
            item_kind = type(item)  # the scalars inline: a call per member costs more
            if item_kind is str or item_kind is bool or item is None:
                continue
            if item_kind is int:
                if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    return False
            elif not _in_domain(item):
                return False
        return True
    if kind is list or kind is tuple:
        return all(map(_in_domain, value))
    return False


def _refuse(value: Any, path: str) -> None:
    """Raise CanonicalError at the first item outside the domain, naming its path."""
    kind = type(value)
    if kind is int and not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise CanonicalError(f"{path}: integer {value} outside ±(2^53-1)")
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                raise CanonicalError(f"{path}: object key {key!r} is not an ASCII string")
            _refuse(item, f"{path}.{key}")
    elif kind is list or kind is tuple:
        for index, item in enumerate(value):
            _refuse(item, f"{path}[{index}]")
    elif not (kind is str or kind is bool or kind is int or value is None):
        raise CanonicalError(f"{path}: {kind.__name__} is not allowed in canonical JSON")


def canonical_json(value: Any) -> bytes:
    """Return canon(value) as UTF-8 bytes, or raise CanonicalError."""
    if not _in_domain(value):
        _refuse(value, "$")
    try:
        return _ENCODER.encode(value).encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogate
        raise CanonicalError(f"invalid Unicode in string: {exc.reason}") from exc
