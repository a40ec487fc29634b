"""Import of the bureau's and schools' spreadsheets (format checks only).

Offices export CSV (UTF-8, UTF-8 with BOM, or GB18030 from Chinese Excel) or
XLSX. Every kind has one `parse_<kind>(data, filename)` function and `parse()`
dispatches on the kind and the file extension. Parsing is pure: bytes in, typed
rows and errors out; nothing touches the database.

These are *format* checks only: columns, empty required cells, patterns, dates,
numbers, codes, duplicates within the file and (optionally) unknown school
codes. Policy (P1–P3, P8, P10, P12) is decided by `core/eligibility.py`, whose
rejections are logged (PROTOCOL.md §7.1); an ineligible applicant is a valid
row here.

All-or-nothing: `ImportResult.errors` lists every error in the file, never just
the first. A result with any error MUST be rejected as a whole by the caller
(show `format_report(result)` to the office and import nothing); `rows` then
only holds the rows that were well-formed, for preview. `ImportResult.checked()`
does exactly this.

Row numbers are those the spreadsheet shows: the header is row 1, the first
data row is row 2; errors about the file itself have row 0. Blank rows (all
cells empty apart from ignored columns such as 序号) are skipped wherever they
are, so pre-numbered templates with unused rows import cleanly.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import importlib
import io
import math
import re
import warnings
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from .core.eligibility import Application, Basis
from .core.errors import RecordError
from .core.records import (
    ID,
    REG,
    Authority,
    ClassPlan,
    ClassSpec,
    Gender,
    Pupil,
    School,
    SiblingMode,
    Siblings,
    Teacher,
    mask_name,
)

__all__ = [
    "KINDS",
    "ApplicantRow",
    "ClassPlanRow",
    "ImportRejected",
    "ImportResult",
    "ListRow",
    "PaymentRow",
    "PupilRow",
    "RowError",
    "SchoolRow",
    "TeacherRow",
    "decode_text",
    "format_report",
    "parse",
    "parse_applicants",
    "parse_class_plans",
    "parse_community",
    "parse_direct",
    "parse_payments",
    "parse_pupils",
    "parse_schools",
    "parse_teachers",
    "plans_from_rows",
]

T = TypeVar("T")
C = TypeVar("C")

# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class RowError:
    """One format error: spreadsheet row (header = 1, file = 0), field, reason.

    `field`/`reason` are English; the Chinese forms used by `format_report`
    ride along but take no part in equality.
    """

    row: int
    field: str
    reason: str
    field_zh: str = dataclasses.field(default="", compare=False, repr=False)
    reason_zh: str = dataclasses.field(default="", compare=False, repr=False)


class ImportRejected(ValueError):
    """A file with format errors: nothing of it may be imported."""

    def __init__(self, result: ImportResult[Any]) -> None:
        super().__init__(format_report(result))
        self.result = result


@dataclass(frozen=True, slots=True)
class ImportResult(Generic[T]):
    """Well-formed rows and every error; any error rejects the whole file."""

    rows: tuple[T, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def checked(self) -> tuple[T, ...]:
        """The rows, or `ImportRejected` if the file has any error (all-or-nothing)."""
        if self.errors:
            raise ImportRejected(self)
        return self.rows


# --------------------------------------------------------------------------- row types

SchoolKind = Literal["public", "private"]


@dataclass(frozen=True, slots=True)
class SchoolRow:
    id: str
    name: str
    district: str
    kind: SchoolKind
    tuition: int
    authority: Authority
    quota: int
    community_quota: int
    nine_year: bool

    def record(self) -> School:
        """The lottery's school record (§3.2); only private schools take part (P13)."""
        if self.kind != "private":
            raise RecordError(f"school {self.id} is public: not in the private lottery (P13)")
        return School(
            id=self.id, name=self.name, district=self.district, authority=self.authority,
            tuition=self.tuition, quota=self.quota, community_quota=self.community_quota,
            nine_year=self.nine_year,
        )


@dataclass(frozen=True, slots=True)
class ApplicantRow:
    """One application, with the private data eligibility needs (never published, §3.2)."""

    reg: str
    name: str
    gender: Gender
    birth_date: str
    district: str
    basis: Basis
    defaulter: bool
    policy_care: bool
    school: str
    sibling_group: str | None
    reg_day: str
    id_last4: str = dataclasses.field(repr=False)  # parents' look-up second factor
    phone: str | None = dataclasses.field(repr=False)  # S6 notification only
    graduating: bool

    @property
    def city_resident(self) -> bool:
        """P1: household registration or a guardian's residence permit in the city."""
        return self.basis != "none"

    def application(self, *, direct: bool = False, community: bool = False) -> Application:
        """This row for `core.eligibility` (§7.1).

        `direct`/`community`: the child is on the school's direct-promotion (P10) or
        community (P11) list; those lists are separate imports, so the caller joins them.
        """
        return Application(
            reg=self.reg, name=self.name, school=self.school, gender=self.gender,
            birth_date=dt.date.fromisoformat(self.birth_date), district=self.district,
            basis=self.basis, city_resident=self.city_resident, defaulter=self.defaulter,
            policy_care=self.policy_care, direct_flag=direct, community_flag=community,
            sibling_group=self.sibling_group, reg_day=dt.date.fromisoformat(self.reg_day),
            graduating=self.graduating,
        )


@dataclass(frozen=True, slots=True)
class ListRow:
    """An entry of an approved list: community places (P11) or direct promotion (P10)."""

    school: str
    reg: str


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """A bank receipt: the only confirmation of a place (P7)."""

    reg: str
    school: str
    receipt: str
    paid_on: str


@dataclass(frozen=True, slots=True)
class ClassPlanRow:
    """One class of a school's approved plan (S3)."""

    school: str
    class_id: str
    capacity: int


@dataclass(frozen=True, slots=True)
class TeacherRow:
    """A head teacher named by a school (S5)."""

    school: str
    teacher_id: str
    name: str

    def record(self) -> Teacher:
        return Teacher(school=self.school, id=self.teacher_id, name=mask_name(self.name))


@dataclass(frozen=True, slots=True)
class PupilRow:
    """A pupil of the locked cohort (S2)."""

    reg: str
    name: str
    gender: Gender
    school: str
    sen: bool
    sibling_group: str | None
    sibling_mode: SiblingMode | None
    id_last4: str = field(default="", repr=False)  # families' look-up second factor
    phone: str | None = field(default=None, repr=False)  # for the S6 message

    def record(self, same_name: str | None = None) -> Pupil:
        """The grouping record (§3.2); `same_name` is assigned by the service."""
        siblings = None
        if self.sibling_group is not None and self.sibling_mode is not None:
            siblings = Siblings(self.sibling_group, self.sibling_mode)
        return Pupil(
            reg=self.reg, name=mask_name(self.name), school=self.school, gender=self.gender,
            strata=("sen",) if self.sen else (), siblings=siblings, same_name=same_name,
        )


def plans_from_rows(rows: Iterable[ClassPlanRow]) -> list[ClassPlan]:
    """Class plans by school id, classes sorted by id (§3.2); a repeated class is an error."""
    by_school: dict[str, dict[str, int]] = {}
    for r in rows:
        classes = by_school.setdefault(r.school, {})
        if r.class_id in classes:
            raise RecordError(f"class plan {r.school}: class {r.class_id} twice (S3)")
        classes[r.class_id] = r.capacity
    return [
        ClassPlan(school, tuple(ClassSpec(c, classes[c]) for c in sorted(classes)))
        for school, classes in sorted(by_school.items())
    ]


# --------------------------------------------------------------------------- reasons

Reason = tuple[str, str]  # (English, Chinese)

R_REQUIRED: Reason = ("required field is empty", "必填项为空")
R_DATE: Reason = ("not a valid date", "不是有效日期")
R_INTEGER: Reason = ("not a whole number", "不是整数")
R_FLAG: Reason = ("expected 是/否", "应填 是 或 否")
R_GENDER: Reason = ("expected 男/女 (M/F)", "应填 男 或 女")
R_MISSING_COLUMN: Reason = ("missing column", "缺少此列")
R_UNKNOWN_COLUMN: Reason = ("unknown column", "无法识别的列")
R_DUPLICATE_COLUMN: Reason = ("column appears twice", "此列重复")
R_NO_HEADER: Reason = ("no header row", "没有表头行")
R_STRAY: Reason = ("value in a column without a header", "该单元格所在列没有表头")
R_LONG_NUMBER: Reason = (
    "a number cell with more than 15 digits may have been rounded: store the column as text",
    "数字单元格超过 15 位可能已被舍入：请将该列设为文本格式",
)
R_SCIENTIFIC: Reason = (
    "number in scientific notation (rounded by the spreadsheet): store the column as text",
    "数字被显示为科学计数法（已被舍入）：请将该列设为文本格式",
)
R_REG: Reason = ("not a registration number (A–Z, 0–9, 4–32 characters)",
                 "报名号格式错误（大写字母或数字，4–32 位）")
R_ID: Reason = ("not a code (letters, digits, . _ -; at most 64)",
                "代码格式错误（字母、数字、. _ -，最多 64 位）")
R_ID_LAST4: Reason = ("expected the last 4 characters of the ID number (0–9, X)",
                      "应为身份证号后四位（数字或 X）")
R_PHONE: Reason = ("expected an 11-digit mobile number", "应为 11 位手机号")
R_TOO_LONG: Reason = ("text longer than 64 characters", "超过 64 个字符")
R_PUBLIC_TUITION: Reason = ("a public school charges no tuition: must be 0",
                            "公办学校不收学费，应为 0")
R_COMMUNITY_OVER: Reason = ("community quota exceeds the quota (P11)",
                            "配套计划超过招生计划（P11）")
R_MODE_NEEDS_GROUP: Reason = ("given without a sibling group", "未填兄弟姐妹组却填写了同班意愿")


def _min(n: int) -> Reason:
    return (f"must be at least {n}", f"不能小于 {n}")


def _choice(allowed: str) -> Reason:
    return (f"expected one of {allowed}", f"应填 {allowed} 之一")


def _duplicate(row: int) -> Reason:
    return (f"duplicate of row {row}", f"与第 {row} 行重复")


def _unknown_school(code: str) -> Reason:
    return (f"unknown school {code}", f"未知学校代码 {code}")


def _group_conflict(what: str, what_zh: str, group: str, row: int) -> Reason:
    return (
        f"sibling group {group} differs in {what} from row {row}",
        f"多胞胎/兄弟姐妹组 {group} 的{what_zh}与第 {row} 行不一致",
    )


def _file(reason_en: str, reason_zh: str) -> RowError:
    return RowError(0, "file", reason_en, "文件", reason_zh)


# --------------------------------------------------------------------------- reading files

BOM = b"\xef\xbb\xbf"


@dataclass
class _Table:
    """Cells as text, keyed by spreadsheet row number; bad numeric cells on the side."""

    rows: list[tuple[int, list[str]]]
    bad_cells: dict[tuple[int, int], Reason]
    errors: list[RowError]


def decode_text(data: bytes) -> str | None:
    """BOM → UTF-8; else strict UTF-8; else GB18030 (what Chinese Excel writes)."""
    if data.startswith(BOM):
        try:
            return data[len(BOM):].decode("utf-8")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(data: bytes) -> _Table:
    table = _Table([], {}, [])
    text = decode_text(data)
    if text is None:
        table.errors.append(_file("not UTF-8 or GB18030 text", "不是 UTF-8 或 GB18030 编码的文本"))
        return table
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            table.rows.append((number, [_csv_cell(c) for c in cells]))
    except csv.Error as exc:
        table.errors.append(RowError(number + 1, "file", f"broken CSV: {exc}", "文件",
                                     f"CSV 格式错误: {exc}"))
    return table


def _csv_cell(text: str) -> str:
    """Trim; unwrap ="0421", the formula trick exports use to keep digits as text."""
    text = text.strip()
    if len(text) >= 3 and text.startswith('="') and text.endswith('"'):
        return text[2:-1].strip()
    return text


_LONG = 10**15  # Excel keeps 15 significant digits


def _cell_text(value: object) -> str | Reason:
    """An XLSX cell as the text the office typed: 202600001234 (not 2.026e11), YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return R_LONG_NUMBER if abs(value) >= _LONG else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            return R_LONG_NUMBER if abs(value) >= _LONG else str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(data: bytes) -> _Table:
    table = _Table([], {}, [])
    # openpyxl has no type information; loaded by name so mypy sees it as Any.
    openpyxl = importlib.import_module("openpyxl")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it drops; values are unaffected.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                sheet.reset_dimensions()  # stale <dimension> tags would truncate the sheet
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    cells: list[str] = []
                    for col, value in enumerate(values):
                        text = _cell_text(value)
                        if isinstance(text, tuple):
                            table.bad_cells[number, col] = text
                            text = "?"
                        cells.append(text)
                    table.rows.append((number, cells))
            finally:
                book.close()
    except Exception:  # a damaged or foreign file: zipfile, XML and openpyxl errors alike
        table.errors.append(_file("not a readable XLSX workbook", "不是可读取的 XLSX 工作簿"))
        table.rows.clear()
    return table


def _read(data: bytes, filename: str) -> _Table:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext == "csv":
        return _read_csv(data)
    if ext == "xlsx":
        return _read_xlsx(data)
    if ext in ("xls", "et", "wps"):
        raise ValueError(f"{filename}: old Excel/WPS format; save it as .xlsx or .csv")
    raise ValueError(f"{filename}: unsupported file type; expected .csv or .xlsx")


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True, slots=True)
class _Col:
    field: str
    zh: str
    aliases: tuple[str, ...] = ()
    required: bool = True


# Columns any export may carry and that mean nothing here.
_IGNORED = ("序号", "编号", "no", "no.", "#", "备注", "remarks", "note", "notes")


def _norm(header: str) -> str:
    """报名号（必填） / * Reg / Birth Date → 报名号 / reg / birthdate."""
    h = header.strip().strip("*＊").strip()
    h = re.sub(r"[（(][^）)]*[）)]$", "", h)
    return re.sub(r"[\s_\-]+", "", h).casefold()


def _letter(col: int) -> str:
    name = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


@dataclass
class _Sheet:
    """A table whose header has been matched to a kind's columns."""

    columns: dict[str, int]  # field → column index
    cols: dict[str, _Col]
    rows: list[tuple[int, dict[str, str], dict[str, Reason], bool]]  # …, has stray cells


def _match(table: _Table, schema: tuple[_Col, ...], ignored: tuple[str, ...],
           errors: list[RowError]) -> _Sheet:
    cols = {c.field: c for c in schema}
    sheet = _Sheet({}, cols, [])
    if not table.rows or not any(table.rows[0][1]) or table.rows[0][0] != 1:
        if not table.errors:
            errors.append(RowError(1, "header", R_NO_HEADER[0], "表头", R_NO_HEADER[1]))
        return sheet
    names: dict[str, str] = {}
    for c in schema:
        for alias in (c.field, c.zh, *c.aliases):
            names[_norm(alias)] = c.field
    skip = {_norm(h) for h in (*_IGNORED, *ignored)}
    header = table.rows[0][1]
    used: set[int] = set()  # columns whose cells are data (mapped or stray)
    for i, text in enumerate(header):
        if not text:
            used.add(i)
            continue
        key = _norm(text)
        if key in skip:
            continue
        used.add(i)
        if key not in names:
            errors.append(RowError(1, text, R_UNKNOWN_COLUMN[0], text, R_UNKNOWN_COLUMN[1]))
            continue
        f = names[key]
        if f in sheet.columns:
            errors.append(RowError(1, f, R_DUPLICATE_COLUMN[0], cols[f].zh,
                                   R_DUPLICATE_COLUMN[1]))
            continue
        sheet.columns[f] = i
    for c in schema:
        if c.required and c.field not in sheet.columns:
            errors.append(RowError(1, c.field, R_MISSING_COLUMN[0], c.zh, R_MISSING_COLUMN[1]))
    by_index = {i: f for f, i in sheet.columns.items()}
    width = len(header)
    for number, cells in table.rows[1:]:
        data = [i for i, v in enumerate(cells) if v and (i in used or i >= width)]
        if not data:
            continue  # blank row (or only 序号 filled in)
        values = {f: cells[i] if i < len(cells) else "" for f, i in sheet.columns.items()}
        bad = {by_index[i]: r for (n, i), r in table.bad_cells.items()
               if n == number and i in by_index}
        stray = [i for i in data if i not in by_index and (i >= width or not header[i])]
        for i in stray:
            errors.append(RowError(number, f"column {_letter(i)}", R_STRAY[0],
                                   f"第 {_letter(i)} 列", R_STRAY[1]))
        sheet.rows.append((number, values, bad, bool(stray)))
    return sheet


class _Row:
    """Reads one data row's fields, recording every error; `failed` if any."""

    def __init__(self, sheet: _Sheet, number: int, values: dict[str, str],
                 bad: dict[str, Reason], errors: list[RowError]) -> None:
        self.sheet, self.number, self.values, self.bad = sheet, number, values, bad
        self.errors = errors
        self.failed = False
        self.bad_fields: set[str] = set()

    def ok(self, name: str) -> bool:
        """Whether `name` was read without an error so far."""
        return name not in self.bad_fields and (name in self.values
                                                or not self.sheet.cols[name].required)

    def error(self, name: str, reason: Reason) -> None:
        self.failed = True
        self.bad_fields.add(name)
        self.errors.append(RowError(self.number, name, reason[0],
                                    self.sheet.cols[name].zh, reason[1]))

    def raw(self, name: str) -> str | None:
        """The cell text; None (and failed) when a required cell is absent or unusable."""
        if name not in self.values:
            if self.sheet.cols[name].required:
                self.failed = True  # the missing column was reported once, on row 1
                return None
            return ""
        if name in self.bad:
            self.error(name, self.bad[name])
            return None
        return self.values[name]

    def text(self, name: str, *, optional: bool = False, limit: int = 64) -> str:
        value = self.raw(name)
        if value is None:
            return ""
        if not value and not optional:
            self.error(name, R_REQUIRED)
        elif len(value) > limit:
            self.error(name, R_TOO_LONG)
            return ""
        return value

    def pattern(self, name: str, regex: re.Pattern[str], reason: Reason, *,
                optional: bool = False) -> str:
        value = self.text(name, optional=optional)
        if value and not regex.fullmatch(value):
            self.error(name, R_SCIENTIFIC if _SCIENTIFIC.fullmatch(value) else reason)
            return ""
        return value

    def ident(self, name: str, *, optional: bool = False) -> str:
        return self.pattern(name, ID, R_ID, optional=optional)

    def reg(self, name: str = "reg") -> str:
        return self.pattern(name, REG, R_REG)

    def school(self, name: str, known: Container[str] | None) -> str:
        value = self.ident(name)
        if value and known is not None and value not in known:
            self.error(name, _unknown_school(value))
        return value

    def integer(self, name: str, minimum: int, default: int | None = None) -> int:
        value = self.text(name, optional=default is not None)
        if not value:
            return default if default is not None else 0
        if not _INTEGER.fullmatch(value):
            self.error(name, R_INTEGER)
            return 0
        n = int(value)
        if n < minimum:
            self.error(name, _min(minimum))
        return n

    def choice(self, name: str, table: Mapping[str, C], reason: Reason,
               default: C | None = None) -> C:
        value = self.text(name, optional=default is not None)
        if not value and default is not None:
            return default
        got = table.get(value.casefold())
        if got is None:
            if value:
                self.error(name, reason)
            return next(iter(table.values()))
        return got

    def flag(self, name: str, default: bool | None = None) -> bool:
        return self.choice(name, _FLAGS, R_FLAG, default)

    def gender(self, name: str = "gender") -> Gender:
        return self.choice(name, _GENDERS, R_GENDER)

    def date(self, name: str) -> str:
        value = self.text(name)
        if not value:
            return ""
        parsed = _parse_date(value)
        if parsed is None:
            self.error(name, R_DATE)
            return ""
        return parsed


_INTEGER = re.compile(r"[0-9]{1,9}")
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+")
_ID_LAST4 = re.compile(r"[0-9]{3}[0-9X]")
_PHONE = re.compile(r"1[0-9]{10}")
_DATE_FORMS = (
    re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"),
    re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"),  # Chinese Excel's short date
    re.compile(r"([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日"),
    re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"),
)
_FLAGS: Mapping[str, bool] = {
    "是": True, "否": False, "true": True, "false": False, "1": True, "0": False,
}
_GENDERS: Mapping[str, Gender] = {"男": "M", "女": "F", "m": "M", "f": "F"}


def _parse_date(text: str) -> str | None:
    """YYYY-MM-DD from the forms offices type (2019-08-31, 2019/8/31, 2019年8月31日, 20190831)."""
    for form in _DATE_FORMS:
        m = form.fullmatch(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                return None
    return None


def _run(
    data: bytes,
    filename: str,
    schema: tuple[_Col, ...],
    build: Callable[[_Row], T | None],
    ignored: tuple[str, ...] = (),
    after: Callable[[list[tuple[int, T]], list[RowError]], None] | None = None,
) -> ImportResult[T]:
    """Read the file, match the header, build each row; collect every error."""
    table = _read(data, filename)
    errors: list[RowError] = list(table.errors)
    sheet = _match(table, schema, ignored, errors)
    built: list[tuple[int, T]] = []
    for number, values, bad, stray in sheet.rows:
        row = _Row(sheet, number, values, bad, errors)
        row.failed = stray
        value = build(row)
        if value is not None and not row.failed:
            built.append((number, value))
    if after is not None:
        after(built, errors)
    errors.sort(key=lambda e: e.row)  # stable: within a row, column order is kept
    return ImportResult(tuple(v for _, v in built), tuple(errors))


class _Unique:
    """Reports a repeated key as "duplicate of row N" on the later row."""

    def __init__(self) -> None:
        self.seen: dict[object, int] = {}

    def check(self, row: _Row, name: str, key: object) -> None:
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            row.error(name, _duplicate(first))


# --------------------------------------------------------------------------- kinds

_SCHOOL_COLS = (
    _Col("id", "学校代码", ("school",)),
    _Col("name", "学校名称"),
    _Col("district", "区县"),
    _Col("kind", "性质", ("办学性质",)),
    _Col("tuition", "学费"),
    _Col("authority", "审批机关"),
    _Col("quota", "招生计划"),
    _Col("community_quota", "配套计划", ("小区配套计划",), required=False),
    _Col("nine_year", "九年一贯", ("nineyear",)),
)
_KINDS: Mapping[str, SchoolKind] = {
    "公办": "public", "民办": "private", "public": "public", "private": "private",
}
_AUTHORITIES: Mapping[str, Authority] = {
    "市": "city", "市级": "city", "city": "city",
    "区": "district", "区级": "district", "县": "district", "县级": "district",
    "district": "district",
}


def parse_schools(data: bytes, filename: str) -> ImportResult[SchoolRow]:
    """The bureau's school list: private ones enter the lottery (§3.2); public ones are not
    drawn (P13) but are listed for grouping (S1)."""
    ids = _Unique()

    def build(r: _Row) -> SchoolRow | None:
        sid = r.ident("id")
        if sid:
            ids.check(r, "id", sid)
        name, district = r.text("name"), r.ident("district")
        kind = r.choice("kind", _KINDS, _choice("公办/民办"))
        public = r.ok("kind") and kind == "public"
        tuition = r.integer("tuition", 0, default=0 if public else None)
        if public and r.ok("tuition") and tuition != 0:
            r.error("tuition", R_PUBLIC_TUITION)
        authority = r.choice("authority", _AUTHORITIES, _choice("市/区/县"))
        quota = r.integer("quota", 0)
        community = r.integer("community_quota", 0, default=0)
        if r.ok("quota") and r.ok("community_quota") and community > quota:
            r.error("community_quota", R_COMMUNITY_OVER)
        nine_year = r.flag("nine_year")
        return SchoolRow(sid, name, district, kind, tuition, authority, quota, community,
                         nine_year)

    return _run(data, filename, _SCHOOL_COLS, build)


_APPLICANT_COLS = (
    _Col("reg", "报名号"),
    _Col("name", "姓名"),
    _Col("gender", "性别"),
    _Col("birth_date", "出生日期"),
    _Col("district", "区县"),
    _Col("basis", "户籍类型"),
    _Col("defaulter", "失信被执行人"),
    _Col("policy_care", "政策照顾"),
    _Col("school", "申请学校", ("学校代码",)),
    _Col("sibling_group", "多胞胎组", required=False),
    _Col("reg_day", "报名日期"),
    _Col("id_last4", "身份证后四位"),
    _Col("phone", "手机", ("手机号", "联系电话"), required=False),
    _Col("graduating", "小学毕业", required=False),
)
_BASES: Mapping[str, Basis] = {
    "户籍": "household", "居住证": "permit", "无": "none",
    "household": "household", "permit": "permit", "none": "none",
}


def parse_applicants(
    data: bytes, filename: str, *, known_schools: Container[str] | None = None
) -> ImportResult[ApplicantRow]:
    """Private-school applications (§3.2, §7.1): format only; eligibility decides P1–P12.

    Members of a multiple-birth group applying to one school form one unit and
    must share the district (§3.2); eligibility would otherwise fail at freezing.
    """
    regs = _Unique()
    groups: dict[tuple[str, str], int] = {}
    districts: dict[tuple[str, str], str] = {}

    def build(r: _Row) -> ApplicantRow | None:
        reg = r.reg()
        if reg:
            regs.check(r, "reg", reg)
        name, gender, birth = r.text("name"), r.gender(), r.date("birth_date")
        district = r.ident("district")
        basis = r.choice("basis", _BASES, _choice("户籍/居住证/无"))
        defaulter, care = r.flag("defaulter"), r.flag("policy_care")
        school = r.school("school", known_schools)
        group = r.ident("sibling_group", optional=True) or None
        reg_day = r.date("reg_day")
        raw4 = r.raw("id_last4")
        if raw4 is not None:  # x → X: the check character is typed either way
            r.values["id_last4"] = raw4.upper()
        id_last4 = r.pattern("id_last4", _ID_LAST4, R_ID_LAST4)
        phone = r.pattern("phone", _PHONE, R_PHONE, optional=True) or None
        graduating = r.flag("graduating", default=False)
        if group is not None and r.ok("school") and r.ok("district"):
            first = groups.setdefault((group, school), r.number)
            if districts.setdefault((group, school), district) != district:
                r.error("district", _group_conflict("district", "区县", group, first))
        return ApplicantRow(reg, name, gender, birth, district, basis, defaulter, care, school,
                            group, reg_day, id_last4, phone, graduating)

    return _run(data, filename, _APPLICANT_COLS, build, ignored=("本市户籍或居住证",))


_LIST_COLS = (_Col("school", "学校代码"), _Col("reg", "报名号"))


def _parse_list(data: bytes, filename: str, known: Container[str] | None) -> ImportResult[ListRow]:
    regs = _Unique()

    def build(r: _Row) -> ListRow | None:
        school, reg = r.school("school", known), r.reg()
        if reg:
            regs.check(r, "reg", reg)
        return ListRow(school, reg)

    return _run(data, filename, _LIST_COLS, build)


def parse_community(
    data: bytes, filename: str, *, known_schools: Container[str] | None = None
) -> ImportResult[ListRow]:
    """The bureau-approved community list (P11): one school per child."""
    return _parse_list(data, filename, known_schools)


def parse_direct(
    data: bytes, filename: str, *, known_schools: Container[str] | None = None
) -> ImportResult[ListRow]:
    """The bureau-approved direct-promotion list (P10): one school per pupil."""
    return _parse_list(data, filename, known_schools)


_PAYMENT_COLS = (
    _Col("reg", "报名号"),
    _Col("school", "学校代码"),
    _Col("receipt", "回单号", ("回单编号", "银行回单号")),
    _Col("paid_on", "缴费日期"),
)


def parse_payments(
    data: bytes, filename: str, *, known_schools: Container[str] | None = None
) -> ImportResult[PaymentRow]:
    """Bank receipts of the payment window (P7); one per reg, receipts unique."""
    regs, receipts = _Unique(), _Unique()

    def build(r: _Row) -> PaymentRow | None:
        reg = r.reg()
        if reg:
            regs.check(r, "reg", reg)
        school = r.school("school", known_schools)
        receipt = r.ident("receipt")
        if receipt:
            receipts.check(r, "receipt", receipt)
        return PaymentRow(reg, school, receipt, r.date("paid_on"))

    return _run(data, filename, _PAYMENT_COLS, build)


_PLAN_COLS = (
    _Col("school", "学校代码"),
    _Col("class_id", "班级", ("class", "班级编号")),
    _Col("capacity", "额定人数", ("班额",)),
)


def parse_class_plans(
    data: bytes, filename: str, *, known_schools: Container[str] | None = None
) -> ImportResult[ClassPlanRow]:
    """Approved class plans (S3); `plans_from_rows` turns the rows into records."""
    classes = _Unique()

    def build(r: _Row) -> ClassPlanRow | None:
        school, class_id = r.school("school", known_schools), r.ident("class_id")
        if school and class_id:
            classes.check(r, "class_id", (school, class_id))
        return ClassPlanRow(school, class_id, r.integer("capacity", 1))

    return _run(data, filename, _PLAN_COLS, build)


_TEACHER_COLS = (
    _Col("school", "学校代码"),
    _Col("teacher_id", "工号", ("teacher", "教师工号")),
    _Col("name", "姓名"),
)


def parse_teachers(
    data: bytes, filename: str, *, known_schools: Container[str] | None = None
) -> ImportResult[TeacherRow]:
    """Head teachers (S5); a teacher id is unique within the event (§1)."""
    ids = _Unique()

    def build(r: _Row) -> TeacherRow | None:
        school, tid = r.school("school", known_schools), r.ident("teacher_id")
        if tid:
            ids.check(r, "teacher_id", tid)
        return TeacherRow(school, tid, r.text("name"))

    return _run(data, filename, _TEACHER_COLS, build)


_PUPIL_COLS = (
    _Col("reg", "报名号", ("学籍号",)),
    _Col("name", "姓名"),
    _Col("gender", "性别"),
    _Col("school", "学校代码"),
    _Col("sen", "特殊需要", required=False),
    _Col("sibling_group", "兄弟姐妹组", ("多胞胎组",), required=False),
    _Col("sibling_mode", "同班意愿", required=False),
    _Col("id_last4", "身份证后四位", required=False),
    _Col("phone", "手机", ("手机号", "联系电话"), required=False),
)
_MODES: Mapping[str, SiblingMode] = {
    "同班": "together", "分班": "apart", "together": "together", "apart": "apart",
}


def parse_pupils(
    data: bytes, filename: str, *, known_schools: Container[str] | None = None
) -> ImportResult[PupilRow]:
    """The locked cohort (S2). A sibling group needs one mode (同班/分班) for all members."""
    regs = _Unique()
    groups: dict[tuple[str, str], tuple[int, SiblingMode]] = {}

    def build(r: _Row) -> PupilRow | None:
        reg = r.reg()
        if reg:
            regs.check(r, "reg", reg)
        name, gender = r.text("name"), r.gender()
        school = r.school("school", known_schools)
        sen = r.flag("sen", default=False)
        group = r.ident("sibling_group", optional=True) or None
        mode: SiblingMode | None = None
        if group is not None:
            chosen = r.choice("sibling_mode", _MODES, _choice("同班/分班"))
            mode = chosen
            if r.ok("school") and r.ok("sibling_mode"):
                first = groups.setdefault((school, group), (r.number, chosen))
                if first[1] != chosen:
                    r.error("sibling_mode", _group_conflict("mode", "同班意愿", group, first[0]))
        elif r.text("sibling_mode", optional=True):
            r.error("sibling_mode", R_MODE_NEEDS_GROUP)
        raw4 = r.raw("id_last4")
        if raw4 is not None:
            r.values["id_last4"] = raw4.upper()
        id_last4 = r.pattern("id_last4", _ID_LAST4, R_ID_LAST4, optional=True) or ""
        phone = r.pattern("phone", _PHONE, R_PHONE, optional=True) or None
        return PupilRow(reg, name, gender, school, sen, group, mode, id_last4, phone)

    return _run(data, filename, _PUPIL_COLS, build)


# --------------------------------------------------------------------------- entry points

KINDS: Mapping[str, Callable[..., ImportResult[Any]]] = {
    "schools": lambda d, f, known_schools=None: parse_schools(d, f),
    "applicants": parse_applicants,
    "community": parse_community,
    "direct": parse_direct,
    "payments": parse_payments,
    "class-plans": parse_class_plans,
    "teachers": parse_teachers,
    "pupils": parse_pupils,
}


def parse(
    kind: str, data: bytes, filename: str, *, known_schools: Container[str] | None = None
) -> ImportResult[Any]:
    """Parse an uploaded file of `kind` (see `KINDS`) by its extension (.csv / .xlsx)."""
    parser = KINDS.get(kind)
    if parser is None:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    return parser(data, filename, known_schools=known_schools)


def format_report(result: ImportResult[Any]) -> str:
    """Every error, one per line, in Chinese and English, for the office that sent the file."""
    if not result.errors:
        n = len(result.rows)
        return f"没有错误，共 {n} 行 / no errors, {n} rows"
    n = len(result.errors)
    lines = [f"共 {n} 处错误，整个文件未导入 / {n} error(s): nothing was imported"]
    for e in result.errors:
        zh_field, zh_reason = e.field_zh or e.field, e.reason_zh or e.reason
        if e.row == 0:
            lines.append(f"文件: {zh_reason} / file: {e.reason}")
        else:
            lines.append(f"第 {e.row} 行 {zh_field}: {zh_reason} / "
                         f"row {e.row} {e.field}: {e.reason}")
    return "\n".join(lines)
