"""The ceremony screen wired to the real service (its log cache as the log source).

The service still logs version 1, whose ceremony entries (§5: opened, input,
commitments, reveals, dice, seed) have the bodies the v2 screen reads; its v1
result entries are not v2 types, so the screen shows nothing for them (it shows only
what it can read). Results are covered on v2 logs in test_ceremony.py.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from lottery_service.api.i18n import t
from lottery_service.demo import DemoRun
from lottery_service.demo.district import generate_district
from lottery_service.runtime import Runtime

from .conftest import APPLICANTS
from .hall_support import ready


def test_the_screen_follows_a_service_ceremony_and_resumes_after_a_reload(
        runtime: Runtime, server: str, new_page: Any) -> None:
    district = generate_district(applicants=APPLICANTS, event_id="wired-2026")
    run = DemoRun(runtime, district, say=lambda _: None)
    steps = dict(run.steps())
    steps["setup"]()
    page = new_page(viewport={"width": 1280, "height": 720})
    streams: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if "/stream" in r.url else None)
    page.goto(f"{server}/events/wired-2026/ceremony")
    expect(page.locator("#title")).to_have_text(district.rules["title"])
    expect(page.locator("#banner-text")).to_have_text(t("zh", "h.step.scheduled"))
    # No SUNSHINE_PUBLIC_BASE_URL in this runtime: no QR code, and the screen says why.
    expect(page.locator("#no-url")).to_have_text(t("zh", "h.no_public_url"))

    steps["registration"]()
    steps["freeze-roster"]()
    lottery = run.state().ceremony("lottery")
    participants = len(lottery.participants)
    prefix = t("zh", "ceremony_lottery") + " · "
    expect(page.locator("#banner")).to_have_text(
        prefix + t("zh", "h.step.committing", done=0, total=participants))
    expect(page.locator("#slide")).to_have_attribute("data-slide", "cer:lottery")
    expect(page.locator("#root-lottery")).to_contain_text(lottery.input_root.hex()[:16])

    steps["lottery-commitments"]()  # the demo commits, then closes the commitments
    commitments = run.state().ceremony("lottery").commitments
    expect(page.locator("#banner")).to_have_text(
        prefix + t("zh", "h.step.revealing", done=0, total=len(commitments)))
    for participant, com in commitments.items():
        expect(page.locator(f"#p-lottery-{participant} td.hash")).to_have_text(
            com.body.commitment.hex()[:16] + "…")

    # A reload gets the state at the log's size and streams from there.
    state = page.request.get(f"{server}/api/v1/events/wired-2026/ceremony-state").json()
    page.reload()
    ready(page)
    expect(page.locator("body")).to_have_attribute("data-size", str(state["size"]))
    assert streams[-1].endswith(f"/stream?from={state['size']}")
    for participant, com in commitments.items():
        expect(page.locator(f"#p-lottery-{participant} td.hash")).to_have_text(
            com.body.commitment.hex()[:16] + "…")

    steps["lottery-reveals"]()
    expect(page.locator("#p-lottery-parent-rep-1")).to_contain_text(
        t("zh", "h.status.escrow_opened"))
    steps["lottery-seed"]()
    seed = run.state().ceremony("lottery").seed
    assert seed is not None
    expect(page.locator("#seed-lottery")).to_have_text(seed.body.seed.hex())
    expect(page.locator("#seed-lottery span")).to_have_count(4)
