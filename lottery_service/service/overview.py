"""What anyone may see of the events: which exist, and each school's counts.

Before the roster freeze the counts come from the bureau's imports (schools and
registrations so far); after it, from the log alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import col, select

from ..storage.models import ApplicationTable, EventTable, SchoolTable
from .snapshots import LogCache
from .unit_of_work import Database

__all__ = ["Overview", "SchoolCount"]


@dataclass(frozen=True)
class SchoolCount:
    school: str
    name: str
    quota: int
    applicants: int  # registered before the roster freeze, eligible after
    admitted: int | None  # once the lottery results are logged


class Overview:
    def __init__(self, db: Database, cache: LogCache) -> None:
        self._db = db
        self._cache = cache

    def event_ids(self) -> list[str]:
        with self._db.read() as session:
            return list(session.exec(select(EventTable.id).order_by(col(EventTable.id))))

    def school_counts(self, event_id: str) -> list[SchoolCount]:
        snap = self._cache.snapshot(event_id)
        state = snap.state()
        if state.ceremony("lottery").frozen:
            applicants = Counter(a.school for a in state.applicants())
            admitted: Counter[str] | None = None
            if state.results_schools:
                admitted = Counter(r.school for r in snap.index().results.values()
                                   if r.outcome == "admitted")
            return [SchoolCount(s.id, s.name, s.quota, applicants[s.id],
                                admitted[s.id] if admitted is not None else None)
                    for s in sorted(state.schools(), key=lambda s: s.id)]
        with self._db.read() as session:
            schools = session.exec(select(SchoolTable).where(
                SchoolTable.event_id == event_id, SchoolTable.kind == "private")).all()
            registered = Counter(a.school for a in session.exec(
                select(ApplicationTable).where(ApplicationTable.event_id == event_id)))
        return [SchoolCount(s.id, s.name, s.quota, registered[s.id], None)
                for s in sorted(schools, key=lambda s: s.id)]
