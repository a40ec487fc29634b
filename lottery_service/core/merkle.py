"""RFC 6962 / RFC 9162 Merkle trees over SHA-256: roots, proofs, verification.

The public log of a draw is a Merkle tree; auditors hold only roots and proofs,
so this module must agree bit for bit with every other RFC 9162 implementation
(checked against the transparency-dev/merkle vectors in tests/unit/test_merkle.py).

* MTH({}) = SHA-256(""), leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || l || r)
  (RFC 9162 §2.1.1).
* Proofs list sibling hashes from the leaf (or old subtree) up to the root, as
  RFC 9162 §2.1.3.1 PATH and §2.1.4.1 PROOF define them.
* Verifiers raise MerkleError saying what failed; they never return a bool that
  a caller could forget to check. Every hash must be exactly 32 bytes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from typing import Final

HASH_SIZE: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()

_EDGES_KEPT: Final = 4096  # right-edge roots a tree keeps (range_root)
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"


class MerkleError(Exception):
    """A Merkle proof or tree request is invalid; the message says what failed."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: SHA-256(0x01 || MTH(left) || MTH(right))."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2), RFC 9162 §2.1.1 k."""
    return 1 << ((n - 1).bit_length() - 1)


def range_root(levels: Sequence[Sequence[bytes]], edges: dict[tuple[int, int], bytes],
               lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for 0 <= lo < hi (RFC 9162 §2.1.1) from stored complete-subtree
    roots, `levels[k][i]` over leaves [i·2^k, (i+1)·2^k). A range that is not a complete
    subtree (a prefix's right edge) is folded once and kept in `edges`: every proof
    under one size asks for the same few, and the leaves under them never change."""
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:
        k = n.bit_length() - 1
        return levels[k][lo >> k]
    edge = edges.get((lo, hi))
    if edge is None:
        if len(edges) >= _EDGES_KEPT:
            edges.clear()
        k = _split(n)
        edge = edges[lo, hi] = node_hash(range_root(levels, edges, lo, lo + k),
                                         range_root(levels, edges, lo + k, hi))
    return edge


def inclusion_path(mth: Callable[[int, int], bytes], index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf to root, from any tree's
    MTH(D[lo:hi]); the caller has checked 0 <= index < size."""
    proof: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            proof.append(mth(lo + k, hi))
            hi = lo + k
        else:
            proof.append(mth(lo, lo + k))
            lo += k
    proof.reverse()
    return proof


def consistency_path(mth: Callable[[int, int], bytes], old_size: int,
                     new_size: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]), bottom up, from any tree's
    MTH(D[lo:hi]); the caller has checked 0 < old_size <= new_size."""
    proof: list[bytes] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(mth(lo + k, hi))
            hi = lo + k
        else:
            proof.append(mth(lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    # SUBPROOF(m, D[m], b): {} when b (the old root itself), else {MTH(D[m])}.
    if not complete:
        proof.append(mth(lo, hi))
    proof.reverse()
    return proof


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise MerkleError(f"{what} is {len(value)} bytes, expected {HASH_SIZE}")


def _check_proof(proof: Sequence[bytes], what: str) -> None:
    for i, h in enumerate(proof):
        _check_hash(h, f"{what}[{i}]")


class MerkleTree:
    """An immutable tree over leaf hashes; every level is hashed once, up front.

    levels[k][i] is the root of the complete subtree over leaves
    [i * 2**k, (i + 1) * 2**k). Any MTH(D[lo:hi]) needed by a prefix root or a
    proof is then a fold of O(log n) stored subtree roots, so the root of any
    prefix size and every proof are cheap after construction.
    """

    __slots__ = ("_edges", "_levels", "_root", "_size")

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        level = list(leaf_hashes)
        for i, h in enumerate(level):
            if len(h) != HASH_SIZE:
                raise MerkleError(f"leaf hash {i} is {len(h)} bytes, expected {HASH_SIZE}")
        self._size = len(level)
        self._edges: dict[tuple[int, int], bytes] = {}  # range_root's right edges
        self._levels: list[list[bytes]] = [level]
        sha256 = hashlib.sha256
        prefix = _NODE_PREFIX
        # Tight loop: pair consecutive nodes; an odd last node has no complete parent.
        while len(level) > 1:
            pairs = iter(level)
            level = [sha256(prefix + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
            self._levels.append(level)
        self._root = self._mth(0, self._size) if self._size else EMPTY_ROOT

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self._size

    def _mth(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for 0 <= lo < hi <= size, RFC 9162 §2.1.1."""
        return range_root(self._levels, self._edges, lo, hi)

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise MerkleError(f"tree size {size} is outside 0..{self._size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[0:size]); the full tree when size is None."""
        size = self._check_size(size)
        if size == self._size:
            return self._root
        return self._mth(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), ordered leaf to root."""
        size = self._check_size(size)
        if not 0 <= index < size:
            raise MerkleError(f"leaf index {index} is outside 0..{size - 1}")
        return inclusion_path(self._mth, index, size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]), ordered bottom up.

        Defined for 0 < old_size <= new_size (empty when they are equal). A tree
        of size 0 is a prefix of every tree, so no proof exists for it and
        verify_consistency refuses one: callers handle an empty old tree.
        """
        new_size = self._check_size(new_size)
        if not 0 < old_size <= new_size:
            raise MerkleError(
                f"consistency proof needs 0 < old size <= new size, got {old_size} and {new_size}"
            )
        return consistency_path(self._mth, old_size, new_size)


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH over the given leaf hashes, streamed: only one subtree root per bit of the
    count so far is held (a province's roster preview is not a tree, issue 13).

    `stack` holds the roots of the complete subtrees the leaves so far decompose
    into, largest first; folding it right to left at the end splits each range at
    its largest power of two, as RFC 9162 §2.1.1 does.
    """
    stack: list[bytes] = []
    for count, h in enumerate(leaf_hashes, start=1):
        _check_hash(h, f"leaf hash {count - 1}")
        carry = count
        while not carry & 1:  # each trailing zero of the count completes a subtree
            h = node_hash(stack.pop(), h)
            carry >>= 1
        stack.append(h)
    if not stack:
        return EMPTY_ROOT
    root = stack.pop()
    while stack:
        root = node_hash(stack.pop(), root)
    return root


def _inclusion_proof_length(index: int, size: int) -> int:
    """Hashes in PATH(index, D[size]): the inner part below where the paths to
    index and size-1 diverge, plus one border hash per left subtree above it."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: raise MerkleError unless proof puts leaf_hash at index."""
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root")
    _check_proof(proof, "inclusion proof")
    # Step 1.
    if not 0 <= index < size:
        raise MerkleError(f"leaf index {index} is outside 0..{size - 1}")
    expected = _inclusion_proof_length(index, size)
    if len(proof) != expected:
        raise MerkleError(f"inclusion proof has {len(proof)} hashes, expected {expected}")
    # Steps 2-4.
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise MerkleError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # Step 5.
    if sn != 0:
        raise MerkleError("inclusion proof is shorter than the path to the root")
    if not hmac.compare_digest(r, root):
        raise MerkleError("inclusion proof does not lead to the expected root")


def _consistency_proof_length(old_size: int, new_size: int) -> int:
    """Hashes in PROOF(old, D[new]) for 0 < old < new: the inclusion path of leaf
    old-1, cut below the largest complete subtree ending at old, plus that
    subtree's root unless it is the whole old tree."""
    shift = (old_size & -old_size).bit_length() - 1
    inner = (((old_size - 1) ^ (new_size - 1)) >> shift).bit_length()
    border = ((old_size - 1) >> shift >> inner).bit_count()
    seed = 0 if old_size == 1 << shift else 1
    return seed + inner + border


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise MerkleError unless D[0:old] is a prefix of D[0:new].

    Outside the RFC's 0 < old < new: equal sizes need an empty proof and equal
    roots (the empty root when both are 0; otherwise the roots are only compared,
    as in the RFC), and old size 0 < new size is refused, as the vectors require.
    """
    _check_proof(proof, "consistency proof")
    if not 0 <= old_size <= new_size:
        raise MerkleError(
            f"consistency needs 0 <= old size <= new size, got {old_size}, {new_size}"
        )
    if old_size == new_size:
        if proof:
            raise MerkleError(f"consistency proof between equal sizes has {len(proof)} hashes")
        if not hmac.compare_digest(old_root, new_root):
            raise MerkleError("roots of equal tree sizes differ")
        if old_size == 0 and not hmac.compare_digest(old_root, EMPTY_ROOT):
            raise MerkleError("root of the empty tree is not SHA-256 of the empty string")
        return
    if old_size == 0:
        raise MerkleError("consistency proof from an empty tree is meaningless")
    # Roots enter the computation from here on, so they must be real hashes.
    _check_hash(old_root, "old root")
    _check_hash(new_root, "new root")
    # Step 1.
    if not proof:
        raise MerkleError("consistency proof is empty")
    expected = _consistency_proof_length(old_size, new_size)
    if len(proof) != expected:
        raise MerkleError(f"consistency proof has {len(proof)} hashes, expected {expected}")
    # Step 2.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # Steps 3-4.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Steps 5-6.
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise MerkleError("consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise MerkleError("consistency proof is shorter than the path to the root")
    if not hmac.compare_digest(fr, old_root):
        raise MerkleError("consistency proof does not reproduce the old root")
    if not hmac.compare_digest(sr, new_root):
        raise MerkleError("consistency proof does not reproduce the new root")
