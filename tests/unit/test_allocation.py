"""Private-school allocation (PROTOCOL.md §7.2–§7.4; rules P4, P5, P9–P11, P13)."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core.allocation import Draw, allocate
from lottery_service.core.entries import PaymentsClosed
from lottery_service.core.errors import AllocationError, ProtocolError
from lottery_service.core.payments import PaymentState, initial_payment_state, payment_round
from lottery_service.core.records import Applicant, School
from tests.paths import VECTORS as VECTOR_DIR

VECTORS = VECTOR_DIR / "allocation.json"
SEED = hashlib.sha256(b"test-allocation").digest()


def sch(sid: str = "S001", quota: int = 5, community_quota: int = 0,
        authority: str = "city", district: str = "D01") -> School:
    return School(id=sid, name=sid, district=district, authority=authority,  # type: ignore[arg-type]
                  tuition=5000, quota=quota, community_quota=community_quota)


def app(reg: str, school: str = "S001", district: str = "D01", direct: bool = False,
        community: bool = False, unit: str = "", reg_day: str = "2026-06-11") -> Applicant:
    return Applicant(reg=reg, name="张*", school=school, district=district, reg_day=reg_day,
                     attrs=hashlib.sha256(reg.encode()).hexdigest(), direct=direct,
                     community=community, unit=unit)


def plain_number(seed: bytes, reg: str) -> bytes:
    """§6 with the standard library's HMAC, independent of lottery_service.core.hashing."""
    return hmac.new(seed, b"sunshine-draw/v2/lottery-number\x00" + reg.encode(),
                    hashlib.sha256).digest()


def by_lottery(seed: bytes, regs: list[str]) -> list[str]:
    return sorted(regs, key=lambda r: (plain_number(seed, r), r))


# --- conformance vectors ---------------------------------------------------------------

def run_vector(inp: dict[str, Any]) -> tuple[Draw, list[dict[str, Any]], list[PaymentState]]:
    """The draw and every logged body of the lottery results and the payment rounds, in log
    order (§7.4, §7.5): `payments_closed` after the first round without a promotion, or at
    once when no offer was made."""
    draw = allocate([School.from_json(s) for s in inp["schools"]],
                    [Applicant.from_json(a) for a in inp["applicants"]],
                    bytes.fromhex(inp["seed"]), inp["waitlist_promotion"])
    bodies: list[Any] = list(draw.entries())
    state = initial_payment_state(draw)
    states = []
    for number, r in enumerate(inp["rounds"], start=1):
        state, logged = payment_round(state, number, frozenset(r["unpaid"]),
                                      frozenset(r["declined"]), frozenset(r["locks"]))
        bodies += logged
        states.append(state)
        if state.closed:
            bodies.append(PaymentsClosed(number))
    if not state.status and not inp["rounds"]:
        bodies.append(PaymentsClosed(0))
    return draw, [{"type": b.TYPE.value, "body": b.to_json()} for b in bodies], states


CASES = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
VALID = [c for c in CASES if "expected" in c]
REFUSED = [c for c in CASES if "error" in c and "claimed_entries" not in c["input"]]
CLAIMED = [c for c in CASES if "claimed_entries" in c["input"]]


@pytest.mark.parametrize("case", VALID, ids=[c["name"] for c in VALID])
def test_vectors(case: dict[str, Any]) -> None:
    draw, entries, states = run_vector(case["input"])
    exp = case["expected"]
    assert entries == exp["entries"]
    for school in exp["schools"]:
        result = draw.schools[school["school"]]
        assert [{"stage": run.stage, "seats": run.seats, "pool": [
            {"unit": u, "members": list(draw.members(u)),
             "number": plain_number(bytes.fromhex(case["input"]["seed"]), u).hex(),
             "rank": i, "admitted": u in run.winners} for i, u in enumerate(run.pool, 1)]}
            for run in result.stages] == school["stages"]
        assert [{"unit": u, "members": list(draw.members(u)), "position": i}
                for i, u in enumerate(result.waiting, 1)] == school["waiting_order"]
    for state, want in zip(states, exp["rounds"], strict=True):
        after = want["after"]
        assert state.unconfirmed() == after["unconfirmed"]
        assert sorted(state.confirmed()) == after["confirmed"]
        assert sorted(r for r, s in state.status.items() if s == "forfeited") == \
            after["forfeited"]
        assert sorted(state.locked) == after["locked"]
        holders: dict[str, list[str]] = {s: [] for s in draw.schools}
        for reg, school_id in state.holders().items():
            holders.setdefault(school_id, []).append(reg)
        assert {k: sorted(v) for k, v in holders.items()} == after["holders_by_school"]
        assert after["global_lock"] == {"holders_locked": [], "regs_holding_two_places": []}
    assert exp["payments_closed"] == (entries[-1]["type"] == "payments_closed")


@pytest.mark.parametrize("case", REFUSED, ids=[c["name"] for c in REFUSED])
def test_refusals(case: dict[str, Any]) -> None:
    """Each refusal names the vector's section and rule (and says what the vector says)."""
    with pytest.raises(ProtocolError) as caught:
        run_vector(case["input"])
    error = caught.value
    assert (error.section, error.rule) == (case["error"]["section"].removeprefix("§"),
                                           case["error"]["rule"])
    assert error.message.startswith(case["error"]["reason"].split(" (§")[0].split(":")[0])


@pytest.mark.parametrize("case", CLAIMED, ids=[c["name"] for c in CLAIMED])
def test_claimed_logs_differ_from_the_recomputation(case: dict[str, Any]) -> None:
    """A verifier refuses these logs because the service never writes them (§7.3–§7.6)."""
    _, entries, _ = run_vector(case["input"])
    assert entries != case["input"]["claimed_entries"]


def test_vector_numbers_match_plain_hmac() -> None:
    for case in VALID:
        seed = bytes.fromhex(case["input"]["seed"])
        for e in case["expected"]["entries"]:
            if e["type"] == "lottery_summary":
                for st_ in e["body"]["stages"]:
                    if st_["cutoff"] is not None:
                        units = {a["unit"] for a in case["input"]["applicants"]
                                 if a["school"] == e["body"]["school"]}
                        assert st_["cutoff"] in {plain_number(seed, u).hex() for u in units}


def test_worked_case_hand_derived() -> None:
    """§7.7 re-derived by hand from the plain-HMAC lottery order, not from allocate()."""
    case = next(c for c in CASES if c["name"] == "worked")
    seed = bytes.fromhex(case["input"]["seed"])
    direct, c1, c2, t1, t2, single, out1, out2 = (
        "2026000001", "2026000002", "2026000003", "2026000004", "2026000005", "2026000006",
        "2026000007", "2026000008")
    assert by_lottery(seed, [single, t1]) == [single, t1]
    city_win, city_lose = by_lottery(seed, [out1, out2])
    n = {r: plain_number(seed, r).hex() for r in (single, city_win)}
    entries = case["expected"]["entries"]
    # quota 5: direct 1 (P4) -> 4 left; community min(2,4)=2, both admitted (P4) -> 2 left;
    # district pool {single, twins} = 3 members > 2 seats: single admitted, twins need 2 of
    # the 1 left and are skipped (P13) -> 1 left; city pool {out1, out2}: 2 > 1, one wins.
    assert entries[0]["body"] == {
        "school": "S001", "name": "阳光实验学校", "quota": 5, "applicants": 8, "admitted": 5,
        "returned_to_bureau": 0, "stages": [
            {"stage": "direct", "seats": 5, "applicants": 1, "admitted": 1, "lottery": False,
             "cutoff": None},
            {"stage": "community", "seats": 2, "applicants": 2, "admitted": 2,
             "lottery": False, "cutoff": None},
            {"stage": "district", "seats": 2, "applicants": 3, "admitted": 1, "lottery": True,
             "cutoff": n[single]},
            {"stage": "city", "seats": 1, "applicants": 2, "admitted": 1, "lottery": True,
             "cutoff": n[city_win]}]}
    outcome = {e["body"]["reg"]: (e["body"]["outcome"], e["body"]["stage"], e["body"]["rank"],
                                  e["body"]["waiting"], e["body"]["unit"])
               for e in entries if e["type"] == "lottery_result"}
    c_first, c_second = by_lottery(seed, [c1, c2])
    assert outcome == {
        direct: ("admitted", "direct", 1, None, direct),
        c_first: ("admitted", "community", 1, None, c_first),
        c_second: ("admitted", "community", 2, None, c_second),
        single: ("admitted", "district", 1, None, single),
        t1: ("not_admitted", "district", 2, 1, t1),
        t2: ("not_admitted", "district", 2, 1, t1),
        city_win: ("admitted", "city", 1, None, city_win),
        city_lose: ("not_admitted", "city", 2, 2, city_lose),
    }
    # Round 1: the single forfeits 1 place; the twins (2) do not fit; the city loser does.
    round1 = [e for e in entries if e["type"] in ("forfeit", "promotion", "promotions")]
    assert round1 == [
        {"type": "forfeit", "body": {"round": 1, "reg": single, "school": "S001",
                                     "reason": "unpaid"}},
        {"type": "promotion", "body": {"round": 1, "school": "S001", "reg": city_lose,
                                       "unit": city_lose, "waiting": 2}},
        {"type": "promotions", "body": {"round": 1, "school": "S001", "freed": 1,
                                        "promoted": 1, "returned_to_bureau": 0}}]
    assert entries[-1] == {"type": "payments_closed", "body": {"rounds": 2}}


# --- one test per rule -------------------------------------------------------------------

def stage(draw: Draw, name: str, school: str = "S001") -> Any:
    return next(s for s in draw.schools[school].stages if s.stage == name)


def test_P4_undersubscribed_all_admitted_without_lottery() -> None:
    draw = allocate([sch(quota=5)], [app(f"R00{i}") for i in range(1, 5)], SEED, True)
    run = stage(draw, "district")
    assert (run.applicants, run.admitted, run.lottery, run.cutoff) == (4, 4, False, None)
    assert all(o.outcome == "admitted" for o in draw.outcomes.values())
    # ranks are still the lottery order (§7.3)
    order = by_lottery(SEED, [f"R00{i}" for i in range(1, 5)])
    assert [draw.outcomes[r].rank for r in order] == [1, 2, 3, 4]


def test_P5_oversubscribed_lowest_numbers_win() -> None:
    regs = [f"R{i:04d}" for i in range(12)]
    draw = allocate([sch(quota=4)], [app(r) for r in regs], SEED, True)
    order = by_lottery(SEED, regs)
    admitted = sorted(r for r, o in draw.outcomes.items() if o.outcome == "admitted")
    assert admitted == sorted(order[:4])
    run = stage(draw, "district")
    assert run.lottery and run.cutoff == plain_number(SEED, order[3])
    assert list(draw.schools["S001"].waiting) == order[4:]
    assert [draw.outcomes[r].waiting for r in order[4:]] == list(range(1, 9))


def test_P9_own_district_before_city_stage() -> None:
    local = [f"L{i:04d}" for i in range(3)]
    other = [f"X{i:04d}" for i in range(3)]
    apps = [app(r) for r in local] + [app(r, district="D02") for r in other]
    draw = allocate([sch(quota=4)], apps, SEED, True)
    assert all(draw.outcomes[r].outcome == "admitted" for r in local)
    city = stage(draw, "city")
    assert (city.seats, city.applicants, city.admitted, city.lottery) == (1, 3, 1, True)
    # waiting order: district losers first (none here), then city losers in lottery order
    assert list(draw.schools["S001"].waiting) == by_lottery(SEED, other)[1:]


def test_P9_district_authority_school_has_no_city_stage() -> None:
    draw = allocate([sch(quota=1, authority="district")], [app("R0001"), app("R0002")],
                    SEED, True)
    assert [s.stage for s in draw.schools["S001"].stages] == ["direct", "community", "district"]
    with pytest.raises(AllocationError, match="another district"):
        allocate([sch(authority="district")], [app("R0003", district="D02")], SEED, True)


def test_P10_direct_promotion_first_and_lottery_among_them() -> None:
    direct = [f"D{i:04d}" for i in range(5)]
    apps = [app(r, direct=True) for r in direct] + [app("R0001")]
    draw = allocate([sch(quota=3)], apps, SEED, True)
    run = stage(draw, "direct")
    assert (run.seats, run.applicants, run.admitted, run.lottery) == (3, 5, 3, True)
    order = by_lottery(SEED, direct)
    assert sorted(r for r in direct if draw.outcomes[r].outcome == "admitted") == \
        sorted(order[:3])
    # losers join the district stage with no seats left: a waiting position only (§7.2)
    district = stage(draw, "district")
    assert (district.seats, district.admitted) == (0, 0)
    assert draw.schools["S001"].waiting == tuple(by_lottery(SEED, [*order[3:], "R0001"]))
    assert draw.outcomes["R0001"].outcome == "not_admitted"


def test_P11_community_leftovers_returned_not_redrawn() -> None:
    apps = [app("C0001", community=True)] + [app(f"R{i:04d}") for i in range(8)]
    draw = allocate([sch(quota=5, community_quota=3)], apps, SEED, True)
    result = draw.schools["S001"]
    assert result.returned_to_bureau == 2
    assert result.admitted + result.returned_to_bureau == result.quota
    assert stage(draw, "community").admitted == 1
    assert stage(draw, "district").seats == 2  # 5 − 3 community places, leftovers not re-drawn
    assert sum(o.outcome == "admitted" for o in draw.outcomes.values()) == 3


def test_P11_community_loser_competes_in_district_stage() -> None:
    apps = [app(f"C{i:04d}", community=True) for i in range(4)] + [app("R0001")]
    draw = allocate([sch(quota=3, community_quota=1)], apps, SEED, True)
    assert stage(draw, "community").admitted == 1
    losers = [f"C{i:04d}" for i in range(4) if draw.outcomes[f"C{i:04d}"].stage != "community"]
    assert len(losers) == 3
    assert all(draw.outcomes[r].stage == "district" for r in losers)
    assert stage(draw, "district").applicants == 4  # 3 community losers + R0001


def test_P13_seat_left_empty_is_returned_to_the_bureau() -> None:
    """Issue 8 item 13: a seat no remaining unit can take is returned and reported."""
    apps = [app("R0001"), app("T0001", unit="T0001"), app("T0002", unit="T0001")]
    for seed in (hashlib.sha256(f"P13/{i}".encode()).digest() for i in range(40)):
        draw = allocate([sch(quota=2)], apps, seed, True)
        if by_lottery(seed, ["R0001", "T0001"])[0] == "R0001":
            break
    result = draw.schools["S001"]
    assert draw.outcomes["R0001"].outcome == "admitted"
    assert draw.outcomes["T0001"].outcome == draw.outcomes["T0002"].outcome == "not_admitted"
    assert (result.admitted, result.returned_to_bureau) == (1, 1)
    assert result.summary().returned_to_bureau == 1


def test_joint_unit_draws_one_ticket() -> None:
    apps = [app("T0001", unit="T0001"), app("T0002", unit="T0001"), app("R0001")]
    draw = allocate([sch(quota=1)], apps, SEED, True)
    assert draw.outcomes["T0001"].rank == draw.outcomes["T0002"].rank
    assert draw.outcomes["T0001"].outcome == draw.outcomes["T0002"].outcome
    assert stage(draw, "district").applicants == 3


@pytest.mark.parametrize("apps, match", [
    ([app("T0001", unit="T0001"), app("T0002", unit="T0001", district="D02")], "differ in"),
    ([app("T0002", unit="T0001")], "head"),
    ([app("R0001"), app("R0001")], "twice"),
    ([app("R0001", school="S404")], "not in the input"),
])
def test_rejects_inconsistent_input(apps: list[Applicant], match: str) -> None:
    with pytest.raises(AllocationError, match=match):
        allocate([sch()], apps, SEED, True)


# --- properties ---------------------------------------------------------------------------

def random_city(rng: random.Random, n_schools: int = 3, n_apps: int = 40
                ) -> tuple[list[School], list[Applicant]]:
    schools = [sch(f"S{i:03d}", quota=rng.randint(0, 10), community_quota=0,
                   authority=rng.choice(["city", "district"]), district=f"D{i % 2}")
               for i in range(n_schools)]
    schools = [School(s.id, s.name, s.district, s.authority, s.tuition, s.quota,
                      rng.randint(0, s.quota), False) for s in schools]
    apps: list[Applicant] = []
    i = 0
    while len(apps) < n_apps:
        s = rng.choice(schools)
        district = s.district if s.authority == "district" else rng.choice(["D0", "D1", "D2"])
        direct = rng.random() < 0.1
        community = not direct and rng.random() < 0.15
        unit = f"R{i:05d}"
        for _ in range(2 if rng.random() < 0.15 else 1):
            apps.append(app(f"R{i:05d}", s.id, district, direct, community, unit))
            i += 1
    return schools, apps


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.binary(min_size=32, max_size=32))
def test_property_deterministic_and_order_independent(k: int, seed: bytes) -> None:
    rng = random.Random(k)
    schools, apps = random_city(rng)
    draw = allocate(schools, apps, seed, True)
    shuffled_apps, shuffled_schools = apps[:], schools[:]
    rng.shuffle(shuffled_apps)
    rng.shuffle(shuffled_schools)
    again = allocate(shuffled_schools, shuffled_apps, seed, True)
    assert again == draw
    assert again.outcomes == draw.outcomes
    assert draw.entries() == again.entries()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.binary(min_size=32, max_size=32), st.booleans())
def test_property_quota_outcomes_and_community(k: int, seed: bytes, promotion: bool) -> None:
    schools, apps = random_city(random.Random(k))
    draw = allocate(schools, apps, seed, promotion)
    assert set(draw.outcomes) == {a.reg for a in apps}  # exactly one outcome each
    for school in schools:
        result = draw.schools[school.id]
        admitted = [o for o in draw.outcomes.values()
                    if o.school == school.id and o.outcome == "admitted"]
        # P13: never over the plan; every seat is admitted or returned (§7.2)
        assert len(admitted) + result.returned_to_bureau == school.quota
        assert sum(s.admitted for s in result.stages) == len(admitted)
        for s in result.stages:
            assert s.admitted <= s.seats
        community = next(s for s in result.stages if s.stage == "community")
        # P11: the district stage gets exactly quota − direct − community seats; nothing
        # left over from the community plan is re-drawn.
        direct = result.stages[0]
        assert result.stages[2].seats == school.quota - direct.admitted - community.seats
        stage_left = school.quota - sum(r.admitted for r in result.stages) - (
            community.seats - community.admitted)
        assert result.returned_to_bureau == community.seats - community.admitted + stage_left
        waiting = set(result.waiting)
        for o in draw.outcomes.values():
            if o.school != school.id:
                continue
            assert o.rank >= 1 and o.stage in {s.stage for s in result.stages}
            if o.outcome == "admitted":
                assert o.waiting is None and o.unit not in waiting
            else:
                assert o.unit in waiting
                assert (o.waiting is not None) == promotion


# --- the lottery is unbiased -----------------------------------------------------------

SEEDS = [hashlib.sha256(f"unbiased/{i}".encode()).digest() for i in range(300)]
CHI2_DF19_P001 = 43.82  # chi-square critical value, 19 degrees of freedom, p = 0.001


def test_lottery_uniform_over_applicants_and_registration_day() -> None:
    """300 fixed seeds, 20 applicants, 5 seats: each wins ≈ 75 times (chi-square, df 19).

    The first 10 registered on day one, the last 10 on the last day and are listed
    last in the roster; their total wins must be ≈ 750 (within 4 standard deviations
    of the hypergeometric: sd ≈ sqrt(300 · 5·½·½·15/19) ≈ 17.2).
    """
    regs = [f"2026{i:06d}" for i in range(20)]
    apps = [app(r, reg_day="2026-06-11" if i < 10 else "2026-06-20")
            for i, r in enumerate(regs)]
    wins = dict.fromkeys(regs, 0)
    for seed in SEEDS:
        draw = allocate([sch(quota=5)], apps, seed, True)
        for r, o in draw.outcomes.items():
            wins[r] += o.outcome == "admitted"
    expected = 300 * 5 / 20
    chi2 = sum((w - expected) ** 2 / expected for w in wins.values())
    assert chi2 < CHI2_DF19_P001
    early = sum(wins[r] for r in regs[:10])
    assert abs(early - 750) < 4 * 17.2
