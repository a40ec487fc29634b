"""Bodies of the family-facing routes: giving a place up, the operator's SMS outbox."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..service.notifications import NoticeStatus, NoticeTopic
from .schemas import EntryRef, LookupIn

__all__ = ["DeclineIn", "DeclineOptionsOut", "DeclineOut", "NoticeSendIn", "NoticeSentOut",
           "RecipientOut", "RecipientsOut", "StepCountOut"]


class DeclineIn(LookupIn):
    confirm: str = Field(max_length=16, description="the word 放弃, typed by the family")


class DeclineOptionsOut(BaseModel):
    can_decline: bool
    reason_zh: str
    reason: str
    declined_at: str | None


class DeclineOut(BaseModel):
    reg: str
    declined_at: str
    already: bool = Field(description="it was recorded before; nothing changed")
    message_zh: str
    message_en: str


class NoticeSendIn(BaseModel):
    topic: NoticeTopic
    round: int | None = Field(default=None, ge=1, le=10_000,
                              description="the payment round: for promotion and forfeit only")


class NoticeSentOut(BaseModel):
    topic: NoticeTopic
    round: int | None
    queued: int
    sent: int
    pending: int
    failed: int
    no_phone: int
    entries: list[EntryRef]


class RecipientOut(BaseModel):
    topic: NoticeTopic
    round: int | None
    regs: list[str]
    phone: str | None = Field(description="masked: 138****0001")
    status: NoticeStatus
    status_zh: str
    attempts: int
    error: str


class RecipientsOut(BaseModel):
    recipients: list[RecipientOut]


class StepCountOut(BaseModel):
    topic: NoticeTopic
    round: int | None
    status: NoticeStatus
    messages: int
