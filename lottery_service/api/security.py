"""Security headers on every response of the service: pages, API, static files, errors.

The participants' page keeps ceremony secrets in this origin's localStorage and the
operator's console keeps its token in sessionStorage (§5.3), so one injected script
on any page of the origin could read them. The policy therefore allows no inline
script at all: pages carry their data in `<script type="application/json">` blocks
(data, never executed) and their code in modules under `/static`. Styles come from
`/static` only (no `style=` attributes); images are local or `data:` (segno's and
@paulmillr/qr's QR codes are inline SVG). Fetches go to this origin, and to the static
publication's origin (§18) when the parents' page reads shards from there.

`Referrer-Policy: no-referrer`: no page needs the Referer, and event ids and
languages in page URLs tell another site nothing it should learn about who was
looking at which event. Pages are `Cache-Control: no-store` (the console and the
participants' page read and send tokens; every page shows live log state), and so is
any answer to a request that carried a token; other answers keep the route's own
caching (static files, SSE).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Powerful features no page uses (a page that asks for one is refused by the browser).
PERMISSIONS_POLICY: Final = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "payment", "usb", "serial", "hid", "bluetooth"))


def origin_of(url: str) -> str:
    """scheme://host[:port] of an absolute http(s) URL; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(connect: Iterable[str] = ()) -> str:
    """The CSP of every response; `connect`: extra origins the pages may fetch from."""
    directives = {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *connect],
        "manifest-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeaders:
    """Pure ASGI middleware (streams such as SSE pass through untouched)."""

    def __init__(self, app: ASGIApp, publication_url: str | None = None) -> None:
        self.app = app
        connect = [origin_of(publication_url)] if publication_url else []
        self.headers: Final = {
            "Content-Security-Policy": content_security_policy(connect),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Permissions-Policy": PERMISSIONS_POLICY,
            "Cross-Origin-Opener-Policy": "same-origin",
            "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP 2
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tokened = any(name == b"authorization" for name, _ in scope["headers"])

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                page = headers.get("content-type", "").startswith("text/html")
                if page or tokened:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_secured)
