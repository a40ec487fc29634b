"""Private-school allocation recomputed (PROTOCOL.md v2 §6, §7.2–§7.6; P4–P13).

`allocate` runs one school's stages and yields its `lottery_summary` body and one
result per applicant; `Payments` replays the payment rounds across schools. Both
raise VerificationError naming the section when the log asks for something the
protocol forbids (a forfeit without an offer, a lock of a place holder).

Scale: a province has 2·10^6 applicants. Results are produced school by school
in ascending reg as compact tuples, and `result_bytes` writes a result entry's
canonical body directly (every member is an id, a reg, a hex value, an integer
or null: nothing to escape), so the lottery step compares bytes, not dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from verifier.errors import VerificationError


class Applicant(NamedTuple):
    """The fields of a §3.2 applicant record the draw and the bias audit use.

    A tuple: a city roster keeps 10^5 of them, and tuples are the smallest and
    quickest records Python has. `gender` is None unless the sealed openings were
    given (§17.3): the public record only commits to it.
    """

    reg: str
    school: str
    district: str
    reg_day: str
    direct: bool
    community: bool
    unit: str
    gender: str | None = None


class School(NamedTuple):
    """What §7 uses of a §3.2 school record."""

    id: str
    name: str
    district: str
    authority: str
    quota: int
    community_quota: int
    nine_year: bool


def school_of(record: dict[str, Any]) -> School:
    """The compact form of a school record already checked by records.school."""
    return School(record["id"], record["name"], record["district"], record["authority"],
                  record["quota"], record["community_quota"], record["nine_year"])


class Unit(NamedTuple):
    """A joint application (§3.2, §6): one ticket for all its members."""

    number: bytes
    unit: str
    members: tuple[Applicant, ...]

    @property
    def size(self) -> int:
        return len(self.members)


Waiting = tuple[Applicant, ...]
"""A not-admitted unit in its school's waiting order (§7.4): its members, all naming the
unit (a bare tuple: a province's waiting orders hold 10^6 of them)."""


class Result(NamedTuple):
    """One applicant's §7.4 outcome: the members of its lottery_result body."""

    reg: str
    unit: str
    outcome: str
    stage: str
    rank: int
    waiting: int | None
    cutoff: str | None


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
    """The lottery_summary body."""
    results: list[Result]
    """One per applicant, ascending reg (the log's order)."""
    waiting_order: list[Waiting]
    offers: dict[str, str]
    """reg -> stage that admitted it (handed over to Payments, which empties it)."""
    pools: list[Pool] = field(default_factory=list)


def result_body(school: str, r: Result) -> dict[str, Any]:
    return {"school": school, "reg": r.reg, "unit": r.unit, "outcome": r.outcome,
            "stage": r.stage, "rank": r.rank, "waiting": r.waiting, "cutoff": r.cutoff}


def result_bytes(school: str, r: Result) -> bytes:
    """canon(result_body(school, r)), written directly (keys in code-point order)."""
    cutoff = "null" if r.cutoff is None else f'"{r.cutoff}"'
    waiting = "null" if r.waiting is None else str(r.waiting)
    return (f'{{"cutoff":{cutoff},"outcome":"{r.outcome}","rank":{r.rank},"reg":"{r.reg}",'
            f'"school":"{school}","stage":"{r.stage}","unit":"{r.unit}",'
            f'"waiting":{waiting}}}').encode()


def units_of(applicants: Sequence[Applicant], number: Callable[[str], bytes]) -> list[Unit]:
    """A school's applicants as units in lottery order (§6): by (number(unit), unit).

    The unit rules of §3.2 (members agree, the head is present) are the
    feasibility check's (§3.4), run at input_frozen before any draw.
    """
    singles = [a for a in applicants if a.unit == a.reg]
    units = [Unit(number(a.reg), a.reg, (a,)) for a in singles]
    if len(singles) != len(applicants):  # joint applications: one unit, members by reg
        groups: dict[str, list[Applicant]] = {}
        for a in applicants:
            if a.unit != a.reg:
                groups.setdefault(a.unit, []).append(a)
        heads = {u.unit: k for k, u in enumerate(units)}
        for u, members in groups.items():
            k = heads.get(u)
            together = sorted([*(units[k].members if k is not None else ()), *members],
                              key=lambda a: a.reg)
            unit = Unit(number(u), u, tuple(together))
            if k is None:
                units.append(unit)
            else:
                units[k] = unit
    units.sort()  # by (number, unit); units differ, so members are never compared
    return units


def allocate(school: School, applicants: Sequence[Applicant],
             number: Callable[[str], bytes], waitlist_promotion: bool) -> SchoolDraw:
    """Run the §7.2 stages for one school and derive the §7.4 outcomes."""
    units = units_of(applicants, number)
    admitted: dict[str, tuple[str, int]] = {}
    last: dict[str, tuple[str, int]] = {}
    stages: list[dict[str, Any]] = []
    pools: list[Pool] = []
    cutoffs: dict[str, str | None] = {}
    losers: dict[str, list[Unit]] = {"district": [], "city": []}

    def run(stage: str, pool: list[Unit], seats: int) -> int:
        """§7.3: admit in lottery order what fits; returns the members admitted."""
        m = sum(u.size for u in pool)
        lottery = m > seats
        free, cutoff = seats, None
        winners: list[Applicant] = []
        for rank, u in enumerate(pool, 1):
            last[u.unit] = (stage, rank)
            if u.size <= free:
                admitted[u.unit] = (stage, rank)
                free -= u.size
                cutoff = u.number
                winners.extend(u.members)
            elif stage in losers:
                losers[stage].append(u)
        cut = cutoff.hex() if lottery and cutoff is not None else None
        cutoffs[stage] = cut
        stages.append({"stage": stage, "seats": seats, "applicants": m,
                       "admitted": len(winners), "lottery": lottery, "cutoff": cut})
        if lottery:
            pools.append(Pool(tuple(a for u in pool for a in u.members), tuple(winners)))
        return len(winners)

    r = school.quota
    r -= run("direct", [u for u in units if u.members[0].direct], r)
    c = min(school.community_quota, r)
    taken = run("community", [u for u in units
                              if u.members[0].community and not u.members[0].direct], c)
    r -= c
    returned = c - taken
    home = school.district
    r -= run("district", [u for u in units
                          if u.unit not in admitted and u.members[0].district == home], r)
    if school.authority == "city":
        r -= run("city", [u for u in units
                          if u.unit not in admitted and u.members[0].district != home], r)
    returned += r  # seats no remaining unit could take (P13)
    waiting_order: list[Waiting] = [u.members for u in losers["district"] + losers["city"]]
    position = ({w[0].unit: k for k, w in enumerate(waiting_order, 1)} if waitlist_promotion
                else {})
    results: list[Result] = []
    offers: dict[str, str] = {}
    for u in units:
        hit = admitted.get(u.unit)
        if hit is not None:
            outcome, (stage, rank) = "admitted", hit
        else:
            where = last.get(u.unit)
            if where is None:  # excluded by feasibility (§3.4); said here too
                raise VerificationError("lottery", "§7.2, §3.4",
                                        f"unit {u.unit} of school {school.id} takes part in no "
                                        "stage")
            outcome, (stage, rank) = "not_admitted", where
        wait = position.get(u.unit)
        for a in u.members:
            results.append(Result(a.reg, u.unit, outcome, stage, rank, wait, cutoffs[stage]))
            if hit is not None:
                offers[a.reg] = stage
    results.sort()
    won = len(offers)
    summary = {"school": school.id, "name": school.name, "quota": school.quota,
               "applicants": len(results), "admitted": won, "returned_to_bureau": returned,
               "stages": stages}
    return SchoolDraw(school.id, summary, results, waiting_order, offers, pools)


class Promoted(NamedTuple):
    """A promotion body's members besides round and school (§7.5 step 4)."""

    reg: str
    unit: str
    waiting: int


@dataclass(frozen=True)
class SchoolRound:
    """What §7.5 step 4 logs for one school with a forfeit in the round."""

    promoted: tuple[Promoted, ...]
    freed: int
    returned_to_bureau: int


def _fail(section: str, message: str) -> VerificationError:
    return VerificationError("payments", section, message)


@dataclass
class Payments:
    """The §7.5 payment window replayed across schools, with the §7.6 lock checks."""

    draws: dict[str, SchoolDraw]
    waitlist_promotion: bool
    offers: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    """reg -> (school, stage, round of the offer) of every place held now: stage "waiting"
    for a promotion; round 0 for the draw's offers. An offer of round r is unconfirmed
    until round r + 1 settles it. The tuples are shared: a province holds 10^6 offers."""
    _waiting: set[str] | None = None
    """Every member of a unit in a waiting order, built at the first lock."""
    promoted: set[tuple[str, str]] = field(default_factory=set)
    """(school, unit) of every unit promoted so far."""
    locked: set[str] = field(default_factory=set)
    forfeited: set[str] = field(default_factory=set)
    ended: bool = False
    rounds: int = 0

    def __post_init__(self) -> None:
        shared: dict[tuple[str, str, int], tuple[str, str, int]] = {}
        for d in self.draws.values():
            for reg, stage in d.offers.items():
                if reg in self.offers:  # registration numbers are unique (§1, step 8)
                    raise _fail("§7.6", f"{reg} holds admissions at two schools")
                offer = (d.school, stage, 0)
                self.offers[reg] = shared.setdefault(offer, offer)
            d.offers = {}

    @property
    def waiting(self) -> set[str]:
        if self._waiting is None:
            self._waiting = {a.reg for d in self.draws.values() for w in d.waiting_order
                             for a in w}
        return self._waiting

    def play(self, number: int, forfeits: Sequence[tuple[str, str]], locks: Sequence[str]
             ) -> dict[str, SchoolRound]:
        """Round `number`: forfeits (reg, school) and locks as logged, in log order.

        Returns, per school with a forfeit (ascending id), what step 4 must log.
        """
        where = f"round {number}"
        if self.ended:
            raise _fail("§7.5", f"{where}: the payment window is closed (the previous round "
                        "promoted nobody)")
        if number != self.rounds + 1:
            raise _fail("§7.5", f"{where} out of sequence")
        self.rounds = number
        lost: dict[str, list[str]] = {}
        for reg, school in forfeits:
            held = self.offers.get(reg)
            if held is None or held[0] != school or held[2] != number - 1:
                raise _fail("§7.5", f"{where}: {reg} holds no unconfirmed offer at {school} "
                            "(P7)")
            lost.setdefault(school, []).append(held[1])
            del self.offers[reg]
            self.forfeited.add(reg)
        # every other holder of an offer of round number − 1 paid: confirmed
        for reg in locks:
            if reg in self.locked:
                raise _fail("§7.5", f"{where}: {reg} was locked in an earlier round (P8)")
            if reg not in self.waiting or reg in self.offers:
                raise _fail("§7.5", f"{where}: {reg} is not a waiting applicant holding no "
                            "place here (P8)")
            self.locked.add(reg)
        out: dict[str, SchoolRound] = {}
        for sid in sorted(lost):
            stages = lost[sid]
            community = stages.count("community")
            freed = len(stages) - community
            promoted: list[Promoted] = []
            if self.waitlist_promotion:
                room = freed
                for k, w in enumerate(self.draws[sid].waiting_order, 1):
                    if room == 0:
                        break  # no unit of size ≥ 1 fits any more
                    unit = w[0].unit
                    if (sid, unit) in self.promoted or any(a.reg in self.locked for a in w):
                        continue
                    if len(w) <= room:
                        room -= len(w)
                        self.promoted.add((sid, unit))
                        promoted.extend(Promoted(a.reg, unit, k) for a in w)
            offer = (sid, "waiting", number)
            for p in promoted:
                self.offers[p.reg] = offer
            out[sid] = SchoolRound(tuple(promoted), freed, len(stages) - len(promoted))
        if not any(r.promoted for r in out.values()):
            self.ended = True
        self.check_lock()
        return out

    def check_lock(self) -> None:
        """§7.6: nobody locked holds a place (or was promoted)."""
        held = self.locked.intersection(self.offers)
        if held:
            raise _fail("§7.6", f"locked {min(held)} holds a place (P8)")
