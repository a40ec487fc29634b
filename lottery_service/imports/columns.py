"""Columns: the accepted names per kind, and finding the header row (issue 12 §4).

Bureau exports put title rows above the header ("2026年云岩区民办学校报名名单"),
merge cells across them and leave blank rows; so the header is the row, among
the first `ImportLimits.header_search_rows` non-blank ones, that names the most
columns of the kind. Names are compared after normalising: full-width forms,
spaces, `_`/`-`, a leading `*` and a trailing unit in brackets are ignored, and
case does not matter (`学费（元/学期）` = `学费`, `* Reg` = `reg`).

Columns the kind does not use are ignored and listed in the report (bureau
exports carry 民族, 家庭住址 and more: none of it is stored); a column twice,
a required column missing, or a value under no header at all are errors.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["EXAMPLE_MARK", "Col", "Header", "find_header", "letter", "norm"]


@dataclass(frozen=True, slots=True)
class Col:
    """One column of a kind: field name, canonical Chinese name, accepted aliases.

    `unless`: required unless the file has that other column (e.g. 出生日期 can be
    read from a full 身份证号). `default`: the value an absent optional column
    stands for (said in the report). `fmt`/`example` document the column (docs,
    templates).
    """

    field: str
    zh: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    unless: str = ""
    default: str = ""
    fmt: str = ""
    example: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.zh, *self.aliases, self.field)


# The templates' example row starts with this; such a row is skipped (templates.py).
EXAMPLE_MARK = "示例"

# Columns any export may carry and that mean nothing here (not even listed as ignored).
IGNORED = ("序号", "编号", "no", "no.", "#", "备注", "remarks", "note", "notes")


def norm(header: str) -> str:
    """报名号（必填） / * Reg / Birth Date / 学费（元/学期） → 报名号 / reg / birthdate / 学费."""
    h = unicodedata.normalize("NFKC", header).strip().strip("*").strip()
    h = re.sub(r"\([^()]*\)$", "", h).strip()
    return re.sub(r"[\s_\-:：]+", "", h).casefold()


def letter(col: int) -> str:
    """0 → A, 26 → AA: the column letter a spreadsheet shows."""
    name = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


@dataclass
class Header:
    """The matched header: where it is and which column holds which field."""

    row: int
    columns: dict[str, int]  # field → column index
    written: dict[str, str]  # field → the header as written in the file
    width: int
    blank: set[int]  # columns with an empty header
    ignored: list[str]  # header texts of unused columns
    duplicates: list[tuple[str, str]]  # (field, header as written) seen twice


def _lookup(schema: Sequence[Col]) -> dict[str, str]:
    names: dict[str, str] = {}
    for c in schema:
        for alias in c.names:
            names.setdefault(norm(alias), c.field)
    return names


def find_header(candidates: Sequence[tuple[int, Sequence[str]]], schema: Sequence[Col],
                ignored: Sequence[str] = ()) -> Header | None:
    """The candidate row naming most fields (the first such); None if none names any."""
    names = _lookup(schema)
    best, best_score = None, 0
    for number, cells in candidates:
        s = len({names[k] for k in (norm(c) for c in cells if c) if k in names})
        if s > best_score:
            best, best_score = (number, cells), s
    if best is None:
        return None
    number, cells = best
    skip = {norm(h) for h in (*IGNORED, *ignored)}
    header = Header(number, {}, {}, len(cells), set(), [], [])
    for i, text in enumerate(cells):
        if not text:
            header.blank.add(i)
            continue
        key = norm(text)
        if key in skip:
            continue
        f = names.get(key)
        if f is None:
            header.ignored.append(text)
            continue
        if f in header.columns:
            header.duplicates.append((f, text))
            continue
        header.columns[f] = i
        header.written[f] = text
    return header
