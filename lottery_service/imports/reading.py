"""Reading an uploaded file as rows of text cells, streaming, under `ImportLimits`.

CSV: one encoding per file (encoding.py), then the lines are decoded one by one
and parsed by the standard `csv` module; a row in another encoding carries a
whole-row reason. XLSX: the first worksheet (xlsx.py). Either way the result is
an iterator of `(row number, cells, bad cells)`, numbered as the spreadsheet
shows them, and nothing is held but the current row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from .encoding import LineCheck, decide, line_too_long
from .limits import ImportLimits
from .results import FileRefused, Note, Reason
from .xlsx import RawRow, cell_too_long, read_xlsx

__all__ = ["ROW", "Opened", "open_table"]

ROW = -1  # key of a whole-row reason in the bad-cells map (e.g. a foreign encoding)


def _too_many(what_en: str, what_zh: str, n: int) -> Reason:
    return Reason(f"more {what_en} than the limit of {n:,}", f"{what_zh}超过上限 {n:,}",
                  "请拆分文件后分别导入，或删除多余的空白行列",
                  "split the file, or delete empty rows and columns")


R_OLD_EXCEL = Reason(
    "old Excel/WPS format (.xls/.et)", "旧版 Excel/WPS 格式（.xls/.et），无法读取",
    "请用 Excel 或 WPS 打开后「另存为」.xlsx 或「CSV UTF-8」再上传",
    "open it and save it as .xlsx or CSV UTF-8")
R_FILE_TYPE = Reason(
    "unsupported file type; expected .csv or .xlsx", "不支持的文件类型，应为 .csv 或 .xlsx",
    "请上传 Excel 工作簿（.xlsx）或 CSV 文件", "upload an .xlsx workbook or a .csv file")
R_BROKEN_CSV = Reason(
    "broken CSV quoting", "CSV 格式错误（引号不成对）",
    "请检查该行的英文双引号是否成对，或用 Excel 另存为 CSV", "check the double quotes")


def file_too_big(limits: ImportLimits) -> Reason:
    n = limits.max_file_bytes
    return Reason(f"the file is larger than {n:,} bytes", f"文件超过 {n:,} 字节",
                  "请拆分文件后分别导入", "split the file")


@dataclass
class Opened:
    """The rows of a file and what was decided while opening it."""

    rows: Iterator[RawRow]
    encoding: str = ""
    notes: list[Note] = field(default_factory=list)


def _size(stream: BinaryIO) -> int:
    pos = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(pos)
    return size


def open_table(source: bytes | BinaryIO, filename: str, limits: ImportLimits) -> Opened:
    """Rows of `source` by the file name's extension; `FileRefused` if it cannot be read."""
    stream: BinaryIO = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    if _size(stream) > limits.max_file_bytes:
        raise FileRefused(file_too_big(limits))
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext == "csv":
        return _open_csv(stream, limits)
    if ext == "xlsx":
        stream.seek(0)
        return Opened(read_xlsx(stream, limits))
    raise FileRefused(R_OLD_EXCEL if ext in ("xls", "et", "wps") else R_FILE_TYPE)


def _open_csv(stream: BinaryIO, limits: ImportLimits) -> Opened:
    decision = decide(stream, limits)
    if decision.encoding is None:
        assert decision.error is not None
        raise FileRefused(decision.error, decision.error_line)
    return Opened(_csv_rows(stream, decision.encoding, decision.mixed, decision.skip, limits),
                  decision.label, decision.notes)


def _unwrap(text: str) -> str:
    """Unwrap ="0421", the formula trick exports use to keep digits as text."""
    if len(text) >= 3 and text.startswith('="') and text.endswith('"'):
        return text[2:-1].strip()
    return text


def _csv_rows(stream: BinaryIO, encoding: str, mixed: bool, skip: int,
              limits: ImportLimits) -> Iterator[RawRow]:
    check = LineCheck(encoding, mixed)
    limit = limits.max_record_chars * 4
    problems: dict[int, Reason] = {}  # physical line → reason, until its record is read
    state = {"line": 0}

    def lines() -> Iterator[str]:
        stream.seek(skip)
        while True:
            raw = stream.readline(limit + 1)
            if not raw:
                return
            state["line"] += 1
            if len(raw) > limit and not raw.endswith(b"\n"):
                raise FileRefused(line_too_long(limits), state["line"])
            text, problem = check(raw)
            if problem is not None:
                problems[state["line"]] = problem
            yield text

    reader = csv.reader(lines(), strict=True)
    number, last_line, cells_seen = 0, 0, 0
    max_rows, max_cols, cap = limits.max_rows, limits.max_columns, limits.max_cell_chars
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise FileRefused(R_BROKEN_CSV, number + 1) from None
        number += 1
        if number > max_rows:
            raise FileRefused(_too_many("rows", "行数", max_rows), number)
        if not problems and not "".join(record).strip():
            last_line = reader.line_num
            continue  # a blank row: nothing to read (floods of them stay cheap)
        bad: dict[int, Reason] | None = None
        if problems:
            first = next((problems[n] for n in range(last_line + 1, reader.line_num + 1)
                          if n in problems), None)
            for n in range(last_line + 1, reader.line_num + 1):
                problems.pop(n, None)
            if first is not None:
                bad = {ROW: first}
        last_line = reader.line_num
        cells = [c.strip() for c in record]
        if '="' in "".join(cells):
            cells = [_unwrap(c) for c in cells]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > max_cols:
            raise FileRefused(_too_many("columns", "列数", max_cols), number)
        for i, c in enumerate(cells):
            if c:
                cells_seen += 1
                if len(c) > cap:
                    bad = bad or {}
                    bad[i] = cell_too_long(cap)
                    cells[i] = "?"
        if cells_seen > limits.max_cells:
            raise FileRefused(_too_many("cells", "单元格数", limits.max_cells), number)
        yield number, cells, bad
