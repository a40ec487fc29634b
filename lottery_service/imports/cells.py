"""Cell text at the door and in exports (issue 9 item 2).

At the door (decided: refuse, never silently rewrite; nothing is stored):
- any cell a field reads must be printable text: control characters (NUL, line
  breaks, other C0/C1), format characters (bidi overrides, zero-width spaces,
  BOMs), private-use and unassigned code points, and any space other than
  U+0020 inside the text are refused (`str.isprintable`);
- free-text fields (names) also refuse markup (`<`, `>`) and a leading `=`, `+`,
  `-`, `@` (a spreadsheet formula).
In exports (error files, templates) every text cell that a spreadsheet could
take for a formula gets a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from .results import Reason

__all__ = ["display", "free_text_problem", "printable_problem", "spreadsheet_safe"]

FORMULA_START = ("=", "+", "-", "@")
_EXPORT_RISKY = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

_CATEGORY_ZH = {
    "Cc": "控制字符", "Cf": "格式控制字符（如双向覆盖、零宽字符、BOM）", "Cs": "代理码点",
    "Co": "私用区字符", "Cn": "未分配的字符", "Zl": "换行符", "Zp": "段落分隔符",
    "Zs": "空格以外的空白字符（如全角空格、不换行空格）",
}
_NAMES = {"\x00": "NUL", "\n": "换行 LF", "\r": "回车 CR", "\t": "制表符 TAB",
          "\u202e": "RLO", "\u202d": "LRO", "\u200b": "ZWSP", "\ufeff": "BOM",
          "\u3000": "全角空格", "\xa0": "NBSP"}


def printable_problem(text: str) -> Reason | None:
    """A refusal if `text` holds a character that is not plain printable text."""
    if text.isprintable():
        return None
    bad = next(ch for ch in text if not ch.isprintable())
    category = unicodedata.category(bad)
    label = f"U+{ord(bad):04X}" + (f" {_NAMES[bad]}" if bad in _NAMES else "")
    return Reason(
        f"contains a non-printable character ({label}, category {category})",
        f"含有不可见或不允许的字符：{label}（{_CATEGORY_ZH.get(category, category)}）",
        "请删除该字符后重新保存；从网页或微信复制的内容常带有这类字符",
        "delete the character and save again; text copied from web pages often carries them",
    )


R_MARKUP = Reason("contains markup characters < or >", "含有 < 或 > 字符",
                  "姓名、名称中不能有尖括号", "names cannot contain angle brackets")
R_FORMULA = Reason("begins with = + - or @ (a spreadsheet formula)",
                   "以 = + - @ 开头，会被表格软件当作公式",
                   "请删除开头的符号", "remove the leading sign")


def free_text_problem(text: str) -> Reason | None:
    """Names: printable, no markup, no formula."""
    problem = printable_problem(text)
    if problem is not None:
        return problem
    if "<" in text or ">" in text:
        return R_MARKUP
    if text.startswith(FORMULA_START):
        return R_FORMULA
    return None


_ID_LIKE = re.compile(r"[0-9]{14,17}[0-9Xx]")


def display(value: str, limit: int = 40) -> str:
    """A value as it may be shown back: escaped, ID numbers masked, truncated."""
    if not value.isprintable():
        value = "".join(ch if ch.isprintable() else _escape(ch) for ch in value)
    value = _ID_LIKE.sub(lambda m: m[0][:6] + "*" * (len(m[0]) - 6), value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _escape(ch: str) -> str:
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\u{ord(ch):04x}")


def spreadsheet_safe(value: object) -> str:
    """Text for an exported cell that no spreadsheet will evaluate (CSV or XLSX)."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    return "'" + text if text.startswith(_EXPORT_RISKY) else text


# --------------------------------------------------------------------------- XLSX values

_LONG = 10**15  # Excel keeps 15 significant digits

R_LONG_NUMBER = Reason(
    "a number cell with more than 15 digits may have been rounded: store the column as text",
    "数字单元格超过 15 位，可能已被表格软件舍入",
    "请把该列设为「文本」格式后重新填写（身份证号、报名号等长数字必须是文本）",
    "format the column as text and type the values again",
)


def cell_text(value: object) -> str | Reason:
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
