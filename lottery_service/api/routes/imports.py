"""Spreadsheet uploads (CSV or XLSX): all or nothing (G2).

The bureau (admin) imports everything; a school's staff token may send its own
class plans (S3), head teachers (S5) and pupils (S2), and only rows of its own
school: one foreign row rejects the whole file with 403 listing those rows.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, File, Path, UploadFile

from ...errors import NotFoundError, TooLargeError
from ...imports.limits import MAX_UPLOAD_BYTES
from ...service.tokens import Principal
from ..deps import AdminDep, ServiceDep, appended, require
from ..errors import error_responses
from ..schemas import Appended, ImportDone, RejectionOut

router = APIRouter(tags=["imports"], responses=error_responses(422))

Kind = Literal["schools", "applicants", "community", "direct", "locks", "payments",
               "class-plans", "class_plans", "teachers", "pupils"]  # class_plans: an alias
MAX_UPLOAD: Final = MAX_UPLOAD_BYTES  # a module global: tests lower it


def read_upload(file: UploadFile) -> bytes:
    """The uploaded bytes, refused (413) above MAX_UPLOAD before they are parsed: a larger
    file (a province's applicants) is imported on the server with `sunshine import`,
    which takes files up to `ImportLimits.max_file_bytes` (docs/IMPORTS.md §5)."""
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        mb = MAX_UPLOAD // (1024 * 1024)
        raise TooLargeError(
            f"file larger than {MAX_UPLOAD} bytes: import a larger file on the server "
            "with `sunshine import <event> <kind> <file>`",
            zh=f"文件超过 {mb} MB（网页上传最多 {mb} MB，约 50 万行报名数据）。"
               "更大的文件请由技术人员在服务器上用命令行导入：sunshine import 活动编号 类型 文件")
    return data


@router.post("/events/{event_id}/imports/{kind}", response_model=ImportDone,
             responses=error_responses(401, 403, 404, 409, 413, 422))
def upload(event_id: str, kind: Kind, file: Annotated[UploadFile, File()], service: ServiceDep,
           principal: Annotated[Principal, Depends(require("admin", "school"))]) -> ImportDone:
    """Store one file; registration imports answer with the §7.1 rejections the roster
    freeze would log as the data now stand."""
    data = read_upload(file)
    school = principal.subject if principal.role == "school" else None
    done = service.imports.import_file(event_id, kind, data, file.filename or "upload.csv",
                                       school)
    preview = done.preview
    return ImportDone(kind=done.kind, rows=done.rows,
                      rejections=[] if preview is None else [
                          RejectionOut(reg=reg, school="", code=r.code)
                          for r in preview.preview.rejected for reg in r.examples],
                      preview=None if preview is None else preview.text,
                      confirm=None if preview is None else preview.code,
                      entries=appended(list(done.entries)).entries, notes=list(done.notes))


@router.delete("/events/{event_id}/payments/{reg}", response_model=Appended,
               responses=error_responses(401, 403, 404, 409, 422))
def withdraw_receipt(event_id: str, reg: Annotated[str, Path(pattern=r"^[A-Z0-9]{4,32}$")],
                     service: ServiceDep, _: AdminDep) -> Appended:
    """Withdraw a bank receipt entered by mistake (P7), before the round that confirms it;
    404 when there is none."""
    if not service.imports.withdraw_receipt(event_id, reg):
        raise NotFoundError(f"no receipt for {reg}", zh=f"没有 {reg} 的缴费回单")
    return appended([])
