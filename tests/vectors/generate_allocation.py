"""Reference generator for allocation.json: PROTOCOL.md v2 §3.4, §7.2-§7.7, Appendix A.

A literal transcription of the text (stage runs, ranks, cutoffs, seats returned,
the waiting order, payment rounds with forfeits, locks and promotions, the global
lock), written without lottery_service or verifier. The expected values are the
logged bodies in log order (§11.3 rules 4 and 5), so an implementation compares
bytes, not its own summary of them.

    .venv/bin/python tests/vectors/generate_allocation.py [OUT_DIR]
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

from generate_ceremony import K, applicant, school

Json = Any
GENERATOR = "tests/vectors/generate_allocation.py"


class Refused(Exception):
    """The input breaks a rule; args = (section, rule id or None, reason)."""


def number(seed: bytes, reg: str) -> bytes:
    return K(seed, "sunshine-draw/v2/lottery-number", reg)  # §6


# --- §3.2, §3.4 feasibility --------------------------------------------------------------

def check_input(schools: list[Json], applicants: list[Json]) -> None:
    ids = [s["id"] for s in schools]
    if len(set(ids)) != len(ids):
        raise Refused("§1", None, "a school id appears twice")
    regs = [a["reg"] for a in applicants]
    if len(set(regs)) != len(regs):
        raise Refused("§1", "P2", "a registration number appears twice")
    by_id = {s["id"]: s for s in schools}
    for s in schools:
        if s["authority"] not in ("city", "district"):
            raise Refused("§3.2", "P9", f"{s['id']}: authority is city or district")
        if not 0 <= s["community_quota"] <= s["quota"] or s["tuition"] < 0:
            raise Refused("§3.2", "P11", f"{s['id']}: 0 <= community_quota <= quota")
    by_reg = {a["reg"]: a for a in applicants}
    for a in applicants:
        s = by_id.get(a["school"])
        if s is None:
            raise Refused("§3.4", "P13", f"{a['reg']}: school {a['school']} is not in the input")
        if s["authority"] == "district" and a["district"] != s["district"]:
            raise Refused("§3.4", "P2", f"{a['reg']}: another district at a district-approved "
                                        "school (§7.2)")
        head = by_reg.get(a["unit"])
        if head is None or head["unit"] != a["unit"]:
            raise Refused("§3.2", "P13", f"{a['reg']}: the unit's head {a['unit']} is not in "
                                         "the input")
        for member in ("school", "district", "direct", "community"):
            if a[member] != head[member]:
                raise Refused("§3.2", "P13", f"{a['reg']}: members of unit {a['unit']} differ "
                                             f"in {member}")


# --- §7.2-§7.4 ---------------------------------------------------------------------------

def run(pool: list[Json], seats: int) -> Json:
    """§7.3 stage run over units {unit, members, number} already in lottery order."""
    m = sum(len(u["members"]) for u in pool)
    lottery = m > seats
    free, admitted, cutoff = seats, [], None
    for u in pool:
        k = len(u["members"])
        if not lottery or k <= free:
            admitted.append(u["unit"])
            free -= k
            cutoff = u["number"] if lottery else None
        # otherwise skipped (P13); the walk continues to the end of the pool
    return {"lottery": lottery, "admitted": admitted, "cutoff": cutoff,
            "ranks": {u["unit"]: i + 1 for i, u in enumerate(pool)}, "members": m}


def allocate_school(s: Json, applicants: list[Json], seed: bytes, promotion: bool) -> Json:
    units: dict[str, list[str]] = {}
    for a in sorted(applicants, key=lambda a: a["reg"]):
        units.setdefault(a["unit"], []).append(a["reg"])
    info = {a["reg"]: a for a in applicants}
    all_units = sorted(({"unit": u, "members": ms, "number": number(seed, u).hex()}
                        for u, ms in units.items()), key=lambda u: (u["number"], u["unit"]))

    def head(u: Json) -> Json:
        return info[u["unit"]]

    admitted_in: dict[str, str] = {}  # unit -> stage
    last: dict[str, tuple[str, int]] = {}  # unit -> (stage, rank) of its last stage run
    R, returned = s["quota"], 0
    stages, detail = [], []
    plan = [("direct", lambda u: head(u)["direct"]),
            ("community", lambda u: head(u)["community"] and not head(u)["direct"]),
            ("district", lambda u: u["unit"] not in admitted_in
             and head(u)["district"] == s["district"])]
    if s["authority"] == "city":
        plan.append(("city", lambda u: u["unit"] not in admitted_in
                     and head(u)["district"] != s["district"]))
    cutoffs: dict[str, str | None] = {}
    for stage, member_of in plan:
        pool = [u for u in all_units if member_of(u)]
        seats = min(s["community_quota"], R) if stage == "community" else R
        r = run(pool, seats)
        n_admitted = sum(len(u["members"]) for u in pool if u["unit"] in r["admitted"])
        if stage == "community":
            R -= seats
            returned += seats - n_admitted
        else:
            R -= n_admitted
        for u in pool:
            last[u["unit"]] = (stage, r["ranks"][u["unit"]])
            if u["unit"] in r["admitted"]:
                admitted_in[u["unit"]] = stage
        cutoffs[stage] = r["cutoff"]
        stages.append({"stage": stage, "seats": seats, "applicants": r["members"],
                       "admitted": n_admitted, "lottery": r["lottery"], "cutoff": r["cutoff"]})
        detail.append({"stage": stage, "seats": seats, "pool": [
            {"unit": u["unit"], "members": u["members"], "number": u["number"],
             "rank": r["ranks"][u["unit"]], "admitted": u["unit"] in r["admitted"]}
            for u in pool]})
    returned += R  # seats no remaining unit could take (§7.2)
    waiting_units = [u["unit"] for stage in ("district", "city") for d in detail
                     if d["stage"] == stage for u in d["pool"] if not u["admitted"]]
    total_admitted = sum(len(units[u]) for u in admitted_in)
    assert total_admitted + returned == s["quota"]
    summary = {"school": s["id"], "name": s["name"], "quota": s["quota"],
               "applicants": len(applicants), "admitted": total_admitted,
               "returned_to_bureau": returned, "stages": stages}
    results = []
    for reg in sorted(info):
        u = info[reg]["unit"]
        stage, rank = last[u]  # an admitted unit takes part in no later stage
        results.append({"school": s["id"], "reg": reg, "unit": u,
                        "outcome": "admitted" if u in admitted_in else "not_admitted",
                        "stage": stage, "rank": rank,
                        "waiting": waiting_units.index(u) + 1
                        if promotion and u not in admitted_in else None,
                        "cutoff": cutoffs[stage]})
    return {"summary": summary, "results": results, "detail": detail,
            "waiting_order": [{"unit": u, "members": units[u], "position": i + 1}
                              for i, u in enumerate(waiting_units)],
            "admitted_stage": {reg: admitted_in[info[reg]["unit"]] for reg in info
                               if info[reg]["unit"] in admitted_in}}


def allocate(inp: Json) -> Json:
    """§7.2-§7.5 for a whole lottery input; returns the logged bodies in log order."""
    schools, applicants = inp["schools"], inp["applicants"]
    check_input(schools, applicants)
    seed, promotion = bytes.fromhex(inp["seed"]), inp["waitlist_promotion"]
    entries: list[Json] = []
    per_school = {}
    for s in sorted(schools, key=lambda s: s["id"]):
        res = allocate_school(s, [a for a in applicants if a["school"] == s["id"]], seed,
                              promotion)
        per_school[s["id"]] = res
        entries.append({"type": "lottery_summary", "body": res["summary"]})
        entries += [{"type": "lottery_result", "body": r} for r in res["results"]]
    rounds = payment_rounds(inp, per_school, entries)
    return {
        "schools": [{"school": sid, "stages": res["detail"],
                     "waiting_order": res["waiting_order"]} for sid, res in per_school.items()],
        "entries": entries, "rounds": rounds,
        "payments_closed": any(e["type"] == "payments_closed" for e in entries),
    }


# --- §7.5 payment rounds, §7.6 global lock -----------------------------------------------

def payment_rounds(inp: Json, per_school: dict[str, Json], entries: list[Json]) -> list[Json]:
    school_of = {a["reg"]: a["school"] for a in inp["applicants"]}
    unit_of = {a["reg"]: a["unit"] for a in inp["applicants"]}
    stage_of = {reg: st for res in per_school.values() for reg, st in res["admitted_stage"].items()}
    unconfirmed = set(stage_of)  # offers made by the draw
    confirmed: set[str] = set()
    forfeited: set[str] = set()
    locked: set[str] = set()
    promoted_units: set[str] = set()
    waiting_regs = {m for res in per_school.values() for w in res["waiting_order"]
                    for m in w["members"]}
    summaries: list[Json] = []
    closed = not unconfirmed
    if closed:
        entries.append({"type": "payments_closed", "body": {"rounds": 0}})
    for r, rnd in enumerate(inp["rounds"], start=1):
        if closed:
            raise Refused("§7.5", "P7", f"round {r}: the payment window is closed")
        unpaid, declined, locks = rnd["unpaid"], rnd["declined"], rnd["locks"]
        if set(unpaid) & set(declined):
            raise Refused("§7.5", "P7", f"round {r}: a reg both unpaid and declined")
        for reg in [*unpaid, *declined]:
            if reg not in unconfirmed:
                raise Refused("§7.5", "P7", f"round {r}: {reg} holds no unconfirmed offer")
        for reg in locks:
            if reg in locked:
                raise Refused("§7.5", "P8", f"round {r}: {reg} was locked in an earlier round")
            if reg not in waiting_regs or unit_of[reg] in promoted_units:
                raise Refused("§7.5", "P8", f"round {r}: {reg} is not a waiting applicant "
                                            "holding no place here")
        reason = {**{g: "unpaid" for g in unpaid}, **{g: "declined" for g in declined}}
        for reg in sorted(reason):
            entries.append({"type": "forfeit", "body": {
                "round": r, "reg": reg, "school": school_of[reg], "reason": reason[reg]}})
        for reg in sorted(locks):
            entries.append({"type": "lock", "body": {"round": r, "reg": reg}})
        entries.append({"type": "payment_round", "body": {
            "round": r, "forfeits": len(reason), "locks": len(locks)}})
        confirmed |= unconfirmed - set(reason)
        forfeited |= set(reason)
        locked |= set(locks)
        unconfirmed = set()
        any_promotion = False
        promoted_now: dict[str, list[str]] = {}
        for sid in sorted({school_of[g] for g in reason}):
            lost = [g for g in reason if school_of[g] == sid]
            freed = sum(1 for g in lost if stage_of.get(g) != "community")
            free, promoted = freed, []
            if inp["waitlist_promotion"]:
                for w in per_school[sid]["waiting_order"]:
                    if w["unit"] in promoted_units or set(w["members"]) & (locked | set(lost)):
                        continue
                    if len(w["members"]) <= free:
                        promoted.append(w)
                        free -= len(w["members"])
            for w in promoted:
                promoted_units.add(w["unit"])
                for reg in w["members"]:
                    entries.append({"type": "promotion", "body": {
                        "round": r, "school": sid, "reg": reg, "unit": w["unit"],
                        "waiting": w["position"]}})
                    unconfirmed.add(reg)
                    stage_of[reg] = "promotion"
            n = sum(len(w["members"]) for w in promoted)
            promoted_now[sid] = [m for w in promoted for m in w["members"]]
            entries.append({"type": "promotions", "body": {
                "round": r, "school": sid, "freed": freed, "promoted": n,
                "returned_to_bureau": len(lost) - n}})
            any_promotion = any_promotion or n > 0
        holders = unconfirmed | confirmed
        # §7.6: nobody holds two admissions (each reg is one applicant of one school here)
        # and nobody locked holds a place or was promoted.
        if holders & locked:
            raise Refused("§7.6", "P8", "a locked reg holds a place")
        summaries.append({"round": r, "after": {
            "unconfirmed": sorted(unconfirmed), "confirmed": sorted(confirmed),
            "forfeited": sorted(forfeited), "locked": sorted(locked),
            "promoted": promoted_now, "holders_by_school": {
                sid: sorted(g for g in holders if school_of[g] == sid)
                for sid in sorted(per_school)},
            "global_lock": {"holders_locked": [], "regs_holding_two_places": []}}})
        if not any_promotion:
            entries.append({"type": "payments_closed", "body": {"rounds": r}})
            closed = True
    return summaries


# --- the vectors -------------------------------------------------------------------------

def A(reg: str, name: str, gender: str = "F", **kw: Any) -> Json:
    return applicant(reg, name, gender, **kw)


def worked_applicants() -> list[Json]:
    return [
        A("2026000001", "王*明", "M", direct=True),
        A("2026000002", "李*华", "F", community=True, reg_day="2026-06-12"),
        A("2026000003", "赵*", "M", community=True, reg_day="2026-06-12"),
        A("2026000004", "陈*一", "F", unit="2026000004", reg_day="2026-06-13"),
        A("2026000005", "陈*二", "M", unit="2026000004", reg_day="2026-06-13"),
        A("2026000006", "周*", "M", reg_day="2026-06-14"),
        A("2026000007", "吴*芳", "F", district="D02", reg_day="2026-06-15"),
        A("2026000008", "郑*", "M", district="D03", reg_day="2026-06-20"),
    ]


WORKED_SCHOOL = school("S001", "阳光实验学校", quota=5, community_quota=2, nine_year=True)


def find_seed(label: str, wanted: Any) -> str:
    """The first seed sha256("<label> <i>") whose numbers tell the story a case needs."""
    for i in range(1000):
        seed = hashlib.sha256(f"{label} {i}".encode()).digest()
        if wanted(lambda reg, seed=seed: number(seed, reg)):
            return seed.hex()
    raise AssertionError("no seed")


def worked_seed() -> str:
    """§7.7: 2026000006 draws before the twins' unit, 2026000008 before 2026000007."""
    return find_seed("allocation worked", lambda n: n("2026000006") < n("2026000004")
                     and n("2026000008") < n("2026000007"))


def case(name: str, inp: Json, note: str) -> Json:
    return {"name": name, "note": note, "input": inp, "expected": allocate(inp)}


def refused(name: str, inp: Json, note: str) -> Json:
    try:
        allocate(inp)
    except Refused as exc:
        section, rule, reason = exc.args
        return {"name": name, "note": note, "input": inp,
                "error": {"section": section, "rule": rule, "reason": reason}}
    raise AssertionError(f"{name} was not refused")


def rounds(*rs: tuple[list[str], list[str], list[str]]) -> list[Json]:
    return [{"unpaid": u, "declined": d, "locks": lk} for u, d, lk in rs]


def inp(schools: list[Json], applicants: list[Json], seed: str, rs: list[Json],
        promotion: bool = True) -> Json:
    return {"seed": seed, "waitlist_promotion": promotion, "schools": schools,
            "applicants": applicants, "rounds": rs}


def admitted_regs(inp: Json) -> list[str]:
    return [e["body"]["reg"] for e in allocate(inp)["entries"] if e["type"] == "lottery_result"
            and e["body"]["outcome"] == "admitted"]


def claimed_negative(name: str, base: Json, mutate: Any, section: str, rule: str,
                     reason: str) -> Json:
    """A log whose bodies differ from the recomputation in one place a verifier must catch."""
    claimed = json.loads(json.dumps(base["expected"]["entries"]))
    mutate(claimed)
    assert claimed != base["expected"]["entries"]
    return {"name": name, "note": "claimed entries: the recomputation from the input differs",
            "input": {**base["input"], "claimed_entries": claimed},
            "error": {"section": section, "rule": rule, "reason": reason}}


def random_case(i: int) -> Json:
    rng = random.Random(7000 + i)
    schools, applicants, n = [], [], 0
    for s in range(rng.randint(1, 3)):
        sid = f"S{i}{s:02d}"
        authority = rng.choice(["city", "district"])
        quota = rng.randint(0, 6)
        schools.append(school(sid, f"随机学校{sid}", district=f"D0{s % 2 + 1}",
                              authority=authority, quota=quota,
                              community_quota=rng.randint(0, quota), nine_year=True))
        for _ in range(rng.randint(0, 10)):
            n += 1
            reg = f"2026{i}{n:05d}"
            district = schools[-1]["district"] if authority == "district" or rng.random() < .6 \
                else "D09"
            kind = rng.choice(["plain"] * 5 + ["direct", "community", "twins"])
            a = A(reg, "张*明", rng.choice("FM"), school=sid, district=district,
                  direct=kind == "direct", community=kind == "community")
            applicants.append(a)
            if kind == "twins":
                n += 1
                applicants.append(A(f"2026{i}{n:05d}", "张*亮", rng.choice("FM"), school=sid,
                                    district=district, unit=reg))
    seed = hashlib.sha256(f"allocation random {i}".encode()).hexdigest()
    base = inp(schools, applicants, seed, [])
    # Rounds: each unconfirmed holder forfeits with probability 1/4 until a round promotes none.
    rs: list[Json] = []
    while True:
        out = allocate({**base, "rounds": rs})
        if any(e["type"] == "payments_closed" for e in out["entries"]):
            break
        holders = out["rounds"][-1]["after"]["unconfirmed"] if rs else sorted(
            e["body"]["reg"] for e in out["entries"] if e["type"] == "lottery_result"
            and e["body"]["outcome"] == "admitted")
        lost = [g for g in holders if rng.random() < .25]
        waiting = [e["body"]["reg"] for e in out["entries"] if e["type"] == "lottery_result"
                   and e["body"]["outcome"] == "not_admitted"]
        locked_so_far = {g for r in out["rounds"] for g in r["after"]["locked"]}
        promoted_so_far = {g for r in out["rounds"] for ms in r["after"]["promoted"].values()
                           for g in ms}
        locks = [g for g in waiting if g not in locked_so_far | promoted_so_far
                 and rng.random() < .1]
        rs.append({"unpaid": [g for g in lost if rng.random() < .7],
                   "declined": [], "locks": sorted(locks)})
        rs[-1]["declined"] = [g for g in lost if g not in rs[-1]["unpaid"]]
    return case(f"random-{i}", {**base, "rounds": rs}, "random schools, units and rounds")


def build() -> Json:
    seed = worked_seed()
    worked = case("worked", inp([WORKED_SCHOOL], worked_applicants(), seed,
                                rounds((["2026000006"], [], []), ([], [], []))),
                  "§7.7 and Appendix A: direct, community, district (twins skipped, P13), city "
                  "stages; round 1 one forfeit and one promotion over the twins; round 2 closes.")
    cases = [worked]
    s5 = hashlib.sha256(b"allocation cases").hexdigest()
    d_school = school("S002", "区属学校", authority="district", quota=5)
    cases.append(case("under-subscribed-P4", inp(
        [d_school], [A(f"202610000{i}", "钱*", school="S002") for i in range(1, 4)], s5,
        rounds(([], [], []))),
        "3 applicants for 5 seats: all admitted without a lottery, 2 seats returned."))
    cases.append(case("no-applicants-and-zero-quota", inp(
        [school("S003", "无人报名", quota=4), school("S004", "零计划", quota=0)],
        [A("2026200001", "孙*", school="S004")], s5, []),
        "A school with no applicants has a summary and no results; no offer at all, so "
        "payments_closed has rounds 0 (§11.3 rule 5)."))
    direct = [A(f"202630000{i}", "冯*", direct=True, school="S005") for i in range(1, 5)]
    cases.append(case("direct-exceeds-places-P10", inp(
        [school("S005", "九年一贯", quota=2, nine_year=True)], direct, s5,
        rounds(([], [direct[0]["reg"]], []), ([], [], []))),
        "4 direct-promotion pupils for 2 seats: a lottery in stage 1; the losers take part "
        "again in stage 3 with R = 0 and get waiting positions only; a decline promotes one."))
    cases.append(case("district-authority-no-city-stage-P9", inp(
        [school("S006", "区审批", authority="district", quota=1)],
        [A("2026400001", "韩*", school="S006"), A("2026400002", "杨*", school="S006")], s5,
        rounds(([], [], []))),
        "A district-approved school has stages direct, community, district only."))
    cases.append(case("seat-left-empty-returned-P13", inp(
        [school("S007", "双胞胎", authority="district", quota=2)],
        [A("2026500001", "朱*一", school="S007", unit="2026500001"),
         A("2026500002", "朱*二", school="S007", unit="2026500001"),
         A("2026500003", "秦*", school="S007"),
         A("2026500004", "许*一", school="S007", unit="2026500004"),
         A("2026500005", "许*二", school="S007", unit="2026500004")],
        find_seed("allocation seat left", lambda n: n("2026500003") < n("2026500001")
                  and n("2026500003") < n("2026500004")), rounds(([], [], []))),
        "issue 8 item 13: the single wins first, both twin units need 2 seats with 1 left and "
        "are skipped; the empty seat is returned to the bureau (admitted + returned = quota)."))
    cases.append(case("community-leftovers-returned-P11", inp(
        [school("S008", "配套学校", quota=4, community_quota=3)],
        [A("2026600001", "何*", school="S008", community=True),
         *[A(f"202660000{i}", "吕*", school="S008") for i in range(2, 7)]], s5,
        rounds((["2026600001"], [], []))),
        "1 community child for 3 community places: 2 returned, never re-drawn; its forfeit "
        "is returned to the bureau, not freed (§7.5 step 4), so round 1 promotes nobody "
        "and closes the window."))
    nf = inp([school("S009", "不递补", authority="district", quota=1)],
             [A("2026700001", "施*", school="S009"), A("2026700002", "张*", school="S009")], s5,
             [], promotion=False)
    cases.append(case("waitlist-promotion-false-P7", {**nf, "rounds": rounds(
        (admitted_regs(nf), [], []))},
        "waiting is null; the forfeited place is returned; the round promotes nobody and closes."))
    lk = [A(f"202680000{i}", "孔*", school="S010") for i in range(1, 7)]
    lk_case = inp([school("S010", "锁定", authority="district", quota=2)], lk, s5, [])
    adm = admitted_regs(lk_case)
    wait = [w["members"][0] for w in allocate(lk_case)["schools"][0]["waiting_order"]]
    cases.append(case("locked-waiting-skipped-P8", {**lk_case, "rounds": rounds(
        ([adm[0]], [], [wait[0]]), ([], [wait[1]], [wait[2]]), ([], [], []))},
        "Waiting position 1 is locked elsewhere in round 1 and skipped, position 2 promoted; "
        "in round 2 it declines and position 3 is locked, so position 4 is promoted; the "
        "global lock holds after every round (§7.6)."))
    tw = [A("2026900001", "曹*一", school="S011", unit="2026900001"),
          A("2026900002", "曹*二", school="S011", unit="2026900001"),
          A("2026900003", "严*", school="S011"), A("2026900004", "华*", school="S011"),
          A("2026900005", "金*", school="S011")]
    tw_seed = find_seed("allocation twins", lambda n: sorted(
        ["2026900001", "2026900003", "2026900004", "2026900005"], key=n)[:2] == [
        "2026900001", "2026900003"])
    cases.append(case("twin-forfeit-frees-one-place", inp(
        [school("S011", "双胞胎放弃", authority="district", quota=3)], tw, tw_seed,
        rounds(([], ["2026900002"], []), ([], [], []))),
        "One twin declines: one place is freed and the first waiting single is promoted."))
    chain = [A(f"202699000{i}", "魏*", school="S012") for i in range(1, 6)]
    ch = inp([school("S012", "连环递补", authority="district", quota=1)], chain, s5, [])
    w1 = allocate(ch)["schools"][0]["waiting_order"][0]["members"][0]
    cases.append(case("promoted-then-declines", {**ch, "rounds": rounds(
        (admitted_regs(ch), [], []), ([], [w1], []), ([], [], []))},
        "Round 1 promotes waiting position 1, who declines in round 2; round 2 promotes "
        "position 2 (already promoted units are skipped); round 3 closes."))
    two = inp([WORKED_SCHOOL, school("S013", "第二所", district="D02", quota=1)],
              [*worked_applicants(), A("2026000009", "潘*", school="S013", district="D02"),
               A("2026000010", "葛*", school="S013", district="D01")], seed,
              rounds(([], ["2026000006"], []), ([], [], [])))
    cases.append(case("two-schools", two, "Schools in ascending id; forfeits of every school "
                                          "sorted by reg; promotions per school."))
    cases += [random_case(i) for i in range(1, 4)]

    # Refusals: inputs the service must refuse at the door, with the rule.
    wa = worked_applicants()
    base = inp([WORKED_SCHOOL], wa, seed, [])
    negatives = [
        refused("reject-lock-of-admitted", {**base, "rounds": rounds(([], [], ["2026000001"]))},
                "a lock names an applicant holding a place here (§7.5 step 2)"),
        refused("reject-lock-unknown-reg", {**base, "rounds": rounds(([], [], ["2026999999"]))},
                "a lock names no applicant of this draw"),
        refused("reject-lock-twice", {**base, "rounds": rounds(
            (["2026000006"], [], ["2026000004"]), ([], [], ["2026000004"]))},
            "locked in an earlier round"),
        refused("reject-lock-of-promoted", {**base, "rounds": rounds(
            (["2026000006"], [], []), ([], [], ["2026000007"]))},
            "2026000007 was promoted in round 1 and holds a place"),
        refused("reject-forfeit-without-offer", {**base, "rounds": rounds((["2026000004"], [],
                                                                           []))},
                "a waiting applicant holds no offer"),
        refused("reject-forfeit-of-confirmed", {**base, "rounds": rounds(
            (["2026000006"], [], []), (["2026000001"], [], []))},
            "2026000001 was confirmed in round 1"),
        refused("reject-forfeit-unpaid-and-declined", {**base, "rounds": rounds(
            (["2026000006"], ["2026000006"], []))}, "one forfeit per reg and round"),
        refused("reject-round-after-window-closed", {**base, "rounds": rounds(
            (["2026000006"], [], []), ([], [], []), ([], [], []))},
            "round 2 promoted nobody and closed the window; a round 3 is an error"),
        refused("reject-unit-mixing-districts", {**base, "applicants": [
            *wa[:4], {**wa[4], "district": "D02"}, *wa[5:]]},
            "a twin of unit 2026000004 lives in another district"),
        refused("reject-unit-mixing-community", {**base, "applicants": [
            *wa[:4], {**wa[4], "community": True}, *wa[5:]]}, "§3.2"),
        refused("reject-unit-head-missing", {**base, "applicants": [*wa[:3], *wa[4:]]},
                "2026000005 names unit 2026000004, which is not in the input"),
        refused("reject-out-of-district-at-district-school", inp(
            [d_school], [A("2026100001", "钱*", school="S002", district="D09")], s5, []),
            "P2-district should have rejected it at eligibility; the input is infeasible"),
        refused("reject-unknown-school", {**base, "applicants": [*wa, A(
            "2026000011", "任*", school="S999")]}, "P13: the school is not in the input"),
        refused("reject-duplicate-reg", {**base, "applicants": [*wa, wa[-1]]}, "§1"),
        refused("reject-community-quota-above-quota", {**base, "schools": [
            {**WORKED_SCHOOL, "community_quota": 6}]}, "§3.2"),
    ]
    lk_full = next(c for c in cases if c["name"] == "locked-waiting-skipped-P8")

    def promote_locked(entries: list[Json]) -> None:
        locked = next(e["body"]["reg"] for e in entries if e["type"] == "lock")
        p = next(e for e in entries if e["type"] == "promotion")
        p["body"]["reg"] = p["body"]["unit"] = locked
        p["body"]["waiting"] = 1

    def bump_cutoff(entries: list[Json]) -> None:
        e = next(e for e in entries if e["type"] == "lottery_summary")
        st = next(s for s in e["body"]["stages"] if s["cutoff"])
        st["cutoff"] = "ff" * 32

    def wrong_waiting(entries: list[Json]) -> None:
        next(e for e in entries if e["type"] == "lottery_result"
             and e["body"]["waiting"] == 2)["body"]["waiting"] = 1

    def returned_wrong(entries: list[Json]) -> None:
        entries[0]["body"]["returned_to_bureau"] += 1

    negatives += [
        claimed_negative("reject-claimed-promotion-of-locked", lk_full, promote_locked, "§7.6",
                         "P8", "a reg locked in round 1 is promoted"),
        claimed_negative("reject-claimed-cutoff", worked, bump_cutoff, "§7.3", "P5",
                         "the cutoff is not the number of the last admitted unit"),
        claimed_negative("reject-claimed-waiting-position", worked, wrong_waiting, "§7.4", "P7",
                         "two units with waiting position 1"),
        claimed_negative("reject-claimed-returned-seats", worked, returned_wrong, "§7.2",
                         "P13", "admitted + returned_to_bureau != quota"),
    ]
    return {
        "version": 2, "generator": GENERATOR,
        "spec": "PROTOCOL.md v2 §3.2, §3.4, §6, §7.2-§7.7, §11.3 rules 4-5, Appendix A",
        "description": (
            "Private-school allocation. input: seed, waitlist_promotion, school and applicant "
            "records (§3.2), rounds[r-1] = {unpaid, declined, locks} (every other holder of an "
            "unconfirmed offer pays). expected.entries are the logged {type, body} in log "
            "order: per school its lottery_summary and lottery_results, then per round its "
            "forfeits, locks, payment_round, per school with a forfeit its promotions and "
            "promotions summary, and payments_closed. expected.schools gives every stage "
            "run (pool in lottery order with number, rank, admitted) and the waiting order; "
            "expected.rounds the state after each round and the §7.6 global-lock check. "
            "Negative cases carry error {section, rule, reason}; claimed_entries cases are "
            "logs a verifier must refuse because they differ from the recomputation."),
        "notes": [
            "Numbers are §6 numbers from the given seed (here not from a ceremony).",
            "Seeds named find_seed(label, …) in the generator are the first "
            "sha256('<label> <i>') whose numbers tell the case's story; the worked seed has "
            "number(2026000006) < number(2026000004) and number(2026000008) < "
            "number(2026000007), the story of §7.7.",
            "promotions.returned_to_bureau = forfeits at the school in the round − applicants "
            "promoted: community-stage forfeits, plus freed places no waiting unit took. "
            "With waitlist_promotion false, freed still counts the non-community forfeits and "
            "promoted is 0 (reading of §7.5 step 4).",
            "A lock is accepted for a member of a unit in the school's waiting order that was "
            "never promoted and is not yet locked, also when waitlist_promotion is false "
            "(§7.5 step 2 reading).",
            "A promoted applicant who later forfeits does not return to the waiting order; "
            "a freed place not taken in its round is returned, not carried to the next round.",
            "rank of a not-admitted applicant is its rank in its last stage run; that of an "
            "admitted one the rank in the stage that admitted it (§7.4).",
        ],
        "cases": cases + negatives,
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    (out / "allocation.json").write_text(
        json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
