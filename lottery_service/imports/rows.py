"""The typed rows each kind of import produces (PROTOCOL.md §3.2 records are built from them).

Rows hold what the service needs and no more: a full ID number is reduced to its
last four characters at the door (idnumber.py), unused columns are dropped.
`row` is the spreadsheet row the record came from (for the validators' row
errors); it takes no part in equality.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..core.eligibility import Application, Basis
from ..core.errors import RecordError
from ..core.records import (
    Authority,
    ClassPlan,
    ClassSpec,
    Gender,
    OpenedPupil,
    School,
    SiblingMode,
    Siblings,
    Teacher,
    mask_name,
)
from .schools import SchoolKind

__all__ = [
    "ApplicantRow",
    "ClassPlanRow",
    "ListRow",
    "LockKind",
    "LockRow",
    "PaymentRow",
    "PupilRow",
    "SchoolRow",
    "TeacherRow",
    "plans_from_rows",
]


def _row() -> int:
    return dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SchoolRow:
    id: str
    name: str
    district: str
    kind: SchoolKind
    tuition: int
    authority: Authority
    quota: int
    community_quota: int
    nine_year: bool  # nine- or twelve-year school (P10)
    row: int = _row()

    def record(self) -> School:
        """The lottery's school record (§3.2); only private schools take part (P13)."""
        if self.kind != "private":
            raise RecordError(f"school {self.id} is public: not in the private lottery (P13)")
        return School(
            id=self.id, name=self.name, district=self.district, authority=self.authority,
            tuition=self.tuition, quota=self.quota, community_quota=self.community_quota,
            nine_year=self.nine_year,
        )


@dataclass(frozen=True, slots=True)
class ApplicantRow:
    """One application, with the private data eligibility needs (never published, §3.2)."""

    reg: str
    name: str
    gender: Gender
    birth_date: str
    district: str
    basis: Basis
    city_resident: bool  # P1: the household registration / permit is in this city
    defaulter: bool
    policy_care: bool
    school: str
    sibling_group: str | None
    reg_day: str
    id_last4: str = field(repr=False)  # parents' look-up second factor
    phone: str | None = field(repr=False)  # S6 notification only
    graduating: bool
    direct: bool  # the application claims direct promotion (P10)
    row: int = _row()

    def application(self, *, direct: bool = False, community: bool = False,
                    child: str = "") -> Application:
        """This row for `core.eligibility` (§7.1).

        `direct`/`community`: the child is on the school's approved direct-promotion
        (P10) or community (P11) list (separate imports: the caller joins them); a
        claim in the application itself also counts as `direct_flag`, so a claim
        without approval is rejected `P10-not-approved`. `child`: the service's
        identity of the child across applications (P2), default the reg.
        """
        return Application(
            reg=self.reg, name=self.name, school=self.school, gender=self.gender,
            birth_date=dt.date.fromisoformat(self.birth_date), district=self.district,
            basis=self.basis, city_resident=self.city_resident, defaulter=self.defaulter,
            direct_flag=self.direct or direct,
            community_flag=community, sibling_group=self.sibling_group,
            reg_day=dt.date.fromisoformat(self.reg_day), graduating=self.graduating,
            child=child,
        )


@dataclass(frozen=True, slots=True)
class ListRow:
    """An entry of an approved list: community places (P11) or direct promotion (P10)."""

    school: str
    reg: str
    row: int = _row()


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """A bank receipt: the only confirmation of a place (P7)."""

    reg: str
    school: str
    receipt: str
    paid_on: str
    row: int = _row()


class LockKind(enum.StrEnum):
    """Why a child is already placed and may not be admitted by the lottery (P8, P12)."""

    PUBLIC_SCHOOL = "public-school"  # 公办学校确认录取 (P8)
    PRIVATE_SCHOOL = "private-school"  # 另一民办学校确认录取 (P8)
    POLICY_CARE = "policy-care"  # 政策照顾生，由区教育局安置 (P12)

    @property
    def zh(self) -> str:
        return {"public-school": "公办学校确认", "private-school": "民办学校确认",
                "policy-care": "政策照顾安置"}[self.value]


@dataclass(frozen=True, slots=True)
class LockRow:
    """A recorded lock (P8, P12): the child is placed elsewhere; eligibility rejects it."""

    reg: str
    lock: LockKind
    locked_on: str
    authority: str  # the issuing authority, e.g. 云岩区教育局
    school: str  # where the child is placed, as written (may be outside this event)
    row: int = _row()


@dataclass(frozen=True, slots=True)
class ClassPlanRow:
    """One class of a school's approved plan (S3)."""

    school: str
    class_id: str
    capacity: int
    row: int = _row()


@dataclass(frozen=True, slots=True)
class TeacherRow:
    """A head teacher named by a school (S5)."""

    school: str
    teacher_id: str
    name: str
    row: int = _row()

    def record(self) -> Teacher:
        return Teacher(school=self.school, id=self.teacher_id, name=mask_name(self.name))


@dataclass(frozen=True, slots=True)
class PupilRow:
    """A pupil of the locked cohort (S2)."""

    reg: str
    name: str
    gender: Gender
    school: str
    sen: bool
    sibling_group: str | None
    sibling_mode: SiblingMode | None
    id_last4: str = field(default="", repr=False)  # families' look-up second factor
    phone: str | None = field(default=None, repr=False)  # for the S6 message
    row: int = _row()

    def record(self, same_name: str | None = None) -> OpenedPupil:
        """The grouping pupil with its attributes (§3.2, §9); `same_name` is assigned by the
        service."""
        siblings = None
        if self.sibling_group is not None and self.sibling_mode is not None:
            siblings = Siblings(self.sibling_group, self.sibling_mode)
        return OpenedPupil(
            reg=self.reg, name=mask_name(self.name), school=self.school, gender=self.gender,
            strata=("sen",) if self.sen else (), siblings=siblings, same_name=same_name,
        )


def plans_from_rows(rows: Iterable[ClassPlanRow],
                    names: Mapping[str, str] | None = None) -> list[ClassPlan]:
    """Class plans by school id, classes sorted by id (§3.2); a repeated class is an error.
    `names`: school id -> the school's public name (the plan's `name`); default its id."""
    by_school: dict[str, dict[str, int]] = {}
    for r in rows:
        classes = by_school.setdefault(r.school, {})
        if r.class_id in classes:
            raise RecordError(f"class plan {r.school}: class {r.class_id} twice (S3)")
        classes[r.class_id] = r.capacity
    return [
        ClassPlan(school, (names or {}).get(school, school),
                  tuple(ClassSpec(c, classes[c]) for c in sorted(classes)))
        for school, classes in sorted(by_school.items())
    ]
