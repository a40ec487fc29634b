"""The event's lifecycle steps (docs/LIFECYCLE.md): each one method, one unit of work.

Each step locks the event, asks the pure state machine in `core.season` for the
entries to append and appends them with a signed checkpoint (`EventWork.emit`).
Private data (names, birth dates, phones) stays in its tables; only masked
records reach the log, built by `storage.records` from what the imports stored.
The ceremony steps themselves (commit, reveal, escrow, dice, seed) are in
`ceremonies.py`.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select

from ..config import origin_of
from ..core.eligibility import EligibilityResult, Rejection, check_eligibility
from ..core.log import Entry
from ..core.records import InputRecord, Rules, School
from ..core.season import Phase, PhaseError, SeasonState
from ..core.seed import CEREMONIES, Ceremony, Participant, decode_base64
from ..errors import ConflictError, RejectedInputError
from ..storage import records
from ..storage.models import (
    ApplicationTable,
    ClassTable,
    EventTable,
    ParticipantTable,
    PaymentTable,
    PupilTable,
    SchoolListTable,
    SchoolTable,
    TeacherTable,
)
from .tokens import Principal
from .unit_of_work import Database, EventWork
from .windows import require_window

__all__ = ["Lifecycle", "ceremony_of"]


def ceremony_of(value: str) -> Ceremony:
    """A ceremony name as typed by a person, or a precise refusal."""
    for kind in CEREMONIES:
        if value == kind:
            return kind
    raise RejectedInputError(
        f"unknown ceremony {value!r}; expected {', '.join(CEREMONIES)}",
        zh=f"没有仪式 {value!r}；可选：lottery（摇号）、grouping（分班）、teachers（班主任）")


class Lifecycle:
    """Setup, roster, draw, payments, grouping, matching, corrections, publication."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def state(self, event_id: str) -> SeasonState:
        """The event's current state as the log tells it (read-only use)."""
        with self._db.event(event_id) as work:
            return work.state

    # --------------------------------------------------------------- setup

    def create_event(self, rules: Mapping[str, Any], escrow_key: str,
                     by: Principal | None = None) -> list[Entry]:
        """Create the event and log its rule set (§3.1); repeating it changes nothing.
        `escrow_key`: base64 X25519 public key of the escrow holder (§5.2, §5.4)."""
        parsed = Rules.from_json(rules)
        (by or Principal.operator()).require(parsed.event, "admin")
        key = decode_base64(escrow_key, "escrow_key")
        if len(key) != 32:
            raise RejectedInputError(
                "escrow_key must be a 32-byte X25519 public key (§5.2)",
                zh="托管公钥必须是 32 字节的 X25519 公钥（base64）")
        row = EventTable(id=parsed.event, origin=origin_of(parsed.event), escrow_key=escrow_key)
        with self._db.event(parsed.event, create=row) as work:
            if work.event.escrow_key != escrow_key:
                raise ConflictError(
                    f"event {parsed.event} exists with another escrow key",
                    zh=f"活动 {parsed.event} 已存在，且托管公钥不同")
            return work.emit(work.state.create_event(parsed))

    def set_participants(self, event_id: str, ceremony: Ceremony,
                         people: Sequence[tuple[str, str]]) -> list[Participant]:
        """Fix who takes part in a ceremony, before it opens (§5.2): (id, role) pairs."""
        participants = [Participant(pid, role) for pid, role in people]  # type: ignore[arg-type]
        twice = sorted(pid for pid, n in Counter(p.id for p in participants).items() if n > 1)
        if twice:
            raise RejectedInputError(
                f"participant id(s) named twice: {', '.join(twice)}",
                zh=f"参与方编号重复：{', '.join(twice)}", section="5.2")
        with self._db.event(event_id) as work:
            if work.state.ceremony(ceremony).frozen:
                raise PhaseError(f"the {ceremony} ceremony is already open")
            work.session.exec(delete(ParticipantTable).where(
                col(ParticipantTable.event_id) == event_id,
                col(ParticipantTable.ceremony) == ceremony))
            for p in participants:
                work.session.add(ParticipantTable(event_id=event_id, ceremony=ceremony,
                                                  participant_id=p.id, role=p.role))
        return participants

    # -------------------------------------------------------------- roster

    def freeze_roster(self, event_id: str) -> list[Entry]:
        """Check eligibility (§7.1), freeze the roster and open the lottery ceremony."""
        with self._db.event(event_id) as work:
            if work.state.ceremony("lottery").frozen:
                return []
            require_window(work, Phase.REGISTRATION, inside=False)
            schools, result = eligibility(work)
            return _open(work, "lottery", [*schools, *result.eligible],
                         [r.to_json() for r in result.rejections])

    def eligibility_preview(self, event_id: str) -> list[Rejection]:
        """The rejections the roster freeze would log now (§7.1)."""
        with self._db.event(event_id) as work:
            return list(eligibility(work)[1].rejections)

    # ----------------------------------------------------- lottery results

    def draw(self, event_id: str) -> list[Entry]:
        """Publish every school's lottery results and the bias audit (§7, §8)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.publish_draw())

    def payment_round(self, event_id: str) -> list[Entry]:
        """Settle the open offers against the bank receipts imported so far (P7, P8)."""
        with self._db.event(event_id) as work:
            pay = work.state.payment_state()
            paid = {r.reg for r in work.session.exec(
                select(PaymentTable).where(PaymentTable.event_id == event_id))}
            forfeited = sorted(reg for reg in pay.unconfirmed() if reg not in paid)
            waiting = set(pay.waiting_regs())
            locked = sorted(a.reg for a in work.session.exec(select(ApplicationTable).where(
                ApplicationTable.event_id == event_id, col(ApplicationTable.locked_elsewhere)))
                if a.reg in waiting)
            return work.emit(work.state.payment_round(forfeited, locked))

    def close_payments(self, event_id: str) -> list[Entry]:
        """End the payment window (§7.5); every offer must be settled first."""
        with self._db.event(event_id) as work:
            if work.state.payment_state().unconfirmed():
                raise PhaseError("offers are still open; run another payment round (§7.5)")
            if not work.state.payments_closed:
                require_window(work, Phase.DRAWN, inside=False)
            return work.emit(work.state.close_payments())

    # ------------------------------------------------------------ grouping

    def freeze_grouping(self, event_id: str) -> list[Entry]:
        """Lock the cohort (S2) and the class plans (S3) and open the grouping ceremony."""
        with self._db.event(event_id) as work:
            if work.state.ceremony("grouping").frozen:
                return []
            s = work.session
            confirmed = work.state.payment_state().confirmed()
            pupils = s.exec(select(PupilTable).where(PupilTable.event_id == event_id)).all()
            for p in pupils:
                if p.reg in confirmed:
                    raise PhaseError(f"pupil {p.reg} is already admitted by the lottery (P8)")
            applications = {a.reg: a for a in s.exec(select(ApplicationTable).where(
                ApplicationTable.event_id == event_id))}
            plans = records.class_plans(s.exec(select(ClassTable).where(
                ClassTable.event_id == event_id)))
            return _open(work, "grouping",
                         [*records.cohort(confirmed, applications, pupils), *plans])

    def group(self, event_id: str) -> list[Entry]:
        """Run the class grouping (§9)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.publish_grouping())

    def freeze_teachers(self, event_id: str) -> list[Entry]:
        """Freeze the head teachers (S5) and open the teacher ceremony."""
        with self._db.event(event_id) as work:
            if work.state.ceremony("teachers").frozen:
                return []
            rows = work.session.exec(select(TeacherTable).where(
                TeacherTable.event_id == event_id))
            return _open(work, "teachers", [records.teacher(r) for r in rows])

    def match(self, event_id: str) -> list[Entry]:
        """Match head teachers to classes (§10)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.publish_matching())

    # ------------------------------------------------------------ closing

    def correct(self, event_id: str, refers_to: int, reason: str) -> list[Entry]:
        """Log a correction of an earlier entry: a new entry, never an edit (§11.1)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.correct(refers_to, reason))

    def publish(self, event_id: str, ceremony: Ceremony) -> list[Entry]:
        """Mark a ceremony's results as published (§11.2)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.publish(ceremony))


def eligibility(work: EventWork) -> tuple[list[School], EligibilityResult]:
    """Eligibility of the stored applications (P1-P3, P8, P10, P11): one code path for
    the import report and the roster freeze."""
    rules = _rules(work.state)
    s, event_id = work.session, work.event_id
    schools = [records.school(r) for r in s.exec(select(SchoolTable).where(
        SchoolTable.event_id == event_id, SchoolTable.kind == "private"))]
    lists = records.ApprovedLists.of(s.exec(select(SchoolListTable).where(
        SchoolListTable.event_id == event_id)))
    apps = s.exec(select(ApplicationTable).where(ApplicationTable.event_id == event_id)).all()
    result = check_eligibility(rules, {school.id: school for school in schools},
                               [records.application(a, lists) for a in apps],
                               {a.reg for a in apps if a.locked_elsewhere},
                               lists.direct, lists.community)
    return schools, result


def _rules(state: SeasonState) -> Rules:
    if state.rules is None:
        raise PhaseError("the event has no rule set yet (§3.1)")
    return state.rules


def _open(work: EventWork, kind: Ceremony, inputs: Sequence[InputRecord],
          rejections: Sequence[dict[str, str]] = ()) -> list[Entry]:
    """Open a ceremony: its participants, the escrow key and the frozen input (§5.1)."""
    rows = work.session.exec(select(ParticipantTable).where(
        ParticipantTable.event_id == work.event_id, ParticipantTable.ceremony == kind)).all()
    if not rows:
        raise PhaseError(f"no participants are set for the {kind} ceremony (§5.2)")
    if _rules(work.state).beacon is not None:
        raise PhaseError("beacon rounds are fixed by the operator; not supported in v1")
    people = [Participant(r.participant_id, r.role) for r in rows]
    escrow_key = base64.b64decode(work.event.escrow_key)
    return work.emit(work.state.freeze_input(kind, people, escrow_key, inputs,
                                             rejections=rejections, beacon_round=None))
