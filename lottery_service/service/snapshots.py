"""Read side: the signed log per event, cached per checkpoint size.

Public pages, look-ups, proofs and the live stream all read the log, and the
log only grows, so each process keeps the entries it has seen and re-reads the
event row (one primary-key read) at most every `max_age` seconds to learn
whether a new checkpoint exists. Everything derived from a checkpoint (result
index, replayed state, per-school results) is built once
per size, lazily; the families' receipts (`receipts.ReceiptIndex`, §14) are one
index per event that each new checkpoint extends by its new entries only.
Writes made through this process invalidate at once; other processes see them
within `max_age`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from ..auditlog import load_entries
from ..core.log import Entry
from ..core.privacy import RejectionTree, rejection_tree
from ..core.season import SeasonState
from ..errors import EventNotFoundError
from ..lookup import ResultIndex
from ..receipts import ReceiptIndex
from ..storage.models import (
    ApplicationTable,
    CheckpointTable,
    EventTable,
    PupilTable,
    SchoolTable,
)
from .lifecycle import sealed_rejections
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
    receipts: ReceiptIndex
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _index: ResultIndex | None = None
    _rejections: RejectionTree | None = None
    _state: SeasonState | None = None
    _school_results: dict[str, dict[str, Any]] | None = None
    _grouping: dict[str, dict[str, str]] | None = None

    def receipt(self, reg: str) -> str | None:
        """reg's receipt under this checkpoint (§14), None while the log holds no result
        for it (the cache extended the index to this size before handing it out)."""
        return self.receipts.receipt(reg, self.size, self.note, self.rejections())

    def context(self) -> str:
        """The event context under this checkpoint (§14.1)."""
        return self.receipts.context_receipt(self.size, self.note)

    def rejections(self) -> RejectionTree:
        """The sealed rejection leaves as their tree (§17.2): a rejected family's receipt
        opens its own leaf. ReceiptIndex checks the root against the logged one."""
        if self._rejections is None:
            with self._lock, self.db.read() as session:
                self._rejections = rejection_tree(sealed_rejections(session, self.event))
        return self._rejections

    def index(self) -> ResultIndex:
        """The plain results the notification step words its messages from, read from
        this snapshot's one fold of the log (`state()`, taken before the lock: it locks)."""
        if self._index is None:
            state = self.state()
            with self._lock:
                if self._index is None:
                    with self.db.read() as session:  # the bureau's public school names
                        names = {r.id: r.name for r in session.exec(
                            select(SchoolTable).where(SchoolTable.event_id == self.event))}
                    self._index = ResultIndex.build(self.event, state, self.note, names)
        return self._index

    def state(self) -> SeasonState:
        if self._state is None:
            with self._lock:
                if self._state is None:
                    self._state = SeasonState.replay(self.entries)
        return self._state

    def factor(self, reg: str) -> str | None:
        """The keyed hash of reg's second factor: one primary-key read per look-up (an
        application's wins over a pupil record's), so a new checkpoint costs nothing
        here and every worker sees the same rows."""
        with self.db.read() as session:
            application = session.get(ApplicationTable, (self.event, reg))
            if application is not None:
                return application.id_last4_hash
            pupil = session.get(PupilTable, (self.event, reg))
            return pupil.id_last4_hash if pupil is not None and pupil.id_last4_hash else None

    def school_results(self) -> dict[str, dict[str, Any]]:
        """Per school: the logged lottery summary and its records, names masked (§7.4)."""
        if self._school_results is None:
            state = self.state()
            names = {a.reg: a.name for a in state.applicants()}  # masked in the input
            out: dict[str, dict[str, Any]] = {
                school: {"school": school, "summary": s.body.to_json(), "records": []}
                for school, s in state.lottery_summaries.items()}
            for reg, r in sorted(state.lottery_results.items()):
                out[r.body.school]["records"].append({
                    "reg": reg, "name": names[reg], "outcome": r.body.outcome,
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
    receipts: ReceiptIndex | None = None
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
        """Rebuild the snapshot next time (a note changed: cosignature). The entries and
        the receipt index stay: the log only grows."""
        tail = self._tails.get(event_id)
        if tail is not None:
            with tail.lock:
                tail.snapshot, tail.checked = None, float("-inf")

    def fresh(self, event_id: str) -> Snapshot | None:
        """The cached snapshot if checked within `max_age`, without any I/O."""
        tail = self._tails.get(event_id)
        if tail is not None and tail.snapshot is not None \
                and self.clock() - tail.checked < self.max_age:
            return tail.snapshot
        return None

    def snapshot(self, event_id: str) -> Snapshot:
        """The newest checkpoint's snapshot (within `max_age`): what a step, a page or a
        check that decides on the log reads. One caller at a time takes in a new
        checkpoint (reads and decodes its entries, extends the receipt index)."""
        return self._get(event_id, wait=True)

    def context_at(self, event_id: str, size: int, note: str) -> str:
        """The event context (§14.1) under the checkpoint `note` of `size`, which this
        process's log has reached or reaches on a fresh read (the static publication's
        `context.tlog-proof`, §18.1)."""
        self.invalidate(event_id)
        return self.snapshot(event_id).receipts.context_receipt(size, note)

    def serving(self, event_id: str) -> Snapshot:
        """The snapshot a family's look-up answers from: while another caller takes in a
        new checkpoint, the previous one (a signed checkpoint too), so look-ups never
        wait for an update (issue 13 §6); the new one once it is fully indexed."""
        return self._get(event_id, wait=False)

    def _get(self, event_id: str, *, wait: bool) -> Snapshot:
        tail = self._tails.get(event_id)
        if tail is not None and tail.snapshot is not None \
                and self.clock() - tail.checked < self.max_age:
            return tail.snapshot
        if tail is None:
            with self._lock:
                tail = self._tails.setdefault(event_id, _Tail())
        previous = tail.snapshot
        if wait or previous is None:
            tail.lock.acquire()
        elif not tail.lock.acquire(blocking=False):
            return previous
        try:
            return self._refresh(event_id, tail)
        finally:
            tail.lock.release()

    def _refresh(self, event_id: str, tail: _Tail) -> Snapshot:
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
                if tail.receipts is None:
                    tail.receipts = ReceiptIndex(event_id)
                entries = tail.entries[:size]
                tail.receipts.extend(entries)
                tail.snapshot = Snapshot(
                    event=event_id, size=size, note=cp.note if cp else "",
                    root=cp.root if cp else "", entries=entries,
                    db=self.db, receipts=tail.receipts)
        tail.checked = now
        return tail.snapshot
