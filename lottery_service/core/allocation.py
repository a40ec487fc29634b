"""Private-school allocation: the whole city's draw (PROTOCOL.md §7.2–§7.4, §7.6).

Rules: P4 (under-subscribed: all admitted), P5 (over-subscribed: lottery),
P9 (district first, then city-wide for city-approved schools), P10 (direct
promotion first), P11 (community places; leftovers go back to the bureau, never
re-drawn), P13 (never over the plan: a unit that does not fit is skipped).

This is the hot path of a city-scale event (120 schools, 200 000 applicants,
bench/scales.py), so the draw works on tickets: a unit's ticket is its lottery
number (§6), bytes that sort natively. Every number is computed in one loop,
one pass files each unit's ticket under the stage it enters first, each stage
pool is sorted once in place, and a stage run records where its walk stopped
instead of copying its winners. Units, winners and outcomes are built on first
use. The draw allocates few Python containers per applicant, so the cyclic
garbage collector has little to walk while it runs.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress, count, islice, repeat
from operator import attrgetter

from .entries import LotteryResult, LotterySummary, Stage, StageSummary
from .entries import Outcome as OutcomeKind
from .errors import AllocationError
from .lottery import number_list
from .records import Applicant, School

_NUMBER_SIZE = 32  # bytes of number(reg) (§6)

__all__ = ["Draw", "OutcomeKind", "SchoolResult", "Stage", "StageRun", "StreamedDraw",
           "allocate", "allocate_streamed"]


@dataclass(frozen=True)
class Holders:
    """Who holds each ticket: `applicants[i]` holds `tickets[i]` (§6: a unit's ticket is
    its unit reg's)."""

    applicants: Sequence[Applicant]
    tickets: Sequence[bytes]

    @cached_property
    def reg_of(self) -> dict[bytes, str]:
        """ticket -> the registration number holding it."""
        return dict(zip(self.tickets, map(attrgetter("reg"), self.applicants), strict=True))

    def regs(self, tickets: Iterable[bytes]) -> tuple[str, ...]:
        """The registration numbers holding these tickets."""
        return tuple(map(self.reg_of.__getitem__, tickets))


@dataclass(frozen=True)
class StageRun:
    """One stage run `run(pool, seats)` of one school (§7.3), as published in the summary.

    The pool is kept as tickets in lottery order. The walk admitted every unit
    before position `stop` except `skipped` (units that did not fit, P13), and
    none from `stop` on.
    """

    stage: Stage
    seats: int
    applicants: int  # members in the pool
    admitted: int  # members admitted
    lottery: bool  # over-subscribed (P5)
    cutoff: bytes | None  # number of the last admitted unit, when lottery
    tickets: Sequence[bytes] = field(repr=False)  # never mutated
    stop: int = field(repr=False)
    skipped: tuple[bytes, ...] = field(repr=False)
    holders: Holders = field(repr=False, compare=False)

    @cached_property
    def pool(self) -> tuple[str, ...]:
        """Units in lottery order."""
        return self.holders.regs(self.tickets)

    @cached_property
    def winners(self) -> frozenset[str]:
        """Admitted units."""
        return (frozenset(self.holders.regs(self.tickets[:self.stop]))
                - frozenset(self.holders.regs(self.skipped)))

    @property
    def losers(self) -> list[bytes]:
        """Tickets not admitted, in lottery order."""
        return [*self.skipped, *self.tickets[self.stop:]]

    def summary(self) -> StageSummary:
        """This run as its school's `lottery_summary` lists it (§7.4)."""
        return StageSummary(self.stage, self.seats, self.applicants, self.admitted,
                            self.lottery, self.cutoff)


@dataclass(frozen=True)
class SchoolResult:
    """A school's stage runs, places returned to the bureau, and waiting order (§7.2, §7.4)."""

    school: str
    name: str
    quota: int
    applicants: int  # members of every unit applying here
    stages: tuple[StageRun, ...]
    returned_to_bureau: int  # unused community places (P11) and seats nobody could take (P13)

    @property
    def admitted(self) -> int:
        return sum(run.admitted for run in self.stages)

    @cached_property
    def waiting(self) -> tuple[str, ...]:
        """Units: district-stage losers then city-stage losers, each in lottery order (§7.4)."""
        return tuple(unit for run in self.stages if run.stage in ("district", "city")
                     for unit in run.holders.regs(run.losers))

    def summary(self) -> LotterySummary:
        """The school's `lottery_summary` (§7.4): admitted + returned_to_bureau = quota."""
        return LotterySummary(self.school, self.name, self.quota, self.applicants,
                              self.admitted, self.returned_to_bureau,
                              tuple(run.summary() for run in self.stages))


@dataclass(frozen=True)
class Draw:
    """The city's draw: the decisions per school, and each applicant's outcome on demand.

    `allocate` makes every decision (stage runs in lottery order, admissions,
    waiting orders) on tickets; `outcomes` (each applicant's
    `lottery_result`, the record that is logged: one object per applicant, made
    once) and the units of each run restate them per applicant and are built on
    first use.
    """

    waitlist_promotion: bool
    schools: dict[str, SchoolResult]  # ascending school id
    followers: tuple[Applicant, ...] = field(repr=False)  # members but the unit reg, by reg
    holders: Holders = field(repr=False, compare=False)  # every applicant's ticket

    @cached_property
    def joint(self) -> dict[str, tuple[str, ...]]:
        """unit -> members ascending (the unit reg first), units of two or more only (§3.2)."""
        members: dict[str, list[str]] = {}
        for a in self.followers:
            members.setdefault(a.unit, [a.unit]).append(a.reg)
        return {u: tuple(sorted(m)) for u, m in members.items()}

    def members(self, unit: str) -> tuple[str, ...]:
        """Registration numbers of a unit, ascending (the unit id first)."""
        return self.joint.get(unit, (unit,))

    @cached_property
    def outcomes(self) -> dict[str, LotteryResult]:
        """reg -> its `lottery_result` (§7.4): where admitted, else the last stage taken
        part in."""
        return {o.reg: o for rows in self._by_school.values() for o in rows}

    @cached_property
    def _by_school(self) -> dict[str, list[LotteryResult]]:
        """school -> its applicants' `lottery_result` in ascending reg (§7.4, §11.3 rule 4).

        A unit's record is its last stage run: a winner takes part in no later stage,
        a loser of stages 1 and 2 enters 3 or 4 (§7.2). So the runs are read from
        the last, each unit taken where it is first met."""
        joint, promotion = self.joint, self.waitlist_promotion
        by_school: dict[str, list[LotteryResult]] = {}
        for school_id, result in self.schools.items():
            offsets = _waiting_offsets(result)
            rows: list[LotteryResult] = []
            seen: set[bytes] = set()
            for run, offset in zip(reversed(result.stages), reversed(offsets), strict=True):
                stage, stop, cutoff = run.stage, run.stop, run.cutoff
                skipped = {t: i for i, t in enumerate(run.skipped)}
                waits = promotion and stage in ("district", "city")
                for rank, ticket, unit in zip(count(1), run.tickets, run.pool):
                    if ticket in seen:
                        continue
                    kind: OutcomeKind = "not_admitted"
                    waiting = None
                    if rank > stop:
                        if waits:
                            waiting = offset + len(skipped) + rank - stop
                    elif skipped and ticket in skipped:
                        if waits:
                            waiting = offset + 1 + skipped[ticket]
                    else:
                        kind = "admitted"
                    members = joint.get(unit) if joint else None  # most units: one member
                    if members is None:
                        rows.append(LotteryResult(school_id, unit, unit, kind, stage, rank,
                                                  waiting, cutoff))
                    else:
                        rows += [LotteryResult(school_id, reg, unit, kind, stage, rank, waiting,
                                               cutoff) for reg in members]
                seen.update(run.tickets)
            rows.sort(key=attrgetter("reg"))
            by_school[school_id] = rows
        return by_school

    @cached_property
    def school_of(self) -> dict[str, str]:
        """reg -> school."""
        return {reg: o.school for reg, o in self.outcomes.items()}

    def entries(self) -> list[LotterySummary | LotteryResult]:
        """Every school in ascending id: its `lottery_summary` then one `lottery_result` per
        applicant in ascending reg (§7.4, §11.3 rule 4)."""
        out: list[LotterySummary | LotteryResult] = []
        for school_id, result in self.schools.items():
            out.append(result.summary())
            out += self._by_school[school_id]
        return out


def _waiting_offsets(result: SchoolResult) -> list[int]:
    """Where each run's losers start in the school's waiting order: district losers, then
    city losers, each in lottery order (§7.4)."""
    offsets, offset = [], 0
    for run in result.stages:
        offsets.append(offset)
        if run.stage in ("district", "city"):
            offset += len(run.skipped) + len(run.tickets) - run.stop
    return offsets


def _run(stage: Stage, pool: list[bytes], seats: int, sizes: Mapping[bytes, int],
         holders: Holders) -> StageRun:
    """run(pool, seats) of §7.3; `pool` is tickets in lottery order, `sizes` the school's
    units of two or more members (§3.2) by ticket: every other unit has one member."""
    joint = [t for t in sorted(sizes) if _contains(pool, t)]  # in lottery order
    members = len(pool) + sum(sizes[t] - 1 for t in joint)
    if members <= seats:  # P4: everyone admitted, no lottery
        return StageRun(stage, seats, members, members, False, None, pool, len(pool), (),
                        holders)
    # P5: walk the lottery order; a unit that does not fit is skipped (P13), and
    # the walk goes on so that a later, smaller unit can take the seats. Between
    # two joint units every unit has one member: admit that stretch as one slice.
    skipped: list[bytes] = []
    cutoff: bytes | None = None
    free, i = seats, 0
    for j in [*map(bisect_left, repeat(pool), joint), len(pool)]:
        take = min(free, j - i)
        if take:
            cutoff = pool[i + take - 1]
            free -= take
            i += take
        if free == 0 or i == len(pool):
            break
        size = sizes[pool[i]]  # here i == j: a joint unit
        if size <= free:
            cutoff = pool[i]
            free -= size
        else:
            skipped.append(pool[i])
        i += 1
    return StageRun(stage, seats, members, seats - free, True,
                    None if cutoff is None else cutoff[:_NUMBER_SIZE], pool, i, tuple(skipped),
                    holders)


def _contains(pool: list[bytes], ticket: bytes) -> bool:
    """`ticket in pool` for a sorted pool."""
    i = bisect_left(pool, ticket)
    return i < len(pool) and pool[i] == ticket


def _tickets(applicants: Sequence[Applicant], seed: bytes) -> tuple[list[bytes], bool]:
    """Every applicant's ticket, in roster order (§6), and whether two numbers tie.

    Units are ordered by (number(unit), unit). Distinct numbers (always, for a
    256-bit HMAC) decide alone, so a ticket is just the number; if two tie, every
    ticket is number ‖ UTF8(reg), which sorts bytewise as (number, reg).
    """
    numbers = number_list(seed, [a.reg for a in applicants])
    if len(set(numbers)) == len(numbers):
        return numbers, False
    dup = min((reg for reg, n in Counter(a.reg for a in applicants).items() if n > 1),
              default=None)
    if dup is not None:
        raise AllocationError(f"a registration number appears twice: {dup}", section="1",
                              rule="P2")
    return [n + a.reg.encode() for n, a in zip(numbers, applicants, strict=True)], True


@dataclass(frozen=True, slots=True)
class _Pools:
    """One school's tickets by the stage each unit enters first (§7.2)."""

    district: str  # the school's
    direct: list[bytes] = field(default_factory=list)
    community: list[bytes] = field(default_factory=list)  # and not direct
    local: list[bytes] = field(default_factory=list)  # neither, from the school's district
    foreign: list[bytes] = field(default_factory=list)  # neither, from another district
    away: set[bytes] = field(default_factory=set)  # direct or community, from another district
    sizes: dict[bytes, int] = field(default_factory=dict)  # members of units of 2+ (§3.2)


def _file(applicants: Sequence[Applicant], tickets: Iterable[bytes],
          pools: Mapping[str, _Pools]) -> list[Applicant]:
    """File each unit's ticket under the stage its unit enters first, in one pass over
    the roster; return the members other than the unit reg, set aside."""
    followers: list[Applicant] = []
    for a, t in zip(applicants, tickets, strict=True):
        if a.unit != a.reg:
            followers.append(a)
            continue
        try:
            p = pools[a.school]
        except KeyError:
            raise AllocationError(f"{a.reg}: school {a.school} is not in the input",
                                  section="3.4", rule="P13") from None
        if a.direct or a.community:
            (p.direct if a.direct else p.community).append(t)
            if a.district != p.district:
                p.away.add(t)
        elif a.district == p.district:
            p.local.append(t)
        else:
            p.foreign.append(t)
    return followers


def _check_units(followers: Sequence[Applicant], unit_tickets: Sequence[bytes],
                 holders: Holders, pools: Mapping[str, _Pools]) -> None:
    """Joint units (§3.2): each follower's unit is the reg of an applicant heading its own
    unit, with the same school, district, direct and community. Counts each unit's
    members into its school's `sizes`."""
    if not followers:
        return
    wanted = set(unit_tickets)
    heads = dict(compress(zip(holders.tickets, holders.applicants, strict=True),
                          map(wanted.__contains__, holders.tickets)))
    for a, t in zip(followers, unit_tickets, strict=True):
        head = heads.get(t)
        if head is None or head.reg != a.unit or head.unit != head.reg:
            raise AllocationError(f"{a.reg}: the unit's head {a.unit} is not in the input",
                                  section="3.2", rule="P13")
        for what in ("school", "district", "direct", "community"):
            if getattr(a, what) != getattr(head, what):
                raise AllocationError(f"{a.reg}: members of unit {a.unit} differ in {what}",
                                      section="3.2", rule="P13")
        sizes = pools[a.school].sizes
        sizes[t] = sizes.get(t, 1) + 1


def _decide(school_by_id: Mapping[str, School], pools: Mapping[str, _Pools],
            applying: Mapping[str, int], holders: Holders) -> dict[str, SchoolResult]:
    """Every school's stage runs (§7.2, §7.3) from its filed pools, in ascending id."""
    results: dict[str, SchoolResult] = {}
    for school_id, school in school_by_id.items():
        p = pools[school_id]
        if school.authority == "district" and (p.foreign or p.away):
            reg = min(holders.regs([*p.foreign, *p.away]))
            raise AllocationError(f"{reg}: another district at a district-approved school "
                                  f"{school_id} (§7.2)", section="3.4", rule="P2")
        seats = school.quota
        # 1. direct promotion (P10)
        p.direct.sort()
        direct = _run("direct", p.direct, seats, p.sizes, holders)
        seats -= direct.admitted
        # 2. community places (P11): leftovers go back to the bureau, never re-drawn
        p.community.sort()
        community = _run("community", p.community, min(school.community_quota, seats),
                         p.sizes, holders)
        seats -= community.seats
        returned = community.seats - community.admitted
        losers = direct.losers + community.losers
        # 3. district stage (P9): own district first, with the losers of 1 and 2
        p.local.extend(t for t in losers if t not in p.away)
        p.local.sort()
        district = _run("district", p.local, seats, p.sizes, holders)
        seats -= district.admitted
        runs = [direct, community, district]
        # 4. city stage (P9): city-approved schools then recruit across districts
        if school.authority == "city":
            p.foreign.extend(t for t in losers if t in p.away)
            p.foreign.sort()
            city = _run("city", p.foreign, seats, p.sizes, holders)
            seats -= city.admitted
            runs.append(city)
        # Seats no remaining unit could take go back to the bureau too (§7.2, P13).
        results[school_id] = SchoolResult(school_id, school.name, school.quota,
                                          applying[school_id], tuple(runs), returned + seats)
    return results


def allocate(schools: Sequence[School], applicants: Sequence[Applicant], seed: bytes,
             waitlist_promotion: bool) -> Draw:
    """Draw every school (§7.2–§7.4). Input order never matters (§16)."""
    school_by_id = {s.id: s for s in sorted(schools, key=lambda s: s.id)}
    if len(school_by_id) != len(schools):
        raise AllocationError("duplicate school id in the lottery input")
    pools = {sid: _Pools(s.district) for sid, s in school_by_id.items()}
    tickets, tied = _tickets(applicants, seed)
    holders = Holders(tuple(applicants), tickets)  # a copy, in case the caller's list changes
    followers = _file(applicants, tickets, pools)
    units = [a.unit for a in followers]
    unit_tickets = number_list(seed, units)  # as in _tickets
    if tied:
        unit_tickets = [n + u.encode() for n, u in zip(unit_tickets, units, strict=True)]
    _check_units(followers, unit_tickets, holders, pools)
    results = _decide(school_by_id, pools, Counter(a.school for a in applicants), holders)
    return Draw(waitlist_promotion, results, tuple(sorted(followers, key=attrgetter("reg"))),
                holders)


# --------------------------------------------------------------- national scale, streamed

_CHUNK = 65_536  # applicants read at a time by `allocate_streamed`


@dataclass(frozen=True)
class StreamedDraw:
    """A draw made from a roster read in chunks, never held whole (issue 13: 20 000 000
    entries). The same decisions as `allocate` (the same pools, runs and `_decide`), kept
    as tickets: every applicant's ticket in roster order and each school's runs.
    `outcomes` restates them per applicant from a second read of the same roster."""

    waitlist_promotion: bool
    schools: dict[str, SchoolResult]  # ascending school id
    tickets: list[bytes] = field(repr=False)  # number(reg), roster order
    unit_tickets: dict[str, bytes] = field(repr=False)  # reg -> number(unit), followers only

    def outcomes(self, roster: Iterable[Applicant]) -> Iterator[LotteryResult]:
        """Each applicant's `lottery_result` (§7.4), in roster order, equal to
        `Draw.outcomes`; `roster` must yield the roster the draw read, in the same order."""
        walks = {sid: _Walk.of(result, self.waitlist_promotion)
                 for sid, result in self.schools.items()}
        unit_tickets = self.unit_tickets
        for a, number in zip(roster, self.tickets, strict=True):
            ticket = unit_tickets[a.reg] if a.unit != a.reg else number
            yield walks[a.school].outcome(a, ticket)


@dataclass(frozen=True)
class _Walk:
    """One school's runs as a lookup: a ticket's last run, rank and waiting position."""

    runs: tuple[tuple[StageRun, dict[bytes, int], int], ...]  # latest stage first
    school: str
    waitlist_promotion: bool

    @classmethod
    def of(cls, result: SchoolResult, waitlist_promotion: bool) -> _Walk:
        runs = [(run, {t: i for i, t in enumerate(run.skipped)}, offset)
                for run, offset in zip(result.stages, _waiting_offsets(result), strict=True)]
        return cls(tuple(reversed(runs)), result.school, waitlist_promotion)

    def outcome(self, a: Applicant, ticket: bytes) -> LotteryResult:
        found = next(((walk, i) for walk in self.runs  # a unit's last run holds its ticket
                      for i in [bisect_left(walk[0].tickets, ticket)]
                      if i < len(walk[0].tickets) and walk[0].tickets[i] == ticket), None)
        if found is None:
            raise AllocationError(f"{a.reg}: not in the draw of school {self.school}")
        (run, skipped, offset), i = found
        won = i < run.stop and ticket not in skipped
        waiting = None
        if self.waitlist_promotion and not won and run.stage in ("district", "city"):
            lost = skipped.get(ticket)
            waiting = offset + 1 + (lost if lost is not None else
                                    len(skipped) + i - run.stop)
        return LotteryResult(self.school, a.reg, a.unit, "admitted" if won else "not_admitted",
                             run.stage, i + 1, waiting, run.cutoff)


def _chunks(roster: Iterable[Applicant]) -> Iterator[list[Applicant]]:
    it = iter(roster)
    while chunk := list(islice(it, _CHUNK)):
        yield chunk


def allocate_streamed(schools: Sequence[School], roster: Callable[[], Iterable[Applicant]],
                      seed: bytes, waitlist_promotion: bool) -> StreamedDraw:
    """`allocate` over a roster read `_CHUNK` applicants at a time (§7.2–§7.4).

    `roster()` yields the frozen input's applicants, the same each time it is called; it is
    read once, and a second time only for the heads of joint units when there are any.
    Memory: one ticket per applicant (a 32-byte number) and the members of joint units.
    Registration numbers are distinct in a frozen input (§3); two equal numbers in one
    pool can only be a repeated one, and are refused (P2) rather than ordered by reg.
    """
    school_by_id = {s.id: s for s in sorted(schools, key=lambda s: s.id)}
    if len(school_by_id) != len(schools):
        raise AllocationError("duplicate school id in the lottery input")
    pools = {sid: _Pools(s.district) for sid, s in school_by_id.items()}
    tickets: list[bytes] = []
    followers: list[Applicant] = []
    applying: Counter[str] = Counter()
    outside: dict[str, str] = {}  # school -> least reg from another district (§7.2, P2)
    for chunk in _chunks(roster()):
        numbers = number_list(seed, [a.reg for a in chunk])
        followers += _file(chunk, numbers, pools)
        for a in chunk:
            s = school_by_id[a.school]
            if s.authority == "district" and a.district != s.district:
                outside[s.id] = min(outside.get(s.id, a.reg), a.reg)
        applying.update(a.school for a in chunk)
        tickets += numbers
    units = [a.unit for a in followers]
    unit_tickets = number_list(seed, units)
    if followers:  # the heads, from a second read
        wanted = set(units)
        heads = [a for chunk in _chunks(roster()) for a in chunk if a.reg in wanted]
        _check_units(followers, unit_tickets,
                     Holders(heads, number_list(seed, [a.reg for a in heads])), pools)
    for sid, reg in sorted(outside.items())[:1]:  # as `_decide` would refuse
        raise AllocationError(f"{reg}: another district at a district-approved school "
                              f"{sid} (§7.2)", section="3.4", rule="P2")
    for sid, p in pools.items():
        for pool in (p.direct, p.community, p.local, p.foreign):
            pool.sort()
            if any(map(bytes.__eq__, pool, islice(pool, 1, None))):
                raise AllocationError(f"a registration number appears twice at school {sid}",
                                      section="1", rule="P2")
    results = _decide(school_by_id, pools, applying, Holders((), ()))
    return StreamedDraw(waitlist_promotion, results, tickets,
                        {a.reg: t for a, t in zip(followers, unit_tickets, strict=True)})
