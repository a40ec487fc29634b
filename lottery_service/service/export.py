"""Export use cases: the signed audit bundle (§13) published atomically, or as a zip.

The bundle is the log exactly as stored, every signed checkpoint with its
cosignatures, the log key and the witnesses' keys (`bundle.write_bundle` lays
it out). An unknown event is an error, never an empty bundle.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from sqlmodel import col, select

from ..bundle import write_bundle
from ..errors import EventNotFoundError
from ..storage.models import CheckpointTable, EventTable, LogEntryTable, WitnessTable
from .keys import ServiceKeys
from .unit_of_work import Database

__all__ = ["Exports"]


class Exports:
    def __init__(self, db: Database, keys: ServiceKeys, audit_dir: Path) -> None:
        self._db = db
        self._keys = keys
        self.audit_dir = audit_dir

    def export(self, event_id: str) -> Path:
        """Write the bundle to `audit_dir/<event>` atomically; returns that path."""
        return self._write(event_id, self.audit_dir)

    def bundle_zip(self, event_id: str) -> bytes:
        """The bundle as a zip (folder `<event>/`), exported afresh into a temporary folder."""
        out = io.BytesIO()
        with tempfile.TemporaryDirectory() as tmp:
            folder = self._write(event_id, Path(tmp)).resolve()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        archive.write(path, f"{event_id}/{path.relative_to(folder).as_posix()}")
        return out.getvalue()

    def _write(self, event_id: str, audit_dir: Path) -> Path:
        with self._db.read() as session:
            if session.get(EventTable, event_id) is None:
                raise EventNotFoundError(event_id)
            raws = list(session.exec(select(LogEntryTable.raw).where(
                LogEntryTable.event_id == event_id).order_by(col(LogEntryTable.seq))))
            checkpoints = {cp.size: cp.note for cp in session.exec(
                select(CheckpointTable).where(CheckpointTable.event_id == event_id))}
            witnesses = {w.name: w.vkey for w in session.exec(
                select(WitnessTable).where(WitnessTable.event_id == event_id))}
        return write_bundle(audit_dir, event_id, raws, checkpoints,
                            self._keys.verifier_key(event_id), witnesses)
