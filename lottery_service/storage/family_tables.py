"""Tables of the family-facing features: look-up limits, places given up, the SMS outbox.

- `LookupLimitTable`: failed look-ups per client and per (client, event, reg), one
  row each, shared by every worker and every server (issue 11 item 3, issue 13
  item 5). Keys are keyed hashes: no client address is stored.
- `DeclineTable`: a family gave its offer up on its page (`service.declines`); the
  lifecycle reads it through `service.lifecycle.declined_regs`, so the next payment
  round logs each as a `forfeit` with reason `declined` (§7.5).
- `SmsOutboxTable`: one message per phone number per event step (S6 and §11.2
  topics), with its idempotency key and delivery status. Contents and numbers
  never reach the log; the log keeps only the count.
"""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .models import Choice

NoticeTopic = Literal["draw", "payment_reminder", "promotion", "forfeit", "class"]  # §11.2
NoticeStatus = Literal["pending", "sending", "sent", "delivered", "failed", "no_phone"]

__all__ = [
    "DeclineTable",
    "LookupLimitTable",
    "NoticeStatus",
    "NoticeTopic",
    "SmsOutboxTable",
]


class LookupLimitTable(SQLModel, table=True):
    """Look-up attempts of one client, or one client on one registration number, counted
    atomically in the database (`service.throttle`); a row is forgotten at `expires_ms`."""

    __tablename__ = "lookup_limit"

    key: str = Field(primary_key=True)  # HMAC of the client (and event, reg): never the address
    attempts: int = 0
    last_ms: int = Field(sa_column=Column(BigInteger, nullable=False))  # Unix time, ms
    expires_ms: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class DeclineTable(SQLModel, table=True):
    """A family gave up its offer on its page (issue 11 item 6); the next payment round
    logs it as a `forfeit` with reason `declined` (§7.5)."""

    __tablename__ = "decline"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    reg: str = Field(primary_key=True)
    at: str  # ISO 8601 UTC, when the family confirmed


class SmsOutboxTable(SQLModel, table=True):
    """One message to one phone number for one event step (topic, round): unique `key`.

    `status`: pending → sending (claimed into `batch`, committed before the gateway is
    called) → sent (the gateway accepted it) → delivered, or failed; no_phone when no
    number is on file. A batch found `sending` after a crash is settled by asking the
    gateway for `batch` before anything is sent again.
    """

    __tablename__ = "sms_outbox"
    __table_args__ = (
        UniqueConstraint("key"),
        # claims walk a step's pending rows in id order: id is in the index, no sort
        Index("ix_sms_outbox_step", "event_id", "topic", "round_no", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(foreign_key="event.id")
    topic: NoticeTopic = Field(sa_type=Choice(get_args(NoticeTopic)))
    round_no: int = 0  # the payment round of `promotion` and `forfeit`; 0 for the others
    key: str  # idempotency key: H(event, topic, round, phone or reg)
    phone: str | None = None
    regs: str  # the registration numbers the message names, comma-separated
    text: str  # the message as the family reads it
    params: str = "{}"  # the template values, JSON
    status: NoticeStatus = Field(default="pending", sa_type=Choice(get_args(NoticeStatus)))
    attempts: int = 0
    batch: str | None = Field(default=None, index=True)  # the gateway's OutId of the send
    claimed_at: str | None = None  # ISO 8601 UTC, when it was claimed into `batch`
    sent_at: str | None = None
    error: str = ""
