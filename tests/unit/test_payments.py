"""Payment rounds, forfeits, locks, promotion and the global lock (PROTOCOL.md §7.5, §7.6;
rules P7, P8, P11, P13). The vectors are in tests/unit/test_allocation.py; these are one test
per rule and a property over random rounds."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core.allocation import Draw, allocate
from lottery_service.core.entries import Forfeit, Lock, PaymentRound, Promotion, Promotions
from lottery_service.core.errors import AllocationError
from lottery_service.core.payments import (
    PaymentState,
    check_global_lock,
    initial_payment_state,
    payment_round,
)
from lottery_service.core.records import Applicant, School

SEED = hashlib.sha256(b"test-payments").digest()


def sch(quota: int = 3, community_quota: int = 0) -> School:
    return School(id="S001", name="S", district="D01", authority="city", tuition=5000,
                  quota=quota, community_quota=community_quota)


def app(reg: str, community: bool = False, unit: str = "") -> Applicant:
    return Applicant(reg=reg, name="张*", school="S001", district="D01",
                     reg_day="2026-06-11", attrs="ab" * 32, community=community, unit=unit)


def draw_of(apps: list[Applicant], quota: int = 3, community_quota: int = 0,
            promotion: bool = True) -> Draw:
    return allocate([sch(quota, community_quota)], apps, SEED, promotion)


def winners(draw: Draw) -> list[str]:
    return sorted(r for r, o in draw.outcomes.items() if o.outcome == "admitted")


def pay(state: PaymentState, unpaid: set[str], locks: set[str] | None = None,
        declined: set[str] | None = None) -> tuple[PaymentState, list[Any]]:
    return payment_round(state, state.round + 1, frozenset(unpaid), frozenset(declined or ()),
                         frozenset(locks or ()))


def promoted(bodies: list[Any]) -> list[str]:
    return [b.reg for b in bodies if isinstance(b, Promotion)]


def test_P7_payers_confirmed_forfeit_promotes_front_of_waiting_order() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    state = initial_payment_state(draw)
    assert state.unconfirmed() == winners(draw)
    w = winners(draw)
    state, bodies = pay(state, {w[0]})
    front = draw.schools["S001"].waiting[0]
    assert bodies == [Forfeit(1, w[0], "S001", "unpaid"),  # type: ignore[arg-type]
                      PaymentRound(1, 1, 0), Promotion(1, "S001", front, front, 1),
                      Promotions(1, "S001", 1, 1, 0)]
    assert sorted(state.confirmed()) == w[1:]
    assert state.unconfirmed() == [front]
    assert not state.closed
    state, bodies = pay(state, set())  # round 2 settles the promoted offer
    assert bodies == [PaymentRound(2, 0, 0)] and state.closed
    assert sorted(state.confirmed()) == sorted([*w[1:], front])


def test_P7_declined_place_is_a_forfeit() -> None:
    """A family that gives its place up forfeits with reason `declined` (§7.5, §14)."""
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    w = winners(draw)
    state, bodies = pay(initial_payment_state(draw), set(), declined={w[1]})
    assert bodies[0] == Forfeit(1, w[1], "S001", "declined")  # type: ignore[arg-type]
    assert state.status[w[1]] == "forfeited"
    with pytest.raises(AllocationError, match="both unpaid and declined"):
        pay(initial_payment_state(draw), {w[0]}, declined={w[0]})


def test_P7_without_promotion_forfeits_return_to_bureau() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)], promotion=False)
    assert all(o.waiting is None for o in draw.outcomes.values())
    state, bodies = pay(initial_payment_state(draw), {winners(draw)[0]})
    assert bodies[-1] == Promotions(1, "S001", 1, 0, 1)
    assert state.closed
    with pytest.raises(AllocationError, match="closed"):
        pay(state, set())


def test_P8_locked_waiting_applicant_skipped_and_never_promoted() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    first, second = draw.schools["S001"].waiting[:2]
    state, bodies = pay(initial_payment_state(draw), {winners(draw)[0]}, {first})
    assert Lock(1, first) in bodies
    assert promoted(bodies) == [second]
    assert first not in state.waiting_regs()
    check_global_lock(state)
    with pytest.raises(AllocationError, match="not a waiting applicant"):
        pay(state, set(), {winners(draw)[1]})  # holds a place here
    with pytest.raises(AllocationError, match="earlier round"):
        pay(state, set(), {first})


def test_P11_forfeited_community_place_returned_not_promoted() -> None:
    apps = [app("C0001", community=True)] + [app(f"R{i:04d}") for i in range(6)]
    draw = draw_of(apps, quota=3, community_quota=1)
    state, bodies = pay(initial_payment_state(draw), {"C0001"})
    assert bodies[-1] == Promotions(1, "S001", 0, 0, 1)
    assert state.returned_to_bureau["S001"] == 1


def test_P13_promoted_unit_must_fit_freed_places() -> None:
    apps = [app("T0001", unit="T0001"), app("T0002", unit="T0001")]
    apps += [app(f"R{i:04d}") for i in range(4)]
    for n in range(20):  # several seeds, so the pair is sometimes at the front
        draw = allocate([sch(quota=2)], apps, hashlib.sha256(b"p13/%d" % n).digest(), True)
        waiting = draw.schools["S001"].waiting
        _, bodies = pay(initial_payment_state(draw), {winners(draw)[0]})  # frees 1 place
        fits = [u for u in waiting if len(draw.members(u)) == 1]
        assert promoted(bodies) == fits[:1]
        assert bodies[-1].returned_to_bureau == (0 if fits else 1)


def test_forfeit_requires_an_unconfirmed_offer() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    state = initial_payment_state(draw)
    for reg in ("R9999", draw.schools["S001"].waiting[0]):
        with pytest.raises(AllocationError, match="no unconfirmed offer"):
            pay(state, {reg})
    state, _ = pay(state, set())  # everyone confirmed; the window is closed
    with pytest.raises(AllocationError):
        pay(state, {winners(draw)[0]})


def test_rounds_are_numbered() -> None:
    state = initial_payment_state(draw_of([app(f"R{i:04d}") for i in range(7)]))
    with pytest.raises(AllocationError, match="expected round 1"):
        payment_round(state, 2, frozenset(), frozenset(), frozenset())
    with pytest.raises(AllocationError, match="not a waiting applicant"):
        payment_round(state, 1, frozenset(), frozenset(), frozenset({"R9999"}))


def test_global_lock_detects_violations() -> None:
    draw = draw_of([app(f"R{i:04d}") for i in range(7)])
    state = initial_payment_state(draw)
    check_global_lock(state)
    holder = winners(draw)[0]
    with pytest.raises(AllocationError, match="locked"):
        check_global_lock(replace(state, locked={holder: 1}))
    with pytest.raises(AllocationError, match="two admissions"):
        check_global_lock(replace(state, promoted={holder: 1}))
    loser = draw.schools["S001"].waiting[0]
    with pytest.raises(AllocationError, match="exceed"):
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
            apps.append(app(f"R{i:04d}", unit=unit))
            i += 1
    draw = draw_of(apps, quota=rng.randint(1, 10), promotion=promotion)
    state = initial_payment_state(draw)
    locked_all: set[str] = set()
    while not state.closed:
        offers = state.unconfirmed()
        unpaid = {r for r in offers if rng.random() < 0.3}
        declined = {r for r in offers if r not in unpaid and rng.random() < 0.1}
        locks = {r for r in state.waiting_regs() if rng.random() < 0.2}
        locked_all |= locks
        state, bodies = pay(state, unpaid, locks, declined)
        check_global_lock(state)
        held = [r for r, s in state.status.items() if s != "forfeited"]
        assert len(held) + state.returned_to_bureau["S001"] <= draw.schools["S001"].quota
        assert not locked_all & set(promoted(bodies))
        summaries = [b for b in bodies if isinstance(b, Promotions)]
        assert sum(s.promoted for s in summaries) == len(promoted(bodies))
    assert state.unconfirmed() == []
    # every seat is held or returned once the window closes (§7.2, §7.5)
    assert len([r for r, s in state.status.items() if s == "confirmed"]) + \
        state.returned_to_bureau["S001"] == draw.schools["S001"].quota
