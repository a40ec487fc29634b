"""Sent exactly once across kill -9 (issue 11 item 5: "after a kill -9 during sending,
one family got the same message twice").

A real `sunshine notices send` process sends the draw results of 350 families in
batches of 100 (four senders in parallel) through the Alibaba Cloud SDK to the local
stub of its API. The stub holds the third batch, either after recording it (the
gateway has it) or before (it never will); the sender is killed with SIGKILL right
then, and a new process resumes. Every number gets its message exactly once: the
resumed process asks the gateway (QuerySendDetails, by the batch's OutId) before
sending again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lottery_service.api import create_app
from lottery_service.storage.family_tables import SmsOutboxTable
from tests.aliyun_sms_stub import Stub, env_for, serve_stub
from tests.integration.api.conftest import (
    APPLICANT_HEADER,
    OPERATOR,
    SCHOOLS_CSV,
    Season,
    runtime_at,
)
from tests.paths import ROOT
from tests.support import BACKENDS, untraced

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

FAMILIES = 350
EVENT = "kill-2026"


def _applicants() -> bytes:
    rows = [f"K2026{i:04d},赵小{i}明,{'男' if i % 2 else '女'},2019-05-01,D01,户籍,否,否,"
            f"{'S001' if i % 3 else 'S002'},,2026-06-1{i % 9},{1000 + i:04d},1370000{i:04d}\n"
            for i in range(FAMILIES)]
    return (APPLICANT_HEADER + "".join(rows)).encode()


def _prepare(data: Path, backend: str) -> str:
    rt = runtime_at(data, backend)
    url = rt.engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(rt, operator=OPERATOR)) as client:
        season = Season(client, EVENT)
        season.create()
        assert season.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
        assert season.upload("applicants", _applicants()).status_code == 200
        season.freeze_roster()
        season.ceremony("lottery")
        season.post("/draw")
    rt.close()
    return url


def _statuses(data: Path, backend: str, url: str) -> dict[str, int]:
    from lottery_service.config import Settings
    from lottery_service.runtime import open_runtime

    rt = open_runtime(Settings(data_dir=data, audit_dir=data / "audit", database_url=url))
    try:
        with rt.service.db.read() as session:
            rows = session.execute(select(SmsOutboxTable.status, func.count())
                                   .group_by(SmsOutboxTable.status)).all()
        return {status: n for status, n in rows}
    finally:
        rt.close()


# Each moment of the kill once, one on each backend (the suite's time budget).
@pytest.mark.parametrize(("backend", "gateway_has_it"), [
    pytest.param("sqlite", False, id="sqlite-held-before"),
    pytest.param("postgres", True, id="postgres-held-after", marks=BACKENDS[1].marks),
])
def test_kill_9_mid_batch_then_resume_sends_each_message_once(
        tmp_path: Path, backend: str, gateway_has_it: bool) -> None:
    url = _prepare(tmp_path, backend)
    stub = Stub(hold_after=3) if gateway_has_it else Stub(hold_before=3)
    with serve_stub(stub):
        env = {**untraced(dict(os.environ)), **env_for(stub.port), "DATABASE_URL": url,
               "SUNSHINE_PUBLIC_BASE_URL": "https://zhaosheng.example.gov.cn",
               "SUNSHINE_SMS_SETTLE_SECONDS": "0", "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "lottery_service", "notices", "send", EVENT, "draw",
                   "--data", str(tmp_path)]
        sender = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            assert stub.held.wait(120), "the third batch never reached the gateway"
            os.kill(sender.pid, signal.SIGKILL)
        finally:
            sender.wait(30)
        assert sender.returncode == -signal.SIGKILL
        stub.release.set()

        # killed mid-batch: the held batch (and any other in flight) is `sending`
        left = _statuses(tmp_path, backend, url)
        assert left.get("sending", 0) >= 100 and sum(left.values()) == FAMILIES
        assert left.get("sent", 0) < FAMILIES - 100
        if not gateway_has_it:  # the held batch never reached the gateway's records
            assert len(stub.records) <= FAMILIES - 50

        resumed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                 timeout=300, check=False)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert f"已发送 {FAMILIES} 条" in resumed.stdout
    per_phone = Counter(r.phone for r in stub.records)
    assert len(per_phone) == FAMILIES and set(per_phone.values()) == {1}  # exactly once
    assert stub.requests.count("QuerySendDetails") >= 100  # asked before any resend
    # batches found at the gateway after the kill took their receipt status from it
    done = _statuses(tmp_path, backend, url)
    assert done.get("sent", 0) + done.get("delivered", 0) == FAMILIES
