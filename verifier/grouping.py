"""Sunshine class grouping recomputed, protocol version 2 (PROTOCOL.md §9; S1–S8).

Standard library only. The step numbers below are those of §9.1.
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from verifier.ceremony import TAG_CLASS_ORDER, TAG_GROUPING_KEY, keyed

# §2.2; the lead renames every v1 tag at once.
TAG_GROUPING_ROUND = "sunshine-draw/v1/grouping-round"
TAG_GROUPING_PREFERENCE = "sunshine-draw/v1/grouping-preference"


class GroupingError(ValueError):
    """The plan cannot hold the pupils or the together units (S3, S4)."""


class Pupil(NamedTuple):
    """What §9 uses of a §3.2 pupil record; a tuple, since a city has 10^5 pupils.

    `gender` and `stratum` come from the pupil's opened attributes (§17.1); they are
    None when the sealed openings were not given (the public record commits to them).
    """

    reg: str
    school: str
    gender: str
    stratum: str
    """gender + "|" + ",".join(strata) (step 5)."""
    siblings: tuple[str, str] | None
    """(group, mode) of a sibling request."""
    marks: tuple[str, ...]
    """The step 7 marks: "apart:<group>", "name:<same_name>"."""


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
    """Step 7: classes with seats for the stratum by q, then the rest by t."""
    order: list[int] = []
    draws = 0
    for tier in ([(j, q_row[j]) for j in range(len(t)) if q_row[j]],
                 [(j, t[j]) for j in range(len(t)) if not q_row[j] and t[j]]):
        while len(tier) > 1:
            r = rnd(draws) % sum(w for _, w in tier)
            draws += 1
            x = 0
            while r >= tier[x][1]:
                r -= tier[x][1]
                x += 1
            order.append(tier.pop(x)[0])
        order += [j for j, _ in tier]
    return order


def _fits(sizes: list[int], rooms: list[int]) -> bool:
    """Can the together units of `sizes` (descending) go into `rooms`? Exact."""
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
    later: list[dict[int, int]] = []  # per depth: mark -> units from there holding it
    for d in range(len(units) + 1):
        c: dict[int, int] = {}
        for u in units[d:]:
            for mk, _ in u.marks:
                c[mk] = c.get(mk, 0) + 1
        later.append(c)

    def bound(d: int) -> int:
        total = 0
        for mk, count in later[d].items():
            heap = [held[mk][j] for j in range(k) if room[j] > 0]
            heapq.heapify(heap)
            for _ in range(count):
                lowest = heapq.heappop(heap)
                total += lowest
                heapq.heappush(heap, lowest + 1)
        return total

    def candidates(d: int) -> list[int]:
        u = units[d]
        size = sizes[d]
        scored = []
        for rank, j in enumerate(u.pref):
            if room[j] >= size:
                ex = sum(max(0, m - free[s][j]) - max(0, -free[s][j]) for s, m in u.strata)
                scored.append((ex, rank, j))
        scored.sort()
        out, sigs = [], set()
        marks = sorted(later[d])
        rest = together[d + 1:] if size >= 2 else []
        for _, _, j in scored:
            sig = (room[j], tuple(held[mk][j] for mk in marks))
            if sig in sigs:
                continue
            sigs.add(sig)
            if rest:
                rooms = list(room)
                rooms[j] -= size
                if not _fits(rest, rooms):
                    continue
            out.append(j)
        return out

    def put(d: int, j: int, sign: int) -> int:
        u = units[d]
        room[j] -= sign * sizes[d]
        for s, m in u.strata:
            free[s][j] -= sign * m
        added = 0
        for mk, m in u.marks:
            if sign > 0:
                added += m * held[mk][j]
            held[mk][j] += sign * m
            if sign < 0:
                added += m * held[mk][j]
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
              t: list[int], n: int) -> None:
    """Step 9: move quota until no free_sj is negative, least total distance first.
    Distances are from the shares step 6 rounded: n_s·τ_j/N′ (`t` = τ, `n` = N′)."""
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

    while True:
        bad = [(s, j) for s in range(len(strata)) for j in range(k) if free[s][j] < 0]
        if not bad:
            return
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


def group_school(seed: bytes, school: str, pupils: Sequence[Pupil],
                 plan: dict[str, Any]) -> dict[str, str]:
    """reg -> class id for one school (§9.1)."""
    classes = plan["classes"]
    n = len(pupils)
    if n > sum(c["capacity"] for c in classes):  # step 1
        raise GroupingError(f"school {school}: {n} pupils exceed the plan's capacity (S3)")
    modes: dict[str, str] = {}
    for p in pupils:
        if p.siblings is not None and modes.setdefault(*p.siblings) != p.siblings[1]:
            raise GroupingError(f"school {school}: sibling group {p.siblings[0]} mixes "
                                "together and apart requests (§9)")
    order_key = keyed(seed, TAG_CLASS_ORDER)  # step 2
    pi = sorted(classes, key=lambda c: (order_key(f"{school}/{c['id']}"), c["id"]))
    ids = [c["id"] for c in pi]
    tau, empty = _sizes([c["capacity"] for c in pi], n)  # step 3
    k = len(pi)
    key_of = keyed(seed, TAG_GROUPING_KEY)  # step 4
    key = {p.reg: key_of(p.reg) for p in pupils}
    strata = sorted({p.stratum for p in pupils})  # step 5
    s_of = {s: i for i, s in enumerate(strata)}
    n_s = [0] * len(strata)
    for p in pupils:
        n_s[s_of[p.stratum]] += 1
    round_key = keyed(seed, TAG_GROUPING_ROUND)  # step 6; "*", the empty seats, sorts first
    q = _quotas(["*", *strata] if empty else strata, [empty, *n_s] if empty else n_s, tau,
                _draw(round_key, school))
    t = [a - b for a, b in zip(tau, q.pop(0), strict=True)] if empty else tau

    # Step 7.
    holders: dict[str, int] = {}
    for p in pupils:
        for mk in p.marks:
            holders[mk] = holders.get(mk, 0) + 1
    counting = {mk for mk, c in holders.items() if c >= 2}
    mark_no = {mk: i for i, mk in enumerate(sorted(counting))}
    groups: dict[str, list[Pupil]] = {}
    for p in pupils:
        if p.siblings is not None and p.siblings[1] == "together":
            groups.setdefault(p.siblings[0], []).append(p)
    member_sets = [tuple(ms) for ms in groups.values() if len(ms) >= 2]
    in_sets = {p.reg for ms in member_sets for p in ms}
    member_sets += [(p,) for p in pupils if p.reg not in in_sets and counting.intersection(p.marks)]
    pref_key = keyed(seed, TAG_GROUPING_PREFERENCE)
    ranked = []
    for ms in member_sets:
        lead = min(ms, key=lambda p: (key[p.reg], p.reg))
        st: dict[int, int] = {}
        mk_count: dict[int, int] = {}
        for p in ms:
            st[s_of[p.stratum]] = st.get(s_of[p.stratum], 0) + 1
            for mk in p.marks:
                if mk in counting:
                    mk_count[mark_no[mk]] = mk_count.get(mark_no[mk], 0) + 1
        reg = lead.reg
        pref = _preference(q[s_of[lead.stratum]], t, _draw(pref_key, reg))
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
            free[s_of[p.stratum]][j] -= 1
    _exchange(q, free, strata, n_s, tau, n + empty)  # step 9
    rest: dict[int, list[tuple[bytes, str]]] = {}
    for p in pupils:  # step 10
        if p.reg not in out:
            rest.setdefault(s_of[p.stratum], []).append((key[p.reg], p.reg))
    for s, members in rest.items():
        members.sort()
        seats = [j for j in range(k) for _ in range(free[s][j])]
        for (_, reg), j in zip(members, seats, strict=True):
            out[reg] = j
    return {reg: ids[j] for reg, j in out.items()}
