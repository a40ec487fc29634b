"""The log vocabulary (PROTOCOL.md §11.2, version 2): every entry type and its body.

`EntryType` is the closed set of types, in the order of the §11.2 table; each
has one frozen body class here with a strict `from_json` (every member
required, no other allowed, each value of its §1 syntax; the cross-member
rules stated next to the table) and `to_json` (the value that is logged).
`BODY_TYPES` maps each type to its class and `entry_types.json` (beside this
module) holds the same list as data, which tests compare with the verifier's
list, the browser's (`web/static/entries.js`) and the §11.2 table.

Readers never look at raw dictionaries: `core.log.decode_entry` gives an
`Entry` whose `body` is one of these classes, and `core.season.SeasonState`
is the one fold over them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar, Final, Literal, Self, get_args

from .beacon import PostponeReason
from .errors import RecordError
from .records import GENDERS, InputRecord, Rules, parse_origin, record_from_json
from .seed import CEREMONIES, ROLES, Ceremony, Participant
from .strict import (
    EVENT_ID,
    ID,
    REG,
    StrictError,
    ascending,
    b64,
    boolean,
    choice,
    clock,
    hex_bytes,
    integer,
    is_masked_name,
    items,
    literal,
    members,
    optional_hex,
    optional_integer,
    optional_time,
    pattern,
    text,
    time,
)

__all__ = [
    "BODY_TYPES",
    "DIMENSIONS",
    "MEMBERS",
    "OUTCOMES",
    "ROUND_TOPICS",
    "STAGES",
    "BeaconPostponed",
    "BeaconValue",
    "BiasAudit",
    "BiasDimension",
    "BiasValue",
    "Body",
    "CeremonyOpened",
    "ClassSummary",
    "Commitment",
    "CommitmentsClosed",
    "ContributionVoid",
    "Correction",
    "DailyHours",
    "EligibilityRejections",
    "EntryType",
    "EscrowKeyReleased",
    "EscrowOpened",
    "EventCreated",
    "Forfeit",
    "ForfeitReason",
    "GroupingResult",
    "GroupingSummary",
    "InputFrozen",
    "InputRecords",
    "InputWithdrawn",
    "Lock",
    "LocksRecorded",
    "LotteryResult",
    "LotterySummary",
    "MatchingResult",
    "NotificationsSent",
    "Outcome",
    "PaymentRound",
    "PaymentsClosed",
    "PhysicalEntropy",
    "Promotion",
    "Promotions",
    "Published",
    "RehearsalRecorded",
    "Reveal",
    "Seed",
    "Stage",
    "StageSummary",
    "Topic",
    "VoidReason",
    "WindowPhase",
    "WindowRemoved",
    "WindowSet",
    "body_from_json",
]


class EntryType(StrEnum):
    """Every §11.2 entry type, in the table's order."""

    EVENT_CREATED = "event_created"
    WINDOW_SET = "window_set"
    WINDOW_REMOVED = "window_removed"
    REHEARSAL_RECORDED = "rehearsal_recorded"
    LOCKS_RECORDED = "locks_recorded"
    CEREMONY_OPENED = "ceremony_opened"
    ELIGIBILITY_REJECTIONS = "eligibility_rejections"
    INPUT_RECORDS = "input_records"
    INPUT_FROZEN = "input_frozen"
    INPUT_WITHDRAWN = "input_withdrawn"
    COMMITMENT = "commitment"
    COMMITMENTS_CLOSED = "commitments_closed"
    REVEAL = "reveal"
    ESCROW_OPENED = "escrow_opened"
    CONTRIBUTION_VOID = "contribution_void"
    PHYSICAL_ENTROPY = "physical_entropy"
    BEACON_POSTPONED = "beacon_postponed"
    BEACON = "beacon"
    SEED = "seed"
    ESCROW_KEY_RELEASED = "escrow_key_released"
    LOTTERY_SUMMARY = "lottery_summary"
    LOTTERY_RESULT = "lottery_result"
    BIAS_AUDIT = "bias_audit"
    FORFEIT = "forfeit"
    LOCK = "lock"
    PAYMENT_ROUND = "payment_round"
    PROMOTION = "promotion"
    PROMOTIONS = "promotions"
    PAYMENTS_CLOSED = "payments_closed"
    GROUPING_SUMMARY = "grouping_summary"
    GROUPING_RESULT = "grouping_result"
    MATCHING_RESULT = "matching_result"
    NOTIFICATIONS_SENT = "notifications_sent"
    CORRECTION = "correction"
    PUBLISHED = "published"


class WindowPhase(StrEnum):
    """The phases a calendar window can name (§11.4, G3, P6)."""

    REGISTRATION = "registration"
    LOTTERY_CEREMONY = "lottery_ceremony"
    PAYMENT = "payment"
    COHORT = "cohort"
    GROUPING_CEREMONY = "grouping_ceremony"
    TEACHERS = "teachers"
    TEACHER_CEREMONY = "teacher_ceremony"


class VoidReason(StrEnum):
    """The only three reasons a contribution is void (§5.4)."""

    NO_COMMITMENT = "no-commitment"
    ESCROW_INVALID = "escrow-invalid"
    ESCROW_HOLDER_ABSENT = "escrow-holder-absent"


class ForfeitReason(StrEnum):
    """Why an offer was lost in a payment round (§7.5, P7)."""

    UNPAID = "unpaid"  # 逾期未缴费
    DECLINED = "declined"  # the family gave the place up (已放弃)


class Topic(StrEnum):
    """What a batch of messages told families (§11.2, S6)."""

    DRAW = "draw"
    PAYMENT_REMINDER = "payment_reminder"
    PROMOTION = "promotion"
    FORFEIT = "forfeit"
    CLASS = "class"


ROUND_TOPICS: Final = frozenset({Topic.PROMOTION, Topic.FORFEIT})
"""Topics whose `notifications_sent` names a payment round (§11.2)."""

Stage = Literal["direct", "community", "district", "city"]
STAGES: Final[tuple[Stage, ...]] = get_args(Stage)
Outcome = Literal["admitted", "not_admitted"]
OUTCOMES: Final[tuple[Outcome, ...]] = get_args(Outcome)
DIMENSIONS: Final = ("district", "gender", "reg_day")  # §8, in this order

Obj = dict[str, Any]


_NAMES: dict[type, frozenset[str]] = {}


def _names(cls: type) -> frozenset[str]:
    """A body's JSON members: its field names (`class_` is the member `class`); once per
    class (every decoded entry asks)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = frozenset(f.name.rstrip("_") for f in fields(cls))
    return names


_CEREMONY_OF: Final[dict[str, Ceremony]] = {c: c for c in CEREMONIES}
_STAGE_OF: Final[dict[str, Stage]] = {s: s for s in STAGES}


def _ceremony(o: Obj, what: str = "body") -> Ceremony:
    return _CEREMONY_OF[literal(o, "ceremony", what, CEREMONIES)]


def _id(o: Obj, key: str, what: str = "body") -> str:
    return pattern(o, key, what, ID, "id")


def _reg(o: Obj, key: str, what: str = "body") -> str:
    return pattern(o, key, what, REG, "reg")


def _stage(o: Obj, what: str) -> Stage:
    return _STAGE_OF[literal(o, "stage", what, STAGES)]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class _Body:
    """Shared by every body class: its type, and its strict reading from JSON."""

    TYPE: ClassVar[EntryType]
    __slots__ = ()

    @classmethod
    def read(cls, obj: Any) -> Self:
        return cls.parse(members(obj, _names(cls), "body"))

    @classmethod
    def parse(cls, o: Obj) -> Self:  # pragma: no cover - every body class defines it
        raise NotImplementedError

    def to_json(self) -> Obj:  # pragma: no cover - every body class defines it
        raise NotImplementedError


# ------------------------------------------------------------- event-wide entries


@dataclass(frozen=True, slots=True)
class EventCreated(_Body):
    TYPE: ClassVar = EntryType.EVENT_CREATED
    rules: Rules
    rules_hash: bytes

    @classmethod
    def parse(cls, o: Obj) -> Self:
        try:
            rules = Rules.from_json(o["rules"])
        except (StrictError, RecordError) as exc:
            raise StrictError(f"body.rules: {exc.message}", section="3.1") from None
        return cls(rules, hex_bytes(o, "rules_hash", "body"))

    def to_json(self) -> Obj:
        return {"rules": self.rules.to_json(), "rules_hash": self.rules_hash.hex()}


@dataclass(frozen=True, slots=True)
class DailyHours:
    """`daily` of a window: Beijing clock times; `to` 00:00 means midnight (§11.4)."""

    start: str
    end: str

    def to_json(self) -> Obj:
        return {"from": self.start, "to": self.end}

    @classmethod
    def from_json(cls, obj: Any) -> DailyHours | None:
        if obj is None:
            return None
        o = members(obj, ("from", "to"), "body.daily")
        return cls(clock(o, "from", "body.daily"), clock(o, "to", "body.daily"))


@dataclass(frozen=True, slots=True)
class WindowSet(_Body):
    TYPE: ClassVar = EntryType.WINDOW_SET
    phase: WindowPhase
    opens: str
    closes: str
    daily: DailyHours | None

    @classmethod
    def parse(cls, o: Obj) -> Self:
        opens, closes = time(o, "opens", "body"), time(o, "closes", "body")
        phase = choice(o, "phase", "body", WindowPhase)
        daily = DailyHours.from_json(o["daily"])
        if closes <= opens:
            raise StrictError("window_set: closes is after opens", section="11.3")
        return cls(phase, opens, closes, daily)

    def to_json(self) -> Obj:
        return {"phase": self.phase.value, "opens": self.opens, "closes": self.closes,
                "daily": None if self.daily is None else self.daily.to_json()}


@dataclass(frozen=True, slots=True)
class WindowRemoved(_Body):
    TYPE: ClassVar = EntryType.WINDOW_REMOVED
    phase: WindowPhase

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(choice(o, "phase", "body", WindowPhase))

    def to_json(self) -> Obj:
        return {"phase": self.phase.value}


@dataclass(frozen=True, slots=True)
class RehearsalRecorded(_Body):
    TYPE: ClassVar = EntryType.REHEARSAL_RECORDED
    event: str
    origin: str
    size: int
    root: bytes
    key: str

    @classmethod
    def parse(cls, o: Obj) -> Self:
        origin = text(o, "origin", "body")
        try:
            parse_origin(origin)
        except RecordError as exc:
            raise StrictError(f"body.origin: {exc.message}", section="12.1") from None
        return cls(pattern(o, "event", "body", EVENT_ID, "event id"), origin,
                   integer(o, "size", "body"), hex_bytes(o, "root", "body"),
                   text(o, "key", "body", nonempty=True))

    def to_json(self) -> Obj:
        return {"event": self.event, "origin": self.origin, "size": self.size,
                "root": self.root.hex(), "key": self.key}


@dataclass(frozen=True, slots=True)
class LocksRecorded(_Body):
    """The number of P8 locks on record (no registration numbers, §11.2)."""

    TYPE: ClassVar = EntryType.LOCKS_RECORDED
    count: int

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(integer(o, "count", "body"))

    def to_json(self) -> Obj:
        return {"count": self.count}


# -------------------------------------------------------------------- ceremonies


@dataclass(frozen=True, slots=True)
class CeremonyOpened(_Body):
    TYPE: ClassVar = EntryType.CEREMONY_OPENED
    ceremony: Ceremony
    participants: tuple[Participant, ...]
    participants_hash: bytes
    escrow_key: bytes  # the escrow holder's X25519 public key for this ceremony (§5.2)
    physical_entropy_by: str | None
    beacon_round: int | None

    @classmethod
    def parse(cls, o: Obj) -> Self:
        people = []
        for p in items(o, "participants", "body"):
            q = members(p, ("id", "role"), "body.participants[]")
            role = literal(q, "role", "participant", tuple(sorted(ROLES)))
            people.append(Participant(_id(q, "id", "participant"), role))  # type: ignore[arg-type]
        if len(people) < 2:
            raise StrictError("body.participants: at least two required", section="5.2")
        ascending([p.id for p in people], "body.participants ids")
        by = optional_time(o, "physical_entropy_by", "body")
        round_ = optional_integer(o, "beacon_round", "body", 1)
        if (by is None) != (round_ is None):
            raise StrictError("physical_entropy_by and beacon_round are both null or both "
                              "set", section="5.6")
        return cls(_ceremony(o), tuple(people), hex_bytes(o, "participants_hash", "body"),
                   b64(o, "escrow_key", "body", 32), by, round_)

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony,
                "participants": [p.to_json() for p in self.participants],
                "participants_hash": self.participants_hash.hex(),
                "escrow_key": _b64(self.escrow_key),
                "physical_entropy_by": self.physical_entropy_by,
                "beacon_round": self.beacon_round}


@dataclass(frozen=True, slots=True)
class EligibilityRejections(_Body):
    """The size and root of the committed rejection tree (§17.2)."""

    TYPE: ClassVar = EntryType.ELIGIBILITY_REJECTIONS
    count: int
    root: bytes

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(integer(o, "count", "body"), hex_bytes(o, "root", "body"))

    def to_json(self) -> Obj:
        return {"count": self.count, "root": self.root.hex()}


@dataclass(frozen=True, slots=True)
class InputRecords(_Body):
    """One part of a ceremony's input, in the input tree's order (§11.1)."""

    TYPE: ClassVar = EntryType.INPUT_RECORDS
    ceremony: Ceremony
    records: tuple[InputRecord, ...]

    @classmethod
    def parse(cls, o: Obj) -> Self:
        ceremony = _ceremony(o)
        raw = items(o, "records", "body", nonempty=True)
        if len(raw) > 250:
            raise StrictError("body.records: more than 250 records", section="11.1")
        records = []
        for k, r in enumerate(raw):
            try:
                records.append(record_from_json(r, ceremony))
            except StrictError as exc:
                raise StrictError(f"body.records[{k}]: {exc.message}",
                                  section=exc.section) from None
            except RecordError as exc:  # a record's own rule (§3.2)
                raise StrictError(f"body.records[{k}]: {exc.message}",
                                  section=exc.section) from None
        return cls(ceremony, tuple(records))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "records": [r.to_json() for r in self.records]}


@dataclass(frozen=True, slots=True)
class InputFrozen(_Body):
    TYPE: ClassVar = EntryType.INPUT_FROZEN
    ceremony: Ceremony
    root: bytes
    size: int

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o), hex_bytes(o, "root", "body"), integer(o, "size", "body"))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "root": self.root.hex(), "size": self.size}


@dataclass(frozen=True, slots=True)
class InputWithdrawn(_Body):
    """An amendment before the first commitment (§5.1 step 3)."""

    TYPE: ClassVar = EntryType.INPUT_WITHDRAWN
    ceremony: Ceremony
    reason: str

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o), text(o, "reason", "body", nonempty=True))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Commitment(_Body):
    TYPE: ClassVar = EntryType.COMMITMENT
    ceremony: Ceremony
    participant: str
    commitment: bytes
    escrow: str  # base64 of E ‖ AES-GCM(secret), 80 bytes (§5.4)

    @classmethod
    def parse(cls, o: Obj) -> Self:
        b64(o, "escrow", "body", 80)
        return cls(_ceremony(o), _id(o, "participant"), hex_bytes(o, "commitment", "body"),
                   o["escrow"])

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "participant": self.participant,
                "commitment": self.commitment.hex(), "escrow": self.escrow}


@dataclass(frozen=True, slots=True)
class CommitmentsClosed(_Body):
    TYPE: ClassVar = EntryType.COMMITMENTS_CLOSED
    ceremony: Ceremony

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony}


@dataclass(frozen=True, slots=True)
class Reveal(_Body):
    TYPE: ClassVar = EntryType.REVEAL
    ceremony: Ceremony
    participant: str
    secret: bytes

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o), _id(o, "participant"), hex_bytes(o, "secret", "body"))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "participant": self.participant,
                "secret": self.secret.hex()}


@dataclass(frozen=True, slots=True)
class EscrowOpened(_Body):
    """A withheld secret opened by the escrow holder (§5.4); checked like a reveal."""

    TYPE: ClassVar = EntryType.ESCROW_OPENED
    ceremony: Ceremony
    participant: str
    secret: bytes

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o), _id(o, "participant"), hex_bytes(o, "secret", "body"))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "participant": self.participant,
                "secret": self.secret.hex()}


@dataclass(frozen=True, slots=True)
class ContributionVoid(_Body):
    TYPE: ClassVar = EntryType.CONTRIBUTION_VOID
    ceremony: Ceremony
    participant: str
    reason: VoidReason

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o), _id(o, "participant"), choice(o, "reason", "body", VoidReason))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "participant": self.participant,
                "reason": self.reason.value}


@dataclass(frozen=True, slots=True)
class PhysicalEntropy(_Body):
    TYPE: ClassVar = EntryType.PHYSICAL_ENTROPY
    ceremony: Ceremony
    witness: str
    values: tuple[int, ...]

    @classmethod
    def parse(cls, o: Obj) -> Self:
        values = items(o, "values", "body", nonempty=True)
        for k, v in enumerate(values):
            if type(v) is not int or not 1 <= v <= 6:
                raise StrictError(f"body.values[{k}]: not one of 1, 2, 3, 4, 5, 6",
                                  section="11.2")
        return cls(_ceremony(o), _id(o, "witness"), tuple(values))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "witness": self.witness, "values": list(self.values)}


@dataclass(frozen=True, slots=True)
class BeaconPostponed(_Body):
    TYPE: ClassVar = EntryType.BEACON_POSTPONED
    ceremony: Ceremony
    reason: PostponeReason
    round: int
    physical_entropy_by: str
    beacon_round: int

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o), choice(o, "reason", "body", PostponeReason),
                   integer(o, "round", "body", 1), time(o, "physical_entropy_by", "body"),
                   integer(o, "beacon_round", "body", 1))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "reason": self.reason.value, "round": self.round,
                "physical_entropy_by": self.physical_entropy_by,
                "beacon_round": self.beacon_round}


@dataclass(frozen=True, slots=True)
class BeaconValue(_Body):
    """The `beacon` entry: a drand round verified before it was logged (§5.6)."""

    TYPE: ClassVar = EntryType.BEACON
    ceremony: Ceremony
    chain: bytes
    round: int
    randomness: bytes
    signature: bytes

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o), hex_bytes(o, "chain", "body"), integer(o, "round", "body", 1),
                   hex_bytes(o, "randomness", "body"), hex_bytes(o, "signature", "body", 48))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "chain": self.chain.hex(), "round": self.round,
                "randomness": self.randomness.hex(), "signature": self.signature.hex()}


@dataclass(frozen=True, slots=True)
class Seed(_Body):
    TYPE: ClassVar = EntryType.SEED
    ceremony: Ceremony
    seed: bytes
    input_root: bytes
    input_size: int

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o), hex_bytes(o, "seed", "body"), hex_bytes(o, "input_root", "body"),
                   integer(o, "input_size", "body"))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "seed": self.seed.hex(),
                "input_root": self.input_root.hex(), "input_size": self.input_size}


@dataclass(frozen=True, slots=True)
class EscrowKeyReleased(_Body):
    TYPE: ClassVar = EntryType.ESCROW_KEY_RELEASED
    ceremony: Ceremony
    private_key: bytes

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o), b64(o, "private_key", "body", 32))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony, "private_key": _b64(self.private_key)}


# ------------------------------------------------------------------ the lottery


@dataclass(frozen=True, slots=True)
class StageSummary:
    """One stage run in a school's summary (§7.4); counts are applicants, not units."""

    stage: Stage
    seats: int
    applicants: int
    admitted: int
    lottery: bool
    cutoff: bytes | None

    def to_json(self) -> Obj:
        return {"stage": self.stage, "seats": self.seats, "applicants": self.applicants,
                "admitted": self.admitted, "lottery": self.lottery,
                "cutoff": None if self.cutoff is None else self.cutoff.hex()}

    @classmethod
    def from_json(cls, obj: Any) -> StageSummary:
        w = "body.stages[]"
        o = members(obj, ("stage", "seats", "applicants", "admitted", "lottery", "cutoff"), w)
        return cls(_stage(o, w), integer(o, "seats", w), integer(o, "applicants", w),
                   integer(o, "admitted", w), boolean(o, "lottery", w),
                   optional_hex(o, "cutoff", w))


@dataclass(frozen=True, slots=True)
class LotterySummary(_Body):
    TYPE: ClassVar = EntryType.LOTTERY_SUMMARY
    school: str
    name: str
    quota: int
    applicants: int
    admitted: int
    returned_to_bureau: int
    stages: tuple[StageSummary, ...]

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_id(o, "school"), text(o, "name", "body"), integer(o, "quota", "body"),
                   integer(o, "applicants", "body"), integer(o, "admitted", "body"),
                   integer(o, "returned_to_bureau", "body"),
                   tuple(StageSummary.from_json(s) for s in items(o, "stages", "body")))

    def to_json(self) -> Obj:
        return {"school": self.school, "name": self.name, "quota": self.quota,
                "applicants": self.applicants, "admitted": self.admitted,
                "returned_to_bureau": self.returned_to_bureau,
                "stages": [s.to_json() for s in self.stages]}


@dataclass(frozen=True, slots=True)
class LotteryResult(_Body):
    """One applicant's outcome (§7.4); `cutoff` is that of the record's stage."""

    TYPE: ClassVar = EntryType.LOTTERY_RESULT
    school: str
    reg: str
    unit: str
    outcome: Outcome
    stage: Stage
    rank: int
    waiting: int | None
    cutoff: bytes | None

    @classmethod
    def parse(cls, o: Obj) -> Self:
        outcome = literal(o, "outcome", "body", OUTCOMES)
        return cls(_id(o, "school"), _reg(o, "reg"), _reg(o, "unit"),
                   "admitted" if outcome == "admitted" else "not_admitted", _stage(o, "body"),
                   integer(o, "rank", "body", 1), optional_integer(o, "waiting", "body", 1),
                   optional_hex(o, "cutoff", "body"))

    def to_json(self) -> Obj:
        return {"school": self.school, "reg": self.reg, "unit": self.unit,
                "outcome": self.outcome, "stage": self.stage, "rank": self.rank,
                "waiting": self.waiting,
                "cutoff": None if self.cutoff is None else self.cutoff.hex()}


@dataclass(frozen=True, slots=True)
class BiasValue:
    value: str
    applicants: int
    winners: int
    expected_milli: int

    def to_json(self) -> Obj:
        return {"value": self.value, "applicants": self.applicants, "winners": self.winners,
                "expected_milli": self.expected_milli}

    @classmethod
    def from_json(cls, obj: Any) -> BiasValue:
        w = "dimension.values[]"
        o = members(obj, ("value", "applicants", "winners", "expected_milli"), w)
        return cls(text(o, "value", w), integer(o, "applicants", w), integer(o, "winners", w),
                   integer(o, "expected_milli", w))


@dataclass(frozen=True, slots=True)
class BiasDimension:
    """One dimension of the bias audit (§8); `testable` false reads 不适用, never 正常."""

    dimension: str
    df: int
    chi2_milli: int
    p_ppm: int
    flag: bool
    testable: bool
    values: tuple[BiasValue, ...]

    def to_json(self) -> Obj:
        return {"dimension": self.dimension, "df": self.df, "chi2_milli": self.chi2_milli,
                "p_ppm": self.p_ppm, "flag": self.flag, "testable": self.testable,
                "values": [v.to_json() for v in self.values]}

    @classmethod
    def from_json(cls, obj: Any) -> BiasDimension:
        w = "body.dimensions[]"
        o = members(obj, ("dimension", "df", "chi2_milli", "p_ppm", "flag", "testable",
                          "values"), w)
        return cls(literal(o, "dimension", w, DIMENSIONS), integer(o, "df", w),
                   integer(o, "chi2_milli", w), integer(o, "p_ppm", w), boolean(o, "flag", w),
                   boolean(o, "testable", w),
                   tuple(BiasValue.from_json(v) for v in items(o, "values", w)))


@dataclass(frozen=True, slots=True)
class BiasAudit(_Body):
    TYPE: ClassVar = EntryType.BIAS_AUDIT
    dimensions: tuple[BiasDimension, ...]

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(tuple(BiasDimension.from_json(d) for d in items(o, "dimensions", "body")))

    def to_json(self) -> Obj:
        return {"dimensions": [d.to_json() for d in self.dimensions]}


# -------------------------------------------------------------------- payments


@dataclass(frozen=True, slots=True)
class Forfeit(_Body):
    TYPE: ClassVar = EntryType.FORFEIT
    round: int
    reg: str
    school: str
    reason: ForfeitReason

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(integer(o, "round", "body", 1), _reg(o, "reg"), _id(o, "school"),
                   choice(o, "reason", "body", ForfeitReason))

    def to_json(self) -> Obj:
        return {"round": self.round, "reg": self.reg, "school": self.school,
                "reason": self.reason.value}


@dataclass(frozen=True, slots=True)
class Lock(_Body):
    """A waiting applicant locked to another admission since the draw (§7.5, P8)."""

    TYPE: ClassVar = EntryType.LOCK
    round: int
    reg: str

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(integer(o, "round", "body", 1), _reg(o, "reg"))

    def to_json(self) -> Obj:
        return {"round": self.round, "reg": self.reg}


@dataclass(frozen=True, slots=True)
class PaymentRound(_Body):
    TYPE: ClassVar = EntryType.PAYMENT_ROUND
    round: int
    forfeits: int
    locks: int

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(integer(o, "round", "body", 1), integer(o, "forfeits", "body"),
                   integer(o, "locks", "body"))

    def to_json(self) -> Obj:
        return {"round": self.round, "forfeits": self.forfeits, "locks": self.locks}


@dataclass(frozen=True, slots=True)
class Promotion(_Body):
    TYPE: ClassVar = EntryType.PROMOTION
    round: int
    school: str
    reg: str
    unit: str
    waiting: int

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(integer(o, "round", "body", 1), _id(o, "school"), _reg(o, "reg"),
                   _reg(o, "unit"), integer(o, "waiting", "body", 1))

    def to_json(self) -> Obj:
        return {"round": self.round, "school": self.school, "reg": self.reg, "unit": self.unit,
                "waiting": self.waiting}


@dataclass(frozen=True, slots=True)
class Promotions(_Body):
    TYPE: ClassVar = EntryType.PROMOTIONS
    round: int
    school: str
    freed: int
    promoted: int
    returned_to_bureau: int

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(integer(o, "round", "body", 1), _id(o, "school"), integer(o, "freed", "body"),
                   integer(o, "promoted", "body"), integer(o, "returned_to_bureau", "body"))

    def to_json(self) -> Obj:
        return {"round": self.round, "school": self.school, "freed": self.freed,
                "promoted": self.promoted, "returned_to_bureau": self.returned_to_bureau}


@dataclass(frozen=True, slots=True)
class PaymentsClosed(_Body):
    TYPE: ClassVar = EntryType.PAYMENTS_CLOSED
    rounds: int

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(integer(o, "rounds", "body"))

    def to_json(self) -> Obj:
        return {"rounds": self.rounds}


# ------------------------------------------------------------ grouping, matching


@dataclass(frozen=True, slots=True)
class ClassSummary:
    """One class of a `grouping_summary`: counts only, every stratum of the school."""

    cls: str
    pupils: int
    genders: tuple[tuple[str, int], ...]  # ("F", n), ("M", n)
    strata: tuple[tuple[str, int], ...]  # sorted by stratum id, zero counts included

    def to_json(self) -> Obj:
        return {"class": self.cls, "pupils": self.pupils, "genders": dict(self.genders),
                "strata": dict(self.strata)}

    @classmethod
    def from_json(cls, obj: Any) -> ClassSummary:
        w = "body.classes[]"
        o = members(obj, ("class", "pupils", "genders", "strata"), w)
        g = members(o["genders"], GENDERS, "class.genders")
        s = o["strata"]
        if type(s) is not dict:
            raise StrictError("class.strata: not an object")
        for k in s:
            if not ID.fullmatch(k):
                raise StrictError(f"class.strata: {k!r} is not a stratum id", section="1")
        return cls(_id(o, "class", w), integer(o, "pupils", w),
                   tuple((k, integer(g, k, "class.genders")) for k in GENDERS),
                   tuple((k, integer(s, k, "class.strata")) for k in sorted(s)))


@dataclass(frozen=True, slots=True)
class GroupingSummary(_Body):
    TYPE: ClassVar = EntryType.GROUPING_SUMMARY
    school: str
    exchanges: int  # §9 step 9's E: the public balance bounds widen by it (§17.4)
    classes: tuple[ClassSummary, ...]

    @classmethod
    def parse(cls, o: Obj) -> Self:
        classes = tuple(ClassSummary.from_json(c) for c in items(o, "classes", "body",
                                                                 nonempty=True))
        ascending([c.cls for c in classes], "body.classes ids")
        return cls(_id(o, "school"), integer(o, "exchanges", "body"), classes)

    def to_json(self) -> Obj:
        return {"school": self.school, "exchanges": self.exchanges,
                "classes": [c.to_json() for c in self.classes]}


@dataclass(frozen=True, slots=True)
class GroupingResult(_Body):
    TYPE: ClassVar = EntryType.GROUPING_RESULT
    school: str
    reg: str
    class_: str

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_id(o, "school"), _reg(o, "reg"), _id(o, "class"))

    def to_json(self) -> Obj:
        return {"school": self.school, "reg": self.reg, "class": self.class_}


@dataclass(frozen=True, slots=True)
class MatchingResult(_Body):
    """A class's head teacher (§10), with the teacher record's masked name."""

    TYPE: ClassVar = EntryType.MATCHING_RESULT
    school: str
    class_: str
    teacher: str
    name: str

    @classmethod
    def parse(cls, o: Obj) -> Self:
        name = text(o, "name", "body")
        if not is_masked_name(name):
            raise StrictError(f"body.name: not a masked name: {name!r}", section="3.2")
        return cls(_id(o, "school"), _id(o, "class"), _id(o, "teacher"), name)

    def to_json(self) -> Obj:
        return {"school": self.school, "class": self.class_, "teacher": self.teacher,
                "name": self.name}


# ------------------------------------------------------------------ the rest


@dataclass(frozen=True, slots=True)
class NotificationsSent(_Body):
    """How many messages of one topic went out (S6): counts only."""

    TYPE: ClassVar = EntryType.NOTIFICATIONS_SENT
    topic: Topic
    round: int | None
    messages: int

    @classmethod
    def parse(cls, o: Obj) -> Self:
        topic = choice(o, "topic", "body", Topic)
        round_ = optional_integer(o, "round", "body", 1)
        if (round_ is None) == (topic in ROUND_TOPICS):
            raise StrictError("round is set exactly for topics promotion and forfeit",
                              section="11.2")
        return cls(topic, round_, integer(o, "messages", "body"))

    def to_json(self) -> Obj:
        return {"topic": self.topic.value, "round": self.round, "messages": self.messages}


@dataclass(frozen=True, slots=True)
class Correction(_Body):
    TYPE: ClassVar = EntryType.CORRECTION
    refers_to: int
    reason: str

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(integer(o, "refers_to", "body"), text(o, "reason", "body", nonempty=True))

    def to_json(self) -> Obj:
        return {"refers_to": self.refers_to, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Published(_Body):
    TYPE: ClassVar = EntryType.PUBLISHED
    ceremony: Ceremony

    @classmethod
    def parse(cls, o: Obj) -> Self:
        return cls(_ceremony(o))

    def to_json(self) -> Obj:
        return {"ceremony": self.ceremony}


Body = (EventCreated | WindowSet | WindowRemoved | RehearsalRecorded | LocksRecorded
        | CeremonyOpened | EligibilityRejections | InputRecords | InputFrozen | InputWithdrawn
        | Commitment | CommitmentsClosed | Reveal | EscrowOpened | ContributionVoid
        | PhysicalEntropy | BeaconPostponed | BeaconValue | Seed | EscrowKeyReleased
        | LotterySummary | LotteryResult | BiasAudit | Forfeit | Lock | PaymentRound
        | Promotion | Promotions | PaymentsClosed | GroupingSummary | GroupingResult
        | MatchingResult | NotificationsSent | Correction | Published)
"""Any entry body."""

BODY_TYPES: Final[dict[EntryType, type[_Body]]] = {cls.TYPE: cls for cls in (
    EventCreated, WindowSet, WindowRemoved, RehearsalRecorded, LocksRecorded, CeremonyOpened,
    EligibilityRejections, InputRecords, InputFrozen, InputWithdrawn, Commitment,
    CommitmentsClosed, Reveal, EscrowOpened, ContributionVoid, PhysicalEntropy,
    BeaconPostponed, BeaconValue, Seed, EscrowKeyReleased, LotterySummary, LotteryResult,
    BiasAudit, Forfeit, Lock, PaymentRound, Promotion, Promotions, PaymentsClosed,
    GroupingSummary, GroupingResult, MatchingResult, NotificationsSent, Correction, Published)}
"""type → body class, one per `EntryType` (tests check the two agree)."""

MEMBERS: Final[dict[EntryType, tuple[str, ...]]] = {
    t: tuple(f.name.rstrip("_") for f in fields(cls)) for t, cls in BODY_TYPES.items()}  # type: ignore[arg-type]
"""type → the body's members in §11.2's order: what `entry_types.json` records."""


def entry_types_data() -> Obj:
    """The content of `entry_types.json`: every type, in order, with its members."""
    return {"description": "The v2 log vocabulary (PROTOCOL.md §11.2): every entry type in "
            "the table's order with its body members. Generated from "
            "lottery_service/core/entries.py (python -m lottery_service.core.entries); "
            "tests/unit/test_entry_types.py checks it against the code, the verifier, "
            "web/static/entries.js and PROTOCOL.md.",
            "version": 2,
            "types": [{"type": t.value, "members": list(MEMBERS[t])} for t in EntryType]}


_TYPE_OF: Final[dict[str, EntryType]] = {t.value: t for t in EntryType}


def body_from_json(type_: str, obj: Any) -> Body:
    """The typed body of an entry of `type_`, read strictly (§2.3, §11.2)."""
    kind = _TYPE_OF.get(type_) if isinstance(type_, str) else None  # EntryType() costs more
    if kind is None:
        raise StrictError(f"unknown entry type {type_!r}", section="2.3")
    body: Body = BODY_TYPES[kind].read(obj)  # type: ignore[assignment]
    return body




if __name__ == "__main__":  # regenerate entry_types.json
    import json
    from pathlib import Path

    Path(__file__).with_name("entry_types.json").write_text(
        json.dumps(entry_types_data(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
