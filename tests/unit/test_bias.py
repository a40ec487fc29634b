"""Bias audit (PROTOCOL.md §8)."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

import pytest

from lottery_service.core.allocation import allocate
from lottery_service.core.bias import Pool, audit, bias_audit, gamma_q, half_up_milli
from lottery_service.core.errors import ProtocolError
from lottery_service.core.records import Applicant, Gender, School
from tests.paths import VECTORS as VECTOR_DIR

VECTORS = VECTOR_DIR / "bias.json"
CASES = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]


def run_vector(inp: dict[str, Any]) -> list[dict[str, Any]]:
    pools = [Pool.of((m["district"], m["gender"], m["reg_day"], m["admitted"])
                     for m in pool["members"]) for pool in inp["pools"]]
    dims: list[dict[str, Any]] = audit(pools).to_json()["dimensions"]
    return dims


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vectors(case: dict[str, Any]) -> None:
    got = run_vector(case["input"])
    want = case["expected"]["body"]["dimensions"]
    assert [d["dimension"] for d in got] == ["district", "gender", "reg_day"]
    for g, w in zip(got, want, strict=True):
        assert abs(g["p_ppm"] - w["p_ppm"]) <= 1  # §8: ±1 allowed in p_ppm only
        assert {**g, "p_ppm": 0} == {**w, "p_ppm": 0}


def test_flag_case_is_flagged() -> None:
    case = next(c for c in CASES if c["name"] == "flagged-gender")
    gender = case["expected"]["body"]["dimensions"][1]
    assert gender["flag"] and gender["p_ppm"] < 1000


@pytest.mark.parametrize("x", [0.0, 0.01, 0.5, 1.0, 2.5, 7.0, 30.0, 200.0])
def test_gamma_q_closed_forms(x: float) -> None:
    assert gamma_q(1.0, x) == pytest.approx(math.exp(-x), rel=1e-12, abs=1e-300)
    assert gamma_q(0.5, x) == pytest.approx(math.erfc(math.sqrt(x)), rel=1e-12, abs=1e-300)
    # Q(2, x) = e^{-x} (1 + x)
    assert gamma_q(2.0, x) == pytest.approx(math.exp(-x) * (1 + x), rel=1e-12, abs=1e-300)


def test_chi_square_critical_values() -> None:
    # p = Q(df/2, chi2/2) at textbook 0.001 critical values
    for df, crit in [(1, 10.828), (2, 13.816), (5, 20.515), (19, 43.820)]:
        assert gamma_q(df / 2, crit / 2) == pytest.approx(0.001, rel=2e-3)


def test_half_up_milli() -> None:
    assert half_up_milli(Fraction(1, 2000)) == 1
    assert half_up_milli(Fraction(1, 3)) == 333
    assert half_up_milli(Fraction(2, 3)) == 667
    assert half_up_milli(Fraction(0)) == 0


def test_hand_computed_pool() -> None:
    """One pool: 3 F + 1 M for 2 seats. E_F = 3·2/4 = 3/2, E_M = 1/2 (exact)."""
    school = School("S001", "s", "D01", "city", 5000, 2)
    apps = [Applicant(reg=f"R000{i}", name="张*", school="S001", district="D01",
                      reg_day="2026-06-11", attrs="ab" * 32) for i in range(4)]
    genders: dict[str, Gender] = {f"R000{i}": "F" if i < 3 else "M" for i in range(4)}
    draw = allocate([school], apps, b"\x07" * 32, True)
    dims = bias_audit(draw, apps, genders).to_json()["dimensions"]
    gender = dims[1]
    won_f = sum(draw.outcomes[f"R000{i}"].outcome == "admitted" for i in range(3))
    chi2 = (won_f - Fraction(3, 2)) ** 2 / Fraction(3, 2) + \
        ((2 - won_f) - Fraction(1, 2)) ** 2 / Fraction(1, 2)
    assert gender["values"] == [
        {"value": "F", "applicants": 3, "winners": won_f, "expected_milli": 1500},
        {"value": "M", "applicants": 1, "winners": 2 - won_f, "expected_milli": 500}]
    assert gender["df"] == 1
    assert gender["chi2_milli"] == half_up_milli(chi2)
    assert gender["p_ppm"] == round(1e6 * math.erfc(math.sqrt(float(chi2) / 2)))
    assert dims[0]["df"] == 0 and dims[0]["p_ppm"] == 1_000_000  # one district: p = 1
    assert gender["testable"] and not dims[0]["testable"]  # §8: not testable, 不适用


def test_no_pools_means_p_one() -> None:
    school = School("S001", "s", "D01", "city", 5000, 10)
    apps = [Applicant(reg="R0001", name="张*", school="S001", district="D01",
                      reg_day="2026-06-11", attrs="ab" * 32)]
    dims = bias_audit(allocate([school], apps, b"\x01" * 32, True), apps, {"R0001": "F"})
    assert all(not d.values and d.p_ppm == 1_000_000 and not d.flag and not d.testable
               for d in dims.dimensions)


def test_gender_must_be_given_for_every_applicant() -> None:
    school = School("S001", "s", "D01", "city", 5000, 10)
    apps = [Applicant(reg="R0001", name="张*", school="S001", district="D01",
                      reg_day="2026-06-11", attrs="ab" * 32)]
    with pytest.raises(ProtocolError, match="gender"):
        bias_audit(allocate([school], apps, b"\x01" * 32, True), apps, {})
