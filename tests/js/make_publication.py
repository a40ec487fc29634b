"""Writes a small publication for the browser readers' Node tests (tests/js/tiles.test.mjs,
tests/js/shard.test.mjs) and prints, as JSON, what the Python side expects them to find.

    python tests/js/make_publication.py <empty directory>

The log is published in three steps (5, 300, 65,800 entries: level-0, -1 and -2 tiles
and partial tiles at each size); expectations come from core.merkle's RFC 9162 tree.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lottery_service.publish import FamilyReceipt, seal  # noqa: E402
from tests.publish_support import SignedLog, publish  # noqa: E402

SIZES = (5, 300, 65800)
FAMILIES = (("2026000001", "123X"), ("2026000002", "0007"), ("A1B2", "9999"))


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def main(out: Path) -> None:
    log = SignedLog("js-2026")
    receipts = tuple(FamilyReceipt(reg, factor, f"receipt of {reg} 回执\n")
                     for reg, factor in FAMILIES)
    for size in SIZES:
        publish(out, log, size, receipts=receipts if size == SIZES[-1] else ())
    size = SIZES[-1]
    tree = log.tree(size)
    indices = [0, 1, 4, 255, 256, 299, 65535, 65536, size - 1]
    nonce = bytes(range(12))
    vector = seal(log.origin, receipts[0], nonce=nonce)
    print(json.dumps({
        "event": log.event, "origin": log.origin, "vkey": log.signer.verifier_key(),
        "base": str(out / log.event),
        "checkpoints": [{"size": s, "root": b64(tree.root(s)), "note": log.note(s)}
                        for s in SIZES],
        "inclusion": [{"index": i, "entry": log.entries[i].decode(),
                       "proof": [b64(h) for h in tree.inclusion_proof(i)]} for i in indices],
        "consistency": [{"old": s, "proof": [b64(h) for h in tree.consistency_proof(s)]}
                        for s in (1, 5, 255, 256, 300, 65536, size)],
        "families": [{"reg": r.reg, "factor": r.factor, "receipt": r.receipt} for r in receipts],
        "vector": {"nonce": b64(nonce), "address": vector.address, "shard": b64(vector.data)},
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
