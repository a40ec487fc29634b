"""Head-teacher matching recomputed (PROTOCOL.md §10; S5)."""

from __future__ import annotations

from collections.abc import Sequence

from verifier.ceremony import TAG_TEACHER_KEY, keyed


class MatchingError(ValueError):
    """Teachers and classes of a school differ in number (S5)."""


def match_school(seed: bytes, school: str, teachers: Sequence[str],
                 classes: Sequence[str]) -> list[tuple[str, str]]:
    """(class, teacher) pairs sorted by class: the i-th class gets the i-th teacher in
    key order."""
    ordered = sorted(classes)
    if len(teachers) != len(ordered):
        raise MatchingError(f"school {school}: {len(teachers)} teachers for "
                            f"{len(ordered)} classes (S5)")
    key = keyed(seed, TAG_TEACHER_KEY)
    order = sorted(teachers, key=lambda t: (key(f"{school}/{t}"), t))
    return list(zip(ordered, order, strict=True))
