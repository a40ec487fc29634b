"""Settings at the edge: where data lives and how the log is named."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    audit_dir: Path
    database_url: str

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> Settings:
        """SUNSHINE_DATA (default ./data), SUNSHINE_AUDIT_DIR (default ./audit_logs)."""
        data = data_dir or Path(os.environ.get("SUNSHINE_DATA", "data"))
        audit = Path(os.environ.get("SUNSHINE_AUDIT_DIR", "audit_logs"))
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{data / 'sunshine.db'}"
        return cls(data_dir=data, audit_dir=audit, database_url=url)


def origin_of(event_id: str) -> str:
    """The checkpoint origin line and log key name (PROTOCOL.md §12)."""
    return f"sunshine-draw/{event_id}"
