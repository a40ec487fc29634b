"""Strict reading of protocol JSON (PROTOCOL.md §1, §2.1, §2.3): identifiers, members, values.

Every `from_json` of a record (§3) or an entry body (§11.2) reads its members
through these functions, so one value is refused the same way everywhere: an
object with exactly the members named, each of the JSON type and syntax §1
gives it (a `bool` is never an integer, hex is lowercase and of the exact
length, base64 and decimal are canonical). `loads` parses JSON text refusing
duplicate keys, floating-point numbers and integers beyond ±(2^53 − 1).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Collection
from enum import StrEnum
from typing import Any, Final, TypeVar

from .errors import ProtocolError

__all__ = [
    "CLOCK", "DATE", "EVENT_ID", "HEX32", "ID", "MASKED_NAME", "MAX_SAFE_INTEGER", "REG",
    "TIME", "StrictError", "b64", "boolean", "choice", "clock", "date", "hex_bytes",
    "integer", "is_masked_name", "items", "loads", "members", "optional_integer",
    "optional_time", "pattern", "text", "time",
]

EVENT_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
REG: Final = re.compile(r"[A-Z0-9]{4,32}")
ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
CLOCK: Final = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
HEX32: Final = re.compile(r"[0-9a-f]{64}")
MASKED_NAME: Final = re.compile(r"[^*]\*(?:[^*])?")
"""§3.2: first character, `*`, and the last character when the name has two or more."""
_HEX: Final = re.compile(r"[0-9a-f]*")  # the callers check the length
MAX_SAFE_INTEGER: Final = 2**53 - 1

E = TypeVar("E", bound=StrEnum)
Obj = dict[str, Any]


class StrictError(ProtocolError):
    """A value outside what §1/§2 allow: a member missing or unknown, a wrong type or syntax."""

    title_zh = "数据格式不符合协议（§1、§2.3）"
    section = "2.3"


# ------------------------------------------------------------------- JSON text


def _pairs(pairs: list[tuple[str, Any]]) -> Obj:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise StrictError("duplicate key in a JSON object (§2.1)", section="2.1")
    return obj


def _no_float(text: str) -> Any:
    raise StrictError(f"floating-point number {text} (§2.1)", section="2.1")


def _safe_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise StrictError(f"integer {text} outside ±(2^53 − 1) (§2.1)", section="2.1")
    return value


_DECODER: Final = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_no_float,
                                   parse_constant=_no_float, parse_int=_safe_int)


def loads(data: bytes | str) -> Any:
    """JSON text in the §2.1 value domain: no duplicate key, no float, safe integers."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value, end = _DECODER.raw_decode(text)
    except UnicodeDecodeError as exc:
        raise StrictError(f"not UTF-8: {exc.reason}", section="2.1") from None
    except RecursionError:
        raise StrictError("JSON nested too deeply", section="2.1") from None
    except json.JSONDecodeError as exc:
        raise StrictError(f"not JSON: {exc.msg} at {exc.pos}", section="2.1") from None
    if end != len(text):
        raise StrictError("data after the JSON value", section="2.1")
    return value


# ---------------------------------------------------------------- object members


def members(obj: Any, names: Collection[str], what: str) -> Obj:
    """`obj` as an object with exactly the members `names` (§11.2: all required, no others)."""
    if type(obj) is not dict:
        raise StrictError(f"{what}: not an object")
    wanted = names if type(names) is frozenset else set(names)  # a body's: made once
    if obj.keys() != wanted:
        missing = sorted(set(names) - obj.keys())
        if missing:
            raise StrictError(f"{what}: missing member {', '.join(missing)}", section="11.2")
        extra = sorted(obj.keys() - set(names))
        raise StrictError(f"{what}: unknown member {', '.join(map(str, extra))}",
                          section="2.3")
    out: Obj = obj
    return out


def text(obj: Obj, key: str, what: str, *, nonempty: bool = False) -> str:
    value = obj[key]
    if type(value) is not str:
        raise StrictError(f"{what}.{key}: not a string")
    if nonempty and not value:
        raise StrictError(f"{what}.{key}: not a non-empty string", section="11.2")
    return value


def pattern(obj: Obj, key: str, what: str, regex: re.Pattern[str], kind: str) -> str:
    value = obj[key]
    if type(value) is not str or not regex.fullmatch(value):
        raise StrictError(f"{what}.{key}: not a {kind}: {value!r}", section="1")
    return value


def integer(obj: Obj, key: str, what: str, minimum: int = 0) -> int:
    value = obj[key]
    if type(value) is not int:
        raise StrictError(f"{what}.{key}: not an integer", section="2.1")
    if value < minimum:
        raise StrictError(f"{what}.{key}: below {minimum}", section="11.2")
    if value > MAX_SAFE_INTEGER:
        raise StrictError(f"{what}.{key}: integer outside ±(2^53 − 1)", section="2.1")
    return value


def optional_integer(obj: Obj, key: str, what: str, minimum: int = 0) -> int | None:
    return None if obj[key] is None else integer(obj, key, what, minimum)


def boolean(obj: Obj, key: str, what: str) -> bool:
    value = obj[key]
    if type(value) is not bool:
        raise StrictError(f"{what}.{key}: not true or false")
    return value


def choice(obj: Obj, key: str, what: str, enum: type[E]) -> E:
    value = obj[key]
    if type(value) is str:
        try:
            return enum(value)
        except ValueError:
            pass
    names = ", ".join(e.value for e in enum)
    raise StrictError(f"{what}.{key}: not one of {names}", section="11.2")


def literal(obj: Obj, key: str, what: str, allowed: tuple[str, ...]) -> str:
    """A string member from a closed set given as a tuple (the Literal types' values)."""
    value = obj[key]
    if type(value) is not str or value not in allowed:
        raise StrictError(f"{what}.{key}: not one of {', '.join(allowed)}", section="11.2")
    return value


def hex_bytes(obj: Obj, key: str, what: str, size: int = 32) -> bytes:
    """Lowercase hex of exactly `size` bytes (§1)."""
    value = obj[key]
    if type(value) is not str or len(value) != 2 * size or not _HEX.fullmatch(value):
        kind = "hex32" if size == 32 else f"{size} bytes of lowercase hex"
        raise StrictError(f"{what}.{key}: not a {kind}", section="1")
    return bytes.fromhex(value)


def optional_hex(obj: Obj, key: str, what: str, size: int = 32) -> bytes | None:
    return None if obj[key] is None else hex_bytes(obj, key, what, size)


def decode_b64(value: Any, what: str) -> bytes:
    """RFC 4648 §4 base64, canonical: alphabet, padding and trailing bits (§1)."""
    if type(value) is not str or not value.isascii():
        raise StrictError(f"{what}: not canonical base64", section="1")
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise StrictError(f"{what}: not canonical base64", section="1") from None
    if base64.b64encode(raw).decode("ascii") != value:
        raise StrictError(f"{what}: not canonical base64", section="1")
    return raw


def b64(obj: Obj, key: str, what: str, size: int | None = None) -> bytes:
    raw = decode_b64(obj[key], f"{what}.{key}")
    if size is not None and len(raw) != size:
        raise StrictError(f"{what}.{key}: not {size} bytes", section="11.2")
    return raw


def date(value: Any, what: str) -> str:
    """`YYYY-MM-DD`, a valid Gregorian date (§1)."""
    if type(value) is str and DATE.fullmatch(value):
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise StrictError(f"{what}: not a date YYYY-MM-DD: {value!r}", section="1")


def time(obj: Obj, key: str, what: str) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`, a valid UTC time (§1)."""
    value = obj[key]
    if type(value) is str and TIME.fullmatch(value):
        try:
            dt.datetime.fromisoformat(value[:-1])
            return value
        except ValueError:
            pass
    raise StrictError(f"{what}.{key}: not a time YYYY-MM-DDTHH:MM:SSZ", section="1")


def optional_time(obj: Obj, key: str, what: str) -> str | None:
    return None if obj[key] is None else time(obj, key, what)


def clock(obj: Obj, key: str, what: str) -> str:
    """`HH:MM`, 00:00–23:59, Beijing time (§1)."""
    return pattern(obj, key, what, CLOCK, "clock time HH:MM")


def items(obj: Obj, key: str, what: str, *, nonempty: bool = False) -> list[Any]:
    value = obj[key]
    if type(value) is not list:
        raise StrictError(f"{what}.{key}: not an array")
    if nonempty and not value:
        raise StrictError(f"{what}.{key}: empty", section="11.2")
    out: list[Any] = value
    return out


def is_masked_name(name: str) -> bool:
    return MASKED_NAME.fullmatch(name) is not None


def ascending(values: list[str], what: str) -> None:
    """Strictly ascending: sorted and distinct."""
    if any(a >= b for a, b in itertools.pairwise(values)):
        raise StrictError(f"{what}: not sorted and distinct")


def each(values: list[Any], what: str, read: Callable[[Any, str], Any]) -> list[Any]:
    """Read every element, naming its index in an error."""
    return [read(v, f"{what}[{i}]") for i, v in enumerate(values)]
