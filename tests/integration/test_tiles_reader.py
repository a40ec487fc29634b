"""An independent tlog-tiles reader, written from the C2SP texts alone, reads what
`lottery_service.publish` writes (PROTOCOL.md §18.2; issue 13 acceptance).

Nothing from lottery_service is used to read: only to produce the publication
(tests/publish_support.py). The reader below follows, in order:

* c2sp.org/signed-note and c2sp.org/tlog-checkpoint: the note text, its
  `— name base64(key id ‖ signature)` lines, Ed25519 over the text, the key id
  SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]; the body `origin\\nsize\\nbase64 root\\n`;
* c2sp.org/tlog-tiles: `tile/<L>/<N>[.p/<W>]` with N in 3-digit groups, `x` on
  all but the last; tile n at level l is MTH(D[(n*256+i)*256**l : (n*256+i+1)*256**l]),
  i = 0..255; the partial tile at level l of a size-s tree has floor(s/256**l) mod 256
  hashes; entry bundles `tile/entries/<N>[.p/<W>]` are uint16-big-endian
  length-prefixed entries, each hashing (RFC 6962 §2.1) to its level-0 hash;
* RFC 9162 §2.1: MTH, PATH and PROOF, and the verification algorithms of
  §2.1.3.2 and §2.1.4.2, which every computed proof must pass.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.publish_support import SignedLog, publish

Fetch = Callable[[str], bytes]


# --- c2sp.org/signed-note and tlog-checkpoint -------------------------------------------

def open_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    """Verify the log's signature on a checkpoint note; return (origin, size, root)."""
    name, key_hex, key_b64 = vkey.split("+", 2)  # names have no "+"; base64 may
    key_bytes = base64.b64decode(key_b64, validate=True)
    assert key_bytes[0] == 0x01 and len(key_bytes) == 33
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + key_bytes[1:]).digest()[:4]
    assert key_id.hex() == key_hex
    text, _, signatures = note.partition("\n\n")
    text += "\n"
    verified = False
    for line in signatures.splitlines():
        dash, signer, sig_b64 = line.split(" ")
        assert dash == "\u2014"
        sig = base64.b64decode(sig_b64, validate=True)
        if signer == name and sig[:4] == key_id:
            Ed25519PublicKey.from_public_bytes(key_bytes[1:]).verify(sig[4:], text.encode())
            verified = True
    assert verified, "no signature of the log key"
    origin, size, root_b64 = text[:-1].split("\n")
    assert size == str(int(size))
    root = base64.b64decode(root_b64, validate=True)
    assert len(root) == 32
    return origin, int(size), root


# --- c2sp.org/tlog-tiles ------------------------------------------------------------------

def n_path(n: int) -> str:
    parts = []
    while True:
        parts.append(n % 1000)
        n //= 1000
        if n == 0:
            break
    parts.reverse()
    return "/".join([f"x{p:03d}" for p in parts[:-1]] + [f"{parts[-1]:03d}"])


def width_suffix(width: int) -> str:
    return "" if width == 256 else f".p/{width}"


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


class TiledLog:
    """Reads a tiled log of a verified (size, root) through `fetch`."""

    def __init__(self, fetch: Fetch, size: int, root: bytes) -> None:
        self.fetch, self.size, self.root = fetch, size, root
        self._tiles: dict[tuple[int, int], list[bytes]] = {}
        self.perfect = cache(self._perfect)

    def tile(self, level: int, n: int) -> list[bytes]:
        """Tile n at level l for this size: full, or the partial one at the right edge."""
        if (level, n) not in self._tiles:
            hashes_at_level = self.size // 256**level
            width = min(256, hashes_at_level - n * 256)
            assert width > 0, "empty tiles are never fetched"
            data = self.fetch(f"tile/{level}/{n_path(n)}{width_suffix(width)}")
            assert len(data) == 32 * width
            self._tiles[(level, n)] = [data[i:i + 32] for i in range(0, len(data), 32)]
        return self._tiles[(level, n)]

    def bundle(self, n: int) -> list[bytes]:
        width = min(256, self.size - n * 256)
        data = self.fetch(f"tile/entries/{n_path(n)}{width_suffix(width)}")
        entries, pos = [], 0
        while pos < len(data):
            length = int.from_bytes(data[pos:pos + 2], "big")
            entries.append(data[pos + 2:pos + 2 + length])
            pos += 2 + length
        assert pos == len(data) and len(entries) == width
        return entries

    def _perfect(self, height: int, index: int) -> bytes:
        """MTH of leaves [index*2**h, (index+1)*2**h): a tile hash when h is a multiple
        of 8, else the node over its two halves."""
        if height % 8 == 0:
            level, i = height // 8, index
            return self.tile(level, i // 256)[i % 256]
        return node(self.perfect(height - 1, 2 * index), self.perfect(height - 1, 2 * index + 1))

    def mth(self, lo: int, hi: int) -> bytes:
        """RFC 9162 §2.1.1 MTH(D[lo:hi]) from tiles."""
        n = hi - lo
        if n == 0:
            return sha256(b"")
        if n & (n - 1) == 0 and lo % n == 0:
            return self.perfect(n.bit_length() - 1, lo // n)
        k = 1 << ((n - 1).bit_length() - 1)
        return node(self.mth(lo, lo + k), self.mth(lo + k, hi))

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(m, D[lo:hi])."""
        if hi - lo == 1:
            return []
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if m < k:
            return [*self.path(m, lo, lo + k), self.mth(lo + k, hi)]
        return [*self.path(m - k, lo + k, hi), self.mth(lo, lo + k)]

    def subproof(self, m: int, lo: int, hi: int, b: bool) -> list[bytes]:
        """RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b)."""
        n = hi - lo
        if m == n:
            return [] if b else [self.mth(lo, hi)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return [*self.subproof(m, lo, lo + k, b), self.mth(lo + k, hi)]
        return [*self.subproof(m - k, lo + k, hi, False), self.mth(lo, lo + k)]


# --- RFC 9162 §2.1.3.2 and §2.1.4.2 ---------------------------------------------------------

def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes],
                     root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes,
                       proof: list[bytes]) -> bool:
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0 or not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_hash, *proof]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


# --- The checks -------------------------------------------------------------------------

def read_all(base: Path, vkey: str, origin: str) -> tuple[int, bytes, list[bytes], TiledLog]:
    """Everything a monitor checks at the served checkpoint; returns its entries."""
    def fetch(path: str) -> bytes:
        return (base / path).read_bytes()

    got_origin, size, root = open_checkpoint(fetch("checkpoint").decode(), vkey)
    assert got_origin == origin
    log = TiledLog(fetch, size, root)
    assert log.mth(0, size) == root, "tiles do not hash to the checkpoint root"
    entries: list[bytes] = []
    for n in range((size + 255) // 256):
        entries.extend(log.bundle(n))
    assert len(entries) == size
    leaves = [sha256(b"\x00" + e) for e in entries]
    # The formal definition of every tile, level by level, from the leaves up.
    level_hashes = leaves
    level = 0
    while level_hashes:
        for n in range((len(level_hashes) + 255) // 256):
            assert log.tile(level, n) == level_hashes[n * 256:(n + 1) * 256]
        full = len(level_hashes) // 256
        level_hashes = [mth_of(level_hashes[i * 256:(i + 1) * 256]) for i in range(full)]
        level += 1
    assert not (base / "tile" / str(level)).exists(), "a level above the top tile"
    for index, leaf in enumerate(leaves):
        proof = log.path(index, 0, size)
        assert verify_inclusion(leaf, index, size, proof, root), index
    return size, root, entries, log


def mth_of(hashes: list[bytes]) -> bytes:
    while len(hashes) > 1:
        hashes = [node(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


SIZES = [0, 1, 255, 256, 257, 65535, 65536, 65537]


@pytest.mark.slow
def test_independent_reader_across_tile_boundaries_and_updates(tmp_path: Path) -> None:
    log = SignedLog("boundary-2026")
    root_dir = tmp_path / "pub"
    base = root_dir / log.event
    vkey = log.signer.verifier_key()
    seen: list[tuple[int, bytes]] = []
    for size in SIZES:
        publish(root_dir, log, size)
        got, root, entries, tiles = read_all(base, vkey, log.origin)
        assert got == size and entries == log.entries[:size]
        for old, old_root in seen:  # every earlier checkpoint is a prefix of this one
            proof = tiles.subproof(old, 0, size, True) if old else []
            if old:
                assert verify_consistency(old, size, old_root, root, proof), (old, size)
            assert tiles.mth(0, old) == old_root
        seen.append((size, root))


@pytest.mark.parametrize("size", [1, 255, 256, 257, 511, 512, 513])
def test_independent_reader_one_shot(tmp_path: Path, size: int) -> None:
    log = SignedLog("oneshot-2026")
    publish(tmp_path, log, size)
    got, _, entries, _ = read_all(tmp_path / log.event, log.signer.verifier_key(), log.origin)
    assert (got, entries) == (size, log.entries[:size])


def test_older_checkpoints_stay_readable_after_updates(tmp_path: Path) -> None:
    """A reader holding a cached older checkpoint still finds its partial tiles."""
    log = SignedLog("cached-2026")
    notes = {}
    for size in (3, 300, 700, 1025):
        publish(tmp_path, log, size)
        notes[size] = log.note(size)
    base = tmp_path / log.event
    for size, note in notes.items():
        _, got, root = open_checkpoint(note, log.signer.verifier_key())
        tiles = TiledLog(lambda p: (base / p).read_bytes(), got, root)
        assert tiles.mth(0, size) == root
        assert tiles.bundle((size - 1) // 256)[-1] == log.entries[size - 1]
