"""Generate tests/vectors/grouping.json (PROTOCOL.md §9, protocol version 2).

Run by hand: `.venv/bin/python tests/vectors/generate_grouping.py`. The output
is deterministic. Expected values come from `reference_group`, a literal,
deliberately slow transcription of the §9 text on plain JSON records that
shares no code with lottery_service or the verifier: stdlib hmac, the N-times
target loop, the rounding walk on an explicit edge list, and in step 8 an
enumeration of every placement in search order (no bounds, no pruning), so the
vectors check both implementations' search independently. Inputs are kept small
enough for that enumeration.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("grouping.json")

Json = dict[str, Any]

TAG_CLASS_ORDER = "sunshine-draw/v1/class-order"
TAG_KEY = "sunshine-draw/v1/grouping-key"
TAG_ROUND = "sunshine-draw/v1/grouping-round"
TAG_PREFERENCE = "sunshine-draw/v1/grouping-preference"


class ReferenceError(Exception):
    """The reference refuses the input (GroupingError in the service)."""


def K(key: bytes, tag: str, ident: str) -> bytes:
    """K(key, tag, id) = HMAC-SHA256(key, UTF8(tag) ‖ 0x00 ‖ UTF8(id)) (§2.2)."""
    return hmac.new(key, tag.encode() + b"\x00" + ident.encode(), hashlib.sha256).digest()


def K_int(key: bytes, tag: str, ident: str) -> int:
    return int.from_bytes(K(key, tag, ident), "big")


def literal_targets(caps_in_order: list[int], n: int) -> list[int]:
    """§9 step 3 word for word: N times, +1 to the smallest non-full t_j, ties by π."""
    t = [0] * len(caps_in_order)
    for _ in range(n):
        free = [j for j in range(len(t)) if t[j] < caps_in_order[j]]
        j = min(free, key=lambda i: (t[i], i))
        t[j] += 1
    return t


def stratum_of(p: Json) -> str:
    return str(p["gender"]) + "|" + ",".join(p["strata"])


def gender_of(stratum: str) -> str:
    return stratum.split("|")[0]  # "*" (empty seats) is its own gender


def literal_quotas(school: str, strata: list[str], n_s: dict[str, int], t: list[int],
                   seed: bytes) -> tuple[dict[tuple[str, int], int], int]:
    """§9 step 6 for sizes `t` (the τ_j); returns q[(stratum, j)] and the rounds."""
    n = sum(n_s.values())
    k = len(t)
    if n == 0:
        return {(s, j): 0 for s in strata for j in range(k)}, 0
    genders = sorted({gender_of(s) for s in strata})
    # edges: (number, tail, head, value); nodes are tuples naming them
    edges: list[list[Any]] = []
    for s in strata:
        for j in range(k):
            edges.append([("stratum", s), ("gc", gender_of(s), j), n_s[s] * t[j]])
    for g in genders:
        n_g = sum(c for s, c in n_s.items() if gender_of(s) == g)
        for j in range(k):
            edges.append([("gc", g, j), ("class", j), n_g * t[j]])

    def fractional(e: int) -> bool:
        return bool(edges[e][2] % n)

    rounds = 0
    while any(fractional(e) for e in range(len(edges))):
        e0 = min(e for e in range(len(edges)) if fractional(e))
        walk_nodes = [edges[e0][0], edges[e0][1]]
        walk_edges = [e0]
        while True:
            here = walk_nodes[-1]
            arrived = walk_edges[-1]
            e = min(x for x in range(len(edges)) if fractional(x) and x != arrived
                    and here in (edges[x][0], edges[x][1]))
            there = edges[e][1] if edges[e][0] == here else edges[e][0]
            walk_edges.append(e)
            if there in walk_nodes:
                first = walk_nodes.index(there)
                cycle = list(zip(walk_edges[first:], walk_nodes[first:], strict=True))
                break
            walk_nodes.append(there)
        ups, downs = [], []
        for e, leaving in cycle:
            r = edges[e][2] % n
            if edges[e][0] == leaving:  # forward
                ups.append(n - r)
                downs.append(r)
            else:
                ups.append(r)
                downs.append(n - r)
        up, down = min(ups), min(downs)
        draw = K_int(seed, TAG_ROUND, school + "/" + str(rounds)) % (up + down)
        sign = 1 if draw < down else -1
        amount = up if sign == 1 else down
        for e, leaving in cycle:
            forward = edges[e][0] == leaving
            edges[e][2] += sign * amount if forward else -sign * amount
        rounds += 1
    q = {}
    for number, (s, j) in enumerate((s, j) for s in strata for j in range(k)):
        q[(s, j)] = edges[number][2] // n
    return q, rounds


def literal_preference(lead: str, q_row: list[int], t: list[int], seed: bytes) -> list[int]:
    """§9 step 7: tier 1 by q, tier 2 by t, draws numbered across tiers."""
    out: list[int] = []
    i = 0
    tiers = [[(j, q_row[j]) for j in range(len(t)) if q_row[j] > 0],
             [(j, t[j]) for j in range(len(t)) if q_row[j] == 0 and t[j] > 0]]
    for tier in tiers:
        left = list(tier)
        while left:
            if len(left) == 1:
                out.append(left.pop()[0])
                break
            total = sum(w for _, w in left)
            r = K_int(seed, TAG_PREFERENCE, lead + "/" + str(i)) % total
            i += 1
            running = 0
            for pos, (j, w) in enumerate(left):
                running += w
                if running > r:
                    out.append(j)
                    del left[pos]
                    break
    return out


def marks(p: Json) -> list[str]:
    out = []
    if p["siblings"] is not None and p["siblings"]["mode"] == "apart":
        out.append("a/" + p["siblings"]["group"])
    if p["same_name"] is not None:
        out.append("n/" + p["same_name"])
    return out


def dist(v: int, x_num: int, n: int) -> int:
    lo, hi = x_num // n, -(-x_num // n)
    return max(0, lo - v, v - hi)


def reference_school(plan: Json, pupils: list[Json], seed: bytes) -> Json:
    """§9 steps 1-11 for one school; returns the intermediate values too."""
    school = plan["school"]
    n = len(pupils)
    caps = {c["id"]: c["capacity"] for c in plan["classes"]}
    if n > sum(caps.values()):  # step 1, S3
        raise ReferenceError("S3")
    groups: dict[str, set[str]] = {}
    for p in pupils:
        if p["siblings"] is not None:
            groups.setdefault(p["siblings"]["group"], set()).add(p["siblings"]["mode"])
    if any(len(m) > 1 for m in groups.values()):
        raise ReferenceError("mixed modes")
    order = sorted(caps, key=lambda c: (K(seed, TAG_CLASS_ORDER, school + "/" + c), c))
    k = len(order)
    # Step 3: all classes alike if each can hold ⌈N/k⌉; else the N-times rule.
    u = -(-n // k)
    if all(caps[c] >= u for c in order):
        tau, empty = [u] * k, k * u - n
    else:
        tau, empty = literal_targets([caps[c] for c in order], n), 0
    key = {p["reg"]: K(seed, TAG_KEY, p["reg"]) for p in pupils}  # step 4
    strata = sorted({stratum_of(p) for p in pupils})  # step 5
    n_s = {s: sum(1 for p in pupils if stratum_of(p) == s) for s in strata}
    rounded = (["*"] if empty else []) + strata
    n_all = dict(n_s, **({"*": empty} if empty else {}))
    q, rounds = literal_quotas(school, rounded, n_all, tau, seed)  # step 6
    drawn = {s: {order[j]: q[(s, j)] for j in range(k)} for s in rounded}
    t = [tau[j] - (q[("*", j)] if empty else 0) for j in range(k)]
    n_rounded = n + empty

    # Step 7.
    holders: dict[str, int] = {}
    for p in pupils:
        for m in marks(p):
            holders[m] = holders.get(m, 0) + 1
    together: dict[str, list[Json]] = {}
    for p in pupils:
        if p["siblings"] is not None and p["siblings"]["mode"] == "together":
            together.setdefault(p["siblings"]["group"], []).append(p)
    unit_members = [ms for ms in together.values() if len(ms) >= 2]
    taken = {p["reg"] for ms in unit_members for p in ms}
    unit_members += [[p] for p in pupils if p["reg"] not in taken
                     and any(holders[m] >= 2 for m in marks(p))]
    units = []
    for ms in unit_members:
        lead = min(ms, key=lambda p: (key[p["reg"]], p["reg"]))
        s_lead = stratum_of(lead)
        pref = literal_preference(lead["reg"], [q[(s_lead, j)] for j in range(k)], t, seed)
        units.append({"lead": lead["reg"], "key": key[lead["reg"]], "members": ms,
                      "pref": pref})
    units.sort(key=lambda u: (-len(u["members"]), u["key"], u["lead"]))

    # Step 8: every placement, in search order.
    def placements(d: int, chosen: list[int]) -> Iterator[list[int]]:
        if d == len(units):
            yield list(chosen)
            return
        u = units[d]
        size = len(u["members"])
        options = []
        for j in range(k):
            used = sum(len(units[i]["members"]) for i in range(d) if chosen[i] == j)
            if t[j] - used < size:
                continue
            excess = 0
            for s in strata:
                m_s = sum(1 for p in u["members"] if stratum_of(p) == s)
                if m_s == 0:
                    continue
                c_sj = sum(1 for i in range(d) if chosen[i] == j
                           for p in units[i]["members"] if stratum_of(p) == s)
                excess += max(0, c_sj + m_s - q[(s, j)]) - max(0, c_sj - q[(s, j)])
            options.append((excess, u["pref"].index(j), j))
        for _, _, j in sorted(options):
            chosen.append(j)
            yield from placements(d + 1, chosen)
            chosen.pop()

    def conflicts(chosen: list[int]) -> int:
        count: dict[tuple[str, int], int] = {}
        for u, j in zip(units, chosen, strict=True):
            for p in u["members"]:
                for m in marks(p):
                    if holders[m] >= 2:
                        count[(m, j)] = count.get((m, j), 0) + 1
        return sum(c * (c - 1) // 2 for c in count.values())

    best: tuple[int, list[int]] | None = None
    for chosen in placements(0, []):
        c = conflicts(chosen)
        if best is None or c < best[0]:
            best = (c, chosen)
    if best is None:
        raise ReferenceError("S4")
    least_c, placement = best
    where = {p["reg"]: j for u, j in zip(units, placement, strict=True) for p in u["members"]}

    # Step 9.
    def c_of(s: str, j: int) -> int:
        return sum(1 for p in pupils if p["reg"] in where and where[p["reg"]] == j
                   and stratum_of(p) == s)

    quota = dict(q)
    free = {(s, j): quota[(s, j)] - c_of(s, j) for s in strata for j in range(k)}
    genders = sorted({gender_of(s) for s in strata})

    def total_distance(qq: dict[tuple[str, int], int]) -> int:
        # shares as rounded in step 6: count × τ_j / N′
        d = sum(dist(qq[(s, j)], n_s[s] * tau[j], n_rounded) for s in strata for j in range(k))
        for g in genders:
            n_g = sum(c for s, c in n_s.items() if gender_of(s) == g)
            for j in range(k):
                v = sum(qq[(s, j)] for s in strata if gender_of(s) == g)
                d += dist(v, n_g * tau[j], n_rounded)
        return d

    exchanges = 0
    while any(free[(s, j)] < 0 for s in strata for j in range(k)):
        s, j = next((s, j) for s in strata for j in range(k) if free[(s, j)] < 0)
        options2 = []
        for j2 in range(k):
            for s2 in strata:
                if j2 != j and s2 != s and free[(s, j2)] > 0 and free[(s2, j)] > 0:
                    trial = dict(quota)
                    trial[(s, j)] += 1
                    trial[(s2, j2)] += 1
                    trial[(s, j2)] -= 1
                    trial[(s2, j)] -= 1
                    options2.append((total_distance(trial), j2, strata.index(s2)))
        _, j2, s2i = min(options2)
        s2 = strata[s2i]
        for cell, d in (((s, j), 1), ((s2, j2), 1), ((s, j2), -1), ((s2, j), -1)):
            quota[cell] += d
            free[cell] += d
        exchanges += 1

    # Step 10.
    assignments = {reg: order[j] for reg, j in where.items()}
    for s in strata:
        rest = sorted((p for p in pupils if p["reg"] not in where and stratum_of(p) == s),
                      key=lambda p: key[p["reg"]])
        seats = [j for j in range(k) for _ in range(free[(s, j)])]
        assert len(seats) == len(rest)
        for p, j in zip(rest, seats, strict=True):
            assignments[p["reg"]] = order[j]

    # §11.2: the grouping_summary body, every class of the plan by id.
    ids = sorted(caps)
    every = sorted({x for p in pupils for x in p["strata"]})
    rows = []
    for c in ids:
        mine = [p for p in pupils if assignments[p["reg"]] == c]
        rows.append({"class": c, "pupils": len(mine),
                     "genders": {g: sum(1 for p in mine if p["gender"] == g)
                                 for g in ("F", "M")},
                     "strata": {x: sum(1 for p in mine if x in p["strata"]) for x in every}})

    return {
        "school": school,
        "class_order": order,
        "alike": all(caps[c] >= u for c in order),
        "sizes": dict(zip(order, tau, strict=True)),
        "empty_seats": empty,
        "targets": dict(zip(order, t, strict=True)),
        "quotas": drawn,
        "rounds": rounds,
        "units": [{"lead": u["lead"], "members": sorted(p["reg"] for p in u["members"]),
                   "preference": [order[j] for j in u["pref"]], "class": order[j]}
                  for u, j in zip(units, placement, strict=True)],
        "conflicts": least_c,
        "exchanges": exchanges,
        "assignments": dict(sorted(assignments.items())),
        "summary": {"school": school, "exchanges": exchanges, "classes": rows},
    }


def reference_group(plans: list[Json], pupils: list[Json], seed: bytes) -> Json:
    """All schools, with the whole-cohort checks (§9.3 conditions 1-2)."""
    by_school: dict[str, list[Json]] = {}
    for plan in plans:
        if plan["school"] in by_school:
            raise ReferenceError("two plans")
        by_school[plan["school"]] = []
    regs = [p["reg"] for p in pupils]
    if len(set(regs)) != len(regs):
        raise ReferenceError("reg twice")
    for p in pupils:
        if p["school"] not in by_school:
            raise ReferenceError("no plan")
        by_school[p["school"]].append(p)
    plan_of = {plan["school"]: plan for plan in plans}
    schools = [reference_school(plan_of[s], by_school[s], seed) for s in sorted(by_school)]
    keys = {r: K(seed, TAG_KEY, r).hex() for r in sorted(regs)}
    return {"keys": keys, "schools": schools}


def reference_problems(plans: list[Json], pupils: list[Json]) -> list[Json]:
    """§9.3 conditions 1-6 word for word, from the public fields alone (no gender, no
    strata): one {"school", "condition", "problem", "rule"} per failed condition and
    school (a sibling group's mode: per group, at its members' first school), by school
    then condition. Condition 6 uses the balanced rule's targets (step 3) in plan order,
    whose multiset §9.3 shows is that of the targets for any seed, and tries every way
    of putting the together units into classes."""
    out: list[Json] = []

    def problem(school: str, condition: int, name: str, rule: str) -> None:
        out.append({"school": school, "condition": condition, "problem": name, "rule": rule})

    regs = [p["reg"] for p in pupils]
    for reg in sorted({r for r in regs if regs.count(r) > 1}):
        problem(next(p["school"] for p in pupils if p["reg"] == reg), 1, "pupil-twice", "S2")
    schools = sorted({p["school"] for p in pupils} | {pl["school"] for pl in plans})
    for school in schools:
        mine = [p for p in pupils if p["school"] == school]
        theirs = [pl for pl in plans if pl["school"] == school]
        if mine and not theirs:
            problem(school, 2, "no-plan", "S3")
        if len(theirs) > 1:
            problem(school, 2, "two-plans", "S3")
        if len(theirs) != 1:
            continue
        caps = [c["capacity"] for c in theirs[0]["classes"]]
        n = len(mine)
        if n > sum(caps):
            problem(school, 3, "over-capacity", "S3")
            continue
        if n < len(caps):
            problem(school, 4, "empty-class", "S3")
        targets = literal_targets(caps, n)
        together: dict[str, int] = {}
        for p in mine:
            if p["siblings"] is not None and p["siblings"]["mode"] == "together":
                together[p["siblings"]["group"]] = together.get(p["siblings"]["group"], 0) + 1
        units = [size for size in together.values() if size >= 2]
        if any(size > max(targets) for size in units):
            problem(school, 6, "together-too-large", "S4")
        if not any(all(sum(u for u, j in zip(units, where, strict=True) if j == c)
                       <= targets[c] for c in range(len(targets)))
                   for where in itertools.product(range(len(targets)), repeat=len(units))):
            problem(school, 6, "together-cannot-fit", "S4")
    groups: dict[str, list[Json]] = {}
    for p in pupils:
        if p["siblings"] is not None:
            groups.setdefault(p["siblings"]["group"], []).append(p)
    for group in sorted(groups):
        if len({p["siblings"]["mode"] for p in groups[group]}) > 1:
            problem(min(p["school"] for p in groups[group]), 5, "mixed-sibling-modes", "S4")
    return sorted(out, key=lambda x: (x["school"], x["condition"], x["problem"]))


# --- inputs -----------------------------------------------------------------


def pupil(reg: str, school: str, gender: str, strata: tuple[str, ...] = (),
          siblings: tuple[str, str] | None = None, same_name: str | None = None,
          name: str = "张*明") -> Json:
    return {
        "type": "pupil", "reg": reg, "name": name, "school": school, "gender": gender,
        "strata": list(strata),
        "siblings": None if siblings is None else {"group": siblings[0], "mode": siblings[1]},
        "same_name": same_name,
    }


def plan(school: str, caps: list[int]) -> Json:
    return {"type": "class-plan", "school": school, "name": f"{school}校",
            "classes": [{"id": f"{i + 1:02d}", "capacity": c} for i, c in enumerate(caps)]}


def worked() -> tuple[list[Json], list[Json], bytes]:
    s = "S001"
    pupils = [
        pupil("R0001", s, "F", name="王*"),
        pupil("R0002", s, "M", name="李*"),
        pupil("R0003", s, "F", ("sen",), name="赵*云"),
        pupil("R0004", s, "M", siblings=("T1", "together"), name="刘*一"),
        pupil("R0005", s, "M", siblings=("T1", "together"), name="刘*二"),
        pupil("R0006", s, "F", siblings=("A1", "apart"), name="陈*"),
        pupil("R0007", s, "F", siblings=("A1", "apart"), name="陈*华"),
        pupil("R0008", s, "M", same_name="N1", name="张*伟"),
        pupil("R0009", s, "M", same_name="N1", name="张*伟"),
        pupil("R0010", s, "F", name="周*"),
    ]
    return [plan(s, [4, 4, 3])], pupils, bytes(range(32))


def random_case(rng: random.Random, index: int) -> tuple[list[Json], list[Json], bytes]:
    plans, pupils = [], []
    reg = 100 * index
    for s in range(rng.randint(1, 3)):
        school = f"S{index:02d}{s}"
        k = rng.randint(1, 5)
        n = rng.randint(0, 40)
        base = -(-n // k) if n else 1
        caps = [base + rng.randint(0, 3) for _ in range(k)]
        plans.append(plan(school, caps))
        for _ in range(n):
            reg += 1
            sib = None
            if rng.random() < 0.1:
                g = rng.randint(0, 3)  # one mode per group
                sib = (f"G{school}{g}", "together" if g % 2 == 0 else "apart")
            strata = tuple(sorted(set(rng.sample(["ell", "sen"], rng.randint(0, 2)))))
            if rng.random() < 0.8:
                strata = ()
            same = f"N{school}{rng.randint(0, 1)}" if rng.random() < 0.06 else None
            pupils.append(pupil(f"R{reg:06d}", school, rng.choice("FM"), strata, sib, same))
    seed = hashlib.sha256(f"grouping-random-{index}".encode()).digest()
    rng.shuffle(pupils)
    return plans, pupils, seed


def edge_cases() -> list[tuple[str, list[Json], list[Json], bytes]]:
    seed = hashlib.sha256(b"grouping-edge").digest()
    cases = []
    # Unequal capacities where a small class fills first.
    ps = [pupil(f"E{i:04d}", "S1", "FM"[i % 2]) for i in range(7)]
    cases.append(("capacity-unequal-1-5-2", [plan("S1", [1, 5, 2])], ps, seed))
    # Exactly full plan.
    ps = [pupil(f"F{i:04d}", "S2", "M" if i % 3 == 0 else "F") for i in range(9)]
    cases.append(("capacity-exactly-full", [plan("S2", [2, 3, 4])], ps, seed))
    # A school with no pupils.
    cases.append(("capacity-empty-cohort", [plan("S3", [5, 5])], [], seed))
    # One class only; a together unit of three.
    ps = [pupil(f"H{i:04d}", "S4", "F", siblings=("T", "together") if i < 3 else None)
          for i in range(5)]
    cases.append(("capacity-single-class", [plan("S4", [5])], ps, seed))
    # A together unit exactly filling a class.
    ps = [pupil(f"J{i:04d}", "S5", "M", siblings=("T", "together") if i < 3 else None)
          for i in range(6)]
    cases.append(("together-fills-a-class", [plan("S5", [3, 3])], ps, seed))
    # A lone `together` pupil (its sibling is elsewhere) is an ordinary pupil.
    ps = [pupil("K0001", "S6", "F", siblings=("T", "together")),
          pupil("K0002", "S6", "M"), pupil("K0003", "S6", "F")]
    cases.append(("together-alone", [plan("S6", [2, 2])], ps, seed))
    # The two findings: unequal capacities 40/45/45/50/30 with boys and
    # girls (and a few sen pupils and requests) ...
    ps = []
    for i in range(210):
        gender = "F" if i % 2 else "M"
        strata = ("sen",) if i % 37 == 0 else ()
        sib = ("U1", "apart") if i in (3, 4) else ("U2", "together") if i in (10, 12) else None
        same = "UN1" if i in (20, 41) else None
        ps.append(pupil(f"U{i:04d}", "S7", gender, strata, sib, same))
    cases.append(("unequal-40-45-45-50-30", [plan("S7", [40, 45, 45, 50, 30])], ps, seed))
    # ... and a small, full school: 2 classes × 2 seats, 4 girls, one apart pair.
    for i, s in enumerate([b"tight-0", b"tight-1", b"tight-2"]):
        ps = [pupil(f"V{i}{j:03d}", "S8", "F",
                    siblings=("A", "apart") if j < 2 else None) for j in range(4)]
        cases.append((f"apart-2x2-full-{i}", [plan("S8", [2, 2])], ps,
                      hashlib.sha256(s).digest()))
    # Three 同名 pupils, two classes: one pair is unavoidable, never two.
    ps = [pupil(f"W{j:04d}", "S9", "MF"[j % 2], same_name="N" if j < 3 else None)
          for j in range(6)]
    cases.append(("same-name-three-in-two", [plan("S9", [3, 3])], ps, seed))
    # Apart siblings alone in a small stratum with unequal targets 3 and 1: some
    # quotas put both sen seats in one class; separation wins, then an exchange.
    for i in range(4):
        ps = [pupil(f"X{i}{j:03d}", "SA", "F", ("sen",) if j < 2 else (),
                    siblings=("A", "apart") if j < 2 else None) for j in range(4)]
        cases.append((f"apart-small-stratum-{i}", [plan("SA", [3, 1])], ps,
                      hashlib.sha256(f"small-stratum-{i}".encode()).digest()))
    # Together twins who are the whole sen stratum: more than their share in one
    # class, so an exchange follows (S4 wins over balance).
    ps = [pupil(f"Y{j:04d}", "SB", "MF"[j % 2], ("sen",) if j < 2 else (),
                siblings=("T", "together") if j < 2 else None) for j in range(9)]
    ps[1]["gender"] = "M"
    cases.append(("together-beyond-share", [plan("SB", [3, 3, 3])], ps, seed))
    # A together twin shares a 同名 mark with another pupil; apart siblings of
    # both genders; everything in one small school.
    ps = [pupil("Z0001", "SC", "F", siblings=("T", "together"), same_name="N"),
          pupil("Z0002", "SC", "M", siblings=("T", "together")),
          pupil("Z0003", "SC", "F", same_name="N"),
          pupil("Z0004", "SC", "M", siblings=("A", "apart")),
          pupil("Z0005", "SC", "F", siblings=("A", "apart"), same_name="N"),
          pupil("Z0006", "SC", "M"), pupil("Z0007", "SC", "F", ("sen",))]
    cases.append(("mixed-requests", [plan("SC", [3, 2, 2])], ps, seed))
    return cases


def rejections() -> list[tuple[str, list[Json], list[Json], bytes]]:
    seed = hashlib.sha256(b"grouping-reject").digest()
    return [
        ("reject-S3-plan-too-small", [plan("S1", [2, 2])],
         [pupil(f"A{i:04d}", "S1", "F") for i in range(5)], seed),
        ("reject-S4-together-cannot-fit", [plan("S1", [3, 3])],
         [pupil(f"B{i:04d}", "S1", "M", siblings=("T", "together") if i < 4 else None)
          for i in range(5)], seed),
        # capacity allows 3 together, but the balanced targets are [2, 2] (S8 first)
        ("reject-S4-targets-too-small", [plan("S1", [5, 5])],
         [pupil(f"C{i:04d}", "S1", "F", siblings=("T", "together") if i < 3 else None)
          for i in range(4)], seed),
        # each pair fits a class of 3, but three pairs do not fit two classes of 3
        ("reject-S4-together-packing", [plan("S1", [3, 3])],
         [pupil(f"G{i:04d}", "S1", "F", siblings=(f"T{i // 2}", "together"))
          for i in range(6)], seed),
        ("reject-mixed-sibling-modes", [plan("S1", [3, 3])],
         [pupil("H0001", "S1", "F", siblings=("T", "together")),
          pupil("H0002", "S1", "M", siblings=("T", "apart"))], seed),
        ("reject-no-plan", [plan("S1", [3])],
         [pupil("D0001", "S1", "F"), pupil("D0002", "S9", "F")], seed),
        ("reject-reg-twice", [plan("S1", [3])],
         [pupil("D0001", "S1", "F"), pupil("D0001", "S1", "F")], seed),
        ("reject-two-plans", [plan("S1", [3]), plan("S1", [4])],
         [pupil("D0001", "S1", "F")], seed),
    ]


def make_case(name: str, plans: list[Json], pupils: list[Json], seed: bytes) -> Json:
    inp = {"seed": seed.hex(), "plans": plans, "pupils": pupils}
    problems = reference_problems(plans, pupils)
    try:
        expected = reference_group(plans, pupils, seed)
    except ReferenceError:
        return {"name": name, "input": inp, "problems": problems, "error": "GroupingError"}
    return {"name": name, "input": inp, "problems": problems, "expected": expected}


def build() -> Json:
    cases = [make_case("worked", *worked())]
    rng = random.Random(20260816)
    made = 0
    index = 0
    while made < 8:
        index += 1
        case = make_case(f"random-{index}", *random_case(rng, index))
        if "error" in case:  # a random together group that did not fit; skip it
            continue
        cases.append(case)
        made += 1
    edges = [make_case(*c) for c in edge_cases()]
    rejects = [make_case(*c) for c in rejections()]
    assert all("expected" in c for c in edges) and all("error" in c for c in rejects)
    cases += edges + rejects
    # §9.3: "if all hold, steps 1-11 complete for every seed"; each refusal fails one.
    assert all("expected" in c for c in cases if not c["problems"])
    assert all(c["problems"] for c in rejects)
    return {
        "version": 2,
        "generator": "tests/vectors/generate_grouping.py",
        "spec": "PROTOCOL.md v2 §9, §11.2",
        "description": "Sunshine class grouping, protocol v2: class order π, sizes τ (alike "
                       "classes and their empty seats) and targets, pupil keys, drawn quotas "
                       "and rounding rounds, request units with preferences and classes, "
                       "least conflict count, quota exchanges E, each pupil's class and the "
                       "grouping_summary body, per school; `problems` lists the §9.3 "
                       "conditions the input fails (public fields only).",
        "cases": cases,
    }


def main() -> None:
    out = Path(sys.argv[1]) / OUT.name if len(sys.argv) > 1 else OUT
    out.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
