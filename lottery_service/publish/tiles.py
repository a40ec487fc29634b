"""The audit log as C2SP tlog-tiles (PROTOCOL.md §18.1, §18.2): writing and reading.

A tile at level L, index N holds 256 consecutive Merkle Tree Hashes of subtrees
of 256**L leaves (RFC 9162 §2.1.1); level 0 holds leaf hashes, entry bundle N
the entries themselves (big-endian uint16 length prefix each). The rightmost
tiles of a tree of size s are partial: level L has floor(s / 256**L) mod 256
hashes there, served at `tile/L/N.p/W`. Full tiles never change.

Writing is incremental: a `Frontier` (the partial tiles and partial entry bundle
of the published size, a few KiB) plus the new entries is all `TileBuilder`
needs, so an update costs O(new entries), never a rebuild. Reading (`TileReader`)
trusts nothing it fetches: the partial tiles must hash to the checkpoint root,
and every full tile must hash to its place in the tile above it, so any proof
computed from verified tiles is a valid RFC 9162 proof for that root.

Both sides are pure: file access is a `read(path) -> bytes` callable.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Final

from ..core.errors import ProtocolError
from ..core.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_path,
    inclusion_path,
    leaf_hash,
    node_hash,
)

TILE_WIDTH: Final = 256  # tlog-tiles: a full tile is 256 hashes (8,192 bytes)
TILE_HEIGHT: Final = 8  # log2(TILE_WIDTH): tree levels one tile spans
MAX_ENTRY_BYTES: Final = 0xFFFF  # the uint16 length prefix of an entry bundle (§11.1)
MAX_LEVEL: Final = 63  # tlog-tiles: <L> is 0..63

Read = Callable[[str], bytes]


class TileError(ProtocolError):
    """A tile, entry bundle or tiled-log request is invalid; the message says which."""

    section = "18"


class TileConflictError(TileError):
    """A published tile would be replaced by different bytes: the log or the writer forked."""


class TileKind(Enum):
    """The two kinds of tlog-tiles resource (tlog-tiles "Merkle Tree", "Log entries")."""

    HASH = "hash"
    ENTRIES = "entries"


def encode_index(n: int) -> str:
    """tlog-tiles <N>: 3-digit groups, all but the last prefixed `x` (1234067 → x001/x234/067)."""
    if n < 0:
        raise TileError(f"tile index {n} is negative")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]` of a hash tile; width < 256 names a partial tile."""
    if not 0 <= level <= MAX_LEVEL:
        raise TileError(f"tile level {level} is outside 0..{MAX_LEVEL}")
    return f"tile/{level}/{encode_index(index)}{_partial(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """`tile/entries/<N>[.p/<W>]` of an entry bundle; width < 256 names a partial bundle."""
    return f"tile/entries/{encode_index(index)}{_partial(width)}"


def _partial(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise TileError(f"tile width {width} is outside 1..{TILE_WIDTH}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def level_width(size: int, level: int) -> int:
    """Hashes in the partial tile at `level` for a tree of `size`: floor(s/256**L) mod 256."""
    return (size >> (TILE_HEIGHT * level)) % TILE_WIDTH


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry with its big-endian uint16 length."""
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_BYTES:
            raise TileError(f"log entry of {len(entry)} bytes does not fit an entry bundle "
                            f"(at most {MAX_ENTRY_BYTES}, §11.1)")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def decode_bundle(data: bytes, count: int) -> list[bytes]:
    """The `count` entries of a bundle, which must hold exactly that many, nothing after."""
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise TileError("entry bundle ends inside a length prefix")
        n = int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        if pos + n > len(data):
            raise TileError(f"entry bundle ends inside entry {len(entries)}")
        entries.append(data[pos:pos + n])
        pos += n
    if len(entries) != count:
        raise TileError(f"entry bundle has {len(entries)} entries, expected {count}")
    return entries


def split_hashes(data: bytes, count: int) -> list[bytes]:
    """The hashes of a tile, which must be exactly `count` × 32 bytes."""
    if len(data) != count * HASH_SIZE:
        raise TileError(f"tile is {len(data)} bytes, expected {count} hashes "
                        f"({count * HASH_SIZE} bytes)")
    return [data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def subtree_root(hashes: Sequence[bytes]) -> bytes:
    """MTH over a power-of-two run of subtree hashes (RFC 9162 §2.1.1, perfect tree)."""
    level = list(hashes)
    while len(level) > 1:
        pairs = iter(level)
        level = [node_hash(a, b) for a, b in zip(pairs, pairs, strict=True)]
    return level[0]


def _edge_root(widths_hashes: Sequence[Sequence[bytes]]) -> bytes:
    """MTH(D[0:s]) from the partial tiles of size s, bottom level first.

    The bits of s at level L's eight positions are the bits of that level's
    width, so each perfect subtree of RFC 9162's decomposition of s is a
    power-of-two run inside one partial tile; fold them from the right.
    """
    root: bytes | None = None
    for hashes in widths_hashes:
        width = len(hashes)
        end = width
        for bit in range(TILE_HEIGHT):
            if width >> bit & 1:
                run = 1 << bit
                sub = subtree_root(hashes[end - run:end])
                root = sub if root is None else node_hash(sub, root)
                end -= run
    return EMPTY_ROOT if root is None else root


@dataclass(frozen=True)
class TileFile:
    """One tlog-tiles resource to write; `end` is the log size its content depends on."""

    path: str
    data: bytes
    kind: TileKind
    end: int


@dataclass(frozen=True)
class Frontier:
    """The right edge of a tiled log of `size`: what an update needs from the past.

    levels[L] holds the hashes of the partial tile at level L (fewer than 256;
    empty where that level has no partial tile, none above the top one), and
    `entries` the entries of the partial entry bundle.
    """

    size: int
    levels: tuple[tuple[bytes, ...], ...]
    entries: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if self.size < 0:
            raise TileError(f"log size {self.size} is negative")
        for level, hashes in enumerate(self.levels):
            if len(hashes) != level_width(self.size, level):
                raise TileError(f"frontier level {level} has {len(hashes)} hashes, expected "
                                f"{level_width(self.size, level)} for size {self.size}")
        if self.size >> (TILE_HEIGHT * len(self.levels)):
            raise TileError(f"frontier of size {self.size} lacks its top levels")
        if len(self.entries) != level_width(self.size, 0):
            raise TileError(f"frontier has {len(self.entries)} partial-bundle entries, "
                            f"expected {level_width(self.size, 0)}")

    @classmethod
    def empty(cls) -> Frontier:
        return cls(0, (), ())

    @classmethod
    def read(cls, size: int, read: Read) -> Frontier:
        """The frontier of a published log of `size`, from its partial tiles and bundle."""
        levels: list[tuple[bytes, ...]] = []
        level = 0
        while size >> (TILE_HEIGHT * level):
            width = level_width(size, level)
            index = size >> (TILE_HEIGHT * (level + 1))
            hashes = split_hashes(read(tile_path(level, index, width)), width) if width else []
            levels.append(tuple(hashes))
            level += 1
        width = level_width(size, 0)
        entries = (decode_bundle(read(entries_path(size >> TILE_HEIGHT, width)), width)
                   if width else [])
        for i, entry in enumerate(entries):
            if not hmac.compare_digest(leaf_hash(entry), levels[0][i]):
                raise TileError(f"entry {size - width + i} of the partial entry bundle does "
                                "not hash to its level-0 tile hash")
        return cls(size, tuple(levels), tuple(entries))

    def root(self) -> bytes:
        """MTH(D[0:size]) from the edge alone."""
        return _edge_root(self.levels)


@dataclass
class TileBuilder:
    """Extends a tiled log entry by entry, yielding each tile as it becomes full.

    `append` yields the full hash tiles (at every level) and the full entry
    bundle an entry completes; `partial_tiles` then gives the partial tiles of
    the new size that did not exist at the starting size. Nothing else changes,
    so these are exactly the files an update writes.
    """

    start: Frontier
    _levels: list[list[bytes]] = field(init=False)
    _entries: list[bytes] = field(init=False)
    _size: int = field(init=False)

    def __post_init__(self) -> None:
        self._levels = [list(hashes) for hashes in self.start.levels]
        self._entries = list(self.start.entries)
        self._size = self.start.size

    @property
    def size(self) -> int:
        return self._size

    def append(self, entry: bytes) -> Iterator[TileFile]:
        """Add the next entry (seq = current size); yield the full tiles it completes."""
        if len(entry) > MAX_ENTRY_BYTES:
            raise TileError(f"log entry {self._size} is {len(entry)} bytes; an entry bundle "
                            f"holds at most {MAX_ENTRY_BYTES} (§11.1)")
        self._size += 1
        self._entries.append(entry)
        if len(self._entries) == TILE_WIDTH:
            index = (self._size - 1) >> TILE_HEIGHT
            yield TileFile(entries_path(index), encode_bundle(self._entries), TileKind.ENTRIES,
                           self._size)
            self._entries = []
        carry = leaf_hash(entry)
        level = 0
        while True:
            if level == len(self._levels):
                self._levels.append([])
            hashes = self._levels[level]
            hashes.append(carry)
            if len(hashes) < TILE_WIDTH:
                return
            index = (self._size - 1) >> (TILE_HEIGHT * (level + 1))
            yield TileFile(tile_path(level, index), b"".join(hashes), TileKind.HASH, self._size)
            carry = subtree_root(hashes)
            self._levels[level] = []
            level += 1

    def partial_tiles(self) -> list[TileFile]:
        """The partial tiles and bundle of the current size that the start size lacked."""
        before = self.start.size
        files: list[TileFile] = []
        for level, hashes in enumerate(self._levels):
            width = len(hashes)
            shift = TILE_HEIGHT * (level + 1)
            same = (before >> shift, level_width(before, level)) == (self._size >> shift, width)
            if width and not same:
                files.append(TileFile(tile_path(level, self._size >> shift, width),
                                      b"".join(hashes), TileKind.HASH, self._size))
        width = len(self._entries)
        if width and (before >> TILE_HEIGHT, level_width(before, 0)) != (
                self._size >> TILE_HEIGHT, width):
            files.append(TileFile(entries_path(self._size >> TILE_HEIGHT, width),
                                  encode_bundle(self._entries), TileKind.ENTRIES, self._size))
        return files

    def frontier(self) -> Frontier:
        """The frontier of the current size (drops levels above the top tile)."""
        top = 0
        while self._size >> (TILE_HEIGHT * top):
            top += 1
        return Frontier(self._size, tuple(tuple(h) for h in self._levels[:top]),
                        tuple(self._entries))


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2), RFC 9162 §2.1.1 k."""
    return 1 << ((n - 1).bit_length() - 1)


class TileReader:
    """A tiled log of a verified checkpoint (`size`, `root`), read through `read`.

    Every tile is checked before use (the partial edge against the root, a full
    tile against its hash in the tile above), so a tampered or stale file raises
    TileError instead of yielding a wrong proof. Tiles are cached per reader.
    """

    def __init__(self, read: Read, size: int, root: bytes) -> None:
        if size < 0:
            raise TileError(f"log size {size} is negative")
        if len(root) != HASH_SIZE:
            raise TileError(f"root is {len(root)} bytes, expected {HASH_SIZE}")
        self._read = read
        self._size = size
        self._root = root
        self._tiles: dict[tuple[int, int], list[bytes]] = {}
        edge: list[list[bytes]] = []
        level = 0
        while size >> (TILE_HEIGHT * level):
            width = level_width(size, level)
            index = size >> (TILE_HEIGHT * (level + 1))
            hashes = split_hashes(read(tile_path(level, index, width)), width) if width else []
            edge.append(hashes)
            if width:
                self._tiles[(level, index)] = hashes
            level += 1
        if not hmac.compare_digest(_edge_root(edge), root):
            raise TileError(f"the partial tiles of size {size} do not hash to the checkpoint "
                            "root (tampered or missing tiles)")

    @property
    def size(self) -> int:
        return self._size

    def _tile(self, level: int, index: int) -> list[bytes]:
        """Hashes of tile (level, index), verified; full unless it is the edge tile."""
        cached = self._tiles.get((level, index))
        if cached is not None:
            return cached
        available = self._size >> (TILE_HEIGHT * level)  # hashes that exist at this level
        if (index + 1) * TILE_WIDTH > available:
            raise TileError(f"tile {level}/{index} is beyond a log of size {self._size}")
        hashes = split_hashes(self._read(tile_path(level, index)), TILE_WIDTH)
        parent = self._tile(level + 1, index >> TILE_HEIGHT)[index % TILE_WIDTH]
        if not hmac.compare_digest(subtree_root(hashes), parent):
            raise TileError(f"tile {tile_path(level, index)} does not hash to its entry in "
                            f"the tile above (tampered tile)")
        self._tiles[(level, index)] = hashes
        return hashes

    def _perfect(self, lo: int, height: int) -> bytes:
        """MTH(D[lo : lo + 2**height]) for an aligned subtree inside the tree."""
        level, bits = divmod(height, TILE_HEIGHT)
        first = lo >> (TILE_HEIGHT * level)  # index of its first hash at that tile level
        run = 1 << bits
        tile = self._tile(level, first >> TILE_HEIGHT)
        start = first % TILE_WIDTH
        return subtree_root(tile[start:start + run])

    def _mth(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for 0 <= lo < hi <= size, RFC 9162 §2.1.1."""
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            return self._perfect(lo, n.bit_length() - 1)
        k = _split(n)
        return node_hash(self._mth(lo, lo + k), self._mth(lo + k, hi))

    def _check(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise TileError(f"tree size {size} is outside 0..{self._size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[0:size]) from verified tiles; the checkpoint root when size is None."""
        size = self._check(size)
        if size == self._size:
            return self._root
        return self._mth(0, size) if size else EMPTY_ROOT

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < self._size:
            raise TileError(f"leaf index {index} is outside 0..{self._size - 1}")
        return self._tile(0, index >> TILE_HEIGHT)[index % TILE_WIDTH]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf to root."""
        size = self._check(size)
        if not 0 <= index < size:
            raise TileError(f"leaf index {index} is outside 0..{size - 1}")
        return inclusion_path(self._mth, index, size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]) for 0 < old_size <= new_size."""
        new_size = self._check(new_size)
        if not 0 < old_size <= new_size:
            raise TileError(f"consistency proof needs 0 < old size <= new size, got "
                            f"{old_size} and {new_size}")
        return consistency_path(self._mth, old_size, new_size)

    def entries(self, start: int, end: int) -> list[bytes]:
        """Entries start..end-1 from their bundles, each checked against its leaf hash."""
        if not 0 <= start <= end <= self._size:
            raise TileError(f"entry range {start}..{end} is outside 0..{self._size}")
        out: list[bytes] = []
        index = start >> TILE_HEIGHT
        while index * TILE_WIDTH < end:
            first = index * TILE_WIDTH
            width = min(TILE_WIDTH, self._size - first)
            bundle = decode_bundle(self._read(entries_path(index, width)), width)
            hashes = self._tile(0, index)
            for i in range(max(start, first) - first, min(end, first + width) - first):
                if not hmac.compare_digest(leaf_hash(bundle[i]), hashes[i]):
                    raise TileError(f"entry {first + i} in {entries_path(index, width)} does "
                                    "not hash to its level-0 tile hash (tampered bundle)")
                out.append(bundle[i])
            index += 1
        return out

    def entry(self, index: int) -> bytes:
        return self.entries(index, index + 1)[0]
