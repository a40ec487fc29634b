"""Sunshine class grouping, protocol version 2 (PROTOCOL.md §9; S1–S8).

Three readers of one cohort, all pure and standard library only:

* `group_school` recomputes §9.1 (steps 1–11, numbered below) and `summary` the
  `grouping_summary` it implies; both need every pupil's opened gender and strata
  (§17.1), which only the sealed openings give (§17.3);
* `school_problems` and `mixed_modes` are the §9.3 feasibility conditions, from
  public records alone, checked at `input_frozen` (§3.4);
* `public_sizes`, `check_sizes`, `check_summary` and `public_bounds` are what
  §17.4 lets anyone check of a logged grouping without the openings.
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any, NamedTuple

from verifier.ceremony import TAG_CLASS_ORDER, TAG_GROUPING_KEY, keyed

# §2.2; the lead renames every v1 tag at once.
TAG_GROUPING_ROUND = "sunshine-draw/v2/grouping-round"
TAG_GROUPING_PREFERENCE = "sunshine-draw/v2/grouping-preference"

GENDERS = ("F", "M")
"""The genders of §17.1, as grouping_summary lists them (§11.2)."""


class GroupingError(ValueError):
    """The plan cannot hold the pupils or the together units (S3, S4), or a logged
    grouping breaks what §9 guarantees."""


class Pupil(NamedTuple):
    """What §9 uses of a §3.2 pupil record; a tuple, since a city has 10^5 pupils.

    `gender` and `stratum` come from the pupil's opened attributes (§17.1); they are
    None when the sealed openings were not given (the public record only commits to
    them).
    """

    reg: str
    school: str
    gender: str | None
    stratum: str | None
    """gender + "|" + ",".join(strata) (step 5); None without the openings."""
    siblings: tuple[str, str] | None
    """(group, mode) of a sibling request."""
    marks: tuple[str, ...]
    """The step 7 marks: "a/<group>" for apart siblings, "n/<same_name>"."""


def pupil_of(record: Mapping[str, Any], gender: str | None = None,
             strata: Sequence[str] | None = None) -> Pupil:
    """The compact form of a v2 pupil record (§3.2, already checked by records.pupil),
    with its opened gender and strata when known (§17.1)."""
    sib = record["siblings"]
    siblings = None if sib is None else (sib["group"], sys.intern(sib["mode"]))
    marks = []
    if siblings is not None and siblings[1] == "apart":
        marks.append("a/" + siblings[0])
    if record["same_name"] is not None:
        marks.append("n/" + record["same_name"])
    stratum = None if gender is None else sys.intern(gender + "|" + ",".join(strata or ()))
    return Pupil(record["reg"], sys.intern(record["school"]), gender, stratum, siblings,
                 tuple(marks))


def strata_ids(p: Pupil) -> list[str]:
    """The pupil's opened strata ids (§17.1), [] for none; the openings are needed."""
    if p.stratum is None:
        raise GroupingError(f"pupil {p.reg}: its strata need the sealed openings (§17.3)")
    tail = p.stratum.partition("|")[2]
    return tail.split(",") if tail else []


def _draw(k: Callable[[str], bytes], prefix: str) -> Callable[[int], int]:
    """i ↦ int(K(g, tag, prefix/i)): the numbered draws of steps 6 and 7."""
    return lambda i: int.from_bytes(k(f"{prefix}/{i}"), "big")


def _sizes(caps: list[int], n: int) -> tuple[list[int], int]:
    """Step 3: (τ_j, empty seats). All classes alike if each holds ⌈N/k⌉; else the
    N-times rule, with a heap: each seat to the non-full class with fewest, ties by π."""
    u = -(-n // len(caps))
    if min(caps) >= u:
        return [u] * len(caps), u * len(caps) - n
    t = [0] * len(caps)
    heap = [(0, j) for j in range(len(caps))]
    for _ in range(n):
        tj, j = heapq.heappop(heap)
        t[j] = tj + 1
        if tj + 1 < caps[j]:
            heapq.heappush(heap, (tj + 1, j))
    return t, 0


def _quotas(strata: list[str], n_s: list[int], t: list[int],
            rnd: Callable[[int], int]) -> list[list[int]]:
    """Step 6: the controlled rounding on stratum → (gender, class) → class."""
    n, k = sum(n_s), len(t)
    if n == 0:
        return [[0] * k for _ in strata]
    genders = sorted({s.partition("|")[0] for s in strata})
    g_index = {g: i for i, g in enumerate(genders)}
    ends: list[tuple[int, int]] = []  # edge -> (tail, head); nodes: strata, (g, j), classes
    value: list[int] = []
    for si, s in enumerate(strata):
        for j in range(k):
            ends.append((si, len(strata) + g_index[s.partition("|")[0]] * k + j))
            value.append(n_s[si] * t[j])
    for g in genders:
        n_g = sum(c for s, c in zip(strata, n_s, strict=True) if s.partition("|")[0] == g)
        for j in range(k):
            ends.append((len(strata) + g_index[g] * k + j, len(strata) + len(genders) * k + j))
            value.append(n_g * t[j])
    at: dict[int, list[int]] = {}
    for e, (a, b) in enumerate(ends):
        at.setdefault(a, []).append(e)
        at.setdefault(b, []).append(e)
    i = 0
    while True:
        open_edges = [e for e, v in enumerate(value) if v % n]
        if not open_edges:
            break
        first = open_edges[0]
        visited = [ends[first][0], ends[first][1]]
        path = [first]
        while True:
            node = visited[-1]
            e = min(x for x in at[node] if x != path[-1] and value[x] % n)
            other = ends[e][1] if ends[e][0] == node else ends[e][0]
            path.append(e)
            if other in visited:
                start = visited.index(other)
                break
            visited.append(other)
        cycle = [(e, ends[e][0] == node_from)
                 for e, node_from in zip(path[start:], visited[start:], strict=True)]
        up = min((n - value[e] % n) if fwd else value[e] % n for e, fwd in cycle)
        down = min(value[e] % n if fwd else (n - value[e] % n) for e, fwd in cycle)
        step = up if rnd(i) % (up + down) < down else -down
        for e, fwd in cycle:
            value[e] += step if fwd else -step
        i += 1
    return [[value[si * k + j] // n for j in range(k)] for si in range(len(strata))]


def _preference(q_row: list[int], t: list[int], rnd: Callable[[int], int]) -> list[int]:
    """Step 7: classes with seats for the stratum by q, then the rest by t.

    The running sums of a tier live in a Fenwick tree, so each draw costs O(log k)
    (O(k²) per unit summed over a school of hundreds of classes)."""
    order: list[int] = []
    draws = 0
    for tier in ([(j, q_row[j]) for j in range(len(t)) if q_row[j]],
                 [(j, t[j]) for j in range(len(t)) if not q_row[j] and t[j]]):
        n = len(tier)
        fen = [0] * (n + 1)
        for x, (_, w) in enumerate(tier, 1):
            while x <= n:
                fen[x] += w
                x += x & -x
        total = sum(w for _, w in tier)
        gone = [False] * n
        for _ in range(n - 1):
            r = rnd(draws) % total
            draws += 1
            x, bit = 0, 1 << (n.bit_length() - 1)
            while bit:  # the largest x whose first x weights sum to at most r
                if x + bit <= n and fen[x + bit] <= r:
                    x += bit
                    r -= fen[x]
                bit >>= 1
            j, w = tier[x]
            gone[x] = True
            order.append(j)
            total -= w
            x += 1
            while x <= n:
                fen[x] -= w
                x += x & -x
        order += [j for x, (j, _) in enumerate(tier) if not gone[x]]
    return order


class _Unit(NamedTuple):
    members: tuple[Pupil, ...]
    strata: tuple[tuple[int, int], ...]  # (stratum, members)
    marks: tuple[tuple[int, int], ...]  # (mark, members)
    pref: tuple[int, ...]


def _place(units: list[_Unit], t: list[int], q: list[list[int]], n_marks: int) -> list[int]:
    """Step 8: the first placement in search order among those of least C.

    Deepening on C; a depth-first search in the search order prunes a node when
    C so far plus a lower bound for the rest exceeds the limit, skips a class
    whose room and mark counts repeat an earlier candidate's (same costs below),
    and skips a class that leaves the later together units no packing.
    """
    k = len(t)
    room = list(t)
    free = [row[:] for row in q]
    held = [[0] * k for _ in range(n_marks)]
    sizes = [len(u.members) for u in units]
    together = [s for s in sizes if s >= 2]
    if not _fits(together, room):
        raise GroupingError("together units cannot all be placed (S4)")
    base = sum(m * (m - 1) // 2 for u in units for _, m in u.marks)
    # Kept up to date by put(), so a node costs what its unit touches, not marks × classes:
    pending: dict[int, int] = {}  # mark -> units not yet placed that hold it
    for u in units:
        for mk, _ in u.marks:
            pending[mk] = pending.get(mk, 0) + 1
    classes_with = [0] * n_marks  # mark -> classes it is held in
    in_class: list[dict[int, int]] = [{} for _ in range(k)]  # class -> {mark: held > 0}
    with_room = [sum(1 for r in room if r > 0)]  # classes with room

    def bound(d: int) -> int:  # pending holds the marks of units d..
        total = 0
        for mk, count in pending.items():
            if count <= with_room[0] - classes_with[mk]:
                continue  # each can go where mk is not held yet: nothing to add
            heap = [held[mk][j] for j in range(k) if room[j] > 0]
            heapq.heapify(heap)
            for _ in range(count):
                lowest = heapq.heappop(heap)
                total += lowest
                heapq.heappush(heap, lowest + 1)
        return total

    def candidates(d: int) -> list[int]:  # pending holds the marks of units d..
        u = units[d]
        size = sizes[d]
        scored = []
        for rank, j in enumerate(u.pref):
            if room[j] >= size:
                ex = sum(max(0, m - free[s][j]) - max(0, -free[s][j]) for s, m in u.strata)
                scored.append((ex, rank, j))
        scored.sort()
        out, sigs = [], set()
        rest = together[d + 1:] if size >= 2 else []
        # one later together unit per class fits whenever enough classes hold the largest
        enough = bool(rest) and len(rest) <= sum(1 for r in room if r >= rest[0]) - 1
        for _, _, j in scored:
            sig = (room[j], frozenset(x for x in in_class[j].items() if x[0] in pending))
            if sig in sigs:
                continue
            sigs.add(sig)
            if rest and not enough:
                rooms = list(room)
                rooms[j] -= size
                if not _fits(rest, rooms):
                    continue
            out.append(j)
        return out

    def put(d: int, j: int, sign: int) -> int:
        u = units[d]
        had_room = room[j] > 0
        room[j] -= sign * sizes[d]
        with_room[0] += (room[j] > 0) - had_room
        for s, m in u.strata:
            free[s][j] -= sign * m
        added = 0
        for mk, m in u.marks:
            if sign > 0:
                added += m * held[mk][j]
            before = held[mk][j]
            held[mk][j] += sign * m
            if sign < 0:
                added += m * held[mk][j]
            classes_with[mk] += (held[mk][j] > 0) - (before > 0)
            if held[mk][j]:
                in_class[j][mk] = held[mk][j]
            else:
                del in_class[j][mk]
            pending[mk] = pending.get(mk, 0) - sign
            if not pending[mk]:
                del pending[mk]
        return added

    if not units:
        return []
    limit = base + bound(0)
    while True:
        cost = base
        chosen: list[int] = []
        frames = [candidates(0)]
        over: int | None = None
        while frames:
            if not frames[-1]:
                frames.pop()
                if chosen:
                    cost -= put(len(chosen) - 1, chosen.pop(), -1)
                continue
            d = len(chosen)
            j = frames[-1].pop(0)
            cost += put(d, j, 1)
            chosen.append(j)
            total = cost + (bound(d + 1) if d + 1 < len(units) else 0)
            if total <= limit:
                if d + 1 == len(units):
                    return chosen
                frames.append(candidates(d + 1))
                continue
            over = total if over is None else min(over, total)
            cost -= put(d, chosen.pop(), -1)
        if over is None:
            raise GroupingError("no placement of the requests (S4)")
        limit = over


def _exchange(q: list[list[int]], free: list[list[int]], strata: list[str], n_s: list[int],
              t: list[int], n: int) -> int:
    """Step 9: move quota until no free_sj is negative, least total distance first;
    returns E. Distances are from the shares step 6 rounded: n_s·τ_j/N′ (`t` = τ,
    `n` = N′)."""
    k = len(t)
    gender = [s.partition("|")[0] for s in strata]

    def dist(v: int, num: int) -> int:
        return max(0, num // n - v, v - -(-num // n))

    n_g = {g: sum(c for c, x in zip(n_s, gender, strict=True) if x == g) for g in gender}

    def distance() -> int:
        d = sum(dist(q[s][j], n_s[s] * t[j]) for s in range(len(strata)) for j in range(k))
        for g in n_g:
            for j in range(k):
                d += dist(sum(q[s][j] for s in range(len(strata)) if gender[s] == g),
                          n_g[g] * t[j])
        return d

    exchanges = 0
    while True:
        bad = [(s, j) for s in range(len(strata)) for j in range(k) if free[s][j] < 0]
        if not bad:
            return exchanges
        exchanges += 1
        s, j = bad[0]
        choice: tuple[int, int, int] | None = None
        for j2 in range(k):
            for s2 in range(len(strata)):
                if j2 == j or s2 == s or free[s][j2] <= 0 or free[s2][j] <= 0:
                    continue
                for a, b, d in ((s, j, 1), (s2, j2, 1), (s, j2, -1), (s2, j, -1)):
                    q[a][b] += d
                option = (distance(), j2, s2)
                for a, b, d in ((s, j, 1), (s2, j2, 1), (s, j2, -1), (s2, j, -1)):
                    q[a][b] -= d
                if choice is None or option < choice:
                    choice = option
        if choice is None:
            raise GroupingError("no quota exchange (§9 step 9)")
        _, j2, s2 = choice
        for a, b, d in ((s, j, 1), (s2, j2, 1), (s, j2, -1), (s2, j, -1)):
            q[a][b] += d
            free[a][b] += d


class SchoolGrouping(NamedTuple):
    """One school's §9 result."""

    classes: dict[str, str]
    """reg -> class id (step 11)."""
    exchanges: int
    """E, the quota exchanges of step 9 (grouping_summary's `exchanges`, §11.2)."""


def _order(seed: bytes, school: str, plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Step 2: π, the classes sorted by (K(g, class-order, school/class), class id)."""
    order_key = keyed(seed, TAG_CLASS_ORDER)
    return sorted(plan["classes"], key=lambda c: (order_key(f"{school}/{c['id']}"), c["id"]))


def _request_units(pupils: Sequence[Pupil]) -> tuple[list[tuple[Pupil, ...]], set[str]]:
    """Step 7 without the preferences: the request units (together units first, then
    the singles holding a counting mark, each in pupil order) and the counting marks."""
    holders: dict[str, int] = {}
    for p in pupils:
        for mk in p.marks:
            holders[mk] = holders.get(mk, 0) + 1
    counting = {mk for mk, c in holders.items() if c >= 2}
    groups: dict[str, list[Pupil]] = {}
    for p in pupils:
        if p.siblings is not None and p.siblings[1] == "together":
            groups.setdefault(p.siblings[0], []).append(p)
    units = [tuple(ms) for ms in groups.values() if len(ms) >= 2]
    in_units = {p.reg for ms in units for p in ms}
    units += [(p,) for p in pupils if p.reg not in in_units and counting.intersection(p.marks)]
    return units, counting


def group_school(seed: bytes, school: str, pupils: Sequence[Pupil],
                 plan: Mapping[str, Any]) -> SchoolGrouping:
    """One school's classes and E (§9.1); `pupils` must carry their opened attributes."""
    closed = [p.reg for p in pupils if p.stratum is None]
    if closed:
        raise GroupingError(f"school {school}: pupil {closed[0]} has no opened gender and "
                            "strata; §9 needs the sealed openings (§17.3)")
    stratum_of: dict[str, str] = {p.reg: p.stratum for p in pupils if p.stratum is not None}
    classes = plan["classes"]
    n = len(pupils)
    if n > sum(c["capacity"] for c in classes):  # step 1
        raise GroupingError(f"school {school}: {n} pupils exceed the plan's capacity (S3)")
    mixed = mixed_modes(pupils)
    if mixed:
        raise GroupingError(f"school {school}: sibling group {mixed[0]} mixes together and "
                            "apart requests (§9.3 (5))")
    pi = _order(seed, school, plan)  # step 2
    ids = [c["id"] for c in pi]
    tau, empty = _sizes([c["capacity"] for c in pi], n)  # step 3
    k = len(pi)
    key_of = keyed(seed, TAG_GROUPING_KEY)  # step 4
    key = {p.reg: key_of(p.reg) for p in pupils}
    strata = sorted(set(stratum_of.values()))  # step 5
    s_of = {s: i for i, s in enumerate(strata)}
    n_s = [0] * len(strata)
    for p in pupils:
        n_s[s_of[stratum_of[p.reg]]] += 1
    round_key = keyed(seed, TAG_GROUPING_ROUND)  # step 6; "*", the empty seats, sorts first
    q = _quotas(["*", *strata] if empty else strata, [empty, *n_s] if empty else n_s, tau,
                _draw(round_key, school))
    t = [a - b for a, b in zip(tau, q.pop(0), strict=True)] if empty else tau

    member_sets, counting = _request_units(pupils)  # step 7
    mark_no = {mk: i for i, mk in enumerate(sorted(counting))}
    pref_key = keyed(seed, TAG_GROUPING_PREFERENCE)
    ranked = []
    for ms in member_sets:
        lead = min(ms, key=lambda p: (key[p.reg], p.reg))
        st: dict[int, int] = {}
        mk_count: dict[int, int] = {}
        for p in ms:
            si = s_of[stratum_of[p.reg]]
            st[si] = st.get(si, 0) + 1
            for mk in p.marks:
                if mk in counting:
                    mk_count[mark_no[mk]] = mk_count.get(mark_no[mk], 0) + 1
        reg = lead.reg
        pref = _preference(q[s_of[stratum_of[reg]]], t, _draw(pref_key, reg))
        ranked.append(((-len(ms), key[reg], reg),
                       _Unit(ms, tuple(sorted(st.items())), tuple(sorted(mk_count.items())),
                             tuple(pref))))
    ranked.sort(key=lambda x: x[0])
    units = [u for _, u in ranked]
    try:
        placement = _place(units, t, q, len(mark_no))  # step 8
    except GroupingError:
        raise GroupingError(f"school {school}: the together siblings cannot all be placed "
                            "(S4)") from None
    out: dict[str, int] = {}
    free = [row[:] for row in q]
    for u, j in zip(units, placement, strict=True):
        for p in u.members:
            out[p.reg] = j
            free[s_of[stratum_of[p.reg]]][j] -= 1
    exchanges = _exchange(q, free, strata, n_s, tau, n + empty)  # step 9
    rest: dict[int, list[tuple[bytes, str]]] = {}
    for p in pupils:  # step 10
        if p.reg not in out:
            rest.setdefault(s_of[stratum_of[p.reg]], []).append((key[p.reg], p.reg))
    for si, members in rest.items():
        members.sort()
        seats = [j for j in range(k) for _ in range(free[si][j])]
        for (_, reg), j in zip(members, seats, strict=True):
            out[reg] = j
    return SchoolGrouping({reg: ids[j] for reg, j in out.items()}, exchanges)


def summary(school: str, pupils: Sequence[Pupil], plan: Mapping[str, Any],
            result: SchoolGrouping) -> dict[str, Any]:
    """The grouping_summary body (§11.2): every class of the plan by id, its pupils,
    genders and every stratum id of the school's pupils (zero counts included), and E.
    Needs the opened attributes."""
    ids = [c["id"] for c in plan["classes"]]
    own = {p.reg: strata_ids(p) for p in pupils}
    every = sorted({x for xs in own.values() for x in xs})
    rows = {c: {"class": c, "pupils": 0, "genders": dict.fromkeys(GENDERS, 0),
                "strata": dict.fromkeys(every, 0)} for c in ids}
    for p in pupils:
        row = rows[result.classes[p.reg]]
        row["pupils"] += 1
        row["genders"][p.gender] += 1
        for x in own[p.reg]:
            row["strata"][x] += 1
    return {"school": school, "exchanges": result.exchanges,
            "classes": [rows[c] for c in sorted(ids)]}


# --- §9.3: feasibility before the seed, from public records -------------------------


class Problem(StrEnum):
    """The §9.3 conditions a school's cohort and plan can fail, by their names there."""

    OVER_CAPACITY = "over-capacity"  # (3), S3
    EMPTY_CLASS = "empty-class"  # (4), S3
    MIXED_SIBLING_MODES = "mixed-sibling-modes"  # (5), S4
    TOGETHER_TOO_LARGE = "together-too-large"  # (6), S4
    TOGETHER_CANNOT_FIT = "together-cannot-fit"  # (6), S4


class Infeasible(NamedTuple):
    """One failed §9.3 condition: the school, the rule, why, and the regs concerned."""

    problem: Problem
    rule: str
    school: str
    message: str
    regs: tuple[str, ...] = ()


def mixed_modes(pupils: Sequence[Pupil]) -> list[str]:
    """§9.3 (5) over `pupils`: the sibling groups (ascending) asking both together and
    apart; §3.2 wants one mode per group, so the feasibility check passes the cohort."""
    modes: dict[str, set[str]] = {}
    for p in pupils:
        if p.siblings is not None:
            modes.setdefault(p.siblings[0], set()).add(p.siblings[1])
    return sorted(g for g, ms in modes.items() if len(ms) > 1)


def target_multiset(capacities: Sequence[int], n: int) -> list[int]:
    """§9 step 3's targets as a multiset, largest first; π does not change it (§9.3).

    Alike classes: `m = k·u − N` targets of `u − 1` (the classes whose empty seat the
    rounding draws) and the rest `u`; otherwise the balanced rule's.
    """
    k = len(capacities)
    u = -(-n // k)
    if min(capacities) >= u:
        m = k * u - n
        return [u] * (k - m) + [u - 1] * m
    return sorted(_sizes(list(capacities), n)[0], reverse=True)


def _fits(sizes: Sequence[int], rooms: Sequence[int]) -> bool:
    """Can units of `sizes` (descending) all go into bins of `rooms` at once? Exact."""
    dead: set[tuple[int, tuple[int, ...]]] = set()
    todo = [(0, tuple(sorted(rooms, reverse=True)))]
    while todo:
        d, rs = todo.pop()
        if d == len(sizes):
            return True
        if (d, rs) in dead:
            continue
        dead.add((d, rs))
        nexts = []
        for r in sorted(set(rs)):  # pushed smallest first: the largest room is tried first
            if r >= sizes[d]:
                x = rs.index(r)
                nexts.append((d + 1, tuple(sorted((*rs[:x], r - sizes[d], *rs[x + 1:]),
                                                  reverse=True))))
        todo += nexts
    return False


def school_problems(school: str, pupils: Sequence[Pupil],
                    plan: Mapping[str, Any]) -> list[Infeasible]:
    """§9.3 conditions (3), (4) and (6) for one school's pupils and its plan, in that
    order. (1), (2) and (5) concern the whole cohort: registration numbers and plans are
    the input step's, `mixed_modes` takes the cohort. No attribute is needed."""
    n = len(pupils)
    caps = [c["capacity"] for c in plan["classes"]]
    if n > sum(caps):
        return [Infeasible(Problem.OVER_CAPACITY, "S3", school,
                           f"{n} pupils, the plan seats {sum(caps)}")]
    out = []
    if n < len(caps):
        out.append(Infeasible(Problem.EMPTY_CLASS, "S3", school,
                              f"{n} pupils for {len(caps)} classes: a class would stay empty"))
    targets = target_multiset(caps, n)
    together: dict[str, list[str]] = {}
    for p in pupils:
        if p.siblings is not None and p.siblings[1] == "together":
            together.setdefault(p.siblings[0], []).append(p.reg)
    units = sorted(((len(regs), g, tuple(sorted(regs))) for g, regs in together.items()
                    if len(regs) >= 2), key=lambda u: (-u[0], u[1]))
    large = [u for u in units if u[0] > targets[0]]
    for size, g, regs in large:
        out.append(Infeasible(Problem.TOGETHER_TOO_LARGE, "S4", school,
                              f"together group {g} has {size} pupils, the largest target "
                              f"is {targets[0]}", regs))
    if units and not _fits([u[0] for u in units], targets):  # also when one is too large
        out.append(Infeasible(Problem.TOGETHER_CANNOT_FIT, "S4", school,
                              "together groups of sizes "
                              f"{', '.join(f'{g}: {size}' for size, g, _ in units)} cannot all "
                              f"be placed in classes of targets {targets}",
                              tuple(r for _, _, regs in units for r in regs)))
    return out


# --- §17.4: what anyone can check of a logged grouping -----------------------------


class PublicSizes(NamedTuple):
    """§9 step 3 from public data (plan, pupil count, seed): the sizes each class is
    drawn for and what that fixes of its final size."""

    tau: dict[str, int]
    """Class id -> τ_j."""
    empty: int
    """m, the empty seats (alike classes only; 0 otherwise)."""
    alike: bool
    """Every class can hold ⌈N/k⌉: τ_j = u everywhere, `empty` classes end at u − 1,
    which ones the rounding of the unpublished strata draws. Otherwise the targets
    t_j = τ_j are public."""


def public_sizes(seed: bytes, school: str, plan: Mapping[str, Any], n: int) -> PublicSizes:
    pi = _order(seed, school, plan)
    caps = [c["capacity"] for c in pi]
    u = -(-n // len(caps))
    tau, empty = _sizes(caps, n)
    return PublicSizes({c["id"]: t for c, t in zip(pi, tau, strict=True)}, empty,
                       min(caps) >= u)


def check_sizes(sizes: PublicSizes, counts: Mapping[str, int]) -> None:
    """§17.4 class sizes: the §9 targets where public; with alike classes each `u` or
    `u − 1`, exactly `m` of `u − 1` (§9.2 (c)). `counts`: class id -> pupils placed."""
    got = {c: counts.get(c, 0) for c in sorted(sizes.tau)}
    if not sizes.alike:
        want = dict(sorted(sizes.tau.items()))
        if got != want:
            raise GroupingError(f"class sizes {got} are not the §9 step 3 targets {want} "
                                "(S8)")
        return
    u = max(sizes.tau.values())
    short = sorted(c for c, v in got.items() if v == u - 1)
    odd = sorted(c for c, v in got.items() if v not in (u, u - 1))
    if odd or len(short) != sizes.empty:
        raise GroupingError(f"class sizes {got}: alike classes of {u} seats for "
                            f"{sum(sizes.tau.values()) - sizes.empty} pupils must hold {u} "
                            f"or {u - 1}, exactly {sizes.empty} of them {u - 1} (§9 step 3, "
                            "S8)")


def check_summary(plan: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                  counts: Mapping[str, int]) -> None:
    """grouping_summary against the results (§11.2): every class of the plan by id, its
    pupils those the results place there, genders adding up to them, the same strata
    ids in every class, none counting more than the class, each held by some pupil."""
    ids = sorted(c["id"] for c in plan["classes"])
    listed = [r["class"] for r in rows]
    if listed != ids:
        raise GroupingError(f"grouping_summary lists classes {listed}, the plan has {ids} "
                            "(§11.2)")
    strata = set(rows[0]["strata"]) if rows else set()
    for r in rows:
        c = r["class"]
        if r["pupils"] != counts.get(c, 0):
            raise GroupingError(f"class {c}: the summary counts {r['pupils']} pupils, the "
                                f"results {counts.get(c, 0)}")
        if sum(r["genders"][g] for g in GENDERS) != r["pupils"]:
            raise GroupingError(f"class {c}: genders do not add up to its pupils")
        if set(r["strata"]) != strata or any(v > r["pupils"] for v in r["strata"].values()):
            raise GroupingError(f"class {c}: strata counts are not the school's strata ids, "
                                "each at most the class's pupils (§11.2)")
    unheld = sorted(x for x in strata if not sum(r["strata"][x] for r in rows))
    if unheld:
        raise GroupingError(f"stratum {unheld[0]} is listed but no pupil holds it (§11.2)")


def request_pupils(pupils: Sequence[Pupil]) -> int:
    """The pupils in request units (§9 step 7), from public records (siblings, 同名)."""
    return sum(len(u) for u in _request_units(pupils)[0])


def _dist(v: int, num: int, den: int, slack: int = 0) -> int:
    """dist(v, x) of §9 step 9 for x = num/den, the interval widened by `slack`."""
    return max(0, num // den - slack - v, v - -(-num // den) - slack)


def public_bounds(sizes: PublicSizes, rows: Sequence[Mapping[str, Any]], exchanges: int,
                  requests: int) -> str:
    """§9.2 (b) from the summary alone, given E (§17.4); a note on what was checked.

    Shares count in units of 1/N′: gender g in class j has share y = n_g·τ_j/N′. Before
    step 9 every count is on the floor or ceiling of its share; an exchange moves four
    stratum counts by one and at most four gender counts by one (§9.2 (b)): none when
    its two strata share a gender, else two classes' counts of each of the two, so:

    * genders: Σ_j dist(c_gj, y_gj) ≤ 2E for each gender (E = 0: each ⌊y⌋ or ⌈y⌉);
    * a strata id is held by up to C §9 strata (gender | strata list), each within one
      of its share before step 9, so its count lies within C − 1 beyond ⌊share⌋ and
      ⌈share⌉ and moves by one in at most two classes per exchange: Σ_j dist ≤ 2E.
      C is not public; it is at most the id's pupils and the genders present times
      the 2^(r−1) lists of the school's r ids that hold it.
    * E ≤ the request pupils (each exchange lowers Σ max(0, −f) by one, which starts at
      most at the request pupils), so E = 0 without requests.
    """
    if exchanges > requests:
        raise GroupingError(f"exchanges {exchanges} exceed the {requests} pupils with "
                            "requests (§9 step 9: each exchange repairs one request seat)")
    n_prime = sum(sizes.tau.values())
    if n_prime == 0:
        return "no pupils"
    tau = [sizes.tau[r["class"]] for r in rows]
    totals = {g: sum(r["genders"][g] for r in rows) for g in GENDERS}
    for g, n_g in totals.items():
        d = sum(_dist(r["genders"][g], n_g * t, n_prime) for r, t in zip(rows, tau,
                                                                          strict=True))
        if d > 2 * exchanges:
            raise GroupingError(_balance(f"gender {g}", rows, tau, n_g, n_prime, exchanges,
                                         d, 2))
    ids = sorted(rows[0]["strata"]) if rows else []
    present = sum(1 for n_g in totals.values() if n_g)
    for x in ids:
        n_x = sum(r["strata"][x] for r in rows)
        c = min(n_x, present << (len(ids) - 1)) if n_x else 1
        d = sum(_dist(r["strata"][x], n_x * t, n_prime, c - 1)
                for r, t in zip(rows, tau, strict=True))
        if d > 2 * exchanges:
            raise GroupingError(_balance(f"stratum {x}", rows, tau, n_x, n_prime, exchanges,
                                         d, 2))
    return "E = 0: every count within its share" if exchanges == 0 else (
        f"E = {exchanges}: counts within the §9.2 distance bound")


def _balance(what: str, rows: Sequence[Mapping[str, Any]], tau: Sequence[int], n: int,
             n_prime: int, exchanges: int, d: int, per: int) -> str:
    shares = ", ".join(f"{r['class']}: {n * t}/{n_prime}" for r, t in zip(rows, tau,
                                                                          strict=True))
    return (f"{what}: counts are {d} beyond their shares ({shares}), more than {per}·E = "
            f"{per * exchanges} allows with {exchanges} exchanges (§9.2 (b), S8)")
