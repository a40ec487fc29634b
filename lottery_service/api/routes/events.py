"""Event lifecycle: create, inspect, freeze, draw, settle payments, group, match,
notify, publish and export. Each route calls one service method (one unit of work)."""

from __future__ import annotations

from fastapi import APIRouter

from ...core.seed import Ceremony
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

router = APIRouter(tags=["lifecycle"])

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


@router.post("/events/{event_id}/roster/freeze", response_model=Appended, responses=STEP)
def freeze_roster(event_id: str, service: ServiceDep, _: AdminDep) -> Appended:
    """Check eligibility (§7.1), freeze the roster, open the lottery ceremony."""
    return appended(service.lifecycle.freeze_roster(event_id))


@router.post("/events/{event_id}/draw", response_model=Appended, responses=STEP)
def draw(event_id: str, service: ServiceDep, _: AdminDep) -> Appended:
    """Log every school's lottery results and the bias audit (§7, §8)."""
    return appended(service.lifecycle.draw(event_id))


@router.post("/events/{event_id}/payments/rounds", response_model=Appended, responses=STEP)
def payment_round(event_id: str, service: ServiceDep, _: AdminDep) -> Appended:
    """Settle open offers against the receipts imported so far (P7, P8, §7.5)."""
    return appended(service.lifecycle.payment_round(event_id))


@router.post("/events/{event_id}/payments/close", response_model=Appended, responses=STEP)
def close_payments(event_id: str, service: ServiceDep, _: AdminDep) -> Appended:
    """End the payment window (§7.5)."""
    return appended(service.lifecycle.close_payments(event_id))


@router.post("/events/{event_id}/grouping/freeze", response_model=Appended, responses=STEP)
def freeze_grouping(event_id: str, service: ServiceDep, _: AdminDep) -> Appended:
    """Lock the cohort (S2) and class plans (S3); open the grouping ceremony."""
    return appended(service.lifecycle.freeze_grouping(event_id))


@router.post("/events/{event_id}/grouping/run", response_model=Appended, responses=STEP)
def run_grouping(event_id: str, service: ServiceDep, _: AdminDep) -> Appended:
    """Run the class grouping (§9)."""
    return appended(service.lifecycle.group(event_id))


@router.post("/events/{event_id}/teachers/freeze", response_model=Appended, responses=STEP)
def freeze_teachers(event_id: str, service: ServiceDep, _: AdminDep) -> Appended:
    """Freeze the head teachers (S5); open the teacher ceremony."""
    return appended(service.lifecycle.freeze_teachers(event_id))


@router.post("/events/{event_id}/matching/run", response_model=Appended, responses=STEP)
def run_matching(event_id: str, service: ServiceDep, _: AdminDep) -> Appended:
    """Match head teachers to classes (§10)."""
    return appended(service.lifecycle.match(event_id))


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
