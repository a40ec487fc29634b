"""Every signed checkpoint pushed to the event's tlog-witnesses (PROTOCOL.md §12.4).

After a step commits (never inside it: a slow or absent witness must not hold
up a ceremony), `Pusher.push(event)` sends each witness, in size order, every
checkpoint it has not cosigned yet, with C2SP tlog-witness add-checkpoint
(`witness.client.push_checkpoint`: consistency proof from the size it last
cosigned, resync on 409). A cosignature is appended to the stored checkpoint
note and the witness's acknowledged size moves on; an answer that points at
the log (404, 403, 422, a witness ahead of the log, a bad cosignature) is an
alarm, stored once per witness, size and kind and shown to the supervisors; a
network error or timeout is a failed push, retried after the next checkpoint.

The consistency proofs come from a growing Merkle tree of the stored entries
kept here (O(new entries) per push). It needs no trust: a witness checks every
proof itself, so a forked log is pushed like any other and refused there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Final, cast

import httpx
from sqlmodel import Session, col, select

from ..auditlog import LogTree, leaf_hashes
from ..core.note import Checkpoint, NoteError, add_signature_lines, open_note, split_note
from ..storage.models import CheckpointTable, EventTable
from ..storage.witness_tables import AlarmKind, WitnessAlarmTable, WitnessEndpointTable
from ..witness.client import PushResult, push_checkpoint
from .keys import ServiceKeys
from .snapshots import LogCache
from .unit_of_work import Database
from .witnesses import PushedWitness, Witnesses

# Short: pushes run after the commit, but one witness that hangs delays the others'.
TIMEOUT: Final = httpx.Timeout(5.0)

_log = logging.getLogger("lottery_service.push")

__all__ = ["Pusher"]


class Pusher:
    def __init__(self, db: Database, keys: ServiceKeys, witnesses: Witnesses, cache: LogCache,
                 clock: Callable[[], str], transport: httpx.BaseTransport | None = None) -> None:
        self._db = db
        self._keys = keys
        self._witnesses = witnesses
        self._cache = cache
        self._clock = clock
        self._trees: dict[str, LogTree] = {}
        self._lock = threading.Lock()
        self._http = httpx.Client(transport=transport, timeout=TIMEOUT)

    def use_transport(self, transport: httpx.BaseTransport) -> None:
        """Send pushes through `transport` (e.g. the demo's in-process witnesses)."""
        old, self._http = self._http, httpx.Client(transport=transport, timeout=TIMEOUT)
        old.close()

    def close(self) -> None:
        self._http.close()

    def push(self, event_id: str) -> list[PushResult]:
        """Push every checkpoint each witness has not cosigned yet; what came of each."""
        pushed = self._witnesses.pushed(event_id)
        if not pushed:
            return []
        lowest = min(w.acked_size for w in pushed)
        with self._db.read() as session:
            event = session.get(EventTable, event_id)
            if event is None:
                return []
            origin = event.origin
            rows = session.exec(select(CheckpointTable).where(
                CheckpointTable.event_id == event_id, col(CheckpointTable.size) > lowest)
                .order_by(col(CheckpointTable.size))).all()
            notes = [(row.size, row.note) for row in rows]
            tree = self._tree(session, event_id, event.log_size)
            alarmed = set(session.exec(select(WitnessAlarmTable.witness, WitnessAlarmTable.size)
                                       .where(WitnessAlarmTable.event_id == event_id)).all())
        verifier = self._keys.signer(origin).verifier()
        checked: list[tuple[int, str]] = []
        for size, note in notes:
            try:  # push only what the log key signed, with no other witness's lines
                opened = open_note(note, [verifier])
                checkpoint = Checkpoint.parse(opened.text)
            except NoteError as e:
                _log.error("%s: checkpoint %d is not signed by the log key: %s",
                           event_id, size, e)
                break
            if tree.size < size or tree.root(size) != checkpoint.root_hash:
                _log.error("%s: checkpoint %d does not match the stored entries", event_id, size)
                break
            own = [s.line() for s in split_note(note)[1]
                   if (s.name, s.key_id) == (verifier.name, verifier.key_id)]
            checked.append((size, opened.text + "\n" + "".join(own)))
        results: list[PushResult] = []
        for witness in pushed:
            skip = {size for name, size in alarmed if name == witness.endpoint.name}
            results += self._push_one(event_id, witness, checked, tree, skip)
        return results

    def _push_one(self, event_id: str, witness: PushedWitness, notes: list[tuple[int, str]],
                  tree: LogTree, alarmed: set[int]) -> list[PushResult]:
        """In size order; a checkpoint the witness raised an alarm on is not pushed again
        (the alarm stands), a failed push ends the round (retried after the next commit)."""
        acked = witness.acked_size
        results = []
        for size, note in notes:
            if size <= acked or size in alarmed:
                continue
            result = push_checkpoint(self._http, witness.endpoint, note, tree, acked)
            self._store(event_id, witness.endpoint.name, size, result)
            results.append(result)
            if result.ok:
                acked = size
            elif not result.alarm:
                break  # one timeout per witness per round
        return results

    def _tree(self, session: Session, event_id: str, size: int) -> LogTree:
        """The proofs' tree, topped up from the stored entries; rebuilt when the stored log
        is shorter than what was seen (a rollback: the witness will judge it)."""
        with self._lock:
            tree = self._trees.get(event_id)
            if tree is None or tree.size > size:
                tree = LogTree()
            if tree.size < size:
                tree.extend(leaf_hashes(session, event_id, tree.size))
            self._trees[event_id] = tree
            if tree.size != size:  # entries changed meanwhile: start again next time
                self._trees.pop(event_id)
            return tree

    def _store(self, event_id: str, name: str, size: int, result: PushResult) -> None:
        """Keep a witness's answer: its cosignature in the note, or the alarm (§12.4)."""
        now = self._clock()
        with self._db.write() as session:
            session.exec(select(EventTable).where(EventTable.id == event_id).with_for_update())
            row = session.get(WitnessEndpointTable, (event_id, name))
            if row is None:
                return  # unregistered meanwhile
            if result.ok:
                cp = session.get(CheckpointTable, (event_id, size))
                if cp is None:  # rolled back meanwhile
                    return
                cp.note = add_signature_lines(cp.note, result.cosignatures)
                session.add(cp)
                row.acked_size = size
                row.last_outcome = "cosigned"
            elif result.alarm:
                if session.get(WitnessAlarmTable, (event_id, name, size, result.status.value)) \
                        is None:
                    session.add(WitnessAlarmTable(
                        event_id=event_id, witness=name, size=size,
                        kind=cast(AlarmKind, result.status.value),
                        message=result.message(), witness_size=result.witness_size, time=now))
                row.last_outcome = "alarm"
            else:
                row.last_outcome = "failed"
            row.last_detail = result.message()
            row.last_time = now
            session.add(row)
        if result.ok:
            self._cache.drop(event_id)  # a note changed: rebuild the snapshot
        if result.alarm:
            _log.warning("witness alarm for %s at size %d: %s", event_id, size, result.message())
