"""The FastAPI application: routes under /api/v1, pages and their static files.

Routes are adapters over `lottery_service.service`; `api/errors.py` maps every
error to its status and body, once.
"""

from __future__ import annotations

from fastapi import FastAPI

from ..config import Settings
from ..runtime import Runtime, open_runtime
from ..web import STATIC_DIR
from . import errors
from .routes import ceremonies, events, imports, pages, public, stream, witnessing

PREFIX = "/api/v1"

__all__ = ["PREFIX", "app_from_env", "create_app"]


def create_app(runtime: Runtime, *, cache_max_age: float | None = None,
               operator: str | None = None) -> FastAPI:
    """The API and pages of one runtime. `cache_max_age`: how stale (seconds) a page or
    look-up may read the log of an event written by another process (default 0.5);
    `operator`: the operator token, instead of the data directory's."""
    from fastapi.staticfiles import StaticFiles

    app = FastAPI(
        title="Sunshine Draw",
        version="1",
        summary="Auditable public lottery and sunshine class grouping (docs/PROTOCOL.md)",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    if cache_max_age is not None:
        runtime.service.snapshots.max_age = cache_max_age
    if operator is not None:
        runtime.service.tokens.use_operator(operator)
    app.state.service = runtime.service
    app.state.runtime = runtime
    # Public reads first: routes are matched in order, and the families' look-up is the
    # hot path under load (no path of one module shadows one of another).
    for module in (public, events, imports, ceremonies, stream, witnessing):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    errors.install(app)
    return app


def app_from_env() -> FastAPI:
    """uvicorn factory: `uvicorn --factory lottery_service.api.app:app_from_env`."""
    return create_app(open_runtime(Settings.from_env()))
