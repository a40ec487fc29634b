"""verifier.merkle against the shared RFC 9162 vectors and the builder's recursive MTH."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bundle_builder import mth
from tests.paths import SHARED_VECTORS
from verifier import merkle

VECTORS = SHARED_VECTORS / "rfc9162-merkle"
CASES = sorted(VECTORS.rglob("*.json")) if VECTORS.is_dir() else []


def _b(x: str) -> bytes:
    return base64.b64decode(x)


@pytest.mark.skipif(not CASES, reason=f"shared Merkle vectors absent at {VECTORS}")
@pytest.mark.parametrize("path", CASES, ids=lambda p: str(p.relative_to(VECTORS)))
def test_rfc9162_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    proof = [_b(p) for p in case["proof"] or []]
    if "leafIdx" in case:
        def run() -> None:
            merkle.verify_inclusion(_b(case["leafHash"]), case["leafIdx"], case["treeSize"],
                                    proof, _b(case["root"]))
    else:
        def run() -> None:
            merkle.verify_consistency(case["size1"], case["size2"], _b(case["root1"]),
                                      _b(case["root2"]), proof)
    if case["wantErr"]:
        with pytest.raises(merkle.MerkleProofError):
            run()
    else:
        run()


def test_vectors_present_count() -> None:
    if not CASES:
        pytest.skip("shared Merkle vectors absent")
    assert len(CASES) == 196


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40), st.data())
def test_proofs_round_trip(data: list[bytes], draw: st.DataObject) -> None:
    leaves = [merkle.leaf_hash(d) for d in data]
    n = len(leaves)
    size = draw.draw(st.integers(1, n))
    assert merkle.root(leaves, size) == mth(data[:size])
    index = draw.draw(st.integers(0, size - 1))
    proof = merkle.inclusion_proof(leaves, index, size)
    merkle.verify_inclusion(leaves[index], index, size, proof, mth(data[:size]))
    old = draw.draw(st.integers(0, size))
    cproof = merkle.consistency_proof(leaves, old, size)
    if old:
        merkle.verify_consistency(old, size, mth(data[:old]), mth(data[:size]), cproof)
    if 0 < old < size:
        with pytest.raises(merkle.MerkleProofError):
            merkle.verify_consistency(old, size, mth(data[:old]), b"\x00" * 32, cproof)


def test_empty_root() -> None:
    assert merkle.root([]) == mth([])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 1100), st.data())
def test_root_stream_gives_every_prefix_root(n: int, data: st.DataObject) -> None:
    """The streamed root (log.Fold, input trees) is RFC 9162's MTH at any size."""
    leaves = [hashlib.sha256(k.to_bytes(4, "big")).digest() for k in range(n)]
    stops = set(data.draw(st.lists(st.integers(1, max(n, 1)), max_size=8))) | {n}
    stream = merkle.RootStream()
    if n == 0:
        assert stream.root() == merkle.EMPTY_ROOT
    for k, leaf in enumerate(leaves, 1):
        stream.push(leaf)
        if k in stops:
            assert stream.root() == merkle.root(leaves[:k]) == mth_of(leaves[:k])


def mth_of(hashes: list[bytes]) -> bytes:
    """MTH over leaf hashes, recursive as RFC 9162 §2.1.1 writes it."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + mth_of(hashes[:k]) + mth_of(hashes[k:])).digest()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 600), max_size=6))
def test_root_stream_extend_is_push(batches: list[int]) -> None:
    pushed, extended = merkle.RootStream(), merkle.RootStream()
    leaves: list[bytes] = []
    for n in batches:
        batch = [hashlib.sha256(f"{len(leaves)}/{k}".encode()).digest() for k in range(n)]
        for leaf in batch:
            pushed.push(leaf)
        extended.extend(batch)
        leaves += batch
        assert extended.size == pushed.size == len(leaves)
        assert extended.root() == pushed.root() == merkle.root(leaves)
