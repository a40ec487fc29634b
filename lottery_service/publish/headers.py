"""The HTTP headers of each publication path (PROTOCOL.md §18.1, "cache" column).

One table for every way the publication is served: the S3 upload sets these
on each object, deploy/nginx.conf.template expresses the same rules in nginx
syntax, and tests/integration/test_nginx_static.py checks nginx against this.

Tiles and entry bundles, full or partial, never change under their path. The
checkpoint, the event context under it and state.json change with every
checkpoint (tlog-tiles: "prevent caching beyond a few seconds"). A shard is
rewritten at the same address when its family's receipt changes, so it is
short-lived like the checkpoint announcing the change and revalidated by ETag.
Policy, keys, bundle and pages change rarely: a minute.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Final

IMMUTABLE: Final = "public, max-age=31536000, immutable"
CHECKPOINT: Final = "public, max-age=5, must-revalidate"
STATE: Final = "public, max-age=2, must-revalidate"
SHARD: Final = "public, max-age=10, must-revalidate"
SHORT: Final = "public, max-age=60"

TEXT: Final = "text/plain; charset=utf-8"
BINARY: Final = "application/octet-stream"

_PAGE_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".txt": TEXT,
    ".md": TEXT,
}


@dataclass(frozen=True)
class Headers:
    content_type: str
    cache_control: str
    compress: bool = False  # entry bundles: gzip (tlog-tiles "Log entries")


def headers_for(path: str) -> Headers:
    """Headers of `path` relative to the publication root (`<event>/...`, or a root file)."""
    parts = path.split("/")
    if len(parts) == 1:  # publication-kind
        return Headers(TEXT, SHORT)
    rest = "/".join(parts[1:])
    if rest.startswith("tile/entries/"):
        return Headers(BINARY, IMMUTABLE, compress=True)
    if rest.startswith("tile/"):
        return Headers(BINARY, IMMUTABLE)
    if rest.startswith("shards/"):
        return Headers(BINARY, SHARD)
    if rest in ("checkpoint", "context.tlog-proof"):  # both change with every checkpoint
        return Headers(TEXT, CHECKPOINT)
    if rest in ("state.json", "supervision.json") or rest.startswith("state/"):
        # the screen's state and pages, the supervisors' page's entry positions
        return Headers("application/json", STATE)
    if rest == "policy" or rest.startswith(("keys/", "bundle/")):
        return Headers(TEXT, SHORT)
    return Headers(_PAGE_TYPES.get(posixpath.splitext(rest)[1], BINARY), SHORT)
