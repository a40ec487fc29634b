"""The hall screen's reads: compact state, name pages and the live entries (SSE).

    GET /events/{id}/ceremony-state                         state.json (§18.1)
    GET /events/{id}/ceremony-state/{school}/{list}/{page}  one page of names
    GET /events/{id}/stream                                 entries as server-sent events

A reload fetches the state (it carries the checkpoint size it reflects), then
streams from that size: `?from=<size>`; a reconnect resumes after the standard
`Last-Event-ID` (the last seq received). Each frame is `id: <seq>` and
`data: <the entry's canonical bytes>`, the entry naming its own type. The logic
is in lottery_service/views (pure fold, per-event cache); this module reads a
`LogSource` (the service's log cache here; a v2 `entries.jsonl` in the tests)
and answers. docs/CEREMONY_SCREEN.md describes the formats.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...errors import EventNotFoundError
from ...service.snapshots import LogCache
from ...views import CeremonyStates, ListKind, LogSource, UnknownEventError
from ...views.ceremony import ViewError
from ...views.live import SourceEntry
from ..errors import error_responses
from ..schemas import MAX_SIZE

router = APIRouter(tags=["public"], responses=error_responses(422))

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
BATCH = 1000
LAST_EVENT_ID = re.compile(r"[0-9]{1,15}")
NO_CACHE = {"Cache-Control": "no-cache"}
SHUTDOWN = threading.Event()
"""Set when the server begins to stop: every stream then ends (the browsers reconnect
to whichever server comes next, from the last id they saw)."""


class LogCacheSource:
    """The service's signed log (service/snapshots.py) as a LogSource: up to its checkpoint."""

    def __init__(self, cache: LogCache) -> None:
        self.cache = cache

    def size(self, event: str) -> int:
        try:
            return self.cache.snapshot(event).size
        except EventNotFoundError:
            raise UnknownEventError(event) from None

    def entries(self, event: str, start: int, stop: int) -> Sequence[SourceEntry]:
        return [_JsonEntry(e.seq, e.time, e.type.value, e.body.to_json(), e.raw)
                for e in self.cache.snapshot(event).entries[start:stop]]


@dataclass(frozen=True)
class _JsonEntry:
    """An entry with its body as logged JSON, which the hall's fold reads
    (`views.ceremony.LoggedEntry`); `core.log.Entry` carries the typed body."""

    seq: int
    time: str
    type: str
    body: dict[str, Any]
    raw: bytes


@dataclass(frozen=True)
class Hall:
    """What the hall's reads need: the folded states and the public base URL (config.py)."""

    states: CeremonyStates
    public_base_url: str | None


_HALL_LOCK = threading.Lock()


def get_hall(request: Request) -> Hall:
    """The app's Hall: `app.state.hall` if set (the v2 test server sets it), else made
    once from the app's service (its log cache) and settings."""
    state = request.app.state
    with _HALL_LOCK:
        hall: Hall | None = getattr(state, "hall", None)
        if hall is None:
            hall = Hall(CeremonyStates(LogCacheSource(state.service.snapshots)),
                        state.runtime.settings.public_base_url)
            state.hall = hall
    return hall


HallDep = Annotated[Hall, Depends(get_hall)]


def no_event(event_id: str) -> HTTPException:
    return HTTPException(404, f"没有这个活动：{event_id} / no event {event_id!r}")


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json", headers=NO_CACHE)


@router.get("/events/{event_id}/ceremony-state", response_class=Response,
            responses={200: {"content": {"application/json": {}}}, **error_responses(404)})
def ceremony_state(event_id: str, hall: HallDep) -> Response:
    """The ceremony screen's compact live state at the latest checkpoint (§18.1 `state.json`)."""
    try:
        return _json(hall.states.snapshot(event_id))
    except UnknownEventError:
        raise no_event(event_id) from None


@router.get("/events/{event_id}/ceremony-state/{school}/{kind}/{page}", response_class=Response,
            responses={200: {"content": {"application/json": {}}}, **error_responses(404)})
def ceremony_page(event_id: str, school: str, kind: str,
                  page: Annotated[int, Path(ge=1, le=MAX_SIZE)], hall: HallDep) -> Response:
    """Page `page` (1-based) of a school's admitted or waiting list: reg and masked name."""
    if kind not in ListKind.__members__.values():
        raise HTTPException(404, f"没有这种名单：{kind}（应为 admitted 或 waiting）"
                                 f" / no list {kind!r}: admitted or waiting")
    try:
        return _json(hall.states.page(event_id, school, ListKind(kind), page))
    except UnknownEventError:
        raise no_event(event_id) from None
    except ViewError as exc:
        raise HTTPException(404, f"没有这一页：{school} {kind} 第{page}页 / {exc}") from None


async def entry_events(source: LogSource, event_id: str, start: int, request: Request,
                       poll: float = POLL_SECONDS,
                       heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[str]:
    """SSE frames of entries from `start` on, until the client goes away or the server
    stops."""
    next_seq = start
    last_sent = time.monotonic()
    yield "retry: 2000\n\n"
    while not SHUTDOWN.is_set() and not await request.is_disconnected():
        size = await run_in_threadpool(source.size, event_id)
        while size > next_seq:  # in batches, so a viewer from 0 never holds a city log at once
            batch = await run_in_threadpool(source.entries, event_id, next_seq,
                                            min(size, next_seq + BATCH))
            for entry in batch:
                yield f"id: {entry.seq}\ndata: {entry.raw.decode()}\n\n"
            next_seq += len(batch)
            last_sent = time.monotonic()
        if time.monotonic() - last_sent >= heartbeat:
            yield ": heartbeat\n\n"
            last_sent = time.monotonic()
        await anyio.sleep(poll)


@router.get("/events/{event_id}/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}, **error_responses(404, 422)})
def stream(event_id: str, request: Request, hall: HallDep,
           from_: Annotated[int, Query(alias="from", ge=0, le=MAX_SIZE)] = 0,
           last_event_id: Annotated[str | None, Header()] = None) -> StreamingResponse:
    """Log entries as server-sent events, from `?from=` or after `Last-Event-ID`."""
    source = hall.states.source
    try:
        source.size(event_id)  # 404 for an unknown event, before the stream starts
    except UnknownEventError:
        raise no_event(event_id) from None
    start = from_
    if last_event_id is not None and LAST_EVENT_ID.fullmatch(last_event_id):
        start = max(start, int(last_event_id) + 1)
    return StreamingResponse(
        entry_events(source, event_id, start, request), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
