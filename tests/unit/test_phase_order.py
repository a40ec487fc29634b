"""The service's state machine against tests/vectors/phase_order.json (PROTOCOL.md §11.3,
§5.1), the file the verifier is held to.

Each case's log is fed as the commands that log those entries (`SeasonState`
commands, on a tiny season: one school with one seat and two applicants, one pupil, one
teacher).
A command may log several entries at once (freeze_input: ceremony_opened,
eligibility_rejections, input_records, input_frozen; close_commitments: the
no-commitment voids; publish_draw: every lottery_results and the bias_audit;
payment_round: its promotions), so an entry the service logs only inside such a
batch is matched against the batch, and an invalid entry that no command logs on
its own is refused by construction. A valid log passes when every entry is
logged; an invalid one when its last entry is refused (PhaseError, another
ProtocolError, a no-op, or a batch that logs something else there).

The service cannot produce every valid log (it is stricter about which
valid orders it writes); those cases are listed in CANNOT_LOG with the reason,
and the test checks the list is exact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from lottery_service.core.errors import ProtocolError
from lottery_service.core.log import Entry, encode_entry
from lottery_service.core.records import (
    Applicant,
    Beacon,
    ClassPlan,
    ClassSpec,
    InputRecord,
    Pupil,
    Rules,
    School,
    Teacher,
)
from lottery_service.core.season import Body, SeasonState
from lottery_service.core.seed import Participant, commitment, seal_escrow
from tests.phase_order_cases import Case, load
from tests.phase_order_cases import Entry as VectorEntry

EVENT = "demo-2026"
TIME = "2026-07-01T09:00:00Z"
CHAIN = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
_, CASES = load()

CANNOT_LOG: dict[str, str] = {
    "rejections-between-records": "freeze_input logs every eligibility_rejections part "
                                  "before the first input_records",
}
"""Valid logs the service's commands do not write, and why."""

RECORDS: dict[str, list[InputRecord]] = {
    "lottery": [School("S001", "阳光学校", "D01", "district", 5000, 1),
                Applicant("R0001", "张*明", "S001", "D01", "F", "2026-06-11"),
                Applicant("R0002", "王*华", "S001", "D01", "M", "2026-06-11")],
    "grouping": [Pupil("R0001", "张*明", "S001", "F"),
                 ClassPlan("S001", (ClassSpec("01", 40),))],
    "teachers": [Teacher("S001", "T0001", "李*")],
}


def _secret(ceremony: str, participant: str) -> bytes:
    return hashlib.sha256(f"{ceremony}/{participant}".encode()).digest()


@dataclass
class Driver:
    """Feeds one case's entries to SeasonState as commands, appending what they log."""

    beacon: bool
    state: SeasonState = field(default_factory=SeasonState)
    entries: list[Entry] = field(default_factory=list)
    batch: list[Body] = field(default_factory=list)
    """What the last command logged beyond its first entry, not matched yet."""
    holders: dict[str, X25519PrivateKey] = field(default_factory=dict)

    def holder(self, ceremony: str) -> X25519PrivateKey:
        key = self.holders.get(ceremony)
        if key is None:
            key = X25519PrivateKey.from_private_bytes(_secret(ceremony, "escrow-holder"))
            self.holders[ceremony] = key
        return key

    def append(self, body: Body) -> None:
        entry = encode_entry(EVENT, len(self.entries), TIME, body[0], body[1])
        self.state.apply(entry)
        self.entries.append(entry)

    def feed(self, e: VectorEntry, later: Sequence[VectorEntry]) -> str | None:
        """Log `e`; None when logged, else why the service refuses it."""
        if self.batch:
            logged = self.batch.pop(0)
            if not _same(e, logged):
                return f"the command logs {logged[0]} here"
            self.append(logged)
            return None
        command = COMMANDS.get(e.type)
        if command is None:
            return f"no command logs {e.type} on its own"
        try:
            bodies = command(self, e, later)
        except ProtocolError as exc:
            return f"{type(exc).__name__}: {exc}"
        if not bodies:
            return "the command logs nothing (already done)"
        if not _same(e, bodies[0]):
            return f"the command logs {bodies[0][0]}"
        self.append(bodies[0])
        self.batch = list(bodies[1:])
        return None


def _same(e: VectorEntry, body: Body) -> bool:
    """The logged entry has the case entry's type and the body members it names."""
    type_, logged = body
    return type_ == e.type and all(logged.get(k) == v for k, v in e.body.items())


def _until_frozen(e: VectorEntry, later: Sequence[VectorEntry]) -> list[VectorEntry]:
    out = []
    for x in later:
        if x.type == "input_frozen" and x.body.get("ceremony") == e.body["ceremony"]:
            break
        out.append(x)
    return out


def _open(d: Driver, e: VectorEntry, later: Sequence[VectorEntry]) -> list[Body]:
    c = e.body["ceremony"]
    rejections = []
    if any(x.type == "eligibility_rejections" for x in _until_frozen(e, later)):
        rejections = [{"reg": "R0009", "school": "S001", "code": "P1-residence"}]
    people = [Participant(p["id"], p["role"]) for p in e.body["participants"]]
    public = d.holder(c).public_key().public_bytes_raw()
    return d.state.freeze_input(c, people, public, RECORDS.get(c, []), rejections=rejections,
                                beacon_round=1000 if d.beacon else None)


def _commit(d: Driver, e: VectorEntry, _: Sequence[VectorEntry]) -> list[Body]:
    c, p = e.body["ceremony"], e.body["participant"]
    com = commitment(EVENT, c, p, _secret(c, p))
    public = d.holder(c).public_key().public_bytes_raw()
    escrow = seal_escrow(_secret(c, p), com, public, X25519PrivateKey.generate())
    return d.state.commit(c, p, com, escrow)


def _settle(d: Driver, e: VectorEntry, _: Sequence[VectorEntry]) -> list[Body]:
    c, p = e.body["ceremony"], e.body["participant"]
    if e.type == "contribution_void":
        return d.state.void(c, p, e.body["reason"])
    return d.state.reveal(c, p, _secret(c, p), via_escrow=e.type == "escrow_opened")


def _payment_round(d: Driver, e: VectorEntry, later: Sequence[VectorEntry]) -> list[Body]:
    """When the case lists promotions next, the admitted applicant forfeits and the
    waiting one is promoted (§7.5: one promotions entry per school with a forfeit)."""
    forfeit = []
    if later and later[0].type == "promotions":
        forfeit = [o.reg for o in d.state.draw().outcomes.values() if o.outcome == "admitted"]
    return d.state.payment_round(forfeit, [])


def _ceremony(method: Callable[[SeasonState, str], list[Body]]
              ) -> Callable[[Driver, VectorEntry, Sequence[VectorEntry]], list[Body]]:
    return lambda d, e, _: method(d.state, e.body["ceremony"])


def _rules(beacon: bool) -> Rules:
    return Rules(EVENT, "2026年演示招生", 2026, 1, beacon=Beacon(CHAIN, 30) if beacon else None)


Command = Callable[[Driver, VectorEntry, Sequence[VectorEntry]], list[Body]]
COMMANDS: dict[str, Command] = {
    "event_created": lambda d, e, _: d.state.create_event(_rules(d.beacon)),
    "ceremony_opened": _open,
    "commitment": _commit,
    "commitments_closed": _ceremony(SeasonState.close_commitments),
    "reveal": _settle,
    "escrow_opened": _settle,
    "contribution_void": _settle,
    "physical_entropy": lambda d, e, _: d.state.physical_entropy(e.body["ceremony"], "notary-1",
                                                                 [1] * 20),
    "beacon": lambda d, e, _: d.state.beacon(e.body["ceremony"], CHAIN, 1000, b"\x07" * 32, "00"),
    "seed": _ceremony(SeasonState.derive_seed),
    "escrow_key_released": lambda d, e, _: d.state.release_escrow_key(
        e.body["ceremony"], d.holder(e.body["ceremony"]).private_bytes_raw()),
    "lottery_results": lambda d, e, _: d.state.publish_draw(),
    "payment_round": _payment_round,
    "payments_closed": lambda d, e, _: d.state.close_payments(),
    "grouping_results": lambda d, e, _: d.state.publish_grouping(),
    "matching_results": lambda d, e, _: d.state.publish_matching(),
    "notifications_sent": lambda d, e, _: d.state.notifications_sent(1),
    "correction": lambda d, e, _: d.state.correct(e.body["refers_to"], "例"),
    "published": _ceremony(SeasonState.publish),
}
"""The command that logs each entry type first; other types are logged only in a batch."""


def run(case: Case) -> list[str | None]:
    """The outcome of each entry, up to the first refusal."""
    d = Driver(case.beacon)
    out: list[str | None] = []
    for k, e in enumerate(case.log):
        out.append(d.feed(e, case.log[k + 1:]))
        if out[-1] is not None:
            break
    return out


def _error(case: Case, outcomes: list[Any]) -> str:
    return f"{case.name}: " + "; ".join(f"{case.log[k].type}: {o}"
                                        for k, o in enumerate(outcomes) if o is not None)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_service_state_machine_follows_the_phase_order_vector(case: Case) -> None:
    outcomes = run(case)
    if case.violates is None:
        logged = len(outcomes) == len(case.log) and all(o is None for o in outcomes)
        assert logged == (case.name not in CANNOT_LOG), _error(case, outcomes)
        return
    assert len(outcomes) == len(case.log), f"refused early: {_error(case, outcomes)}"
    assert all(o is None for o in outcomes[:-1]), _error(case, outcomes)
    assert outcomes[-1] is not None, f"{case.name}: the service logs an entry §11.3 forbids"


def test_cannot_log_names_valid_cases() -> None:
    valid = {c.name for c in CASES if c.violates is None}
    assert set(CANNOT_LOG) <= valid
