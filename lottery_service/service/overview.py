"""What anyone may see of the events: which exist, and each school's counts.

Before the roster freeze the counts come from the bureau's imports (schools and
registrations so far); after it, from the log alone. Once the results are logged,
`admitted` counts only the places held now (an offer not forfeited, or a
confirmed one: issue 8 item 12) and `returned` the places given back to the
bureau (unused community places, seats no unit could take, forfeits nobody
took: §7.2, §7.5, issue 8 item 13).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from sqlmodel import col, func, select

from ..storage.models import (
    ApplicationTable,
    CeremonySetupTable,
    ClassTable,
    EventTable,
    LockTable,
    ParticipantTable,
    PaymentTable,
    PupilTable,
    SchoolListTable,
    SchoolTable,
    TeacherTable,
)
from .snapshots import LogCache
from .unit_of_work import Database

__all__ = ["Overview", "SchoolCount"]


@dataclass(frozen=True)
class SchoolCount:
    school: str
    name: str
    quota: int
    applicants: int  # registered before the roster freeze, eligible after
    admitted: int | None  # places held now, once the lottery results are logged
    returned: int | None = None  # places returned to the bureau so far


STORED: Final[dict[str, Any]] = {  # import kind → table (every one has event_id)
    "schools": SchoolTable, "applicants": ApplicationTable, "locks": LockTable,
    "payments": PaymentTable, "pupils": PupilTable, "class-plans": ClassTable,
    "teachers": TeacherTable}


@dataclass(frozen=True)
class ConsoleFacts:
    """What the operator console reads beside the log (docs/LIFECYCLE.md): rows stored
    per import kind, the participants configured per ceremony, its escrow public key."""

    stored: dict[str, int]
    participants: dict[str, list[tuple[str, str]]]  # ceremony -> [(id, role)]
    escrow_keys: dict[str, str]


class Overview:
    def __init__(self, db: Database, cache: LogCache) -> None:
        self._db = db
        self._cache = cache

    def console(self, event_id: str) -> ConsoleFacts:
        stored: dict[str, int] = {}
        participants: dict[str, list[tuple[str, str]]] = {}
        with self._db.read() as session:
            for kind, table in STORED.items():
                stored[kind] = session.exec(select(func.count()).select_from(table).where(
                    col(table.event_id) == event_id)).one()
            for kind in ("community", "direct"):
                stored[kind] = session.exec(select(func.count()).select_from(
                    SchoolListTable).where(SchoolListTable.event_id == event_id,
                                           SchoolListTable.kind == kind)).one()
            for p in session.exec(select(ParticipantTable).where(
                    ParticipantTable.event_id == event_id)).all():
                participants.setdefault(p.ceremony, []).append((p.participant_id, p.role))
            keys: dict[str, str] = {row.ceremony: row.escrow_key for row in session.exec(
                select(CeremonySetupTable).where(
                    CeremonySetupTable.event_id == event_id)).all() if row.escrow_key}
        return ConsoleFacts(stored, participants, keys)

    def school_names(self, event_id: str) -> dict[str, str]:
        """The bureau's public school names (every kind), by school id."""
        with self._db.read() as session:
            return {r.id: r.name for r in session.exec(
                select(SchoolTable).where(SchoolTable.event_id == event_id))}

    def event_ids(self) -> list[str]:
        with self._db.read() as session:
            return list(session.exec(select(EventTable.id).order_by(col(EventTable.id))))

    def school_counts(self, event_id: str) -> list[SchoolCount]:
        snap = self._cache.snapshot(event_id)
        state = snap.state()
        if state.ceremony("lottery").frozen:
            applicants = Counter(a.school for a in state.applicants())
            if state.bias is None:
                return [SchoolCount(s.id, s.name, s.quota, applicants[s.id], None)
                        for s in sorted(state.schools(), key=lambda s: s.id)]
            pay = state.payment_state()
            held = Counter(pay.holders().values())
            return [SchoolCount(s.id, s.name, s.quota, applicants[s.id], held[s.id],
                                pay.returned_to_bureau[s.id])
                    for s in sorted(state.schools(), key=lambda s: s.id)]
        with self._db.read() as session:
            schools = session.exec(select(SchoolTable).where(
                SchoolTable.event_id == event_id, SchoolTable.kind == "private")).all()
            registered = Counter(a.school for a in session.exec(
                select(ApplicationTable).where(ApplicationTable.event_id == event_id)))
        return [SchoolCount(s.id, s.name, s.quota, registered[s.id], None)
                for s in sorted(schools, key=lambda s: s.id)]
