"""The cases of tests/vectors/phase_order.json, expanded (PROTOCOL.md §11.3, §5.1).

Shared by the verifier's test (tests/unit/verifier/test_verifier_phase_order.py)
and the service's (tests/unit/test_phase_order.py): each gets the same logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.paths import VECTORS

PATH = VECTORS / "phase_order.json"


@dataclass(frozen=True)
class Entry:
    """One log entry of a case: its type and the body members phase order reads."""

    type: str
    body: dict[str, Any]
    time: str | None = None
    """The entry's time, given only where a rule reads it (times, windows)."""


@dataclass(frozen=True)
class Case:
    name: str
    log: tuple[Entry, ...]
    beacon: bool
    violates: str | None
    """The rule id the last entry breaks; None for a log in order."""
    rehearsal: bool = False
    """rules.rehearsal is true (§19)."""


def _expand(items: list[Any], sequences: dict[str, list[Any]], depth: int = 0) -> list[Entry]:
    if depth > 20:
        raise ValueError("sequences nest too deep (a cycle?)")
    out: list[Entry] = []
    for item in items:
        if isinstance(item, str):
            if not item.startswith("@") or item[1:] not in sequences:
                raise ValueError(f"unknown sequence {item!r}")
            out += _expand(sequences[item[1:]], sequences, depth + 1)
        else:
            type_, body, *time = item
            out.append(Entry(type_, body, time[0] if time else None))
    return out


def load() -> tuple[dict[str, str], list[Case]]:
    """(rule id -> rule text, cases) from the vector file."""
    data = json.loads(PATH.read_text("utf-8"))
    cases = []
    for c in data["cases"]:
        if ("valid" in c) == ("violates" in c) or c.get("valid", True) is not True:
            raise ValueError(f"case {c['name']}: give valid: true or violates: <rule>")
        cases.append(Case(c["name"], tuple(_expand(c["log"], data["sequences"])),
                          c.get("beacon", False), c.get("violates"), c.get("rehearsal", False)))
    return data["rules"], cases
