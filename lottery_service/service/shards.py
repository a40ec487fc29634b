"""The family shards a checkpoint changes (PROTOCOL.md §18.3), for the static publication.

A shard holds the family's receipt (§14), so it is rewritten whenever a checkpoint
changes what that receipt proves:

- an entry naming the family: its `lottery_result`, `grouping_result`, a `forfeit`,
  `lock` or `promotion`;
- the `matching_result` of its class (every pupil of that class);
- a `payment_round` or `payments_closed` (every lottery applicant: §14 puts every round
  in the receipt, and a round without a forfeit naming the family is what confirms it).

Nothing else changes a receipt's content; a shard written under an older checkpoint is
still that family's current result, and the reader checks its checkpoint against the
published one (§14 step 3). A rejected family gets no shard: its receipt opens its
rejection leaf, which only the app server hands out (§17.2). The address and key need
the family's second factor, which the service keeps only sealed under `lookup.key`
(`ServiceKeys.seal_factor`); families imported without one get no shard either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Final

from sqlmodel import col, select

from ..core.entries import (
    EntryType,
    Forfeit,
    GroupingResult,
    Lock,
    LotteryResult,
    MatchingResult,
    Promotion,
)
from ..core.log import Entry
from ..core.season import SeasonState
from ..publish import FamilyReceipt
from ..storage.models import ApplicationTable, PupilTable
from .keys import ServiceKeys
from .snapshots import LogCache
from .unit_of_work import Database

__all__ = ["FamilyShards", "changed_families"]

_BATCH: Final = 500  # regs per factor query
_EVERY_APPLICANT: Final = frozenset({EntryType.PAYMENT_ROUND, EntryType.PAYMENTS_CLOSED})
_NAMING = (LotteryResult, GroupingResult, Forfeit, Lock, Promotion)


def changed_families(entries: Sequence[Entry], state: SeasonState, start: int,
                     end: int) -> Iterator[str]:
    """The regs whose receipt (§14) at `end` differs from the one at `start`, each once.

    `entries` is the log from seq 0 and `state` folded at least to `end`."""
    new = entries[start:end]
    seen: set[str] = set()

    def once(regs: Iterable[str]) -> Iterator[str]:
        for reg in regs:
            if reg not in seen:
                seen.add(reg)
                yield reg

    if any(e.type in _EVERY_APPLICANT for e in new):
        yield from once(reg for reg, r in state.lottery_results.items() if r.seq < end)
    classes: dict[tuple[str, str], list[str]] | None = None
    for e in new:
        body = e.body
        if isinstance(body, _NAMING):
            yield from once((body.reg,))
        elif isinstance(body, MatchingResult):
            if classes is None:
                classes = {}
                for reg, g in state.grouping_results.items():
                    if g.seq < end:
                        classes.setdefault((g.body.school, g.body.class_), []).append(reg)
            yield from once(classes.get((body.school, body.class_), ()))


class FamilyShards:
    """The publication's receipt source (`publication.ReceiptSource`): for the entries
    start..end, each changed family with its receipt under the checkpoint `note`."""

    def __init__(self, db: Database, cache: LogCache, keys: ServiceKeys) -> None:
        self._db = db
        self._cache = cache
        self._keys = keys

    def __call__(self, event_id: str, start: int, end: int,
                 note: str) -> Iterator[FamilyReceipt]:
        self._cache.invalidate(event_id)
        snap = self._cache.snapshot(event_id)  # the log only grows: its size is >= end
        index = snap.receipts
        regs = changed_families(snap.entries, index.state, start, end)
        while batch := list(islice(regs, _BATCH)):
            factors = self._factors(event_id, batch)
            for reg in batch:
                sealed = factors.get(reg)
                if not sealed:
                    continue
                receipt = index.receipt(reg, end, note)
                if receipt is not None:
                    yield FamilyReceipt(reg, self._keys.open_factor(event_id, reg, sealed),
                                        receipt)

    def _factors(self, event_id: str, regs: list[str]) -> dict[str, str]:
        """reg → sealed second factor; an application's wins over a pupil record's, as in
        the look-up (`Snapshot.factor`)."""
        with self._db.read() as session:
            found = dict(session.exec(select(ApplicationTable.reg, ApplicationTable.id_last4_sealed)
                                      .where(ApplicationTable.event_id == event_id,
                                             col(ApplicationTable.reg).in_(regs))).all())
            rest = [reg for reg in regs if reg not in found]
            if rest:
                found.update(session.exec(select(PupilTable.reg, PupilTable.id_last4_sealed)
                                          .where(PupilTable.event_id == event_id,
                                                 col(PupilTable.reg).in_(rest))).all())
        return found
