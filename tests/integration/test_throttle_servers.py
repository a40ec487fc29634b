"""Two server processes on one database give a client the limits of one (issue 11 item 3
acceptance, issue 13 item 5): the counters are rows, not process memory.

Two real `sunshine serve` processes share one data directory and one database
(PostgreSQL, and SQLite too); every request goes over loopback. The operator's
proxy is 127.0.0.1 (`SUNSHINE_TRUSTED_PROXIES=127.0.0.1/32`), so clients are
told apart by X-Forwarded-For, except from 127.0.0.2, an untrusted peer whose
header is ignored.
"""

from __future__ import annotations

import concurrent.futures
import os
import warnings
from collections.abc import Iterator

import httpx
import pytest

from lottery_service.api import create_app
from lottery_service.service.throttle import DEFAULT_POLICY
from tests.integration.api.conftest import OPERATOR, Season, runtime_at
from tests.integration.test_throttle import register, right, wrong
from tests.support import BACKENDS, POSTGRES_URL, serve_processes

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

FREE = DEFAULT_POLICY.client.free
EVENT = "servers-2026"


@pytest.fixture(scope="module", params=BACKENDS)
def servers(tmp_path_factory: pytest.TempPathFactory,
            request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """A drawn event, then two server processes on its data directory and database."""
    data = tmp_path_factory.mktemp("servers")
    rt = runtime_at(data, request.param)
    url = str(rt.engine.url.render_as_string(hide_password=False))
    with TestClient(create_app(rt, operator=OPERATOR)) as client:
        season = Season(client, EVENT)
        season.create()
        register(season)
        season.freeze_roster()
        season.ceremony("lottery")
        season.post("/draw")
    rt.close()
    env = {**os.environ, "DATABASE_URL": url if request.param == "postgres" else
           f"sqlite:///{data}/sunshine.db", "SUNSHINE_TRUSTED_PROXIES": "127.0.0.1/32"}
    if request.param == "postgres":
        assert POSTGRES_URL
    with serve_processes(2, data, env, f"/api/v1/events/{EVENT}", data / "servers.log",
                         deadline_s=60) as bases:
        yield bases


def post(base: str, reg: str, last4: str, client: str | None,
         local: str = "127.0.0.1") -> httpx.Response:
    headers = {"X-Forwarded-For": client} if client else {}
    with httpx.Client(transport=httpx.HTTPTransport(local_address=local), timeout=30) as c:
        return c.post(f"{base}/api/v1/events/{EVENT}/lookup",
                      json={"reg": reg, "id_last4": last4}, headers=headers)


def tries_before_refusal(bases: list[str], client: str, limit: int = 40) -> int:
    """Wrong tries (on different numbers) a client gets before a 429, going round `bases`."""
    for n in range(limit):
        status = post(bases[n % len(bases)], f"V{n:05d}", "0000", client).status_code
        if status == 429:
            return n
        assert status == 404
    return limit


def test_two_servers_give_a_client_the_limits_of_one(servers: list[str]) -> None:
    one = tries_before_refusal(servers[:1], "203.0.113.10")
    two = tries_before_refusal(servers, "203.0.113.11")
    assert one == two == FREE
    # refused by both, saying the same wait
    waits = {post(b, "V99999", "0000", "203.0.113.11").headers["Retry-After"] for b in servers}
    assert len(waits) == 1


def test_simultaneous_tries_through_both_servers_get_exactly_the_free_attempts(
        servers: list[str]) -> None:
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda n: post(servers[n % 2], f"P{n:05d}", "0000",
                                             "203.0.113.12").status_code, range(48)))
    assert codes.count(404) == FREE and codes.count(429) == 48 - FREE


def test_a_number_under_attack_still_answers_its_family_on_both_servers(
        servers: list[str]) -> None:
    victim = "R20260006"
    for n in range(30):  # an attacker from two addresses, through both servers
        code = post(servers[n % 2], victim, wrong(victim, n), f"203.0.113.{20 + n % 2}")
        assert code.status_code in (404, 429)
    for base in servers:
        answer = post(base, victim, right(victim), "198.51.100.20")
        assert answer.status_code == 200 and answer.json()["reg"] == victim


def test_a_mistyping_family_gets_the_same_wait_on_both_servers(servers: list[str]) -> None:
    reg, family = "R20260007", "198.51.100.21"
    codes = [post(servers[n % 2], reg, wrong(reg, n), family).status_code
             for n in range(DEFAULT_POLICY.pair.free + 1)]
    assert codes == [404] * DEFAULT_POLICY.pair.free + [429]
    assert post(servers[1], reg, right(reg), family).status_code == 200


def test_forwarded_for_from_an_untrusted_peer_is_ignored_by_the_servers(
        servers: list[str]) -> None:
    """127.0.0.2 is not a trusted proxy: rotating X-Forwarded-For buys it nothing."""
    codes = [post(servers[n % 2], f"U{n:05d}", "0000", f"192.0.2.{n}",
                  local="127.0.0.2").status_code for n in range(FREE + 2)]
    assert codes == [404] * FREE + [429] * 2
    assert post(servers[0], "R20260008", right("R20260008"), "198.51.100.22").status_code == 200

