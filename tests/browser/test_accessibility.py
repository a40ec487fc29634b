"""axe-core on every page in real headless Chromium, Chinese and English (issue 12 item 8).

axe-core (npm devDependency, node_modules/axe-core) is read by the test and evaluated
in the page through the DevTools protocol: it is never served by the service, and the
pages' CSP stays as users get it. Each page must have no violation of impact
"serious" or "critical" (WCAG 2.x A/AA rules and axe's best practices).
"""

from __future__ import annotations

from typing import Any, Final

import pytest
from playwright.sync_api import Page

from tests.paths import ROOT

from .conftest import Season
from .site_pages import LANGS, PAGES, Inflight, page_url, settle

AXE: Final = ROOT / "node_modules" / "axe-core" / "axe.min.js"
if not AXE.exists():
    pytest.fail(f"{AXE} is missing: run `make` (npm ci installs the devDependencies)",
                pytrace=False)
SERIOUS: Final = ("serious", "critical")
RUN_JS = """async () => {
  const r = await axe.run(document, { resultTypes: ["violations"] });
  return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary) }));
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The page's serious and critical axe-core violations, as found now."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(RUN_JS)
    return [v for v in found if v["impact"] in SERIOUS]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_serious_violation(season: Season, server: str, new_page: Any,
                                        name: str, lang: str) -> None:
    page = new_page()
    inflight = Inflight(page)
    page.goto(page_url(server, name, season.event, lang))
    settle(page, inflight, PAGES[name][1])
    found = axe_violations(page)
    assert found == [], _summary(found)


@pytest.mark.parametrize("name", ["index", "overview", "check", "participate"])
def test_axe_finds_no_serious_violation_on_a_phone(season: Season, server: str,
                                                   new_page: Any, name: str) -> None:
    """The pages families and participants open on a phone, at 390×844."""
    page = new_page(viewport={"width": 390, "height": 844})
    inflight = Inflight(page)
    page.goto(page_url(server, name, season.event, "zh"))
    settle(page, inflight, PAGES[name][1])
    found = axe_violations(page)
    assert found == [], _summary(found)


def _summary(found: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
                     for v in found)


def test_axe_is_really_running(season: Season, server: str, new_page: Any) -> None:
    """The check can fail: an unlabelled field and an image without text are found."""
    page = new_page()
    page.goto(page_url(server, "index", season.event, "zh"))
    page.evaluate("""() => {
        const main = document.querySelector("main");
        main.append(Object.assign(document.createElement("input"), { type: "text" }));
        main.append(Object.assign(document.createElement("img"), { src: "/static/favicon.svg" }));
    }""")
    assert {v["id"] for v in axe_violations(page)} >= {"label", "image-alt"}
