"""Class-register re-check (PROTOCOL.md §15; S9)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.errors import VerificationError

if TYPE_CHECKING:
    from verifier.verify import Verification

REG_COLUMNS = ("reg", "报名号", "学籍号")
CLASS_COLUMNS = ("class", "班级")


def decode(data: bytes) -> str:
    """UTF-8 with an optional BOM; GB18030 as the fallback Excel exports use."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def parse(text: str) -> dict[str, str]:
    """reg -> class from the CSV (header names per §15)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise VerificationError("register", "§15", "empty class register")
    header = [h.strip() for h in rows[0]]
    try:
        ri = next(header.index(c) for c in REG_COLUMNS if c in header)
        ci = next(header.index(c) for c in CLASS_COLUMNS if c in header)
    except StopIteration:
        raise VerificationError("register", "§15",
                                "header lacks a reg (报名号/学籍号) or class (班级) column",
                                ) from None
    out: dict[str, str] = {}
    for n, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        reg, cls = row[ri].strip(), row[ci].strip()
        if reg in out:
            raise VerificationError("register", "§15", f"line {n}: {reg} listed twice")
        out[reg] = cls
    return out


def diff(grouped: dict[str, str], register: dict[str, str]) -> dict[str, Any]:
    """Every moved pupil, every extra pupil and every missing pupil (S9)."""
    return {
        "moved": [{"reg": r, "grouped": grouped[r], "register": register[r]}
                  for r in sorted(grouped) if r in register and register[r] != grouped[r]],
        "not_in_grouping": sorted(r for r in register if r not in grouped),
        "missing_from_register": sorted(r for r in grouped if r not in register),
    }


def check_file(v: Verification, school: str, path: Path) -> dict[str, Any]:
    grouped = v.state.grouping.get(school)
    if grouped is None:
        raise VerificationError("register", "§15", f"no grouping results for school {school}")
    result = diff(grouped, parse(decode(path.read_bytes())))
    result["school"] = school
    result["ok"] = not (result["moved"] or result["not_in_grouping"]
                        or result["missing_from_register"])
    return result
