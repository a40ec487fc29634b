"""Public reads (no token): school results, the families' look-up and proof (§14),
checkpoints and keys (§12), the bundle (§13); plus supervisors' cosignatures.

Nothing here serves personal data: registration numbers, masked names and what
the log holds. The look-up needs the second factor (last four ID characters),
answers a wrong factor exactly like an unknown number, and is limited per client
(`service.throttle`; the client address comes from `api/clients.py`, trusted
proxies only). A family holding an offer can give it up here (`decline`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response

from ...service.tokens import Principal
from ..clients import client_of
from ..deps import ServiceDep, require
from ..errors import error_responses
from ..family_schemas import DeclineIn, DeclineOptionsOut, DeclineOut
from ..schemas import (
    MAX_SIZE,
    CheckpointList,
    CheckpointOut,
    ConsistencyOut,
    CosignatureIn,
    FamilyLookupOut,
    KeysOut,
    LookupIn,
    ProofIn,
    SchoolResults,
)

router = APIRouter(prefix="/events/{event_id}", tags=["public"], responses=error_responses(422))

Size = Annotated[int, Path(ge=1, le=MAX_SIZE, description="a signed checkpoint's tree size")]
LOOKUP = error_responses(404, 422, 429)
NOTE: dict[int | str, dict[str, Any]] = {200: {
    "description": "C2SP signed note", "content": {"text/plain": {"schema": {"type": "string"}}}}}


def _caller(request: Request) -> str:
    return client_of(request)


@router.get("/results/{school}", response_model=SchoolResults, responses=error_responses(404))
def school_results(event_id: str, school: str, service: ServiceDep) -> dict[str, Any]:
    """The logged lottery results of one school: summary and records (§11.2)."""
    return service.lookup.school_results(event_id, school)


RECEIPT: dict[int | str, dict[str, Any]] = {200: {
    "description": "C2SP tlog-proof@v1 (PROTOCOL.md §14)",
    "content": {"text/plain": {"schema": {"type": "string"}}}}}


@router.post("/lookup", response_model=FamilyLookupOut,
             responses={**LOOKUP, **error_responses(409)})
def lookup(event_id: str, body: LookupIn, request: Request,
           service: ServiceDep) -> FamilyLookupOut:
    """A family's receipt under the latest checkpoint (§14) and its own attribute
    openings (§17.1; only the app server hands them out, after the second factor). The
    page shows nothing but what its own check of `receipt` verified. 409 while the log
    holds no result for the child (right credentials, never counted as a failure)."""
    found = service.lookup.family(event_id, body.reg, body.id_last4, _caller(request))
    return FamilyLookupOut.model_validate(found.to_json())


@router.post("/proof", response_class=Response,
             responses={**RECEIPT, **LOOKUP, **error_responses(409)})
def proof(event_id: str, body: ProofIn, request: Request, service: ServiceDep) -> Response:
    """The family's receipt file (C2SP tlog-proof@v1, §14) as a `.tlog-proof` download;
    consistency with a checkpoint the browser trusted comes from
    `GET checkpoints/<size>/consistency` (§14 step 3)."""
    text = service.lookup.receipt(event_id, body.reg, body.id_last4, _caller(request))
    return PlainTextResponse(text, headers={
        "Content-Disposition": f'attachment; filename="{body.reg}.tlog-proof"',
        "Cache-Control": "no-store"})


@router.get("/context", response_class=Response, responses={**RECEIPT, **error_responses(404)})
def context(event_id: str, service: ServiceDep) -> PlainTextResponse:
    """The event context (§14.1): event_created with every ceremony's opening, beacon and
    seed entries and the payment rounds, under the latest checkpoint."""
    return PlainTextResponse(service.lookup.context(event_id),
                             headers={"Cache-Control": "max-age=10"})


@router.post("/decline/options", response_model=DeclineOptionsOut, responses=LOOKUP)
def decline_options(event_id: str, body: LookupIn, request: Request,
                    service: ServiceDep) -> DeclineOptionsOut:
    """Whether this family may give its offer up now, and if not why (throttled like a
    look-up)."""
    o = service.declines.options(event_id, body.reg, body.id_last4, _caller(request))
    return DeclineOptionsOut(can_decline=o.can_decline, reason_zh=o.reason_zh,
                             reason=o.reason, declined_at=o.declined_at)


@router.post("/decline", response_model=DeclineOut,
             responses=error_responses(404, 409, 422, 429))
def decline(event_id: str, body: DeclineIn, request: Request,
            service: ServiceDep) -> DeclineOut:
    """Give the offer up (放弃): second factor plus the typed word 放弃; the next payment
    round logs it as a forfeit with reason `declined` (§7.5)."""
    done = service.declines.decline(event_id, body.reg, body.id_last4, _caller(request),
                                    body.confirm)
    return DeclineOut(
        reg=done.reg, declined_at=done.at, already=done.already,
        message_zh="已登记放弃该学位，将在下一轮缴费结算时生效，候补的家庭将依次递补。",
        message_en="the offer is given up; the next payment round records it")


@router.get("/checkpoints", response_model=CheckpointList, responses=error_responses(404))
def checkpoints(event_id: str, service: ServiceDep) -> CheckpointList:
    """Every signed checkpoint size, smallest first."""
    return CheckpointList(sizes=service.witnesses.sizes(event_id))


@router.get("/checkpoints/latest", response_class=Response,
            responses={**NOTE, **error_responses(404)})
def latest_checkpoint(event_id: str, service: ServiceDep) -> PlainTextResponse:
    """The newest signed checkpoint with its cosignatures (C2SP signed note)."""
    return PlainTextResponse(service.witnesses.checkpoint(event_id).note)


@router.get("/checkpoints/{size}", response_class=Response,
            responses={**NOTE, **error_responses(404, 422)})
def checkpoint(event_id: str, size: Size, service: ServiceDep) -> PlainTextResponse:
    """The signed checkpoint of one size, with its cosignatures."""
    return PlainTextResponse(service.witnesses.checkpoint(event_id, size).note)


@router.get("/checkpoints/{size}/consistency", response_model=ConsistencyOut,
            responses=error_responses(404, 422))
def consistency(event_id: str, size: Size, service: ServiceDep,
                old: Annotated[int, Query(alias="from", ge=1, le=MAX_SIZE)]) -> ConsistencyOut:
    """RFC 9162 consistency proof between two signed checkpoint sizes, for cosigners
    and auditors: proves the log of `size` extends the log of `from` (§12)."""
    done = service.witnesses.consistency(event_id, old, size)
    return ConsistencyOut(old_size=done.old_size, new_size=done.new_size,
                          proof=[h.hex() for h in done.proof])


@router.get("/keys", response_model=KeysOut, responses=error_responses(404))
def keys(event_id: str, service: ServiceDep) -> KeysOut:
    """The log's verifier key and the witnesses' cosignature keys (§12, §13)."""
    log, witnesses = service.witnesses.keys(event_id)
    return KeysOut(log=log, witnesses=witnesses)


@router.post("/checkpoints/{size}/cosignatures", response_model=CheckpointOut,
             responses=error_responses(401, 403, 404, 422))
def add_cosignature(event_id: str, size: Size, body: CosignatureIn, service: ServiceDep,
                    principal: Annotated[Principal, Depends(require("supervisor"))],
                    ) -> CheckpointOut:
    """A supervisor's C2SP tlog-cosignature on a checkpoint, verified and appended."""
    cp = service.witnesses.cosign(event_id, size, body.witness, body.signature, principal)
    return CheckpointOut(size=cp.size, root=cp.root, note=cp.note)


@router.get("/bundle.zip", response_class=Response, responses=error_responses(404))
def bundle_zip(event_id: str, service: ServiceDep) -> Response:
    """The audit bundle (§13) as a zip, exported afresh."""
    return Response(service.exports.bundle_zip(event_id), media_type="application/zip",
                    headers={"Content-Disposition":
                             f'attachment; filename="{event_id}-bundle.zip"'})
