"""Head-teacher matching recomputed (PROTOCOL.md §10; S5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifier.ceremony import TAG_TEACHER_KEY, keyed


class MatchingError(ValueError):
    """Teachers and classes of a school differ in number (S5)."""


def match_school(seed: bytes, school: str, teachers: Sequence[str],
                 plan: dict[str, Any]) -> list[dict[str, str]]:
    """Pairs sorted by class: the i-th class gets the i-th teacher in key order."""
    classes = sorted(c["id"] for c in plan["classes"])
    if len(teachers) != len(classes):
        raise MatchingError(f"school {school}: {len(teachers)} teachers for "
                            f"{len(classes)} classes (S5)")
    key = keyed(seed, TAG_TEACHER_KEY)
    order = sorted(teachers, key=lambda t: (key(f"{school}/{t}"), t))
    return [{"class": c, "teacher": t} for c, t in zip(classes, order, strict=True)]
