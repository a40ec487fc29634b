"""Server-sent events of the log, so the ceremony screen survives refresh and reconnect.

Each entry is sent as `id: <seq>`, `event: <type>`, `data: <entry JSON>`; a
client resumes with `?from=<seq>` or the standard `Last-Event-ID` header. The
stream reads the process's log cache (one event-row read per poll interval for
all viewers), sends a comment heartbeat when idle, and ends on disconnect.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...service.snapshots import LogCache
from ..deps import ServiceDep
from ..errors import error_responses
from ..schemas import MAX_SIZE

router = APIRouter(tags=["public"], responses=error_responses(422))

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
SHUTDOWN = threading.Event()
"""Set when the server begins to stop: every stream then ends (the browsers reconnect
to whichever server comes next, from the last id they saw)."""


async def entry_events(cache: LogCache, event_id: str, start: int, request: Request,
                       poll: float = POLL_SECONDS,
                       heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[str]:
    """SSE frames of entries from `start` on, until the client goes away or the server
    stops."""
    next_seq = start
    last_sent = time.monotonic()
    yield "retry: 2000\n\n"
    while not SHUTDOWN.is_set() and not await request.is_disconnected():
        snap = await run_in_threadpool(cache.snapshot, event_id)
        for entry in snap.entries[next_seq:]:
            yield f"id: {entry.seq}\nevent: {entry.type}\ndata: {entry.raw.decode()}\n\n"
            next_seq = entry.seq + 1
            last_sent = time.monotonic()
        if time.monotonic() - last_sent >= heartbeat:
            yield ": heartbeat\n\n"
            last_sent = time.monotonic()
        await anyio.sleep(poll)


@router.get("/events/{event_id}/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}, **error_responses(404, 422)})
def stream(event_id: str, request: Request, service: ServiceDep,
           from_: Annotated[int, Query(alias="from", ge=0, le=MAX_SIZE)] = 0,
           last_event_id: Annotated[str | None, Header()] = None) -> StreamingResponse:
    """Log entries as server-sent events, from `?from=` or after `Last-Event-ID`."""
    service.snapshots.snapshot(event_id)  # 404 for an unknown event, before the stream starts
    start = from_
    if last_event_id is not None and last_event_id.isdigit():
        start = max(start, int(last_event_id) + 1)
    return StreamingResponse(
        entry_events(service.snapshots, event_id, start, request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
