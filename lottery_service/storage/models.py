"""Database tables. Private data stays here; public data is in the log.

Table classes end in `Table` (an import's parsed rows are `imports.*Row`, the
core's are records). Columns holding one of a closed set are typed with the
core's Literal types and checked on every write (`Choice`), so a free string
never reaches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal, get_args

from sqlalchemy import Column, Dialect, LargeBinary, String, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from ..core.eligibility import Basis
from ..core.records import Authority, Gender, SiblingMode
from ..core.seed import Ceremony, Role

SchoolKind = Literal["public", "private"]
LockKind = Literal["public-school", "private-school", "policy-care"]  # P8, P12 (imports.LockKind)
OpeningKind = Literal["attributes", "rejection"]  # §17.1, §17.2
ListKind = Literal["community", "direct"]  # P11 community list, P10 direct promotion
TokenRole = Literal["admin", "school", "participant", "supervisor"]  # docs/ROLES.md
OutboxKind = Literal["class"]  # S6: the class-and-head-teacher message
OutboxStatus = Literal["pending", "sent", "failed"]

__all__ = [
    "ApplicationTable",
    "CeremonySetupTable",
    "CheckpointTable",
    "Choice",
    "ClassTable",
    "EventTable",
    "ImportStampTable",
    "ListKind",
    "LockKind",
    "LockTable",
    "LogEntryTable",
    "OpeningKind",
    "OutboxKind",
    "OutboxStatus",
    "OutboxTable",
    "ParticipantTable",
    "PaymentTable",
    "PupilTable",
    "SchoolKind",
    "SchoolListTable",
    "SchoolTable",
    "SealedOpeningTable",
    "TeacherTable",
    "TokenRole",
    "TokenTable",
    "WitnessTable",
]


class Choice(TypeDecorator[str]):
    """A text column holding one of `choices`; anything else is refused on write."""

    impl = String
    cache_ok = True

    def __init__(self, choices: Iterable[str], decode: Callable[[str], Any] = str) -> None:
        super().__init__()
        self.choices = tuple(choices)
        self.decode = decode

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is not None and value not in self.choices:
            raise ValueError(f"{value!r} is not one of {', '.join(self.choices)}")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.decode(value)


def _of(literal: Any) -> Choice:
    return Choice(get_args(literal))


class EventTable(SQLModel, table=True):
    __tablename__ = "event"

    id: str = Field(primary_key=True)
    origin: str  # rules.origin: the checkpoint origin and log key name (§3.1, §12.1)
    log_size: int = 0


class LogEntryTable(SQLModel, table=True):
    """One audit-log entry exactly as hashed (PROTOCOL.md §11.1)."""

    __tablename__ = "log_entry"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    seq: int = Field(primary_key=True)
    type: str
    time: str
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CheckpointTable(SQLModel, table=True):
    """A signed checkpoint (§12) with any witness cosignature lines appended."""

    __tablename__ = "checkpoint"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    size: int = Field(primary_key=True)
    root: str
    note: str


class WitnessTable(SQLModel, table=True):
    """A supervisor's cosigning key (C2SP tlog-cosignature verifier key text)."""

    __tablename__ = "witness"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    name: str = Field(primary_key=True)
    vkey: str


class ParticipantTable(SQLModel, table=True):
    __tablename__ = "participant"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    ceremony: Ceremony = Field(primary_key=True, sa_type=_of(Ceremony))
    participant_id: str = Field(primary_key=True)
    role: Role = Field(sa_type=_of(Role))


class CeremonySetupTable(SQLModel, table=True):
    """A ceremony as set up before it opens (§5.2, §5.6): the escrow holder's public key for
    this ceremony alone, and with a beacon the dice deadline. Logged at `ceremony_opened`."""

    __tablename__ = "ceremony_setup"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    ceremony: Ceremony = Field(primary_key=True, sa_type=_of(Ceremony))
    escrow_key: str  # base64 of the 32-byte X25519 public key (§5.4: one per ceremony)
    physical_entropy_by: str | None = None  # §1 time; set exactly when rules name a beacon


class SchoolTable(SQLModel, table=True):
    __tablename__ = "school"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    id: str = Field(primary_key=True)
    name: str
    district: str
    kind: SchoolKind = Field(sa_type=_of(SchoolKind))
    authority: Authority = Field(sa_type=_of(Authority))
    tuition: int
    quota: int
    community_quota: int = 0
    nine_year: bool = False


class SchoolListTable(SQLModel, table=True):
    """Approved community list (P11) and direct-promotion list (P10) members."""

    __tablename__ = "school_list"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    kind: ListKind = Field(primary_key=True, sa_type=_of(ListKind))
    school: str = Field(primary_key=True)
    reg: str = Field(primary_key=True)


class ApplicationTable(SQLModel, table=True):
    """Private application data; only the masked record reaches the log."""

    __tablename__ = "application"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    reg: str = Field(primary_key=True)
    name: str
    gender: Gender = Field(sa_type=_of(Gender))
    birth_date: str
    district: str
    basis: Basis = Field(sa_type=_of(Basis))
    city_resident: bool = True  # P1: the registration or permit is in this city
    defaulter: bool
    policy_care: bool
    school: str
    sibling_group: str | None = None
    reg_day: str
    graduating: bool = False
    direct: bool = False  # the application claims direct promotion (P10)
    id_last4_hash: str  # keyed hash of the look-up second factor
    id_last4_sealed: str = ""  # the factor sealed for the family's shard (§18.3, keys.py)
    child_key: str = ""  # keyed hash identifying the child across applications (P2)
    phone: str | None = None


class LockTable(SQLModel, table=True):
    """A child already placed elsewhere (P8, P12): rejected at the roster freeze
    (`P8-locked`) or, when waiting, logged as a `lock` in the next payment round (§7.5).
    The log holds only how many are on record (`locks_recorded`)."""

    __tablename__ = "lock"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    reg: str = Field(primary_key=True)
    kind: LockKind = Field(sa_type=_of(LockKind))
    locked_on: str  # date
    authority: str  # the issuing authority, as written
    school: str = ""  # where the child is placed, as written (may be outside this event)


class SealedOpeningTable(SQLModel, table=True):
    """What the frozen commitments open to (§17): an attribute opening or a rejection leaf
    per reg and ceremony, as canonical JSON. Written at each freeze, never published; the
    family gets its own, the supervision group all (`openings.jsonl`, §17.3)."""

    __tablename__ = "sealed_opening"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    ceremony: Ceremony = Field(primary_key=True, sa_type=_of(Ceremony))
    reg: str = Field(primary_key=True)
    kind: OpeningKind = Field(sa_type=_of(OpeningKind))
    body: str


class PaymentTable(SQLModel, table=True):
    """A bank receipt (P7): the only confirmation of a place."""

    __tablename__ = "payment"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    reg: str = Field(primary_key=True)
    school: str
    receipt: str
    paid_on: str


class PupilTable(SQLModel, table=True):
    """A pupil admitted outside the lottery (e.g. a public school), for the cohort (S2)."""

    __tablename__ = "pupil"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    reg: str = Field(primary_key=True)
    name: str
    gender: Gender = Field(sa_type=_of(Gender))
    school: str
    sen: bool = False
    sibling_group: str | None = None
    sibling_mode: SiblingMode | None = Field(default=None, sa_type=_of(SiblingMode))
    id_last4_hash: str = ""
    id_last4_sealed: str = ""  # the factor sealed for the family's shard (§18.3, keys.py)
    phone: str | None = None


class ClassTable(SQLModel, table=True):
    """One class of a school's approved plan (S3)."""

    __tablename__ = "class_plan"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    school: str = Field(primary_key=True)
    class_id: str = Field(primary_key=True)
    capacity: int


class TeacherTable(SQLModel, table=True):
    __tablename__ = "teacher"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    school: str = Field(primary_key=True)
    teacher_id: str = Field(primary_key=True)
    name: str


class TokenTable(SQLModel, table=True):
    """An API token, stored only as its SHA-256 (roles: docs/ROLES.md)."""

    __tablename__ = "token"

    token_hash: str = Field(primary_key=True)
    event_id: str = Field(foreign_key="event.id")
    role: TokenRole = Field(sa_type=_of(TokenRole))
    subject: str = ""  # school id, participant id or witness name
    label: str = ""


class OutboxTable(SQLModel, table=True):
    """A notification to send (S6); unique per event, pupil and kind: never sent twice."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("event_id", "reg", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(foreign_key="event.id")
    reg: str
    kind: OutboxKind = Field(sa_type=_of(OutboxKind))
    phone: str | None = None
    message: str
    status: OutboxStatus = Field(default="pending", sa_type=_of(OutboxStatus))
    attempts: int = 0
    last_error: str = ""


class ImportStampTable(SQLModel, table=True):
    """How many times each kind of import was stored: two imports of one kind that
    ran at once see the count move, and the one stored second is refused (G2)."""

    __tablename__ = "import_stamp"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    kind: str = Field(primary_key=True)
    generation: int = 0
