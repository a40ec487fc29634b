"""The whole season on a generated district, with simulated participants.

Every step is idempotent and the state lives in the database, so running the
demo again after a crash (even `kill -9`) resumes where the log ends and ends
with the same results: the simulated participants' secrets, dice and payments
are derived from the demo seed. Wall-clock time only appears in entry `time`
fields. `SUNSHINE_DEMO_KILL_AFTER=<step>` kills the process with SIGKILL right
after that step (used by the crash tests).
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .. import imports
from ..core.season import Phase, SeasonState
from ..core.seed import CEREMONIES, Ceremony, commitment, seal_escrow
from ..lookup import ResultIndex
from ..runtime import Runtime
from ..service import Service
from .district import DemoDistrict, generate_district, payments_csv
from .witnesses import start_demo_witnesses

WITHHOLDER = "parent-rep-1"  # simulated: never reveals; the notary opens the escrow (§5.4)


def _derive(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(("sunshine-demo", *parts)).encode()).digest()


def escrow_holder_key(event_id: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_derive(event_id, "escrow-holder"))


def public_bytes(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def base64_key(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def simulated_secret(event_id: str, ceremony: str, participant: str) -> bytes:
    return _derive(event_id, ceremony, participant, "secret")


def simulated_dice(event_id: str, ceremony: str, count: int) -> list[int]:
    stream = b"".join(_derive(event_id, ceremony, "dice", str(i)) for i in range(2))
    return [1 + b % 6 for b in stream[:count]]


@dataclass
class DemoRun:
    """The demo's steps, each safe to repeat."""

    runtime: Runtime
    district: DemoDistrict
    say: Callable[[str], None] = print

    @property
    def event(self) -> str:
        return self.district.rules.event

    @property
    def service(self) -> Service:
        return self.runtime.service

    def state(self) -> SeasonState:
        return self.service.lifecycle.state(self.event)

    def steps(self) -> list[tuple[str, Callable[[], object]]]:
        steps: list[tuple[str, Callable[[], object]]] = [
            ("setup", self.setup),
            ("registration", self.registration),
            ("freeze-roster", lambda: self.service.lifecycle.freeze_roster(self.event)),
        ]
        steps += self.ceremony_steps("lottery")
        steps += [
            ("draw", lambda: self.service.lifecycle.draw(self.event)),
            ("payments", self.payments),
            ("cohort-and-plans", self.cohort_and_plans),
            ("freeze-grouping", lambda: self.service.lifecycle.freeze_grouping(self.event)),
        ]
        steps += self.ceremony_steps("grouping")
        steps += [
            ("group", lambda: self.service.lifecycle.group(self.event)),
            ("teachers", self.teachers),
            ("freeze-teachers", lambda: self.service.lifecycle.freeze_teachers(self.event)),
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
        holder = base64_key(public_bytes(escrow_holder_key(self.event)))
        self.service.lifecycle.create_event(self.district.rules.to_json(), holder)
        start_demo_witnesses(self.service, self.event, self.runtime.settings.data_dir)
        state = self.state()
        for ceremony in CEREMONIES:
            if not state.ceremony(ceremony).frozen:
                self.service.lifecycle.set_participants(
                    self.event, ceremony,
                    [(p.id, p.role) for p in self.district.participants[ceremony]])

    def _import(self, kinds: tuple[str, ...], phase: Phase) -> None:
        if self.state().phase is not phase:
            return
        for kind in kinds:
            filename, data = self.district.files[kind]
            done = self.service.imports.import_file(self.event, kind, data, filename)
            self.say(f"    imported {done.rows} {kind} from {filename}")

    def registration(self) -> None:
        self._import(("schools", "applicants", "community", "direct"), Phase.REGISTRATION)

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
        holder = public_bytes(escrow_holder_key(self.event))
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
        steps.open_escrows(self.event, ceremony, escrow_holder_key(self.event))

    def entropy_and_seed(self, ceremony: Ceremony) -> None:
        steps, rules = self.service.ceremonies, self.district.rules
        steps.physical_entropy(self.event, ceremony, "notary-1",
                               simulated_dice(self.event, ceremony, rules.dice))
        steps.derive_seed(self.event, ceremony)
        # §5.4, §16: the notary publishes its key once the seed is out (idempotent).
        steps.release_escrow_key(self.event, ceremony, escrow_holder_key(self.event))

    def payments(self) -> None:
        lifecycle = self.service.lifecycle
        while self.state().phase is Phase.DRAWN:
            pay = self.state().payment_state()
            offers = [(reg, pay.school_of[reg]) for reg in pay.unconfirmed()]
            if not offers:
                lifecycle.close_payments(self.event)
                break
            share = 0.03 if not self.state().payment_rounds else 0.0
            data = payments_csv(offers, share, rng_seed=len(self.state().payment_rounds))
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
    draw = service.lifecycle.state(event).draw()
    shown: dict[str, str] = {}
    for outcome in sorted(draw.outcomes.values(), key=lambda o: o.reg):
        label = outcome.outcome if outcome.waiting is None else "waiting"
        if label not in shown and outcome.reg in last4:
            shown[label] = f"{outcome.reg} / {last4[outcome.reg]}"
    return shown
