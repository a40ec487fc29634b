"""Sunshine class grouping recomputed (PROTOCOL.md §9; S1–S8)."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

from verifier.ceremony import TAG_CLASS_ORDER, TAG_GROUPING_KEY, keyed


class GroupingError(ValueError):
    """The plan cannot hold the pupils or a together unit (S3, S4)."""


def group_school(seed: bytes, school: str, pupils: Sequence[dict[str, Any]],
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
    keys = {p["reg"]: key(p["reg"]) for p in pupils}
    placed: dict[str, int] = {}
    cnt = [0] * k
    strat_cnt: list[dict[str, int]] = [{} for _ in range(k)]
    gender_cnt: list[dict[str, int]] = [{} for _ in range(k)]
    groups: list[set[str]] = [set() for _ in range(k)]

    def stratum(p: dict[str, Any]) -> str:
        return str(p["gender"]) + "|" + ",".join(p["strata"])

    def marks(p: dict[str, Any]) -> list[str]:
        out = []
        if p["siblings"] is not None and p["siblings"]["mode"] == "apart":
            out.append("apart:" + p["siblings"]["group"])
        if p["same_name"] is not None:
            out.append("name:" + p["same_name"])
        return out

    def put(p: dict[str, Any], j: int) -> None:
        placed[p["reg"]] = j
        cnt[j] += 1
        st, g = stratum(p), p["gender"]
        strat_cnt[j][st] = strat_cnt[j].get(st, 0) + 1
        gender_cnt[j][g] = gender_cnt[j].get(g, 0) + 1
        groups[j].update(marks(p))

    # Step 5: together units.
    together: dict[str, list[dict[str, Any]]] = {}
    for p in pupils:
        if p["siblings"] is not None and p["siblings"]["mode"] == "together":
            together.setdefault(p["siblings"]["group"], []).append(p)
    units = sorted((min(keys[p["reg"]] for p in ms), g, ms)
                   for g, ms in together.items() if len(ms) >= 2)
    for _, g, ms in units:
        fits = [j for j in range(k) if t[j] - cnt[j] >= len(ms)]
        if not fits:
            raise GroupingError(f"school {school}: no class has room for together group {g} (S4)")
        j = min(fits, key=lambda j: (-(t[j] - cnt[j]), j))
        for p in ms:
            put(p, j)
    # Step 6: everyone else.
    rest = sorted((p for p in pupils if p["reg"] not in placed),
                  key=lambda p: (stratum(p), keys[p["reg"]]))
    for p in rest:
        st, g, mk = stratum(p), p["gender"], marks(p)
        best = min((j for j in range(k) if cnt[j] < t[j]),
                   key=lambda j: (1 if any(m in groups[j] for m in mk) else 0,
                                  strat_cnt[j].get(st, 0), gender_cnt[j].get(g, 0),
                                  cnt[j] - t[j], j))
        put(p, best)
    return {reg: ids[j] for reg, j in placed.items()}
