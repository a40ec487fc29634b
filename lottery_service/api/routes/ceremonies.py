"""Ceremony steps (§5): commitments, reveals, escrow openings, voids, dice, seed.

Participants act for themselves only: the participant id is the token's
subject. The escrow holder (a notary participant) or the admin enters secrets
opened from escrow; the admin closes windows, voids, enters dice and derives
the seed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...core.seed import Ceremony
from ...errors import ForbiddenError
from ...service.tokens import Principal
from ..deps import AdminDep, ServiceDep, appended, require
from ..errors import error_responses
from ..schemas import (
    Appended,
    BeaconFetchIn,
    BeaconRoundIn,
    CommitmentIn,
    EntropyIn,
    EscrowOpeningIn,
    PostponeIn,
    RevealIn,
    VoidIn,
)

router = APIRouter(prefix="/events/{event_id}/ceremonies/{ceremony}", tags=["ceremonies"],
                   responses=error_responses(401, 403, 404, 409, 422))

ParticipantDep = Annotated[Principal, Depends(require("participant"))]
NotaryOrAdminDep = Annotated[Principal, Depends(require("participant", "admin"))]


def _own(principal: Principal, claimed: str | None) -> str:
    if claimed is not None and claimed != principal.subject:
        raise ForbiddenError(f"this token acts for participant {principal.subject} only",
                             zh=f"这个令牌只能代表参与方 {principal.subject}")
    return principal.subject


@router.post("/commitments", response_model=Appended)
def commit(event_id: str, ceremony: Ceremony, body: CommitmentIn, service: ServiceDep,
           principal: ParticipantDep) -> Appended:
    """Publish a commitment to a secret made on the participant's device (§5.3, §5.4)."""
    return appended(service.ceremonies.commit(
        event_id, ceremony, _own(principal, body.participant), bytes.fromhex(body.commitment),
        body.escrow))


@router.post("/commitments/close", response_model=Appended)
def close_commitments(event_id: str, ceremony: Ceremony, service: ServiceDep,
                      _: AdminDep) -> Appended:
    """Close commitments; whoever did not commit is void (§5.4)."""
    return appended(service.ceremonies.close_commitments(event_id, ceremony))


@router.post("/reveals", response_model=Appended)
def reveal(event_id: str, ceremony: Ceremony, body: RevealIn, service: ServiceDep,
           principal: ParticipantDep) -> Appended:
    """Reveal the participant's own secret (§5.3)."""
    return appended(service.ceremonies.reveal(
        event_id, ceremony, _own(principal, body.participant), bytes.fromhex(body.secret)))


@router.post("/escrow-openings", response_model=Appended)
def escrow_opening(event_id: str, ceremony: Ceremony, body: EscrowOpeningIn,
                   service: ServiceDep, principal: NotaryOrAdminDep) -> Appended:
    """A withheld secret, opened by the escrow holder on its own device (§5.4)."""
    return appended(service.ceremonies.escrow_opening(
        event_id, ceremony, body.participant, bytes.fromhex(body.secret), principal))


@router.post("/voids", response_model=Appended)
def void(event_id: str, ceremony: Ceremony, body: VoidIn, service: ServiceDep,
         _: AdminDep) -> Appended:
    """Void a contribution whose escrow cannot be opened (§5.4)."""
    return appended(service.ceremonies.void(event_id, ceremony, body.participant, body.reason))


@router.post("/entropy", response_model=Appended)
def entropy(event_id: str, ceremony: Ceremony, body: EntropyIn, service: ServiceDep,
            _: AdminDep) -> Appended:
    """Dice read on camera by a named witness (§5.5)."""
    return appended(service.ceremonies.physical_entropy(event_id, ceremony, body.witness,
                                                        body.values))


@router.post("/beacon", response_model=Appended)
def beacon(event_id: str, ceremony: Ceremony, body: BeaconRoundIn, service: ServiceDep,
           _: AdminDep) -> Appended:
    """Log the drand round in force, as a relay publishes it, after verifying its BLS
    signature and every other §5.6 check; a failed check is 422 naming it."""
    return appended(service.ceremonies.beacon(event_id, ceremony, body.round_json))


@router.post("/beacon/fetch", response_model=Appended)
def fetch_beacon(event_id: str, ceremony: Ceremony, body: BeaconFetchIn, service: ServiceDep,
                 _: AdminDep) -> Appended:
    """Fetch the round in force from a drand relay, verify it and log it (§5.6)."""
    return appended(service.ceremonies.fetch_round(event_id, ceremony, body.relay))


@router.post("/beacon/postpone", response_model=Appended)
def postpone_beacon(event_id: str, ceremony: Ceremony, body: PostponeIn, service: ServiceDep,
                    _: AdminDep) -> Appended:
    """Log `beacon_postponed` by the written rule of §5.6; never a re-draw."""
    return appended(service.ceremonies.postpone_beacon(event_id, ceremony, body.reason,
                                                       body.physical_entropy_by))


@router.post("/seed", response_model=Appended)
def seed(event_id: str, ceremony: Ceremony, service: ServiceDep, _: AdminDep) -> Appended:
    """Derive and log the ceremony's seed (§5.7)."""
    return appended(service.ceremonies.derive_seed(event_id, ceremony))
