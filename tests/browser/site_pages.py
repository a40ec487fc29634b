"""Every page of the service, and how a browser test waits until one has settled.

Shared by the CSP/network walk (test_security.py) and the axe-core walk
(test_accessibility.py): the same list, so a new page is checked by both.
"""

from __future__ import annotations

import time
from typing import Any, Final

from playwright.sync_api import Page

# name → path (the demo season's event; {event} is filled in), and a selector present
# once the page's own script has drawn its first state.
PAGES: Final[dict[str, tuple[str, str]]] = {
    "index": ("/", "main h1"),
    "overview": ("/events/{event}", "main .links"),
    "ceremony": ("/events/{event}/ceremony", "#title"),
    "check": ("/events/{event}/check", "#lookup-form"),
    "dashboard": ("/events/{event}/dashboard", "#cosign-form"),
    "operate": ("/events/{event}/operate", "#token-form"),
    "participate": ("/events/{event}/participate", "#people tr"),
    "docs": ("/api/v1/docs", "#swagger-ui .opblock"),
}
LANGS: Final = ("zh", "en")


def page_url(server: str, name: str, event: str, lang: str) -> str:
    path = PAGES[name][0].format(event=event)
    return f"{server}{path}" + ("?lang=en" if lang == "en" else "")


class Inflight:
    """The page's requests in flight, SSE streams excluded (they stay open)."""

    def __init__(self, page: Page) -> None:
        self.count = 0
        page.on("request", lambda r: self._add(r, 1))
        page.on("requestfinished", lambda r: self._add(r, -1))
        page.on("requestfailed", lambda r: self._add(r, -1))

    def _add(self, request: Any, n: int) -> None:
        if request.resource_type != "eventsource":
            self.count += n


def settle(page: Page, inflight: Inflight, ready: str, quiet_ms: int = 400,
           timeout_s: float = 15) -> None:
    """Wait for `ready`, then until no request has been in flight for `quiet_ms`: the
    page's scripts have fetched what they fetch on load."""
    page.locator(ready).first.wait_for(state="attached")
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        now = time.monotonic()
        if inflight.count > 0:
            quiet_since = now
        elif (now - quiet_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(50)  # lets Playwright deliver the request events
    raise AssertionError(f"{page.url} never settled")
