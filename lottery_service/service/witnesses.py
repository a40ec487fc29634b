"""Checkpoints and their witnesses (§12): keys, cosignatures, consistency proofs, alarms.

Two kinds of witness, one policy (§13.1). A supervisor registers a
cosignature key once and cosigns by pulling: its line is verified against that
key and the checkpoint body before it is appended to the stored note. A
tlog-witness (notary office, supervision group) is registered with its
submission URL and keys, and the service pushes it every checkpoint
(`service.push`, §12.4); its answers that point at the log are alarms, kept
here and shown to the supervisors. Auditors and cosigners read signed
checkpoints and RFC 9162 consistency proofs between any two signed sizes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from sqlmodel import col, select

from .. import auditlog
from ..core.merkle import MerkleError, MerkleTree
from ..core.note import (
    NoteError,
    Verifier,
    add_signature_lines,
    check_key_name,
    parse_signature_line,
    split_note,
    verify_cosignature,
)
from ..core.policy import PolicyError, bundle_policy
from ..errors import (
    CheckpointNotFoundError,
    ConflictError,
    EventNotFoundError,
    ForbiddenError,
    RejectedInputError,
)
from ..storage.models import CheckpointTable, EventTable, WitnessTable
from ..storage.witness_tables import WitnessAlarmTable, WitnessEndpointTable
from ..witness.client import WitnessEndpoint
from .keys import ServiceKeys
from .snapshots import LogCache
from .tokens import Principal
from .unit_of_work import Database

SIGNATURE_PREFIX: Final = "\u2014 "  # a signed note's signature lines start with an em dash

__all__ = ["CheckpointSummary", "Consistency", "PushedWitness", "WitnessAlarm", "Witnesses"]


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


@dataclass(frozen=True)
class PushedWitness:
    """A registered tlog-witness and how far it has cosigned the log (§12.4)."""

    endpoint: WitnessEndpoint
    acked_size: int
    last_outcome: str | None
    last_detail: str
    last_time: str


@dataclass(frozen=True)
class WitnessAlarm:
    """A witness's answer pointing at the log: fork, rollback or wrong key (§12.4)."""

    witness: str
    size: int
    kind: str
    message: str
    witness_size: int | None
    time: str


@contextmanager
def _note_errors() -> Iterator[None]:
    """The core's note and Merkle errors, said as the caller's rejected input (§12)."""
    try:
        yield
    except (NoteError, MerkleError) as exc:
        raise RejectedInputError(str(exc), zh=f"签名或证明无效：{exc}", section="12") from None


class Witnesses:
    def __init__(self, db: Database, keys: ServiceKeys, cache: LogCache,
                 quorum: int | None = None) -> None:
        self._db = db
        self._keys = keys
        self._cache = cache
        self.quorum = quorum
        """How many witnesses a checkpoint needs (SUNSHINE_WITNESS_QUORUM); None: all."""

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
            body = split_note(cp.note)[0]  # the signed text, not the unsigned root column
            with _note_errors():
                verify_cosignature(body, line, Verifier.from_text(row.vkey))
                cp.note = add_signature_lines(cp.note, [line])
            work.session.add(cp)
            result = CheckpointTable(event_id=cp.event_id, size=cp.size, root=cp.root,
                                     note=cp.note)
        self._cache.drop(event_id)  # a note changed: rebuild the snapshot
        return result

    def register_witness(self, event_id: str, name: str, url: str,
                         keys: Sequence[str]) -> PushedWitness:
        """Register a tlog-witness the service pushes every checkpoint to (§12.4): its
        name (a schema-less URL such as witness.example.com/w1), submission URL and
        cosignature keys (0x04 and/or 0x06, all under that name). The first key is the
        one the policy lists (§13.1). Repeating it changes nothing; a name keeps its keys."""
        with _note_errors():
            check_key_name(name)
            endpoint = WitnessEndpoint(name, url.rstrip("/"),
                                       tuple(Verifier.from_text(k.strip()) for k in keys))
        if any(k.name != name for k in endpoint.keys):
            raise RejectedInputError(f"every key of witness {name} must be named {name}",
                                     zh=f"见证人 {name} 的每把公钥都必须以 {name} 命名",
                                     section="12")
        texts = "\n".join(k.to_text() for k in endpoint.keys)
        with self._db.event(event_id) as work:
            pulled = work.session.get(WitnessTable, (event_id, name))
            row = work.session.get(WitnessEndpointTable, (event_id, name))
            if (pulled is not None and pulled.vkey != endpoint.keys[0].to_text()) or (
                    row is not None and (row.keys, row.url) != (texts, endpoint.url)):
                raise ConflictError(f"witness {name} is already registered with other keys "
                                    "or another URL", zh=f"见证人 {name} 已用其他公钥或地址登记",
                                    section="12")
            work.session.merge(WitnessTable(event_id=event_id, name=name,
                                            vkey=endpoint.keys[0].to_text()))
            if row is None:
                row = WitnessEndpointTable(event_id=event_id, name=name, url=endpoint.url,
                                           keys=texts)
                work.session.add(row)
            return _pushed(row)

    def pushed(self, event_id: str) -> list[PushedWitness]:
        """The tlog-witnesses the service pushes to, by name, with their progress."""
        with self._db.read() as session:
            rows = session.exec(select(WitnessEndpointTable).where(
                WitnessEndpointTable.event_id == event_id)
                .order_by(col(WitnessEndpointTable.name))).all()
            return [_pushed(r) for r in rows]

    def alarms(self, event_id: str) -> list[WitnessAlarm]:
        """Every alarm a pushed witness raised (§12.4), newest first: for the supervisors."""
        self._cache.snapshot(event_id)  # refuses an unknown event
        with self._db.read() as session:
            rows = session.exec(select(WitnessAlarmTable).where(
                WitnessAlarmTable.event_id == event_id)
                .order_by(col(WitnessAlarmTable.time).desc(),
                          col(WitnessAlarmTable.size).desc())).all()
        return [WitnessAlarm(r.witness, r.size, r.kind, r.message, r.witness_size, r.time)
                for r in rows]

    def origin(self, event_id: str) -> str:
        """The event's log origin (§12.1), the name of its log key."""
        with self._db.read() as session:
            row = session.get(EventTable, event_id)
            if row is None:
                raise EventNotFoundError(event_id)
            return row.origin

    def log_key(self, event_id: str) -> str:
        """The verifier key of the event's log (the rehearsal key for a rehearsal, §19)."""
        return self._keys.verifier_key(self.origin(event_id))

    def keys(self, event_id: str) -> tuple[str, dict[str, str]]:
        """The log's verifier key and the witnesses' cosignature keys (§12, §13)."""
        self._cache.snapshot(event_id)  # refuses an unknown event
        with self._db.read() as session:
            witnesses = {w.name: w.vkey for w in session.exec(
                select(WitnessTable).where(WitnessTable.event_id == event_id))}
        return self.log_key(event_id), witnesses

    def policy(self, event_id: str, quorum: int | None = None) -> str:
        """The event's tlog-policy (§13.1): the log key and its witnesses with `quorum` of
        them required (default: the deployment's `quorum`, else every one); the log alone
        when a witness key is unusable."""
        log_key, witnesses = self.keys(event_id)
        quorum = self.quorum if quorum is None else quorum
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


def _pushed(row: WitnessEndpointTable) -> PushedWitness:
    endpoint = WitnessEndpoint(row.name, row.url, tuple(
        Verifier.from_text(line) for line in row.keys.splitlines()))
    return PushedWitness(endpoint, row.acked_size, row.last_outcome, row.last_detail,
                         row.last_time)
