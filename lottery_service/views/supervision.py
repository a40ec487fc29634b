"""Which entries the supervisors' read-only page reads (PROTOCOL.md §18.1
`supervision.json`), as a fold: the positions of the entries that say what happened
to every school, not to one family.

The file is a hint, not evidence: the page reads each named entry from the tiles
and checks it against the signed checkpoint (§18.2), and says that whether the
list is complete is for the full verifier to check (it replays the whole bundle).
"""

from __future__ import annotations

from typing import Any, Final

from ..core.entries import EntryType
from .ceremony import LoggedEntry

__all__ = ["SUPERVISED", "SupervisionIndex"]

SUPERVISED: Final = frozenset({
    EntryType.SEED,  # each ceremony's seed (§5.7)
    EntryType.LOTTERY_SUMMARY,  # per school: places, applicants, admissions by stage (§7.4)
    EntryType.BIAS_AUDIT,  # the fairness tests over all pools (§8)
    EntryType.PAYMENT_ROUND, EntryType.PROMOTIONS, EntryType.PAYMENTS_CLOSED,  # §7.5
    EntryType.GROUPING_SUMMARY, EntryType.MATCHING_RESULT,  # §9, §10
    EntryType.CORRECTION,  # §11.1: a correction is a new entry, never an edit
    EntryType.PUBLISHED,  # a ceremony's results are out (§11.3)
})
_TYPES: Final = frozenset(t.value for t in SUPERVISED)


class SupervisionIndex:
    """The seqs of the supervised entries, folded entry by entry."""

    def __init__(self) -> None:
        self._seqs: list[int] = []

    def apply(self, entry: LoggedEntry) -> None:
        if entry.type in _TYPES:
            self._seqs.append(entry.seq)

    def snapshot(self, size: int) -> dict[str, Any]:
        return {"size": size, "entries": list(self._seqs)}
