"""Every family's public result in plain fields, read from the signed log (§7, §9-§11).

`ResultIndex` reads one checkpoint's fold of the log (`SeasonState`); the operator's
notification step words its messages from it. A family's own check reads its
receipt instead (`receipts.ReceiptIndex`, §14).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .core.season import SeasonState


@dataclass(frozen=True)
class ApplicantResult:
    """Everything public about one registration number, in plain fields."""

    reg: str
    name: str
    school: str
    outcome: str | None = None  # admitted | not_admitted | None (pupil outside the lottery)
    stage: str | None = None
    rank: int | None = None
    waiting: int | None = None
    cutoff: str | None = None
    promoted_round: int | None = None
    forfeited: bool = False
    class_id: str | None = None
    teacher: str | None = None
    school_name: str | None = None  # from the logged school record, when there is one
    teacher_name: str | None = None  # masked, from the logged teacher record


@dataclass
class ResultIndex:
    """Per-registration results at one checkpoint."""

    event: str
    size: int
    note: str
    results: dict[str, ApplicantResult]

    @classmethod
    def build(cls, event: str, state: SeasonState, note: str,
              school_names: Mapping[str, str] | None = None) -> ResultIndex:
        """From the one fold of the log up to the checkpoint `note` (`SeasonState`, the
        snapshot's own); `school_names` adds the bureau's public school names the log does
        not carry for public schools."""
        size = state.size
        names = {**dict(school_names or {}), **{s.id: s.name for s in state.schools()},
                 **{p.school: p.name for p in state.plans()}}
        teacher_names = {(t.school, t.id): t.name for t in state.teachers()}
        people: dict[str, dict[str, Any]] = {}
        for a in state.applicants():
            people[a.reg] = {"reg": a.reg, "name": a.name, "school": a.school}
        for pupil in state.pupils():
            people.setdefault(pupil.reg, {"reg": pupil.reg, "name": pupil.name,
                                          "school": pupil.school})
            people[pupil.reg]["school"] = pupil.school
        for reg, r in state.lottery_results.items():
            people[reg].update(outcome=r.body.outcome, stage=r.body.stage, rank=r.body.rank,
                               waiting=r.body.waiting,
                               cutoff=None if r.body.cutoff is None else r.body.cutoff.hex())
        for reg in state.forfeits_of:
            people[reg]["forfeited"] = True
        for reg, promotions in state.promotions_of.items():
            people[reg].update(outcome="admitted", promoted_round=promotions[-1].body.round)
        for reg, g in state.grouping_results.items():
            people[reg]["class_id"] = g.body.class_
            m = state.matching_results.get((g.body.school, g.body.class_))
            if m is not None:
                people[reg]["teacher"] = m.body.teacher
                people[reg]["teacher_name"] = teacher_names.get((m.body.school,
                                                                 m.body.teacher))
        results = {reg: ApplicantResult(**p, school_name=names.get(p["school"]))
                   for reg, p in people.items()}
        return cls(event=event, size=size, note=note, results=results)
