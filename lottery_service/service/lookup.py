"""The families' look-up and proof (§14), and each school's public results.

A look-up needs the registration number and the second factor (last four ID
characters). A wrong factor is answered exactly like an unknown number, the
comparison always runs (same time either way), and failures, only failures,
are throttled per client and per number (`throttle.LookupLimiter`), so results
cannot be enumerated. Nothing is served before the lottery results are logged.
"""

from __future__ import annotations

import hmac
from typing import Any, Final

from ..core.note import Checkpoint, split_note
from ..errors import NotFoundError, RateLimitedError
from ..lookup import ApplicantResult
from .keys import ServiceKeys
from .snapshots import LogCache, Snapshot
from .throttle import LookupLimiter

__all__ = ["Lookup"]

_DUMMY: Final = "0" * 64


class LookupNotFoundError(NotFoundError):
    title_zh = "没有查到结果"

    def __init__(self) -> None:
        super().__init__("no result for this registration number and ID digits",
                         zh="没有与该报名号和身份证后四位对应的结果")


class Lookup:
    def __init__(self, cache: LogCache, keys: ServiceKeys,
                 limiter: LookupLimiter | None = None) -> None:
        self._cache = cache
        self._keys = keys
        self.limiter = limiter or LookupLimiter()

    def ready(self, event_id: str) -> bool:
        """Whether a look-up of this event needs no I/O now (an async caller may then
        answer inline rather than in a worker thread)."""
        snap = self._cache.fresh(event_id)
        return snap is not None and snap.ready

    def result(self, event_id: str, reg: str, id_last4: str, caller: str) -> bytes:
        """The family's result as JSON bytes: the public fields of `ApplicantResult`."""
        snap, result = self._check(event_id, reg, id_last4, caller)
        return snap.result_body(result.reg)

    def proof(self, event_id: str, reg: str, id_last4: str, caller: str,
              trusted_size: int | None = None) -> dict[str, Any]:
        """The §14 proof: signed checkpoint, inclusion proofs, roster record and, from a
        size the browser trusted before, the consistency proof."""
        snap, result = self._check(event_id, reg, id_last4, caller)
        origin = Checkpoint.parse(split_note(snap.note)[0]).origin  # the log key's name
        return snap.index().proof(result.reg, self._keys.verifier_key(origin), trusted_size)

    def school_results(self, event_id: str, school: str) -> dict[str, Any]:
        """The logged lottery results of one school: summary and records (§11.2)."""
        results = self._cache.snapshot(event_id).school_results().get(school)
        if results is None:
            raise NotFoundError(f"no lottery results for school {school!r}",
                                zh=f"学校 {school!r} 没有摇号结果")
        return results

    def _check(self, event_id: str, reg: str, id_last4: str,
               caller: str) -> tuple[Snapshot, ApplicantResult]:
        """The second-factor check shared by look-up and proof; throttles failures only."""
        wait = self.limiter.retry_after(caller, reg)
        if wait is not None:
            raise RateLimitedError(wait)
        snap = self._cache.fresh(event_id)
        if snap is None or not snap.ready:
            snap = self._cache.snapshot(event_id)
            snap.index()
            snap.factors()
        given = self._keys.lookup_hash(event_id, reg, id_last4)
        expected = snap.factors().get(reg)
        result = snap.index().results.get(reg)
        # Always compare, so an unknown number costs the same time as a wrong factor.
        match = hmac.compare_digest(given, expected or _DUMMY)
        if not match or expected is None or result is None \
                or (result.outcome is None and result.class_id is None):
            self.limiter.failure(caller, reg)
            raise LookupNotFoundError()
        return snap, result
