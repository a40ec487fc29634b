"""Private-school allocation recomputed (PROTOCOL.md §6, §7.2–§7.7; P4–P13)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from verifier.errors import VerificationError

Result = tuple[str, str, str, str, str, int, "int | None"]
"""A lottery record (reg, number hex, unit, outcome, stage, rank, waiting)."""


class Applicant(NamedTuple):
    """The fields of a §3.2 applicant record the draw and bias audit use.

    A tuple: a city roster keeps 10^5 of them, and tuples are the smallest and
    quickest records Python has.
    """

    reg: str
    school: str
    district: str
    gender: str
    reg_day: str
    direct: bool
    community: bool
    unit: str


class School(NamedTuple):
    """What §7 uses of a §3.2 school record."""

    id: str
    district: str
    authority: str
    quota: int
    community_quota: int


def school_of(record: dict[str, Any]) -> School:
    """The compact form of a school record already checked by records.school."""
    return School(record["id"], record["district"], record["authority"], record["quota"],
                  record["community_quota"])


class Unit(NamedTuple):
    """A joint application (§3.2, §6): one ticket for all its members."""

    number: bytes
    unit: str
    members: tuple[Applicant, ...]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Pool:
    """An over-subscribed stage run (lottery true): the bias audit's pools (§8)."""

    members: tuple[Applicant, ...]
    winners: tuple[Applicant, ...]
    """The members admitted in this stage."""


@dataclass
class SchoolDraw:
    """Everything §7.2–§7.4 yields for one school."""

    school: str
    summary: dict[str, Any]
    records: dict[str, Result]
    waiting_order: list[Unit]
    admitted_stage: dict[str, str]
    pools: list[Pool] = field(default_factory=list)


def units_of(applicants: Iterable[Applicant], number: Callable[[str], bytes],
             school: str) -> list[Unit]:
    """Group a school's applicants into units in lottery order (§6)."""
    groups: dict[str, list[Applicant]] = {}
    for a in applicants:
        groups.setdefault(a.unit, []).append(a)
    units = []
    for u, members in groups.items():
        if len(members) == 1:  # fast path: most applications are single
            if members[0].reg != u:
                raise VerificationError("lottery", "§3.2",
                                        f"unit {u} of school {school} is not its member's reg")
            units.append(Unit(number(u), u, (members[0],)))
            continue
        members.sort(key=lambda a: a.reg)
        first = members[0]
        if first.reg != u:
            raise VerificationError("lottery", "§3.2",
                                    f"unit {u} of school {school} is not its smallest member reg")
        if any((a.district, a.direct, a.community) != (first.district, first.direct,
                                                         first.community) for a in members):
            raise VerificationError("lottery", "§3.2",
                                    f"members of unit {u} differ in district/direct/community")
        units.append(Unit(number(u), u, tuple(members)))
    units.sort()  # by (number, unit); units differ, so members are never compared
    return units


def allocate(school: School, applicants: Sequence[Applicant],
             number: Callable[[str], bytes], waitlist_promotion: bool) -> SchoolDraw:
    """Run the §7.2 stages for one school and derive §7.4 outcomes."""
    sid = school.id
    units = units_of(applicants, number, sid)
    admitted: dict[str, tuple[str, int]] = {}
    last: dict[str, tuple[str, int]] = {}
    stages: list[dict[str, Any]] = []
    pools: list[Pool] = []
    not_admitted_by_stage: dict[str, list[Unit]] = {}

    def run(stage: str, pool: list[Unit], seats: int) -> int:
        m = sum(u.size for u in pool)
        lottery = m > seats
        free, taken, cutoff = seats, 0, None
        winners: list[Applicant] = []
        for rank, u in enumerate(pool, 1):
            last[u.unit] = (stage, rank)
            if u.size <= free:
                admitted[u.unit] = (stage, rank)
                free -= u.size
                taken += u.size
                cutoff = u.number
                winners.extend(u.members)
            else:
                not_admitted_by_stage.setdefault(stage, []).append(u)
        stages.append({"stage": stage, "seats": seats, "applicants": m, "admitted": taken,
                       "lottery": lottery,
                       "cutoff": cutoff.hex() if lottery and cutoff is not None else None})
        if lottery:
            pools.append(Pool(tuple(a for u in pool for a in u.members), tuple(winners)))
        return taken

    r = school.quota
    returned = 0
    r -= run("direct", [u for u in units if u.members[0].direct], r)
    c = min(school.community_quota, r)
    taken = run("community", [u for u in units
                              if u.members[0].community and not u.members[0].direct], c)
    r -= c
    returned += c - taken
    home = school.district
    r -= run("district", [u for u in units
                          if u.unit not in admitted and u.members[0].district == home], r)
    if school.authority == "city":
        r -= run("city", [u for u in units
                          if u.unit not in admitted and u.members[0].district != home], r)
    waiting_order = [u for st in ("district", "city") for u in not_admitted_by_stage.get(st, [])
                     if u.unit not in admitted]
    position = {u.unit: k for k, u in enumerate(waiting_order, 1)}
    records: dict[str, Result] = {}
    admitted_stage: dict[str, str] = {}
    for u in units:
        if u.unit in admitted:
            outcome, (stage, rank) = "admitted", admitted[u.unit]
        elif u.unit in last:
            outcome, (stage, rank) = "not_admitted", last[u.unit]
        else:
            raise VerificationError("lottery", "§7.2",
                                    f"unit {u.unit} of school {sid} takes part in no stage")
        wait = position.get(u.unit) if waitlist_promotion else None
        for a in u.members:
            num = u.number if a.reg == u.unit else number(a.reg)
            records[a.reg] = (a.reg, num.hex(), u.unit, outcome, stage, rank, wait)
            if outcome == "admitted":
                admitted_stage[a.reg] = stage
    summary = {"quota": school.quota, "returned_to_bureau": returned, "stages": stages}
    return SchoolDraw(sid, summary, records, waiting_order, admitted_stage, pools)


@dataclass
class Payments:
    """The §7.5 payment window replayed across schools, with §7.6 lock checks."""

    draws: dict[str, SchoolDraw]
    waitlist_promotion: bool
    offers: dict[str, tuple[str, str]] = field(default_factory=dict)
    """reg -> (school, admission stage)."""
    confirmed: set[str] = field(default_factory=set)
    """Offers that survived a payment round (a subset of offers)."""
    promoted: set[str] = field(default_factory=set)
    locked: set[str] = field(default_factory=set)
    forfeited: set[str] = field(default_factory=set)
    ended: bool = False
    rounds: int = 0

    def __post_init__(self) -> None:
        for d in self.draws.values():
            for reg, stage in d.admitted_stage.items():
                if reg in self.offers:
                    raise VerificationError("lock", "§7.6",
                                            f"{reg} holds admissions at two schools")
                self.offers[reg] = (d.school, stage)

    def play(self, number: int, forfeited: Sequence[str], locked_elsewhere: Sequence[str]
             ) -> dict[str, tuple[list[str], int]]:
        """Apply one payment round; returns the expected promotions per school."""
        if self.ended:
            raise VerificationError("payments", "§7.5",
                                    f"round {number} after a round without promotions")
        if number != self.rounds + 1:
            raise VerificationError("payments", "§7.5", f"round {number} out of sequence")
        self.rounds = number
        lost: dict[str, list[tuple[str, str]]] = {}
        for reg in forfeited:
            held = self.offers.get(reg)
            if held is None or reg in self.confirmed:
                raise VerificationError("payments", "§7.5",
                                        f"{reg} forfeited without an unconfirmed offer")
            lost.setdefault(held[0], []).append((reg, held[1]))
            del self.offers[reg]
            self.forfeited.add(reg)
        self.confirmed.update(self.offers)
        for reg in locked_elsewhere:
            if reg in self.offers:
                raise VerificationError("lock", "§7.6",
                                        f"{reg} locked elsewhere while holding an offer here")
            self.locked.add(reg)
        expected: dict[str, tuple[list[str], int]] = {}
        for sid in sorted(lost):
            community = sum(1 for _, st in lost[sid] if st == "community")
            freed = len(lost[sid]) - community
            promoted: list[str] = []
            if self.waitlist_promotion:
                for u in self.draws[sid].waiting_order:
                    if freed == 0:
                        break  # no unit fits any more
                    regs = [a.reg for a in u.members]
                    if (u.unit in self.promoted or any(r in self.locked for r in regs)
                            or any(r in self.forfeited for r in regs)):
                        continue
                    if u.size <= freed:
                        freed -= u.size
                        self.promoted.add(u.unit)
                        promoted.extend(regs)
            for reg in promoted:
                if reg in self.offers:
                    raise VerificationError("lock", "§7.6", f"{reg} promoted twice")
                self.offers[reg] = (sid, "waiting")
            expected[sid] = (promoted, community + freed)
        if not any(p for p, _ in expected.values()):
            self.ended = True
        return expected
