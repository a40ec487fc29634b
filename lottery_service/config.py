"""Settings at the edge: where data lives and how the log is named.

One default for every entry point (`make run`, `sunshine …`, `sunshine serve`):
the data directory is SUNSHINE_DATA or `./data`, exported bundles go to
SUNSHINE_AUDIT_DIR or `./audit_logs`, the database is DATABASE_URL or a SQLite
file in the data directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEFAULT_DATA: Final = Path("data")
DEFAULT_AUDIT: Final = Path("audit_logs")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    audit_dir: Path
    database_url: str

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> Settings:
        data = data_dir or Path(os.environ.get("SUNSHINE_DATA") or DEFAULT_DATA)
        audit = Path(os.environ.get("SUNSHINE_AUDIT_DIR") or DEFAULT_AUDIT)
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{data / 'sunshine.db'}"
        return cls(data_dir=data, audit_dir=audit, database_url=url)


def origin_of(event_id: str) -> str:
    """The checkpoint origin line and log key name (PROTOCOL.md §12)."""
    return f"sunshine-draw/{event_id}"
