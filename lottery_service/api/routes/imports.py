"""Spreadsheet uploads (CSV or XLSX): all or nothing (G2).

The bureau (admin) imports everything; a school's staff token may send its own
class plans (S3), head teachers (S5) and pupils (S2), and only rows of its own
school: one foreign row rejects the whole file with 403 listing those rows.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, HTTPException, UploadFile

from ...auth import Principal
from ...core.errors import ProtocolError
from ...events import SCHOOL_KINDS, ImportRejectedError
from ...imports import RowError
from ..deps import ContextDep, ServiceDep, require
from ..schemas import ErrorOut, ImportDone, ImportErrors, RejectionOut

# Imports that change who is eligible: their answer previews the §7.1 rejections.
REGISTRATION_KINDS = ("schools", "applicants", "community", "direct")

router = APIRouter(tags=["imports"])

Kind = Literal["schools", "applicants", "community", "direct", "payments", "class-plans",
               "class_plans", "teachers", "pupils"]  # class_plans: alias of class-plans
MAX_UPLOAD = 50 * 1024 * 1024


@router.post("/events/{event_id}/imports/{kind}", response_model=ImportDone,
             responses={422: {"model": ImportErrors}, 403: {"model": ErrorOut},
                        409: {"model": ErrorOut}})
def upload(event_id: str, kind: Kind, file: Annotated[UploadFile, File()],
           service: ServiceDep, ctx: ContextDep,
           principal: Annotated[Principal, Depends(require("admin", "school"))]) -> ImportDone:
    kind_ = kind.replace("_", "-")
    school: str | None = None
    if principal.role == "school":
        if kind_ not in SCHOOL_KINDS:
            raise HTTPException(403, f"a school token may import {', '.join(SCHOOL_KINDS)} only")
        school = principal.subject
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, f"file larger than {MAX_UPLOAD} bytes")
    try:
        rows = service.import_file(event_id, kind_, data, file.filename or "upload.csv", school)
    except ValueError as exc:
        if type(exc) is not ValueError:
            raise
        # unsupported file type (e.g. .xls): a file-level error in the same 422 shape
        raise ImportRejectedError(str(exc), [RowError(0, "file", str(exc))]) from None
    ctx.cache.invalidate(event_id)
    rejections = []
    if kind_ in REGISTRATION_KINDS:
        try:
            rejections = [RejectionOut(**r.to_json())
                          for r in service.eligibility_preview(event_id)]
        except ProtocolError:  # e.g. applicants before schools: reported at the freeze
            rejections = []
    return ImportDone(kind=kind_, rows=rows, rejections=rejections)
