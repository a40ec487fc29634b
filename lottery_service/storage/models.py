"""Database tables. Private data stays here; public data is in the log."""

from __future__ import annotations

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


class EventRow(SQLModel, table=True):
    __tablename__ = "event"

    id: str = Field(primary_key=True)
    origin: str
    escrow_key: str = ""  # base64 X25519 public key of the escrow holder (§5.4)
    log_size: int = 0


class LogEntryRow(SQLModel, table=True):
    """One audit-log entry exactly as hashed (PROTOCOL.md §11.1)."""

    __tablename__ = "log_entry"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    seq: int = Field(primary_key=True)
    type: str
    time: str
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CheckpointRow(SQLModel, table=True):
    """A signed checkpoint (§12) with any witness cosignature lines appended."""

    __tablename__ = "checkpoint"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    size: int = Field(primary_key=True)
    root: str
    note: str


class WitnessRow(SQLModel, table=True):
    """A supervisor's cosigning key (C2SP tlog-cosignature verifier key text)."""

    __tablename__ = "witness"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    name: str = Field(primary_key=True)
    vkey: str


class ParticipantRow(SQLModel, table=True):
    __tablename__ = "participant"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    ceremony: str = Field(primary_key=True)
    participant_id: str = Field(primary_key=True)
    role: str


class SchoolRow(SQLModel, table=True):
    __tablename__ = "school"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    id: str = Field(primary_key=True)
    name: str
    district: str
    kind: str  # public | private
    authority: str  # city | district
    tuition: int
    quota: int
    community_quota: int = 0
    nine_year: bool = False


class SchoolListRow(SQLModel, table=True):
    """Approved community list (P11) and direct-promotion list (P10) members."""

    __tablename__ = "school_list"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    kind: str = Field(primary_key=True)  # community | direct
    school: str = Field(primary_key=True)
    reg: str = Field(primary_key=True)


class ApplicationRow(SQLModel, table=True):
    """Private application data; only the masked record reaches the log."""

    __tablename__ = "application"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    reg: str = Field(primary_key=True)
    name: str
    gender: str
    birth_date: str
    district: str
    basis: str
    defaulter: bool
    policy_care: bool
    school: str
    sibling_group: str | None = None
    reg_day: str
    graduating: bool = False
    id_last4_hash: str  # keyed hash of the look-up second factor
    child_key: str = ""  # keyed hash identifying the child across applications (P2)
    phone: str | None = None
    locked_elsewhere: bool = False


class PaymentRow(SQLModel, table=True):
    """A bank receipt (P7): the only confirmation of a place."""

    __tablename__ = "payment"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    reg: str = Field(primary_key=True)
    school: str
    receipt: str
    paid_on: str


class PupilRow(SQLModel, table=True):
    """A pupil admitted outside the lottery (e.g. a public school), for the cohort (S2)."""

    __tablename__ = "pupil"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    reg: str = Field(primary_key=True)
    name: str
    gender: str
    school: str
    sen: bool = False
    sibling_group: str | None = None
    sibling_mode: str | None = None
    id_last4_hash: str = ""
    phone: str | None = None


class ClassRow(SQLModel, table=True):
    """One class of a school's approved plan (S3)."""

    __tablename__ = "class_plan"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    school: str = Field(primary_key=True)
    class_id: str = Field(primary_key=True)
    capacity: int


class TeacherRow(SQLModel, table=True):
    __tablename__ = "teacher"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    school: str = Field(primary_key=True)
    teacher_id: str = Field(primary_key=True)
    name: str


class TokenRow(SQLModel, table=True):
    """An API token, stored only as its SHA-256 (roles: docs/ROLES.md)."""

    __tablename__ = "token"

    token_hash: str = Field(primary_key=True)
    event_id: str = Field(foreign_key="event.id")
    role: str  # admin | school | participant | supervisor
    subject: str = ""  # school id or participant id
    label: str = ""


class OutboxRow(SQLModel, table=True):
    """A notification to send (S6); unique per event, pupil and kind: never sent twice."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("event_id", "reg", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(foreign_key="event.id")
    reg: str
    kind: str
    phone: str | None = None
    message: str
    status: str = "pending"  # pending | sent | failed
    attempts: int = 0
    last_error: str = ""


class WindowRow(SQLModel, table=True):
    """A phase's calendar window (G3): imports inside it, the closing step after it."""

    __tablename__ = "phase_window"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    phase: str = Field(primary_key=True)
    opens: str  # ISO 8601 UTC
    closes: str
    daily_from: str | None = None  # HH:MM:SS Beijing time, e.g. 08:00:00
    daily_to: str | None = None  # 00:00:00 means midnight (to 24:00)
