"""Taking in a new checkpoint never stalls look-ups (issue 13 §6; PROTOCOL.md §14).

One reader reads and decodes the new entries and extends the receipt index; every
look-up (`LogCache.serving`) meanwhile gets the previous snapshot (a signed checkpoint too) at once,
and the new snapshot is handed out only with its receipt index at its size.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from lottery_service.demo import DemoRun
from lottery_service.demo.district import generate_district
from lottery_service.service import snapshots
from lottery_service.service.snapshots import LogCache
from tests.support import make_runtime

EVENT = "demo-2026"


def test_readers_keep_the_previous_checkpoint_while_one_takes_in_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rt = make_runtime(tmp_path)
    try:
        run = DemoRun(rt, generate_district(applicants=1000), lambda _line: None)
        run.setup()
        run.registration()
        cache = LogCache(rt.service.db, max_age=0.0)
        before = cache.snapshot(EVENT)
        code = rt.service.lifecycle.eligibility_preview(EVENT).code
        assert rt.service.lifecycle.freeze_roster(EVENT, code)

        loading, release = threading.Event(), threading.Event()
        real = snapshots.load_entries

        def slow_load(*args: Any) -> Any:
            loading.set()
            assert release.wait(30)
            return real(*args)

        monkeypatch.setattr(snapshots, "load_entries", slow_load)
        taken: list[snapshots.Snapshot] = []
        updater = threading.Thread(target=lambda: taken.append(cache.snapshot(EVENT)))
        updater.start()
        assert loading.wait(30)
        started = time.monotonic()
        during = [cache.serving(EVENT) for _ in range(20)]
        waited = time.monotonic() - started
        release.set()
        updater.join(30)

        assert all(s is before for s in during) and waited < 5
        after = taken[0]
        assert after.size > before.size and after.note != before.note
        assert after.receipts.size == after.size  # indexed before it was handed out
        assert cache.snapshot(EVENT) is after
    finally:
        rt.close()
