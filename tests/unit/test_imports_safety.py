"""Imports that cannot hurt the service (issue 9 items 1-3, issue 12 item 7).

Empty and header-only files change nothing; one encoding per file and every row
that does not fit it named; control characters, markup and formulas refused;
limits on rows, columns, cells, cell length, errors; XLSX bombs refused at the
first reference beyond a limit. Timings and memory of the bombs are measured by
bench/imports.py (speed goals live in `make bench`, not in tests).
"""

from __future__ import annotations

import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service import imports as im
from lottery_service.imports import ImportLimits
from lottery_service.imports.encoding import (
    R_BOM_GB,
    R_NOT_UTF8_ROW,
    R_UNDECODABLE,
    R_UTF8_IN_GB_ROW,
    R_WIDE,
)
from lottery_service.imports.parsing import R_EMPTY, R_NO_DATA
from tests.unit.imports_support import (
    applicant,
    applicants_header,
    csv_bytes,
    errors_of,
    fixture,
    inline_row,
    raw_xlsx,
    read_xlsx_values,
    xlsx,
)

TEACHERS = ["学校代码", "工号", "姓名"]


def file_errors(result: im.ImportResult[Any]) -> list[str]:
    return [e.reason for e in result.errors if e.field == "file"]


# --------------------------------------------------------------------------- empty files


@pytest.mark.parametrize("kind", list(im.KINDS))
def test_header_only_file_is_an_error_that_changes_nothing(kind: str) -> None:
    header = [c.zh for c in im.KINDS[kind].cols]
    for data, name in ((csv_bytes([header]), "h.csv"), (xlsx([header]), "h.xlsx"),
                       (csv_bytes([header, [""] * len(header), []]), "blank-rows.csv")):
        result = im.parse(kind, data, name)
        assert file_errors(result) == [R_NO_DATA.en], name
        assert result.rows == ()
        assert "文件没有数据行" in im.format_report(result)
        with pytest.raises(im.ImportRejected):
            result.checked()  # so the caller stores nothing: never a table wipe


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b",,,\n,,\n"])
def test_empty_file_is_an_error(data: bytes) -> None:
    assert file_errors(im.parse("teachers", data, "t.csv")) == [R_EMPTY.en]


def test_empty_workbook_is_an_error() -> None:
    assert file_errors(im.parse("teachers", xlsx([]), "t.xlsx")) == [R_EMPTY.en]


# --------------------------------------------------------------------------- encodings

NAMES = ["王芳", "张三丰", "李娜", "欧阳娜娜", "赵敏", "陈一", "刘洋", "杨柳"]


def teachers_lines(encodings: list[str]) -> bytes:
    """A teachers CSV whose data row i is encoded in encodings[i] (header in the first)."""
    lines = [",".join(TEACHERS).encode(encodings[0])]
    for i, enc in enumerate(encodings):
        lines.append(f"S001,T{i},{NAMES[i % len(NAMES)]}".encode(enc))
    return b"\r\n".join(lines) + b"\r\n"


def test_utf8_file_with_one_gb18030_row_names_that_row() -> None:
    data = teachers_lines(["utf-8", "utf-8", "gb18030", "utf-8"])
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = im.parse("teachers", data, "t.csv")
    assert result.encoding == "UTF-8"
    assert errors_of(result) == {(4, "row", R_NOT_UTF8_ROW.en)}
    assert "第 4 行" in im.format_report(result)
    # the UTF-8 rows keep their names: 王芳 never becomes 鐜嬭姵
    assert [r.name for r in result.rows] == ["王芳", "张三丰", "欧阳娜娜"]


def test_gb18030_file_with_one_utf8_row_names_that_row() -> None:
    data = teachers_lines(["gb18030", "utf-8", "gb18030", "gb18030"])
    result = im.parse("teachers", data, "t.csv")
    assert result.encoding == "GB18030"
    assert errors_of(result) == {(3, "row", R_UTF8_IN_GB_ROW.en)}
    assert [r.name for r in result.rows] == ["王芳", "李娜", "欧阳娜娜"]
    assert "鐜嬭姵" not in {r.name for r in result.rows}


# Characters whose GB18030 trail byte is ≥ 0xC0: a GB18030 line holding one of them is
# never valid UTF-8, so which rows are foreign is unambiguous (other lines may be
# valid in both encodings; see encoding.py).
_HANZI = [ch for ch in "王芳张三丰李娜欧阳赵敏陈一刘洋杨柳周吴郑冯褚卫蒋沈韩朱秦尤许何吕施"
          if ch.encode("gb18030")[1] >= 0xC0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(st.sampled_from(_HANZI), min_size=1, max_size=4),
                          st.booleans()), min_size=1, max_size=12))
def test_mixed_files_flag_exactly_the_minority_rows(rows: list[tuple[str, bool]]) -> None:
    gb_rows = [i for i, (_, gb) in enumerate(rows) if gb]
    utf8_rows = [i for i, (_, gb) in enumerate(rows) if not gb]
    lines = [b"school,teacher_id,name"]
    lines += [f"S001,T{i},{name}".encode("gb18030" if gb else "utf-8")
              for i, (name, gb) in enumerate(rows)]
    result = im.parse("teachers", b"\n".join(lines), "t.csv")
    flagged = {e.row - 2 for e in result.errors}
    minority = gb_rows if len(utf8_rows) >= len(gb_rows) else utf8_rows
    assert flagged == set(minority)
    assert all(e.field == "row" for e in result.errors)
    accepted = {r.teacher_id: r.name for r in result.rows}
    assert all(accepted[f"T{i}"] == rows[i][0] for i in range(len(rows)) if i not in flagged)


def test_gb18030_bom_and_double_utf8_bom_are_read() -> None:
    text = fixture("teachers.csv").decode()
    gb = im.parse("teachers", b"\x84\x31\x95\x33" + text.encode("gb18030"), "t.csv")
    assert (gb.ok, gb.encoding, [r.name for r in gb.rows][-1]) == (True, "GB18030（带 BOM）",
                                                                   "王芳")
    double = im.parse("teachers", b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode(), "t.csv")
    assert double.ok and len(double.rows) == 3
    assert any("2 个 BOM" in n.zh for n in double.notes)


def test_utf8_bom_on_gb18030_text_is_named() -> None:
    data = b"\xef\xbb\xbf" + fixture("teachers.csv").decode().encode("gb18030")
    result = im.parse("teachers", data, "t.csv")
    assert file_errors(result) == [R_BOM_GB.en]
    assert "BOM" in result.errors[0].reason_zh


BIG5 = ("學校代碼,工號,姓名\r\nS001,T1,陳小明\r\nS001,T2,王美麗\r\nS001,T3,張家豪\r\n"
        "S001,T4,林志玲\r\nS001,T5,黃國華\r\n")
SJIS = ("学校コード,工号,姓名\r\nS001,T1,山田太郎\r\nS001,T2,さくら\r\nS001,T3,佐藤花子\r\n"
        "S001,T4,鈴木一郎\r\nS001,T5,たかはし\r\n")


@pytest.mark.parametrize(("text", "codec", "name"), [(BIG5, "big5", "Big5"),
                                                     (SJIS, "shift_jis", "Shift-JIS")])
def test_big5_and_shift_jis_files_are_named(text: str, codec: str, name: str) -> None:
    result = im.parse("teachers", text.encode(codec), "t.csv")
    assert file_errors(result) == [f"the text reads as {name}, not UTF-8 or GB18030"]
    assert name in result.errors[0].reason_zh


def test_real_gb18030_text_is_not_mistaken_for_big5() -> None:
    for name in ("applicants.csv", "teachers.csv", "pupils.csv", "schools.csv"):
        raw = fixture(name).decode().encode("gb18030")
        assert im.parse(name.removesuffix(".csv"), raw, name).encoding == "GB18030"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_text_is_named(codec: str) -> None:
    result = im.parse("teachers", fixture("teachers.csv").decode().encode(codec), "t.csv")
    assert file_errors(result) == [R_WIDE.en]
    assert "另存为" in result.errors[0].hint


def test_undecodable_csv_is_a_file_error() -> None:
    result = im.parse("teachers", b"\xff\xff,\xff\n", "t.csv")  # 0xFF is invalid in both
    assert result.rows == ()
    assert file_errors(result) == [R_UNDECODABLE.en]
    assert "不是 UTF-8 或 GB18030 编码的文本" in im.format_report(result)


def test_decode_text_refuses_mixed_files() -> None:
    assert im.decode_text(teachers_lines(["utf-8", "utf-8"])) is not None
    assert im.decode_text(teachers_lines(["utf-8", "gb18030", "utf-8"])) is None
    assert im.decode_text("报名号,班级\n1,1\n".encode("gb18030")) == "报名号,班级\n1,1\n"


# --------------------------------------------------------------------------- cell text


@pytest.mark.parametrize("name", [
    "王\x00芳", "王\n芳", "王\r芳", "王\x85芳", "王\u202e芳", "王\u200b芳", "王\ufeff芳",
    "王\x1b[31m芳", "王\u3000芳", "王\u2028芳", "王\ue000芳",
])
def test_control_and_invisible_characters_in_names_are_refused(name: str) -> None:
    result = im.parse("teachers", csv_bytes([TEACHERS, ["S001", "T1", name]]), "t.csv")
    assert [(e.row, e.field) for e in result.errors] == [(2, "name")]
    error = result.errors[0]
    assert "不可见或不允许的字符" in error.reason_zh
    assert error.value.isprintable()  # shown escaped, never raw


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "王<b>芳", "李>"])
def test_markup_in_names_is_refused(name: str) -> None:
    for kind, row in (("teachers", ["S001", "T1", name]),
                      ("pupils", ["202600000001", name, "男", "S001"])):
        header = TEACHERS if kind == "teachers" else ["报名号", "姓名", "性别", "学校代码"]
        result = im.parse(kind, csv_bytes([header, row]), "x.csv")
        assert errors_of(result) == {(2, "name", "contains markup characters < or >")}


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"王芳\")", "+王芳", "-1+2", "@SUM(A1)"])
def test_formulas_in_names_are_refused(name: str) -> None:
    result = im.parse("applicants", csv_bytes([applicants_header(), applicant(姓名=name)]),
                      "a.csv")
    assert errors_of(result) == {(2, "name", "begins with = + - or @ (a spreadsheet formula)")}


def test_control_characters_in_any_read_field_are_refused_with_the_rule_named() -> None:
    result = im.parse("teachers", csv_bytes([TEACHERS, ["S0\x0001", "T\u202e1", "李老师"]]),
                      "t.csv")
    assert [(e.row, e.field) for e in result.errors] == [(2, "school"), (2, "teacher_id")]


def test_xlsx_escaped_control_characters_are_refused() -> None:
    sheet = inline_row(1, TEACHERS) + inline_row(2, ["S001", "T1", "王_x0000_芳"]) + \
        inline_row(3, ["S001", "T2", "李_x000A_娜"])
    result = im.parse("teachers", raw_xlsx(sheet), "t.xlsx")
    assert [(e.row, e.field) for e in result.errors] == [(2, "name"), (3, "name")]


def test_error_file_and_report_are_formula_safe() -> None:
    rows = [["学校代码", "班级", "额定人数"], ["S001", "01", "=cmd|'/C calc'!A0"],
            ["S001", "02", "@SUM(1+1)"], ["S001", "03", "-2+3"]]
    result = im.parse("class-plans", csv_bytes(rows), "c.csv")
    assert len(result.errors) == 3
    text = im.error_file(result, "csv").decode("utf-8-sig")
    assert text.splitlines()[0].startswith("行号,列名,单元格内容,问题,修改提示")
    for line in text.splitlines()[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in line.split(","))
    values = read_xlsx_values(im.error_file(result, "xlsx"))
    assert values[0][:5] == ["行号", "列名", "单元格内容", "问题", "修改提示"]
    contents = [row[2] for row in values[1:]]
    assert contents == ["'=cmd|'/C calc'!A0", "'@SUM(1+1)", "'-2+3"]
    book = zipfile.ZipFile(__import__("io").BytesIO(im.error_file(result, "xlsx")))
    sheet_xml = book.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml  # no formula cell at all


# --------------------------------------------------------------------------- limits

SMALL = ImportLimits(max_rows=50, max_columns=8, max_cell_chars=20, max_cells=100,
                     max_errors=5, max_file_bytes=100_000)


def teacher_rows(n: int) -> list[list[str]]:
    return [TEACHERS] + [["S001", f"T{i}", "李老师"] for i in range(n)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_row_column_cell_and_size_limits(fmt: str) -> None:
    def parse(rows: list[list[Any]], limits: ImportLimits = SMALL) -> im.ImportResult[Any]:
        data = csv_bytes(rows) if fmt == "csv" else xlsx(rows)
        return im.parse("teachers", data, f"t.{fmt}", limits=limits)

    assert parse(teacher_rows(30)).ok
    too_many_rows = parse(teacher_rows(60), ImportLimits(max_rows=50))
    if fmt == "xlsx":  # openpyxl writes <dimension ref="A1:C61">: refused before any row
        assert file_errors(too_many_rows) == [
            "the sheet declares the range A1:C61, beyond 50 rows or 64 columns"]
    else:
        assert file_errors(too_many_rows) == ["more rows than the limit of 50"]
        assert too_many_rows.errors[0].row == 51
    assert too_many_rows.rows == ()
    wide = teacher_rows(2)
    wide[2] = [*wide[2], "", "", "", "", "", "", "x"]
    assert file_errors(parse(wide)) == (
        ["the sheet declares the range A1:J3, beyond 50 rows or 8 columns"] if fmt == "xlsx"
        else ["more columns than the limit of 8"])
    cells = teacher_rows(40)  # 41 rows × 3 cells > 100
    assert file_errors(parse(cells)) == ["more cells than the limit of 100"]
    long = teacher_rows(1)
    long[1][2] = "李" * 21
    assert errors_of(parse(long)) == {(2, "name", "a cell longer than 20 characters")}
    assert file_errors(parse(teacher_rows(1), ImportLimits(max_file_bytes=10))) == [
        "the file is larger than 10 bytes"]


def test_errors_collected_are_capped_and_the_rest_counted() -> None:
    rows = [TEACHERS] + [["S001", f"bad id {i}", "李老师"] for i in range(40)]
    result = im.parse("teachers", csv_bytes(rows), "t.csv", limits=ImportLimits(max_errors=5))
    assert (len(result.errors), result.more_errors, result.error_count) == (5, 35, 40)
    assert [e.row for e in result.errors] == [2, 3, 4, 5, 6]  # the first ones, in order
    report = im.format_report(result, shown=3)
    assert report.splitlines()[0].startswith("共 40 处错误")
    assert "还有 37 处错误未显示，请下载错误文件查看" in report
    assert "另有 35 处错误未列出" in im.error_file(result, "csv").decode("utf-8-sig")


def test_csv_with_millions_of_empty_rows_is_refused_at_the_row_limit() -> None:
    data = ",".join(TEACHERS).encode() + b"\n" + b"\n" * 3_000_000
    result = im.parse("teachers", data, "t.csv")  # default limits: above province scale
    assert file_errors(result) == ["more rows than the limit of 2,500,000"]


def test_csv_line_without_end_is_refused() -> None:
    data = b"a" * (SMALL.max_record_chars * 4 + 10)
    assert file_errors(im.parse("teachers", data, "t.csv", limits=SMALL)) == [
        f"a line longer than {SMALL.max_record_chars} characters"]


# --------------------------------------------------------------------------- XLSX bombs


def test_sparse_cell_bomb_is_refused_at_the_first_far_cell() -> None:
    # the 108 KB bomb of issue 9: a few cells at the last column of many rows, so that a
    # reader padding rows to the sheet's width builds 16,384 cells per row
    rows = "".join(f'<row r="{n}"><c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>'
                   for n in range(1, 50_001))
    data = raw_xlsx(inline_row(1, TEACHERS).replace("</row>", "") + "</row>" + rows)
    assert len(data) < 300_000
    result = im.parse("teachers", data, "t.xlsx")
    assert file_errors(result) == ["more columns than the limit of 64"]


def test_dimension_bomb_is_refused_at_once() -> None:
    data = raw_xlsx(inline_row(1, TEACHERS) + inline_row(2, ["S001", "T1", "李老师"]),
                    before='<dimension ref="A1:XFD1048576"/>')
    result = im.parse("teachers", data, "t.xlsx")
    assert file_errors(result) == [
        "the sheet declares the range A1:XFD1048576, beyond 2,500,000 rows or 64 columns"]
    assert "A1:XFD1048576" in result.errors[0].reason_zh


def test_far_row_and_many_empty_rows_are_refused() -> None:
    far = raw_xlsx(inline_row(1, TEACHERS) + inline_row(9_999_999, ["S001", "T1", "王芳"]))
    assert file_errors(im.parse("teachers", far, "t.xlsx")) == [
        "more rows than the limit of 2,500,000"]
    empty = raw_xlsx(inline_row(1, TEACHERS) + "".join(
        f'<row r="{n}"/>' for n in range(2, 200_000)))
    assert file_errors(im.parse("teachers", empty, "t.xlsx",
                                limits=ImportLimits(max_rows=50))) == [
        "more rows than the limit of 50"]


def test_compression_ratio_and_size_guards() -> None:
    filler = '<row r="2"/>' + " " * 3_000_000  # whitespace compresses ~1000:1
    data = raw_xlsx(inline_row(1, TEACHERS) + filler)
    tight = ImportLimits(ratio_floor_bytes=1_000_000, max_compression_ratio=100)
    assert file_errors(im.parse("teachers", data, "t.xlsx", limits=tight)) == [
        "a part is compressed more than 100:1 (a zip bomb)"]
    small = ImportLimits(max_uncompressed_bytes=1_000_000)
    assert file_errors(im.parse("teachers", data, "t.xlsx", limits=small)) == [
        "the workbook unpacks to more than 1,000,000 bytes"]


def test_shared_strings_limit_and_entities_refused() -> None:
    shared = "".join(f"<si><t>s{i}</t></si>" for i in range(100))
    sheet = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    assert file_errors(im.parse("teachers", raw_xlsx(sheet, shared=shared), "t.xlsx",
                                limits=ImportLimits(max_shared_strings=50))) == [
        "more shared strings than the limit of 50"]
    laughs = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>')
    data = raw_xlsx(inline_row(1, TEACHERS) + inline_row(2, ["S001", "T1", "&lol2;"]),
                    prolog=laughs)
    assert file_errors(im.parse("teachers", data, "t.xlsx")) == ["not a readable XLSX workbook"]


def test_broken_xlsx_is_a_file_error() -> None:
    assert file_errors(im.parse("teachers", b"PK\x03\x04 not a zip", "t.xlsx")) == [
        "not a readable XLSX workbook"]
    assert "另存为" in im.parse("teachers", b"", "t.xlsx").errors[0].hint


def test_shared_strings_and_styles_from_a_real_workbook() -> None:
    # openpyxl writes shared strings and date styles as Excel does
    import datetime as dt

    rows: list[list[Any]] = [["报名号", "学校代码", "回单号", "缴费日期"],
                             ["202600000001", "S001", "R1", dt.datetime(2026, 7, 24, 9, 5)],
                             ["202600000002", "S001", "R2", dt.date(2026, 7, 25)]]
    result = im.parse("payments", xlsx(rows), "p.xlsx")
    assert [(r.reg, r.paid_on) for r in result.checked()] == [
        ("202600000001", "2026-07-24"), ("202600000002", "2026-07-25")]
