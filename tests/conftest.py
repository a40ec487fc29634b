"""Shared fixtures (see tests/support.py for the backends), and the CI rule.

Under `CI=true` (how `.ci/run` is started) nothing may hide: a missing
PostgreSQL (DATABASE_URL), Chromium, Node or shared vector folder stops the run
before any test, and any test that would skip fails instead, saying why. On a
developer's machine the same tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.paths import SHARED_VECTORS
from tests.support import BACKENDS, HAS_POSTGRES

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = Path("/usr/bin/chromium")


def ci_missing() -> list[str]:
    """What CI needs and this machine lacks."""
    needs = {
        "PostgreSQL (DATABASE_URL=postgresql+psycopg://…)": HAS_POSTGRES,
        f"headless Chromium ({CHROMIUM})": CHROMIUM.exists(),
        "Node 20+ (node on PATH)": shutil.which("node") is not None,
        f"the shared vectors ({SHARED_VECTORS})": SHARED_VECTORS.is_dir(),
    }
    return [what for what, present in needs.items() if not present]


def pytest_configure(config: pytest.Config) -> None:
    missing = ci_missing() if CI else []
    if missing:
        raise pytest.UsageError("CI=true, but this machine lacks: " + "; ".join(missing)
                                + " (.ci/run installs and starts them)")


def _fail_instead_of_skip(report: Any) -> None:
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which allows no skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    _fail_instead_of_skip(outcome.get_result())  # type: ignore[attr-defined]


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    _fail_instead_of_skip(outcome.get_result())  # type: ignore[attr-defined]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each service test runs on SQLite and, where available, PostgreSQL."""
    value: str = request.param
    return value
