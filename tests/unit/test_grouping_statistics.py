"""Each pupil's chance of each class (PROTOCOL.md §9.2 (d); S4 random, S8).

The tests on pupils' classes run twice: on the service's core and on the
standalone verifier's recomputation (both must be what §9 says). Every test uses
a fixed list of seeds, so it passes or fails the same way on every run; the
false-alarm rate it states is the chance that a correct implementation fails for
a random choice of that list. Several bounds in one test share the stated rate
(Bonferroni).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Sequence

import pytest

from lottery_service.core.grouping import class_order, group_school_detail, round_quotas
from lottery_service.core.records import ClassPlan, Gender, OpenedPupil, Siblings
from tests.unit.grouping_checks import pairs_sharing, plan_of
from verifier import grouping as recompute

FALSE_ALARM = 0.001

Assign = Callable[[ClassPlan, Sequence[OpenedPupil], bytes], dict[str, str]]
"""One school's classes (reg -> class id) for a seed."""


def core(plan: ClassPlan, pupils: Sequence[OpenedPupil], seed: bytes) -> dict[str, str]:
    return dict(group_school_detail(plan, pupils, seed).assignments)


def verifier(plan: ClassPlan, pupils: Sequence[OpenedPupil], seed: bytes) -> dict[str, str]:
    opened = [recompute.pupil_of(p.to_json(), p.gender, p.strata) for p in pupils]
    return recompute.group_school(seed, plan.school, opened, plan.to_json()).classes


IMPLEMENTATIONS = pytest.mark.parametrize("assign", [core, verifier], ids=["core", "verifier"])


def sizes(classes: dict[str, str]) -> dict[str, int]:
    """Class id -> pupils placed there."""
    return dict(Counter(classes.values()))


def chi2_critical(df: int, alpha: float) -> float:
    """x with P(χ²_df ≥ x) = alpha, for even df: the survival function is
    e^(−x/2) Σ_{i<df/2} (x/2)^i / i!, decreasing in x, so bisect."""
    assert df % 2 == 0

    def sf(x: float) -> float:
        return math.exp(-x / 2) * sum((x / 2) ** i / math.factorial(i) for i in range(df // 2))

    lo, hi = 0.0, 1000.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sf(mid) > alpha else (lo, mid)
    return hi


def hoeffding(runs: int, width: float, alpha: float) -> float:
    """ε with P(|Σ − E Σ| ≥ ε) ≤ alpha for `runs` independent terms in an interval
    of `width` (Hoeffding)."""
    return width * math.sqrt(runs * math.log(2 / alpha) / 2)


def seeds(name: str, runs: int) -> list[bytes]:
    return [hashlib.sha256(f"{name}-{i}".encode()).digest() for i in range(runs)]


def chi2(counts: Counter[str], expected: dict[str, float]) -> float:
    return sum((counts[c] - e) ** 2 / e for c, e in expected.items())


def cohort(girls: int, boys: int, sen: Sequence[int] = ()) -> list[OpenedPupil]:
    genders: list[Gender] = ["F"] * girls + ["M"] * boys
    return [OpenedPupil(f"R{i:04d}", "张*", "S1", g, ("sen",) if i in sen else ())
            for i, g in enumerate(genders)]


CAPS = [40, 45, 45, 50, 30]  # issue 8: boys absorbed every difference of size


@IMPLEMENTATIONS
def test_S8_each_pupil_proportional_to_class_size_40_45_45_50_30(assign: Assign) -> None:
    """210 pupils (110 girls of whom 3 sen, 100 boys of whom 2 sen) fill classes of
    40/45/45/50/30. Over 400 seeds each pupil's classes pass chi-square (df 4)
    against t_j/N, and pooled by gender the counts in every class stay within a
    Hoeffding bound of their share; one false-alarm rate for all 220 bounds."""
    runs = 400
    pupils = cohort(110, 100, sen=(0, 50, 100, 110, 160))
    plan = plan_of("S1", CAPS)
    tally: dict[str, Counter[str]] = {p.reg: Counter() for p in pupils}
    pooled: dict[Gender, Counter[str]] = {"F": Counter(), "M": Counter()}
    for seed in seeds("proportional", runs):
        classes = assign(plan, pupils, seed)
        assert sizes(classes) == {c.id: c.capacity for c in plan.classes}
        for p in pupils:
            cls = classes[p.reg]
            tally[p.reg][cls] += 1
            pooled[p.gender][cls] += 1
    bounds = len(pupils) + 2 * len(CAPS)
    critical = chi2_critical(len(CAPS) - 1, FALSE_ALARM / bounds)
    n = sum(CAPS)
    expected = {c.id: runs * c.capacity / n for c in plan.classes}
    for reg, counts in tally.items():
        assert chi2(counts, expected) < critical, (reg, dict(counts))
    # Pooled: per seed a gender's count in class j lies in {⌊y⌋, ⌈y⌉}, width 1.
    eps = hoeffding(runs, 1, FALSE_ALARM / bounds)
    for gender, size in (("F", 110), ("M", 100)):
        for c in plan.classes:
            assert abs(pooled[gender][c.id] - runs * size * c.capacity / n) < eps
    # The numbers: a boy's and a girl's chance of the 30-seat class.
    small = next(c.id for c in plan.classes if c.capacity == 30)
    boy = pooled["M"][small] / (runs * 100)
    girl = pooled["F"][small] / (runs * 110)
    assert abs(boy - 30 / 210) < 0.005 and abs(girl - 30 / 210) < 0.005


@IMPLEMENTATIONS
def test_S8_single_sen_pupil_proportional_to_class_size(assign: Assign) -> None:
    """The hardest share to round: one sen girl, whose share of every class is
    below one, so only the rounding's randomness makes her chance right. In
    40/45/45/50/30 with 120 pupils every class holds ⌈120/5⌉ = 24, so the classes
    are alike and her chance is 1/5 each; with 200 pupils the 30-seat class
    cannot hold 40, the targets are 30/40/43/43/44 and her chance is t_j/N.
    600 seeds each, chi-square df 4."""
    runs = 600
    pupils = cohort(60, 60, sen=(0,))
    plan = plan_of("S1", CAPS)
    tally: Counter[str] = Counter()
    targets: dict[str, int] = {}
    for seed in seeds("single-sen", runs):
        classes = assign(plan, pupils, seed)
        targets = sizes(classes)
        tally[classes["R0000"]] += 1
    assert sorted(targets.values()) == [24, 24, 24, 24, 24]
    expected = {c: runs / 5 for c in targets}
    assert chi2(tally, expected) < chi2_critical(4, FALSE_ALARM / 2)
    pupils = cohort(100, 100, sen=(0,))
    tally = Counter()
    for seed in seeds("single-sen-unequal", runs):
        classes = assign(plan, pupils, seed)
        targets = sizes(classes)
        tally[classes["R0000"]] += 1
    assert sorted(targets.values()) == [30, 40, 43, 43, 44]
    expected = {c: runs * t / 200 for c, t in targets.items()}
    assert chi2(tally, expected) < chi2_critical(4, FALSE_ALARM / 2)


@IMPLEMENTATIONS
def test_S4_uniform_over_equal_classes_with_requests(assign: Assign) -> None:
    """Three equal classes, the worked cohort with together twins, apart siblings
    and a 同名 pair: by symmetry every pupil, request or not, is uniform; 300
    seeds, chi-square df 2 for 10 pupils."""
    pupils = [
        OpenedPupil("R0001", "x", "S1", "F"), OpenedPupil("R0002", "x", "S1", "M"),
        OpenedPupil("R0003", "x", "S1", "F", ("sen",)),
        OpenedPupil("R0004", "x", "S1", "M", siblings=Siblings("T1", "together")),
        OpenedPupil("R0005", "x", "S1", "M", siblings=Siblings("T1", "together")),
        OpenedPupil("R0006", "x", "S1", "F", siblings=Siblings("A1", "apart")),
        OpenedPupil("R0007", "x", "S1", "F", siblings=Siblings("A1", "apart")),
        OpenedPupil("R0008", "x", "S1", "M", same_name="N1"),
        OpenedPupil("R0009", "x", "S1", "M", same_name="N1"),
        OpenedPupil("R0010", "x", "S1", "F"),
    ]
    plan = plan_of("S001", [4, 4, 4])
    pupils = [OpenedPupil(p.reg, p.name, "S001", p.gender, p.strata, p.siblings, p.same_name)
              for p in pupils]
    runs = 300
    tally: dict[str, Counter[str]] = {p.reg: Counter() for p in pupils}
    for seed in seeds("uniformity", runs):
        for reg, cid in assign(plan, pupils, seed).items():
            tally[reg][cid] += 1
    critical = chi2_critical(2, FALSE_ALARM / 10)
    expected = {c: runs / 3 for c in ("01", "02", "03")}
    for reg, counts in tally.items():
        assert chi2(counts, expected) < critical, (reg, dict(counts))


def test_S8_first_class_of_pi_uniform() -> None:
    """Step 2's π puts each of three classes first with chance 1/3; 300 seeds,
    chi-square df 2."""
    plan = plan_of("S001", [4, 4, 4])
    first = Counter(class_order(plan, seed)[0] for seed in seeds("uniformity", 300))
    expected = {c: 100.0 for c in ("01", "02", "03")}
    assert chi2(first, expected) < chi2_critical(2, FALSE_ALARM), dict(first)


@IMPLEMENTATIONS
def test_S8_alike_classes_each_equally_likely_to_have_the_empty_seat(assign: Assign) -> None:
    """11 pupils in 3 classes of 4: one seat stays empty, in each class with
    chance 1/3, and each pupil is in each class with chance 1/3; 300 seeds,
    chi-square df 2 for 12 tallies."""
    pupils = cohort(6, 5, sen=(0, 6))
    plan = plan_of("S1", [4, 4, 4])
    runs = 300
    small: Counter[str] = Counter()
    tally: dict[str, Counter[str]] = {p.reg: Counter() for p in pupils}
    for seed in seeds("empty-seat", runs):
        classes = assign(plan, pupils, seed)
        small[next(c for c, t in sizes(classes).items() if t == 3)] += 1
        for reg, cid in classes.items():
            tally[reg][cid] += 1
    critical = chi2_critical(2, FALSE_ALARM / 12)
    expected = {c: runs / 3 for c in ("01", "02", "03")}
    for what, counts in [("empty seat", small), *tally.items()]:
        assert chi2(counts, expected) < critical, (what, dict(counts))


def test_S8_quota_expectation_is_the_share() -> None:
    """E[q_sj] = n_s·τ_j/N′ exactly (§9.2 (d)): over 3000 seeds the mean quota of
    every stratum in every class stays within a Hoeffding bound (each quota is
    its share's floor or ceiling, width 1) of the share."""
    strata = ["F|", "F|sen", "M|", "M|sen"]
    counts = [97, 1, 100, 12]
    sizes = CAPS
    n = sum(counts)
    assert n == sum(sizes)
    runs = 3000
    total = [[0] * len(sizes) for _ in strata]
    for seed in seeds("quota-mean", runs):
        def draw(i: int, seed: bytes = seed) -> int:
            return int.from_bytes(hashlib.sha256(seed + b"%d" % i).digest(), "big")
        q, _ = round_quotas(strata, counts, sizes, draw)
        for s, row in enumerate(q):
            for j, v in enumerate(row):
                total[s][j] += v
    eps = hoeffding(runs, 1, FALSE_ALARM / (len(strata) * len(sizes)))
    for s, count in enumerate(counts):
        for j, size in enumerate(sizes):
            assert abs(total[s][j] - runs * count * size / n) < eps, (strata[s], j)


@IMPLEMENTATIONS
def test_S4_request_pupils_roughly_proportional_40_45_45_50_30(assign: Assign) -> None:
    """Request pupils' chances are proportional only approximately (§9.2 (d)):
    two apart siblings cannot both have the larger class. The deviation is
    small: over 400 seeds, apart siblings, together twins and a 同名 pair in
    40/45/45/50/30 still pass chi-square (df 4) against t_j/N (one rate for the
    six), a check for gross bias, not a proof."""
    pupils = cohort(110, 100)
    marked = {
        0: Siblings("A1", "apart"), 1: Siblings("A1", "apart"),
        120: Siblings("T1", "together"), 121: Siblings("T1", "together"),
    }
    pupils = [OpenedPupil(p.reg, p.name, p.school, p.gender, p.strata, marked.get(i),
                    "N1" if i in (50, 150) else None) for i, p in enumerate(pupils)]
    plan = plan_of("S1", CAPS)
    watched = ["R0000", "R0001", "R0120", "R0121", "R0050", "R0150"]
    runs = 400
    tally: dict[str, Counter[str]] = {r: Counter() for r in watched}
    for seed in seeds("requests", runs):
        classes = assign(plan, pupils, seed)
        assert pairs_sharing(classes, pupils) == 0
        for r in watched:
            tally[r][classes[r]] += 1
    critical = chi2_critical(4, FALSE_ALARM / len(watched))
    expected = {c.id: runs * c.capacity / 210 for c in plan.classes}
    for reg, counts in tally.items():
        assert chi2(counts, expected) < critical, (reg, dict(counts))
