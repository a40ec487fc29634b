"""The cases of tests/vectors/register.json (PROTOCOL.md §15), shared by the verifier's
and the service's tests."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from tests.paths import VECTORS

PATH = VECTORS / "register.json"


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    rows: list[tuple[str, str]] | None
    """(reg, class) in file order; None when the file is refused."""
    error: tuple[str, int | None] | None
    """(code, row) of the first error."""


def load() -> list[Case]:
    out = []
    for c in json.loads(PATH.read_text("utf-8"))["cases"]:
        data = (c["csv"].encode("utf-8") if "csv" in c
                else base64.b64decode(c["csv_base64"], validate=True))
        exp = c["expected"]
        rows = [(r, k) for r, k in exp["rows"]] if "rows" in exp else None
        err = (exp["error"]["code"], exp["error"]["row"]) if "error" in exp else None
        if (rows is None) == (err is None):
            raise ValueError(f"case {c['name']}: give rows or error")
        out.append(Case(c["name"], data, rows, err))
    return out
