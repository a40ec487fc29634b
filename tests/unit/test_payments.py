"""Payment window, forfeits, promotion and the global lock (PROTOCOL.md §7.5, §7.6)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core.allocation import Draw, allocate
from lottery_service.core.errors import AllocationError
from lottery_service.core.payments import (
    PaymentState,
    apply_payment_round,
    check_global_lock,
    initial_payment_state,
)
from lottery_service.core.records import Applicant, School

SEED = hashlib.sha256(b"test-payments").digest()


def sch(quota: int = 3, community_quota: int = 0) -> School:
    return School(id="S001", name="S", district="D01", authority="city", tuition=5000,
                  quota=quota, community_quota=community_quota)


def app(reg: str, community: bool = False, unit: str = "") -> Applicant:
    return Applicant(reg=reg, name="张*", school="S001", district="D01", gender="F",
                     reg_day="2026-06-11", community=community, unit=unit)


def draw_of(apps: list[Applicant], quota: int = 3, community_quota: int = 0,
            promotion: bool = True) -> Draw:
    return allocate([sch(quota, community_quota)], apps, SEED, promotion)


def winners(draw: Draw) -> list[str]:
    return sorted(r for r, o in draw.outcomes.items() if o.outcome == "admitted")


def pay(state: PaymentState, forfeited: set[str], locked: set[str] | None = None
        ) -> tuple[PaymentState, list[dict[str, object]]]:
    new, proms = apply_payment_round(state, state.round + 1, frozenset(forfeited),
                                     frozenset(locked or set()), state.draw.waitlist_promotion)
    return new, [p.to_json() for p in proms]


def test_P7_payers_confirmed_forfeit_promotes_front_of_waiting_order() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    state = initial_payment_state(draw)
    assert state.unconfirmed() == winners(draw)
    w = winners(draw)
    state, proms = pay(state, {w[0]})
    front = draw.schools["S001"].waiting[0]
    assert proms == [{"round": 1, "school": "S001", "promoted": [front],
                      "returned_to_bureau": 0}]
    assert sorted(state.confirmed()) == w[1:]
    assert state.unconfirmed() == [front]
    assert not state.closed
    state, proms = pay(state, set())  # round 2 settles the promoted offer
    assert proms == [] and state.closed
    assert sorted(state.confirmed()) == sorted([*w[1:], front])


def test_P7_without_promotion_forfeits_return_to_bureau() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)], promotion=False)
    assert all(o.waiting is None for o in draw.outcomes.values())
    state, proms = pay(initial_payment_state(draw), {winners(draw)[0]})
    assert proms == [{"round": 1, "school": "S001", "promoted": [], "returned_to_bureau": 1}]
    assert state.closed
    with pytest.raises(AllocationError, match="closed"):
        pay(state, set())


def test_P8_locked_elsewhere_skipped_and_never_promoted() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    first, second = draw.schools["S001"].waiting[:2]
    state, proms = pay(initial_payment_state(draw), {winners(draw)[0]}, {first})
    assert proms[0]["promoted"] == [second]
    assert first not in state.waiting_regs()
    check_global_lock(state)
    with pytest.raises(AllocationError, match="P8"):
        pay(state, set(), {winners(draw)[1]})  # holds a place here: cannot be locked elsewhere


def test_P11_forfeited_community_place_returned_not_promoted() -> None:
    apps = [app("C0001", community=True)] + [app(f"R{i:04d}") for i in range(6)]
    draw = draw_of(apps, quota=3, community_quota=1)
    state, proms = pay(initial_payment_state(draw), {"C0001"})
    assert proms == [{"round": 1, "school": "S001", "promoted": [], "returned_to_bureau": 1}]
    assert state.returned_to_bureau["S001"] == 1


def test_P13_promoted_unit_must_fit_freed_places() -> None:
    apps = [app("T0001", unit="T0001"), app("T0002", unit="T0001")]
    apps += [app(f"R{i:04d}") for i in range(4)]
    for n in range(20):  # several seeds, so the pair is sometimes at the front
        draw = allocate([sch(quota=2)], apps, hashlib.sha256(b"p13/%d" % n).digest(), True)
        waiting = draw.schools["S001"].waiting
        _, proms = pay(initial_payment_state(draw), {winners(draw)[0]})  # frees 1 place
        fits = [u for u in waiting if len(draw.members(u)) == 1]
        assert proms[0]["promoted"] == fits[:1]
        assert proms[0]["returned_to_bureau"] == (0 if fits else 1)


@pytest.mark.parametrize("forfeit, match", [
    ("R9999", "no offer"),  # not an applicant holding anything
])
def test_forfeit_requires_an_unconfirmed_offer(forfeit: str, match: str) -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    state = initial_payment_state(draw)
    with pytest.raises(AllocationError, match=match):
        pay(state, {forfeit})
    loser = draw.schools["S001"].waiting[0]
    with pytest.raises(AllocationError, match="no unconfirmed offer"):
        pay(state, {loser})
    state, _ = pay(state, set())  # everyone confirmed
    with pytest.raises(AllocationError):
        pay(state, {winners(draw)[0]})


def test_rounds_are_numbered_and_rule_matches_draw() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    state = initial_payment_state(draw)
    with pytest.raises(AllocationError, match="expected round 1"):
        apply_payment_round(state, 2, frozenset(), frozenset(), True)
    with pytest.raises(AllocationError, match="waitlist_promotion"):
        apply_payment_round(state, 1, frozenset(), frozenset(), False)
    with pytest.raises(AllocationError, match="not an applicant"):
        apply_payment_round(state, 1, frozenset(), frozenset({"R9999"}), True)


def test_global_lock_detects_violations() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    state = initial_payment_state(draw)
    check_global_lock(state)
    holder = winners(draw)[0]
    with pytest.raises(AllocationError, match="locked elsewhere"):
        check_global_lock(replace(state, locked_elsewhere=frozenset({holder})))
    with pytest.raises(AllocationError, match="two admissions"):
        check_global_lock(replace(state, promoted={holder: 1}))
    loser = draw.schools["S001"].waiting[0]
    with pytest.raises(AllocationError, match="P13"):
        check_global_lock(replace(state, status={**state.status, loser: "offered"},
                                  school_of={**state.school_of, loser: "S001"}))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.booleans())
def test_property_quota_and_lock_hold_through_rounds(k: int, promotion: bool) -> None:
    rng = random.Random(k)
    apps: list[Applicant] = []
    i = 0
    while len(apps) < 25:
        unit = f"R{i:04d}"
        for _ in range(2 if rng.random() < 0.2 else 1):
            apps.append(app(f"R{i:04d}", community=False, unit=unit))
            i += 1
    draw = draw_of(apps, quota=rng.randint(1, 10), promotion=promotion)
    state = initial_payment_state(draw)
    locked_all: set[str] = set()
    while not state.closed:
        forfeits = {r for r in state.unconfirmed() if rng.random() < 0.4}
        waiting = state.waiting_regs()
        locked = {r for r in waiting if rng.random() < 0.2}
        locked_all |= locked
        state, proms = pay(state, forfeits, locked)
        check_global_lock(state)
        held = [r for r, s in state.status.items() if s != "forfeited"]
        assert len(held) + state.returned_to_bureau["S001"] <= draw.schools["S001"].quota
        for p in proms:
            promoted = p["promoted"]
            assert isinstance(promoted, list)
            assert not locked_all & set(promoted)
    assert state.unconfirmed() == []
