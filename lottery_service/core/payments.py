"""Payment rounds, forfeits, locks and promotion from the waiting order (PROTOCOL.md §7.5, §7.6).

Rules: P7 (a place is confirmed only by paying; unpaid or declined = forfeited;
filling from the waiting order is a per-event setting), P8 (a waiting applicant
locked to another admission is never promoted; nobody holds two places), P11
(forfeited community places go back to the bureau), P13 (a promoted unit must
fit the freed places; a freed place nobody takes is returned, never carried).

The state is immutable: `payment_round` returns the next state and the round's
entry bodies (one per family fact, §11.1), so the service logs them and any
reader replays the logged forfeits and locks from the draw to the same state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Literal

from .allocation import Draw
from .entries import (
    Forfeit,
    ForfeitReason,
    Lock,
    PaymentRound,
    Promotion,
    Promotions,
    Stage,
)
from .errors import AllocationError

__all__ = ["OfferStatus", "PaymentState", "RoundBody", "check_global_lock",
           "initial_payment_state", "payment_round"]

OfferStatus = Literal["offered", "confirmed", "forfeited"]
RoundBody = Forfeit | Lock | PaymentRound | Promotion | Promotions


def _error(message: str, rule: str = "P7") -> AllocationError:
    return AllocationError(message, section="7.5", rule=rule)


@dataclass(frozen=True)
class PaymentState:
    """Who holds which place after `round` payment rounds (0 = just after the draw)."""

    draw: Draw = field(repr=False)
    round: int
    status: dict[str, OfferStatus]  # every reg that ever held an offer
    school_of: dict[str, str]  # reg -> school, for those regs
    admitted_in: dict[str, Stage | None]  # draw stage of admission; None when promoted
    promoted: dict[str, int]  # reg -> round in which it was promoted
    locked: dict[str, int]  # reg -> round of its `lock` entry (P8)
    returned_to_bureau: dict[str, int]  # per school: the draw's (§7.2) plus every round's
    closed: bool  # a round with no promotion anywhere ended the window (§7.5)

    def unconfirmed(self) -> list[str]:
        """Regs holding an offer not yet settled, ascending."""
        return sorted(r for r, s in self.status.items() if s == "offered")

    def confirmed(self) -> dict[str, str]:
        """reg -> school for every confirmed admission (P8: these are locked)."""
        return {r: self.school_of[r] for r, s in sorted(self.status.items()) if s == "confirmed"}

    def holders(self) -> dict[str, str]:
        """reg -> school for every place held now, confirmed or not."""
        return {r: self.school_of[r] for r, s in sorted(self.status.items()) if s != "forfeited"}

    def waiting_regs(self) -> list[str]:
        """Regs still in a waiting order: never promoted, not locked (§7.5 step 2)."""
        regs: list[str] = []
        for result in self.draw.schools.values():
            for unit in result.waiting:
                regs += [r for r in self.draw.members(unit)
                         if r not in self.status and r not in self.locked]
        return sorted(regs)

    def waiting_position(self, reg: str) -> int | None:
        """The 1-based position of `reg`'s unit in its school's waiting order."""
        outcome = self.draw.outcomes.get(reg)
        if outcome is None:
            return None
        order = self.draw.schools[outcome.school].waiting
        return order.index(outcome.unit) + 1 if outcome.unit in order else None


def initial_payment_state(draw: Draw) -> PaymentState:
    """Every admission of the draw holds an unconfirmed offer (§7.5)."""
    status: dict[str, OfferStatus] = {}
    school_of: dict[str, str] = {}
    admitted_in: dict[str, Stage | None] = {}
    for school_id, result in draw.schools.items():
        for run in result.stages:
            for unit in run.winners:
                for reg in draw.members(unit):
                    status[reg] = "offered"
                    school_of[reg] = school_id
                    admitted_in[reg] = run.stage
    returned = {s: r.returned_to_bureau for s, r in draw.schools.items()}
    return PaymentState(draw, 0, status, school_of, admitted_in, {}, {}, returned, False)


def payment_round(state: PaymentState, round_no: int, unpaid: AbstractSet[str],
                  declined: AbstractSet[str], locks: AbstractSet[str],
                  ) -> tuple[PaymentState, list[RoundBody]]:
    """Settle round `round_no` (§7.5): its forfeits, its locks, the `payment_round`, then
    per school with a forfeit its promotions and `promotions` summary."""
    draw = state.draw
    if state.closed:
        raise _error(f"round {round_no}: the payment window is closed")
    if round_no != state.round + 1:
        raise _error(f"round {round_no}: expected round {state.round + 1}")
    if unpaid & declined:
        raise _error(f"round {round_no}: a reg both unpaid and declined: "
                     f"{min(unpaid & declined)}")
    forfeited = unpaid | declined
    for reg in sorted(forfeited):
        if state.status.get(reg) != "offered":
            raise _error(f"round {round_no}: {reg} holds no unconfirmed offer")
    waiting = set(state.waiting_regs())
    for reg in sorted(locks):
        if reg in state.locked:
            raise _error(f"round {round_no}: {reg} was locked in an earlier round", "P8")
        if reg not in waiting:
            raise _error(f"round {round_no}: {reg} is not a waiting applicant holding no "
                         "place here", "P8")

    bodies: list[RoundBody] = [
        Forfeit(round_no, reg, state.school_of[reg],
                ForfeitReason.DECLINED if reg in declined else ForfeitReason.UNPAID)
        for reg in sorted(forfeited)]
    bodies += [Lock(round_no, reg) for reg in sorted(locks)]
    bodies.append(PaymentRound(round_no, len(forfeited), len(locks)))

    # Every other holder of an unconfirmed offer is thereby confirmed (P7).
    status: dict[str, OfferStatus] = {
        r: ("forfeited" if r in forfeited else "confirmed") if s == "offered" else s
        for r, s in state.status.items()}
    school_of, admitted_in = dict(state.school_of), dict(state.admitted_in)
    promoted, returned = dict(state.promoted), dict(state.returned_to_bureau)
    locked = {**state.locked, **dict.fromkeys(locks, round_no)}

    by_school: dict[str, list[str]] = {}
    for reg in sorted(forfeited):
        by_school.setdefault(state.school_of[reg], []).append(reg)
    any_promoted = False
    for school_id in sorted(by_school):
        regs = by_school[school_id]
        community = sum(1 for r in regs if state.admitted_in[r] == "community")
        freed = len(regs) - community  # P11: community places go back, never re-drawn
        count = 0
        if draw.waitlist_promotion:
            order = draw.schools[school_id].waiting
            for position, unit in enumerate(order, start=1):
                members = draw.members(unit)
                if (any(m in promoted or m in locked for m in members)
                        or len(members) > freed):
                    continue
                for reg in members:  # P13: the unit fits the freed places
                    status[reg], school_of[reg], admitted_in[reg] = "offered", school_id, None
                    promoted[reg] = round_no
                    bodies.append(Promotion(round_no, school_id, reg, unit, position))
                freed -= len(members)
                count += len(members)
            given_back = len(regs) - count
        else:
            given_back = len(regs)
        returned[school_id] += given_back
        any_promoted = any_promoted or count > 0
        bodies.append(Promotions(round_no, school_id, len(regs) - community, count,
                                 given_back))

    new = replace(state, round=round_no, status=status, school_of=school_of,
                  admitted_in=admitted_in, promoted=promoted, locked=locked,
                  returned_to_bureau=returned, closed=not any_promoted)
    check_global_lock(new)
    return new, bodies


def check_global_lock(state: PaymentState) -> None:
    """§7.6: nobody locked holds a place or is promoted, nobody holds two places, no school
    is over its plan."""
    held = {r for r, s in state.status.items() if s != "forfeited"}
    drawn = Counter(reg for result in state.draw.schools.values() for run in result.stages
                    for unit in run.winners for reg in state.draw.members(unit))
    twice = sorted({r for r, n in drawn.items() if n > 1} | (drawn.keys() & state.promoted.keys()))
    if twice:
        raise AllocationError(f"{twice[0]} holds two admissions", section="7.6", rule="P8")
    bad = sorted(state.locked.keys() & (held | state.promoted.keys()))
    if bad:
        raise AllocationError(f"{bad[0]} is locked but holds or was promoted to a place",
                              section="7.6", rule="P8")
    places = Counter(state.school_of[r] for r in held)
    for school_id, result in state.draw.schools.items():
        used = places[school_id] + state.returned_to_bureau[school_id]
        if used > result.quota:
            raise AllocationError(f"school {school_id}: {places[school_id]} places held and "
                                  f"{state.returned_to_bureau[school_id]} returned exceed "
                                  f"quota {result.quota}", section="7.6", rule="P13")
