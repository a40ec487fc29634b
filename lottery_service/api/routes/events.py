"""Event lifecycle: create, inspect, freeze, draw, settle payments, group, match,
notify, publish and export. Each route calls one service method (one unit of work)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from fastapi import APIRouter

from ...core.log import Entry
from ...core.seed import Ceremony
from ...service.lifecycle import Lifecycle
from ..deps import AdminDep, PrincipalDep, ServiceDep, appended
from ..errors import error_responses
from ..schemas import (
    Appended,
    CeremonyOut,
    CheckpointOut,
    CorrectionIn,
    EventCreate,
    EventOut,
    ExportOut,
    NotificationsOut,
    ParticipantsIn,
    SchoolCount,
    TokenIn,
    TokenOut,
    WindowIn,
    WitnessIn,
)

router = APIRouter(tags=["lifecycle"], responses=error_responses(422))

STEP = error_responses(401, 403, 404, 409, 422)  # an admin's step: token, phase, input


@router.post("/events", response_model=Appended, responses=STEP)
def create_event(body: EventCreate, service: ServiceDep, principal: PrincipalDep) -> Appended:
    """Create an event from its rule set (§3.1); repeating it is a no-op. Needs the
    operator token or that event's admin token."""
    return appended(service.lifecycle.create_event(body.rules, body.escrow_key, principal))


@router.get("/events/{event_id}", response_model=EventOut, responses=error_responses(404))
def get_event(event_id: str, service: ServiceDep) -> EventOut:
    """Public: phase, ceremony progress, rules, counts per school, latest checkpoint."""
    snap = service.snapshots.snapshot(event_id)
    state = snap.state()
    ceremonies = {
        kind: CeremonyOut(
            step=c.step.value,
            participants=[{"id": p.id, "role": p.role} for p in c.participants],
            committed=sorted(c.commitments),
            settled={p: how for p, (how, _) in sorted(c.openings.items())},
            pending=c.pending() if c.closed else [],
            input_root=c.input_root.hex() if c.frozen else None,
            input_size=c.input_size,
            seed=c.seed.hex() if c.seed is not None else None,
            escrow_key=c.escrow_key or None,
            commitments={p: com.hex() for p, com in sorted(c.commitments.items())},
        )
        for kind, c in state.ceremonies.items()
    }
    counts = [SchoolCount(school=c.school, name=c.name, quota=c.quota,
                          applicants=c.applicants, admitted=c.admitted)
              for c in service.overview.school_counts(event_id)]
    return EventOut(
        event=event_id, phase=state.phase.value,
        rules=state.rules.to_json() if state.rules else None,
        ceremonies=ceremonies, schools=counts, rejections=len(state.rejections),
        checkpoint=CheckpointOut(size=snap.size, root=snap.root, note=snap.note)
        if snap.size else None,
    )


@router.post("/events/{event_id}/tokens", response_model=TokenOut, responses=STEP)
def make_token(event_id: str, body: TokenIn, service: ServiceDep, _: AdminDep) -> TokenOut:
    """Mint a token for this event (shown once; stored hashed)."""
    token = service.tokens.create(event_id, body.role, body.subject, body.label)
    return TokenOut(token=token, role=body.role, subject=body.subject)


@router.post("/events/{event_id}/participants/{ceremony}", response_model=Appended,
             responses=STEP)
def set_participants(event_id: str, ceremony: Ceremony, body: ParticipantsIn,
                     service: ServiceDep, _: AdminDep) -> Appended:
    """Fix who takes part in a ceremony, before it opens (§5.2); ids are distinct."""
    service.lifecycle.set_participants(event_id, ceremony,
                                       [(p.id, p.role) for p in body.participants])
    return appended([])


@router.post("/events/{event_id}/witnesses", response_model=Appended, responses=STEP)
def add_witness(event_id: str, body: WitnessIn, service: ServiceDep, _: AdminDep) -> Appended:
    """Register a supervisor's cosigning key (C2SP tlog-cosignature, §12)."""
    service.witnesses.add_witness(event_id, body.name, body.vkey)
    return appended([])


# The steps that take nothing but the event: one route each, documented by the service.
SIMPLE_STEPS: Final[tuple[tuple[str, Callable[[Lifecycle, str], list[Entry]]], ...]] = (
    ("roster/freeze", Lifecycle.freeze_roster), ("draw", Lifecycle.draw),
    ("payments/rounds", Lifecycle.payment_round), ("payments/close", Lifecycle.close_payments),
    ("grouping/freeze", Lifecycle.freeze_grouping), ("grouping/run", Lifecycle.group),
    ("teachers/freeze", Lifecycle.freeze_teachers), ("matching/run", Lifecycle.match),
)


def _step(path: str, step: Callable[[Lifecycle, str], list[Entry]]) -> None:
    def route(event_id: str, service: ServiceDep, _: AdminDep) -> Appended:
        return appended(step(service.lifecycle, event_id))

    route.__name__ = route.__qualname__ = step.__name__
    route.__doc__ = step.__doc__
    router.post(f"/events/{{event_id}}/{path}", response_model=Appended, responses=STEP)(route)


for _path, _lifecycle_step in SIMPLE_STEPS:
    _step(_path, _lifecycle_step)


@router.post("/events/{event_id}/notifications/send", response_model=NotificationsOut,
             responses=STEP)
def send_notifications(event_id: str, service: ServiceDep, _: AdminDep) -> NotificationsOut:
    """Queue and send class-and-teacher messages (S6); log only their count."""
    done = service.notifications.notify(event_id)
    return NotificationsOut(queued=done.queued, sent=done.sent,
                            entries=appended(done.entries).entries)


@router.post("/events/{event_id}/publish/{ceremony}", response_model=Appended, responses=STEP)
def publish(event_id: str, ceremony: Ceremony, service: ServiceDep, _: AdminDep) -> Appended:
    """Mark a ceremony's results as published (§11.2)."""
    return appended(service.lifecycle.publish(event_id, ceremony))


@router.post("/events/{event_id}/corrections", response_model=Appended, responses=STEP)
def correct(event_id: str, body: CorrectionIn, service: ServiceDep, _: AdminDep) -> Appended:
    """Log a correction of an earlier entry: a new entry, never an edit (§11.1)."""
    return appended(service.lifecycle.correct(event_id, body.refers_to, body.reason))


@router.post("/events/{event_id}/windows", response_model=Appended, responses=STEP)
def set_window(event_id: str, body: WindowIn, service: ServiceDep, _: AdminDep) -> Appended:
    """Configure a phase's calendar window (G3); times carry a zone."""
    daily = (body.daily_from, body.daily_to) if body.daily_from and body.daily_to else None
    service.windows.set(event_id, body.phase, body.opens, body.closes, daily)
    return appended([])


@router.post("/events/{event_id}/export", response_model=ExportOut,
             responses=error_responses(401, 403, 404))
def export(event_id: str, service: ServiceDep, _: AdminDep) -> ExportOut:
    """Write the audit bundle (§13) to the audit directory, atomically."""
    return ExportOut(path=str(service.exports.export(event_id)))
