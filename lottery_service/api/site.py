"""The parents' page as plain files for the static publication (PROTOCOL.md §18.1 "the
pages' static assets"; issue 13 item 2), so families check their result with the app
server offline.

`check.html` (Chinese) and `check.en.html` are the parents' page of `routes/pages.py`,
rendered with the same template and strings, in the page's static mode: it reads the
family's shard, `checkpoint`, the tiles and `context.tlog-proof` from the directory it
sits in (`static_base` "./") and verifies them in the browser. What needs the app
server (giving a place up, the bundle download, the other pages) is left out.
`static/` holds exactly what the page loads: its stylesheet and icon, and the modules
`check.js` imports, directly or through others (static or dynamic `import`), vendored
libraries included.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from ..service.publication import EventPage
from ..web import STATIC_DIR
from .i18n import LANGS, Lang, html_lang, js_strings, t
from .routes.pages import parents_config, templates

__all__ = ["PAGE_FILES", "page_files", "write_parents_page"]

PAGE_FILES: Final[dict[Lang, str]] = {"zh": "check.html", "en": "check.en.html"}
_ENTRY: Final = ("check.js", "site.css", "favicon.svg")
_IMPORT: Final = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["'](\./[^"']+)["']""")


def page_files(entry: tuple[str, ...] = _ENTRY) -> list[str]:
    """The files under static/ the page loads: `entry` and every module imported from a
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


def write_parents_page(page: EventPage, directory: Path) -> None:
    """Write `check.html`, `check.en.html` and `static/` for `page` into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    config = parents_config(page.event, page.log_key, page.policy, drawn=page.drawn,
                            public_base_url=None, published=True)
    template = templates.env.get_template("check.html")
    for lang, name in PAGE_FILES.items():
        other: Lang = "en" if lang == "zh" else "zh"
        html = template.render(
            lang=lang, html_lang=html_lang(lang), langs=LANGS,
            t=lambda key, _lang=lang, **kw: t(_lang, key, **kw), q="",
            static="static", home_url=name, switch_url=PAGE_FILES[other],
            switch_lang=html_lang(other), js_strings=js_strings(lang), static_page=True,
            event_id=page.event, title=page.title, rehearsal=page.rehearsal, config=config)
        (directory / name).write_text(html, encoding="utf-8")
    for rel in page_files():
        target = directory / "static" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((STATIC_DIR / rel).read_bytes())
