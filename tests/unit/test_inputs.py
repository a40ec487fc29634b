"""The ceremony input tree (PROTOCOL.md §3.3, §4; rule G1, DV-2012 lesson of §16).

Roots and proofs are checked against an independent RFC 9162 reference written
here with hashlib alone.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core import errors
from lottery_service.core.canonical import canonical_json
from lottery_service.core.inputs import build_input_tree, input_leaf, input_leaves, input_root
from lottery_service.core.records import Applicant, Teacher, record_from_json
from lottery_service.core.strict import loads
from tests.paths import VECTORS as VECTOR_DIR

VECTORS = json.loads((VECTOR_DIR / "input_tree.json")
                     .read_text(encoding="utf-8"))


def ref_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over leaf data."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while 2 * k < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + ref_root(leaves[:k]) + ref_root(leaves[k:])).digest()


def ref_verify(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2 inclusion verification."""
    if index >= size:
        return False
    fn, sn = index, size - 1
    r = hashlib.sha256(b"\x00" + leaf).digest()
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


@pytest.mark.parametrize("vector", VECTORS["cases"], ids=lambda c: c["name"])
def test_input_tree_vectors_reproduced(vector: dict[str, Any]) -> None:
    if "error" in vector:
        inp = vector["input"]
        with pytest.raises(errors.ProtocolError):  # records_text: the JSON as written
            build_input_tree([record_from_json(r) for r in inp["records"]] if "records" in inp
                             else [record_from_json(loads(t)) for t in inp["records_text"]])
        return
    records = [record_from_json(r) for r in vector["input"]["records"]]
    exp = vector["expected"]
    tree = build_input_tree(records)
    assert [leaf.decode() for leaf in tree.leaves] == exp["leaves"]
    assert tree.root.hex() == exp["root"] and tree.size == exp["size"]
    assert [{"index": i, "proof": [h.hex() for h in tree.inclusion_proof(i)]}
            for i in range(tree.size)] == exp["proofs"]
    # Independent check: leaves are the sorted canonical JSON; root and proofs per RFC 9162.
    ref_leaves = sorted(json.dumps(r, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False).encode() for r in vector["input"]["records"])
    assert exp["leaves"] == [leaf.decode() for leaf in ref_leaves]
    assert exp["root"] == ref_root(ref_leaves).hex()
    for p in exp["proofs"]:
        assert ref_verify(p["index"], exp["size"], ref_leaves[p["index"]],
                          [bytes.fromhex(h) for h in p["proof"]], bytes.fromhex(exp["root"]))


def test_empty_tree_root_is_hash_of_empty_string() -> None:
    """§4: the empty input's root is SHA-256("")."""
    tree = build_input_tree([])
    assert tree.size == 0 and tree.root == hashlib.sha256(b"").digest()


def applicant(i: int, name: str = "张*明") -> Applicant:
    return Applicant(reg=f"R{i:08d}", name=name, school=f"S{i % 7:03d}", district="D01",
                     reg_day=f"2026-06-{11 + i % 10}", attrs=f"{i % 16:x}" * 64)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=0, max_size=40, unique=True), st.randoms())
def test_root_independent_of_record_order(regs: list[int], rnd: Any) -> None:
    """§3.3, G1: import/registration order never changes the input root (DV-2012)."""
    records = [applicant(i) for i in regs]
    shuffled = list(records)
    rnd.shuffle(shuffled)
    a, b = build_input_tree(records), build_input_tree(shuffled)
    assert a.root == b.root and a.leaves == b.leaves
    assert a.root == ref_root(sorted(canonical_json(r.to_json()) for r in records))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=0, max_size=40, unique=True), st.randoms())
def test_streamed_input_root_equals_tree_root(regs: list[int], rnd: Any) -> None:
    """§3.3, issue 13: the roster preview's leaf-bytes root is the tree's root, in any order."""
    records = [applicant(i) for i in regs]
    leaves = [input_leaf(r) for r in records]
    rnd.shuffle(leaves)
    assert input_root(leaves) == build_input_tree(records).root
    assert input_root(iter(leaves)) == ref_root(sorted(leaves))


def test_streamed_input_root_rejects_a_duplicate() -> None:
    leaf = input_leaf(applicant(7))
    with pytest.raises(errors.RecordError, match="duplicate input record"):
        input_root([leaf, input_leaf(applicant(8)), leaf])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=30, unique=True), st.data())
def test_index_of_and_inclusion_proof(regs: list[int], data: st.DataObject) -> None:
    """§14: a family's roster record is found and proved under the input root."""
    records = [applicant(i) for i in regs]
    tree = build_input_tree(records)
    record = data.draw(st.sampled_from(records))
    leaf = canonical_json(record.to_json())
    i = tree.index_of(leaf)
    assert tree.leaves[i] == leaf
    assert ref_verify(i, tree.size, leaf, tree.inclusion_proof(i), tree.root)


def test_missing_record_and_bad_index() -> None:
    tree = build_input_tree([applicant(1), applicant(2)])
    with pytest.raises(errors.RecordError):
        tree.index_of(canonical_json(applicant(3).to_json()))
    for bad in (-1, 2):
        with pytest.raises(errors.RecordError):
            tree.inclusion_proof(bad)


def test_duplicate_record_rejected() -> None:
    """§3.3: duplicates are an error, not silently merged."""
    t = Teacher(school="S001", id="T0001", name="李*")
    with pytest.raises(errors.RecordError):
        input_leaves([t, applicant(1), t])


def test_leaves_sorted_bytewise_not_by_code_point_of_str() -> None:
    """Bytewise UTF-8 order (§3.3), which here equals code-point order; checked explicitly."""
    records = [applicant(1, "\uffff*"), applicant(1, "\U0001f600*"), applicant(1, "a*")]
    leaves = input_leaves(records)
    assert leaves == sorted(leaves) and len(set(leaves)) == 3
