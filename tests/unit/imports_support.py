"""Shared helpers of the import tests (tests/unit/test_imports_*.py)."""

from __future__ import annotations

import csv
import importlib
import io
from pathlib import Path
from typing import Any

from lottery_service import imports as im
from tests.paths import FIXTURES as FIXTURE_DIR

FIXTURES = FIXTURE_DIR / "imports"
KNOWN = {"S001", "S002", "P001"}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def table(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(fixture(name).decode("utf-8"), newline="")))


def xlsx(rows: list[list[Any]], path: Path | None = None) -> bytes:
    """Write rows to the first sheet of a new workbook, as an office would."""
    openpyxl = importlib.import_module("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    if path is not None:
        path.write_bytes(buf.getvalue())
    return buf.getvalue()


def read_xlsx_values(data: bytes) -> list[list[Any]]:
    """Every row of the first sheet, as openpyxl reads it (to check what we export)."""
    openpyxl = importlib.import_module("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def errors_of(result: im.ImportResult[Any]) -> set[tuple[int, str, str]]:
    return {(e.row, e.field, e.reason) for e in result.errors}


def applicants_header() -> list[str]:
    return table("applicants.csv")[0]


def applicant(reg: str = "202600000001", **cells: str) -> list[str]:
    """One applicants.csv row with the given cells (by Chinese header) replaced."""
    header = applicants_header()
    row = table("applicants.csv")[1][:]
    row[0] = reg
    for name, value in cells.items():
        row[header.index(name)] = value
    return row


_OOXML = "application/vnd.openxmlformats-"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    f'<Default Extension="rels" ContentType="{_OOXML}package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    f'ContentType="{_OOXML}officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{_OOXML}officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')


def raw_xlsx(sheet_data: bytes | str, *, before: str = "", shared: bytes | str = b"",
             prolog: str = "") -> bytes:
    """A minimal workbook written by hand (as a hostile client could): the sheet's rows
    (`<sheetData>` content), elements before them (e.g. `<dimension>`), shared strings."""
    import zipfile

    def enc(x: bytes | str) -> bytes:
        return x.encode() if isinstance(x, str) else x

    head = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'{before}<sheetData>').encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", head + enc(sheet_data)
                   + b"</sheetData></worksheet>")
        if shared:
            z.writestr("xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8"?>'
                       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       + enc(shared) + b"</sst>")
    return buf.getvalue()


def inline_row(number: int, cells: list[str]) -> str:
    """One `<row>` of inline-string cells A, B, C…"""
    from xml.sax.saxutils import escape

    from lottery_service.imports.columns import letter

    return f'<row r="{number}">' + "".join(
        f'<c r="{letter(i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        for i, v in enumerate(cells)) + "</row>"
