"""Reference generator for matching.json: PROTOCOL.md v2 §10 (head-teacher matching).

    .venv/bin/python tests/vectors/generate_matching.py [OUT_DIR]

The output is deterministic; expected values come from the literal transcription
below (stdlib hmac, no lottery_service or verifier code), so the vectors check
the implementations independently. expected.entries are the logged
`matching_result` bodies in log order (schools, then classes, ascending).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import sys
from pathlib import Path
from typing import Any

Json = dict[str, Any]
GENERATOR = "tests/vectors/generate_matching.py"


class ReferenceError(Exception):
    """The reference refuses the input (MatchingError in the service)."""


def K(key: bytes, tag: str, ident: str) -> bytes:
    """K(key, tag, id) = HMAC-SHA256(key, UTF8(tag) ‖ 0x00 ‖ UTF8(id)) (§2.2)."""
    return hmac.new(key, tag.encode() + b"\x00" + ident.encode(), hashlib.sha256).digest()


def reference_match(plans: list[Json], teachers: list[Json], seed: bytes) -> Json:
    """§10 for every school with a plan; raises ReferenceError (S5, §3.4)."""
    schools = [p["school"] for p in plans]
    ids = [t["id"] for t in teachers]
    if len(set(schools)) != len(schools) or len(set(ids)) != len(ids):
        raise ReferenceError("named twice")
    if any(t["school"] not in schools for t in teachers):
        raise ReferenceError("a teacher's school has no class plan")
    out, entries = [], []
    names = {(t["school"], t["id"]): t["name"] for t in teachers}
    for plan in sorted(plans, key=lambda p: p["school"]):
        s = plan["school"]
        classes = sorted(c["id"] for c in plan["classes"])
        mine = [t["id"] for t in teachers if t["school"] == s]
        if len(mine) != len(classes):
            raise ReferenceError(f"{s}: teachers and classes differ in number")
        keys = {tid: K(seed, "sunshine-draw/v2/teacher-key", s + "/" + tid) for tid in mine}
        order = sorted(mine, key=lambda tid: (keys[tid], tid))
        pairs = list(zip(classes, order, strict=True))
        out.append({
            "school": s,
            "teacher_keys": {tid: keys[tid].hex() for tid in sorted(mine)},
            "pairs": [{"class": c, "teacher": tid} for c, tid in pairs],
        })
        entries += [{"type": "matching_result", "body": {
            "school": s, "class": c, "teacher": tid, "name": names[(s, tid)]}}
            for c, tid in pairs]
    return {"schools": out, "entries": entries}


def plan(school: str, n: int) -> Json:
    return {"type": "class-plan", "school": school, "name": f"{school}校",
            "classes": [{"id": f"{i + 1:02d}", "capacity": 45} for i in range(n)]}


def teacher(school: str, tid: str, name: str = "李*") -> Json:
    return {"type": "teacher", "school": school, "id": tid, "name": name}


def make_case(name: str, plans: list[Json], teachers: list[Json], seed: bytes) -> Json:
    inp = {"seed": seed.hex(), "plans": plans, "teachers": teachers}
    try:
        return {"name": name, "input": inp, "expected": reference_match(plans, teachers, seed)}
    except ReferenceError as exc:
        return {"name": name, "input": inp,
                "error": {"section": "§3.4, §10", "rule": "S5", "reason": str(exc)}}


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
        "version": 2, "generator": GENERATOR, "spec": "PROTOCOL.md v2 §3.4, §10, Appendix A",
        "description": "Head-teacher matching: each teacher's key K(t, "
                       "\"sunshine-draw/v2/teacher-key\", school/id), the class-teacher pairs "
                       "per school (classes by id, teachers by (key, id)) and the logged "
                       "matching_result bodies with the teacher's masked name. Refusals are "
                       "inputs the feasibility check of §3.4 refuses before the seed.",
        "cases": cases + rejects,
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    (out / "matching.json").write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")


if __name__ == "__main__":
    main()
