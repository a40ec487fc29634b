"""A signed synthetic log to publish (PROTOCOL.md §12, §18): shared by the publication tests.

Entries are canonical-looking JSON of varying length; the tile layer does not
parse them, so sizes around tile boundaries (65,537 entries) stay cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lottery_service.core.checkpoint import log_origin
from lottery_service.core.merkle import MerkleTree, leaf_hash
from lottery_service.core.note import Checkpoint, Signer, sign_note
from lottery_service.core.policy import bundle_policy
from lottery_service.publish import FamilyReceipt, PublishReport, publish_event

PREFIX = "zsb.example.gov.cn/sunshine"


def synthetic_entry(event: str, seq: int) -> bytes:
    pad = "x" * ((seq * 7919) % 300)
    return json.dumps({"body": {"n": seq, "pad": pad}, "event": event, "seq": seq,
                       "time": "2026-07-01T08:00:00Z", "type": "synthetic", "v": 2},
                      separators=(",", ":"), sort_keys=True).encode()


@dataclass
class SignedLog:
    event: str
    rehearsal: bool = False
    entries: list[bytes] = field(default_factory=list)
    signer: Signer = field(init=False)
    _leaves: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.signer = Signer.generate(self.origin)

    @property
    def origin(self) -> str:
        return log_origin(PREFIX, self.event, rehearsal=self.rehearsal)

    @property
    def policy(self) -> str:
        return bundle_policy(self.signer.verifier_key(), {}, 0).to_text()

    def grow(self, size: int) -> None:
        while len(self.entries) < size:
            entry = synthetic_entry(self.event, len(self.entries))
            self.entries.append(entry)
            self._leaves.append(leaf_hash(entry))

    def tree(self, size: int) -> MerkleTree:
        self.grow(size)
        return MerkleTree(self._leaves[:size])

    def note(self, size: int) -> str:
        root = self.tree(size).root()
        return sign_note(Checkpoint(self.origin, size, root).body(), [self.signer])

    def entries_since(self, start: int) -> list[bytes]:
        return self.entries[start:]


def publish(root: Path, log: SignedLog, size: int, *, receipts: tuple[FamilyReceipt, ...] = (),
            state: bytes | None = None, context: bool = False,
            **kwargs: Path) -> PublishReport:
    """Publish `log` at `size`; `context`: with a stand-in `context.tlog-proof` (§14.1) under
    that checkpoint (the writer checks only that it ends with the note)."""
    note = log.note(size)
    if state is None:
        state = json.dumps({"size": size}).encode()
    text = f"c2sp.org/tlog-proof@v1\nextra eJyrrgUAAXUA+Q==\nindex 0\n\n{note}" if context else None
    return publish_event(root, log.event, checkpoint=note, policy=log.policy,
                         entries_since=log.entries_since, state=state, receipts=receipts,
                         supervision=json.dumps({"size": size, "entries": []}).encode(),
                         context=text, **kwargs)
