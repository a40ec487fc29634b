"""RFC 9162 §2.1 Merkle trees with SHA-256 (PROTOCOL.md §4).

Written from the RFC text: MTH, PATH and PROOF/SUBPROOF for generation, and the
§2.1.3.2 / §2.1.4.2 verification algorithms step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


class MerkleProofError(ValueError):
    """A proof does not verify, or arguments are out of range."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes], size: int | None = None) -> bytes:
    """MTH of the first ``size`` leaf hashes.

    Computed level by level; carrying an odd last node up unchanged gives the
    same tree as RFC 9162's split at the largest power of two.
    """
    n = len(leaves) if size is None else size
    if n > len(leaves):
        raise MerkleProofError("size exceeds the number of leaves")
    if n == 0:
        return EMPTY_ROOT
    level = list(leaves[:n])
    sha = hashlib.sha256
    while len(level) > 1:
        # Pairs (0, 1), (2, 3), ...; an odd last node has no partner (strict=False).
        nxt = [sha(b"\x01" + left + right).digest()
               for left, right in zip(level[::2], level[1::2], strict=False)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def _mth(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    return root(leaves[lo:hi])


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1."""
    if not 0 <= index < size <= len(leaves):
        raise MerkleProofError("index or size out of range")
    proof: list[bytes] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            proof.append(_mth(leaves, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_mth(leaves, lo, lo + k))
            lo, m = lo + k, m - k
    proof.reverse()
    return proof


def consistency_proof(leaves: Sequence[bytes], old: int, new: int) -> list[bytes]:
    """PROOF(old, D[0:new]) of RFC 9162 §2.1.4.1 (empty when old is 0 or new)."""
    if not 0 <= old <= new <= len(leaves):
        raise MerkleProofError("sizes out of range")
    if old in (0, new):
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                proof.append(_mth(leaves, lo, hi))
            break
        k = _split(n)
        if m <= k:
            proof.append(_mth(leaves, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_mth(leaves, lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    proof.reverse()
    return proof


def _sizes(*hashes: bytes) -> None:
    if any(len(h) != 32 for h in hashes):
        raise MerkleProofError("a hash is not 32 bytes")


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root_hash: bytes) -> None:
    """RFC 9162 §2.1.3.2; raises MerkleProofError unless the proof holds."""
    _sizes(leaf, root_hash, *proof)
    if index < 0 or index >= size:
        raise MerkleProofError("leaf index not below tree size")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise MerkleProofError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleProofError("inclusion proof too short")
    if r != root_hash:
        raise MerkleProofError("inclusion proof does not lead to the root")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2; raises MerkleProofError unless the proof holds.

    A proof from the empty tree is rejected as meaningless (RFC 9162 needs
    0 < old); callers treat size 0 as trivially consistent before calling.
    """
    if old < 0 or old > new:
        raise MerkleProofError("old size exceeds new size")
    if old == 0:
        raise MerkleProofError("consistency from the empty tree is meaningless")
    if old == new:
        if proof:
            raise MerkleProofError("non-empty proof between equal sizes")
        if old_root != new_root:
            raise MerkleProofError("same size, different roots")
        return
    _sizes(old_root, new_root, *proof)
    if not proof:
        raise MerkleProofError("empty consistency proof")
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise MerkleProofError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleProofError("consistency proof too short")
    if fr != old_root or sr != new_root:
        raise MerkleProofError("consistency proof does not match the roots")


class RootStream:
    """RFC 9162 roots of the prefixes of a leaf sequence fed one hash at a time.

    Keeps only the roots of the perfect subtrees the prefix splits into (RFC 9162
    §2.1.1's split at the largest power of two, recursively), plus up to `BLOCK`
    leaves not yet folded: O(log n) memory, so the verifier never holds every leaf
    of a province log to check its checkpoints. Leaves are folded a block at a time
    (one perfect subtree of BLOCK leaves, level by level), which costs one hash per
    node and almost no interpreter work per leaf.
    """

    BLOCK = 256

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []
        """(leaves, root) of perfect subtrees, largest (leftmost) first."""
        self._pending: list[bytes] = []

    def push(self, leaf: bytes) -> None:
        self._pending.append(leaf)
        self.size += 1
        if len(self._pending) == self.BLOCK:
            self._carry(self.BLOCK, _perfect(self._pending))
            self._pending = []

    def extend(self, leaves: list[bytes]) -> None:
        """push() each leaf, a block at a time."""
        k = 0
        while k < len(leaves):
            chunk = leaves[k:k + self.BLOCK - len(self._pending)]
            self._pending += chunk
            self.size += len(chunk)
            k += len(chunk)
            if len(self._pending) == self.BLOCK:
                self._carry(self.BLOCK, _perfect(self._pending))
                self._pending = []

    def _carry(self, n: int, h: bytes) -> None:
        stack = self._stack
        while stack and stack[-1][0] == n:  # equal subtrees merge, as binary addition carries
            h = hashlib.sha256(b"\x01" + stack.pop()[1] + h).digest()
            n *= 2
        stack.append((n, h))

    def root(self) -> bytes:
        """MTH of the leaves pushed so far."""
        parts = [h for _, h in self._stack]
        if self._pending:
            parts.append(root(self._pending))
        if not parts:
            return EMPTY_ROOT
        h = parts[-1]
        for left in reversed(parts[:-1]):
            h = hashlib.sha256(b"\x01" + left + h).digest()
        return h


def _perfect(level: list[bytes]) -> bytes:
    """Root of a power-of-two number of leaf hashes, a level at a time."""
    sha = hashlib.sha256
    while len(level) > 1:
        level = [sha(b"\x01" + a + b).digest() for a, b in zip(level[::2], level[1::2],
                                                               strict=True)]
    return level[0]
