"""The parents' page checks the event's drand beacon in Chromium (PROTOCOL.md §14.1,
§5.6; issue 10): after the family's receipt, the page fetches the event context under
the same checkpoint, verifies the logged quicknet round's BLS signature and round in
force, and says so on the card. A context whose beacon signature was changed on the way
(Playwright's request interception) is refused, and the result is not shown as verified.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Route, expect

from lottery_service.api.i18n import t
from tests.support import proof_x, with_proof_x

from .conftest import Season, screenshot_path
from .test_parents_live import EVENT, PHONE, _confirmed, _open, _stored, _submit, z


def _beacon_rounds(season: Season) -> list[int]:
    """The rounds of the demo's beacon entries, read from the service's own log."""
    log = season.runtime.service.snapshots.snapshot(EVENT)
    rounds = [json.loads(raw)["body"]["round"] for raw in _raw_entries(log)
              if json.loads(raw)["type"] == "beacon"]
    assert rounds, "the demo season logs a beacon (its rules name quicknet)"
    return rounds


def _raw_entries(snap: Any) -> list[str]:
    return [e.raw.decode("utf-8") if isinstance(e.raw, bytes) else e.raw for e in snap.entries]


def _tampered_context(text: str) -> str:
    """Flip one hex digit of the beacon entry's signature inside the context's extra."""
    x = proof_x(text)
    for item in x["entries"]:
        entry = json.loads(item["entry"])
        if entry["type"] == "beacon":
            sig = entry["body"]["signature"]
            flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
            item["entry"] = item["entry"].replace(sig, flipped)
            break
    else:
        raise AssertionError("no beacon entry in the context")
    return with_proof_x(text, x)


def test_the_demo_beacon_is_verified_on_the_card_5_6_14_1(season: Season, server: str,
                                                         new_page: Any) -> None:
    reg = _confirmed(season)
    rounds = "、".join(str(r) for r in _beacon_rounds(season))
    page = new_page(**PHONE)
    _open(page, server, season)
    _submit(page, reg, season.last4[reg])
    expect(page.locator("#status")).to_have_text(z("c.verified"))
    expect(page.locator("#outcome-lines")).to_contain_text(t("zh", "c.beacon_ok", rounds=rounds))
    page.screenshot(path=screenshot_path("parents-beacon-verified-390x844.png"), full_page=True)


def test_a_tampered_beacon_signature_is_not_shown_as_verified_5_6_14_1(
        season: Season, server: str, new_page: Any) -> None:
    reg = _confirmed(season)
    page = new_page(**PHONE)
    _open(page, server, season)

    def handle(route: Route) -> None:
        real = route.fetch()
        route.fulfill(response=real, body=_tampered_context(real.text()))
    page.route(f"**/api/v1/events/{EVENT}/context", handle)
    _submit(page, reg, season.last4[reg])
    expect(page.locator("#status")).to_have_text(z("c.fail.title"))
    expect(page.locator("#failure-text")).to_have_text(re.compile(
        f"^({re.escape(z('c.fail.context_beacon'))}|{re.escape(z('c.fail.context_inclusion'))})$"))
    expect(page.locator("#result")).to_be_hidden()
    assert z("c.s.confirmed") not in page.locator("main").inner_text()
    assert _stored(page) is None
    page.screenshot(path=screenshot_path("parents-beacon-tampered-390x844.png"), full_page=True)


VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "beacon.json"

# In the page's own module graph (no inline script: page.evaluate imports the served
# module), the real quicknet rounds' BLS signatures verify and a flipped bit does not.
_CHECK_IN_PAGE = """async ({beacon, round}) => {
  const { checkEventBeacon } = await import("/static/event-context.js");
  const due = beacon.genesis_time + (round.round - 1) * beacon.period - 1;
  const iso = (s) => new Date(s * 1000).toISOString().replace(".000Z", "Z");
  const entries = (signature) => [
    {type: "ceremony_opened", time: iso(due - 3600),
     body: {ceremony: "lottery", physical_entropy_by: iso(due), beacon_round: round.round}},
    {type: "physical_entropy", time: iso(due - 60), body: {ceremony: "lottery"}},
    {type: "beacon", time: iso(due + 10), body: {ceremony: "lottery", chain: beacon.chain,
     round: round.round, randomness: round.randomness, signature}}];
  const good = await checkEventBeacon({beacon}, entries(round.signature));
  const last = (parseInt(round.signature.slice(-2), 16) ^ 1).toString(16).padStart(2, "0");
  let bad = null;
  try { await checkEventBeacon({beacon}, entries(round.signature.slice(0, -2) + last)); }
  catch (e) { bad = e.code; }
  return {good, bad};
}"""


def test_chromium_verifies_real_quicknet_signatures_and_refuses_a_flipped_bit_5_6(
        season: Season, server: str, new_page: Any) -> None:
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    beacon = vectors["chains"]["quicknet"]["beacon"]
    cases = [c for c in vectors["round_cases"]
             if c["chain"] == "quicknet" and isinstance(c.get("expected"), dict)]
    assert cases
    page = new_page(**PHONE)
    _open(page, server, season)
    for c in cases:
        got = page.evaluate(_CHECK_IN_PAGE, {"beacon": beacon, "round": json.loads(c["json"])})
        assert got["good"] == [{"ceremony": "lottery", "round": c["expected"]["round"],
                                "randomness": c["expected"]["randomness"]}], c["name"]
        assert got["bad"] in {"signature", "point"}, c["name"]
