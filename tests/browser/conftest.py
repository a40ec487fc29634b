"""Browser fixtures: a demo season on a temporary SQLite data dir, the app served by
uvicorn in a background thread, and real headless Chromium driven by Playwright.

Skipped, saying why, when /usr/bin/chromium (Debian's `chromium`) is absent.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.paths import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
APPLICANTS = 1000  # the demo generator's minimum (demo.district.MIN_APPLICANTS)
OPERATOR = "sd_op_browser-tests"
# Screenshots go to an ignored folder; SUNSHINE_REFRESH_SCREENSHOTS=1 refreshes the
# tracked ones in docs/screenshots on purpose.
SCREENSHOTS = ROOT / ("docs/screenshots" if os.environ.get("SUNSHINE_REFRESH_SCREENSHOTS") == "1"
                      else "build/screenshots")

if not CHROMIUM.exists():
    pytest.skip("headless Chromium is not installed (apt-get install -y chromium)",
                allow_module_level=True)

playwright_sync = pytest.importorskip("playwright.sync_api")


from lottery_service.api.app import create_app  # noqa: E402
from lottery_service.config import Settings  # noqa: E402
from lottery_service.demo import DemoRun  # noqa: E402
from lottery_service.demo.district import DemoDistrict, generate_district  # noqa: E402
from lottery_service.runtime import Runtime, open_runtime  # noqa: E402
from tests.support import served  # noqa: E402


@dataclass
class Season:
    runtime: Runtime
    district: DemoDistrict
    run: DemoRun
    last4: dict[str, str]  # reg → last four ID characters (the family's second factor)

    @property
    def event(self) -> str:
        return str(self.district.rules["event"])


def _second_factors(district: DemoDistrict) -> dict[str, str]:
    _name, data = district.files["applicants"]
    rows = csv.DictReader(io.StringIO(data.decode("gb18030")))
    return {r["报名号"]: r["身份证后四位"] for r in rows}


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    root = tmp_path_factory.mktemp("browser")
    return open_runtime(Settings(data_dir=root / "data", audit_dir=root / "audit",
                                 database_url=f"sqlite:///{root / 'sunshine.db'}"))


@pytest.fixture(scope="session")
def season(runtime: Runtime) -> Season:
    """A whole demo season, run to the end (results, grouping, matching, bundle)."""
    district = generate_district(applicants=APPLICANTS, event_id="demo-2026")
    run = DemoRun(runtime, district, say=lambda _: None)
    run.run()
    return Season(runtime, district, run, _second_factors(district))


@pytest.fixture(scope="session")
def server(runtime: Runtime) -> Iterator[str]:
    with served(create_app(runtime, operator=OPERATOR, cache_max_age=0.2)) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def new_page(browser: Any) -> Iterator[Any]:
    """A page factory; every page gets a fresh context (its own localStorage)."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


playwright_sync.expect.set_options(timeout=15_000)


def assert_cards_fit(page: Any, table: str) -> None:
    """On a phone a `table.row-cards` (site.css) is one card per row: nothing cut off at the
    edge of its box, every cell names its column heading (data-label) and carries its
    table role; on a laptop it is a table."""
    page.set_viewport_size({"width": 390, "height": 844})
    got = page.evaluate("""(sel) => {
      const t = document.querySelector(sel);
      const heads = [...t.tHead.rows[0].cells].map((c) => c.textContent.trim());
      const rows = [...t.tBodies[0].rows];
      return { fits: t.scrollWidth <= t.parentElement.clientWidth,
               display: getComputedStyle(rows[0]).display,
               labels: rows.map((r) => [...r.cells].map((c, i) =>
                 c.tagName === "TD" ? c.dataset.label === heads[i] : true).every(Boolean)),
               // explicit roles: a browser may drop table semantics from CSS blocks
               roles: [t, t.tHead, t.tBodies[0], ...t.rows, ...t.tHead.rows[0].cells,
                       ...rows.flatMap((r) => [...r.cells])].map((n) => n.getAttribute("role")),
               want: [t, t.tHead, t.tBodies[0], ...t.rows, ...t.tHead.rows[0].cells,
                      ...rows.flatMap((r) => [...r.cells])].map((n) =>
                 n === t ? "table" : n.tagName === "THEAD" || n.tagName === "TBODY" ? "rowgroup"
                 : n.tagName === "TR" ? "row" : n.tagName === "TD" ? "cell"
                 : n.parentElement.parentElement.tagName === "THEAD" ? "columnheader"
                 : "rowheader") };
    }""", table)
    assert got["roles"] == got["want"], table
    assert got["fits"], table
    assert got["display"] == "block", table  # a card, not a squeezed table row
    assert got["labels"] and all(got["labels"]), table
    page.set_viewport_size({"width": 1280, "height": 720})  # and a plain table again
    assert page.evaluate("(sel) => getComputedStyle(document.querySelector(sel).tBodies[0]"
                         ".rows[0]).display", table) == "table-row", table
