"""HTTP API (FastAPI) over the event service: `create_app(runtime)`."""

from .app import create_app

__all__ = ["create_app"]
