"""The check before the seed (PROTOCOL.md §9.3; issue 8 deliverable 2; S2-S4).

`check_feasible` lists every problem that would stop the grouping after the
seed; for every input it passes, the grouping completes for every seed and
keeps §9.2 (a)-(c). Conversely every problem it reports but `empty-class` does
stop the grouping, so the check refuses nothing that would have worked.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core.errors import GroupingError
from lottery_service.core.grouping import (
    GroupingProblem,
    ProblemKind,
    check_feasible,
    group_all,
)
from lottery_service.core.records import ClassPlan, Gender, OpenedPupil, Siblings
from tests.unit.grouping_checks import (
    distances,
    least_pairs,
    pairs_sharing,
    plan_of,
    request_units,
    together_units,
)

GENDERS: tuple[Gender, ...] = ("F", "M")


def pupil(reg: str, school: str = "S1", gender: Gender = "F", *, together: str | None = None,
          apart: str | None = None, same: str | None = None) -> OpenedPupil:
    siblings = (Siblings(together, "together") if together else
                Siblings(apart, "apart") if apart else None)
    return OpenedPupil(reg, "张*", school, gender, (), siblings, same)


def kinds(problems: list[GroupingProblem]) -> list[ProblemKind]:
    return [p.kind for p in problems]


# --- each problem, with its message ---------------------------------------------------


def test_a_good_input_has_no_problem() -> None:
    pupils = [pupil(f"R{i:04d}", together="T" if i < 2 else None,
                    apart="A" if 2 <= i < 4 else None) for i in range(8)]
    assert check_feasible([plan_of("S1", [4, 4])], pupils) == []


def test_S3_over_capacity_is_a_problem_named_in_chinese_first() -> None:
    problems = check_feasible([plan_of("S1", [2, 2])], [pupil(f"R{i:04d}") for i in range(5)])
    assert kinds(problems) == [ProblemKind.OVER_CAPACITY]
    p = problems[0]
    assert (p.rule, p.school) == ("S3", "S1")
    assert "5 名学生" in p.zh and "4 个学位" in p.zh and "5 pupils" in p.en


def test_S3_pupils_without_plan_and_two_plans() -> None:
    problems = check_feasible([plan_of("S1", [3]), plan_of("S1", [4])],
                              [pupil("R0001"), pupil("R0002", "S2")])
    assert kinds(problems) == [ProblemKind.TWO_PLANS, ProblemKind.NO_PLAN]
    assert problems[1].school == "S2" and "没有分班计划" in problems[1].zh


def test_S2_pupil_twice_names_the_registration_number() -> None:
    problems = check_feasible([plan_of("S1", [3])], [pupil("R0001"), pupil("R0001")])
    assert kinds(problems) == [ProblemKind.PUPIL_TWICE]
    assert problems[0].pupils == ("R0001",) and "R0001" in problems[0].zh


def test_S3_empty_class() -> None:
    problems = check_feasible([plan_of("S1", [3, 3, 3])], [pupil("R0001"), pupil("R0002")])
    assert kinds(problems) == [ProblemKind.EMPTY_CLASS]
    assert "1 个班将没有学生" in problems[0].zh
    # a plan for a school without pupils: every class would be empty
    assert kinds(check_feasible([plan_of("S9", [3])], [])) == [ProblemKind.EMPTY_CLASS]


def test_S4_mixed_sibling_modes() -> None:
    problems = check_feasible([plan_of("S1", [3, 3])],
                              [pupil("R0001", together="G"), pupil("R0002", apart="G")])
    assert kinds(problems) == [ProblemKind.MIXED_SIBLING_MODES]
    assert problems[0].pupils == ("R0001", "R0002")


def test_S4_together_unit_larger_than_every_target() -> None:
    """Capacity 5 + 5 would hold three together, but balanced targets are 2, 2."""
    pupils = [pupil(f"R{i:04d}", together="T" if i < 3 else None) for i in range(4)]
    problems = check_feasible([plan_of("S1", [5, 5])], pupils)
    assert kinds(problems) == [ProblemKind.TOGETHER_TOO_LARGE]
    assert problems[0].pupils == ("R0000", "R0001", "R0002") and "每班最多 2 人" in problems[0].zh


def test_S4_together_units_that_cannot_all_fit() -> None:
    pupils = [pupil(f"R{i:04d}", together=f"T{i // 2}") for i in range(6)]
    problems = check_feasible([plan_of("S1", [3, 3])], pupils)
    assert kinds(problems) == [ProblemKind.TOGETHER_CANNOT_FIT]
    assert len(problems[0].pupils) == 6
    # 3 + 3 + 2 + 2 into targets 6 and 4 fits (3+3, 2+2) although the
    # largest-room-first greedy would not find it
    units = [pupil(f"R{i:04d}", together=f"T{0 if i < 3 else 1 if i < 6 else 2 if i < 8 else 3}")
             for i in range(10)]
    assert check_feasible([plan_of("S1", [6, 4])], units) == []


def test_problems_carry_no_names() -> None:
    """Problems name regs, schools, groups and classes only (no personal data)."""
    pupils = [OpenedPupil("R0001", "王*明", "S1", "F"), OpenedPupil("R0001", "王*明", "S1", "F")]
    for p in check_feasible([plan_of("S1", [1])], pupils):
        assert "王" not in p.zh + p.en


# --- the guarantee: passing the check means the grouping completes ------------------


@st.composite
def cohort(draw: st.DrawFn) -> tuple[list[ClassPlan], list[OpenedPupil]]:
    """One to three schools with random plans, near full or not, and requests;
    now and then a school without a plan, a reg twice or a mixed sibling group."""
    plans: list[ClassPlan] = []
    pupils: list[OpenedPupil] = []
    reg = 0
    for s in range(draw(st.integers(1, 3))):
        school = f"S{s}"
        caps = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
        if draw(st.integers(0, 7)):
            plans.append(plan_of(school, caps))
        n = draw(st.integers(0, sum(caps) + 1))
        for _ in range(n):
            reg += 1
            kind = draw(st.sampled_from(["none", "none", "together", "apart", "name"]))
            siblings = None
            if kind == "together":
                siblings = Siblings(f"T{draw(st.integers(0, 2))}", "together")
            elif kind == "apart":
                siblings = Siblings(f"A{draw(st.integers(0, 2))}", "apart")
                if draw(st.integers(0, 19)) == 0:
                    siblings = Siblings("T0", "apart")  # mixes with together group T0
            same = f"N{draw(st.integers(0, 1))}" if kind == "name" or draw(
                st.integers(0, 5)) == 0 else None
            pupils.append(OpenedPupil(f"R{reg:05d}", "张*", school, draw(st.sampled_from(GENDERS)),
                                ("sen",) if draw(st.integers(0, 4)) == 0 else (),
                                siblings, same))
        if draw(st.integers(0, 15)) == 0 and pupils:
            pupils.append(pupils[-1])  # a reg twice
    return plans, pupils


@settings(max_examples=400, deadline=None)
@given(cohort(), st.lists(st.binary(min_size=32, max_size=32), min_size=2, max_size=2))
def test_passing_the_check_means_the_grouping_completes_for_every_seed(
    case: tuple[list[ClassPlan], list[OpenedPupil]], seeds: list[bytes]
) -> None:
    plans, pupils = case
    problems = check_feasible(plans, pupils)
    blocking = [p for p in problems if p.kind is not ProblemKind.EMPTY_CLASS]
    for seed in seeds:
        if blocking:
            try:
                group_all(plans, pupils, seed)
            except GroupingError:
                continue
            raise AssertionError(f"reported {blocking} but the grouping completed")
        result = group_all(plans, pupils, seed)
        assert set(result.assignments) == {p.reg for p in pupils}
        plan_of_school = {p.school: p for p in plans}
        for school, detail in result.schools.items():
            mine = [p for p in pupils if p.school == school]
            caps = [c.capacity for c in plan_of_school[school].classes]
            # (c) sizes and together units
            sizes = Counter(detail.assignments.values())
            assert all(sizes[c] == t for c, t in detail.targets.items())
            for unit in together_units(mine):
                assert len({detail.assignments[p.reg] for p in unit}) == 1
            # (a) least pairs, against brute force over all assignments (when small)
            if len(detail.targets) ** len(request_units(mine)) <= 20_000:
                assert pairs_sharing(detail.assignments, mine) == least_pairs(
                    mine, list(detail.targets.values()))
            # (b) within one of every share when no quota was exchanged
            off = distances(detail.assignments, mine, detail.targets, caps)
            assert sum(d for _, _, d in off) <= 8 * detail.exchanges
            if detail.exchanges == 0:
                assert off == []
