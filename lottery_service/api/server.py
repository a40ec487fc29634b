"""Running the app under uvicorn, stopping promptly.

Live streams (SSE) never end by themselves, so a stop request first tells them
to end (`stream.SHUTDOWN`, within one poll interval), then uvicorn finishes the
other requests; whatever still runs after one second is cancelled. No access
log: the look-up is the hot path (bench/lookup_load.py); uvloop and httptools
come with uvicorn[standard] and are picked when installed.
"""

from __future__ import annotations

from types import FrameType
from typing import Any

import uvicorn

from .routes.stream import SHUTDOWN

APP = "lottery_service.api.app:app_from_env"


class Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        SHUTDOWN.set()
        super().handle_exit(sig, frame)


def run(host: str, port: int, workers: int = 1) -> None:
    """Serve until SIGINT or SIGTERM. With several workers uvicorn's supervisor runs
    its own servers: their streams are cancelled after the one-second grace."""
    options: dict[str, Any] = {"factory": True, "host": host, "port": port,
                               "log_level": "warning", "access_log": False,
                               "timeout_graceful_shutdown": 1,
                               "proxy_headers": False}  # trusted proxies: api/clients.py
    if workers > 1:
        uvicorn.run(APP, workers=workers, **options)
    else:
        Server(uvicorn.Config(APP, **options)).run()
