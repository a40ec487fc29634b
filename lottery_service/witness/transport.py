"""In-process witnesses behind an httpx transport: the tlog-witness protocol without a port.

The demo runs two witnesses inside its own process (`demo.witnesses`); the
service pushes to them exactly as to a remote one, over this transport, so
every byte goes through the same add-checkpoint encoding and the same
`Witness` rules (PROTOCOL.md §12.4, §12.5).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from .protocol import ADD_CHECKPOINT
from .server import Witness

__all__ = ["InProcessTransport"]


class InProcessTransport(httpx.BaseTransport):
    """Answers `POST <url>/add-checkpoint` and `GET <url>/<origin hash>/checkpoint` for each
    witness by its submission URL; anything else is a 404, as from an unknown server."""

    def __init__(self, witnesses: Mapping[str, Witness]) -> None:
        self._witnesses = {url.rstrip("/"): w for url, w in witnesses.items()}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        for base, witness in self._witnesses.items():
            if not url.startswith(base + "/"):
                continue
            path = url[len(base) + 1:]
            if request.method == "POST" and path == ADD_CHECKPOINT:
                reply = witness.add_checkpoint(request.read())
            elif request.method == "GET" and path.endswith("/checkpoint"):
                reply = witness.latest_checkpoint(path.removesuffix("/checkpoint"))
            else:
                break
            return httpx.Response(reply.status, content=reply.body,
                                  headers={"content-type": reply.content_type})
        return httpx.Response(404, content=b"no such witness\n")
