"""Phase order of the log (PROTOCOL.md v2 §11.3, §5.1), as one table of entry types.

`Order.feed` takes one light `Item` per entry (type, time and the few body
members the order reads), so it streams over a province log without keeping
the entries, and runs on the hand-written cases of ``tests/vectors/phase_order.json``.
Every violation names the `Rule` it breaks. The order is prefix-closed: a log is
in order iff each entry may follow the ones before it, so the first entry that
may not is the violation, and an event may stop anywhere (§11.3).

What the order cannot see without the input records (that every school of the
lottery input has its results, every class its matching) is checked by the
steps that recompute those results, using the `*_final` properties below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from verifier.errors import VerificationError

CEREMONIES = ("lottery", "grouping", "teachers")


class Rule(StrEnum):
    """One listed rule of §11.3 or §5.1; the value is its id in the vector file."""

    EVENT_CREATED = "event-created"
    TIME_ORDER = "time-order"
    WINDOW = "window"
    REHEARSAL_RECORDED = "rehearsal-recorded"
    CEREMONY_ORDER = "ceremony-order"
    OPENED_FIRST = "opened-first"
    REJECTIONS = "rejections"
    INPUTS = "inputs"
    WITHDRAWAL = "withdrawal"
    COMMITMENTS = "commitments"
    NO_COMMITMENT = "no-commitment"
    SETTLEMENT = "settlement"
    PHYSICAL_ENTROPY = "physical-entropy"
    POSTPONEMENT = "postponement"
    BEACON = "beacon"
    SEED = "seed"
    KEY_RELEASE = "key-release"
    LOTTERY_RESULTS = "lottery-results"
    BIAS_AUDIT = "bias-audit"
    PAYMENTS = "payments"
    GROUPING_RESULTS = "grouping-results"
    MATCHING_RESULTS = "matching-results"
    NOTIFICATIONS = "notifications"
    PUBLISHED = "published"
    CORRECTION = "correction"


SECTION: dict[Rule, str] = {
    Rule.EVENT_CREATED: "§11.3 (1)",
    Rule.TIME_ORDER: "§11.1, §11.3 (1)",
    Rule.WINDOW: "§11.3 (2), §11.4",
    Rule.REHEARSAL_RECORDED: "§11.3 (2), §19",
    Rule.CEREMONY_ORDER: "§11.3 (3)",
    Rule.OPENED_FIRST: "§5.1 (1), §11.3 (3)",
    Rule.REJECTIONS: "§5.1 (2), §7.1",
    Rule.INPUTS: "§5.1 (2), §11.3 (3)",
    Rule.WITHDRAWAL: "§5.1 (3), §3.4",
    Rule.COMMITMENTS: "§5.1 (4), §5.4, §11.3 (3)",
    Rule.NO_COMMITMENT: "§5.1 (4), §5.4",
    Rule.SETTLEMENT: "§5.1 (5)",
    Rule.PHYSICAL_ENTROPY: "§5.1 (6), §5.5",
    Rule.POSTPONEMENT: "§5.1 (7), §5.6",
    Rule.BEACON: "§5.1 (7), §5.6",
    Rule.SEED: "§5.1 (8), §16",
    Rule.KEY_RELEASE: "§5.1 (9), §5.4",
    Rule.LOTTERY_RESULTS: "§11.3 (4), §7.4",
    Rule.BIAS_AUDIT: "§11.3 (4)",
    Rule.PAYMENTS: "§11.3 (5), §7.5",
    Rule.GROUPING_RESULTS: "§11.3 (6)",
    Rule.MATCHING_RESULTS: "§11.3 (7)",
    Rule.NOTIFICATIONS: "§11.3 (8)",
    Rule.PUBLISHED: "§11.3 (9)",
    Rule.CORRECTION: "§11.3 (9)",
}


class PhaseError(VerificationError):
    """An entry that may not follow the ones before it; `rule` says which rule."""

    def __init__(self, seq: int, rule: Rule, message: str) -> None:
        super().__init__("phases", SECTION[rule], f"entry {seq}: {message} [{rule.value}]")
        self.seq = seq
        self.rule = rule


@dataclass(frozen=True, slots=True)
class Item:
    """What the phase order needs of one entry (§11.1 time, §11.2 body members)."""

    seq: int
    type: str
    time: str | None = None
    """None only in the hand-written vectors that do not test times."""
    ceremony: str | None = None
    participant: str | None = None
    participants: tuple[str, ...] = ()
    """ceremony_opened: the participant ids."""
    reason: str | None = None
    """contribution_void and beacon_postponed: the reason."""
    refers_to: int | None = None
    round: int | None = None
    school: str | None = None
    reg: str | None = None
    klass: str | None = None
    """matching_result: the class."""
    topic: str | None = None
    phase: str | None = None
    """window_set, window_removed: the phase."""
    opens: str | None = None
    """window_set: when the window opens."""
    count: int | None = None
    """lottery_summary: applicants; grouping_summary: pupils in all classes;
    promotions: promoted; payment_round: forfeits."""
    count2: int | None = None
    """payment_round: locks."""


class Step(IntEnum):
    """Where a ceremony stands in §5.1."""

    OPENED = 1
    INPUT = 2
    FROZEN = 3
    CLOSED = 4
    PHYSICAL = 5
    BEACON = 6
    SEEDED = 7


@dataclass
class _Ceremony:
    name: str
    participants: frozenset[str]
    step: Step = Step.OPENED
    rejections: bool = False
    """lottery: this input's eligibility_rejections is logged (§5.1 (2))."""
    frozen_once: bool = False
    committed: set[str] = field(default_factory=set)
    settled: set[str] = field(default_factory=set)
    voids_due: list[str] = field(default_factory=list)
    """Participants who did not commit and still lack their no-commitment void, in id
    order (§5.1 (4))."""
    key_released: bool = False


@dataclass
class _Results:
    """A per-school run of summary-then-results entries (§11.3 (4), (6))."""

    school: str | None = None
    due: int = 0
    """Results the current school's summary announces and the log has not shown yet."""
    last_reg: str | None = None


@dataclass
class _Payments:
    """The payment window (§7.5, §11.3 (5))."""

    closed: int = 0
    """The last round whose payment_round is logged."""
    forfeits: int = 0
    locks: int = 0
    last_reg: str | None = None
    in_locks: bool = False
    forfeit_schools: set[str] = field(default_factory=set)
    due: list[str] = field(default_factory=list)
    """Schools (ascending) with a forfeit in round `closed` still owing their promotions."""
    promoted: int = 0
    """promotion entries of the current school (due[0])."""
    any_promoted: bool = False
    """Round `closed` promoted someone so far."""
    ended: bool = False
    """Round `closed` is complete and promoted nobody: only payments_closed may follow."""
    payments_closed: bool = False


@dataclass
class Order:
    """The §11.3 state after the entries fed so far; `feed` raises PhaseError."""

    beacon: bool
    """rules.beacon names a chain (§5.6)."""
    rehearsal: bool = False
    """rules.rehearsal (§19)."""
    ceremonies: dict[str, _Ceremony] = field(default_factory=dict)
    entries: int = 0
    last_time: str | None = None
    seen: set[str] = field(default_factory=set)
    """Entry types logged so far."""
    windows: dict[str, str] = field(default_factory=dict)
    """phase -> opens of the window in force (§11.4)."""
    lottery: _Results = field(default_factory=_Results)
    grouping: _Results = field(default_factory=_Results)
    payments: _Payments = field(default_factory=_Payments)
    last_class: tuple[str, str] | None = None
    notified: set[tuple[str, int | None]] = field(default_factory=set)
    published: set[str] = field(default_factory=set)
    stage: str = "nothing logged"
    voiding: _Ceremony | None = None
    """The ceremony whose no-commitment voids are due right now (§5.1 (4))."""

    # ------------------------------------------------------------- progress

    @property
    def lottery_results_final(self) -> bool:
        """No lottery result may follow: every school's must be there (§11.3)."""
        return "bias_audit" in self.seen

    @property
    def grouping_results_final(self) -> bool:
        return "teachers" in self.ceremonies or "grouping" in self.published

    @property
    def matching_results_final(self) -> bool:
        return ("class", None) in self.notified or "teachers" in self.published

    def seeded(self, name: str) -> bool:
        c = self.ceremonies.get(name)
        return c is not None and c.step == Step.SEEDED

    # ----------------------------------------------------------------- feed

    def feed(self, it: Item) -> None:
        self._prelude(it.seq, it.type, it.time, it.ceremony, it.reason)
        handler = _HANDLERS.get(it.type)
        if handler is None:  # strict parsing refuses such an entry first (§2.3)
            raise VerificationError("phases", "§2.3, §11.2",
                                    f"entry {it.seq}: unknown entry type {it.type!r}")
        handler(self, it)
        self.entries += 1
        self.seen.add(it.type)

    def result(self, seq: int, type_: str, time: str, school: str, reg: str) -> None:
        """`feed` for one family's lottery_result or grouping_result, without an Item:
        a province log holds 3·10^6 of them."""
        self._prelude(seq, type_, time, None, None)
        if type_ == "lottery_result":
            _lottery_result_at(self, seq, type_, school, reg)
        else:
            _grouping_result_at(self, seq, type_, school, reg)
        self.entries += 1
        self.seen.add(type_)

    def _prelude(self, seq: int, type_: str, time: str | None, ceremony: str | None,
                 reason: str | None) -> None:
        """What every entry must satisfy first: event_created first, times in order, and
        no other entry where no-commitment voids are due."""
        if self.entries == 0 and type_ != "event_created":
            raise PhaseError(seq, Rule.EVENT_CREATED, "the first entry is not event_created")
        if time is not None:
            if self.last_time is not None and time < self.last_time:
                raise PhaseError(seq, Rule.TIME_ORDER,
                                 f"time {time} is before the previous entry's "
                                 f"{self.last_time}")
            self.last_time = time
        due = self.voiding
        if due is not None and not (type_ == "contribution_void" and ceremony == due.name
                                    and reason == "no-commitment"):
            raise PhaseError(seq, Rule.NO_COMMITMENT,
                             f"{type_} where the {due.name} no-commitment voids of "
                             f"{', '.join(due.voids_due)} must follow commitments_closed")

    def _ceremony(self, it: Item) -> _Ceremony:
        c = self.ceremonies.get(it.ceremony or "")
        if c is None:
            raise PhaseError(it.seq, Rule.OPENED_FIRST,
                             f"{it.type} before the {it.ceremony} ceremony_opened")
        return c


def _fail(it: Item, rule: Rule, message: str) -> PhaseError:
    return PhaseError(it.seq, rule, message)


# ------------------------------------------------------------- handlers


def _event_created(o: Order, it: Item) -> None:
    if o.entries:
        raise _fail(it, Rule.EVENT_CREATED, "a second event_created")
    o.stage = "event created"


def _window(o: Order, it: Item) -> None:
    """§11.3 (2), §11.4: set or removed only before the window in force opens."""
    phase = it.phase or ""
    opens = o.windows.get(phase)
    if opens is not None and it.time is not None and it.time >= opens:
        raise _fail(it, Rule.WINDOW, f"{it.type} for {phase} at {it.time}, after its window "
                    f"in force opened at {opens}")
    if it.type == "window_set":
        o.windows[phase] = it.opens or ""
    elif opens is None:
        raise _fail(it, Rule.WINDOW, f"window_removed for {phase}, which has no window")
    else:
        del o.windows[phase]


def _rehearsal_recorded(o: Order, it: Item) -> None:
    if o.rehearsal:
        raise _fail(it, Rule.REHEARSAL_RECORDED,
                    "rehearsal_recorded in a rehearsal (official events only)")


def _anywhere(o: Order, it: Item) -> None:
    """locks_recorded: anywhere after event_created (§11.3 (2))."""


def _ceremony_opened(o: Order, it: Item) -> None:
    name = it.ceremony or ""
    if name not in CEREMONIES:
        raise _fail(it, Rule.CEREMONY_ORDER, f"unknown ceremony {name!r}")
    if name in o.ceremonies:
        raise _fail(it, Rule.CEREMONY_ORDER, f"the {name} ceremony opened twice")
    k = CEREMONIES.index(name)
    if k > 0 and CEREMONIES[k - 1] not in o.ceremonies:
        raise _fail(it, Rule.CEREMONY_ORDER, f"{name} opened before the {CEREMONIES[k - 1]} "
                    "ceremony")
    if name == "grouping":
        if "bias_audit" not in o.seen:
            raise _fail(it, Rule.BIAS_AUDIT, "grouping opened before the bias_audit")
        if not o.payments.payments_closed:
            raise _fail(it, Rule.PAYMENTS, "grouping opened before payments_closed")
    if name == "teachers":
        if not o.seeded("grouping"):
            raise _fail(it, Rule.CEREMONY_ORDER, "teachers opened before the grouping seed")
        if o.grouping.due:
            raise _fail(it, Rule.GROUPING_RESULTS,
                        f"teachers opened while school {o.grouping.school} still has "
                        f"{o.grouping.due} grouping_result(s) due")
    o.ceremonies[name] = _Ceremony(name, frozenset(it.participants))
    o.stage = f"{name} ceremony opened"


def _rejections(o: Order, it: Item) -> None:
    lot = o.ceremonies.get("lottery")
    if lot is None or lot.step > Step.OPENED or lot.rejections:
        raise _fail(it, Rule.REJECTIONS,
                    "eligibility_rejections is logged once per lottery input, after the "
                    "lottery ceremony_opened (or an input_withdrawn) and before its "
                    "input_records")
    lot.rejections = True


def _inputs_allowed(c: _Ceremony, it: Item) -> None:
    if c.step > Step.INPUT:
        raise _fail(it, Rule.INPUTS, f"{it.type} after the {c.name} input_frozen "
                    "(amend with input_withdrawn first)")
    if c.name == "lottery" and not c.rejections:
        raise _fail(it, Rule.REJECTIONS,
                    f"lottery {it.type} before this input's eligibility_rejections")


def _input_records(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    _inputs_allowed(c, it)
    c.step = Step.INPUT


def _input_frozen(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    _inputs_allowed(c, it)
    c.step = Step.FROZEN
    c.frozen_once = True


def _input_withdrawn(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    if c.step != Step.FROZEN or c.committed:
        raise _fail(it, Rule.WITHDRAWAL,
                    f"{c.name} input_withdrawn is allowed only after input_frozen and before "
                    "the ceremony's first commitment")
    c.step = Step.OPENED
    c.rejections = False


def _commitment(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    p = it.participant or ""
    if c.step != Step.FROZEN:
        when = "before input_frozen" if c.step < Step.FROZEN else "after commitments_closed"
        raise _fail(it, Rule.COMMITMENTS, f"{c.name} commitment {when}")
    if p not in c.participants:
        raise _fail(it, Rule.COMMITMENTS, f"{p} is not a {c.name} participant")
    if p in c.committed:
        raise _fail(it, Rule.COMMITMENTS, f"a second {c.name} commitment by {p}")
    c.committed.add(p)


def _commitments_closed(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    if c.step != Step.FROZEN:
        when = "before input_frozen" if c.step < Step.FROZEN else "a second time"
        raise _fail(it, Rule.COMMITMENTS, f"{c.name} commitments_closed {when}")
    if len(c.committed) < 2:
        raise _fail(it, Rule.COMMITMENTS,
                    f"{c.name} commitments closed with {len(c.committed)} commitment(s); "
                    "at least two are needed")
    c.step = Step.CLOSED
    c.voids_due = sorted(c.participants - c.committed)
    o.voiding = c if c.voids_due else None
    o.stage = f"{c.name} commitments closed"


def _settlement(o: Order, it: Item) -> None:
    """reveal, escrow_opened, contribution_void: one per participant (§5.1 (4), (5))."""
    c = o._ceremony(it)
    p = it.participant or ""
    if it.type == "contribution_void" and it.reason == "no-commitment":
        if c.step != Step.CLOSED or not c.voids_due or c.voids_due[0] != p:
            raise _fail(it, Rule.NO_COMMITMENT,
                        f"no-commitment void of {p} is not the next one due right after the "
                        f"{c.name} commitments_closed (one per participant who did not "
                        "commit, in id order)")
        c.voids_due.pop(0)
        c.settled.add(p)
        if not c.voids_due:
            o.voiding = None
        return
    if c.step != Step.CLOSED:
        when = "before commitments_closed" if c.step < Step.CLOSED else \
            "after physical_entropy"
        raise _fail(it, Rule.SETTLEMENT, f"{c.name} {it.type} {when}")
    if p not in c.participants:
        raise _fail(it, Rule.SETTLEMENT, f"{p} is not a {c.name} participant")
    if p in c.settled:
        raise _fail(it, Rule.SETTLEMENT, f"a second settlement ({it.type}) for {p}")
    if p not in c.committed:
        raise _fail(it, Rule.SETTLEMENT, f"{it.type} for {p}, who did not commit")
    c.settled.add(p)


def _physical_entropy(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    if c.step != Step.CLOSED:
        when = "before commitments_closed" if c.step < Step.CLOSED else "a second time"
        raise _fail(it, Rule.PHYSICAL_ENTROPY, f"{c.name} physical_entropy {when}")
    pending = sorted(c.participants - c.settled)
    if pending:
        raise _fail(it, Rule.PHYSICAL_ENTROPY,
                    f"{c.name} physical_entropy while {', '.join(pending)} are not settled")
    c.step = Step.PHYSICAL


def _postponed(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    if not o.beacon:
        raise _fail(it, Rule.POSTPONEMENT, "beacon_postponed, but the rules name no chain")
    if it.reason == "physical-entropy-late" and c.step >= Step.PHYSICAL:
        raise _fail(it, Rule.POSTPONEMENT, f"{c.name} physical-entropy-late postponement "
                    "after its physical_entropy")
    if it.reason == "round-not-published" and c.step != Step.PHYSICAL:
        raise _fail(it, Rule.POSTPONEMENT, f"{c.name} round-not-published postponement "
                    "outside physical_entropy … beacon")


def _beacon(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    if not o.beacon:
        raise _fail(it, Rule.BEACON, "a beacon entry, but the rules name no chain")
    if c.step != Step.PHYSICAL:
        when = "before physical_entropy" if c.step < Step.PHYSICAL else "a second time"
        raise _fail(it, Rule.BEACON, f"{c.name} beacon {when}")
    c.step = Step.BEACON


def _seed(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    if c.step == Step.SEEDED:
        raise _fail(it, Rule.SEED, f"a second {c.name} seed")
    want = Step.BEACON if o.beacon else Step.PHYSICAL
    if c.step != want:
        raise _fail(it, Rule.SEED, f"{c.name} seed before its "
                    f"{'beacon' if o.beacon else 'physical_entropy'}")
    c.step = Step.SEEDED
    o.stage = f"{c.name} seed drawn"


def _key_released(o: Order, it: Item) -> None:
    c = o.ceremonies.get(it.ceremony or "")
    if c is None or c.step != Step.SEEDED:
        raise _fail(it, Rule.KEY_RELEASE, f"escrow key released before the {it.ceremony} seed")
    if c.key_released:
        raise _fail(it, Rule.KEY_RELEASE, f"a second escrow_key_released for {c.name}")
    c.key_released = True


def _summary(r: _Results, it: Item, rule: Rule, kind: str) -> None:
    """A school's summary: the previous school complete, schools ascending."""
    school = it.school or ""
    if r.due:
        raise _fail(it, rule, f"{kind} summary of {school} while {r.school} still has "
                    f"{r.due} result(s) due")
    if r.school is not None and school <= r.school:
        raise _fail(it, rule, f"{kind} summary of {school} after that of {r.school} "
                    "(schools ascending, once each)")
    r.school, r.due, r.last_reg = school, it.count or 0, None


def _result(r: _Results, seq: int, school: str | None, reg: str | None, rule: Rule,
            kind: str) -> None:
    """One family's result: its school's, due, in ascending reg."""
    if r.school is None or school != r.school:
        raise PhaseError(seq, rule, f"{kind} result of school {school} outside its "
                         "summary's run")
    if r.due == 0:
        raise PhaseError(seq, rule, f"more {kind} results for {r.school} than its summary "
                         "counts")
    if r.last_reg is not None and (reg or "") <= r.last_reg:
        raise PhaseError(seq, rule, f"{kind} result {reg} after {r.last_reg} (ascending reg, "
                         "once each)")
    r.due -= 1
    r.last_reg = reg


def _lottery_allowed(o: Order, seq: int, type_: str) -> None:
    if not o.seeded("lottery"):
        raise PhaseError(seq, Rule.LOTTERY_RESULTS, f"{type_} before the lottery seed")
    if "bias_audit" in o.seen:
        raise PhaseError(seq, Rule.LOTTERY_RESULTS, f"{type_} after the bias_audit")


def _lottery_summary(o: Order, it: Item) -> None:
    _lottery_allowed(o, it.seq, it.type)
    _summary(o.lottery, it, Rule.LOTTERY_RESULTS, "lottery")
    o.stage = "lottery results being published"


def _lottery_result(o: Order, it: Item) -> None:
    _lottery_result_at(o, it.seq, it.type, it.school, it.reg)


def _lottery_result_at(o: Order, seq: int, type_: str, school: str | None,
                       reg: str | None) -> None:
    _lottery_allowed(o, seq, type_)
    _result(o.lottery, seq, school, reg, Rule.LOTTERY_RESULTS, "lottery")


def _bias_audit(o: Order, it: Item) -> None:
    if not o.seeded("lottery"):
        raise _fail(it, Rule.BIAS_AUDIT, "bias_audit before the lottery seed")
    if "bias_audit" in o.seen:
        raise _fail(it, Rule.BIAS_AUDIT, "a second bias_audit")
    if o.lottery.due:
        raise _fail(it, Rule.LOTTERY_RESULTS, f"bias_audit while {o.lottery.school} still has "
                    f"{o.lottery.due} lottery_result(s) due")
    o.stage = "lottery results published"


def _payments_allowed(o: Order, it: Item) -> _Payments:
    p = o.payments
    if "bias_audit" not in o.seen:
        raise _fail(it, Rule.PAYMENTS, f"{it.type} before the bias_audit")
    if p.payments_closed:
        raise _fail(it, Rule.PAYMENTS, f"{it.type} after payments_closed")
    return p


def _round_entry(o: Order, it: Item) -> _Payments:
    """forfeit, lock, payment_round: the entries of round closed + 1."""
    p = _payments_allowed(o, it)
    if p.due:
        raise _fail(it, Rule.PAYMENTS, f"{it.type} while round {p.closed}'s promotions of "
                    f"{', '.join(p.due)} are due")
    if p.ended:
        raise _fail(it, Rule.PAYMENTS, f"{it.type} after round {p.closed}, which promoted "
                    "nobody and so ended the payment window (only payments_closed follows)")
    if it.round != p.closed + 1:
        raise _fail(it, Rule.PAYMENTS, f"{it.type} of round {it.round}; the open round is "
                    f"{p.closed + 1}")
    o.stage = "payment window"
    return p


def _forfeit(o: Order, it: Item) -> None:
    p = _round_entry(o, it)
    if p.in_locks:
        raise _fail(it, Rule.PAYMENTS, "forfeit after the round's locks")
    if p.last_reg is not None and (it.reg or "") <= p.last_reg:
        raise _fail(it, Rule.PAYMENTS, f"forfeit {it.reg} after {p.last_reg} (ascending reg)")
    p.last_reg = it.reg
    p.forfeits += 1
    p.forfeit_schools.add(it.school or "")


def _lock(o: Order, it: Item) -> None:
    p = _round_entry(o, it)
    if not p.in_locks:
        p.in_locks, p.last_reg = True, None
    if p.last_reg is not None and (it.reg or "") <= p.last_reg:
        raise _fail(it, Rule.PAYMENTS, f"lock {it.reg} after {p.last_reg} (ascending reg)")
    p.last_reg = it.reg
    p.locks += 1


def _payment_round(o: Order, it: Item) -> None:
    p = _round_entry(o, it)
    if (it.count, it.count2) != (p.forfeits, p.locks):
        raise _fail(it, Rule.PAYMENTS, f"payment_round {it.round} counts {it.count} forfeits "
                    f"and {it.count2} locks; the round lists {p.forfeits} and {p.locks}")
    p.closed += 1
    p.due = sorted(p.forfeit_schools)
    p.forfeits = p.locks = p.promoted = 0
    p.last_reg, p.in_locks, p.any_promoted = None, False, False
    p.forfeit_schools = set()
    p.ended = not p.due


def _promotion_school(o: Order, it: Item) -> _Payments:
    p = _payments_allowed(o, it)
    if it.round != p.closed or not p.due or it.school != p.due[0]:
        want = f"school {p.due[0]} of round {p.closed}" if p.due else "none"
        raise _fail(it, Rule.PAYMENTS, f"{it.type} of school {it.school} in round {it.round}; "
                    f"promotions due: {want}")
    return p


def _promotion(o: Order, it: Item) -> None:
    p = _promotion_school(o, it)
    p.promoted += 1
    p.any_promoted = True


def _promotions(o: Order, it: Item) -> None:
    p = _promotion_school(o, it)
    if it.count != p.promoted:
        raise _fail(it, Rule.PAYMENTS, f"promotions of {it.school} counts {it.count} "
                    f"promoted; {p.promoted} promotion entries precede it")
    p.due.pop(0)
    p.promoted = 0
    p.ended = not p.due and not p.any_promoted


def _payments_closed(o: Order, it: Item) -> None:
    p = _payments_allowed(o, it)
    if p.due:
        raise _fail(it, Rule.PAYMENTS, f"payments_closed while round {p.closed}'s promotions "
                    f"of {', '.join(p.due)} are due")
    if p.forfeits or p.locks:
        raise _fail(it, Rule.PAYMENTS, f"payments_closed inside round {p.closed + 1}")
    if it.round != p.closed:
        raise _fail(it, Rule.PAYMENTS, f"payments_closed says {it.round} rounds; "
                    f"{p.closed} were logged")
    if p.closed and not p.ended:
        raise _fail(it, Rule.PAYMENTS, f"payments_closed after round {p.closed}, which "
                    "promoted someone (its offers are settled in a further round)")
    p.payments_closed = True
    o.stage = "payments closed"


def _grouping_allowed(o: Order, seq: int, type_: str) -> None:
    if not o.seeded("grouping"):
        raise PhaseError(seq, Rule.GROUPING_RESULTS, f"{type_} before the grouping seed")
    if "teachers" in o.ceremonies:
        raise PhaseError(seq, Rule.GROUPING_RESULTS,
                         f"{type_} after the teachers ceremony_opened")
    if "grouping" in o.published:
        raise PhaseError(seq, Rule.PUBLISHED, f"{type_} after the grouping was published")


def _grouping_summary(o: Order, it: Item) -> None:
    _grouping_allowed(o, it.seq, it.type)
    _summary(o.grouping, it, Rule.GROUPING_RESULTS, "grouping")
    o.stage = "grouping results being published"


def _grouping_result(o: Order, it: Item) -> None:
    _grouping_result_at(o, it.seq, it.type, it.school, it.reg)


def _grouping_result_at(o: Order, seq: int, type_: str, school: str | None,
                        reg: str | None) -> None:
    _grouping_allowed(o, seq, type_)
    _result(o.grouping, seq, school, reg, Rule.GROUPING_RESULTS, "grouping")


def _matching_result(o: Order, it: Item) -> None:
    if not o.seeded("teachers"):
        raise _fail(it, Rule.MATCHING_RESULTS, "matching_result before the teachers seed")
    if ("class", None) in o.notified:
        raise _fail(it, Rule.MATCHING_RESULTS, "matching_result after the class notification")
    if "teachers" in o.published:
        raise _fail(it, Rule.PUBLISHED, "matching_result after the teachers were published")
    key = (it.school or "", it.klass or "")
    if o.last_class is not None and key <= o.last_class:
        raise _fail(it, Rule.MATCHING_RESULTS, f"matching_result {key} after {o.last_class} "
                    "(schools then classes ascending, once each)")
    o.last_class = key
    o.stage = "matching being published"


def _notifications(o: Order, it: Item) -> None:
    topic, rnd, p = it.topic or "", it.round, o.payments
    if (topic, rnd) in o.notified:
        raise _fail(it, Rule.NOTIFICATIONS, f"a second {topic} notification for round {rnd}")
    if topic in ("draw", "payment_reminder") and "bias_audit" not in o.seen:
        raise _fail(it, Rule.NOTIFICATIONS, f"{topic} notification before the bias_audit")
    if topic == "payment_reminder" and p.payments_closed:
        raise _fail(it, Rule.NOTIFICATIONS, "payment_reminder after payments_closed")
    if topic in ("forfeit", "promotion") and (
            rnd is None or rnd > p.closed or (rnd == p.closed and p.due)):
        raise _fail(it, Rule.NOTIFICATIONS, f"{topic} notification for round {rnd} before "
                    "that round's last entry")
    if topic == "class" and o.last_class is None:
        raise _fail(it, Rule.NOTIFICATIONS, "class notification before any matching_result")
    o.notified.add((topic, rnd))


_RESULTS_OF = {"lottery": "the bias_audit", "grouping": "the grouping results",
               "teachers": "the matching results"}


def _published(o: Order, it: Item) -> None:
    name = it.ceremony or ""
    if name in o.published:
        raise _fail(it, Rule.PUBLISHED, f"{name} published twice")
    ready = ("bias_audit" in o.seen if name == "lottery"
             else o.seeded(name) and not o.grouping.due if name == "grouping"
             else o.seeded(name))
    if not ready:
        raise _fail(it, Rule.PUBLISHED, f"published {name} before {_RESULTS_OF[name]}")
    o.published.add(name)
    if name == "teachers":
        o.stage = "season published"


def _correction(o: Order, it: Item) -> None:
    if it.refers_to is None or not 0 <= it.refers_to < it.seq:
        raise _fail(it, Rule.CORRECTION,
                    f"correction refers to entry {it.refers_to}, not an earlier one")


_HANDLERS: dict[str, Callable[[Order, Item], None]] = {
    "event_created": _event_created,
    "window_set": _window,
    "window_removed": _window,
    "rehearsal_recorded": _rehearsal_recorded,
    "locks_recorded": _anywhere,
    "ceremony_opened": _ceremony_opened,
    "eligibility_rejections": _rejections,
    "input_records": _input_records,
    "input_frozen": _input_frozen,
    "input_withdrawn": _input_withdrawn,
    "commitment": _commitment,
    "commitments_closed": _commitments_closed,
    "reveal": _settlement,
    "escrow_opened": _settlement,
    "contribution_void": _settlement,
    "physical_entropy": _physical_entropy,
    "beacon_postponed": _postponed,
    "beacon": _beacon,
    "seed": _seed,
    "escrow_key_released": _key_released,
    "lottery_summary": _lottery_summary,
    "lottery_result": _lottery_result,
    "bias_audit": _bias_audit,
    "forfeit": _forfeit,
    "lock": _lock,
    "payment_round": _payment_round,
    "promotion": _promotion,
    "promotions": _promotions,
    "payments_closed": _payments_closed,
    "grouping_summary": _grouping_summary,
    "grouping_result": _grouping_result,
    "matching_result": _matching_result,
    "notifications_sent": _notifications,
    "correction": _correction,
    "published": _published,
}
TYPES = frozenset(_HANDLERS)
"""Every entry type the phase order knows; the same set as records.BODIES (tested)."""


def check_order(items: Iterable[Item], beacon: bool, rehearsal: bool = False) -> Order:
    """Enforce §11.3 over a whole log; the returned Order tells how far it came."""
    o = Order(beacon, rehearsal)
    for it in items:
        o.feed(it)
    if o.entries == 0:
        raise PhaseError(0, Rule.EVENT_CREATED, "the log is empty")
    return o
