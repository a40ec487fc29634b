"""The suite cannot hide under CI (issue 14 item 6): `CI=true` with PostgreSQL, Chromium,
Node or the shared vectors missing stops the run; a test that would skip fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import conftest as rules  # the rule under test
from tests.paths import ROOT


def _pytest(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *args], cwd=ROOT, env={**base, **env}, capture_output=True,
                          text=True, timeout=300, check=False)


def test_ci_without_postgresql_stops_before_any_test() -> None:
    run = _pytest(["tests/unit/test_canonical.py"], CI="true")
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "CI=true, but this machine lacks: PostgreSQL" in run.stderr
    assert " passed" not in run.stdout


def test_ci_names_each_missing_part(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(rules, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(rules, "SHARED_VECTORS", tmp_path / "no-vectors")
    monkeypatch.setattr(rules, "HAS_POSTGRES", False)
    monkeypatch.setattr(rules.shutil, "which", lambda _name: None)
    missing = " ".join(rules.ci_missing())
    for part in ("PostgreSQL", "Chromium", "Node", "shared vectors"):
        assert part in missing


def test_under_ci_a_skip_is_a_failure(tmp_path: Path) -> None:
    if rules.ci_missing():
        pytest.skip("needs what CI has: " + "; ".join(rules.ci_missing()))
    (tmp_path / "test_skips.py").write_text(
        "import pytest\n\ndef test_needs_a_printer():\n    pytest.skip('no printer here')\n")
    url = os.environ["DATABASE_URL"]
    ci = _pytest(["-p", "tests.conftest", str(tmp_path / "test_skips.py")], CI="true",
                 DATABASE_URL=url)
    assert ci.returncode == pytest.ExitCode.TESTS_FAILED, ci.stdout + ci.stderr
    assert "skipped under CI=true, which allows no skip: Skipped: no printer here" in ci.stdout
    local = _pytest(["-p", "tests.conftest", str(tmp_path / "test_skips.py")],
                    DATABASE_URL=url)
    assert local.returncode == pytest.ExitCode.OK and "1 skipped" in local.stdout
