"""API tokens and roles (docs/ROLES.md). Tokens are shown once and stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Engine
from sqlmodel import Session

from .storage.models import TokenRow

ROLES: Final = ("admin", "school", "participant", "supervisor")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, scoped to one event and, for some roles, one subject."""

    event_id: str
    role: str
    subject: str = ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(engine: Engine, event_id: str, role: str, subject: str = "",
                 label: str = "") -> str:
    """Make a token; the caller shows it once. School tokens name a school id,
    participant tokens a participant id."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if role in ("school", "participant") and not subject:
        raise ValueError(f"a {role} token needs a subject (school or participant id)")
    token = "sd_" + secrets.token_urlsafe(32)
    with Session(engine) as session:
        session.add(TokenRow(token_hash=token_hash(token), event_id=event_id, role=role,
                             subject=subject, label=label))
        session.commit()
    return token


def authenticate(engine: Engine, token: str) -> Principal | None:
    with Session(engine) as session:
        row = session.get(TokenRow, token_hash(token))
        if row is None:
            return None
        return Principal(event_id=row.event_id, role=row.role, subject=row.subject)
