"""Export use cases: the signed audit bundle (§13) published atomically, or as a zip.

The bundle is the log exactly as stored, every signed checkpoint with its
cosignatures, the log key, the witnesses' keys and the witness policy
(`keys/tlog-policy.txt`, §13.1); a rehearsal's is marked 演练 / REHEARSAL
(§19). Before writing, the stored log is checked against its signed history
(`auditlog.SignedLog`), so a tampered log is refused, never exported as
genuine. An unknown event is an error, never an empty bundle.

The sealed openings (§17.3) are exported beside the bundle, as
`<event>.openings.jsonl` (mode 0600) in the audit directory, never inside it:
neither the zip nor a publication (§18) can carry them. `openings(event)` is
the use case that makes them (None until the event has any).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

from sqlmodel import col, select

from ..auditlog import is_rehearsal_origin
from ..bundle import BundleContent, write_beside, write_bundle
from ..errors import EventNotFoundError
from ..storage.models import CheckpointTable, EventTable, LogEntryTable, WitnessTable
from .keys import ServiceKeys
from .unit_of_work import Database
from .witnesses import Witnesses

OPENINGS_SUFFIX: Final = ".openings.jsonl"

__all__ = ["OPENINGS_SUFFIX", "Exports", "no_openings"]


def no_openings(event_id: str) -> bytes | None:
    """The openings hook before the §17.3 use case is wired: there are none to export."""
    return None


class Exports:
    def __init__(self, db: Database, keys: ServiceKeys, audit_dir: Path, witnesses: Witnesses,
                 *, openings: Callable[[str], bytes | None] = no_openings,
                 settle: Callable[[], object] = lambda: None) -> None:
        self._db = db
        self._keys = keys
        self._witnesses = witnesses
        self.audit_dir = audit_dir
        self.openings = openings
        """`openings(event)`: the sealed openings file's bytes (§17.3), or None."""
        self._settle = settle  # waits (bounded) for pending witness pushes (§12.4)

    def export(self, event_id: str) -> Path:
        """Write the bundle to `audit_dir/<event>` atomically, after the witnesses have
        answered the pending pushes (so it carries their cosignatures), and the sealed
        openings beside it; returns the bundle's path."""
        self._settle()
        path = self.write_into(event_id, self.audit_dir)
        sealed = self.openings(event_id)
        if sealed is not None:
            write_beside(self.audit_dir, event_id + OPENINGS_SUFFIX, sealed)
        return path

    def openings_path(self, event_id: str) -> Path:
        return self.audit_dir / (event_id + OPENINGS_SUFFIX)

    def bundle_zip(self, event_id: str) -> bytes:
        """The bundle as a zip (folder `<event>/`), exported afresh into a temporary folder."""
        out = io.BytesIO()
        with tempfile.TemporaryDirectory() as tmp:
            folder = self.write_into(event_id, Path(tmp)).resolve()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        archive.write(path, f"{event_id}/{path.relative_to(folder).as_posix()}")
        return out.getvalue()

    def write_into(self, event_id: str, audit_dir: Path) -> Path:
        """The bundle of the log as stored and signed, at `audit_dir/<event>` (§13)."""
        with self._db.read() as session:
            event = session.get(EventTable, event_id)
            if event is None:
                raise EventNotFoundError(event_id)
            raws = list(session.exec(select(LogEntryTable.raw).where(
                LogEntryTable.event_id == event_id).order_by(col(LogEntryTable.seq))))
            checkpoints = {cp.size: cp.note for cp in session.exec(
                select(CheckpointTable).where(CheckpointTable.event_id == event_id))}
            witnesses = {w.name: w.vkey for w in session.exec(
                select(WitnessTable).where(WitnessTable.event_id == event_id))}
            self._db.log.verify_stored(session, event, raws)  # §12.2: only what was signed
            origin = event.origin
        return write_bundle(audit_dir, BundleContent(
            event_id, origin, raws, checkpoints, self._keys.verifier_key(origin), witnesses,
            self._witnesses.policy(event_id), rehearsal=is_rehearsal_origin(origin)))
