"""The service's state machine against tests/vectors/phase_order.json (PROTOCOL.md v2
§11.3, §5.1), the file the verifier is held to.

Each case's log is fed as the `SeasonState` commands that log those entries, on a tiny
event (one school with one seat and two applicants, each ceremony its own escrow key). A
command may log several entries at once (freeze_input: eligibility_rejections,
input_records, input_frozen; close_commitments: the no-commitment voids), so an entry the
service logs only inside such a batch is matched against the batch, and an invalid entry
no command logs on its own is refused by construction. A valid log passes when every entry
is logged; an invalid one when its last entry is refused (a ProtocolError, a no-op, or a
batch that logs something else there).

The vector's logs past the lottery seed are abstract (schools, registration numbers and
counts no real draw of this event produces), so a case whose entries before the last
include lottery results or later is out of the service's reach: `in_scope` says which, and
the verifier's own test (tests/unit/verifier/test_verifier_phase_order.py) runs every case.
For an invalid case the last entry may be of any type: the service must refuse it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from lottery_service.core.beacon import QUICKNET, BeaconRound, protocol_time, unix_time
from lottery_service.core.entries import (
    Body,
    DailyHours,
    PostponeReason,
    RehearsalRecorded,
    VoidReason,
    WindowPhase,
)
from lottery_service.core.errors import ProtocolError
from lottery_service.core.inputs import build_input_tree
from lottery_service.core.log import encode_entry
from lottery_service.core.privacy import AttributeOpening, rejection_tree
from lottery_service.core.records import Applicant, InputRecord, Rules, School
from lottery_service.core.season import SeasonState
from lottery_service.core.seed import Participant, commitment, seal_escrow
from tests.phase_order_cases import Case, load
from tests.phase_order_cases import Entry as VectorEntry

EVENT = "demo-2026"
START = "2026-07-01T09:00:00Z"
_, CASES = load()

LOTTERY_TYPES = frozenset({
    "event_created", "window_set", "window_removed", "rehearsal_recorded", "locks_recorded",
    "ceremony_opened", "eligibility_rejections", "input_records", "input_frozen",
    "input_withdrawn", "commitment", "commitments_closed", "reveal", "escrow_opened",
    "contribution_void", "physical_entropy", "beacon_postponed", "beacon", "seed",
    "escrow_key_released", "correction"})
"""What this tiny event logs up to the lottery seed: the service's reach here."""

CANNOT_LOG: dict[str, str] = {
    "input-in-several-parts": "input_records parts split at 250 records or 64 KiB (§11.1); "
                              "the tiny event's input fits one part",
}
"""Valid logs in scope that the service's commands do not write, and why."""


def _attrs(reg: str) -> str:
    return AttributeOpening(reg, "F", (), hashlib.sha256(reg.encode()).digest()).attrs


RECORDS: list[InputRecord] = [
    School("S001", "阳光学校", "D01", "district", 5000, 1),
    Applicant("R0001", "张*明", "S001", "D01", "2026-06-11", _attrs("R0001")),
    Applicant("R0002", "王*华", "S001", "D01", "2026-06-11", _attrs("R0002"))]


def in_scope(case: Case) -> bool:
    """Every entry but the last is of the lottery ceremony and up to its seed."""
    return all(_lottery(e) for e in case.log[:-1])


def _secret(ceremony: str, participant: str) -> bytes:
    return hashlib.sha256(f"{ceremony}/{participant}".encode()).digest()


@dataclass
class Driver:
    """Feeds one case's entries to SeasonState as commands, appending what they log."""

    beacon: bool
    rehearsal: bool
    state: SeasonState = field(default_factory=SeasonState)
    batch: list[Body] = field(default_factory=list)
    """What the last command logged beyond its first entry, not matched yet."""
    now: str = START

    def holder(self, ceremony: str) -> X25519PrivateKey:
        return X25519PrivateKey.from_private_bytes(_secret(ceremony, "escrow-holder"))

    def append(self, body: Body) -> None:
        self.state.apply(encode_entry(EVENT, self.state.size, self.now, body.TYPE,
                                      body.to_json()))

    def at(self, moment: str | int | None) -> None:
        """Move the clock forward (entry times never decrease, §11.1)."""
        if moment is None:
            return
        text = moment if isinstance(moment, str) else protocol_time(moment)
        self.now = max(self.now, text)

    def feed(self, e: VectorEntry, later: Sequence[VectorEntry]) -> str | None:
        """Log `e`; None when logged, else why the service refuses it."""
        if e.time is not None:
            if self.state.size and e.time < self.state.last_time:
                # service/unit_of_work.py logs at max(clock, last time): never this entry
                return f"the service logs at {self.state.last_time}, not {e.time}"
            self.now = e.time
        if self.batch:
            logged = self.batch.pop(0)
            if not _same(e, logged):
                return f"the command logs {logged.TYPE} here"
            self.append(logged)
            return None
        command = COMMANDS.get(e.type)
        if command is None:
            return f"no command logs {e.type} on its own"
        try:
            bodies = command(self, e, later)
            if not bodies:
                return "the command logs nothing (already done)"
            if not _same(e, bodies[0]):
                return f"the command logs {bodies[0].TYPE}"
            self.append(bodies[0])
        except ProtocolError as exc:
            return f"{type(exc).__name__}: {exc}"
        self.batch = list(bodies[1:])
        return None


def _same(e: VectorEntry, body: Body) -> bool:
    """The logged entry has the case entry's type and the body members it names."""
    logged = body.to_json()
    return e.type == body.TYPE and all(logged.get(k) == v for k, v in e.body.items())


def _records_until_frozen(e: VectorEntry, later: Sequence[VectorEntry]) -> list[InputRecord]:
    """The records this freeze logs: none when the case freezes an empty input."""
    for x in [e, *later]:
        if x.type == "input_records":
            return RECORDS
        if x.type == "input_frozen":
            return []
    return RECORDS


def _freeze(d: Driver, e: VectorEntry, later: Sequence[VectorEntry]) -> list[Body]:
    c = e.body.get("ceremony", "lottery")
    records = _records_until_frozen(e, later) if c == "lottery" else []
    return d.state.freeze_input(c, build_input_tree(records), d.now,  # type: ignore[arg-type]
                                rejections=rejection_tree([]) if c == "lottery" else None)


def _open(d: Driver, e: VectorEntry, _: Sequence[VectorEntry]) -> list[Body]:
    c = e.body["ceremony"]
    people = [Participant(p["id"], p["role"]) for p in e.body["participants"]]
    by = protocol_time(unix_time(d.now) + 3600) if d.beacon else None
    return d.state.open_ceremony(c, people, d.holder(c).public_key().public_bytes_raw(),
                                 d.now, by)


def _commit(d: Driver, e: VectorEntry, _: Sequence[VectorEntry]) -> list[Body]:
    c, p = e.body["ceremony"], e.body["participant"]
    com = commitment(EVENT, c, p, _secret(c, p))
    public = d.holder(c).public_key().public_bytes_raw()
    escrow = seal_escrow(_secret(c, p), com, public, X25519PrivateKey.generate())
    return d.state.commit(c, p, com, escrow, d.now)


def _settle(d: Driver, e: VectorEntry, _: Sequence[VectorEntry]) -> list[Body]:
    c, p = e.body["ceremony"], e.body["participant"]
    if e.type == "contribution_void":
        return d.state.void(c, p, VoidReason(e.body["reason"]), d.now)
    return d.state.reveal(c, p, _secret(c, p), d.now, via_escrow=e.type == "escrow_opened")


def _postpone(d: Driver, e: VectorEntry, _: Sequence[VectorEntry]) -> list[Body]:
    """Late dice: just after the deadline, with a new one an hour on; a missing round:
    600 s after its time (§5.6)."""
    c = d.state.ceremony(e.body["ceremony"])
    reason = PostponeReason(e.body["reason"])
    schedule = c.schedule
    if schedule is None:
        return d.state.postpone_beacon(e.body["ceremony"], reason, d.now)
    if reason is PostponeReason.PHYSICAL_ENTROPY_LATE:
        d.at(schedule.physical_entropy_by + 1)
        return d.state.postpone_beacon(e.body["ceremony"], reason, d.now,
                                       protocol_time(unix_time(d.now) + 3600))
    d.at(schedule.round_time + 600)
    return d.state.postpone_beacon(e.body["ceremony"], reason, d.now)


def _beacon(d: Driver, e: VectorEntry, _: Sequence[VectorEntry]) -> list[Body]:
    """The round in force, as `core.beacon.check_round` would hand it over verified."""
    c = d.state.ceremony(e.body["ceremony"])
    round_ = c.schedule.round if c.schedule is not None else 1000
    if c.schedule is not None:
        d.at(c.schedule.round_time)
    return d.state.beacon(e.body["ceremony"], BeaconRound(round_, b"\x07" * 48,
                                                          b"\x05" * 32), d.now)


def _window(d: Driver, e: VectorEntry, _: Sequence[VectorEntry]) -> list[Body]:
    phase = WindowPhase(e.body["phase"])
    if e.type == "window_removed":
        return d.state.remove_window(phase, d.now)
    closes = protocol_time(unix_time(e.body["opens"]) + 86400)
    return d.state.set_window(phase, e.body["opens"], closes, DailyHours("08:00", "00:00"),
                              d.now)


def _ceremony(method: Callable[[SeasonState, Any, str], list[Body]]
              ) -> Callable[[Driver, VectorEntry, Sequence[VectorEntry]], list[Body]]:
    return lambda d, e, _: method(d.state, e.body["ceremony"], d.now)


def _rules(d: Driver) -> Rules:
    origin = f"draw.example.cn/{'rehearsal/' if d.rehearsal else ''}{EVENT}"
    return Rules(EVENT, origin, "2026年演示招生", 2026, 1, rehearsal=d.rehearsal,
                 beacon=QUICKNET if d.beacon else None)


REHEARSAL = RehearsalRecorded("demo-2026-r1", "draw.example.cn/rehearsal/demo-2026-r1", 12,
                              bytes(32), "draw.example.cn/rehearsal/demo-2026-r1+0+AAAA")

Command = Callable[[Driver, VectorEntry, Sequence[VectorEntry]], list[Body]]
COMMANDS: dict[str, Command] = {
    "event_created": lambda d, e, _: d.state.create_event(_rules(d)),
    "window_set": _window,
    "window_removed": _window,
    "rehearsal_recorded": lambda d, e, _: d.state.record_rehearsal(REHEARSAL),
    "locks_recorded": lambda d, e, _: d.state.record_locks(d.state.size),
    "ceremony_opened": _open,
    "eligibility_rejections": _freeze,
    "input_records": _freeze,
    "input_frozen": _freeze,
    "input_withdrawn": lambda d, e, _: d.state.withdraw_input(e.body["ceremony"], "更正名单"),
    "commitment": _commit,
    "commitments_closed": _ceremony(SeasonState.close_commitments),
    "reveal": _settle,
    "escrow_opened": _settle,
    "contribution_void": _settle,
    "physical_entropy": lambda d, e, _: d.state.physical_entropy(e.body["ceremony"],
                                                                 "notary-1", [1] * 20, d.now),
    "beacon_postponed": _postpone,
    "beacon": _beacon,
    "seed": _ceremony(SeasonState.derive_seed),
    "escrow_key_released": lambda d, e, _: d.state.release_escrow_key(
        e.body["ceremony"], d.holder(e.body["ceremony"]).private_bytes_raw(), d.now),
    "lottery_summary": lambda d, e, _: d.state.publish_draw({}, d.now),
    "lottery_result": lambda d, e, _: d.state.publish_draw({}, d.now),
    "bias_audit": lambda d, e, _: d.state.publish_draw({}, d.now),
    "correction": lambda d, e, _: d.state.correct(e.body["refers_to"], "例"),
    "published": lambda d, e, _: d.state.publish(e.body["ceremony"]),
    "payments_closed": lambda d, e, _: d.state.close_payments(d.now),
    "payment_round": lambda d, e, _: d.state.payment_round([], [], [], d.now),
    "grouping_summary": lambda d, e, _: d.state.publish_grouping({}, d.now),
    "matching_result": lambda d, e, _: d.state.publish_matching(d.now),
}
"""The command that logs each entry type first; other types are logged only in a batch."""


def run(case: Case) -> list[str | None]:
    """The outcome of each entry, up to the first refusal."""
    d = Driver(case.beacon, case.rehearsal)
    out: list[str | None] = []
    for k, e in enumerate(case.log):
        out.append(d.feed(e, case.log[k + 1:]))
        if out[-1] is not None:
            break
    return out


def _error(case: Case, outcomes: list[Any]) -> str:
    return f"{case.name}: " + "; ".join(f"{case.log[k].type}: {o}"
                                        for k, o in enumerate(outcomes) if o is not None)


def _lottery(e: VectorEntry) -> bool:
    return e.type in LOTTERY_TYPES and e.body.get("ceremony", "lottery") == "lottery"


SCOPE = [c for c in CASES if in_scope(c) and (c.violates is not None or _lottery(c.log[-1]))]


@pytest.mark.parametrize("case", SCOPE, ids=[c.name for c in SCOPE])
def test_service_state_machine_follows_the_phase_order_vector(case: Case) -> None:
    outcomes = run(case)
    if case.violates is None:
        logged = len(outcomes) == len(case.log) and all(o is None for o in outcomes)
        assert logged == (case.name not in CANNOT_LOG), _error(case, outcomes)
        return
    assert len(outcomes) == len(case.log), f"refused early: {_error(case, outcomes)}"
    assert all(o is None for o in outcomes[:-1]), _error(case, outcomes)
    assert outcomes[-1] is not None, f"{case.name}: the service logs an entry §11.3 forbids"


def test_the_scope_is_most_of_the_vector() -> None:
    """Every rule up to the lottery seed has its negative case in scope; CANNOT_LOG names
    valid cases in scope only."""
    valid = {c.name for c in SCOPE if c.violates is None}
    assert set(CANNOT_LOG) <= valid
    rules = {c.violates for c in SCOPE if c.violates}
    assert rules >= {"event-created", "time-order", "window", "rehearsal-recorded",
                     "ceremony-order", "opened-first", "rejections", "inputs", "withdrawal",
                     "commitments", "no-commitment", "settlement", "physical-entropy",
                     "postponement", "beacon", "seed", "key-release", "correction"}
    assert len(SCOPE) >= 70
