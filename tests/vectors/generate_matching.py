"""Generate tests/vectors/matching.json (PROTOCOL.md §10).

Run by hand: `.venv/bin/python tests/vectors/generate_matching.py`. The output
is deterministic; expected values come from the literal transcription below
(stdlib hmac, no lottery_service code), so the vectors check the service
independently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("matching.json")

Json = dict[str, Any]


class ReferenceError(Exception):
    """The reference refuses the input (MatchingError in the service)."""


def K(key: bytes, tag: str, ident: str) -> bytes:
    """K(key, tag, id) = HMAC-SHA256(key, UTF8(tag) ‖ 0x00 ‖ UTF8(id)) (§2.2)."""
    return hmac.new(key, tag.encode() + b"\x00" + ident.encode(), hashlib.sha256).digest()


def reference_match(plans: list[Json], teachers: list[Json], seed: bytes) -> Json:
    """§10 for every school with a plan; raises ReferenceError (S5)."""
    schools = [p["school"] for p in plans]
    ids = [t["id"] for t in teachers]
    if len(set(schools)) != len(schools) or len(set(ids)) != len(ids):
        raise ReferenceError("named twice")
    if any(t["school"] not in schools for t in teachers):
        raise ReferenceError("no plan")
    out = []
    for plan in sorted(plans, key=lambda p: p["school"]):
        s = plan["school"]
        classes = sorted(c["id"] for c in plan["classes"])
        mine = [t["id"] for t in teachers if t["school"] == s]
        if len(mine) != len(classes):
            raise ReferenceError("S5 count")
        keys = {tid: K(seed, "sunshine-draw/v1/teacher-key", s + "/" + tid) for tid in mine}
        order = sorted(mine, key=lambda tid: (keys[tid], tid))
        out.append({
            "school": s,
            "teacher_keys": {tid: keys[tid].hex() for tid in sorted(mine)},
            "pairs": [{"class": c, "teacher": tid} for c, tid in zip(classes, order, strict=True)],
        })
    return {"schools": out}


def plan(school: str, n: int) -> Json:
    return {"type": "class-plan", "school": school,
            "classes": [{"id": f"{i + 1:02d}", "capacity": 45} for i in range(n)]}


def teacher(school: str, tid: str, name: str = "李*") -> Json:
    return {"type": "teacher", "school": school, "id": tid, "name": name}


def make_case(name: str, plans: list[Json], teachers: list[Json], seed: bytes) -> Json:
    inp = {"seed": seed.hex(), "plans": plans, "teachers": teachers}
    try:
        return {"name": name, "input": inp, "expected": reference_match(plans, teachers, seed)}
    except ReferenceError:
        return {"name": name, "input": inp, "error": "MatchingError"}


def build() -> Json:
    cases = [make_case(
        "worked",
        [plan("S001", 3)],
        [teacher("S001", "T0001", "李*"), teacher("S001", "T0002", "王*芳"),
         teacher("S001", "T0003", "张*")],
        bytes(range(32)),
    )]
    rng = random.Random(20260820)
    for index in range(1, 7):
        plans, teachers = [], []
        for s in range(rng.randint(1, 4)):
            school = f"S{index:02d}{s}"
            k = rng.randint(1, 8)
            plans.append(plan(school, k))
            teachers += [teacher(school, f"T{index:02d}{s}{i:02d}") for i in range(k)]
        rng.shuffle(teachers)
        seed = hashlib.sha256(f"matching-random-{index}".encode()).digest()
        cases.append(make_case(f"random-{index}", plans, teachers, seed))
    seed = hashlib.sha256(b"matching-reject").digest()
    rejects = [
        make_case("reject-S5-too-few-teachers", [plan("S1", 3)],
                  [teacher("S1", "T1"), teacher("S1", "T2")], seed),
        make_case("reject-S5-too-many-teachers", [plan("S1", 1)],
                  [teacher("S1", "T1"), teacher("S1", "T2")], seed),
        make_case("reject-S5-teacher-twice", [plan("S1", 2)],
                  [teacher("S1", "T1"), teacher("S1", "T1")], seed),
        make_case("reject-S5-teacher-in-two-schools", [plan("S1", 1), plan("S2", 1)],
                  [teacher("S1", "T1"), teacher("S2", "T1")], seed),
        make_case("reject-S5-no-plan", [plan("S1", 1)],
                  [teacher("S1", "T1"), teacher("S2", "T2")], seed),
        make_case("reject-S5-school-without-teachers", [plan("S1", 1), plan("S2", 1)],
                  [teacher("S1", "T1")], seed),
    ]
    assert all("expected" in c for c in cases) and all("error" in c for c in rejects)
    return {
        "description": "Head-teacher matching: each teacher's key and the class-teacher "
                       "pairs per school (classes by id, teachers by key).",
        "spec": "PROTOCOL.md §10",
        "cases": cases + rejects,
    }


def main() -> None:
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
