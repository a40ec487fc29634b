"""Security headers, CSP and the network in real headless Chromium (issue 12 items 7, 8).

Every response carries the headers of `api/security.py`; no page has inline script,
inline style or an inline event handler; walking every page (zh and en) raises no CSP
violation and requests no host but the server itself; the API docs page renders its
operations with every other host blocked.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from lottery_service.api.app import create_app
from lottery_service.api.security import content_security_policy
from lottery_service.runtime import Runtime
from tests.support import served

from .conftest import Season, screenshot_path
from .site_pages import LANGS, PAGES, Inflight, page_url, settle

EXPECTED = {
    "content-security-policy": content_security_policy(),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
# Collects every CSP violation the page reports, from before its first script runs.
VIOLATIONS_JS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push({
  directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
  line: e.lineNumber, sample: e.sample }));
"""


def _get(url: str, headers: dict[str, str] | None = None,
         method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, \
                response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def _assert_secured(url: str, headers: dict[str, str]) -> None:
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (url, name, headers.get(name))
    policy = headers["permissions-policy"]
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy


# ------------------------------------------------------------------- headers


def test_every_page_and_api_response_carries_the_security_headers(season: Season,
                                                                   server: str) -> None:
    event = season.event
    for name in PAGES:
        for lang in LANGS:
            url = page_url(server, name, event, lang)
            status, headers, _ = _get(url)
            assert status == 200, url
            _assert_secured(url, headers)
            # Pages are never stored: the console and the participants' page handle tokens.
            assert headers["cache-control"] == "no-store", url
    answers = {
        f"{server}/api/v1/events/{event}": 200,
        f"{server}/api/v1/openapi.json": 200,
        f"{server}/api/v1/events/no-such-event": 404,
        f"{server}/events/no-such-event": 404,
        f"{server}/static/site.css": 200,
        f"{server}/static/favicon.svg": 200,
        f"{server}/static/vendor/swagger-ui-bundle.js": 200,
    }
    for url, want in answers.items():
        status, headers, _ = _get(url)
        assert status == want, url
        _assert_secured(url, headers)
    # Static files keep their own caching (ETag); a page's HTML does not.
    assert "no-store" not in _get(f"{server}/static/site.css")[1].get("cache-control", "")
    # An answer to a request that carried a token is never stored either.
    status, headers, _ = _get(f"{server}/api/v1/events/{event}/tokens", method="POST",
                              headers={"Authorization": "Bearer sd_not-a-token",
                                       "Content-Type": "application/json"})
    assert status in (401, 403, 422)
    _assert_secured("POST tokens", headers)
    assert headers["cache-control"] == "no-store"
    # The favicon by its old name points at the SVG the pages link.
    assert _get(f"{server}/favicon.ico")[1]["content-type"].startswith("image/svg+xml")


def test_an_unexpected_error_answer_carries_the_headers_too(runtime: Runtime) -> None:
    """The headers wrap Starlette's own error middleware: a 500 is secured as well."""
    app = create_app(runtime)

    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/boom", boom)
    with served(app) as url:
        status, headers, body = _get(f"{url}/boom")
    assert status == 500
    assert json.loads(body)["error"] == "InternalError"
    _assert_secured("/boom", headers)


def test_the_stream_answer_is_secured_and_streams(season: Season, server: str) -> None:
    """SSE passes through the middleware untouched (headers added, body streamed)."""
    request = urllib.request.Request(f"{server}/api/v1/events/{season.event}/stream")
    with urllib.request.urlopen(request, timeout=10) as response:
        headers = {k.lower(): v for k, v in response.headers.items()}
        assert headers["content-type"].startswith("text/event-stream")
        assert response.readline()  # the first event line arrives while the stream is open
    _assert_secured("stream", headers)


def test_the_publication_origin_is_the_only_other_fetch_target(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUNSHINE_PUBLICATION_URL", "https://pub.example.cn/draw/")
    with served(create_app(runtime)) as url:
        policy = _get(f"{url}/static/site.css")[1]["content-security-policy"]
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["connect-src"] == "'self' https://pub.example.cn"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["default-src"] == "'none'"


# ------------------------------------------------------------ inline markup


class InlineFinder(HTMLParser):
    """Inline script, inline style and inline event handlers in a page's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…> (inline handler)")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}> (inline style)")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style> (inline style sheet)")
        if tag == "script":
            self._script, self._text = a, ""

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            kind = (self._script.get("type") or "").lower()
            if self._script.get("src") is None and kind != "application/json":
                self.found.append(f"inline <script type={kind!r}>: {self._text[:60]!r}")
            if kind == "application/json":
                json.loads(self._text)  # a data block, and valid data
            self._script = None


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_has_inline_script_style_or_handlers(season: Season, server: str,
                                                     lang: str) -> None:
    for name in PAGES:
        _, _, body = _get(page_url(server, name, season.event, lang))
        finder = InlineFinder()
        finder.feed(body.decode("utf-8"))
        assert finder.found == [], name


# --------------------------------------------------------------- the walk


@dataclass
class Visit:
    foreign: list[str]
    violations: list[dict[str, Any]]
    console: list[str]


def _visit(page: Page, server: str, url: str, ready: str) -> Visit:
    """Load `url` with every request to another host refused and recorded."""
    local = urlsplit(server).netloc
    foreign: list[str] = []
    console: list[str] = []

    def gate(route: Route) -> None:
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort("blockedbyclient")

    page.route("**/*", gate)
    page.add_init_script(VIOLATIONS_JS)
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    inflight = Inflight(page)
    page.goto(url)
    settle(page, inflight, ready)
    return Visit(foreign, page.evaluate("() => window.__csp"), console)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_loads_with_no_csp_violation_and_no_foreign_request(
        season: Season, server: str, new_page: Any, name: str, lang: str) -> None:
    page = new_page()
    visit = _visit(page, server, page_url(server, name, season.event, lang), PAGES[name][1])
    assert visit.foreign == [], "requests to another host"
    assert visit.violations == [], "CSP violations"
    csp_console = [m for m in visit.console if "Content Security Policy" in m]
    assert csp_console == []
    # The page drew from its own scripts under the policy (the module ran).
    assert page.locator(PAGES[name][1]).count() >= 1


def test_the_walk_would_see_a_violation_and_a_foreign_request(season: Season, server: str,
                                                               new_page: Any) -> None:
    """The detectors work: an injected inline script and a foreign image are caught."""
    page = new_page()
    visit = _visit(page, server, page_url(server, "index", season.event, "zh"), "main h1")
    assert visit.violations == [] and visit.foreign == []
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.append(s);
        const img = document.createElement("img");
        img.src = "http://cdn.example.com/x.png";
        document.body.append(img);
    }""")
    page.wait_for_function("() => window.__csp.length >= 2")
    directives = sorted(v["directive"] for v in page.evaluate("() => window.__csp"))
    assert directives == ["img-src", "script-src-elem"]
    assert page.evaluate("() => window.__ran === undefined")  # the inline script never ran


# ------------------------------------------------------------------ API docs


def test_api_docs_render_every_operation_from_this_server_alone(season: Season, server: str,
                                                               new_page: Any) -> None:
    """/api/v1/docs: Swagger UI from /static/vendor renders with every other host blocked."""
    _, _, body = _get(f"{server}/api/v1/openapi.json")
    spec = json.loads(body)
    operations = sum(1 for item in spec["paths"].values() for verb in item
                     if verb in ("get", "post", "put", "patch", "delete"))
    assert operations >= 10
    page = new_page(viewport={"width": 1280, "height": 900})
    visit = _visit(page, server, f"{server}/api/v1/docs", "#swagger-ui .opblock")
    expect(page.locator("#swagger-ui .opblock")).to_have_count(operations)
    expect(page.locator("#swagger-ui .info .title")).to_contain_text(spec["info"]["title"])
    # An operation opens and shows its parameters and responses.
    first = page.locator("#swagger-ui .opblock").first
    first.locator(".opblock-summary").first.click()
    expect(first.locator(".responses-wrapper")).to_be_visible()
    page.wait_for_timeout(300)
    assert visit.foreign == [], "requests to another host"
    assert page.evaluate("() => window.__csp") == [], "CSP violations"
    hosts = {urlsplit(u).netloc for u in _requested(page)}
    assert hosts <= {urlsplit(server).netloc}, hosts
    page.screenshot(path=str(screenshot_path("api-docs-1280x900.png")))


def _requested(page: Page) -> list[str]:
    urls: list[str] = page.evaluate(
        "() => performance.getEntriesByType('resource').map((e) => e.name)")
    return [page.url, *urls]

