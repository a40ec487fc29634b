"""Generate tests/vectors/allocation.json (PROTOCOL.md §7): run by hand, deterministic.

    .venv/bin/python tests/vectors/generate_allocation.py

Each case's input is self-contained: school and applicant records exactly as in
§3.2, the lottery seed, `waitlist_promotion` and the payment rounds (§7.5).
Expected: per school the `lottery_results` content (summary S and records R,
§11.2), the waiting order, and per round the `promotions` bodies. Where a case
needs a particular lottery order (e.g. twins meeting one free seat), the seed is
the first of SHA-256("<case>/<i>") that gives that order; the seed is stored.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lottery_service.core.allocation import allocate
from lottery_service.core.errors import ProtocolError
from lottery_service.core.lottery import lottery_number
from lottery_service.core.payments import apply_payment_round, initial_payment_state
from lottery_service.core.records import Applicant, School

OUT = Path(__file__).with_name("allocation.json")
Json = dict[str, Any]


def school(sid: str, district: str = "D01", authority: str = "city", quota: int = 5,
           community_quota: int = 0, nine_year: bool = False, tuition: int = 5000) -> Json:
    return {"type": "school", "id": sid, "name": f"民办学校{sid}", "district": district,
            "authority": authority, "tuition": tuition, "quota": quota,
            "community_quota": community_quota, "nine_year": nine_year}


def applicant(reg: str, sid: str = "S001", district: str = "D01", gender: str = "F",
              reg_day: str = "2026-06-11", direct: bool = False, community: bool = False,
              unit: str | None = None, name: str = "张*明") -> Json:
    return {"type": "applicant", "reg": reg, "name": name, "school": sid, "district": district,
            "gender": gender, "reg_day": reg_day, "direct": direct, "community": community,
            "unit": unit or reg}


def rnd(round_no: int, forfeited: list[str] | None = None,
        locked: list[str] | None = None) -> Json:
    return {"round": round_no, "forfeited": sorted(forfeited or []),
            "locked_elsewhere": sorted(locked or [])}


def run_case(inp: Json) -> Json:
    """The expected content for one case, from the implementation under the §7 API."""
    schools = [School.from_json(s) for s in inp["schools"]]
    applicants = [Applicant.from_json(a) for a in inp["applicants"]]
    draw = allocate(schools, applicants, bytes.fromhex(inp["seed"]), inp["waitlist_promotion"])
    results = [{"school": sid, "summary": r.summary_json(), "records": draw.records_json(sid),
                "waiting": list(r.waiting)} for sid, r in draw.schools.items()]
    state = initial_payment_state(draw)
    promotions = []
    for body in inp["payment_rounds"]:
        state, proms = apply_payment_round(state, body["round"], frozenset(body["forfeited"]),
                                           frozenset(body["locked_elsewhere"]),
                                           inp["waitlist_promotion"])
        promotions.append([p.to_json() for p in proms])
    return {"results": results, "promotions": promotions, "window_closed": state.closed,
            "confirmed": sorted(state.confirmed())}


def find_seed(name: str, ok: Callable[[bytes], bool]) -> bytes:
    for i in range(100_000):
        seed = hashlib.sha256(f"{name}/{i}".encode()).digest()
        if ok(seed):
            return seed
    raise RuntimeError(f"no seed for {name}")


def order(seed: bytes, regs: list[str]) -> list[str]:
    return sorted(regs, key=lambda r: (lottery_number(seed, r), r))


def case(name: str, inp: Json) -> Json:
    return {"name": name, "input": inp, "expected": run_case(inp)}


def error_case(name: str, inp: Json) -> Json:
    try:
        run_case(inp)
    except ProtocolError as exc:
        return {"name": name, "input": inp, "error": type(exc).__name__}
    raise RuntimeError(f"{name}: expected an error")


# --- worked example (§7.7) ------------------------------------------------------------
WORKED_REGS = {
    "direct": "2026000001", "community1": "2026000002", "community2": "2026000003",
    "twin1": "2026000004", "twin2": "2026000005", "single": "2026000006",
    "out1": "2026000007", "out2": "2026000008",
}


def worked() -> Json:
    r = WORKED_REGS
    # Wanted: in the district stage the single draws before the twins, so the twins
    # meet one free seat and are skipped (P13); the city stage then has one seat.
    seed = find_seed("worked", lambda s: order(s, [r["single"], r["twin1"]])[0] == r["single"])
    apps = [
        applicant(r["direct"], direct=True, gender="M", name="王*明"),
        applicant(r["community1"], community=True, name="李*华", reg_day="2026-06-12"),
        applicant(r["community2"], community=True, gender="M", name="赵*", reg_day="2026-06-12"),
        applicant(r["twin1"], unit=r["twin1"], name="陈*一", reg_day="2026-06-13"),
        applicant(r["twin2"], unit=r["twin1"], gender="M", name="陈*二", reg_day="2026-06-13"),
        applicant(r["single"], gender="M", name="周*", reg_day="2026-06-14"),
        applicant(r["out1"], district="D02", name="吴*芳", reg_day="2026-06-15"),
        applicant(r["out2"], district="D03", gender="M", name="郑*", reg_day="2026-06-20"),
    ]
    return case("worked", {
        "schools": [school("S001", quota=5, community_quota=2, nine_year=True)],
        "applicants": apps, "seed": seed.hex(), "waitlist_promotion": True,
        # round 1: the single forfeits; the twins (2) do not fit the freed seat and are
        # skipped; the city-stage loser is promoted. Round 2 settles that offer.
        "payment_rounds": [rnd(1, [r["single"]]), rnd(2)],
    })


def under_subscribed() -> Json:
    apps = [applicant("2026100001"), applicant("2026100002", unit="2026100002"),
            applicant("2026100003", unit="2026100002", gender="M"),
            applicant("2026100004", district="D02")]
    return case("under-subscribed-P4", {
        "schools": [school("S001", quota=10)], "applicants": apps,
        "seed": hashlib.sha256(b"under").hexdigest(), "waitlist_promotion": True,
        "payment_rounds": [rnd(1)]})


def direct_exceeds() -> Json:
    apps = [applicant(f"20262000{i:02d}", direct=True, gender="FM"[i % 2]) for i in range(1, 6)]
    apps += [applicant("2026200010"), applicant("2026200011", district="D02")]
    return case("direct-promotion-exceeds-places-P10", {
        "schools": [school("S001", quota=3, nine_year=True)], "applicants": apps,
        "seed": hashlib.sha256(b"direct").hexdigest(), "waitlist_promotion": True,
        "payment_rounds": []})


def district_authority() -> Json:
    apps = [applicant(f"20263000{i:02d}", sid="S002", district="D05") for i in range(1, 7)]
    return case("district-authority-no-city-stage-P9", {
        "schools": [school("S002", district="D05", authority="district", quota=3)],
        "applicants": apps, "seed": hashlib.sha256(b"district").hexdigest(),
        "waitlist_promotion": True, "payment_rounds": []})


def twins_skipped() -> Json:
    s1, s2, s3, t1, t2 = "2026400001", "2026400002", "2026400003", "2026400004", "2026400005"
    seed = find_seed("twins", lambda s: order(s, [s1, s2, s3, t1]) == [s1, s2, t1, s3])
    apps = [applicant(s1), applicant(s2), applicant(s3), applicant(t1, unit=t1),
            applicant(t2, unit=t1, gender="M")]
    return case("twins-skipped-one-seat-left-P13", {
        "schools": [school("S001", quota=3, authority="district")], "applicants": apps,
        "seed": seed.hex(), "waitlist_promotion": True, "payment_rounds": []})


def community_leftovers() -> Json:
    c = "2026500001"
    apps = [applicant(c, community=True)]
    apps += [applicant(f"20265000{i:02d}") for i in range(10, 16)]
    return case("community-leftovers-returned-P11", {
        "schools": [school("S001", quota=5, community_quota=3)], "applicants": apps,
        "seed": hashlib.sha256(b"community").hexdigest(), "waitlist_promotion": True,
        # the community child forfeits: that place also goes back, nobody is promoted
        "payment_rounds": [rnd(1, [c])]})


def no_promotion() -> Json:
    apps = [applicant(f"20266000{i:02d}") for i in range(1, 8)]
    inp = {"schools": [school("S001", quota=3)], "applicants": apps,
           "seed": hashlib.sha256(b"nopromo").hexdigest(), "waitlist_promotion": False,
           "payment_rounds": []}
    winners = [o["reg"] for o in run_case(inp)["results"][0]["records"]
               if o["outcome"] == "admitted"]
    inp["payment_rounds"] = [rnd(1, [winners[0]])]
    return case("waitlist-promotion-false-P7", inp)


def locked_skip() -> Json:
    apps = [applicant(f"20267000{i:02d}") for i in range(1, 8)]
    inp = {"schools": [school("S001", quota=3)], "applicants": apps,
           "seed": hashlib.sha256(b"locked").hexdigest(), "waitlist_promotion": True,
           "payment_rounds": []}
    res = run_case(inp)["results"][0]
    winners = [o["reg"] for o in res["records"] if o["outcome"] == "admitted"]
    first_waiting = res["waiting"][0]
    # the front of the waiting order is locked to another admission: skipped (P8)
    inp["payment_rounds"] = [rnd(1, [winners[0]], [first_waiting]), rnd(2)]
    return case("locked-elsewhere-skipped-P8", inp)


def randomised(k: int) -> Json:
    rng = random.Random(f"allocation-random-{k}")
    schools = []
    for i in range(3):
        schools.append(school(f"S{k}{i:02d}", district=f"D0{i + 1}",
                              authority=rng.choice(["city", "district"]),
                              quota=rng.randint(3, 12), community_quota=rng.randint(0, 3),
                              nine_year=rng.random() < 0.5))
    apps: list[Json] = []
    n = 0
    while len(apps) < 90:
        s = rng.choice(schools)
        district = s["district"] if s["authority"] == "district" or rng.random() < 0.7 \
            else rng.choice(["D01", "D02", "D03", "D04"])
        size = 2 if rng.random() < 0.1 else 1
        direct = s["nine_year"] and district == s["district"] and rng.random() < 0.15
        community = not direct and s["community_quota"] > 0 and \
            district == s["district"] and rng.random() < 0.15
        unit = f"R{k}{n:06d}"
        for _ in range(size):
            apps.append(applicant(f"R{k}{n:06d}", sid=s["id"], district=district,
                                  gender=rng.choice("FM"),
                                  reg_day=f"2026-06-{rng.randint(11, 20)}",
                                  direct=direct, community=community, unit=unit))
            n += 1
    seed = hashlib.sha256(f"random-{k}".encode()).hexdigest()
    inp: Json = {"schools": schools, "applicants": apps, "seed": seed,
                 "waitlist_promotion": k != 2, "payment_rounds": []}
    # Rounds: a random third of the open offers forfeit; a waiting reg may be locked.
    for r in range(1, 6):
        draw = allocate([School.from_json(s) for s in schools],
                        [Applicant.from_json(a) for a in apps], bytes.fromhex(seed),
                        inp["waitlist_promotion"])
        state = initial_payment_state(draw)
        for body in inp["payment_rounds"]:
            state, _ = apply_payment_round(state, body["round"], frozenset(body["forfeited"]),
                                           frozenset(body["locked_elsewhere"]),
                                           inp["waitlist_promotion"])
        if state.closed:
            break
        open_offers = state.unconfirmed()
        forfeits = [g for g in open_offers if rng.random() < 0.3]
        waiting = state.waiting_regs()
        locked = [rng.choice(waiting)] if waiting and rng.random() < 0.5 else []
        inp["payment_rounds"].append(rnd(r, forfeits, locked))
    return case(f"random-{k}", inp)


def rejections() -> list[Json]:
    bad_unit = [applicant("2026800001", unit="2026800001"),
                applicant("2026800002", unit="2026800001", district="D02")]
    no_offer = [applicant(f"20268100{i:02d}") for i in range(1, 6)]
    seed = hashlib.sha256(b"reject").hexdigest()
    inp = {"schools": [school("S001", quota=2)], "applicants": no_offer, "seed": seed,
           "waitlist_promotion": True, "payment_rounds": []}
    loser = next(o["reg"] for o in run_case(inp)["results"][0]["records"]
                 if o["outcome"] == "not_admitted")
    inp["payment_rounds"] = [rnd(1, [loser])]
    return [
        error_case("reject-inconsistent-sibling-unit", {
            "schools": [school("S001")], "applicants": bad_unit, "seed": seed,
            "waitlist_promotion": True, "payment_rounds": []}),
        error_case("reject-forfeit-without-offer", inp),
        error_case("reject-duplicate-reg", {
            "schools": [school("S001"), school("S002")],
            "applicants": [applicant("2026820001"), applicant("2026820001", sid="S002")],
            "seed": seed, "waitlist_promotion": True, "payment_rounds": []}),
        error_case("reject-out-of-district-at-district-school", {
            "schools": [school("S001", authority="district")],
            "applicants": [applicant("2026830001", district="D02")], "seed": seed,
            "waitlist_promotion": True, "payment_rounds": []}),
    ]


def main() -> None:
    cases = [worked(), under_subscribed(), direct_exceeds(), district_authority(),
             twins_skipped(), community_leftovers(), no_promotion(), locked_skip(),
             randomised(1), randomised(2), randomised(3), *rejections()]
    doc = {
        "description": "Private-school allocation: stages, lottery order, outcomes, waiting "
                       "order, payment rounds and promotions. expected.results[] holds per "
                       "school (ascending id) the lottery_results summary S and records R "
                       "(sorted by reg) and the waiting order (units); expected.promotions[r] "
                       "the promotions bodies of round r+1; window_closed whether the last "
                       "round promoted nobody; confirmed the regs confirmed after the last round.",
        "spec": "PROTOCOL.md §7",
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
