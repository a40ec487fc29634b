"""The streamed draw (`allocate_streamed`, issue 13: 20 000 000 entries) against the v2
allocation vectors and against `allocate` on random cities (PROTOCOL.md §7.2–§7.4)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core import allocation
from lottery_service.core.allocation import StreamedDraw, allocate, allocate_streamed
from lottery_service.core.errors import AllocationError
from lottery_service.core.records import Applicant, School
from tests.unit.test_allocation import SEED, VALID, app, random_city, sch


def roster_of(apps: list[Applicant]) -> Callable[[], Iterable[Applicant]]:
    """A roster read lazily, like a file read again (it must not be a list the draw keeps)."""
    return lambda: (a for a in apps)


def logged(draw: StreamedDraw, apps: list[Applicant]) -> list[dict[str, Any]]:
    """The `lottery_summary` and `lottery_result` bodies, in the §11.3 order."""
    by_school: dict[str, list[Any]] = {s: [] for s in draw.schools}
    for o in draw.outcomes(iter(apps)):
        by_school[o.school].append(o)
    out = []
    for sid, result in draw.schools.items():
        out.append({"type": "lottery_summary", "body": result.summary().to_json()})
        out += [{"type": "lottery_result", "body": o.to_json()}
                for o in sorted(by_school[sid], key=lambda o: o.reg)]
    return out


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 7 applicants, so every roster here is read in several."""
    monkeypatch.setattr(allocation, "_CHUNK", 7)


@pytest.mark.parametrize("case", VALID, ids=[c["name"] for c in VALID])
def test_vectors(case: dict[str, Any]) -> None:
    inp = case["input"]
    apps = [Applicant.from_json(a) for a in inp["applicants"]]
    draw = allocate_streamed([School.from_json(s) for s in inp["schools"]], roster_of(apps),
                             bytes.fromhex(inp["seed"]), inp["waitlist_promotion"])
    want = [e for e in case["expected"]["entries"]
            if e["type"] in ("lottery_summary", "lottery_result")]
    assert logged(draw, apps) == want


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.binary(min_size=32, max_size=32), st.booleans())
def test_property_same_outcomes_as_allocate(k: int, seed: bytes, promotion: bool) -> None:
    rng = random.Random(k)
    schools, apps = random_city(rng, n_schools=rng.randint(1, 4), n_apps=rng.randint(0, 60))
    rng.shuffle(apps)
    whole = allocate(schools, apps, seed, promotion)
    streamed = allocate_streamed(schools, roster_of(apps), seed, promotion)
    assert {o.reg: o for o in streamed.outcomes(iter(apps))} == whole.outcomes
    assert [r.summary() for r in streamed.schools.values()] == \
        [r.summary() for r in whole.schools.values()]


@pytest.mark.parametrize("apps, match", [
    ([app("T0001", unit="T0001"), app("T0002", unit="T0001", district="D02")], "differ in"),
    ([app("T0002", unit="T0001")], "head"),
    ([app("R0001"), app("R0001")], "twice"),
    ([app("R0001", school="S404")], "not in the input"),
    ([app("R0001", district="D02")], "district-approved"),
])
def test_refuses_what_allocate_refuses(apps: list[Applicant], match: str) -> None:
    schools = [sch(authority="district")]
    with pytest.raises(AllocationError, match=match):
        allocate(schools, apps, SEED, True)
    with pytest.raises(AllocationError, match=match):
        allocate_streamed(schools, roster_of(apps), SEED, True)


def test_roster_read_once_without_joint_units() -> None:
    reads = []
    apps = [app(f"R{i:04d}") for i in range(30)]

    def roster() -> Iterable[Applicant]:
        reads.append(1)
        return iter(apps)

    draw = allocate_streamed([sch(quota=4)], roster, SEED, True)
    assert len(reads) == 1
    assert sum(o.outcome == "admitted" for o in draw.outcomes(iter(apps))) == 4
