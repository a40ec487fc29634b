"""Reference generator for bias.json: PROTOCOL.md v2 §8 (bias audit).

Exact rationals for E_c and chi2 (fractions.Fraction), the p-value from the
regularised upper incomplete gamma function Q(a, x) implemented here from its
series and continued fraction (IEEE-754 doubles), and the `testable` member of
v2. No lottery_service, no verifier.

    .venv/bin/python tests/vectors/generate_bias.py [OUT_DIR]
"""

from __future__ import annotations

import json
import math
import random
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from generate_allocation import allocate
from generate_allocation import build as allocation_build

Json = Any
GENERATOR = "tests/vectors/generate_bias.py"
DIMENSIONS = ("district", "gender", "reg_day")


def gamma_q(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a) for a > 0, x >= 0.

    For x < a + 1 the series P(a, x) = e^-x x^a / Γ(a+1) · Σ_n x^n / ((a+1)…(a+n)) and
    Q = 1 − P; otherwise the continued fraction
    Q(a, x) = e^-x x^a / Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))),
    evaluated with the modified Lentz method.
    """
    if a <= 0 or x < 0:
        raise ValueError("Q(a, x) needs a > 0 and x >= 0")
    if x == 0:
        return 1.0
    front = math.exp(-x + a * math.log(x) - math.lgamma(a))
    if x < a + 1:
        term = total = 1.0 / a
        ap = a
        for _ in range(10_000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        return max(0.0, 1.0 - total * front)
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16:
            break
    return front * h


def half_up(q: Fraction) -> int:
    """⌊q + 1/2⌋ computed exactly."""
    return math.floor(q + Fraction(1, 2))


def frac(q: Fraction) -> str:
    return f"{q.numerator}/{q.denominator}"


def audit(pools: list[Json]) -> Json:
    """§8 over the pools (each {pool, members: [{reg, district, gender, reg_day, admitted}]})."""
    dims, detail = [], []
    for d in DIMENSIONS:
        values = sorted({m[d] for p in pools for m in p["members"]})
        applicants = dict.fromkeys(values, 0)
        winners = dict.fromkeys(values, 0)
        expected = dict.fromkeys(values, Fraction(0))
        for p in pools:
            M = len(p["members"])
            W = sum(m["admitted"] for m in p["members"])
            for c in values:
                mc = sum(1 for m in p["members"] if m[d] == c)
                applicants[c] += mc
                winners[c] += sum(1 for m in p["members"] if m[d] == c and m["admitted"])
                expected[c] += Fraction(mc * W, M)
        tested = [c for c in values if expected[c] > 0]
        chi2 = sum((Fraction(winners[c]) - expected[c]) ** 2 / expected[c] for c in tested)
        chi2 = Fraction(chi2)
        df = max(len(tested) - 1, 0)
        testable = df >= 1
        p = gamma_q(df / 2, float(chi2) / 2) if testable else 1.0
        p_ppm = math.floor(1e6 * p + 0.5) if testable else 1_000_000
        dims.append({
            "dimension": d, "df": df, "chi2_milli": half_up(1000 * chi2), "p_ppm": p_ppm,
            "flag": testable and p_ppm < 1000, "testable": testable,
            "values": [{"value": c, "applicants": applicants[c], "winners": winners[c],
                        "expected_milli": half_up(1000 * expected[c])} for c in values]})
        detail.append({"dimension": d, "chi2": frac(chi2), "p_double": repr(p),
                       "expected": {c: frac(expected[c]) for c in values}})
    return {"body": {"dimensions": dims}, "exact": detail}


def pools_from_allocation(inp: Json, genders: dict[str, str]) -> list[Json]:
    """The over-subscribed stage runs (lottery true) of an allocation.json input."""
    out = allocate(inp)
    record = {a["reg"]: a for a in inp["applicants"]}
    pools = []
    for s in out["schools"]:
        for st in s["stages"]:
            m = sum(len(u["members"]) for u in st["pool"])
            if m <= st["seats"]:
                continue
            pools.append({"pool": f"{s['school']}/{st['stage']}", "members": [
                {"reg": reg, "district": record[reg]["district"], "gender": genders[reg],
                 "reg_day": record[reg]["reg_day"], "admitted": u["admitted"]}
                for u in st["pool"] for reg in u["members"]]})
    return pools


def member(rng: random.Random, i: int, admitted: bool, **kw: Any) -> Json:
    m = {"reg": f"2026{i:06d}", "district": rng.choice(["D01", "D02", "D03"]),
         "gender": rng.choice("FM"), "reg_day": f"2026-06-{rng.randint(11, 20)}",
         "admitted": admitted}
    m.update(kw)
    return m


def pool(rng: random.Random, name: str, start: int, size: int, won: int, **kw: Any) -> Json:
    winners = set(rng.sample(range(size), won))
    return {"pool": name, "members": [member(rng, start + i, i in winners, **kw)
                                      for i in range(size)]}


def case(name: str, pools: list[Json], note: str) -> Json:
    return {"name": name, "note": note, "input": {"pools": pools}, "expected": audit(pools)}


# Genders of the allocation worked example, as its sealed openings would give them.
WORKED_GENDERS = {"2026000001": "M", "2026000002": "F", "2026000003": "M", "2026000004": "F",
                  "2026000005": "M", "2026000006": "M", "2026000007": "F", "2026000008": "M"}


def build() -> Json:
    alloc = {c["name"]: c for c in allocation_build()["cases"]}
    worked_inp = {**alloc["worked"]["input"], "rounds": []}
    cases = [case("worked", pools_from_allocation(worked_inp, WORKED_GENDERS),
                  "the pools of allocation.json case worked: its district and city stages")]
    under = {**alloc["under-subscribed-P4"]["input"], "rounds": []}
    cases.append(case("no-pools", pools_from_allocation(
        under, {a["reg"]: "F" for a in under["applicants"]}),
        "no stage is over-subscribed: every dimension untestable, p_ppm 1000000 (不适用)"))
    rng = random.Random(8)
    cases.append(case("df-0-one-value", [pool(rng, "S001/district", 1, 6, 2, district="D01",
                                              gender="F", reg_day="2026-06-11")],
                      "one value per dimension: df 0, not testable, never 'normal'"))
    cases.append(case("zero-winner-pools", [pool(rng, "S001/district", 100, 4, 0),
                                            pool(rng, "S002/city", 200, 3, 0)],
                      "pools that admit nobody (R = 0): every E_c = 0, df 0, not testable"))
    cases.append(case("value-with-zero-expected", [
        pool(rng, "S001/district", 300, 5, 2),
        pool(rng, "S002/district", 400, 3, 0, district="D04")],
        "D04 appears only in a pool without winners: listed with expected_milli 0, left out of "
        "chi2 and df"))
    flagged = [{"pool": "S009/city", "members": [
        {"reg": f"2026{900 + i:06d}", "district": "D01" if i % 2 else "D02",
         "gender": "F" if i < 40 else "M", "reg_day": "2026-06-11", "admitted": i < 40}
        for i in range(80)]}]
    cases.append(case("flagged-gender", flagged,
                      "every girl wins and every boy loses: p < 0.001, flag (a look, not a "
                      "re-draw, §16)"))
    cases.append(case("large-df", [{"pool": f"S0{k}/city", "members": [
        member(rng, 1000 * k + i, i % 3 == 0, reg_day=f"2026-06-{11 + i % 10}")
        for i in range(60)]} for k in range(1, 4)], "ten reg_day values over three pools"))
    for i in range(1, 4):
        pools = [pool(rng, f"S{i}{k}/district", 10_000 * i + 100 * k, n, rng.randint(1, n - 1))
                 for k, n in enumerate(rng.sample(range(3, 30), rng.randint(1, 4)))]
        cases.append(case(f"random-{i}", pools, "random pools"))
    return {
        "version": 2, "generator": GENERATOR, "spec": "PROTOCOL.md v2 §8",
        "description": (
            "Bias audit over the over-subscribed stage runs (pools). input.pools[].members carry "
            "the dimensions (gender from the sealed openings, §17.1) and whether the member was "
            "admitted in that pool. expected.body is the bias_audit entry body; expected.exact "
            "gives E_c and chi2 as exact fractions and p as the double repr. Verifiers accept "
            "|Δ p_ppm| <= 1 and nothing else."),
        "notes": [
            "p = Q(df/2, chi2/2) with chi2 rounded once to the nearest double; not testable ⇒ "
            "p_ppm 1000000 and flag false (§8).",
            "Values sort as strings (dates and ids sort correctly that way).",
        ],
        "cases": cases,
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    (out / "bias.json").write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n",
                                   encoding="utf-8")


if __name__ == "__main__":
    main()
