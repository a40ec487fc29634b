"""Look-up limits that never lock out the right family (issue 11 item 3, issue 13 item 5).

The rules, and why:

- **No limit per registration number.** Anyone can type anyone's number, so a
  limit on the number alone would let a stranger lock a family out on results
  day. The right number and ID digits are never refused because of what others
  typed from other addresses.
- **Per client, every attempt is reserved first.** A look-up first takes one
  attempt from its client's counter in one atomic upsert; past `client.free`
  failures the client must wait a delay that doubles with each further failure
  up to `client.max_delay`. While it waits, every look-up from it is refused
  (429) *before anything is compared*, so a refusal says nothing about the
  digits tried, and parallel requests cannot squeeze in extra guesses: the
  database orders the reservations, whichever worker or server took them. A
  success gives its attempt back. This is what keeps results impossible to
  enumerate: from one client address, `client.free` guesses, then about one per
  `client.max_delay`.
- **Per (client, event, reg), a smaller counter** tells a family that mistyped
  how long to wait: past `pair.free` failures a wrong try is answered 429 with
  that wait; the right digits bypass this counter and clear it.
- **Shared state**: counters are rows of `lookup_limit`, so two workers or two
  machines give no extra tries; a row is forgotten once its client has been quiet
  for `forget_after`. Keys are HMACs under the service's look-up key: no address
  is stored. Times are the servers' wall clocks (keep them in NTP sync).

Client addresses come from `api/clients.py` (trusted proxies only).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import RateLimitedError
from ..storage.family_tables import LookupLimitTable
from .keys import ServiceKeys
from .unit_of_work import Database

__all__ = ["DEFAULT_POLICY", "Gate", "Limits", "LookupThrottledError", "Throttle",
           "ThrottlePolicy"]

_T: Final = LookupLimitTable.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Limits:
    """`free` failures, then a wait of `first_delay` seconds doubling with each further
    failure up to `max_delay`; the counter restarts after `forget_after` quiet seconds."""

    free: int
    first_delay: float
    max_delay: float
    forget_after: float

    def delay_ms(self, failures: int) -> int:
        """The wait after `failures` failures, in milliseconds."""
        if failures < self.free:
            return 0
        steps = failures - self.free
        if steps >= 64:
            return round(self.max_delay * 1000)
        return round(min(self.first_delay * 2.0 ** steps, self.max_delay) * 1000)

    def ladder(self, failures: ColumnElement[int]) -> ColumnElement[int]:
        """`delay_ms` as SQL over a column (one CASE branch per doubling)."""
        branches = []
        n = self.free
        while self.delay_ms(n) < round(self.max_delay * 1000):
            branches.append((failures == n, self.delay_ms(n)))
            n += 1
        return case((failures < self.free, 0), *branches,
                    else_=round(self.max_delay * 1000))


@dataclass(frozen=True)
class ThrottlePolicy:
    client: Limits
    pair: Limits


DEFAULT_POLICY: Final = ThrottlePolicy(
    # A carrier's shared address serves many families: 20 free failures, then 1 min,
    # 2, 4 … up to an hour per failure; forgotten after a quiet day.
    client=Limits(free=20, first_delay=60, max_delay=3600, forget_after=86400),
    # One family mistyping its own number: 5 free, then 30 s doubling to 15 min.
    pair=Limits(free=5, first_delay=30, max_delay=900, forget_after=3600),
)


class LookupThrottledError(RateLimitedError):
    """Too many failed look-ups from this client (or on this number from it)."""

    title_zh = "查询失败次数过多，请稍后再试"

    def __init__(self, retry_after: float) -> None:
        super().__init__(retry_after)
        minutes = max(1, math.ceil(retry_after / 60))
        self.message_zh = (f"查询失败次数过多，请在约 {minutes} 分钟后再试。"
                           f"请核对报名号和身份证后4位（最后一位可能是 X）；"
                           f"如仍无法查询，请联系区教育局招生办。")
        self.message = (f"too many failed look-ups; try again in about {minutes} minute(s)")
        self.context.update(wait_seconds=math.ceil(retry_after), wait_minutes=minutes)


@dataclass(frozen=True)
class Gate:
    """A reserved attempt: what `check` found, for `failure` or `success`."""

    client_key: str
    pair_key: str
    pair_wait_ms: int  # > 0: this (client, reg) is waiting; a wrong try is refused
    pair_seen: bool  # the pair has a counter row (a success then clears it)


class Throttle:
    def __init__(self, db: Database, keys: ServiceKeys,
                 policy: ThrottlePolicy = DEFAULT_POLICY,
                 clock: Callable[[], float] = time.time, sweep_every: float = 600.0) -> None:
        self._db = db
        self._secret = keys.lookup_key
        self.policy = policy
        self.clock = clock
        self._sweep_every = sweep_every
        self._swept = float("-inf")
        self._lock = threading.Lock()

    def check(self, client: str, event_id: str, reg: str) -> Gate:
        """Reserve one attempt of `client`; raise `LookupThrottledError` while it waits
        (before anything is compared)."""
        now = self._now_ms()
        client_key = self._key("client", client)
        pair_key = self._key("pair", client, event_id, reg)
        limits = self.policy.client
        with self._db.write() as session:
            reserved = session.execute(self._reserve(
                session.get_bind().dialect.name, client_key, now, limits)).first()
            if reserved is None:
                row = _counter(session, client_key)
                assert row is not None  # the conflict that refused us is this row
                wait = row[1] + limits.delay_ms(row[0]) - now
                raise LookupThrottledError(max(wait, 1) / 1000)
            pair = _counter(session, pair_key)
        pair_wait = 0
        if pair is not None and pair[2] > now:
            pair_wait = max(0, pair[1] + self.policy.pair.delay_ms(pair[0]) - now)
        return Gate(client_key, pair_key, pair_wait, pair is not None)

    def failure(self, gate: Gate) -> None:
        """A wrong factor: keep the client's attempt, count one on the pair; raise
        `LookupThrottledError` when the pair was already waiting."""
        now = self._now_ms()
        with self._db.write() as session:
            session.execute(self._count_pair(session.get_bind().dialect.name,
                                             gate.pair_key, now))
            self._maybe_sweep(session, now)
        if gate.pair_wait_ms > 0:
            raise LookupThrottledError(gate.pair_wait_ms / 1000)

    def success(self, gate: Gate) -> None:
        """The right factor: give the client's attempt back and clear the pair."""
        with self._db.write() as session:
            session.execute(delete(LookupLimitTable).where(
                _T.key == gate.client_key, _T.attempts <= 1))
            session.execute(update(LookupLimitTable).where(
                _T.key == gate.client_key, _T.attempts > 1).values(attempts=_T.attempts - 1))
            if gate.pair_seen:
                session.execute(delete(LookupLimitTable).where(_T.key == gate.pair_key))

    def wait(self, client: str) -> float:
        """Seconds `client` must wait now (0 when it may try); for tests and operators."""
        now = self._now_ms()
        with self._db.read() as session:
            row = _counter(session, self._key("client", client))
        if row is None or row[2] <= now:
            return 0.0
        return max(0, row[1] + self.policy.client.delay_ms(row[0]) - now) / 1000

    # ------------------------------------------------------------------ SQL

    def _reserve(self, dialect: str, key: str, now: int, limits: Limits) -> Any:
        """INSERT … ON CONFLICT DO UPDATE … WHERE the client may try now, RETURNING:
        no row back means refused. One statement, so concurrent reservations queue on
        the row lock and each sees the count the one before it left."""
        expired = _T.expires_ms <= now
        forget = now + round(limits.forget_after * 1000)
        stmt = _insert(dialect).values(key=key, attempts=1, last_ms=now, expires_ms=forget)
        return stmt.on_conflict_do_update(
            index_elements=[_T.key],
            set_={"attempts": case((expired, 1), else_=_T.attempts + 1),
                  "last_ms": now, "expires_ms": forget},
            where=or_(expired, _T.attempts < limits.free,
                      _T.last_ms + limits.ladder(_T.attempts) <= now),
        ).returning(_T.attempts)

    def _count_pair(self, dialect: str, key: str, now: int) -> Any:
        expired = _T.expires_ms <= now
        forget = now + round(self.policy.pair.forget_after * 1000)
        stmt = _insert(dialect).values(key=key, attempts=1, last_ms=now, expires_ms=forget)
        return stmt.on_conflict_do_update(
            index_elements=[_T.key],
            set_={"attempts": case((expired, 1), else_=_T.attempts + 1),
                  "last_ms": now, "expires_ms": forget})

    def _maybe_sweep(self, session: Any, now: int) -> None:
        """Delete forgotten rows, at most once per `sweep_every` seconds per process."""
        with self._lock:
            due = time.monotonic() - self._swept >= self._sweep_every
            if due:
                self._swept = time.monotonic()
        if due:
            session.execute(delete(LookupLimitTable).where(_T.expires_ms <= now))

    def _key(self, *parts: str) -> str:
        msg = "\x00".join(("throttle", *parts)).encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:40]

    def _now_ms(self) -> int:
        return round(self.clock() * 1000)


def _counter(session: Any, key: str) -> tuple[int, int, int] | None:
    """(attempts, last_ms, expires_ms) of one counter row; None when there is none."""
    row = session.execute(select(_T.attempts, _T.last_ms, _T.expires_ms)
                          .where(_T.key == key)).first()
    return None if row is None else (int(row[0]), int(row[1]), int(row[2]))


def _insert(dialect: str) -> Any:
    """The dialect's INSERT with ON CONFLICT (PostgreSQL and SQLite ≥ 3.35 share it)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LookupLimitTable)
