"""Ceremony values (PROTOCOL.md §2.2, §3.1, §5): hashes, commitments, seed, keys."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from verifier.strict import canon

TAG_RULES = "sunshine-draw/v2/rules"
TAG_PARTICIPANTS = "sunshine-draw/v2/participants"
TAG_COMMITMENT = "sunshine-draw/v2/commitment"
TAG_ESCROW = "sunshine-draw/v2/escrow"
TAG_SEED = "sunshine-draw/v2/seed"
TAG_NUMBER = "sunshine-draw/v2/lottery-number"
TAG_TEACHER_KEY = "sunshine-draw/v2/teacher-key"
TAG_ATTRIBUTES = "sunshine-draw/v2/attributes"
# §9's keys are "as §9 lists them" (§2.2); the §9 text on this branch still names v1 tags.
TAG_GROUPING_KEY = "sunshine-draw/v1/grouping-key"
TAG_CLASS_ORDER = "sunshine-draw/v1/class-order"


def tagged_hash(tag: str, message: bytes) -> bytes:
    """H(tag, m) = SHA-256(UTF8(tag) ‖ 0x00 ‖ m) (§2.2)."""
    return hashlib.sha256(tag.encode() + b"\x00" + message).digest()


def keyed(key: bytes, tag: str) -> Callable[[str], bytes]:
    """K(key, tag, ·) as a fast function of the id (§2.2).

    HMAC-SHA256 with the inner and outer pads absorbed once; each call then
    copies two hash states (about half a microsecond).
    """
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\x00")
    inner = hashlib.sha256(bytes(x ^ 0x36 for x in key) + tag.encode() + b"\x00")
    outer = hashlib.sha256(bytes(x ^ 0x5C for x in key))

    def k(ident: str) -> bytes:
        h = inner.copy()
        h.update(ident.encode())
        o = outer.copy()
        o.update(h.digest())
        return o.digest()

    return k


def rules_hash(rules: Any) -> bytes:
    return tagged_hash(TAG_RULES, canon(rules))


def participants_hash(participants: Any) -> bytes:
    return tagged_hash(TAG_PARTICIPANTS, canon(participants))


def commitment(event: str, ceremony: str, participant: str, secret: bytes) -> bytes:
    """§5.3 commitment to a 32-byte secret."""
    if len(secret) != 32:
        raise ValueError("a secret is exactly 32 bytes (§5.3)")
    return tagged_hash(TAG_COMMITMENT, canon({"ceremony": ceremony, "event": event,
                                               "participant": participant,
                                               "secret": secret.hex()}))


def attributes(reg: str, gender: str, strata: Sequence[str], salt: bytes) -> bytes:
    """§17.1 attrs = H("sunshine-draw/v2/attributes", canon(opening))."""
    return tagged_hash(TAG_ATTRIBUTES, canon({"reg": reg, "gender": gender,
                                              "strata": list(strata), "salt": salt.hex()}))


def seed_input(event: str, ceremony: str, rules_h: bytes, participants_h: bytes,
               input_root: bytes, input_size: int,
               contributions: Sequence[tuple[str, bytes | None, bytes | None]],
               physical: Sequence[int], beacon: bytes | None) -> bytes:
    """canon of the §5.7 seed input; contributions are (participant, commitment, secret),
    commitment None for a no-commitment void and secret None for every void."""
    return canon({
        "event": event, "ceremony": ceremony, "rules": rules_h.hex(),
        "participants": participants_h.hex(), "input_root": input_root.hex(),
        "input_size": input_size,
        "contributions": [{"participant": p, "commitment": None if c is None else c.hex(),
                           "secret": None if x is None else x.hex()}
                          for p, c, x in sorted(contributions, key=lambda c: c[0])],
        "physical": list(physical),
        "beacon": None if beacon is None else beacon.hex(),
    })


def seed(*args: Any) -> bytes:
    """§5.7 seed = H("sunshine-draw/v2/seed", seed_input(...))."""
    return tagged_hash(TAG_SEED, seed_input(*args))


def escrow_public_key(holder_private: bytes) -> bytes:
    """The X25519 public key of a released escrow private key (§5.4)."""
    return X25519PrivateKey.from_private_bytes(holder_private).public_key().public_bytes_raw()


def escrow_opens(event: str, ceremony: str, participant: str, escrow: bytes,
                 commitment_: bytes, holder_private: bytes) -> bytes | None:
    """The escrow's secret if it opens in the §5.4 sense, else None.

    Opening means: it decrypts, and the plaintext is a 32-byte secret whose §5.3
    commitment is the logged one.
    """
    try:
        secret = open_escrow(escrow, commitment_, holder_private)
    except ValueError:
        return None
    if len(secret) != 32 or commitment(event, ceremony, participant, secret) != commitment_:
        return None
    return secret


def open_escrow(escrow: bytes, commitment_: bytes, holder_private: bytes) -> bytes:
    """Decrypt a §5.4 escrow with the holder's X25519 private key (tests, audits).

    Raises ValueError when it does not decrypt.
    """
    if len(escrow) != 80:
        raise ValueError("escrow is not 80 bytes")
    ephemeral, sealed = escrow[:32], escrow[32:]
    priv = X25519PrivateKey.from_private_bytes(holder_private)
    holder_public = priv.public_key().public_bytes_raw()
    z = priv.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    k = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + holder_public,
             info=TAG_ESCROW.encode() + b"\x00" + commitment_).derive(z)
    try:
        return AESGCM(k).decrypt(b"\x00" * 12, sealed, commitment_)
    except InvalidTag:
        raise ValueError("escrow does not decrypt") from None
