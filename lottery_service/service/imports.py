"""Import use case: a spreadsheet stored all or nothing (G2), validated at the door.

Parsing (encodings, headers, limits, per-row rules) is `lottery_service.imports`;
this module checks what needs the stored context, decides whether the file may
be stored now (phase, window, the school's own rows only), stores it in one
unit of work, and answers with what the roster freeze would do as the data now
stand (§7.1, the very code the freeze runs). Every refusal names the row, the
column as written, the value and the rule, and stores nothing:

- schools are named by code or name (`SchoolDirectory`); an application to a
  public school is refused (P13);
- the approved lists name applicants of that school only, direct promotion only
  at nine-year schools of a grade-7 event (P10, P11: `imports.check_lists`);
- a bank receipt must pay an unconfirmed offer, at that school, inside the
  payment window (P7: `imports.check_receipts`); a wrong receipt is withdrawn
  with `withdraw_receipt`;
- a class plan must seat the school's pupils (S3), a head-teacher list must
  give exactly one teacher per class of a school with a plan, and a teacher id
  is used by one school only (S5); the freeze checks all of it again (§3.4);
- locks (P8, P12) are stored and their number logged (`locks_recorded`).

Two imports of one kind that run at once are serialised by the event lock, and
the one stored second is refused (`ImportBusyError`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Final

from sqlalchemy import delete, insert, update
from sqlmodel import SQLModel, col, select

from .. import imports as parsing
from ..core.entries import WindowPhase
from ..core.errors import ProtocolError
from ..core.log import Entry
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
    LockTable,
    PaymentTable,
    PupilTable,
    SchoolListTable,
    SchoolTable,
    TeacherTable,
)
from .keys import ServiceKeys
from .lifecycle import RosterPreview, eligibility_preview_of
from .unit_of_work import Database, EventWork
from .windows import CHINA, require_import_window

__all__ = ["KINDS", "REGISTRATION_KINDS", "SCHOOL_KINDS", "ImportOutcome", "Imports"]

Row = dict[str, Any]
"""One stored row as its table's column values: every column, so a part is one
executemany (building an ORM object per row cost a third of a 200,000-row import)."""
Build = Callable[[str, Any, ServiceKeys], Row]
_PART: Final = 5_000  # rows per executemany when storing an import


def _school(event_id: str, r: parsing.SchoolRow, keys: ServiceKeys) -> Row:
    return dict(event_id=event_id, id=r.id, name=r.name, district=r.district,
                kind=r.kind, authority=r.authority, tuition=r.tuition, quota=r.quota,
                community_quota=r.community_quota, nine_year=r.nine_year)


def _applicant(event_id: str, r: parsing.ApplicantRow, keys: ServiceKeys) -> Row:
    return dict(
        event_id=event_id, reg=r.reg, name=r.name, gender=r.gender, birth_date=r.birth_date,
        district=r.district, basis=r.basis, city_resident=r.city_resident,
        defaulter=r.defaulter, policy_care=r.policy_care, school=r.school,
        sibling_group=r.sibling_group, reg_day=r.reg_day, graduating=r.graduating,
        direct=r.direct, id_last4_hash=keys.lookup_hash(event_id, r.reg, r.id_last4),
        id_last4_sealed=keys.seal_factor(event_id, r.reg, r.id_last4),
        child_key=keys.child_key(r.name, r.birth_date, r.id_last4), phone=r.phone)


def _list_entry(kind: ListKind) -> Build:
    def build(event_id: str, r: parsing.ListRow, keys: ServiceKeys) -> Row:
        return dict(event_id=event_id, kind=kind, school=r.school, reg=r.reg)
    return build


def _lock(event_id: str, r: parsing.LockRow, keys: ServiceKeys) -> Row:
    return dict(event_id=event_id, reg=r.reg, kind=r.lock.value, locked_on=r.locked_on,
                authority=r.authority, school=r.school)


def _payment(event_id: str, r: parsing.PaymentRow, keys: ServiceKeys) -> Row:
    return dict(event_id=event_id, reg=r.reg, school=r.school, receipt=r.receipt,
                paid_on=r.paid_on)


def _pupil(event_id: str, r: parsing.PupilRow, keys: ServiceKeys) -> Row:
    return dict(
        event_id=event_id, reg=r.reg, name=r.name, gender=r.gender, school=r.school, sen=r.sen,
        sibling_group=r.sibling_group, sibling_mode=r.sibling_mode,
        id_last4_hash=keys.lookup_hash(event_id, r.reg, r.id_last4) if r.id_last4 else "",
        id_last4_sealed=keys.seal_factor(event_id, r.reg, r.id_last4) if r.id_last4 else "",
        phone=r.phone)


def _class(event_id: str, r: parsing.ClassPlanRow, keys: ServiceKeys) -> Row:
    return dict(event_id=event_id, school=r.school, class_id=r.class_id, capacity=r.capacity)


def _teacher(event_id: str, r: parsing.TeacherRow, keys: ServiceKeys) -> Row:
    return dict(event_id=event_id, school=r.school, teacher_id=r.teacher_id, name=r.name)


@dataclass(frozen=True)
class Kind:
    """How one kind of import is stored: the phases it is accepted in with the window of
    each, its table, and whether a new file replaces the stored rows (receipts and locks
    accumulate: P7, P8)."""

    phases: dict[Phase, WindowPhase]
    table: type[SQLModel]
    build: Build
    replaces: bool = True
    key: str = "reg"  # the row field a school's scope report names


REGISTRATION: Final = {Phase.REGISTRATION: WindowPhase.REGISTRATION}
KINDS: Final[dict[str, Kind]] = {
    "schools": Kind(REGISTRATION, SchoolTable, _school, key="id"),
    "applicants": Kind(REGISTRATION, ApplicationTable, _applicant),
    "community": Kind(REGISTRATION, SchoolListTable, _list_entry("community")),
    "direct": Kind(REGISTRATION, SchoolListTable, _list_entry("direct")),
    "locks": Kind({**REGISTRATION, Phase.DRAWN: WindowPhase.PAYMENT}, LockTable, _lock,
                  replaces=False),
    "payments": Kind({Phase.DRAWN: WindowPhase.PAYMENT}, PaymentTable, _payment,
                     replaces=False),
    "pupils": Kind({Phase.CONFIRMED: WindowPhase.COHORT}, PupilTable, _pupil),
    "class-plans": Kind({Phase.CONFIRMED: WindowPhase.COHORT}, ClassTable, _class,
                        key="class_id"),
    "teachers": Kind({Phase.GROUPED: WindowPhase.TEACHERS}, TeacherTable, _teacher,
                     key="teacher_id"),
}
# What a school's own staff may send; every row must be of that school.
SCHOOL_KINDS: Final = ("class-plans", "teachers", "pupils")
# Imports that change who is eligible: their answer previews the roster freeze (§7.1).
REGISTRATION_KINDS: Final = ("schools", "applicants", "community", "direct", "locks")


@dataclass(frozen=True)
class ImportOutcome:
    kind: str
    rows: int
    preview: RosterPreview | None = None
    """Registration kinds: what the roster freeze would freeze now, and its code."""
    preview_note: str = ""
    """Why no preview could be made yet (e.g. applicants imported before schools)."""
    entries: tuple[Entry, ...] = field(default=())
    """What the import logged (`locks_recorded` for locks)."""
    notes: tuple[str, ...] = ()


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
            directory = parsing.SchoolDirectory.of(session.exec(select(SchoolTable).where(
                SchoolTable.event_id == event_id)).all())
            stamp = session.get(ImportStampTable, (event_id, kind))
            started_from = stamp.generation if stamp else 0
        result = _parse(kind, data, filename, directory)
        del data  # the rows are held packed, not the file too (a province's is 180 MB)
        rows = result.rows
        if school is not None:
            _require_scope(KINDS[kind], school, rows)
        with self._db.event(event_id) as work:
            _require_phase(work, kind)
            errors = _validate(work, kind, result, school)
            if errors:
                checked = result.with_errors(errors)
                raise ImportRejectedError(parsing.format_report(checked), checked.errors)
            _advance_stamp(work, kind, started_from)
            if kind == "pupils":
                _require_pupils_free(work, rows, school)
            self._store(work, kind, rows, school)
            stored, notes = len(rows), tuple(n.zh for n in result.notes)
            del rows, result  # stored: the preview below holds the whole roster (§7.1)
            entries: list[Entry] = []
            if kind == "locks":
                count = len(work.session.exec(select(LockTable.reg).where(
                    LockTable.event_id == event_id)).all())
                entries = work.emit(work.state.record_locks(count))
            if kind not in REGISTRATION_KINDS or work.state.phase is not Phase.REGISTRATION:
                return ImportOutcome(kind, stored, entries=tuple(entries), notes=notes)
            try:
                preview = eligibility_preview_of(work, self._keys)
            except ProtocolError as exc:  # e.g. applicants before schools: the freeze says so
                return ImportOutcome(kind, stored, preview_note=exc.diagnostics(),
                                     entries=tuple(entries), notes=notes)
            return ImportOutcome(kind, stored, preview, entries=tuple(entries), notes=notes)

    def check_file(self, event_id: str, kind: str, data: bytes, filename: str,
                   school: str | None = None) -> parsing.ImportResult[Any]:
        """What `import_file` would refuse this file with, storing nothing: every error at
        the door and of the stored-data checks, for the office's error file (report.py)."""
        kind = kind_of(kind)
        with self._db.read() as session:
            if session.get(EventTable, event_id) is None:
                raise EventNotFoundError(event_id)
            directory = parsing.SchoolDirectory.of(session.exec(select(SchoolTable).where(
                SchoolTable.event_id == event_id)).all())
        try:
            result = parsing.parse(kind, data, filename,
                                   known_schools=None if kind == "schools" else directory)
        except ValueError as exc:  # a file the reader does not take (e.g. .xls)
            error = parsing.RowError(0, "file", str(exc), "文件", f"无法读取此文件：{exc}")
            return parsing.ImportResult(rows=(), errors=(error,), kind=kind)
        if result.errors:
            return result
        with self._db.event(event_id) as work:  # reads only: nothing is emitted or stored
            return result.with_errors(_validate(work, kind, result, school))

    def withdraw_receipt(self, event_id: str, reg: str) -> bool:
        """Withdraw a bank receipt entered by mistake (P7), before the round that would
        confirm it; True when one was withdrawn."""
        with self._db.event(event_id) as work:
            if work.state.phase is not Phase.DRAWN:
                raise PhaseError("receipts are withdrawn during the payment window")
            require_import_window(work, WindowPhase.PAYMENT)
            row = work.session.get(PaymentTable, (event_id, reg))
            if row is None:
                return False
            if work.state.payment_state().status.get(reg) == "confirmed":
                raise ConflictError(
                    f"{reg}'s place was confirmed in an earlier round: its receipt stands",
                    zh=f"{reg} 的名额已在此前的缴费轮次确认，回单不能撤回", rule="P7")
            work.session.delete(row)
            return True

    def _store(self, work: EventWork, kind: str, rows: Sequence[Any],
               school: str | None) -> None:
        """Write the rows in parts of `_PART` with one executemany each: no ORM object
        per row stays in the session (200,000 applicants held 1 GB that way, issue 13)."""
        spec, s, event_id = KINDS[kind], work.session, work.event_id
        table: Any = spec.table
        if spec.replaces:
            old = delete(table).where(col(table.event_id) == event_id)
            if table is SchoolListTable:
                old = old.where(col(table.kind) == kind)
            if school is not None:
                old = old.where(col(table.school) == school)
            s.exec(old)
        updated = False
        remaining = iter(rows)  # iterated, not sliced: each packed row is unpacked once
        while part := list(islice(remaining, _PART)):
            values = [spec.build(event_id, r, self._keys) for r in part]
            if not spec.replaces:  # receipts and locks accumulate: a row again replaces its own
                regs = [v["reg"] for v in values]
                stored = set(s.exec(select(table.reg).where(
                    col(table.event_id) == event_id, col(table.reg).in_(regs))))
                if stored:
                    s.execute(update(table), [v for v in values if v["reg"] in stored])
                    updated = True
                values = [v for v in values if v["reg"] not in stored]
            if values:
                s.execute(insert(table.__table__), values)
        if updated:  # no object loaded before may show the old row
            for obj in list(s.identity_map.values()):
                if isinstance(obj, table):
                    s.expire(obj)


def _parse(kind: str, data: bytes, filename: str,
           directory: parsing.SchoolDirectory) -> parsing.ImportResult[Any]:
    try:
        result = parsing.parse(kind, data, filename,
                               known_schools=None if kind == "schools" else directory)
    except ValueError as exc:  # a file the reader does not take (e.g. .xls)
        error = parsing.RowError(0, "file", str(exc), "文件", f"无法读取此文件：{exc}")
        raise ImportRejectedError(f"文件: 无法读取此文件 / file: {exc}", [error]) from None
    if result.errors:
        raise ImportRejectedError(parsing.format_report(result), result.errors)
    return result


# ------------------------------------------------------------ rules at the door


def _validate(work: EventWork, kind: str, result: parsing.ImportResult[Any],
              school: str | None) -> tuple[parsing.RowError, ...]:
    """The checks that need what is stored or logged (P7, P10, P11, S3, S5)."""
    s, event_id, state = work.session, work.event_id, work.state
    if kind in ("direct", "community"):
        if state.rules is None:
            return ()
        schools = parsing.SchoolDirectory.of(s.exec(select(SchoolTable).where(
            SchoolTable.event_id == event_id)).all())
        applications = dict(s.exec(select(ApplicationTable.reg, ApplicationTable.school).where(
            ApplicationTable.event_id == event_id)).all())
        return parsing.check_lists(result, "direct" if kind == "direct" else "community",
                                   applications=applications, schools=schools,
                                   grade=state.rules.grade)
    if kind == "payments":
        w = state.window(WindowPhase.PAYMENT)
        window = None if w is None else (_local_date(w.opens), _local_date(w.closes, end=True))
        return parsing.check_receipts(result, state.payment_state(), window)
    if kind == "class-plans":
        return _check_plans(work, result, school)
    if kind == "teachers":
        return _check_teachers(work, result, school)
    return ()


def _local_date(value: str, *, end: bool = False) -> dt.date:
    """The Beijing date of a §1 time; a window closing at midnight ends the day before."""
    moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    local = moment.astimezone(CHINA)
    if end and local.time() == dt.time(0):
        local -= dt.timedelta(days=1)
    return local.date()


def _reason(en: str, zh: str, hint: str, rule: str) -> parsing.Reason:
    return parsing.Reason(en, zh, hint, "", rule)


def _check_plans(work: EventWork, result: parsing.ImportResult[Any],
                 school: str | None) -> tuple[parsing.RowError, ...]:
    """S3: a plan seats the pupils already known for its school (the imported pupils and
    the confirmed lottery admissions); §9.3 is checked in full at the freeze."""
    s, event_id = work.session, work.event_id
    pupils = Counter(r for r in s.exec(select(PupilTable.school).where(
        PupilTable.event_id == event_id)))
    if work.state.payments_closed is not None:
        pupils.update(work.state.payment_state().confirmed().values())
    seats: Counter[str] = Counter()
    last_row: dict[str, int] = {}
    for r in result.rows:
        seats[r.school] += r.capacity
        last_row[r.school] = max(last_row.get(r.school, 0), r.row)
    columns = dict(result.columns)
    errors = []
    for sid, total in sorted(seats.items()):
        if pupils[sid] > total:
            errors.append(parsing.RowError.of(
                last_row[sid], "capacity", "班额", _reason(
                    f"school {sid} has {pupils[sid]} pupils but its plan seats {total}",
                    f"学校 {sid} 有 {pupils[sid]} 名新生，分班计划只有 {total} 个学位",
                    "请增加班级或班额，使计划能容纳全部新生", "S3"),
                column=columns.get("capacity", "班额"), value=str(total)))
    return tuple(errors)


def _check_teachers(work: EventWork, result: parsing.ImportResult[Any],
                    school: str | None) -> tuple[parsing.RowError, ...]:
    """S5: one head teacher per class of every school with a frozen class plan, none for
    a school without one, and a teacher id used by one school only."""
    plans = {p.school: len(p.classes) for p in work.state.plans()}
    columns = dict(result.columns)
    errors = []
    others = dict(work.session.exec(select(TeacherTable.teacher_id, TeacherTable.school).where(
        TeacherTable.event_id == work.event_id)).all()) if school is not None else {}
    count: Counter[str] = Counter()
    last_row: dict[str, int] = {}
    for r in result.rows:
        count[r.school] += 1
        last_row[r.school] = max(last_row.get(r.school, 0), r.row)
        taken = others.get(r.teacher_id)
        if taken is not None and taken != r.school:
            errors.append(parsing.RowError.of(r.row, "teacher_id", "班主任编号", _reason(
                f"teacher id {r.teacher_id} is already used by school {taken}",
                f"班主任编号 {r.teacher_id} 已被学校 {taken} 使用",
                "班主任编号在全市须唯一", "S5"),
                column=columns.get("teacher_id", "班主任编号"), value=r.teacher_id))
        if r.school not in plans:
            errors.append(parsing.RowError.of(r.row, "school", "学校代码", _reason(
                f"school {r.school} has no class plan in the frozen grouping input",
                f"学校 {r.school} 没有已冻结的分班计划", "只有有分班计划的学校需要班主任", "S5"),
                column=columns.get("school", "学校代码"), value=r.school))
    wanted = [sid for sid in plans if school is None or sid == school]
    for sid in sorted(wanted):
        if count[sid] != plans[sid]:
            errors.append(parsing.RowError.of(last_row.get(sid, 0), "school", "学校代码",
                                              _reason(
                f"school {sid} has {plans[sid]} classes but the file names {count[sid]} "
                "head teacher(s)",
                f"学校 {sid} 有 {plans[sid]} 个班，文件中有 {count[sid]} 名班主任",
                "每个班恰好一名班主任", "S5"),
                column=columns.get("school", "学校代码"), value=sid))
    return tuple(sorted(errors, key=lambda e: e.row))


def _require_scope(spec: Kind, school: str, rows: Sequence[Any]) -> None:
    outside = [{"item": str(i), spec.key: getattr(r, spec.key), "school": r.school}
               for i, r in enumerate(rows, start=1) if r.school != school]
    if outside:
        raise ImportScopeError(school, outside)


def _require_phase(work: EventWork, kind: str) -> None:
    spec, phase = KINDS[kind], work.state.phase
    window = spec.phases.get(phase)
    if window is None:
        needs = ", ".join(p.value for p in spec.phases)
        if Phase.REGISTRATION in spec.phases and phase is not Phase.SETUP:
            raise RosterFrozenError(f"the roster is frozen (phase {phase.value}); "
                                    f"{kind} can no longer change (withdraw the input to "
                                    "amend it, before the first commitment)")
        raise PhaseError(f"{kind} are imported in phase {needs}, not {phase.value}")
    require_import_window(work, window)


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
    """S2: a pupil belongs to one school; a school's upload may not take another's pupil,
    nor a pupil the lottery admitted (P8)."""
    confirmed = work.state.payment_state().confirmed() if work.state.payments_closed else {}
    admitted = sorted((r.reg, confirmed[r.reg]) for r in rows if r.reg in confirmed)
    if admitted:
        listed = ", ".join(f"{reg} ({at})" for reg, at in admitted[:20])
        raise ConflictError(
            f"{len(admitted)} pupil(s) were admitted by the lottery: {listed}; nothing was "
            "stored", zh=f"有 {len(admitted)} 名学生已由摇号录取：{listed}；本文件未导入",
            rule="P8", pupils=[{"reg": reg, "school": at} for reg, at in admitted])
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
