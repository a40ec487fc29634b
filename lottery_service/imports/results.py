"""What an import returns: rows, row errors and the facts of the file (issue 9, 12 §4).

All-or-nothing: a result with any error MUST be rejected as a whole by the caller
(show `format_report(result)` and store nothing); `rows` then only holds the rows
that were well-formed, for preview. `ImportResult.checked()` does exactly this.

Rows are kept packed (one UTF-8 record per row in a shared buffer) and rebuilt
on access, so a 2,000,000-row file fits in a few hundred MB (issue 13 §4).
"""

from __future__ import annotations

import dataclasses
import enum
import operator
import types
import typing
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

__all__ = [
    "FileRefused",
    "ImportRejected",
    "ImportResult",
    "Note",
    "PackedRows",
    "Reason",
    "RowError",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a cell or file is refused: English, Chinese, an optional hint and rule ID."""

    en: str
    zh: str
    hint_zh: str = ""
    hint_en: str = ""
    rule: str = ""


@dataclass(frozen=True, slots=True)
class RowError:
    """One error: spreadsheet row (0 = the file itself), field, reason.

    `field`/`reason` are English and make up equality; the rest ride along for
    the Chinese report: the field's Chinese name, the column as written in the
    file, the offending value (sanitised and truncated, never a full ID number),
    a hint and the rule ID.
    """

    row: int
    field: str
    reason: str
    field_zh: str = dataclasses.field(default="", compare=False, repr=False)
    reason_zh: str = dataclasses.field(default="", compare=False, repr=False)
    column: str = dataclasses.field(default="", compare=False, repr=False)
    value: str = dataclasses.field(default="", compare=False, repr=False)
    hint: str = dataclasses.field(default="", compare=False, repr=False)
    hint_en: str = dataclasses.field(default="", compare=False, repr=False)
    rule: str = dataclasses.field(default="", compare=False, repr=False)

    @classmethod
    def of(cls, row: int, field: str, field_zh: str, reason: Reason, *, column: str = "",
           value: str = "") -> RowError:
        return cls(row, field, reason.en, field_zh, reason.zh, column or field_zh, value,
                   reason.hint_zh, reason.hint_en, reason.rule)

    def to_json(self) -> dict[str, Any]:
        """The API's shape (Chinese first; English on the switch)."""
        return {"row": self.row, "field": self.field, "column": self.column or self.field_zh,
                "value": self.value, "reason": self.reason, "reason_zh": self.reason_zh,
                "hint": self.hint, "hint_en": self.hint_en, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class Note:
    """A fact about the file worth telling the office (header row taken, columns ignored)."""

    zh: str
    en: str


class FileRefused(Exception):
    """Raised by the readers: the file is refused as a whole (at `row`, 0 = the file)."""

    def __init__(self, reason: Reason, row: int = 0) -> None:
        super().__init__(reason.en)
        self.reason, self.row = reason, row


class ImportRejected(ValueError):
    """A file with errors: nothing of it may be imported."""

    def __init__(self, result: ImportResult[Any]) -> None:
        from .report import format_report

        super().__init__(format_report(result))
        self.result = result


@dataclass(frozen=True, slots=True)
class ImportResult(Generic[T]):
    """Well-formed rows, every error (up to `ImportLimits.max_errors`) and file facts."""

    rows: Sequence[T]
    errors: tuple[RowError, ...]
    more_errors: int = 0  # errors found beyond the collected ones
    kind: str = ""
    header_row: int = 0  # spreadsheet row taken as the header (0: none found)
    encoding: str = ""  # CSV: the one encoding the file was read in
    columns: tuple[tuple[str, str], ...] = ()  # (field, column as written), file order
    notes: tuple[Note, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.more_errors

    def with_errors(self, extra: Iterable[RowError], cap: int = 1_000) -> ImportResult[T]:
        """This result with the validators' errors added (rules.py), in row order."""
        errors = sorted([*self.errors, *extra], key=lambda e: e.row)
        more = self.more_errors + max(len(errors) - cap, 0)
        return dataclasses.replace(self, errors=tuple(errors[:cap]), more_errors=more)

    def checked(self) -> Sequence[T]:
        """The rows, or `ImportRejected` if the file has any error (all-or-nothing)."""
        if self.errors:
            raise ImportRejected(self)
        return self.rows


# --------------------------------------------------------------------------- packed rows

_SEP = "\x1f"  # unit separator: control characters never survive the door (cells.py)
_NONE = "\x1e"


def _codec(hint: Any) -> tuple[Callable[[Any], str], Callable[[str], Any]]:
    """Encoder/decoder of one field type: str, bool, int, Literal, StrEnum, X | None."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        enc, dec = _codec(args[0])
        return (lambda v: _NONE if v is None else enc(v)), (
            lambda s: None if s == _NONE else dec(s))
    if hint is bool:
        return (lambda v: "1" if v else "0"), (lambda s: s == "1")
    if hint is int:
        return str, int
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return (lambda v: str(v.value)), hint
    if hint is str or origin is typing.Literal:
        return (lambda v: v), (lambda s: s)
    raise TypeError(f"cannot pack a field of type {hint!r}")


class _RowCodec(Generic[T]):
    def __init__(self, cls: type[T]) -> None:
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        self.cls = cls
        self.get = operator.attrgetter(*names)
        self.enc, self.dec = zip(*(_codec(hints[n]) for n in names), strict=True)

    def pack(self, row: T) -> bytes:
        return _SEP.join([e(v) for e, v in zip(self.enc, self.get(row), strict=True)]).encode()

    def unpack(self, data: bytes) -> T:
        parts = data.decode().split(_SEP)
        return self.cls(*[d(p) for d, p in zip(self.dec, parts, strict=True)])


_CODECS: dict[type[Any], _RowCodec[Any]] = {}


class PackedRows(Sequence[T]):
    """An append-only sequence of frozen row dataclasses, stored packed."""

    def __init__(self, cls: type[T], rows: Sequence[T] = ()) -> None:
        codec = _CODECS.get(cls)
        if codec is None:
            codec = _CODECS[cls] = _RowCodec(cls)
        self._codec: _RowCodec[T] = codec
        self._buf = bytearray()
        self._ends = array("Q")
        for r in rows:
            self.append(r)

    def append(self, row: T) -> None:
        self._buf += self._codec.pack(row)
        self._ends.append(len(self._buf))

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[T]: ...
    def __getitem__(self, i: int | slice) -> T | Sequence[T]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        n = len(self._ends)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("row index out of range")
        start = self._ends[i - 1] if i else 0
        return self._codec.unpack(bytes(self._buf[start:self._ends[i]]))

    def __iter__(self) -> Iterator[T]:
        start, buf, unpack = 0, self._buf, self._codec.unpack
        for end in self._ends:
            yield unpack(bytes(buf[start:end]))
            start = end

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other,
                                                                            strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PackedRows({len(self)} × {self._codec.cls.__name__})"
