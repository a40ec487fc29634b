"""Every page string the browser scripts ask for is handed to them (api/i18n.py JS_KEYS),
in Chinese and English, and what a family reads says no 录取线 (issue 11)."""

from __future__ import annotations

import re

import pytest

from lottery_service.api.i18n import STRINGS, js_strings
from tests.paths import ROOT

STATIC = ROOT / "lottery_service" / "web" / "static"
# Keys a script builds from a closed set (check-view.js, dashboard-view.js, trust.js,
# ceremony-model.js, participate.js).
STEPS = ("format", "checkpoint", "consistency", "inclusion", "records", "number")
REASONS = ("first", "same", "extends", "unproven", "rollback", "fork", "key_changed")
RULES = ("P1-residence", "P1-age", "P1-graduation", "P2-second-application", "P2-district",
         "P3-defaulter", "P8-locked", "P10-not-approved")  # check-view.js RULE_CODES
BUILT = (
    [f"step.{s}" for s in (*STEPS, "ok", "bad", "skipped")]
    + [f"c.why.{r}" for r in REASONS]
    + [f"c.fail.{k}" for k in (*STEPS, "policy", "unexpected", "rollback", "fork", "key_changed")]
    + [f"rule.{r}" for r in RULES]
    + [f"stage.{s}" for s in ("direct", "community", "district", "city")]
    + [f"ceremony_{c}" for c in ("lottery", "grouping", "teachers")]
    + ["committed", "revealed", "escrow_opened", "void"]  # ceremony-model.js OPENING_STATUS
    + [f"role.{r}" for r in ("notary", "supervisor", "parent-rep", "bureau")]  # participate.js
    + [f"cstep.{c}" for c in ("not_opened", "committing", "revealing", "entropy", "beacon",
                              "seeded")]
    # ceremony.js: the banner's step (views/ceremony.py Step), roles (§5.2), statuses,
    # void and postponement reasons (§5.4, §5.6), marks (§7.5)
    + [f"h.step.{k}" for k in ("waiting", "scheduled", "scheduled_at", "input", "committing",
                               "revealing", "dice", "dice_by", "beacon", "seeding", "seeded",
                               "results", "drawn", "payment", "payments_closed", "grouped",
                               "matched")]
    + [f"h.role.{r}" for r in ("notary", "supervisor", "parent-rep", "bureau")]
    + [f"h.status.{s}" for s in ("committed", "revealed", "escrow_opened", "void")]
    + [f"h.void.{r}" for r in ("no-commitment", "escrow-invalid", "escrow-holder-absent")]
    + [f"h.postponed.{r}" for r in ("physical-entropy-late", "round-not-published")]
    + [f"h.mark.{m}" for m in ("forfeited", "promoted", "locked")]
)
# t("key"), S["key"], S.key, and any "p.…", "w.…" or "c.…" literal.
LITERAL = re.compile(r'\bt\(\s*"([a-z_.]+)"|\bS\["([a-z_.]+)"\]|\bS\.([a-z_]+)\b'
                     r'|"((?:p|w|c)\.[a-z_.]+)"')


def _used() -> set[str]:
    keys: set[str] = set(BUILT)
    for path in STATIC.glob("*.js"):
        for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
            key = next(g for g in match.groups() if g)
            if not key.endswith("."):  # t("h.step." + key): a prefix of keys in BUILT
                keys.add(key)
    return keys


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_a_script_uses_is_handed_to_it(lang: str) -> None:
    strings = js_strings(lang)  # type: ignore[arg-type]
    missing = sorted(k for k in _used() if k not in strings)
    assert missing == []
    assert all(strings[k] for k in _used())


def test_the_parents_page_says_no_score_line_and_its_chinese_is_chinese() -> None:
    for key, (zh, _en) in STRINGS.items():
        if key.startswith(("c.", "step.", "rule.P1-", "rule.P2-", "rule.P3-", "rule.P8-",
                           "rule.P10-")):
            assert "录取线" not in zh, key
            # Chinese first: a family reads no English word (a browser name is allowed).
            text = re.sub(r"\{\w+\}", "", zh)  # placeholders are not read
            words = set(re.findall(r"[A-Za-z]{3,}", text)) - {"Chrome", "Edge", "Safari", "Firefox"}
            assert words == set(), (key, words)
