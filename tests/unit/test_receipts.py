"""The service's receipts (PROTOCOL.md §14, §14.1) against the independent v2 vectors.

`tests/vectors/receipts.json` and `receipt_log/` come from `generate_receipts.py`,
written from PROTOCOL.md alone: the service, folding the same log entry by entry,
must write every positive receipt byte for byte, and the standalone verifier must
accept what it writes (including the event context).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery_service.core.log import decode_entry
from lottery_service.core.merkle import MerkleTree
from lottery_service.core.privacy import RejectionLeaf, rejection_tree
from lottery_service.receipts import LogTree, ReceiptIndex
from tests.paths import VECTORS
from tests.support import proof_x
from verifier import receipt as verifier_receipt

LOG = VECTORS / "receipt_log"
CASES = json.loads((VECTORS / "receipts.json").read_text(encoding="utf-8"))
POSITIVE = [c for c in CASES["cases"] if c["expected"]["ok"]
            and (LOG / "receipts" / f"{c['name']}.tlog-proof").exists()]
POLICY = (LOG / "policy").read_text(encoding="utf-8")


def _entries() -> list:  # type: ignore[type-arg]
    return [decode_entry(line.encode()) for line in
            (LOG / "entries.jsonl").read_text(encoding="utf-8").splitlines()]


def _notes() -> dict[int, str]:
    return {int(p.stem): p.read_text(encoding="utf-8") for p in (LOG / "checkpoints").iterdir()}


def _rejections():  # type: ignore[no-untyped-def]
    lines = (LOG / "openings.jsonl").read_text(encoding="utf-8").splitlines()
    return rejection_tree(RejectionLeaf.from_json(o) for o in map(json.loads, lines)
                          if o["type"] == "rejection")


def _size_of(receipt: str) -> int:
    note = receipt.split("\n\n", 1)[1]
    return int(note.split("\n")[1])


@pytest.fixture(scope="module")
def index() -> ReceiptIndex:
    entries = _entries()
    idx = ReceiptIndex(entries[0].event)
    # Grown checkpoint by checkpoint, as the service does (issue 13: never rebuilt).
    for size in sorted(_notes()):
        idx.extend(entries[:size])
    assert idx.size == CASES["log"]["size"]
    return idx


@pytest.mark.parametrize("case", POSITIVE, ids=[c["name"] for c in POSITIVE])
def test_receipt_is_the_vector_byte_for_byte_14(index: ReceiptIndex, case: dict) -> None:  # type: ignore[type-arg]
    want = case["input"]["receipt"]
    size = _size_of(want)
    got = index.receipt(case["input"]["reg"], size, _notes()[size], _rejections())
    assert got == want
    assert got == (LOG / "receipts" / f"{case['name']}.tlog-proof").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", POSITIVE, ids=[c["name"] for c in POSITIVE])
def test_the_verifier_accepts_every_service_receipt_14(index: ReceiptIndex, case: dict) -> None:  # type: ignore[type-arg]
    size = _size_of(case["input"]["receipt"])
    reg = case["input"]["reg"]
    text = index.receipt(reg, size, _notes()[size], _rejections())
    assert text is not None
    report = verifier_receipt.check(text, POLICY, reg)
    assert report.ok, report


def test_no_receipt_before_the_result_or_for_an_unknown_reg_14(index: ReceiptIndex) -> None:
    roles = CASES["log"]["roles"]
    first = min(_notes())
    assert index.receipt(roles["admitted"], first, _notes()[first]) is None
    assert index.receipt("2026999999", index.size, _notes()[index.size], _rejections()) is None
    # A rejected family's receipt needs its sealed leaf (§17.2): without it, nothing.
    assert index.receipt(roles["rejected"], index.size, _notes()[index.size]) is None


def test_event_context_holds_the_14_1_entries_and_verifies_like_a_receipt(
        index: ReceiptIndex) -> None:
    import base64
    size = index.size
    text = index.context_receipt(size, _notes()[size])
    lines = text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1" and lines[2] == "index 0"
    x = proof_x(text)
    assert set(x) == {"type", "version", "event", "entries"}
    assert x["type"] == "sunshine-context" and x["version"] == 2
    types = [json.loads(e["entry"])["type"] for e in x["entries"]]
    want = [json.loads(line)["type"] for line in
            (LOG / "entries.jsonl").read_text(encoding="utf-8").splitlines()]
    kinds = {"event_created", "ceremony_opened", "beacon_postponed", "physical_entropy",
             "beacon", "seed", "payment_round", "payments_closed"}
    assert types == [t for t in want if t in kinds]
    tree = MerkleTree([e.leaf_hash for e in _entries()])
    for e in x["entries"]:
        assert [base64.b64encode(h).decode() for h in
                tree.inclusion_proof(e["index"], size)] == e["proof"]


@given(st.integers(min_value=1, max_value=300), st.data())
def test_growing_tree_gives_the_proofs_of_the_immutable_tree_4(n: int, data: st.DataObject) -> None:
    leaves = [bytes([i % 256, i // 256]) * 16 for i in range(n)]
    grown = LogTree()
    for leaf in leaves:
        grown.append(leaf)
    size = data.draw(st.integers(min_value=1, max_value=n))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    whole = MerkleTree(leaves)
    assert grown.root(size) == whole.root(size)
    assert grown.inclusion_proof(index, size) == whole.inclusion_proof(index, size)
    assert grown.consistency_proof(old, size) == whole.consistency_proof(old, size)


@given(st.lists(st.tuples(st.integers(min_value=1, max_value=40), st.data()),
                min_size=1, max_size=8))
def test_proofs_asked_while_the_tree_grows_stay_right_4(steps: list[tuple[int, st.DataObject]]
                                                        ) -> None:
    """LogTree keeps the right-edge roots it folded: asked again after more appends, each
    proof and root is still the one a fresh tree over the same leaves gives."""
    grown, leaves = LogTree(), []
    for grow, data in steps:
        for _ in range(grow):
            leaves.append(len(leaves).to_bytes(32, "big"))
            grown.append(leaves[-1])
        for _ in range(3):
            size = data.draw(st.integers(min_value=1, max_value=len(leaves)))
            index = data.draw(st.integers(min_value=0, max_value=size - 1))
            fresh = MerkleTree(leaves[:size])
            assert grown.root(size) == fresh.root()
            assert grown.inclusion_proof(index, size) == fresh.inclusion_proof(index)
