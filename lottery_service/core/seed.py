"""Ceremony commitments, escrow and the seed (PROTOCOL.md §5.2-§5.7).

Pure: secrets and ephemeral keys are made by the caller (the CLI or the
browser), so every function here is deterministic and testable with fixed
keys. Every failure raises CeremonyError; a caller that gets one from
`open_escrow` logs `contribution_void` with reason `escrow-invalid` (§5.4).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .canonical import canonical_json
from .errors import CanonicalError, CeremonyError
from .hashing import TAG_COMMITMENT, TAG_ESCROW, TAG_PARTICIPANTS, TAG_RULES, TAG_SEED, tagged_hash
from .records import EVENT_ID, ID, Rules

Ceremony = Literal["lottery", "grouping", "teachers"]
Role = Literal["notary", "supervisor", "parent-rep", "bureau"]

CEREMONIES: Final[tuple[Ceremony, ...]] = ("lottery", "grouping", "teachers")  # §5.1, in order
ROLES: Final = frozenset({"notary", "supervisor", "parent-rep", "bureau"})  # §5.2
SECRET_SIZE: Final = 32  # §5.3
HASH_SIZE: Final = 32
ESCROW_SIZE: Final = 80  # E (32) ‖ ciphertext (32) ‖ GCM tag (16), §5.4
MIN_DICE: Final = 20  # §3.1: rules.dice ≥ 20
_NONCE: Final = bytes(12)  # each escrow key is used once (§5.4)


@dataclass(frozen=True, slots=True)
class Participant:
    """A ceremony participant by role id, never a personal name (§5.2, S7)."""

    id: str
    role: Role

    def __post_init__(self) -> None:
        if type(self.id) is not str or not ID.fullmatch(self.id):
            raise CeremonyError(f"participant id {self.id!r} is not an id", section="5.2")
        if self.role not in ROLES:
            raise CeremonyError(f"participant {self.id}: unknown role {self.role!r}",
                                section="5.2")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role}


@dataclass(frozen=True, slots=True)
class Contribution:
    """One participant's contribution to a seed (§5.7).

    `secret` is None iff the contribution is void; `commitment` is None iff the
    participant never committed before commitments closed (void `no-commitment`).
    """

    participant: str
    commitment: bytes | None
    secret: bytes | None


def _check_event(event: str) -> None:
    if type(event) is not str or not EVENT_ID.fullmatch(event):
        raise CeremonyError(f"event id {event!r} is not an event id", section="1")


def _check_ceremony(ceremony: str) -> None:
    if ceremony not in CEREMONIES:
        raise CeremonyError(f"unknown ceremony {ceremony!r}", section="5.1")


def _check_participant_id(participant: str) -> None:
    if type(participant) is not str or not ID.fullmatch(participant):
        raise CeremonyError(f"participant id {participant!r} is not an id", section="5.2")


def _check_bytes(value: object, size: int, what: str, section: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != size:
        raise CeremonyError(f"{what} must be exactly {size} bytes", section=section)
    return value


def participants_hash(participants: Sequence[Participant]) -> bytes:
    """H(participants, canon(list)): the list is fixed before any commitment (§5.1, §5.2)."""
    if len(participants) < 2:
        raise CeremonyError("at least two participants", section="5.2")
    ids = [p.id for p in participants]
    # Strictly ascending: sorted by id and no id twice (ASCII, so str order = bytewise).
    if any(a >= b for a, b in pairwise(ids)):
        raise CeremonyError("participants must be sorted by id and distinct", section="5.2")
    return tagged_hash(TAG_PARTICIPANTS, canonical_json([p.to_json() for p in participants]))


def rules_hash(rules: Rules) -> bytes:
    """H(rules, canon(rules)) (§3.1); the rule set enters every seed (§5.7)."""
    return tagged_hash(TAG_RULES, canonical_json(rules.to_json()))


def commitment(event: str, ceremony: Ceremony, participant: str, secret: bytes) -> bytes:
    """The published commitment to a 32-byte secret (§5.3); binds event, ceremony and id."""
    _check_event(event)
    _check_ceremony(ceremony)
    _check_participant_id(participant)
    _check_bytes(secret, SECRET_SIZE, "secret", "5.3")
    body = {"ceremony": ceremony, "event": event, "participant": participant,
            "secret": secret.hex()}
    return tagged_hash(TAG_COMMITMENT, canonical_json(body))


def check_opening(event: str, ceremony: Ceremony, participant: str, secret: bytes,
                  commitment_: bytes) -> None:
    """Accept a `reveal` or `escrow_opened` secret iff it recomputes the commitment (§5.3)."""
    _check_bytes(commitment_, HASH_SIZE, "commitment", "5.3")
    if commitment(event, ceremony, participant, secret) != commitment_:
        raise CeremonyError(f"secret of {participant} does not match its commitment",
                            section="5.3")


def _escrow_key(shared: bytes, ephemeral_public: bytes, holder_public: bytes,
                commitment_: bytes) -> bytes:
    # §5.4: k = HKDF-SHA256(ikm = z, salt = E ‖ P, info = tag ‖ 0x00 ‖ commitment, L = 32)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + holder_public,
                info=TAG_ESCROW.encode("ascii") + b"\x00" + commitment_)
    return hkdf.derive(shared)


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def seal_escrow(secret: bytes, commitment_: bytes, escrow_public_key: bytes,
                ephemeral_private: X25519PrivateKey) -> str:
    """Seal a secret to the escrow holder (§5.4) so withholding a reveal changes nothing.

    The caller passes a fresh ephemeral key (randomness is I/O); it must never be
    reused, because the AES-GCM nonce is fixed.
    """
    _check_bytes(secret, SECRET_SIZE, "secret", "5.4")
    _check_bytes(commitment_, HASH_SIZE, "commitment", "5.4")
    _check_bytes(escrow_public_key, 32, "escrow public key", "5.4")
    holder = X25519PublicKey.from_public_bytes(escrow_public_key)
    try:
        shared = ephemeral_private.exchange(holder)
    except ValueError as exc:  # low-order holder key: all-zero shared secret
        raise CeremonyError("escrow public key is not usable", section="5.4") from exc
    ephemeral_public = _raw_public(ephemeral_private.public_key())
    key = _escrow_key(shared, ephemeral_public, escrow_public_key, commitment_)
    sealed = AESGCM(key).encrypt(_NONCE, secret, commitment_)
    return base64.b64encode(ephemeral_public + sealed).decode("ascii")


def decode_base64(text: str, what: str) -> bytes:
    """Strict RFC 4648 base64 (§1): alphabet, padding and trailing bits all canonical."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise CeremonyError(f"{what}: not base64", section="1") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise CeremonyError(f"{what}: non-canonical base64", section="1")
    return raw


def open_escrow(escrow_b64: str, commitment_: bytes, escrow_private: X25519PrivateKey, *,
                event: str, ceremony: Ceremony, participant: str) -> bytes:
    """Open an escrow (§5.4) and return the secret, checked against the commitment.

    Raises CeremonyError("escrow-invalid …") when it does not decrypt or the secret
    does not match; the caller then logs `contribution_void` (never a re-draw).
    The event, ceremony and participant are needed to recompute the commitment.
    """
    _check_bytes(commitment_, HASH_SIZE, "commitment", "5.4")
    try:
        raw = decode_base64(escrow_b64, "escrow")
    except CeremonyError as exc:
        raise CeremonyError(f"escrow-invalid: {exc}", section="5.4") from exc
    if len(raw) != ESCROW_SIZE:
        raise CeremonyError(f"escrow-invalid: {len(raw)} bytes, expected {ESCROW_SIZE}",
                            section="5.4")
    ephemeral_public, sealed = raw[:32], raw[32:]
    holder_public = _raw_public(escrow_private.public_key())
    try:
        shared = escrow_private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = _escrow_key(shared, ephemeral_public, holder_public, commitment_)
        secret = AESGCM(key).decrypt(_NONCE, sealed, commitment_)
    except (ValueError, InvalidTag) as exc:
        raise CeremonyError("escrow-invalid: does not decrypt", section="5.4") from exc
    try:
        check_opening(event, ceremony, participant, secret, commitment_)
    except CeremonyError as exc:
        raise CeremonyError(f"escrow-invalid: {exc}", section="5.4") from exc
    return secret


def seed_input(event: str, ceremony: Ceremony, rules_hash: bytes, participants_hash: bytes,
               input_root: bytes, input_size: int, contributions: Sequence[Contribution],
               physical: Sequence[int], beacon_randomness: bytes | None) -> dict[str, Any]:
    """The exact §5.7 object whose canonical JSON is hashed into the seed.

    Contributions are sorted here by participant; a non-null secret must open its
    commitment (§5.3). The dice count is checked against the §3.1 minimum only:
    the exact `rules.dice` count is the caller's check, as the rules are hashed.
    """
    _check_event(event)
    _check_ceremony(ceremony)
    _check_bytes(rules_hash, HASH_SIZE, "rules hash", "5.7")
    _check_bytes(participants_hash, HASH_SIZE, "participants hash", "5.7")
    _check_bytes(input_root, HASH_SIZE, "input root", "5.7")
    if type(input_size) is not int or input_size < 0:
        raise CeremonyError("input size must be a non-negative integer", section="5.7")
    ordered = sorted(contributions, key=lambda c: c.participant)
    ids = [c.participant for c in ordered]
    if len(set(ids)) != len(ids):
        raise CeremonyError("one contribution per participant", section="5.7")
    items = []
    for c in ordered:
        _check_participant_id(c.participant)
        committed = None
        if c.commitment is not None:
            committed = _check_bytes(c.commitment, HASH_SIZE, "commitment", "5.7").hex()
        secret = None
        if c.secret is not None:
            if c.commitment is None:
                raise CeremonyError(f"{c.participant} has a secret but no commitment",
                                    section="5.7")
            check_opening(event, ceremony, c.participant, c.secret, c.commitment)
            secret = c.secret.hex()
        items.append({"participant": c.participant, "commitment": committed,
                      "secret": secret})
    values = list(physical)
    if len(values) < MIN_DICE:
        raise CeremonyError(f"physical entropy: at least {MIN_DICE} dice", section="5.5")
    for v in values:
        if type(v) is not int or not 1 <= v <= 6:
            raise CeremonyError(f"physical entropy: die value {v!r} not in 1..6",
                                section="5.5")
    beacon = None
    if beacon_randomness is not None:
        beacon = _check_bytes(beacon_randomness, HASH_SIZE, "beacon randomness", "5.6").hex()
    return {
        "event": event, "ceremony": ceremony,
        "rules": rules_hash.hex(), "participants": participants_hash.hex(),
        "input_root": input_root.hex(), "input_size": input_size,
        "contributions": items, "physical": values, "beacon": beacon,
    }


def derive_seed(event: str, ceremony: Ceremony, rules_hash: bytes, participants_hash: bytes,
                input_root: bytes, input_size: int, contributions: Sequence[Contribution],
                physical: Sequence[int], beacon_randomness: bytes | None) -> bytes:
    """seed = H(seed, canon(seed_input(...))) (§5.7); one seed per ceremony, never re-drawn."""
    value = seed_input(event, ceremony, rules_hash, participants_hash, input_root, input_size,
                       contributions, physical, beacon_randomness)
    try:
        return tagged_hash(TAG_SEED, canonical_json(value))
    except CanonicalError as exc:  # input_size beyond 2^53-1
        raise CeremonyError(str(exc), section="5.7") from exc
