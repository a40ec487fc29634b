"""The signed, append-only audit log on the database (PROTOCOL.md §11, §12).

`append` writes entries and a freshly signed checkpoint in the caller's
transaction, so an entry never exists without the checkpoint that covers it and
a crash leaves neither. `core.checkpoint` refuses to sign a checkpoint
inconsistent with the last one signed (RFC 9162 §2.1.4): the log can only grow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from .core.checkpoint import sign_checkpoint as sign_checkpoint_note
from .core.log import Entry, decode_entry, encode_entry
from .core.merkle import MerkleTree, leaf_hash
from .core.note import Signer
from .storage.models import CheckpointTable, LogEntryTable


def load_entries(session: Session, event_id: str, start: int = 0) -> list[Entry]:
    rows = session.exec(
        select(LogEntryTable)
        .where(LogEntryTable.event_id == event_id, col(LogEntryTable.seq) >= start)
        .order_by(col(LogEntryTable.seq))
    ).all()
    return [decode_entry(row.raw) for row in rows]


def leaf_hashes(session: Session, event_id: str) -> list[bytes]:
    """The log's Merkle leaves: the stored bytes hashed as they are, nothing parsed."""
    raws = session.exec(select(LogEntryTable.raw).where(LogEntryTable.event_id == event_id)
                        .order_by(col(LogEntryTable.seq)))
    return [leaf_hash(raw) for raw in raws]


def latest_checkpoint(session: Session, event_id: str) -> CheckpointTable | None:
    return session.exec(
        select(CheckpointTable).where(CheckpointTable.event_id == event_id)
        .order_by(col(CheckpointTable.size).desc()).limit(1)
    ).first()


def append(
    session: Session,
    event_id: str,
    start_seq: int,
    bodies: Sequence[tuple[str, dict[str, Any]]],
    time: str,
    signer: Signer,
    origin: str,
) -> list[Entry]:
    """Append entries from `start_seq` and sign a checkpoint of the new log."""
    entries = [encode_entry(event_id, start_seq + i, time, t, b) for i, (t, b) in enumerate(bodies)]
    for e in entries:
        session.add(LogEntryTable(event_id=event_id, seq=e.seq, type=e.type, time=e.time,
                                  raw=e.raw))
    if entries:
        session.flush()
        sign_checkpoint(session, event_id, signer, origin)
    return entries


def sign_checkpoint(session: Session, event_id: str, signer: Signer,
                    origin: str) -> CheckpointTable:
    tree = MerkleTree(leaf_hashes(session, event_id))
    last = latest_checkpoint(session, event_id)
    note = sign_checkpoint_note(
        origin, tree, signer, None if last is None else (last.size, bytes.fromhex(last.root)))
    if note is None:
        assert last is not None
        return last
    row = CheckpointTable(event_id=event_id, size=tree.size, root=tree.root().hex(), note=note)
    session.add(row)
    session.flush()
    return row
