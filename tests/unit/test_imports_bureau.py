"""Real bureau files (issue 12 item 4): header found below title rows, the column names
real exports use, full ID numbers reduced at the door, schools by name, a Chinese row
report with the file's own row, column, value and hint, error files, XLSX templates and
the preview of what the roster freeze will reject.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
import zipfile
from typing import Any

import pytest

from lottery_service import imports as im
from lottery_service.core.records import Rules, School
from lottery_service.imports.idnumber import check_character, read_id_number
from tests.paths import ROOT
from tests.unit.imports_support import (
    applicant,
    applicants_header,
    csv_bytes,
    errors_of,
    read_xlsx_values,
)

SCHOOLS = im.SchoolDirectory([
    im.KnownSchool("S001", "贵阳市第一民办学校", "private", "D01", True, 20),
    im.KnownSchool("S002", "云岩区实验民办学校", "private", "D02", False, 0),
    im.KnownSchool("S003", "花溪民办学校", "private", "D03"),
    im.KnownSchool("S004", "花溪民办学校", "private", "D04"),  # the same name twice
    im.KnownSchool("P001", "贵阳市第一公办小学", "public", "D01"),
])


def id_number(region: str, born: dt.date, seq: str) -> str:
    """A valid GB 11643 number (synthetic: region 520102 = 南明区)."""
    first17 = f"{region}{born:%Y%m%d}{seq}"
    return first17 + check_character(first17)


BUREAU_HEADER = ["序号", "报名号", "学生姓名", "身份证号", "户籍所在区", "户籍类型",
                 "本市户籍或居住证", "是否失信被执行人", "政策照顾生", "报名学校", "报名时间",
                 "联系电话", "民族", "家庭住址"]


def bureau_rows() -> list[list[Any]]:
    a = id_number("520102", dt.date(2019, 8, 31), "123")  # male: 3 is odd
    b = id_number("520103", dt.date(2019, 9, 1), "042")   # female
    return [
        ["2026年云岩区民办学校报名名单"] + [""] * (len(BUREAU_HEADER) - 1),
        ["填报单位：云岩区教育局", "", "", "", "", "", "", "", "", "", "", "", "", ""],
        [""] * len(BUREAU_HEADER),
        BUREAU_HEADER,
        ["1", "202600001234", "张三丰", a, "D01", "户籍", "是", "否", "否", "贵阳市第一民办学校",
         "2026-06-11 08:15:02", "138-0013-8000", "汉族", "南明区某路 1 号"],
        ["2", "202600001235", "李娜", b, "D02", "居住证", "是", "否", "否", "云岩区实验民办学校",
         "2026/6/12 23:59", "+86 139 1234 5678", "苗族", "云岩区某路 2 号"],
    ]


# --------------------------------------------------------------------------- header


def test_bureau_csv_with_title_rows_chinese_names_and_school_names_imports() -> None:
    result = im.parse("applicants", csv_bytes(bureau_rows(), "gb18030"), "报名.csv",
                      known_schools=SCHOOLS)
    a, b = result.checked()
    assert result.header_row == 4
    assert any("第 4 行被识别为表头" in n.zh and "第 1–2 行" in n.zh for n in result.notes)
    assert any("民族" in n.zh and "家庭住址" in n.zh for n in result.notes)  # ignored, said so
    assert (a.name, a.school, a.reg_day, a.phone, a.district) == (
        "张三丰", "S001", "2026-06-11", "13800138000", "D01")
    assert (b.school, b.reg_day, b.phone) == ("S002", "2026-06-12", "13912345678")
    # the full ID number is reduced at the door: last 4, birth date and gender kept
    number = bureau_rows()[4][3]
    assert (a.id_last4, a.birth_date, a.gender) == (number[-4:], "2019-08-31", "M")
    assert (b.birth_date, b.gender) == ("2019-09-01", "F")
    assert [r.row for r in (a, b)] == [5, 6]
    assert dict(result.columns)["name"] == "学生姓名"


def test_merged_title_row_in_xlsx_and_errors_name_the_sheet_row() -> None:
    openpyxl = importlib.import_module("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    rows = bureau_rows()
    rows[5][2] = ""  # row 6: no name
    for row in rows:
        sheet.append(row)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(BUREAU_HEADER))
    buf = io.BytesIO()
    book.save(buf)
    result = im.parse("applicants", buf.getvalue(), "报名.xlsx", known_schools=SCHOOLS)
    assert result.header_row == 4
    assert errors_of(result) == {(6, "name", "required field is empty")}
    error = result.errors[0]
    assert (error.column, error.reason_zh) == ("学生姓名", "必填项为空")
    assert "第 6 行「学生姓名」：必填项为空" in im.format_report(result)


def test_no_header_names_the_expected_columns() -> None:
    rows = [["2026年名单"], ["张三", "男", "2019-01-01"]]
    result = im.parse("applicants", csv_bytes(rows), "a.csv")
    assert [(e.row, e.field, e.reason) for e in result.errors] == [(0, "file", "no header row")]
    assert "「报名号」" in result.errors[0].hint and "「姓名」" in result.errors[0].hint


def test_missing_column_hint_lists_accepted_names() -> None:
    header = applicants_header()
    header[header.index("失信被执行人")] = "失信人员"
    result = im.parse("applicants", csv_bytes([header, applicant()]), "a.csv")
    missing = [e for e in result.errors if e.reason == "missing column"]
    assert [e.field for e in missing] == ["defaulter"]
    assert "监护人是否失信被执行人" in missing[0].hint


@pytest.mark.parametrize("kind", list(im.KINDS))
def test_every_documented_alias_is_accepted(kind: str) -> None:
    cols = im.KINDS[kind].cols
    for col in cols:
        for alias in col.names:
            header = [alias if c is col else c.zh for c in cols]
            if kind == "applicants" and col.field == "school" and alias == "学校名称":
                continue  # 学校名称 names the separate school_name column of applicants
            result = im.parse(kind, csv_bytes([header]), "h.csv")
            assert dict(result.columns).get(col.field) == alias, (kind, alias)


def test_docs_list_every_kind_and_column_name() -> None:
    doc = (ROOT / "docs" / "IMPORTS.md").read_text(encoding="utf-8")
    for kind in im.KINDS.values():
        assert f"`{kind.name}`" in doc, kind.name
        for col in kind.cols:
            for name in col.names:
                assert name in doc, (kind.name, name)


# --------------------------------------------------------------------------- ID numbers


def test_id_number_checksum_gb11643() -> None:
    # the worked example of GB 11643-1999 (11010519491231002X)
    facts = read_id_number("11010519491231002x")
    assert facts == im.idnumber.IdFacts("002X", dt.date(1949, 12, 31), "F")
    assert read_id_number("110105194912310021") == im.idnumber.R_ID_CHECK
    assert read_id_number("110105194913310029") in (im.idnumber.R_ID_CHECK,
                                                    im.idnumber.R_ID_BIRTH)
    assert read_id_number("110105491231002") == im.idnumber.R_ID_OLD
    assert read_id_number("1101051949123100") == im.idnumber.R_ID_SHAPE


def test_full_id_number_is_never_kept_or_echoed() -> None:
    good = id_number("520102", dt.date(2019, 8, 31), "123")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check character
    rows = bureau_rows()[3:]
    rows[2][3] = bad
    result = im.parse("applicants", csv_bytes(rows), "a.csv", known_schools=SCHOOLS)
    assert errors_of(result) == {(3, "id_number",
                                  "the ID number's check character is wrong (GB 11643)")}
    error = result.errors[0]
    assert error.value == bad[:6] + "*" * 12
    everything = [im.format_report(result), im.error_file(result, "csv").decode("utf-8-sig"),
                  repr(result), repr(list(result.rows)), str(error.to_json())]
    xlsx_text = str(read_xlsx_values(im.error_file(result, "xlsx")))
    for text in [*everything, xlsx_text]:
        assert good not in text and bad not in text
        assert good[6:14] not in text  # not even the birth-date digits of the number
    assert good.encode() not in bytes(result.rows._buf)  # type: ignore[attr-defined]


def test_id_number_cross_checks_birth_date_gender_and_last4() -> None:
    number = id_number("520102", dt.date(2019, 8, 31), "123")  # male
    header = [*applicants_header(), "身份证号"]
    rows = [header,
            [*applicant("202600000001"), number],  # the fixture row: 男, 2019-08-31, 123X
            [*applicant("202600000002", 出生日期="2019-09-01"), number],
            [*applicant("202600000003", 性别="女"), number],
            [*applicant("202600000004", 身份证后四位="9999"), number]]
    result = im.parse("applicants", csv_bytes(rows), "a.csv")
    assert errors_of(result) == {
        (2, "id_last4", "differs from the ID number's last four characters"),
        (3, "birth_date", "differs from the ID number's birth date"),
        (3, "id_last4", "differs from the ID number's last four characters"),
        (4, "gender", "differs from the ID number's gender digit"),
        (4, "id_last4", "differs from the ID number's last four characters"),
        (5, "id_last4", "differs from the ID number's last four characters"),
    }
    rows = [header, [*applicant("202600000001", 身份证后四位=number[-4:]), number]]
    assert im.parse("applicants", csv_bytes(rows), "a.csv").ok


def test_id_number_needed_when_the_columns_it_replaces_are_absent() -> None:
    rows = bureau_rows()[3:]
    rows[1][3] = ""
    result = im.parse("applicants", csv_bytes(rows), "a.csv", known_schools=SCHOOLS)
    assert errors_of(result) == {(2, "id_number", "required field is empty")}
    no_id = [[c for i, c in enumerate(r) if i != 3] for r in bureau_rows()[3:]]
    result = im.parse("applicants", csv_bytes(no_id), "a.csv", known_schools=SCHOOLS)
    assert {e.field for e in result.errors if e.reason == "missing column"} == {
        "gender", "birth_date", "id_last4"}
    assert "身份证号" in result.errors[0].hint


# --------------------------------------------------------------------------- schools by name


@pytest.mark.parametrize(("cell", "school"), [
    ("S001", "S001"), ("贵阳市第一民办学校", "S001"), ("贵阳市 第一民办学校", "S001"),
    ("云岩区实验民办学校", "S002"),
])
def test_school_by_code_or_name(cell: str, school: str) -> None:
    rows = [applicants_header(), applicant(申请学校=cell)]
    result = im.parse("applicants", csv_bytes(rows), "a.csv", known_schools=SCHOOLS)
    assert [r.school for r in result.checked()] == [school]


def test_ambiguous_and_unknown_school_names_are_row_errors_with_hints() -> None:
    rows = [applicants_header(), applicant("202600000001", 申请学校="花溪民办学校"),
            applicant("202600000002", 申请学校="贵阳市第一民办学"),
            applicant("202600000003", 申请学校="北京四中"),
            applicant("202600000004", 申请学校="S404")]
    result = im.parse("applicants", csv_bytes(rows), "a.csv", known_schools=SCHOOLS)
    by_row = {e.row: e for e in result.errors}
    assert set(by_row) == {2, 3, 4, 5}
    assert "S003" in by_row[2].hint and "S004" in by_row[2].hint
    assert "贵阳市第一民办学校（S001）" in by_row[3].hint
    assert by_row[4].reason_zh == "未知学校「北京四中」"
    assert by_row[5].reason == "unknown school S404"
    without = im.parse("applicants", csv_bytes(rows[:2]), "a.csv", known_schools={"S001"})
    assert without.errors[0].reason_zh.startswith("填写的是学校名称，但尚未导入学校名单")


def test_school_code_and_name_columns_must_agree() -> None:
    header = [*applicants_header(), "学校名称"]
    rows = [header, [*applicant("202600000001"), "贵阳市第一民办学校"],
            [*applicant("202600000002"), "云岩区实验民办学校"]]
    result = im.parse("applicants", csv_bytes(rows), "a.csv", known_schools=SCHOOLS)
    assert errors_of(result) == {(3, "school_name",
                                  "the school name and code name different schools")}


# --------------------------------------------------------------------------- report


def test_report_shows_value_column_as_written_and_hint() -> None:
    rows = [["学校代码", "班级编号", "班额"], ["S001", "01", "四十五"]]
    result = im.parse("class-plans", csv_bytes(rows), "c.csv")
    error = result.errors[0]
    assert (error.row, error.column, error.value, error.reason_zh) == (2, "班额", "四十五",
                                                                       "不是整数")
    line = im.format_report(result).splitlines()[-1]
    assert line.startswith("第 2 行「班额」：不是整数（内容：四十五）。只能填写阿拉伯数字")
    assert line.endswith("/ row 2 capacity: not a whole number")
    assert error.to_json() == {
        "row": 2, "field": "capacity", "column": "班额", "value": "四十五",
        "reason": "not a whole number", "reason_zh": "不是整数", "hint": error.hint,
        "hint_en": error.hint_en, "rule": ""}


def test_values_are_truncated_and_sanitised_in_the_report() -> None:
    long = "甲" * 70
    result = im.parse("teachers", csv_bytes([["学校代码", "工号", "姓名"], ["S001", "T1", long]]),
                      "t.csv")
    assert result.errors[0].value == "甲" * 39 + "…"


def test_screen_report_is_capped_and_the_error_file_has_everything() -> None:
    rows = [["学校代码", "班级", "额定人数"]] + [["S001", f"{i:02d}", "x"] for i in range(120)]
    result = im.parse("class-plans", csv_bytes(rows), "c.csv")
    report = im.format_report(result)
    assert sum(1 for line in report.splitlines() if line.startswith("第 ")) == 50
    assert "还有 70 处错误未显示" in report
    values = read_xlsx_values(im.error_file(result, "xlsx"))
    assert len(values) == 121 and values[0][:4] == ["行号", "列名", "单元格内容", "问题"]
    assert [v[0] for v in values[1:4]] == ["2", "3", "4"]


# --------------------------------------------------------------------------- phones, dates


@pytest.mark.parametrize(("cell", "phone"), [
    ("13800138000", "13800138000"), ("138-0013-8000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"), ("8613800138000", "13800138000"),
])
def test_phone_numbers_as_offices_type_them(cell: str, phone: str) -> None:
    rows = [applicants_header(), applicant(手机=cell)]
    assert [r.phone for r in im.parse("applicants", csv_bytes(rows), "a.csv").checked()] == [
        phone]


def test_landline_is_refused_with_a_hint() -> None:
    rows = [applicants_header(), applicant(手机="0851-85551234")]
    error = im.parse("applicants", csv_bytes(rows), "a.csv").errors[0]
    assert error.field == "phone" and "短信" in error.hint


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("kind", list(im.KINDS))
def test_template_round_trips_and_is_formula_safe(kind: str) -> None:
    data = im.template(kind)
    values = read_xlsx_values(data)
    spec = im.KINDS[kind]
    assert values[0] == [c.zh for c in spec.cols if c.field not in ("id_number", "school_name")]
    assert str(values[1][0]).startswith("示例")
    as_is = im.parse(kind, data, "t.xlsx")
    assert [e.reason for e in as_is.errors] == [
        "the file has no data rows (only a header): nothing was imported"]
    assert any("示例行" in n.zh for n in as_is.notes)
    assert as_is.header_row == 1 and len(as_is.columns) == len(values[0])
    # filled in: the example row replaced by the example values themselves
    openpyxl = importlib.import_module("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    sheet.cell(row=2, column=1, value=values[1][0].removeprefix("示例"))
    buf = io.BytesIO()
    book.save(buf)
    filled = im.parse(kind, buf.getvalue(), "t.xlsx")
    assert filled.ok, im.format_report(filled)
    assert len(filled.rows) == 1
    guide = [list(r) for r in book["填写说明"].iter_rows(values_only=True)]
    assert guide[0] == ["列名", "必填", "格式", "也可写作", "示例"]
    for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        xml = zipfile.ZipFile(io.BytesIO(data)).read(part)
        assert b"<f>" not in xml
        for text in re.findall(rb"<t[^>]*>([^<]*)</t>", xml):
            assert not text.startswith((b"=", b"+", b"-", b"@"))


# --------------------------------------------------------------------------- freeze preview

RULES7 = Rules(event="demo-2026", origin="draw.example.cn/yunyan/demo-2026", title="t",
               year=2026, grade=7)
PRIVATE = {"S001": School("S001", "一中", "D01", "city", 9800, 120, 20, True),
           "S002": School("S002", "实验", "D02", "district", 4500, 60, 0, False)}


def test_preview_warns_that_a_grade_7_file_without_graduation_is_rejected_whole() -> None:
    header = [h for h in applicants_header() if h != "小学毕业"]
    rows = [header] + [[c for h, c in zip(applicants_header(), applicant(f"2026{i:08d}",
                                                                       出生日期="2013-05-01"),
                                          strict=True) if h != "小学毕业"]
                       for i in range(260)]
    result = im.parse("applicants", csv_bytes(rows), "a.csv")
    assert result.ok
    assert any("小学毕业" in n.zh and "否" in n.zh for n in result.notes)
    preview = im.freeze_preview(result.rows, rules=RULES7, schools=PRIVATE)
    assert (preview.applications, preview.eligible) == (260, 0)
    graduation = next(r for r in preview.rejected if r.code == "P1-graduation")
    assert graduation.count == 260
    assert graduation.examples[0] == "202600000000（第 2 行）"
    text = im.format_preview(preview)
    assert "260 份将被拒绝" in text and "人数异常多" in text and "小学毕业" in text


def test_preview_counts_each_rule_with_examples() -> None:
    g7 = {"小学毕业": "是", "出生日期": "2013-01-01"}
    rows = [applicants_header(),
            applicant("202600000001", 身份证后四位="0001", **g7),
            applicant("202600000002", 身份证后四位="0002", 本市户籍或居住证="否", **g7),
            applicant("202600000003", 身份证后四位="0003", 申请学校="S002", 区县="D09", **g7),
            applicant("202600000004", 身份证后四位="0004", **g7),
            applicant("202600000005", 身份证后四位="0005", 申请学校="S404", **g7)]
    result = im.parse("applicants", csv_bytes(rows), "a.csv")
    preview = im.freeze_preview(result.rows, rules=RULES7, schools=PRIVATE,
                                locked=frozenset({"202600000004"}))
    assert [(r.code, r.count) for r in preview.rejected] == [
        ("P1-residence", 1), ("P2-district", 1), ("P8-locked", 1)]
    assert preview.eligible == 1 and preview.applications == 5
    assert preview.blocking and "学校不在" in preview.blocking[0]
