"""The signed, append-only audit log (PROTOCOL.md §11, §12), and the signer's own memory.

`SignedLog.append` writes entries and a freshly signed checkpoint in the
caller's transaction, so an entry never exists without the checkpoint that
covers it and a crash leaves neither.

The signer trusts nothing it did not sign (§12.2, §16). The database can be
edited by whoever reaches it, so before any step runs and again before it
signs, `SignedLog.check` compares three things that must agree:

1. the Merkle root of the stored entries, hashed from the very bytes the
   season state was rebuilt from (`SignedLog.load` feeds both), kept as a
   growing tree so each step hashes only the new entries;
2. the newest checkpoint note in the database, whose log signature must verify
   (the `root` and `size` columns are not signed and are only compared);
3. the newest line of the signed history: an append-only file per event in
   the data directory holding every checkpoint the signer signed, one per
   line, fsync'd, extended only from the line the caller expects (compare and
   swap, like Sunlight's lock backend).

An edited entry changes (1); an edited root column or note breaks (2); a
rollback of the log and its checkpoints leaves (3) ahead of the database.
Each is refused with `SignedHistoryError` and nothing is signed. The file is
extended after the database commits (`record`); a crash in between leaves the
database one checkpoint ahead, which the next check accepts only if that
checkpoint carries the signer's valid signature and extends the file's last.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from sqlalchemy import insert
from sqlmodel import Session, col, select

from .core.checkpoint import sign_checkpoint as sign_checkpoint_note
from .core.entries import Body, EventCreated
from .core.log import Entry, decode_entry, encode_entry
from .core.merkle import EMPTY_ROOT, HASH_SIZE, MerkleError, MerkleTree, leaf_hash, node_hash
from .core.note import Checkpoint, NoteError, Signer, Verifier, open_note, split_note
from .errors import ConflictError, RejectedInputError, SignedHistoryError
from .heap import long_lived
from .storage.models import CheckpointTable, EventTable, LogEntryTable

HISTORY_SUFFIX: Final = ".checkpoints"
REHEARSAL_SEGMENT: Final = "rehearsal"  # §12.1: `<prefix>/rehearsal/<event>`
_TAIL: Final = 8192  # bytes read from the end of a history file per try

_log = logging.getLogger("lottery_service.auditlog")

__all__ = [
    "LogTree",
    "SignedHistory",
    "SignedLog",
    "is_rehearsal_origin",
    "latest_checkpoint",
    "leaf_hashes",
    "load_entries",
]


def is_rehearsal_origin(origin: str) -> bool:
    """§12.1: a rehearsal's origin, and only a rehearsal's, is `<prefix>/rehearsal/<event>`."""
    parts = origin.split("/")
    return len(parts) >= 3 and parts[-2] == REHEARSAL_SEGMENT


def load_entries(session: Session, event_id: str, start: int = 0) -> list[Entry]:
    """The decoded entries from `start`."""
    return decode_entries(session.exec(
        select(LogEntryTable.raw)
        .where(LogEntryTable.event_id == event_id, col(LogEntryTable.seq) >= start)
        .order_by(col(LogEntryTable.seq))
    ).all())


def decode_entries(raws: Iterable[bytes]) -> list[Entry]:
    """Stored entry bytes decoded (§11.1), as a worker keeps them (`heap.long_lived`)."""
    with long_lived():
        return [decode_entry(raw) for raw in raws]


def leaf_hashes(session: Session, event_id: str, start: int = 0) -> list[bytes]:
    """The log's Merkle leaves from `start`: the stored bytes hashed as they are."""
    raws = session.exec(select(LogEntryTable.raw).where(
        LogEntryTable.event_id == event_id, col(LogEntryTable.seq) >= start)
        .order_by(col(LogEntryTable.seq)))
    return [leaf_hash(raw) for raw in raws]


def latest_checkpoint(session: Session, event_id: str) -> CheckpointTable | None:
    return session.exec(
        select(CheckpointTable).where(CheckpointTable.event_id == event_id)
        .order_by(col(CheckpointTable.size).desc()).limit(1)
    ).first()


class LogTree(MerkleTree):
    """A Merkle tree that grows: `extend` hashes only the new leaves (amortised O(1) each).

    It keeps `MerkleTree`'s levels (levels[k][i] = root of leaves
    [i·2^k, (i+1)·2^k)) and appends to them, so every root and proof of
    `MerkleTree` works unchanged at any size up to the current one. Sizes a
    caller has seen never change: lists only grow.
    """

    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        super().__init__(leaves)

    def extend(self, leaves: Iterable[bytes]) -> None:
        levels = self._levels
        for leaf in leaves:
            if len(leaf) != HASH_SIZE:
                raise MerkleError(f"leaf hash is {len(leaf)} bytes, expected {HASH_SIZE}")
            levels[0].append(leaf)
            k = 0
            while len(levels[k]) % 2 == 0:  # a pair completed: its parent is now complete
                if k + 1 == len(levels):
                    levels.append([])
                levels[k + 1].append(node_hash(levels[k][-2], levels[k][-1]))
                k += 1
            self._size += 1
        self._root = self._mth(0, self._size) if self._size else EMPTY_ROOT


def _refuse(event_id: str, what: str, what_zh: str) -> SignedHistoryError:
    return SignedHistoryError(
        f"event {event_id}: {what}. The stored audit log does not match what the service "
        "signed, so it refuses to run any step or sign anything on it. Do not continue: "
        "restore the database from a backup and contact the supervisors.",
        zh=f"招生活动 {event_id}：{what_zh}。数据库中的审计日志与本服务已签名的记录不一致，"
           "服务拒绝在此日志上执行任何步骤或签名。请停止操作，从备份恢复数据库，并立即联系监督组。",
        event=event_id)


class SignedHistory:
    """Every checkpoint the signer signed, per event, in an append-only file of its own.

    `<directory>/<event>.checkpoints`: one JSON string (the signed note) per
    line. Writers hold an exclusive `flock` on the file, extend it only from the
    checkpoint they expect to be last, and fsync before returning, so the file
    never loses a line the signer relied on and never takes a line that does
    not extend the last one.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, event_id: str) -> Path:
        return self.directory / f"{event_id}{HISTORY_SUFFIX}"

    def exists(self, event_id: str) -> bool:
        return self.path(event_id).exists()

    def start(self, event_id: str) -> None:
        """Create the event's (empty) history before its first checkpoint is committed: a
        history that exists but is empty means "about to sign", one that is missing while
        the database holds checkpoints means the data directory was lost."""
        if self.exists(event_id):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path(event_id), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_directory(self.directory)

    def last(self, event_id: str) -> str | None:
        """The newest signed note, or None when nothing was signed for the event."""
        try:
            with open(self.path(event_id), "rb") as handle:
                return _last_line(handle)
        except FileNotFoundError:
            return None

    def notes(self, event_id: str) -> list[str]:
        """Every signed note, oldest first."""
        try:
            data = self.path(event_id).read_bytes()
        except FileNotFoundError:
            return []
        return [_decode_line(line) for line in data.split(b"\n") if line]

    def extend(self, event_id: str, expected: Checkpoint | None, notes: Sequence[str]) -> bool:
        """Append `notes` if the file's last checkpoint is `expected` (compare and swap).

        Returns False, changing nothing, when the file already holds a checkpoint
        at least as large as the last of `notes` (another process recorded them);
        raises SignedHistoryError when the file's last is anything else.
        """
        if not notes:
            return True
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(event_id)
        created = not path.exists()
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                text = _last_line(handle)
                current = None if text is None else _checkpoint(text)
                newest = _checkpoint(notes[-1])
                if current is not None and current.size >= newest.size:
                    if current.size == newest.size and current.root_hash != newest.root_hash:
                        raise _refuse(event_id, f"the signed history holds another root at "
                                      f"size {current.size}",
                                      f"已签名记录中大小 {current.size} 的根不同")
                    return False
                if current != expected:
                    raise _refuse(
                        event_id, "the signed history changed under the signer (its last "
                        f"checkpoint is size {_size(current)}, expected {_size(expected)})",
                        f"已签名记录的最后检查点是 {_size(current)}，应为 {_size(expected)}")
                handle.truncate(_complete_end(handle))  # drop a torn line, if any
                handle.write(b"".join(_encode_line(note) for note in notes))
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        if created:
            _fsync_directory(self.directory)
        return True


def _size(checkpoint: Checkpoint | None) -> str:
    return "（无）none" if checkpoint is None else str(checkpoint.size)


def _encode_line(note: str) -> bytes:
    return json.dumps(note, ensure_ascii=False).encode("utf-8") + b"\n"


def _decode_line(line: bytes) -> str:
    value = json.loads(line)
    if not isinstance(value, str):
        raise NoteError("a signed-history line is not a JSON string")
    return value


def _complete_end(handle: BinaryIO) -> int:
    """The offset just past the last complete line (a write torn by a crash has no newline)."""
    end: int = handle.seek(0, os.SEEK_END)
    position = end
    while position > 0:
        start = max(0, position - _TAIL)
        handle.seek(start)
        cut = handle.read(position - start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        position = start
    return 0


def _last_line(handle: BinaryIO) -> str | None:
    """The last complete line of a file, read from its end (the file only grows)."""
    end = _complete_end(handle)
    if end == 0:
        return None
    window = _TAIL
    while True:
        start = max(0, end - window)
        handle.seek(start)
        lines = handle.read(end - start)[:-1]
        cut = lines.rfind(b"\n")
        if cut >= 0 or start == 0:
            return _decode_line(lines[cut + 1:])
        window *= 2


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _checkpoint(note: str) -> Checkpoint:
    return Checkpoint.parse(split_note(note)[0])


@dataclass(frozen=True)
class _Pending:
    """Checkpoints signed in a transaction not yet recorded in the signed history."""

    expected: Checkpoint | None
    notes: tuple[str, ...]


class SignedLog:
    """The signer's view of each event's log in this process: its growing Merkle tree,
    built from exactly the bytes the season state was built from, and the signed history.

    `verifier_of(origin)` gives the log key a checkpoint of that origin must be
    signed with (`ServiceKeys.signer(origin).verifier()`).
    """

    def __init__(self, history: SignedHistory, verifier_of: Callable[[str], Verifier]) -> None:
        self.history = history
        self._verifier_of = verifier_of
        self._trees: dict[str, LogTree] = {}
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the tree

    def load(self, session: Session, event_id: str, start: int = 0) -> list[Entry]:
        """Entries from `start`, as the season state will apply them; their bytes extend the
        tree (from 0: a new tree). A tree that is not at `start` is dropped, so `check`
        refuses and the unit of work rebuilds both from the first entry."""
        raws = session.exec(
            select(LogEntryTable.raw)
            .where(LogEntryTable.event_id == event_id, col(LogEntryTable.seq) >= start)
            .order_by(col(LogEntryTable.seq))
        ).all()
        entries = [decode_entry(raw) for raw in raws]
        with self._lock:
            tree = LogTree() if start == 0 else self._trees.get(event_id)
            if tree is None or tree.size != start:
                self._trees.pop(event_id, None)
            else:
                tree.extend(leaf_hash(raw) for raw in raws)
                self._trees[event_id] = tree
        return entries

    def tree(self, event_id: str) -> LogTree | None:
        with self._lock:
            return self._trees.get(event_id)

    def forget(self, event_id: str | None = None) -> None:
        """Drop what this process holds of one event (every event when None), as a failed
        step or a restart does; the next step rebuilds it from the stored entries."""
        with self._lock:
            if event_id is None:
                self._trees.clear()
                self._pending.clear()
            else:
                self._trees.pop(event_id, None)
                self._pending.pop(event_id, None)

    # ----------------------------------------------------------- checking

    def check(self, session: Session, event: EventTable, size: int) -> Checkpoint | None:
        """Refuse unless the stored log of `size` entries is what the signer signed.

        Returns the newest signed checkpoint (None for an empty log). Also records in
        the signed history any checkpoint the database holds beyond its last line,
        after verifying it (a crash between commit and `record`, or another process).
        """
        with self._lock:
            tree = self._trees.get(event.id)
        if tree is None and size == 0:
            tree = LogTree()
            with self._lock:
                self._trees.setdefault(event.id, tree)
        if tree is None or tree.size != size:
            raise ConflictError(f"event {event.id}: this process lost track of the log it "
                                "read; the step was not run (repeat it)",
                                zh="本进程读取的日志状态不完整，步骤未执行，请重试")
        return self._compare(session, event, tree)

    def verify_stored(self, session: Session, event: EventTable,
                      raws: Sequence[bytes]) -> Checkpoint | None:
        """`check` for a reader of the whole stored log (an export): these bytes, hashed
        afresh, must be the log the signer signed."""
        return self._compare(session, event, LogTree([leaf_hash(raw) for raw in raws]))

    def _compare(self, session: Session, event: EventTable, tree: LogTree) -> Checkpoint | None:
        size = tree.size
        stored = latest_checkpoint(session, event.id)
        text = self.history.last(event.id)
        remembered = None if text is None else self._open(event, text, "the signed history")
        if stored is None:
            if size:
                raise _refuse(event.id, f"{size} stored entries have no signed checkpoint",
                              f"数据库有 {size} 条日志条目却没有已签名的检查点")
            if remembered is not None:
                raise _refuse(event.id, f"the database has no checkpoint, but the service "
                              f"signed one of size {remembered.size}: the log was deleted",
                              f"数据库没有检查点，而服务已签过大小为 {remembered.size} "
                              "的检查点：日志被删除")
            return None
        newest = self._open(event, stored.note, f"the stored checkpoint of size {stored.size}")
        if newest.size != stored.size or newest.root_hash.hex() != stored.root:
            raise _refuse(event.id, f"the size/root columns of checkpoint {stored.size} "
                          "differ from its signed note",
                          f"检查点 {stored.size} 的大小或根字段与签名内容不符")
        if newest.size != size or tree.root() != newest.root_hash:
            raise _refuse(event.id, f"the {size} stored entries do not hash to the signed "
                          f"checkpoint of size {newest.size}: an entry was edited, added or "
                          "removed", f"数据库中的 {size} 条日志条目与大小为 {newest.size} "
                          "的已签名检查点不符：有条目被修改、添加或删除")
        if remembered is None and self.history.exists(event.id):
            self._catch_up(session, event, tree, None)  # the first step's record lagged
            return newest
        if remembered is None:
            raise _refuse(event.id, "the signed history file "
                          f"{self.history.path(event.id)} is missing while the database holds "
                          "signed checkpoints", f"已签名记录文件 {self.history.path(event.id)} "
                          "不存在，而数据库中有已签名的检查点")
        if remembered.size > newest.size:
            raise _refuse(event.id, f"the service signed a checkpoint of size "
                          f"{remembered.size}, the database holds only {newest.size}: the log "
                          "was rolled back", f"服务已签过大小为 {remembered.size} 的检查点，"
                          f"数据库只有 {newest.size}：日志被回滚")
        if tree.root(remembered.size) != remembered.root_hash:
            raise _refuse(event.id, f"the stored log does not extend the signed checkpoint of "
                          f"size {remembered.size}: the log forked", "数据库中的日志与已签名"
                          f"的大小为 {remembered.size} 的检查点不一致：日志分叉")
        if remembered.size < newest.size:
            self._catch_up(session, event, tree, remembered)
        return newest

    def _open(self, event: EventTable, note: str, what: str) -> Checkpoint:
        """The checkpoint of a note that the event's log key signed, or a refusal."""
        verifier = self._verifier_of(event.origin)
        try:
            opened = open_note(note, [verifier])
            checkpoint = Checkpoint.parse(opened.text)
        except NoteError as e:
            raise _refuse(event.id, f"{what} is not validly signed by the log key ({e})",
                          f"{what} 没有本日志密钥的有效签名") from None
        if checkpoint.origin != event.origin:
            raise _refuse(event.id, f"{what} has origin {checkpoint.origin!r}, not "
                          f"{event.origin!r}", f"{what} 的来源不是 {event.origin}")
        return checkpoint

    def _signed_only(self, event: EventTable, note: str) -> str:
        """The note with the log's own signature only (witness lines are not the signer's)."""
        verifier = self._verifier_of(event.origin)
        text, signatures = split_note(note)
        mine = [s.line() for s in signatures if (s.name, s.key_id) == (verifier.name,
                                                                        verifier.key_id)]
        return text + "\n" + "".join(mine)

    def _catch_up(self, session: Session, event: EventTable, tree: LogTree,
                  remembered: Checkpoint | None) -> None:
        """Record the database's checkpoints beyond the history's last, each verified."""
        done = 0 if remembered is None else remembered.size
        rows = session.exec(select(CheckpointTable).where(
            CheckpointTable.event_id == event.id, col(CheckpointTable.size) > done)
            .order_by(col(CheckpointTable.size))).all()
        notes = []
        for row in rows:
            checkpoint = self._open(event, row.note, f"the stored checkpoint of size {row.size}")
            if checkpoint.size != row.size or tree.root(checkpoint.size) != checkpoint.root_hash:
                raise _refuse(event.id, f"the stored checkpoint of size {row.size} does not "
                              "match the stored entries", f"检查点 {row.size} 与数据库中的条目不符")
            notes.append(self._signed_only(event, row.note))
        self.history.extend(event.id, remembered, notes)

    # ------------------------------------------------------------ signing

    def append(self, session: Session, event: EventTable, start_seq: int,
               bodies: Sequence[Body], time: str, signer: Signer) -> list[Entry]:
        """Append entries from `start_seq` and sign a checkpoint of the new log, after
        checking the stored log against its signed history. Each body's JSON is made
        as its entry is encoded and dropped with it, not made for all bodies first."""
        if not bodies:
            return []
        _check_created(event, bodies)
        with self._lock:
            pending = self._pending.get(event.id)
        if pending is None:
            last = self.check(session, event, start_seq)
            self.history.start(event.id)
        else:  # a second emit of one step: the first one's checkpoint is not committed yet,
            last = Checkpoint.parse(split_note(pending.notes[-1])[0])  # so not in the history
            tree = self.tree(event.id)
            if tree is None or tree.size != start_seq or last.size != start_seq:
                raise ConflictError(f"event {event.id}: this process lost track of the log "
                                    "it is writing; the step was not run (repeat it)",
                                    zh="本进程写入的日志状态不完整，步骤未执行，请重试")
        entries = [encode_entry(event.id, start_seq + i, time, b.TYPE.value, b.to_json())
                   for i, b in enumerate(bodies)]
        # One executemany, not an ORM object per entry: a city's 200,000 result entries
        # took 14 s through the ORM and 2 s this way (issue 13).
        session.flush()  # the event row first (foreign key)
        session.execute(insert(LogEntryTable), [
            {"event_id": event.id, "seq": e.seq, "type": e.type.value, "time": e.time,
             "raw": e.raw} for e in entries])
        with self._lock:
            tree = self._trees[event.id]
            tree.extend(leaf_hash(e.raw) for e in entries)
        note = sign_checkpoint_note(
            event.origin, tree, signer, None if last is None else (last.size, last.root_hash))
        assert note is not None  # the tree grew
        session.add(CheckpointTable(event_id=event.id, size=tree.size, root=tree.root().hex(),
                                    note=note))
        session.flush()
        with self._lock:
            pending = self._pending.get(event.id)
            self._pending[event.id] = (_Pending(last, (note,)) if pending is None
                                       else _Pending(pending.expected, (*pending.notes, note)))
        return entries

    def record(self, event_id: str) -> None:
        """After the commit: add this step's checkpoints to the signed history. A failure
        here is only logged: the step is committed, and the next check records them."""
        with self._lock:
            pending = self._pending.pop(event_id, None)
        if pending is None:
            return
        try:
            self.history.extend(event_id, pending.expected, pending.notes)
        except (OSError, SignedHistoryError, NoteError, ValueError) as e:
            _log.error("could not record signed checkpoints of %s: %s", event_id, e)


def _check_created(event: EventTable, bodies: Sequence[Body]) -> None:
    """§3.1, §19: a rule set names its own origin and whether it is a rehearsal; a log
    never takes rules of another origin, and an official event never a rehearsal's."""
    for body in bodies:
        if not isinstance(body, EventCreated):
            continue
        origin, rehearsal = body.rules.origin, body.rules.rehearsal
        if origin != event.origin or rehearsal is not is_rehearsal_origin(event.origin):
            raise RejectedInputError(
                f"the rules (origin {origin!r}, rehearsal {rehearsal}) do not fit the log "
                f"origin {event.origin!r}: an official event never takes a rehearsal's origin "
                "(§19)", zh=f"规则中的日志来源 {origin!r}（演练：{rehearsal}）与本日志 "
                f"{event.origin!r} 不符：正式活动不能使用演练的来源（§19）", section="19")

