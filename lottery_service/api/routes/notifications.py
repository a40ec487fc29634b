"""The operator's SMS outbox (S6 and the §11.2 topics): send one event step, see what
is not sent yet (failed, pending, no phone), fetch handset receipts. Admin only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...service.notifications import NoticeStatus, Recipient
from ..deps import AdminDep, ServiceDep, appended
from ..errors import error_responses
from ..family_schemas import (
    NoticeSendIn,
    NoticeSentOut,
    RecipientOut,
    RecipientsOut,
    StepCountOut,
)

router = APIRouter(prefix="/events/{event_id}/notifications", tags=["notifications"],
                   responses=error_responses(401, 403, 404, 422))


def _recipient(r: Recipient) -> RecipientOut:
    return RecipientOut(topic=r.topic, round=r.round_no or None, regs=list(r.regs),
                        phone=r.phone, status=r.status, status_zh=r.status_zh,
                        attempts=r.attempts, error=r.error)


@router.post("/steps", response_model=NoticeSentOut, responses=error_responses(409, 502))
def send_step(event_id: str, body: NoticeSendIn, service: ServiceDep,
              _: AdminDep) -> NoticeSentOut:
    """Queue and send one step's messages (one per phone number), in batches; settles a
    batch a crash left in flight with the gateway first; logs only the count (§11.2)."""
    done = service.notifications.notify(event_id, body.topic, body.round)
    return NoticeSentOut(topic=done.topic, round=done.round_no or None, queued=done.queued,
                         sent=done.sent, pending=done.pending, failed=done.failed,
                         no_phone=done.no_phone, entries=appended(done.entries).entries)


@router.get("/steps", response_model=list[StepCountOut])
def steps(event_id: str, service: ServiceDep, _: AdminDep) -> list[StepCountOut]:
    """Messages per topic, round and status."""
    return [StepCountOut(topic=s.topic, round=s.round_no or None, status=s.status,
                         messages=s.messages) for s in service.notifications.steps(event_id)]


@router.get("/recipients", response_model=RecipientsOut)
def recipients(event_id: str, service: ServiceDep, _: AdminDep,
               status: Annotated[list[NoticeStatus] | None, Query(
                   description="default: every status but sent and delivered")] = None,
               ) -> RecipientsOut:
    """Families whose message is not sent (pending, in flight, failed, no phone)."""
    found = service.notifications.recipients(event_id, *([status] if status else []))
    return RecipientsOut(recipients=[_recipient(r) for r in found])


@router.post("/receipts", response_model=dict[str, int], responses=error_responses(502))
def receipts(event_id: str, service: ServiceDep, _: AdminDep) -> dict[str, int]:
    """Ask the gateway for handset receipts of sent messages (delivered or failed)."""
    return {"changed": service.notifications.refresh(event_id)}
