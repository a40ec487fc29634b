"""The event service: every lifecycle step as one database transaction.

Each step (1) locks the event row, (2) rebuilds the season state from the log
(cached per process, topped up from the database), (3) asks the pure state
machine in `core.season` for the entries to append, (4) appends them and signs
a checkpoint in the same transaction (`auditlog.append`). Private data (names,
birth dates, phones) stays in its tables; only masked records reach the log.
A crash anywhere leaves the last committed step, and every step is idempotent,
so the caller simply repeats the step it was doing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, delete, true
from sqlmodel import Session, col, select

from . import auditlog, imports
from .config import origin_of
from .core.eligibility import Application, EligibilityResult, Rejection, check_eligibility
from .core.errors import CeremonyError
from .core.log import Entry
from .core.note import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    add_signature_lines,
    parse_signature_line,
    verify_cosignature,
)
from .core.records import (
    ClassPlan,
    ClassSpec,
    InputRecord,
    Pupil,
    Rules,
    School,
    Siblings,
    Teacher,
    mask_name,
)
from .core.season import Body, Phase, PhaseError, SeasonState
from .core.seed import Ceremony, Participant, open_escrow
from .storage.models import (
    ApplicationRow,
    CheckpointRow,
    ClassRow,
    EventRow,
    ParticipantRow,
    PaymentRow,
    PupilRow,
    SchoolListRow,
    SchoolRow,
    TeacherRow,
    WindowRow,
    WitnessRow,
)

# Imports a school's own staff may send; the rows must all be of that school.
SCHOOL_KINDS = ("class-plans", "teachers", "pupils")


class EventNotFoundError(LookupError):
    pass


class CheckpointNotFoundError(LookupError):
    pass


class ImportScopeError(PermissionError):
    """A school's upload holds rows of another school; nothing was stored."""

    def __init__(self, school: str, rows: Sequence[dict[str, str]]) -> None:
        super().__init__(f"{len(rows)} row(s) are not of school {school}")
        self.school = school
        self.rows = tuple(rows)


class RosterFrozenError(PhaseError):
    """Registration data cannot change once the roster is frozen (§5.1)."""


class WindowError(PhaseError):
    """A step outside its configured calendar window (G3)."""

    section = "G3"


class ImportRejectedError(ValueError):
    """An import had bad rows; nothing was stored. `report` lists every one."""

    def __init__(self, report: str, errors: Sequence[imports.RowError]) -> None:
        super().__init__(report)
        self.report = report
        self.errors = tuple(errors)


CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("window times need a time zone")
    return moment.astimezone(dt.UTC)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Tx:
    """One step's transaction: the session, the locked event and its state."""

    session: Session
    event: EventRow
    state: SeasonState
    service: EventService

    def emit(self, bodies: Sequence[Body]) -> list[Entry]:
        entries = auditlog.append(
            self.session, self.event.id, self.state.size, bodies, self.service.clock(),
            self.service.signer(self.event.id), self.event.origin,
        )
        for entry in entries:
            self.state.apply(entry)
        self.event.log_size = self.state.size
        self.session.add(self.event)
        return entries


class EventService:
    """Runs events on one database with one log signing key."""

    def __init__(self, engine: Engine, log_key: Ed25519PrivateKey, lookup_key: bytes,
                 clock: Callable[[], str] = utc_now) -> None:
        self.engine = engine
        self.log_key = log_key
        self.lookup_key = lookup_key
        self.clock = clock
        self._states: dict[str, SeasonState] = {}

    # ------------------------------------------------------------ plumbing

    def signer(self, event_id: str) -> Signer:
        return Signer(name=origin_of(event_id), private_key=self.log_key)

    @contextmanager
    def transaction(self, event_id: str) -> Iterator[Tx]:
        with Session(self.engine) as session:
            try:
                event = session.exec(
                    select(EventRow).where(EventRow.id == event_id).with_for_update()
                ).first()
                if event is None:
                    raise EventNotFoundError(f"no event {event_id!r}")
                state = self._states.get(event_id) or SeasonState()
                if state.size < event.log_size:
                    for entry in auditlog.load_entries(session, event_id, state.size):
                        state.apply(entry)
                elif state.size > event.log_size:  # another process rolled back
                    state = SeasonState.replay(auditlog.load_entries(session, event_id))
                self._states[event_id] = state
                yield Tx(session, event, state, self)
                session.commit()
            except BaseException:
                session.rollback()
                self._states.pop(event_id, None)
                raise

    def state(self, event_id: str) -> SeasonState:
        """The current state (read-only use)."""
        with self.transaction(event_id) as tx:
            return tx.state

    def child_key(self, name: str, birth_date: str, id_last4: str) -> str:
        """One child's identity across applications (P2), without storing the ID number."""
        msg = f"child\x00{name}\x00{birth_date}\x00{id_last4.upper()}".encode()
        return hmac.new(self.lookup_key, msg, hashlib.sha256).hexdigest()

    def lookup_hash(self, event_id: str, reg: str, second_factor: str) -> str:
        """Keyed hash of the family's second factor (never stored in clear)."""
        msg = f"{event_id}\x00{reg}\x00{second_factor.upper()}".encode()
        return hmac.new(self.lookup_key, msg, hashlib.sha256).hexdigest()

    # ------------------------------------------------------- windows (G3)

    def set_window(self, event_id: str, phase: Phase, opens: dt.datetime,
                   closes: dt.datetime, daily: tuple[dt.time, dt.time] | None = None) -> None:
        """Configure when a phase's imports are accepted (e.g. registration 11-20 June,
        08:00-24:00 daily); the step that ends the phase waits until `closes`."""
        if closes <= opens:
            raise ValueError("a window must close after it opens")
        with self.transaction(event_id) as tx:
            tx.session.merge(WindowRow(
                event_id=event_id, phase=phase.value, opens=_utc(opens).isoformat(),
                closes=_utc(closes).isoformat(),
                daily_from=daily[0].isoformat() if daily else None,
                daily_to=daily[1].isoformat() if daily else None))

    def _require_window(self, tx: Tx, phase: Phase, *, inside: bool) -> None:
        """G3: inside=True for work within the phase, False for the step that ends it."""
        row = tx.session.get(WindowRow, (tx.event.id, phase.value))
        if row is None:
            return
        now = dt.datetime.fromisoformat(self.clock().replace("Z", "+00:00"))
        opens, closes = dt.datetime.fromisoformat(row.opens), dt.datetime.fromisoformat(row.closes)
        if not inside:
            if now < closes:
                raise WindowError(f"the {phase.value} window is open until {row.closes} (G3)")
            return
        if not opens <= now < closes:
            raise WindowError(f"the {phase.value} window is {row.opens} to {row.closes}; "
                              f"now is {now.isoformat()} (G3)")
        if row.daily_from and row.daily_to:
            local = now.astimezone(CHINA).time()
            start, end = dt.time.fromisoformat(row.daily_from), dt.time.fromisoformat(row.daily_to)
            if not (start <= local and (end == dt.time(0) or local < end)):
                raise WindowError(f"{phase.value} is open daily {row.daily_from}-{row.daily_to} "
                                  f"Beijing time (G3)")

    # --------------------------------------------------------------- setup

    def create_event(self, rules: Rules, escrow_key: bytes) -> list[Entry]:
        """Create the event and log its rule set (idempotent for the same rules)."""
        with Session(self.engine) as session:
            if session.get(EventRow, rules.event) is None:
                session.add(EventRow(id=rules.event, origin=origin_of(rules.event),
                                     escrow_key=base64.b64encode(escrow_key).decode()))
                session.commit()
        with self.transaction(rules.event) as tx:
            return tx.emit(tx.state.create_event(rules))

    def set_participants(self, event_id: str, ceremony: Ceremony,
                         participants: Sequence[Participant]) -> None:
        with self.transaction(event_id) as tx:
            if tx.state.ceremony(ceremony).frozen:
                raise PhaseError(f"the {ceremony} ceremony is already open")
            tx.session.exec(delete(ParticipantRow).where(
                col(ParticipantRow.event_id) == event_id, col(ParticipantRow.ceremony) == ceremony))
            for p in participants:
                tx.session.add(ParticipantRow(event_id=event_id, ceremony=ceremony,
                                              participant_id=p.id, role=p.role))

    def participants(self, session: Session, event_id: str, ceremony: str) -> list[Participant]:
        rows = session.exec(select(ParticipantRow).where(
            ParticipantRow.event_id == event_id, ParticipantRow.ceremony == ceremony)).all()
        return [Participant(r.participant_id, r.role) for r in rows]  # type: ignore[arg-type]

    # -------------------------------------------------------------- imports

    def import_file(self, event_id: str, kind: str, data: bytes, filename: str,
                    school: str | None = None) -> int:
        """Store one import, all or nothing (G2); returns the number of rows stored.

        With `school` (a school's own upload of a `SCHOOL_KINDS` file) every row must
        be of that school, and only that school's rows are replaced."""
        kind = kind.replace("_", "-")
        with Session(self.engine) as session:
            known = {r.id for r in session.exec(select(SchoolRow).where(
                SchoolRow.event_id == event_id))}
        result = imports.parse(kind, data, filename,
                               known_schools=None if kind == "schools" else known)
        if result.errors:
            raise ImportRejectedError(imports.format_report(result), result.errors)
        if school is not None:
            if kind not in SCHOOL_KINDS:
                raise ImportScopeError(school, [])
            key = {"class-plans": "class_id", "teachers": "teacher_id", "pupils": "reg"}[kind]
            outside = [{"item": str(i), key: getattr(r, key), "school": r.school}
                       for i, r in enumerate(result.rows, start=1) if r.school != school]
            if outside:
                raise ImportScopeError(school, outside)
        with self.transaction(event_id) as tx:
            phase = tx.state.phase
            needs = {
                "schools": Phase.REGISTRATION, "applicants": Phase.REGISTRATION,
                "community": Phase.REGISTRATION, "direct": Phase.REGISTRATION,
                "payments": Phase.DRAWN, "pupils": Phase.CONFIRMED,
                "class-plans": Phase.CONFIRMED, "teachers": Phase.GROUPED,
            }[kind]
            if phase is not needs:
                if needs is Phase.REGISTRATION:
                    raise RosterFrozenError(f"the roster is frozen (phase {phase.value}); "
                                            f"{kind} can no longer change")
                raise PhaseError(f"{kind} are imported in phase {needs.value}, "
                                 f"not {phase.value}")
            self._require_window(tx, needs, inside=True)
            self._store(tx, kind, result.rows, school)
            return len(result.rows)

    def _store(self, tx: Tx, kind: str, rows: Sequence[Any], school: str | None = None) -> None:
        s, event_id = tx.session, tx.event.id
        if kind == "schools":
            s.exec(delete(SchoolRow).where(col(SchoolRow.event_id) == event_id))
            for r in rows:
                s.add(SchoolRow(event_id=event_id, id=r.id, name=r.name, district=r.district,
                                kind=r.kind, authority=r.authority, tuition=r.tuition,
                                quota=r.quota, community_quota=r.community_quota,
                                nine_year=r.nine_year))
        elif kind == "applicants":
            s.exec(delete(ApplicationRow).where(col(ApplicationRow.event_id) == event_id))
            for r in rows:
                s.add(ApplicationRow(
                    event_id=event_id, reg=r.reg, name=r.name, gender=r.gender,
                    birth_date=r.birth_date, district=r.district, basis=r.basis,
                    defaulter=r.defaulter, policy_care=r.policy_care, school=r.school,
                    sibling_group=r.sibling_group, reg_day=r.reg_day, graduating=r.graduating,
                    id_last4_hash=self.lookup_hash(event_id, r.reg, r.id_last4),
                    child_key=self.child_key(r.name, r.birth_date, r.id_last4), phone=r.phone))
        elif kind in ("community", "direct"):
            s.exec(delete(SchoolListRow).where(
                col(SchoolListRow.event_id) == event_id, col(SchoolListRow.kind) == kind))
            for r in rows:
                s.add(SchoolListRow(event_id=event_id, kind=kind, school=r.school, reg=r.reg))
        elif kind == "payments":
            for r in rows:
                s.merge(PaymentRow(event_id=event_id, reg=r.reg, school=r.school,
                                   receipt=r.receipt, paid_on=r.paid_on))
        elif kind == "pupils":
            s.exec(delete(PupilRow).where(col(PupilRow.event_id) == event_id,
                                         col(PupilRow.school) == school if school else true()))
            for r in rows:
                s.add(PupilRow(event_id=event_id, reg=r.reg, name=r.name, gender=r.gender,
                               school=r.school, sen=r.sen, sibling_group=r.sibling_group,
                               sibling_mode=r.sibling_mode,
                               id_last4_hash=self.lookup_hash(event_id, r.reg, r.id_last4)
                               if r.id_last4 else "", phone=r.phone))
        elif kind == "class-plans":
            s.exec(delete(ClassRow).where(col(ClassRow.event_id) == event_id,
                                         col(ClassRow.school) == school if school else true()))
            for r in rows:
                s.add(ClassRow(event_id=event_id, school=r.school, class_id=r.class_id,
                               capacity=r.capacity))
        elif kind == "teachers":
            s.exec(delete(TeacherRow).where(col(TeacherRow.event_id) == event_id,
                                         col(TeacherRow.school) == school if school else true()))
            for r in rows:
                s.add(TeacherRow(event_id=event_id, school=r.school, teacher_id=r.teacher_id,
                                 name=r.name))
        else:  # pragma: no cover - imports.parse already rejected it
            raise ValueError(kind)

    # --------------------------------------------------------- ceremonies

    def _open(self, tx: Tx, kind: Ceremony, records: Sequence[InputRecord],
              rejections: Sequence[dict[str, str]] = ()) -> list[Entry]:
        people = self.participants(tx.session, tx.event.id, kind)
        if not people:
            raise PhaseError(f"no participants are set for the {kind} ceremony (§5.2)")
        rules = tx.state.rules
        assert rules is not None
        beacon_round = None
        if rules.beacon is not None:
            raise PhaseError("beacon rounds are fixed by the operator; not supported in v1")
        escrow_key = base64.b64decode(tx.event.escrow_key)
        return tx.emit(tx.state.freeze_input(kind, people, escrow_key, records,
                                             rejections=rejections, beacon_round=beacon_round))

    def freeze_roster(self, event_id: str) -> list[Entry]:
        """Check eligibility (§7.1), freeze the roster and open the lottery ceremony."""
        with self.transaction(event_id) as tx:
            if tx.state.ceremony("lottery").frozen:
                return []
            self._require_window(tx, Phase.REGISTRATION, inside=False)
            schools, result = self._eligibility(tx)
            records: list[InputRecord] = [*schools, *result.eligible]
            return self._open(tx, "lottery", records, [r.to_json() for r in result.rejections])

    def eligibility_preview(self, event_id: str) -> list[Rejection]:
        """The rejections the roster freeze would log now (§7.1), for the import report."""
        with self.transaction(event_id) as tx:
            return list(self._eligibility(tx)[1].rejections)

    def _eligibility(self, tx: Tx) -> tuple[list[School], EligibilityResult]:
        """Eligibility of the stored applications (P1-P3, P8, P10, P11), one code path for
        the import report and the freeze."""
        rules = tx.state.rules
        assert rules is not None
        s, event_id = tx.session, tx.event.id
        schools = {r.id: School(
            id=r.id, name=r.name, district=r.district, authority=r.authority,  # type: ignore[arg-type]
            tuition=r.tuition, quota=r.quota, community_quota=r.community_quota,
            nine_year=r.nine_year) for r in s.exec(select(SchoolRow).where(
                SchoolRow.event_id == event_id, SchoolRow.kind == "private"))}
        lists: dict[str, dict[str, set[str]]] = {"community": {}, "direct": {}}
        for row in s.exec(select(SchoolListRow).where(SchoolListRow.event_id == event_id)):
            lists[row.kind].setdefault(row.school, set()).add(row.reg)
        apps = s.exec(select(ApplicationRow).where(ApplicationRow.event_id == event_id)).all()
        result = check_eligibility(rules, schools, [_application(a, lists) for a in apps],
                                   {a.reg for a in apps if a.locked_elsewhere},
                                   lists["direct"], lists["community"])
        return list(schools.values()), result

    def commit(self, event_id: str, ceremony: Ceremony, participant: str,
               commitment: bytes, escrow: str) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.commit(ceremony, participant, commitment, escrow))

    def close_commitments(self, event_id: str, ceremony: Ceremony) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.close_commitments(ceremony))

    def reveal(self, event_id: str, ceremony: Ceremony, participant: str,
               secret: bytes) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.reveal(ceremony, participant, secret))

    def open_escrows(self, event_id: str, ceremony: Ceremony,
                     escrow_private: X25519PrivateKey | None) -> list[Entry]:
        """Close the reveal window: open the escrow of everyone who did not reveal (§5.4)."""
        with self.transaction(event_id) as tx:
            c = tx.state.ceremony(ceremony)
            entries: list[Entry] = []
            for participant in c.pending():
                if escrow_private is None:
                    entries += tx.emit(tx.state.void(ceremony, participant,
                                                     "escrow-holder-absent"))
                    continue
                try:
                    secret = open_escrow(c.escrows[participant], c.commitments[participant],
                                         escrow_private, event=event_id, ceremony=ceremony,
                                         participant=participant)
                except CeremonyError:
                    entries += tx.emit(tx.state.void(ceremony, participant, "escrow-invalid"))
                else:
                    entries += tx.emit(tx.state.reveal(ceremony, participant, secret,
                                                       via_escrow=True))
            return entries

    def escrow_opening(self, event_id: str, ceremony: Ceremony, participant: str,
                       secret: bytes) -> list[Entry]:
        """The escrow holder opened a withheld secret on its own device (§5.4)."""
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.reveal(ceremony, participant, secret, via_escrow=True))

    def void(self, event_id: str, ceremony: Ceremony, participant: str,
             reason: str) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.void(ceremony, participant, reason))

    def physical_entropy(self, event_id: str, ceremony: Ceremony, witness: str,
                         values: Sequence[int]) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.physical_entropy(ceremony, witness, values))

    def derive_seed(self, event_id: str, ceremony: Ceremony) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.derive_seed(ceremony))

    def release_escrow_key(self, event_id: str, ceremony: Ceremony,
                           escrow_private: X25519PrivateKey) -> list[Entry]:
        """The escrow holder publishes its key after the seed so voids can be checked (§5.4)."""
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.release_escrow_key(ceremony,
                                                       escrow_private.private_bytes_raw()))

    # ----------------------------------------------------- lottery results

    def draw(self, event_id: str) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.publish_draw())

    def payment_round(self, event_id: str) -> list[Entry]:
        """Settle the open offers against the bank receipts imported so far (P7, P8)."""
        with self.transaction(event_id) as tx:
            pay = tx.state.payment_state()
            paid = {r.reg for r in tx.session.exec(
                select(PaymentRow).where(PaymentRow.event_id == event_id))}
            forfeited = sorted(reg for reg in pay.unconfirmed() if reg not in paid)
            waiting = set(pay.waiting_regs())
            locked = sorted(a.reg for a in tx.session.exec(select(ApplicationRow).where(
                ApplicationRow.event_id == event_id, col(ApplicationRow.locked_elsewhere)))
                if a.reg in waiting)
            return tx.emit(tx.state.payment_round(forfeited, locked))

    def close_payments(self, event_id: str) -> list[Entry]:
        with self.transaction(event_id) as tx:
            if tx.state.payment_state().unconfirmed():
                raise PhaseError("offers are still open; run another payment round (§7.5)")
            if not tx.state.payments_closed:
                self._require_window(tx, Phase.DRAWN, inside=False)
            return tx.emit(tx.state.close_payments())

    # ------------------------------------------------------------ grouping

    def freeze_grouping(self, event_id: str) -> list[Entry]:
        """Lock the cohort (S2) and the class plans (S3) and open the grouping ceremony."""
        with self.transaction(event_id) as tx:
            if tx.state.ceremony("grouping").frozen:
                return []
            s = tx.session
            confirmed = tx.state.payment_state().confirmed()
            apps = {a.reg: a for a in s.exec(select(ApplicationRow).where(
                ApplicationRow.event_id == event_id))}
            pupils_rows = s.exec(select(PupilRow).where(PupilRow.event_id == event_id)).all()
            raw: list[dict[str, Any]] = []
            for reg, school in sorted(confirmed.items()):
                a = apps[reg]
                mode = "together" if a.sibling_group else None
                raw.append({"reg": reg, "name": a.name, "school": school, "gender": a.gender,
                            "sen": False, "group": a.sibling_group, "mode": mode})
            for p in pupils_rows:
                if p.reg in confirmed:
                    raise PhaseError(f"pupil {p.reg} is already admitted by the lottery (P8)")
                raw.append({"reg": p.reg, "name": p.name, "school": p.school, "gender": p.gender,
                            "sen": p.sen, "group": p.sibling_group, "mode": p.sibling_mode})
            same = _same_name_groups([(r["school"], r["name"], r["reg"]) for r in raw])
            pupils = [Pupil(
                reg=r["reg"], name=mask_name(r["name"]), school=r["school"], gender=r["gender"],
                strata=("sen",) if r["sen"] else (),
                siblings=Siblings(r["group"], r["mode"]) if r["group"] and r["mode"] else None,
                same_name=same.get(r["reg"])) for r in raw]
            plans: dict[str, list[ClassSpec]] = {}
            for c in s.exec(select(ClassRow).where(ClassRow.event_id == event_id)):
                plans.setdefault(c.school, []).append(ClassSpec(c.class_id, c.capacity))
            plan_records = [ClassPlan(school, tuple(sorted(cs, key=lambda c: c.id)))
                            for school, cs in sorted(plans.items())]
            return self._open(tx, "grouping", [*pupils, *plan_records])

    def group(self, event_id: str) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.publish_grouping())

    def freeze_teachers(self, event_id: str) -> list[Entry]:
        with self.transaction(event_id) as tx:
            if tx.state.ceremony("teachers").frozen:
                return []
            rows = tx.session.exec(select(TeacherRow).where(TeacherRow.event_id == event_id))
            teachers = [Teacher(r.school, r.teacher_id, mask_name(r.name)) for r in rows]
            return self._open(tx, "teachers", teachers)

    def match(self, event_id: str) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.publish_matching())

    def record_notifications(self, event_id: str, count: int) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.notifications_sent(count))

    def correct(self, event_id: str, refers_to: int, reason: str) -> list[Entry]:
        """Log a correction of an earlier entry: a new entry, never an edit (§11.1)."""
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.correct(refers_to, reason))

    def publish(self, event_id: str, ceremony: Ceremony) -> list[Entry]:
        with self.transaction(event_id) as tx:
            return tx.emit(tx.state.publish(ceremony))

    # ------------------------------------------------------------ witnesses

    def add_witness(self, event_id: str, name: str, vkey: str) -> None:
        """Register a supervisor's cosignature/v1 key (§12); a name keeps its key."""
        verifier = Verifier.from_text(vkey)
        if not verifier.is_cosigner or verifier.name != name:
            raise NoteError(f"expected a cosignature (type 0x04 or 0x06) key named {name}")
        with self.transaction(event_id) as tx:
            row = tx.session.get(WitnessRow, (event_id, name))
            if row is not None and row.vkey != vkey:
                raise NoteError(f"witness {name} is already registered with another key")
            tx.session.merge(WitnessRow(event_id=event_id, name=name, vkey=vkey))

    def cosign(self, event_id: str, size: int, line: str) -> str:
        """Verify a witness's cosignature line on a checkpoint and append it (§12)."""
        with self.transaction(event_id) as tx:
            cp = tx.session.get(CheckpointRow, (event_id, size))
            if cp is None:
                raise CheckpointNotFoundError(f"no checkpoint of size {size}")
            name = parse_signature_line(line).name
            witness = tx.session.get(WitnessRow, (event_id, name))
            if witness is None:
                raise NoteError(f"no witness key is registered under {name!r}")
            body = Checkpoint(origin=tx.event.origin, size=size,
                              root_hash=bytes.fromhex(cp.root)).body()
            verify_cosignature(body, line, Verifier.from_text(witness.vkey))
            cp.note = add_signature_lines(cp.note, [line.removesuffix("\n") + "\n"])
            tx.session.add(cp)
            return cp.note


def _application(a: ApplicationRow, lists: dict[str, dict[str, set[str]]]) -> Application:
    return Application(
        reg=a.reg, name=a.name, school=a.school, gender=a.gender,  # type: ignore[arg-type]
        birth_date=dt.date.fromisoformat(a.birth_date), district=a.district,
        basis=a.basis,  # type: ignore[arg-type]
        city_resident=a.basis != "none", defaulter=a.defaulter, policy_care=a.policy_care,
        direct_flag=a.reg in lists["direct"].get(a.school, set()),
        community_flag=a.reg in lists["community"].get(a.school, set()),
        sibling_group=a.sibling_group, reg_day=dt.date.fromisoformat(a.reg_day),
        graduating=a.graduating, child=a.child_key,
    )


def _same_name_groups(people: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """reg → an opaque id shared by pupils of one school with identical full names."""
    by_name: dict[tuple[str, str], list[str]] = {}
    for school, name, reg in people:
        by_name.setdefault((school, name), []).append(reg)
    groups: dict[str, str] = {}
    number = 0
    for _key, regs in sorted(by_name.items(), key=lambda kv: min(kv[1])):
        if len(regs) > 1:
            number += 1
            for reg in regs:
                groups[reg] = f"N{number}"
    return groups
