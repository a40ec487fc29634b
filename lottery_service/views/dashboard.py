"""The supervisors' page as plain data (issue 12 deliver 5; PROTOCOL.md §7, §8, §12).

Everything is read from the signed log (`SeasonState`) and the checkpoint list; the
template only lays it out. The fairness check is said in sentences: per dimension
over all pools (the logged `bias_audit`, §8) and per pool (each over-subscribed
stage run, recomputed here from the public records and the seed with the same §8
arithmetic, `core.bias.audit`). A test that cannot run says 不适用 with the reason,
never 正常; gender is committed (§17.1), so per pool it is 不适用 for the public.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ..core.bias import audit, lottery_pools
from ..core.entries import BiasDimension
from ..core.season import SeasonState

__all__ = ["CheckpointRow", "CosignAdvice", "DashboardView", "DistrictBar", "FairnessCheck",
           "PoolFairness", "SchoolRow", "StageRow", "Verdict", "dashboard_view",
           "district_names"]

PUBLIC_DIMENSIONS: Final = ("district", "reg_day")  # gender is committed (§17.1)
CHART_WIDTH: Final = 520  # px of a 100 % bar in the district chart


class Verdict(StrEnum):
    """What one fairness test says (§8): the i18n key suffix `fair.<verdict>`."""

    PASSED = "passed"  # testable, p ≥ 0.001
    FLAGGED = "flagged"  # testable, p < 0.001: look closer (never a redraw by itself)
    NOT_APPLICABLE = "na"  # df = 0: one value or no pools
    NOT_PUBLIC = "not_public"  # gender per pool: only the supervision group can open it


@dataclass(frozen=True)
class FairnessValue:
    value: str  # as shown: a district's name, a date, 女/男
    applicants: int
    winners: int
    expected: str  # expected winners, one decimal


@dataclass(frozen=True)
class FairnessCheck:
    dimension: str  # district | gender | reg_day
    verdict: Verdict
    p: str | None  # "0.42" or "< 0.001"; None when not applicable
    values: tuple[FairnessValue, ...]


@dataclass(frozen=True)
class PoolFairness:
    """One over-subscribed stage run (a pool, §8) and its tests."""

    school: str
    school_name: str
    stage: str
    members: int
    winners: int
    checks: tuple[FairnessCheck, ...]


@dataclass(frozen=True)
class StageRow:
    stage: str
    seats: int
    applicants: int
    admitted: int
    lottery: bool


@dataclass(frozen=True)
class SchoolRow:
    id: str
    name: str
    district: str  # its public name when the operator set one, else its code
    quota: int
    applicants: int
    admitted: int | None
    returned: int | None
    stages: tuple[StageRow, ...]  # only the stages the school has (seats or applicants)


@dataclass(frozen=True)
class DistrictBar:
    district: str
    name: str  # the district's public name when the operator set one, else its code
    applicants: int
    admitted: int
    rate: str  # "37.5"
    width: int  # px: the admission rate on a 0–100 % scale, so no district is a sliver


@dataclass(frozen=True)
class CheckpointRow:
    size: int
    root: str
    cosignatures: int


@dataclass(frozen=True)
class CosignAdvice:
    """Which checkpoint to cosign next: the latest (it covers every entry before it, §12);
    `done` when it already carries every registered witness's cosignature."""

    size: int
    root: str
    cosignatures: int
    witnesses: int
    done: bool


@dataclass(frozen=True)
class DashboardView:
    drawn: bool
    schools: tuple[SchoolRow, ...]
    overall: tuple[FairnessCheck, ...]
    pools: tuple[PoolFairness, ...]
    districts: tuple[DistrictBar, ...]
    advice: CosignAdvice | None
    checkpoints: tuple[CheckpointRow, ...]


def district_names(setting: str | None) -> dict[str, str]:
    """SUNSHINE_DISTRICT_NAMES, the operator's public names: "D01=云岩区,D02=南明区"."""
    names: dict[str, str] = {}
    for part in (setting or "").split(","):
        code, sep, name = part.partition("=")
        if sep and code.strip() and name.strip():
            names[code.strip()] = name.strip()
    return names


def _p_text(p_ppm: int) -> str:
    return "< 0.001" if p_ppm < 1000 else f"{p_ppm / 1_000_000:.3f}"


def _check(d: BiasDimension, label: Mapping[str, str]) -> FairnessCheck:
    verdict = (Verdict.NOT_APPLICABLE if not d.testable
               else Verdict.FLAGGED if d.flag else Verdict.PASSED)
    return FairnessCheck(
        d.dimension, verdict, _p_text(d.p_ppm) if d.testable else None,
        tuple(FairnessValue(label.get(v.value, v.value), v.applicants, v.winners,
                            f"{v.expected_milli / 1000:.1f}") for v in d.values))


def _pools(state: SeasonState, names: Mapping[str, str],
           label: Mapping[str, str]) -> tuple[PoolFairness, ...]:
    """§8 per pool on the public dimensions, from the draw the log's seed determines."""
    if state.ceremonies["lottery"].seed is None or not state.lottery_results:
        return ()
    by_reg = {a.reg: a for a in state.applicants()}
    out: list[PoolFairness] = []
    for school, run, pool in lottery_pools(state.draw(), by_reg, None):  # genders: private
        dims = {d.dimension: d for d in audit([pool]).dimensions}
        checks = [_check(dims[d], label) for d in PUBLIC_DIMENSIONS]
        checks.insert(1, FairnessCheck("gender", Verdict.NOT_PUBLIC, None, ()))
        out.append(PoolFairness(school, names.get(school, school), str(run.stage),
                                len(pool.admitted), sum(pool.admitted), tuple(checks)))
    return tuple(out)


def _schools(state: SeasonState, label: Mapping[str, str]) -> tuple[SchoolRow, ...]:
    applicants = Counter(a.school for a in state.applicants())
    rows: list[SchoolRow] = []
    for s in sorted(state.schools(), key=lambda s: s.id):
        logged = state.lottery_summaries.get(s.id)
        stages = () if logged is None else tuple(
            StageRow(str(st.stage), st.seats, st.applicants, st.admitted, st.lottery)
            for st in logged.body.stages if st.seats or st.applicants)
        rows.append(SchoolRow(
            s.id, s.name, label.get(s.district, s.district), s.quota, applicants[s.id],
            None if logged is None else logged.body.admitted,
            None if logged is None else logged.body.returned_to_bureau, stages))
    return tuple(rows)


def _districts(state: SeasonState, label: Mapping[str, str]) -> tuple[DistrictBar, ...]:
    """Applicants and admissions (after the draw, promotions included) per home district."""
    district_of = {a.reg: a.district for a in state.applicants()}
    applied = Counter(district_of.values())
    admitted: Counter[str] = Counter()
    for reg, r in state.lottery_results.items():
        if (r.body.outcome == "admitted" or reg in state.promotions_of) \
                and reg not in state.forfeits_of and reg in district_of:
            admitted[district_of[reg]] += 1
    bars: list[DistrictBar] = []
    for d in sorted(applied):
        share = admitted[d] / applied[d]
        bars.append(DistrictBar(d, label.get(d, d), applied[d], admitted[d],
                                f"{100 * share:.1f}", round(CHART_WIDTH * share)))
    return tuple(bars)


def dashboard_view(state: SeasonState, checkpoints: Sequence[CheckpointRow], witnesses: int,
                   school_names: Mapping[str, str], districts: Mapping[str, str],
                   shown: int = 8) -> DashboardView:
    """The page's data. `checkpoints` newest first; `school_names` the bureau's public
    names (public schools appear in the log by id only); `districts` code → name."""
    names = {**school_names, **{s.id: s.name for s in state.schools()}}
    label = {**districts, "F": "女", "M": "男"}
    drawn = bool(state.lottery_summaries)
    overall = () if state.bias is None else tuple(
        _check(d, label) for d in state.bias.body.dimensions)
    latest = checkpoints[0] if checkpoints else None
    advice = None if latest is None else CosignAdvice(
        latest.size, latest.root, latest.cosignatures, witnesses,
        witnesses > 0 and latest.cosignatures >= witnesses)
    return DashboardView(drawn, _schools(state, label), overall, _pools(state, names, label),
                         _districts(state, label) if drawn else (), advice,
                         tuple(checkpoints[:shown]))
