"""What the operator console needs beside the lifecycle routes (issue 12 §3, §4).

Downloads for the bureau's offices (an XLSX template per import kind, the error
file of a refused upload), the console's read model (what is set up, stored and
settled, so the page offers only the valid next step), the escrows a notary opens
in its own browser, the escrow-key release, the sealed openings and the S9
re-check as JSON. Each route calls one service method; nothing here decides.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import APIRouter, Depends, File, Form, Path, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ...core.seed import Ceremony
from ...imports import KINDS, error_file, template
from ...service.register_check import MAX_REGISTER
from ...service.tokens import Principal
from ..deps import AdminDep, ServiceDep, appended, require
from ..errors import error_responses
from ..schemas import Appended
from .imports import Kind, read_upload

router = APIRouter(tags=["operator console"], responses=error_responses(422))

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TemplateKind = Annotated[str, Path(pattern="^(" + "|".join(re.escape(k) for k in KINDS)
                                   + ")$")]


def _download(body: bytes, name: str, media: str) -> Response:
    # RFC 6266/5987: an ASCII name for old clients, the UTF-8 one for the rest.
    return Response(body, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"",
        "Cache-Control": "no-store"})


@router.get("/imports/templates/{kind}.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}}, **error_responses(404)})
def import_template(kind: TemplateKind) -> Response:
    """Public: the XLSX template of one import kind (header, an example row, a guide sheet;
    docs/IMPORTS.md)."""
    return _download(template(kind), f"template-{kind}.xlsx", XLSX)


@router.post("/events/{event_id}/imports/{kind}/errors.xlsx", response_class=Response,
             responses={200: {"content": {XLSX: {}}}, **error_responses(401, 403, 404, 413)})
def import_error_file(event_id: str, kind: Kind, file: Annotated[UploadFile, File()],
                      service: ServiceDep,
                      principal: Annotated[Principal, Depends(require("admin", "school"))]
                      ) -> Response:
    """Every error an import of this file would be refused with, as a spreadsheet (row,
    column as written, value, problem, hint, rule); stores nothing."""
    data = read_upload(file)
    school = principal.subject if principal.role == "school" else None
    result = service.imports.check_file(event_id, kind, data, file.filename or "upload.csv",
                                        school)
    return _download(error_file(result, "xlsx"), f"errors-{kind}.xlsx", XLSX)


class CeremonySetupOut(BaseModel):
    participants: list[dict[str, str]]
    escrow_key: str | None
    released: bool
    published: bool


class ConsoleStatus(BaseModel):
    """What the console needs to offer only valid next steps (docs/LIFECYCLE.md)."""

    phase: str
    ceremonies: dict[str, CeremonySetupOut]
    stored: dict[str, int] = Field(description="rows stored per import kind")
    payment_rounds: int
    open_offers: int = Field(description="offers neither confirmed nor forfeited (§7.5)")
    notified: bool


@router.get("/events/{event_id}/console", response_model=ConsoleStatus,
            responses=error_responses(401, 403, 404))
def console_status(event_id: str, service: ServiceDep, _: AdminDep) -> ConsoleStatus:
    """The console's read model: each ceremony's setup, rows stored per kind, payments."""
    state = service.lifecycle.state(event_id)
    facts = service.overview.console(event_id)
    setups: dict[str, CeremonySetupOut] = {}
    for kind, c in state.ceremonies.items():
        listed = [{"id": p.id, "role": p.role} for p in c.participants] or [
            {"id": pid, "role": role} for pid, role in facts.participants.get(kind, [])]
        setups[kind] = CeremonySetupOut(participants=listed, escrow_key=facts.escrow_keys.get(kind),
                                        released=c.released is not None,
                                        published=kind in state.published)
    rounds, offers = 0, 0
    if state.bias is not None:
        pay = state.payment_state()
        rounds, offers = len(state.payments), len(pay.unconfirmed())
    return ConsoleStatus(phase=state.phase.value, ceremonies=setups, stored=facts.stored,
                         payment_rounds=rounds, open_offers=offers,
                         notified=state.phase.value in ("notified", "published"))


class EscrowOut(BaseModel):
    commitment: str = Field(description="hex (§5.3)")
    escrow: str = Field(description="base64 (§5.4)")


@router.get("/events/{event_id}/ceremonies/{ceremony}/escrows",
            response_model=dict[str, EscrowOut], responses=error_responses(404))
def escrows(event_id: str, ceremony: Ceremony, service: ServiceDep) -> dict[str, EscrowOut]:
    """Public (they are logged): each pending participant's commitment and sealed escrow,
    which the escrow holder opens in its own browser (§5.4)."""
    c = service.lifecycle.state(event_id).ceremony(ceremony)
    return {p: EscrowOut(commitment=com.body.commitment.hex(), escrow=com.body.escrow)
            for p in c.pending() if (com := c.commitments.get(p)) is not None}


class EscrowKeyIn(BaseModel):
    private_key: str = Field(pattern=r"^[0-9a-f]{64}$",
                             description="the ceremony's X25519 escrow private key, hex")


@router.post("/events/{event_id}/ceremonies/{ceremony}/escrow-key", response_model=Appended,
             responses=error_responses(401, 403, 404, 409))
def release_escrow_key(event_id: str, ceremony: Ceremony, body: EscrowKeyIn,
                       service: ServiceDep, _: AdminDep) -> Appended:
    """After the seed: publish this ceremony's escrow key so anyone can check its escrow
    openings (§5.4); another ceremony's key is refused."""
    key = X25519PrivateKey.from_private_bytes(bytes.fromhex(body.private_key))
    return appended(service.ceremonies.release_escrow_key(event_id, ceremony, key))


@router.get("/events/{event_id}/openings.jsonl", response_class=Response,
            responses=error_responses(401, 403, 404))
def sealed_openings(event_id: str, service: ServiceDep, _: AdminDep) -> Response:
    """The sealed openings (openings.jsonl, §17.3) for the supervision group and the notary;
    never to be published."""
    return _download(service.openings.openings(event_id), f"openings-{event_id}.jsonl",
                     "application/jsonl")


class RegisterOut(BaseModel):
    school: str
    rows: int
    clean: bool
    moved: list[dict[str, str]]
    missing_from_register: list[str]
    not_in_grouping: list[str]


@router.post("/events/{event_id}/register-check", response_model=RegisterOut,
             responses=error_responses(404, 413))
def register_check(event_id: str, service: ServiceDep, file: Annotated[UploadFile, File()],
                   school: Annotated[str, Form(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
                   ) -> RegisterOut:
    """S9: a school's class register (学籍 export) against the logged grouping; public,
    as the grouping is (the dashboard's form answers the same in HTML)."""
    data = file.file.read(MAX_REGISTER + 1)
    done = service.register.check(event_id, school, data)
    d = done.diff
    return RegisterOut(school=school, rows=done.rows, clean=d.clean,
                       moved=[{"reg": r, "logged": a, "register": b} for r, a, b in d.moved],
                       missing_from_register=list(d.missing_from_register),
                       not_in_grouping=list(d.not_in_grouping))




class RuleCountOut(BaseModel):
    code: str = Field(description="§7.1 rejection code, e.g. P1-graduation")
    rule: str
    count: int
    examples: list[str] = Field(description="registration numbers with their file rows")
    meaning: str = Field(description="what the code means, Chinese")
    hint: str = Field(description="what to check when the count is surprising, Chinese")


class FreezePreviewOut(BaseModel):
    applications: int
    eligible: int
    rejected: list[RuleCountOut]
    blocking: list[str] = Field(description="what would stop the freeze itself, Chinese")
    confirm: str = Field(description="the code the freeze must be confirmed with")


@router.get("/events/{event_id}/console/roster-preview", response_model=FreezePreviewOut,
            responses=error_responses(401, 403, 404, 409, 422))
def roster_preview(event_id: str, service: ServiceDep, _: AdminDep) -> FreezePreviewOut:
    """What the roster freeze will reject, by rule, with counts and examples (§7.1), and
    the code the operator confirms it with (issue 12 §4)."""
    shown = service.lifecycle.eligibility_preview(event_id)
    p = shown.preview
    return FreezePreviewOut(
        applications=p.applications, eligible=p.eligible, blocking=list(p.blocking),
        rejected=[RuleCountOut(code=r.code, rule=r.rule, count=r.count,
                               examples=list(r.examples), meaning=r.meaning, hint=r.hint)
                  for r in p.rejected], confirm=shown.code)
