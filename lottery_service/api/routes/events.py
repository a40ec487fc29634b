"""Event lifecycle: create, inspect, freeze, draw, settle payments, group, match,
notify, publish and export. Every write is one EventService step (one transaction)."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, HTTPException, status
from sqlmodel import Session, select

from ... import notify
from ...auth import create_token
from ...bundle import export_bundle
from ...core.records import Rules
from ...core.season import Phase, PhaseError
from ...core.seed import Ceremony, Participant, decode_base64
from ...storage.models import ApplicationRow, SchoolRow
from ..deps import ANY_EVENT, AdminDep, ContextDep, PrincipalDep, ServiceDep, appended
from ..logcache import Snapshot
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


@router.post("/events", response_model=Appended)
def create_event(body: EventCreate, ctx: ContextDep, principal: PrincipalDep) -> Appended:
    """Create an event from its rule set (§3.1); repeating it is a no-op."""
    rules = Rules.from_json(body.rules)
    if principal.role != "admin" or principal.event_id not in (rules.event, ANY_EVENT):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "creating an event needs the operator "
                                                       "token or that event's admin token")
    escrow_key = decode_base64(body.escrow_key, "escrow_key")
    if len(escrow_key) != 32:
        raise HTTPException(422, "escrow_key must be a 32-byte X25519 public key (§5.2)")
    return appended(ctx, rules.event, ctx.runtime.service.create_event(rules, escrow_key))


@router.get("/events/{event_id}", response_model=EventOut)
def get_event(event_id: str, ctx: ContextDep) -> EventOut:
    """Public: phase, ceremony progress, rules, counts per school, latest checkpoint."""
    snap = ctx.cache.snapshot(event_id)
    state = snap.state()
    ceremonies = {}
    for kind, c in state.ceremonies.items():
        ceremonies[kind] = CeremonyOut(
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
    return EventOut(
        event=event_id, phase=state.phase.value,
        rules=state.rules.to_json() if state.rules else None,
        ceremonies=ceremonies, schools=_school_counts(ctx, snap),
        rejections=len(state.rejections),
        checkpoint=CheckpointOut(size=snap.size, root=snap.root, note=snap.note)
        if snap.size else None,
    )


def _school_counts(ctx: ContextDep, snap: Snapshot) -> list[SchoolCount]:
    state = snap.state()
    if state.ceremony("lottery").frozen:
        applicants = Counter(a.school for a in state.applicants())
        admitted: Counter[str] | None = None
        if state.results_schools:
            admitted = Counter(r.school for r in snap.index().results.values()
                               if r.outcome == "admitted")
        return [SchoolCount(school=s.id, name=s.name, quota=s.quota,
                            applicants=applicants[s.id],
                            admitted=admitted[s.id] if admitted is not None else None)
                for s in sorted(state.schools(), key=lambda s: s.id)]
    with Session(ctx.runtime.engine) as session:
        schools = session.exec(select(SchoolRow).where(
            SchoolRow.event_id == snap.event, SchoolRow.kind == "private")).all()
        registered = Counter(a.school for a in session.exec(
            select(ApplicationRow).where(ApplicationRow.event_id == snap.event)))
    return [SchoolCount(school=s.id, name=s.name, quota=s.quota,
                        applicants=registered[s.id], admitted=None)
            for s in sorted(schools, key=lambda s: s.id)]


@router.post("/events/{event_id}/tokens", response_model=TokenOut)
def make_token(event_id: str, body: TokenIn, ctx: ContextDep, _: AdminDep) -> TokenOut:
    """Mint a token for this event (shown once; stored hashed)."""
    ctx.cache.snapshot(event_id)  # 404 for an unknown event
    try:
        token = create_token(ctx.runtime.engine, event_id, body.role, body.subject, body.label)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return TokenOut(token=token, role=body.role, subject=body.subject)


@router.post("/events/{event_id}/participants/{ceremony}", response_model=Appended)
def set_participants(event_id: str, ceremony: Ceremony, body: ParticipantsIn,
                     service: ServiceDep, ctx: ContextDep, _: AdminDep) -> Appended:
    """Fix who takes part in a ceremony, before it opens (§5.2)."""
    people = [Participant(p.id, p.role) for p in body.participants]
    service.set_participants(event_id, ceremony, people)
    return appended(ctx, event_id, [])


@router.post("/events/{event_id}/witnesses", response_model=Appended)
def add_witness(event_id: str, body: WitnessIn, service: ServiceDep, ctx: ContextDep,
                _: AdminDep) -> Appended:
    """Register a supervisor's cosigning key (C2SP tlog-cosignature, §12)."""
    service.add_witness(event_id, body.name, body.vkey)
    return appended(ctx, event_id, [])


@router.post("/events/{event_id}/roster/freeze", response_model=Appended)
def freeze_roster(event_id: str, service: ServiceDep, ctx: ContextDep, _: AdminDep) -> Appended:
    """Check eligibility (§7.1), freeze the roster, open the lottery ceremony."""
    return appended(ctx, event_id, service.freeze_roster(event_id))


@router.post("/events/{event_id}/draw", response_model=Appended)
def draw(event_id: str, service: ServiceDep, ctx: ContextDep, _: AdminDep) -> Appended:
    """Log every school's lottery results and the bias audit (§7, §8)."""
    return appended(ctx, event_id, service.draw(event_id))


@router.post("/events/{event_id}/payments/rounds", response_model=Appended)
def payment_round(event_id: str, service: ServiceDep, ctx: ContextDep,
                  _: AdminDep) -> Appended:
    """Settle open offers against the receipts imported so far (P7, P8, §7.5)."""
    return appended(ctx, event_id, service.payment_round(event_id))


@router.post("/events/{event_id}/payments/close", response_model=Appended)
def close_payments(event_id: str, service: ServiceDep, ctx: ContextDep,
                   _: AdminDep) -> Appended:
    return appended(ctx, event_id, service.close_payments(event_id))


@router.post("/events/{event_id}/grouping/freeze", response_model=Appended)
def freeze_grouping(event_id: str, service: ServiceDep, ctx: ContextDep,
                    _: AdminDep) -> Appended:
    """Lock the cohort (S2) and class plans (S3); open the grouping ceremony."""
    return appended(ctx, event_id, service.freeze_grouping(event_id))


@router.post("/events/{event_id}/grouping/run", response_model=Appended)
def run_grouping(event_id: str, service: ServiceDep, ctx: ContextDep,
                 _: AdminDep) -> Appended:
    return appended(ctx, event_id, service.group(event_id))


@router.post("/events/{event_id}/teachers/freeze", response_model=Appended)
def freeze_teachers(event_id: str, service: ServiceDep, ctx: ContextDep,
                    _: AdminDep) -> Appended:
    return appended(ctx, event_id, service.freeze_teachers(event_id))


@router.post("/events/{event_id}/matching/run", response_model=Appended)
def run_matching(event_id: str, service: ServiceDep, ctx: ContextDep,
                 _: AdminDep) -> Appended:
    return appended(ctx, event_id, service.match(event_id))


@router.post("/events/{event_id}/notifications/send", response_model=NotificationsOut)
def send_notifications(event_id: str, service: ServiceDep, ctx: ContextDep,
                       _: AdminDep) -> NotificationsOut:
    """Queue and send class-and-teacher messages (S6); log only their count."""
    state = service.state(event_id)
    if state.phase not in (Phase.MATCHED, Phase.NOTIFIED, Phase.PUBLISHED):
        raise PhaseError(f"event is in phase {state.phase.value}; "
                         f"this step needs {Phase.MATCHED.value}")
    assert state.rules is not None
    ctx.cache.invalidate(event_id)
    index = ctx.cache.snapshot(event_id).index()
    engine = ctx.runtime.engine
    with Session(engine) as session:
        names = {s.id: s.name for s in session.exec(
            select(SchoolRow).where(SchoolRow.event_id == event_id))}
    queued = notify.fill_outbox(engine, event_id, state.rules.title, index, names)
    sent = notify.send_pending(engine, event_id, ctx.gateway)
    entries = service.record_notifications(event_id, sent)
    return NotificationsOut(queued=queued, sent=sent,
                            entries=appended(ctx, event_id, entries).entries)


@router.post("/events/{event_id}/publish/{ceremony}", response_model=Appended)
def publish(event_id: str, ceremony: Ceremony, service: ServiceDep, ctx: ContextDep,
            _: AdminDep) -> Appended:
    return appended(ctx, event_id, service.publish(event_id, ceremony))


@router.post("/events/{event_id}/corrections", response_model=Appended)
def correct(event_id: str, body: CorrectionIn, service: ServiceDep, ctx: ContextDep,
            _: AdminDep) -> Appended:
    """Log a correction of an earlier entry: a new entry, never an edit (§11.1)."""
    return appended(ctx, event_id, service.correct(event_id, body.refers_to, body.reason))


@router.post("/events/{event_id}/windows", response_model=Appended)
def set_window(event_id: str, body: WindowIn, service: ServiceDep, ctx: ContextDep,
               _: AdminDep) -> Appended:
    """Configure a phase's calendar window (G3)."""
    try:
        phase = Phase(body.phase)
    except ValueError:
        raise HTTPException(422, f"unknown phase {body.phase!r}") from None
    daily = (body.daily_from, body.daily_to) if body.daily_from and body.daily_to else None
    service.set_window(event_id, phase, body.opens, body.closes, daily)
    return appended(ctx, event_id, [])


@router.post("/events/{event_id}/export", response_model=ExportOut)
def export(event_id: str, service: ServiceDep, ctx: ContextDep, _: AdminDep) -> ExportOut:
    """Write the audit bundle (§13) to the audit directory, atomically."""
    ctx.cache.snapshot(event_id)  # 404 for an unknown event
    with Session(ctx.runtime.engine) as session:
        path = export_bundle(session, event_id, ctx.runtime.settings.audit_dir,
                             service.signer(event_id).verifier_key())
    return ExportOut(path=str(path))


