"""C2SP signed notes, tlog-checkpoints and tlog-cosignatures (PROTOCOL.md §12).

Formats, from the C2SP specs and golang.org/x/mod/sumdb/note:

* verifier key: ``<name>+<hex8 key id>+<base64(type ‖ public key)>``;
* key id: ``SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`` (type 0x01 Ed25519
  note signatures, 0x04 Ed25519 cosignatures, 0x06 ML-DSA-44 cosignatures);
* note: text ending in ``\\n``, one blank line, then lines
  ``— <name> <base64(key id ‖ signature)>\\n``; an Ed25519 note signature
  signs the text;
* cosignature/v1 (0x04): signature = key id ‖ uint64be(T) ‖ Ed25519 signature
  over ``"cosignature/v1\\ntime <T>\\n" ‖ text``;
* ML-DSA-44 cosignature (0x06): signature = key id ‖ uint64be(T) ‖ 2420-byte
  ML-DSA-44 signature (FIPS 204, empty context) over ``"subtree/v1\\n\\0" ‖
  u8 len ‖ cosigner name ‖ uint64be(T) ‖ u8 len ‖ origin ‖ uint64be(0) ‖
  uint64be(size) ‖ root`` (tlog-cosignature "ML-DSA-44 signed message");
* checkpoint text: ``<origin>\\n<size>\\n<base64 root>\\n``.

ML-DSA-44 comes from ``cryptography`` too; a build without it raises
NotCheckedError (a NoteError), so a caller can say "not checked", never "valid".
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PublicKey

from verifier import strict

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
ALG_COSIGNATURE_MLDSA44 = 0x06
COSIGNATURE_ALGS = (ALG_COSIGNATURE_V1, ALG_COSIGNATURE_MLDSA44)
_KEY_SIZES = {ALG_ED25519: 32, ALG_COSIGNATURE_V1: 32, ALG_COSIGNATURE_MLDSA44: 1312}
_SIG_SIZES = {ALG_COSIGNATURE_V1: 64, ALG_COSIGNATURE_MLDSA44: 2420}
_SIG_PREFIX = "— "
_NAME = re.compile(r"[^\s+]+")
_MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A malformed note or key, or a signature that does not verify."""


class NotCheckedError(NoteError):
    """A signature that could not be checked here (no ML-DSA-44 in this cryptography)."""


def mldsa44_available() -> bool:
    """Whether this cryptography build verifies ML-DSA-44 (PyPI wheels from 48 do)."""
    from cryptography.hazmat.backends.openssl.backend import backend
    return bool(backend.mldsa_supported())


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
    if not raw or _KEY_SIZES.get(raw[0]) != len(raw) - 1:
        raise NoteError("verifier key is not a 32-byte Ed25519 key of type 0x01 or 0x04 "
                        "nor a 1312-byte ML-DSA-44 key of type 0x06")
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


def mldsa44_message(cosigner: str, timestamp: int, checkpoint: Checkpoint) -> bytes:
    """The TLS-encoded ``cosigned_message`` of a whole checkpoint (start 0)."""
    name, origin = cosigner.encode(), checkpoint.origin.encode()
    if not (1 <= len(name) <= 255 and 1 <= len(origin) <= 255):
        raise NoteError("cosigner name or origin is not 1..255 bytes")
    return (b"subtree/v1\n\x00" + bytes([len(name)]) + name + struct.pack(">Q", timestamp)
            + bytes([len(origin)]) + origin + struct.pack(">QQ", 0, checkpoint.size)
            + checkpoint.root)


def _mldsa44_ok(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        MLDSA44PublicKey.from_public_bytes(public_key).verify(signature, message)
    except UnsupportedAlgorithm:
        raise NotCheckedError("ML-DSA-44 cosignature not checked: this cryptography "
                              "build has no ML-DSA-44") from None
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_cosignature(note: Note, key: VerifierKey) -> int:
    """Verify a cosignature by ``key`` (type 0x04 or 0x06); returns its timestamp."""
    if key.alg not in COSIGNATURE_ALGS:
        raise NoteError(f"key {key.name} is not a cosignature (0x04 or 0x06) key")
    sig = _find(note, key)
    if sig is None:
        raise NoteError(f"no cosignature by {key.name}+{key.key_id.hex()}")
    if len(sig.signature) != 8 + _SIG_SIZES[key.alg]:
        raise NoteError(f"cosignature by {key.name} has the wrong length")
    (timestamp,) = struct.unpack(">Q", sig.signature[:8])
    if timestamp > 2**63 - 1:
        raise NoteError(f"invalid cosignature by {key.name}: timestamp over 2^63-1")
    if key.alg == ALG_COSIGNATURE_V1:
        ok = _ed25519_ok(key.public_key, sig.signature[8:],
                         cosigned_message(note.text, timestamp))
    else:
        message = mldsa44_message(key.name, timestamp, parse_checkpoint(note.text))
        ok = _mldsa44_ok(key.public_key, sig.signature[8:], message)
    if not ok:
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
