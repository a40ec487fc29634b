"""Family shards read and written from PROTOCOL.md §18.3 alone (rfc8785, hashlib and
AES-GCM), independently of lottery_service/publish/shards.py, for the tests that open
what the service published or forge what a host could serve."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import rfc8785
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def _m(origin: str, reg: str, factor: str) -> bytes:
    return rfc8785.dumps({"origin": origin, "reg": reg, "factor": factor})


def _h(tag: bytes, origin: str, reg: str, factor: str) -> bytes:
    """H(tag, m) = SHA-256(tag ‖ 0x00 ‖ m) (§2.2)."""
    return hashlib.sha256(tag + b"\x00" + _m(origin, reg, factor)).digest()


def address(origin: str, reg: str, factor: str) -> str:
    return _h(b"sunshine-draw/v2/shard-address", origin, reg, factor).hex()


def key(origin: str, reg: str, factor: str) -> bytes:
    return _h(b"sunshine-draw/v2/shard-key", origin, reg, factor)


def path(base: Path, origin: str, reg: str, factor: str) -> Path:
    """`<event dir>/shards/<aa>/<address>`."""
    a = address(origin, reg, factor)
    return base / "shards" / a[:2] / a


def open_shard(base: Path, origin: str, reg: str, factor: str) -> str | None:
    """The receipt text of the family's shard, None when there is no file at its address."""
    p = path(base, origin, reg, factor)
    if not p.exists():
        return None
    data = p.read_bytes()
    return AESGCM(key(origin, reg, factor)).decrypt(
        data[:12], data[12:], address(origin, reg, factor).encode()).decode("utf-8")


def seal(base: Path, origin: str, reg: str, factor: str, receipt: str) -> None:
    """Write `receipt` as the family's shard with a fresh nonce (a forger with the key)."""
    nonce = os.urandom(12)
    path(base, origin, reg, factor).write_bytes(nonce + AESGCM(key(origin, reg, factor)).encrypt(
        nonce, receipt.encode("utf-8"), address(origin, reg, factor).encode()))
