"""The public look-up under load: `lookup_rps` and `lookup_p99_ms` for `make bench`.

The demo season (5,000 applicants) runs into a temporary SQLite data directory;
the real server then starts as its own process (`python -m lottery_service serve
--workers 2`) and a second process loads it over loopback with POSTed look-ups
that cycle through every applicant whose result is published, each with the
applicant's own registration number and ID digits. `wrk` makes the load when it
is installed (installed with apt-get when running as root); otherwise a Python
asyncio HTTP/1.1 keep-alive client does. Every load run is bounded in time and
in requests, and only ever talks to 127.0.0.1.

Every response is a real answer from the server: wrk counts non-2xx answers and
its Lua script checks each body names a registration number; the Python client
checks each 200 body names the requested one. A wrong pair would also be
throttled after a few failures (the limiter stays on), so errors are reported
as `lookup_errors` and must be 0 for the numbers to mean anything.

The server sits behind a trusted proxy as a bureau deploys it (nginx on the same
machine, `SUNSHINE_TRUSTED_PROXIES=127.0.0.1/32`), and each family asks from its
own address (`X-Forwarded-For: 10.x.y.z`, one per applicant). One address with
hundreds of look-ups in flight would be one client holding more attempts than the
look-up limits allow (issue 11), which is not what a results-day crowd is.

Usage: python bench/lookup_load.py [--duration 10] [--connections 16] [--tool wrk|python]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # loopback only: the load never leaves this machine
WORKERS = 2
MAX_DURATION_S = 60.0  # hard cap on any one load run
MAX_REQUESTS = 1_000_000  # hard cap on the Python client's requests per run


@dataclass(frozen=True)
class Pair:
    """One family's look-up: registration number and the ID number's last four."""

    reg: str
    id_last4: str


@dataclass
class LoadResult:
    """What one bounded load run measured."""

    requests: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    p99_ms: float | None = None  # set directly when the tool reports it (wrk)
    rps_reported: float | None = None

    @property
    def rps(self) -> float:
        if self.rps_reported is not None:
            return self.rps_reported
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def p99(self) -> float:
        if self.p99_ms is not None:
            return self.p99_ms
        return percentile(self.latencies_ms, 99.0)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil(n * pct / 100)
    return ordered[int(rank) - 1]


# ------------------------------------------------------------------ the season


def demo_pairs(applicants: int = 5000) -> tuple[str, list[Pair]]:
    """The demo district's event id and every applicant's (reg, id_last4), from the
    applicants file the demo imports (parsed like an upload)."""
    from lottery_service.demo.district import generate_district
    from lottery_service.imports import parse

    district = generate_district(applicants=applicants)
    filename, data = district.files["applicants"]
    parsed = parse("applicants", data, filename)
    if parsed.errors:
        raise RuntimeError(f"the demo applicants file does not parse: {parsed.errors[:3]}")
    return district.rules["event"], [Pair(r.reg, r.id_last4) for r in parsed.rows]


def database_url(data_dir: Path) -> str:
    """PostgreSQL when DATABASE_URL names one (its public schema is emptied first: the
    bench's own database), else SQLite in `data_dir`."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return f"sqlite:///{data_dir / 'sunshine.db'}"
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def run_season(data_dir: Path, audit_dir: Path, applicants: int = 5000,
               url: str | None = None) -> tuple[str, list[Pair]]:
    """Run the demo season into `url` (default SQLite in `data_dir`); the pairs whose
    result is published."""
    from lottery_service.config import Settings
    from lottery_service.demo import run_demo
    from lottery_service.runtime import open_runtime

    settings = Settings(data_dir=data_dir, audit_dir=audit_dir,
                        database_url=url or f"sqlite:///{data_dir / 'sunshine.db'}")
    runtime = open_runtime(settings)
    run_demo(runtime, applicants=applicants, say=lambda _: None)
    event, pairs = demo_pairs(applicants)
    # The look-up answers only applicants with a published outcome or class (§14);
    # a pair without one would be a failure, and failures are throttled.
    index = runtime.service.snapshots.snapshot(event).index()
    published = [p for p in pairs if (r := index.results.get(p.reg)) is not None
                 and (r.outcome is not None or r.class_id is not None)]
    runtime.engine.dispose()
    return event, published


# ------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def start_server(data_dir: Path, audit_dir: Path, port: int,
                 workers: int = WORKERS, url: str | None = None) -> subprocess.Popen[bytes]:
    """`python -m lottery_service serve` in its own process group, SQLite in `data_dir`;
    its output goes to `data_dir/server.log` (a pipe nobody reads could stall it)."""
    env = dict(os.environ, SUNSHINE_DATA=str(data_dir), SUNSHINE_AUDIT_DIR=str(audit_dir))
    env.pop("DATABASE_URL", None)
    env["SUNSHINE_TRUSTED_PROXIES"] = "127.0.0.1/32"  # the bureau's nginx (module doc)
    if url is not None:
        env["DATABASE_URL"] = url
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with (data_dir / "server.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "lottery_service", "serve", "--host", HOST,
             "--port", str(port), "--workers", str(workers), "--data", str(data_dir)],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True)


def server_log(data_dir: Path) -> str:
    path = data_dir / "server.log"
    return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (supervisor and workers), SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def post_lookup(port: int, event: str, pair: Pair, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/v1/events/{event}/lookup", method="POST",
        data=json.dumps({"reg": pair.reg, "id_last4": pair.id_last4}).encode(),
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until_up(proc: subprocess.Popen[bytes], port: int, event: str, pair: Pair,
                  timeout: float = 60.0) -> None:
    """Until a real look-up is answered 200 with the applicant's result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            status, body = post_lookup(port, event, pair)
        except OSError:
            time.sleep(0.2)
            continue
        if status != 200 or json.loads(body).get("reg") != pair.reg:
            raise RuntimeError(f"look-up of {pair.reg} answered {status}: {body[:300]!r}")
        return
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s")


# ------------------------------------------------------------------ wrk


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(path: str, pairs: Sequence[Pair]) -> str:
    """A wrk Lua script: POST look-ups round-robin over `pairs`; count bad bodies."""
    bodies = ",\n".join(
        _lua_string(json.dumps({"reg": p.reg, "id_last4": p.id_last4}, separators=(",", ":")))
        for p in pairs)
    addresses = ",\n".join(_lua_string(family_address(k)) for k in range(len(pairs)))
    return f"""-- generated by bench/lookup_load.py
local bodies = {{
{bodies}
}}
local addresses = {{
{addresses}
}}
local path = {_lua_string(path)}
local n = #bodies
local i = 0
bad = 0
local threads = {{}}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  i = (id * 7919) % n
end

function request()
  i = i % n + 1
  local headers = {{["Content-Type"] = "application/json", ["X-Forwarded-For"] = addresses[i]}}
  return wrk.format("POST", path, headers, bodies[i])
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"reg":"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BAD_RESPONSES %d\\n", total))
end
"""


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", value.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """Requests/sec, the 99% latency (`--latency`), request count and errors of a wrk run.

    Errors: non-2xx answers, socket errors and bodies the script found wrong (a
    non-2xx answer is also a wrong body, so the larger of the two counts)."""
    rps = re.search(r"^Requests/sec:\s*([0-9.]+)", output, re.M)
    p99 = re.search(r"^\s*99(?:\.0+)?%\s+(\S+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ([0-9.]+)(us|ms|s|m)", output, re.M)
    if rps is None or p99 is None or total is None:
        raise ValueError(f"unexpected wrk output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        output)
    bad = re.search(r"^BAD_RESPONSES (\d+)", output, re.M)
    errors = max(int(non2xx.group(1)) if non2xx else 0, int(bad.group(1)) if bad else 0)
    if sockets:
        errors += sum(int(g) for g in sockets.groups())
    return LoadResult(requests=int(total.group(1)), errors=errors,
                      elapsed_s=_ms(total.group(2) + total.group(3)) / 1000,
                      p99_ms=_ms(p99.group(1)), rps_reported=float(rps.group(1)))


def find_wrk(install: bool = True) -> str | None:
    """The wrk binary; installed from Debian's package when running as root."""
    found = shutil.which("wrk")
    if found or not install or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for args in (["apt-get", "install", "-y", "-q", "wrk"],
                 ["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "wrk"]):
        subprocess.run(args, env=env, capture_output=True, check=False, timeout=300)
        if shutil.which("wrk"):
            break
    return shutil.which("wrk")


def run_wrk(wrk: str, port: int, path: str, pairs: Sequence[Pair], *, duration: float,
            connections: int, threads: int = 1) -> LoadResult:
    duration = min(duration, MAX_DURATION_S)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "lookup.lua"
        script.write_text(wrk_script(path, pairs))
        out = subprocess.run(
            [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
             "--timeout", "5s", "--latency", "-s", str(script), f"http://{HOST}:{port}"],
            capture_output=True, text=True, check=False, timeout=duration + 30)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr[-2000:]}")
    return parse_wrk(out.stdout)


# ------------------------------------------------------------------ Python client


def family_address(k: int) -> str:
    """The k-th family's own address, as the trusted proxy forwards it."""
    return f"10.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255}"


def lookup_request(port: int, path: str, pair: Pair, k: int) -> bytes:
    body = json.dumps({"reg": pair.reg, "id_last4": pair.id_last4},
                      separators=(",", ":")).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"X-Forwarded-For: {family_address(k)}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body


async def _connection(port: int, requests: Sequence[bytes], expect: Sequence[bytes],
                      start: int, step: int, counter: list[int], limit: int, deadline: float,
                      result: LoadResult) -> None:
    """One keep-alive connection: send, read the whole answer, check it, repeat."""
    reader, writer = await asyncio.open_connection(HOST, port)
    i, n = start, len(requests)
    try:
        while counter[0] < limit and time.monotonic() < deadline:
            counter[0] += 1
            k = i % n
            i += step
            sent = time.perf_counter()
            writer.write(requests[k])
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, _, rest = head.partition(b"\r\n")
            length = 0
            closing = False
            for line in rest.split(b"\r\n"):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    closing = True
            body = await reader.readexactly(length)
            result.latencies_ms.append((time.perf_counter() - sent) * 1000)
            result.requests += 1
            if status_line.split(b" ", 2)[1] != b"200" or expect[k] not in body:
                result.errors += 1
            if closing:
                break
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _python_load(port: int, path: str, pairs: Sequence[Pair], requests: int,
                       duration: float, connections: int) -> LoadResult:
    payloads = [lookup_request(port, path, p, k) for k, p in enumerate(pairs)]
    expect = [f'"reg":"{p.reg}"'.encode() for p in pairs]
    result = LoadResult()
    counter = [0]
    deadline = time.monotonic() + duration
    start = time.perf_counter()
    outcomes = await asyncio.gather(*(
        _connection(port, payloads, expect, c, connections, counter, requests, deadline, result)
        for c in range(connections)), return_exceptions=True)
    result.elapsed_s = time.perf_counter() - start
    result.errors += sum(1 for o in outcomes if isinstance(o, BaseException))
    return result


def run_python(port: int, path: str, pairs: Sequence[Pair], *, requests: int = 200_000,
               duration: float = 10.0, connections: int = 32) -> LoadResult:
    """Look-ups over `connections` keep-alive connections to 127.0.0.1:`port`, until
    `requests` are answered or `duration` seconds have passed (both capped)."""
    if not pairs:
        raise ValueError("no look-up pairs")
    # Its own thread and event loop: the caller may already run a loop (a test
    # process hosting Playwright's sync API does).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _python_load(
            port, path, pairs, min(requests, MAX_REQUESTS), min(duration, MAX_DURATION_S),
            max(1, connections))).result()


# ------------------------------------------------------------------ the bench


def run_lookup_bench(applicants: int = 5000, duration: float = 10.0, connections: int = 16,
                     tool: str | None = None) -> dict[str, Any]:
    """Demo season, server with 2 workers, load from this process over loopback."""
    with tempfile.TemporaryDirectory(prefix="sunshine-lookup-") as tmp:
        data_dir, audit_dir = Path(tmp) / "data", Path(tmp) / "audit"
        data_dir.mkdir()
        url = database_url(data_dir)
        event, pairs = run_season(data_dir, audit_dir, applicants, url)
        path = f"/api/v1/events/{event}/lookup"
        wrk = find_wrk() if tool in (None, "wrk") else None
        if tool == "wrk" and wrk is None:
            raise RuntimeError("wrk is not installed")
        port = free_port()
        server = start_server(data_dir, audit_dir, port, url=url)
        try:
            try:
                wait_until_up(server, port, event, pairs[0])
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}\n{server_log(data_dir)}") from None
            # Warm-up: every worker builds its snapshot of the log once (LogCache).
            warm = run_python(port, path, pairs, requests=2000, duration=10.0,
                              connections=connections)
            if warm.errors:
                raise RuntimeError(f"{warm.errors} failed look-ups during the warm-up")
            if wrk is not None:
                result = run_wrk(wrk, port, path, pairs, duration=duration,
                                 connections=connections)
            else:
                result = run_python(port, path, pairs, duration=duration,
                                    connections=connections)
        finally:
            stop_server(server)
    return {"lookup_rps": round(result.rps, 1), "lookup_p99_ms": round(result.p99, 2),
            "lookup_errors": result.errors, "lookup_tool": "wrk" if wrk else "python",
            "lookup_requests": result.requests, "lookup_pairs": len(pairs),
            "lookup_database": url.split(":", 1)[0].split("+")[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--tool", choices=("wrk", "python"))
    args = parser.parse_args()
    print(json.dumps(run_lookup_bench(args.applicants, args.duration, args.connections,
                                      args.tool)))


if __name__ == "__main__":
    main()
