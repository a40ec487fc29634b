"""The Debian nginx on loopback: serving a publication (deploy/nginx.conf.template) or in
front of the service (deploy/nginx-app.conf.template).

Used by tests/integration/test_nginx_static.py, test_nginx_proxy.py and
bench/static_lookup.py: nginx
runs in the foreground (`daemon off`) as a child process with its own prefix
(pid, logs, temporary files) on a free 127.0.0.1 port, and is stopped by pid.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
APP_TEMPLATE = ROOT / "deploy" / "nginx-app.conf.template"
WORKER_USER = "www-data"  # Debian's; nginx ignores it unless started as root
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def require_nginx() -> None:
    """Skip the calling test module when nginx is missing, except under CI=true: there
    its tests run and fail, as CI fails on a missing service instead of skipping."""
    if NGINX is None and os.environ.get("CI") != "true":
        pytest.skip("nginx is not installed (apt-get install nginx); CI requires it",
                    allow_module_level=True)


def render(root: Path, prefix: Path, listen: str, workers: str = "auto") -> str:
    return _filled(TEMPLATE, ROOT=str(root), PREFIX=str(prefix), LISTEN=listen,
                   WORKERS=workers, USER=WORKER_USER)


def _filled(template: Path, **values: str) -> str:
    """`template` with each @@NAME@@ replaced by values[NAME]; none may be left."""
    text = template.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    assert "@@" not in text, f"unreplaced placeholder in {template.name}"
    return text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def readable_dir() -> Path:
    """A fresh directory the nginx workers (another user when started as root) can read."""
    path = Path(tempfile.mkdtemp(prefix="sunshine-static-"))
    path.chmod(0o755)
    return path


@contextlib.contextmanager
def serving(root: Path, prefix: Path, workers: str = "auto") -> Iterator[str]:
    """Serve `root` with the template; yields the base URL http://127.0.0.1:<port>."""
    port = free_port()
    with _running(render(root, prefix, f"127.0.0.1:{port}", workers), prefix, port) as url:
        yield url


@contextlib.contextmanager
def proxying(upstream: str, prefix: Path) -> Iterator[str]:
    """nginx in front of the service at `upstream` (host:port) with
    deploy/nginx-app.conf.template; yields the proxy's base URL."""
    port = free_port()
    text = _filled(APP_TEMPLATE, LISTEN=f"127.0.0.1:{port}", UPSTREAM=upstream,
                   PREFIX=str(prefix), WORKERS="1", USER=WORKER_USER)
    with _running(text, prefix, port) as url:
        yield url


@contextlib.contextmanager
def _running(config: str, prefix: Path, port: int) -> Iterator[str]:
    """Run nginx in the foreground with `config` until the block ends."""
    assert NGINX is not None, "CI=true: nginx must be installed (apt-get install nginx)"
    prefix.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(config, encoding="utf-8")
    check = subprocess.run([NGINX, "-t", "-p", str(prefix), "-e", str(prefix / "error.log"),
                            "-c", str(conf)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"),
                             "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (prefix / "error.log").read_text(encoding="utf-8", errors="replace")
                raise RuntimeError(f"nginx did not start: {log[-2000:]}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
