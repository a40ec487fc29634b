"""A streaming XLSX reader with bomb guards (issue 9 item 3, issue 13 §4).

XLSX is a zip of XML parts. The reader opens only the parts it needs (package
and workbook relationships, workbook, styles, shared strings, the first
worksheet) and refuses, before decompressing them, parts whose declared size
exceeds the remaining budget or whose compression ratio is that of a bomb. The
worksheet is parsed incrementally with expat (DTDs and entities refused) and
rows are produced one by one, sparse: a cell far to the right or a row far down
is refused at its reference, never padded out. A `<dimension>` larger than the
limits is refused at once.

Why not openpyxl's read-only mode: it pads every row to the sheet's width (the
108 KB sparse-cell bomb) and cannot be stopped at a limit; openpyxl still
supplies the date-format rules and Excel's date arithmetic.
"""

from __future__ import annotations

import importlib
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO
from xml.parsers import expat

from .cells import R_LONG_NUMBER, cell_text
from .limits import ImportLimits
from .results import FileRefused, Reason

__all__ = ["col_index", "read_xlsx"]

_openpyxl_numbers: Any = importlib.import_module("openpyxl.styles.numbers")
_openpyxl_datetime: Any = importlib.import_module("openpyxl.utils.datetime")

RawRow = tuple[int, list[str], dict[int, Reason] | None]

R_UNREADABLE = Reason("not a readable XLSX workbook", "不是可读取的 XLSX 工作簿",
                      "请用 Excel 或 WPS 打开后另存为 .xlsx（不是 .xls）再上传",
                      "open it in Excel or WPS and save it as .xlsx")
R_BAD_CELL = Reason("an unreadable cell value", "无法读取的单元格", "请重新输入该单元格",
                    "type the cell again")


def _too_many(what_en: str, what_zh: str, n: int) -> Reason:
    return Reason(f"more {what_en} than the limit of {n:,}", f"{what_zh}超过上限 {n:,}",
                  "请拆分文件，或检查表格中是否有大量空白但带格式的行列",
                  "split the file, or delete formatted but empty rows and columns")


def cell_too_long(n: int) -> Reason:
    return Reason(f"a cell longer than {n} characters", f"单元格超过 {n} 个字符",
                  "请检查该单元格", "check the cell")


class _Refused(Exception):
    pass


def _parser() -> Any:
    """An expat parser that refuses DTDs and entity declarations (billion laughs, XXE)."""
    p = expat.ParserCreate()

    def refuse(*_args: object) -> Any:
        raise _Refused

    p.StartDoctypeDeclHandler = refuse
    p.EntityDeclHandler = refuse
    p.ExternalEntityRefHandler = refuse
    p.buffer_text = True
    p.buffer_size = 1 << 16
    return p


def _local(name: str) -> str:
    return name[name.find(":") + 1:]


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """OOXML writes characters XML cannot carry as _xHHHH_ (ECMA-376 §22.9.2.19)."""
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


def col_index(ref: str) -> int:
    """'A1' → 0, 'XFD7' → 16383; -1 when `ref` has no column letters."""
    n = 0
    for ch in ref:
        o = ord(ch)
        if 65 <= o <= 90:
            n = n * 26 + o - 64
        elif 97 <= o <= 122:
            n = n * 26 + o - 96
        else:
            break
    return n - 1


def _ref_row(ref: str) -> int:
    digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$")
    return int(digits) if digits.isdigit() else 0


class _Book:
    def __init__(self, stream: BinaryIO, limits: ImportLimits) -> None:
        self.limits = limits
        try:
            self.zip = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise FileRefused(R_UNREADABLE) from None
        if len(self.zip.infolist()) > limits.max_xlsx_parts:
            raise FileRefused(_too_many("zip entries", "压缩包中的文件数", limits.max_xlsx_parts))
        self.budget = limits.max_uncompressed_bytes

    def open(self, name: str) -> Any:
        """A part, after its declared size and ratio pass the guards; None if absent."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        lim = self.limits
        if info.file_size > self.budget:
            raise FileRefused(Reason(
                f"the workbook unpacks to more than {lim.max_uncompressed_bytes:,} bytes",
                f"工作簿解压后超过 {lim.max_uncompressed_bytes:,} 字节",
                "请拆分文件", "split the file"))
        if info.file_size > lim.ratio_floor_bytes and \
                info.file_size > lim.max_compression_ratio * max(info.compress_size, 1):
            raise FileRefused(Reason(
                f"a part is compressed more than {lim.max_compression_ratio}:1 (a zip bomb)",
                f"工作簿中有部分的压缩比超过 {lim.max_compression_ratio}:1，疑似压缩炸弹",
                "请检查文件来源；正常表格不会这样", "check where the file came from"))
        self.budget -= info.file_size
        return self.zip.open(info)

    def parse(self, name: str, start: Callable[[str, dict[str, str]], None],
              end: Callable[[str], None] | None = None,
              text: Callable[[str], None] | None = None) -> bool:
        part = self.open(name)
        if part is None:
            return False
        p = _parser()
        p.StartElementHandler = start
        if end is not None:
            p.EndElementHandler = end
        if text is not None:
            p.CharacterDataHandler = text
        try:
            with part:
                while chunk := part.read(1 << 20):
                    p.Parse(chunk, False)
                p.Parse(b"", True)
        except (_Refused, expat.ExpatError, zipfile.BadZipFile, EOFError, OSError,
                ValueError):
            raise FileRefused(R_UNREADABLE) from None
        return True

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, target path) of `part`'s relationships."""
        folder, base = posixpath.split(part)
        rels: dict[str, tuple[str, str]] = {}

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else \
                    posixpath.normpath(posixpath.join(folder, target))
                rels[attrs.get("Id", "")] = (attrs.get("Type", ""), path)

        self.parse(posixpath.join(folder, "_rels", base + ".rels"), start)
        return rels


def _date_styles(book: _Book, path: str | None) -> list[bool]:
    """Per cell-style index (`s`): whether its number format is a date (or time)."""
    if path is None:
        return []
    custom: dict[int, str] = {}
    xfs: list[int] = []
    depth = {"cellXfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] = True
        elif local == "xf" and depth["cellXfs"]:
            xfs.append(int(attrs.get("numFmtId", "0")))

    def end(name: str) -> None:
        if _local(name) == "cellXfs":
            depth["cellXfs"] = False

    book.parse(path, start, end)
    builtin = _openpyxl_numbers.BUILTIN_FORMATS
    is_date = _openpyxl_numbers.is_date_format
    # 27-36 and 50-58: the East Asian built-in date formats (年/月/日) of Chinese Excel.
    cjk_dates = set(range(27, 37)) | set(range(50, 59))
    out = []
    for fmt_id in xfs:
        code = custom.get(fmt_id, builtin.get(fmt_id, ""))
        out.append(fmt_id in cjk_dates or bool(code and is_date(code)))
    return out


def _shared_strings(book: _Book, path: str | None) -> list[str | Reason]:
    """The shared strings, trimmed; one longer than a cell may be is its refusal."""
    if path is None:
        return []
    limit = book.limits.max_shared_strings
    cap = book.limits.max_cell_chars
    too_long = cell_too_long(cap)
    strings: list[str | Reason] = []
    parts: list[str] = []
    state = [False, 0]  # collecting <t>, depth inside <rPh> (phonetic runs: not text)

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "t":
            state[0] = state[1] == 0
        elif local == "si":
            parts.clear()
        elif local == "rPh":
            state[1] += 1

    def end(name: str) -> None:
        local = _local(name)
        if local == "t":
            state[0] = False
        elif local == "rPh":
            state[1] -= 1
        elif local == "si":
            if len(strings) >= limit:
                raise FileRefused(_too_many("shared strings", "共享字符串数", limit))
            text = _unescape("".join(parts)).strip()
            strings.append(text if len(text) <= cap else too_long)

    def chars(data: str) -> None:
        if state[0] and len(parts) < 16:  # a chunk is at most 64 KiB: bounded
            parts.append(data)

    book.parse(path, start, end, chars)
    return strings


def _dimension_check(ref: str, limits: ImportLimits) -> None:
    last = ref.rpartition(":")[2]
    rows, cols = _ref_row(last), col_index(last) + 1
    if rows > limits.max_rows or cols > limits.max_columns:
        raise FileRefused(Reason(
            f"the sheet declares the range {ref}, beyond {limits.max_rows:,} rows or "
            f"{limits.max_columns} columns",
            f"工作表声明的范围 {ref} 超过上限（{limits.max_rows:,} 行、"
            f"{limits.max_columns} 列）",
            "请把数据复制到新建的工作簿后另存为 .xlsx",
            "copy the data into a new workbook and save it"))


def read_xlsx(stream: BinaryIO, limits: ImportLimits) -> Iterator[RawRow]:
    """(row number, cells as text, bad cells) of the first worksheet, in order."""
    book = _Book(stream, limits)
    main = next((path for kind, path in book.relationships("").values()
                 if kind.endswith("/officeDocument")), "xl/workbook.xml")
    rels = book.relationships(main)
    by_type = {kind.rsplit("/", 1)[-1]: path for kind, path in rels.values()}
    first: list[str] = []
    date1904 = [False]

    def workbook(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet" and not first:
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
            first.append(rid)
        elif local == "workbookPr":
            date1904[0] = attrs.get("date1904", "0").lower() in ("1", "true")

    if not book.parse(main, workbook) or not first or first[0] not in rels:
        raise FileRefused(R_UNREADABLE)
    sheet_path = rels[first[0]][1]
    dates = _date_styles(book, by_type.get("styles"))
    strings = _shared_strings(book, by_type.get("sharedStrings"))
    yield from _sheet_rows(book, sheet_path, dates, strings, date1904[0])


def _sheet_rows(book: _Book, path: str, dates: list[bool], strings: list[str | Reason],
                date1904: bool) -> Iterator[RawRow]:
    """The worksheet's rows. The expat handlers are closures over local state: this is
    the hot loop of a province-size import (~30 million cells)."""
    lim = book.limits
    max_rows, max_cols, max_cells, cap = lim.max_rows, lim.max_columns, lim.max_cells, \
        lim.max_cell_chars
    epoch = _openpyxl_datetime.CALENDAR_MAC_1904 if date1904 else \
        _openpyxl_datetime.CALENDAR_WINDOWS_1900
    from_excel = _openpyxl_datetime.from_excel
    date_styles = {str(i) for i, is_date in enumerate(dates) if is_date}
    date_text: dict[str, str | Reason] = {}
    out: list[RawRow] = []
    C, V, T, ROW, IS, RPH, DIM = "c", "v", "t", "row", "is", "rPh", "dimension"
    columns: dict[str, int] = {}  # column letters → index
    row = count = 0
    col = -1
    cells: list[str] = []
    bad: dict[int, Reason] | None = None
    ctype, style = "n", ""
    parts: list[str] = []
    collect = in_is = False
    phonetic = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, cells, bad, ctype, style, parts, collect, in_is, phonetic
        nonlocal C, V, T, ROW, IS, RPH, DIM
        if name == C:
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                got = columns.get(letters)
                if got is None:
                    got = col_index(letters)
                    if len(columns) < 4096:
                        columns[letters] = got
                col = got
            else:
                col += 1
            ctype = attrs.get("t", "n")
            style = attrs.get("s", "")
            parts = []
        elif name == V:
            collect = True
        elif name == ROW:
            r = attrs.get("r")
            row = int(r) if r and r.isdigit() else row + 1
            if row > max_rows:
                raise FileRefused(_too_many("rows", "行数", max_rows), row)
            cells, bad, col = [], None, -1
        elif name == T:
            collect = in_is and not phonetic
        elif name == IS:
            in_is = True
        elif name == RPH:
            phonetic += 1
        elif name == DIM:
            _dimension_check(attrs.get("ref", ""), lim)
        elif ":" in name and name.endswith(":worksheet"):  # <x:worksheet>: prefixed names
            prefix = name[:name.index(":") + 1]
            C, V, T, ROW, IS, RPH, DIM = (prefix + n for n in (C, V, T, ROW, IS, RPH, DIM))

    def end(name: str) -> None:
        nonlocal collect, in_is, phonetic
        if name == C:
            if parts:
                cell()
        elif name in (V, T):
            collect = False
        elif name == ROW:
            if cells:
                out.append((row, cells, bad))
        elif name == IS:
            in_is = False
        elif name == RPH:
            phonetic -= 1

    def chars(data: str) -> None:
        if collect and len(parts) < 16:  # a chunk is at most 64 KiB: bounded
            parts.append(data)

    def cell() -> None:
        nonlocal count, bad
        raw = parts[0] if len(parts) == 1 else "".join(parts)
        value: str | Reason
        try:
            if ctype == "s":
                value = strings[int(raw)]
            elif ctype == "n":
                if style in date_styles:
                    got = date_text.get(raw)
                    if got is None:
                        got = cell_text(from_excel(float(raw), epoch))
                        if len(date_text) < 100_000:
                            date_text[raw] = got
                    value = got
                elif raw.isdigit():
                    digits = raw.lstrip("0") or "0"
                    value = R_LONG_NUMBER if len(digits) > 15 else digits
                else:
                    value = cell_text(float(raw))
            elif ctype == "b":
                value = cell_text(raw == "1")
            else:  # inlineStr, str (a formula's text), e (#N/A), d (ISO date)
                text = _unescape(raw)
                value = cell_too_long(cap) if len(text) > cap else text.strip()
        except (ValueError, IndexError, OverflowError, TypeError):
            value = R_BAD_CELL
        if value == "":
            return
        if not 0 <= col < max_cols:
            raise FileRefused(_too_many("columns", "列数", max_cols), row)
        count += 1
        if count > max_cells:
            raise FileRefused(_too_many("cells", "单元格数", max_cells), row)
        if not isinstance(value, str):
            if bad is None:
                bad = {}
            bad[col] = value
            value = "?"
        n = len(cells)
        if col == n:
            cells.append(value)
        elif col > n:
            cells.extend([""] * (col - n))
            cells.append(value)
        else:
            cells[col] = value

    part = book.open(path)
    if part is None:
        raise FileRefused(R_UNREADABLE)
    p = _parser()
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    try:
        with part:
            while chunk := part.read(1 << 18):
                p.Parse(chunk, False)
                if out:
                    yield from out
                    out.clear()
            p.Parse(b"", True)
    except (_Refused, expat.ExpatError, zipfile.BadZipFile, EOFError, OSError):
        raise FileRefused(R_UNREADABLE) from None
    yield from out
