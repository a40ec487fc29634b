"""The read-only pages as plain files for the static publication (PROTOCOL.md §18.1 "the
pages' static assets"; issue 13 item 2), so results day needs no app server.

- `check.html` (Chinese) and `check.en.html`: the parents' page of `routes/pages.py`,
  same template and strings, in its static mode: it reads the family's shard,
  `checkpoint`, the tiles and `context.tlog-proof` from the directory it sits in
  (`static_base` "./") and verifies them in the browser. Giving a place up, the bundle
  download and the links to the other pages need the app server and are left out.
- `ceremony.html` and `ceremony.en.html`: the hall's screen, read-only, from the
  published `state.json` and name pages beside it, polled (`hall_config`); like the
  app's screen it shows the log's state and claims no verification.
- `supervise.html` and `supervise.en.html`: the supervisors' read-only view: the
  checkpoint with its witnesses, and the entries `supervision.json` names (each
  school's summary, the fairness tests, payment rounds, grouping, corrections), each
  read from the tiles and checked in the browser (static/supervise-view.js).
  Cosigning and the class-register re-check need the app server's dashboard.
- `static/`: exactly what those pages load: the stylesheet and icon, and the modules
  the page scripts import, directly or through others (static or dynamic `import`),
  vendored libraries included.

With SUNSHINE_PUBLICATION_URL (the public address of the publication root) the
parents' page's receipt QR code and the hall screen's QR code name
`<url>/<event>/check.html`; without it the hall screen says it has no public address.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from ..service.publication import EventPage
from ..views.dashboard import district_names
from ..web import STATIC_DIR
from .i18n import LANGS, Lang, html_lang, js_strings, t
from .routes.pages import hall_config, parents_config, qr_svg, templates

__all__ = ["PAGES", "page_files", "write_pages"]

# template → file per language
PAGES: Final[dict[str, dict[Lang, str]]] = {
    "check.html": {"zh": "check.html", "en": "check.en.html"},
    "ceremony.html": {"zh": "ceremony.html", "en": "ceremony.en.html"},
    "supervise.html": {"zh": "supervise.html", "en": "supervise.en.html"},
}
_ENTRY: Final = ("check.js", "ceremony.js", "supervise.js", "site.css", "favicon.svg")
_IMPORT: Final = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["'](\./[^"']+)["']""")


def page_files(entry: tuple[str, ...] = _ENTRY) -> list[str]:
    """The files under static/ the pages load: `entry` and every module imported from a
    module already in (relative `./` imports only: the pages load nothing from elsewhere)."""
    found: list[str] = []
    todo = list(entry)
    while todo:
        rel = todo.pop()
        if rel in found:
            continue
        found.append(rel)
        if rel.endswith(".js") and not rel.startswith("vendor/"):
            text = (STATIC_DIR / rel).read_text(encoding="utf-8")
            base = rel.rpartition("/")[0]
            todo += [(f"{base}/" if base else "") + m.removeprefix("./")
                     for m in _IMPORT.findall(text)]
    return sorted(found)


def write_pages(page: EventPage, directory: Path,
                env: Mapping[str, str] = os.environ) -> None:
    """Write the read-only pages of `page`'s event and their `static/` into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    publication = env.get("SUNSHINE_PUBLICATION_URL", "").rstrip("/")
    parents = parents_config(page.event, page.log_key, page.policy, drawn=page.drawn,
                             public_base_url=None, published=True, env=env)
    for template, files in PAGES.items():
        for lang, name in files.items():
            other: Lang = "en" if lang == "zh" else "zh"
            extra: dict[str, Any]
            if template == "check.html":
                extra = {"config": parents}
            elif template == "supervise.html":
                extra = {"config": {"event": page.event, "policy": page.policy,
                                    "static_base": "./", "locale": html_lang(lang),
                                    "districts": district_names(
                                        env.get("SUNSHINE_DISTRICT_NAMES"))}}
            else:
                url = f"{publication}/{page.event}/{PAGES['check.html'][lang]}" \
                    if publication else None
                extra = {"config": hall_config(page.event, lang, page.waitlist_promotion,
                                               published=True),
                         "check_url": url, "qr_check": qr_svg(url, 6) if url else None}
            html = templates.env.get_template(template).render(
                lang=lang, html_lang=html_lang(lang), langs=LANGS,
                t=lambda key, _lang=lang, **kw: t(_lang, key, **kw), q="",
                static="static", home_url=PAGES["check.html"][lang], switch_url=files[other],
                switch_lang=html_lang(other), js_strings=js_strings(lang), static_page=True,
                event_id=page.event, title=page.title, rehearsal=page.rehearsal, **extra)
            (directory / name).write_text(html, encoding="utf-8")
    for rel in page_files():
        target = directory / "static" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((STATIC_DIR / rel).read_bytes())
