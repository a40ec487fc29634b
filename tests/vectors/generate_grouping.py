"""Generate tests/vectors/grouping.json (PROTOCOL.md §9).

Run by hand: `.venv/bin/python tests/vectors/generate_grouping.py`. The output
is deterministic. Expected values come from `reference_group`, a literal,
deliberately slow transcription of §9 on plain JSON records that shares no
code with lottery_service (stdlib hmac, the N-times target loop, a linear scan
per pupil), so the vectors check the service independently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("grouping.json")

Json = dict[str, Any]


class ReferenceError(Exception):
    """The reference refuses the input (GroupingError in the service)."""


def K(key: bytes, tag: str, ident: str) -> bytes:
    """K(key, tag, id) = HMAC-SHA256(key, UTF8(tag) ‖ 0x00 ‖ UTF8(id)) (§2.2)."""
    return hmac.new(key, tag.encode() + b"\x00" + ident.encode(), hashlib.sha256).digest()


def literal_targets(caps_in_order: list[int], n: int) -> list[int]:
    """§9 step 3 word for word: N times, +1 to the smallest non-full t_j, ties by π."""
    t = [0] * len(caps_in_order)
    for _ in range(n):
        free = [j for j in range(len(t)) if t[j] < caps_in_order[j]]
        j = min(free, key=lambda i: (t[i], i))
        t[j] += 1
    return t


def reference_school(plan: Json, pupils: list[Json], seed: bytes) -> Json:
    """§9 steps 1-7 for one school; returns the intermediate values too."""
    school = plan["school"]
    n = len(pupils)
    caps = {c["id"]: c["capacity"] for c in plan["classes"]}
    if n > sum(caps.values()):  # step 1, S3
        raise ReferenceError("S3")
    order = sorted(caps, key=lambda c: (K(seed, "sunshine-draw/v1/class-order",
                                          school + "/" + c), c))  # step 2
    t = literal_targets([caps[c] for c in order], n)  # step 3
    target = dict(zip(order, t, strict=True))
    key = {p["reg"]: K(seed, "sunshine-draw/v1/grouping-key", p["reg"]) for p in pupils}
    members: dict[str, list[Json]] = {c: [] for c in order}

    def room(c: str) -> int:
        return int(target[c]) - len(members[c])

    # Step 5.
    groups: dict[str, list[Json]] = {}
    for p in pupils:
        if p["siblings"] is not None and p["siblings"]["mode"] == "together":
            groups.setdefault(p["siblings"]["group"], []).append(p)
    units = [(min(key[m["reg"]] for m in ms), g, ms) for g, ms in groups.items() if len(ms) >= 2]
    units.sort(key=lambda u: (u[0], u[1]))
    unit_rows = []
    done: set[str] = set()
    for ukey, g, ms in units:
        fits = [c for c in order if room(c) >= len(ms)]
        if not fits:
            raise ReferenceError("S4")
        best = max(fits, key=lambda c: (room(c), -order.index(c)))
        members[best].extend(ms)
        done.update(m["reg"] for m in ms)
        unit_rows.append({"group": g, "key": ukey.hex(), "class": best})

    # Step 6.
    def stratum(p: Json) -> str:
        return str(p["gender"]) + "|" + ",".join(p["strata"])

    def conflicts(p: Json, c: str) -> int:
        for q in members[c]:
            if (p["siblings"] is not None and p["siblings"]["mode"] == "apart"
                    and q["siblings"] == p["siblings"]):
                return 1
            if p["same_name"] is not None and q["same_name"] == p["same_name"]:
                return 1
        return 0

    rest = sorted((p for p in pupils if p["reg"] not in done),
                  key=lambda p: (stratum(p), key[p["reg"]]))
    for p in rest:
        s = stratum(p)
        open_classes = [c for c in order if room(c) > 0]
        best = min(open_classes, key=lambda c: (
            conflicts(p, c),
            sum(1 for q in members[c] if stratum(q) == s),
            sum(1 for q in members[c] if q["gender"] == p["gender"]),
            -room(c),
            order.index(c),
        ))
        members[best].append(p)

    assignments = {q["reg"]: c for c in order for q in members[c]}
    return {
        "school": school,
        "class_order": order,
        "targets": target,
        "units": unit_rows,
        "order": [p["reg"] for p in rest],
        "assignments": dict(sorted(assignments.items())),
    }


def reference_group(plans: list[Json], pupils: list[Json], seed: bytes) -> Json:
    """All schools, with the whole-cohort checks of group_all."""
    by_school: dict[str, list[Json]] = {}
    for plan in plans:
        if plan["school"] in by_school:
            raise ReferenceError("two plans")
        by_school[plan["school"]] = []
    regs = [p["reg"] for p in pupils]
    if len(set(regs)) != len(regs):
        raise ReferenceError("reg twice")
    for p in pupils:
        if p["school"] not in by_school:
            raise ReferenceError("no plan")
        by_school[p["school"]].append(p)
    plan_of = {plan["school"]: plan for plan in plans}
    schools = [reference_school(plan_of[s], by_school[s], seed) for s in sorted(by_school)]
    keys = {r: K(seed, "sunshine-draw/v1/grouping-key", r).hex() for r in sorted(regs)}
    return {"keys": keys, "schools": schools}


# --- inputs -----------------------------------------------------------------


def pupil(reg: str, school: str, gender: str, strata: tuple[str, ...] = (),
          siblings: tuple[str, str] | None = None, same_name: str | None = None,
          name: str = "张*明") -> Json:
    return {
        "type": "pupil", "reg": reg, "name": name, "school": school, "gender": gender,
        "strata": list(strata),
        "siblings": None if siblings is None else {"group": siblings[0], "mode": siblings[1]},
        "same_name": same_name,
    }


def plan(school: str, caps: list[int]) -> Json:
    return {"type": "class-plan", "school": school,
            "classes": [{"id": f"{i + 1:02d}", "capacity": c} for i, c in enumerate(caps)]}


def worked() -> tuple[list[Json], list[Json], bytes]:
    s = "S001"
    pupils = [
        pupil("R0001", s, "F", name="王*"),
        pupil("R0002", s, "M", name="李*"),
        pupil("R0003", s, "F", ("sen",), name="赵*云"),
        pupil("R0004", s, "M", siblings=("T1", "together"), name="刘*一"),
        pupil("R0005", s, "M", siblings=("T1", "together"), name="刘*二"),
        pupil("R0006", s, "F", siblings=("A1", "apart"), name="陈*"),
        pupil("R0007", s, "F", siblings=("A1", "apart"), name="陈*华"),
        pupil("R0008", s, "M", same_name="N1", name="张*伟"),
        pupil("R0009", s, "M", same_name="N1", name="张*伟"),
        pupil("R0010", s, "F", name="周*"),
    ]
    return [plan(s, [4, 4, 3])], pupils, bytes(range(32))


def random_case(rng: random.Random, index: int) -> tuple[list[Json], list[Json], bytes]:
    plans, pupils = [], []
    reg = 100 * index
    for s in range(rng.randint(1, 3)):
        school = f"S{index:02d}{s}"
        k = rng.randint(1, 5)
        n = rng.randint(0, 40)
        base = -(-n // k) if n else 1
        caps = [base + rng.randint(0, 3) for _ in range(k)]
        plans.append(plan(school, caps))
        for _ in range(n):
            reg += 1
            sib = None
            if rng.random() < 0.25:
                g = rng.randint(0, 3)  # one mode per group (mixed modes: see report)
                sib = (f"G{school}{g}", "together" if g % 2 == 0 else "apart")
            strata = tuple(sorted(set(rng.sample(["ell", "sen"], rng.randint(0, 2)))))
            if rng.random() < 0.8:
                strata = ()
            same = f"N{school}{rng.randint(0, 1)}" if rng.random() < 0.15 else None
            pupils.append(pupil(f"R{reg:06d}", school, rng.choice("FM"), strata, sib, same))
    seed = hashlib.sha256(f"grouping-random-{index}".encode()).digest()
    rng.shuffle(pupils)
    return plans, pupils, seed


def edge_cases() -> list[tuple[str, list[Json], list[Json], bytes]]:
    seed = hashlib.sha256(b"grouping-edge").digest()
    cases = []
    # Unequal capacities where a small class fills first.
    ps = [pupil(f"E{i:04d}", "S1", "FM"[i % 2]) for i in range(7)]
    cases.append(("capacity-unequal-1-5-2", [plan("S1", [1, 5, 2])], ps, seed))
    # Exactly full plan.
    ps = [pupil(f"F{i:04d}", "S2", "M" if i % 3 == 0 else "F") for i in range(9)]
    cases.append(("capacity-exactly-full", [plan("S2", [2, 3, 4])], ps, seed))
    # A school with no pupils.
    cases.append(("capacity-empty-cohort", [plan("S3", [5, 5])], [], seed))
    # One class only; a together unit of three.
    ps = [pupil(f"H{i:04d}", "S4", "F", siblings=("T", "together") if i < 3 else None)
          for i in range(5)]
    cases.append(("capacity-single-class", [plan("S4", [5])], ps, seed))
    # A together unit exactly filling the class with the most room.
    ps = [pupil(f"J{i:04d}", "S5", "M", siblings=("T", "together") if i < 3 else None)
          for i in range(6)]
    cases.append(("together-fills-largest-room", [plan("S5", [3, 3])], ps, seed))
    # A lone `together` pupil (its sibling is elsewhere) is grouped in step 6.
    ps = [pupil("K0001", "S6", "F", siblings=("T", "together")),
          pupil("K0002", "S6", "M"), pupil("K0003", "S6", "F")]
    cases.append(("together-alone", [plan("S6", [2, 2])], ps, seed))
    return cases


def rejections() -> list[tuple[str, list[Json], list[Json], bytes]]:
    seed = hashlib.sha256(b"grouping-reject").digest()
    return [
        ("reject-S3-plan-too-small", [plan("S1", [2, 2])],
         [pupil(f"A{i:04d}", "S1", "F") for i in range(5)], seed),
        ("reject-S4-together-cannot-fit", [plan("S1", [3, 3])],
         [pupil(f"B{i:04d}", "S1", "M", siblings=("T", "together") if i < 4 else None)
          for i in range(5)], seed),
        # capacity allows 3 together, but the balanced targets are [2, 2] (S8 first)
        ("reject-S4-targets-too-small", [plan("S1", [5, 5])],
         [pupil(f"C{i:04d}", "S1", "F", siblings=("T", "together") if i < 3 else None)
          for i in range(4)], seed),
        ("reject-no-plan", [plan("S1", [3])],
         [pupil("D0001", "S1", "F"), pupil("D0002", "S9", "F")], seed),
        ("reject-reg-twice", [plan("S1", [3])],
         [pupil("D0001", "S1", "F"), pupil("D0001", "S1", "F")], seed),
        ("reject-two-plans", [plan("S1", [3]), plan("S1", [4])],
         [pupil("D0001", "S1", "F")], seed),
    ]


def make_case(name: str, plans: list[Json], pupils: list[Json], seed: bytes) -> Json:
    inp = {"seed": seed.hex(), "plans": plans, "pupils": pupils}
    try:
        expected = reference_group(plans, pupils, seed)
    except ReferenceError:
        return {"name": name, "input": inp, "error": "GroupingError"}
    return {"name": name, "input": inp, "expected": expected}


def build() -> Json:
    cases = [make_case("worked", *worked())]
    rng = random.Random(20260816)
    made = 0
    index = 0
    while made < 8:
        index += 1
        case = make_case(f"random-{index}", *random_case(rng, index))
        if "error" in case:  # a random together group that did not fit; skip it
            continue
        cases.append(case)
        made += 1
    edges = [make_case(*c) for c in edge_cases()]
    rejects = [make_case(*c) for c in rejections()]
    assert all("expected" in c for c in edges) and all("error" in c for c in rejects)
    cases += edges + rejects
    return {
        "description": "Sunshine class grouping: class order π, targets, pupil keys, "
                       "together units, step-6 order and each pupil's class, per school.",
        "spec": "PROTOCOL.md §9",
        "cases": cases,
    }


def main() -> None:
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
