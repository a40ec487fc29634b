"""The supervisors' page data (views/dashboard.py; issue 12 deliver 5, PROTOCOL.md §8).

On a whole demo season's log: the overall check restates the logged `bias_audit`
(不适用 exactly where `testable` is false), each pool's check is §8 recomputed on that
pool alone (the pools' counts add up to the logged totals), stages are the logged ones
without empty rows, district rates come from the results, and the advice names the
latest checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery_service.core.season import SeasonState
from lottery_service.demo import run_demo
from lottery_service.demo.district import DISTRICTS
from lottery_service.views.dashboard import (
    CheckpointRow,
    Verdict,
    dashboard_view,
    district_names,
)
from tests.support import make_runtime

EVENT = "demo-2026"


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeasonState]:
    rt = make_runtime(Path(tmp_path_factory.mktemp("dash")))
    try:
        run_demo(rt, applicants=1000, say=lambda _l: None)
        yield rt.service.lifecycle.state(EVENT)
    finally:
        rt.close()


CPS = (CheckpointRow(90, "ab" * 32, 1), CheckpointRow(80, "cd" * 32, 2))


def test_overall_check_is_the_logged_audit_and_never_says_passed_when_untestable_8(
        state: SeasonState) -> None:
    view = dashboard_view(state, CPS, 2, {}, dict(DISTRICTS))
    assert state.bias is not None
    logged = state.bias.body.dimensions
    assert [c.dimension for c in view.overall] == [d.dimension for d in logged]
    for c, d in zip(view.overall, logged, strict=True):
        assert (c.verdict is Verdict.NOT_APPLICABLE) == (not d.testable)
        assert (c.verdict is Verdict.FLAGGED) == d.flag
        assert (c.p is None) == (not d.testable)
        assert [(v.applicants, v.winners) for v in c.values] == \
            [(v.applicants, v.winners) for v in d.values]
    district = next(c for c in view.overall if c.dimension == "district")
    assert {v.value for v in district.values} <= set(DISTRICTS.values())  # names, not codes


def test_pools_add_up_to_the_logged_totals_and_hide_gender_8_17(state: SeasonState) -> None:
    view = dashboard_view(state, CPS, 2, {}, {})
    drawn = [(s.body.school, str(st.stage)) for s in state.lottery_summaries.values()
             for st in s.body.stages if st.lottery]
    assert sorted((p.school, p.stage) for p in view.pools) == sorted(drawn)
    assert state.bias is not None
    logged = {d.dimension: d for d in state.bias.body.dimensions}
    for dim in ("district", "reg_day"):
        per_value: dict[str, list[int]] = {}
        for pool in view.pools:
            check = next(c for c in pool.checks if c.dimension == dim)
            for v in check.values:
                per_value.setdefault(v.value, [0, 0])
                per_value[v.value][0] += v.applicants
                per_value[v.value][1] += v.winners
        assert per_value == {v.value: [v.applicants, v.winners] for v in logged[dim].values}
    for pool in view.pools:
        assert [c.dimension for c in pool.checks] == ["district", "gender", "reg_day"]
        gender = pool.checks[1]
        assert gender.verdict is Verdict.NOT_PUBLIC and gender.values == ()
        assert pool.winners == sum(v.winners for v in pool.checks[0].values)


def test_stages_rates_and_the_checkpoint_to_cosign(state: SeasonState) -> None:
    view = dashboard_view(state, CPS, 2, {}, dict(DISTRICTS))
    for row in view.schools:
        logged = state.lottery_summaries.get(row.id)
        if logged is None:
            assert row.stages == () and row.admitted is None
            continue
        assert [s.stage for s in row.stages] == [str(s.stage) for s in logged.body.stages
                                                 if s.seats or s.applicants]
    for bar in view.districts:
        assert bar.name == DISTRICTS[bar.district]
        assert 0 <= bar.admitted <= bar.applicants
        assert abs(float(bar.rate) - 100 * bar.admitted / bar.applicants) < 0.05
    assert view.advice is not None and view.advice.size == 90 and not view.advice.done
    done = dashboard_view(state, (CheckpointRow(90, "ab" * 32, 2),), 2, {}, {})
    assert done.advice is not None and done.advice.done


@given(st.dictionaries(st.from_regex(r"D[0-9]{2}", fullmatch=True),
                       st.text(alphabet="云岩南明区花溪", min_size=1, max_size=5), max_size=5))
def test_district_names_setting_round_trips(names: dict[str, str]) -> None:
    assert district_names(",".join(f"{k}={v}" for k, v in names.items())) == names
    assert district_names(None) == {} and district_names("junk") == {}
