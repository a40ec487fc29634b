"""Spreadsheet uploads (CSV or XLSX): all or nothing (G2).

The bureau (admin) imports everything; a school's staff token may send its own
class plans (S3), head teachers (S5) and pupils (S2), and only rows of its own
school: one foreign row rejects the whole file with 403 listing those rows.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, File, UploadFile

from ...errors import TooLargeError
from ...service.tokens import Principal
from ..deps import ServiceDep, require
from ..errors import error_responses
from ..schemas import ImportDone, RejectionOut

router = APIRouter(tags=["imports"], responses=error_responses(422))

Kind = Literal["schools", "applicants", "community", "direct", "payments", "class-plans",
               "class_plans", "teachers", "pupils"]  # class_plans: alias of class-plans
MAX_UPLOAD: Final = 50 * 1024 * 1024


@router.post("/events/{event_id}/imports/{kind}", response_model=ImportDone,
             responses=error_responses(401, 403, 404, 409, 413, 422))
def upload(event_id: str, kind: Kind, file: Annotated[UploadFile, File()], service: ServiceDep,
           principal: Annotated[Principal, Depends(require("admin", "school"))]) -> ImportDone:
    """Store one file; registration imports answer with the §7.1 rejections the roster
    freeze would log as the data now stand."""
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise TooLargeError(f"file larger than {MAX_UPLOAD} bytes",
                            zh=f"文件超过 {MAX_UPLOAD // (1024 * 1024)} MB")
    school = principal.subject if principal.role == "school" else None
    done = service.imports.import_file(event_id, kind, data, file.filename or "upload.csv",
                                       school)
    return ImportDone(kind=done.kind, rows=done.rows,
                      rejections=[RejectionOut(**r.to_json()) for r in done.rejections])
