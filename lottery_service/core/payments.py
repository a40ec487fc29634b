"""Payment window, forfeits and promotion from the waiting order (PROTOCOL.md §7.5, §7.6).

Rules: P7 (unpaid by the deadline = forfeited; filling from the waiting order is
a per-event setting), P8 (a confirmed admission locks the pupil; nobody locked
elsewhere is promoted), P11 (forfeited community places go back to the bureau),
P13 (a promoted unit must fit the freed places).

The state is immutable: each round returns a new state, so a verifier can
replay the logged `payment_round` entries from the draw and compare.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .allocation import Draw, Stage
from .errors import AllocationError

OfferStatus = Literal["offered", "confirmed", "forfeited"]


@dataclass(frozen=True, slots=True)
class Promotion:
    """One school's `promotions` entry for a round with a forfeit there (§7.5, §11.2)."""

    round: int
    school: str
    promoted: tuple[str, ...]  # regs, in promotion order
    returned_to_bureau: int  # places given back in this round

    def to_json(self) -> dict[str, Any]:
        return {"round": self.round, "school": self.school, "promoted": list(self.promoted),
                "returned_to_bureau": self.returned_to_bureau}


@dataclass(frozen=True)
class PaymentState:
    """Who holds which place after `round` payment rounds (0 = just after the draw)."""

    draw: Draw = field(repr=False)
    round: int
    status: dict[str, OfferStatus]  # every reg that ever held an offer
    school_of: dict[str, str]  # reg -> school, for those regs
    admitted_in: dict[str, Stage | None]  # draw stage of admission; None when promoted
    promoted: dict[str, int]  # reg -> round in which it was promoted
    locked_elsewhere: frozenset[str]  # all rounds so far (P8)
    returned_to_bureau: dict[str, int]  # per school, draw (P11) plus every round
    closed: bool  # a round with no promotion anywhere ends the window (§7.5)

    def unconfirmed(self) -> list[str]:
        """Regs holding an offer not yet settled, ascending."""
        return sorted(r for r, s in self.status.items() if s == "offered")

    def confirmed(self) -> dict[str, str]:
        """reg -> school for every confirmed admission (P8: these are locked)."""
        return {r: self.school_of[r] for r, s in sorted(self.status.items()) if s == "confirmed"}

    def waiting_regs(self) -> list[str]:
        """Regs still in a waiting order: not promoted, not locked elsewhere."""
        regs: list[str] = []
        for result in self.draw.schools.values():
            for unit in result.waiting:
                regs += [r for r in self.draw.members(unit)
                         if r not in self.status and r not in self.locked_elsewhere]
        return sorted(regs)


def initial_payment_state(draw: Draw) -> PaymentState:
    """Every draw admission holds an unconfirmed offer (§7.5)."""
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
    return PaymentState(draw, 0, status, school_of, admitted_in, {}, frozenset(), returned, False)


def apply_payment_round(
    state: PaymentState, round_no: int, forfeited: AbstractSet[str],
    locked_elsewhere: AbstractSet[str], waitlist_promotion: bool,
) -> tuple[PaymentState, list[Promotion]]:
    """Settle one round (§7.5): confirm payers, free forfeits, promote from the waiting order."""
    draw = state.draw
    if state.closed:
        raise AllocationError(f"payment round {round_no}: the window closed after round "
                              f"{state.round} (a round without promotions ends it)", section="7.5")
    if round_no != state.round + 1:
        raise AllocationError(f"payment round {round_no}: expected round {state.round + 1}",
                              section="7.5")
    if waitlist_promotion != draw.waitlist_promotion:
        raise AllocationError("waitlist_promotion differs from the draw's rule set (P7)",
                              section="7.5")
    for reg in sorted(forfeited):
        if state.status.get(reg) != "offered":
            held = state.status.get(reg, "no offer")
            raise AllocationError(f"round {round_no}: {reg} cannot forfeit: it holds no "
                                  f"unconfirmed offer ({held}) (P7)", section="7.5")
    for reg in sorted(locked_elsewhere):
        if reg not in draw.numbers:
            raise AllocationError(f"round {round_no}: {reg} locked elsewhere is not an "
                                  "applicant of this draw", section="7.5")
        if reg in state.status:
            raise AllocationError(f"round {round_no}: {reg} locked elsewhere holds a place "
                                  "here; only waiting applicants can be (P8)", section="7.5")
        if reg in state.locked_elsewhere:
            raise AllocationError(f"round {round_no}: {reg} was already locked elsewhere "
                                  "in an earlier round (P8)", section="7.5")

    # Every unconfirmed offer not forfeited is thereby confirmed (§7.5, P7).
    status: dict[str, OfferStatus] = {
        r: ("forfeited" if r in forfeited else "confirmed") if s == "offered" else s
        for r, s in state.status.items()}
    school_of = dict(state.school_of)
    admitted_in = dict(state.admitted_in)
    promoted = dict(state.promoted)
    locked = state.locked_elsewhere | frozenset(locked_elsewhere)
    returned = dict(state.returned_to_bureau)

    by_school: dict[str, list[str]] = {}
    for reg in forfeited:
        by_school.setdefault(state.school_of[reg], []).append(reg)
    promotions: list[Promotion] = []
    for school_id in sorted(by_school):
        regs = by_school[school_id]
        community = sum(1 for r in regs if state.admitted_in[r] == "community")
        freed = len(regs) - community  # P11: community places go back, never re-drawn
        given_back = community
        order: list[str] = []
        if waitlist_promotion:
            # Walk the waiting order from the front; skip promoted units, units with a
            # member locked elsewhere (P8) or forfeiting; promote a unit if it fits (P13).
            for unit in draw.schools[school_id].waiting:
                if freed == 0:
                    break
                members = draw.members(unit)
                if (unit in promoted or any(m in locked or m in forfeited for m in members)
                        or len(members) > freed):
                    continue
                for reg in members:
                    status[reg] = "offered"
                    school_of[reg] = school_id
                    admitted_in[reg] = None
                    promoted[reg] = round_no
                order += members
                freed -= len(members)
        given_back += freed
        returned[school_id] += given_back
        promotions.append(Promotion(round_no, school_id, tuple(order), given_back))

    closed = not any(p.promoted for p in promotions)
    new = replace(state, round=round_no, status=status, school_of=school_of,
                  admitted_in=admitted_in, promoted=promoted, locked_elsewhere=locked,
                  returned_to_bureau=returned, closed=closed)
    check_global_lock(new)
    return new, promotions


def check_global_lock(state: PaymentState) -> None:
    """§7.6: one admission per reg, nobody locked elsewhere promoted, no school over plan."""
    held = {r for r, s in state.status.items() if s != "forfeited"}
    drawn = Counter(reg for result in state.draw.schools.values() for run in result.stages
                    for unit in run.winners for reg in state.draw.members(unit))
    twice = sorted({r for r, n in drawn.items() if n > 1} | (drawn.keys() & state.promoted.keys()))
    if twice:
        raise AllocationError(f"{twice[0]} holds two admissions (P8)", section="7.6")
    bad = sorted(state.locked_elsewhere & (held | state.promoted.keys()))
    if bad:
        raise AllocationError(f"{bad[0]} is locked elsewhere but holds or was promoted to a "
                              "place (P8)", section="7.6")
    places = Counter(state.school_of[r] for r in held)
    for school_id, result in state.draw.schools.items():
        used = places[school_id] + state.returned_to_bureau[school_id]
        if used > result.quota:
            raise AllocationError(f"school {school_id}: {places[school_id]} places held and "
                                  f"{state.returned_to_bureau[school_id]} returned exceed "
                                  f"quota {result.quota} (P13)", section="7.6")
