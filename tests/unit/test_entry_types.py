"""One list of entry types (issue 14 item 3): the service's vocabulary, its data file, the
verifier's, the browser's and PROTOCOL.md §11.2 name the same types with the same members.

`lottery_service/core/entry_types.json` is the list as data; regenerate it after changing
`core/entries.py` with `python -m lottery_service.core.entries`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lottery_service.core.entries import BODY_TYPES, MEMBERS, EntryType, entry_types_data
from tests.paths import ROOT, STATIC

DATA: dict[str, Any] = json.loads(
    (ROOT / "lottery_service" / "core" / "entry_types.json").read_text("utf-8"))
SERVICE: dict[str, tuple[str, ...]] = {t.value: MEMBERS[t] for t in EntryType}


def _top_level_keys(text: str) -> tuple[str, ...]:
    """The keys of the outermost JSON-like object in `text` (`"key":` at depth 1)."""
    keys: list[str] = []
    depth = 0
    for m in re.finditer(r'[{}\[\]]|"([a-z_]+)"\s*:', text):
        token = m.group(0)
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
        elif depth == 1:
            keys.append(m.group(1))
    return tuple(keys)


def protocol_table() -> dict[str, tuple[str, ...] | None]:
    """§11.2's table: type → members (None where the row points to another section)."""
    text = (ROOT / "docs" / "PROTOCOL.md").read_text("utf-8")
    section = text[text.index("### 11.2"):text.index("### 11.3")]
    out: dict[str, tuple[str, ...] | None] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        body = cells[1].replace("`", "")
        members = _top_level_keys(body) if body.startswith("{") else None
        for name in re.findall(r"`([a-z_]+)`", cells[0]):
            out[name] = members
    return out


def browser_bodies() -> dict[str, tuple[str, ...]]:
    """ENTRY_BODIES of web/static/entries.js: type → member names in source order."""
    source = (STATIC / "entries.js").read_text("utf-8")
    start = source.index("export const ENTRY_BODIES = Object.freeze({")
    block = source[start:source.index("});", start)]
    block = re.sub(r'"[^"]*"|`[^`]*`', '""', block)  # values hold ':' and '{' of their own
    out: dict[str, tuple[str, ...]] = {}
    for m in re.finditer(r"\n\s*([a-z_]+): \{(.*?)\}", block, re.S):
        out[m.group(1)] = tuple(re.findall(r"([a-z_]+):", m.group(2)))
    return out


def test_every_type_has_one_body_class() -> None:
    assert list(BODY_TYPES) == list(EntryType)
    assert all(cls.TYPE is t for t, cls in BODY_TYPES.items())


def test_data_file_is_the_vocabulary() -> None:
    assert entry_types_data() == DATA


def test_protocol_table_names_the_same_types_and_members() -> None:
    table = protocol_table()
    assert list(table) == list(SERVICE)
    for name, members in table.items():
        if members is not None:
            assert members == SERVICE[name], name


def test_browser_names_the_same_types_and_members() -> None:
    js = browser_bodies()
    assert list(js) == list(SERVICE)
    assert {k: set(v) for k, v in js.items()} == {k: set(v) for k, v in SERVICE.items()}


def test_verifier_names_the_same_types() -> None:
    from verifier.records import BODIES

    assert list(BODIES) == list(SERVICE)
