"""tlog-tiles writer and reader (PROTOCOL.md §18.1, §18.2; C2SP tlog-tiles).

The writer is checked against the spec's own examples and against the RFC 9162
tree of `core.merkle` (an independent implementation: levels hashed up front);
incremental updates must produce exactly the files a one-shot build would,
plus the partial tiles of the sizes in between, and never touch a file twice.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from lottery_service.publish.tiles import (
    MAX_ENTRY_BYTES,
    Frontier,
    TileBuilder,
    TileError,
    TileFile,
    TileKind,
    TileReader,
    decode_bundle,
    encode_bundle,
    encode_index,
    entries_path,
    tile_path,
)


def entry(i: int) -> bytes:
    return f'{{"seq":{i},"pad":"{"y" * (i % 37)}"}}'.encode()


def build(store: dict[str, bytes], start: int, end: int) -> list[TileFile]:
    """Extend a published store from `start` to `end` entries; returns the files written."""
    frontier = Frontier.read(start, store.__getitem__) if start else Frontier.empty()
    builder = TileBuilder(frontier)
    files: list[TileFile] = []
    for i in range(start, end):
        files.extend(builder.append(entry(i)))
    files.extend(builder.partial_tiles())
    for f in files:
        assert f.path not in store, f"{f.path} written twice"
        store[f.path] = f.data
    assert builder.frontier().root() == MerkleTree([leaf_hash(entry(i)) for i in range(end)]).root()
    return files


def test_index_encoding_is_the_spec_example_18() -> None:
    assert encode_index(1234067) == "x001/x234/067"
    assert encode_index(0) == "000"
    assert encode_index(999) == "999"
    assert encode_index(1000) == "x001/000"
    assert encode_index(1_000_000) == "x001/x000/000"
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(2, 5, 17) == "tile/2/005.p/17"
    assert entries_path(7, 1) == "tile/entries/007.p/1"
    for bad in (lambda: tile_path(64, 0), lambda: tile_path(0, 0, 0),
                lambda: tile_path(0, 0, 257), lambda: encode_index(-1)):
        with pytest.raises(TileError):
            bad()


def test_size_70000_is_the_spec_example_18() -> None:
    """tlog-tiles: 273 full level-0 tiles, a partial of 112, one full level-1 tile, a
    partial level-1 tile of 17 and a partial level-2 tile of 1."""
    store: dict[str, bytes] = {}
    files = build(store, 0, 70000)
    hashes = sorted(f.path for f in files if f.kind is TileKind.HASH)
    level0 = [p for p in hashes if p.startswith("tile/0/")]
    assert len([p for p in level0 if ".p/" not in p]) == 273
    assert [p for p in level0 if ".p/" in p] == ["tile/0/273.p/112"]
    assert [p for p in hashes if p.startswith("tile/1/")] == ["tile/1/000", "tile/1/001.p/17"]
    assert [p for p in hashes if p.startswith("tile/2/")] == ["tile/2/000.p/1"]
    bundles = [f.path for f in files if f.kind is TileKind.ENTRIES]
    assert len(bundles) == 274 and bundles[-1] == "tile/entries/273.p/112"
    assert len(store["tile/1/001.p/17"]) == 17 * 32


def test_size_256_is_one_full_tile_and_a_partial_level_1_tile_18() -> None:
    store: dict[str, bytes] = {}
    build(store, 0, 256)
    assert sorted(store) == ["tile/0/000", "tile/1/000.p/1", "tile/entries/000"]
    level0 = [leaf_hash(entry(i)) for i in range(256)]
    assert store["tile/0/000"] == b"".join(level0)
    assert store["tile/1/000.p/1"] == MerkleTree(level0).root()
    assert decode_bundle(store["tile/entries/000"], 256) == [entry(i) for i in range(256)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=700), min_size=1, max_size=6))
def test_incremental_updates_write_only_new_files_18(steps: list[int]) -> None:
    """Any sequence of updates yields a one-shot build's files plus the partial tiles of
    the sizes in between; no file is ever written twice (tiles never change)."""
    store: dict[str, bytes] = {}
    sizes = [0]
    for step in steps:
        build(store, sizes[-1], sizes[-1] + step)
        sizes.append(sizes[-1] + step)
    one_shot: dict[str, bytes] = {}
    build(one_shot, 0, sizes[-1])
    extra = {p for p in store if p not in one_shot}
    assert all(store[p] == one_shot[p] for p in one_shot)
    assert all(".p/" in p for p in extra)
    # Every size published on the way stays readable: its partial tiles are kept.
    for size in sizes[1:]:
        tree = MerkleTree([leaf_hash(entry(i)) for i in range(size)])
        if size:
            reader = TileReader(store.__getitem__, size, tree.root())
            assert reader.inclusion_proof(size - 1) == tree.inclusion_proof(size - 1)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=1200), st.data())
def test_reader_proofs_equal_rfc9162_proofs_18(size: int, data: st.DataObject) -> None:
    store: dict[str, bytes] = {}
    build(store, 0, size)
    tree = MerkleTree([leaf_hash(entry(i)) for i in range(size)])
    reader = TileReader(store.__getitem__, size, tree.root())
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    assert reader.inclusion_proof(index) == tree.inclusion_proof(index)
    verify_inclusion(reader.leaf_hash(index), index, size, reader.inclusion_proof(index),
                     tree.root())
    assert reader.consistency_proof(old) == tree.consistency_proof(old)
    assert reader.root(old) == tree.root(old)
    verify_consistency(old, size, reader.root(old), tree.root(), reader.consistency_proof(old))
    assert reader.entry(index) == entry(index)
    lo = data.draw(st.integers(min_value=0, max_value=size))
    assert reader.entries(lo, size) == [entry(i) for i in range(lo, size)]


def test_reader_of_an_older_size_uses_that_sizes_partial_tiles_18() -> None:
    store: dict[str, bytes] = {}
    build(store, 0, 300)
    build(store, 300, 1000)
    tree = MerkleTree([leaf_hash(entry(i)) for i in range(300)])
    reader = TileReader(store.__getitem__, 300, tree.root())
    assert reader.inclusion_proof(299) == tree.inclusion_proof(299)
    assert reader.entries(256, 300) == [entry(i) for i in range(256, 300)]


def test_empty_log_has_the_empty_root_and_no_tiles_18() -> None:
    reader = TileReader({}.__getitem__, 0, hashlib.sha256(b"").digest())
    assert reader.root() == hashlib.sha256(b"").digest()
    with pytest.raises(TileError):
        TileReader({}.__getitem__, 0, bytes(32))
    assert TileBuilder(Frontier.empty()).partial_tiles() == []


@pytest.mark.parametrize("victim", ["tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1",
                                    "tile/entries/000", "tile/entries/001.p/44"])
def test_reader_detects_a_tampered_tile_or_bundle_18(victim: str) -> None:
    store: dict[str, bytes] = {}
    build(store, 0, 300)
    root = MerkleTree([leaf_hash(entry(i)) for i in range(300)]).root()
    data = bytearray(store[victim])
    data[-1] ^= 1
    store[victim] = bytes(data)
    with pytest.raises(TileError):
        reader = TileReader(store.__getitem__, 300, root)
        reader.entries(0, 300)
        reader.inclusion_proof(3)


def test_reader_rejects_a_truncated_tile_18() -> None:
    store: dict[str, bytes] = {}
    build(store, 0, 600)
    root = MerkleTree([leaf_hash(entry(i)) for i in range(600)]).root()
    store["tile/0/001"] = store["tile/0/001"][:-32]
    reader = TileReader(store.__getitem__, 600, root)
    with pytest.raises(TileError, match="expected 256 hashes"):
        reader.inclusion_proof(300)


def test_frontier_read_checks_the_partial_bundle_18() -> None:
    store: dict[str, bytes] = {}
    build(store, 0, 10)
    store["tile/entries/000.p/10"] = encode_bundle([entry(i) for i in range(9)] + [b"{}"])
    with pytest.raises(TileError, match="does not hash"):
        Frontier.read(10, store.__getitem__)


def test_entry_bundle_limits_11_1() -> None:
    biggest = b"z" * MAX_ENTRY_BYTES
    assert decode_bundle(encode_bundle([biggest, b""]), 2) == [biggest, b""]
    with pytest.raises(TileError):
        encode_bundle([biggest + b"z"])
    builder = TileBuilder(Frontier.empty())
    with pytest.raises(TileError, match="at most 65535"):
        list(builder.append(biggest + b"z"))
    with pytest.raises(TileError):
        decode_bundle(b"\x00\x05abc", 1)
    with pytest.raises(TileError):
        decode_bundle(encode_bundle([b"a", b"b"]), 1)
