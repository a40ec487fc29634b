"""The FastAPI application: routes under /api/v1, pages and their static files.

Routes are adapters over `lottery_service.service`; `api/errors.py` maps every
error to its status and body, once. `api/security.py` adds the security headers to
every response, error answers included; the API docs page (/api/v1/docs) is a page of
`routes/pages.py` with Swagger UI served from /static (no CDN, no inline script).
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp

from ..config import Settings
from ..runtime import Runtime, open_runtime
from ..web import STATIC_DIR
from . import errors
from .routes import (
    ceremonies,
    events,
    imports,
    notifications,
    operate,
    pages,
    public,
    stream,
    witnessing,
)
from .security import SecurityHeaders

PREFIX = "/api/v1"

__all__ = ["PREFIX", "app_from_env", "create_app"]


class SecuredApp(FastAPI):
    """FastAPI with `SecurityHeaders` outermost: around Starlette's own error middleware
    too, so even an unexpected error's answer carries the headers."""

    publication_url: str | None = None

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), self.publication_url)


def _favicon() -> RedirectResponse:
    """Pages link /static/favicon.svg; this answers clients that ask by the old name."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


def create_app(runtime: Runtime, *, cache_max_age: float | None = None,
               operator: str | None = None) -> FastAPI:
    """The API and pages of one runtime. `cache_max_age`: how stale (seconds) a page or
    look-up may read the log of an event written by another process (default 0.5);
    `operator`: the operator token, instead of the data directory's. The parents' page
    may fetch from SUNSHINE_PUBLICATION_URL (§18), so its origin is in the CSP."""
    from fastapi.staticfiles import StaticFiles

    app = SecuredApp(
        title="Sunshine Draw",
        version="1",
        summary="Auditable public lottery and sunshine class grouping (docs/PROTOCOL.md)",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,  # routes/pages.py serves it, assets from /static
        redoc_url=None,
    )
    app.publication_url = os.environ.get("SUNSHINE_PUBLICATION_URL") or None
    if cache_max_age is not None:
        runtime.service.snapshots.max_age = cache_max_age
    if operator is not None:
        runtime.service.tokens.use_operator(operator)
    app.state.service = runtime.service
    app.state.runtime = runtime
    # Public reads first: routes are matched in order, and the families' look-up is the
    # hot path under load (no path of one module shadows one of another).
    for module in (public, events, imports, ceremonies, stream, operate, notifications, witnessing):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    errors.install(app)
    return app


def app_from_env() -> FastAPI:
    """uvicorn factory: `uvicorn --factory lottery_service.api.app:app_from_env`."""
    return create_app(open_runtime(Settings.from_env()))
