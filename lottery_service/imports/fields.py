"""Reading one data row's fields, each error with row, column as written, value, hint.

`RowReader` is the only place cell text turns into typed values: strict
integers (`+7`, `7_000`, `４５` are refused, STYLE.md), dates as offices type
them, 是/否 flags, codes with the §1 identifier syntax, schools by code or
name, and full ID numbers reduced to what the protocol needs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from ..core.records import ID, REG, Gender
from .cells import display, free_text_problem, printable_problem
from .columns import Col, Header
from .idnumber import IdFacts, mask_id, read_id_number
from .limits import ImportLimits
from .results import Reason, RowError
from .schools import SchoolDirectory

__all__ = ["ErrorLog", "RowReader", "Sheet"]

C = TypeVar("C")

R_REQUIRED = Reason("required field is empty", "必填项为空", "请填写该单元格", "fill in the cell")
R_DATE = Reason("not a valid date", "不是有效日期",
                "日期可写作 2019-08-31、2019/8/31、2019年8月31日 或 20190831",
                "write dates as 2019-08-31, 2019/8/31, 2019年8月31日 or 20190831")
R_DATETIME = Reason("not a valid date or date-time", "不是有效的日期或时间",
                    "可写作 2026-06-11、2026/6/11 9:30 或 2026-06-11 09:30:15",
                    "write 2026-06-11, 2026/6/11 9:30 or 2026-06-11 09:30:15")
R_INTEGER = Reason("not a whole number", "不是整数", "只能填写阿拉伯数字，不带小数、逗号或空格",
                   "digits only: no decimals, commas or spaces")
R_FLAG = Reason("expected 是/否", "应填 是 或 否", "可填 是/否、有/无、1/0", "是/否, 有/无 or 1/0")
R_GENDER = Reason("expected 男/女 (M/F)", "应填 男 或 女", "可填 男/女 或 M/F", "男/女 or M/F")
R_SCIENTIFIC = Reason(
    "number in scientific notation (rounded by the spreadsheet): store the column as text",
    "数字被显示为科学计数法（已被舍入）",
    "请把该列设为「文本」格式后重新填写", "format the column as text and type the values again")
R_REG = Reason("not a registration number (A–Z, 0–9, 4–32 characters)",
               "报名号格式错误（大写字母或数字，4–32 位）", "报名号只含大写字母和数字",
               "capital letters and digits only")
R_ID = Reason("not a code (letters, digits, . _ -; at most 64)",
              "代码格式错误（字母、数字、. _ -，最多 64 位）", "代码只含字母、数字和 . _ -",
              "letters, digits and . _ - only")
R_ID_LAST4 = Reason("expected the last 4 characters of the ID number (0–9, X)",
                    "应为身份证号后四位（数字或 X）",
                    "只填后四位（完整身份证号请放在「身份证号」列）；"
                    "该列须为「文本」格式以保留开头的 0",
                    "the last four only, as text (keep leading zeros)")
R_PHONE = Reason("expected an 11-digit mobile number", "应为 11 位手机号",
                 "短信通知需要 11 位手机号；固定电话请不要填在此列",
                 "SMS needs an 11-digit mobile number")
R_TOO_LONG = Reason("text longer than 64 characters", "超过 64 个字符", "请缩短", "shorten it")
R_NO_DIRECTORY = Reason(
    "a school name, but no school list to look it up in",
    "填写的是学校名称，但尚未导入学校名单，无法识别",
    "请先导入学校名单，或改填学校代码", "import the school list first, or give the code")
R_PUBLIC_SCHOOL = Reason(
    "a public school does not take part in the private-school lottery (P13)",
    "公办学校不参加民办派位（P13）",
    "民办学校报名只能填写民办学校；公办学校的学生请通过公办招生办理",
    "applications name private schools only", "P13")


def choice_reason(allowed: str) -> Reason:
    return Reason(f"expected one of {allowed}", f"应填 {allowed} 之一", f"可填：{allowed}",
                  f"one of {allowed}")


def _min(n: int) -> Reason:
    return Reason(f"must be at least {n}", f"不能小于 {n}", "", "")


def duplicate(row: int) -> Reason:
    return Reason(f"duplicate of row {row}", f"与第 {row} 行重复", "同一值只能出现一次",
                  "each value may appear once")


def _unknown_code(code: str) -> Reason:
    return Reason(f"unknown school {code}", f"未知学校代码 {code}",
                  "请核对学校名单中的学校代码", "check the code against the school list")


_INTEGER = re.compile(r"[0-9]{1,9}")
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+")
_ID_LAST4 = re.compile(r"[0-9]{3}[0-9X]")
_PHONE = re.compile(r"1[0-9]{10}")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_TIME = r"(?:[ T]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_DATE_FORMS = (
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})",
    r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})",  # Chinese Excel's short date
    r"([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})",
    r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日",
    r"([0-9]{4})([0-9]{2})([0-9]{2})",
)
_DATES = tuple(re.compile(f) for f in _DATE_FORMS)
_DATETIMES = tuple(re.compile(f + _TIME) for f in _DATE_FORMS)
FLAGS: Mapping[str, bool] = {
    "是": True, "否": False, "有": True, "无": False, "true": True, "false": False,
    "1": True, "0": False, "y": True, "n": False, "yes": True, "no": False,
}
GENDERS: Mapping[str, Gender] = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M",
                                 "female": "F"}


class ErrorLog:
    """Errors in file order, at most `cap`; beyond that only counted (issue 9 item 3)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[RowError] = []
        self.more = 0

    def add(self, error: RowError) -> None:
        if len(self.items) < self.cap:
            self.items.append(error)
        else:
            self.more += 1

    def __len__(self) -> int:
        return len(self.items) + self.more


@dataclass
class Sheet:
    """What every row of one file is read against."""

    cols: dict[str, Col]
    header: Header
    errors: ErrorLog
    limits: ImportLimits
    directory: SchoolDirectory | None
    dates: dict[tuple[str, bool], str | None] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # interned short values
    pairs: list[tuple[str, int]] = field(default_factory=list)  # (field, column index)

    def __post_init__(self) -> None:
        self.pairs = list(self.header.columns.items())

    def intern(self, text: str) -> str:
        if len(self.texts) > 100_000:
            return text
        return self.texts.setdefault(text, text)


class RowReader:
    """Reads one data row's fields, recording every error; `failed` if any."""

    __slots__ = ("bad", "bad_fields", "clean", "failed", "number", "sheet", "values")

    def __init__(self, sheet: Sheet, number: int, cells: list[str],
                 bad: dict[int, Reason] | None) -> None:
        self.sheet, self.number = sheet, number
        n = len(cells)
        self.values = {f: cells[i] if i < n else "" for f, i in sheet.pairs}  # field → text
        self.clean = "".join(self.values.values()).isprintable()
        self.bad = None if bad is None else {
            f: bad[i] for f, i in sheet.pairs if i in bad}  # field → reason
        self.failed = False
        self.bad_fields: set[str] = set()

    # ---------------------------------------------------------------- plumbing

    def has(self, name: str) -> bool:
        return name in self.values

    def cell(self, name: str) -> str:
        return self.values.get(name, "")

    def ok(self, name: str) -> bool:
        """Whether `name` was read without an error so far."""
        return name not in self.bad_fields and (self.has(name)
                                                or not self.sheet.cols[name].required)

    def error(self, name: str, reason: Reason, value: str | None = None) -> None:
        self.failed = True
        self.bad_fields.add(name)
        col = self.sheet.cols[name]
        shown = self.cell(name) if value is None else value
        self.sheet.errors.add(RowError.of(
            self.number, name, col.zh, reason,
            column=self.sheet.header.written.get(name, col.zh),
            value=mask_id(shown) if name == "id_number" else display(shown)))

    def row_error(self, reason: Reason) -> None:
        """A reason about the whole row (e.g. its encoding)."""
        self.failed = True
        self.sheet.errors.add(RowError.of(self.number, "row", "整行", reason))

    def raw(self, name: str) -> str | None:
        """The cell text; None (and failed) when the cell is absent or unusable."""
        value = self.values.get(name)
        if value is None:
            if self.sheet.cols[name].required:
                self.failed = True  # the missing column was reported once, on the header
                return None
            return ""
        if self.bad is not None and name in self.bad:
            self.error(name, self.bad[name], "")
            return None
        if not self.clean and value and not value.isprintable():
            problem = printable_problem(value)
            assert problem is not None
            self.error(name, problem)
            return None
        return value

    # ---------------------------------------------------------------- field types

    def text(self, name: str, *, optional: bool = False, limit: int = 64,
             free: bool = False) -> str:
        """A text field; `free` (names): also no markup, no formula (cells.py)."""
        value = self.values.get(name)
        if value and self.clean and self.bad is None and len(value) <= limit and not free:
            return value  # the common case, without the checks' calls
        value = self.raw(name)
        if value is None:
            return ""
        if not value:
            if not optional:
                self.error(name, R_REQUIRED)
            return ""
        if len(value) > limit:
            self.error(name, R_TOO_LONG)
            return ""
        if free and (problem := free_text_problem(value)) is not None:
            self.error(name, problem)
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
        return self.sheet.intern(self.pattern(name, ID, R_ID, optional=optional))

    def reg(self, name: str = "reg") -> str:
        return self.pattern(name, REG, R_REG)

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
        got = table.get(self.values.get(name, ""))
        if got is not None and self.clean and self.bad is None:
            return got  # the common case: an exact entry (是, 男, 户籍)
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
        return self.choice(name, FLAGS, R_FLAG, default)

    def gender(self, name: str = "gender") -> Gender:
        return self.choice(name, GENDERS, R_GENDER)

    def date(self, name: str, *, with_time: bool = False) -> str:
        """YYYY-MM-DD; `with_time`: a date-time is accepted and its date taken (报名时间)."""
        value = self.text(name)
        if not value:
            return ""
        key = (value, with_time)
        cache = self.sheet.dates
        parsed = cache.get(key, "")
        if parsed == "":
            parsed = parse_date(value, with_time=with_time)
            if len(cache) < 100_000:
                cache[key] = parsed
        if parsed is None:
            self.error(name, R_DATETIME if with_time else R_DATE)
            return ""
        return parsed

    def phone(self, name: str = "phone") -> str | None:
        value = self.raw(name)
        if not value:
            return None
        digits = _PHONE_NOISE.sub("", value).removeprefix("+")
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        if not _PHONE.fullmatch(digits):
            self.error(name, R_PHONE)
            return None
        return digits

    def id_last4(self, name: str = "id_last4", *, optional: bool = False) -> str:
        value = self.raw(name)
        if value:  # x → X: the check character is typed either way
            self.values[name] = value.upper()
        elif value is None:
            return ""
        return self.pattern(name, _ID_LAST4, R_ID_LAST4, optional=optional)

    def id_number(self, name: str = "id_number", *, required: bool = False) -> IdFacts | None:
        """A full ID number's facts (checked, GB 11643); the number itself is dropped."""
        value = self.text(name, optional=not required, limit=32)
        if not value:
            return None
        facts = read_id_number(value)
        if isinstance(facts, Reason):
            self.error(name, R_SCIENTIFIC if _SCIENTIFIC.fullmatch(value) else facts)
            return None
        return facts

    def school(self, name: str = "school", *, private_only: bool = False) -> str:
        """A school by code or name; `private_only`: a public school is refused (P13)."""
        value = self.text(name)
        if not value:
            return ""
        directory = self.sheet.directory
        if directory is None:
            if not ID.fullmatch(value):
                self.error(name, R_NO_DIRECTORY if not _SCIENTIFIC.fullmatch(value)
                           else R_SCIENTIFIC)
                return ""
            return self.sheet.intern(value)
        found = directory.resolve(value)
        if isinstance(found, Reason):
            if not directory.has_names or (ID.fullmatch(value) and value.isascii()):
                found = _unknown_code(value) if ID.fullmatch(value) else R_NO_DIRECTORY
            self.error(name, found)
            return ""
        if private_only and found.kind == "public":
            self.error(name, R_PUBLIC_SCHOOL)
            return ""
        return found.id


def parse_date(text: str, *, with_time: bool = False) -> str | None:
    """YYYY-MM-DD from the forms offices type (2019-08-31, 2019/8/31, 2019年8月31日, 20190831)."""
    for form in _DATETIMES if with_time else _DATES:
        m = form.fullmatch(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                return None
    return None
