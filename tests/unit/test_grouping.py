"""Sunshine class grouping v2 (PROTOCOL.md §9; rules S3, S4, S8): vectors,
rejections, the quota rounding and properties over random schools.

Exhaustive small cases: test_grouping_exhaustive.py; chances of classes:
test_grouping_statistics.py; the check before the seed: test_grouping_feasibility.py.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lottery_service.core.errors import GroupingError
from lottery_service.core.grouping import (
    class_order,
    class_sizes,
    class_targets,
    group_all,
    group_school,
    group_school_detail,
    grouping_key_function,
    preference_order,
    round_quotas,
)
from lottery_service.core.hashing import TAG_GROUPING_PREFERENCE, keyed
from lottery_service.core.records import ClassPlan, Gender, OpenedPupil, Siblings
from tests.paths import VECTORS
from tests.unit.grouping_checks import (
    distances,
    least_pairs,
    load_reference,
    pairs_sharing,
    plan_of,
    stratum_of,
    together_units,
)
from verifier import grouping as recompute

REFERENCE = load_reference()
GENDERS: tuple[Gender, ...] = ("F", "M")
Json = dict[str, Any]


def literal_targets(caps_in_order: Sequence[int], n: int) -> list[int]:
    """§9 step 3 word for word (the rule the closed form must equal)."""
    t = [0] * len(caps_in_order)
    for _ in range(n):
        j = min((i for i in range(len(t)) if t[i] < caps_in_order[i]), key=lambda i: (t[i], i))
        t[j] += 1
    return t


def spread(values: Sequence[int]) -> int:
    return max(values) - min(values) if values else 0


# --- strategies ---------------------------------------------------------------

seeds = st.binary(min_size=32, max_size=32)


@st.composite
def school_case(
    draw: st.DrawFn, *, school: str = "S1", equal_caps: bool = False, roomy: bool = False,
    requests: bool = True, max_n: int = 30, max_requests: int = 8,
) -> tuple[ClassPlan, list[OpenedPupil]]:
    """A school and its cohort; `roomy`: every capacity ≥ ceil(N/k)."""
    k = draw(st.integers(1, 5))
    n = draw(st.integers(0, max_n))
    if equal_caps or roomy:
        low = max(1, -(-n // k))
        if equal_caps:
            caps = [draw(st.integers(low, low + 3))] * k
        else:
            caps = [draw(st.integers(low, low + 3)) for _ in range(k)]
    else:
        caps = [draw(st.integers(1, 12)) for _ in range(k)]
        n = min(n, sum(caps))
    marked = set(draw(st.sets(st.integers(0, max(0, n - 1)), max_size=max_requests))
                 if requests and n else set())
    pupils = []
    for i in range(n):
        siblings = same = None
        if i in marked:
            kind = draw(st.sampled_from(["together", "apart", "name", "apart+name"]))
            if kind in ("together", "apart"):
                siblings = Siblings(f"G{kind[0]}{draw(st.integers(0, 2))}", kind)
            if kind in ("name", "apart+name"):
                same = f"N{draw(st.integers(0, 2))}"
            if kind == "apart+name":
                siblings = Siblings(f"Ga{draw(st.integers(0, 2))}", "apart")
            if kind == "together" and draw(st.booleans()):
                same = f"N{draw(st.integers(0, 2))}"
        strata = tuple(sorted(draw(st.sets(st.sampled_from(["ell", "sen"]), max_size=2))))
        pupils.append(OpenedPupil(f"X{i:04d}{school[1:]}", "张*", school,
                            draw(st.sampled_from(GENDERS)), strata, siblings, same))
    return plan_of(school, caps), pupils


def grouped(plan: ClassPlan, pupils: Sequence[OpenedPupil], seed: bytes) -> dict[str, str]:
    """group_school, skipping the example when random together units cannot fit (S4)."""
    try:
        return group_school(plan, pupils, seed)
    except GroupingError:
        assume(False)
        raise


# --- conformance vectors --------------------------------------------------------


def _vector_cases() -> list[Json]:
    data = json.loads((VECTORS / "grouping.json").read_text(encoding="utf-8"))
    assert data["spec"].startswith("PROTOCOL.md v2 §9")
    cases: list[Json] = data["cases"]
    return cases


@pytest.mark.parametrize("case", _vector_cases(), ids=lambda c: c["name"])
def test_grouping_vectors(case: Json) -> None:
    """The service reproduces every intermediate value of the reference (§9.1)."""
    inp = case["input"]
    seed = bytes.fromhex(inp["seed"])
    plans = [ClassPlan.from_json(p) for p in inp["plans"]]
    pupils = [OpenedPupil.from_json(p) for p in inp["pupils"]]
    if "error" in case:
        assert case["error"] == "GroupingError"
        with pytest.raises(GroupingError):
            group_all(plans, pupils, seed)
        return
    expected = case["expected"]
    result = group_all(plans, pupils, seed)
    key = grouping_key_function(seed)
    assert {r: key(r).hex() for r in expected["keys"]} == expected["keys"]
    assert list(result.schools) == [s["school"] for s in expected["schools"]]
    for want in expected["schools"]:
        got = result.schools[want["school"]]
        assert list(got.class_order) == want["class_order"]
        assert dict(got.targets) == want["targets"]
        assert {s: dict(q) for s, q in got.quotas.items()} == want["quotas"]
        assert got.rounds == want["rounds"]
        assert [{"lead": u.lead, "members": list(u.members), "preference": list(u.preference),
                 "class": u.cls} for u in got.units] == want["units"]
        assert got.conflicts == want["conflicts"]
        assert got.exchanges == want["exchanges"]
        assert dict(got.assignments) == want["assignments"]
    assert {r: sc[1] for r, sc in result.assignments.items()} == {
        r: c for s in expected["schools"] for r, c in s["assignments"].items()}


def test_vectors_cover_the_issue_cases() -> None:
    """The vectors hold the unequal-capacity and apart cases of issue 8, each
    showing what it is named for."""
    cases = {c["name"]: c for c in _vector_cases()}
    for name in ("worked", "unequal-40-45-45-50-30", "apart-2x2-full-0",
                 "same-name-three-in-two", "together-beyond-share", "mixed-requests",
                 "reject-S3-plan-too-small", "reject-S4-together-packing",
                 "reject-mixed-sibling-modes"):
        assert name in cases, name
    unequal = cases["unequal-40-45-45-50-30"]["expected"]["schools"][0]
    assert sorted(unequal["targets"].values()) == [30, 40, 45, 45, 50]
    tight = cases["apart-2x2-full-0"]["expected"]["schools"][0]
    assert tight["conflicts"] == 0
    assert len({tight["assignments"][r] for r in ("V0000", "V0001")}) == 2
    assert cases["same-name-three-in-two"]["expected"]["schools"][0]["conflicts"] == 1
    assert cases["together-beyond-share"]["expected"]["schools"][0]["exchanges"] >= 1
    assert any(c["expected"]["schools"][0]["exchanges"] for n, c in cases.items()
               if n.startswith("apart-small-stratum"))


def test_worked_example_by_hand() -> None:
    """§A: the `worked` case derived step by step from its keys and quotas.

    Capacities 01:4 02:4 03:3, ten pupils. π = 03, 01, 02 (the class-order
    values ascend in that order). 03 cannot hold ⌈10/3⌉ = 4, so the N-times rule
    applies: level 3 seats 9, the tenth goes to the first class in π with
    capacity above 3, 01: t = 03:3 01:4 02:3. Quotas (from the vector) are each
    the floor or ceiling of n_s·t_j/10. Units: the twins first (size 2), then
    the singles by key: R0008 60b3…, R0009 84e3…, R0006 e653…, R0007 fdae….
    Placement (preferences from the vector): twins (02, 01, 03): two boys in 02
    exceed M|'s quota of 1 → 01; R0008 → 03; R0009: 01's M| seats are the
    twins', 03 holds its namesake → 02; R0006 → 02; R0007 → 01, apart from its
    sibling. Free seats then, by key in π order: F| 03 → R0010, 01 → R0001;
    F|sen 02 → R0003; M| 03 → R0002.
    """
    case = next(c for c in _vector_cases() if c["name"] == "worked")
    seed = bytes.fromhex(case["input"]["seed"])
    assert seed == bytes(range(32))
    plan = ClassPlan.from_json(case["input"]["plans"][0])
    pupils = [OpenedPupil.from_json(p) for p in case["input"]["pupils"]]
    assert class_order(plan, seed) == ("03", "01", "02")
    detail = group_school_detail(plan, pupils, seed)
    assert dict(detail.targets) == {"03": 3, "01": 4, "02": 3}
    shares = {"F|": 4, "F|sen": 1, "M|": 5}
    for s, row in detail.quotas.items():
        for cls, q in row.items():
            x = shares[s] * detail.targets[cls]  # in tenths
            assert x // 10 <= q <= -(-x // 10)
    assert [u.lead for u in detail.units] == ["R0005", "R0008", "R0009", "R0006", "R0007"]
    assert [u.cls for u in detail.units] == ["01", "03", "02", "02", "01"]
    assert detail.conflicts == 0 and detail.exchanges == 0
    by_hand = {
        "R0001": "01", "R0002": "03", "R0003": "02", "R0004": "01", "R0005": "01",
        "R0006": "02", "R0007": "01", "R0008": "03", "R0009": "02", "R0010": "03",
    }
    assert dict(detail.assignments) == by_hand
    for gender in GENDERS:  # shares 1.5, 2, 1.5 (§9.2 (b))
        count = Counter(by_hand[p.reg] for p in pupils if p.gender == gender)
        assert count["01"] == 2 and count["03"] in (1, 2) and count["02"] in (1, 2)


# --- rejections (S2, S3, S4) --------------------------------------------------------


def test_S3_plan_smaller_than_cohort_is_rejected() -> None:
    pupils = [OpenedPupil(f"R{i:04d}", "x", "S1", "F") for i in range(5)]
    with pytest.raises(GroupingError, match="S3"):
        group_school(plan_of("S1", [2, 2]), pupils, bytes(32))
    with pytest.raises(GroupingError, match="S3"):
        group_all([plan_of("S1", [2, 2])], pupils, bytes(32))
    assert len(group_school(plan_of("S1", [2, 3]), pupils, bytes(32))) == 5


def test_S3_pupil_without_plan_and_two_plans_are_rejected() -> None:
    p = OpenedPupil("R0001", "x", "S2", "F")
    with pytest.raises(GroupingError, match="no class plan"):
        group_all([plan_of("S1", [3])], [p], bytes(32))
    with pytest.raises(GroupingError, match="two class plans"):
        group_all([plan_of("S2", [3]), plan_of("S2", [4])], [p], bytes(32))
    with pytest.raises(GroupingError):
        group_school(plan_of("S1", [3]), [p], bytes(32))


def test_S2_pupil_twice_is_rejected() -> None:
    p = OpenedPupil("R0001", "x", "S1", "F")
    with pytest.raises(GroupingError, match="twice"):
        group_all([plan_of("S1", [3])], [p, p], bytes(32))
    with pytest.raises(GroupingError, match="twice"):
        group_school(plan_of("S1", [3]), [p, p], bytes(32))


def test_S4_together_units_that_cannot_fit_are_rejected() -> None:
    twins = Siblings("T", "together")
    # capacity would hold three together, but balanced targets are [2, 2] (S8 first)
    pupils = [OpenedPupil(f"R{i:04d}", "x", "S1", "F", siblings=twins if i < 3 else None)
              for i in range(4)]
    with pytest.raises(GroupingError, match="S4"):
        group_all([plan_of("S1", [5, 5])], pupils, bytes(32))
    assert len(set(group_school(plan_of("S1", [5]), pupils, bytes(32)).values())) == 1
    # three pairs, two classes of three: each pair fits, all three do not
    pairs = [OpenedPupil(f"R{i:04d}", "x", "S1", "F", siblings=Siblings(f"T{i // 2}", "together"))
             for i in range(6)]
    with pytest.raises(GroupingError, match="S4"):
        group_school(plan_of("S1", [3, 3]), pairs, bytes(32))


def test_S4_together_units_packed_where_greedy_placement_would_fail() -> None:
    """Targets 6 and 4, units 3, 3, 2, 2: the largest-room-first greedy puts a 3
    in each class and then cannot place both 2s; the exact search packs 3+3, 2+2."""
    pupils = [OpenedPupil(f"R{i:04d}", "x", "S1", "FM"[i % 2],
                    siblings=Siblings(f"T{0 if i < 3 else 1 if i < 6 else 2 if i < 8 else 3}",
                                      "together")) for i in range(10)]
    result = group_school(plan_of("S1", [6, 4]), pupils, bytes(32))
    for unit in together_units(pupils):
        assert len({result[p.reg] for p in unit}) == 1


def test_S4_lone_together_pupil_is_grouped_normally() -> None:
    pupils = [OpenedPupil("R0001", "x", "S1", "F", siblings=Siblings("T", "together")),
              OpenedPupil("R0002", "x", "S1", "F")]
    result = group_school(plan_of("S1", [1, 1]), pupils, bytes(32))
    assert sorted(result.values()) == ["01", "02"]


def test_mixed_sibling_modes_rejected() -> None:
    """§9.3 condition 5: one sibling group cannot ask both together and apart."""
    plan = plan_of("S1", [3, 3])
    pupils = [
        OpenedPupil("R0000001", "x", "S1", "F", (), Siblings("G1", "together")),
        OpenedPupil("R0000002", "x", "S1", "M", (), Siblings("G1", "apart")),
    ]
    with pytest.raises(GroupingError, match="mixes"):
        group_all([plan], pupils, bytes(32))
    with pytest.raises(GroupingError, match="mixes"):
        group_school(plan, pupils, bytes(32))


# --- targets (S8) -----------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=7), st.data())
def test_S8_targets_closed_form_equals_literal_rule(caps: list[int], data: st.DataObject) -> None:
    n = data.draw(st.integers(0, sum(caps)))
    assert class_targets(caps, n) == literal_targets(caps, n)


def test_S8_targets_exhaustive_small() -> None:
    for k in range(1, 4):
        for caps in itertools.product(range(1, 5), repeat=k):
            for n in range(sum(caps) + 1):
                assert class_targets(list(caps), n) == literal_targets(caps, n), (caps, n)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=7), st.data())
def test_S8_sizes_have_the_balanced_targets_multiset(caps: list[int], data: st.DataObject) -> None:
    """§9 step 3: when every class holds ⌈N/k⌉ the classes are drawn for that
    size with m < k empty seats, and the targets that leaves have the multiset
    of the balanced rule; otherwise the sizes are the balanced targets."""
    n = data.draw(st.integers(0, sum(caps)))
    sizes, empty = class_sizes(caps, n)
    u = -(-n // len(caps))
    if min(caps) >= u:
        assert sizes == [u] * len(caps) and empty == u * len(caps) - n < len(caps)
        assert sorted(class_targets(caps, n)) == sorted([u - 1] * empty + [u] * (len(caps) - empty))
    else:
        assert (sizes, empty) == (literal_targets(caps, n), 0)


def test_S3_targets_reject_overfull() -> None:
    with pytest.raises(GroupingError, match="S3"):
        class_targets([1, 2], 4)


# --- quotas (§9 step 6) and preferences (step 7) ------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=6), st.data(), st.randoms())
def test_S8_quotas_round_every_share_and_keep_every_sum(
    counts: list[int], data: st.DataObject, rnd: random.Random
) -> None:
    """Every q_sj and every gender count is the floor or ceiling of its share;
    rows sum to n_s and columns to t_j (§9.2 (b) proof)."""
    labels = ["F|", "F|ell", "F|sen", "M|", "M|ell", "M|sen"][:len(counts)]
    counts = [c if c else 1 for c in counts]
    n = sum(counts)
    k = data.draw(st.integers(1, 6))
    caps = data.draw(st.lists(st.integers(1, 60), min_size=k, max_size=k))
    assume(sum(caps) >= n)
    targets = class_targets(caps, n)
    q, rounds = round_quotas(labels, counts, targets, lambda i: rnd.getrandbits(256))
    genders = sorted({s[0] for s in labels})
    assert rounds <= (len(labels) + len(genders)) * k
    for s, row in enumerate(q):
        assert sum(row) == counts[s]
        for j, v in enumerate(row):
            assert counts[s] * targets[j] // n <= v <= -(-counts[s] * targets[j] // n)
    for j in range(k):
        assert sum(q[s][j] for s in range(len(labels))) == targets[j]
        for g in genders:
            v = sum(q[s][j] for s in range(len(labels)) if labels[s][0] == g)
            n_g = sum(c for c, s in zip(counts, labels, strict=True) if s[0] == g)
            assert n_g * targets[j] // n <= v <= -(-n_g * targets[j] // n)


def test_quotas_of_an_empty_school_are_zero() -> None:
    assert round_quotas([], [], [0, 0], lambda i: 0) == ([], 0)


@given(st.lists(st.integers(0, 9), min_size=1, max_size=7), st.data(), st.randoms())
def test_preference_lists_seat_classes_first(
    quota: list[int], data: st.DataObject, rnd: random.Random
) -> None:
    """Step 7: every class with t_j > 0 exactly once, classes with q_j > 0 first."""
    targets = [q + data.draw(st.integers(0, 3)) for q in quota]
    pref = preference_order(quota, targets, lambda i: rnd.getrandbits(256))
    assert sorted(pref) == [j for j, t in enumerate(targets) if t > 0]
    seats = [j for j in pref if quota[j] > 0]
    assert pref[:len(seats)] == seats


# --- properties over random schools ---------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(school_case(max_n=40, max_requests=12), seeds)
def test_standalone_verifier_recomputes_the_same_classes(
    case: tuple[ClassPlan, list[OpenedPupil]], seed: bytes
) -> None:
    """verifier.grouping (stdlib only, written separately) agrees with the service."""
    plan, pupils = case
    opened = [recompute.pupil_of(p.to_json(), p.gender, p.strata) for p in pupils]
    try:
        want = group_school(plan, pupils, seed)
    except GroupingError:
        with pytest.raises(recompute.GroupingError):
            recompute.group_school(seed, plan.school, opened, plan.to_json())
        return
    assert recompute.group_school(seed, plan.school, opened, plan.to_json()).classes == want


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(school_case(max_n=16, max_requests=6), seeds)
def test_matches_literal_reference(case: tuple[ClassPlan, list[OpenedPupil]], seed: bytes) -> None:
    """The fast implementation equals the word-for-word transcription of §9."""
    plan, pupils = case
    try:
        want = REFERENCE.reference_group([plan.to_json()], [p.to_json() for p in pupils], seed)
    except REFERENCE.ReferenceError:
        with pytest.raises(GroupingError):
            group_all([plan], pupils, seed)
        return
    got = group_all([plan], pupils, seed).schools[plan.school]
    ref = want["schools"][0]
    assert list(got.class_order) == ref["class_order"]
    assert dict(got.targets) == ref["targets"]
    assert {s: dict(q) for s, q in got.quotas.items()} == ref["quotas"]
    assert got.conflicts == ref["conflicts"]
    assert got.exchanges == ref["exchanges"]
    assert dict(got.assignments) == ref["assignments"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(school_case(), seeds, st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_pupil_order(
    case: tuple[ClassPlan, list[OpenedPupil]], seed: bytes, rnd: random.Random
) -> None:
    plan, pupils = case
    first = grouped(plan, pupils, seed)
    assert group_school(plan, pupils, seed) == first
    shuffled = list(pupils)
    rnd.shuffle(shuffled)
    assert group_school(plan, shuffled, seed) == first


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(school_case(school="S1"), school_case(school="S2"), seeds,
       st.randoms(use_true_random=False))
def test_group_all_independent_of_plan_and_pupil_order(
    a: tuple[ClassPlan, list[OpenedPupil]], b: tuple[ClassPlan, list[OpenedPupil]], seed: bytes,
    rnd: random.Random,
) -> None:
    plans = [a[0], b[0]]
    pupils = a[1] + b[1]
    try:
        first = group_all(plans, pupils, seed)
    except GroupingError:
        assume(False)
        raise
    rnd.shuffle(pupils)
    again = group_all(plans[::-1], pupils, seed)
    assert again == first
    assert dict(first.schools["S1"].assignments) == group_school(a[0], a[1], seed)
    assert set(first.assignments) == {p.reg for p in pupils}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(school_case(), seeds)
def test_S4_sizes_equal_targets_and_together_units_stay_together(
    case: tuple[ClassPlan, list[OpenedPupil]], seed: bytes
) -> None:
    """§9.2 (c)."""
    plan, pupils = case
    try:
        result = group_all([plan], pupils, seed).schools[plan.school]
    except GroupingError:
        assume(False)
        raise
    assert sorted(result.assignments) == sorted(p.reg for p in pupils)
    sizes = Counter(result.assignments.values())
    capacity = {c.id: c.capacity for c in plan.classes}
    for cid, t in result.targets.items():
        assert sizes[cid] == t <= capacity[cid]
    for unit in together_units(pupils):
        assert len({result.assignments[p.reg] for p in unit}) == 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(school_case(roomy=True), seeds)
def test_S8_sizes_differ_by_at_most_one_when_capacities_allow(
    case: tuple[ClassPlan, list[OpenedPupil]], seed: bytes
) -> None:
    plan, pupils = case
    result = grouped(plan, pupils, seed)
    sizes = Counter(result.values())
    assert spread([sizes[c.id] for c in plan.classes]) <= 1


@settings(max_examples=200, deadline=None)
@given(school_case(requests=False, max_n=80), seeds)
def test_S8_within_one_of_share_without_requests(
    case: tuple[ClassPlan, list[OpenedPupil]], seed: bytes
) -> None:
    """§9.2 (b) with any capacities: every stratum's and gender's count per class
    is the floor or ceiling of count × τ_j / N′ (τ_j = t_j unless all classes
    can hold ⌈N/k⌉)."""
    plan, pupils = case
    detail = group_school_detail(plan, pupils, seed)
    assert detail.exchanges == 0
    assert distances(detail.assignments, pupils, detail.targets,
                     [c.capacity for c in plan.classes]) == []


@settings(max_examples=200, deadline=None)
@given(school_case(equal_caps=True, requests=False, max_n=50), seeds)
def test_S8_equal_capacities_counts_at_most_one_apart(
    case: tuple[ClassPlan, list[OpenedPupil]], seed: bytes
) -> None:
    """The v1 guarantee still holds: equal capacities, no requests, each gender's
    and each stratum's counts over classes differ by at most one."""
    plan, pupils = case
    result = group_school(plan, pupils, seed)
    ids = [c.id for c in plan.classes]
    for label in (stratum_of, lambda p: p.gender):
        rows: dict[str, list[int]] = {}
        for p in pupils:
            rows.setdefault(label(p), [0] * len(ids))[ids.index(result[p.reg])] += 1
        assert all(spread(row) <= 1 for row in rows.values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(school_case(max_n=24, max_requests=6), seeds)
def test_separation_is_least_possible_and_balance_kept_without_exchanges(
    case: tuple[ClassPlan, list[OpenedPupil]], seed: bytes
) -> None:
    """§9.2 (a) against brute force over all assignments, and (b): within one of
    every share when no exchange was made, total distance ≤ 8E otherwise."""
    plan, pupils = case
    try:
        detail = group_school_detail(plan, pupils, seed)
    except GroupingError:
        assume(False)
        raise
    targets = list(detail.targets.values())
    assert pairs_sharing(detail.assignments, pupils) == least_pairs(pupils, targets)
    off = distances(detail.assignments, pupils, detail.targets,
                    [c.capacity for c in plan.classes])
    assert sum(d for _, _, d in off) <= 8 * detail.exchanges


# --- step 7 at the size of a large school ---------------------------------------------


def _literal_preference(quota: Sequence[int], targets: Sequence[int],
                        draw: Callable[[int], int]) -> list[int]:
    """§9 step 7 word for word: per tier, sum the weights left and take the first class
    whose running sum exceeds R (O(k²) per unit, fine for a test)."""
    out: list[int] = []
    i = 0
    for tier in ([(j, q) for j, q in enumerate(quota) if q > 0],
                 [(j, t) for j, (q, t) in enumerate(zip(quota, targets, strict=True))
                  if q == 0 and t > 0]):
        while len(tier) > 1:
            r = draw(i) % sum(w for _, w in tier)
            i += 1
            running, x = 0, 0
            for x, (_, w) in enumerate(tier):  # noqa: B007 (x is the pick)
                running += w
                if running > r:
                    break
            out.append(tier.pop(x)[0])
        out += [j for j, _ in tier]
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 60)), min_size=1, max_size=400),
       seeds, st.sampled_from(["R0001", "S12345678"]))
def test_preference_order_is_the_literal_draw(classes: list[tuple[int, int]], seed: bytes,
                                              lead: str) -> None:
    """The running-sum tree of step 7 (O(k log k) per unit, for schools of hundreds of
    classes) draws exactly what the text says, in the service and in the verifier."""
    quota = [q for q, _ in classes]
    targets = [max(q, t) for q, t in classes]
    key = keyed(seed, TAG_GROUPING_PREFERENCE)

    def draw(i: int) -> int:
        return int.from_bytes(key(f"{lead}/{i}"), "big")

    want = _literal_preference(quota, targets, draw)
    assert preference_order(quota, targets, draw) == want
    assert recompute._preference(quota, targets, draw) == want
