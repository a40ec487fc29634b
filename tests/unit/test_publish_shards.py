"""Family shards (PROTOCOL.md §18.3) against the §2.2 definitions written out by hand."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from lottery_service.publish.shards import (
    FamilyReceipt,
    ShardError,
    open_shard,
    seal,
    shard_address,
    shard_key,
    shard_path,
)

ORIGIN = "zsb.example.gov.cn/sunshine/demo-2026"
# canon({"origin", "reg", "factor"}) by hand: keys sorted, no whitespace (§2.1).
MESSAGE = b'{"factor":"123X","origin":"zsb.example.gov.cn/sunshine/demo-2026","reg":"2026000001"}'
RECEIPT = "c2sp.org/tlog-proof@v1\nextra e30=\nindex 0\n\n— 测试 receipt\n"


def test_address_and_key_are_the_tagged_hashes_of_section_2_2() -> None:
    address = hashlib.sha256(b"sunshine-draw/v2/shard-address\x00" + MESSAGE).hexdigest()
    key = hashlib.sha256(b"sunshine-draw/v2/shard-key\x00" + MESSAGE).digest()
    assert shard_address(ORIGIN, "2026000001", "123X") == address
    assert shard_key(ORIGIN, "2026000001", "123X") == key
    assert shard_path(address) == f"shards/{address[:2]}/{address}"


def test_shard_is_nonce_then_aes_gcm_with_the_address_as_aad_18_3() -> None:
    nonce = bytes(range(12))
    shard = seal(ORIGIN, FamilyReceipt("2026000001", "123X", RECEIPT), nonce=nonce)
    key = hashlib.sha256(b"sunshine-draw/v2/shard-key\x00" + MESSAGE).digest()
    expected = nonce + AESGCM(key).encrypt(nonce, RECEIPT.encode(), shard.address.encode())
    assert shard.data == expected
    assert open_shard(ORIGIN, "2026000001", "123X", shard.data) == RECEIPT
    # Random nonces: two seals of one receipt differ, both open.
    again = seal(ORIGIN, FamilyReceipt("2026000001", "123X", RECEIPT))
    assert again.address == shard.address and again.data != shard.data
    assert open_shard(ORIGIN, "2026000001", "123X", again.data) == RECEIPT


def test_a_shard_opens_only_with_its_own_reg_factor_origin_and_bytes_18_3() -> None:
    shard = seal(ORIGIN, FamilyReceipt("2026000001", "123X", RECEIPT))
    for origin, reg, factor in [(ORIGIN, "2026000001", "1234"), (ORIGIN, "2026000002", "123X"),
                                (ORIGIN + "x", "2026000001", "123X")]:
        with pytest.raises(ShardError, match="无法解密"):
            open_shard(origin, reg, factor, shard.data)
    for i in (0, 12, len(shard.data) - 1):
        tampered = bytearray(shard.data)
        tampered[i] ^= 1
        with pytest.raises(ShardError):
            open_shard(ORIGIN, "2026000001", "123X", bytes(tampered))
    # The AAD binds the address: the right key under another address does not open.
    key = shard_key(ORIGIN, "2026000001", "123X")
    moved = bytes(12) + AESGCM(key).encrypt(bytes(12), b"x", b"0" * 64)
    with pytest.raises(ShardError):
        open_shard(ORIGIN, "2026000001", "123X", moved)
    with pytest.raises(ShardError, match="不完整"):
        open_shard(ORIGIN, "2026000001", "123X", b"short")


@pytest.mark.parametrize("reg,factor", [("2026-01", "123X"), ("abc1", "123X"),
                                        ("2026000001", "123x"), ("2026000001", "12345"),
                                        ("2026000001", "X123")])
def test_malformed_reg_or_factor_is_refused_with_chinese_first_18_3(reg: str,
                                                                     factor: str) -> None:
    with pytest.raises(ShardError) as info:
        shard_address(ORIGIN, reg, factor)
    assert "\u4e00" <= str(info.value)[0] <= "\u9fff"


@given(st.from_regex(r"[A-Z0-9]{4,32}", fullmatch=True),
       st.from_regex(r"[0-9]{3}[0-9X]", fullmatch=True), st.text(max_size=200))
def test_seal_then_open_round_trips_18_3(reg: str, factor: str, receipt: str) -> None:
    shard = seal(ORIGIN, FamilyReceipt(reg, factor, receipt))
    assert shard.address == shard_address(ORIGIN, reg, factor)
    assert open_shard(ORIGIN, reg, factor, shard.data) == receipt
