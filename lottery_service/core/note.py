"""C2SP signed notes, tlog checkpoints and tlog cosignatures (service side).

The service publishes the tree head of each draw log as a signed checkpoint and
collects witness cosignatures on it; auditors check both with any C2SP tool, so
every byte here follows the specs (https://c2sp.org/signed-note,
https://c2sp.org/tlog-checkpoint, https://c2sp.org/tlog-cosignature) and Go's
golang.org/x/mod/sumdb/note, whose known answers tests/unit/test_note.py reproduces.

Text forms:

* key ID = SHA-256(name || 0x0A || type || public key)[:4] (signed-note
  "Signatures"); type 0x01 is an Ed25519 note signature, 0x04 an Ed25519
  cosignature/v1, 0x06 an ML-DSA-44 (sub)tree cosignature (subtree/v1).
* verifier key: ``<name>+<hex key ID>+<base64(type || public key)>``.
  A log key has type 0x01, as in Go. A witness key is written the same way with
  type 0x04 and its 32-byte Ed25519 key, or type 0x06 and its 1312-byte
  ML-DSA-44 key, the key ID computed with that type, e.g.
  ``witness.example/w1+1a2b3c4d+BM...`` (tlog-cosignature "Format").
* private key (Go's form, secret): ``PRIVATE+KEY+<name>+<hex key ID>+
  <base64(type || 32-byte seed)>``: type 0x01 with the Ed25519 seed (key ID of
  the type 0x01 key, as Go writes it), or type 0x06 with the FIPS 204 ML-DSA-44
  key-generation seed ξ (key ID of the type 0x06 key; this project's form).
* note: text ending in "\\n", a blank line, then one or more lines
  ``— <name> <base64(key ID || signature)>\\n`` (U+2014, space).
* checkpoint text: ``<origin>\\n<decimal size>\\n<base64 root>\\n`` then
  optional non-empty extension lines.
* cosignature/v1 signature = key ID || uint64 big-endian timestamp || Ed25519
  signature over ``cosignature/v1\\ntime <timestamp>\\n`` + checkpoint text.
* ML-DSA-44 cosignature = key ID || uint64 big-endian timestamp || 2420-byte
  ML-DSA-44 signature (FIPS 204 pure, empty context) over the TLS-encoded
  ``cosigned_message``: ``"subtree/v1\\n\\0"`` || u8 len || cosigner name ||
  u64 timestamp || u8 len || origin || u64 start (0) || u64 end (tree size) ||
  32-byte root. It names the cosigner and does not cover extension lines.

Parsing is strict: base64 must be canonical (RFC 4648 §4 with padding, zero
pad bits), decimals have no leading zeros, key IDs are lower-case hex.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.mldsa import (
    MLDSA44PrivateKey,
    MLDSA44PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

SIG_ED25519: Final = 0x01
SIG_COSIGNATURE_V1: Final = 0x04
SIG_COSIGNATURE_MLDSA44: Final = 0x06
# The two witness key types this project verifies (tlog-cosignature "Format").
COSIGNATURE_TYPES: Final = frozenset({SIG_COSIGNATURE_V1, SIG_COSIGNATURE_MLDSA44})
# signed-note "Format": verifiers must accept at least 16; Go's limit is 100.
MAX_SIGNATURES: Final = 100
MAX_TREE_SIZE: Final = 2**64 - 1
MAX_TIMESTAMP: Final = 2**63 - 1  # tlog-cosignature "Format"
# tlog-cosignature "ML-DSA-44 signed message": opaque cosigner_name<1..2^8-1>
# and log_origin<1..2^8-1>, so names and origins this project makes stay within it.
MAX_NAME_BYTES: Final = 255

_SIG_PREFIX: Final = "\u2014 "  # em dash, space
_PRIVATE_PREFIX: Final = "PRIVATE+KEY+"
_SUBTREE_LABEL: Final = b"subtree/v1\n\x00"
_ED25519_SIZE: Final = 64
_KEY_SIZE: Final = 32
_MLDSA44_KEY_SIZE: Final = 1312
_MLDSA44_SIG_SIZE: Final = 2420
_SEED_SIZE: Final = 32
_HASH_SIZE: Final = 32
_HEX8: Final = re.compile(r"[0-9a-f]{8}")
_DECIMAL: Final = re.compile(r"0|[1-9][0-9]*")
_CONTROL: Final = re.compile(r"[\x00-\x09\x0b-\x1f]")
_KEY_SIZES: Final = {
    SIG_ED25519: _KEY_SIZE,
    SIG_COSIGNATURE_V1: _KEY_SIZE,
    SIG_COSIGNATURE_MLDSA44: _MLDSA44_KEY_SIZE,
}


class NoteError(Exception):
    """A malformed note, key, checkpoint or cosignature, or a bad signature."""


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    """RFC 4648 §4 base64, refusing any text that is not the canonical encoding."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as e:
        raise NoteError(f"{what} is not valid base64") from e
    if _b64encode(raw) != text:
        raise NoteError(f"{what} is not canonical base64")
    return raw


def _check_utf8(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise NoteError(f"{what} is not valid UTF-8") from e


def check_key_name(name: str) -> None:
    """signed-note "Format": non-empty, no Unicode spaces, no plus (U+002B)."""
    if not name:
        raise NoteError("key name is empty")
    if "+" in name or any(c.isspace() for c in name) or _CONTROL.search(name):
        raise NoteError(f"key name {name!r} has a space, plus or control character")
    _check_utf8(name, "key name")


def _check_text(text: str) -> None:
    """signed-note "Format": UTF-8, ends in newline, no other control characters."""
    if not text.endswith("\n"):
        raise NoteError("note text does not end in a newline")
    if _CONTROL.search(text):
        raise NoteError("note text has an ASCII control character other than newline")
    _check_utf8(text, "note text")


def _check_short(value: str, what: str) -> bytes:
    raw = value.encode("utf-8")
    if not 1 <= len(raw) <= MAX_NAME_BYTES:
        raise NoteError(f"{what} is {len(raw)} bytes, outside 1..{MAX_NAME_BYTES}")
    return raw


def _check_timestamp(timestamp: int) -> None:
    if isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp {timestamp} is outside 0..2^63-1")


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """signed-note "Signatures": SHA-256(name || 0x0A || type || public key)[:4]."""
    if not 0 <= sig_type <= 0xFF:
        raise NoteError(f"signature type {sig_type} is not a byte")
    material = name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key
    return hashlib.sha256(material).digest()[:4]


def _cosignature_message(timestamp: int, checkpoint_body: str) -> bytes:
    """tlog-cosignature "Ed25519 signed message"."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_body}".encode()


def mldsa44_cosigned_message(cosigner: str, timestamp: int, checkpoint: Checkpoint) -> bytes:
    """tlog-cosignature "ML-DSA-44 signed message" for a whole checkpoint (start 0).

    RFC 8446 §3 encoding: fixed label, u8-length-prefixed name, u64 timestamp,
    u8-length-prefixed origin, u64 start, u64 end, 32-byte hash.
    """
    name = _check_short(cosigner, "cosigner name")
    origin = _check_short(checkpoint.origin, "checkpoint origin")
    _check_timestamp(timestamp)
    return b"".join((
        _SUBTREE_LABEL,
        bytes([len(name)]), name,
        timestamp.to_bytes(8, "big"),
        bytes([len(origin)]), origin,
        (0).to_bytes(8, "big"),
        checkpoint.size.to_bytes(8, "big"),
        checkpoint.root_hash,
    ))


def _mldsa44_public_key(raw: bytes) -> MLDSA44PublicKey:
    try:
        return MLDSA44PublicKey.from_public_bytes(raw)
    except UnsupportedAlgorithm as e:
        raise NoteError("this cryptography build cannot verify ML-DSA-44") from e
    except ValueError as e:
        raise NoteError("public key is not a valid ML-DSA-44 key") from e


@dataclass(frozen=True)
class Verifier:
    """A public key notes are checked against: Ed25519 (0x01), cosignature 0x04 or 0x06."""

    name: str
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        size = _KEY_SIZES.get(self.sig_type)
        if size is None:
            raise NoteError(f"unsupported signature type 0x{self.sig_type:02x}")
        if len(self.public_key) != size:
            raise NoteError(f"type 0x{self.sig_type:02x} public key is "
                            f"{len(self.public_key)} bytes, expected {size}")
        if self.sig_type == SIG_COSIGNATURE_MLDSA44:
            _check_short(self.name, "ML-DSA-44 cosigner name")
            _mldsa44_public_key(self.public_key)
            return
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key)
        except ValueError as e:
            raise NoteError("public key is not a valid Ed25519 key") from e

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID that signature lines carry."""
        return key_id(self.name, self.sig_type, self.public_key)

    @property
    def is_cosigner(self) -> bool:
        """A witness key (type 0x04 or 0x06), not a log key."""
        return self.sig_type in COSIGNATURE_TYPES

    def to_text(self) -> str:
        """The verifier key text ``name+hex8+base64(type || key)``."""
        encoded = _b64encode(bytes([self.sig_type]) + self.public_key)
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_text(cls, text: str) -> Verifier:
        """Parse a verifier key strictly; the key ID must match name, type and key."""
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise NoteError("verifier key is not name+keyid+key")
        name, hex_id, encoded = parts
        if not _HEX8.fullmatch(hex_id):
            raise NoteError("verifier key ID is not 8 lower-case hex digits")
        raw = _b64decode(encoded, "verifier key")
        if not raw:
            raise NoteError("verifier key is empty")
        verifier = cls(name, raw[0], raw[1:])
        if verifier.key_id.hex() != hex_id:
            raise NoteError(f"verifier key ID {hex_id} does not match its name and key")
        return verifier

    def verify(self, text: str, signature: bytes) -> None:
        """Raise NoteError unless signature (without key ID) signs text for this key."""
        failure = f"invalid signature for key {self.name}+{self.key_id.hex()}"
        if self.sig_type == SIG_ED25519:
            # signed-note "Ed25519 signatures": over the note text.
            if len(signature) != _ED25519_SIZE:
                raise NoteError(f"{failure}: {len(signature)} bytes, expected 64")
            self._ed25519(signature, text.encode("utf-8"), failure)
            return
        # tlog-cosignature "Format": timestamped_signature = u64 timestamp || sig.
        expected = _ED25519_SIZE if self.sig_type == SIG_COSIGNATURE_V1 else _MLDSA44_SIG_SIZE
        if len(signature) != 8 + expected:
            raise NoteError(f"{failure}: {len(signature)} bytes, expected 8 + {expected}")
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise NoteError(f"{failure}: timestamp {timestamp} exceeds 2^63-1")
        if self.sig_type == SIG_COSIGNATURE_V1:
            self._ed25519(signature[8:], _cosignature_message(timestamp, text), failure)
            return
        # An ML-DSA-44 cosignature signs the checkpoint's fields, not its text.
        message = mldsa44_cosigned_message(self.name, timestamp, Checkpoint.parse(text))
        try:
            _mldsa44_public_key(self.public_key).verify(signature[8:], message)
        except InvalidSignature:
            raise NoteError(failure) from None

    def _ed25519(self, signature: bytes, message: bytes, failure: str) -> None:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            raise NoteError(failure) from None


def _split_private_key(text: str) -> tuple[str, str, bytes]:
    if not text.startswith(_PRIVATE_PREFIX):
        raise NoteError("private key does not start with PRIVATE+KEY+")
    parts = text[len(_PRIVATE_PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise NoteError("private key is not PRIVATE+KEY+name+keyid+key")
    name, hex_id, encoded = parts
    if not _HEX8.fullmatch(hex_id):
        raise NoteError("private key ID is not 8 lower-case hex digits")
    raw = _b64decode(encoded, "private key")
    if len(raw) != 1 + _SEED_SIZE:
        raise NoteError("private key is not a type byte followed by a 32-byte seed")
    return name, hex_id, raw


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key: signs notes (0x01) and, as a witness, cosigns (0x04)."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if not isinstance(self.private_key, Ed25519PrivateKey):
            raise NoteError("signer key is not an Ed25519 private key")

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A fresh random key."""
        return cls(name, Ed25519PrivateKey.generate())

    def public_key_bytes(self) -> bytes:
        """The 32-byte RFC 8032 public key."""
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def key_id(self, sig_type: int = SIG_ED25519) -> bytes:
        """The key ID of this key for the given signature type."""
        return key_id(self.name, sig_type, self.public_key_bytes())

    def verifier(self, sig_type: int = SIG_ED25519) -> Verifier:
        """The matching Verifier (type 0x04 for this key acting as a witness)."""
        if sig_type not in (SIG_ED25519, SIG_COSIGNATURE_V1):
            raise NoteError(f"an Ed25519 key has no type 0x{sig_type:02x} verifier")
        return Verifier(self.name, sig_type, self.public_key_bytes())

    def verifier_key(self, sig_type: int = SIG_ED25519) -> str:
        """The verifier key text to publish."""
        return self.verifier(sig_type).to_text()

    def sign(self, text: str) -> str:
        """The signature line value base64(key ID || Ed25519(text)) for note text."""
        _check_text(text)
        signature = self.private_key.sign(text.encode("utf-8"))
        return _b64encode(self.key_id() + signature)

    def private_key_text(self) -> str:
        """Go's secret form PRIVATE+KEY+name+hex8+base64(0x01 || seed)."""
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        encoded = _b64encode(bytes([SIG_ED25519]) + seed)
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id().hex()}+{encoded}"

    @classmethod
    def from_private_key_text(cls, text: str) -> Signer:
        """Parse Go's private key text strictly; its key ID must match the derived key."""
        name, hex_id, raw = _split_private_key(text)
        if raw[0] != SIG_ED25519:
            raise NoteError("private key is not type 0x01 followed by a 32-byte Ed25519 seed")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.key_id().hex() != hex_id:
            raise NoteError(f"private key ID {hex_id} does not match its name and key")
        return signer


@dataclass(frozen=True)
class MLDSA44Signer:
    """A named ML-DSA-44 witness key: cosigns checkpoints with type 0x06 only."""

    name: str
    private_key: MLDSA44PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        _check_short(self.name, "ML-DSA-44 cosigner name")
        if not isinstance(self.private_key, MLDSA44PrivateKey):
            raise NoteError("signer key is not an ML-DSA-44 private key")

    @classmethod
    def generate(cls, name: str) -> MLDSA44Signer:
        """A fresh random key."""
        try:
            return cls(name, MLDSA44PrivateKey.generate())
        except UnsupportedAlgorithm as e:
            raise NoteError("this cryptography build cannot make ML-DSA-44 keys") from e

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> MLDSA44Signer:
        """The key FIPS 204 ML-DSA.KeyGen_internal derives from the 32-byte seed ξ."""
        if len(seed) != _SEED_SIZE:
            raise NoteError(f"ML-DSA-44 seed is {len(seed)} bytes, expected 32")
        try:
            return cls(name, MLDSA44PrivateKey.from_seed_bytes(seed))
        except UnsupportedAlgorithm as e:
            raise NoteError("this cryptography build cannot make ML-DSA-44 keys") from e

    def public_key_bytes(self) -> bytes:
        """The 1312-byte FIPS 204 public key."""
        return self.private_key.public_key().public_bytes_raw()

    def key_id(self) -> bytes:
        """The key ID of this key as a type 0x06 cosigner."""
        return key_id(self.name, SIG_COSIGNATURE_MLDSA44, self.public_key_bytes())

    def verifier(self) -> Verifier:
        """The matching type 0x06 Verifier."""
        return Verifier(self.name, SIG_COSIGNATURE_MLDSA44, self.public_key_bytes())

    def verifier_key(self) -> str:
        """The verifier key text to publish."""
        return self.verifier().to_text()

    def private_key_text(self) -> str:
        """PRIVATE+KEY+name+hex8+base64(0x06 || seed ξ), Go's form with type 0x06."""
        seed = self.private_key.private_bytes_raw()
        encoded = _b64encode(bytes([SIG_COSIGNATURE_MLDSA44]) + seed)
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id().hex()}+{encoded}"

    @classmethod
    def from_private_key_text(cls, text: str) -> MLDSA44Signer:
        """Parse the private key text strictly; its key ID must match the derived key."""
        name, hex_id, raw = _split_private_key(text)
        if raw[0] != SIG_COSIGNATURE_MLDSA44:
            raise NoteError("private key is not type 0x06 followed by a 32-byte ML-DSA-44 seed")
        signer = cls.from_seed(name, raw[1:])
        if signer.key_id().hex() != hex_id:
            raise NoteError(f"private key ID {hex_id} does not match its name and key")
        return signer


Cosigner = Signer | MLDSA44Signer


def cosigner_verifier(witness: Cosigner) -> Verifier:
    """A witness key's cosignature verifier: type 0x04 for Ed25519, 0x06 for ML-DSA-44."""
    if isinstance(witness, MLDSA44Signer):
        return witness.verifier()
    return witness.verifier(SIG_COSIGNATURE_V1)


def parse_private_key(text: str) -> Cosigner:
    """A private key text of either type (0x01 Ed25519 or 0x06 ML-DSA-44)."""
    _name, _hex_id, raw = _split_private_key(text)
    if raw[0] == SIG_COSIGNATURE_MLDSA44:
        return MLDSA44Signer.from_private_key_text(text)
    return Signer.from_private_key_text(text)


@dataclass(frozen=True)
class NoteSignature:
    """One parsed signature line; signature excludes the 4-byte key ID."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, newline included."""
        return f"{_SIG_PREFIX}{self.name} {_b64encode(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures from known keys all verified."""

    text: str
    verified_by: tuple[Verifier, ...]
    unverified: tuple[NoteSignature, ...]


def parse_signature_line(line: str) -> NoteSignature:
    """Parse one ``— name base64`` line (the final newline is optional); no verification."""
    if line.endswith("\n"):
        line = line[:-1]
    if "\n" in line:
        raise NoteError("signature line has more than one line")
    if not line.startswith(_SIG_PREFIX):
        raise NoteError("signature line does not start with an em dash and a space")
    name, sep, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not sep:
        raise NoteError("signature line has no space between name and signature")
    check_key_name(name)
    raw = _b64decode(encoded, f"signature of {name}")
    if len(raw) < 5:
        raise NoteError(f"signature of {name} is shorter than a key ID and one byte")
    return NoteSignature(name, raw[:4], raw[4:])


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """signed-note "Format": the text ends at the last blank line; lines follow it."""
    _check_utf8(note, "note")
    if _CONTROL.search(note):
        raise NoteError("note has an ASCII control character other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise NoteError("note has no signature lines")
    if not block.endswith("\n"):
        raise NoteError("note does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    return text, [parse_signature_line(line) for line in lines]


def _lines_note(text: str, signatures: Sequence[NoteSignature]) -> str:
    if not signatures:
        raise NoteError("a signed note needs at least one signature")
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError(f"note would have {len(signatures)} signatures, over {MAX_SIGNATURES}")
    return text + "\n" + "".join(s.line() for s in signatures)


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """Sign text with each signer (Ed25519, type 0x01) and return the signed note."""
    _check_text(text)
    keys = [(s.name, s.key_id()) for s in signers]
    if len(set(keys)) != len(keys):
        raise NoteError("two signers share a name and key ID")
    message = text.encode("utf-8")
    signatures = [NoteSignature(s.name, s.key_id(), s.private_key.sign(message)) for s in signers]
    return _lines_note(text, signatures)


def add_signature_lines(note: str, lines: Iterable[str]) -> str:
    """Append signature lines (e.g. cosignatures) to a signed note, without verifying.

    A new line replaces an existing one with the same name and key ID, as Go's
    note.Sign does, so re-cosigning updates a witness's timestamp.
    """
    text, existing = split_note(note)
    added = [parse_signature_line(line) for line in lines]
    keys = [(s.name, s.key_id) for s in added]
    if len(set(keys)) != len(keys):
        raise NoteError("two new signature lines share a name and key ID")
    kept = [s for s in existing if (s.name, s.key_id) not in set(keys)]
    return _lines_note(text, kept + added)


def open_note(note: str, verifiers: Sequence[Verifier]) -> OpenedNote:
    """Parse a signed note strictly and verify it (signed-note "Signatures").

    Lines from unknown (name, key ID) pairs are ignored. Every line from a known
    key must verify, else NoteError; at least one known key must have signed.
    """
    known: dict[tuple[str, bytes], Verifier | None] = {}
    for v in verifiers:
        key = (v.name, v.key_id)
        # Two different keys under one name and ID cannot be told apart.
        known[key] = v if known.get(key, v) == v else None
    text, signatures = split_note(note)
    verified: list[Verifier] = []
    unverified: list[NoteSignature] = []
    for sig in signatures:
        key = (sig.name, sig.key_id)
        if key not in known:
            if sig not in unverified:
                unverified.append(sig)
            continue
        verifier = known[key]
        if verifier is None:
            raise NoteError(f"ambiguous key {sig.name}+{sig.key_id.hex()}")
        verifier.verify(text, sig.signature)
        if verifier not in verified:
            verified.append(verifier)
    if not verified:
        raise NoteError("note has no verifiable signatures")
    return OpenedNote(text, tuple(verified), tuple(unverified))


@dataclass(frozen=True)
class Checkpoint:
    """A tlog-checkpoint note text: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # tlog-checkpoint "Note text".
        if not self.origin or "\n" in self.origin or _CONTROL.search(self.origin):
            raise NoteError("checkpoint origin is empty or has a control character")
        _check_utf8(self.origin, "checkpoint origin")
        if isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise NoteError(f"checkpoint size {self.size} is not a 64-bit unsigned integer")
        if len(self.root_hash) != _HASH_SIZE:
            raise NoteError(f"checkpoint root hash is {len(self.root_hash)} bytes, expected 32")
        for line in self.extensions:
            if not line or "\n" in line or _CONTROL.search(line):
                raise NoteError("checkpoint extension line is empty or has a control character")
            _check_utf8(line, "checkpoint extension line")

    def body(self) -> str:
        """The note text to sign."""
        lines = [self.origin, str(self.size), _b64encode(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text strictly (not a signed note: see open_note)."""
        if not text.endswith("\n"):
            raise NoteError("checkpoint text does not end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError(f"checkpoint text has {len(lines)} lines, expected at least 3")
        origin, size_text, root_text, *extensions = lines
        if not _DECIMAL.fullmatch(size_text):
            raise NoteError(f"checkpoint size {size_text!r} is not canonical decimal")
        root = _b64decode(root_text, "checkpoint root hash")
        return cls(origin, int(size_text), root, tuple(extensions))


def cosign(checkpoint_body: str, witness: Cosigner, timestamp: int) -> str:
    """A tlog-cosignature line on a checkpoint, as witness.

    An Ed25519 witness signs cosignature/v1 (0x04), whose message does not name
    the witness, so one Ed25519 key must serve one witness name; an ML-DSA-44
    witness signs the subtree/v1 message (0x06) for the whole tree.
    """
    checkpoint = Checkpoint.parse(checkpoint_body)
    _check_timestamp(timestamp)
    stamp = timestamp.to_bytes(8, "big")
    if isinstance(witness, MLDSA44Signer):
        message = mldsa44_cosigned_message(witness.name, timestamp, checkpoint)
        value = witness.key_id() + stamp + witness.private_key.sign(message)
    else:
        signature = witness.private_key.sign(_cosignature_message(timestamp, checkpoint_body))
        value = witness.key_id(SIG_COSIGNATURE_V1) + stamp + signature
    return f"{_SIG_PREFIX}{witness.name} {_b64encode(value)}\n"


def verify_cosignature(checkpoint_body: str, line: str, witness: Verifier) -> int:
    """Check one cosignature line from witness (type 0x04 or 0x06); return its timestamp."""
    if not witness.is_cosigner:
        raise NoteError(f"witness key {witness.name} is not a cosignature (0x04 or 0x06) key")
    Checkpoint.parse(checkpoint_body)
    sig = parse_signature_line(line)
    if sig.name != witness.name or sig.key_id != witness.key_id:
        raise NoteError(
            f"cosignature is from {sig.name}+{sig.key_id.hex()}, "
            f"not {witness.name}+{witness.key_id.hex()}"
        )
    witness.verify(checkpoint_body, sig.signature)
    return int.from_bytes(sig.signature[:8], "big")
