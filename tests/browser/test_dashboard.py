"""The supervisors' page in headless Chromium on the demo season (issue 12 deliver 5).

Plain Chinese fairness sentences per dimension and per pool (不适用 where a test
cannot run, never 正常), stages as small tables, district admission rates with the
operator's district names, and which checkpoint to cosign next; expected values come
from the log (`SeasonState`) and api/i18n.py, never from the page. Screenshots at
1920×1080, 1280×720 and 390×844 go to build/screenshots.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from lottery_service.api.i18n import t
from lottery_service.demo.district import DISTRICTS

from .conftest import Season, assert_cards_fit, screenshot_path
from .test_accessibility import axe_violations

EVENT = "demo-2026"
SIZES = ((1920, 1080), (1280, 720), (390, 844))


def z(key: str, **kw: object) -> str:
    return t("zh", key, **kw)


@pytest.fixture()
def names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUNSHINE_DISTRICT_NAMES",
                       ",".join(f"{k}={v}" for k, v in DISTRICTS.items()))


def test_supervisors_page_says_the_fairness_check_in_plain_chinese_8_12(
        season: Season, server: str, new_page: Any, names: None) -> None:
    state = season.runtime.service.lifecycle.state(EVENT)
    assert state.bias is not None
    page = new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/events/{EVENT}/dashboard")
    overall = page.locator("#fair-overall .fair")
    expect(overall).to_have_count(len(state.bias.body.dimensions))
    for i, d in enumerate(state.bias.body.dimensions):
        block = overall.nth(i)
        want = "na" if not d.testable else "flagged" if d.flag else "passed"
        expect(block).to_have_attribute("data-verdict", want)
        expect(block.locator(".verdict")).to_have_text(z(f"fair.{want}"))
        expect(block.locator(".say")).to_contain_text(z(f"dim.{d.dimension}"))
    main = page.locator("main").inner_text()
    assert "χ²" not in main and z("ok") not in main  # no bare statistics, no "正常"
    drawn = [(s.body.school, str(st.stage)) for s in state.lottery_summaries.values()
             for st in s.body.stages if st.lottery]
    pools = page.locator("#fair-pools tr.pool")
    expect(pools).to_have_count(len(drawn))
    gender = page.locator('#fair-pools td[data-dimension="gender"]')
    expect(gender).to_have_count(len(drawn))
    expect(gender.first).to_have_text(z("fair.cell.not_public"))
    for cell in page.locator("#fair-pools td.fair-cell").all():
        verdict = cell.get_attribute("data-verdict")
        assert cell.inner_text().startswith(z(f"fair.{verdict}").split("：")[0]) or \
            cell.inner_text().startswith("⚠"), cell.inner_text()

    school, summary = next(iter(sorted(state.lottery_summaries.items())))
    rows = page.locator(f'#school-table tr[data-school="{school}"] table.stages tbody tr')
    expect(rows).to_have_count(sum(1 for st in summary.body.stages
                                   if st.seats or st.applicants))

    home = {a.district for a in state.applicants()}
    bars = page.locator("#district-chart li")
    expect(bars).to_have_count(len(home))
    expect(page.locator('#district-chart li[data-district="D01"] .rate-label')).to_contain_text(
        DISTRICTS["D01"])
    expect(bars.first.locator(".rate-label")).to_contain_text("%")

    latest = season.runtime.service.witnesses.summaries(EVENT)[0]
    expect(page.locator("#cosign-next")).to_have_attribute("data-size", str(latest.size))
    expect(page.locator("#cosign-next")).to_contain_text(str(latest.size))
    assert axe_violations(page) == []
    for table in ("#fair-pools", "#school-table"):
        assert_cards_fit(page, table)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        w = page.evaluate("() => [document.documentElement.scrollWidth, "
                          "document.documentElement.clientWidth]")
        assert w[0] <= w[1], (width, w)
        page.screenshot(path=screenshot_path(f"dashboard-supervisors-{width}x{height}.png"),
                        full_page=True)
