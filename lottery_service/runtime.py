"""Wiring at the edge: settings → engine (migrated) → keys → the event service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from .config import Settings
from .events import EventService
from .keys import load_or_create_log_key, load_or_create_lookup_key
from .storage.db import make_engine, migrate


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    service: EventService

    def close(self) -> None:
        """Return every pooled database connection."""
        self.engine.dispose()


def open_runtime(settings: Settings) -> Runtime:
    """Create the data directory, database schema and keys on first run."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    migrate(engine)
    service = EventService(engine, load_or_create_log_key(settings.data_dir),
                           load_or_create_lookup_key(settings.data_dir))
    return Runtime(settings=settings, engine=engine, service=service)
