"""Bias audit of the lottery (PROTOCOL.md §8), published before the results are final.

Only over-subscribed stage runs (P5) carry randomness; they are the pools. For
district, gender and registration day (the DV-2012 lesson, §16) the audit
compares winners with the exactly expected numbers by a chi-square test. All
published numbers except `p_ppm` are exact rationals rounded half up; `p_ppm`
comes from the regularised upper incomplete gamma function in double precision
(verifiers accept a difference of 1).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import compress, repeat
from operator import attrgetter
from typing import Final

from .allocation import Draw, StageRun
from .entries import DIMENSIONS, BiasAudit, BiasDimension, BiasValue
from .errors import ProtocolError
from .records import Applicant, Gender

FLAG_PPM: Final = 1000  # p < 0.001

_ITMAX: Final = 100_000
_EPS: Final = 2.220446049250313e-16
_FPMIN: Final = 1e-300


def gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x): series or continued fraction (NR gammq)."""
    if a <= 0 or x < 0:
        raise ValueError(f"gamma_q needs a > 0 and x ≥ 0, got a={a}, x={x}")
    if x == 0:
        return 1.0
    log_prefix = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:  # series for P(a, x); Q = 1 − P
        ap, term = a, 1.0 / a
        total = term
        for _ in range(_ITMAX):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * _EPS:
                return 1.0 - total * math.exp(log_prefix)
        raise ArithmeticError("gamma_q series did not converge")
    # continued fraction for Q (modified Lentz)
    b = x + 1 - a
    c = 1 / _FPMIN
    d = 1 / b
    h = d
    for i in range(1, _ITMAX):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        if abs(d) < _FPMIN:
            d = _FPMIN
        c = b + an / c
        if abs(c) < _FPMIN:
            c = _FPMIN
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < _EPS:
            return math.exp(log_prefix) * h
    raise ArithmeticError("gamma_q continued fraction did not converge")


def half_up_milli(value: Fraction) -> int:
    """⌊1000·v + 1/2⌋, exactly (§8)."""
    return math.floor(value * 1000 + Fraction(1, 2))


@dataclass(frozen=True, slots=True)
class Pool:
    """The members of one over-subscribed stage run, column by column (§8): member i is
    (district[i], gender[i], reg_day[i], admitted[i]). Columns, because a province's
    pools hold over a million members and the audit counts each column whole."""

    district: tuple[str, ...]
    gender: tuple[str, ...]
    reg_day: tuple[str, ...]
    admitted: tuple[bool, ...]

    @classmethod
    def of(cls, members: Iterable[tuple[str, str, str, bool]]) -> Pool:
        """A pool from its members' (district, gender, reg_day, admitted)."""
        rows = tuple(members)
        district, gender, reg_day, admitted = (tuple(zip(*rows, strict=True)) if rows
                                               else ((), (), (), ()))
        return cls(district, gender, reg_day, admitted)


_DISTRICT: Final = attrgetter("district")
_REG_DAY: Final = attrgetter("reg_day")


def lottery_pools(draw: Draw, by_reg: Mapping[str, Applicant],
                  genders: Mapping[str, Gender] | None) -> Iterator[tuple[str, StageRun, Pool]]:
    """Each over-subscribed stage run (P5) of the draw with its members, school by school
    (§8); without `genders` (a public view, §17.1) the gender column is empty strings."""
    joint = draw.joint
    for school, result in draw.schools.items():
        for run in result.stages:
            if not run.lottery:
                continue
            won, units = run.winners, run.pool
            if joint.keys().isdisjoint(units):
                regs: Sequence[str] = units
                admitted = tuple(map(won.__contains__, units))
            else:  # a unit's members share its place (§3.2)
                regs = [r for u in units for r in joint.get(u, (u,))]
                admitted = tuple(w for u in units
                                 for w in repeat(u in won, len(joint.get(u, (u,)))))
            people = list(map(by_reg.__getitem__, regs))
            gender = ("",) * len(regs) if genders is None else tuple(map(genders.__getitem__,
                                                                          regs))
            yield school, run, Pool(tuple(map(_DISTRICT, people)), gender,
                                    tuple(map(_REG_DAY, people)), admitted)


def bias_audit(draw: Draw, applicants: Sequence[Applicant],
               genders: Mapping[str, Gender]) -> BiasAudit:
    """The `bias_audit` of a draw (§8). `genders`: reg → gender from the attribute
    openings the service holds (§17.1); the records carry only the commitment."""
    by_reg = {a.reg: a for a in applicants}
    missing = sorted(a.reg for a in draw.holders.applicants
                     if a.reg not in by_reg or a.reg not in genders)
    if missing:
        raise ProtocolError(f"bias audit: applicant {missing[0]} of the draw is not given "
                            "with its gender", section="8")
    return audit([pool for _, _, pool in lottery_pools(draw, by_reg, genders)])


def audit(pools: Sequence[Pool]) -> BiasAudit:
    """§8 over the given pools (each the members of one over-subscribed stage run)."""
    return BiasAudit(tuple(_dimension(d, pools) for d in DIMENSIONS))


def _dimension(name: str, pools: Sequence[Pool]) -> BiasDimension:
    applicants: Counter[str] = Counter()
    winners: Counter[str] = Counter()
    expected: dict[str, Fraction] = {}
    for pool in pools:
        column: tuple[str, ...] = getattr(pool, name)
        admitted = pool.admitted
        share = Fraction(sum(admitted), len(admitted))  # W_pool / M_pool
        for value, m in Counter(column).items():
            applicants[value] += m
            expected[value] = expected.get(value, Fraction(0)) + m * share
        winners.update(compress(column, admitted))
    values = sorted(applicants)
    positive = [v for v in values if expected[v] > 0]
    chi2 = sum(((winners[v] - expected[v]) ** 2 / expected[v] for v in positive), Fraction(0))
    df = max(len(positive) - 1, 0)
    testable = df >= 1  # pools exist and at least two values have E_c > 0
    p = gamma_q(df / 2, float(chi2) / 2) if testable else 1.0
    p_ppm = math.floor(1e6 * p + 0.5)
    return BiasDimension(
        dimension=name, df=df, chi2_milli=half_up_milli(chi2), p_ppm=p_ppm,
        flag=testable and p_ppm < FLAG_PPM, testable=testable,
        values=tuple(BiasValue(v, applicants[v], winners[v], half_up_milli(expected[v]))
                     for v in values))
