"""Where the suite's files live, said once (tests are free to move between folders)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
VECTORS = TESTS / "vectors"
FIXTURES = TESTS / "fixtures"
SHARED_VECTORS = ROOT.parent / "shared" / "vectors"
WEB = ROOT / "lottery_service" / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
