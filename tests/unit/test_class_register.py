"""Class-register re-check (PROTOCOL.md §15; rule S9)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core.class_register import (
    RegisterDiff,
    RegisterFormatError,
    compare_register,
    parse_register,
)
from tests.register_cases import Case, load


def test_S9_register_that_kept_the_grouping_is_clean() -> None:
    grouping = {"R0001": "01", "R0002": "02"}
    diff = compare_register(grouping, dict(grouping))
    assert diff == RegisterDiff((), (), ())
    assert diff.clean


def test_S9_moved_missing_and_extra_pupils_are_listed() -> None:
    grouping = {"R0003": "01", "R0001": "01", "R0002": "02", "R0004": "03"}
    register = {"R0001": "02", "R0002": "02", "R0003": "03", "R0009": "01"}
    diff = compare_register(grouping, register)
    assert diff.moved == (("R0001", "01", "02"), ("R0003", "01", "03"))
    assert diff.missing_from_register == ("R0004",)
    assert diff.not_in_grouping == ("R0009",)
    assert not diff.clean


regs = st.from_regex(r"R[0-9]{4}", fullmatch=True)
classes = st.sampled_from(["01", "02", "03"])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(regs, classes, max_size=20), st.dictionaries(regs, classes, max_size=20))
def test_S9_every_difference_is_reported_exactly_once(
    grouping: dict[str, str], register: dict[str, str]
) -> None:
    diff = compare_register(grouping, register)
    moved = {r for r, _, _ in diff.moved}
    agreed = {r for r in grouping if register.get(r) == grouping[r]}
    # every reg of either side is agreed, moved, missing or extra, exactly once
    parts = [agreed, moved, set(diff.missing_from_register), set(diff.not_in_grouping)]
    assert sum(len(p) for p in parts) == len(set(grouping) | set(register))
    assert set().union(*parts) == set(grouping) | set(register)
    for reg, logged, actual in diff.moved:
        assert grouping[reg] == logged != actual == register[reg]
    assert [r for r, _, _ in diff.moved] == sorted(moved)
    for part in (diff.missing_from_register, diff.not_in_grouping):
        assert list(part) == sorted(part)
    assert diff.clean == (grouping == register)


CASES = load()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_S9_parse_register_follows_the_vector(case: Case) -> None:
    """§15 reading, held to the same vector as the standalone verifier."""
    if case.error is not None:
        with pytest.raises(RegisterFormatError) as err:
            parse_register(case.data)
        assert (err.value.code, err.value.row) == case.error, str(err.value)
        return
    assert list(parse_register(case.data).items()) == case.rows


def test_S9_register_errors_say_it_in_chinese_first() -> None:
    with pytest.raises(RegisterFormatError) as err:
        parse_register("学籍号,班级\nR0001,\n".encode())
    assert str(err.value).startswith("第 2 行：班级为空 / row 2: 班级 is empty")
