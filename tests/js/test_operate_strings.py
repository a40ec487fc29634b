"""The console's sentences (api/operate_strings.py) are Chinese first, complete in both
languages, and their placeholders are the ones operate-view.js / operate.js fill."""

from __future__ import annotations

import re

from lottery_service.api.i18n import STRINGS
from lottery_service.api.operate_strings import operate_strings
from tests.paths import ROOT

STATIC = ROOT / "lottery_service" / "web" / "static"
# Identifiers an operator types or reads on the bureau's papers, allowed in Chinese text.
ALLOWED = {"CSV", "XLSX", "JSON", "drand", "base64", "notary", "supervisor", "parent-rep",
           "bureau", "sessionStorage", "openings", "jsonl", "physical-entropy-late",
           "round-not-published", "guiyang-2026", "quicknet"}


def test_every_console_string_is_chinese_first_and_in_both_languages() -> None:
    for key, (zh, en) in operate_strings().items():
        assert STRINGS[key] == (zh, en), key
        assert zh and en, key
        text = re.sub(r"\{\w+\}", "", zh)
        assert re.search(r"[\u4e00-\u9fff]", text) or text.strip() in ("✓", "✗"), key
        found = re.findall(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*", text)
        words = {w for w in found if len(w) > 2} - ALLOWED
        assert not words, (key, words)
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), key


def test_every_console_key_the_scripts_use_exists() -> None:
    used: set[str] = set()
    for name in ("operate.js", "operate-view.js"):
        used |= set(re.findall(r'"(o\.[a-z0-9_.-]+)"', (STATIC / name).read_text("utf-8")))
    missing = sorted(k for k in used if not k.endswith(".") and k not in STRINGS)
    assert missing == []
