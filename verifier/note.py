"""C2SP signed notes, tlog-checkpoints and tlog-cosignature/v1 (PROTOCOL.md §12).

Formats, from the C2SP specs and golang.org/x/mod/sumdb/note:

* verifier key: ``<name>+<hex8 key id>+<base64(type ‖ public key)>``;
* key id: ``SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`` (type 0x01 Ed25519
  note signatures, 0x04 Ed25519 cosignatures);
* note: text ending in ``\\n``, one blank line, then lines
  ``— <name> <base64(key id ‖ signature)>\\n``; an Ed25519 note signature
  signs the text;
* cosignature/v1: signature = key id ‖ uint64be(T) ‖ Ed25519 signature over
  ``"cosignature/v1\\ntime <T>\\n" ‖ text``;
* checkpoint text: ``<origin>\\n<size>\\n<base64 root>\\n``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verifier import strict

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
_SIG_PREFIX = "— "
_NAME = re.compile(r"[^\s+]+")
_MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A malformed note or key, or a signature that does not verify."""


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """First four bytes of SHA-256(name ‖ 0x0A ‖ alg ‖ key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


@dataclass(frozen=True)
class VerifierKey:
    """A parsed verifier key (``name+hash+base64`` text form)."""

    name: str
    alg: int
    public_key: bytes
    key_id: bytes

    @property
    def text(self) -> str:
        return (f"{self.name}+{self.key_id.hex()}+"
                + base64.b64encode(bytes([self.alg]) + self.public_key).decode())


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse and self-check a verifier key; surrounding whitespace is stripped."""
    text = text.strip()
    name, _, rest = text.partition("+")
    hash_hex, _, key_b64 = rest.partition("+")
    if not _NAME.fullmatch(name) or not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
        raise NoteError("malformed verifier key name or hash")
    try:
        raw = strict.b64_bytes(key_b64)
    except strict.StrictError as exc:
        raise NoteError(f"verifier key: {exc}") from None
    if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise NoteError("verifier key is not a 32-byte Ed25519 key of type 0x01 or 0x04")
    kid = key_id(name, raw[0], raw[1:])
    if kid.hex() != hash_hex:
        raise NoteError("verifier key hash does not match the key")
    return VerifierKey(name, raw[0], raw[1:], kid)


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes  # after the key id


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]


def parse_note(data: str) -> Note:
    """Split a signed note into its text and signature lines (syntax only)."""
    if "\r" in data or any(ord(c) < 0x20 and c != "\n" for c in data):
        raise NoteError("malformed note: control characters")
    split = data.rfind("\n\n")
    if split < 0 or not data.endswith("\n"):
        raise NoteError("malformed note: no signature block")
    text, block = data[: split + 1], data[split + 2:]
    lines = block.split("\n")[:-1]
    if not lines or len(lines) > _MAX_SIGNATURES:
        raise NoteError("malformed note: no or too many signatures")
    sigs = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError("malformed note: bad signature line")
        rest = line[len(_SIG_PREFIX):].split(" ")
        if len(rest) != 2 or not _NAME.fullmatch(rest[0]):
            raise NoteError("malformed note: bad signature line")
        try:
            raw = strict.b64_bytes(rest[1])
        except strict.StrictError as exc:
            raise NoteError(f"malformed note: {exc}") from None
        if len(raw) < 5:
            raise NoteError("malformed note: signature too short")
        sigs.append(Signature(rest[0], raw[:4], raw[4:]))
    return Note(text, tuple(sigs))


def _ed25519_ok(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _find(note: Note, key: VerifierKey) -> Signature | None:
    found = [s for s in note.signatures if s.name == key.name and s.key_id == key.key_id]
    if len(found) > 1:
        raise NoteError(f"duplicate signatures for key {key.name}")
    return found[0] if found else None


def verify_note(note: Note, key: VerifierKey) -> None:
    """The note carries a valid Ed25519 signature by ``key`` (type 0x01)."""
    if key.alg != ALG_ED25519:
        raise NoteError(f"key {key.name} is not an Ed25519 note key")
    sig = _find(note, key)
    if sig is None:
        raise NoteError(f"no signature by key {key.name}+{key.key_id.hex()}")
    if len(sig.signature) != 64 or not _ed25519_ok(key.public_key, sig.signature,
                                                     note.text.encode()):
        raise NoteError(f"invalid signature for key {key.name}+{key.key_id.hex()}")


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def verify_cosignature(note: Note, key: VerifierKey) -> int:
    """Verify a tlog-cosignature/v1 by ``key`` (type 0x04); returns its timestamp."""
    if key.alg != ALG_COSIGNATURE_V1:
        raise NoteError(f"key {key.name} is not a cosignature/v1 key")
    sig = _find(note, key)
    if sig is None:
        raise NoteError(f"no cosignature by {key.name}+{key.key_id.hex()}")
    if len(sig.signature) != 72:
        raise NoteError(f"cosignature by {key.name} has the wrong length")
    (timestamp,) = struct.unpack(">Q", sig.signature[:8])
    if timestamp > 2**63 - 1 or not _ed25519_ok(
            key.public_key, sig.signature[8:], cosigned_message(note.text, timestamp)):
        raise NoteError(f"invalid cosignature by {key.name}")
    return int(timestamp)


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def parse_checkpoint(text: str) -> Checkpoint:
    """The three-line checkpoint body of §12 (no extension lines in v1)."""
    lines = text.split("\n")
    if len(lines) != 4 or lines[3] != "" or not lines[0]:
        raise NoteError("checkpoint is not origin, size and root lines")
    try:
        size = strict.decimal(lines[1])
        root = strict.b64_bytes(lines[2], 32)
    except strict.StrictError as exc:
        raise NoteError(f"checkpoint: {exc}") from None
    return Checkpoint(lines[0], size, root)


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
