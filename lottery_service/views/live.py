"""Keeping one ceremony view per event current from a log source.

A `LogSource` gives an event's checkpoint size (the entries a reader may see)
and its entries by seq; the service's log cache is one (api/routes/stream.py
adapts it), a version-2 `entries.jsonl` is another (`JsonlLogSource`: the
tests' and the bench's v2 logs, or a downloaded bundle). `CeremonyStates` folds
each event's new entries once, whoever asks, and encodes the snapshot and the
name pages once per size, so a hall of reloading viewers costs one fold.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .ceremony import CeremonyView, ListKind, LoggedEntry


class UnknownEventError(LookupError):
    """The source has no log for this event id."""


class SourceEntry(LoggedEntry, Protocol):
    """A logged entry with the exact bytes that were hashed (§11.1); sent as they are."""

    @property
    def raw(self) -> bytes: ...


class LogSource(Protocol):
    """An event's log as a reader sees it: up to its latest checkpoint."""

    def size(self, event: str) -> int:
        """The checkpoint size; raises UnknownEventError."""
        ...

    def entries(self, event: str, start: int, stop: int) -> Sequence[SourceEntry]:
        """Entries start … stop−1 (stop ≤ size)."""
        ...


@dataclass(frozen=True, slots=True)
class JsonlEntry:
    seq: int
    time: str
    type: str
    body: dict[str, Any]
    raw: bytes


@dataclass
class _File:
    path: Path
    offset: int = 0
    lines: list[bytes] = field(default_factory=list)


class JsonlLogSource:
    """Version-2 logs as `entries.jsonl` files (§13: one canonical entry per line).

    The file may grow while it is read (a writer appends whole lines): each call
    reads what was appended since, and a line without its newline is not there
    yet. Lines are kept as bytes and parsed when asked for, so a city-scale log
    costs its size in memory, not a dictionary per entry.
    """

    def __init__(self, paths: Mapping[str, Path]) -> None:
        self._files = {event: _File(Path(p)) for event, p in paths.items()}
        self._lock = threading.Lock()

    def _refresh(self, event: str) -> _File:
        f = self._files.get(event)
        if f is None:
            raise UnknownEventError(event)
        with self._lock, f.path.open("rb") as handle:
            handle.seek(f.offset)
            data = handle.read()
            end = data.rfind(b"\n") + 1
            f.lines += data[:end].splitlines()
            f.offset += end
        return f

    def size(self, event: str) -> int:
        return len(self._refresh(event).lines)

    def entries(self, event: str, start: int, stop: int) -> Sequence[JsonlEntry]:
        out = []
        for raw in self._refresh(event).lines[start:stop]:
            obj = json.loads(raw)
            out.append(JsonlEntry(obj["seq"], obj["time"], obj["type"], obj["body"], raw))
        return out


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class _Event:
    view: CeremonyView = field(default_factory=CeremonyView)
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: bytes | None = None
    pages: dict[tuple[str, ListKind, int], bytes] = field(default_factory=dict)


class CeremonyStates:
    """The ceremony view of every event a source has, folded incrementally."""

    def __init__(self, source: LogSource) -> None:
        self.source = source
        self._events: dict[str, _Event] = {}
        self._lock = threading.Lock()

    def _current(self, event: str) -> _Event:
        """The event's view at the source's size (new entries folded; a shorter log refolded)."""
        size = self.source.size(event)
        with self._lock:
            state = self._events.setdefault(event, _Event())
        with state.lock:
            if size < state.view.size:  # not a log that grew: start again
                state.view = CeremonyView()
            if size > state.view.size:
                for entry in self.source.entries(event, state.view.size, size):
                    state.view.apply(entry)
                state.snapshot = None
                state.pages = {}
        return state

    def snapshot(self, event: str) -> bytes:
        """`state.json` of the event as JSON bytes, encoded once per size."""
        state = self._current(event)
        with state.lock:
            if state.snapshot is None:
                state.snapshot = _encode(state.view.snapshot())
            return state.snapshot

    def page(self, event: str, school: str, kind: ListKind, number: int) -> bytes:
        """One name page as JSON bytes; raises ceremony.ViewError for a page that is not there."""
        state = self._current(event)
        with state.lock:
            key = (school, kind, number)
            body = state.pages.get(key)
            if body is None:
                body = state.pages[key] = _encode(state.view.page(school, kind, number))
            return body

    def rules(self, event: str) -> dict[str, Any] | None:
        """The event's rule set (§3.1) as logged, or None before `event_created`."""
        state = self._current(event)
        with state.lock:
            return state.view.rules
