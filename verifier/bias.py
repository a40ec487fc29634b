"""Bias audit recomputed (PROTOCOL.md §8): exact chi-square, p in doubles."""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verifier.draw import Pool

if TYPE_CHECKING:
    from verifier.log import BiasDimension

DIMENSIONS = ("district", "gender", "reg_day")


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


def _half_up(x: Fraction) -> int:
    return math.floor(x * 1000 + Fraction(1, 2))


def dimension(pools: Sequence[Pool], dim: str) -> dict[str, Any]:
    """One §8 dimension entry."""
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
    p = 1.0 if df == 0 or not pools else upper_gamma_q(df / 2, float(chi2) / 2)
    p_ppm = round(1_000_000 * p)
    return {"dimension": dim, "df": df, "chi2_milli": _half_up(chi2), "p_ppm": p_ppm,
            "flag": p_ppm < 1000,
            "values": [{"value": c, "applicants": applicants[c], "winners": winners[c],
                        "expected_milli": _half_up(expected[c])} for c in sorted(applicants)]}


def audit(pools: Sequence[Pool]) -> list[dict[str, Any]]:
    return [dimension(pools, d) for d in DIMENSIONS]


def same(expected: BiasDimension, logged: BiasDimension) -> bool:
    """Equal except p_ppm within ±1 (and the flag that follows from it)."""
    if abs(expected.p_ppm - logged.p_ppm) > 1 or logged.flag != (logged.p_ppm < 1000):
        return False
    return expected._replace(p_ppm=0, flag=False) == logged._replace(p_ppm=0, flag=False)
