"""The event as a pure state machine over its typed log (PROTOCOL.md v2 §5.1, §11.3, §11.4).

`SeasonState.apply(entry)` is the one fold of the log: every reader in the
service (the lifecycle, the read model behind receipts and pages, the demo)
builds its view from it, and `SeasonState.replay(entries)` folds a whole log.
Besides the ceremony state the fold keeps the published facts with the seq
of the entry that logged them (`Logged`): per school its lottery summary and
grouping summary, per registration number its lottery result, forfeits, lock,
promotions and class, per class its head teacher.

Each command method checks the order rules and returns the entry bodies to
append, without appending them; the service appends them in one transaction
with a signed checkpoint. Because the state is rebuilt from the log alone, a
crash between two commands resumes exactly where the log ends. Commands are
idempotent where repeating them is natural: one that already took effect
returns no bodies. Commands whose rules depend on the clock take `now`, the
time the entries will carry (§1 time).

Phases (docs/LIFECYCLE.md maps them to the bureau's calendar, G3):

    setup → registration → lottery_ceremony → drawn (payment window)
    → confirmed (cohort and class plans) → grouping_ceremony → grouped
    → teacher_ceremony → matched → notified → published
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from . import feasibility
from .allocation import Draw, allocate
from .beacon import BeaconRound, BeaconSchedule, PostponeReason, protocol_time, unix_time
from .bias import bias_audit
from .entries import BeaconPostponed as BeaconPostponedBody
from .entries import BeaconValue as BeaconBody
from .entries import (
    BiasAudit,
    Body,
    CeremonyOpened,
    ClassSummary,
    Commitment,
    CommitmentsClosed,
    ContributionVoid,
    Correction,
    DailyHours,
    EligibilityRejections,
    EscrowKeyReleased,
    EscrowOpened,
    EventCreated,
    Forfeit,
    GroupingResult,
    GroupingSummary,
    InputFrozen,
    InputRecords,
    InputWithdrawn,
    Lock,
    LocksRecorded,
    LotteryResult,
    LotterySummary,
    MatchingResult,
    NotificationsSent,
    PaymentRound,
    PaymentsClosed,
    PhysicalEntropy,
    Promotion,
    Promotions,
    Published,
    RehearsalRecorded,
    Reveal,
    Seed,
    Topic,
    VoidReason,
    WindowPhase,
    WindowRemoved,
    WindowSet,
)
from .errors import ProtocolError
from .grouping import Grouping, group_all
from .inputs import InputTree, build_input_tree
from .log import Entry, record_parts
from .matching import match_all
from .payments import PaymentState, initial_payment_state, payment_round
from .privacy import AttributeOpening, RejectionTree
from .records import (
    Applicant,
    ClassPlan,
    Gender,
    InputRecord,
    OpenedPupil,
    Pupil,
    Rules,
    School,
    Teacher,
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

__all__ = [
    "CEREMONY_WINDOW",
    "WAITS_FOR",
    "CeremonyState",
    "CeremonyStep",
    "Logged",
    "Phase",
    "PhaseError",
    "SeasonState",
]

B = TypeVar("B")


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
    """A command arrived out of order (§5.1, §11.3) or outside its window (§11.4)."""

    title_zh = "当前阶段不能执行这一步"
    section = "11.3"


class CeremonyStep(StrEnum):
    NOT_OPENED = "not_opened"
    OPENED = "opened"  # open, its input not (or no longer) frozen: amendable
    COMMITTING = "committing"
    REVEALING = "revealing"
    ENTROPY = "entropy"
    BEACON = "beacon"
    SEEDED = "seeded"


CEREMONY_WINDOW: dict[Ceremony, WindowPhase] = {
    "lottery": WindowPhase.LOTTERY_CEREMONY, "grouping": WindowPhase.GROUPING_CEREMONY,
    "teachers": WindowPhase.TEACHER_CEREMONY}
"""The window a ceremony runs in, from its first commitment to its results (§11.4, P6)."""

WAITS_FOR: dict[Ceremony, WindowPhase] = {
    "lottery": WindowPhase.REGISTRATION, "grouping": WindowPhase.COHORT,
    "teachers": WindowPhase.TEACHERS}
"""The window whose `closes` a ceremony's `input_frozen` waits for (§11.4)."""


@dataclass(frozen=True, slots=True)
class Logged(Generic[B]):
    """A body as logged: the entry's seq and time with it."""

    seq: int
    time: str
    body: B


@dataclass
class CeremonyState:
    """What the log says of one ceremony so far (its current input: after the last
    `input_withdrawn`, §5.1 step 3)."""

    kind: Ceremony
    opened: Logged[CeremonyOpened] | None = None
    rejections: Logged[EligibilityRejections] | None = None
    records: list[InputRecord] = field(default_factory=list)
    frozen: Logged[InputFrozen] | None = None
    withdrawals: list[Logged[InputWithdrawn]] = field(default_factory=list)
    commitments: dict[str, Logged[Commitment]] = field(default_factory=dict)
    closed: Logged[CommitmentsClosed] | None = None
    openings: dict[str, Logged[Reveal | EscrowOpened | ContributionVoid]] = field(
        default_factory=dict)
    physical: Logged[PhysicalEntropy] | None = None
    postponements: list[Logged[BeaconPostponedBody]] = field(default_factory=list)
    schedule: BeaconSchedule | None = None
    beacon: Logged[BeaconBody] | None = None
    seed: Logged[Seed] | None = None
    released: Logged[EscrowKeyReleased] | None = None
    _tree: InputTree | None = field(default=None, repr=False)

    @property
    def participants(self) -> tuple[Participant, ...]:
        return () if self.opened is None else self.opened.body.participants

    @property
    def escrow_key(self) -> bytes:
        return b"" if self.opened is None else self.opened.body.escrow_key

    @property
    def input_root(self) -> bytes:
        return b"" if self.frozen is None else self.frozen.body.root

    @property
    def input_size(self) -> int:
        return 0 if self.frozen is None else self.frozen.body.size

    @property
    def step(self) -> CeremonyStep:
        if self.opened is None:
            return CeremonyStep.NOT_OPENED
        if self.frozen is None:
            return CeremonyStep.OPENED
        if self.seed is not None:
            return CeremonyStep.SEEDED
        if self.closed is None:
            return CeremonyStep.COMMITTING
        if len(self.openings) < len(self.participants):
            return CeremonyStep.REVEALING
        if self.physical is None:
            return CeremonyStep.ENTROPY
        return CeremonyStep.BEACON

    @property
    def first_commitment(self) -> Logged[Commitment] | None:
        return min(self.commitments.values(), key=lambda c: c.seq, default=None)

    def pending(self) -> list[str]:
        """Participants whose contribution is not yet settled."""
        return [p.id for p in self.participants if p.id not in self.openings]

    def settled(self, participant: str) -> str | None:
        """How a participant's contribution was settled: reveal, escrow_opened or the void
        reason; None while pending."""
        o = self.openings.get(participant)
        if o is None:
            return None
        return o.body.reason.value if isinstance(o.body, ContributionVoid) else o.body.TYPE.value

    def secret(self, participant: str) -> bytes | None:
        o = self.openings.get(participant)
        return None if o is None or isinstance(o.body, ContributionVoid) else o.body.secret

    def contributions(self) -> list[Contribution]:
        return [Contribution(p.id, c.body.commitment if (c := self.commitments.get(p.id))
                             else None, self.secret(p.id)) for p in self.participants]

    def tree(self) -> InputTree:
        """The input tree of the frozen input (§3.3): what receipts prove records under."""
        if self._tree is None:
            self._tree = build_input_tree(self.records)
        return self._tree

    def _reset_input(self) -> None:
        self.rejections, self.records, self.frozen, self._tree = None, [], None, None


@dataclass
class PaymentFacts:
    """One logged payment round (§7.5)."""

    round: Logged[PaymentRound]
    forfeits: list[Logged[Forfeit]] = field(default_factory=list)
    locks: list[Logged[Lock]] = field(default_factory=list)
    promotions: list[Logged[Promotion]] = field(default_factory=list)
    summaries: dict[str, Logged[Promotions]] = field(default_factory=dict)


@dataclass
class SeasonState:
    """The event as the log tells it; build with `replay`, extend with `apply`."""

    event: str = ""
    rules: Rules | None = None
    rules_hash: bytes = b""
    size: int = 0
    last_time: str = ""
    windows: dict[WindowPhase, Logged[WindowSet]] = field(default_factory=dict)
    locks_recorded: Logged[LocksRecorded] | None = None
    rehearsals: list[Logged[RehearsalRecorded]] = field(default_factory=list)
    ceremonies: dict[Ceremony, CeremonyState] = field(
        default_factory=lambda: {k: CeremonyState(k) for k in CEREMONIES})
    lottery_summaries: dict[str, Logged[LotterySummary]] = field(default_factory=dict)
    lottery_results: dict[str, Logged[LotteryResult]] = field(default_factory=dict)
    bias: Logged[BiasAudit] | None = None
    payments: list[PaymentFacts] = field(default_factory=list)
    payments_closed: Logged[PaymentsClosed] | None = None
    grouping_summaries: dict[str, Logged[GroupingSummary]] = field(default_factory=dict)
    grouping_results: dict[str, Logged[GroupingResult]] = field(default_factory=dict)
    matching_results: dict[tuple[str, str], Logged[MatchingResult]] = field(
        default_factory=dict)
    notifications: dict[tuple[Topic, int | None], Logged[NotificationsSent]] = field(
        default_factory=dict)
    corrections: list[Logged[Correction]] = field(default_factory=list)
    published: dict[Ceremony, Logged[Published]] = field(default_factory=dict)
    forfeits_of: dict[str, list[Logged[Forfeit]]] = field(default_factory=dict)
    locks_of: dict[str, Logged[Lock]] = field(default_factory=dict)
    promotions_of: dict[str, list[Logged[Promotion]]] = field(default_factory=dict)
    _draw: Draw | None = field(default=None, repr=False)
    _pay: PaymentState | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ the fold

    @classmethod
    def replay(cls, entries: Iterable[Entry]) -> SeasonState:
        state = cls()
        for entry in entries:
            state.apply(entry)
        return state

    def apply(self, entry: Entry) -> None:
        """Fold one entry into the state (the log is the source of truth)."""
        if entry.seq != self.size:
            raise PhaseError(f"entry seq {entry.seq} where {self.size} was expected")
        self.size += 1
        self.last_time = entry.time
        body = entry.body
        at = entry.seq, entry.time
        match body:
            case EventCreated():
                self.rules, self.event, self.rules_hash = body.rules, body.rules.event, \
                    body.rules_hash
            case WindowSet():
                self.windows[body.phase] = Logged(*at, body)
            case WindowRemoved():
                self.windows.pop(body.phase, None)
            case LocksRecorded():
                self.locks_recorded = Logged(*at, body)
            case RehearsalRecorded():
                self.rehearsals.append(Logged(*at, body))
            case CeremonyOpened():
                c = self.ceremonies[body.ceremony]
                c.opened = Logged(*at, body)
                chain = self._rules.beacon
                if chain is not None and body.physical_entropy_by is not None \
                        and body.beacon_round is not None:
                    c.schedule = BeaconSchedule.opened(chain, unix_time(entry.time),
                                                       unix_time(body.physical_entropy_by),
                                                       body.beacon_round)
            case EligibilityRejections():
                self.ceremonies["lottery"].rejections = Logged(*at, body)
            case InputRecords():
                c = self.ceremonies[body.ceremony]
                c.records.extend(body.records)
                c._tree = None
            case InputFrozen():
                self.ceremonies[body.ceremony].frozen = Logged(*at, body)
            case InputWithdrawn():
                c = self.ceremonies[body.ceremony]
                c.withdrawals.append(Logged(*at, body))
                c._reset_input()
            case Commitment():
                self.ceremonies[body.ceremony].commitments[body.participant] = Logged(*at, body)
            case CommitmentsClosed():
                self.ceremonies[body.ceremony].closed = Logged(*at, body)
            case Reveal() | EscrowOpened() | ContributionVoid():
                self.ceremonies[body.ceremony].openings[body.participant] = Logged(*at, body)
            case PhysicalEntropy():
                c = self.ceremonies[body.ceremony]
                c.physical = Logged(*at, body)
                if c.schedule is not None:
                    c.schedule = c.schedule.physical_entropy(unix_time(entry.time))
            case BeaconPostponedBody():
                c = self.ceremonies[body.ceremony]
                c.postponements.append(Logged(*at, body))
                if c.schedule is not None:
                    c.schedule = c.schedule.postponed(body.to_json(), unix_time(entry.time))
            case BeaconBody():
                self.ceremonies[body.ceremony].beacon = Logged(*at, body)
            case Seed():
                self.ceremonies[body.ceremony].seed = Logged(*at, body)
            case EscrowKeyReleased():
                self.ceremonies[body.ceremony].released = Logged(*at, body)
            case LotterySummary():
                self.lottery_summaries[body.school] = Logged(*at, body)
            case LotteryResult():
                self.lottery_results[body.reg] = Logged(*at, body)
            case BiasAudit():
                self.bias = Logged(*at, body)
            case Forfeit():
                self._round(body.round).forfeits.append(Logged(*at, body))
                self.forfeits_of.setdefault(body.reg, []).append(Logged(*at, body))
            case Lock():
                self._round(body.round).locks.append(Logged(*at, body))
                self.locks_of[body.reg] = Logged(*at, body)
            case PaymentRound():
                if self.payments and self.payments[-1].round.body.round == body.round:
                    self.payments[-1].round = Logged(*at, body)
                else:
                    self.payments.append(PaymentFacts(Logged(*at, body)))
                self._pay = None
            case Promotion():
                self._round(body.round).promotions.append(Logged(*at, body))
                self.promotions_of.setdefault(body.reg, []).append(Logged(*at, body))
                self._pay = None
            case Promotions():
                self._round(body.round).summaries[body.school] = Logged(*at, body)
            case PaymentsClosed():
                self.payments_closed = Logged(*at, body)
            case GroupingSummary():
                self.grouping_summaries[body.school] = Logged(*at, body)
            case GroupingResult():
                self.grouping_results[body.reg] = Logged(*at, body)
            case MatchingResult():
                self.matching_results[(body.school, body.class_)] = Logged(*at, body)
            case NotificationsSent():
                self.notifications[(body.topic, body.round)] = Logged(*at, body)
            case Correction():
                self.corrections.append(Logged(*at, body))
            case Published():
                self.published[body.ceremony] = Logged(*at, body)

    def _round(self, number: int) -> PaymentFacts:
        """The facts of payment round `number`; forfeits and locks come before its
        `payment_round` entry, so the round is started by whichever comes first."""
        if not self.payments or self.payments[-1].round.body.round != number:
            self.payments.append(PaymentFacts(Logged(-1, "", PaymentRound(number, 0, 0))))
        return self.payments[-1]

    # ------------------------------------------------------------------- phase

    @property
    def _rules(self) -> Rules:
        if self.rules is None:
            raise PhaseError("the event has no rule set yet (§3.1)")
        return self.rules

    @property
    def phase(self) -> Phase:
        lottery, grouping, teachers = (self.ceremonies[k] for k in CEREMONIES)
        if self.rules is None:
            return Phase.SETUP
        if "teachers" in self.published:
            return Phase.PUBLISHED
        if (Topic.CLASS, None) in self.notifications:
            return Phase.NOTIFIED
        if teachers.seed is not None and self.matched_all:
            return Phase.MATCHED
        if teachers.frozen is not None:
            return Phase.TEACHER_CEREMONY
        if grouping.seed is not None and self.grouped_all:
            return Phase.GROUPED
        if grouping.frozen is not None:
            return Phase.GROUPING_CEREMONY
        if self.payments_closed is not None:
            return Phase.CONFIRMED
        if self.bias is not None:
            return Phase.DRAWN
        if lottery.frozen is not None:
            return Phase.LOTTERY_CEREMONY
        return Phase.REGISTRATION

    @property
    def grouped_all(self) -> bool:
        """Every pupil of the grouping input has its `grouping_result` (§11.3 rule 6)."""
        c = self.ceremonies["grouping"]
        return c.seed is not None and len(self.grouping_results) == len(self.pupils())

    @property
    def matched_all(self) -> bool:
        """Every class of the grouping input has its `matching_result` (§11.3 rule 7)."""
        c = self.ceremonies["teachers"]
        return c.seed is not None and len(self.matching_results) == sum(
            len(p.classes) for p in self.plans())

    def ceremony(self, kind: str) -> CeremonyState:
        for c in CEREMONIES:
            if c == kind:
                return self.ceremonies[c]
        raise PhaseError(f"unknown ceremony {kind!r}")

    def _require(self, *phases: Phase) -> None:
        if self.phase not in phases:
            allowed = ", ".join(p.value for p in phases)
            raise PhaseError(f"event is in phase {self.phase.value}; this step needs {allowed}")

    # ----------------------------------------------------------------- windows

    def window(self, phase: WindowPhase) -> WindowSet | None:
        """The window in force for `phase`, if any (§11.4)."""
        w = self.windows.get(phase)
        return None if w is None else w.body

    def require_inside(self, phase: WindowPhase, now: str) -> None:
        """Work of `phase` must lie within its window in force: opens ≤ now < closes."""
        w = self.window(phase)
        if w is not None and not w.opens <= now < w.closes:
            raise PhaseError(f"the {phase.value} window is {w.opens} to {w.closes}; now is "
                             f"{now}", section="11.4", rule="G3", window=phase.value,
                             opens=w.opens, closes=w.closes)

    def require_after(self, phase: WindowPhase, now: str) -> None:
        """A step waiting for `phase`'s window logs at or after its `closes` (§11.4)."""
        w = self.window(phase)
        if w is not None and now < w.closes:
            raise PhaseError(f"the {phase.value} window is open until {w.closes}",
                             section="11.4", rule="G3", window=phase.value, closes=w.closes)

    def _ceremony_window(self, kind: Ceremony, now: str) -> None:
        """A ceremony's entries from its first commitment to its results lie in its window
        (§11.4, P6: the lottery on its announced day)."""
        self.require_inside(CEREMONY_WINDOW[kind], now)

    def set_window(self, phase: WindowPhase, opens: str, closes: str,
                   daily: DailyHours | None, now: str) -> list[Body]:
        """Log a window (§11.4); only before the window in force, if any, has opened."""
        self._rules  # noqa: B018 - an event must exist
        body = WindowSet(phase, opens, closes, daily)
        current = self.window(phase)
        if current == body:
            return []
        if closes <= opens:
            raise PhaseError("a window must close after it opens", section="11.3", rule="G3")
        if current is not None and now >= current.opens:
            raise PhaseError(f"the {phase.value} window opened at {current.opens}; a running "
                             "window can no longer be changed", section="11.3", rule="G3")
        return [body]

    def remove_window(self, phase: WindowPhase, now: str) -> list[Body]:
        current = self.window(phase)
        if current is None:
            return []
        if now >= current.opens:
            raise PhaseError(f"the {phase.value} window opened at {current.opens}; a running "
                             "window can no longer be removed", section="11.3", rule="G3")
        return [WindowRemoved(phase)]

    # ---------------------------------------------------------- event-wide entries

    def create_event(self, rules: Rules) -> list[Body]:
        if self.rules is not None:
            if self.rules == rules:
                return []
            raise PhaseError("the event already exists with another rule set")
        return [EventCreated(rules, rules_hash(rules))]

    def record_locks(self, count: int) -> list[Body]:
        """How many P8 locks are now on record (§11.2: a count, no registration numbers)."""
        self._rules  # noqa: B018
        if self.locks_recorded is not None and self.locks_recorded.body.count == count:
            return []
        return [LocksRecorded(count)]

    def record_rehearsal(self, body: RehearsalRecorded) -> list[Body]:
        """An official event records a rehearsal's final checkpoint (§19)."""
        if self._rules.rehearsal:
            raise PhaseError("a rehearsal does not record rehearsals (§19)", section="19")
        if any(r.body == body for r in self.rehearsals):
            return []
        return [body]

    def correct(self, refers_to: int, reason: str) -> list[Body]:
        """A correction names an earlier entry and why; it never changes a seed (§16)."""
        self._rules  # noqa: B018
        if not 0 <= refers_to < self.size or not reason.strip():
            raise PhaseError("a correction refers to an existing entry and gives a reason")
        return [Correction(refers_to, reason)]

    # ------------------------------------------------------------- ceremonies

    def open_ceremony(self, kind: Ceremony, participants: Sequence[Participant],
                      escrow_key: bytes, now: str,
                      physical_entropy_by: str | None = None) -> list[Body]:
        """`ceremony_opened` (§5.1 step 1): participants, this ceremony's own escrow key and,
        with a beacon, the dice deadline and the beacon round, fixed before any input."""
        c = self.ceremony(kind)
        rules = self._rules
        if c.opened is not None:
            return []
        if len(escrow_key) != 32:
            raise PhaseError("the escrow key is a 32-byte X25519 public key (§5.2)",
                             section="5.2")
        for other in self.ceremonies.values():
            if other.opened is not None and other.escrow_key == escrow_key:
                raise PhaseError(f"this escrow key is already the {other.kind} ceremony's; "
                                 "each ceremony needs its own (§5.4)", section="5.4")
        order = CEREMONIES.index(kind)
        if order == 1 and self.payments_closed is None:
            raise PhaseError("the grouping ceremony opens after payments_closed (§11.3 rule 5)")
        if order == 2 and not self.grouped_all:
            raise PhaseError("the teachers ceremony opens after every grouping_result "
                             "(§11.3 rule 6)")
        if order > 0 and self.ceremonies[CEREMONIES[order - 1]].opened is None:
            raise PhaseError(f"the {CEREMONIES[order - 1]} ceremony opens first (§11.3)")
        people = tuple(sorted(participants, key=lambda p: p.id))
        round_: int | None = None
        if rules.beacon is None:
            if physical_entropy_by is not None:
                raise PhaseError("the rules name no beacon: no physical_entropy_by (§5.6)",
                                 section="5.6")
        else:
            if physical_entropy_by is None:
                raise PhaseError("the rules name a beacon: the dice deadline "
                                 "physical_entropy_by is needed (§5.6)", section="5.6")
            schedule = BeaconSchedule.open(rules.beacon, unix_time(now),
                                           unix_time(physical_entropy_by))
            round_ = schedule.round
        return [CeremonyOpened(kind, people, participants_hash(people), escrow_key,
                               physical_entropy_by, round_)]

    def freeze_input(self, kind: Ceremony, tree: InputTree, now: str, *,
                     rejections: RejectionTree | None = None,
                     grouping_pupils: Sequence[OpenedPupil] = ()) -> list[Body]:
        """Freeze the ceremony's input (§5.1 step 2), `build_input_tree` of its records: for
        the lottery its committed rejections first, then the records in parts and
        `input_frozen`. Refused unless the ceremony is certain to finish from it whatever
        the seed (§3.4). The caller builds the tree, so the roster's confirmation code
        (§7.1) is checked against the very root that is frozen."""
        c = self.ceremony(kind)
        if c.opened is None:
            raise PhaseError(f"the {kind} ceremony is not open (§5.1)")
        if c.frozen is not None:
            if c.input_root == tree.root:
                return []
            raise PhaseError(f"the {kind} input is frozen with another root; withdraw it first "
                             "(before the first commitment, §5.1 step 3)")
        if (rejections is None) != (kind != "lottery"):
            raise PhaseError("the lottery's rejections, and only the lottery's, are committed "
                             "with its input (§7.1, §17.2)")
        self.require_after(WAITS_FOR[kind], now)
        problems = self._feasibility(kind, tree.records, grouping_pupils)
        if problems:
            raise feasibility.FeasibilityError(kind, problems)
        bodies: list[Body] = []
        if rejections is not None:
            bodies.append(EligibilityRejections(rejections.count, rejections.root))
        first = self.size + len(bodies)
        bodies += record_parts(self.event, first, now, kind, tree.leaves, tree.records)
        bodies.append(InputFrozen(kind, tree.root, tree.size))
        return bodies

    def _feasibility(self, kind: Ceremony, records: Sequence[InputRecord],
                     grouping_pupils: Sequence[OpenedPupil]) -> list[feasibility.Problem]:
        if kind == "lottery":
            return feasibility.lottery([r for r in records if isinstance(r, School)],
                                       [r for r in records if isinstance(r, Applicant)])
        if kind == "grouping":
            pupils = [r for r in records if isinstance(r, Pupil)]
            if sorted(p.reg for p in grouping_pupils) != sorted(p.reg for p in pupils):
                raise PhaseError("the opened pupils are not the grouping input's pupils")
            return feasibility.grouping([r for r in records if isinstance(r, ClassPlan)],
                                        grouping_pupils)
        return feasibility.teachers(self.plans(), [r for r in records if isinstance(r, Teacher)])

    def withdraw_input(self, kind: Ceremony, reason: str) -> list[Body]:
        """An amendment (§5.1 step 3): the frozen input is withdrawn, to be frozen again,
        only before the ceremony's first commitment."""
        c = self.ceremony(kind)
        if c.frozen is None:
            raise PhaseError(f"the {kind} input is not frozen; nothing to withdraw")
        if c.commitments:
            raise PhaseError(f"the {kind} ceremony has commitments; its input can no longer "
                             "be amended (§5.1)", section="5.1")
        if not reason.strip():
            raise PhaseError("a withdrawal gives its reason (no personal data)", section="11.2")
        return [InputWithdrawn(kind, reason.strip())]

    def commit(self, kind: Ceremony, participant: str, commitment: bytes, escrow: str,
               now: str) -> list[Body]:
        c = self.ceremony(kind)
        done = c.commitments.get(participant)
        if done is not None and done.body.commitment == commitment and \
                done.body.escrow == escrow:
            return []
        if c.frozen is None:
            raise PhaseError(f"commitments follow the frozen {kind} input (§5.1)")
        if participant not in {p.id for p in c.participants}:
            raise PhaseError(f"{participant} is not a participant of the {kind} ceremony")
        if done is not None:
            raise PhaseError(f"{participant} has already committed; a commitment cannot change")
        if c.closed is not None:
            raise PhaseError("commitments are closed")
        if len(commitment) != 32:
            raise PhaseError("a commitment is exactly 32 bytes (§5.3)", section="5.3")
        self._ceremony_window(kind, now)
        return [Commitment(kind, participant, commitment, escrow)]

    def close_commitments(self, kind: Ceremony, now: str) -> list[Body]:
        """Close commitments; anyone who did not commit is void (§5.4), never waited for."""
        c = self.ceremony(kind)
        if c.closed is not None:
            return []
        if c.frozen is None:
            raise PhaseError(f"the {kind} input is not frozen")
        if len(c.commitments) < 2:
            raise PhaseError("at least two commitments are needed before closing (§5.4)",
                             section="5.4")
        self._ceremony_window(kind, now)
        bodies: list[Body] = [CommitmentsClosed(kind)]
        bodies += [ContributionVoid(kind, p.id, VoidReason.NO_COMMITMENT)
                   for p in c.participants if p.id not in c.commitments]
        return bodies

    def reveal(self, kind: Ceremony, participant: str, secret: bytes, now: str, *,
               via_escrow: bool = False) -> list[Body]:
        c = self.ceremony(kind)
        if c.secret(participant) == secret and secret is not None:
            return []
        if c.closed is None:
            raise PhaseError("no reveal before commitments close (§5.1)")
        committed = c.commitments.get(participant)
        if committed is None:
            raise PhaseError(f"{participant} has no commitment to open")
        if participant in c.openings:
            raise PhaseError(f"{participant}'s contribution is already settled")
        self._ceremony_window(kind, now)
        check_opening(self.event, kind, participant, secret, committed.body.commitment)
        if via_escrow:
            return [EscrowOpened(kind, participant, secret)]
        return [Reveal(kind, participant, secret)]

    def void(self, kind: Ceremony, participant: str, reason: VoidReason,
             now: str) -> list[Body]:
        c = self.ceremony(kind)
        done = c.openings.get(participant)
        if done is not None and isinstance(done.body, ContributionVoid) and \
                done.body.reason is reason:
            return []
        if reason is VoidReason.NO_COMMITMENT:
            raise PhaseError("no-commitment voids are logged by closing commitments (§5.4)")
        if c.closed is None or participant not in c.commitments:
            raise PhaseError(f"{participant} has no closed commitment to void")
        if done is not None:
            raise PhaseError(f"{participant}'s contribution is already settled")
        self._ceremony_window(kind, now)
        return [ContributionVoid(kind, participant, reason)]

    def physical_entropy(self, kind: Ceremony, witness: str, values: Sequence[int],
                         now: str) -> list[Body]:
        """The dice (§5.5), after every contribution is settled and, with a beacon, no
        later than the deadline in force (§5.6)."""
        c = self.ceremony(kind)
        if c.physical is not None:
            if c.physical.body.values == tuple(values) and c.physical.body.witness == witness:
                return []
            raise PhaseError("physical entropy was already entered")
        if c.step is not CeremonyStep.ENTROPY:
            raise PhaseError(f"dice are read after every contribution is settled; "
                             f"pending: {', '.join(c.pending()) or 'commitments'}")
        rules = self._rules
        if len(values) != rules.dice or any(v not in range(1, 7) for v in values):
            raise PhaseError(f"expected exactly {rules.dice} dice values from 1 to 6 (§5.5)",
                             section="5.5")
        if c.schedule is not None and unix_time(now) > c.schedule.physical_entropy_by:
            raise PhaseError(f"the dice deadline {protocol_time(c.schedule.physical_entropy_by)}"
                             " has passed: postpone the beacon round first (§5.6)",
                             section="5.6")
        self._ceremony_window(kind, now)
        return [PhysicalEntropy(kind, witness, tuple(values))]

    def postpone_beacon(self, kind: Ceremony, reason: PostponeReason, now: str,
                        physical_entropy_by: str | None = None) -> list[Body]:
        """`beacon_postponed` (§5.6): a late dice reading gets a new deadline; a round that
        no relay has 600 s after its time is replaced by the first after now + 600 s."""
        c = self.ceremony(kind)
        if c.schedule is None or c.opened is None:
            raise PhaseError("the rules name no beacon; nothing to postpone (§5.6)",
                             section="5.6")
        if c.beacon is not None:
            raise PhaseError("the beacon value is already logged")
        by = None if physical_entropy_by is None else unix_time(physical_entropy_by)
        after = c.schedule.postpone(reason, unix_time(now), by)
        self._ceremony_window(kind, now)
        return [BeaconPostponedBody.read(after.postponement_body(kind, c.schedule, reason))]

    def beacon(self, kind: Ceremony, verified: BeaconRound, now: str) -> list[Body]:
        """The `beacon` entry (§5.6): a round the caller verified (`core.beacon.check_round`)
        against the chain and the round in force."""
        c = self.ceremony(kind)
        chain = self._rules.beacon
        if chain is None or c.schedule is None:
            raise PhaseError("the rules name no beacon (§5.6)", section="5.6")
        if c.beacon is not None:
            if c.beacon.body.randomness == verified.randomness:
                return []
            raise PhaseError("the beacon value was already entered")
        if c.physical is None:
            raise PhaseError("the beacon value follows the physical entropy (§5.6)",
                             section="5.6")
        if verified.round != c.schedule.round:
            raise PhaseError(f"round {verified.round} is not the round in force "
                             f"{c.schedule.round} (§5.6)", section="5.6")
        self._ceremony_window(kind, now)
        return [BeaconBody(kind, chain.chain, verified.round, verified.randomness,
                           verified.signature)]

    def derive_seed(self, kind: Ceremony, now: str) -> list[Body]:
        c = self.ceremony(kind)
        if c.seed is not None:
            return []
        if c.physical is None:
            raise PhaseError("the seed needs the physical entropy (§5.7)")
        rules = self._rules
        if rules.beacon is not None and c.beacon is None:
            raise PhaseError("the seed needs the beacon value (§5.6)", section="5.6")
        self._ceremony_window(kind, now)
        assert c.opened is not None and c.frozen is not None  # physical implies both
        seed = derive_seed(
            self.event, kind, self.rules_hash, c.opened.body.participants_hash, c.input_root,
            c.input_size, c.contributions(), c.physical.body.values,
            None if c.beacon is None else c.beacon.body.randomness)
        return [Seed(kind, seed, c.input_root, c.input_size)]

    def release_escrow_key(self, kind: Ceremony, private_key: bytes, now: str) -> list[Body]:
        """Publish this ceremony's escrow key so anyone can check its openings (§5.4, §16);
        only after its own seed: until then its escrows stay sealed."""
        c = self.ceremony(kind)
        if c.released is not None and c.released.body.private_key == private_key:
            return []
        if c.seed is None:
            raise PhaseError(f"the escrow key is released only after the {kind} seed (§5.4)",
                             section="5.4")
        if c.released is not None:
            raise PhaseError(f"the {kind} escrow key was already released")
        if len(private_key) != 32:
            raise PhaseError("an X25519 private key is exactly 32 bytes (§5.4)", section="5.4")
        public = X25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()
        if public != c.escrow_key:
            raise PhaseError(f"this is not the {kind} ceremony's escrow key (§5.4)",
                             section="5.4")
        if not self._results_done(kind):
            self._ceremony_window(kind, now)
        return [EscrowKeyReleased(kind, private_key)]

    def _results_done(self, kind: Ceremony) -> bool:
        return {"lottery": self.bias is not None, "grouping": self.grouped_all,
                "teachers": self.matched_all}[kind]

    # ----------------------------------------------------------------- lottery

    def schools(self) -> list[School]:
        return [r for r in self.ceremonies["lottery"].records if isinstance(r, School)]

    def applicants(self) -> list[Applicant]:
        return [r for r in self.ceremonies["lottery"].records if isinstance(r, Applicant)]

    def draw(self) -> Draw:
        """The lottery draw, recomputed from the frozen input and the seed (§7)."""
        seed = self.ceremonies["lottery"].seed
        if seed is None:
            raise PhaseError("the lottery has no seed yet")
        if self._draw is None:
            self._draw = allocate(self.schools(), self.applicants(), seed.body.seed,
                                  self._rules.waitlist_promotion)
        return self._draw

    def publish_draw(self, genders: Mapping[str, Gender], now: str) -> list[Body]:
        """Every school's `lottery_summary` and `lottery_result`s, then the `bias_audit`
        (§7.4, §8). `genders`: reg → gender from the service's attribute openings."""
        if self.bias is not None:
            return []
        if self.lottery_results or self.lottery_summaries:
            raise PhaseError("the lottery results are partly logged")
        self._require(Phase.LOTTERY_CEREMONY)
        draw = self.draw()
        self._ceremony_window("lottery", now)
        bodies: list[Body] = list(draw.entries())
        bodies.append(bias_audit(draw, self.applicants(), genders))
        return bodies

    def payment_state(self) -> PaymentState:
        """Who holds which place after the logged rounds (§7.5), replayed from the draw."""
        if self._pay is not None and self._pay.round == len(self.payments):
            return self._pay
        state = initial_payment_state(self.draw())
        for facts in self.payments:
            unpaid = {f.body.reg for f in facts.forfeits if f.body.reason.value == "unpaid"}
            declined = {f.body.reg for f in facts.forfeits if f.body.reason.value == "declined"}
            state, _ = payment_round(state, facts.round.body.round, frozenset(unpaid),
                                     frozenset(declined),
                                     frozenset(lk.body.reg for lk in facts.locks))
        self._pay = state
        return state

    def payment_round(self, unpaid: Iterable[str], declined: Iterable[str],
                      locks: Iterable[str], now: str) -> list[Body]:
        """One payment round (§7.5): who did not pay or gave up (P7), who is locked
        elsewhere (P8), and the promotions from the waiting order."""
        self._require(Phase.DRAWN)
        self.require_inside(WindowPhase.PAYMENT, now)
        pay = self.payment_state()
        _, bodies = payment_round(pay, len(self.payments) + 1, frozenset(unpaid),
                                  frozenset(declined), frozenset(locks))
        return list(bodies)

    def close_payments(self, now: str) -> list[Body]:
        """`payments_closed` (§7.5): after a round with no promotion (or with zero rounds when
        no offer was made), at or after the payment window closes."""
        if self.payments_closed is not None:
            return []
        self._require(Phase.DRAWN)
        pay = self.payment_state()
        if self.payments and not pay.closed:
            raise PhaseError("the last round promoted applicants; their offers are settled in "
                             "another round (§7.5)", section="7.5")
        if not self.payments and pay.status:
            raise PhaseError("offers are open; run a payment round first (§7.5)", section="7.5")
        self.require_after(WindowPhase.PAYMENT, now)
        return [PaymentsClosed(len(self.payments))]

    # ------------------------------------------------------- grouping and teachers

    def plans(self) -> list[ClassPlan]:
        return [r for r in self.ceremonies["grouping"].records if isinstance(r, ClassPlan)]

    def pupils(self) -> list[Pupil]:
        return [r for r in self.ceremonies["grouping"].records if isinstance(r, Pupil)]

    def teachers(self) -> list[Teacher]:
        return [r for r in self.ceremonies["teachers"].records if isinstance(r, Teacher)]

    def opened_pupils(self, openings: Mapping[str, AttributeOpening]) -> list[OpenedPupil]:
        """The grouping input's pupils with their opened attributes; each opening must match
        its record's commitment (§17.1)."""
        out = []
        for p in self.pupils():
            o = openings.get(p.reg)
            if o is None or o.attrs != p.attrs:
                raise PhaseError(f"pupil {p.reg}: no opening matches its attrs (§17.1)",
                                 section="17.1")
            out.append(OpenedPupil(p.reg, p.name, p.school, o.gender, o.strata, p.siblings,
                                   p.same_name))
        return out

    def grouping(self, openings: Mapping[str, AttributeOpening]) -> Grouping:
        seed = self.ceremonies["grouping"].seed
        if seed is None:
            raise PhaseError("the grouping has no seed yet")
        return group_all(self.plans(), self.opened_pupils(openings), seed.body.seed)

    def publish_grouping(self, openings: Mapping[str, AttributeOpening],
                         now: str) -> list[Body]:
        """Per school (ascending id) its `grouping_summary` then its pupils'
        `grouping_result`s in ascending reg (§9, §11.3 rule 6)."""
        if self.grouped_all:
            return []
        if self.grouping_results or self.grouping_summaries:
            raise PhaseError("the grouping results are partly logged")
        grouping = self.grouping(openings)
        self._ceremony_window("grouping", now)
        return grouping_entries(self.plans(), self.opened_pupils(openings), grouping)

    def publish_matching(self, now: str) -> list[Body]:
        """One `matching_result` per class, schools then classes ascending (§10)."""
        if self.matched_all:
            return []
        seed = self.ceremonies["teachers"].seed
        if seed is None:
            raise PhaseError("the teacher ceremony has no seed yet")
        self._ceremony_window("teachers", now)
        return list(matching_entries(self.plans(), self.teachers(), seed.body.seed))

    # ------------------------------------------------------ notices, publication

    def notifications_sent(self, topic: Topic, round_: int | None,
                           messages: int) -> list[Body]:
        """A batch of messages of one topic went out (S6, §11.3 rule 8): counts only."""
        key = (topic, round_)
        done = self.notifications.get(key)
        if done is not None:
            return [] if done.body.messages == messages else self._refuse(
                f"{topic.value} notifications of round {round_} were already logged")
        if topic in (Topic.DRAW, Topic.PAYMENT_REMINDER) and self.bias is None:
            raise PhaseError(f"{topic.value} messages follow the bias audit")
        if topic is Topic.PAYMENT_REMINDER and self.payments_closed is not None:
            raise PhaseError("payment reminders come before payments_closed")
        if topic in (Topic.FORFEIT, Topic.PROMOTION) and (
                round_ is None or round_ > len(self.payments)):
            raise PhaseError(f"{topic.value} messages follow their payment round")
        if topic is Topic.CLASS and not self.matched_all:
            raise PhaseError("class messages follow the last matching_result")
        return [NotificationsSent(topic, round_, messages)]

    def _refuse(self, message: str) -> list[Body]:
        raise PhaseError(message)

    def publish(self, kind: Ceremony) -> list[Body]:
        if kind in self.published:
            return []
        if not self._results_done(kind):
            raise PhaseError(f"the {kind} results are not all logged yet")
        return [Published(kind)]

    # ------------------------------------------------------------ the read model

    def record_index(self, kind: Ceremony, key: str, record_type: type) -> int | None:
        """The position of a record (by reg, or school id) in its ceremony's input tree."""
        c = self.ceremonies[kind]
        if c.frozen is None:
            return None
        for i, r in enumerate(c.tree().records):
            if isinstance(r, record_type) and getattr(r, "reg", getattr(r, "id", None)) == key:
                return i
        return None


def grouping_entries(plans: Sequence[ClassPlan], pupils: Sequence[OpenedPupil],
                     grouping: Grouping) -> list[Body]:
    """Per school with pupils, ascending: its summary (per class, by id: pupils, genders
    and every stratum of the school, zeros included) then its results by reg (§11.2)."""
    by_school: dict[str, list[OpenedPupil]] = {}
    for p in pupils:
        by_school.setdefault(p.school, []).append(p)
    plan_of = {p.school: p for p in plans}
    out: list[Body] = []
    for school in sorted(by_school):
        mine = by_school[school]
        strata = sorted({s for p in mine for s in p.strata})
        in_class: dict[str, list[OpenedPupil]] = {}  # one pass, not one per class
        for p in mine:
            in_class.setdefault(grouping.assignments[p.reg][1], []).append(p)
        classes = []
        for spec in plan_of[school].classes:
            members = in_class.get(spec.id, [])
            classes.append(ClassSummary(
                spec.id, len(members),
                tuple((g, sum(1 for p in members if p.gender == g)) for g in ("F", "M")),
                tuple((s, sum(1 for p in members if s in p.strata)) for s in strata)))
        out.append(GroupingSummary(school, grouping.schools[school].exchanges, tuple(classes)))
        out += [GroupingResult(school, p.reg, grouping.assignments[p.reg][1])
                for p in sorted(mine, key=lambda p: p.reg)]
    return out


def matching_entries(plans: Sequence[ClassPlan], teachers: Sequence[Teacher],
                     seed: bytes) -> list[MatchingResult]:
    """One `matching_result` per class with the teacher's masked name (§10)."""
    names = {(t.school, t.id): t.name for t in teachers}
    return [MatchingResult(school, cls, teacher, names[(school, teacher)])
            for school, pairs in sorted(match_all(plans, teachers, seed).items())
            for cls, teacher in pairs]

