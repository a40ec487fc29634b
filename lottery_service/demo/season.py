"""The whole season on a generated district, with simulated participants (protocol v2).

Every step is idempotent and the state lives in the database, so running the
demo again after a crash (even `kill -9`) resumes where the log ends and ends
with the same results: the simulated participants' secrets, dice and payments
are derived from the demo seed. `SUNSHINE_DEMO_KILL_AFTER=<step>` kills the
process with SIGKILL right after that step (used by the crash tests).

The rules name drand quicknet (§5.6), and each ceremony's beacon is a real,
recorded quicknet round (`quicknet_rounds.json`: rounds 1000, 13335 and 65536,
from tests/vectors/beacon.json and their public sources), verified by its BLS
signature before it is logged. For those rounds to be the ones in force, the
demo runs on its own clock (`DemoClock`) in August 2023: each ceremony opens
half an hour before its round, its dice deadline is the round before, and the
entries carry those times. (The rule set still says 2026: only the log's
clock is simulated; nothing else in the season depends on it.) Each ceremony
has its own escrow key (§5.4), released only after that ceremony's seed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .. import imports
from ..core.beacon import QUICKNET, protocol_time
from ..core.season import Phase, SeasonState
from ..core.seed import CEREMONIES, Ceremony, commitment, seal_escrow
from ..lookup import ResultIndex
from ..runtime import Runtime
from ..service import Service
from .district import DemoDistrict, generate_district, payments_csv
from .witnesses import start_demo_witnesses

WITHHOLDER = "parent-rep-1"  # simulated: never reveals; the notary opens the escrow (§5.4)
BEACON_ROUNDS: Final[dict[Ceremony, int]] = {"lottery": 1000, "grouping": 13335,
                                             "teachers": 65536}
"""The recorded quicknet round each ceremony's beacon is (§5.6)."""
OPEN_BEFORE: Final = 1800  # a ceremony opens half an hour before its round is due


def _derive(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(("sunshine-demo", *parts)).encode()).digest()


def escrow_holder_key(event_id: str, ceremony: Ceremony) -> X25519PrivateKey:
    """The notary's escrow key of one ceremony: a key per ceremony (§5.4)."""
    return X25519PrivateKey.from_private_bytes(_derive(event_id, ceremony, "escrow-holder"))


def public_bytes(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def base64_key(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def simulated_secret(event_id: str, ceremony: str, participant: str) -> bytes:
    return _derive(event_id, ceremony, participant, "secret")


def simulated_dice(event_id: str, ceremony: str, count: int) -> list[int]:
    stream = b"".join(_derive(event_id, ceremony, "dice", str(i)) for i in range(2))
    return [1 + b % 6 for b in stream[:count]]


def recorded_round(number: int) -> str:
    """A recorded quicknet round's JSON, as relays publish it."""
    data = json.loads(resources.files(__package__).joinpath("quicknet_rounds.json")
                      .read_text(encoding="utf-8"))
    text: str = data["rounds"][str(number)]["json"]
    return text


def round_time(number: int) -> int:
    return QUICKNET.round_time(number)


@dataclass
class DemoClock:
    """The demo's clock: it runs from a set moment, one second a reading, never back."""

    now: int = field(default_factory=lambda: round_time(BEACON_ROUNDS["lottery"]) - 2 * 86400)

    def __call__(self) -> str:
        self.now += 1
        return protocol_time(self.now)

    def at(self, moment: int) -> None:
        self.now = max(self.now, moment)


def deadline(ceremony: Ceremony) -> str:
    """The dice deadline: the time of the round before the one in force (§5.6)."""
    return protocol_time(round_time(BEACON_ROUNDS[ceremony] - 1))


@dataclass
class DemoRun:
    """The demo's steps, each safe to repeat."""

    runtime: Runtime
    district: DemoDistrict
    say: Callable[[str], None] = print
    clock: DemoClock = field(default_factory=DemoClock)

    def __post_init__(self) -> None:
        self.service.db.clock = self.clock  # the demo's log runs on the demo clock

    @property
    def event(self) -> str:
        return str(self.district.rules["event"])

    @property
    def service(self) -> Service:
        return self.runtime.service

    def state(self) -> SeasonState:
        return self.service.lifecycle.state(self.event)

    def steps(self) -> list[tuple[str, Callable[[], object]]]:
        steps: list[tuple[str, Callable[[], object]]] = [
            ("setup", self.setup),
            ("registration", self.registration),
            ("freeze-roster", self.freeze_roster),
        ]
        steps += self.ceremony_steps("lottery")
        steps += [
            ("draw", lambda: self.service.lifecycle.draw(self.event)),
            ("payments", self.payments),
            ("cohort-and-plans", self.cohort_and_plans),
            ("freeze-grouping", lambda: self.freeze("grouping")),
        ]
        steps += self.ceremony_steps("grouping")
        steps += [
            ("group", lambda: self.service.lifecycle.group(self.event)),
            ("teachers", self.teachers),
            ("freeze-teachers", lambda: self.freeze("teachers")),
        ]
        steps += self.ceremony_steps("teachers")
        steps += [
            ("match", lambda: self.service.lifecycle.match(self.event)),
            ("notify", self.notify),
            ("publish", self.publish),
            ("export", self.export),
        ]
        return steps

    def run(self) -> Path:
        kill_after = os.environ.get("SUNSHINE_DEMO_KILL_AFTER")
        for name, step in self.steps():
            step()
            self.say(f"  ✓ {name}")
            if name == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        return self.runtime.settings.audit_dir / self.event

    # -------------------------------------------------------------- steps

    def setup(self) -> None:
        self.service.lifecycle.create_event(self.district.rules)
        start_demo_witnesses(self.service, self.event, self.runtime.settings.data_dir)
        state = self.state()
        beacon = state.rules is not None and state.rules.beacon is not None
        for ceremony in CEREMONIES:
            if state.ceremony(ceremony).opened is None:
                self.service.lifecycle.set_participants(
                    self.event, ceremony,
                    [(p.id, p.role) for p in self.district.participants[ceremony]],
                    base64_key(public_bytes(escrow_holder_key(self.event, ceremony))),
                    f"{deadline(ceremony)[:-1]}+00:00" if beacon else None)

    def _import(self, kinds: tuple[str, ...], phase: Phase) -> None:
        if self.state().phase is not phase:
            return
        for kind in kinds:
            filename, data = self.district.files[kind]
            done = self.service.imports.import_file(self.event, kind, data, filename)
            self.say(f"    imported {done.rows} {kind} from {filename}")

    def registration(self) -> None:
        self._import(("schools", "applicants", "community", "direct"), Phase.REGISTRATION)

    def _opening(self, ceremony: Ceremony) -> None:
        """Set the clock to the ceremony's opening: half an hour before its round."""
        self.clock.at(round_time(BEACON_ROUNDS[ceremony]) - OPEN_BEFORE)

    def freeze_roster(self) -> None:
        if self.state().ceremony("lottery").frozen is not None:
            return
        shown = self.service.lifecycle.eligibility_preview(self.event)
        self.say("    " + shown.text.replace("\n", "\n    "))
        self._opening("lottery")
        self.service.lifecycle.freeze_roster(self.event, shown.code)  # the operator confirms

    def freeze(self, ceremony: Ceremony) -> None:
        if self.state().ceremony(ceremony).frozen is not None:
            return
        self._opening(ceremony)
        if ceremony == "grouping":
            self.service.lifecycle.freeze_grouping(self.event)
        else:
            self.service.lifecycle.freeze_teachers(self.event)

    def ceremony_steps(self, ceremony: Ceremony) -> list[tuple[str, Callable[[], object]]]:
        return [
            (f"{ceremony}-commitments", lambda: self.commitments(ceremony)),
            (f"{ceremony}-reveals", lambda: self.reveals(ceremony)),
            (f"{ceremony}-seed", lambda: self.entropy_and_seed(ceremony)),
        ]

    def commitments(self, ceremony: Ceremony) -> None:
        steps, c = self.service.ceremonies, self.state().ceremony(ceremony)
        if c.closed:
            return
        holder = public_bytes(escrow_holder_key(self.event, ceremony))
        for p in c.participants:
            secret = simulated_secret(self.event, ceremony, p.id)
            com = commitment(self.event, ceremony, p.id, secret)
            ephemeral = X25519PrivateKey.from_private_bytes(
                _derive(self.event, ceremony, p.id, "ephemeral"))
            steps.commit(self.event, ceremony, p.id, com,
                         seal_escrow(secret, com, holder, ephemeral))
        steps.close_commitments(self.event, ceremony)

    def reveals(self, ceremony: Ceremony) -> None:
        steps, c = self.service.ceremonies, self.state().ceremony(ceremony)
        if c.physical is not None or c.seed is not None:
            return
        for p in c.participants:
            if p.id != WITHHOLDER and p.id not in c.openings:
                steps.reveal(self.event, ceremony, p.id,
                             simulated_secret(self.event, ceremony, p.id))
        steps.open_escrows(self.event, ceremony, escrow_holder_key(self.event, ceremony))

    def entropy_and_seed(self, ceremony: Ceremony) -> None:
        steps = self.service.ceremonies
        rules = self.state().rules
        if rules is None:
            return
        steps.physical_entropy(self.event, ceremony, "notary-1",
                               simulated_dice(self.event, ceremony, rules.dice))
        if rules.beacon is not None:
            # The round is published at its time; the operator pastes it as a relay serves it.
            self.clock.at(round_time(BEACON_ROUNDS[ceremony]) + 5)
            steps.beacon(self.event, ceremony, recorded_round(BEACON_ROUNDS[ceremony]))
        steps.derive_seed(self.event, ceremony)
        # §5.4, §16: the notary publishes this ceremony's key once its seed is out.
        steps.release_escrow_key(self.event, ceremony, escrow_holder_key(self.event, ceremony))

    def payments(self) -> None:
        lifecycle = self.service.lifecycle
        while self.state().phase is Phase.DRAWN:
            state = self.state()
            pay = state.payment_state()
            if pay.closed or not pay.status:
                lifecycle.close_payments(self.event)
                break
            offers = [(reg, pay.school_of[reg]) for reg in pay.unconfirmed()]
            share = 0.03 if not state.payments else 0.0
            data = payments_csv(offers, share, rng_seed=len(state.payments))
            self.service.imports.import_file(self.event, "payments", data, "bank-receipts.csv")
            lifecycle.payment_round(self.event)

    def cohort_and_plans(self) -> None:
        self._import(("pupils", "class-plans"), Phase.CONFIRMED)

    def teachers(self) -> None:
        self._import(("teachers",), Phase.GROUPED)

    def result_index(self) -> ResultIndex:
        """The public results as the latest signed checkpoint has them (§14)."""
        return self.service.snapshots.snapshot(self.event).index()

    def notify(self) -> None:
        if self.state().phase is Phase.MATCHED:
            self.service.notifications.notify(self.event)

    def publish(self) -> None:
        for ceremony in CEREMONIES:
            self.service.lifecycle.publish(self.event, ceremony)

    def export(self) -> None:
        self.say(f"    bundle: {self.service.exports.export(self.event)}")


def run_demo(runtime: Runtime, applicants: int = 5000,
             say: Callable[[str], None] = print) -> Path:
    district = generate_district(applicants=applicants)
    return DemoRun(runtime, district, say).run()


def sample_lookups(service: Service, event: str, applicants: int) -> dict[str, str]:
    """One synthetic family per kind of outcome, to try on the parents' page:
    outcome → "reg / ID last 4" (demo data only)."""
    filename, data = generate_district(applicants=applicants).files["applicants"]
    last4 = {row.reg: row.id_last4 for row in imports.parse("applicants", data, filename).rows}
    state = service.lifecycle.state(event)
    shown: dict[str, str] = {}
    for reg, result in sorted(state.lottery_results.items()):
        label = result.body.outcome if result.body.waiting is None else "waiting"
        if label not in shown and reg in last4:
            shown[label] = f"{reg} / {last4[reg]}"
    return shown


__all__ = ["BEACON_ROUNDS", "DemoClock", "DemoRun", "base64_key", "deadline",
           "escrow_holder_key", "public_bytes", "recorded_round", "run_demo", "sample_lookups",
           "simulated_dice", "simulated_secret"]
