"""The standalone verifier's §9 on every small school, every seed tried (PROTOCOL.md
§9.2, §9.3, §17.4; S4, S8; issue 8 deliver 5).

The same small cases as tests/unit/test_grouping_exhaustive.py (at most 3 classes of
capacity 1-4, at most 8 pupils, every request structure of at most 5 pupils, two
seeds with their own genders and `sen`), now through `verifier.grouping`, which a
bundle's reader runs with the sealed openings (step 23). Against brute force over all
assignments, not against the service:

- (a) the pairs sharing an apart or 同名 group are the least possible;
- (c) together units share a class, and the sizes pass the public size check;
- (b) every count within the bound its E allows; without requests, within one of its
  share, and counts at most one apart in alike classes;
- §9.3 from the public records passes exactly when `group_school` completes;
- the summary it writes passes every §17.4 public check given its E.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from lottery_service.core.records import OpenedPupil
from tests.support import tracer_paused
from tests.unit.grouping_checks import (
    SEEDS,
    distances,
    least_for,
    pairs_sharing,
    plain_cohorts,
    plan_of,
    request_cases,
    rounded_sizes,
    together_units,
)
from verifier import grouping

Obj = dict[str, Any]


def _readers(pupils: Sequence[OpenedPupil]) -> tuple[list[grouping.Pupil], list[grouping.Pupil]]:
    """The verifier's pupils with the openings (gender, strata) and as the public
    sees them (the §3.2 record alone)."""
    records = [p.to_json() for p in pupils]
    opened = [grouping.pupil_of(r, p.gender, p.strata)
              for r, p in zip(records, pupils, strict=True)]
    return opened, [grouping.pupil_of(r) for r in records]


def _public_checks(seed: bytes, plan: Obj, opened: list[grouping.Pupil],
                   public: list[grouping.Pupil], result: grouping.SchoolGrouping
                   ) -> Counter[str]:
    """§17.4 on the grouping `result` and the summary it implies; the class sizes."""
    counts = Counter(result.classes.values())
    sizes = grouping.public_sizes(seed, "S1", plan, len(public))
    grouping.check_sizes(sizes, counts)
    rows = grouping.summary("S1", opened, plan, result)["classes"]
    grouping.check_summary(plan, rows, counts)
    grouping.public_bounds(sizes, rows, result.exchanges, grouping.request_pupils(public))
    return counts


@tracer_paused()
def test_separation_sizes_and_balance_for_every_small_school() -> None:
    cases = separated = refused = 0
    for caps, structure, variant, seed, pupils in request_cases():
        plan = plan_of("S1", caps).to_json()
        opened, public = _readers(pupils)
        problems = [p.problem for p in grouping.school_problems("S1", public, plan)]
        assert grouping.mixed_modes(public) == []
        try:
            result = grouping.group_school(seed, "S1", opened, plan)
        except grouping.GroupingError:
            assert set(problems) - {grouping.Problem.EMPTY_CLASS}, (caps, len(pupils))
            refused += 1
            continue
        assert set(problems) <= {grouping.Problem.EMPTY_CLASS}, problems
        cases += 1
        counts = _public_checks(seed, plan, opened, public, result)
        assert sum(counts.values()) == len(pupils)
        targets = tuple(sorted(counts[c["id"]] for c in plan["classes"]))
        pairs = pairs_sharing(result.classes, pupils)
        assert pairs == least_for(structure, targets), (caps, structure, len(pupils), variant)
        separated += pairs == 0
        for unit in together_units(pupils):
            assert len({result.classes[p.reg] for p in unit}) == 1
        off = distances(result.classes, pupils, dict(counts), caps)
        assert sum(d for _, _, d in off) <= 8 * result.exchanges
    assert cases > 30_000 and 0 < separated < cases and refused  # every kind occurs


@tracer_paused()
def test_balance_for_every_small_school_without_requests() -> None:
    """(b) exactly, for every capacity multiset and every count of F|, F|sen, M| and
    M|sen pupils: E = 0, every count within one of its share, and counts at most one
    apart whenever every class can hold ⌈N/k⌉."""
    cases = 0
    for caps, counts, pupils in plain_cohorts():
        plan = plan_of("S1", caps).to_json()
        opened, public = _readers(pupils)
        for seed in SEEDS:
            result = grouping.group_school(seed, "S1", opened, plan)
            cases += 1
            assert result.exchanges == 0
            sizes = _public_checks(seed, plan, opened, public, result)
            assert distances(result.classes, pupils, dict(sizes), caps) == []
            if len(set(rounded_sizes(caps, dict(sizes)).values())) == 1:
                for label in (lambda p: p.gender, lambda p: (p.gender, p.strata)):
                    per = Counter((label(p), result.classes[p.reg]) for p in pupils)
                    for group in {label(p) for p in pupils}:
                        row = [per[(group, c["id"])] for c in plan["classes"]]
                        assert max(row) - min(row) <= 1, (caps, counts)
    assert cases > 15_000
