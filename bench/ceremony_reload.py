"""Ceremony screen reload at city scale: bytes transferred and time to the first full render.

Builds a whole version-2 season synthetically from the PROTOCOL.md bodies
(tests/hall_log.py: 120 private schools, 200,000 applicants, 600 schools and
100,000 pupils grouped and matched), serves the real page, state, page and stream
routes over it (tests/browser/hall_support.py), opens the ceremony screen in headless
Chromium at 1920×1080 and 1280×720, and reloads it:

- `ceremony_reload_bytes`: every byte a reload received with nothing cached (a new
  viewer; Chrome DevTools Network: page, CSS, scripts, state, the name pages on
  screen and the next, the stream so far), the most of 5 runs, the larger of the
  two resolutions;
- `ceremony_reload_ms`: navigation start to the first full render (the slide of
  the first drawn school with its names drawn: the `hall:first-render` mark),
  median of 5 runs, the slower resolution;
- `ceremony_log_mb` (the log a replay would download), `ceremony_state_kb`
  (state.json), `ceremony_fold_s` (the server's first fold of the whole log).

Usage: python bench/ceremony_reload.py [--applicants N]  (prints a table, updates
bench/latest.json)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.hall_support import Meter, hall_app, ready  # noqa: E402
from tests.hall_log import city_classes, city_schools, season  # noqa: E402
from tests.support import served  # noqa: E402

EVENT = "city-2026"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TARGETS = {"ceremony_reload_bytes": "< 1,000,000", "ceremony_reload_ms": "< 1000"}


def measure(url: str, browser: Any, width: int, height: int, runs: int = 5) -> tuple[int, float]:
    """(most bytes, median ms to the first full render) of a viewer opening the screen on
    the first drawn school's names, each run a new browser context: nothing cached."""
    ctx = browser.new_context(viewport={"width": width, "height": height})
    page = ctx.new_page()
    page.goto(f"{url}/events/{EVENT}/ceremony")
    slide = ready(page)
    page.keyboard.press("Home")
    while not slide["id"].startswith("list:"):  # the first school's names: reload there
        page.keyboard.press("PageDown")
        slide = ready(page, slide["id"])
    at = page.url  # …/ceremony#list:<school>:admitted:1 (the screen keeps its slide)
    ctx.close()
    sizes, times = [], []
    for _ in range(runs):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        page = ctx.new_page()
        meter = Meter.attach(page)
        page.goto(at)
        shown = ready(page)
        assert shown["id"] == slide["id"] and shown["names"], shown["id"]
        page.wait_for_timeout(300)  # late bytes (the prefetch of the next page) count too
        sizes.append(meter.total)
        times.append(page.evaluate(
            "() => performance.getEntriesByName('hall:first-render')[0].startTime"))
        ctx.close()
    return max(sizes), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=200_000)
    parser.add_argument("--pupils", type=int, default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    log = season(EVENT, city_schools(args.applicants, 120),
                 classes=city_classes(args.pupils, 600))
    built = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = log.write(Path(tmp) / "entries.jsonl")
        del log
        results: dict[str, Any] = {"ceremony_log_mb": round(path.stat().st_size / 1e6, 1)}
        app = hall_app({EVENT: path})
        with served(app) as url, sync_playwright() as p:
            t0 = time.perf_counter()
            state = app.state.hall.states.snapshot(EVENT)
            results["ceremony_fold_s"] = round(time.perf_counter() - t0, 2)
            results["ceremony_state_kb"] = round(len(state) / 1000, 1)
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            worst_bytes, worst_ms = 0, 0.0
            for width, height in ((1920, 1080), (1280, 720)):
                size, ms = measure(url, browser, width, height)
                results[f"ceremony_reload_bytes_{width}x{height}"] = size
                results[f"ceremony_reload_ms_{width}x{height}"] = round(ms, 1)
                worst_bytes, worst_ms = max(worst_bytes, size), max(worst_ms, ms)
            browser.close()
        results["ceremony_reload_bytes"] = worst_bytes
        results["ceremony_reload_ms"] = round(worst_ms, 1)
    latest = ROOT / "bench" / "latest.json"
    previous = json.loads(latest.read_text()) if latest.exists() else {}
    previous.update(results)
    latest.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")
    print(f"(log built in {built:.1f} s: {args.applicants:,} applicants, {args.pupils:,} pupils)")
    print(f"{'metric':<34}{'value':>12}  target")
    for key in sorted(results):
        print(f"{key:<34}{results[key]!s:>12}  {TARGETS.get(key, '')}")


if __name__ == "__main__":
    main()
