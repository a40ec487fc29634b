"""S9 re-check: a school's class register, exported from the student registry (学籍),
against the logged grouping of that school (PROTOCOL.md §15).

The comparison is `core.class_register.compare_register`. The register reader
below is the one the dashboard has used so far; the verifier's S9 semantics
(`core.class_register.parse_register`, one reading shared with the standalone
verifier through a vector file) replaces it when it lands.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Final

from ..core.class_register import RegisterDiff, compare_register
from ..errors import NotFoundError, RejectedInputError, TooLargeError
from ..imports import decode_text
from .snapshots import LogCache

MAX_REGISTER: Final = 5 * 1024 * 1024
REG_HEADERS: Final = ("reg", "报名号", "学籍号")
CLASS_HEADERS: Final = ("class", "班级")

__all__ = ["MAX_REGISTER", "RegisterCheck", "RegisterResult", "read_register"]


@dataclass(frozen=True)
class RegisterResult:
    school: str
    rows: int
    diff: RegisterDiff


def read_register(data: bytes) -> dict[str, str]:
    """reg → class from a registry export: CSV in UTF-8 (BOM or not) or GB18030, decoded
    as every import is, with named columns."""
    if len(data) > MAX_REGISTER:
        raise TooLargeError(f"file larger than {MAX_REGISTER} bytes",
                            zh=f"文件超过 {MAX_REGISTER // (1024 * 1024)} MB")
    text = decode_text(data)
    if text is None:
        raise RejectedInputError("the file is neither UTF-8 nor GB18030 text",
                                 zh="文件既不是 UTF-8 也不是 GB18030 文本", rule="S9")
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in reader.fieldnames or []]
        reg_col = next((h for h in header if h in REG_HEADERS), None)
        class_col = next((h for h in header if h in CLASS_HEADERS), None)
        if reg_col is None or class_col is None:
            raise RejectedInputError(
                "the header needs a reg (报名号/学籍号) and a class (班级) column",
                zh="表头需要“报名号”或“学籍号”列，以及“班级”列", rule="S9")
        out: dict[str, str] = {}
        for number, row in enumerate(reader, start=2):
            clean = {(k or "").strip(): (v or "").strip() for k, v in row.items()
                     if isinstance(v, str) or v is None}
            reg, cls = clean.get(reg_col, ""), clean.get(class_col, "")
            if not reg:
                continue
            if reg in out:
                raise RejectedInputError(f"row {number}: {reg} appears twice",
                                         zh=f"第 {number} 行：{reg} 出现了两次", rule="S9")
            out[reg] = cls
    except csv.Error as exc:
        raise RejectedInputError(f"not a readable CSV file: {exc}",
                                 zh=f"不是可读取的 CSV 文件：{exc}", rule="S9") from None
    return out


class RegisterCheck:
    def __init__(self, cache: LogCache) -> None:
        self._cache = cache

    def check(self, event_id: str, school: str, data: bytes) -> RegisterResult:
        """S9: every pupil moved, missing or added against the logged grouping."""
        grouping = self._cache.snapshot(event_id).grouping().get(school)
        if grouping is None:
            raise NotFoundError(f"no logged grouping for school {school!r}",
                                zh=f"学校 {school!r} 没有已记录的分班结果", rule="S9")
        register = read_register(data)
        return RegisterResult(school, len(register), compare_register(grouping, register))
