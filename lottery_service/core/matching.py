"""Head-teacher matching (PROTOCOL.md §10; rule S5).

The second half of the "double random" (双随机): each class's head teacher is
drawn by the `teachers` seed, a ceremony held after grouping, so nobody who
could influence the grouping knew which teacher a class would get.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import MatchingError
from .hashing import TAG_TEACHER_KEY, keyed
from .records import ClassPlan, Teacher

__all__ = ["Pairs", "match_all", "match_school", "teacher_order"]

Pairs = tuple[tuple[str, str], ...]  # (class id, teacher id), sorted by class id


def teacher_order(school: str, teacher_ids: Sequence[str], seed: bytes) -> tuple[str, ...]:
    """Teacher ids sorted by (K(t, teacher-key, school/id), id) (§10)."""
    k = keyed(seed, TAG_TEACHER_KEY)
    prefix = school + "/"
    return tuple(sorted(teacher_ids, key=lambda tid: (k(prefix + tid), tid)))


def match_school(
    school: str, class_ids: Sequence[str], teachers: Sequence[Teacher], seed: bytes
) -> Pairs:
    """Pair the i-th class by id with the i-th teacher by key (§10, S5).

    Raises MatchingError unless every teacher belongs to `school`, no teacher or
    class is named twice and there is exactly one teacher per class (S5).
    """
    ids: list[str] = []
    for t in teachers:
        if t.school != school:
            raise MatchingError(f"teacher {t.id} belongs to {t.school}, not {school} (S5)")
        ids.append(t.id)
    if len(set(ids)) != len(ids):
        raise MatchingError(f"school {school}: a teacher is named twice (S5)")
    classes = sorted(class_ids)
    if len(set(classes)) != len(classes):
        raise MatchingError(f"school {school}: a class is listed twice (S5)")
    if len(ids) != len(classes):
        raise MatchingError(
            f"school {school}: {len(ids)} head teachers for {len(classes)} classes "
            f"(S5: exactly one per class)"
        )
    return tuple(zip(classes, teacher_order(school, ids, seed), strict=True))


def match_all(
    plans: Sequence[ClassPlan], teachers: Sequence[Teacher], seed: bytes
) -> Mapping[str, Pairs]:
    """school -> pairs for every school with a class plan, by school id (§10).

    Raises MatchingError for a teacher of a school without a plan, a teacher id
    used twice in the event, a school with two plans or a count mismatch (S5).
    """
    plan_of: dict[str, ClassPlan] = {}
    for plan in plans:
        if plan.school in plan_of:
            raise MatchingError(f"school {plan.school} has two class plans")
        plan_of[plan.school] = plan
    by_school: dict[str, list[Teacher]] = {s: [] for s in plan_of}
    seen: set[str] = set()
    for t in teachers:
        if t.id in seen:  # ids are unique within an event (§1)
            raise MatchingError(f"teacher {t.id} is named twice (S5)")
        seen.add(t.id)
        if t.school not in by_school:
            raise MatchingError(f"teacher {t.id}: school {t.school} has no class plan (S5)")
        by_school[t.school].append(t)
    return {
        school: match_school(school, [c.id for c in plan_of[school].classes],
                             by_school[school], seed)
        for school in sorted(plan_of)
    }
