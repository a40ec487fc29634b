"""Resumption after kill -9 at step boundaries: a crash at any point resumes to the
same result (never get stuck: a ceremony that has started can always finish)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lottery_service.demo import DemoRun, run_demo
from lottery_service.demo.district import generate_district
from lottery_service.service.keys import LOG_KEY_FILE, LOOKUP_KEY_FILE, REHEARSAL_KEY_FILE
from tests.integration.service.test_season import APPLICANTS, demo_env, public_history, quiet
from tests.support import POSTGRES_URL, make_runtime, untraced


def test_kill9_between_steps_resumes_to_the_same_season(tmp_path: Path, backend: str) -> None:
    """kill -9 after each step in turn, restart each time: the log ends identical to an
    uninterrupted season's (times aside) and the bundle verifies. Every step boundary is
    a crash point on one backend: SQLite after the 1st, 3rd, … step, PostgreSQL after
    the 2nd, 4th, … (together every step, in the suite's time budget). Both runs are one
    deployment: the crashed one starts from the reference's keys (its origin, §12.1, and
    keyed hashes), but with its own empty signed history (§12.2)."""
    reference = make_runtime(tmp_path / "reference", backend)
    try:
        run_demo(reference, applicants=APPLICANTS, say=quiet)
        expected = public_history(reference, "demo-2026")
        steps = [name for name, _ in DemoRun(reference, generate_district(
            applicants=APPLICANTS), quiet).steps()]
    finally:
        reference.close()

    (tmp_path / "crash").mkdir()
    for name in (LOG_KEY_FILE, REHEARSAL_KEY_FILE, LOOKUP_KEY_FILE):
        shutil.copy2(tmp_path / "reference" / name, tmp_path / "crash" / name)
    crash = make_runtime(tmp_path / "crash", backend)  # fresh schema / file
    crash.close()
    env = untraced(demo_env(tmp_path, backend))  # a property, not a coverage source
    command = [sys.executable, "-m", "lottery_service", "demo", "--applicants",
               str(APPLICANTS), "--data", str(tmp_path / "crash")]
    for step in steps[:-1][0 if backend == "sqlite" else 1::2]:
        run = subprocess.run(command, env={**env, "SUNSHINE_DEMO_KILL_AFTER": step},
                             cwd=tmp_path, capture_output=True, text=True, check=False)
        assert run.returncode == -9, (step, run.stdout[-2000:], run.stderr[-2000:])
    final = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                           check=False)
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]
    assert "VERIFICATION FAILED" not in final.stdout and "RESULT: " in final.stdout

    resumed = make_runtime(tmp_path / "crash", "sqlite") if backend == "sqlite" else None
    if resumed is None:  # PostgreSQL: the schema holds the crashed run's data
        from lottery_service.config import Settings
        from lottery_service.runtime import open_runtime

        resumed = open_runtime(Settings(data_dir=tmp_path / "crash",
                                        audit_dir=tmp_path / "audit", database_url=POSTGRES_URL))
    try:
        assert public_history(resumed, "demo-2026") == expected
    finally:
        resumed.close()
