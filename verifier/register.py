"""Class-register re-check (PROTOCOL.md §15; S9).

`parse` implements §15's reading of a registry export exactly (the service has
its own implementation; both are held to ``tests/vectors/register.json``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.errors import VerificationError

if TYPE_CHECKING:
    from verifier.verify import Verification

REG_HEADERS = ("reg", "学籍号", "报名号")
CLASS_HEADERS = ("class", "班级")
TRIM = " \t\u3000"
"""§15: cells lose these at both ends (space, tab, ideographic space)."""
_REG = re.compile(r"[A-Z0-9]{4,32}")
_BOM = b"\xef\xbb\xbf"


class RegisterError(ValueError):
    """The file is not a §15 class register; `code` and `row` as in register.json."""

    def __init__(self, code: str, row: int | None, message: str) -> None:
        super().__init__(f"row {row}: {message}" if row is not None else message)
        self.code = code
        self.row = row


def decode(data: bytes) -> str:
    """§15 step 1: UTF-8 after a BOM; else UTF-8; else GB18030 (without its BOM)."""
    if data.startswith(_BOM):
        try:
            return data[len(_BOM):].decode("utf-8")
        except UnicodeDecodeError:
            raise RegisterError("encoding", None, "UTF-8 BOM, then bytes that are not "
                                "UTF-8") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise RegisterError("encoding", None, "neither UTF-8 nor GB18030 text") from None


def _records(text: str) -> list[tuple[int, list[str]]]:
    """§15 step 2: (line the record starts on, trimmed cells) of each CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            out.append((line, [c.strip(TRIM) for c in cells]))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise RegisterError("csv", line, f"broken CSV: {exc}") from None
    return out


def _column(header: list[str], names: tuple[str, ...], what: str, row: int) -> int:
    found = [k for k, cell in enumerate(header) if cell in names]
    if not found:
        raise RegisterError(f"no-{what}-column", row,
                            f"the header has no {what} column ({'/'.join(names)})")
    if len(found) > 1:
        raise RegisterError(f"ambiguous-{what}-column", row,
                            f"the header has {len(found)} {what} columns: "
                            f"{', '.join(header[k] for k in found)}")
    return found[0]


def parse(data: bytes) -> dict[str, str]:
    """reg -> class of a §15 class register; raises RegisterError (first error in file order)."""
    rows = [(n, cells) for n, cells in _records(decode(data)) if any(cells)]
    if not rows:
        raise RegisterError("empty", None, "the register has no header row")
    (hrow, header), body = rows[0], rows[1:]
    ri = _column(header, REG_HEADERS, "reg", hrow)
    ci = _column(header, CLASS_HEADERS, "class", hrow)
    width = len(header)
    out: dict[str, str] = {}
    first: dict[str, int] = {}
    for n, cells in body:
        if any(cells[width:]):
            raise RegisterError("extra-cell", n, "a cell right of the header's last column")
        reg = cells[ri] if ri < len(cells) else ""
        cls = cells[ci] if ci < len(cells) else ""
        if not reg:
            raise RegisterError("empty-reg", n, f"{header[ri]} is empty")
        if not _REG.fullmatch(reg):
            raise RegisterError("bad-reg", n, f"{header[ri]} {reg!r} is not a registration "
                                "number (§1)")
        if not cls:
            raise RegisterError("empty-class", n, f"{header[ci]} is empty")
        if reg in out:
            raise RegisterError("duplicate-reg", n, f"{reg} is listed again (first on row "
                                f"{first[reg]})")
        out[reg] = cls
        first[reg] = n
    return out


def diff(grouped: dict[str, str], register: dict[str, str]) -> dict[str, Any]:
    """Every moved pupil, every extra pupil and every missing pupil (S9)."""
    return {
        "moved": [{"reg": r, "grouped": c, "register": register[r]}
                  for r, c in sorted(grouped.items()) if register.get(r, c) != c],
        "not_in_grouping": sorted(r for r in register if r not in grouped),
        "missing_from_register": sorted(r for r in grouped if r not in register),
    }


def check_file(v: Verification, school: str, path: Path) -> dict[str, Any]:
    """§15 re-check of one school's register file against the verified grouping."""
    if not v.ok:
        raise VerificationError("register", "§15", "the bundle did not verify; no re-check")
    from verifier.steps.classes import grouped as logged  # the verified grouping (step 17)
    found = next((g for g in logged(v.ctx) if g.school == school), None)
    if found is None:
        raise VerificationError("register", "§15", f"no grouping results for school {school}")
    grouped = found.classes
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise VerificationError("register", "§15",
                                f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        register = parse(data)
    except RegisterError as exc:
        raise VerificationError("register", "§15", f"{path.name}: {exc}") from None
    result = diff(grouped, register)
    result["school"] = school
    result["ok"] = not (result["moved"] or result["not_in_grouping"]
                        or result["missing_from_register"])
    return result
