"""Notifications at city scale (issue 13 item 6: ≥ 2,000 messages/s through the stub).

An event with N families (default 20,000, one phone each) is drawn in a temporary
data directory (SQLite, or PostgreSQL with --postgres and DATABASE_URL); then
`Notifications.notify(event, "draw")` runs the whole step: queue one outbox row per
phone, send in batches of 100 through the real Alibaba Cloud SDK to the local stub
of its HTTP API (tests/aliyun_sms_stub.py, in its own process as a remote gateway
would be, signatures checked), record each batch's answers, count.
`notify_msgs_per_s` is messages sent over that whole step's wall time; the stub's
records are checked: every number exactly once.

Usage: python bench/notify.py [--families 20000] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lottery_service.api import create_app  # noqa: E402
from lottery_service.service.sms import SmsSettings  # noqa: E402
from lottery_service.service.sms_aliyun import AliyunGateway, AliyunSettings  # noqa: E402
from tests.aliyun_sms_stub import env_for  # noqa: E402
from tests.integration.api.conftest import (  # noqa: E402
    APPLICANT_HEADER,
    OPERATOR,
    SCHOOLS_CSV,
    Season,
)
from tests.support import make_runtime  # noqa: E402

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

TARGET = 2000.0


def applicants(n: int) -> bytes:
    rows = [f"B{i:08d},钱小{i % 100}明,{'男' if i % 2 else '女'},2019-05-01,D01,户籍,否,否,"
            f"{'S001' if i % 2 else 'S002'},,2026-06-1{i % 9},{i % 10000:04d},"
            f"13{i:09d}\n" for i in range(n)]
    return (APPLICANT_HEADER + "".join(rows)).encode()


@contextmanager
def stub_process(folder: Path, counts: dict[str, object]) -> Iterator[int]:
    """The stub in a child process; on exit, `counts` gets what it received."""
    port_file, counts_file = folder / "stub.port", folder / "stub.counts"
    child = subprocess.Popen([sys.executable, "-m", "tests.aliyun_sms_stub", str(port_file),
                              str(counts_file)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline or child.poll() is not None:
                raise SystemExit("the gateway stub did not start")
            time.sleep(0.05)
        yield int(port_file.read_text())
    finally:
        child.terminate()
        child.wait(30)
    counts.update(json.loads(counts_file.read_text()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true",
                        help="use DATABASE_URL (its public schema is dropped)")
    args = parser.parse_args()
    received: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp, stub_process(Path(tmp), received) as port:
        rt = make_runtime(Path(tmp) / "data", "postgres" if args.postgres else "sqlite")
        try:
            started = time.perf_counter()
            with TestClient(create_app(rt, operator=OPERATOR)) as client:
                season = Season(client, "bench-2026")
                season.create()
                assert season.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
                answer = season.upload("applicants", applicants(args.families))
                assert answer.status_code == 200, answer.text
                season.freeze_roster()
                season.ceremony("lottery")
                season.post("/draw")
            setup_s = time.perf_counter() - started
            notices = rt.service.notifications
            notices.gateway = AliyunGateway(AliyunSettings.from_env(env_for(port)))
            notices.settings = SmsSettings(provider="aliyun",
                                           public_base_url="https://zhaosheng.example.gov.cn")
            started = time.perf_counter()
            done = notices.notify(season.event, "draw")
            notify_s = time.perf_counter() - started
        finally:
            rt.close()
    per_phone = received["per_phone"]
    requests = received["requests"]
    assert isinstance(per_phone, dict) and isinstance(requests, dict)
    if done.sent != args.families or len(per_phone) != args.families or \
            set(per_phone.values()) != {1}:
        raise SystemExit(f"not every number got exactly one message: {done}")
    results = {
        "notify_messages": done.sent,
        "notify_s": round(notify_s, 2),
        "notify_msgs_per_s": round(done.sent / notify_s),
        "notify_batches": requests.get("SendBatchSms", 0),
        "notify_backend": "postgres" if args.postgres else "sqlite",
    }
    latest = ROOT / "bench" / "latest.json"
    previous = json.loads(latest.read_text()) if latest.exists() else {}
    previous.update(results)
    latest.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")
    print(f"setup (import, ceremony, draw of {args.families:,}): {setup_s:.1f} s")
    for key, value in results.items():
        print(f"{key:<24}{value!s:>12}" + (f"  target ≥ {TARGET:,.0f}"
                                            if key == "notify_msgs_per_s" else ""))
    if done.sent / notify_s < TARGET:
        raise SystemExit(f"below {TARGET:,.0f} messages/s")


if __name__ == "__main__":
    os.environ.setdefault("SUNSHINE_SMS_PROVIDER", "file")
    main()
