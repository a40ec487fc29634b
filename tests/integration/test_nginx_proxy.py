"""The service behind the real Debian nginx with deploy/nginx-app.conf.template.

What a bureau's proxy must let through (docs/IMPORTS.md §5): a city's applicants file
(well above nginx's default 1 MB body limit) imports through the proxy; a file above
the console's 50 MB gets the service's own refusal, in Chinese, naming the command-line
import; above the proxy's limit nginx refuses with its own page, which the console
explains (tests/browser/test_operate.py). The ceremony stream (SSE) follows the log
through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lottery_service.api import create_app
from lottery_service.imports.limits import MAX_UPLOAD_BYTES
from tests.integration.api.conftest import (
    APPLICANT_HEADER,
    OPERATOR,
    SCHOOLS_CSV,
    Season,
    auth,
)
from tests.nginx_support import proxying, readable_dir, require_nginx
from tests.support import make_runtime, served

require_nginx()

APPLICANTS = 15_000  # about 1.3 MB as CSV: above nginx's default 1 MB, as a city's file is


@pytest.fixture
def season(tmp_path: Path) -> Iterator[Season]:
    rt = make_runtime(tmp_path)
    try:
        with served(create_app(rt, operator=OPERATOR)) as upstream, \
                proxying(upstream.removeprefix("http://"), readable_dir()) as url, \
                httpx.Client(base_url=url, timeout=120) as client:
            s = Season(client, "proxy-2026")  # type: ignore[arg-type]  # httpx: same calls
            s.create()
            yield s
    finally:
        rt.close()


def test_a_citys_applicants_file_imports_through_the_proxy(season: Season) -> None:
    assert season.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
    rows = [f"R2026{i:06d},张小{i}明,{'男' if i % 2 else '女'},2019-05-01,D01,户籍,否,否,"
            f"{'S001' if i % 2 else 'S002'},,2026-06-1{i % 9},{i % 10000:04d},139{i:08d}\n"
            for i in range(APPLICANTS)]
    data = (APPLICANT_HEADER + "".join(rows)).encode()
    assert len(data) > 1024 * 1024  # nginx's default client_max_body_size, 1m
    response = season.upload("applicants", data)
    assert response.status_code == 200, response.text[:500]
    assert response.json()["rows"] == APPLICANTS


def test_above_the_console_limit_the_service_answers_above_the_proxys_nginx_does(
        season: Season) -> None:
    over = season.upload("applicants", b"x" * (MAX_UPLOAD_BYTES + 1024))
    assert over.status_code == 413
    body = over.json()  # the service's own answer came through the proxy
    assert "命令行" in body["message_zh"] and "sunshine import" in body["message_zh"]
    far = season.client.post(f"{season.base}/imports/applicants", headers=auth(OPERATOR),
                             files={"file": ("big.csv", b"x" * (52 * 1024 * 1024))})
    assert far.status_code == 413 and far.headers["content-type"].startswith("text/html")
    assert "nginx" in far.text  # not the service's JSON: the console's generic 413 text


def test_the_ceremony_stream_follows_the_log_through_the_proxy(season: Season) -> None:
    """The hall's screen follows the log over SSE through the proxy: an entry logged
    while the stream is open arrives on it (the frames are small; nginx passes them on
    as they come, and the service also asks for no buffering)."""
    with season.client.stream("GET", f"{season.base}/stream", timeout=20) as stream:
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith("id: ")) == "id: 0"
        season.post("/windows", json={"phase": "payment", "opens": "2027-07-20T00:00:00+08:00",
                                      "closes": "2027-07-26T00:00:00+08:00"})
        # the entries before it, then the window's (else the read times out: a failure)
        assert any('"type":"window_set"' in line for line in lines if line.startswith("data: "))
