"""The FastAPI application: routes under /api/v1, core errors mapped to HTTP.

    PhaseError, RosterFrozenError     409  a step out of order (§5.1, §11.3)
    ImportRejectedError               422  every bad row; nothing stored (G2)
    ProtocolError, NoteError          422  a value the protocol rejects
    ImportScopeError                  403  a school sent rows of another school
    EventNotFoundError, Checkpoint…   404
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..auth import token_hash
from ..config import Settings
from ..core.errors import ProtocolError
from ..core.note import NoteError
from ..core.season import PhaseError
from ..events import (
    CheckpointNotFoundError,
    EventNotFoundError,
    ImportRejectedError,
    ImportScopeError,
)
from ..keys import load_or_create_secret
from ..notify import FileGateway, SmsGateway
from ..runtime import Runtime, open_runtime
from .deps import ApiContext
from .logcache import LogCache
from .ratelimit import LookupLimiter
from .routes import ceremonies, events, imports, pages, public, stream

PREFIX = "/api/v1"
OPERATOR_TOKEN_FILE = "operator.token"


def operator_token(settings: Settings) -> str:
    """SUNSHINE_OPERATOR_TOKEN, else a token kept in the data directory (mode 0600)."""
    env = os.environ.get("SUNSHINE_OPERATOR_TOKEN")
    if env:
        return env
    return "sd_op_" + load_or_create_secret(settings.data_dir / OPERATOR_TOKEN_FILE).hex()


def create_app(runtime: Runtime, *, gateway: SmsGateway | None = None,
               limiter: LookupLimiter | None = None, cache_max_age: float = 0.5,
               operator: str | None = None) -> FastAPI:
    """The API for one runtime. `gateway` defaults to a JSON-lines file in the data dir."""
    app = FastAPI(
        title="Sunshine Draw",
        version="1",
        summary="Auditable public lottery and sunshine class grouping (docs/PROTOCOL.md)",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.api = ApiContext(
        runtime=runtime,
        cache=LogCache(runtime.engine, max_age=cache_max_age),
        limiter=limiter or LookupLimiter(),
        gateway=gateway or FileGateway(runtime.settings.data_dir / "sms-outbox.jsonl"),
        operator_token_hash=token_hash(operator or operator_token(runtime.settings)),
    )
    # Public reads first: routes are matched in order, and the families' look-up is the
    # hot path under load (no path of one module shadows one of another).
    for module in (public, events, imports, ceremonies, stream):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(pages.router)
    app.mount("/static", pages.static_files(), name="static")
    _error_handlers(app)
    return app


def app_from_env() -> FastAPI:
    """uvicorn factory: `uvicorn --factory lottery_service.api.app:app_from_env`."""
    return create_app(open_runtime(Settings.from_env()))


def _error(status: int, exc: BaseException, **extra: Any) -> JSONResponse:
    detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    body: dict[str, Any] = {"error": type(exc).__name__, "detail": detail}
    if isinstance(exc, ProtocolError):
        body["section"] = exc.section or None
    body.update(extra)
    return JSONResponse(body, status_code=status)


def _error_handlers(app: FastAPI) -> None:
    ctx: ApiContext = app.state.api

    @app.exception_handler(PhaseError)
    async def phase_error(request: Request, exc: PhaseError) -> JSONResponse:
        event_id = request.path_params.get("event_id")
        phase = None
        if isinstance(event_id, str):
            try:
                state = await run_in_threadpool(ctx.runtime.service.state, event_id)
                phase = state.phase.value
            except EventNotFoundError:
                pass
        return _error(409, exc, phase=phase)

    @app.exception_handler(ImportRejectedError)
    async def import_rejected(request: Request, exc: ImportRejectedError) -> JSONResponse:
        return JSONResponse({
            "errors": [{"row": e.row, "field": e.field, "reason": e.reason} for e in exc.errors],
            "report": exc.report,
        }, status_code=422)

    @app.exception_handler(ImportScopeError)
    async def import_scope(request: Request, exc: ImportScopeError) -> JSONResponse:
        return _error(403, exc, rows=list(exc.rows))

    @app.exception_handler(ProtocolError)
    async def protocol_error(request: Request, exc: ProtocolError) -> JSONResponse:
        return _error(422, exc)

    @app.exception_handler(NoteError)
    async def note_error(request: Request, exc: NoteError) -> JSONResponse:
        return _error(422, exc, section="12")

    @app.exception_handler(EventNotFoundError)
    async def event_not_found(request: Request, exc: EventNotFoundError) -> JSONResponse:
        return _error(404, exc)

    @app.exception_handler(CheckpointNotFoundError)
    async def checkpoint_not_found(request: Request, exc: CheckpointNotFoundError
                                   ) -> JSONResponse:
        return _error(404, exc)
