"""Eligibility before the roster is frozen (PROTOCOL.md §7.1; rules P1–P3, P8, P10–P13).

The service holds private data per application (birth date, residence basis,
defaulter status); only the outcome leaves this module. `check_eligibility`
decides: each application gets the first failing rule in the order of the §7.1
table, or is eligible (with its unit and community place). It is `Eligibility`
over a list: `Eligibility` decides one application at a time once it knows the
few facts that span applications (the children who applied twice, P2; the units
of joint applications, §3.2), so a province's roster can stream through it from
the database without being held (issue 13). `commit_eligibility`
then makes what is logged: masked `Applicant` records whose `attrs` commit to
the gender (§17.1) and the committed rejection tree (§17.2), never a list of
reasons, with the openings the service keeps.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from .errors import AllocationError, RecordError
from .privacy import (
    CODES,
    AttributeOpening,
    RejectionCode,
    RejectionLeaf,
    RejectionTree,
    rejection_tree,
)
from .records import REG, Applicant, Gender, Rules, School, mask_name

Basis = Literal["household", "permit", "none"]

__all__ = [
    "CODES",
    "Application",
    "Basis",
    "Eligibility",
    "EligibilityResult",
    "Eligible",
    "LotteryInput",
    "Rejection",
    "age_cutoff",
    "check_eligibility",
    "check_lists",
    "check_units",
    "commit_applicant",
    "commit_eligibility",
    "rejection_leaf",
]


@dataclass(frozen=True, slots=True)
class Application:
    """One private-school application as the service holds it (private: never logged)."""

    reg: str
    name: str
    school: str
    gender: Gender
    birth_date: dt.date
    district: str
    basis: Basis  # household registration, guardian's residence permit, or neither (P1)
    city_resident: bool  # that registration / permit is in this city (P1: 本市户籍或居住证)
    defaulter: bool  # a guardian is a judgment defaulter (P3)
    direct_flag: bool  # claims direct promotion: the application says so (申请直升) or the
    # pupil is on the approved list; a claim without approval is `P10-not-approved`
    community_flag: bool  # claims a community place (P11)
    sibling_group: str | None
    reg_day: dt.date
    graduating: bool = False  # grade 7: leaves primary school this year (P1)
    child: str = ""  # opaque identity of the child across applications (P2); default reg

    def __post_init__(self) -> None:
        if not self.child:
            object.__setattr__(self, "child", self.reg)
        if not REG.fullmatch(self.reg):
            raise RecordError(f"application.reg: {self.reg!r} is not a registration number")
        if self.basis not in ("household", "permit", "none"):
            raise RecordError(f"application {self.reg}: basis must be household, permit or none")


@dataclass(frozen=True, slots=True)
class Rejection:
    """One logged rejection (§7.1, §11.2 `eligibility_rejections`)."""

    reg: str
    school: str
    code: RejectionCode

    def to_json(self) -> dict[str, Any]:
        return {"reg": self.reg, "school": self.school, "code": self.code}


@dataclass(frozen=True, slots=True)
class Eligible:
    """An eligible application with what its record says beyond it (§7.1)."""

    application: Application
    unit: str  # the smallest eligible reg of its sibling group at the same school
    community: bool  # claims a community place and is on the school's list (P11)


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """Eligible applications (sorted by reg) and rejections (sorted by reg, school)."""

    eligible: tuple[Eligible, ...]
    rejections: tuple[Rejection, ...]

    @classmethod
    def of(cls, decisions: Iterable[Eligible | Rejection]) -> EligibilityResult:
        eligible: list[Eligible] = []
        rejections: list[Rejection] = []
        for d in decisions:
            if isinstance(d, Rejection):
                rejections.append(d)
            else:
                eligible.append(d)
        eligible.sort(key=lambda e: e.application.reg)
        rejections.sort(key=_rejection_order)
        return cls(tuple(eligible), tuple(rejections))

    @property
    def decisions(self) -> tuple[Eligible | Rejection, ...]:
        """Every decision, as `commit_eligibility` takes them."""
        return (*self.eligible, *self.rejections)


def _rejection_order(r: Rejection) -> tuple[str, str, str]:
    return (r.reg, r.school, r.code)


@dataclass(frozen=True)
class LotteryInput:
    """What the lottery ceremony freezes of the applications (§7.1, §17): the applicant
    records, the openings of their `attrs`, and the committed rejections."""

    applicants: tuple[Applicant, ...]
    openings: dict[str, AttributeOpening]  # reg -> opening (kept private, §17.3)
    rejections: RejectionTree


def age_cutoff(year: int) -> dt.date:
    """Grade 1: six on or before 31 August of `year`, i.e. born on or before this day (P1)."""
    return dt.date(year - 6, 8, 31)


@dataclass(frozen=True)
class Eligibility:
    """Decides one application at a time (§7.1). `schools`: the private schools of the
    lottery (an application to any other is refused, P13). `locked`: regs with a
    recorded lock (P8, P12). `approved_direct`, `community_lists`: the bureau's approved
    lists per school (P10, P11). `repeated_children`: the children (`Application.child`)
    with more than one application, every one of which is rejected (P2). `units`: reg →
    unit of each eligible member of a joint application (`with_units`); any other
    eligible application is a unit of one."""

    rules: Rules
    schools: Mapping[str, School]
    locked: AbstractSet[str]
    approved_direct: Mapping[str, AbstractSet[str]]
    community_lists: Mapping[str, AbstractSet[str]]
    repeated_children: AbstractSet[str] = frozenset()
    units: Mapping[str, str] = field(default_factory=dict)

    def failure(self, app: Application) -> RejectionCode | None:
        """The first §7.1 check `app` fails, in the order of the table."""
        school = self.schools.get(app.school)
        if school is None:
            raise AllocationError(f"{app.reg}: {app.school} is not a private school of this "
                                  "lottery", section="7.1", rule="P13")
        rules = self.rules
        if app.basis == "none" or not app.city_resident:
            return "P1-residence"
        if rules.grade == 1 and app.birth_date > age_cutoff(rules.year):
            return "P1-age"
        if rules.grade == 7 and not app.graduating:
            return "P1-graduation"
        if app.child in self.repeated_children:
            return "P2-second-application"
        if app.district != school.district and school.authority != "city":
            return "P2-district"  # P2, P9: own district unless the city approved the school
        if app.defaulter and school.tuition > rules.high_fee_threshold:
            return "P3-defaulter"
        if app.reg in self.locked:
            return "P8-locked"  # P8, P12: already placed elsewhere
        if app.direct_flag and app.reg not in self.approved_direct.get(app.school, ()):
            return "P10-not-approved"
        return None

    def decide(self, app: Application) -> Eligible | Rejection:
        code = self.failure(app)
        if code is not None:
            return Rejection(app.reg, app.school, code)
        return Eligible(app, self.units.get(app.reg, app.reg), app.community_flag
                        and app.reg in self.community_lists.get(app.school, ()))  # P11

    def with_units(self, joint: Iterable[Application]) -> Eligibility:
        """This check knowing the units of `joint`, the applications of sibling groups (any
        others are skipped): the eligible members of one group applying to the same school
        form one unit named by its smallest reg (§3.2, §6). A unit whose members differ in
        district, direct or community cannot be drawn and raises AllocationError (P13)."""
        groups: dict[tuple[str, str], list[Application]] = {}
        for app in joint:
            if app.sibling_group is not None and self.failure(app) is None:
                groups.setdefault((app.sibling_group, app.school), []).append(app)
        units = {m.reg: min(m.reg for m in members)
                 for members in groups.values() for m in members}
        known = replace(self, units=units)
        members = sorted((m for group in groups.values() for m in group), key=lambda m: m.reg)
        check_units([_record(cast(Eligible, known.decide(m)), "0" * 64) for m in members])
        return known


def check_lists(rules: Rules, schools: Mapping[str, School], applied: Mapping[str, str],
                approved_direct: Mapping[str, AbstractSet[str]],
                community_lists: Mapping[str, AbstractSet[str]]) -> None:
    """The bureau's lists name only applicants of that school; direct promotion only at a
    `nine_year` school of a grade-7 event (§7.1, P10, P11). `applied`: reg → school of
    (at least) every reg on a list. The import refuses such rows with their row numbers
    (`imports.check_lists`); this guards the freeze."""
    for kind, lists, rule in (("direct", approved_direct, "P10"),
                              ("community", community_lists, "P11")):
        for school_id, regs in sorted(lists.items()):
            for reg in sorted(regs):
                if applied.get(reg) != school_id:
                    raise AllocationError(f"{kind} list of {school_id} names {reg}, not an "
                                          "applicant of that school", section="7.1",
                                          rule=rule)
            school = schools.get(school_id)
            if kind == "direct" and regs and (
                    rules.grade != 7 or school is None or not school.nine_year):
                raise AllocationError(f"direct promotion at {school_id} needs a nine_year "
                                      "school in a grade-7 event", section="7.1", rule="P10")


def check_eligibility(
    rules: Rules,
    schools: Mapping[str, School],
    applications: Sequence[Application],
    locked: AbstractSet[str],
    approved_direct: Mapping[str, AbstractSet[str]],
    community_lists: Mapping[str, AbstractSet[str]],
) -> EligibilityResult:
    """Split applications into eligible ones and rejections (§7.1), with `Eligibility`.

    A child is identified by `child` (a keyed hash the service derives; default
    the reg); a child with two applications has every one rejected (P2).
    """
    seen: set[str] = set()
    for app in applications:
        if app.reg in seen:
            raise AllocationError("a registration number appears twice", section="1",
                                  rule="P2")
        seen.add(app.reg)
        if app.school not in schools:
            raise AllocationError(f"{app.reg}: {app.school} is not a private school of this "
                                  "lottery", section="7.1", rule="P13")
    check_lists(rules, schools, {a.reg: a.school for a in applications}, approved_direct,
                community_lists)
    per_child = Counter(app.child for app in applications)
    check = Eligibility(rules, schools, locked, approved_direct, community_lists,
                        {child for child, n in per_child.items() if n > 1})
    check = check.with_units(applications)
    return EligibilityResult.of(map(check.decide, applications))


def _record(e: Eligible, attrs: str) -> Applicant:
    app = e.application
    return Applicant(reg=app.reg, name=mask_name(app.name), school=app.school,
                     district=app.district, reg_day=app.reg_day.isoformat(), attrs=attrs,
                     direct=app.direct_flag, community=e.community, unit=e.unit)


def commit_eligibility(event: str, decisions: Iterable[Eligible | Rejection],
                       salt_of: Callable[[str], bytes]) -> LotteryInput:
    """The committed form of eligibility decisions (§7.1, §17.1, §17.2), records in the
    order given. `salt_of(reg)`: the service's private salt of that application (one per
    reg, serving its attribute commitment when eligible and its rejection leaf when
    rejected). The decisions may stream: each is dropped once committed (a province's
    freeze, issue 13)."""
    openings: dict[str, AttributeOpening] = {}
    records: list[Applicant] = []
    rejections: list[Rejection] = []
    for d in decisions:
        if isinstance(d, Rejection):
            rejections.append(d)
            continue
        opening, record = commit_applicant(d, salt_of(d.application.reg))
        openings[opening.reg] = opening
        records.append(record)
    tree = rejection_tree(rejection_leaf(event, r, salt_of(r.reg)) for r in rejections)
    return LotteryInput(tuple(records), openings, tree)


def commit_applicant(e: Eligible, salt: bytes) -> tuple[AttributeOpening, Applicant]:
    """An eligible application's record, its `attrs` committing to the gender with `salt`
    (§17.1), and the opening the service keeps."""
    opening = AttributeOpening(e.application.reg, e.application.gender, (), salt)
    return opening, _record(e, opening.attrs)


def rejection_leaf(event: str, r: Rejection, salt: bytes) -> RejectionLeaf:
    """A rejection's committed leaf (§17.2)."""
    return RejectionLeaf(event, r.reg, r.school, r.code, salt)


def check_units(applicants: Sequence[Applicant]) -> None:
    """Members of one unit share school, district, direct and community (§3.2)."""
    heads = {a.reg: a for a in applicants if a.unit == a.reg}
    for a in applicants:
        if a.unit == a.reg:
            continue
        head = heads.get(a.unit)
        if head is None:
            raise AllocationError(f"{a.reg}: the joint application's head {a.unit} is not "
                                  "eligible", section="3.2", rule="P13")
        for what in ("school", "district", "direct", "community"):
            if getattr(a, what) != getattr(head, what):
                raise AllocationError(f"{a.reg}: members of the joint application {a.unit} "
                                      f"differ in {what}", section="3.2", rule="P13")
