"""`sunshine serve` as a process: it stops within 2 s of SIGTERM or SIGINT even while live
streams (SSE) are open, which never end by themselves (issue 12 item 7): uvicorn waits
one second for them, then cancels them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lottery_service.demo.district import demo_rules
from tests.nginx_support import free_port
from tests.paths import ROOT
from tests.support import make_runtime

EVENT = "serve-2026"


def _open_stream(port: int) -> socket.socket:
    """A live-stream client that has received the stream's first frame."""
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall(f"GET /api/v1/events/{EVENT}/stream HTTP/1.1\r\nHost: x\r\n"
                   f"Accept: text/event-stream\r\n\r\n".encode())
    received = b""
    while b"retry: 2000" not in received:
        chunk = client.recv(4096)
        assert chunk, received
        received += chunk
    assert received.startswith(b"HTTP/1.1 200")
    return client


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_within_2_s_with_live_streams_open(tmp_path: Path,
                                                       sig: signal.Signals) -> None:
    data = tmp_path / "data"
    rt = make_runtime(data)
    try:
        rt.service.lifecycle.create_event(demo_rules(EVENT))
    finally:
        rt.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "lottery_service", "serve", "--port", str(port),
         "--data", str(data)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    clients: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while not clients:
            try:
                clients.append(_open_stream(port))
            except ConnectionRefusedError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        clients += [_open_stream(port) for _ in range(2)]
        started = time.monotonic()
        server.send_signal(sig)
        server.wait(timeout=10)
        elapsed = time.monotonic() - started
        assert elapsed < 2.0, f"serve took {elapsed:.2f} s to stop"
        log.flush()
        assert "Traceback" not in (tmp_path / "serve.log").read_text()
    finally:
        log.close()
        for c in clients:
            c.close()
        if server.poll() is None:
            server.kill()
            server.wait()
