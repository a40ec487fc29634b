"""Wiring at the edge: settings → engine (migrated) → keys → the service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from .config import Settings
from .service import Service
from .service.followup import FollowUpSettings
from .service.keys import ServiceKeys
from .service.sms import SmsGateway, SmsSettings, open_gateway
from .service.tokens import operator_token
from .storage.db import make_engine, migrate


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    service: Service

    def close(self) -> None:
        """Finish the after-commit work, then return every pooled database connection."""
        self.service.close()
        self.engine.dispose()


def open_runtime(settings: Settings, *, gateway: SmsGateway | None = None) -> Runtime:
    """Create the data directory, database schema and keys on first run. Messages (S6)
    go to `gateway`, by default the one configured (`service.sms.SmsSettings`: a
    JSON-lines file in the data directory unless SUNSHINE_SMS_PROVIDER says otherwise)."""
    from .api.site import write_pages  # here: the api package imports this module

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sms = SmsSettings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    service = Service.build(
        engine, ServiceKeys.load(settings.data_dir, settings.origin_prefix),
        audit_dir=settings.audit_dir,
        gateway=gateway or open_gateway(sms, settings.data_dir), sms=sms,
        operator_token=operator_token(settings.data_dir),
        follow_up=FollowUpSettings.from_env(), site=write_pages)
    return Runtime(settings=settings, engine=engine, service=service)
