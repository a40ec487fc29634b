"""Public reads (no token): school results, the families' look-up and proof (§14),
checkpoints and keys (§12), the bundle (§13); plus supervisors' cosignatures.

Nothing here serves personal data: registration numbers, masked names and what
the log holds. The look-up needs the second factor (last four ID characters),
answers a wrong factor exactly like an unknown number, and throttles failures.
"""

from __future__ import annotations

import hmac
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from ...auditlog import leaf_hashes
from ...auth import Principal
from ...bundle import export_bundle
from ...core.merkle import MerkleTree
from ...lookup import ApplicantResult
from ...storage.models import CheckpointRow, WitnessRow
from ..deps import ContextDep, ServiceDep, require
from ..logcache import LogCache, Snapshot
from ..schemas import (
    CheckpointList,
    CheckpointOut,
    CosignatureIn,
    ErrorOut,
    KeysOut,
    LookupIn,
    ProofIn,
    SchoolResults,
)

router = APIRouter(prefix="/events/{event_id}", tags=["public"])

NOT_FOUND = "no result for this registration number and ID digits"
_DUMMY = "0" * 64


@router.get("/results/{school}", response_model=SchoolResults)
def school_results(event_id: str, school: str, ctx: ContextDep) -> dict[str, Any]:
    """The logged lottery results of one school: summary and records (§11.2)."""
    results = ctx.cache.snapshot(event_id).school_results().get(school)
    if results is None:
        raise HTTPException(404, f"no lottery results for school {school!r}")
    return results


def _prepared(cache: LogCache, event_id: str) -> Snapshot:
    snap = cache.snapshot(event_id)
    snap.index()
    snap.factors()
    return snap


async def _check(event_id: str, body: LookupIn, request: Request,
                 ctx: ContextDep) -> tuple[Snapshot, ApplicantResult] | JSONResponse:
    """The second-factor check shared by look-up and proof; throttles failures only.

    The hot path does no I/O: the snapshot is fresh and built (see LogCache).
    """
    ip = request.client.host if request.client else "unknown"
    wait = ctx.limiter.retry_after(ip, body.reg)
    if wait is not None:
        return JSONResponse({"error": "TooManyRequests",
                             "detail": "too many failed look-ups; try again later"},
                            status_code=429, headers={"Retry-After": str(int(wait) + 1)})
    snap = ctx.cache.fresh(event_id)
    if snap is None or not snap.ready:
        snap = await run_in_threadpool(_prepared, ctx.cache, event_id)
    given = ctx.runtime.service.lookup_hash(event_id, body.reg, body.id_last4)
    expected = snap.factors().get(body.reg)
    result = snap.index().results.get(body.reg)
    # Always compare, so an unknown number costs the same time as a wrong factor.
    match = hmac.compare_digest(given, expected or _DUMMY)
    if not match or expected is None or result is None \
            or (result.outcome is None and result.class_id is None):
        ctx.limiter.failure(ip, body.reg)
        return JSONResponse({"error": "NotFound", "detail": NOT_FOUND}, status_code=404)
    return snap, result


@router.post("/lookup", responses={200: {"content": {"application/json": {}}},
                                   404: {"model": ErrorOut}, 429: {"model": ErrorOut}})
async def lookup(event_id: str, body: LookupIn, request: Request, ctx: ContextDep) -> Response:
    """A family's result (only once the lottery results are logged): the public fields of
    `ApplicantResult` (reg, masked name, school, outcome, stage, rank, waiting, number,
    cutoff, promoted_round, forfeited, class, teacher)."""
    checked = await _check(event_id, body, request, ctx)
    if isinstance(checked, JSONResponse):
        return checked
    snap, result = checked
    return Response(snap.result_body(result.reg), media_type="application/json")


@router.post("/proof", responses={404: {"model": ErrorOut}, 429: {"model": ErrorOut}})
async def proof(event_id: str, body: ProofIn, request: Request, ctx: ContextDep,
                service: ServiceDep) -> Any:
    """The §14 proof: signed checkpoint, inclusion proofs, roster record."""
    checked = await _check(event_id, body, request, ctx)
    if isinstance(checked, JSONResponse):
        return checked
    snap, _ = checked
    vkey = service.signer(event_id).verifier_key()
    return await run_in_threadpool(snap.index().proof, body.reg, vkey, body.trusted_size)


@router.get("/checkpoints", response_model=CheckpointList)
def checkpoints(event_id: str, ctx: ContextDep) -> CheckpointList:
    ctx.cache.snapshot(event_id)  # 404 for an unknown event
    with Session(ctx.runtime.engine) as session:
        sizes = session.exec(select(CheckpointRow.size).where(
            CheckpointRow.event_id == event_id).order_by(col(CheckpointRow.size))).all()
    return CheckpointList(sizes=list(sizes))


@router.get("/checkpoints/latest", response_class=PlainTextResponse)
def latest_checkpoint(event_id: str, ctx: ContextDep) -> PlainTextResponse:
    """The newest signed checkpoint with its cosignatures (C2SP signed note)."""
    with Session(ctx.runtime.engine) as session:
        cp = session.exec(select(CheckpointRow).where(CheckpointRow.event_id == event_id)
                          .order_by(col(CheckpointRow.size).desc()).limit(1)).first()
    if cp is None:
        ctx.cache.snapshot(event_id)  # 404 for an unknown event
        raise HTTPException(404, "no checkpoint yet")
    return PlainTextResponse(cp.note)


@router.get("/checkpoints/{size}", response_class=PlainTextResponse)
def checkpoint(event_id: str, size: int, ctx: ContextDep) -> PlainTextResponse:
    with Session(ctx.runtime.engine) as session:
        cp = session.get(CheckpointRow, (event_id, size))
    if cp is None:
        raise HTTPException(404, f"no checkpoint of size {size}")
    return PlainTextResponse(cp.note)


@router.get("/checkpoints/{size}/consistency")
def consistency(event_id: str, size: int, ctx: ContextDep,
                old: Annotated[int, Query(alias="from", ge=1)]) -> dict[str, Any]:
    """RFC 9162 consistency proof between two signed checkpoint sizes, for cosigners
    and auditors: proves the log of `size` extends the log of `from` (§12)."""
    with Session(ctx.runtime.engine) as session:
        have = set(session.exec(select(CheckpointRow.size).where(
            CheckpointRow.event_id == event_id, col(CheckpointRow.size).in_([old, size]))))
        if have != {old, size} or old > size:
            raise HTTPException(404, f"no signed checkpoints of sizes {old} ≤ {size}")
        tree = MerkleTree(leaf_hashes(session, event_id)[:size])
    return {"old_size": old, "new_size": size,
            "proof": [h.hex() for h in tree.consistency_proof(old, size)] if old < size else []}


@router.get("/keys", response_model=KeysOut)
def keys(event_id: str, ctx: ContextDep, service: ServiceDep) -> KeysOut:
    """The log's verifier key and the witnesses' cosignature keys (§12, §13)."""
    ctx.cache.snapshot(event_id)  # 404 for an unknown event
    with Session(ctx.runtime.engine) as session:
        witnesses = {w.name: w.vkey for w in session.exec(
            select(WitnessRow).where(WitnessRow.event_id == event_id))}
    return KeysOut(log=service.signer(event_id).verifier_key(), witnesses=witnesses)


@router.post("/checkpoints/{size}/cosignatures", response_model=CheckpointOut)
def add_cosignature(event_id: str, size: int, body: CosignatureIn, ctx: ContextDep,
                    service: ServiceDep,
                    principal: Annotated[Principal, Depends(require("supervisor"))],
                    ) -> CheckpointOut:
    """A supervisor's C2SP tlog-cosignature on a checkpoint, verified and appended."""
    if principal.subject != body.witness:  # a token cosigns as the witness it names
        raise HTTPException(403, f"this token cosigns as {principal.subject or 'no witness'} "
                                 "only; make supervisor tokens with the witness name as subject")
    line = body.signature if body.signature.endswith("\n") else body.signature + "\n"
    if not line.startswith(f"\u2014 {body.witness} "):
        raise HTTPException(422, f"the signature line is not from witness {body.witness}")
    note = service.cosign(event_id, size, line)
    ctx.cache.drop(event_id)
    with Session(ctx.runtime.engine) as session:
        cp = session.get(CheckpointRow, (event_id, size))
        assert cp is not None
        return CheckpointOut(size=cp.size, root=cp.root, note=note)


@router.get("/bundle.zip", response_class=Response)
def bundle_zip(event_id: str, ctx: ContextDep, service: ServiceDep) -> Response:
    """The audit bundle (§13) as a zip, exported afresh into a temporary directory."""
    ctx.cache.snapshot(event_id)  # 404 for an unknown event
    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        with Session(ctx.runtime.engine) as session:
            folder = export_bundle(session, event_id, Path(tmp),
                                   service.signer(event_id).verifier_key()).resolve()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{event_id}/{path.relative_to(folder).as_posix()}")
    return Response(out.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{event_id}-bundle.zip"'})
