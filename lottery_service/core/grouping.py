"""Sunshine class grouping, protocol version 2 (PROTOCOL.md §9; rules S3, S4, S8).

Each school is grouped on its own from its pupils, its class plan and the
grouping seed `g`, and nothing else: no ability, score or request for a class
enters (S8), so anyone holding the published inputs and the seed recomputes
every class. Every random choice is a keyed value of the seed (§2.2), never of
input order.

The steps (§9): balanced class sizes (step 3); each stratum's seats in each
class drawn by a controlled rounding of its proportional share (step 6), so
every gender's and stratum's count is within one of its share (when the
requests fit, §9.2) and every pupil's chance of a class is proportional to its
size; the pupils with requests
(together units, apart siblings, 同名) placed by an exact search that keeps
apart pupils apart whenever any placement can (step 8); then everyone else
into the remaining seats of their stratum (step 10). `check_feasible` is the
check before the seed that makes the grouping certain to complete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .errors import GroupingError
from .hashing import (
    TAG_CLASS_ORDER,
    TAG_GROUPING_KEY,
    TAG_GROUPING_PREFERENCE,
    TAG_GROUPING_ROUND,
    keyed,
)
from .records import ClassPlan, OpenedPupil

__all__ = [
    "Grouping",
    "GroupingProblem",
    "ProblemKind",
    "RequestUnit",
    "SchoolGrouping",
    "check_feasible",
    "class_order",
    "class_sizes",
    "class_targets",
    "group_all",
    "group_school",
    "group_school_detail",
    "grouping_key_function",
    "preference_order",
    "round_quotas",
    "stratum",
]


@dataclass(frozen=True, slots=True)
class RequestUnit:
    """A together unit or a pupil holding an apart/同名 mark (§9 step 7), and its class."""

    lead: str  # reg of the member with the smallest key; names the unit
    members: tuple[str, ...]  # regs, sorted
    preference: tuple[str, ...]  # class ids, step 7
    cls: str  # the class chosen in step 8


@dataclass(frozen=True, slots=True)
class SchoolGrouping:
    """One school's result with the intermediate values a verifier re-derives."""

    school: str
    class_order: tuple[str, ...]  # π, step 2
    targets: Mapping[str, int]  # class id -> t_j, steps 3 and 6
    quotas: Mapping[str, Mapping[str, int]]  # stratum ("*": empty seats) -> class -> q_sj
    rounds: int  # rounding rounds, step 6
    units: tuple[RequestUnit, ...]  # step 7-8, in unit order
    conflicts: int  # C of the chosen placement, step 8
    exchanges: int  # E: quota exchanges made in step 9
    assignments: Mapping[str, str]  # reg -> class id, step 11


@dataclass(frozen=True, slots=True)
class Grouping:
    """Every school's grouping; `assignments` maps reg -> (school, class id)."""

    assignments: Mapping[str, tuple[str, str]]
    schools: Mapping[str, SchoolGrouping]


def grouping_key_function(seed: bytes) -> Callable[[str], bytes]:
    """reg ↦ key(p) = K(g, "sunshine-draw/v2/grouping-key", reg) (§9 step 4)."""
    return keyed(seed, TAG_GROUPING_KEY)


def _draws(k: Callable[[str], bytes], prefix: str) -> Callable[[int], int]:
    """i ↦ int(K(g, tag, prefix + "/" + dec(i))), the i-th draw of a step (§9)."""
    def draw(i: int) -> int:
        return int.from_bytes(k(f"{prefix}/{i}"), "big")
    return draw


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


EMPTY = "*"
"""The stratum of empty seats (§9 step 5); "*" is no gender, so it sorts first."""


def class_sizes(capacities: Sequence[int], n: int) -> tuple[list[int], int]:
    """The sizes τ_j the quotas are drawn for, and the empty seats m (§9 step 3).

    If every class can hold u = ⌈N/k⌉, all classes are alike: each is drawn
    for u seats, m = k·u − N of them stay empty, and the rounding of step 6
    picks which classes have one seat less. Otherwise τ = the targets of the
    N-times rule and m = 0. Either way the targets' multiset is that of
    `class_targets` (checked by tests/unit/test_grouping.py).
    """
    k = len(capacities)
    u = -(-n // k)
    if min(capacities) >= u:
        return [u] * k, k * u - n
    return class_targets(capacities, n), 0


def stratum(pupil: OpenedPupil) -> str:
    """gender + "|" + ",".join(strata) (§9 step 5)."""
    return pupil.gender + "|" + ",".join(pupil.strata)


# --- step 6: quotas ---------------------------------------------------------------


def round_quotas(strata: Sequence[str], counts: Sequence[int], sizes: Sequence[int],
                 draw: Callable[[int], int]) -> tuple[list[list[int]], int]:
    """q_sj for strata sorted by string (the empty seats "*" included) and the
    sizes τ_j in π order (§9 step 6, S8); N′ = Σ counts = Σ τ.

    A controlled rounding of the shares n_s·τ_j/N′ on the network
    stratum → (gender, class) → class, in integers of 1/N′: each round finds one
    cycle of non-integral edges by the walk §9 fixes and moves it up or down
    with probabilities that keep every expected value, so E[q_sj] = n_s·τ_j/N′
    exactly, and every edge, node total and hence every stratum, gender and
    class count ends on the floor or the ceiling of its share. `draw(i)` is the
    i-th random integer, int(K(g, grouping-round, school/i)). Returns the quotas
    and the number of rounds.
    """
    n = sum(counts)
    k = len(sizes)
    ns = len(strata)
    if n == 0:
        return [[0] * k for _ in range(ns)], 0
    genders = sorted({s.split("|", 1)[0] for s in strata})
    g_of = [genders.index(s.split("|", 1)[0]) for s in strata]
    n_g = [sum(c for c, g in zip(counts, g_of, strict=True) if g == x)
           for x in range(len(genders))]
    # Nodes: strata 0..S-1, then (gender, class) nodes, then class nodes.
    gc_base = ns
    cls_base = ns + len(genders) * k
    tail: list[int] = []
    head: list[int] = []
    val: list[int] = []
    for s in range(ns):  # a-edges, number s·k + j
        for j in range(k):
            tail.append(s)
            head.append(gc_base + g_of[s] * k + j)
            val.append(counts[s] * sizes[j])
    for g in range(len(genders)):  # b-edges, number S·k + g·k + j
        for j in range(k):
            tail.append(gc_base + g * k + j)
            head.append(cls_base + j)
            val.append(n_g[g] * sizes[j])
    incident: list[list[int]] = [[] for _ in range(cls_base + k)]
    for e in range(len(val)):  # appended in edge order: each list ascends
        incident[tail[e]].append(e)
        incident[head[e]].append(e)

    frac = [e for e in range(len(val)) if val[e] % n]
    step = 0
    while frac:
        e0 = frac[0]
        nodes = [tail[e0], head[e0]]
        edges = [e0]
        where = {tail[e0]: 0, head[e0]: 1}
        cur, last = head[e0], e0
        while True:  # every node on a non-integral edge has two (its total is integral)
            e = next(x for x in incident[cur] if x != last and val[x] % n)
            nxt = head[e] if tail[e] == cur else tail[e]
            edges.append(e)
            if nxt in where:
                start = where[nxt]
                break
            where[nxt] = len(nodes)
            nodes.append(nxt)
            cur, last = nxt, e
        cycle = list(zip(edges[start:], nodes[start:], strict=True))  # (edge, node it leaves)
        up = down = n
        for e, a in cycle:
            r = val[e] % n
            if tail[e] == a:  # forward: "+" raises it
                up, down = min(up, n - r), min(down, r)
            else:
                up, down = min(up, r), min(down, n - r)
        delta = up if draw(step) % (up + down) < down else -down
        for e, a in cycle:
            val[e] += delta if tail[e] == a else -delta
        step += 1
        frac = [e for e in frac if val[e] % n]
    return [[val[s * k + j] // n for j in range(k)] for s in range(ns)], step


# --- step 7: request units and their preferences ------------------------------------


def preference_order(quota: Sequence[int], targets: Sequence[int],
                     draw: Callable[[int], int]) -> list[int]:
    """A unit's class preference (§9 step 7): first the classes where its lead's
    stratum has seats (q_j > 0), drawn in proportion to q_j; then the other
    classes with t_j > 0, drawn in proportion to t_j.

    Each draw picks, among the classes left in the tier (in π order), the one
    where draw(i) mod (their weight sum) falls in the running sums of their
    weights; i counts the draws of the unit from 0, and the last class of a tier
    needs no draw. So the first choice is class j with probability q_j/n_s,
    whose expectation is t_j/N.
    """
    out: list[int] = []
    i = 0
    for weights in (list(quota), [t if q == 0 else 0 for q, t in zip(quota, targets, strict=True)]):
        rest = [j for j, w in enumerate(weights) if w > 0]
        tier = _RunningSums([weights[j] for j in rest])
        for _ in range(len(rest) - 1):
            out.append(rest[tier.take(draw(i) % tier.total)])
            i += 1
        out += [rest[p] for p in tier.remaining()]
    return out


class _RunningSums:
    """Weights in order, with the running sums as a Fenwick tree: finding where a draw
    falls and removing that weight take O(log k), so a unit's preference over k
    classes costs O(k log k), not O(k²) (a school of 363 classes spent 15 s there)."""

    def __init__(self, weights: list[int]) -> None:
        self.n = len(weights)
        self.weights = weights
        self.total = sum(weights)
        self.tree = [0, *weights]
        for i in range(1, self.n + 1):
            parent = i + (i & -i)
            if parent <= self.n:
                self.tree[parent] += self.tree[i]
        self.top = 1 << self.n.bit_length() >> 1 if self.n else 0

    def take(self, r: int) -> int:
        """Remove and return the position p whose weight holds r (0 ≤ r < total): the
        sum of the weights before p is ≤ r < that sum plus weights[p]."""
        pos, step, tree = 0, self.top, self.tree
        while step:
            nxt = pos + step
            if nxt <= self.n and tree[nxt] <= r:
                pos = nxt
                r -= tree[nxt]
            step >>= 1
        w = self.weights[pos]
        self.weights[pos] = 0
        self.total -= w
        i = pos + 1
        while i <= self.n:
            tree[i] -= w
            i += i & -i
        return pos

    def remaining(self) -> list[int]:
        return [p for p, w in enumerate(self.weights) if w > 0]


@dataclass(slots=True)
class _Unit:
    members: list[OpenedPupil]
    key: bytes
    lead: str
    strata: list[tuple[int, int]]  # (stratum index, members of that stratum)
    marks: list[tuple[int, int]]  # (mark index, members holding it)
    pref: list[int]  # class indices (π positions)
    size: int = 0

    def __post_init__(self) -> None:
        self.size = len(self.members)


def _marks(pupil: OpenedPupil) -> list[str]:
    # §9 step 7: "a/<group>" for an apart sibling group, "n/<same_name>" for a
    # 同名 group; "/" cannot occur in an id, so the two kinds never collide.
    out: list[str] = []
    if pupil.siblings is not None and pupil.siblings.mode == "apart":
        out.append("a/" + pupil.siblings.group)
    if pupil.same_name is not None:
        out.append("n/" + pupil.same_name)
    return out


def _packable(sizes: Sequence[int], rooms: Sequence[int]) -> bool:
    """Can items of `sizes` (descending) go into bins of `rooms` (§9 step 8, S4)?

    Exact: a search over room multisets with memory, trying each distinct room
    once. Sizes are the together units, a few per school, so it is small.
    """
    memo: dict[tuple[int, tuple[int, ...]], bool] = {}
    stack: list[tuple[int, tuple[int, ...], list[tuple[int, ...]]]] = []

    def options(d: int, rs: tuple[int, ...]) -> list[tuple[int, ...]]:
        out, seen = [], set()
        for i, r in enumerate(rs):
            if r >= sizes[d] and r not in seen:
                seen.add(r)
                out.append(tuple(sorted((*rs[:i], r - sizes[d], *rs[i + 1:]), reverse=True)))
        return out

    start = tuple(sorted(rooms, reverse=True))
    if not sizes:
        return True
    stack.append((0, start, options(0, start)))
    while stack:
        d, rs, opts = stack[-1]
        if not opts:
            memo[(d, rs)] = False
            stack.pop()
            continue
        nxt = opts.pop(0)
        if d + 1 == len(sizes):
            return True
        if memo.get((d + 1, nxt)) is False:
            continue
        stack.append((d + 1, nxt, options(d + 1, nxt)))
    return False


class _Search:
    """§9 step 8: the first placement, in the search order, of least C.

    The order: units in unit order; at each node the classes with room for the
    unit, sorted by (the quota excess the unit would add, preference rank).
    Implemented as deepening on C: a depth-first search in that order for a
    placement with C ≤ limit, from the root's lower bound up to the least bound
    that exceeded the limit. Pruning never cuts a placement of least C: the
    bound on C never overestimates, the packing test only cuts placements that
    cannot be completed, and a class whose room and mark counts equal those of
    a class tried before at the same node has a subtree with the same costs.
    The reference generator finds the same placement by plain enumeration.
    """

    def __init__(self, units: list[_Unit], targets: list[int], quotas: list[list[int]],
                 n_marks: int) -> None:
        self.units = units
        self.k = len(targets)
        self.room = list(targets)
        self.free = [row[:] for row in quotas]  # q_sj - c_sj
        self.cnt = [[0] * self.k for _ in range(n_marks)]
        self.big = [u.size for u in units if u.size >= 2]  # a prefix: units sort by size
        # C counts pairs inside a unit too: they are the same in every placement.
        self.c = sum(m * (m - 1) // 2 for u in units for _, m in u.marks)
        # Kept as units are placed and taken back, so a node costs what the unit touches
        # rather than marks × classes (a 16,000-pupil school of the demo took 63 ms a node):
        self.left: dict[int, int] = {}  # mark -> units not yet placed holding it
        for u in units:
            for t, _ in u.marks:
                self.left[t] = self.left.get(t, 0) + 1
        self.spread = [0] * n_marks  # mark -> classes where it is held
        # class -> {mark still to place: its count there, if > 0}: the class signature
        self.held: list[dict[int, int]] = [{} for _ in targets]
        self.open = sum(1 for r in self.room if r >= 1)  # classes with room

    def _excess(self, u: _Unit, j: int) -> int:
        de = 0
        for s, m in u.strata:
            f = self.free[s][j]
            if f < m:
                de += m - f if f >= 0 else m
        return de

    def _move(self, u: _Unit, j: int, sign: int) -> None:
        was_open = self.room[j] >= 1
        left = self.left
        if sign < 0:
            self.room[j] += u.size
            for s, m in u.strata:
                self.free[s][j] += m
            for t, m in u.marks:
                row = self.cnt[t]
                row[j] -= m
                if row[j] == 0:
                    self.spread[t] -= 1
                if t in left:
                    left[t] += 1
                    self._hold(t, j)
                else:  # t is to place again: every class holding it shows it
                    left[t] = 1
                    for j2, c in enumerate(row):
                        if c:
                            self.held[j2][t] = c
        self.c += sign * sum(m * self.cnt[t][j] for t, m in u.marks)
        if sign > 0:
            self.room[j] -= u.size
            for s, m in u.strata:
                self.free[s][j] -= m
            for t, m in u.marks:
                row = self.cnt[t]
                if row[j] == 0:
                    self.spread[t] += 1
                row[j] += m
                if left[t] > 1:
                    left[t] -= 1
                    self._hold(t, j)
                else:  # t's last unit: no later node tells classes apart by t
                    del left[t]
                    for j2, c in enumerate(row):
                        if c:
                            self.held[j2].pop(t, None)
        self.open += (self.room[j] >= 1) - was_open

    def _hold(self, t: int, j: int) -> None:
        if self.cnt[t][j]:
            self.held[j][t] = self.cnt[t][j]
        else:
            self.held[j].pop(t, None)

    def _bound(self, d: int) -> int:
        """A lower bound on the pairs still to come from units d.. (never too high):
        each unit holding a mark adds at least the holders already in its class,
        so water-fill the units holding it over the classes with room."""
        k, room, spread = self.k, self.room, self.spread
        lb = 0
        for t, items in self.left.items():  # the units from d on (`_within` keeps it so)
            if items <= self.open - spread[t]:
                continue  # as many classes with room where t is not yet held: adds 0
            row = self.cnt[t]
            levels = sorted(row[j] for j in range(k) if room[j] >= 1)
            if levels[0] == 0 and (items <= 1 or items <= levels.count(0)):
                continue
            for _ in range(items):
                lb += levels[0]
                levels[0] += 1
                i = 0
                while i + 1 < len(levels) and levels[i] > levels[i + 1]:
                    levels[i], levels[i + 1] = levels[i + 1], levels[i]
                    i += 1
        return lb

    def _children(self, d: int) -> list[int]:
        u = self.units[d]
        ranked: list[tuple[int, int, int]] = []
        seen: set[tuple[int, frozenset[tuple[int, int]]]] = set()
        later_big = self.big[d + 1:] if u.size >= 2 else []
        for rank, j in enumerate(u.pref):
            if self.room[j] < u.size:
                continue
            ranked.append((self._excess(u, j), rank, j))
        out: list[int] = []
        # Classes with room for the largest later together unit: while there are at least
        # as many as such units, one per class packs them, and the exact test is skipped.
        roomy = sum(1 for r in self.room if r >= later_big[0]) if later_big else 0
        for _, _, j in sorted(ranked):
            # room and the counts of every mark still to come (zero counts left out)
            sig = (self.room[j], frozenset(self.held[j].items()))
            if sig in seen:
                continue
            seen.add(sig)
            if later_big and len(later_big) > roomy - (
                    self.room[j] >= later_big[0] > self.room[j] - u.size):
                rooms = self.room[:]
                rooms[j] -= u.size
                if not _packable(later_big, rooms):
                    continue
            out.append(j)
        return out

    def run(self) -> tuple[list[int], int]:
        """The placement (class index per unit) and its C."""
        if not _packable(self.big, self.room):
            raise GroupingError("together units cannot all be placed (S4)")
        if not self.units:
            return [], self.c
        limit = self.c + self._bound(0)
        while True:
            found, over = self._within(limit)
            if found is not None:
                return found, self.c
            assert over is not None  # a placement exists (the packing test passed)
            limit = over

    def _within(self, limit: int) -> tuple[list[int] | None, int | None]:
        units = self.units
        over: int | None = None
        placed: list[int] = []
        stack = [iter(self._children(0))]
        while stack:
            d = len(stack) - 1
            j = next(stack[-1], None)
            if j is None:
                stack.pop()
                if placed:
                    self._move(units[len(placed) - 1], placed.pop(), -1)
                continue
            self._move(units[d], j, +1)
            placed.append(j)
            total = self.c + (self._bound(d + 1) if d + 1 < len(units) else 0)
            if total <= limit:
                if d + 1 == len(units):
                    return placed, None  # the state is left as placed: run() reads c
                stack.append(iter(self._children(d + 1)))
                continue
            if over is None or total < over:
                over = total
            self._move(units[d], placed.pop(), -1)
        return None, over


# --- steps 9-11 ----------------------------------------------------------------------


def _share_range(x: int, n: int) -> tuple[int, int]:
    return x // n, -(-x // n)


def _out(v: int, lo_hi: tuple[int, int]) -> int:
    return max(0, lo_hi[0] - v, v - lo_hi[1])


def _repair(q: list[list[int]], free: list[list[int]], counts: Sequence[int],
            g_of: Sequence[str], sizes: Sequence[int], n: int) -> int:
    """§9 step 9: exchange quota until every free_sj ≥ 0; returns the exchanges E.

    Shares are those step 6 rounded: count × τ_j / N′ (`sizes`, `n` = N′)."""
    ns, k = len(q), len(sizes)
    targets = sizes
    genders = sorted(set(g_of))
    n_g = {g: sum(c for c, x in zip(counts, g_of, strict=True) if x == g) for g in genders}
    cell = [[_share_range(counts[s] * targets[j], n) for j in range(k)] for s in range(ns)]
    gcell = {g: [_share_range(n_g[g] * targets[j], n) for j in range(k)] for g in genders}
    gq = {g: [sum(q[s][j] for s in range(ns) if g_of[s] == g) for j in range(k)]
          for g in genders}
    moves = 0
    while True:
        neg = next(((s, j) for s in range(ns) for j in range(k) if free[s][j] < 0), None)
        if neg is None:
            return moves
        s, j = neg
        best: tuple[int, int, int] | None = None
        for kk in range(k):
            if kk == j or free[s][kk] <= 0:
                continue
            for s2 in range(ns):
                if s2 == s or free[s2][j] <= 0:
                    continue
                change = [(s, j, 1), (s, kk, -1), (s2, j, -1), (s2, kk, 1)]
                dist = sum(_out(q[a][b] + d, cell[a][b]) - _out(q[a][b], cell[a][b])
                           for a, b, d in change)
                if g_of[s] != g_of[s2]:
                    g1, g2 = g_of[s], g_of[s2]
                    for g, b, d in ((g1, j, 1), (g1, kk, -1), (g2, j, -1), (g2, kk, 1)):
                        dist += _out(gq[g][b] + d, gcell[g][b]) - _out(gq[g][b], gcell[g][b])
                if best is None or dist < best[0]:
                    best = (dist, kk, s2)
        assert best is not None  # row s and column j each have a positive free cell
        _, kk, s2 = best
        for a, b, d in ((s, j, 1), (s, kk, -1), (s2, j, -1), (s2, kk, 1)):
            q[a][b] += d
            free[a][b] += d
            gq[g_of[a]][b] += d
        moves += 1


def _group(plan: ClassPlan, pupils: Sequence[OpenedPupil], seed: bytes) -> SchoolGrouping:
    school = plan.school
    seen: set[str] = set()
    for p in pupils:
        if p.school != school:
            raise GroupingError(f"pupil {p.reg} belongs to {p.school}, not {school}")
        if p.reg in seen:
            raise GroupingError(f"pupil {p.reg} appears twice in school {school}")
        seen.add(p.reg)
    _check_modes(pupils)

    # Step 1 (S3): the plan must hold the whole locked cohort.
    n = len(pupils)
    total = sum(c.capacity for c in plan.classes)
    if n > total:
        raise GroupingError(
            f"school {school}: {n} pupils exceed the class plan's "
            f"capacity {total} (S3: the school must amend its plan)"
        )

    # Steps 2-4: π, the sizes the quotas are drawn for (S8) and the keys.
    order = class_order(plan, seed)
    capacity = {c.id: c.capacity for c in plan.classes}
    sizes, empty = class_sizes([capacity[cid] for cid in order], n)
    k = len(order)
    key_of = grouping_key_function(seed)
    keys = {p.reg: key_of(p.reg) for p in pupils}

    # Step 5: strata, and the empty seats as stratum "*" of its own gender.
    strat = {p.reg: stratum(p) for p in pupils}
    names = sorted(set(strat.values()) | ({EMPTY} if empty else set()))
    s_index = {s: i for i, s in enumerate(names)}
    counts = [0] * len(names)
    for p in pupils:
        counts[s_index[strat[p.reg]]] += 1
    if empty:
        counts[s_index[EMPTY]] = empty

    # Step 6: quotas by controlled rounding; the empty seats fix the targets.
    round_key = keyed(seed, TAG_GROUPING_ROUND)
    q, rounds = round_quotas(names, counts, sizes, _draws(round_key, school))
    drawn = {names[s]: dict(zip(order, q[s], strict=True)) for s in range(len(names))}
    if empty:
        targets = [t - e for t, e in zip(sizes, q.pop(0), strict=True)]  # "*" sorts first
        names.pop(0)
        counts.pop(0)
        s_index = {s: i for i, s in enumerate(names)}
    else:
        targets = list(sizes)
    g_of = [s.split("|", 1)[0] for s in names]

    # Step 7: request units, their order and preferences.
    holders: dict[str, int] = {}
    for p in pupils:
        for t in _marks(p):
            holders[t] = holders.get(t, 0) + 1
    mark_index: dict[str, int] = {}
    together: dict[str, list[OpenedPupil]] = {}
    for p in pupils:
        if p.siblings is not None and p.siblings.mode == "together":
            together.setdefault(p.siblings.group, []).append(p)
    groups = [ms for ms in together.values() if len(ms) >= 2]
    in_unit = {m.reg for ms in groups for m in ms}
    groups += [[p] for p in pupils if p.reg not in in_unit
               and any(holders[t] >= 2 for t in _marks(p))]
    pref_key = keyed(seed, TAG_GROUPING_PREFERENCE)
    units: list[_Unit] = []
    for ms in groups:
        lead = min(ms, key=lambda m: (keys[m.reg], m.reg))
        st_counts: dict[int, int] = {}
        mark_counts: dict[int, int] = {}
        for m in ms:
            st_counts[s_index[strat[m.reg]]] = st_counts.get(s_index[strat[m.reg]], 0) + 1
            for t in _marks(m):
                if holders[t] >= 2:
                    ti = mark_index.setdefault(t, len(mark_index))
                    mark_counts[ti] = mark_counts.get(ti, 0) + 1
        pref = preference_order(q[s_index[strat[lead.reg]]], targets,
                                _draws(pref_key, lead.reg))
        units.append(_Unit(sorted(ms, key=lambda m: m.reg), keys[lead.reg], lead.reg,
                           sorted(st_counts.items()), sorted(mark_counts.items()), pref))
    units.sort(key=lambda u: (-u.size, u.key, u.lead))

    # Step 8: the placement of the units (S4; separation first, then quotas).
    try:
        placement, conflicts = _Search(units, targets, q, len(mark_index)).run()
    except GroupingError:
        raise GroupingError(
            f"school {school}: the together siblings cannot all be placed in classes of "
            f"sizes {sorted(targets, reverse=True)} (S4: the school must amend its plan "
            f"or the requests)") from None
    result: dict[str, str] = {}
    free = [row[:] for row in q]
    for u, j in zip(units, placement, strict=True):
        for m in u.members:
            result[m.reg] = order[j]
            free[s_index[strat[m.reg]]][j] -= 1

    # Step 9: quota exchanges where the placement exceeds a quota.
    exchanges = _repair(q, free, counts, g_of, sizes, n + empty)

    # Step 10: everyone else, by key, into their stratum's free seats in π order.
    rest: list[list[tuple[bytes, str]]] = [[] for _ in names]
    for p in pupils:
        if p.reg not in result:
            rest[s_index[strat[p.reg]]].append((keys[p.reg], p.reg))
    for s, members in enumerate(rest):
        members.sort()
        slots = [j for j in range(k) for _ in range(free[s][j])]
        for (_, reg), j in zip(members, slots, strict=True):
            result[reg] = order[j]

    # Step 11.
    return SchoolGrouping(
        school=school,
        class_order=order,
        targets=dict(zip(order, targets, strict=True)),
        quotas=drawn,
        rounds=rounds,
        units=tuple(RequestUnit(u.lead, tuple(m.reg for m in u.members),
                                tuple(order[j] for j in u.pref), order[j])
                    for u, j in zip(units, placement, strict=True)),
        conflicts=conflicts,
        exchanges=exchanges,
        assignments=dict(sorted(result.items())),
    )


def _check_modes(pupils: Sequence[OpenedPupil]) -> None:
    modes: dict[tuple[str, str], str] = {}
    for p in pupils:
        if p.siblings is not None:
            mode = modes.setdefault((p.school, p.siblings.group), p.siblings.mode)
            if mode != p.siblings.mode:
                raise GroupingError(f"sibling group {p.siblings.group} mixes together and "
                                    f"apart requests (§9)")


def group_school(plan: ClassPlan, pupils: Sequence[OpenedPupil], seed: bytes) -> dict[str, str]:
    """reg -> class id for one school (§9 steps 1-11); raises GroupingError (S3, S4)."""
    return dict(_group(plan, pupils, seed).assignments)


def group_school_detail(plan: ClassPlan, pupils: Sequence[OpenedPupil],
                        seed: bytes) -> SchoolGrouping:
    """One school's grouping with its intermediate values (§9)."""
    return _group(plan, pupils, seed)


def group_all(plans: Sequence[ClassPlan], pupils: Sequence[OpenedPupil], seed: bytes) -> Grouping:
    """Group every school of the `grouping` ceremony (§9); raises GroupingError.

    Rejects a pupil whose school has no plan, a school with two plans, a reg
    given twice and a sibling group with mixed modes, then each school's plan
    (S3) and together requests (S4). `check_feasible` finds all of these before
    the seed.
    """
    plan_of: dict[str, ClassPlan] = {}
    for plan in plans:
        if plan.school in plan_of:
            raise GroupingError(f"school {plan.school} has two class plans (S3)")
        plan_of[plan.school] = plan
    by_school: dict[str, list[OpenedPupil]] = {s: [] for s in plan_of}
    seen: set[str] = set()
    for p in pupils:
        if p.reg in seen:
            raise GroupingError(f"pupil {p.reg} appears twice in the cohort (S2)")
        seen.add(p.reg)
        if p.school not in by_school:
            raise GroupingError(f"pupil {p.reg}: school {p.school} has no class plan (S3)")
        by_school[p.school].append(p)
    _check_modes(pupils)

    schools: dict[str, SchoolGrouping] = {}
    assignments: dict[str, tuple[str, str]] = {}
    for school in sorted(by_school):
        result = _group(plan_of[school], by_school[school], seed)
        schools[school] = result
        for reg, cid in result.assignments.items():
            assignments[reg] = (school, cid)
    return Grouping(assignments=dict(sorted(assignments.items())), schools=schools)


# --- feasibility before the seed (issue 8, deliverable 2) ------------------------------


class ProblemKind(StrEnum):
    """Why a grouping input would fail or be wrong (§9 "Feasibility")."""

    PUPIL_TWICE = "pupil-twice"  # S2
    NO_PLAN = "no-plan"  # S3
    TWO_PLANS = "two-plans"  # S3
    OVER_CAPACITY = "over-capacity"  # S3
    EMPTY_CLASS = "empty-class"  # S3
    MIXED_SIBLING_MODES = "mixed-sibling-modes"  # §9
    TOGETHER_TOO_LARGE = "together-too-large"  # S4
    TOGETHER_CANNOT_FIT = "together-cannot-fit"  # S4


@dataclass(frozen=True, slots=True)
class GroupingProblem:
    """One reason the grouping input cannot be frozen, with its message in Chinese
    and English; `pupils` and `classes` name the records concerned (regs and
    class ids only, no personal data)."""

    kind: ProblemKind
    rule: str
    school: str
    zh: str
    en: str
    pupils: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()


def check_feasible(plans: Sequence[ClassPlan],
                   pupils: Sequence[OpenedPupil]) -> list[GroupingProblem]:
    """Every problem that would make §9 fail or leave a class empty, before the seed.

    If the list is empty, `group_all(plans, pupils, seed)` completes for every
    seed (§9 "Feasibility"): the targets' multiset, and so whether the together
    units fit, does not depend on the seed. Problems are listed by school, then
    by kind.
    """
    out: list[GroupingProblem] = []
    plan_of: dict[str, ClassPlan] = {}
    for plan in plans:
        if plan.school in plan_of:
            out.append(GroupingProblem(
                ProblemKind.TWO_PLANS, "S3", plan.school,
                f"学校 {plan.school} 有两份分班计划，只能保留一份。",
                f"school {plan.school} has two class plans; keep one."))
        else:
            plan_of[plan.school] = plan
    by_school: dict[str, list[OpenedPupil]] = {}
    seen: set[str] = set()
    twice: dict[str, list[str]] = {}
    for p in pupils:
        if p.reg in seen:
            twice.setdefault(p.school, []).append(p.reg)
            continue
        seen.add(p.reg)
        by_school.setdefault(p.school, []).append(p)
    for school, regs in sorted(twice.items()):
        out.append(GroupingProblem(
            ProblemKind.PUPIL_TWICE, "S2", school,
            f"学籍号 {'、'.join(sorted(regs))} 在名单中出现不止一次。",
            f"registration number(s) {', '.join(sorted(regs))} appear more than once.",
            pupils=tuple(sorted(regs))))
    for school in sorted(set(by_school) | set(plan_of)):
        mine = by_school.get(school, [])
        school_plan = plan_of.get(school)
        if school_plan is None:
            out.append(GroupingProblem(
                ProblemKind.NO_PLAN, "S3", school,
                f"学校 {school} 有 {len(mine)} 名学生，但没有分班计划。",
                f"school {school} has {len(mine)} pupils but no class plan."))
            continue
        out += _school_problems(school_plan, mine)
    return out


def _school_problems(plan: ClassPlan, pupils: Sequence[OpenedPupil]) -> list[GroupingProblem]:
    school = plan.school
    out: list[GroupingProblem] = []
    modes: dict[str, set[str]] = {}
    together: dict[str, list[str]] = {}
    for p in pupils:
        if p.siblings is not None:
            modes.setdefault(p.siblings.group, set()).add(p.siblings.mode)
            if p.siblings.mode == "together":
                together.setdefault(p.siblings.group, []).append(p.reg)
    for group, ms in sorted(modes.items()):
        if len(ms) > 1:
            regs = tuple(sorted(p.reg for p in pupils
                                if p.siblings is not None and p.siblings.group == group))
            out.append(GroupingProblem(
                ProblemKind.MIXED_SIBLING_MODES, "S4", school,
                f"学校 {school} 的兄弟姐妹组 {group} 同时申请了同班和分班，只能选一种。",
                f"school {school}: sibling group {group} asks both together and apart; "
                f"choose one.", pupils=regs))
    n = len(pupils)
    caps = [c.capacity for c in plan.classes]
    if n > sum(caps):
        out.append(GroupingProblem(
            ProblemKind.OVER_CAPACITY, "S3", school,
            f"学校 {school} 有 {n} 名学生，分班计划只有 {sum(caps)} 个学位，需修改计划。",
            f"school {school} has {n} pupils but its class plan seats only {sum(caps)}; "
            f"amend the plan."))
        return out
    # The targets' multiset does not depend on π (§9 step 3), so neither do
    # empty classes nor whether the together units fit.
    targets = sorted(class_targets(caps, n), reverse=True)
    empty = targets.count(0)
    if empty:
        out.append(GroupingProblem(
            ProblemKind.EMPTY_CLASS, "S3", school,
            f"学校 {school} 只有 {n} 名学生，却有 {len(caps)} 个班，{empty} 个班将没有学生。",
            f"school {school} has {n} pupils for {len(caps)} classes: {empty} class(es) "
            f"would stay empty."))
    units = sorted(((len(regs), group, tuple(sorted(regs)))
                    for group, regs in together.items()
                    if len(regs) >= 2 and modes[group] == {"together"}), reverse=True)
    too_large = [u for u in units if u[0] > targets[0]]
    for size, group, regs in too_large:
        out.append(GroupingProblem(
            ProblemKind.TOGETHER_TOO_LARGE, "S4", school,
            f"学校 {school} 的同班兄弟姐妹组 {group} 有 {size} 人，但均衡后每班最多 "
            f"{targets[0]} 人，无法同班。",
            f"school {school}: together group {group} has {size} pupils but balanced "
            f"classes hold at most {targets[0]}.", pupils=regs))
    if not too_large and not _packable([u[0] for u in units], targets):
        out.append(GroupingProblem(
            ProblemKind.TOGETHER_CANNOT_FIT, "S4", school,
            f"学校 {school} 的同班兄弟姐妹组（{'、'.join(f'{g} {s} 人' for s, g, _ in units)}）"
            f"无法全部放入均衡后的班额 {targets}。",
            f"school {school}: the together groups ({', '.join(f'{g}: {s}' for s, g, _ in units)})"
            f" cannot all be placed in balanced classes of sizes {targets}.",
            pupils=tuple(r for _, _, regs in units for r in regs)))
    return out
