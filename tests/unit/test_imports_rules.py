"""Rules at the door (issue 8 items 1-5): each test names its rule ID.

P1 residence read from the file and enforced; P8/P12 locks recorded; P7 receipts
matched to offers; P10/P11 lists validated; P13 an application to a public school
refused at import.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from lottery_service import imports as im
from lottery_service.core.allocation import allocate
from lottery_service.core.payments import (
    PaymentState,
    initial_payment_state,
    payment_round,
)
from lottery_service.core.records import Applicant, Rules, School
from tests.unit.imports_support import applicant, applicants_header, csv_bytes, errors_of

DIRECTORY = im.SchoolDirectory([
    im.KnownSchool("S001", "贵阳市第一民办学校", "private", "D01", True, 20),
    im.KnownSchool("S002", "云岩区实验民办学校", "private", "D02", False, 0),
    im.KnownSchool("P001", "贵阳市第一公办小学", "public", "D01"),
])
PRIVATE = {"S001": School("S001", "一中", "D01", "city", 9800, 120, 20, True),
           "S002": School("S002", "实验", "D02", "district", 4500, 60, 0, False)}
RULES1 = Rules(event="demo-2026", origin="draw.example.cn/yunyan/demo-2026", title="t",
               year=2026, grade=1)
RULES7 = Rules(event="demo-2026", origin="draw.example.cn/yunyan/demo-2026", title="t",
               year=2026, grade=7)


def rows_of(*rows: list[str]) -> bytes:
    return csv_bytes([applicants_header(), *rows])


# --------------------------------------------------------------------------- P1


def test_P1_residence_column_is_read_and_a_child_outside_the_city_is_rejected() -> None:
    result = im.parse("applicants", rows_of(
        applicant("202600000001", 身份证后四位="0001"),
        applicant("202600000002", 身份证后四位="0002", 本市户籍或居住证="否"),
        applicant("202600000003", 身份证后四位="0003", 户籍类型="居住证", 本市户籍或居住证="否")),
        "a.csv")
    rows = result.checked()
    assert [(r.basis, r.city_resident) for r in rows] == [
        ("household", True), ("household", False), ("permit", False)]
    preview = im.freeze_preview(rows, rules=RULES1, schools=PRIVATE)
    assert [(r.code, r.count) for r in preview.rejected] == [("P1-residence", 2)]
    assert preview.eligible == 1


def test_P1_without_the_residence_column_the_basis_decides_and_the_report_says_so() -> None:
    header = [h for h in applicants_header() if h != "本市户籍或居住证"]

    def row(reg: str, basis: str) -> list[str]:
        return [c for h, c in zip(applicants_header(), applicant(reg, 户籍类型=basis,
                                                                 身份证后四位=reg[-4:]),
                                  strict=True) if h != "本市户籍或居住证"]

    result = im.parse("applicants", csv_bytes([header, row("202600000001", "户籍"),
                                               row("202600000002", "无")]), "a.csv")
    assert [r.city_resident for r in result.checked()] == [True, False]
    assert any("本市户籍或居住证" in n.zh and "推定" in n.zh for n in result.notes)


def test_P1_basis_none_contradicts_city_residence() -> None:
    row = applicant(户籍类型="无", 本市户籍或居住证="是")
    result = im.parse("applicants", rows_of(row), "a.csv")
    assert errors_of(result) == {
        (2, "city_resident", "basis 无 (none) contradicts 本市户籍或居住证 = 是")}
    assert result.errors[0].rule == "P1"


# --------------------------------------------------------------------------- P8, P12


def test_P8_P12_locks_feed_eligibility() -> None:
    locks = im.parse("locks", csv_bytes([
        ["报名号", "锁定类型", "锁定日期", "发文单位", "学校"],
        ["202600000001", "公办学校确认", "2026-07-10", "云岩区教育局", "贵阳市第十九中学"],
        ["202600000002", "政策照顾安置", "2026-07-11 09:00", "南明区教育局", ""]]), "l.csv")
    locked = frozenset(r.reg for r in locks.checked())
    assert [r.lock for r in locks.rows] == [im.LockKind.PUBLIC_SCHOOL, im.LockKind.POLICY_CARE]
    apps = im.parse("applicants", rows_of(
        applicant("202600000001", 身份证后四位="0001"),
        applicant("202600000002", 身份证后四位="0002", 政策照顾="是"),
        applicant("202600000003", 身份证后四位="0003")), "a.csv").checked()
    preview = im.freeze_preview(apps, rules=RULES1, schools=PRIVATE, locked=locked)
    assert [(r.code, r.count) for r in preview.rejected] == [("P8-locked", 2)]


# --------------------------------------------------------------------------- P7

SEED = hashlib.sha256(b"test-imports-receipts").digest()


def payment_state() -> tuple[PaymentState, list[str], list[str]]:
    school = School("S001", "一中", "D01", "city", 5000, 3)
    apps = [Applicant(reg=f"2026000000{i:02d}", name="张*", school="S001", district="D01",
                      reg_day="2026-06-11", attrs="00" * 32) for i in range(7)]
    draw = allocate([school], apps, SEED, True)
    state = initial_payment_state(draw)
    winners = state.unconfirmed()
    waiting = state.waiting_regs()
    return state, winners, waiting


def receipts(*rows: list[str]) -> im.ImportResult[im.PaymentRow]:
    return im.parse("payments", csv_bytes([["报名号", "学校代码", "回单号", "缴费日期"], *rows]),
                    "p.csv", known_schools=DIRECTORY)


WINDOW = (dt.date(2026, 7, 24), dt.date(2026, 7, 25))


def test_P7_receipts_must_match_a_held_offer_inside_the_window() -> None:
    state, winners, waiting = payment_state()
    result = receipts([winners[0], "S001", "R1", "2026-07-24"],
                      [waiting[0], "S001", "R2", "2026-07-24"],
                      [winners[1], "S002", "R3", "2026-07-25"],
                      [winners[2], "S001", "R4", "2026-07-26 08:00"],
                      ["202699999999", "S001", "R5", "2026-07-24"])
    assert result.ok
    errors = im.check_receipts(result, state, WINDOW)
    assert [(e.row, e.field, e.rule) for e in errors] == [
        (3, "reg", "P7"), (4, "school", "P7"), (5, "paid_on", "P7"), (6, "reg", "P7")]
    assert "候补" in errors[0].reason_zh
    assert errors[1].reason_zh == "该学生的录取学校是 S001，回单上的学校是 S002"
    assert "晚于缴费截止日 2026-07-25" in errors[2].reason_zh
    rejected = result.with_errors(errors)
    assert not rejected.ok and "共 4 处错误" in im.format_report(rejected)


def test_P7_receipt_before_the_window_and_after_a_forfeit() -> None:
    state, winners, _ = payment_state()
    after, _ = payment_round(state, 1, frozenset({winners[0]}), frozenset(), frozenset())
    result = receipts([winners[0], "S001", "R1", "2026-07-24"],
                      [winners[1], "S001", "R2", "2026-07-20"],
                      [winners[2], "S001", "R3", "2026-07-25"])
    errors = im.check_receipts(result, after, WINDOW)
    assert [(e.row, e.field) for e in errors] == [(2, "reg"), (3, "paid_on")]
    assert "已因逾期未缴费而取消" in errors[0].reason_zh
    assert "早于缴费开始日" in errors[1].reason_zh
    assert im.check_receipts(receipts([winners[2], "S001", "R3", "2026-07-30"]), after,
                             None) == ()  # no window configured: only the offers checked


# --------------------------------------------------------------------------- P10, P11


def list_file(kind: str, *rows: list[str]) -> im.ImportResult[im.ListRow]:
    return im.parse(kind, csv_bytes([["学校代码", "报名号"], *rows]), "l.csv",
                    known_schools=DIRECTORY)


APPLICATIONS = {"202600000001": "S001", "202600000002": "S002", "202600000003": "S001",
                "202600000004": "S002"}


def test_P10_direct_list_names_applicants_of_a_nine_year_school_only() -> None:
    result = list_file("direct", ["S001", "202600000001"], ["S001", "202600000002"],
                       ["S001", "202600000009"], ["S002", "202600000004"])
    errors = im.check_lists(result, "direct", applications=APPLICATIONS, schools=DIRECTORY,
                            grade=7)
    assert [(e.row, e.field, e.rule) for e in errors] == [
        (3, "school", "P10"), (4, "reg", "P10"), (5, "school", "P10")]
    assert errors[0].reason_zh == "该学生报名的是 S002，不是 S001"
    assert "不是本次民办学校报名的申请人" in errors[1].reason_zh
    assert "不是九年（或十二年）一贯制学校" in errors[2].reason_zh


def test_P10_direct_list_only_for_a_grade_7_event() -> None:
    result = list_file("direct", ["S001", "202600000001"])
    errors = im.check_lists(result, "direct", applications=APPLICATIONS, schools=DIRECTORY,
                            grade=1)
    assert [(e.row, e.field, e.rule) for e in errors] == [(0, "file", "P10")]
    assert "七年级" in errors[0].reason_zh


def test_P11_community_list_names_applicants_of_a_school_with_a_community_plan() -> None:
    result = list_file("community", ["S001", "202600000001"], ["S002", "202600000002"],
                       ["S002", "202600000003"])
    errors = im.check_lists(result, "community", applications=APPLICATIONS,
                            schools=DIRECTORY, grade=1)
    assert [(e.row, e.field, e.rule) for e in errors] == [(3, "school", "P11"),
                                                          (4, "school", "P11")]
    assert errors[0].reason_zh == "S002 没有小区配套计划"


def test_P10_not_approved_is_reachable_from_the_applicants_file() -> None:
    grade7 = {"小学毕业": "是", "出生日期": "2013-01-01"}
    result = im.parse("applicants", csv_bytes([
        [*applicants_header(), "申请直升"],
        [*applicant("202600000001", 身份证后四位="0001", **grade7), "是"],
        [*applicant("202600000002", 身份证后四位="0002", **grade7), "是"]]), "a.csv")
    rows = result.checked()
    assert [r.direct for r in rows] == [True, True]
    preview = im.freeze_preview(rows, rules=RULES7, schools=PRIVATE,
                                direct={"S001": frozenset({"202600000002"})})
    assert [(r.code, r.count, r.examples) for r in preview.rejected] == [
        ("P10-not-approved", 1, ("202600000001（第 2 行）",))]
    assert rows[1].application(direct=True).direct_flag


# --------------------------------------------------------------------------- P13


def test_P13_an_application_to_a_public_school_is_refused_at_import() -> None:
    for cell in ("P001", "贵阳市第一公办小学"):
        result = im.parse("applicants", rows_of(applicant(申请学校=cell)), "a.csv",
                          known_schools=DIRECTORY)
        assert [(e.row, e.field, e.rule) for e in result.errors] == [(2, "school", "P13")]
        assert result.errors[0].reason_zh == "公办学校不参加民办派位（P13）"
    for kind in ("community", "direct"):
        assert [e.rule for e in list_file(kind, ["P001", "202600000001"]).errors] == ["P13"]
    assert [e.rule for e in receipts(["202600000001", "P001", "R1", "2026-07-24"]).errors] \
        == ["P13"]


def test_P13_public_schools_still_group_their_classes_S1() -> None:
    plans = im.parse("class-plans", csv_bytes([["学校代码", "班级", "额定人数"],
                                               ["P001", "01", "45"]]), "c.csv",
                     known_schools=DIRECTORY)
    assert plans.ok
    pupils = im.parse("pupils", csv_bytes([["报名号", "姓名", "性别", "学校代码"],
                                           ["202600000001", "王芳", "女", "贵阳市第一公办小学"]]),
                      "p.csv", known_schools=DIRECTORY)
    assert [r.school for r in pupils.checked()] == ["P001"]
