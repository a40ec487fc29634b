"""Phase order of the log (PROTOCOL.md §11.3, §5.1), as one table of entry types.

Works on a light list of `Item`s (type, ceremony, participant, ...) so it runs on any
log and on the hand-written cases of ``tests/vectors/phase_order.json``. Every
violation names the `Rule` it breaks. The order is prefix-closed: a log is in
order iff each entry may follow the ones before it, so the first entry that may
not is the violation, and an event may stop anywhere (§11.3).

A new entry type (protocol v2: windows, input amendments) is one `Rule` (if it
brings one), one handler in `_HANDLERS` and its cases in the vector file.
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
    CEREMONY_ORDER = "ceremony-order"
    OPENED_FIRST = "opened-first"
    INPUTS = "inputs"
    COMMITMENTS = "commitments"
    NO_COMMITMENT = "no-commitment"
    SETTLEMENT = "settlement"
    PHYSICAL_ENTROPY = "physical-entropy"
    BEACON = "beacon"
    SEED = "seed"
    KEY_RELEASE = "key-release"
    REJECTIONS = "rejections"
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
    Rule.CEREMONY_ORDER: "§11.3 (2)",
    Rule.OPENED_FIRST: "§5.1 (1)",
    Rule.INPUTS: "§5.1 (2)",
    Rule.COMMITMENTS: "§5.1 (3), §5.2, §5.4",
    Rule.NO_COMMITMENT: "§5.1 (3), §5.4",
    Rule.SETTLEMENT: "§5.1 (4)",
    Rule.PHYSICAL_ENTROPY: "§5.1 (5), §5.5",
    Rule.BEACON: "§5.1 (6), §5.6",
    Rule.SEED: "§5.1 (7), §16",
    Rule.KEY_RELEASE: "§5.1 (8), §5.4, §11.3 (2)",
    Rule.REJECTIONS: "§11.3 (2)",
    Rule.LOTTERY_RESULTS: "§11.3 (3)",
    Rule.BIAS_AUDIT: "§11.3 (3)",
    Rule.PAYMENTS: "§11.3 (3)",
    Rule.GROUPING_RESULTS: "§11.3 (4)",
    Rule.MATCHING_RESULTS: "§11.3 (4)",
    Rule.NOTIFICATIONS: "§11.3 (4)",
    Rule.PUBLISHED: "§11.3 (5)",
    Rule.CORRECTION: "§11.3 (5)",
}


class PhaseError(VerificationError):
    """An entry that may not follow the ones before it; `rule` says which rule."""

    def __init__(self, seq: int, rule: Rule, message: str) -> None:
        super().__init__("phases", SECTION[rule], f"entry {seq}: {message} [{rule.value}]")
        self.seq = seq
        self.rule = rule


@dataclass(frozen=True, slots=True)
class Item:
    """What the phase order needs of one entry (§11.2 body members)."""

    seq: int
    type: str
    ceremony: str | None = None
    participant: str | None = None
    participants: tuple[str, ...] = ()
    """ceremony_opened: the participant ids."""
    reason: str | None = None
    """contribution_void: the reason."""
    refers_to: int | None = None
    """correction: the entry it refers to."""


class Step(IntEnum):
    """Where a ceremony stands in §5.1."""

    OPENED = 1
    RECORDS = 2
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
    committed: set[str] = field(default_factory=set)
    settled: set[str] = field(default_factory=set)
    voids_due: set[str] = field(default_factory=set)
    """Participants who did not commit and still lack their no-commitment void."""
    key_released: bool = False


@dataclass
class Order:
    """The §11.3 state after the entries fed so far; `feed` raises PhaseError."""

    beacon: bool
    """rules.beacon names a chain (§5.6)."""
    ceremonies: dict[str, _Ceremony] = field(default_factory=dict)
    entries: int = 0
    seen: set[str] = field(default_factory=set)
    """Entry types logged so far."""
    published: set[str] = field(default_factory=set)
    stage: str = "nothing logged"

    # ------------------------------------------------------------- progress

    @property
    def lottery_results_final(self) -> bool:
        """No lottery_results may follow: every school's must be there (§11.3 (3))."""
        return "bias_audit" in self.seen

    @property
    def grouping_results_final(self) -> bool:
        return "teachers" in self.ceremonies or "grouping" in self.published

    @property
    def matching_results_final(self) -> bool:
        return "notifications_sent" in self.seen or "teachers" in self.published

    # ----------------------------------------------------------------- feed

    def feed(self, it: Item) -> None:
        if self.entries == 0 and it.type != "event_created":
            raise PhaseError(it.seq, Rule.EVENT_CREATED, "the first entry is not event_created")
        due = next((c for c in self.ceremonies.values() if c.voids_due), None)
        if due is not None and not (it.type == "contribution_void" and it.ceremony == due.name
                                    and it.reason == "no-commitment"):
            raise PhaseError(it.seq, Rule.NO_COMMITMENT,
                             f"{it.type} where the {due.name} no-commitment voids of "
                             f"{', '.join(sorted(due.voids_due))} must follow "
                             "commitments_closed")
        handler = _HANDLERS.get(it.type)
        if handler is None:  # strict parsing refuses such an entry first (§2.3)
            raise VerificationError("phases", "§2.3, §11.2",
                                    f"entry {it.seq}: unknown entry type {it.type!r}")
        handler(self, it)
        self.entries += 1
        self.seen.add(it.type)

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


def _ceremony_opened(o: Order, it: Item) -> None:
    name = it.ceremony or ""
    if name not in CEREMONIES:
        raise _fail(it, Rule.CEREMONY_ORDER, f"unknown ceremony {name!r}")
    if name in o.ceremonies:
        raise _fail(it, Rule.CEREMONY_ORDER, f"the {name} ceremony opened twice")
    k = CEREMONIES.index(name)
    if k > 0:
        before = o.ceremonies.get(CEREMONIES[k - 1])
        if before is None or before.step != Step.SEEDED:
            raise _fail(it, Rule.CEREMONY_ORDER,
                        f"{name} opened before the {CEREMONIES[k - 1]} seed")
    if name == "grouping":
        if "bias_audit" not in o.seen:
            raise _fail(it, Rule.BIAS_AUDIT, "grouping opened before the bias_audit")
        if "payments_closed" not in o.seen:
            raise _fail(it, Rule.PAYMENTS, "grouping opened before payments_closed")
    o.ceremonies[name] = _Ceremony(name, frozenset(it.participants))
    o.stage = f"{name} ceremony opened"


def _input_records(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    if c.step > Step.RECORDS:
        raise _fail(it, Rule.INPUTS, f"input_records after the {c.name} input_frozen")
    c.step = Step.RECORDS


def _input_frozen(o: Order, it: Item) -> None:
    c = o._ceremony(it)
    if c.step != Step.RECORDS:
        what = "without input_records" if c.step == Step.OPENED else "a second time"
        raise _fail(it, Rule.INPUTS, f"{c.name} input_frozen {what}")
    c.step = Step.FROZEN


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
    c.voids_due = set(c.participants - c.committed)
    o.stage = f"{c.name} commitments closed"


def _settlement(o: Order, it: Item) -> None:
    """reveal, escrow_opened, contribution_void: one per participant (§5.1 (4))."""
    c = o._ceremony(it)
    p = it.participant or ""
    if it.type == "contribution_void" and it.reason == "no-commitment":
        if c.step != Step.CLOSED or p not in c.voids_due:
            raise _fail(it, Rule.NO_COMMITMENT,
                        f"no-commitment void of {p} is not one right after the {c.name} "
                        "commitments_closed for a participant who did not commit")
        c.voids_due.discard(p)
        c.settled.add(p)
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


def _rejections(o: Order, it: Item) -> None:
    lot = o.ceremonies.get("lottery")
    if lot is None or lot.step > Step.RECORDS:
        raise _fail(it, Rule.REJECTIONS,
                    "eligibility_rejections outside the lottery's ceremony_opened and "
                    "input_frozen")


def _lottery_seeded(o: Order) -> bool:
    lot = o.ceremonies.get("lottery")
    return lot is not None and lot.step == Step.SEEDED


def _lottery_results(o: Order, it: Item) -> None:
    if not _lottery_seeded(o):
        raise _fail(it, Rule.LOTTERY_RESULTS, "lottery_results before the lottery seed")
    if "bias_audit" in o.seen:
        raise _fail(it, Rule.LOTTERY_RESULTS, "lottery_results after the bias_audit")
    o.stage = "lottery results being published"


def _bias_audit(o: Order, it: Item) -> None:
    if not _lottery_seeded(o):
        raise _fail(it, Rule.BIAS_AUDIT, "bias_audit before the lottery seed")
    if "bias_audit" in o.seen:  # also covers "before the grouping ceremony_opened",
        raise _fail(it, Rule.BIAS_AUDIT, "a second bias_audit")  # which needs the audit
    o.stage = "lottery results published"


def _payments(o: Order, it: Item) -> None:
    """payment_round, promotions, payments_closed (§11.3 (3), §7.5)."""
    if "bias_audit" not in o.seen:
        raise _fail(it, Rule.PAYMENTS, f"{it.type} before the bias_audit")
    if "payments_closed" in o.seen:
        raise _fail(it, Rule.PAYMENTS, f"{it.type} after payments_closed")
    if it.type == "promotions" and "payment_round" not in o.seen:
        raise _fail(it, Rule.PAYMENTS, "promotions before any payment_round")
    o.stage = "payments closed" if it.type == "payments_closed" else "payment window"


def _seeded(o: Order, name: str) -> bool:
    c = o.ceremonies.get(name)
    return c is not None and c.step == Step.SEEDED


def _grouping_results(o: Order, it: Item) -> None:
    if not _seeded(o, "grouping"):
        raise _fail(it, Rule.GROUPING_RESULTS, "grouping_results before the grouping seed")
    if "teachers" in o.ceremonies:
        raise _fail(it, Rule.GROUPING_RESULTS,
                    "grouping_results after the teachers ceremony_opened")
    if "grouping" in o.published:
        raise _fail(it, Rule.PUBLISHED, "grouping_results after the grouping was published")
    o.stage = "grouping published"


def _matching_results(o: Order, it: Item) -> None:
    if not _seeded(o, "teachers"):
        raise _fail(it, Rule.MATCHING_RESULTS, "matching_results before the teachers seed")
    if "notifications_sent" in o.seen:
        raise _fail(it, Rule.MATCHING_RESULTS, "matching_results after notifications_sent")
    if "teachers" in o.published:
        raise _fail(it, Rule.PUBLISHED, "matching_results after the teachers were published")
    o.stage = "matching published"


def _notifications(o: Order, it: Item) -> None:
    if "matching_results" not in o.seen:
        raise _fail(it, Rule.NOTIFICATIONS, "notifications_sent before any matching_results")
    o.stage = "notifications sent"


_RESULTS_OF = {"lottery": "bias_audit", "grouping": "grouping_results",
               "teachers": "matching_results"}


def _published(o: Order, it: Item) -> None:
    name = it.ceremony or ""
    needs = _RESULTS_OF.get(name)
    if needs is None or needs not in o.seen:
        raise _fail(it, Rule.PUBLISHED, f"published {name} before its results ({needs})")
    o.published.add(name)
    if name == "teachers":
        o.stage = "season published"


def _correction(o: Order, it: Item) -> None:
    if it.refers_to is None or not 0 <= it.refers_to < it.seq:
        raise _fail(it, Rule.CORRECTION,
                    f"correction refers to entry {it.refers_to}, not an earlier one")


_HANDLERS: dict[str, Callable[[Order, Item], None]] = {
    "event_created": _event_created,
    "ceremony_opened": _ceremony_opened,
    "eligibility_rejections": _rejections,
    "input_records": _input_records,
    "input_frozen": _input_frozen,
    "commitment": _commitment,
    "commitments_closed": _commitments_closed,
    "reveal": _settlement,
    "escrow_opened": _settlement,
    "contribution_void": _settlement,
    "physical_entropy": _physical_entropy,
    "beacon": _beacon,
    "seed": _seed,
    "escrow_key_released": _key_released,
    "lottery_results": _lottery_results,
    "bias_audit": _bias_audit,
    "payment_round": _payments,
    "promotions": _payments,
    "payments_closed": _payments,
    "grouping_results": _grouping_results,
    "matching_results": _matching_results,
    "notifications_sent": _notifications,
    "published": _published,
    "correction": _correction,
}
TYPES = frozenset(_HANDLERS)
"""Every entry type the phase order knows; the same set as records.BODIES (tested)."""


def check_order(items: Iterable[Item], beacon: bool) -> Order:
    """Enforce §11.3 over the whole log; the returned Order tells how far it came."""
    o = Order(beacon)
    for it in items:
        o.feed(it)
    if o.entries == 0:
        raise PhaseError(0, Rule.EVENT_CREATED, "the log is empty")
    return o
