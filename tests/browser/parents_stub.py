"""A stub server for the parents' page in real Chromium (PROTOCOL.md v2 §14, §18).

The Python service on this branch still speaks v1, so the page is driven against this
small Starlette app instead: it renders the real `web/templates/check.html` with the real
page config (`api/routes/pages.parents_config`) and serves the real static assets, and
answers with receipts built from `tests/vectors/receipt_log` by the independent vector
generator (`tests/vectors/generate_receipts.py`, written from PROTOCOL.md alone):

- POST /api/v1/events/<e>/proof -> the receipt as text/plain (404 for a wrong factor);
- GET  /api/v1/events/<e>/checkpoints/<n>/consistency?from=m -> {proof: [hex...]};
- GET  /pub/<e>/checkpoint and /pub/<e>/shards/<aa>/<address> -> the §18 publication.

Each test sets `Stub.answers` (reg -> checkpoint size) and may set `tamper` (a function
on the receipt text), `latest` (the published checkpoint size), `drawn` or `source`.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lottery_service.api.i18n import html_lang, js_strings, t
from lottery_service.api.routes.pages import parents_config, templates
from lottery_service.web import STATIC_DIR
from tests.paths import ROOT

VECTORS = ROOT / "tests" / "vectors"
FACTOR = "123X"  # every family's second factor here (§18.3)
ENV = {  # the operator's public information (pages.parents_config reads these)
    "SUNSHINE_CONTACT_OFFICE": "云岩区教育局招生办", "SUNSHINE_CONTACT_PHONE": "0851-8661-2345",
    "SUNSHINE_CONTACT_HOURS": "工作日 9:00–17:00", "SUNSHINE_RESULTS_DATE": "2026年7月1日",
    "SUNSHINE_PAYMENT_DEADLINE": "2026年7月10日 17:00",
    "SUNSHINE_PAYMENT_WHERE": "阳光实验学校财务室（工作日 8:30–17:00）",
    "SUNSHINE_PAYMENT_AMOUNT": "以学校缴费通知书为准",
    "SUNSHINE_NEXT_STEP": "由区教育局统筹安排到就近公办学校，7月15日前短信通知。",
}


def _generator() -> Any:
    sys.path.insert(0, str(VECTORS))
    try:
        return importlib.import_module("generate_receipts")
    finally:
        sys.path.remove(str(VECTORS))


GEN = _generator()
SEASON = GEN.season()
EVENT: str = GEN.EVENT
ORIGIN: str = GEN.ORIGIN
POLICY: str = (VECTORS / "receipt_log" / "policy").read_text(encoding="utf-8")
LOG_KEY: str = POLICY.split("\n")[0].split(" ")[1]
SIZES: list[int] = sorted(SEASON["notes"])


def receipt(reg: str, size: int) -> str:
    """The generator's receipt for reg at the checkpoint of `size` (§14)."""
    text: str = GEN.make_receipt(SEASON, reg, size)
    return text


def note(size: int) -> str:
    text: str = SEASON["notes"][size]
    return text


def shard(reg: str, size: int, factor: str = FACTOR) -> tuple[str, bytes]:
    """§18.3: (address, nonce ‖ AES-256-GCM(receipt, aad = address))."""
    m = json.dumps({"factor": factor, "origin": ORIGIN, "reg": reg}, separators=(",", ":"),
                   ensure_ascii=False).encode()
    address = hashlib.sha256(b"sunshine-draw/v2/shard-address\x00" + m).hexdigest()
    key = hashlib.sha256(b"sunshine-draw/v2/shard-key\x00" + m).digest()
    nonce = os.urandom(12)
    return address, nonce + AESGCM(key).encrypt(nonce, receipt(reg, size).encode(),
                                                  address.encode())


@dataclass
class Stub:
    answers: dict[str, int] = field(default_factory=dict)
    tamper: Callable[[str], str] | None = None
    latest: int | None = None
    drawn: bool = True
    source: str = "api"
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.answers, self.tamper, self.latest = {}, None, None
        self.drawn, self.source, self.requests = True, "api", []

    def config(self, base: str) -> dict[str, Any]:
        env = dict(ENV)
        if self.source == "static":
            env["SUNSHINE_PUBLICATION_URL"] = f"{base}/pub"
        return parents_config(EVENT, LOG_KEY, POLICY, drawn=self.drawn, public_base_url=base,
                              env=env)

    # ---------------------------------------------------------------- routes

    async def page(self, request: Request) -> Response:
        lang = "en" if request.query_params.get("lang") == "en" else "zh"
        base = str(request.base_url).rstrip("/")
        context = {
            "lang": lang, "html_lang": html_lang(lang), "q": "?lang=en" if lang == "en" else "",
            "t": lambda key, **kw: t(lang, key, **kw), "switch_url": "?lang=en",
            "static": "/static", "home_url": "/",
            "switch_lang": "en", "js_strings": js_strings(lang), "event_id": EVENT,
            "title": "云岩区2026年民办学校招生（演示）", "config": self.config(base),
        }
        return templates.TemplateResponse(request, "check.html", context)

    async def proof(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        reg = body.get("reg")
        if body.get("id_last4") != FACTOR or reg not in self.answers:
            return JSONResponse({"error": "NotFound", "detail": t("zh", "not_found")}, 404)
        text = receipt(reg, self.answers[reg])
        if self.tamper:
            text = self.tamper(text)
        return PlainTextResponse(text)

    async def consistency(self, request: Request) -> Response:
        new, old = int(request.path_params["size"]), int(request.query_params["from"])
        leaves = SEASON["log"].leaves(new)
        return JSONResponse({"old_size": old, "new_size": new,
                             "proof": [h.hex() for h in GEN.consistency_proof(old, leaves)]})

    async def checkpoint(self, request: Request) -> Response:
        return PlainTextResponse(note(self.latest or SIZES[-1]))

    async def shard(self, request: Request) -> Response:
        address = request.path_params["address"]
        for reg, size in self.answers.items():
            a, data = shard(reg, size)
            if a == address:
                return Response(data, media_type="application/octet-stream")
        return Response(status_code=404)

    def app(self) -> Starlette:
        e = EVENT
        return Starlette(routes=[
            Route(f"/events/{e}/check", self.page),
            Route(f"/api/v1/events/{e}/proof", self.proof, methods=["POST"]),
            Route(f"/api/v1/events/{e}/checkpoints/{{size:int}}/consistency", self.consistency),
            Route(f"/pub/{e}/checkpoint", self.checkpoint),
            Route(f"/pub/{e}/shards/{{aa}}/{{address}}", self.shard),
            Mount("/static", StaticFiles(directory=str(STATIC_DIR))),
        ])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
