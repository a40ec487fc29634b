"""HTML pages: event list, overview, ceremony screen, parents' checker, supervisors'
dashboard and the operator console (Jinja2 templates in `lottery_service/web/templates/`).

Every page reads the signed log through the API's log cache, never private
tables, so a page shows nothing the log does not say (G1). The ceremony screen
renders only from log entries it receives over the SSE stream; the parents'
page verifies its receipt in the browser with `static/receipt.js` (§14), and the
supervisors' dashboard cosigns checkpoints there with `static/cosign.js` (§12). All
assets are served from `/static`: no CDN. Language: Chinese by default,
`?lang=en` for English (`api/i18n.py`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Annotated, Any, Final

import segno
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ...core.seed import CEREMONIES
from ...errors import EventNotFoundError, SunshineError
from ...service.register_check import MAX_REGISTER
from ...service.rehearsals import is_rehearsal_origin
from ...service.snapshots import Snapshot
from ...views import UnknownEventError
from ...views.dashboard import CheckpointRow, DashboardView, dashboard_view, district_names
from ...web import TEMPLATE_DIR
from ..deps import ServiceDep
from ..errors import status_of
from ..i18n import LANGS, Lang, html_lang, js_strings, lang_of, t
from .stream import HallDep, no_event

STAGES = ("direct", "community", "district", "city")

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
router = APIRouter(include_in_schema=False)


def _render(request: Request, name: str, lang: Lang, status_code: int = 200,
            **context: Any) -> HTMLResponse:
    other: Lang = "en" if lang == "zh" else "zh"
    query = dict(request.query_params)
    query["lang"] = other
    switch_url = request.url.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    base = {
        "lang": lang, "html_lang": html_lang(lang), "langs": LANGS,
        "t": lambda key, **kw: t(lang, key, **kw),
        "q": "?lang=en" if lang == "en" else "",
        "static": "/static", "home_url": "/" + ("?lang=en" if lang == "en" else ""),
        "switch_url": switch_url, "switch_lang": html_lang(other),
        "js_strings": js_strings(lang),
    }
    return templates.TemplateResponse(request, name, {**base, **context},
                                       status_code=status_code)


def _public_base(request: Request) -> str | None:
    """Where the public reaches the service (SUNSHINE_PUBLIC_BASE_URL), never the Host."""
    base: str | None = request.app.state.runtime.settings.public_base_url
    return base


def qr_svg(url: str, scale: int = 8) -> Markup:
    """A QR code as inline SVG, made on the server (segno), so phones need no scanner site."""
    svg = segno.make(url, error="m").svg_inline(scale=scale, dark="#000000", light="#ffffff",
                                                border=4, omitsize=True)
    return Markup(svg)  # segno's own SVG; no user text in it


def _event_header(snap: Snapshot) -> dict[str, Any]:
    state = snap.state()
    rules = state.rules
    return {
        "event_id": snap.event, "title": rules.title if rules else snap.event,
        "phase": state.phase.value, "size": snap.size, "rules": rules,
        # §19: the banner of base.html; the checkpoint's first line is the log origin
        "rehearsal": is_rehearsal_origin(snap.note.partition("\n")[0]),
    }


# --------------------------------------------------------------- list, overview


@router.get("/", response_class=HTMLResponse)
def index(request: Request, service: ServiceDep, lang: str | None = None) -> HTMLResponse:
    events = [_event_header(service.snapshots.snapshot(event_id))
              for event_id in service.overview.event_ids()]
    return _render(request, "index.html", lang_of(lang), events=events)


@router.get("/events/{event_id}", response_class=HTMLResponse)
def overview(event_id: str, request: Request, service: ServiceDep,
             lang: str | None = None) -> HTMLResponse:
    snap = service.snapshots.snapshot(event_id)
    return _render(request, "overview.html", lang_of(lang), **_event_header(snap))


# ------------------------------------------------------------- ceremony screen


@router.get("/events/{event_id}/ceremony", response_class=HTMLResponse)
def ceremony(event_id: str, request: Request, hall: HallDep, lang: str | None = None,
             auto: Annotated[int, Query(ge=0, le=600)] = 0) -> HTMLResponse:
    """The hall screen in presenter mode (G1, S7): the frame here, the rest from the log.

    The screen fetches the compact state and streams the entries since its size
    (routes/stream.py); `?auto=N` turns the pages every N seconds. The QR code and
    URL are built from SUNSHINE_PUBLIC_BASE_URL only, never from the Host header.
    """
    language = lang_of(lang)
    try:
        rules = hall.states.rules(event_id)
    except UnknownEventError:
        raise no_event(event_id) from None
    check_url = None
    if hall.public_base_url is not None:
        check_url = f"{hall.public_base_url}/events/{event_id}/check" + (
            "?lang=en" if language == "en" else "")
    return _render(request, "ceremony.html", language, event_id=event_id,
                   title=rules["title"] if rules else event_id,
                   rehearsal=bool(rules and rules.get("rehearsal")),
                   check_url=check_url, qr_check=qr_svg(check_url, 6) if check_url else None,
                   config=hall_config(event_id, language,
                                      rules is None or bool(rules["waitlist_promotion"]),
                                      auto=auto))


POLL_S: Final = 5  # the published state.json lives 2 s in caches (§18.1)


def hall_config(event_id: str, lang: Lang, waitlist_promotion: bool, *, auto: int = 0,
                published: bool = False) -> dict[str, Any]:
    """The ceremony screen's `#config` (templates/ceremony.html; read by static/ceremony.js).

    From the app: the compact state, the name pages and the entry stream of the API.
    `published`: the screen is in the static publication (`api/site.py`) and reads
    `state.json` and `state/<school>/<list>/<page>.json` beside it, again every
    `poll` seconds: a static host has no stream."""
    api = f"/api/v1/events/{event_id}"
    rule_keys = ["rule.P4", "rule.P5", "rule.P7" if waitlist_promotion else "rule.P7_off",
                 "rule.P9", "rule.P10", "rule.P11"]
    if published:
        state, page, stream = "state.json", "state/{school}/{list}/{page}.json", None
    else:
        state, page = f"{api}/ceremony-state", f"{api}/ceremony-state/{{school}}/{{list}}/{{page}}"
        stream = f"{api}/stream"
    return {"event": event_id, "lang": lang, "auto": auto, "state": state, "page": page,
            "stream": stream, "poll": POLL_S if published else None,
            "rules": [[key[5:], t(lang, key)] for key in rule_keys]}


# --------------------------------------------------------------- parents' page


def parents_config(event_id: str, log_key: str, policy_text: str, *, drawn: bool,
                   public_base_url: str | None, published: bool = False,
                   env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The parents' page's `#config` object (templates/check.html; read by static/check.js).

    Everything the page shows that a receipt does not prove is the operator's public
    information, set per deployment (environment, with defaults); the receipt itself is
    checked against `policy` (the event's tlog-policy, §13.1), nothing else:

    - `event`, `origin` (the log key name, §12.1), `log_key`, `policy` (tlog-policy text);
    - `source`: "api" (POST `api`/proof returns the receipt as text/plain) or "static"
      (`static_base` is the §18 publication root of this event: shards/, checkpoint);
      `published`: the page itself is in that publication (`api/site.py`), so
      `static_base` is "./" and its public address is SUNSHINE_PUBLICATION_URL's;
    - `results_published`: false before the lottery results (the page says when, not why);
    - `public_url`: this page's public address, for the receipt's QR code, built from
      SUNSHINE_PUBLIC_BASE_URL (never from the request's Host header), else null;
    - `dates.results`, `payment.{deadline, where, amount}`, `next_step`: plain text;
    - `contact.{office, phone, hours, address}`: shown on every card and every failure.
    """
    publication = env.get("SUNSHINE_PUBLICATION_URL", "").rstrip("/")
    if published:
        static_base: str | None = "./"
        public_url = f"{publication}/{event_id}/check.html" if publication else None
    else:
        static_base = f"{publication}/{event_id}/" if publication else None
        public_url = f"{public_base_url}/events/{event_id}/check" if public_base_url else None
    return {
        "event": event_id, "origin": log_key.split("+", 1)[0], "log_key": log_key,
        "policy": policy_text,
        "source": "static" if static_base else "api",
        "api": f"/api/v1/events/{event_id}",
        "static_base": static_base,
        "results_published": drawn,
        "public_url": public_url,
        "dates": {"results": env.get("SUNSHINE_RESULTS_DATE") or None},
        "payment": {"deadline": env.get("SUNSHINE_PAYMENT_DEADLINE") or None,
                    "where": env.get("SUNSHINE_PAYMENT_WHERE") or None,
                    "amount": env.get("SUNSHINE_PAYMENT_AMOUNT") or None},
        "next_step": env.get("SUNSHINE_NEXT_STEP") or None,
        "contact": {"office": env.get("SUNSHINE_CONTACT_OFFICE", "区教育局招生办"),
                    "phone": env.get("SUNSHINE_CONTACT_PHONE") or None,
                    "hours": env.get("SUNSHINE_CONTACT_HOURS") or None,
                    "address": env.get("SUNSHINE_CONTACT_ADDRESS") or None},
    }


@router.get("/events/{event_id}/check", response_class=HTMLResponse)
def check(event_id: str, request: Request, service: ServiceDep,
          lang: str | None = None) -> HTMLResponse:
    """Look-up and in-browser receipt check (§14); mobile first."""
    snap = service.snapshots.snapshot(event_id)
    key = service.witnesses.log_key(event_id)
    config = parents_config(event_id, key, service.witnesses.policy(event_id),
                            drawn=bool(snap.state().lottery_summaries),
                            public_base_url=request.app.state.runtime.settings.public_base_url)
    return _render(request, "check.html", lang_of(lang), **_event_header(snap), config=config)


# ------------------------------------------------------------------ dashboard


def _supervision(service: ServiceDep, snap: Snapshot) -> DashboardView:
    """The supervisors' page data (views/dashboard.py), cached per checkpoint: the per-pool
    check recomputes the draw, which only a new checkpoint can change."""
    summaries = service.witnesses.summaries(snap.event)
    cosigned = tuple(CheckpointRow(c.size, c.root, c.cosignatures) for c in summaries)
    districts = os.environ.get("SUNSHINE_DISTRICT_NAMES") or ""
    key = (snap.event, snap.size, cosigned[:1], districts)
    view = _SUPERVISION.get(key)
    if view is None:
        names = service.overview.school_names(snap.event)
        _, witnesses = service.witnesses.keys(snap.event)
        view = dashboard_view(snap.state(), cosigned, len(witnesses), names,
                              district_names(districts))
        if len(_SUPERVISION) >= 8:
            _SUPERVISION.clear()
        _SUPERVISION[key] = view
    return view


_SUPERVISION: dict[tuple[str, int, tuple[CheckpointRow, ...], str], DashboardView] = {}


def _dashboard(request: Request, service: ServiceDep, event_id: str, lang: Lang,
               status_code: int = 200, **extra: Any) -> HTMLResponse:
    snap = service.snapshots.snapshot(event_id)
    grouping = snap.grouping()
    return _render(request, "dashboard.html", lang, status_code=status_code,
                   **_event_header(snap), view=_supervision(service, snap),
                   checkpoint_count=len(service.witnesses.sizes(event_id)),
                   grouped_schools=sorted(grouping),
                   witness_alarms=service.witnesses.alarms(event_id),  # §12.4
                   bundle_url=f"/api/v1/events/{event_id}/bundle.zip",
                   cosign_cmd=f"sunshine witness cosign {_public_base(request) or '<server-url>'} "
                              f"<token> {event_id} <key-file> --log-key "
                              f"{service.witnesses.log_key(event_id)}",
                   # static/dashboard.js cosigns in the browser against this pinned log key (§12)
                   config={"event": event_id, "api": f"/api/v1/events/{event_id}",
                           "log_key": service.witnesses.log_key(event_id),
                           "origin": service.witnesses.log_key(event_id).split("+", 1)[0]},
                   **extra)


@router.get("/events/{event_id}/dashboard", response_class=HTMLResponse)
def dashboard(event_id: str, request: Request, service: ServiceDep,
              lang: str | None = None) -> HTMLResponse:
    return _dashboard(request, service, event_id, lang_of(lang))


@router.post("/events/{event_id}/dashboard/register", response_class=HTMLResponse)
def register_check(event_id: str, request: Request, service: ServiceDep,
                   file: Annotated[UploadFile, File()],
                   school: Annotated[str, Form()],
                   lang: Annotated[str | None, Form()] = None) -> HTMLResponse:
    """S9: compare an uploaded class register with the logged grouping of one school."""
    language = lang_of(lang or request.query_params.get("lang"))
    try:
        done = service.register.check(event_id, school, file.file.read(MAX_REGISTER + 1))
    except SunshineError as exc:
        return _dashboard(request, service, event_id, language, status_code=status_of(exc),
                          register_error=exc.zh if language == "zh" else str(exc),
                          register_school=school)
    return _dashboard(request, service, event_id, language, register_diff=done.diff,
                      register_school=school, register_rows=done.rows)


# ------------------------------------------------------------------- operator


@router.get("/events/{event_id}/operate", response_class=HTMLResponse)
def operate(event_id: str, request: Request, service: ServiceDep,
            lang: str | None = None) -> HTMLResponse:
    """The guided console (static/operate.js); for an event not created yet, its creation.
    The token stays in the tab (sessionStorage), an escrow key in the notary's page."""
    try:
        header = _event_header(service.snapshots.snapshot(event_id))
    except EventNotFoundError:
        header = {"event_id": event_id, "title": event_id, "phase": "setup", "size": 0,
                  "rules": None}
    language = lang_of(lang)
    return _render(request, "operate.html", language, **header,
                   config={"event": event_id, "api": f"/api/v1/events/{event_id}",
                           "root": "/api/v1", "year": dt.date.today().year,
                           "lang": language})


# ------------------------------------------------------------------- API docs


@router.get("/api/v1/docs", response_class=HTMLResponse)
def api_docs(request: Request, lang: str | None = None) -> HTMLResponse:
    """Swagger UI over the OpenAPI document, from /static/vendor (swagger-ui-dist, no
    CDN); started by static/api-docs.js, as the CSP allows no inline script."""
    return _render(request, "api-docs.html", lang_of(lang),
                   config={"openapi": request.app.openapi_url})


# --------------------------------------------------------- ceremony participant


@router.get("/events/{event_id}/participate", response_class=HTMLResponse)
def participate(event_id: str, request: Request, service: ServiceDep,
                lang: str | None = None) -> HTMLResponse:
    """A participant's secret, commitment and escrow, made in the browser (§5.3, §5.4).

    The page is static; the escrow key and the logged commitments come from the
    public event API, and the secret never reaches this server except sealed.
    """
    snap = service.snapshots.snapshot(event_id)
    return _render(request, "participate.html", lang_of(lang), **_event_header(snap),
                   ceremonies=CEREMONIES,
                   config={"event": event_id, "api": f"/api/v1/events/{event_id}"})
