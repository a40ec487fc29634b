"""Sunshine class grouping (PROTOCOL.md §9; rules S3, S4, S8).

Each school is grouped on its own from its pupils, its class plan and the
grouping seed `g`, and nothing else: no ability, score or request enters (S8),
so anyone holding the published inputs and seed can recompute every class.
Every pupil's position depends only on keyed values of its `reg` and the class
ids, never on input order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .errors import GroupingError
from .hashing import TAG_CLASS_ORDER, TAG_GROUPING_KEY, keyed
from .records import ClassPlan, Pupil

__all__ = [
    "Grouping",
    "SchoolGrouping",
    "class_order",
    "class_targets",
    "group_all",
    "group_school",
    "grouping_key_function",
    "stratum",
]


@dataclass(frozen=True, slots=True)
class SchoolGrouping:
    """One school's result with the intermediate values a verifier re-derives."""

    school: str
    class_order: tuple[str, ...]  # π, step 2
    targets: Mapping[str, int]  # class id -> t_j, step 3
    assignments: Mapping[str, str]  # reg -> class id, step 7


@dataclass(frozen=True, slots=True)
class Grouping:
    """Every school's grouping; `assignments` maps reg -> (school, class id)."""

    assignments: Mapping[str, tuple[str, str]]
    schools: Mapping[str, SchoolGrouping]


def grouping_key_function(seed: bytes) -> Callable[[str], bytes]:
    """reg ↦ key(p) = K(g, "sunshine-draw/v1/grouping-key", reg) (§9 step 4)."""
    return keyed(seed, TAG_GROUPING_KEY)


def class_order(plan: ClassPlan, seed: bytes) -> tuple[str, ...]:
    """π: class ids sorted by (K(g, class-order, school/class), class id) (§9 step 2)."""
    k = keyed(seed, TAG_CLASS_ORDER)
    prefix = plan.school + "/"
    return tuple(sorted((c.id for c in plan.classes), key=lambda cid: (k(prefix + cid), cid)))


def class_targets(capacities: Sequence[int], n: int) -> list[int]:
    """Targets t_j for capacities listed in π order (§9 step 3, S8).

    Closed form of the rule "N times, add one to the non-full class with the
    smallest t_j, ties by π": that rule fills level by level, so every class
    ends at min(c_j, L) for the largest L with Σ min(c_j, L) ≤ N, and the
    remaining r < #{c_j > L} units go to the first r classes in π order with
    c_j > L. tests/unit/test_grouping.py checks it against the literal rule.
    """
    if n < 0 or n > sum(capacities):
        raise GroupingError(f"{n} pupils do not fit capacities {list(capacities)} (S3)")
    if n == 0:
        return [0] * len(capacities)
    lo, hi = 0, max(capacities)
    while lo < hi:  # largest L with Σ min(c, L) ≤ n
        mid = (lo + hi + 1) // 2
        if sum(min(c, mid) for c in capacities) <= n:
            lo = mid
        else:
            hi = mid - 1
    level = lo
    targets = [min(c, level) for c in capacities]
    rest = n - sum(targets)
    for j, c in enumerate(capacities):
        if rest == 0:
            break
        if c > level:
            targets[j] += 1
            rest -= 1
    return targets


def stratum(pupil: Pupil) -> str:
    """gender + "|" + ",".join(strata) (§9 step 6)."""
    return pupil.gender + "|" + ",".join(pupil.strata)


def _conflict_tokens(pupil: Pupil) -> tuple[str, ...]:
    # §9 step 6: a class conflicts if it holds a pupil of the same `apart` sibling
    # group or the same `same_name` group. "/" cannot occur in an id, so the
    # two kinds of token never collide.
    tokens: list[str] = []
    if pupil.siblings is not None and pupil.siblings.mode == "apart":
        tokens.append("a/" + pupil.siblings.group)
    if pupil.same_name is not None:
        tokens.append("n/" + pupil.same_name)
    return tuple(tokens)


def _group(plan: ClassPlan, pupils: Sequence[Pupil], seed: bytes) -> SchoolGrouping:
    school = plan.school
    seen: set[str] = set()
    for p in pupils:
        if p.school != school:
            raise GroupingError(f"pupil {p.reg} belongs to {p.school}, not {school}")
        if p.reg in seen:
            raise GroupingError(f"pupil {p.reg} appears twice in school {school}")
        seen.add(p.reg)

    # Step 1 (S3): the plan must hold the whole locked cohort.
    total = sum(c.capacity for c in plan.classes)
    if len(pupils) > total:
        raise GroupingError(
            f"school {school}: {len(pupils)} pupils exceed the class plan's "
            f"capacity {total} (S3: the school must amend its plan)"
        )

    # Steps 2-3: π and the balanced targets (S8).
    order = class_order(plan, seed)
    capacity = {c.id: c.capacity for c in plan.classes}
    targets = class_targets([capacity[cid] for cid in order], len(pupils))
    k = len(order)

    # Step 4: keys.
    key_of = grouping_key_function(seed)
    keys = {p.reg: key_of(p.reg) for p in pupils}

    placed = [0] * k
    stratum_count: list[dict[str, int]] = [{} for _ in range(k)]
    gender_count: list[dict[str, int]] = [{"F": 0, "M": 0} for _ in range(k)]
    tokens_in: list[set[str]] = [set() for _ in range(k)]
    result: dict[str, str] = {}

    def place(p: Pupil, s: str, tokens: tuple[str, ...], j: int) -> None:
        result[p.reg] = order[j]
        placed[j] += 1
        stratum_count[j][s] = stratum_count[j].get(s, 0) + 1
        gender_count[j][p.gender] += 1
        tokens_in[j].update(tokens)

    # Step 5 (S4): together units of two or more, by ascending unit key (the
    # smallest member key; the group id only breaks a 256-bit tie), each into
    # the class with the most room t_j - n_j ≥ its size, ties by π.
    together: dict[str, list[Pupil]] = {}
    for p in pupils:
        if p.siblings is not None and p.siblings.mode == "together":
            together.setdefault(p.siblings.group, []).append(p)
    units = sorted(
        ((min(keys[m.reg] for m in members), group, members)
         for group, members in together.items() if len(members) >= 2),
        key=lambda u: (u[0], u[1]),
    )
    in_unit: set[str] = set()
    for _, group, members in units:
        size = len(members)
        best = -1
        for j in range(k):
            room = targets[j] - placed[j]
            if room >= size and (best < 0 or room > targets[best] - placed[best]):
                best = j
        if best < 0:
            raise GroupingError(
                f"school {school}: together siblings {group} ({size} pupils) fit in no "
                f"class (S4: the school must amend its plan or the request)"
            )
        for m in members:
            place(m, stratum(m), _conflict_tokens(m), best)
            in_unit.add(m.reg)

    # Step 6 (S8): everyone else by (stratum, key), each into the class with
    # n_j < t_j minimising (conflict, stratum count, gender count, -room, π).
    rest = sorted(
        ((stratum(p), keys[p.reg], p) for p in pupils if p.reg not in in_unit),
        key=lambda r: (r[0], r[1]),
    )
    for s, _, p in rest:
        tokens = _conflict_tokens(p)
        g = p.gender
        best_j = -1
        best_t: tuple[int, int, int, int] = (0, 0, 0, 0)
        for j in range(k):
            n_j = placed[j]
            if n_j >= targets[j]:
                continue
            conflict = 1 if tokens and not tokens_in[j].isdisjoint(tokens) else 0
            cand = (conflict, stratum_count[j].get(s, 0), gender_count[j][g], n_j - targets[j])
            if best_j < 0 or cand < best_t:  # equal tuples keep the earlier π position
                best_j, best_t = j, cand
        place(p, s, tokens, best_j)

    # Step 7.
    return SchoolGrouping(
        school=school,
        class_order=order,
        targets=dict(zip(order, targets, strict=True)),
        assignments=dict(sorted(result.items())),
    )


def group_school(plan: ClassPlan, pupils: Sequence[Pupil], seed: bytes) -> dict[str, str]:
    """reg -> class id for one school (§9 steps 1-7); raises GroupingError (S3, S4)."""
    return dict(_group(plan, pupils, seed).assignments)


def group_all(plans: Sequence[ClassPlan], pupils: Sequence[Pupil], seed: bytes) -> Grouping:
    """Group every school of the `grouping` ceremony (§9); raises GroupingError.

    Rejects a pupil whose school has no plan, a school with two plans, a reg
    given twice and a sibling group with mixed modes, then each school's plan
    (S3) and together requests (S4).
    """
    plan_of: dict[str, ClassPlan] = {}
    for plan in plans:
        if plan.school in plan_of:
            raise GroupingError(f"school {plan.school} has two class plans (S3)")
        plan_of[plan.school] = plan
    by_school: dict[str, list[Pupil]] = {s: [] for s in plan_of}
    seen: set[str] = set()
    modes: dict[tuple[str, str], str] = {}
    for p in pupils:
        if p.reg in seen:
            raise GroupingError(f"pupil {p.reg} appears twice in the cohort (S2)")
        seen.add(p.reg)
        if p.siblings is not None:
            mode = modes.setdefault((p.school, p.siblings.group), p.siblings.mode)
            if mode != p.siblings.mode:
                raise GroupingError(f"sibling group {p.siblings.group} mixes together and "
                                    f"apart requests (§9)")
        if p.school not in by_school:
            raise GroupingError(f"pupil {p.reg}: school {p.school} has no class plan (S3)")
        by_school[p.school].append(p)

    schools: dict[str, SchoolGrouping] = {}
    assignments: dict[str, tuple[str, str]] = {}
    for school in sorted(by_school):
        result = _group(plan_of[school], by_school[school], seed)
        schools[school] = result
        for reg, cid in result.assignments.items():
            assignments[reg] = (school, cid)
    return Grouping(assignments=dict(sorted(assignments.items())), schools=schools)
