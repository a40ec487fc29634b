"""`parse`: one uploaded file of one kind → typed rows and every error (issue 9, 12, 13).

Streaming: the reader yields one row at a time and rows are stored packed, so
memory stays bounded by the rows kept, not by the file. The header is the best
matching row among the first ones (columns.py); an empty or header-only file is
an error (it changes nothing, never a table wipe).

Row numbers are those the spreadsheet shows (CSV: the record number); errors
about the file itself have row 0. Blank rows (all cells empty apart from ignored
columns such as 序号) are skipped wherever they are.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any, BinaryIO

from .cells import display
from .columns import EXAMPLE_MARK, find_header, letter
from .fields import ErrorLog, RowReader, Sheet
from .kinds import KINDS, Kind
from .limits import DEFAULT_LIMITS, ImportLimits
from .reading import ROW, open_table
from .results import FileRefused, ImportResult, Note, PackedRows, Reason, RowError
from .schools import SchoolDirectory
from .xlsx import RawRow

__all__ = ["parse"]

R_EMPTY = Reason("the file is empty: nothing was imported", "文件是空的：没有表头也没有数据行",
                 "未导入任何内容，原有数据保持不变", "nothing changed")
R_NO_DATA = Reason("the file has no data rows (only a header): nothing was imported",
                   "文件没有数据行（只有表头）",
                   "未导入任何内容，原有数据保持不变；请检查是否选错了文件",
                   "nothing changed; check that this is the right file")
R_STRAY = Reason("value in a column without a header", "该单元格所在列没有表头",
                 "请给该列加上列名，或删除该单元格", "name the column or clear the cell")
R_DUPLICATE_COLUMN = Reason("column appears twice", "此列重复", "每一列只能出现一次",
                            "each column may appear once")


def _no_header(kind: Kind, searched: int) -> Reason:
    names = "、".join(f"「{c.zh}」" for c in kind.cols if c.required)
    return Reason("no header row", "没有找到表头行",
                  f"前 {searched} 行中没有一行含有 {names} 等列名；请确认文件是「{kind.zh}」",
                  f"none of the first {searched} rows names the columns of {kind.name}")


def _missing(kind: Kind, field: str) -> Reason:
    col = next(c for c in kind.cols if c.field == field)
    names = "、".join(col.names[:-1])
    also = ""
    if col.unless:
        other = next(c for c in kind.cols if c.field == col.unless)
        also = f"；或提供「{other.zh}」列"
    return Reason("missing column", "缺少此列", f"可用的列名：{names}{also}",
                  f"accepted names: {', '.join(col.names)}")


def parse(
    kind: str, data: bytes | BinaryIO, filename: str, *,
    known_schools: SchoolDirectory | Collection[str] | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> ImportResult[Any]:
    """Parse an uploaded file of `kind` (see `KINDS`) by its extension (.csv / .xlsx).

    `known_schools`: a `SchoolDirectory` (codes, names, kinds: schools by name,
    P13) or a plain container of codes; None checks no school. `data` may be a
    seekable binary file (e.g. an upload's spooled temporary file).
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    directory = known_schools if isinstance(known_schools, SchoolDirectory | None) else \
        SchoolDirectory.codes(known_schools)
    return _Parse(spec, directory, limits).run(data, filename)


class _Parse:
    def __init__(self, spec: Kind, directory: SchoolDirectory | None,
                 limits: ImportLimits) -> None:
        self.spec, self.directory, self.limits = spec, directory, limits
        self.errors = ErrorLog(limits.max_errors)
        self.notes: list[Note] = []
        self.rows: PackedRows[Any] = PackedRows(spec.row_type)
        self.encoding = ""
        self.header_row = 0
        self.columns: tuple[tuple[str, str], ...] = ()

    def file_error(self, reason: Reason, row: int = 0) -> None:
        self.errors.add(RowError.of(row, "file", "文件", reason))

    def run(self, data: bytes | BinaryIO, filename: str) -> ImportResult[Any]:
        try:
            opened = open_table(data, filename, self.limits)
            self.encoding = opened.encoding
            self.notes += opened.notes
            self.read(opened.rows)
        except FileRefused as exc:
            self.file_error(exc.reason, exc.row)
            self.rows = PackedRows(self.spec.row_type)
        errors = sorted(self.errors.items, key=lambda e: e.row)  # stable within a row
        return ImportResult(self.rows, tuple(errors), self.errors.more, self.spec.name,
                            self.header_row, self.encoding, self.columns, tuple(self.notes))

    def read(self, rows: Iterator[RawRow]) -> None:
        spec, limits = self.spec, self.limits
        candidates: list[RawRow] = []
        for raw in rows:
            if any(raw[1]):
                candidates.append(raw)
                if len(candidates) >= limits.header_search_rows:
                    break
        if not candidates:
            self.file_error(R_EMPTY)
            return
        header = find_header([(n, c) for n, c, _ in candidates], spec.cols, spec.ignored)
        if header is None:
            self.file_error(_no_header(spec, len(candidates)))
            return
        self.header_row = header.row
        self.columns = tuple((f, header.written[f]) for f in
                             sorted(header.columns, key=header.columns.__getitem__))
        above = [n for n, _, _ in candidates if n < header.row]
        if above:
            where = f"第 {above[0]} 行" if len(above) == 1 else f"第 {above[0]}–{above[-1]} 行"
            self.notes.append(Note(f"第 {header.row} 行被识别为表头；其上的{where}（标题）已跳过",
                                   f"row {header.row} was taken as the header; "
                                   f"{len(above)} title row(s) above it were skipped"))
        elif header.row != 1:
            self.notes.append(Note(f"第 {header.row} 行被识别为表头",
                                   f"row {header.row} was taken as the header"))
        for n, _, bad in candidates:
            if n <= header.row and bad and ROW in bad:
                self.errors.add(RowError.of(n, "row", "整行", bad[ROW]))
        cols = {c.field: c for c in spec.cols}
        for f, text in header.duplicates:
            self.errors.add(RowError.of(header.row, f, cols[f].zh, R_DUPLICATE_COLUMN,
                                        column=text))
        for c in spec.cols:
            if c.field in header.columns:
                continue
            if c.required and not (c.unless and c.unless in header.columns):
                self.errors.add(RowError.of(header.row, c.field, c.zh, _missing(spec, c.field)))
            elif c.default:
                rule = f"全部按「{c.default}」处理" if len(c.default) <= 2 else c.default
                self.notes.append(Note(f"文件没有「{c.zh}」列：{rule}",
                                       f"no {c.field} column: the default applies"))
        if header.ignored:
            shown = "、".join(header.ignored[:12]) + ("…" if len(header.ignored) > 12 else "")
            self.notes.append(Note(f"以下列不需要，已忽略（不导入、不保存）：{shown}",
                                   f"{len(header.ignored)} unused column(s) ignored"))
        sheet = Sheet(cols, header, self.errors, limits, self.directory)
        build = spec.builder()
        data_rows = 0
        width, blank = header.width, sorted(header.blank)
        mapped = sorted(header.columns.values())

        def after_header() -> Iterator[RawRow]:
            for raw in candidates:
                if raw[0] > header.row:
                    yield raw
            yield from rows

        for number, cells, bad in after_header():
            n = len(cells)
            stray = [i for i in blank if i < n and cells[i]] if blank else []
            if n > width:
                stray += [i for i in range(width, n) if cells[i]]
            used = [i for i in mapped if i < n and cells[i]]
            if not used and not stray:
                continue  # blank row (or only 序号 filled in)
            if cells[min(used + stray)].startswith(EXAMPLE_MARK):
                self.notes.append(Note(f"第 {number} 行是模板的示例行（以「示例」开头），已跳过",
                                       f"row {number} is the template's example: skipped"))
                continue
            data_rows += 1
            r = RowReader(sheet, number, cells, bad)
            if bad and ROW in bad:
                r.row_error(bad[ROW])
                continue
            for i in stray:
                r.failed = True
                self.errors.add(RowError.of(number, f"column {letter(i)}", f"第 {letter(i)} 列",
                                            R_STRAY, column=f"第 {letter(i)} 列",
                                            value=display(cells[i])))
            value = build(r)
            if not r.failed:
                self.rows.append(value)
        if data_rows == 0:
            self.file_error(R_NO_DATA)

