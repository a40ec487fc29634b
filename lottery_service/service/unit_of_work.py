"""The unit of work: the only place a database session is opened or committed.

Every use case of the service runs inside one of these:

- `Database.event(event_id)`, a lifecycle step: (1) locks the event row (FOR
  UPDATE on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), (2)
  rebuilds the season state from the log (cached per process, topped up from
  the database) and refuses a log that is not what the service signed
  (`auditlog.SignedLog.check`, §12.2), (3) lets the step append entries with
  `EventWork.emit`, which signs a checkpoint in the same transaction
  (`SignedLog.append`), (4) commits, then records the new checkpoints in the
  signer's own history outside the database.
  Any error rolls everything back and forgets the cached state, so a crash or a
  refusal leaves the last committed step; every step is idempotent, so the
  caller simply repeats it.
- `Database.write()`: a transaction that appends nothing to a log (tokens, the
  outbox, witness keys).
- `Database.read()`: reads only; never commits.

A uniqueness or range violation the checks before it missed still reaches the
user as a `ConflictError` or `RejectedInputError`, never as a database error.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, select

from .. import auditlog, heap
from ..core.entries import Body
from ..core.log import Entry
from ..core.season import PhaseError, SeasonState
from ..errors import ConflictError, EventNotFoundError, RejectedInputError
from ..storage.models import EventTable
from .keys import ServiceKeys

__all__ = ["Database", "EventWork", "utc_now"]


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class EventWork:
    """One step's transaction: the session, the locked event row, the season state and
    `now`, the time every entry of the step carries (never before the log's last time,
    §11.1: times never decrease)."""

    session: Session
    event: EventTable
    state: SeasonState
    keys: ServiceKeys
    now: str
    log: auditlog.SignedLog

    @property
    def event_id(self) -> str:
        return self.event.id

    def emit(self, bodies: Sequence[Body]) -> list[Entry]:
        """Append `bodies` to the log and sign a checkpoint of it, in this transaction."""
        entries = self.log.append(self.session, self.event, self.state.size,
                                  bodies, self.now,
                                  self.keys.signer(self.event.origin))
        for entry in entries:
            self.state.apply(entry)
        self.event.log_size = self.state.size
        self.session.add(self.event)
        return entries


class Database:
    """Sessions on one engine, and the per-process cache of each event's season state."""

    def __init__(self, engine: Engine, keys: ServiceKeys, clock: Callable[[], str]) -> None:
        self.engine = engine
        self.keys = keys
        self.clock = clock
        self._states: dict[str, SeasonState] = {}
        self._lock = threading.Lock()
        self.log = auditlog.SignedLog(keys.history, lambda origin: keys.signer(origin).verifier())
        self.committed: list[Callable[[str], None]] = []
        """Called with the event id after each committed step (the read model listens)."""

    def forget_states(self) -> None:
        """Drop every cached season state (as a restart would)."""
        with self._lock:
            self._states.clear()
        self.log.forget()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine) as session, _database_errors():
            yield session  # closing ends the transaction; what was read stays readable

    @contextmanager
    def write(self) -> Iterator[Session]:
        with Session(self.engine) as session, _database_errors():
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def event(self, event_id: str, *, create: EventTable | None = None) -> Iterator[EventWork]:
        """The step's unit of work on a locked event; `create` inserts the row first if
        absent (two simultaneous creations both end here: the second finds the first).
        The collector is paused meanwhile (`heap.paused`): a step builds no cycles that
        must die before it ends, and the draw builds a record per applicant."""
        with heap.paused(), Session(self.engine) as session, _database_errors():
            try:
                if create is not None:
                    _insert_if_absent(session, create)
                row = session.exec(
                    select(EventTable).where(EventTable.id == event_id).with_for_update()
                ).first()
                if row is None:
                    raise EventNotFoundError(event_id)
                state = self._state(session, row)
                self.log.check(session, row, state.size)
                now = max(self.clock(), state.last_time)
                try:
                    yield EventWork(session, row, state, self.keys, now, self.log)
                except PhaseError as exc:
                    exc.context.setdefault("phase", state.phase.value)
                    raise
                session.commit()
            except BaseException:
                session.rollback()
                with self._lock:
                    self._states.pop(event_id, None)
                self.log.forget(event_id)
                raise
        self.log.record(event_id)
        for listener in self.committed:
            listener(event_id)

    def _state(self, session: Session, row: EventTable) -> SeasonState:
        with self._lock:
            state = self._states.get(row.id) or SeasonState()
        if state.size < row.log_size:
            for entry in self.log.load(session, row.id, state.size):
                state.apply(entry)
        elif state.size > row.log_size:  # another process rolled back
            state = SeasonState.replay(self.log.load(session, row.id))
        with self._lock:
            self._states[row.id] = state
        return state


def _insert_if_absent(session: Session, row: EventTable) -> None:
    """INSERT … ON CONFLICT DO NOTHING on either backend (no UniqueViolation on a race)."""
    values = {"id": row.id, "origin": row.origin, "log_size": 0}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(EventTable).values(**values).on_conflict_do_nothing())


@contextmanager
def _database_errors() -> Iterator[None]:
    """The last line: a constraint or range the checks missed, said as the user's error."""
    try:
        yield
    except IntegrityError as exc:
        raise ConflictError(
            f"the data conflicts with what is stored: {exc.orig}",
            zh="数据与已保存的数据冲突（例如编号重复），未做任何修改") from None
    except DataError as exc:
        raise RejectedInputError(
            f"a value is outside what can be stored: {exc.orig}",
            zh="有数值超出可保存的范围，未做任何修改") from None
