"""Import use case: a spreadsheet stored all or nothing (G2), with the rule preview.

Parsing (encodings, headers, limits) is `lottery_service.imports`; this module
decides whether the file may be stored now (phase, window, the school's own
rows only), stores it in one unit of work, and answers with what the roster
freeze would reject as the data now stand (§7.1, the same code the freeze runs).

Two imports of one kind that run at once are serialised by the event lock, and
the one stored second is refused (`ImportBusyError`): each import remembers the
kind's stamp it started from, and storing moves the stamp on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete
from sqlmodel import SQLModel, col, select

from .. import imports as parsing
from ..core.eligibility import Rejection
from ..core.errors import ProtocolError
from ..core.season import Phase, PhaseError
from ..errors import (
    ConflictError,
    EventNotFoundError,
    ForbiddenError,
    ImportBusyError,
    ImportRejectedError,
    ImportScopeError,
    RejectedInputError,
    RosterFrozenError,
)
from ..storage.models import (
    ApplicationTable,
    ClassTable,
    EventTable,
    ImportStampTable,
    ListKind,
    PaymentTable,
    PupilTable,
    SchoolListTable,
    SchoolTable,
    TeacherTable,
)
from .keys import ServiceKeys
from .lifecycle import eligibility
from .unit_of_work import Database, EventWork
from .windows import require_window

__all__ = ["KINDS", "REGISTRATION_KINDS", "SCHOOL_KINDS", "ImportOutcome", "Imports"]

Build = Callable[[str, Any, ServiceKeys], SQLModel]


def _school(event_id: str, r: parsing.SchoolRow, keys: ServiceKeys) -> SQLModel:
    return SchoolTable(event_id=event_id, id=r.id, name=r.name, district=r.district,
                       kind=r.kind, authority=r.authority, tuition=r.tuition, quota=r.quota,
                       community_quota=r.community_quota, nine_year=r.nine_year)


def _applicant(event_id: str, r: parsing.ApplicantRow, keys: ServiceKeys) -> SQLModel:
    return ApplicationTable(
        event_id=event_id, reg=r.reg, name=r.name, gender=r.gender, birth_date=r.birth_date,
        district=r.district, basis=r.basis, defaulter=r.defaulter, policy_care=r.policy_care,
        school=r.school, sibling_group=r.sibling_group, reg_day=r.reg_day,
        graduating=r.graduating, id_last4_hash=keys.lookup_hash(event_id, r.reg, r.id_last4),
        child_key=keys.child_key(r.name, r.birth_date, r.id_last4), phone=r.phone)


def _list_entry(kind: ListKind) -> Build:
    def build(event_id: str, r: parsing.ListRow, keys: ServiceKeys) -> SQLModel:
        return SchoolListTable(event_id=event_id, kind=kind, school=r.school, reg=r.reg)
    return build


def _payment(event_id: str, r: parsing.PaymentRow, keys: ServiceKeys) -> SQLModel:
    return PaymentTable(event_id=event_id, reg=r.reg, school=r.school, receipt=r.receipt,
                        paid_on=r.paid_on)


def _pupil(event_id: str, r: parsing.PupilRow, keys: ServiceKeys) -> SQLModel:
    return PupilTable(
        event_id=event_id, reg=r.reg, name=r.name, gender=r.gender, school=r.school, sen=r.sen,
        sibling_group=r.sibling_group, sibling_mode=r.sibling_mode,
        id_last4_hash=keys.lookup_hash(event_id, r.reg, r.id_last4) if r.id_last4 else "",
        phone=r.phone)


def _class(event_id: str, r: parsing.ClassPlanRow, keys: ServiceKeys) -> SQLModel:
    return ClassTable(event_id=event_id, school=r.school, class_id=r.class_id,
                      capacity=r.capacity)


def _teacher(event_id: str, r: parsing.TeacherRow, keys: ServiceKeys) -> SQLModel:
    return TeacherTable(event_id=event_id, school=r.school, teacher_id=r.teacher_id,
                        name=r.name)


@dataclass(frozen=True)
class Kind:
    """How one kind of import is stored: the phase it belongs to, its table, and whether
    a new file replaces the stored rows (receipts accumulate: P7)."""

    phase: Phase
    table: type[SQLModel]
    build: Build
    replaces: bool = True
    key: str = "reg"  # the row field a school's scope report names


KINDS: Final[dict[str, Kind]] = {
    "schools": Kind(Phase.REGISTRATION, SchoolTable, _school, key="id"),
    "applicants": Kind(Phase.REGISTRATION, ApplicationTable, _applicant),
    "community": Kind(Phase.REGISTRATION, SchoolListTable, _list_entry("community")),
    "direct": Kind(Phase.REGISTRATION, SchoolListTable, _list_entry("direct")),
    "payments": Kind(Phase.DRAWN, PaymentTable, _payment, replaces=False),
    "pupils": Kind(Phase.CONFIRMED, PupilTable, _pupil),
    "class-plans": Kind(Phase.CONFIRMED, ClassTable, _class, key="class_id"),
    "teachers": Kind(Phase.GROUPED, TeacherTable, _teacher, key="teacher_id"),
}
# What a school's own staff may send; every row must be of that school.
SCHOOL_KINDS: Final = ("class-plans", "teachers", "pupils")
# Imports that change who is eligible: their answer previews the §7.1 rejections.
REGISTRATION_KINDS: Final = ("schools", "applicants", "community", "direct")


@dataclass(frozen=True)
class ImportOutcome:
    kind: str
    rows: int
    rejections: tuple[Rejection, ...] = ()
    """Registration kinds: the applications the roster freeze would reject now (§7.1)."""
    preview_note: str = ""
    """Why no preview could be made yet (e.g. applicants imported before schools)."""


def kind_of(value: str) -> str:
    """An import kind as typed (`class_plans` is an alias of `class-plans`)."""
    kind = value.replace("_", "-")
    if kind not in KINDS:
        raise RejectedInputError(f"unknown import kind {value!r}; expected one of "
                                 f"{', '.join(KINDS)}",
                                 zh=f"没有导入类型 {value!r}；可选：{', '.join(KINDS)}")
    return kind


class Imports:
    def __init__(self, db: Database, keys: ServiceKeys) -> None:
        self._db = db
        self._keys = keys

    def import_file(self, event_id: str, kind: str, data: bytes, filename: str,
                    school: str | None = None) -> ImportOutcome:
        """Store one import, all or nothing (G2). With `school` (a school's own upload of a
        `SCHOOL_KINDS` file) every row must be of that school, and only that school's
        rows are replaced."""
        kind = kind_of(kind)
        if school is not None and kind not in SCHOOL_KINDS:
            raise ForbiddenError(f"a school may import {', '.join(SCHOOL_KINDS)} only",
                                 zh="学校只能导入班级计划、班主任和学生名单")
        with self._db.read() as session:
            if session.get(EventTable, event_id) is None:
                raise EventNotFoundError(event_id)
            known = {r.id for r in session.exec(select(SchoolTable).where(
                SchoolTable.event_id == event_id))}
            stamp = session.get(ImportStampTable, (event_id, kind))
            started_from = stamp.generation if stamp else 0
        rows = _parse(kind, data, filename, known)
        if school is not None:
            _require_scope(KINDS[kind], school, rows)
        with self._db.event(event_id) as work:
            _require_phase(work, kind)
            _advance_stamp(work, kind, started_from)
            if kind == "pupils":
                _require_pupils_free(work, rows, school)
            self._store(work, kind, rows, school)
            if kind not in REGISTRATION_KINDS:
                return ImportOutcome(kind, len(rows))
            try:
                rejections = tuple(eligibility(work)[1].rejections)
            except ProtocolError as exc:  # e.g. applicants before schools: the freeze says so
                return ImportOutcome(kind, len(rows), preview_note=exc.diagnostics())
            return ImportOutcome(kind, len(rows), rejections)

    def _store(self, work: EventWork, kind: str, rows: Sequence[Any],
               school: str | None) -> None:
        spec, s, event_id = KINDS[kind], work.session, work.event_id
        table: Any = spec.table
        if spec.replaces:
            old = delete(table).where(col(table.event_id) == event_id)
            if table is SchoolListTable:
                old = old.where(col(table.kind) == kind)
            if school is not None:
                old = old.where(col(table.school) == school)
            s.exec(old)
            s.add_all(spec.build(event_id, r, self._keys) for r in rows)
        else:
            for r in rows:
                s.merge(spec.build(event_id, r, self._keys))


def _parse(kind: str, data: bytes, filename: str, known: set[str]) -> Sequence[Any]:
    try:
        result = parsing.parse(kind, data, filename,
                               known_schools=None if kind == "schools" else known)
    except ValueError as exc:  # a file the reader does not take (e.g. .xls)
        error = parsing.RowError(0, "file", str(exc), "文件", f"无法读取此文件：{exc}")
        raise ImportRejectedError(f"文件: 无法读取此文件 / file: {exc}", [error]) from None
    if result.errors:
        raise ImportRejectedError(parsing.format_report(result), result.errors)
    return result.rows


def _require_scope(spec: Kind, school: str, rows: Sequence[Any]) -> None:
    outside = [{"item": str(i), spec.key: getattr(r, spec.key), "school": r.school}
               for i, r in enumerate(rows, start=1) if r.school != school]
    if outside:
        raise ImportScopeError(school, outside)


def _require_phase(work: EventWork, kind: str) -> None:
    needs, phase = KINDS[kind].phase, work.state.phase
    if phase is not needs:
        if needs is Phase.REGISTRATION:
            raise RosterFrozenError(f"the roster is frozen (phase {phase.value}); "
                                    f"{kind} can no longer change")
        raise PhaseError(f"{kind} are imported in phase {needs.value}, not {phase.value}")
    require_window(work, needs, inside=True)


def _advance_stamp(work: EventWork, kind: str, started_from: int) -> None:
    """Refuse this import if another one of its kind was stored since it began."""
    stamp = work.session.get(ImportStampTable, (work.event_id, kind))
    now = stamp.generation if stamp else 0
    if now != started_from:
        raise ImportBusyError(
            f"another {kind} import was stored while this file was being read; nothing of "
            f"this file was stored: check the data now stored and send it again if needed",
            zh=f"读取本文件期间，另一份“{kind}”导入已经保存；本文件未导入。"
               f"请先核对已保存的数据，如有需要再重新提交", rule="G2")
    work.session.merge(ImportStampTable(event_id=work.event_id, kind=kind, generation=now + 1))


def _require_pupils_free(work: EventWork, rows: Sequence[Any], school: str | None) -> None:
    """S2: a pupil belongs to one school; a school's upload may not take another's pupil."""
    if school is None:
        return  # the bureau's file replaces every school's pupils at once
    others = dict(work.session.exec(select(PupilTable.reg, PupilTable.school).where(
        PupilTable.event_id == work.event_id, PupilTable.school != school)).all())
    taken = sorted((r.reg, others[r.reg]) for r in rows if r.reg in others)
    if taken:
        listed = ", ".join(f"{reg} ({at})" for reg, at in taken[:20])
        raise ConflictError(
            f"{len(taken)} pupil(s) are already imported by another school: {listed}; "
            f"nothing was stored",
            zh=f"有 {len(taken)} 名学生已由其他学校导入：{listed}；同一学生只能属于一所学校，"
               f"本文件未导入", rule="S2", pupils=[{"reg": reg, "school": at} for reg, at in taken])
