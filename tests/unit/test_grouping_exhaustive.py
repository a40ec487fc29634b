"""Every small school, every seed tried (PROTOCOL.md §9.2; S4, S8).

Bounds: at most 3 classes of capacity 1-4 (every capacity multiset: the class
ids only enter through π, which the seeds vary), at most 8 pupils, and every
structure of at most 5 pupils with requests (apart sibling groups, together
units, 同名 groups, overlapping in every way, up to relabelling and the order
of pupils), the others without; two seeds per case, each with its own
pattern of genders and `sen` (all girls; genders alternating with every third
pupil `sen`). Against brute force over all assignments:

- (a) the pairs sharing an apart or 同名 group are the least possible, so they
  are all apart whenever any assignment with the target sizes and the
  together units allows it;
- (c) sizes are the targets and together units share a class;
- (b) with no quota exchange every stratum and gender is within one of its
  share; without requests that is every case;
- §9.3: the check before the seed passes exactly when the grouping completes.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from lottery_service.core.errors import GroupingError
from lottery_service.core.grouping import ProblemKind, check_feasible, group_school_detail
from lottery_service.core.records import OpenedPupil, Siblings
from tests.support import tracer_paused
from tests.unit.grouping_checks import (
    SEEDS,
    canonical,
    distances,
    least_for,
    pairs_sharing,
    plain_cohorts,
    plan_of,
    request_cases,
    rounded_sizes,
    structures,
    together_units,
)


def test_structures_cover_the_requests_of_up_to_five_pupils() -> None:
    """The enumeration holds the shapes the issue names (an apart pair, a 同名
    pair, twins together) and the overlapping ones, each once."""
    found = structures()
    assert len(found) == len({canonical(s) for s in found})
    assert ((("A", 0), None), (("A", 0), None)) in found
    assert ((None, 0), (None, 0)) in found
    assert ((("T", 0), None), (("T", 0), None)) in found
    assert any(all(s is not None and n is not None for s, n in st) for st in found)
    assert len(found) > 200


@tracer_paused()
def test_separation_sizes_and_balance_for_every_small_school() -> None:
    cases = separated = 0
    for caps, structure, variant, seed, pupils in request_cases():
        plan = plan_of("S1", caps)
        problems = check_feasible([plan], pupils)
        try:
            detail = group_school_detail(plan, pupils, seed)
        except GroupingError:
            assert any(p.kind is not ProblemKind.EMPTY_CLASS for p in problems)
            continue
        assert all(p.kind is ProblemKind.EMPTY_CLASS for p in problems), problems
        cases += 1
        targets = tuple(sorted(detail.targets.values()))
        least = least_for(structure, targets)
        pairs = pairs_sharing(detail.assignments, pupils)
        assert pairs == least == detail.conflicts, (caps, structure, len(pupils), variant)
        separated += pairs == 0
        sizes = Counter(detail.assignments.values())
        assert all(sizes[c] == t for c, t in detail.targets.items())
        for unit in together_units(pupils):
            assert len({detail.assignments[p.reg] for p in unit}) == 1
        off = distances(detail.assignments, pupils, detail.targets, caps)
        assert sum(d for _, _, d in off) <= 8 * detail.exchanges
    assert cases > 30_000 and 0 < separated < cases  # both kinds occur


@tracer_paused()
def test_balance_for_every_small_school_without_requests() -> None:
    """(b) exactly, for every capacity multiset and every count of F|, F|sen, M|
    and M|sen pupils: within one of each share, and counts at most one apart
    whenever every class can hold ⌈N/k⌉."""
    cases = 0
    for caps, counts, pupils in plain_cohorts():
        plan = plan_of("S1", caps)
        ids = [c.id for c in plan.classes]
        for seed in SEEDS:
            detail = group_school_detail(plan, pupils, seed)
            cases += 1
            assert detail.exchanges == 0 and detail.units == ()
            assert distances(detail.assignments, pupils, detail.targets, caps) == []
            if len(set(rounded_sizes(caps, detail.targets).values())) == 1:
                for label in (lambda p: p.gender, lambda p: (p.gender, p.strata)):
                    per = Counter((label(p), detail.assignments[p.reg]) for p in pupils)
                    for group in {label(p) for p in pupils}:
                        row = [per[(group, c)] for c in ids]
                        assert max(row) - min(row) <= 1, (caps, counts)
    assert cases > 15_000


def test_issue_case_apart_pair_in_two_full_classes_of_two() -> None:
    """The reported failure: 2 classes × 2 seats, 4 girls, one apart pair. A
    separating assignment exists, so every seed separates the pair."""
    pupils = [OpenedPupil(f"R{i:04d}", "张*", "S1", "F",
                    siblings=Siblings("A", "apart") if i < 2 else None) for i in range(4)]
    plan = plan_of("S1", [2, 2])
    for i in range(500):
        result = group_school_detail(plan, pupils, hashlib.sha256(b"%d" % i).digest())
        assert result.assignments["R0000"] != result.assignments["R0001"]
