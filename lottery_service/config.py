"""Settings at the edge: where data lives and how the log is named.

One default for every entry point (`make run`, `sunshine …`, `sunshine serve`):
the data directory is SUNSHINE_DATA or `./data`, exported bundles go to
SUNSHINE_AUDIT_DIR or `./audit_logs`, the database is DATABASE_URL or a SQLite
file in the data directory. SUNSHINE_PUBLIC_BASE_URL is where the public reaches
the service: every absolute URL and QR code a page shows is built from it.

The log origin (PROTOCOL.md §12.1) is `<prefix>/<event-id>`, with the prefix
SUNSHINE_ORIGIN_PREFIX: a schema-less URL under a domain the deployment
controls, e.g. `zsb.example.gov.cn/sunshine`. Without it the prefix is
`sunshine.localhost/<k>`, `k` the first 8 hex digits of SHA-256 of the
deployment's log public key: two deployments (two data directories, two keys)
never share an origin, and a real deployment sets its own domain instead.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .core.checkpoint import OriginError, check_origin_prefix

DEFAULT_DATA: Final = Path("data")
DEFAULT_AUDIT: Final = Path("audit_logs")

# An absolute http(s) URL without query or fragment (a trailing "/" is dropped).
PUBLIC_BASE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?")


class SettingsError(ValueError):
    """A setting from the environment that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    audit_dir: Path
    database_url: str
    # SUNSHINE_PUBLIC_BASE_URL: where the public reaches this service (e.g.
    # https://draw.example.cn). Pages build every URL and QR code they show from it,
    # never from the request's Host header; without it they show none.
    public_base_url: str | None = None
    # SUNSHINE_ORIGIN_PREFIX: the deployment's log origin prefix (§12.1); None: derived
    # from the log key (`default_origin_prefix`) when the keys are loaded.
    origin_prefix: str | None = None

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> Settings:
        """SUNSHINE_DATA (default ./data), SUNSHINE_AUDIT_DIR (default ./audit_logs),
        DATABASE_URL, SUNSHINE_PUBLIC_BASE_URL (default: none), SUNSHINE_ORIGIN_PREFIX
        (default: derived from the log key)."""
        data = data_dir or Path(os.environ.get("SUNSHINE_DATA") or DEFAULT_DATA)
        audit = Path(os.environ.get("SUNSHINE_AUDIT_DIR") or DEFAULT_AUDIT)
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{data / 'sunshine.db'}"
        base = public_base_url(os.environ.get("SUNSHINE_PUBLIC_BASE_URL") or None)
        prefix = origin_prefix(os.environ.get("SUNSHINE_ORIGIN_PREFIX") or None)
        return cls(data_dir=data, audit_dir=audit, database_url=url, public_base_url=base,
                   origin_prefix=prefix)


def public_base_url(value: str | None) -> str | None:
    """The configured public base URL without its trailing "/", or SettingsError."""
    if value is None:
        return None
    if not PUBLIC_BASE_URL.fullmatch(value):
        raise SettingsError(f"SUNSHINE_PUBLIC_BASE_URL 不是 http(s) 网址：{value!r}"
                            f"（例如 https://draw.example.cn） / not an http(s) base URL")
    return value.rstrip("/")


def origin_prefix(value: str | None) -> str | None:
    """A configured origin prefix, checked (§12.1), or SettingsError."""
    if value is None:
        return None
    try:
        return check_origin_prefix(value)
    except OriginError as exc:
        raise SettingsError(f"SUNSHINE_ORIGIN_PREFIX: {exc.message}") from None


def default_origin_prefix(log_public_key: bytes) -> str:
    """`sunshine.localhost/<first 8 hex of SHA-256(log public key)>`: unique per
    deployment without configuration (§12.1: two deployments never share an origin)."""
    return f"sunshine.localhost/{hashlib.sha256(log_public_key).hexdigest()[:8]}"
