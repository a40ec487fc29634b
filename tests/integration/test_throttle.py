"""Look-up that never locks out the right family (issue 11 item 3, issue 13 item 5).

In one process, on SQLite and PostgreSQL: an attacker's wrong tries on a family's
number never block that family's right digits; a family that mistypes is told how
long to wait, in Chinese, and its right digits still answer; failures per client
wait longer and longer; parallel tries get exactly the free attempts (the database
orders them); successes are free; the right digits before the draw answer a state
(409 `before_draw`), after an eligibility rejection the receipt of its rejection leaf
(§17.2), never "wrong digits", and cost nothing;
X-Forwarded-For counts only from a trusted proxy. The same limits across two
server processes: test_throttle_servers.py.
"""

from __future__ import annotations

import concurrent.futures
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, literal, select

from lottery_service.api import create_app
from lottery_service.api.clients import parse_trusted, resolve
from lottery_service.errors import RateLimitedError
from lottery_service.runtime import Runtime
from lottery_service.service.throttle import DEFAULT_POLICY, Limits
from lottery_service.storage.family_tables import LookupLimitTable
from tests.integration.api.conftest import (
    APPLICANT_HEADER,
    OPERATOR,
    SCHOOLS_CSV,
    Season,
    runtime_at,
)
from tests.support import BACKENDS, verified_fields

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

CLIENT = DEFAULT_POLICY.client
PAIR = DEFAULT_POLICY.pair
# reg → (school, ID digits, birth date); R20269999 is too young for grade 1 (P1-age).
FAMILIES = {f"R2026{i:04d}": ("S001" if i < 6 else "S002", f"{1000 + i * 7:04d}", "2019-05-01")
            for i in range(9)}
FAMILIES["R20269999"] = ("S001", "4321", "2021-03-01")
ATTACKER, FAMILY, OTHER = "203.0.113.66", "198.51.100.7", "192.0.2.44"


def applicants_csv() -> bytes:
    rows = [f"{reg},李小{i}红,{'男' if i % 2 else '女'},{born},D01,户籍,否,否,{school},,"
            f"2026-06-1{i % 9},{last4},1390000{i:04d}\n"
            for i, (reg, (school, last4, born)) in enumerate(sorted(FAMILIES.items()))]
    return (APPLICANT_HEADER + "".join(rows)).encode()


def register(season: Season) -> None:
    assert season.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
    response = season.upload("applicants", applicants_csv())
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module", params=BACKENDS)
def drawn(tmp_path_factory: pytest.TempPathFactory,
          request: pytest.FixtureRequest) -> Iterator[tuple[Runtime, Season]]:
    rt = runtime_at(tmp_path_factory.mktemp("throttle"), request.param)
    with TestClient(create_app(rt, operator=OPERATOR)) as client:
        season = Season(client, "limits-2026")
        season.create()
        register(season)
        season.freeze_roster()
        season.ceremony("lottery")
        season.post("/draw")
        yield rt, season
    rt.close()


@pytest.fixture
def fresh(drawn: tuple[Runtime, Season]) -> Iterator[tuple[Runtime, Season, list[float]]]:
    """The drawn event with no counter rows and a clock the test moves."""
    rt, season = drawn
    now = [1_800_000_000.0]
    with rt.service.db.write() as session:
        session.execute(delete(LookupLimitTable))
    rt.service.throttle.clock = lambda: now[0]
    yield rt, season, now


def ask(rt: Runtime, season: Season, client: str, reg: str, last4: str,
        forwarded: str | None = None, peer: str | None = None) -> Any:
    app = season.client.app
    with TestClient(app, client=(peer or client, 5000)) as c:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return c.post(f"{season.base}/lookup", json={"reg": reg, "id_last4": last4},
                      headers=headers)


def right(reg: str) -> str:
    return FAMILIES[reg][1]


def wrong(reg: str, n: int = 0) -> str:
    digits = f"{(int(right(reg)) + 1 + n) % 10000:04d}"
    return digits if digits != right(reg) else "999X"


def rows(rt: Runtime) -> list[Any]:
    with rt.service.db.read() as session:
        return list(session.execute(select(LookupLimitTable.__table__)).all())  # type: ignore[attr-defined]


# ----------------------------------------------------------------- the rules


def test_an_attackers_wrong_tries_never_lock_the_family_out(
        fresh: tuple[Runtime, Season, list[float]]) -> None:
    rt, season, _ = fresh
    victim = "R20260001"
    answers = [ask(rt, season, ATTACKER, victim, wrong(victim, n)).status_code
               for n in range(CLIENT.free + 10)]
    assert 200 not in answers and answers.count(404) == PAIR.free
    assert answers[-1] == 429  # the attacker's own address now waits
    family = ask(rt, season, FAMILY, victim, right(victim))
    assert family.status_code == 200
    shown = verified_fields(rt, season.event, family.json())
    assert shown["reg"] == victim and shown["outcome"] in ("admitted", "not_admitted")
    # the attacker's address is refused before anything is compared: right digits too,
    # so a refusal there tells nothing about the digits tried
    assert ask(rt, season, ATTACKER, victim, right(victim)).status_code == 429


def test_a_family_that_mistypes_is_told_how_long_and_its_right_digits_still_answer(
        fresh: tuple[Runtime, Season, list[float]]) -> None:
    rt, season, _ = fresh
    reg = "R20260002"
    for n in range(PAIR.free):
        assert ask(rt, season, FAMILY, reg, wrong(reg, n)).status_code == 404
    refused = ask(rt, season, FAMILY, reg, wrong(reg, 99))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == PAIR.first_delay + 1
    body = refused.json()
    assert body["message_zh"].startswith("查询失败次数过多，请在约 1 分钟后再试")
    assert body["detail"].startswith("查询失败") and body["wait_minutes"] == 1
    # the right digits bypass this number's counter and clear it
    assert ask(rt, season, FAMILY, reg, right(reg)).status_code == 200
    assert ask(rt, season, FAMILY, reg, wrong(reg, 3)).status_code == 404


def test_failures_per_client_wait_longer_and_longer(
        fresh: tuple[Runtime, Season, list[float]]) -> None:
    rt, season, now = fresh
    regs = sorted(FAMILIES)
    for n in range(CLIENT.free):  # spread over numbers: only the client counter grows
        reg = regs[n % len(regs)]
        assert ask(rt, season, OTHER, f"Z{n:05d}", "0000").status_code == 404, (n, reg)
    waits = []
    for _ in range(4):
        refused = ask(rt, season, OTHER, "Z99999", "0000")
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]) - 1)
        assert rt.service.throttle.wait(OTHER) == waits[-1]
        now[0] += waits[-1]  # wait exactly as long as told: one more try is allowed
        assert ask(rt, season, OTHER, "Z99998", "0000").status_code == 404
    assert waits == [CLIENT.first_delay * 2 ** k for k in range(4)]
    assert "分钟" in ask(rt, season, OTHER, "Z99997", "0000").json()["message_zh"]


def test_successes_cost_nothing(fresh: tuple[Runtime, Season, list[float]]) -> None:
    rt, season, _ = fresh
    reg = "R20260003"
    assert all(ask(rt, season, FAMILY, reg, right(reg)).status_code == 200
               for _ in range(CLIENT.free * 2))
    assert rows(rt) == []  # each attempt was reserved and given back


def test_parallel_wrong_tries_get_exactly_the_free_attempts(
        fresh: tuple[Runtime, Season, list[float]]) -> None:
    """The reservation is one atomic upsert: 60 simultaneous tries from one client in 12
    threads, on the service directly, are evaluated at most `free` times."""
    rt, season, _ = fresh

    def attempt(n: int) -> str:
        try:
            rt.service.lookup.family(season.event, f"Q{n:05d}", "0000", ATTACKER)
        except RateLimitedError:
            return "refused"
        except Exception as exc:  # the 404 of a wrong factor
            return type(exc).__name__
        return "answered"

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(attempt, range(60)))
    assert outcomes.count("LookupNotFoundError") == CLIENT.free
    assert outcomes.count("refused") == 60 - CLIENT.free


def test_counters_are_forgotten_after_a_quiet_period(
        fresh: tuple[Runtime, Season, list[float]]) -> None:
    rt, season, now = fresh
    for n in range(CLIENT.free):
        ask(rt, season, OTHER, f"Y{n:05d}", "0000")
    assert ask(rt, season, OTHER, "Y99999", "0000").status_code == 429
    now[0] += CLIENT.forget_after + 1
    assert ask(rt, season, OTHER, "Y99998", "0000").status_code == 404  # counter restarted
    rt.service.throttle._swept = float("-inf")  # the next failure sweeps
    now[0] += CLIENT.forget_after + 1
    ask(rt, season, FAMILY, "Y99997", "0000")
    assert len(rows(rt)) == 2  # only the two rows of this last failure remain


# ------------------------------------------------------------ states, not failures


def test_right_digits_after_a_rejection_answer_its_rejection_receipt(
        fresh: tuple[Runtime, Season, list[float]]) -> None:
    rt, season, _ = fresh
    reg = "R20269999"
    answer = ask(rt, season, FAMILY, reg, right(reg))
    assert answer.status_code == 200, answer.text
    shown = verified_fields(rt, season.event, answer.json())  # §17.2: its rejection leaf
    assert (shown["status"], shown["school"], shown["rejection_code"]) == (
        "rejected", "S001", "P1-age")
    assert rows(rt) == []  # not a failure
    assert ask(rt, season, FAMILY, reg, wrong(reg)).status_code == 404
    proof = season.client.post(f"{season.base}/proof", json={"reg": reg, "id_last4": right(reg)})
    assert proof.status_code == 200 and proof.text == answer.json()["receipt"]


def test_right_digits_before_the_draw_answer_the_state(tmp_path: Path, backend: str) -> None:
    rt = runtime_at(tmp_path, backend)
    try:
        with TestClient(create_app(rt, operator=OPERATOR), client=(FAMILY, 1)) as client:
            season = Season(client, "early-2026")
            season.create()
            register(season)
            url = f"{season.base}/lookup"
            reg = "R20260004"
            # registered, the roster not frozen yet
            early = client.post(url, json={"reg": reg, "id_last4": right(reg)})
            assert early.status_code == 409, early.text  # right digits: a state, not a 404
            assert early.json()["state"] == "before_draw"
            assert early.json()["message_zh"].startswith("报名号和身份证后四位正确")
            season.freeze_roster()
            frozen = client.post(url, json={"reg": reg, "id_last4": right(reg)})
            assert frozen.status_code == 409 and frozen.json()["state"] == "before_draw"
            mistyped = client.post(url, json={"reg": reg, "id_last4": wrong(reg)})
            assert mistyped.status_code == 404
            assert mistyped.json()["message_zh"] == "没有与该报名号和身份证后四位对应的结果"
            with rt.service.db.read() as session:
                counters = session.execute(select(LookupLimitTable.attempts)).all()
            assert sorted(a for (a,) in counters) == [1, 1]  # only the mistyped try
    finally:
        rt.close()


# ------------------------------------------------------------- client addresses


def test_forwarded_for_from_an_untrusted_peer_is_ignored(
        fresh: tuple[Runtime, Season, list[float]], monkeypatch: pytest.MonkeyPatch) -> None:
    rt, season, _ = fresh
    monkeypatch.delenv("SUNSHINE_TRUSTED_PROXIES", raising=False)
    codes = [ask(rt, season, "127.0.0.1", f"X{n:05d}", "0000",
                 forwarded=f"10.9.{n // 250}.{n % 250}").status_code
             for n in range(CLIENT.free + 3)]
    assert codes == [404] * CLIENT.free + [429] * 3  # every try counted for the peer


def test_forwarded_for_from_a_trusted_proxy_names_the_right_most_untrusted_client(
        fresh: tuple[Runtime, Season, list[float]], monkeypatch: pytest.MonkeyPatch) -> None:
    rt, season, _ = fresh
    monkeypatch.setenv("SUNSHINE_TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8")
    # the attacker writes a fresh left-most address each time; the proxies append its
    # real address (203.0.113.66) and their own: it is counted as 203.0.113.66
    codes = [ask(rt, season, "127.0.0.1", f"W{n:05d}", "0000",
                 forwarded=f"192.0.2.{n % 200}, {ATTACKER}, 10.1.2.3").status_code
             for n in range(CLIENT.free + 2)]
    assert codes == [404] * CLIENT.free + [429] * 2
    assert rt.service.throttle.wait(ATTACKER) > 0
    # a family behind the same proxies is another client
    family = ask(rt, season, "127.0.0.1", "R20260005", right("R20260005"),
                 forwarded=f"{FAMILY}, 10.1.2.3")
    assert family.status_code == 200


@pytest.mark.parametrize(("peer", "forwarded", "client"), [
    ("198.51.100.7", ["1.2.3.4"], "198.51.100.7"),  # untrusted peer: header ignored
    ("127.0.0.1", [], "127.0.0.1"),  # a trusted proxy that sent no header
    ("127.0.0.1", ["1.2.3.4, 5.6.7.8"], "5.6.7.8"),  # right-most untrusted
    ("127.0.0.1", ["1.2.3.4", "5.6.7.8, 10.0.0.9"], "5.6.7.8"),  # two headers, one list
    ("127.0.0.1", ["10.0.0.1, 10.0.0.2"], "10.0.0.1"),  # proxies all the way: left-most
    ("127.0.0.1", ["1.2.3.4, garbage"], "127.0.0.1"),  # a proxy passed on garbage: stop
    ("127.0.0.1", ["2001:db8:1:2:3:4:5:6"], "2001:db8:1:2::/64"),  # IPv6 per /64
    ("::ffff:198.51.100.7", [], "198.51.100.7"),  # IPv4-mapped
    ("127.0.0.1", ["[2001:db8::1]"], "2001:db8::/64"),
])
def test_client_address_resolution(peer: str, forwarded: list[str], client: str) -> None:
    trusted = parse_trusted("127.0.0.1/32,10.0.0.0/8")
    assert resolve(peer, forwarded, trusted) == client


def test_a_bad_trusted_proxy_setting_is_refused_in_chinese() -> None:
    from lottery_service.errors import ConfigurationError

    with pytest.raises(ConfigurationError) as caught:
        parse_trusted("127.0.0.1/32, proxy.example")
    assert "不是 IP 地址或 CIDR" in caught.value.zh


# ------------------------------------------------------------------ properties


@settings(max_examples=60, deadline=None)
@given(free=st.integers(1, 30), first=st.integers(1, 600), cap=st.integers(1, 7200),
       failures=st.integers(0, 80))
def test_the_sql_delay_ladder_is_the_python_one(free: int, first: int, cap: int,
                                                failures: int) -> None:
    """The reservation decides in SQL (`Limits.ladder`) what `delay_ms` says."""
    limits = Limits(free=free, first_delay=first, max_delay=max(first, cap),
                    forget_after=86400)
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        in_sql = conn.execute(select(limits.ladder(literal(failures)))).scalar_one()
    assert in_sql == limits.delay_ms(failures)
    assert limits.delay_ms(failures + 1) >= limits.delay_ms(failures)
    assert limits.delay_ms(failures) <= limits.max_delay * 1000
