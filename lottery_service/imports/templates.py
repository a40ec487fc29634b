"""Downloadable XLSX templates, one per kind (issue 12 §4).

Sheet 1 "数据": the header row (canonical Chinese names) and one example row
(its first cell starts with 示例, so an example left in place is skipped, said so),
every column formatted as text so long digit strings keep their zeros and
digits; the parser reads the first sheet only, so sheet 2 "填写说明" can list
each column's accepted names, whether it is required and its format. Every
cell passes through `spreadsheet_safe`.
"""

from __future__ import annotations

import importlib
import io
from typing import Any

from .cells import spreadsheet_safe
from .columns import EXAMPLE_MARK
from .kinds import KINDS

__all__ = ["template"]


def template(kind: str) -> bytes:
    """The XLSX template of `kind` (see `KINDS`)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    openpyxl: Any = importlib.import_module("openpyxl")
    styles: Any = importlib.import_module("openpyxl.styles")
    book = openpyxl.Workbook()
    data = book.active
    data.title = "数据"
    # Never invite a full ID number; the school is one column (a code or a name).
    cols = [c for c in spec.cols if c.field not in ("id_number", "school_name")]
    bold = styles.Font(bold=True)
    for i, c in enumerate(cols, start=1):
        head = data.cell(row=1, column=i, value=spreadsheet_safe(c.zh))
        head.font = bold
        head.number_format = "@"
        shown = EXAMPLE_MARK + c.example if i == 1 else c.example  # skipped on import
        example = data.cell(row=2, column=i, value=spreadsheet_safe(shown))
        example.number_format = "@"
        example.data_type = "s"
        letter = head.column_letter
        data.column_dimensions[letter].width = max(10, 2 * len(c.zh) + 4)
        data.column_dimensions[letter].number_format = "@"
    data.freeze_panes = "A2"
    guide = book.create_sheet("填写说明")
    guide.append([spreadsheet_safe(v) for v in ("列名", "必填", "格式", "也可写作", "示例")])
    for c in spec.cols:
        required = "是" if c.required and not c.unless else \
            f"是（或提供「{_zh(kind, c.unless)}」）" if c.unless else "否"
        guide.append([spreadsheet_safe(v) for v in (
            c.zh, required, c.fmt, "、".join(c.aliases), c.example)])
    guide.append([])
    guide.append([spreadsheet_safe(f"{spec.zh}：{spec.doc}。第一张工作表为数据；示例行请替换为真实数据。")])
    for col in ("A", "B", "C", "D", "E"):
        guide.column_dimensions[col].width = 28
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _zh(kind: str, field: str) -> str:
    return next(c.zh for c in KINDS[kind].cols if c.field == field)
