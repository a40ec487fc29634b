"""The parents' page end to end against the real service (PROTOCOL.md §14; issue 11).

The demo season runs to the end on the real app (conftest `season`, `server`); the
page fetches the receipt the service builds (`receipts.ReceiptIndex`) and checks it in
Chromium. A tampering proxy (Playwright's request interception, between the page and
the server) shows that a server whose answer differs from its proof cannot get the
page to show it as verified; a rolled-back or forked checkpoint is flagged; the
downloaded receipt verifies again offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from lottery_service.api.i18n import t
from tests.support import proof_x, with_proof_x

from .conftest import Season, screenshot_path

EVENT = "demo-2026"  # conftest.season runs the demo district of this id
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 1}


def z(key: str, **kw: object) -> str:
    return t("zh", key, **kw)


def _confirmed(season: Season) -> str:
    """A child admitted in the draw who paid (no forfeit, no promotion): 已确认."""
    state = season.runtime.service.lifecycle.state(EVENT)
    return next(reg for reg, r in sorted(state.lottery_results.items())
                if r.body.outcome == "admitted" and reg not in state.forfeits_of
                and reg in season.last4)


def _forfeited(season: Season) -> str:
    state = season.runtime.service.lifecycle.state(EVENT)
    return next(reg for reg in sorted(state.forfeits_of) if reg in season.last4)


def _open(page: Page, server: str, season: Season) -> None:
    page.goto(f"{server}/events/{EVENT}/check")


def _submit(page: Page, reg: str, last4: str) -> None:
    page.get_by_label(z("reg")).fill(reg)
    page.get_by_label(z("id_last4")).fill(last4)
    page.get_by_role("button", name=z("lookup")).click()


def _storage_key(page: Page) -> str:
    origin = page.evaluate("() => JSON.parse(document.getElementById('config').textContent)"
                           ".origin")
    return f"sunshine-draw/checkpoint/{origin}"


def _stored(page: Page) -> Any:
    raw = page.evaluate("(k) => localStorage.getItem(k)", _storage_key(page))
    return None if raw is None else json.loads(raw)


def _server_receipt(server: str, season: Season, reg: str) -> str:
    import httpx
    r = httpx.post(f"{server}/api/v1/events/{EVENT}/proof",
                   json={"reg": reg, "id_last4": season.last4[reg]})
    assert r.status_code == 200, r.text
    return r.text


def test_the_live_receipt_is_verified_in_the_page_14(season: Season, server: str,
                                                     new_page: Any) -> None:
    reg = _confirmed(season)
    page = new_page(**PHONE)
    _open(page, server, season)
    _submit(page, reg, season.last4[reg])
    expect(page.locator("#status")).to_have_text(z("c.verified"))
    expect(page.locator("#outcome")).to_have_text(z("c.s.confirmed"))
    steps = page.locator("#steps li .state")
    expect(steps).to_have_count(6)
    states = [steps.nth(i).inner_text() for i in range(6)]
    assert states[2] == z("step.skipped")  # first visit: nothing trusted to compare with
    assert set(states[:2] + states[3:]) == {z("step.ok")}
    snap = season.runtime.service.snapshots.snapshot(EVENT)
    assert _stored(page)["size"] == snap.size
    page.screenshot(path=screenshot_path("parents-live-confirmed-390x844.png"), full_page=True)


def _tamper(page: Page, event: str, change: Any) -> None:
    def handle(route: Route) -> None:
        real = route.fetch()
        route.fulfill(response=real, body=change(real.text()))
    page.route(f"**/api/v1/events/{event}/proof", handle)


def test_a_server_answering_another_familys_proof_is_refused_14(
        season: Season, server: str, new_page: Any) -> None:
    """The proxy swaps in another family's genuine receipt (the look-up says one thing,
    the proof another): the page refuses it and shows neither result."""
    reg, other = _confirmed(season), _forfeited(season)
    swapped = _server_receipt(server, season, other)
    page = new_page(**PHONE)
    _open(page, server, season)
    _tamper(page, EVENT, lambda _text: swapped)
    _submit(page, reg, season.last4[reg])
    expect(page.locator("#failure-text")).to_have_text(z("c.fail.format"))
    expect(page.locator("#result")).to_be_hidden()
    expect(page.locator("#receipt")).to_be_hidden()
    main = page.locator("main").inner_text()
    assert z("c.s.forfeited_unpaid") not in main and z("c.s.confirmed") not in main
    assert _stored(page) is None


def test_an_edited_outcome_is_never_shown_as_verified_14(season: Season, server: str,
                                                         new_page: Any) -> None:
    """The proxy rewrites the outcome inside the receipt (admitted → not admitted)."""
    reg = _confirmed(season)

    def edit(text: str) -> str:
        x = proof_x(text)
        assert '"outcome":"admitted"' in x["entry"]
        x["entry"] = x["entry"].replace('"outcome":"admitted"', '"outcome":"not_admitted"')
        return with_proof_x(text, x)

    page = new_page(**PHONE)
    _open(page, server, season)
    _tamper(page, EVENT, edit)
    _submit(page, reg, season.last4[reg])
    expect(page.locator("#failure-text")).to_have_text(z("c.fail.inclusion"))
    expect(page.locator("#status")).to_have_text(z("c.fail.title"))
    expect(page.locator("#result")).to_be_hidden()
    assert z("c.s.not_admitted") not in page.locator("main").inner_text()


@pytest.mark.parametrize("kind", ["rollback", "fork"])
def test_a_rolled_back_or_forked_checkpoint_is_flagged_12_14(
        season: Season, server: str, new_page: Any, kind: str) -> None:
    """The browser trusted a checkpoint the server's cannot extend: a bigger one (the
    server rolled back) or the same size with another root (a fork)."""
    reg = _confirmed(season)
    page = new_page(**PHONE)
    _open(page, server, season)
    _submit(page, reg, season.last4[reg])
    expect(page.locator("#status")).to_have_text(z("c.verified"))
    trusted = _stored(page)
    forged = {**trusted, "size": trusted["size"] + 7} if kind == "rollback" \
        else {**trusted, "root": "ab" * 32}
    page.evaluate("([k, v]) => localStorage.setItem(k, v)",
                  [_storage_key(page), json.dumps(forged, separators=(",", ":"))])
    _submit(page, reg, season.last4[reg])
    expect(page.locator("#failure")).to_have_class("warning")
    expect(page.locator("#failure-text")).to_have_text(z(f"c.fail.{kind}"))
    expect(page.locator("#result")).to_be_hidden()
    assert _stored(page) == forged  # never overwritten by what it could not check
    page.screenshot(path=screenshot_path(f"parents-live-{kind}-390x844.png"), full_page=True)


def test_the_downloaded_receipt_verifies_offline_in_the_page_14(
        season: Season, server: str, new_page: Any, tmp_path: Path) -> None:
    reg = _forfeited(season)
    page = new_page(**PHONE, accept_downloads=True)
    _open(page, server, season)
    _submit(page, reg, season.last4[reg])
    expect(page.locator("#status")).to_have_text(z("c.verified"))
    headline = page.locator("#outcome").inner_text()
    with page.expect_download() as info:
        page.locator("#receipt-download").click()
    saved = tmp_path / f"{reg}.tlog-proof"
    info.value.save_as(saved)
    assert saved.read_text(encoding="utf-8") == _server_receipt(server, season, reg)

    fresh = new_page(**PHONE)
    _open(fresh, server, season)
    sent: list[str] = []
    fresh.on("request", lambda r: sent.append(r.url))
    fresh.context.set_offline(True)
    fresh.get_by_label(z("reg")).fill(reg)
    fresh.set_input_files("#receipt-file", str(saved))
    expect(fresh.locator("#status")).to_have_text(z("c.verified"))
    expect(fresh.locator("#outcome")).to_have_text(headline)
    # Offline: nothing but the browser's own favicon attempt leaves the page.
    assert [u for u in sent if not u.startswith("blob:") and "/static/" not in u] == []
    fresh.context.set_offline(False)
