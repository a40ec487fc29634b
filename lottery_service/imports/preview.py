"""What the roster freeze will reject, before the operator commits an import (issue 12 §4).

A clean file can still be rejected almost whole at the freeze (e.g. a grade-7
file without the 小学毕业 column: 259 of 260 applicants `P1-graduation`). The
preview runs the very eligibility the freeze runs (core/eligibility.py, §7.1)
on the parsed rows and the stored context, and reports per rule the count, a few
examples and the likely cause; the service shows it and asks for confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ..core.eligibility import CODES, EligibilityResult, Rejection, check_eligibility
from ..core.errors import ProtocolError
from ..core.records import Rules, School
from .rows import ApplicantRow

__all__ = ["CODE_TEXT", "FreezePreview", "RuleCount", "format_preview", "freeze_preview",
           "summarise"]

# code → (meaning, what to check when the count is surprising), Chinese.
CODE_TEXT: Mapping[str, tuple[str, str]] = {
    "P1-residence": ("户籍和监护人居住证都不在本市", "请检查「本市户籍或居住证」「户籍类型」两列"),
    "P1-age": ("一年级：8 月 31 日前未满 6 周岁", "请检查「出生日期」列与本次派位的年份"),
    "P1-graduation": ("七年级：不是本年小学毕业生",
                      "若几乎所有人都被拒绝，请检查文件是否有「小学毕业」列（缺少此列时全部按「否」处理）"),
    "P2-second-application": ("同一名儿童报了不止一所民办学校（每份申请都被拒绝）",
                              "请核对姓名、出生日期与身份证后四位是否重复"),
    "P2-district": ("学校不在申请人所在区县，且不是市级审批学校",
                    "请检查「区县」列填的是否为户籍或居住证所在区县的代码"),
    "P3-defaulter": ("失信被执行人子女报考高收费学校（学费超过 6000 元/学期）",
                     "请检查「失信被执行人」列与学校学费"),
    "P8-locked": ("已被其他学校确认录取或已由教育局安置（锁定）", "请核对锁定名单"),
    "P10-not-approved": ("申请直升，但不在批准的直升名单上", "请检查直升名单是否已导入"),
}
assert set(CODE_TEXT) == set(CODES)


@dataclass(frozen=True, slots=True)
class RuleCount:
    """Rejections under one §7.1 code."""

    code: str
    count: int
    examples: tuple[str, ...]  # registration numbers (with file rows when known)
    meaning: str
    hint: str

    @property
    def rule(self) -> str:
        return self.code.split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class FreezePreview:
    applications: int
    eligible: int
    rejected: tuple[RuleCount, ...]  # in §7.1 table order, only codes that occur
    blocking: tuple[str, ...]  # problems that would stop the freeze itself

    @property
    def rejected_total(self) -> int:
        return sum(r.count for r in self.rejected)


def summarise(eligible: int, rejections: Iterable[Rejection], applications: int, *,
              examples: int = 5, rows: Mapping[str, int] | None = None,
              blocking: tuple[str, ...] = ()) -> FreezePreview:
    """Counts and examples per code of an eligibility outcome (stored or previewed)."""
    by_code: dict[str, list[str]] = {}
    for r in rejections:
        by_code.setdefault(r.code, []).append(r.reg)
    out = []
    for code in CODES:
        regs = by_code.get(code)
        if not regs:
            continue
        shown = tuple(f"{reg}（第 {rows[reg]} 行）" if rows and reg in rows else reg
                      for reg in sorted(set(regs))[:examples])
        meaning, hint = CODE_TEXT[code]
        out.append(RuleCount(code, len(regs), shown, meaning, hint))
    return FreezePreview(applications, eligible, tuple(out), blocking)


def _default_child(row: ApplicantRow) -> str:
    return f"{row.name}\x1f{row.birth_date}\x1f{row.id_last4}"


def freeze_preview(
    rows: Iterable[ApplicantRow], *, rules: Rules, schools: Mapping[str, School],
    locked: AbstractSet[str] = frozenset(),
    direct: Mapping[str, AbstractSet[str]] | None = None,
    community: Mapping[str, AbstractSet[str]] | None = None,
    child_key: Callable[[ApplicantRow], str] = _default_child, examples: int = 5,
) -> FreezePreview:
    """The freeze's §7.1 outcome for freshly parsed applicant rows and the stored context.

    `schools`: the event's private schools (core records); `locked`: regs with a
    recorded lock (P8, P12); `direct`/`community`: approved lists per school;
    `child_key`: the identity of a child across applications (P2).
    """
    direct, community = direct or {}, community or {}
    apps, rows_of, unknown = [], {}, 0
    for r in rows:
        if r.school not in schools:
            unknown += 1
            continue
        rows_of[r.reg] = r.row
        apps.append(r.application(direct=r.reg in direct.get(r.school, frozenset()),
                                  community=r.reg in community.get(r.school, frozenset()),
                                  child=child_key(r)))
    blocking: list[str] = []
    if unknown:
        blocking.append(f"{unknown} 份申请的学校不在已导入的民办学校名单中，冻结时会失败；"
                        "请先导入学校名单")
    try:
        result = check_eligibility(rules, schools, apps, locked, direct, community)
    except ProtocolError as exc:
        blocking.append(f"冻结时会失败：{exc}")
        result = EligibilityResult((), ())
    return summarise(len(result.eligible), result.rejections, len(apps) + unknown,
                     examples=examples, rows=rows_of, blocking=tuple(blocking))


def format_preview(preview: FreezePreview) -> str:
    """The preview in Chinese, for the confirmation the operator must give."""
    lines = [f"共 {preview.applications} 份申请：冻结名单时 {preview.eligible} 份符合条件，"
             f"{preview.rejected_total} 份将被拒绝。"]
    for r in preview.rejected:
        share = r.count / preview.applications if preview.applications else 0
        line = f"· {r.code}（{r.meaning}）：{r.count} 份，例如 {'、'.join(r.examples)}"
        if share >= 0.5:
            line += f"。人数异常多：{r.hint}"
        lines.append(line)
    lines += [f"· 无法冻结：{b}" for b in preview.blocking]
    return "\n".join(lines)
