"""Rules at the door that need more than the file: pure validators (issue 8 items 2-5).

Each takes the parsed result and the context (offers, applications, schools,
the event's grade) as arguments and returns row errors in the import's own
shape, so the caller rejects the file with one report
(`ImportResult.with_errors`). Nothing here reads a database or a clock.

- P7 `check_receipts`: a receipt must name a held, unconfirmed offer at that
  school and be dated inside the payment window.
- P10/P11 `check_lists`: an approved list names applicants of that school only;
  direct promotion exists only in nine-/twelve-year schools and only for a
  grade-7 event; a community list needs a community plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from ..core.payments import PaymentState
from .cells import display
from .results import ImportResult, Reason, RowError
from .rows import ListRow, PaymentRow
from .schools import SchoolDirectory

__all__ = ["check_lists", "check_receipts"]


def _error(result: ImportResult[Any], row: int, field: str, field_zh: str, value: str,
           reason: Reason) -> RowError:
    written = dict(result.columns).get(field, field_zh)
    return RowError.of(row, field, field_zh, reason, column=written, value=display(value))


def _p7(en: str, zh: str, hint: str) -> Reason:
    return Reason(en, zh, hint, "", "P7")


def check_receipts(result: ImportResult[PaymentRow], state: PaymentState,
                   window: tuple[dt.date, dt.date] | None) -> tuple[RowError, ...]:
    """Receipts against the offers of the current payment round (P7).

    `window`: the first and last day of the payment window (inclusive, the
    event's local dates); None when the event has none configured. A receipt
    for an offer already confirmed at the same school is accepted again
    (re-uploading a cumulative bank file is harmless).
    """
    waiting = set(state.waiting_regs())
    errors: list[RowError] = []
    for r in result.rows:
        status = state.status.get(r.reg)
        school = state.school_of.get(r.reg)
        if status is None:
            if r.reg in waiting:
                reason = _p7("a waiting applicant holds no offer to pay for",
                             "该报名号在候补名单中，尚未获得名额，不能缴费",
                             "候补递补后才能缴费；请从回单文件中删除此行")
            elif r.reg in state.locked:
                reason = _p7("the applicant is locked elsewhere (P8)",
                             "该学生已被其他学校锁定，不能缴费", "请核对回单")
            else:
                reason = _p7("no offer was made to this registration number",
                             "该报名号没有录取名额", "请核对报名号")
            errors.append(_error(result, r.row, "reg", "报名号", r.reg, reason))
            continue
        if school != r.school:
            errors.append(_error(result, r.row, "school", "学校代码", r.school, _p7(
                f"the offer is at {school}, not {r.school}",
                f"该学生的录取学校是 {school}，回单上的学校是 {r.school}",
                "缴费须缴给录取学校；请核对回单")))
            continue
        if status == "forfeited":
            errors.append(_error(result, r.row, "reg", "报名号", r.reg, _p7(
                "the place was already forfeited (unpaid by the deadline)",
                "该名额已因逾期未缴费而取消", "已取消的名额不能再确认")))
            continue
        if window is not None:
            first, last = window
            paid = dt.date.fromisoformat(r.paid_on)
            if paid > last:
                errors.append(_error(result, r.row, "paid_on", "缴费日期", r.paid_on, _p7(
                    f"paid on {paid}, after the window closed on {last}",
                    f"缴费日期 {paid} 晚于缴费截止日 {last}",
                    "逾期缴费不能确认名额（P7：逾期视为放弃）")))
            elif paid < first:
                errors.append(_error(result, r.row, "paid_on", "缴费日期", r.paid_on, _p7(
                    f"paid on {paid}, before the window opened on {first}",
                    f"缴费日期 {paid} 早于缴费开始日 {first}", "请核对回单日期")))
    return tuple(errors)


def check_lists(result: ImportResult[ListRow], kind: Literal["direct", "community"], *,
                applications: Mapping[str, str], schools: SchoolDirectory,
                grade: int) -> tuple[RowError, ...]:
    """An approved direct-promotion (P10) or community (P11) list against the applications.

    `applications`: reg → the school applied to (the stored applications);
    `schools`: the event's schools (nine-year flag, community plan); `grade`:
    the event's grade (1 or 7).
    """
    rule = "P10" if kind == "direct" else "P11"
    errors: list[RowError] = []
    if kind == "direct" and grade != 7:
        errors.append(RowError.of(0, "file", "文件", Reason(
            f"direct promotion exists only in a grade-7 event (this is grade {grade})",
            f"直升只适用于七年级派位，本次是 {grade} 年级", "一年级派位不导入直升名单",
            "", "P10")))
        return tuple(errors)
    for r in result.rows:
        applied = applications.get(r.reg)
        if applied is None:
            errors.append(_error(result, r.row, "reg", "报名号", r.reg, Reason(
                "not an applicant of this event", "不是本次民办学校报名的申请人",
                "名单只能包含已报名的学生；请先导入报名名单或核对报名号", "", rule)))
            continue
        if applied != r.school:
            errors.append(_error(result, r.row, "school", "学校代码", r.school, Reason(
                f"the applicant applied to {applied}, not {r.school}",
                f"该学生报名的是 {applied}，不是 {r.school}",
                "名单只能包含报名本校的学生", "", rule)))
            continue
        school = schools.get(r.school)
        if school is None:
            continue  # an unknown school was refused by parse()
        if kind == "direct" and not school.nine_year:
            errors.append(_error(result, r.row, "school", "学校代码", r.school, Reason(
                f"{r.school} is not a nine- or twelve-year school: no direct promotion",
                f"{r.school} 不是九年（或十二年）一贯制学校，没有直升",
                "只有一贯制学校的本校小学毕业生可以直升", "", "P10")))
        elif kind == "community" and school.community_quota <= 0:
            errors.append(_error(result, r.row, "school", "学校代码", r.school, Reason(
                f"{r.school} has no community plan", f"{r.school} 没有小区配套计划",
                "请先在学校名单中填写配套计划", "", "P11")))
    return tuple(errors)
