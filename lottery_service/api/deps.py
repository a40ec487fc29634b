"""Dependencies: the service, the caller (bearer token) and role guards (docs/ROLES.md).

Tokens are scoped to one event (`Principal.event_id`); the operator token is an
admin of every event. A failed guard raises the service's own errors, mapped to
401/403 in `api/errors.py` like every other error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..core.log import Entry
from ..errors import UnauthenticatedError
from ..service import Service
from ..service.tokens import Principal, TokenRole
from .schemas import Appended, EntryRef


async def get_service(request: Request) -> Service:
    """Async, so FastAPI calls it inline rather than in the thread pool (a hop per request)."""
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]

_bearer = HTTPBearer(auto_error=False, description="API token (sd_...)")


def get_principal(
    service: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a write; 401 without a valid token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthenticatedError("a bearer token is required", zh="需要 Bearer 令牌")
    return service.tokens.authenticate(credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: TokenRole) -> Callable[[str, Principal], Principal]:
    """A guard: the caller holds one of `roles` for the event in the path (`event_id`)."""

    def guard(event_id: str, principal: PrincipalDep) -> Principal:
        principal.require(event_id, *roles)
        return principal

    return guard


AdminDep = Annotated[Principal, Depends(require("admin"))]


def appended(entries: Sequence[Entry]) -> Appended:
    """The answer of a write step: the entries it logged (none when already done)."""
    return Appended(entries=[EntryRef(seq=e.seq, type=e.type) for e in entries])
