"""Eligibility before the roster is frozen (PROTOCOL.md §7.1; rules P1–P3, P8, P10–P12).

The service holds private data per application (birth date, residence basis,
defaulter status); only the outcome leaves this module: masked `Applicant`
records for the lottery input and `{"reg","school","code"}` rejections. Each
application gets exactly one of the two: the first failing rule in the order of
the §7.1 table, or eligibility.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Final, Literal

from .errors import AllocationError, RecordError
from .records import REG, Applicant, Gender, Rules, School, mask_name

Basis = Literal["household", "permit", "none"]

# The §7.1 codes in table order: the first failing one is reported.
CODES: Final = (
    "P1-residence", "P1-age", "P1-graduation", "P2-second-application", "P2-district",
    "P3-defaulter", "P8-locked", "P10-not-approved",
)


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
    policy_care: bool  # informational: a policy-care placement arrives via `locked` (P12)
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
    code: str

    def to_json(self) -> dict[str, Any]:
        return {"reg": self.reg, "school": self.school, "code": self.code}


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """Eligible roster records (sorted by reg) and rejections (sorted by reg, school)."""

    eligible: tuple[Applicant, ...]
    rejections: tuple[Rejection, ...]


def age_cutoff(year: int) -> dt.date:
    """Grade 1: six on or before 31 August of `year`, i.e. born on or before this day (P1)."""
    return dt.date(year - 6, 8, 31)


def _first_failure(
    rules: Rules, school: School, app: Application, applications_of_child: int,
    locked: AbstractSet[str], approved_direct: AbstractSet[str],
) -> str | None:
    # The checks run in the order of the §7.1 table.
    if app.basis == "none" or not app.city_resident:
        return "P1-residence"
    if rules.grade == 1 and app.birth_date > age_cutoff(rules.year):
        return "P1-age"
    if rules.grade == 7 and not app.graduating:
        return "P1-graduation"
    if applications_of_child > 1:
        return "P2-second-application"
    if app.district != school.district and school.authority != "city":
        return "P2-district"  # P2, P9: own district unless the city approved the school
    if app.defaulter and school.tuition > rules.high_fee_threshold:
        return "P3-defaulter"
    if app.reg in locked:
        return "P8-locked"  # P8, P12: already placed elsewhere
    if app.direct_flag and app.reg not in approved_direct:
        return "P10-not-approved"
    return None


def check_eligibility(
    rules: Rules,
    schools: Mapping[str, School],
    applications: Sequence[Application],
    locked: AbstractSet[str],
    approved_direct: Mapping[str, AbstractSet[str]],
    community_lists: Mapping[str, AbstractSet[str]],
) -> EligibilityResult:
    """Split applications into roster records and rejections (§7.1).

    `locked`: regs with a recorded lock (the `locks` import: a confirmed place at
    another school, a policy-care placement; P8, P12). `approved_direct`,
    `community_lists`: the bureau's approved lists per school (P10, P11), already
    checked against the applications at import (imports.check_lists).

    A child is identified by `child` (the service derives it from the ID number
    data it holds; it defaults to `reg`); a child with two applications has every
    one rejected (P2). Joint applications (a sibling group applying to the same
    school) form one unit whose id is the smallest eligible member's reg (§3.2,
    §6); a unit whose members differ in district, direct or community cannot be
    drawn and raises AllocationError.
    """
    per_child = Counter(app.child for app in applications)
    eligible: list[Application] = []
    rejections: list[Rejection] = []
    for app in applications:
        school = schools.get(app.school)
        if school is None:
            raise AllocationError(f"application {app.reg}: unknown school {app.school!r}")
        code = _first_failure(rules, school, app, per_child[app.child], locked,
                              approved_direct.get(app.school, frozenset()))
        if code is None:
            eligible.append(app)
        else:
            rejections.append(Rejection(app.reg, app.school, code))

    # Units: eligible members of one sibling group applying to the same school.
    groups: dict[tuple[str, str], list[Application]] = {}
    for app in eligible:
        if app.sibling_group is not None:
            groups.setdefault((app.sibling_group, app.school), []).append(app)
    unit_of: dict[str, str] = {}
    for members in groups.values():
        unit = min(m.reg for m in members)
        for m in members:
            unit_of[m.reg] = unit

    records = [
        Applicant(
            reg=app.reg, name=mask_name(app.name), school=app.school, district=app.district,
            gender=app.gender, reg_day=app.reg_day.isoformat(), direct=app.direct_flag,
            community=app.community_flag
            and app.reg in community_lists.get(app.school, frozenset()),  # P11
            unit=unit_of.get(app.reg, app.reg),
        )
        for app in eligible
    ]
    records.sort(key=lambda a: a.reg)
    check_units(records)
    rejections.sort(key=lambda r: (r.reg, r.school, r.code))
    return EligibilityResult(tuple(records), tuple(rejections))


def check_units(applicants: Sequence[Applicant]) -> None:
    """Members of one unit share school, district, direct and community (§3.2)."""
    heads = {a.reg: a for a in applicants if a.unit == a.reg}
    for a in applicants:
        if a.unit == a.reg:
            continue
        head = heads.get(a.unit)
        if head is None:
            raise AllocationError(f"applicant {a.reg}: unit {a.unit} is not an applicant "
                                  "heading its own unit", section="3.2")
        if (a.school, a.district, a.direct, a.community) != (
                head.school, head.district, head.direct, head.community):
            raise AllocationError(
                f"unit {a.unit}: member {a.reg} differs in school, district, direct or "
                "community (a joint application must be drawn as one)", section="3.2")
