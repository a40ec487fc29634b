"""Strict JSON and field parsing (PROTOCOL.md §1, §2.1, §2.3).

``json.loads`` keeps the last duplicate key and accepts floats, NaN and huge
integers; ``int()`` accepts ``"+7"`` and ``" 7 "``; ``b64decode`` skips junk.
Every parser here rejects such input instead.

Canonical bytes: within the §2.1 domain (ASCII keys, integers ≤ 2^53−1, no
floats, valid Unicode) ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` yields exactly the RFC 8785 bytes: keys are ASCII, so
code-point and UTF-16 order agree, and both escape only ``"``, ``\\`` and
controls below U+0020 in the same way. ``canon_rfc8785`` is the reference.

Duplicate keys in bulk input: ``loads`` finds them with an ``object_pairs_hook``,
which costs a Python call per object. ``loads_canonical`` (used for every log
entry) parses with the plain C decoder instead and relies on the byte comparison
it must make anyway: if ``raw`` had an object with a repeated key, the decoder
keeps one member, so ``canon(value)`` has fewer members than ``raw`` in that
object. Were the bytes still equal, ``raw`` would be ``canon`` of a dict, and
``canon`` never writes a key twice in one object: a contradiction. So
``canon(parse(raw)) == raw`` implies ``raw`` has no duplicate key, and a line
with one is rejected as non-canonical.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import re
from typing import Any

import rfc8785

from verifier.errors import VerificationError

MAX_SAFE_INTEGER = 2**53 - 1

EVENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
REG = re.compile(r"[A-Z0-9]{4,32}")
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
DECIMAL = re.compile(r"0|[1-9][0-9]*")
B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                            allow_nan=False, check_circular=False)
"""check_circular off: values come from the JSON parser or literals, never cyclic."""


class StrictError(ValueError):
    """Input outside the §2.1/§2.3 domain; callers wrap it in VerificationError."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        keys = [k for k, _ in pairs]
        dup = next(k for k in keys if keys.count(k) > 1)
        raise StrictError(f"duplicate key {dup!r} (§2.1)")
    return obj


def _no_float(text: str) -> Any:
    raise StrictError(f"floating-point number {text} (§2.1)")


def _int(text: str) -> int:
    value = int(text)
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    raise StrictError(f"integer {text} outside ±(2^53−1) (§2.1)")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_no_float,
                            parse_constant=_no_float, parse_int=_int)
_FAST_DECODER = json.JSONDecoder(parse_float=_no_float, parse_constant=_no_float,
                                 parse_int=_int)
"""Like _DECODER but a repeated key silently keeps the last member: only for
bytes that are then compared with their canonical encoding (module doc)."""


def _decode(decoder: json.JSONDecoder, raw: bytes | str) -> Any:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value, end = decoder.raw_decode(text)
    except StrictError:
        raise
    except (UnicodeDecodeError, ValueError) as exc:
        raise StrictError(f"not JSON: {exc}") from None
    except RecursionError:
        raise StrictError("JSON nested too deeply") from None
    if end != len(text):
        raise StrictError("trailing data after JSON value")
    return value


def loads(raw: bytes | str) -> Any:
    """Parse JSON strictly: no duplicate keys, no floats, safe integers only."""
    return _decode(_DECODER, raw)


def loads_for_canonical_check(raw: bytes) -> Any:
    """Parse like ``loads`` but without looking for duplicate keys.

    Callers MUST then require ``raw`` to equal the canonical encoding of the
    result, which rejects duplicate keys (module doc); see ``loads_canonical``.
    """
    return _decode(_FAST_DECODER, raw)


def canon(value: Any) -> bytes:
    """canon(v) for values inside the §2.1 domain (fast path, see module doc)."""
    try:
        return _ENCODER.encode(value).encode("utf-8")
    except (UnicodeEncodeError, ValueError) as exc:
        raise StrictError(f"cannot encode canonically: {exc}") from None
    except RecursionError:
        raise StrictError("JSON nested too deeply") from None


def canon_rfc8785(value: Any) -> bytes:
    """canon(v) by the reference RFC 8785 implementation."""
    return rfc8785.dumps(value)


def loads_canonical(raw: bytes) -> Any:
    """Parse ``raw`` strictly and require it to be its own canonical encoding.

    The comparison also rejects duplicate keys (module doc).
    """
    value = loads_for_canonical_check(raw)
    if canon(value) != raw:
        raise StrictError("bytes are not the canonical encoding, or repeat a key "
                          "(§2.1, §2.3)")
    return value


def hex_bytes(value: Any, size: int | None = 32) -> bytes:
    """Lowercase hex of exactly ``size`` bytes (any even length when None).

    Canonical by round trip, like base64: ``fromhex`` also takes upper case and
    spaces, but then ``.hex()`` differs from the text (and is faster than a regex
    on the 10^5 lottery numbers of a city).
    """
    try:
        data = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        data = None
    if data is None or data.hex() != value:
        raise StrictError(f"not lowercase hex: {value!r} (§1)")
    if size is not None and len(data) != size:
        raise StrictError(f"hex of {len(data)} bytes, need {size} (§1, §2.3)")
    return data


def b64_bytes(value: Any, size: int | None = None) -> bytes:
    """Standard padded base64, canonical (decode, re-encode, compare; §1)."""
    if not isinstance(value, str) or len(value) % 4 or not B64.fullmatch(value):
        raise StrictError(f"not canonical base64: {value!r} (§1)")
    try:
        data = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise StrictError(f"not canonical base64: {value!r} (§1)") from None
    if base64.b64encode(data).decode("ascii") != value:
        raise StrictError(f"non-canonical base64: {value!r} (§1)")
    if size is not None and len(data) != size:
        raise StrictError(f"base64 of {len(data)} bytes, need {size} (§1)")
    return data


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decimal(text: str) -> int:
    """Canonical decimal: ``0`` or ``[1-9][0-9]*`` (§1)."""
    if not DECIMAL.fullmatch(text):
        raise StrictError(f"non-canonical decimal: {text!r} (§1)")
    return int(text)


def date(value: Any) -> str:
    """A valid Gregorian ``YYYY-MM-DD`` date (§1)."""
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise StrictError(f"bad date {value!r} (§1)")
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        raise StrictError(f"bad date {value!r} (§1)") from None
    return value


def time(value: Any) -> str:
    """A UTC ``YYYY-MM-DDTHH:MM:SSZ`` time (§1)."""
    if not isinstance(value, str) or not TIME.fullmatch(value):
        raise StrictError(f"bad time {value!r} (§1)")
    try:
        _dt.datetime.fromisoformat(value[:-1])
    except ValueError:
        raise StrictError(f"bad time {value!r} (§1)") from None
    return value


def seconds(value: str) -> int:
    """Unix seconds of a §1 time already checked by ``time`` (exact: UTC, no leap seconds)."""
    return int(_dt.datetime.fromisoformat(value[:-1]).replace(tzinfo=_dt.UTC).timestamp())


def wrap(step: str, section: str, exc: StrictError) -> VerificationError:
    """Turn a parse failure into the step's VerificationError."""
    return VerificationError(step, section, str(exc))
