"""Import of the bureau's and schools' spreadsheets: reading, parsing, validation at the door.

Offices export CSV (UTF-8, UTF-8 with BOM, or GB18030 from Chinese Excel) or
XLSX. `parse(kind, data, filename)` reads one file of one kind (see `KINDS`)
streaming, under `ImportLimits`, and returns an `ImportResult`: typed rows and
every error, each naming the spreadsheet's row, the column as written, the
value and a hint, in Chinese first. Parsing is pure: bytes in, rows and errors
out; nothing touches the database. docs/IMPORTS.md documents every kind.

Modules: `limits` (the one config object), `encoding` and `reading`/`xlsx`
(bytes → rows of text), `cells` (what text is refused; formula-safe exports),
`columns` (header detection, names), `fields` (typed cells), `idnumber` (GB
11643 reduction), `schools` (code or name), `kinds` (per-kind schemas and
builders), `rows` (row types), `rules` (P7, P10, P11 validators), `preview`
(what the freeze will reject), `report` (text report, error files),
`templates` (XLSX templates).

Policy (P1-P3, P8, P10, P12) is decided by `core/eligibility.py`, whose
rejections are logged (PROTOCOL.md §7.1); an ineligible applicant is a valid
row here, and `preview.freeze_preview` says how many the freeze will reject.
"""

from __future__ import annotations

from .cells import spreadsheet_safe
from .encoding import decode_text
from .kinds import KINDS, Kind
from .limits import DEFAULT_LIMITS, ImportLimits
from .parsing import parse
from .preview import FreezePreview, RuleCount, format_preview, freeze_preview, summarise
from .report import error_file, format_report
from .results import ImportRejected, ImportResult, Note, Reason, RowError
from .rows import (
    ApplicantRow,
    ClassPlanRow,
    ListRow,
    LockKind,
    LockRow,
    PaymentRow,
    PupilRow,
    SchoolRow,
    TeacherRow,
    plans_from_rows,
)
from .rules import check_lists, check_receipts
from .schools import KnownSchool, SchoolDirectory
from .templates import template

__all__ = [
    "DEFAULT_LIMITS",
    "KINDS",
    "ApplicantRow",
    "ClassPlanRow",
    "FreezePreview",
    "ImportLimits",
    "ImportRejected",
    "ImportResult",
    "Kind",
    "KnownSchool",
    "ListRow",
    "LockKind",
    "LockRow",
    "Note",
    "PaymentRow",
    "PupilRow",
    "Reason",
    "RowError",
    "RuleCount",
    "SchoolDirectory",
    "SchoolRow",
    "TeacherRow",
    "check_lists",
    "check_receipts",
    "decode_text",
    "error_file",
    "format_preview",
    "format_report",
    "freeze_preview",
    "parse",
    "plans_from_rows",
    "spreadsheet_safe",
    "summarise",
    "template",
]
