"""Bias audit recomputed (PROTOCOL.md v2 §8): exact chi-square, p in doubles.

`dimension` recomputes one dimension from the pools; `same` compares it with the
logged one (p_ppm may differ by 1). Without the sealed openings the applicants'
genders are unknown, so `gender_arithmetic` checks only what the published
counts determine (§8 last paragraph) and says what it could not check.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from verifier.draw import Pool
from verifier.errors import VerificationError

DIMENSIONS = ("district", "gender", "reg_day")
NOT_TESTABLE_PPM = 1_000_000


def upper_gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (series / continued fraction)."""
    if x <= 0:
        return 1.0
    lead = math.exp(-x + a * math.log(x) - math.lgamma(a))
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        for _ in range(10000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        return max(0.0, 1.0 - total * lead)
    tiny = 1e-300
    bb = x + 1 - a
    c = 1 / tiny
    d = 1 / bb
    h = d
    for k in range(1, 10000):
        an = -k * (k - a)
        bb += 2
        d = an * d + bb
        d = tiny if abs(d) < tiny else d
        c = bb + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-17:
            break
    return lead * h


def _milli(x: Fraction) -> int:
    """⌊1000·x + 1/2⌋, exactly."""
    return math.floor(x * 1000 + Fraction(1, 2))


def p_ppm(df: int, chi2: float) -> int:
    """⌊10^6·Q(df/2, chi2/2) + 1/2⌋ in doubles; 1000000 when the test cannot run."""
    if df < 1:
        return NOT_TESTABLE_PPM
    return math.floor(1_000_000 * upper_gamma_q(df / 2, chi2 / 2) + 0.5)


def dimension(pools: Sequence[Pool], dim: str) -> dict[str, Any]:
    """One §8 dimension object, as the bias_audit entry carries it."""
    value = operator.attrgetter(dim)
    applicants: Counter[str] = Counter()
    winners: Counter[str] = Counter()
    expected: dict[str, Fraction] = {}
    for pool in pools:
        m, w = len(pool.members), len(pool.winners)
        counts = Counter(map(value, pool.members))
        winners.update(map(value, pool.winners))
        applicants.update(counts)
        # k members each expecting w/m add k·w/m: one exact Fraction per value.
        for c, k in counts.items():
            expected[c] = expected.get(c, Fraction(0)) + Fraction(k * w, m)
    live = [c for c in expected if expected[c] > 0]
    chi2 = sum((Fraction((winners[c] - expected[c]) ** 2) / expected[c] for c in live),
               Fraction(0))
    df = max(len(live) - 1, 0)
    testable = df >= 1
    ppm = p_ppm(df, float(chi2))
    return {"dimension": dim, "df": df, "chi2_milli": _milli(chi2), "p_ppm": ppm,
            "flag": testable and ppm < 1000, "testable": testable,
            "values": [{"value": c, "applicants": applicants[c], "winners": winners[c],
                        "expected_milli": _milli(expected.get(c, Fraction(0)))}
                       for c in sorted(applicants)]}


def audit(pools: Sequence[Pool], dimensions: Sequence[str] = DIMENSIONS) -> list[dict[str, Any]]:
    return [dimension(pools, d) for d in dimensions]


def same(expected: dict[str, Any], logged: dict[str, Any]) -> bool:
    """Equal except p_ppm within ±1 (and the flag that follows from it), §8."""
    if abs(expected["p_ppm"] - logged["p_ppm"]) > 1:
        return False
    if logged["flag"] != (logged["testable"] and logged["p_ppm"] < 1000):
        return False
    keep = ("dimension", "df", "chi2_milli", "testable", "values")
    return all(expected[k] == logged[k] for k in keep)


def _fail(message: str) -> VerificationError:
    return VerificationError("bias", "§8", f"gender dimension: {message}")


def gender_arithmetic(pools: Sequence[Pool], logged: dict[str, Any]) -> None:
    """§8: without the openings, what the logged gender counts determine.

    Checked: totals equal the pools' members and winners; winners ≤ applicants;
    each expected_milli lies between the least and the greatest admission ratio
    of the pools times its applicants, and they add up to the winners (up to
    rounding); df and testable follow from which values can expect winners;
    p_ppm follows from chi2_milli and df; flag from p_ppm and testable. Not
    checkable: how the counts split between pools, hence chi2_milli itself.
    """
    values = logged["values"]
    names = [v["value"] for v in values]
    if names != sorted(set(names)) or not set(names) <= {"F", "M"}:
        raise _fail(f"values {names} are not distinct genders F, M in order")
    members = sum(len(p.members) for p in pools)
    won = sum(len(p.winners) for p in pools)
    if sum(v["applicants"] for v in values) != members:
        raise _fail(f"applicants add up to {sum(v['applicants'] for v in values)}, the pools "
                    f"have {members} members")
    if sum(v["winners"] for v in values) != won:
        raise _fail(f"winners add up to {sum(v['winners'] for v in values)}, the pools "
                    f"admitted {won}")
    ratios = [Fraction(len(p.winners), len(p.members)) for p in pools if p.members]
    lo, hi = (min(ratios), max(ratios)) if ratios else (Fraction(0), Fraction(0))
    for v in values:
        if v["winners"] > v["applicants"]:
            raise _fail(f"{v['value']}: more winners than applicants")
        if not _milli(lo * v["applicants"]) <= v["expected_milli"] <= _milli(hi * v["applicants"]):
            raise _fail(f"{v['value']}: expected_milli {v['expected_milli']} is outside what "
                        "the pools' admission ratios allow")
    if 2 * abs(sum(v["expected_milli"] for v in values) - 1000 * won) > len(values):
        raise _fail("expected values do not add up to the winners")
    surely = sum(1 for v in values if v["expected_milli"] > 0)
    maybe = sum(1 for v in values if v["applicants"] > 0 and hi > 0)
    df = logged["df"]
    if not max(surely - 1, 0) <= df <= max(maybe - 1, 0):
        raise _fail(f"df {df} does not follow from the values that can expect winners")
    if logged["testable"] != (df >= 1):
        raise _fail("testable is not df ≥ 1")
    if not logged["testable"]:
        if logged["p_ppm"] != NOT_TESTABLE_PPM or logged["chi2_milli"] != 0:
            raise _fail("a test that cannot run has p_ppm 1000000 and chi2_milli 0")
    else:
        chi2 = logged["chi2_milli"]
        bounds = sorted(p_ppm(df, max(chi2 + d, 0) / 1000) for d in (-0.5, 0.5))
        if not bounds[0] - 1 <= logged["p_ppm"] <= bounds[1] + 1:
            raise _fail(f"p_ppm {logged['p_ppm']} does not follow from chi2_milli {chi2} and "
                        f"df {df}")
    if logged["flag"] != (logged["testable"] and logged["p_ppm"] < 1000):
        raise _fail("flag is not testable and p_ppm < 1000")
