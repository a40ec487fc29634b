"""The ceremony input tree (PROTOCOL.md §3.3).

A ceremony's input is a set: leaves are canon(record), sorted bytewise, so the
order in which records were imported or registered never changes the input
root (DV-2012 lesson, §16; rule G1). The root and size enter the seed (§5.7),
and a family's roster record is proved by inclusion under the root (§14).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from .canonical import canonical_json
from .errors import RecordError
from .merkle import MerkleTree, leaf_hash, root_of
from .records import InputRecord


def input_leaf(record: InputRecord) -> bytes:
    """A record's leaf: canon(record) (§3.3)."""
    return canonical_json(record.to_json())


def input_leaves(records: Iterable[InputRecord]) -> list[bytes]:
    """canon(record) for every record, ascending bytewise; a duplicate is an error (§3.3)."""
    return [leaf for leaf, _ in _sorted(records)]


def input_root(leaves: Iterable[bytes]) -> bytes:
    """The input root (§3.3) of leaves given in any order, holding only their bytes: the
    root `build_input_tree` gives, for a preview of a province's roster that must not
    hold the records or the tree (§7.1, issue 13)."""
    ordered = sorted(leaves)
    _check_distinct(ordered)
    return root_of(map(leaf_hash, ordered))


def _sorted(records: Iterable[InputRecord]) -> list[tuple[bytes, InputRecord]]:
    pairs = sorted(((input_leaf(r), r) for r in records), key=lambda p: p[0])
    _check_distinct([leaf for leaf, _ in pairs])
    return pairs


def _check_distinct(ordered: list[bytes]) -> None:
    for i in range(1, len(ordered)):
        if ordered[i] == ordered[i - 1]:
            raise RecordError(f"duplicate input record {ordered[i].decode()}", section="3.3")


@dataclass(frozen=True)
class InputTree:
    """The frozen input of one ceremony: sorted leaves and their RFC 9162 root (§3.3, §4)."""

    leaves: tuple[bytes, ...]
    records: tuple[InputRecord, ...]  # records[i] is the record of leaves[i]
    root: bytes
    size: int
    _tree: MerkleTree = field(repr=False, compare=False)

    def index_of(self, leaf: bytes) -> int:
        """Position of canon(record) in the sorted leaves (binary search: they are sorted)."""
        i = bisect_left(self.leaves, leaf)
        if i == self.size or self.leaves[i] != leaf:
            raise RecordError("record is not in the input", section="3.3")
        return i

    def inclusion_proof(self, index: int) -> list[bytes]:
        """RFC 9162 §2.1.3 inclusion proof of leaf `index` under `root` (§14 roster proof)."""
        if not 0 <= index < self.size:
            raise RecordError(f"leaf index {index} outside 0..{self.size - 1}", section="3.3")
        return list(self._tree.inclusion_proof(index, self.size))


def build_input_tree(records: Iterable[InputRecord]) -> InputTree:
    """Build the input tree of a ceremony from its records, in any order."""
    pairs = _sorted(records)
    leaves = tuple(leaf for leaf, _ in pairs)
    tree = MerkleTree([leaf_hash(leaf) for leaf in leaves])
    size = len(leaves)
    return InputTree(leaves=leaves, records=tuple(r for _, r in pairs), root=tree.root(size),
                     size=size, _tree=tree)
