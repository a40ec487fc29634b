"""Private-school allocation: the whole city's draw (PROTOCOL.md §7.2–§7.4, §7.6).

Rules: P4 (under-subscribed: all admitted), P5 (over-subscribed: lottery),
P9 (district first, then city-wide for city-approved schools), P10 (direct
promotion first), P11 (community places; leftovers go back to the bureau, never
re-drawn), P13 (never over the plan: a unit that does not fit is skipped).

This is the hot path of a city-scale event (120 schools, 200 000 applicants),
so each applicant's number is computed once, each school's units are sorted
once into lottery order, and every stage pool is a filtered (or merged)
subsequence of that order. Outcome objects are built in one pass at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import count, repeat
from typing import Any, Literal, NamedTuple

from .errors import AllocationError
from .lottery import number_function
from .records import Applicant, School

Stage = Literal["direct", "community", "district", "city"]
OutcomeKind = Literal["admitted", "not_admitted"]


@dataclass(frozen=True, slots=True)
class StageRun:
    """One stage run `run(pool, seats)` of one school (§7.3), as published in the summary."""

    stage: Stage
    seats: int
    applicants: int  # members in the pool
    admitted: int  # members admitted
    lottery: bool  # over-subscribed (P5)
    cutoff: bytes | None  # number of the last admitted unit, when lottery
    pool: tuple[str, ...] = field(default=(), repr=False)  # units in lottery order
    winners: frozenset[str] = field(default=frozenset(), repr=False)  # admitted units

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage, "seats": self.seats, "applicants": self.applicants,
            "admitted": self.admitted, "lottery": self.lottery,
            "cutoff": None if self.cutoff is None else self.cutoff.hex(),
        }


@dataclass(frozen=True, slots=True)
class SchoolResult:
    """A school's stage runs, places returned to the bureau, and waiting order (§7.2, §7.4)."""

    school: str
    quota: int
    stages: tuple[StageRun, ...]
    returned_to_bureau: int  # unused community places (P11)
    waiting: tuple[str, ...]  # units: district-stage losers then city-stage losers (§7.4)

    def summary_json(self) -> dict[str, Any]:
        """The lottery summary S of §11.2."""
        return {
            "quota": self.quota, "returned_to_bureau": self.returned_to_bureau,
            "stages": [s.to_json() for s in self.stages],
        }


class Outcome(NamedTuple):
    """One applicant's outcome (§7.4); a NamedTuple because a city draw makes 200 000."""

    reg: str
    school: str
    number: bytes  # number(reg) (§6); the unit's ticket is number(unit)
    unit: str
    outcome: OutcomeKind
    stage: Stage  # where admitted, or the last stage taken part in
    rank: int  # 1-based position in that stage's lottery order
    waiting: int | None  # position in the waiting order when promotion is on

    def to_json(self) -> dict[str, Any]:
        """The lottery record R of §11.2."""
        return {
            "reg": self.reg, "number": self.number.hex(), "unit": self.unit,
            "outcome": self.outcome, "stage": self.stage, "rank": self.rank,
            "waiting": self.waiting,
        }


@dataclass(frozen=True)
class Draw:
    """The city's draw: the decisions per school, and each applicant's outcome on demand.

    `allocate` makes every decision (stage runs in lottery order, admissions,
    waiting orders); `outcomes` restates them per applicant and is built on
    first use, so a city-scale draw does not pay for 200 000 objects it may only
    publish later.
    """

    waitlist_promotion: bool
    schools: dict[str, SchoolResult]  # ascending school id
    numbers: dict[str, bytes] = field(repr=False)  # reg -> number(reg), every applicant (§6)
    joint: dict[str, tuple[str, ...]] = field(repr=False)  # unit -> members, units of 2+ only

    def members(self, unit: str) -> tuple[str, ...]:
        """Registration numbers of a unit, ascending (the unit id first)."""
        return self.joint.get(unit, (unit,))

    @cached_property
    def outcomes(self) -> dict[str, Outcome]:
        """reg -> Outcome (§7.4): where admitted, else the last stage taken part in."""
        out: dict[str, Outcome] = {}
        numbers, joint = self.numbers, self.joint
        for school_id, result in self.schools.items():
            final: dict[str, tuple[Stage, int]] = {}
            admitted: set[str] = set()
            for run in result.stages:  # later stages overwrite earlier ones
                final.update(zip(run.pool, zip(repeat(run.stage), count(1)), strict=False))
                admitted.update(run.winners)
            waiting = dict(zip(result.waiting, count(1))) if self.waitlist_promotion else {}
            for unit, (stage, rank) in final.items():
                kind: OutcomeKind = "admitted" if unit in admitted else "not_admitted"
                position = waiting.get(unit)
                for reg in joint.get(unit, (unit,)):
                    out[reg] = Outcome(reg, school_id, numbers[reg], unit, kind, stage, rank,
                                       position)
        return out

    @cached_property
    def school_of(self) -> dict[str, str]:
        """reg -> school."""
        return {reg: o.school for reg, o in self.outcomes.items()}

    def records_json(self, school: str) -> list[dict[str, Any]]:
        """The school's lottery records R, sorted by reg (§11.2)."""
        return [o.to_json() for o in sorted(
            (o for o in self.outcomes.values() if o.school == school), key=lambda o: o.reg)]


def _run(stage: Stage, pool: list[str], seats: int, extra: Mapping[str, int],
         numbers: Mapping[str, bytes]) -> StageRun:
    """run(pool, seats) of §7.3; `pool` is in lottery order, `extra[u]` = size(u) − 1."""
    members = len(pool) + (sum(map(extra.get, pool, repeat(0))) if extra else 0)
    if members <= seats:  # P4: everyone admitted, no lottery
        return StageRun(stage, seats, members, members, False, None,
                        tuple(pool), frozenset(pool))
    # P5: walk the lottery order; a unit that does not fit is skipped (P13), and
    # the walk goes on so that a later, smaller unit can take the seats.
    admitted: list[str] = []
    free = seats
    for unit in pool:
        if free == 0:
            break
        size = 1 + extra.get(unit, 0)
        if size <= free:
            admitted.append(unit)
            free -= size
    cutoff = numbers[admitted[-1]] if admitted else None
    return StageRun(stage, seats, members, seats - free, True, cutoff,
                    tuple(pool), frozenset(admitted))


def _merge(first: list[str], second: list[str], key: Mapping[str, bytes]) -> list[str]:
    """Two lists in lottery order as one; Timsort merges the two runs in linear time."""
    if not first:
        return second
    if not second:
        return first
    return sorted(first + second, key=key.__getitem__)


def allocate(schools: Sequence[School], applicants: Sequence[Applicant], seed: bytes,
             waitlist_promotion: bool) -> Draw:
    """Draw every school (§7.2–§7.4). Input order never matters (§16)."""
    school_by_id = {s.id: s for s in sorted(schools, key=lambda s: s.id)}
    if len(school_by_id) != len(schools):
        raise AllocationError("duplicate school id in the lottery input")
    # §6: one number per applicant; a unit's ticket is its unit reg's number.
    number = number_function(seed)
    numbers = {a.reg: number(a.reg) for a in applicants}
    if len(numbers) != len(applicants):
        dup = min(reg for reg, n in Counter(a.reg for a in applicants).items() if n > 1)
        raise AllocationError(f"registration number {dup} appears twice (P2, P8)")

    # Units (§3.2) split by the stage they enter first (§7.2): direct, community,
    # own district, other district. One pass; followers are checked against heads.
    pools: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
        sid: ([], [], [], []) for sid in school_by_id}
    home = {sid: s.district for sid, s in school_by_id.items()}
    local_of: dict[str, bool] = {}  # direct and community units: from the school's district?
    followers: list[Applicant] = []
    for a in applicants:
        if a.unit != a.reg:
            followers.append(a)
            continue
        if a.school not in pools:
            raise AllocationError(f"applicant {a.reg}: unknown school {a.school!r}")
        direct, community, local, foreign = pools[a.school]
        is_local = a.district == home[a.school]
        if a.direct:
            direct.append(a.reg)
            local_of[a.reg] = is_local
        elif a.community:
            community.append(a.reg)
            local_of[a.reg] = is_local
        elif is_local:
            local.append(a.reg)
        else:
            foreign.append(a.reg)
    joint = _units(applicants, followers)
    extra = {u: len(m) - 1 for u, m in joint.items()}

    # Lottery order (§6): (number(unit), unit) ascending. With distinct numbers
    # (always, for a 256-bit HMAC) the number alone decides and sorts faster.
    if len(set(numbers.values())) == len(numbers):
        key = numbers
    else:
        key = {u: n + u.encode() for u, n in numbers.items()}  # numbers are 32 bytes

    results: dict[str, SchoolResult] = {}
    for school_id, school in school_by_id.items():
        direct, community, local, foreign = (sorted(p, key=key.__getitem__)
                                             for p in pools[school_id])
        if school.authority == "district" and (
                foreign or not all(local_of[u] for u in (*direct, *community))):
            raise AllocationError(f"school {school_id} is district-approved but has applicants "
                                  "from another district (P2, P9)")
        runs: list[StageRun] = []
        seats = school.quota
        # 1. direct promotion (P10)
        run = _run("direct", direct, seats, extra, numbers)
        runs.append(run)
        seats -= run.admitted
        losers = [u for u in direct if u not in run.winners]
        # 2. community places (P11): leftovers go back to the bureau, never re-drawn
        community_seats = min(school.community_quota, seats)
        run = _run("community", community, community_seats, extra, numbers)
        runs.append(run)
        seats -= community_seats
        returned = community_seats - run.admitted
        losers = _merge(losers, [u for u in community if u not in run.winners], key)
        # 3. district stage (P9): own district first, with the losers of 1 and 2
        local = _merge([u for u in losers if local_of[u]], local, key)
        run = _run("district", local, seats, extra, numbers)
        runs.append(run)
        seats -= run.admitted
        waiting = [u for u in local if u not in run.winners] if run.lottery else []
        # 4. city stage (P9): city-approved schools then recruit across districts
        if school.authority == "city":
            foreign = _merge([u for u in losers if not local_of[u]], foreign, key)
            run = _run("city", foreign, seats, extra, numbers)
            runs.append(run)
            if run.lottery:
                waiting += [u for u in foreign if u not in run.winners]

        results[school_id] = SchoolResult(school_id, school.quota, tuple(runs), returned,
                                          tuple(waiting))

    return Draw(waitlist_promotion, results, numbers, joint)


def _units(applicants: Sequence[Applicant],
           followers: Sequence[Applicant]) -> dict[str, tuple[str, ...]]:
    """Joint units of two or more (§3.2): members share school, district, direct, community."""
    if not followers:
        return {}
    wanted = {a.unit for a in followers}
    by_reg = {a.reg: a for a in applicants if a.reg in wanted}
    members: dict[str, list[str]] = {}
    for a in followers:
        head = by_reg.get(a.unit)
        if head is None or head.unit != head.reg:
            raise AllocationError(f"applicant {a.reg}: unit {a.unit} is not the reg of an "
                                  "applicant heading its own unit", section="3.2")
        if (a.school, a.district, a.direct, a.community) != (
                head.school, head.district, head.direct, head.community):
            raise AllocationError(f"unit {a.unit}: member {a.reg} differs in school, district, "
                                  "direct or community", section="3.2")
        members.setdefault(a.unit, [a.unit]).append(a.reg)
    return {u: tuple(sorted(m)) for u, m in members.items()}
