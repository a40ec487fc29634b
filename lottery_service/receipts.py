"""Family receipts and the event context, read from the signed log (PROTOCOL.md §14, §14.1).

A receipt is a C2SP tlog-proof@v1 of the family's own result entry whose `extra`
carries the supporting entries and the input-record proofs (§14). Everything in it
comes from the log: `ReceiptIndex` folds the entries once, in order, and keeps the
per-family positions and a growing RFC 9162 tree, so a new checkpoint costs only its
new entries (never a rebuild while serving) and one receipt costs O(log n) hashes.
The only sealed part is a rejected family's own rejection leaf (§17.2), which the
caller (the app server, after the second factor) passes in.
"""

from __future__ import annotations

import base64
import functools
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from .core.canonical import canonical_json
from .core.entries import EntryType, Forfeit, Lock, Promotion
from .core.log import Entry
from .core.merkle import EMPTY_ROOT, consistency_path, inclusion_path, node_hash, range_root
from .core.privacy import RejectionTree
from .core.records import Applicant, Pupil, School
from .core.season import SeasonState
from .core.seed import Ceremony
from .heap import long_lived

__all__ = ["LogTree", "ReceiptIndex", "ReceiptParts", "RecordProof", "receipt_text"]

HEADER: Final = "c2sp.org/tlog-proof@v1"
MAX_X_BYTES: Final = 1_048_576  # §14: what the extra data may inflate to
# §14.1: the entries of the event context, besides `event_created` (index 0).
CONTEXT_TYPES: Final = frozenset({  # §14.1; event_created carries the rules (rules.beacon)
    EntryType.EVENT_CREATED,
    EntryType.CEREMONY_OPENED, EntryType.BEACON_POSTPONED, EntryType.PHYSICAL_ENTROPY,
    EntryType.BEACON, EntryType.SEED, EntryType.PAYMENT_ROUND, EntryType.PAYMENTS_CLOSED})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class LogTree:
    """An RFC 9162 tree that grows by appending leaf hashes (§4, §12).

    levels[k][i] is the root of the complete subtree over leaves [i·2^k, (i+1)·2^k);
    an append adds one leaf and the complete parents it finishes (amortised O(1)),
    so proofs under any size up to the current one are folds of O(log n) stored roots.
    """

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]
        # A proof under a reached size never changes; the entries every receipt holds
        # (seeds, payment rounds, the close) are asked for once per family (§18.3).
        self.proof_b64 = functools.lru_cache(maxsize=1024)(self._proof_b64)
        self._edges: dict[tuple[int, int], bytes] = {}  # core.merkle.range_root's

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, leaf: bytes) -> None:
        self._levels[0].append(leaf)
        k = 0
        while len(self._levels[k]) % 2 == 0:
            level = self._levels[k]
            if k + 1 == len(self._levels):
                self._levels.append([])
            self._levels[k + 1].append(node_hash(level[-2], level[-1]))
            k += 1

    def _mth(self, lo: int, hi: int) -> bytes:
        return range_root(self._levels, self._edges, lo, hi)

    def _check(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is outside 0..{self.size}")

    def root(self, size: int) -> bytes:
        self._check(size)
        return self._mth(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]), leaf to root (RFC 9162 §2.1.3.1)."""
        self._check(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is outside 0..{size - 1}")
        return inclusion_path(self._mth, index, size)

    def _proof_b64(self, index: int, size: int) -> tuple[str, ...]:
        return tuple(_b64(h) for h in self.inclusion_proof(index, size))

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        """PROOF(old, D[0:new]), bottom up (RFC 9162 §2.1.4.1), for 0 < old <= new."""
        self._check(new)
        if not 0 < old <= new:
            raise ValueError(f"consistency needs 0 < old <= new, got {old} and {new}")
        return consistency_path(self._mth, old, new)


@dataclass(frozen=True)
class RecordProof:
    """A `records` item of X (§14): a leaf's RFC 9162 inclusion in an input tree of `size`
    (§3.3), or in the rejection tree for ceremony "rejections" (§17.2)."""

    ceremony: str
    index: int
    size: int
    record: bytes
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {"ceremony": self.ceremony, "index": self.index, "size": self.size,
                "record": self.record.decode("utf-8"), "proof": [_b64(h) for h in self.proof]}


@dataclass(frozen=True)
class ReceiptParts:
    """What one receipt proves: the primary entry's index, the supporting entries' indices
    (ascending, never the primary) and the record proofs, in §14's order."""

    primary: int
    entries: tuple[int, ...]
    records: tuple[RecordProof, ...]


def receipt_text(event: str, reg: str, note: str, tree: LogTree, size: int,
                 raw: Sequence[bytes], parts: ReceiptParts) -> str:
    """The tlog-proof@v1 text (§14) of `parts` under the checkpoint `note` of `size`."""
    x = {"type": "sunshine-receipt", "version": 2, "event": event, "reg": reg,
         "entry": raw[parts.primary].decode("utf-8"),
         "entries": [{"index": i, "entry": raw[i].decode("utf-8"),
                      "proof": list(tree.proof_b64(i, size))}
                     for i in parts.entries],
         "records": [r.to_json() for r in parts.records]}
    return _proof_text(canonical_json(x), parts.primary, tree, size, note)


def _proof_text(x: bytes, index: int, tree: LogTree, size: int, note: str) -> str:
    """tlog-proof@v1 with extra data zlib(canon(X)) (§14)."""
    if len(x) > MAX_X_BYTES:
        raise ValueError(f"X is {len(x)} bytes; §14 allows {MAX_X_BYTES}")
    lines = [HEADER, "extra " + _b64(zlib.compress(x, 9)), f"index {index}",
             *(_b64(h) for h in tree.inclusion_proof(index, size)), ""]
    return "\n".join(lines) + "\n" + note


def rejection_record(tree: RejectionTree, reg: str) -> RecordProof | None:
    """The `records` item opening reg's rejection leaf (§17.2), if reg was rejected."""
    i = tree.index_of(reg)
    if i is None:
        return None
    return RecordProof("rejections", i, tree.count, tree.leaves[i].leaf,
                       tuple(tree.inclusion_proof(i)))


@dataclass
class ReceiptIndex:
    """Receipt material of one event's log, extended entry by entry (§14, issue 13).

    `extend` folds only the entries it has not seen; `receipt(reg, size, note)` then
    answers for any checkpoint size the index has reached, using only entries below it,
    so a reader holding an older checkpoint gets exactly that checkpoint's receipt.
    """

    event: str
    state: SeasonState = field(default_factory=SeasonState)
    tree: LogTree = field(default_factory=LogTree)
    raw: list[bytes] = field(default_factory=list)
    named: dict[str, list[int]] = field(default_factory=dict)  # forfeit / lock / promotion
    payment_rounds: list[int] = field(default_factory=list)
    context: list[int] = field(default_factory=list)
    _records: dict[tuple[Ceremony, int], dict[str, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def size(self) -> int:
        return self.tree.size

    def extend(self, entries: Sequence[Entry]) -> None:
        """Fold the entries of a log prefix (from seq 0) past `size`: O(new entries).

        Readers of sizes already reached never wait for it (no lock when there is
        nothing new). What it builds lives as long as the worker (`heap.long_lived`).
        A newly frozen input's record positions are built here too, at the checkpoint
        that froze it, not at a family's first read."""
        if len(entries) <= self.size:
            return
        with self._lock, long_lived():
            for e in entries[self.size:]:
                self.state.apply(e)  # checks seq == size: no gap, no reordering
                self.tree.append(e.leaf_hash)
                self.raw.append(e.raw)
                if isinstance(e.body, (Forfeit, Lock, Promotion)):
                    self.named.setdefault(e.body.reg, []).append(e.seq)
                if e.type is EntryType.PAYMENT_ROUND:
                    self.payment_rounds.append(e.seq)
                if e.type in CONTEXT_TYPES:
                    self.context.append(e.seq)
            for kind in self.state.ceremonies:
                self._record_positions(kind)

    # ------------------------------------------------------------ reading

    def _record_positions(self, kind: Ceremony) -> dict[str, int]:
        """reg (applicants, pupils) and school id → leaf index in the frozen input tree;
        built once per frozen input (its seed's position names it)."""
        c = self.state.ceremonies[kind]
        key = (kind, -1 if c.frozen is None else c.frozen.seq)
        positions = self._records.get(key)
        if positions is None:
            positions = {}
            if c.frozen is not None:
                for i, r in enumerate(c.tree().records):
                    if isinstance(r, (Applicant, Pupil)):
                        positions[r.reg] = i
                    elif isinstance(r, School):
                        positions["school:" + r.id] = i
            self._records[key] = positions
        return positions

    def _record(self, kind: Ceremony, key: str) -> RecordProof | None:
        c = self.state.ceremonies[kind]
        i = self._record_positions(kind).get(key)
        if i is None:
            return None
        t = c.tree()
        return RecordProof(kind, i, t.size, t.leaves[i], tuple(t.inclusion_proof(i)))

    def _seed(self, kind: Ceremony, size: int) -> list[int]:
        seed = self.state.ceremonies[kind].seed
        return [seed.seq] if seed is not None and seed.seq < size else []

    def parts(self, reg: str, size: int,
              rejections: RejectionTree | None = None) -> ReceiptParts | None:
        """§14's primary entry, supporting entries and records of reg at `size`; None when
        the log up to `size` holds no result for reg (before the draw, or unknown)."""
        if not 0 < size <= self.size:
            return None
        s = self.state
        below = [i for i in self.named.get(reg, ()) if i < size]
        entries: list[int] = []
        records: list[RecordProof | None] = []
        result = s.lottery_results.get(reg)
        grouped = s.grouping_results.get(reg)
        if grouped is not None and grouped.seq >= size:
            grouped = None
        if result is not None and result.seq < size:
            primary = result.seq
            closed = s.payments_closed
            entries += [*self._seed("lottery", size),
                        *(i for i in self.payment_rounds if i < size),
                        *([closed.seq] if closed is not None and closed.seq < size else []),
                        *below]
            records += [self._record("lottery", reg),
                        self._record("lottery", "school:" + result.body.school)]
            if grouped is not None:
                entries.append(grouped.seq)
        elif grouped is not None:
            primary = grouped.seq
        else:
            logged = s.ceremonies["lottery"].rejections
            if logged is None or logged.seq >= size or rejections is None \
                    or (rejections.count, rejections.root) != (logged.body.count,
                                                               logged.body.root):
                return None
            leaf = rejection_record(rejections, reg)
            if leaf is None:
                return None
            primary = logged.seq
            records.append(leaf)
        if grouped is not None:
            entries += self._seed("grouping", size)
            m = s.matching_results.get((grouped.body.school, grouped.body.class_))
            if m is not None and m.seq < size:
                entries += [m.seq, *self._seed("teachers", size)]
            records.append(self._record("grouping", reg))
        return ReceiptParts(primary, tuple(sorted(set(entries) - {primary})),
                            tuple(r for r in records if r is not None))

    def receipt(self, reg: str, size: int, note: str,
                rejections: RejectionTree | None = None) -> str | None:
        """The family's receipt text under the checkpoint `note` of `size` (§14), or None
        when there is nothing to prove yet."""
        parts = self.parts(reg, size, rejections)
        if parts is None:
            return None
        return receipt_text(self.event, reg, note, self.tree, size, self.raw, parts)

    def context_receipt(self, size: int, note: str) -> str:
        """The event context (§14.1) under the checkpoint `note` of `size`."""
        if not 0 < size <= self.size:
            raise ValueError(f"no checkpoint of size {size} in the index (0..{self.size})")
        x = {"type": "sunshine-context", "version": 2, "event": self.event,
             "entries": [{"index": i, "entry": self.raw[i].decode("utf-8"),
                          "proof": [_b64(h) for h in self.tree.inclusion_proof(i, size)]}
                         for i in self.context if i < size]}
        return _proof_text(canonical_json(x), 0, self.tree, size, note)

    def consistency(self, old: int, new: int) -> list[bytes]:
        """RFC 9162 consistency proof between two sizes the index has reached (§14 step 3)."""
        return self.tree.consistency_proof(old, new)
