"""Read side: the signed log per event, cached per checkpoint size.

Public pages, look-ups, proofs and the live stream all read the log, and the
log only grows, so each process keeps the entries it has seen and re-reads the
event row (one primary-key read) at most every `max_age` seconds to learn
whether a new checkpoint exists. Everything derived from a checkpoint (result
index, replayed state, per-school results, second-factor hashes) is built once
per size, lazily. Writes made through this process invalidate at once; other
processes see them within `max_age`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from ..auditlog import load_entries
from ..core.log import Entry
from ..core.season import SeasonState
from ..errors import EventNotFoundError
from ..lookup import ResultIndex
from ..storage.models import (
    ApplicationTable,
    CheckpointTable,
    EventTable,
    PupilTable,
    SchoolTable,
)
from .unit_of_work import Database


@dataclass
class Snapshot:
    """The log of one event up to one signed checkpoint, with lazily derived views."""

    event: str
    size: int
    note: str
    root: str
    entries: list[Entry]
    db: Database
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _index: ResultIndex | None = None
    _state: SeasonState | None = None
    _factors: dict[str, str] | None = None
    _school_results: dict[str, dict[str, Any]] | None = None
    _grouping: dict[str, dict[str, str]] | None = None
    _bodies: dict[str, bytes] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Whether the look-up views are built (the hot path then needs no I/O)."""
        return self._index is not None and self._factors is not None

    def result_body(self, reg: str) -> bytes:
        """The look-up response of `reg` as JSON bytes, encoded once per snapshot."""
        body = self._bodies.get(reg)
        if body is None:
            body = json.dumps(self.index().results[reg].to_json(), ensure_ascii=False,
                              separators=(",", ":")).encode()
            self._bodies[reg] = body
        return body

    def index(self) -> ResultIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    with self.db.read() as session:  # the bureau's public school names
                        names = {r.id: r.name for r in session.exec(
                            select(SchoolTable).where(SchoolTable.event_id == self.event))}
                    self._index = ResultIndex.build(self.event, self.entries, self.size,
                                                    self.note, names)
        return self._index

    def state(self) -> SeasonState:
        if self._state is None:
            with self._lock:
                if self._state is None:
                    self._state = SeasonState.replay(self.entries)
        return self._state

    def factors(self) -> dict[str, str]:
        """reg → keyed hash of the second factor. Applications cannot change after the
        roster freeze (§5.1), and every later import that could add a factor is
        followed by a ceremony opening, i.e. a new checkpoint and a new snapshot."""
        if self._factors is None:
            with self._lock, self.db.read() as session:
                factors = {p.reg: p.id_last4_hash for p in session.exec(
                    select(PupilTable).where(PupilTable.event_id == self.event))
                    if p.id_last4_hash}
                factors.update({a.reg: a.id_last4_hash for a in session.exec(
                    select(ApplicationTable).where(ApplicationTable.event_id == self.event))})
                self._factors = factors
        return self._factors

    def school_results(self) -> dict[str, dict[str, Any]]:
        """Per school: the logged lottery summary and its records, names masked (§7.4)."""
        if self._school_results is None:
            index, state = self.index(), self.state()
            out: dict[str, dict[str, Any]] = {
                school: {"school": school, "summary": s.body.to_json(), "records": []}
                for school, s in state.lottery_summaries.items()}
            for reg, r in sorted(state.lottery_results.items()):
                out[r.body.school]["records"].append({
                    "reg": reg, "name": index.results[reg].name, "outcome": r.body.outcome,
                    "stage": r.body.stage, "rank": r.body.rank, "waiting": r.body.waiting})
            self._school_results = out
        return self._school_results

    def grouping(self) -> dict[str, dict[str, str]]:
        """school → reg → class, from the logged `grouping_result`s (§11.2)."""
        if self._grouping is None:
            out: dict[str, dict[str, str]] = {}
            for reg, g in sorted(self.state().grouping_results.items()):
                out.setdefault(g.body.school, {})[reg] = g.body.class_
            self._grouping = out
        return self._grouping


@dataclass
class _Tail:
    entries: list[Entry] = field(default_factory=list)
    snapshot: Snapshot | None = None
    checked: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)


class LogCache:
    """Snapshots per event; at most one event-row read per event every `max_age` s."""

    def __init__(self, db: Database, max_age: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.max_age = max_age
        db.committed.append(self.invalidate)
        self.clock = clock
        self._tails: dict[str, _Tail] = {}
        self._lock = threading.Lock()

    def invalidate(self, event_id: str) -> None:
        """Forget the freshness check (after a write by this process)."""
        tail = self._tails.get(event_id)
        if tail is not None:
            tail.checked = float("-inf")

    def drop(self, event_id: str) -> None:
        """Rebuild the snapshot from scratch next time (a note changed: cosignature)."""
        with self._lock:
            self._tails.pop(event_id, None)

    def fresh(self, event_id: str) -> Snapshot | None:
        """The cached snapshot if checked within `max_age`, without any I/O."""
        tail = self._tails.get(event_id)
        if tail is not None and tail.snapshot is not None \
                and self.clock() - tail.checked < self.max_age:
            return tail.snapshot
        return None

    def snapshot(self, event_id: str) -> Snapshot:
        tail = self._tails.get(event_id)
        if tail is not None and tail.snapshot is not None \
                and self.clock() - tail.checked < self.max_age:
            return tail.snapshot
        if tail is None:
            with self._lock:
                tail = self._tails.setdefault(event_id, _Tail())
        with tail.lock:
            now = self.clock()
            if tail.snapshot is not None and now - tail.checked < self.max_age:
                return tail.snapshot
            with self.db.read() as session:
                event = session.get(EventTable, event_id)
                if event is None:
                    raise EventNotFoundError(event_id)
                size = event.log_size
                if tail.snapshot is None or tail.snapshot.size != size:
                    if len(tail.entries) < size:
                        tail.entries += load_entries(session, event_id, len(tail.entries))
                    cp = session.get(CheckpointTable, (event_id, size)) if size else None
                    tail.snapshot = Snapshot(
                        event=event_id, size=size, note=cp.note if cp else "",
                        root=cp.root if cp else "", entries=tail.entries[:size],
                        db=self.db)
            tail.checked = now
            return tail.snapshot
