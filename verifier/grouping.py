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
    """What §9 uses of a §3.2 pupil record; a tuple, since a city has 10^5 pupils."""

    reg: str
    school: str
    gender: str
    stratum: str
    """gender + "|" + ",".join(strata), the step 6 sort key."""
    siblings: tuple[str, str] | None
    """(group, mode) of a sibling request."""
    marks: tuple[str, ...]
    """The step 6 conflict groups: "apart:<group>", "name:<same_name>"."""


def pupil_of(record: dict[str, Any]) -> Pupil:
    """The compact form of a pupil record already checked by records.pupil."""
    sib = record["siblings"]
    siblings = None if sib is None else (sib["group"], sys.intern(sib["mode"]))
    marks = []
    if siblings is not None and siblings[1] == "apart":
        marks.append("apart:" + siblings[0])
    if record["same_name"] is not None:
        marks.append("name:" + record["same_name"])
    gender = record["gender"]
    return Pupil(record["reg"], sys.intern(record["school"]), gender,
                 sys.intern(gender + "|" + ",".join(record["strata"])), siblings, tuple(marks))


def group_school(seed: bytes, school: str, pupils: Sequence[Pupil],
                 plan: dict[str, Any]) -> dict[str, str]:
    """reg -> class id for one school."""
    classes = plan["classes"]
    n = len(pupils)
    if n > sum(c["capacity"] for c in classes):
        raise GroupingError(f"school {school}: {n} pupils exceed the plan's capacity (S3)")
    order_key = keyed(seed, TAG_CLASS_ORDER)
    pi = sorted(classes, key=lambda c: (order_key(f"{school}/{c['id']}"), c["id"]))
    ids = [c["id"] for c in pi]
    cap = [c["capacity"] for c in pi]
    k = len(pi)
    # Step 3: targets (S8).
    t = [0] * k
    heap = [(0, j) for j in range(k)]
    for _ in range(n):
        tj, j = heapq.heappop(heap)
        t[j] = tj + 1
        if tj + 1 < cap[j]:
            heapq.heappush(heap, (tj + 1, j))
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
        strat_cnt[j][p.stratum] = strat_cnt[j].get(p.stratum, 0) + 1
        gender_cnt[j][p.gender] = gender_cnt[j].get(p.gender, 0) + 1
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
                  key=lambda p: (p.stratum, keys[p.reg]))
    for p in rest:
        st, g, mk = p.stratum, p.gender, p.marks
        # The smallest (conflict, stratum count, gender count, −room, π-position);
        # the position j, last in the tuple, names the class.
        best = min((0 if groups[j].isdisjoint(mk) else 1, strat_cnt[j].get(st, 0),
                    gender_cnt[j].get(g, 0), cnt[j] - t[j], j)
                   for j in range(k) if cnt[j] < t[j])
        put(p, best[-1])
    return {reg: ids[j] for reg, j in placed.items()}
