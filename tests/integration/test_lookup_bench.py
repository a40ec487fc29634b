"""The look-up load generator of `make bench` (bench/lookup_load.py): short bounded runs
against a small in-test HTTP server that records what it was sent. No timing asserted."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from bench.lookup_load import (
    HOST,
    LoadResult,
    Pair,
    parse_wrk,
    percentile,
    run_python,
    run_wrk,
)

PATH = "/api/v1/events/demo-2026/lookup"
PAIRS = [Pair(f"2026{i:08d}", f"{i % 1000:03d}{'X' if i % 7 == 0 else i % 10}")
         for i in range(50)]
UNKNOWN = Pair("202699999999", "0000")  # the server answers 404, like the API (§14)


@dataclass
class Recorder:
    """A look-up stand-in on 127.0.0.1: 200 with the reg for a known pair, else 404."""

    known: dict[str, str]
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # (path, reg, id_last4)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode().split("\r\n")
                length = next(int(v) for k, _, v in (ln.partition(":") for ln in lines)
                              if k.lower() == "content-length")
                body = json.loads(await reader.readexactly(length))
                method, path, _ = request_line.split(" ")
                assert method == "POST"
                self.seen.append((path, body["reg"], body["id_last4"]))
                if self.known.get(body["reg"]) == body["id_last4"]:
                    status, out = "200 OK", json.dumps({"reg": body["reg"], "outcome": "x"},
                                                       separators=(",", ":"))
                else:
                    status, out = "404 Not Found", '{"error":"NotFound"}'
                data = out.encode()
                writer.write(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder(known={p.reg: p.id_last4 for p in PAIRS})
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    stop: asyncio.Event | None = None

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        server = await asyncio.start_server(rec.handle, HOST, 0)
        rec.port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield rec
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def test_python_client_sends_exactly_the_bounded_count(recorder: Recorder) -> None:
    result = run_python(recorder.port, PATH, PAIRS, requests=200, duration=30, connections=4)
    assert result.requests == 200 == len(recorder.seen) == len(result.latencies_ms)
    assert result.errors == 0
    # Real POSTs to the look-up path, with valid pairs, cycling through all of them.
    assert {path for path, _, _ in recorder.seen} == {PATH}
    assert {(reg, last4) for _, reg, last4 in recorder.seen} == {(p.reg, p.id_last4)
                                                                  for p in PAIRS}
    assert result.rps > 0 and result.p99 >= percentile(result.latencies_ms, 50)


def test_python_client_counts_wrong_answers_as_errors(recorder: Recorder) -> None:
    # One pair in five is unknown to the server: 404s are errors, never throughput.
    pairs = [*PAIRS[:4], UNKNOWN]
    result = run_python(recorder.port, PATH, pairs, requests=200, duration=30, connections=1)
    assert result.requests == 200
    assert result.errors == 40 == sum(1 for _, reg, _ in recorder.seen if reg == UNKNOWN.reg)


def test_python_client_stops_at_its_deadline(recorder: Recorder) -> None:
    result = run_python(recorder.port, PATH, PAIRS, requests=10**9, duration=0.3,
                        connections=2)
    assert 0 < result.requests == len(recorder.seen)
    assert result.elapsed_s < 5


def test_python_client_counts_a_refused_connection() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on once closed
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    result = run_python(port, PATH, PAIRS, requests=10, duration=2, connections=3)
    assert result.requests == 0 and result.errors == 3


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100 shuffled by reversal
    assert percentile(values, 99) == 99.0
    assert percentile(values, 50) == 50.0
    assert percentile([5.0], 99) == 5.0
    assert percentile([], 99) == 0.0


WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.52ms    1.41ms  24.58ms   88.00%
    Req/Sec     2.93k     1.63k    3.80k    80.00%
  Latency Distribution
     50%  812.00us
     75%    2.38ms
     90%    4.12ms
     99%    1.02s
  1643 requests in 10.06s, 752.54KB read
  Socket errors: connect 0, read 1, write 0, timeout 10
  Non-2xx or 3xx responses: 3
Requests/sec:    163.33
Transfer/sec:     74.81KB
BAD_RESPONSES 3
"""


def test_parse_wrk_reads_rate_p99_and_errors() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result.rps == pytest.approx(163.33)
    assert result.p99 == pytest.approx(1020.0)  # 1.02 s in ms
    assert result.requests == 1643
    assert result.elapsed_s == pytest.approx(10.06)
    assert result.errors == 3 + 1 + 10  # non-2xx (also counted as bad bodies) + sockets
    clean = "\n".join(ln for ln in WRK_OUTPUT.splitlines()
                      if not ln.lstrip().startswith(("Socket", "Non-2xx", "BAD")))
    assert parse_wrk(clean).errors == 0
    with pytest.raises(ValueError):
        parse_wrk("wrk: connection refused")


def test_load_result_derives_rate_from_count_and_time() -> None:
    assert LoadResult(requests=500, elapsed_s=0.5).rps == 1000.0


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_script_posts_valid_lookups(recorder: Recorder) -> None:
    wrk = shutil.which("wrk")
    assert wrk is not None
    result = run_wrk(wrk, recorder.port, PATH, [*PAIRS[:9], UNKNOWN], duration=1,
                     connections=2)
    assert result.requests > 0
    assert len(recorder.seen) >= result.requests
    bad = sum(1 for _, reg, _ in recorder.seen if reg == UNKNOWN.reg)
    # wrk counts what it completed; one in ten of those was the unknown pair.
    assert bad > 0 and abs(result.errors - result.requests / 10) <= 3
    assert all(recorder.known.get(reg, UNKNOWN.id_last4) == last4
               for _, reg, last4 in recorder.seen)
