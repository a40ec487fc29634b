"""Event lifecycle: create, inspect, freeze, draw, settle payments, group, match,
notify, publish and export. Each route calls one service method (one unit of work)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Final

from fastapi import APIRouter

from ...core.beacon import protocol_time
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
    RosterFreezeIn,
    RosterPreviewOut,
    SchoolCount,
    TokenIn,
    TokenOut,
    WindowIn,
    WindowOut,
    WithdrawalIn,
    WitnessIn,
)

router = APIRouter(tags=["lifecycle"], responses=error_responses(422))

STEP = error_responses(401, 403, 404, 409, 422)  # an admin's step: token, phase, input


@router.post("/events", response_model=Appended, responses=STEP)
def create_event(body: EventCreate, service: ServiceDep, principal: PrincipalDep) -> Appended:
    """Create an event from its rule set (§3.1); repeating it is a no-op. Needs the
    operator token or that event's admin token."""
    return appended(service.lifecycle.create_event(body.rules, principal))


@router.get("/events/{event_id}", response_model=EventOut, responses=error_responses(404))
def get_event(event_id: str, service: ServiceDep) -> EventOut:
    """Public: phase, ceremony progress, rules, counts per school, latest checkpoint."""
    snap = service.snapshots.snapshot(event_id)
    state = snap.state()
    ceremonies: dict[str, CeremonyOut] = {
        kind: CeremonyOut(
            step=c.step.value,
            participants=[{"id": p.id, "role": p.role} for p in c.participants],
            committed=sorted(c.commitments),
            settled={p: how for p in sorted(c.openings) if (how := c.settled(p))},
            pending=c.pending() if c.closed else [],
            input_root=c.input_root.hex() if c.frozen else None,
            input_size=c.input_size,
            seed=c.seed.body.seed.hex() if c.seed is not None else None,
            escrow_key=base64.b64encode(c.escrow_key).decode() if c.opened else None,
            commitments={p: com.body.commitment.hex() for p, com in sorted(c.commitments.items())},
            physical_entropy_by=None if c.schedule is None else protocol_time(
                c.schedule.physical_entropy_by),
            beacon_round=None if c.schedule is None else c.schedule.round,
            beacon_round_time=None if c.schedule is None else c.schedule.round_time,
            withdrawals=len(c.withdrawals),
        )
        for kind, c in state.ceremonies.items()
    }
    counts = [SchoolCount(school=c.school, name=c.name, quota=c.quota,
                          applicants=c.applicants, admitted=c.admitted, returned=c.returned)
              for c in service.overview.school_counts(event_id)]
    rejections = state.ceremonies["lottery"].rejections
    return EventOut(
        event=event_id, phase=state.phase.value,
        rules=state.rules.to_json() if state.rules else None,
        ceremonies=ceremonies, schools=counts,
        rejections=0 if rejections is None else rejections.body.count,
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
    """Set a ceremony up before it opens (§5.2): its participants (distinct ids), its own
    escrow key (§5.4) and, with a beacon, the dice deadline (§5.6)."""
    service.lifecycle.set_participants(event_id, ceremony,
                                       [(p.id, p.role) for p in body.participants],
                                       body.escrow_key, body.physical_entropy_by)
    return appended([])


@router.get("/events/{event_id}/roster/preview", response_model=RosterPreviewOut,
            responses=STEP)
def roster_preview(event_id: str, service: ServiceDep, _: AdminDep) -> RosterPreviewOut:
    """What the roster freeze would freeze now (§7.1), and the code that confirms it."""
    shown = service.lifecycle.eligibility_preview(event_id)
    p = shown.preview
    return RosterPreviewOut(applications=p.applications, eligible=p.eligible,
                            rejected={r.code: r.count for r in p.rejected},
                            blocking=list(p.blocking), text=shown.text, confirm=shown.code)


@router.post("/events/{event_id}/roster/freeze", response_model=Appended, responses=STEP)
def freeze_roster(event_id: str, body: RosterFreezeIn, service: ServiceDep,
                  _: AdminDep) -> Appended:
    """Open the lottery and freeze its input (§5.1, §7.1), confirming the preview's code;
    without the right code: 409 with the preview and its code."""
    return appended(service.lifecycle.freeze_roster(event_id, body.confirm))


@router.post("/events/{event_id}/inputs/{ceremony}/withdraw", response_model=Appended,
             responses=STEP)
def withdraw_input(event_id: str, ceremony: Ceremony, body: WithdrawalIn,
                   service: ServiceDep, _: AdminDep) -> Appended:
    """Withdraw a ceremony's frozen input to amend it, before its first commitment (§5.1)."""
    return appended(service.lifecycle.withdraw_input(event_id, ceremony, body.reason))


@router.post("/events/{event_id}/witnesses", response_model=Appended, responses=STEP)
def add_witness(event_id: str, body: WitnessIn, service: ServiceDep, _: AdminDep) -> Appended:
    """Register a supervisor's cosigning key (C2SP tlog-cosignature, §12)."""
    service.witnesses.add_witness(event_id, body.name, body.vkey)
    return appended([])


# The steps that take nothing but the event: one route each, documented by the service.
SIMPLE_STEPS: Final[tuple[tuple[str, Callable[[Lifecycle, str], list[Entry]]], ...]] = (
    ("draw", Lifecycle.draw),
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
    """Log a phase's calendar window (G3, §11.4); times carry a zone. A window in force is
    replaced only before it opens."""
    return appended(service.windows.set(event_id, body.phase, body.opens, body.closes,
                                        body.daily))


@router.get("/events/{event_id}/windows", response_model=list[WindowOut],
            responses=error_responses(404))
def list_windows(event_id: str, service: ServiceDep) -> list[WindowOut]:
    """Public: the windows in force (§11.4)."""
    return [WindowOut(phase=w.phase.value, opens=w.opens, closes=w.closes,
                      daily=None if w.daily is None else f"{w.daily.start}-{w.daily.end}")
            for w in service.windows.list(event_id)]


@router.delete("/events/{event_id}/windows/{phase}", response_model=Appended, responses=STEP)
def remove_window(event_id: str, phase: str, service: ServiceDep, _: AdminDep) -> Appended:
    """Log the removal of a phase's window, only before it opens (§11.3 rule 2)."""
    return appended(service.windows.remove(event_id, phase))


@router.post("/events/{event_id}/export", response_model=ExportOut,
             responses=error_responses(401, 403, 404))
def export(event_id: str, service: ServiceDep, _: AdminDep) -> ExportOut:
    """Write the audit bundle (§13) to the audit directory, atomically."""
    return ExportOut(path=str(service.exports.export(event_id)))
