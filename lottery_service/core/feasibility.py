"""Feasibility before a ceremony's input is frozen (PROTOCOL.md §3.4; issue 8 deliverable 2).

A ceremony's input is frozen only if the ceremony is certain to finish from it
whatever the seed, so that no mistake can be found after the seed, when nothing
can be amended any more. Each check returns every problem (school, rule,
registration numbers or class ids concerned, Chinese and English text); an
empty list means the step cannot fail:

- `lottery`: the allocation (§7) run on a fixed seed; its only failures (a
  reg twice, an unknown school, a unit breaking §3.2, another district at a
  district-approved school) do not depend on the seed;
- `grouping`: §9.3 (`core.grouping.check_feasible`);
- `teachers`: every school with a class plan has exactly as many teachers as
  classes, no other school has teachers, and teacher ids are unique (S5).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .allocation import allocate
from .errors import AllocationError, GroupingError, ProtocolError
from .grouping import check_feasible
from .records import Applicant, ClassPlan, OpenedPupil, School, Teacher

__all__ = ["FeasibilityError", "Problem", "grouping", "lottery", "teachers"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an input cannot be frozen; names records only by id (no personal data)."""

    rule: str
    school: str
    zh: str
    en: str
    regs: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # class or teacher ids

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "school": self.school, "zh": self.zh, "en": self.en,
                "regs": list(self.regs), "ids": list(self.ids)}


class FeasibilityError(ProtocolError):
    """The ceremony could not finish from this input; nothing was frozen (§3.4)."""

    title_zh = "输入数据无法保证仪式完成，未冻结"
    section = "3.4"

    def __init__(self, ceremony: str, problems: Sequence[Problem]) -> None:
        shown = problems[:20]
        more = f"（另有 {len(problems) - 20} 个问题）" if len(problems) > 20 else ""
        super().__init__(
            f"the {ceremony} input cannot be frozen: "
            + "; ".join(p.en for p in shown) + (f" (and {len(problems) - 20} more)"
                                                 if len(problems) > 20 else ""),
            zh=f"{ceremony} 仪式的输入无法冻结：" + "；".join(p.zh for p in shown) + more,
            rule=problems[0].rule if problems else None,
            problems=[p.to_json() for p in problems])
        self.problems = tuple(problems)


def lottery(schools: Sequence[School], applicants: Sequence[Applicant]) -> list[Problem]:
    """§3.4 lottery: allocation completes for every seed (its checks ignore the seed)."""
    twice = sorted(s for s, n in Counter(s.id for s in schools).items() if n > 1)
    if twice:
        return [Problem("P13", s, f"学校 {s} 出现两次。", f"school {s} appears twice.")
                for s in twice]
    try:
        allocate(schools, applicants, bytes(32), True)
    except AllocationError as exc:
        reg = exc.message.split(":", 1)[0]
        return [Problem(exc.rule or "P13", "", exc.zh, exc.message,
                        regs=(reg,) if reg.isalnum() else ())]
    return []


def grouping(plans: Sequence[ClassPlan], pupils: Sequence[OpenedPupil]) -> list[Problem]:
    """§3.4 grouping: §9.3 holds for every school, so §9 completes for every seed."""
    try:
        found = check_feasible(plans, pupils)
    except GroupingError as exc:  # pragma: no cover - check_feasible reports, never raises
        return [Problem("S3", "", exc.zh, exc.message)]
    return [Problem(p.rule, p.school, p.zh, p.en, p.pupils, p.classes) for p in found]


def teachers(plans: Sequence[ClassPlan], staff: Sequence[Teacher]) -> list[Problem]:
    """§3.4 teachers (S5): one head teacher per class of every planned school, no teacher
    for another school, no teacher id twice in the event."""
    out: list[Problem] = []
    for tid, n in sorted(Counter(t.id for t in staff).items()):
        if n > 1:
            schools = sorted({t.school for t in staff if t.id == tid})
            out.append(Problem("S5", schools[0],
                               f"班主任编号 {tid} 出现 {n} 次（{'、'.join(schools)}），"
                               "编号在全市须唯一。",
                               f"teacher id {tid} is used {n} times ({', '.join(schools)}); "
                               "teacher ids are unique within the event.", ids=(tid,)))
    classes = {p.school: len(p.classes) for p in plans}
    count = Counter(t.school for t in staff)
    for school in sorted(set(classes) | set(count)):
        want, have = classes.get(school), count.get(school, 0)
        if want is None:
            out.append(Problem("S5", school, f"学校 {school} 没有分班计划，却有 {have} 名班主任。",
                               f"school {school} has {have} teacher(s) but no class plan."))
        elif have != want:
            out.append(Problem("S5", school,
                               f"学校 {school} 有 {want} 个班，却有 {have} 名班主任；"
                               "每班须恰好一名班主任。",
                               f"school {school} has {want} classes but {have} head "
                               "teacher(s); exactly one per class."))
    return out
