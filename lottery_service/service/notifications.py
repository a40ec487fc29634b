"""Notifications after matching (S6): an outbox, a pluggable sender, no double sends.

`Notifications.notify` is the whole use case: queue one class-and-teacher
message per grouped pupil (idempotent: one outbox row per event, pupil and
kind, by a unique constraint), send what is pending, and log only the count.
Each message is marked `sent` in its own unit of work, deliberately, so a crash
re-sends at most the one message in flight; a failed send is retried up to
`max_attempts` times. Neither contents nor numbers reach the public log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlmodel import Session, select

from ..core.entries import Topic
from ..core.log import Entry
from ..core.season import Phase, PhaseError
from ..lookup import ResultIndex
from ..storage.models import (
    ApplicationTable,
    OutboxTable,
    PupilTable,
    SchoolTable,
    TeacherTable,
)
from .snapshots import LogCache
from .unit_of_work import Database

__all__ = ["FileGateway", "NotificationOutcome", "Notifications", "SmsGateway", "message_for"]

READY: tuple[Phase, ...] = (Phase.MATCHED, Phase.NOTIFIED, Phase.PUBLISHED)


class SmsGateway(Protocol):
    """What an SMS gateway adapter implements; raise to signal a failed send."""

    def send(self, phone: str, message: str) -> None: ...


class FileGateway:
    """Default sender: appends one JSON line per message to a file (for demos and tests)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, phone: str, message: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"to": phone, "message": message}, ensure_ascii=False) + "\n")


def message_for(title: str, name: str, school: str, class_id: str, teacher: str) -> str:
    return (f"【{title}】{name}同学：您已编入{school}{class_id}班，班主任{teacher}老师。"
            f"结果及验证见平台。")


@dataclass(frozen=True)
class NotificationOutcome:
    queued: int
    sent: int
    entries: list[Entry]


class Notifications:
    def __init__(self, db: Database, cache: LogCache, gateway: SmsGateway,
                 max_attempts: int = 3) -> None:
        self._db = db
        self._cache = cache
        self.gateway = gateway
        self.max_attempts = max_attempts

    def notify(self, event_id: str) -> NotificationOutcome:
        """Queue and send the class-and-teacher messages (S6); log only their count."""
        self._cache.invalidate(event_id)
        snap = self._cache.snapshot(event_id)  # read before any write: SQLite has one writer
        state = snap.state()
        if state.phase not in READY or state.rules is None:
            raise PhaseError(f"event is in phase {state.phase.value}; "
                             f"this step needs {Phase.MATCHED.value}", phase=state.phase.value)
        with self._db.write() as session:
            queued = _fill_outbox(session, event_id, state.rules.title, snap.index())
        sent = self._send_pending(event_id)
        with self._db.event(event_id) as work:
            entries = work.emit(work.state.notifications_sent(Topic.CLASS, None, sent))
        return NotificationOutcome(queued=queued, sent=sent, entries=entries)

    def _send_pending(self, event_id: str) -> int:
        with self._db.read() as session:
            ids = [row.id for row in session.exec(select(OutboxTable).where(
                OutboxTable.event_id == event_id, OutboxTable.status != "sent",
                OutboxTable.attempts < self.max_attempts))]
        for row_id in ids:
            with self._db.write() as session:
                row = session.get(OutboxTable, row_id)
                if row is None or row.status == "sent":
                    continue
                row.attempts += 1
                try:
                    if not row.phone:
                        raise LookupError("no phone number on file")
                    self.gateway.send(row.phone, row.message)
                except Exception as exc:  # a gateway failure is retried next time
                    row.status = "failed" if row.attempts >= self.max_attempts else "pending"
                    row.last_error = str(exc)[:200]
                else:
                    row.status = "sent"
                session.add(row)
        with self._db.read() as session:
            return len(session.exec(select(OutboxTable).where(
                OutboxTable.event_id == event_id, OutboxTable.status == "sent")).all())


def _fill_outbox(session: Session, event_id: str, title: str, index: ResultIndex) -> int:
    """Queue one class-and-teacher message per grouped pupil not queued yet."""
    phones = {a.reg: (a.phone, a.name) for a in session.exec(
        select(ApplicationTable).where(ApplicationTable.event_id == event_id))}
    phones.update({p.reg: (p.phone, p.name) for p in session.exec(
        select(PupilTable).where(PupilTable.event_id == event_id))})
    teachers = {(t.school, t.teacher_id): t.name for t in session.exec(
        select(TeacherTable).where(TeacherTable.event_id == event_id))}
    schools = {s.id: s.name for s in session.exec(
        select(SchoolTable).where(SchoolTable.event_id == event_id))}
    queued = {row.reg for row in session.exec(select(OutboxTable).where(
        OutboxTable.event_id == event_id, OutboxTable.kind == "class"))}
    added = 0
    for reg, result in sorted(index.results.items()):
        if result.class_id is None or result.teacher is None or reg in queued:
            continue
        phone, name = phones.get(reg, (None, result.name))
        session.add(OutboxTable(
            event_id=event_id, reg=reg, kind="class", phone=phone,
            message=message_for(title, name, schools.get(result.school, result.school),
                                result.class_id,
                                teachers.get((result.school, result.teacher), result.teacher))))
        added += 1
    return added
