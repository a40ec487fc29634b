"""The families' look-up and proof (§14), and each school's public results.

A look-up needs the registration number and the second factor (last four ID
characters). A wrong factor is answered exactly like an unknown number, the
comparison always runs (same time either way), and attempts are limited per
client (`throttle.Throttle`: never per number alone, so the right digits always
answer), so results cannot be enumerated. With the right digits but no result
yet, the family is told which state it is in (`LookupState`), never "wrong
digits", and it does not count as a failure (issue 11 item 3).
"""

from __future__ import annotations

import hmac
import json
from enum import StrEnum
from typing import Any, Final

from sqlmodel import select

from ..core.privacy import RejectionLeaf
from ..core.strict import loads
from ..errors import NotFoundError
from ..lookup import ApplicantResult
from ..storage.models import ApplicationTable, PupilTable, SealedOpeningTable
from .keys import ServiceKeys
from .snapshots import LogCache, Snapshot
from .throttle import Throttle

__all__ = ["Lookup", "LookupState"]

_DUMMY: Final = "0" * 64


class LookupNotFoundError(NotFoundError):
    title_zh = "没有查到结果"

    def __init__(self) -> None:
        super().__init__("no result for this registration number and ID digits",
                         zh="没有与该报名号和身份证后四位对应的结果")


class LookupState(StrEnum):
    """What a family with the right digits but no logged result is told (`state`)."""

    BEFORE_DRAW = "before_draw"  # an applicant; the lottery results are not logged yet
    REJECTED = "rejected"  # not admitted to the lottery: an eligibility rejection (§7.1)
    BEFORE_GROUPING = "before_grouping"  # a pupil admitted outside the lottery, no class yet


class NoResultYetError(NotFoundError):
    """The right digits, but nothing to prove yet (a proof asked for too early)."""

    title_zh = "结果尚未公布"

    def __init__(self, state: LookupState) -> None:
        super().__init__(f"no logged result yet ({state.value})",
                         zh="报名信息正确，但结果尚未公布，暂时没有可核验的记录",
                         state=state.value)


class Lookup:
    def __init__(self, cache: LogCache, keys: ServiceKeys, throttle: Throttle) -> None:
        self._cache = cache
        self._keys = keys
        self.throttle = throttle

    def result(self, event_id: str, reg: str, id_last4: str, caller: str) -> bytes:
        """The family's answer as JSON bytes: the public fields of `ApplicantResult`, or
        `{"state": …}` (`LookupState`) while there is no result to show."""
        snap, found = self._check(event_id, reg, id_last4, caller)
        if isinstance(found, ApplicantResult):
            return snap.result_body(found.reg)
        body: dict[str, Any] = {"state": found.value, "reg": reg, "event": event_id,
                                "phase": snap.state().phase.value}
        if found is LookupState.REJECTED:
            body["rejections"] = [{"school": r.school, "code": r.code}
                                  for r in self._rejections(event_id, reg)]
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def proof(self, event_id: str, reg: str, id_last4: str, caller: str,
              trusted_size: int | None = None) -> dict[str, Any]:
        """The §14 proof: signed checkpoint, inclusion proofs, roster record and, from a
        size the browser trusted before, the consistency proof."""
        snap, found = self._check(event_id, reg, id_last4, caller)
        if not isinstance(found, ApplicantResult):
            raise NoResultYetError(found)
        return snap.index().proof(found.reg, self._keys.verifier_key(event_id), trusted_size)

    def school_results(self, event_id: str, school: str) -> dict[str, Any]:
        """The logged lottery results of one school: summary and records (§11.2)."""
        results = self._cache.snapshot(event_id).school_results().get(school)
        if results is None:
            raise NotFoundError(f"no lottery results for school {school!r}",
                                zh=f"学校 {school!r} 没有摇号结果")
        return results

    def _check(self, event_id: str, reg: str, id_last4: str,
               caller: str) -> tuple[Snapshot, ApplicantResult | LookupState]:
        """The second-factor check shared by look-up, proof and giving a place up: one
        attempt reserved per client first (`Throttle.check`), then the comparison."""
        gate = self.throttle.check(caller, event_id, reg)
        snap = self._cache.fresh(event_id)
        if snap is None or not snap.ready:
            snap = self._cache.snapshot(event_id)
            snap.index()
            snap.factors()
        given = self._keys.lookup_hash(event_id, reg, id_last4)
        expected = snap.factors().get(reg)
        # Always compare, so an unknown number costs the same time as a wrong factor.
        match = hmac.compare_digest(given, expected or _DUMMY)
        if not match:  # the cached factors may predate an import: every miss asks the table
            expected = self._stored_factor(event_id, reg)
            match = hmac.compare_digest(given, expected or _DUMMY)
        if not match or expected is None:
            self.throttle.failure(gate)
            raise LookupNotFoundError()
        self.throttle.success(gate)
        return snap, self._found(snap, event_id, reg)

    def _found(self, snap: Snapshot, event_id: str,
               reg: str) -> ApplicantResult | LookupState:
        """The family's logged result, or the state it is in while there is none."""
        result = snap.index().results.get(reg)
        if result is not None and (result.outcome is not None or result.class_id is not None):
            return result
        state = snap.state()
        if self._rejections(event_id, reg):
            return LookupState.REJECTED
        lottery = snap.index().roster_index
        if reg in lottery or not state.ceremonies["lottery"].frozen:
            return LookupState.BEFORE_DRAW
        return LookupState.BEFORE_GROUPING

    def _rejections(self, event_id: str, reg: str) -> list[RejectionLeaf]:
        """This family's own sealed rejection leaves (§17.2): the log holds only the
        committed root, and only the family (after its second factor) is told why."""
        with self._cache.db.read() as session:
            rows = session.exec(select(SealedOpeningTable).where(
                SealedOpeningTable.event_id == event_id, SealedOpeningTable.reg == reg,
                SealedOpeningTable.kind == "rejection")).all()
        return [RejectionLeaf.from_json(loads(r.body)) for r in rows]

    def _stored_factor(self, event_id: str, reg: str) -> str | None:
        with self._cache.db.read() as session:
            row = session.get(ApplicationTable, (event_id, reg))
            if row is not None:
                return row.id_last4_hash
            pupil = session.get(PupilTable, (event_id, reg))
            return pupil.id_last4_hash if pupil is not None and pupil.id_last4_hash else None

    def verify(self, event_id: str, reg: str, id_last4: str, caller: str) -> Snapshot:
        """Only the second-factor check (throttled like a look-up), for other use cases
        a family starts on its page (`service.declines`)."""
        return self._check(event_id, reg, id_last4, caller)[0]
