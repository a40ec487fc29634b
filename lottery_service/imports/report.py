"""The office's report of an import: on screen (capped) and as a downloadable error file.

Chinese first: each error names the spreadsheet's row, the column as written in
the file, the value (sanitised, truncated; an ID number masked), what is wrong
and how to fix it. On screen at most `shown` errors; the error file has every
collected error (and says how many more were only counted). Error files are
formula-safe (cells.spreadsheet_safe) in CSV and XLSX alike.
"""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Sequence
from typing import Any, Literal

from .cells import spreadsheet_safe
from .results import ImportResult, RowError

__all__ = ["ERROR_FILE_HEADER", "error_file", "format_report"]

ERROR_FILE_HEADER = ("行号", "列名", "单元格内容", "问题", "修改提示", "规则", "row", "field",
                     "reason")


def _line(e: RowError) -> str:
    where = "文件" if e.row == 0 else f"第 {e.row} 行"
    column = e.column or e.field_zh or e.field
    text = f"{where}" + (f"「{column}」" if e.row and column not in ("文件", "") else "")
    text += f"：{e.reason_zh or e.reason}"
    if e.value:
        text += f"（内容：{e.value}）"
    if e.hint:
        text += f"。{e.hint}"
    en = "file" if e.row == 0 else f"row {e.row} {e.field}"
    return f"{text} / {en}: {e.reason}"


def format_report(result: ImportResult[Any], *, shown: int = 50) -> str:
    """The report for the office that sent the file, Chinese first, English after ' / '."""
    lines: list[str] = []
    n = result.error_count
    if n == 0:
        rows = len(result.rows)
        lines.append(f"没有错误，共 {rows} 行 / no errors, {rows} rows")
    else:
        lines.append(f"共 {n} 处错误，整个文件未导入 / {n} error(s): nothing was imported")
    facts = []
    if result.encoding:
        facts.append(f"编码 {result.encoding}")
    if result.header_row:
        facts.append(f"表头在第 {result.header_row} 行")
    if facts:
        lines.append("文件：" + "，".join(facts))
    lines += [f"说明：{note.zh}" for note in result.notes]
    for e in result.errors[:shown]:
        lines.append(_line(e))
    hidden = n - min(shown, len(result.errors))
    if hidden > 0:
        lines.append(f"……还有 {hidden} 处错误未显示，请下载错误文件查看 / "
                     f"{hidden} more error(s): download the error file")
    return "\n".join(lines)


def _records(errors: Sequence[RowError], more: int) -> list[list[str]]:
    out = [[str(e.row) if e.row else "文件", e.column or e.field_zh or e.field, e.value,
             e.reason_zh or e.reason, e.hint, e.rule, str(e.row), e.field, e.reason]
           for e in errors]
    if more:
        out.append(["", "", "", f"另有 {more} 处错误未列出（超过收集上限）",
                    "请先改正以上错误后重新上传", "", "", "", f"{more} more errors not listed"])
    return [[spreadsheet_safe(c) for c in r] for r in out]


def error_file(result: ImportResult[Any], fmt: Literal["csv", "xlsx"] = "xlsx") -> bytes:
    """Every collected error as a spreadsheet the office can download (formula-safe)."""
    records = _records(result.errors, result.more_errors)
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(ERROR_FILE_HEADER)
        writer.writerows(records)
        return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")  # BOM: Excel reads UTF-8
    openpyxl: Any = importlib.import_module("openpyxl")
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("错误")
    sheet.append(list(ERROR_FILE_HEADER))
    for r in records:
        sheet.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
