"""The service's secrets: created on first run in files of mode 0600, used here only.

`log-signing.key` holds the Ed25519 seed of the log key of official events
(§12); `rehearsal-signing.key` that of rehearsals (演练, §19), never the same
key, so no rehearsal checkpoint verifies under an official log key;
`lookup.key` keys the hashes of the families' look-up second factor and of each
child's identity across applications (P2), so neither is stored in clear, the
salts of the attribute and rejection commitments (§17), so nobody can try them, and
the key that seals each family's second factor at import: the static publication
needs it to address and encrypt the family's shard (§18.3) at every checkpoint, and
a copy of the database without `lookup.key` must not give it away (an unkeyed shard
address would, in 11,000 tries).
The signer's memory of what it signed (`auditlog.SignedHistory`) lives beside
them in `signed-history/`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..auditlog import SignedHistory, is_rehearsal_origin
from ..config import default_origin_prefix
from ..core.checkpoint import log_origin
from ..core.note import Signer
from ..errors import ConfigurationError

LOG_KEY_FILE = "log-signing.key"
REHEARSAL_KEY_FILE = "rehearsal-signing.key"
LOOKUP_KEY_FILE = "lookup.key"
HISTORY_DIR = "signed-history"

__all__ = ["ServiceKeys", "load_or_create_secret"]


def load_or_create_secret(path: Path) -> bytes:
    """Read a 32-byte secret (hex), creating it atomically with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigurationError(f"{path} has mode {mode:o}; it must be 0600",
                                     zh=f"密钥文件 {path} 的权限是 {mode:o}，必须是 0600") from None
        return bytes.fromhex(path.read_text().strip())
    value = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(value.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return value


@dataclass(frozen=True)
class ServiceKeys:
    log_key: Ed25519PrivateKey
    rehearsal_key: Ed25519PrivateKey
    lookup_key: bytes
    data_dir: Path
    origin_prefix: str  # this deployment's (Settings.origin_prefix, §12.1)

    def __post_init__(self) -> None:
        if _public(self.log_key) == _public(self.rehearsal_key):
            raise ConfigurationError(
                f"{REHEARSAL_KEY_FILE} holds the official log key; a rehearsal must be "
                "signed with another key (§19)",
                zh=f"{REHEARSAL_KEY_FILE} 与正式日志密钥相同；演练必须使用另一把密钥签名（§19）")

    @classmethod
    def load(cls, data_dir: Path, origin_prefix: str | None = None) -> ServiceKeys:
        """The keys of the data directory; without a configured prefix the deployment's
        default one, derived from its log key (`config.default_origin_prefix`)."""
        log, rehearsal = (Ed25519PrivateKey.from_private_bytes(load_or_create_secret(
            data_dir / name)) for name in (LOG_KEY_FILE, REHEARSAL_KEY_FILE))
        prefix = origin_prefix or default_origin_prefix(_public(log))
        return cls(log, rehearsal, load_or_create_secret(data_dir / LOOKUP_KEY_FILE), data_dir,
                   prefix)

    @property
    def history(self) -> SignedHistory:
        """The signer's append-only record of every checkpoint it signed (§12.2)."""
        return SignedHistory(self.data_dir / HISTORY_DIR)

    def origin(self, event_id: str, *, rehearsal: bool = False) -> str:
        """The event's log origin under this deployment's prefix (§12.1, §19)."""
        return log_origin(self.origin_prefix, event_id, rehearsal=rehearsal)

    def signer(self, origin: str) -> Signer:
        """The signer of the log of `origin` (its key name, §12.1): the rehearsal key for a
        rehearsal's origin `<prefix>/rehearsal/<event>`, else the official log key (§19)."""
        if "/" not in origin:
            raise ValueError(f"{origin!r} is not a log origin (an event id?)")
        key = self.rehearsal_key if is_rehearsal_origin(origin) else self.log_key
        return Signer(name=origin, private_key=key)

    def verifier_key(self, origin: str) -> str:
        """The verifier key text of the log of `origin` (what auditors pin)."""
        return self.signer(origin).verifier_key()

    def attribute_salt(self, event_id: str, ceremony: str, reg: str) -> bytes:
        """The salt of one record's attribute commitment and rejection leaf (§17.1, §17.2):
        derived from the service's private key, so it cannot be guessed from public data."""
        msg = f"salt\x00{event_id}\x00{ceremony}\x00{reg}".encode()
        return hmac.digest(self.lookup_key, msg, "sha256")  # one-shot: once per applicant

    def child_key(self, name: str, birth_date: str, id_last4: str) -> str:
        """One child's identity across applications (P2), without storing the ID number."""
        msg = f"child\x00{name}\x00{birth_date}\x00{id_last4.upper()}".encode()
        return hmac.digest(self.lookup_key, msg, "sha256").hex()

    def lookup_hash(self, event_id: str, reg: str, second_factor: str) -> str:
        """Keyed hash of the family's second factor (never stored in clear)."""
        msg = f"{event_id}\x00{reg}\x00{second_factor.upper()}".encode()
        return hmac.digest(self.lookup_key, msg, "sha256").hex()

    @cached_property
    def _factor_seal(self) -> AESGCM:
        return AESGCM(hmac.new(self.lookup_key, b"factor-seal", hashlib.sha256).digest())

    def seal_factor(self, event_id: str, reg: str, second_factor: str) -> str:
        """The second factor sealed for the shard writer (§18.3): base64(nonce ‖
        AES-256-GCM(factor, aad = event NUL reg)), so a sealed factor moved to another
        family or event does not open."""
        nonce = os.urandom(12)
        sealed = self._factor_seal.encrypt(nonce, second_factor.upper().encode("ascii"),
                                           f"{event_id}\x00{reg}".encode())
        return base64.b64encode(nonce + sealed).decode("ascii")

    def open_factor(self, event_id: str, reg: str, sealed: str) -> str:
        """The second factor `seal_factor` sealed for this event and reg."""
        data = base64.b64decode(sealed, validate=True)
        try:
            plain = self._factor_seal.decrypt(data[:12], data[12:], f"{event_id}\x00{reg}".encode())
        except InvalidTag:
            raise ConfigurationError(
                f"the sealed second factor of {reg} does not open with this lookup.key",
                zh=f"报名号 {reg} 的加密身份证后四位无法用本机 lookup.key 解开") from None
        return plain.decode("ascii")


def _public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()
