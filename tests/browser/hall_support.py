"""The hall tests' support: a server of the ceremony screen over version-2 log files, and
what the tests read off the screen in Chromium (the slide on view, the names it shows
with their computed size, anything out of view, bytes transferred, axe-core).

The service still writes version-1 logs, so the screen's v2 tests (and
bench/ceremony_reload.py) serve the real page route, the real state, page and
stream routes (api/routes/pages.py, stream.py) and the real static files, with
the `Hall` dependency reading v2 `entries.jsonl` files (views.JsonlLogSource)
instead of the service's log cache. A test appends lines to a file to move the
ceremony on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from lottery_service.api.routes import pages, stream
from lottery_service.views import CeremonyStates, JsonlLogSource
from lottery_service.web import STATIC_DIR
from tests.paths import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PUBLIC_BASE_URL = "https://draw.example.cn"


def hall_app(logs: Mapping[str, Path], public_base_url: str | None = PUBLIC_BASE_URL) -> FastAPI:
    """The hall's page and reads for each event id → entries.jsonl path."""
    app = FastAPI()
    app.include_router(stream.router, prefix="/api/v1")
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.state.hall = stream.Hall(CeremonyStates(JsonlLogSource(logs)), public_base_url)
    return app


# Every rendered element inside the viewport, and no box that hides overflow with more
# content than it shows (text cut at the right, rows cut at the bottom).
OUT_OF_VIEW_JS = """
() => {
  const W = innerWidth, H = innerHeight, bad = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className
       ? "." + el.className.split(" ").join(".") : "");
  const box = (r) => [r.left, r.top, r.right, r.bottom].map(Math.round).join(",");
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".hall-probe, script, .skip, svg")) continue;
    const s = getComputedStyle(el);
    if (s.display === "none" || s.visibility === "hidden") continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1)
      bad.push(`${name(el)} at ${box(r)} outside ${W}×${H}`);
    const hides = [s.overflowX, s.overflowY].some((v) => v !== "visible");
    if (hides && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
      bad.push(`${name(el)} cuts its content: ${el.scrollWidth}×${el.scrollHeight}`
               + ` in ${el.clientWidth}×${el.clientHeight}`);
  }
  return bad;
}
"""

SLIDE_JS = """
() => {
  const box = document.getElementById("slide");
  return {
    id: box.dataset.slide || "",
    names: [...box.querySelectorAll("ol.names li")].map((li) => ({
      reg: li.dataset.reg, name: li.querySelector(".nm").textContent,
      px: parseFloat(getComputedStyle(li.querySelector(".nm")).fontSize) })),
    text: box.innerText,
  };
}
"""


def ready(page: Any, previous: str | None = None) -> dict[str, Any]:
    """Wait for the slide to be drawn (and to differ from `previous`), then read it."""
    page.wait_for_function(
        "(prev) => { const b = document.getElementById('slide');"
        " return b.dataset.ready === '1' && b.dataset.slide && b.dataset.slide !== prev; }",
        arg=previous)
    slide: dict[str, Any] = page.evaluate(SLIDE_JS)
    return slide


def out_of_view(page: Any) -> list[str]:
    found: list[str] = page.evaluate(OUT_OF_VIEW_JS)
    return found


def axe_serious(page: Any) -> list[dict[str, Any]]:
    """axe-core (npm devDependency, injected into the test page only; never served), on the
    settled screen: a slide fades in (`.arrive`, 0.5 s), and contrast is judged on what
    the hall sees once it has arrived, not on a frame of the fade."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))")
    return [v for v in found if v["impact"] in ("serious", "critical")]


@dataclass
class Meter:
    """Bytes received (Chrome DevTools Protocol, Network domain) per request: a finished
    response by its encoded length (headers and body), a stream that never finishes
    (the SSE) by the data received so far. `by_url` sums the requests of each URL."""

    _urls: dict[str, str] = field(default_factory=dict)
    _sizes: dict[str, int] = field(default_factory=dict)
    _finished: set[str] = field(default_factory=set)

    @classmethod
    def attach(cls, page: Any) -> Meter:
        meter = cls()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", meter._request)
        cdp.on("Network.dataReceived", meter._data)
        cdp.on("Network.loadingFinished", meter._done)
        return meter

    def _request(self, ev: dict[str, Any]) -> None:
        self._urls[ev["requestId"]] = ev["request"]["url"]

    def _data(self, ev: dict[str, Any]) -> None:
        rid = ev["requestId"]
        if rid in self._urls and rid not in self._finished:
            self._sizes[rid] = self._sizes.get(rid, 0) + int(ev.get("encodedDataLength") or 0)

    def _done(self, ev: dict[str, Any]) -> None:
        rid = ev["requestId"]
        if rid in self._urls:
            self._sizes[rid] = int(ev["encodedDataLength"])
            self._finished.add(rid)

    @property
    def by_url(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for rid, size in self._sizes.items():
            out[self._urls[rid]] = out.get(self._urls[rid], 0) + size
        return out

    @property
    def total(self) -> int:
        return sum(self._sizes.values())

    def reset(self) -> None:
        """Count from now: requests already made are forgotten."""
        self._urls.clear()
        self._sizes.clear()
        self._finished.clear()
