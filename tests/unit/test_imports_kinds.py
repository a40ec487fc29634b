"""Every import kind: rows as written, format errors, records (lottery_service/imports).

Rule IDs: P7 payments, P10 direct list, P11 community list, S2 cohort, S3 class
plans, S5 head teachers; PROTOCOL.md §1 identifier syntax, §3.2 records.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service import imports as im
from lottery_service.core.eligibility import Application
from lottery_service.core.errors import RecordError
from lottery_service.core.records import (
    ClassPlan,
    ClassSpec,
    OpenedPupil,
    School,
    Siblings,
    Teacher,
)
from lottery_service.imports import RowError
from lottery_service.imports.fields import R_ID_LAST4, R_REG, R_SCIENTIFIC
from tests.unit.imports_support import (
    KNOWN,
    csv_bytes,
    errors_of,
    fixture,
    raw_xlsx,
    table,
    xlsx,
)

KIND_FILES = [
    ("applicants", "applicants.csv"), ("schools", "schools.csv"),
    ("class-plans", "class_plans.csv"), ("teachers", "teachers.csv"),
    ("pupils", "pupils.csv"), ("payments", "payments.csv"),
    ("community", "community.csv"), ("direct", "direct.csv"), ("locks", "locks.csv"),
]


@pytest.mark.parametrize(("kind", "name"), KIND_FILES)
def test_same_rows_from_utf8_bom_gb18030_and_xlsx(kind: str, name: str) -> None:
    raw = fixture(name)
    text = raw.decode("utf-8")
    gb = text.encode("gb18030")
    if any(ord(ch) > 127 for ch in text):
        with pytest.raises(UnicodeDecodeError):
            gb.decode("utf-8")  # the GB18030 file really is not UTF-8
    variants = {
        "utf-8": (raw, "a.csv"),
        "utf-8-bom": (b"\xef\xbb\xbf" + raw, "a.CSV"),
        "gb18030": (gb, "a.csv"),
        "xlsx": (xlsx(table(name)), "a.xlsx"),
    }
    known = None if kind in ("schools", "locks") else KNOWN
    results = {k: im.parse(kind, data, fn, known_schools=known)
               for k, (data, fn) in variants.items()}
    reference = results["utf-8"]
    assert reference.ok, im.format_report(reference)
    assert len(reference.rows) == len(table(name)) - 1
    for variant, result in results.items():
        assert result.errors == (), variant
        assert result.rows == reference.rows, variant
    gb_label = "GB18030" if not raw.isascii() else "UTF-8"  # ASCII is valid UTF-8
    assert (results["utf-8"].encoding, results["utf-8-bom"].encoding,
            results["gb18030"].encoding) == ("UTF-8", "UTF-8（带 BOM）", gb_label)


def test_applicant_fields_read_as_written() -> None:
    # Expected values transcribed by hand from tests/fixtures/imports/applicants.csv.
    a, b, c, d = im.parse("applicants", fixture("applicants.csv"), "applicants.csv").checked()
    assert (a.reg, a.name, a.gender, a.birth_date, a.district, a.basis) == (
        "202600001234", "张三丰", "M", "2019-08-31", "D01", "household")
    assert (a.defaulter, a.policy_care, a.school, a.sibling_group, a.reg_day) == (
        False, False, "S001", None, "2026-06-11")
    assert (a.id_last4, a.phone, a.graduating, a.city_resident, a.direct) == (
        "123X", "13800138000", False, True, False)
    # 2019/9/1 and 2019年9月1日 and 20260612 are dates as offices type them.
    assert (b.birth_date, c.birth_date, c.reg_day) == ("2019-09-01", "2019-09-01", "2026-06-12")
    assert (b.gender, c.gender, d.gender) == ("F", "F", "M")
    assert (b.basis, b.defaulter, b.sibling_group, b.phone, b.graduating) == (
        "permit", True, "T1", None, False)
    assert c.id_last4 == "042X"  # a typed lower-case x is the same check character
    assert (d.basis, d.city_resident, d.policy_care, d.graduating) == ("none", False, True, True)
    assert [r.row for r in (a, b, c, d)] == [2, 3, 4, 5]
    assert "13800138000" not in repr(a) and "123X" not in repr(a)  # private data kept out


# --------------------------------------------------------------------------- XLSX cells


def test_xlsx_numbers_and_dates_are_normalised() -> None:
    header = table("applicants.csv")[0]
    typed: list[list[Any]] = [
        list(header),
        # reg and phone as numbers, dates as date and datetime cells, Excel booleans
        [202600001234, "张三丰", "男", dt.date(2019, 8, 31), "D01", "户籍", "是", False, "否",
         "S001", None, dt.datetime(2026, 6, 11), "123X", 13800138000, "否"],
        [202600001235.0, "李娜", "女", dt.datetime(2019, 9, 1), "D02", "居住证", "是", True,
         "否", "S001", "T1", dt.datetime(2026, 6, 12, 9, 30), "0421", None, None],
    ]
    a, b = im.parse("applicants", xlsx(typed), "a.xlsx").checked()
    assert (a.reg, a.birth_date, a.reg_day, a.phone, a.defaulter) == (
        "202600001234", "2019-08-31", "2026-06-11", "13800138000", False)
    # 报名日期 as a date-time: the day is the registration day
    assert (b.reg, b.birth_date, b.reg_day, b.defaulter) == (
        "202600001235", "2019-09-01", "2026-06-12", True)
    # 421 from a number cell has lost its leading zero: reported, never padded back
    typed[2][12] = 421
    result = im.parse("applicants", xlsx(typed), "b.xlsx")
    assert errors_of(result) == {(3, "id_last4", R_ID_LAST4.en)}


def test_xlsx_cell_errors_name_the_spreadsheet_row() -> None:
    openpyxl = importlib.import_module("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["学校代码", "学校名称", "区县", "性质", "学费", "审批机关", "招生计划",
                  "配套计划", "九年一贯"])
    sheet.append(["S001", "一中", "D01", "民办", 4500.0, "市", 120, 20, True])
    # rows 3 and 4 left empty; row 5: a rounded 18-digit number and a fractional fee
    for col, value in enumerate(["S002", "二中", "D01", "民办", 4500.5, "区", 10**17, 0, "否"],
                                start=1):
        sheet.cell(row=5, column=col, value=value)
    sheet.cell(row=6, column=1, value="S003")
    for col, value in enumerate(["三中", "D01", "公办", None, "县", 30, None,
                                 dt.datetime(2026, 6, 11, 9, 30)], start=2):
        sheet.cell(row=6, column=col, value=value)
    sheet.cell(row=9, column=1, value=None)  # trailing empty rows
    buf = io.BytesIO()
    book.save(buf)
    result = im.parse("schools", buf.getvalue(), "s.xlsx")
    assert result.rows == (im.SchoolRow("S001", "一中", "D01", "private", 4500, "city", 120, 20,
                                        True),)
    assert errors_of(result) == {
        (5, "tuition", "not a whole number"),
        (5, "quota", im.cells.R_LONG_NUMBER.en),
        (6, "nine_year", "expected 是/否"),  # a date-time is no flag
    }


def test_xlsx_uses_the_first_sheet(tmp_path: Path) -> None:
    openpyxl = importlib.import_module("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["学校代码", "工号", "姓名"])
    book.active.append(["S001", "T1", "李老师"])
    book.create_sheet("说明").append(["not", "a", "table"])
    book.save(tmp_path / "t.xlsx")
    result = im.parse("teachers", (tmp_path / "t.xlsx").read_bytes(), "t.xlsx")
    assert result.checked() == (im.TeacherRow("S001", "T1", "李老师"),)


# --------------------------------------------------------------------------- errors


def test_every_row_error_is_collected_with_row_field_and_reason() -> None:
    result = im.parse("applicants", fixture("applicants_errors.csv"), "e.csv",
                      known_schools={"S001", "S002"})
    assert [r.reg for r in result.rows] == ["202600000001", "202600000012"]
    assert list(result.errors) == [
        RowError(3, "birth_date", "not a valid date"),  # 2019-02-30
        RowError(4, "reg", R_REG.en),
        RowError(4, "gender", "expected 男/女 (M/F)"),
        RowError(5, "name", "required field is empty"),
        RowError(6, "reg", "duplicate of row 2"),
        RowError(7, "school", "unknown school S999"),
        RowError(8, "id_last4", R_ID_LAST4.en),
        RowError(8, "phone", "expected an 11-digit mobile number"),
        # row 9 is blank and skipped; row 10: Excel's 2.026E+11 and month 13
        RowError(10, "reg", R_SCIENTIFIC.en),
        RowError(10, "reg_day", "not a valid date or date-time"),
        RowError(11, "basis", "expected one of 户籍/居住证/无"),
        RowError(11, "defaulter", "expected 是/否"),
    ]
    with pytest.raises(im.ImportRejected) as info:
        result.checked()  # all-or-nothing
    assert info.value.result is result


def test_unknown_school_only_checked_when_schools_are_given() -> None:
    result = im.parse("applicants", fixture("applicants_errors.csv"), "e.csv")
    assert (7, "school", "unknown school S999") not in errors_of(result)
    assert len(result.errors) == 11


def test_header_errors_reported_on_the_header_row_and_rows_still_checked() -> None:
    rows = [
        ["报名号", "姓名", "学校代码", "学校代码", "爱好", "序号"],  # no 性别; 学校代码 twice
        ["202600000001", "甲", "S001", "S001", "画画", "1"],
        ["bad", "乙", "S001", "S001", "", "2"],
    ]
    result = im.parse("pupils", csv_bytes(rows), "p.csv")
    assert result.rows == ()
    assert list(result.errors) == [
        RowError(1, "school", "column appears twice"),
        RowError(1, "gender", "missing column"),
        RowError(3, "reg", R_REG.en),  # other fields are still checked
    ]
    missing = result.errors[1]
    assert (missing.column, missing.reason_zh) == ("性别", "缺少此列")
    # a column the kind does not use is ignored, and the report says so
    assert any("爱好" in n.zh for n in result.notes)


def test_values_outside_the_header_and_numbered_blank_rows() -> None:
    rows = [
        ["序号", "学校代码", "工号", "姓名"],
        ["1", "S001", "T1", "李老师", "多余"],
        ["2", "", "", ""],  # a pre-numbered template row left empty: skipped
        ["3", "S001", "T2", "王老师"],
    ]
    result = im.parse("teachers", csv_bytes(rows), "t.csv")
    assert [r.teacher_id for r in result.rows] == ["T2"]
    assert errors_of(result) == {(2, "column E", "value in a column without a header")}
    assert result.errors[0].value == "多余"


def test_english_headers_units_and_case() -> None:
    rows = [["School", " TEACHER_ID ", "Name"], ["S001", "T1", "李老师"]]
    assert im.parse("teachers", csv_bytes(rows), "t.csv").checked() == (
        im.TeacherRow("S001", "T1", "李老师"),)
    rows = [["*学校代码", "班级", "额定人数（人）"], ["S001", "01", "45"]]
    assert im.parse("class-plans", csv_bytes(rows), "c.csv").checked() == (
        im.ClassPlanRow("S001", "01", 45),)


def test_csv_text_guards_from_exports() -> None:
    # bank exports keep digits as text with ="…" or a leading tab
    rows = [["报名号", "学校代码", "回单号", "缴费日期"],
            ['="202600000001"', "S001", "\t0042", "2026-07-24"]]
    assert im.parse("payments", csv_bytes(rows), "p.csv").checked() == (
        im.PaymentRow("202600000001", "S001", "0042", "2026-07-24"),)


def test_broken_csv_quoting_is_a_file_error() -> None:
    data = 'school,teacher_id,name\nS001,T1,"李老师\n'.encode()
    result = im.parse("teachers", data, "t.csv")
    assert [(e.row, e.field) for e in result.errors] == [(2, "file")]
    assert result.rows == ()


@pytest.mark.parametrize("value", ["+7", "7_000", "４５", "4,500", "-1", "1e3", "45.0"])
def test_integers_are_strict(value: str) -> None:
    rows = [["学校代码", "班级", "额定人数"], ["S001", "01", value]]
    result = im.parse("class-plans", csv_bytes(rows), "c.csv")
    assert result.rows == ()
    assert [(e.row, e.field) for e in result.errors] == [(2, "capacity")]


def test_parse_rejects_unknown_kind_and_names_unsupported_files() -> None:
    with pytest.raises(ValueError, match="unknown import kind"):
        im.parse("students", b"", "a.csv")
    txt = im.parse("teachers", b"x", "a.txt")
    assert [(e.row, e.field, e.reason) for e in txt.errors] == [
        (0, "file", "unsupported file type; expected .csv or .xlsx")]
    xls = im.parse("teachers", b"\xd0\xcf\x11\xe0", "a.xls")
    assert "另存为" in xls.errors[0].hint
    assert set(im.KINDS) == {"schools", "applicants", "community", "direct", "payments",
                             "class-plans", "teachers", "pupils", "locks"}


# --------------------------------------------------------------------------- kinds


def test_schools_map_kind_authority_and_records() -> None:
    s001, s002, p001 = im.parse("schools", fixture("schools.csv"), "s.csv").checked()
    assert s001.record() == School("S001", "贵阳市第一民办学校", "D01", "city", 9800, 120, 20, True)
    assert s002.record() == School("S002", "云岩区实验民办学校", "D02", "district", 4500, 60, 0,
                                   False)
    assert (p001.kind, p001.tuition, p001.authority) == ("public", 0, "district")
    with pytest.raises(RecordError):
        p001.record()  # P13: public schools are not in the private lottery


def test_school_value_errors() -> None:
    rows = [
        ["学校代码", "学校名称", "区县", "性质", "学费", "审批机关", "招生计划", "配套计划",
         "九年一贯"],
        ["S001", "一中", "D01", "公办", "100", "市", "10", "0", "否"],  # public with tuition
        ["S002", "二中", "D01", "民办", "", "省", "10", "11", "maybe"],
        ["S001", "三中", "云岩区", "私立", "0", "区", "10", "0", "1"],
    ]
    result = im.parse("schools", csv_bytes(rows), "s.csv")
    assert result.rows == ()
    assert list(result.errors) == [
        RowError(2, "tuition", "a public school charges no tuition: must be 0"),
        RowError(3, "tuition", "required field is empty"),  # required for private schools
        RowError(3, "authority", "expected one of 市/区/县"),
        RowError(3, "community_quota", "community quota exceeds the quota (P11)"),
        RowError(3, "nine_year", "expected 是/否"),
        RowError(4, "id", "duplicate of row 2"),
        RowError(4, "district", im.fields.R_ID.en),  # district codes, not names (§1)
        RowError(4, "kind", "expected one of 公办/民办"),
    ]
    assert result.errors[3].rule == "P11"


def test_class_plans_sorted_by_school_and_class_s3() -> None:
    rows = im.parse("class-plans", fixture("class_plans.csv"), "c.csv").checked()
    assert im.plans_from_rows(rows, {"S001": "阳光学校"}) == [
        ClassPlan("S001", "阳光学校",
                  (ClassSpec("01", 45), ClassSpec("02", 45), ClassSpec("10", 40))),
        ClassPlan("S002", "S002", (ClassSpec("02", 45),)),  # no name known: its id
    ]
    with pytest.raises(RecordError):
        im.plans_from_rows([*rows, rows[0]])


def test_duplicate_class_and_zero_capacity_s3() -> None:
    rows = [["学校代码", "班级", "额定人数"], ["S001", "01", "45"], ["S002", "01", "45"],
            ["S001", "01", "40"], ["S001", "02", "0"]]
    result = im.parse("class-plans", csv_bytes(rows), "c.csv", known_schools={"S001"})
    assert list(result.errors) == [
        RowError(3, "school", "unknown school S002"),
        RowError(4, "class_id", "duplicate of row 2"),
        RowError(5, "capacity", "must be at least 1"),
    ]


def test_teachers_records_mask_names_s5() -> None:
    rows = im.parse("teachers", fixture("teachers.csv"), "t.csv").checked()
    assert [r.record() for r in rows] == [
        Teacher("S001", "T0001", "李*师"), Teacher("S001", "T0002", "欧*明"),
        Teacher("S002", "T0101", "王*"),
    ]
    dup = [["学校代码", "工号", "姓名"], ["S001", "T1", "甲"], ["S002", "T1", "乙"]]
    assert errors_of(im.parse("teachers", csv_bytes(dup), "t.csv")) == {
        (3, "teacher_id", "duplicate of row 2")}  # teacher ids are unique per event (§1)


def test_pupils_records_s2() -> None:
    rows = im.parse("pupils", fixture("pupils.csv"), "p.csv").checked()
    assert [r.record() for r in rows] == [
        OpenedPupil("202600001234", "张*丰", "S001", "M"),
        OpenedPupil("202600001235", "李*", "S001", "F", ("sen",), Siblings("T1", "together")),
        OpenedPupil("202600001236", "李*", "S001", "F", (), Siblings("T1", "together")),
        OpenedPupil("202600001237", "王*", "S001", "M", (), Siblings("T2", "apart")),
        OpenedPupil("202600001238", "王*", "S001", "M", (), Siblings("T2", "apart")),
    ]


def test_pupil_sibling_mode_errors() -> None:
    rows = [
        ["报名号", "姓名", "性别", "学校代码", "兄弟姐妹组", "同班意愿"],
        ["202600000001", "甲", "男", "S001", "G1", ""],        # mode required with a group
        ["202600000002", "乙", "女", "S001", "", "同班"],      # mode without a group
        ["202600000003", "丙", "女", "S001", "G2", "同班"],
        ["202600000004", "丁", "女", "S001", "G2", "分班"],    # group disagrees with row 4
        ["202600000005", "戊", "女", "S001", "G3", "随便"],
    ]
    result = im.parse("pupils", csv_bytes(rows), "p.csv")
    assert [r.reg for r in result.rows] == ["202600000003"]
    assert list(result.errors) == [
        RowError(2, "sibling_mode", "required field is empty"),
        RowError(3, "sibling_mode", "given without a sibling group"),
        RowError(5, "sibling_mode", "sibling group G2 differs in mode from row 4"),
        RowError(6, "sibling_mode", "expected one of 同班/分班"),
    ]


def test_sibling_group_shares_a_district() -> None:
    data = table("applicants.csv")
    data[3][4] = "D03"  # the second twin of group T1 now lives elsewhere
    result = im.parse("applicants", csv_bytes(data), "a.csv")
    assert errors_of(result) == {(4, "district", "sibling group T1 differs in district from row 3")}


def test_payments_p7() -> None:
    rows = im.parse("payments", fixture("payments.csv"), "p.csv").checked()
    assert rows == (
        im.PaymentRow("202600001234", "S001", "HX20260724001", "2026-07-24"),
        im.PaymentRow("202600001235", "S001", "HX20260725002", "2026-07-25"),
    )
    bad = [["报名号", "学校代码", "回单号", "缴费日期"],
           ["202600000001", "S001", "R1", "2026-07-24"],
           ["202600000002", "S001", "R1", "2026-07-24 10:15"],
           ["202600000001", "S001", "R3", "7/24"]]
    assert list(im.parse("payments", csv_bytes(bad), "p.csv").errors) == [
        RowError(3, "receipt", "duplicate of row 2"),
        RowError(4, "reg", "duplicate of row 2"),
        RowError(4, "paid_on", "not a valid date or date-time"),
    ]


def test_community_and_direct_lists_p10_p11() -> None:
    assert im.parse("community", fixture("community.csv"), "c.csv").checked() == (
        im.ListRow("S001", "202600001234"), im.ListRow("S001", "202600001235"))
    assert im.parse("direct", fixture("direct.csv"), "d.csv",
                    known_schools=KNOWN).checked() == (im.ListRow("S002", "202600001237"),)
    bad = [["学校代码", "报名号"], ["S001", "202600000001"], ["S002", "202600000001"]]
    assert errors_of(im.parse("direct", csv_bytes(bad), "d.csv")) == {
        (3, "reg", "duplicate of row 2")}


def test_locks_p8_p12() -> None:
    rows = im.parse("locks", fixture("locks.csv"), "l.csv").checked()
    assert [(r.reg, r.lock, r.locked_on, r.authority, r.school) for r in rows] == [
        ("202600001236", im.LockKind.PUBLIC_SCHOOL, "2026-07-10", "云岩区教育局",
         "贵阳市第十九中学"),
        ("202600001237", im.LockKind.POLICY_CARE, "2026-07-12", "南明区教育局", ""),
    ]
    assert [r.lock.zh for r in rows] == ["公办学校确认", "政策照顾安置"]
    bad = [["报名号", "锁定类型", "锁定日期", "发文单位"],
           ["202600000001", "转学", "2026-07-10", "云岩区教育局"],
           ["202600000001", "政策照顾", "2026-07-32", ""]]
    assert list(im.parse("locks", csv_bytes(bad), "l.csv").errors) == [
        RowError(2, "lock", "expected one of 公办学校确认/民办学校确认/政策照顾安置"),
        RowError(3, "reg", "duplicate of row 2"),
        RowError(3, "locked_on", "not a valid date or date-time"),
        RowError(3, "authority", "required field is empty"),
    ]


def test_application_conversion() -> None:
    row = im.parse("applicants", fixture("applicants.csv"), "a.csv").checked()[1]
    app = row.application(community=True)
    assert app == Application(
        reg="202600001235", name="李娜", school="S001", gender="F",
        birth_date=dt.date(2019, 9, 1), district="D02", basis="permit", city_resident=True,
        defaulter=True, direct_flag=False, community_flag=True,
        sibling_group="T1", reg_day=dt.date(2026, 6, 12), graduating=False,
    )


# --------------------------------------------------------------------------- order


names = st.text(alphabet="张王李赵欧阳娜明华", min_size=1, max_size=4)
applicant_cells = st.tuples(
    names, st.sampled_from(["男", "女", "M", "F"]),
    st.dates(dt.date(2018, 1, 1), dt.date(2020, 12, 31)),
    st.sampled_from(["D01", "D02"]), st.sampled_from(["户籍", "居住证"]),
    st.sampled_from(["是", "否"]), st.sampled_from(["S001", "S002"]),
    st.from_regex(r"[0-9]{3}[0-9X]", fullmatch=True),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(applicant_cells, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_any_row_order_gives_the_same_rows(cells: list[Any], rnd: Any) -> None:
    header = table("applicants.csv")[0]
    rows = [
        [f"2026{i:08d}", name, gender, born.isoformat(), district, basis, "是", flag, "否",
         school, "", "2026-06-11", last4, "", ""]
        for i, (name, gender, born, district, basis, flag, school, last4) in enumerate(cells)
    ]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    first = im.parse("applicants", csv_bytes([header, *rows]), "a.csv")
    second = im.parse("applicants", csv_bytes([header, *shuffled]), "a.csv")
    assert first.ok and second.ok
    assert set(first.rows) == set(second.rows)
    assert len(first.rows) == len(rows)


@settings(max_examples=30, deadline=None)
@given(st.lists(applicant_cells, min_size=1, max_size=8))
def test_packed_rows_round_trip(cells: list[Any]) -> None:
    header = table("applicants.csv")[0]
    rows = [[f"2026{i:08d}", name, gender, born.isoformat(), district, basis, "是", flag, "否",
             school, f"G{i % 2}" if i % 3 else "", "2026-06-11", last4, "13800138000", "是"]
            for i, (name, gender, born, district, basis, flag, school, last4) in enumerate(cells)]
    result = im.parse("applicants", csv_bytes([header, *rows]), "a.csv")
    packed = result.rows
    plain = list(packed)
    assert isinstance(packed, im.results.PackedRows)
    assert [packed[i] for i in range(len(packed))] == plain
    assert packed[-1] == plain[-1] and list(packed[1:]) == plain[1:]
    assert im.results.PackedRows(im.ApplicantRow, plain) == plain


def test_xlsx_prefixed_namespaces_rich_text_and_phonetic_runs() -> None:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    cells = "".join(f'<x:c r="{col}1" t="inlineStr"><x:is><x:t>{name}</x:t></x:is></x:c>'
                    for col, name in zip("ABC", ["学校代码", "工号", "姓名"], strict=True))
    sheet = (f'<x:worksheet xmlns:x="{ns}"><x:sheetData><x:row r="1">{cells}</x:row>'
             '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>S001</x:t></x:is></x:c>'
             '<x:c r="B2" t="inlineStr"><x:is><x:t>T1</x:t></x:is></x:c>'
             '<x:c r="C2" t="s"><x:v>0</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    shared = ('<si><r><t>王</t></r><r><rPr><b/></rPr><t>芳</t></r>'
              '<rPh sb="0" eb="2"><t>wang fang</t></rPh></si>')
    data = raw_xlsx("", shared=shared)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = b'<?xml version="1.0" encoding="UTF-8"?>' + sheet.encode()
            z.writestr(info, body)
    result = im.parse("teachers", out.getvalue(), "t.xlsx")
    assert result.checked() == (im.TeacherRow("S001", "T1", "王芳"),)
