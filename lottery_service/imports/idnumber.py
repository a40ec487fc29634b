"""Citizen ID numbers (GB 11643-1999), reduced at the door (issue 12 §4).

The protocol needs only the last four characters (the families' second factor,
PROTOCOL.md §12); the birth date and gender digit are read to cross-check the
row. The full number is never kept, stored, logged or echoed back (error
values show the six-digit region code and stars).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..core.records import Gender
from .results import Reason

__all__ = ["IdFacts", "mask_id", "read_id_number"]

_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

R_ID_SHAPE = Reason(
    "not an 18-character ID number", "不是 18 位身份证号",
    "应为 17 位数字加 1 位校验码（数字或 X）；请确认该列是「文本」格式",
    "17 digits and a check character (digit or X), stored as text")
R_ID_OLD = Reason(
    "a 15-digit ID number (issued before 1999)", "15 位旧身份证号",
    "请填写 18 位身份证号", "give the 18-character number")
R_ID_CHECK = Reason(
    "the ID number's check character is wrong (GB 11643)", "身份证号校验码不正确（GB 11643）",
    "请核对身份证号是否抄错", "check the number for a typing error")
R_ID_BIRTH = Reason(
    "the ID number holds no valid birth date", "身份证号中的出生日期无效",
    "请核对身份证号第 7-14 位", "check characters 7-14")


@dataclass(frozen=True, slots=True)
class IdFacts:
    """What the service may keep or check of an ID number."""

    last4: str
    birth_date: dt.date
    gender: Gender


def read_id_number(text: str) -> IdFacts | Reason:
    """The facts of a valid 18-character ID number, or why it is not one."""
    value = text.strip().upper()
    if re.fullmatch(r"[0-9]{15}", value):
        return R_ID_OLD
    if not _SHAPE.fullmatch(value):
        return R_ID_SHAPE
    total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != value[17]:
        return R_ID_CHECK
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return R_ID_BIRTH
    return IdFacts(value[-4:], born, "M" if int(value[16]) % 2 else "F")


def mask_id(text: str) -> str:
    """520102******** … : what an error report may show of an ID-number cell."""
    value = text.strip()
    return value[:6] + "*" * max(len(value) - 6, 0) if len(value) > 6 else "*" * len(value)


def check_character(first17: str) -> str:
    """The GB 11643 check character of 17 digits (for tests and demo data)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]
