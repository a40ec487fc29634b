"""The pages' files, shipped inside the package (so an installed wheel serves them).

`templates/` holds the Jinja2 pages, `static/` the CSS and browser scripts served
at `/static` (no CDN). Both are package data (pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

WEB_DIR: Final = Path(__file__).resolve().parent
TEMPLATE_DIR: Final = WEB_DIR / "templates"
STATIC_DIR: Final = WEB_DIR / "static"
