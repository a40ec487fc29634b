"""The families' look-up: their receipt (§14) and own openings (§17), and each school's
public results.

A look-up needs the registration number and the second factor (last four ID
characters). A wrong factor is answered exactly like an unknown number, the
comparison always runs (same time either way), and failures, only failures,
are limited per client and per client and number in the database
(`throttle.Throttle`: never per number alone, so the right digits always answer,
and several server processes share one limit), so results cannot be enumerated.
The right credentials always get an answer: the receipt, or, while the log holds no
result for the child yet, "not yet published" with the state it is in (never
counted as a failure, issue 11).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from ..core.privacy import AttributeOpening
from ..core.seed import CEREMONIES, Ceremony
from ..core.strict import loads
from ..errors import ConflictError, NotFoundError
from ..storage.models import ApplicationTable, SealedOpeningTable
from .keys import ServiceKeys
from .snapshots import LogCache, Snapshot
from .throttle import Throttle

__all__ = ["FamilyLookup", "Lookup", "LookupNotFoundError", "LookupState", "ResultNotYetError"]

_DUMMY: Final = "0" * 64


class LookupNotFoundError(NotFoundError):
    title_zh = "没有查到结果"

    def __init__(self) -> None:
        super().__init__("no result for this registration number and ID digits",
                         zh="没有与该报名号和身份证后四位对应的结果")


class LookupState(StrEnum):
    """Where a family with the right digits but no logged result stands (`state`)."""

    BEFORE_DRAW = "before_draw"  # an applicant; the lottery results are not logged yet
    BEFORE_GROUPING = "before_grouping"  # a pupil outside the lottery, no class yet


class ResultNotYetError(ConflictError):
    """The credentials are right, the log holds no result for this child yet."""

    title_zh = "结果尚未公布"

    def __init__(self, state: LookupState) -> None:
        super().__init__(f"the signed log holds no result for this child yet ({state})",
                         zh="报名号和身份证后四位正确，但签名日志中还没有这名学生的结果；"
                            "请在公布结果后再查询", state=state.value)


@dataclass(frozen=True)
class FamilyLookup:
    """A family's answer: its receipt under the latest checkpoint and its own openings
    (attribute openings per ceremony, §17.1; a rejection leaf sits in the receipt's
    `records`, §17.2). Nothing here is another family's."""

    reg: str
    receipt: str
    attributes: tuple[tuple[Ceremony, AttributeOpening], ...]

    def to_json(self) -> dict[str, Any]:
        return {"reg": self.reg, "receipt": self.receipt,
                "openings": [{"type": "attributes", "ceremony": c, **o.to_json()}
                             for c, o in self.attributes]}


class Lookup:
    def __init__(self, cache: LogCache, keys: ServiceKeys, throttle: Throttle) -> None:
        self._cache = cache
        self._keys = keys
        self.throttle = throttle

    def receipt(self, event_id: str, reg: str, id_last4: str, caller: str) -> str:
        """The family's receipt text (C2SP tlog-proof@v1, §14) under the latest checkpoint."""
        return self._check(event_id, reg, id_last4, caller)[1]

    def family(self, event_id: str, reg: str, id_last4: str, caller: str) -> FamilyLookup:
        """The receipt and the family's own attribute openings (§17: app server only)."""
        snap, text = self._check(event_id, reg, id_last4, caller)
        with snap.db.read() as session:
            rows = [(c, row) for c in CEREMONIES
                    if (row := session.get(SealedOpeningTable, (event_id, c, reg))) is not None
                    and row.kind == "attributes"]
            attributes = tuple((c, AttributeOpening.from_json(loads(row.body)))
                               for c, row in rows)
        return FamilyLookup(reg, text, attributes)

    def context(self, event_id: str) -> str:
        """The event context under the latest checkpoint (§14.1)."""
        snap = self._cache.serving(event_id)
        if snap.size == 0:
            raise NotFoundError("the log has no signed checkpoint yet",
                                zh="日志还没有签名检查点")
        return snap.context()

    def school_results(self, event_id: str, school: str) -> dict[str, Any]:
        """The logged lottery results of one school: summary and records (§11.2)."""
        results = self._cache.serving(event_id).school_results().get(school)
        if results is None:
            raise NotFoundError(f"no lottery results for school {school!r}",
                                zh=f"学校 {school!r} 没有摇号结果")
        return results

    def verify(self, event_id: str, reg: str, id_last4: str, caller: str) -> Snapshot:
        """Only the second-factor check (throttled like a look-up), for the other use
        cases a family starts on its page (`service.declines`)."""
        return self._factor(event_id, reg, id_last4, caller)

    def _check(self, event_id: str, reg: str, id_last4: str,
               caller: str) -> tuple[Snapshot, str]:
        """The second-factor check and the family's receipt under the latest checkpoint."""
        snap = self._factor(event_id, reg, id_last4, caller)
        text = snap.receipt(reg) if snap.size else None
        if text is None:  # an applicant waits for the draw, any other pupil for a class
            with snap.db.read() as session:
                applicant = session.get(ApplicationTable, (event_id, reg)) is not None
            raise ResultNotYetError(LookupState.BEFORE_DRAW if applicant
                                    else LookupState.BEFORE_GROUPING)
        return snap, text

    def _factor(self, event_id: str, reg: str, id_last4: str, caller: str) -> Snapshot:
        """One attempt reserved per client first (`Throttle.check`), then the comparison;
        only failures count."""
        gate = self.throttle.check(caller, event_id, reg)
        snap = self._cache.serving(event_id)
        given = self._keys.lookup_hash(event_id, reg, id_last4)
        expected = snap.factor(reg)
        # Always compare, so an unknown number costs the same time as a wrong factor.
        match = hmac.compare_digest(given, expected or _DUMMY)
        if not match or expected is None:
            self.throttle.failure(gate)
            raise LookupNotFoundError()
        self.throttle.success(gate)
        return snap
