"""Head-teacher matching (PROTOCOL.md §10; rule S5)."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core import feasibility
from lottery_service.core.errors import MatchingError
from lottery_service.core.hashing import TAG_TEACHER_KEY, keyed
from lottery_service.core.matching import match_all, match_school, teacher_order
from lottery_service.core.records import ClassPlan, ClassSpec, Teacher
from lottery_service.core.season import matching_entries
from tests.paths import VECTORS as VECTOR_DIR

VECTORS = VECTOR_DIR
CHI2_DF5_P001 = 20.515  # chi-square critical value, df = 5, p = 0.001


def plan_of(school: str, k: int) -> ClassPlan:
    return ClassPlan(school, f"{school}校", tuple(ClassSpec(f"{i + 1:02d}", 40) for i in range(k)))


def teachers_of(school: str, k: int) -> list[Teacher]:
    return [Teacher(school, f"{school}T{i:02d}", "李*") for i in range(k)]


DATA = json.loads((VECTORS / "matching.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: c["name"])
def test_matching_vectors(case: dict[str, Any]) -> None:
    inp = case["input"]
    seed = bytes.fromhex(inp["seed"])
    plans = [ClassPlan.from_json(p) for p in inp["plans"]]
    teachers = [Teacher.from_json(t) for t in inp["teachers"]]
    if "error" in case:
        # refused before the seed by the §3.4 feasibility check (S5), and by the matching
        problems = feasibility.teachers(plans, teachers)
        assert problems and {p.rule for p in problems} == {case["error"]["rule"]}
        with pytest.raises(MatchingError):
            match_all(plans, teachers, seed)
        return
    assert feasibility.teachers(plans, teachers) == []
    result = match_all(plans, teachers, seed)
    want = case["expected"]["schools"]
    assert list(result) == [s["school"] for s in want], case["name"]
    for s in want:
        key = keyed(seed, TAG_TEACHER_KEY)
        assert {t: key(s["school"] + "/" + t).hex() for t in s["teacher_keys"]} \
            == s["teacher_keys"]
        assert [{"class": c, "teacher": t} for c, t in result[s["school"]]] == s["pairs"]
    assert [{"type": b.TYPE.value, "body": b.to_json()}
            for b in matching_entries(plans, teachers, seed)] == case["expected"]["entries"]


def test_worked_example_by_hand() -> None:
    """`worked` (Appendix A): keys T0002 039c… < T0003 1041… < T0001 6197…, so classes 01,
    02, 03 (by id) get T0002, T0003, T0001."""
    teachers = [Teacher("S001", f"T000{i}", "李*") for i in (1, 2, 3)]
    seed = bytes(range(32))
    assert match_school("S001", ["03", "01", "02"], teachers, seed) == (
        ("01", "T0002"), ("02", "T0003"), ("03", "T0001"))


def test_S5_count_mismatch_is_rejected() -> None:
    with pytest.raises(MatchingError, match="S5"):
        match_school("S1", ["01", "02", "03"], teachers_of("S1", 2), bytes(32))
    with pytest.raises(MatchingError, match="S5"):
        match_school("S1", ["01"], teachers_of("S1", 2), bytes(32))
    with pytest.raises(MatchingError, match="S5"):
        match_all([plan_of("S1", 1), plan_of("S2", 1)], teachers_of("S1", 1), bytes(32))


def test_S5_teacher_named_twice_is_rejected() -> None:
    t = Teacher("S1", "T1", "李*")
    with pytest.raises(MatchingError, match="twice"):
        match_school("S1", ["01", "02"], [t, t], bytes(32))
    with pytest.raises(MatchingError, match="twice"):
        match_all([plan_of("S1", 1), plan_of("S2", 1)],
                  [t, Teacher("S2", "T1", "王*")], bytes(32))


def test_S5_teacher_of_another_school_or_without_plan_is_rejected() -> None:
    with pytest.raises(MatchingError, match="S5"):
        match_school("S1", ["01"], [Teacher("S2", "T1", "李*")], bytes(32))
    with pytest.raises(MatchingError, match="no class plan"):
        match_all([plan_of("S1", 1)], teachers_of("S1", 1) + teachers_of("S2", 1), bytes(32))
    with pytest.raises(MatchingError, match="twice"):
        match_school("S1", ["01", "01"], teachers_of("S1", 2), bytes(32))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 12), st.binary(min_size=32, max_size=32), st.randoms(use_true_random=False))
def test_S5_bijection_deterministic_and_order_independent(
    k: int, seed: bytes, rnd: random.Random
) -> None:
    classes = [f"{i + 1:02d}" for i in range(k)]
    teachers = teachers_of("S1", k)
    pairs = match_school("S1", classes, teachers, seed)
    assert [c for c, _ in pairs] == classes  # sorted by class
    assert sorted(t for _, t in pairs) == sorted(t.id for t in teachers)  # bijection
    rnd.shuffle(classes)
    rnd.shuffle(teachers)
    assert match_school("S1", classes, teachers, seed) == pairs
    # the i-th teacher by (key, id) gets the i-th class (§10)
    key = keyed(seed, TAG_TEACHER_KEY)
    by_key = sorted((t.id for t in teachers), key=lambda tid: (key("S1/" + tid), tid))
    assert [t for _, t in pairs] == by_key == list(teacher_order("S1", by_key[::-1], seed))


def test_S5_match_all_covers_every_school_independently() -> None:
    plans = [plan_of("S2", 2), plan_of("S1", 3)]
    teachers = teachers_of("S1", 3) + teachers_of("S2", 2)
    seed = hashlib.sha256(b"all").digest()
    result = match_all(plans, teachers, seed)
    assert list(result) == ["S1", "S2"]
    assert result["S1"] == match_school("S1", ["01", "02", "03"], teachers_of("S1", 3), seed)
    assert match_all(plans[::-1], teachers[::-1], seed) == result


def test_S5_matching_is_a_uniform_bijection() -> None:
    """600 fixed seeds, 3 classes: the 6 permutations pass chi-square (df 5) at
    p = 0.001 (expected 100 each)."""
    teachers = teachers_of("S1", 3)
    counts: Counter[tuple[str, ...]] = Counter()
    for i in range(600):
        seed = hashlib.sha256(f"matching-uniformity-{i}".encode()).digest()
        counts[tuple(t for _, t in match_school("S1", ["01", "02", "03"], teachers, seed))] += 1
    perms = list(itertools.permutations(t.id for t in teachers))
    assert set(counts) <= set(perms)
    chi2 = sum((counts[p] - 100) ** 2 / 100 for p in perms)
    assert chi2 < CHI2_DF5_P001, (dict(counts), chi2)
