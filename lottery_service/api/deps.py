"""Dependencies: the runtime, the caller (bearer token) and role guards (docs/ROLES.md).

Tokens are scoped to one event (`auth.Principal.event_id`). The operator token,
kept in the data directory, is an admin of every event: it is how the first
event is created and its tokens minted.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..auth import Principal, authenticate, token_hash
from ..core.log import Entry
from ..events import EventService
from ..notify import SmsGateway
from ..runtime import Runtime
from .logcache import LogCache
from .ratelimit import LookupLimiter
from .schemas import Appended, EntryRef

ANY_EVENT = "*"


@dataclass
class ApiContext:
    """Per-process state of the API, kept on `app.state.api`."""

    runtime: Runtime
    cache: LogCache
    limiter: LookupLimiter
    gateway: SmsGateway
    operator_token_hash: str


async def get_context(request: Request) -> ApiContext:
    """Async, so FastAPI calls it inline rather than in the thread pool (a hop per request)."""
    ctx: ApiContext = request.app.state.api
    return ctx


ContextDep = Annotated[ApiContext, Depends(get_context)]


def get_runtime(ctx: ContextDep) -> Runtime:
    return ctx.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_service(ctx: ContextDep) -> EventService:
    return ctx.runtime.service


ServiceDep = Annotated[EventService, Depends(get_service)]

_bearer = HTTPBearer(auto_error=False, description="API token (sd_...)")


def get_principal(
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a write; 401 without a valid token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    token = credentials.credentials
    if hmac.compare_digest(token_hash(token), ctx.operator_token_hash):
        return Principal(event_id=ANY_EVENT, role="admin", subject="operator")
    principal = authenticate(ctx.runtime.engine, token)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown token",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: str) -> Callable[[str, Principal], Principal]:
    """A guard: the caller holds one of `roles` for the event in the path (`event_id`)."""

    def guard(event_id: str, principal: PrincipalDep) -> Principal:
        if principal.event_id not in (event_id, ANY_EVENT):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"this token is for event {principal.event_id!r}")
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"needs role {' or '.join(roles)}, not {principal.role}")
        return principal

    return guard


AdminDep = Annotated[Principal, Depends(require("admin"))]


def appended(ctx: ApiContext, event_id: str, entries: Sequence[Entry]) -> Appended:
    """The response of a write step; readers of this process see it at once."""
    ctx.cache.invalidate(event_id)
    return Appended(entries=[EntryRef(seq=e.seq, type=e.type) for e in entries])
