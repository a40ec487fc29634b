"""Ceremony steps (§5): commitments, reveals, escrow openings, voids, dice, seed.

Participants act for themselves only: the participant id is the token's
subject. The escrow holder (a notary participant) or the admin enters secrets
opened from escrow; the admin closes windows, voids, enters dice and derives
the seed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from ...auth import Principal
from ...core.seed import Ceremony
from ..deps import AdminDep, ContextDep, ServiceDep, appended, require
from ..schemas import Appended, CommitmentIn, EntropyIn, EscrowOpeningIn, RevealIn, VoidIn

router = APIRouter(prefix="/events/{event_id}/ceremonies/{ceremony}", tags=["ceremonies"])

ParticipantDep = Annotated[Principal, Depends(require("participant"))]
NotaryOrAdminDep = Annotated[Principal, Depends(require("participant", "admin"))]


def _own(principal: Principal, claimed: str | None) -> str:
    if claimed is not None and claimed != principal.subject:
        raise HTTPException(403, f"this token acts for participant {principal.subject} only")
    return principal.subject


@router.post("/commitments", response_model=Appended)
def commit(event_id: str, ceremony: Ceremony, body: CommitmentIn, service: ServiceDep,
           ctx: ContextDep, principal: ParticipantDep) -> Appended:
    """Publish a commitment to a secret made on the participant's device (§5.3, §5.4)."""
    participant = _own(principal, body.participant)
    return appended(ctx, event_id, service.commit(
        event_id, ceremony, participant, bytes.fromhex(body.commitment), body.escrow))


@router.post("/commitments/close", response_model=Appended)
def close_commitments(event_id: str, ceremony: Ceremony, service: ServiceDep,
                      ctx: ContextDep, _: AdminDep) -> Appended:
    """Close commitments; whoever did not commit is void (§5.4)."""
    return appended(ctx, event_id, service.close_commitments(event_id, ceremony))


@router.post("/reveals", response_model=Appended)
def reveal(event_id: str, ceremony: Ceremony, body: RevealIn, service: ServiceDep,
           ctx: ContextDep, principal: ParticipantDep) -> Appended:
    participant = _own(principal, body.participant)
    return appended(ctx, event_id, service.reveal(
        event_id, ceremony, participant, bytes.fromhex(body.secret)))


@router.post("/escrow-openings", response_model=Appended)
def escrow_opening(event_id: str, ceremony: Ceremony, body: EscrowOpeningIn,
                   service: ServiceDep, ctx: ContextDep,
                   principal: NotaryOrAdminDep) -> Appended:
    """A withheld secret, opened by the escrow holder on its own device (§5.4)."""
    if principal.role == "participant":
        roles = {p.id: p.role for p in service.state(event_id).ceremony(ceremony).participants}
        if roles.get(principal.subject) != "notary":
            raise HTTPException(403, "only the notary (escrow holder) or the admin opens escrows")
    return appended(ctx, event_id, service.escrow_opening(
        event_id, ceremony, body.participant, bytes.fromhex(body.secret)))


@router.post("/voids", response_model=Appended)
def void(event_id: str, ceremony: Ceremony, body: VoidIn, service: ServiceDep,
         ctx: ContextDep, _: AdminDep) -> Appended:
    return appended(ctx, event_id, service.void(event_id, ceremony, body.participant,
                                                body.reason))


@router.post("/entropy", response_model=Appended)
def entropy(event_id: str, ceremony: Ceremony, body: EntropyIn, service: ServiceDep,
            ctx: ContextDep, _: AdminDep) -> Appended:
    """Dice read on camera by a named witness (§5.5)."""
    return appended(ctx, event_id, service.physical_entropy(event_id, ceremony, body.witness,
                                                            body.values))


@router.post("/seed", response_model=Appended)
def seed(event_id: str, ceremony: Ceremony, service: ServiceDep, ctx: ContextDep,
         _: AdminDep) -> Appended:
    """Derive and log the ceremony's seed (§5.7)."""
    return appended(ctx, event_id, service.derive_seed(event_id, ceremony))
