"""Class-register re-check (PROTOCOL.md §15; rule S9).

The city bureau compares a school's class register, exported from the student
registry (学籍), with the logged grouping. `parse_register` reads the export
exactly as §15 says (bytes in, so it stays pure; the standalone verifier has its
own implementation, and both are held to tests/vectors/register.json), and
`compare_register` lists every departure.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from .errors import ProtocolError

__all__ = ["RegisterDiff", "RegisterFormatError", "compare_register", "parse_register"]


@dataclass(frozen=True, slots=True)
class RegisterDiff:
    """Every departure from the logged grouping, each list sorted by reg."""

    moved: tuple[tuple[str, str, str], ...]  # (reg, logged class, register class)
    missing_from_register: tuple[str, ...]  # grouped, absent from the register
    not_in_grouping: tuple[str, ...]  # in the register, never grouped

    @property
    def clean(self) -> bool:
        """True when the school kept the grouping exactly (S9)."""
        return not (self.moved or self.missing_from_register or self.not_in_grouping)


def compare_register(grouping: Mapping[str, str], register: Mapping[str, str]) -> RegisterDiff:
    """Compare reg -> class from the log with reg -> class from the register (§15)."""
    moved = tuple(
        (reg, cls, register[reg])
        for reg, cls in sorted(grouping.items())
        if reg in register and register[reg] != cls
    )
    missing = tuple(sorted(reg for reg in grouping if reg not in register))
    extra = tuple(sorted(reg for reg in register if reg not in grouping))
    return RegisterDiff(moved=moved, missing_from_register=missing, not_in_grouping=extra)


# ------------------------------------------------------------- reading (§15)

REG_HEADERS: Final = frozenset({"reg", "学籍号", "报名号"})
CLASS_HEADERS: Final = frozenset({"class", "班级"})
_TRIMMED: Final = " \t\u3000"  # §15: space, tab, ideographic space; nothing else
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_REG_NUMBER: Final = re.compile(r"[A-Z0-9]{4,32}")


class RegisterFormatError(ProtocolError):
    """The upload is not a §15 class register; `code`/`row` as in tests/vectors/register.json.

    The message is Chinese first, then English.
    """

    section = "15"

    def __init__(self, code: str, row: int | None, zh: str, en: str) -> None:
        where_zh = f"第 {row} 行：" if row is not None else ""
        where_en = f"row {row}: " if row is not None else ""
        super().__init__(f"{where_zh}{zh} / {where_en}{en}")
        self.code = code
        self.row = row


def _text(data: bytes) -> str:
    """UTF-8 after a UTF-8 BOM (nothing else then); else UTF-8; else GB18030 (§15)."""
    if data[:3] == _UTF8_BOM:
        encodings: tuple[str, ...] = ("utf-8",)
        data = data[3:]
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text[1:] if encoding == "gb18030" and text[:1] == "\ufeff" else text
    raise RegisterFormatError("encoding", None, "文件不是 UTF-8 或 GB18030 编码的文本",
                              "the file is not UTF-8 or GB18030 text")


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records as (line the record starts on, trimmed cells)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise RegisterFormatError("csv", start, f"CSV 格式错误：{exc}",
                                      f"broken CSV: {exc}") from None
        trimmed = [cell.strip(_TRIMMED) for cell in cells]
        if any(trimmed):
            yield start, trimmed
        start = reader.line_num + 1


def _one_column(header: list[str], names: frozenset[str], kind: str, zh: str,
                row: int) -> int:
    at = [i for i, name in enumerate(header) if name in names]
    if len(at) == 1:
        return at[0]
    wanted = "/".join(sorted(names))
    if not at:
        raise RegisterFormatError(f"no-{kind}-column", row, f"表头缺少{zh}列（{wanted}）",
                                  f"the header has no {kind} column ({wanted})")
    found = "、".join(header[i] for i in at)
    raise RegisterFormatError(f"ambiguous-{kind}-column", row, f"表头有多个{zh}列：{found}",
                              f"the header has several {kind} columns: {found}")


def parse_register(data: bytes) -> dict[str, str]:
    """reg -> class from a registry export (§15); raises RegisterFormatError at the first
    error in file order, naming the row and the column as written in the header."""
    rows = _rows(_text(data))
    first = next(rows, None)
    if first is None:
        raise RegisterFormatError("empty", None, "文件没有表头行", "the file has no header row")
    header_row, header = first
    reg_at = _one_column(header, REG_HEADERS, "reg", "学籍号/报名号", header_row)
    class_at = _one_column(header, CLASS_HEADERS, "class", "班级", header_row)
    reg_name, class_name = header[reg_at], header[class_at]
    register: dict[str, str] = {}
    seen_on: dict[str, int] = {}
    for row, cells in rows:
        if any(cells[len(header):]):
            raise RegisterFormatError("extra-cell", row, "表头最后一列右边还有内容",
                                      "a cell right of the header's last column")
        cells += [""] * (len(header) - len(cells))
        reg, cls = cells[reg_at], cells[class_at]
        if not reg:
            raise RegisterFormatError("empty-reg", row, f"{reg_name}为空", f"{reg_name} is empty")
        if not _REG_NUMBER.fullmatch(reg):
            raise RegisterFormatError("bad-reg", row, f"{reg_name} {reg!r} 不是报名号格式",
                                      f"{reg_name} {reg!r} is not a registration number")
        if not cls:
            raise RegisterFormatError("empty-class", row, f"{class_name}为空",
                                      f"{class_name} is empty")
        if reg in register:
            raise RegisterFormatError("duplicate-reg", row,
                                      f"{reg} 重复（第 {seen_on[reg]} 行已有）",
                                      f"{reg} repeats row {seen_on[reg]}")
        register[reg] = cls
        seen_on[reg] = row
    return register
