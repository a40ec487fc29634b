"""Failure throttling for the public look-up (brute force of the 4-digit second factor).

Only failures are counted, so families who type their data right are never
slowed down; but once a client or a registration number is over its limit,
every attempt is refused until the window has moved on, otherwise the answer to
the next guess would still leak. Counters are per process: with W workers a
client gets at most W times the limit (see the API report).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SlidingWindow:
    """At most `limit` events per key in any `seconds`-long window."""

    limit: int
    seconds: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, key: str) -> float | None:
        """Seconds until `key` may try again, or None when it is under the limit."""
        with self._lock:
            hits = self._prune(key)
            if hits is None or len(hits) < self.limit:
                return None
            return max(0.0, hits[0] + self.seconds - self.clock())

    def hit(self, key: str) -> None:
        with self._lock:
            if len(self._hits) >= self.max_keys:
                self._sweep()
            self._hits.setdefault(key, deque()).append(self.clock())
            self._prune(key)

    def _prune(self, key: str) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        horizon = self.clock() - self.seconds
        while hits and hits[0] <= horizon:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits

    def _sweep(self) -> None:
        for key in list(self._hits):
            self._prune(key)
        if len(self._hits) >= self.max_keys:  # still full: forget the oldest half
            oldest = sorted(self._hits, key=lambda k: self._hits[k][-1])
            for key in oldest[: len(oldest) // 2]:
                del self._hits[key]


@dataclass
class LookupLimiter:
    """Per client IP 20 failures per 10 minutes; per reg 5 failures per hour."""

    by_ip: SlidingWindow = field(default_factory=lambda: SlidingWindow(20, 600.0))
    by_reg: SlidingWindow = field(default_factory=lambda: SlidingWindow(5, 3600.0))

    def retry_after(self, ip: str, reg: str) -> float | None:
        waits = [w for w in (self.by_ip.retry_after(ip), self.by_reg.retry_after(reg))
                 if w is not None]
        return max(waits) if waits else None

    def failure(self, ip: str, reg: str) -> None:
        self.by_ip.hit(ip)
        self.by_reg.hit(reg)
