"""Each event's static publication (PROTOCOL.md §18), brought up to its newest checkpoint
after each commit, with `publish.publish_event`.

Where: official events under SUNSHINE_PUBLICATION_ROOT, rehearsals only under
SUNSHINE_REHEARSAL_PUBLICATION_ROOT (§19: each root is marked with its kind by
`publish.init_root`, and a rehearsal is never written into an official root,
nor an official event into a rehearsal root). Events of a kind with no root
configured are not published.

What: the entries since the published size (O(new entries)), the newest
checkpoint note with its cosignatures, the event's tlog-policy, `state.json` and
the ceremony screen's name pages (a view folded entry by entry, `StateView`),
`supervision.json` (the supervised entries' positions, `SupervisionIndex`), the
read-only pages (`SiteWriter`), the receipts of the families whose
receipt the new entries change (`ReceiptSource`, `shards.FamilyShards`: each is
sealed into the family's shard, §18.3), the bundle (§13) on the first publication
and whenever a ceremony's results are `published`, and the event context (§14.1)
under each checkpoint, from the read side's receipt index. Never the sealed
openings (§17.3): they are not in the bundle.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from sqlmodel import col, select

from ..auditlog import is_rehearsal_origin, latest_checkpoint
from ..core.entries import EntryType, EventCreated
from ..core.log import decode_entry
from ..publish import (
    FamilyReceipt,
    PublishError,
    PublishReport,
    RootKind,
    init_root,
    publish_event,
    published_checkpoint,
)
from ..storage.models import EventTable, LogEntryTable
from ..views.ceremony import CeremonyView, ListKind, LoggedEntry
from ..views.live import JsonlEntry
from ..views.supervision import SupervisionIndex
from .export import Exports
from .unit_of_work import Database
from .witnesses import Witnesses

__all__ = ["ContextSource", "EventPage", "Publication", "ReceiptSource", "SiteWriter",
           "StateView"]


class StateView(Protocol):
    """The ceremony screen's compact state (§18.1 `state.json`) and name pages
    (`state/<school>/<list>/<page>.json`), folded entry by entry: the hall's
    `views.ceremony.CeremonyView`."""

    def apply(self, entry: LoggedEntry) -> None: ...
    def snapshot(self) -> dict[str, Any]: ...
    def pages(self) -> Iterable[tuple[str, ListKind, int]]: ...
    def page(self, school: str, kind: ListKind, number: int) -> dict[str, Any]: ...


ReceiptSource = Callable[[str, int, int, str], Iterable[FamilyReceipt]]
"""`receipts_changed(event, from_size, to_size, note)`: the families whose receipt (§14)
changed with the entries from_size..to_size, each with its receipt under the
checkpoint `note` of to_size (§18.3)."""


ContextSource = Callable[[str, int, str], str]
"""`context(event, size, note)`: the event context (§14.1) under that checkpoint."""


@dataclass(frozen=True)
class EventPage:
    """What the event's published pages show besides what they verify (§18.1 assets)."""

    event: str
    title: str
    log_key: str
    policy: str
    drawn: bool  # the lottery results are in the log
    rehearsal: bool
    waitlist_promotion: bool  # the rule set's (§3.1): what the hall screen's rules say


SiteWriter = Callable[[EventPage, Path], None]
"""`site(page, directory)`: write the event's pages and their files into `directory`
(the app's `api.site.write_pages`); they are published into the event's directory."""


class Publication:
    def __init__(self, db: Database, witnesses: Witnesses, exports: Exports, *,
                 root: Path | None, rehearsal_root: Path | None,
                 contexts: ContextSource, receipts_changed: ReceiptSource,
                 site: SiteWriter | None = None,
                 new_view: Callable[[], StateView] = CeremonyView) -> None:
        self._db = db
        self._witnesses = witnesses
        self._exports = exports
        self.root = root
        self.rehearsal_root = rehearsal_root
        self.receipts_changed = receipts_changed
        self.contexts = contexts
        self.site = site
        self.new_view = new_view
        self._views: dict[str, tuple[StateView, SupervisionIndex]] = {}
        self._view_sizes: dict[str, int] = {}
        self._lock = threading.Lock()
        self._marked: set[Path] = set()

    def root_for(self, origin: str) -> Path | None:
        """Where an event of `origin` is published (§19); a rehearsal only under the
        rehearsal root."""
        return self.rehearsal_root if is_rehearsal_origin(origin) else self.root

    def publish(self, event_id: str) -> PublishReport | None:
        """Bring the event's publication to its newest checkpoint (None: not published)."""
        if self.root is None and self.rehearsal_root is None:
            return None
        with self._db.read() as session:
            event = session.get(EventTable, event_id)
            newest = None if event is None else latest_checkpoint(session, event_id)
        if event is None or newest is None:
            return None
        rehearsal = is_rehearsal_origin(event.origin)
        root = self.root_for(event.origin)
        if root is None:
            if rehearsal:
                raise PublishError(
                    f"演练 {event_id} 不发布到正式发布目录（未配置演练发布目录 "
                    f"SUNSHINE_REHEARSAL_PUBLICATION_ROOT）；a rehearsal is never published "
                    "into the official publication root (§19)")
            return None
        self._mark(root, RootKind.REHEARSAL if rehearsal else RootKind.OFFICIAL)
        current = root / event_id / "checkpoint"
        if current.exists() and current.read_text(encoding="utf-8") == newest.note:
            return None
        published = published_checkpoint(root, event_id)
        start = 0 if published is None else published.size
        with self._db.read() as session:  # a ceremony's results were published since
            results_out = session.exec(select(LogEntryTable.seq).where(
                LogEntryTable.event_id == event_id, col(LogEntryTable.seq) >= start,
                col(LogEntryTable.seq) < newest.size,
                LogEntryTable.type == EntryType.PUBLISHED.value).limit(1)).first() is not None
        state, pages, supervision = self._state(event_id, newest.size)
        with tempfile.TemporaryDirectory() as tmp:
            bundle = None
            if published is None or results_out:
                bundle = self._exports.write_into(event_id, Path(tmp)).resolve()
            assets = None
            policy = self._witnesses.policy(event_id)
            if self.site is not None:
                assets = Path(tmp) / "site"
                self.site(self._page(event_id, event.origin, policy), assets)
            return publish_event(
                root, event_id, checkpoint=newest.note, policy=policy,
                entries_since=lambda n: self._entries_since(event_id, n),
                state=state, state_pages=pages, supervision=supervision,
                receipts=self.receipts_changed(event_id, start, newest.size, newest.note),
                context=self.contexts(event_id, newest.size, newest.note), bundle=bundle,
                assets=assets)

    def _page(self, event_id: str, origin: str, policy: str) -> EventPage:
        """The page's facts from the log: the title (`event_created`'s rules, §3.1) and
        whether the lottery results are in (a `lottery_summary`, §7.4)."""
        with self._db.read() as session:
            first = session.exec(select(LogEntryTable.raw).where(
                LogEntryTable.event_id == event_id, LogEntryTable.seq == 0)).one()
            drawn = session.exec(select(LogEntryTable.seq).where(
                LogEntryTable.event_id == event_id,
                LogEntryTable.type == EntryType.LOTTERY_SUMMARY.value).limit(1)).first()
        created = decode_entry(first).body
        if not isinstance(created, EventCreated):  # §11.3: entry 0 creates the event
            raise PublishError(f"{event_id}: entry 0 is not event_created (§11.3)")
        return EventPage(event_id, created.rules.title, self._witnesses.log_key(event_id),
                         policy, drawn is not None,
                         is_rehearsal_origin(origin), created.rules.waitlist_promotion)

    def _mark(self, root: Path, kind: RootKind) -> None:
        if root not in self._marked:
            init_root(root, kind)  # refuses a root marked with the other kind (§19)
            self._marked.add(root)

    def _entries_since(self, event_id: str, start: int) -> Iterator[bytes]:
        with self._db.read() as session:
            yield from session.exec(select(LogEntryTable.raw).where(
                LogEntryTable.event_id == event_id, col(LogEntryTable.seq) >= start)
                .order_by(col(LogEntryTable.seq)))

    def _state(self, event_id: str,
               size: int) -> tuple[bytes, list[tuple[str, bytes]], bytes]:
        """`state.json`, the name pages and `supervision.json` at `size`: the folds taken
        further by the new entries only (their JSON, as the hall's stream sends them)."""
        with self._lock:
            folded = self._views.get(event_id)
            done = self._view_sizes.get(event_id, 0)
            if folded is None or done > size:
                folded, done = (self.new_view(), SupervisionIndex()), 0
            view, index = folded
            for raw in islice(self._entries_since(event_id, done), size - done):
                obj = json.loads(raw)
                entry = JsonlEntry(obj["seq"], obj["time"], obj["type"], obj["body"], raw)
                view.apply(entry)
                index.apply(entry)
            self._views[event_id], self._view_sizes[event_id] = folded, size
            state = _json({**view.snapshot(), "size": size})
            pages = [(f"{school}/{kind.value}/{n}.json", _json(view.page(school, kind, n)))
                     for school, kind, n in view.pages()]
            return state, pages, _json(index.snapshot(size))


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
