"""Test support: the database backends every service test runs against.

SQLite (a real file) always; PostgreSQL when DATABASE_URL names one (CI's
`.ci/run` starts the machine's cluster and sets it), else those cases skip
with the reason. Each PostgreSQL runtime starts from an empty schema.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from lottery_service.config import Settings
from lottery_service.runtime import Runtime, open_runtime


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own database, `<name>_<worker>`, created
    on first use, so no worker drops another's schema (`database_url`); DATABASE_URL is
    set to it, so the CLI and servers the tests start use it too."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url.startswith("postgresql") or not worker:
        return url
    base = sqlalchemy.engine.make_url(url)
    mine = base.set(database=f"{base.database}_{worker}")
    engine = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": mine.database}).first()
        if exists is None:
            conn.exec_driver_sql(f'CREATE DATABASE "{mine.database}"')
    engine.dispose()
    os.environ["DATABASE_URL"] = text = mine.render_as_string(hide_password=False)
    return text


POSTGRES_URL = _worker_database(os.environ.get("DATABASE_URL", ""))
HAS_POSTGRES = POSTGRES_URL.startswith("postgresql")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not HAS_POSTGRES, reason="no PostgreSQL: DATABASE_URL is not set "
                           "(.ci/run starts the machine's cluster and sets it)"),
    ]),
]


def database_url(backend: str, path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{path}/sunshine.db"
    engine = sqlalchemy.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return POSTGRES_URL


def make_runtime(path: Path, backend: str = "sqlite") -> Runtime:
    """A fresh service runtime with its data in `path` on the given backend."""
    path.mkdir(parents=True, exist_ok=True)
    return open_runtime(Settings(data_dir=path, audit_dir=path / "audit",
                                 database_url=database_url(backend, path)))


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port in a thread."""
    import threading
    import time

    import uvicorn

    from tests.nginx_support import free_port

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True
        thread.join(timeout=5)


def verified_fields(rt: Runtime, event: str, answer: dict[str, Any]) -> dict[str, Any]:
    """What a family's page would show for a `/lookup` answer: the fields the standalone
    verifier reads from the receipt after its §14 checks pass under the event's policy."""
    from verifier import receipt as verifier_receipt

    report = verifier_receipt.check(answer["receipt"], rt.service.witnesses.policy(event),
                                    answer["reg"])
    assert report.ok, report
    assert report.fields is not None
    return report.fields


_VERIFIER_KEY = re.compile(r"\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*")


def key_masked_id(value: object) -> str | None:
    """A parametrize id with every verifier key (`name+<id>+<base64>`) shown as `+KEY`:
    keys generated at import differ per process, ids must not (pytest-xdist)."""
    return _VERIFIER_KEY.sub("+KEY", value) if isinstance(value, str) else None


@contextmanager
def serve_processes(count: int, data: Path, env: dict[str, str], ready_path: str,
                    log: Path, deadline_s: float = 90) -> Iterator[list[str]]:
    """`count` real `sunshine serve` processes on one data directory (and the database
    `env` names), each on its own loopback port; yields their base URLs once every one
    answers `ready_path` below 500, and stops them (SIGTERM, then SIGKILL) afterwards."""
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from tests.nginx_support import free_port
    from tests.paths import ROOT

    ports = [free_port() for _ in range(count)]
    with log.open("ab") as out:
        procs = [subprocess.Popen(
            [sys.executable, "-m", "lottery_service", "serve", "--port", str(p),
             "--data", str(data)], cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
            stdout=out, stderr=out) for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        deadline = time.monotonic() + deadline_s
        for base, proc in zip(bases, procs, strict=True):
            while True:
                assert proc.poll() is None, log.read_text(encoding="utf-8", errors="replace")
                try:
                    if httpx.get(f"{base}{ready_path}", timeout=2).status_code < 500:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield bases
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def untraced(env: dict[str, str]) -> dict[str, str]:
    """`env` for a subprocess that coverage leaves alone (coverage's `patch =
    ["subprocess"]` hands its configuration down in COVERAGE_PROCESS_CONFIG): for tests
    that run the same command dozens of times to check a property (kill -9 and resume),
    not to cover its code, which other tests do."""
    return {k: v for k, v in env.items() if not k.startswith("COVERAGE_PROCESS_")}


@contextmanager
def tracer_paused() -> Iterator[None]:
    """Pause coverage's tracer in this thread for a property sweep that calls the same
    functions tens of thousands of times (the exhaustive grouping checks): those lines
    are covered by the other tests, and tracing would triple the sweep's time. An xdist
    worker runs two coverage tracers (pytest-cov's and the one `patch = ["subprocess"]`
    starts in every process), so this clears the thread's trace function itself and
    reinstalls it after (coverage's CTracer supports being set again)."""
    tracer = sys.gettrace()
    sys.settrace(None)
    try:
        yield
    finally:
        sys.settrace(tracer)


def proof_x(text: str) -> Any:
    """X of a receipt or event context: its extra line inflated and parsed (§14)."""
    line = text.split("\n")[1]
    return json.loads(zlib.decompress(base64.b64decode(line.removeprefix("extra "))))


def with_proof_x(text: str, x: Any) -> str:
    """`text` with its X replaced (encoded as §14 does: sorted, compact, zlib): what a
    tampering proxy or CDN would serve."""
    lines = text.split("\n")
    raw = json.dumps(x, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    lines[1] = "extra " + base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
    return "\n".join(lines)
