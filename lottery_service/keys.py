"""Service secrets: created on first run in files of mode 0600.

`log-signing.key` holds the Ed25519 seed of the log key (§12); `lookup.key`
keys the hashes of the families' look-up second factor.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

LOG_KEY_FILE = "log-signing.key"
LOOKUP_KEY_FILE = "lookup.key"


def load_or_create_secret(path: Path) -> bytes:
    """Read a 32-byte secret (hex), creating it atomically with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise PermissionError(f"{path} has mode {mode:o}; it must be 0600") from None
        return bytes.fromhex(path.read_text().strip())
    value = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(value.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return value


def load_or_create_log_key(data_dir: Path) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(load_or_create_secret(data_dir / LOG_KEY_FILE))


def load_or_create_lookup_key(data_dir: Path) -> bytes:
    return load_or_create_secret(data_dir / LOOKUP_KEY_FILE)
