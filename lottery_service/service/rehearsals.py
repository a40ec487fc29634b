"""Rehearsals (演练, PROTOCOL.md §19): recorded in the official log, never mistaken for it.

A rehearsal is an event whose origin is `<prefix>/rehearsal/<event>` (rules
`"rehearsal": true`), signed with the rehearsal key (`ServiceKeys`). Nothing of
it becomes official: the signer refuses rules whose origin does not fit the log
(`auditlog`), the publication writes it only under a rehearsal root
(`service.publication`), and the one path from a rehearsal into an official
event is `record_rehearsal`, which takes only its final checkpoint: the
official log's `rehearsal_recorded` entry (§11.2) names the rehearsal's event
id, origin, size, root and log key, so observers can see that it happened and
fetch it. A rehearsal's log, inputs or checkpoints are never imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from ..auditlog import is_rehearsal_origin, latest_checkpoint
from ..core.entries import RehearsalRecorded
from ..core.log import Entry
from ..core.note import Checkpoint, NoteError, Verifier, open_note, split_note
from ..errors import CheckpointNotFoundError, ConflictError, EventNotFoundError, RejectedInputError
from ..storage.models import EventTable, LogEntryTable
from .keys import ServiceKeys
from .unit_of_work import Database

__all__ = ["RehearsalCheckpoint", "Rehearsals", "is_rehearsal_origin", "rehearsal_recorded_body"]


@dataclass(frozen=True)
class RehearsalCheckpoint:
    """A rehearsal's final signed checkpoint and the key that signed it."""

    event: str
    origin: str
    size: int
    root: bytes
    key: str  # the rehearsal log's verifier key text


def rehearsal_recorded_body(rehearsal: RehearsalCheckpoint) -> RehearsalRecorded:
    """The `rehearsal_recorded` body (§11.2)."""
    return RehearsalRecorded(rehearsal.event, rehearsal.origin, rehearsal.size, rehearsal.root,
                             rehearsal.key)


def _refused(message: str, zh: str) -> RejectedInputError:
    return RejectedInputError(message, zh=zh, section="19")


def opened_rehearsal(event_id: str, note: str, key: str) -> RehearsalCheckpoint:
    """A rehearsal's checkpoint note checked: signed by `key`, whose name is the origin, of
    the rehearsal form `…/rehearsal/<event>` (§12.1)."""
    try:
        verifier = Verifier.from_text(key)
        checkpoint = Checkpoint.parse(open_note(note, [verifier]).text)
    except NoteError as e:
        raise _refused(f"the rehearsal's checkpoint does not verify under its key: {e}",
                       f"演练的检查点不能用其日志公钥验证：{e}") from None
    origin = checkpoint.origin
    if not is_rehearsal_origin(origin) or not origin.endswith(f"/rehearsal/{event_id}"):
        raise _refused(f"{origin!r} is not the origin of rehearsal {event_id} "
                       "(<prefix>/rehearsal/<event>); only a rehearsal can be recorded",
                       f"{origin!r} 不是演练 {event_id} 的日志来源；只能记录演练")
    if verifier.name != origin:
        raise _refused("the rehearsal's key is not named by its origin",
                       "演练日志公钥的名称与其来源不符")
    return RehearsalCheckpoint(event_id, origin, checkpoint.size, checkpoint.root_hash, key)


class Rehearsals:
    def __init__(self, db: Database, keys: ServiceKeys) -> None:
        self._db = db
        self._keys = keys

    def final_checkpoint(self, rehearsal: str | Path) -> RehearsalCheckpoint:
        """The newest checkpoint of a rehearsal: an event of this service, or a bundle
        directory (§13) a rehearsal exported."""
        if isinstance(rehearsal, Path):
            return self._from_bundle(rehearsal)
        with self._db.read() as session:
            event = session.get(EventTable, rehearsal)
            if event is None:
                raise EventNotFoundError(rehearsal)
            newest = latest_checkpoint(session, rehearsal)
            origin = event.origin
        if newest is None:
            raise CheckpointNotFoundError(f"rehearsal {rehearsal} has no checkpoint yet",
                                          zh=f"演练 {rehearsal} 还没有检查点")
        if not is_rehearsal_origin(origin):
            raise _refused(f"event {rehearsal} is an official event, not a rehearsal",
                           f"活动 {rehearsal} 是正式活动，不是演练")
        return opened_rehearsal(rehearsal, newest.note, self._keys.verifier_key(origin))

    def record_rehearsal(self, official_event: str, rehearsal: str | Path) -> list[Entry]:
        """Log in the official event that the rehearsal happened: its final checkpoint
        (§19). Repeating it with the same checkpoint changes nothing."""
        done = self.final_checkpoint(rehearsal)
        with self._db.event(official_event) as work:
            origin = work.event.origin
            if is_rehearsal_origin(origin):
                raise _refused(f"event {official_event} is a rehearsal; a rehearsal is "
                               "recorded in the official event's log only",
                               f"活动 {official_event} 是演练；演练只能记录在正式活动的日志中")
            if Verifier.from_text(done.key).public_key == \
                    self._keys.signer(origin).public_key_bytes():
                raise ConflictError("the rehearsal is signed with the official log key (§19)",
                                    zh="演练使用了正式日志密钥签名，拒绝记录（§19）", section="19")
            body = rehearsal_recorded_body(done)
            recorded = work.session.exec(select(LogEntryTable.raw).where(
                LogEntryTable.event_id == official_event,
                col(LogEntryTable.type) == RehearsalRecorded.TYPE.value)).all()
            if any(json.loads(raw)["body"] == body.to_json() for raw in recorded):
                return []
            return work.emit([body])

    def _from_bundle(self, folder: Path) -> RehearsalCheckpoint:
        try:
            key = (folder / "keys" / "log.vkey").read_text(encoding="utf-8").strip()
            notes = {int(p.stem): p for p in (folder / "checkpoints").glob("*.note")
                     if p.stem.isdigit()}
            if not notes:
                raise FileNotFoundError(folder / "checkpoints")
            note = notes[max(notes)].read_text(encoding="utf-8")
            origin = Checkpoint.parse(split_note(note)[0]).origin
        except (OSError, UnicodeDecodeError, NoteError) as e:
            raise _refused(f"{folder} is not a readable audit bundle: {e}",
                           f"{folder} 不是可读取的审计包") from None
        return opened_rehearsal(origin.rsplit("/", 1)[-1], note, key)
