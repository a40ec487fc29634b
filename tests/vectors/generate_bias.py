"""Generate tests/vectors/bias.json (PROTOCOL.md §8): run by hand, deterministic.

    .venv/bin/python tests/vectors/generate_bias.py

Input: a lottery input (school and applicant records, §3.2), the seed and
`waitlist_promotion`; expected: the `bias_audit` body's `dimensions`. Other
implementations must match every member exactly except `p_ppm` (±1).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lottery_service.core.allocation import allocate
from lottery_service.core.bias import bias_audit
from lottery_service.core.records import Applicant, School

OUT = Path(__file__).with_name("bias.json")
ALLOCATION = Path(__file__).with_name("allocation.json")
Json = dict[str, Any]


def run_case(inp: Json) -> Json:
    applicants = [Applicant.from_json(a) for a in inp["applicants"]]
    draw = allocate([School.from_json(s) for s in inp["schools"]], applicants,
                    bytes.fromhex(inp["seed"]), inp["waitlist_promotion"])
    return {"dimensions": bias_audit(draw, applicants)}


def school(sid: str, district: str, quota: int, authority: str = "city") -> Json:
    return {"type": "school", "id": sid, "name": sid, "district": district,
            "authority": authority, "tuition": 5000, "quota": quota, "community_quota": 0,
            "nine_year": False}


def applicant(reg: str, sid: str, district: str, gender: str, reg_day: str) -> Json:
    return {"type": "applicant", "reg": reg, "name": "张*", "school": sid,
            "district": district, "gender": gender, "reg_day": reg_day, "direct": False,
            "community": False, "unit": reg}


def random_input(k: int) -> Json:
    rng = random.Random(f"bias-{k}")
    schools = [school(f"S{i:03d}", f"D0{i % 3 + 1}", rng.randint(5, 40)) for i in range(4)]
    apps = []
    for n in range(400):
        s = rng.choice(schools)
        district = s["district"] if rng.random() < 0.75 else f"D0{rng.randint(1, 4)}"
        apps.append(applicant(f"B{k}{n:06d}", s["id"], district, rng.choice("FM"),
                              f"2026-06-{rng.randint(11, 20)}"))
    return {"schools": schools, "applicants": apps,
            "seed": hashlib.sha256(f"bias-{k}".encode()).hexdigest(),
            "waitlist_promotion": True}


def flagged_input() -> Json:
    """20 girls and 180 boys for 10 seats; the first seed whose draw is flagged (p < 0.001)."""
    schools = [school("S001", "D01", 10)]
    apps = [applicant(f"G{n:05d}", "S001", "D01", "F" if n % 10 == 0 else "M",
                          "2026-06-11")
            for n in range(200)]
    for i in range(20_000):
        inp = {"schools": schools, "applicants": apps,
               "seed": hashlib.sha256(f"flagged/{i}".encode()).hexdigest(),
               "waitlist_promotion": True}
        if run_case(inp)["dimensions"][1]["flag"]:
            return inp
    raise RuntimeError("no flagged seed")


def main() -> None:
    worked = next(c for c in json.loads(ALLOCATION.read_text(encoding="utf-8"))["cases"]
                  if c["name"] == "worked")["input"]
    worked = {k: worked[k] for k in ("schools", "applicants", "seed", "waitlist_promotion")}
    no_pools = {"schools": [school("S001", "D01", 10)],
                "applicants": [applicant("N0001", "S001", "D01", "F", "2026-06-11")],
                "seed": hashlib.sha256(b"none").hexdigest(), "waitlist_promotion": True}
    cases = [{"name": name, "input": inp, "expected": run_case(inp)} for name, inp in [
        ("worked", worked), ("no-pools", no_pools), ("random-1", random_input(1)),
        ("random-2", random_input(2)), ("flagged-gender", flagged_input())]]
    doc = {
        "description": "Bias audit over the over-subscribed stage runs (pools): per "
                       "dimension exact expected counts and chi-square (milli, half up), "
                       "p_ppm = round(1e6 * Q(df/2, chi2/2)) in double precision (accept ±1).",
        "spec": "PROTOCOL.md §8",
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
