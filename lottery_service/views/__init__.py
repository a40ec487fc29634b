"""Read models derived from the log alone: what a public screen shows, as pure folds.

`ceremony` folds version-2 log entries (docs/PROTOCOL.md §11.2) into the hall
screen's compact live state (§18.1 `state.json`) and its paged name lists;
`live` keeps one such view per event up to date from a log source (the
service's log cache, or a version-2 `entries.jsonl`). Nothing here reads a
private table: a view says only what the log says.
"""

from .ceremony import FORMAT, PAGE_RECORDS, CeremonyView, ListKind, Step
from .live import CeremonyStates, JsonlLogSource, LogSource, UnknownEventError

__all__ = [
    "FORMAT", "PAGE_RECORDS", "CeremonyStates", "CeremonyView", "JsonlLogSource", "ListKind",
    "LogSource", "Step", "UnknownEventError",
]
