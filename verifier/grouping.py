"""Sunshine class grouping recomputed (PROTOCOL.md §9; S1–S8)."""

from __future__ import annotations

import heapq
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from verifier.ceremony import TAG_CLASS_ORDER, TAG_GROUPING_KEY, keyed


class GroupingError(ValueError):
    """The plan cannot hold the pupils or a together unit (S3, S4)."""


class Pupil(NamedTuple):
    """What §9 uses of a §3.2 pupil record; a tuple, since a city has 10^5 pupils.

    `gender` and `stratum` come from the pupil's opened attributes (§17.1); they are
    None when the sealed openings were not given (the public record commits to them).
    """

    reg: str
    school: str
    gender: str | None
    stratum: str | None
    """gender + "|" + ",".join(strata), the step 6 sort key."""
    siblings: tuple[str, str] | None
    """(group, mode) of a sibling request."""
    marks: tuple[str, ...]
    """The step 6 conflict groups: "apart:<group>", "name:<same_name>"."""


def pupil_of(record: dict[str, Any], gender: str | None = None,
             strata: Sequence[str] | None = None) -> Pupil:
    """The compact form of a pupil record already checked by records.pupil, with its
    opened gender and strata when known (§17.1)."""
    sib = record["siblings"]
    siblings = None if sib is None else (sib["group"], sys.intern(sib["mode"]))
    marks = []
    if siblings is not None and siblings[1] == "apart":
        marks.append("apart:" + siblings[0])
    if record["same_name"] is not None:
        marks.append("name:" + record["same_name"])
    stratum = None if gender is None else sys.intern(gender + "|" + ",".join(strata or ()))
    return Pupil(record["reg"], sys.intern(record["school"]), gender, stratum, siblings,
                 tuple(marks))


def group_school(seed: bytes, school: str, pupils: Sequence[Pupil],
                 plan: dict[str, Any]) -> dict[str, str]:
    """reg -> class id for one school; needs every pupil's opened attributes (§17.3)."""
    if any(p.gender is None or p.stratum is None for p in pupils):
        raise GroupingError(f"school {school}: grouping needs every pupil's opened "
                            "attributes (§17.3)")
    classes = plan["classes"]
    n = len(pupils)
    if n > sum(c["capacity"] for c in classes):
        raise GroupingError(f"school {school}: {n} pupils exceed the plan's capacity (S3)")
    pi = class_order(seed, school, classes)
    ids = [c["id"] for c in pi]
    k = len(pi)
    t = _targets(pi, n)
    key = keyed(seed, TAG_GROUPING_KEY)
    keys = {p.reg: key(p.reg) for p in pupils}
    placed: dict[str, int] = {}
    cnt = [0] * k
    strat_cnt: list[dict[str, int]] = [{} for _ in range(k)]
    gender_cnt: list[dict[str, int]] = [{} for _ in range(k)]
    groups: list[set[str]] = [set() for _ in range(k)]

    def put(p: Pupil, j: int) -> None:
        placed[p.reg] = j
        cnt[j] += 1
        st, g = p.stratum or "", p.gender or ""
        strat_cnt[j][st] = strat_cnt[j].get(st, 0) + 1
        gender_cnt[j][g] = gender_cnt[j].get(g, 0) + 1
        groups[j].update(p.marks)

    # Step 5: together units; a sibling group has one mode (§9).
    modes: dict[str, str] = {}
    together: dict[str, list[Pupil]] = {}
    for p in pupils:
        if p.siblings is not None:
            group, mode = p.siblings
            if modes.setdefault(group, mode) != mode:
                raise GroupingError(f"school {school}: sibling group {group} mixes together "
                                    "and apart requests (§9)")
            if mode == "together":
                together.setdefault(group, []).append(p)
    units = sorted((min(keys[p.reg] for p in ms), g, ms)
                   for g, ms in together.items() if len(ms) >= 2)
    for _, g, ms in units:
        fits = [j for j in range(k) if t[j] - cnt[j] >= len(ms)]
        if not fits:
            raise GroupingError(f"school {school}: no class has room for together group {g} (S4)")
        j = min(fits, key=lambda j: (-(t[j] - cnt[j]), j))
        for p in ms:
            put(p, j)
    # Step 6: everyone else.
    rest = sorted((p for p in pupils if p.reg not in placed),
                  key=lambda p: (p.stratum or "", keys[p.reg]))
    for p in rest:
        st, g, mk = p.stratum or "", p.gender or "", p.marks
        # The smallest (conflict, stratum count, gender count, −room, π-position);
        # the position j, last in the tuple, names the class.
        best = min((0 if groups[j].isdisjoint(mk) else 1, strat_cnt[j].get(st, 0),
                    gender_cnt[j].get(g, 0), cnt[j] - t[j], j)
                   for j in range(k) if cnt[j] < t[j])
        put(p, best[-1])
    return {reg: ids[j] for reg, j in placed.items()}


def class_order(seed: bytes, school: str, classes: Sequence[dict[str, Any]]
                ) -> list[dict[str, Any]]:
    """Step 2: the class order π."""
    order_key = keyed(seed, TAG_CLASS_ORDER)
    return sorted(classes, key=lambda c: (order_key(f"{school}/{c['id']}"), c["id"]))


def _targets(pi: Sequence[dict[str, Any]], n: int) -> list[int]:
    """Step 3 (S8): n times, one more pupil to the class below capacity with the
    smallest target, ties by π."""
    cap = [c["capacity"] for c in pi]
    t = [0] * len(pi)
    heap = [(0, j) for j in range(len(pi))]
    for _ in range(n):
        if not heap:
            raise GroupingError(f"{n} pupils exceed the plan's capacity (S3)")
        tj, j = heapq.heappop(heap)
        t[j] = tj + 1
        if tj + 1 < cap[j]:
            heapq.heappush(heap, (tj + 1, j))
    return t


# --- The verifier's call sites (steps 9, 17, 23). The grouping rewrite of §9 replaces
# --- the bodies below with its own feasibility conditions and public bounds.


def targets(seed: bytes, school: str, plan: dict[str, Any], n: int) -> dict[str, int]:
    """Class id -> its §9 target size for n pupils (public: the seed and the plan)."""
    pi = class_order(seed, school, plan["classes"])
    return {c["id"]: t for c, t in zip(pi, _targets(pi, n), strict=True)}


def feasible(school: str, pupils: Sequence[Pupil], plan: dict[str, Any]) -> None:
    """§3.4: the §9 conditions, from public records only, under which grouping completes
    for every seed; raises GroupingError.

    The §9 text on this branch states these conditions only in part: the plan holds
    the pupils (S3), sibling groups have one mode, and each together unit fits the
    largest target any seed can give (necessary; §9 step 5 may still fail by order).
    """
    n = len(pupils)
    if n > sum(c["capacity"] for c in plan["classes"]):
        raise GroupingError(f"school {school}: {n} pupils exceed the plan's capacity (S3)")
    modes: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for p in pupils:
        if p.siblings is not None:
            group, mode = p.siblings
            if modes.setdefault(group, mode) != mode:
                raise GroupingError(f"school {school}: sibling group {group} mixes together "
                                    "and apart requests (§9)")
            if mode == "together":
                sizes[group] = sizes.get(group, 0) + 1
    largest = max(_targets(plan["classes"], n), default=0)
    big = sorted(g for g, k in sizes.items() if k > largest)
    if big:
        raise GroupingError(f"school {school}: together group {big[0]} is larger than any "
                            "class's target (S4)")


def public_bounds(school: str, pupils: Sequence[Pupil], plan: dict[str, Any],
                  summary: dict[str, Any]) -> str:
    """§17.4: the balance bounds §9 states, checked on the published per-class counts;
    returns what was checked. Raises GroupingError.

    §9 (this branch): with equal capacities and no together, apart or same-name
    groups, each gender's and each stratum's counts over classes are at most one
    apart. Its separation rule depends on the private placement order, so it is
    checked only with the openings (the full recomputation).
    """
    caps = {c["capacity"] for c in plan["classes"]}
    if len(caps) != 1 or any(p.siblings is not None or p.marks for p in pupils):
        return "balance bound not applicable (unequal capacities or sibling/同名 groups)"
    rows = summary["classes"]
    counts = {g: [c["genders"][g] for c in rows] for g in ("F", "M")}
    for s in rows[0]["strata"] if rows else ():
        counts[s] = [c["strata"].get(s, 0) for c in rows]
    for what, xs in counts.items():
        if xs and max(xs) - min(xs) > 1:
            raise GroupingError(f"school {school}: {what} counts {xs} over classes differ by "
                                "more than one (S8)")
    return "balance within one per class"
