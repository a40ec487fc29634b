"""The event lifecycle as a pure state machine over log entries (PROTOCOL.md §5.1, §11.3).

`SeasonState.replay(entries)` folds the log into the current state; each command
method checks the phase and returns the entry bodies to append, without
appending them. The storage layer appends them in one transaction. Because the
state is rebuilt from the log alone, a crash between any two commands resumes
exactly where the log ends. Commands are idempotent: repeating one that already
took effect returns no entries.

Phases (docs/LIFECYCLE.md maps them to the bureau's calendar, G3):

    setup → registration → lottery_ceremony → drawn (payment window)
    → confirmed (cohort and class plans entered) → grouping_ceremony → grouped
    → teacher_ceremony → matched → notified → published
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .allocation import Draw, allocate
from .bias import bias_audit
from .errors import ProtocolError
from .grouping import Grouping, group_all
from .inputs import build_input_tree
from .log import Entry, parts
from .matching import match_all
from .payments import PaymentState, apply_payment_round, initial_payment_state
from .records import (
    Applicant,
    ClassPlan,
    InputRecord,
    Pupil,
    Rules,
    School,
    Teacher,
    record_from_json,
)
from .seed import (
    CEREMONIES,
    Ceremony,
    Contribution,
    Participant,
    check_opening,
    derive_seed,
    participants_hash,
    rules_hash,
)

Body = tuple[str, dict[str, Any]]


class Phase(StrEnum):
    SETUP = "setup"
    REGISTRATION = "registration"
    LOTTERY_CEREMONY = "lottery_ceremony"
    DRAWN = "drawn"
    CONFIRMED = "confirmed"
    GROUPING_CEREMONY = "grouping_ceremony"
    GROUPED = "grouped"
    TEACHER_CEREMONY = "teacher_ceremony"
    MATCHED = "matched"
    NOTIFIED = "notified"
    PUBLISHED = "published"


class PhaseError(ProtocolError):
    """A command arrived out of order (§5.1, §11.3)."""

    title_zh = "当前阶段不能执行这一步"
    section = "11.3"


class CeremonyStep(StrEnum):
    NOT_OPENED = "not_opened"
    COMMITTING = "committing"
    REVEALING = "revealing"
    ENTROPY = "entropy"
    BEACON = "beacon"
    SEEDED = "seeded"


@dataclass
class CeremonyState:
    """What the log says of one ceremony so far."""

    kind: Ceremony
    participants: tuple[Participant, ...] = ()
    participants_hash: bytes = b""
    escrow_key: str = ""
    beacon_round: int | None = None
    records: list[InputRecord] = field(default_factory=list)
    input_root: bytes = b""
    input_size: int = 0
    frozen: bool = False
    commitments: dict[str, bytes] = field(default_factory=dict)
    escrows: dict[str, str] = field(default_factory=dict)
    closed: bool = False
    openings: dict[str, tuple[str, bytes | None]] = field(default_factory=dict)
    physical: tuple[int, ...] | None = None
    beacon: bytes | None = None
    seed: bytes | None = None
    escrow_released: bytes | None = None
    """The escrow holder's private key, once released after the seed (§5.4)."""

    @property
    def step(self) -> CeremonyStep:
        if not self.frozen:
            return CeremonyStep.NOT_OPENED
        if self.seed is not None:
            return CeremonyStep.SEEDED
        if not self.closed:
            return CeremonyStep.COMMITTING
        if len(self.openings) < len(self.participants):
            return CeremonyStep.REVEALING
        if self.physical is None:
            return CeremonyStep.ENTROPY
        return CeremonyStep.BEACON

    def pending(self) -> list[str]:
        """Participants whose contribution is not yet settled."""
        return [p.id for p in self.participants if p.id not in self.openings]

    def contributions(self) -> list[Contribution]:
        return [
            Contribution(p.id, self.commitments.get(p.id), self.openings[p.id][1])
            for p in self.participants
        ]


@dataclass
class SeasonState:
    """The event as the log tells it; build with `replay`."""

    event: str = ""
    rules: Rules | None = None
    rules_hash: bytes = b""
    size: int = 0
    ceremonies: dict[str, CeremonyState] = field(
        default_factory=lambda: {k: CeremonyState(k) for k in CEREMONIES}
    )
    rejections: list[dict[str, str]] = field(default_factory=list)
    results_schools: set[str] = field(default_factory=set)
    bias_done: bool = False
    payment_rounds: list[dict[str, Any]] = field(default_factory=list)
    payments_closed: bool = False
    grouped_schools: set[str] = field(default_factory=set)
    matched_schools: set[str] = field(default_factory=set)
    notified: bool = False
    published: set[str] = field(default_factory=set)
    _draw: Draw | None = None

    # ----------------------------------------------------------------- replay

    @classmethod
    def replay(cls, entries: Sequence[Entry]) -> SeasonState:
        state = cls()
        for entry in entries:
            state.apply(entry)
        return state

    def apply(self, entry: Entry) -> None:
        """Fold one entry into the state (the log is the source of truth)."""
        if entry.seq != self.size:
            raise PhaseError(f"entry seq {entry.seq} where {self.size} was expected")
        self.size += 1
        body = entry.body
        kind = entry.type
        if kind == "event_created":
            self.rules = Rules.from_json(body["rules"])
            self.event = self.rules.event
            self.rules_hash = bytes.fromhex(body["rules_hash"])
            return
        c = self.ceremonies.get(body.get("ceremony", ""))
        if kind == "ceremony_opened" and c is not None:
            c.participants = tuple(Participant(p["id"], p["role"]) for p in body["participants"])
            c.participants_hash = bytes.fromhex(body["participants_hash"])
            c.escrow_key = body["escrow_key"]
            c.beacon_round = body["beacon_round"]
        elif kind == "input_records" and c is not None:
            c.records.extend(record_from_json(r) for r in body["records"])
        elif kind == "input_frozen" and c is not None:
            c.input_root, c.input_size, c.frozen = bytes.fromhex(body["root"]), body["size"], True
        elif kind == "commitment" and c is not None:
            c.commitments[body["participant"]] = bytes.fromhex(body["commitment"])
            c.escrows[body["participant"]] = body["escrow"]
        elif kind == "commitments_closed" and c is not None:
            c.closed = True
        elif kind in ("reveal", "escrow_opened") and c is not None:
            c.openings[body["participant"]] = (kind, bytes.fromhex(body["secret"]))
        elif kind == "contribution_void" and c is not None:
            c.openings[body["participant"]] = (kind, None)
        elif kind == "physical_entropy" and c is not None:
            c.physical = tuple(body["values"])
        elif kind == "beacon" and c is not None:
            c.beacon = bytes.fromhex(body["randomness"])
        elif kind == "seed" and c is not None:
            c.seed = bytes.fromhex(body["seed"])
        elif kind == "escrow_key_released" and c is not None:
            c.escrow_released = base64.b64decode(body["private_key"])
        elif kind == "eligibility_rejections":
            self.rejections.extend(body["rejections"])
        elif kind == "lottery_results":
            self.results_schools.add(body["school"])
        elif kind == "bias_audit":
            self.bias_done = True
        elif kind == "payment_round":
            self.payment_rounds.append(body)
        elif kind == "payments_closed":
            self.payments_closed = True
        elif kind == "grouping_results":
            self.grouped_schools.add(body["school"])
        elif kind == "matching_results":
            self.matched_schools.add(body["school"])
        elif kind == "notifications_sent":
            self.notified = True
        elif kind == "published":
            self.published.add(body["ceremony"])

    # ------------------------------------------------------------------ phase

    @property
    def phase(self) -> Phase:
        lottery, grouping, teachers = (self.ceremonies[k] for k in CEREMONIES)
        if self.rules is None:
            return Phase.SETUP
        if "teachers" in self.published:
            return Phase.PUBLISHED
        if self.notified:
            return Phase.NOTIFIED
        if teachers.seed is not None and self.matched_schools:
            return Phase.MATCHED
        if teachers.frozen:
            return Phase.TEACHER_CEREMONY
        if grouping.seed is not None and self.grouped_schools:
            return Phase.GROUPED
        if grouping.frozen:
            return Phase.GROUPING_CEREMONY
        if self.payments_closed:
            return Phase.CONFIRMED
        if self.bias_done:
            return Phase.DRAWN
        if lottery.frozen:
            return Phase.LOTTERY_CEREMONY
        return Phase.REGISTRATION

    def _require(self, *phases: Phase) -> None:
        if self.phase not in phases:
            allowed = ", ".join(p.value for p in phases)
            raise PhaseError(f"event is in phase {self.phase.value}; this step needs {allowed}")

    def ceremony(self, kind: str) -> CeremonyState:
        if kind not in self.ceremonies:
            raise PhaseError(f"unknown ceremony {kind!r}")
        return self.ceremonies[kind]

    @property
    def ceremony_phase(self) -> dict[Ceremony, Phase]:
        return {
            "lottery": Phase.LOTTERY_CEREMONY,
            "grouping": Phase.GROUPING_CEREMONY,
            "teachers": Phase.TEACHER_CEREMONY,
        }

    # --------------------------------------------------------------- commands

    def create_event(self, rules: Rules) -> list[Body]:
        if self.rules is not None:
            if self.rules == rules:
                return []
            raise PhaseError("the event already exists with another rule set")
        return [("event_created",
                 {"rules": rules.to_json(), "rules_hash": rules_hash(rules).hex()})]

    def freeze_input(
        self,
        kind: Ceremony,
        participants: Sequence[Participant],
        escrow_key: bytes,
        records: Sequence[InputRecord],
        *,
        rejections: Sequence[dict[str, str]] = (),
        beacon_round: int | None = None,
    ) -> list[Body]:
        """Open a ceremony: fix participants and freeze its input (§5.1 steps 1-2)."""
        c = self.ceremony(kind)
        tree = build_input_tree(records)
        if c.frozen:
            if c.input_root == tree.root:
                return []
            raise PhaseError(f"{kind} input is already frozen with another root")
        before: dict[str, Phase] = {
            "lottery": Phase.REGISTRATION,
            "grouping": Phase.CONFIRMED,
            "teachers": Phase.GROUPED,
        }
        self._require(before[kind])
        assert self.rules is not None
        if (self.rules.beacon is None) != (beacon_round is None):
            raise PhaseError("beacon_round must be given exactly when the rules name a beacon")
        if rejections and kind != "lottery":
            raise PhaseError("eligibility rejections belong to the lottery ceremony")
        people = sorted(participants, key=lambda p: p.id)
        bodies: list[Body] = [("ceremony_opened", {
            "ceremony": kind,
            "participants": [{"id": p.id, "role": p.role} for p in people],
            "participants_hash": participants_hash(people).hex(),
            "escrow_key": base64.b64encode(escrow_key).decode(),
            "beacon_round": beacon_round,
        })]
        ordered = sorted(rejections, key=lambda r: (r["reg"], r["school"]))
        if ordered:
            bodies += [("eligibility_rejections", {"rejections": list(p)}) for p in parts(ordered)]
        bodies += [
            ("input_records", {"ceremony": kind, "records": [record_from_leaf(leaf) for leaf in p]})
            for p in parts(tree.leaves)
        ]
        bodies.append(("input_frozen", {"ceremony": kind, "root": tree.root.hex(),
                                        "size": tree.size}))
        return bodies

    def commit(self, kind: Ceremony, participant: str, commitment: bytes,
               escrow: str) -> list[Body]:
        c = self.ceremony(kind)
        if c.commitments.get(participant) == commitment and c.escrows[participant] == escrow:
            return []
        self._require(self.ceremony_phase[kind])
        if participant not in {p.id for p in c.participants}:
            raise PhaseError(f"{participant} is not a participant of the {kind} ceremony")
        if participant in c.commitments:
            raise PhaseError(f"{participant} has already committed; a commitment cannot change")
        if c.closed:
            raise PhaseError("commitments are closed")
        if len(commitment) != 32:
            raise PhaseError("a commitment is exactly 32 bytes (§5.3)")
        return [("commitment", {"ceremony": kind, "participant": participant,
                                "commitment": commitment.hex(), "escrow": escrow})]

    def close_commitments(self, kind: Ceremony) -> list[Body]:
        """Close commitments; anyone who did not commit is void (§5.4), never waited for."""
        c = self.ceremony(kind)
        if c.closed:
            return []
        self._require(self.ceremony_phase[kind])
        if len(c.commitments) < 2:
            raise PhaseError("at least two commitments are needed before closing (§5.2)")
        bodies: list[Body] = [("commitments_closed", {"ceremony": kind})]
        bodies += [
            ("contribution_void", {"ceremony": kind, "participant": p.id,
                                   "reason": "no-commitment"})
            for p in c.participants if p.id not in c.commitments
        ]
        return bodies

    def reveal(self, kind: Ceremony, participant: str, secret: bytes,
               *, via_escrow: bool = False) -> list[Body]:
        c = self.ceremony(kind)
        if participant in c.openings and c.openings[participant][1] == secret:
            return []
        self._require(self.ceremony_phase[kind])
        if not c.closed:
            raise PhaseError("no reveal before commitments close (§5.1)")
        if participant not in c.commitments:
            raise PhaseError(f"{participant} has no commitment to open")
        if participant in c.openings:
            raise PhaseError(f"{participant}'s contribution is already settled")
        assert self.rules is not None
        check_opening(self.event, kind, participant, secret, c.commitments[participant])
        kind_of = "escrow_opened" if via_escrow else "reveal"
        return [(kind_of, {"ceremony": kind, "participant": participant, "secret": secret.hex()})]

    def void(self, kind: Ceremony, participant: str, reason: str) -> list[Body]:
        c = self.ceremony(kind)
        if participant in c.openings and c.openings[participant][1] is None:
            return []
        self._require(self.ceremony_phase[kind])
        if reason not in ("escrow-invalid", "escrow-holder-absent"):
            raise PhaseError(f"unknown void reason {reason!r}")
        if not c.closed or participant not in c.commitments:
            raise PhaseError(f"{participant} has no closed commitment to void")
        if participant in c.openings:
            raise PhaseError(f"{participant}'s contribution is already settled")
        return [("contribution_void", {"ceremony": kind, "participant": participant,
                                       "reason": reason})]

    def physical_entropy(self, kind: Ceremony, witness: str, values: Sequence[int]) -> list[Body]:
        c = self.ceremony(kind)
        if c.physical is not None and c.physical == tuple(values):
            return []
        self._require(self.ceremony_phase[kind])
        if c.physical is not None:
            raise PhaseError("physical entropy was already entered")
        if c.step is not CeremonyStep.ENTROPY:
            raise PhaseError(f"dice are read after every contribution is settled; "
                             f"pending: {', '.join(c.pending()) or 'commitments'}")
        assert self.rules is not None
        if len(values) != self.rules.dice or any(v not in range(1, 7) for v in values):
            raise PhaseError(f"expected exactly {self.rules.dice} dice values from 1 to 6 (§5.5)")
        return [("physical_entropy", {"ceremony": kind, "witness": witness,
                                      "values": list(values)})]

    def beacon(self, kind: Ceremony, chain: str, round_: int, randomness: bytes,
               signature: str) -> list[Body]:
        c = self.ceremony(kind)
        if c.beacon is not None and c.beacon == randomness:
            return []
        self._require(self.ceremony_phase[kind])
        assert self.rules is not None
        if self.rules.beacon is None:
            raise PhaseError("the rules name no beacon")
        if c.beacon is not None:
            raise PhaseError("the beacon value was already entered")
        if c.physical is None:
            raise PhaseError("the beacon value follows the physical entropy (§5.6)")
        if chain != self.rules.beacon.chain or round_ != c.beacon_round or len(randomness) != 32:
            raise PhaseError("beacon chain, round or randomness does not match §5.6")
        return [("beacon", {"ceremony": kind, "chain": chain, "round": round_,
                            "randomness": randomness.hex(), "signature": signature})]

    def derive_seed(self, kind: Ceremony) -> list[Body]:
        c = self.ceremony(kind)
        if c.seed is not None:
            return []
        self._require(self.ceremony_phase[kind])
        assert self.rules is not None
        if c.physical is None:
            raise PhaseError("the seed needs the physical entropy (§5.7)")
        if self.rules.beacon is not None and c.beacon is None:
            raise PhaseError("the seed needs the beacon value (§5.6)")
        seed = derive_seed(
            self.event, kind, self.rules_hash, c.participants_hash, c.input_root, c.input_size,
            c.contributions(), c.physical, c.beacon,
        )
        return [("seed", {"ceremony": kind, "seed": seed.hex()})]

    def release_escrow_key(self, kind: Ceremony, private_key: bytes) -> list[Body]:
        """Publish the escrow holder's private key so anyone can check the openings (§5.4, §16).

        Only after the ceremony's seed: until then the escrows must stay sealed.
        Allowed in any later phase; the key must be the one in `ceremony_opened`.
        """
        c = self.ceremony(kind)
        if c.escrow_released is not None and c.escrow_released == private_key:
            return []
        if c.seed is None:
            raise PhaseError(f"the escrow key is released only after the {kind} seed (§5.4)")
        if c.escrow_released is not None:
            raise PhaseError(f"the {kind} escrow key was already released")
        if len(private_key) != 32:
            raise PhaseError("an X25519 private key is exactly 32 bytes (§5.4)")
        public = X25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()
        if base64.b64encode(public).decode() != c.escrow_key:
            raise PhaseError(f"this is not the {kind} ceremony's escrow key (§5.4)")
        return [("escrow_key_released", {"ceremony": kind,
                                         "private_key": base64.b64encode(private_key).decode()})]

    # ---------------------------------------------------------------- lottery

    def schools(self) -> list[School]:
        return [r for r in self.ceremonies["lottery"].records if isinstance(r, School)]

    def applicants(self) -> list[Applicant]:
        return [r for r in self.ceremonies["lottery"].records if isinstance(r, Applicant)]

    def draw(self) -> Draw:
        """The lottery draw, recomputed from the frozen roster and the seed (§7)."""
        seed = self.ceremonies["lottery"].seed
        if seed is None:
            raise PhaseError("the lottery has no seed yet")
        if self._draw is None:
            assert self.rules is not None
            self._draw = allocate(self.schools(), self.applicants(), seed,
                                  self.rules.waitlist_promotion)
        return self._draw

    def publish_draw(self) -> list[Body]:
        """Log every school's results and the bias audit (§7.4, §8)."""
        if self.bias_done:
            return []
        self._require(Phase.LOTTERY_CEREMONY)
        draw = self.draw()
        bodies: list[Body] = []
        by_school: dict[str, list[dict[str, Any]]] = {}
        for outcome in sorted(draw.outcomes.values(), key=lambda o: o.reg):
            by_school.setdefault(draw.school_of[outcome.reg], []).append(outcome.to_json())
        for school in sorted(draw.schools):
            records = by_school.get(school, [])
            chunks = list(parts(records))
            for index, chunk in enumerate(chunks):
                bodies.append(("lottery_results", {
                    "school": school, "part": index, "parts": len(chunks),
                    "summary": draw.schools[school].summary_json() if index == 0 else None,
                    "records": list(chunk),
                }))
        bodies.append(("bias_audit", {"dimensions": bias_audit(draw, self.applicants())}))
        return bodies

    def payment_state(self) -> PaymentState:
        assert self.rules is not None
        state = initial_payment_state(self.draw())
        for body in self.payment_rounds:
            state, _ = apply_payment_round(
                state, body["round"], frozenset(body["forfeited"]),
                frozenset(body["locked_elsewhere"]), self.rules.waitlist_promotion,
            )
        return state

    def payment_round(self, forfeited: Sequence[str],
                      locked_elsewhere: Sequence[str]) -> list[Body]:
        """Record who did not pay (P7) and who is locked elsewhere (P8); promote (§7.5)."""
        self._require(Phase.DRAWN)
        assert self.rules is not None
        round_no = len(self.payment_rounds) + 1
        _, promotions = apply_payment_round(
            self.payment_state(), round_no, frozenset(forfeited), frozenset(locked_elsewhere),
            self.rules.waitlist_promotion,
        )
        bodies: list[Body] = [("payment_round", {
            "round": round_no, "forfeited": sorted(set(forfeited)),
            "locked_elsewhere": sorted(set(locked_elsewhere)),
        })]
        bodies += [("promotions", p.to_json()) for p in promotions]
        return bodies

    def close_payments(self) -> list[Body]:
        if self.payments_closed:
            return []
        self._require(Phase.DRAWN)
        return [("payments_closed", {"rounds": len(self.payment_rounds)})]

    # ------------------------------------------------------- grouping/teachers

    def plans(self) -> list[ClassPlan]:
        return [r for r in self.ceremonies["grouping"].records if isinstance(r, ClassPlan)]

    def pupils(self) -> list[Pupil]:
        return [r for r in self.ceremonies["grouping"].records if isinstance(r, Pupil)]

    def teachers(self) -> list[Teacher]:
        return [r for r in self.ceremonies["teachers"].records if isinstance(r, Teacher)]

    def grouping(self) -> Grouping:
        seed = self.ceremonies["grouping"].seed
        if seed is None:
            raise PhaseError("the grouping has no seed yet")
        return group_all(self.plans(), self.pupils(), seed)

    def publish_grouping(self) -> list[Body]:
        if self.grouped_schools:
            return []
        self._require(Phase.GROUPING_CEREMONY)
        grouping = self.grouping()
        bodies: list[Body] = []
        for school in sorted(grouping.schools):
            records = [{"reg": reg, "class": cls}
                       for reg, cls in sorted(grouping.schools[school].assignments.items())]
            if not records:  # a plan with no pupils has nothing to publish (§11.2)
                continue
            chunks = list(parts(records))
            bodies += [("grouping_results", {"school": school, "part": i, "parts": len(chunks),
                                             "records": list(chunk)})
                       for i, chunk in enumerate(chunks)]
        return bodies

    def publish_matching(self) -> list[Body]:
        if self.matched_schools:
            return []
        self._require(Phase.TEACHER_CEREMONY)
        seed = self.ceremonies["teachers"].seed
        if seed is None:
            raise PhaseError("the teacher ceremony has no seed yet")
        matching = match_all(self.plans(), self.teachers(), seed)
        return [("matching_results", {"school": school,
                                      "pairs": [{"class": c, "teacher": t} for c, t in pairs]})
                for school, pairs in sorted(matching.items())]

    def notifications_sent(self, count: int) -> list[Body]:
        if self.notified:
            return []
        self._require(Phase.MATCHED)
        return [("notifications_sent", {"count": count, "channel": "sms"})]

    def correct(self, refers_to: int, reason: str) -> list[Body]:
        """A correction names an earlier entry and why; it never changes a seed (§16)."""
        if self.rules is None:
            raise PhaseError("there is no event to correct")
        if not 0 <= refers_to < self.size or not reason.strip():
            raise PhaseError("a correction refers to an existing entry and gives a reason")
        return [("correction", {"refers_to": refers_to, "reason": reason})]

    def publish(self, kind: Ceremony) -> list[Body]:
        if kind in self.published:
            return []
        ready = {
            "lottery": self.bias_done,
            "grouping": bool(self.grouped_schools),
            "teachers": bool(self.matched_schools),
        }
        if not ready[kind]:
            raise PhaseError(f"the {kind} results are not drawn yet")
        return [("published", {"ceremony": kind})]


def record_from_leaf(leaf: bytes) -> Any:
    """A frozen record as logged: the JSON value whose canonical bytes are the leaf."""
    return json.loads(leaf)
