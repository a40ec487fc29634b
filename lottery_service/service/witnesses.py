"""Checkpoints and their witnesses (§12): keys, cosignatures, consistency proofs.

A supervisor registers a cosignature/v1 key once; a cosignature line is
verified against that key and the checkpoint body before it is appended to the
stored note. Auditors and cosigners read signed checkpoints and RFC 9162
consistency proofs between any two signed sizes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from sqlmodel import col, select

from .. import auditlog
from ..core.merkle import MerkleError, MerkleTree
from ..core.note import (
    Checkpoint,
    NoteError,
    Verifier,
    add_signature_lines,
    parse_signature_line,
    verify_cosignature,
)
from ..core.policy import PolicyError, bundle_policy
from ..errors import CheckpointNotFoundError, ConflictError, ForbiddenError, RejectedInputError
from ..storage.models import CheckpointTable, WitnessTable
from .keys import ServiceKeys
from .snapshots import LogCache
from .tokens import Principal
from .unit_of_work import Database

SIGNATURE_PREFIX: Final = "\u2014 "  # a signed note's signature lines start with an em dash

__all__ = ["CheckpointSummary", "Consistency", "Witnesses"]


@dataclass(frozen=True)
class CheckpointSummary:
    size: int
    root: str
    cosignatures: int


@dataclass(frozen=True)
class Consistency:
    old_size: int
    new_size: int
    proof: list[bytes]


@contextmanager
def _note_errors() -> Iterator[None]:
    """The core's note and Merkle errors, said as the caller's rejected input (§12)."""
    try:
        yield
    except (NoteError, MerkleError) as exc:
        raise RejectedInputError(str(exc), zh=f"签名或证明无效：{exc}", section="12") from None


class Witnesses:
    def __init__(self, db: Database, keys: ServiceKeys, cache: LogCache) -> None:
        self._db = db
        self._keys = keys
        self._cache = cache

    def add_witness(self, event_id: str, name: str, vkey: str) -> None:
        """Register a witness's cosignature key, Ed25519 or ML-DSA-44 (§12.3); a name keeps
        its key."""
        with _note_errors():
            verifier = Verifier.from_text(vkey)
        if not verifier.is_cosigner or verifier.name != name:
            raise RejectedInputError(
                f"expected a cosignature key (type 0x04 or 0x06) named {name}",
                zh=f"需要名为 {name} 的联署公钥（类型 0x04 或 0x06）", section="12")
        with self._db.event(event_id) as work:
            row = work.session.get(WitnessTable, (event_id, name))
            if row is not None and row.vkey != vkey:
                raise ConflictError(f"witness {name} is already registered with another key",
                                    zh=f"监督员 {name} 已用另一把公钥登记", section="12")
            work.session.merge(WitnessTable(event_id=event_id, name=name, vkey=vkey))

    def cosign(self, event_id: str, size: int, witness: str, line: str,
               by: Principal | None = None) -> CheckpointTable:
        """Verify a witness's cosignature line on a checkpoint and append it (§12). A
        supervisor's token cosigns only as the witness it names."""
        caller = by or Principal.operator()
        if caller.role != "admin" and caller.subject != witness:
            raise ForbiddenError(
                f"this token cosigns as {caller.subject or 'no witness'} only; make supervisor "
                f"tokens with the witness name as subject",
                zh=f"这个令牌只能以 {caller.subject or '（无）'} 的名义联署")
        line = line if line.endswith("\n") else line + "\n"
        with _note_errors():
            name = parse_signature_line(line.removesuffix("\n")).name
        if not line.startswith(f"{SIGNATURE_PREFIX}{witness} ") or name != witness:
            raise RejectedInputError(f"the signature line is not from witness {witness}",
                                     zh=f"签名行不是监督员 {witness} 的", section="12")
        with self._db.event(event_id) as work:
            cp = work.session.get(CheckpointTable, (event_id, size))
            if cp is None:
                raise CheckpointNotFoundError(f"no checkpoint of size {size}",
                                              zh=f"没有大小为 {size} 的检查点")
            row = work.session.get(WitnessTable, (event_id, witness))
            if row is None:
                raise RejectedInputError(f"no witness key is registered under {witness!r}",
                                         zh=f"没有登记名为 {witness!r} 的监督员公钥",
                                         section="12")
            body = Checkpoint(origin=work.event.origin, size=size,
                              root_hash=bytes.fromhex(cp.root)).body()
            with _note_errors():
                verify_cosignature(body, line, Verifier.from_text(row.vkey))
                cp.note = add_signature_lines(cp.note, [line])
            work.session.add(cp)
            result = CheckpointTable(event_id=cp.event_id, size=cp.size, root=cp.root,
                                     note=cp.note)
        self._cache.drop(event_id)  # a note changed: rebuild the snapshot
        return result

    def keys(self, event_id: str) -> tuple[str, dict[str, str]]:
        """The log's verifier key and the witnesses' cosignature keys (§12, §13)."""
        self._cache.snapshot(event_id)  # refuses an unknown event
        with self._db.read() as session:
            witnesses = {w.name: w.vkey for w in session.exec(
                select(WitnessTable).where(WitnessTable.event_id == event_id))}
        return self._keys.verifier_key(event_id), witnesses

    def policy(self, event_id: str, quorum: int | None = None) -> str:
        """The event's tlog-policy (§13.1): the log key and its witnesses with `quorum` of
        them required (default: every one); the log alone when a witness key is unusable."""
        log_key, witnesses = self.keys(event_id)
        k = len(witnesses) if quorum is None else min(quorum, len(witnesses))
        try:
            return bundle_policy(log_key, witnesses, k).to_text()
        except PolicyError:
            return bundle_policy(log_key, {}, 0).to_text()

    def sizes(self, event_id: str) -> list[int]:
        """Every signed checkpoint size, smallest first."""
        self._cache.snapshot(event_id)  # refuses an unknown event
        with self._db.read() as session:
            return list(session.exec(select(CheckpointTable.size).where(
                CheckpointTable.event_id == event_id).order_by(col(CheckpointTable.size))))

    def checkpoint(self, event_id: str, size: int | None = None) -> CheckpointTable:
        """The signed checkpoint of `size` (the newest when None), with its cosignatures."""
        with self._db.read() as session:
            cp = (auditlog.latest_checkpoint(session, event_id) if size is None
                  else session.get(CheckpointTable, (event_id, size)))
        if cp is None:
            self._cache.snapshot(event_id)  # an unknown event says so first
            raise CheckpointNotFoundError(
                "no checkpoint yet" if size is None else f"no checkpoint of size {size}",
                zh="还没有检查点" if size is None else f"没有大小为 {size} 的检查点")
        return cp

    def summaries(self, event_id: str) -> list[CheckpointSummary]:
        """Each checkpoint, newest first, with how many witnesses cosigned it."""
        with self._db.read() as session:
            rows = session.exec(select(CheckpointTable).where(
                CheckpointTable.event_id == event_id)
                .order_by(col(CheckpointTable.size).desc())).all()
        return [CheckpointSummary(r.size, r.root, max(0, sum(
            1 for line in r.note.splitlines() if line.startswith(SIGNATURE_PREFIX)) - 1))
            for r in rows]

    def consistency(self, event_id: str, old: int, new: int) -> Consistency:
        """RFC 9162 consistency proof between two signed checkpoint sizes (§12)."""
        with self._db.read() as session:
            have = set(session.exec(select(CheckpointTable.size).where(
                CheckpointTable.event_id == event_id,
                col(CheckpointTable.size).in_([old, new]))))
            if have != {old, new} or old > new:
                raise CheckpointNotFoundError(
                    f"no signed checkpoints of sizes {old} ≤ {new}",
                    zh=f"没有大小为 {old} 和 {new}（前者不大于后者）的已签名检查点")
            leaves = auditlog.leaf_hashes(session, event_id)[:new]
        proof = MerkleTree(leaves).consistency_proof(old, new) if old < new else []
        return Consistency(old, new, proof)
