"""Family shards (PROTOCOL.md §18.3): a family's receipt, findable and readable only
with its registration number and second factor.

    m       = canon({"origin": o, "reg": reg, "factor": f})
    address = hex(H("sunshine-draw/v2/shard-address", m))
    key     = H("sunshine-draw/v2/shard-key", m)
    shard   = nonce ‖ AES-256-GCM(key, nonce, receipt text, aad = UTF8(address))

The address is a hash of the pair, so the publication cannot be enumerated;
the content is a receipt (§14), which holds nothing the public log does not.
The same construction runs in the browser (lottery_service/web/static/shard.js).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..core.canonical import canonical_json
from ..core.errors import ProtocolError
from ..core.hashing import tagged_hash

# §2.2. Kept here until core.hashing moves to the v2 tags, then they belong there.
TAG_SHARD_ADDRESS: Final = "sunshine-draw/v2/shard-address"
TAG_SHARD_KEY: Final = "sunshine-draw/v2/shard-key"

NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
REG: Final = re.compile(r"[A-Z0-9]{4,32}")  # §1
FACTOR: Final = re.compile(r"[0-9]{3}[0-9X]")  # the last four characters of the ID number


class ShardError(ProtocolError):
    """A shard cannot be made or opened; the message says why (Chinese first)."""

    section = "18.3"


@dataclass(frozen=True)
class FamilyReceipt:
    """What the service hands the writer for one family: who, and its receipt text (§14)."""

    reg: str
    factor: str = field(repr=False)
    receipt: str = field(repr=False)


@dataclass(frozen=True)
class Shard:
    """A sealed shard: its address (64 hex) and file content (nonce ‖ ciphertext ‖ tag)."""

    address: str
    data: bytes = field(repr=False)

    @property
    def path(self) -> str:
        return shard_path(self.address)


def _message(origin: str, reg: str, factor: str) -> bytes:
    if not REG.fullmatch(reg):
        raise ShardError(f"报名号 {reg!r} 格式不对（4–32 位大写字母或数字）；registration "
                         f"number {reg!r} does not match {REG.pattern} (§1)")
    if not FACTOR.fullmatch(factor):
        raise ShardError("身份证后四位格式不对（三位数字加一位数字或大写 X）；the second factor "
                         f"does not match {FACTOR.pattern} (upper case, §18.3)")
    if not origin:
        raise ShardError("日志来源为空；the log origin is empty (§12.1)")
    return canonical_json({"origin": origin, "reg": reg, "factor": factor})


def shard_address(origin: str, reg: str, factor: str) -> str:
    """hex(H(shard-address, m)): the file name, 64 lower-case hex characters."""
    return tagged_hash(TAG_SHARD_ADDRESS, _message(origin, reg, factor)).hex()


def shard_key(origin: str, reg: str, factor: str) -> bytes:
    """H(shard-key, m): the 32-byte AES-256-GCM key."""
    return tagged_hash(TAG_SHARD_KEY, _message(origin, reg, factor))


def shard_path(address: str) -> str:
    """`shards/<first two characters of address>/<address>`."""
    if not re.fullmatch(r"[0-9a-f]{64}", address):
        raise ShardError(f"shard address {address!r} is not 64 lower-case hex characters")
    return f"shards/{address[:2]}/{address}"


def seal(origin: str, family: FamilyReceipt, nonce: bytes | None = None) -> Shard:
    """Encrypt a family's receipt; `nonce` is random unless given (test vectors only)."""
    message = _message(origin, family.reg, family.factor)
    address = tagged_hash(TAG_SHARD_ADDRESS, message).hex()
    key = tagged_hash(TAG_SHARD_KEY, message)
    if nonce is None:
        nonce = os.urandom(NONCE_BYTES)
    if len(nonce) != NONCE_BYTES:
        raise ShardError(f"nonce is {len(nonce)} bytes, expected {NONCE_BYTES}")
    sealed = AESGCM(key).encrypt(nonce, family.receipt.encode("utf-8"), address.encode("ascii"))
    return Shard(address, nonce + sealed)


def open_shard(origin: str, reg: str, factor: str, data: bytes) -> str:
    """Decrypt a shard found at the family's address; its receipt text (§14)."""
    message = _message(origin, reg, factor)
    address = tagged_hash(TAG_SHARD_ADDRESS, message).hex()
    if len(data) < NONCE_BYTES + TAG_BYTES:
        raise ShardError(f"结果文件不完整；shard is {len(data)} bytes, shorter than a nonce "
                         "and a tag")
    try:
        plain = AESGCM(tagged_hash(TAG_SHARD_KEY, message)).decrypt(
            data[:NONCE_BYTES], data[NONCE_BYTES:], address.encode("ascii"))
    except InvalidTag:
        raise ShardError("结果文件无法解密（报名号或身份证后四位不对，或文件被改动）；shard does "
                         "not decrypt: wrong registration number or factor, or a tampered "
                         "file") from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise ShardError("shard plaintext is not UTF-8") from None
