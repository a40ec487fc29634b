"""Notifications after matching (S6): an outbox, a pluggable sender, no double sends.

Filling the outbox is idempotent (one row per event, pupil and kind, enforced by
a unique constraint); sending marks each row `sent` in its own transaction, so a
crash re-sends at most the one message in flight. Failures are retried up to
`max_attempts`. Only the count reaches the public log, never content or numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session, select

from .lookup import ResultIndex
from .storage.models import ApplicationRow, OutboxRow, PupilRow, TeacherRow


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


def fill_outbox(engine: Engine, event_id: str, title: str, index: ResultIndex,
                school_names: dict[str, str]) -> int:
    """Queue one class-and-teacher message per grouped pupil (idempotent)."""
    with Session(engine) as session:
        phones = {a.reg: (a.phone, a.name) for a in session.exec(
            select(ApplicationRow).where(ApplicationRow.event_id == event_id))}
        phones.update({p.reg: (p.phone, p.name) for p in session.exec(
            select(PupilRow).where(PupilRow.event_id == event_id))})
        teachers = {(t.school, t.teacher_id): t.name for t in session.exec(
            select(TeacherRow).where(TeacherRow.event_id == event_id))}
        queued = {row.reg for row in session.exec(select(OutboxRow).where(
            OutboxRow.event_id == event_id, OutboxRow.kind == "class"))}
        added = 0
        for reg, result in sorted(index.results.items()):
            if result.class_id is None or result.teacher is None or reg in queued:
                continue
            phone, name = phones.get(reg, (None, result.name))
            session.add(OutboxRow(
                event_id=event_id, reg=reg, kind="class", phone=phone,
                message=message_for(title, name, school_names.get(result.school, result.school),
                                    result.class_id,
                                    teachers.get((result.school, result.teacher), result.teacher))))
            added += 1
        session.commit()
        return added


def send_pending(engine: Engine, event_id: str, gateway: SmsGateway, max_attempts: int = 3) -> int:
    """Send every pending message; returns how many are sent in total."""
    with Session(engine) as session:
        ids = [row.id for row in session.exec(select(OutboxRow).where(
            OutboxRow.event_id == event_id, OutboxRow.status != "sent",
            OutboxRow.attempts < max_attempts))]
    for row_id in ids:
        with Session(engine) as session:
            row = session.get(OutboxRow, row_id)
            if row is None or row.status == "sent":
                continue
            row.attempts += 1
            try:
                if not row.phone:
                    raise ValueError("no phone number on file")
                gateway.send(row.phone, row.message)
            except Exception as exc:  # a gateway failure is retried next time
                row.status = "failed" if row.attempts >= max_attempts else "pending"
                row.last_error = str(exc)[:200]
            else:
                row.status = "sent"
            session.add(row)
            session.commit()
    with Session(engine) as session:
        return len(session.exec(select(OutboxRow).where(
            OutboxRow.event_id == event_id, OutboxRow.status == "sent")).all())
