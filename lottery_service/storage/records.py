"""Stored rows → core records, said once.

The roster freeze, the grouping and teacher freezes and the import preview all
build their records here from what the imports stored, so what a bureau is
told at import time is computed by the same code the freeze runs (§3.2, §7.1).
Names reach records only masked (`mask_name`); the rest of the private data
(birth date, residence basis, defaulter flag) stays in `Application`, which is
never logged.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, cast

from sqlmodel import col

from ..core.eligibility import Application, Basis
from ..core.records import (
    ClassPlan,
    ClassSpec,
    Gender,
    OpenedPupil,
    School,
    Siblings,
    Teacher,
    mask_name,
)
from .models import (
    ApplicationTable,
    ClassTable,
    PupilTable,
    SchoolListTable,
    SchoolTable,
    TeacherTable,
)

__all__ = ["APPLICATION_COLUMNS", "ApprovedLists", "application", "class_plans", "cohort",
           "school", "teacher"]


def school(row: SchoolTable) -> School:
    """A private school's lottery record (§3.2); public schools take no part (P13)."""
    return School(id=row.id, name=row.name, district=row.district, authority=row.authority,
                  tuition=row.tuition, quota=row.quota, community_quota=row.community_quota,
                  nine_year=row.nine_year)


@dataclass(frozen=True)
class ApprovedLists:
    """school → regs on its direct-promotion (P10) and community (P11) lists."""

    direct: dict[str, set[str]] = field(default_factory=dict)
    community: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[SchoolListTable]) -> ApprovedLists:
        lists = cls()
        for row in rows:
            getattr(lists, row.kind).setdefault(row.school, set()).add(row.reg)
        return lists


# What `application` reads, so a caller can select these columns as rows instead of
# loading ORM objects (200,000 of them cost 4 s more in each import preview, §7.1).
APPLICATION_COLUMNS: Final = tuple(col(c) for c in (
    ApplicationTable.reg, ApplicationTable.name, ApplicationTable.school,
    ApplicationTable.gender, ApplicationTable.birth_date, ApplicationTable.district,
    ApplicationTable.basis, ApplicationTable.city_resident, ApplicationTable.defaulter,
    ApplicationTable.direct, ApplicationTable.sibling_group, ApplicationTable.reg_day,
    ApplicationTable.graduating, ApplicationTable.child_key))


@functools.lru_cache(maxsize=4096)
def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def application(row: Sequence[Any], lists: ApprovedLists) -> Application:
    """One stored application for the eligibility check (§7.1), from a row of
    `APPLICATION_COLUMNS` (unpacked as a tuple: a row's attributes by name cost a third
    of a province's preview). The few distinct schools, districts, genders, bases and
    days are shared, not a copy per applicant."""
    (reg, name, school, gender, birth_date, district, basis, city_resident, defaulter,
     direct, sibling_group, reg_day, graduating, child_key) = row
    school = sys.intern(school)
    return Application(
        reg=reg, name=name, school=school, gender=cast(Gender, sys.intern(gender)),
        birth_date=_day(birth_date), district=sys.intern(district),
        basis=cast(Basis, sys.intern(basis)), city_resident=city_resident, defaulter=defaulter,
        direct_flag=direct or reg in lists.direct.get(school, set()),
        community_flag=reg in lists.community.get(school, set()),
        sibling_group=sibling_group, reg_day=_day(reg_day), graduating=graduating,
        child=child_key,
    )


def cohort(confirmed: Mapping[str, str], applications: Mapping[str, ApplicationTable],
           pupils: Sequence[PupilTable]) -> list[OpenedPupil]:
    """The locked cohort (S2) with its attributes: lottery admissions confirmed by payment
    (joint applicants together) and the pupils admitted outside the lottery, with same-name
    groups (同名)."""
    people: list[tuple[str, str, str, OpenedPupil]] = []
    for reg, at in sorted(confirmed.items()):
        a = applications[reg]
        siblings = Siblings(a.sibling_group, "together") if a.sibling_group else None
        people.append((at, a.name, reg, OpenedPupil(
            reg=reg, name=mask_name(a.name), school=at, gender=a.gender, siblings=siblings)))
    for p in pupils:
        siblings = (Siblings(p.sibling_group, p.sibling_mode)
                    if p.sibling_group and p.sibling_mode else None)
        people.append((p.school, p.name, p.reg, OpenedPupil(
            reg=p.reg, name=mask_name(p.name), school=p.school, gender=p.gender,
            strata=("sen",) if p.sen else (), siblings=siblings)))
    same = _same_name_groups([(school_id, name, reg) for school_id, name, reg, _ in people])
    return [replace(pupil, same_name=same[pupil.reg]) if pupil.reg in same else pupil
            for *_, pupil in people]


def _same_name_groups(people: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """reg → an opaque id shared by pupils of one school with identical full names."""
    by_name: dict[tuple[str, str], list[str]] = {}
    for school_id, name, reg in people:
        by_name.setdefault((school_id, name), []).append(reg)
    groups: dict[str, str] = {}
    number = 0
    for _key, regs in sorted(by_name.items(), key=lambda kv: min(kv[1])):
        if len(regs) > 1:
            number += 1
            for reg in regs:
                groups[reg] = f"N{number}"
    return groups


def class_plans(rows: Iterable[ClassTable], names: Mapping[str, str]) -> list[ClassPlan]:
    """Class plans by school id, classes sorted by id, with the school's public name
    (S3, §3.2); `names`: school id → name from the school list."""
    plans: dict[str, list[ClassSpec]] = {}
    for row in rows:
        plans.setdefault(row.school, []).append(ClassSpec(row.class_id, row.capacity))
    return [ClassPlan(school_id, names.get(school_id, school_id),
                      tuple(sorted(classes, key=lambda c: c.id)))
            for school_id, classes in sorted(plans.items())]


def teacher(row: TeacherTable) -> Teacher:
    """A head teacher's record (S5), name masked."""
    return Teacher(school=row.school, id=row.teacher_id, name=mask_name(row.name))
