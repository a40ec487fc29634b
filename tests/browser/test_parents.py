"""The parents' page in real headless Chromium: a result is shown only as this browser
verified it (PROTOCOL.md §14), and the one trusted-checkpoint policy (§12, static/trust.js)
flags a rolled-back or forked log.

Expected values come from the service's own result index (what an honest server
knows); the page must show them only through the proof it checked itself. Each
test asserts what a family sees: the card, the three step states (通过 / 未检查 /
未通过), the plain-Chinese failure text and what the browser remembers.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.routing import Route as StarletteRoute

from lottery_service.api.app import create_app
from lottery_service.api.i18n import t
from lottery_service.core.note import Checkpoint
from lottery_service.lookup import ApplicantResult
from tests.support import served

from .conftest import OPERATOR, Season, screenshot_path
from .test_pages import assert_contrast

EVENT = "demo-2026"
STORAGE = f"sunshine-draw/checkpoint/{EVENT}"  # static/trust.js storageKey
STEPS = ("input", "signature", "consistency", "inclusion", "roster", "number", "outcome")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def _results(season: Season) -> list[ApplicantResult]:
    return sorted((r for r in season.run.result_index().results.values()
                   if r.reg in season.last4), key=lambda r: r.reg)


def _admitted(season: Season) -> ApplicantResult:
    """Admitted in the draw, kept the place, grouped and matched to a head teacher."""
    return next(r for r in _results(season) if r.outcome == "admitted" and r.teacher
                and not r.forfeited and r.promoted_round is None and r.number)


def _waiting(season: Season) -> ApplicantResult:
    return next(r for r in _results(season)
                if r.outcome == "not_admitted" and r.waiting is not None)


def _log_key(season: Season) -> str:
    key: str = season.runtime.service.keys.verifier_key(EVENT)
    return key


def _checkpoint(server: str) -> tuple[int, str]:
    """The latest signed checkpoint's size and root, read as any client reads it (§12)."""
    with urllib.request.urlopen(f"{server}/api/v1/events/{EVENT}/checkpoints/latest") as r:
        note = r.read().decode()
    cp = Checkpoint.parse(note[: note.rfind("\n\n") + 1])
    return cp.size, cp.root_hash.hex()


def _submit(page: Page, result: ApplicantResult, last4: str, lang: str = "zh") -> None:
    page.get_by_label(t(lang, "reg")).fill(result.reg)
    page.get_by_label(t(lang, "id_last4")).fill(last4)
    page.get_by_role("button", name=t(lang, "lookup")).click()


def _open(page: Page, base: str, lang: str = "zh") -> None:
    page.goto(f"{base}/events/{EVENT}/check" + ("?lang=en" if lang == "en" else ""))


def _remember(page: Page, key: str, size: int, root: str) -> None:
    value = json.dumps({"key": key, "root": root, "size": size}, separators=(",", ":"))
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [STORAGE, value])


def _stored(page: Page) -> Any:
    raw = page.evaluate("(k) => localStorage.getItem(k)", STORAGE)
    return None if raw is None else json.loads(raw)


def _states(page: Page) -> dict[str, str]:
    """step → its state word, as the family reads it (通过 / 未检查 / 未通过)."""
    items = page.locator("#steps li")
    expect(items).to_have_count(len(STEPS))
    return {items.nth(i).get_attribute("data-step") or "": items.nth(i).locator(".state")
            .inner_text() for i in range(len(STEPS))}


def _assert_no_result(page: Page, *headlines: str) -> None:
    expect(page.locator("#result")).to_be_hidden()
    visible = page.locator("main").inner_text()
    for text in headlines:
        assert text not in visible


def _assert_fits(page: Page) -> None:
    """No sideways scrolling on a phone: nothing is wider than the viewport."""
    overflow = page.evaluate("""() => [document.documentElement.scrollWidth,
                                       document.documentElement.clientWidth]""")
    assert overflow[0] <= overflow[1], overflow


def _shoot(page: Page, name: str, sizes: tuple[tuple[int, int], ...]) -> None:
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        _assert_fits(page)
        page.screenshot(path=screenshot_path(f"parents-{name}-{width}x{height}.png"),
                        full_page=True)


ALL_SIZES = ((390, 844), (360, 740), (1280, 720), (1920, 1080))
DRAWN = ("#status, .badge, .outcome, .outcome-note, dt, dd, .hint, .step, .step .state, "
         ".step .why, #failure p, #mismatch, summary")


# --------------------------------------------------------------- verified path


def test_result_is_shown_only_after_this_browser_verified_it_14(
        season: Season, server: str, new_page: Any) -> None:
    result = _admitted(season)
    headline = t("zh", "c.outcome.admitted")
    page = new_page(**PHONE)
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(f"**/api/v1/events/{EVENT}/proof", hold)
    _open(page, server)
    _submit(page, result, season.last4[result.reg])

    # While the proof is on its way: "not yet verified", no outcome, every step 未检查.
    expect(page.locator("#status")).to_have_text(t("zh", "c.checking"))
    assert set(_states(page).values()) == {t("zh", "step.skipped")}
    _assert_no_result(page, headline)
    page.screenshot(path=screenshot_path("parents-checking-390x844.png"), full_page=True)
    assert len(held) == 1
    sent = json.loads(held[0].request.post_data or "")
    assert sent == {"reg": result.reg, "id_last4": season.last4[result.reg]}  # first visit
    held[0].fallback()

    # Verified: the card, first visit's consistency step 未检查 (nothing compared), never 通过.
    expect(page.locator("#outcome")).to_have_text(headline)
    expect(page.locator("#status")).to_have_text(t("zh", "c.verified"))
    states = _states(page)
    assert states.pop("consistency") == t("zh", "step.skipped")
    assert set(states.values()) == {t("zh", "step.ok")}
    expect(page.locator('#steps li[data-step="consistency"] .why')).to_have_text(
        t("zh", "c.why.first"))
    expect(page.locator("#announce")).to_have_text(t("zh", "c.announce", outcome=headline))
    details = page.locator("#details")
    assert result.class_id is not None and result.number is not None
    expect(details.locator('dd[data-key="c.class"]')).to_have_text(result.class_id)
    expect(details.locator('dd[data-key="c.name"]')).to_have_text(result.name)
    expect(details.locator('dd[data-key="c.number"]')).to_have_text(result.number[:16] + "…")
    expect(details.locator('dt[data-key="c.cutoff"]')).to_have_text(t("zh", "c.cutoff"))
    assert "录取线" not in page.locator("main").inner_text()
    expect(page.locator("#technical-text")).to_contain_text(result.number)  # full value
    expect(page.locator("#mismatch")).to_be_hidden()  # the honest look-up agrees
    assert_contrast(page, DRAWN)
    size, root = _checkpoint(server)
    assert _stored(page) == {"key": _log_key(season), "size": size, "root": root}
    page.screenshot(path=screenshot_path("parents-phone.png"), full_page=True)
    _shoot(page, "verified", ALL_SIZES)

    # A second visit sends the remembered size; the same checkpoint now passes (通过).
    page.unroute(f"**/api/v1/events/{EVENT}/proof")
    requests: list[Any] = []
    page.on("request", lambda r: requests.append(r) if r.url.endswith("/proof") else None)
    page.reload()
    _submit(page, result, season.last4[result.reg])
    expect(page.locator("#outcome")).to_have_text(headline)
    assert set(_states(page).values()) == {t("zh", "step.ok")}
    expect(page.locator('#steps li[data-step="consistency"] .why')).to_have_text(
        t("zh", "c.why.same"))
    assert json.loads(requests[-1].post_data)["trusted_size"] == size


def test_a_failed_check_withdraws_the_result_and_says_why_in_chinese_14(
        season: Season, server: str, new_page: Any) -> None:
    result = _admitted(season)
    headline = t("zh", "c.outcome.admitted")
    number = result.number
    assert number is not None
    flipped = number[:-1] + ("0" if number[-1] != "0" else "1")
    page = new_page(**PHONE)
    _open(page, server)
    _submit(page, result, season.last4[result.reg])
    expect(page.locator("#outcome")).to_have_text(headline)
    remembered = _stored(page)

    def tamper(route: Route) -> None:
        response = route.fetch()
        proof = response.json()
        changed = 0
        for item in proof["entries"]:
            if f'"number":"{number}"' in item["entry"]:
                item["entry"] = item["entry"].replace(number, flipped)
                changed += 1
        assert changed == 1
        route.fulfill(response=response, json=proof)

    page.route(f"**/api/v1/events/{EVENT}/proof", tamper)
    _submit(page, result, season.last4[result.reg])
    # The changed entry is not the one the signed log holds (§4): the result is withdrawn.
    expect(page.locator("#failure-text")).to_have_text(t("zh", "c.fail.inclusion"))
    expect(page.locator("#failure-contact")).to_have_text(t("zh", "c.contact"))
    expect(page.locator("#status")).to_have_text(t("zh", "c.fail.title"))
    _assert_no_result(page, headline)
    assert _states(page) == {
        "input": t("zh", "step.ok"), "signature": t("zh", "step.ok"),
        "consistency": t("zh", "step.ok"), "inclusion": t("zh", "step.bad"),
        "roster": t("zh", "step.skipped"), "number": t("zh", "step.skipped"),
        "outcome": t("zh", "step.skipped")}
    # Internals only in the technical disclosure, never in what a parent reads first.
    failure = page.locator("#failure").inner_text()
    assert re.search(r"[A-Za-z]{3,}", failure) is None, failure
    expect(page.locator("#technical-text")).to_contain_text("inclusion")
    expect(page.locator("#technical")).not_to_have_attribute("open", "")
    assert _stored(page) == remembered  # nothing remembered from a failed check
    assert_contrast(page, DRAWN)
    _shoot(page, "failed", ((390, 844), (360, 740)))

    # English only on the English switch.
    _open(page, server, "en")
    _submit(page, result, season.last4[result.reg], "en")
    expect(page.locator("#failure-text")).to_have_text(t("en", "c.fail.inclusion"))
    expect(page.locator("#failure-contact")).to_have_text(t("en", "c.contact"))
    page.screenshot(path=screenshot_path("parents-failed-en-390x844.png"), full_page=True)


# ------------------------------------------------------- trusted-checkpoint policy


def test_a_rolled_back_log_is_flagged_and_shows_no_result_12(
        season: Season, server: str, new_page: Any) -> None:
    """The browser trusted a larger checkpoint than the one served: a log never shrinks."""
    result = _admitted(season)
    size, root = _checkpoint(server)
    page = new_page(**PHONE)
    _open(page, server)
    _remember(page, _log_key(season), size + 5, "ab" * 32)
    before = _stored(page)
    _submit(page, result, season.last4[result.reg])
    expect(page.locator("#failure")).to_have_class("warning")
    expect(page.locator("#failure-text")).to_have_text(t("zh", "c.fail.rollback"))
    expect(page.locator("#failure-contact")).to_have_text(t("zh", "c.contact_warning"))
    states = _states(page)
    assert states.pop("consistency") == t("zh", "step.bad")
    assert set(states.values()) == {t("zh", "step.ok")}  # every other check ran and held
    expect(page.locator('#steps li[data-step="consistency"] .why')).to_have_text(
        t("zh", "c.why.rollback"))
    _assert_no_result(page, t("zh", "c.outcome.admitted"))
    assert _stored(page) == before
    assert_contrast(page, DRAWN)
    _shoot(page, "rollback", ((390, 844),))

    # Remembered under another log key: one log, one key; flagged the same loud way.
    other = "sunshine-draw/demo-2026+00000000+" + "A" * 44
    _remember(page, other, size, root)
    _submit(page, result, season.last4[result.reg])
    expect(page.locator("#failure-text")).to_have_text(t("zh", "c.fail.key_changed"))
    _assert_no_result(page, t("zh", "c.outcome.admitted"))
    assert _stored(page)["key"] == other


@pytest.mark.parametrize("where", ["same-size", "earlier-size"])
def test_a_forked_log_is_flagged_and_shows_no_result_12(
        season: Season, server: str, new_page: Any, where: str) -> None:
    """Another root at the trusted size, or a log that does not extend the trusted one."""
    result = _admitted(season)
    size, _ = _checkpoint(server)
    page = new_page(**PHONE)
    _open(page, server)
    _remember(page, _log_key(season), size if where == "same-size" else size - 3, "ab" * 32)
    _submit(page, result, season.last4[result.reg])
    expect(page.locator("#failure-text")).to_have_text(t("zh", "c.fail.fork"))
    expect(page.locator("#failure")).to_have_class("warning")
    states = _states(page)
    assert states["consistency"] == t("zh", "step.bad")
    assert states["inclusion"] == t("zh", "step.skipped")  # stopped there (§14 order)
    _assert_no_result(page, t("zh", "c.outcome.admitted"))
    if where == "same-size":
        _shoot(page, "fork", ((390, 844),))


# ------------------------------------------------- a server that lies in its look-up


@pytest.fixture()
def lying_server(season: Season) -> Iterator[tuple[str, Callable[[dict[str, Any]], None]]]:
    """The real app, except that POST …/lookup answers whatever the test sets."""
    lies: dict[str, Any] = {}

    async def lookup(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse(lies["body"])

    app = Starlette(routes=[
        StarletteRoute(f"/api/v1/events/{EVENT}/lookup", lookup, methods=["POST"]),
        Mount("/", app=create_app(season.runtime, operator=OPERATOR, cache_max_age=0.2)),
    ])
    with served(app) as url:
        yield url, lambda body: lies.update(body=body)


def test_a_lookup_that_disagrees_with_the_proof_is_never_shown_14(
        season: Season, new_page: Any,
        lying_server: tuple[str, Callable[[dict[str, Any]], None]]) -> None:
    url, lie = lying_server
    waiting = _waiting(season)
    admitted = _admitted(season)
    assert waiting.waiting is not None
    # The look-up claims an admission, another class and another school's name.
    lie({**waiting.to_json(), "outcome": "admitted", "waiting": None, "class": "99",
         "teacher": admitted.teacher, "teacher_name": "假老师", "school": "S999",
         "school_name": "假学校"})
    page = new_page(**PHONE)
    _open(page, url)
    _submit(page, waiting, season.last4[waiting.reg])
    expect(page.locator("#outcome")).to_have_text(
        t("zh", "c.outcome.waiting", n=waiting.waiting))
    expect(page.locator("#mismatch")).to_have_text(t("zh", "c.mismatch"))
    shown = page.locator("main").inner_text()
    for lie_text in (t("zh", "c.outcome.admitted"), "假学校", "假老师", "S999"):
        assert lie_text not in shown
    expect(page.locator('#details dd[data-key="c.class"]')).to_have_count(0)
    expect(page.locator('#details dd[data-key="c.waiting"]')).to_have_text(
        t("zh", "c.nth", n=waiting.waiting))
    expect(page.locator('#details dd[data-key="c.school"]')).to_have_text(waiting.school)
    _shoot(page, "mismatch", ((390, 844),))

    # A look-up that agrees, with names: they label the verified ids.
    lie(admitted.to_json())
    _submit(page, admitted, season.last4[admitted.reg])
    expect(page.locator("#outcome")).to_have_text(t("zh", "c.outcome.admitted"))
    expect(page.locator("#mismatch")).to_be_hidden()
    if admitted.school_name:
        expect(page.locator('#details dd[data-key="c.school"]')).to_have_text(
            f"{admitted.school_name}（{admitted.school}）")


def test_wrong_credentials_and_malformed_input_get_plain_messages(
        season: Season, server: str, new_page: Any) -> None:
    result = _admitted(season)
    page = new_page(**PHONE)
    _open(page, server)
    page.get_by_label(t("zh", "reg")).fill("r")
    page.get_by_label(t("zh", "id_last4")).fill("12")
    page.get_by_role("button", name=t("zh", "lookup")).click()
    expect(page.locator("#message")).to_have_text(t("zh", "c.bad_input"))
    expect(page.locator("#check")).to_be_hidden()
    wrong = "0000" if season.last4[result.reg] != "0000" else "1111"
    _submit(page, result, wrong)
    expect(page.locator("#message")).to_have_text(t("zh", "not_found"))
    expect(page.locator("#check")).to_be_hidden()
    assert HEX64.search(page.locator("main").inner_text()) is None
