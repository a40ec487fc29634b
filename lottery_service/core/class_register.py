"""Class-register re-check (PROTOCOL.md §15; rule S9).

The city bureau compares a school's class register, exported from the student
registry (学籍), with the logged grouping; this module is the comparison only.
Parsing the CSV (and mapping the registry's class labels to plan class ids)
happens at the edge, so the check itself is pure and mechanical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["RegisterDiff", "compare_register"]


@dataclass(frozen=True, slots=True)
class RegisterDiff:
    """Every departure from the logged grouping, each list sorted by reg."""

    moved: tuple[tuple[str, str, str], ...]  # (reg, logged class, register class)
    missing_from_register: tuple[str, ...]  # grouped, absent from the register
    not_in_grouping: tuple[str, ...]  # in the register, never grouped

    @property
    def clean(self) -> bool:
        """True when the school kept the grouping exactly (S9)."""
        return not (self.moved or self.missing_from_register or self.not_in_grouping)


def compare_register(grouping: Mapping[str, str], register: Mapping[str, str]) -> RegisterDiff:
    """Compare reg -> class from the log with reg -> class from the register (§15)."""
    moved = tuple(
        (reg, cls, register[reg])
        for reg, cls in sorted(grouping.items())
        if reg in register and register[reg] != cls
    )
    missing = tuple(sorted(reg for reg in grouping if reg not in register))
    extra = tuple(sorted(reg for reg in register if reg not in grouping))
    return RegisterDiff(moved=moved, missing_from_register=missing, not_in_grouping=extra)
