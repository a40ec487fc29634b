"""HTTP API (FastAPI) over the service layer: `create_app(runtime)`."""

from .app import create_app

__all__ = ["create_app"]
