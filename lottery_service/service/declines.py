"""Giving up a place online (放弃; issue 11 item 6, PROTOCOL §7.5 reason `declined`).

A family holding an unconfirmed offer gives it up on its page with its second
factor (throttled like a look-up) and an explicit confirmation: it types 放弃.
The decision is stored in `DeclineTable`; the next payment round logs it as a
`forfeit` with reason `declined`, so the next family on the waiting list is
promoted in that round rather than after the deadline. It is refused outside
the payment window (G3), without an unconfirmed offer, or once paid (P7).
Recording takes the event's lock, so it lands wholly before or after a round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..core.entries import WindowPhase
from ..core.season import Phase, PhaseError
from ..errors import ConflictError, RejectedInputError
from ..storage.family_tables import DeclineTable
from ..storage.models import PaymentTable
from .lookup import Lookup
from .unit_of_work import Database, EventWork
from .windows import require_import_window

__all__ = ["CONFIRM_WORD", "Declined", "Declines", "NoOfferError"]

CONFIRM_WORD: Final = "放弃"
PAYMENT_PHASE: Final = Phase.DRAWN  # after the draw, before `payments_closed` (§7.5)


class NoOfferError(ConflictError):
    """Nothing to give up: no unconfirmed offer (or already paid)."""

    title_zh = "没有可以放弃的录取学位"


@dataclass(frozen=True)
class Declined:
    event_id: str
    reg: str
    at: str
    already: bool  # recorded before: this confirmation changed nothing


@dataclass(frozen=True)
class DeclineOptions:
    """Whether the family may give its offer up now, and if not, why (Chinese first)."""

    can_decline: bool
    reason_zh: str
    reason: str
    declined_at: str | None


class Declines:
    def __init__(self, db: Database, lookup: Lookup) -> None:
        self._db = db
        self._lookup = lookup

    def options(self, event_id: str, reg: str, id_last4: str, caller: str) -> DeclineOptions:
        """What the page may offer this family (second factor checked, throttled)."""
        self._lookup.verify(event_id, reg, id_last4, caller)
        with self._db.event(event_id) as work:
            row = work.session.get(DeclineTable, (event_id, reg))
            if row is not None:
                return DeclineOptions(False, "已登记放弃该学位，将在下一轮缴费结算时生效",
                                      "given up already; takes effect at the next payment "
                                      "round", row.at)
            try:
                _holds_offer(work, reg)
            except (PhaseError, NoOfferError) as refused:
                return DeclineOptions(False, refused.zh, str(refused), None)
        return DeclineOptions(True, "可以在线放弃该学位", "the offer may be given up", None)

    def decline(self, event_id: str, reg: str, id_last4: str, caller: str,
                confirm: str) -> Declined:
        """Record that the family gives its offer up; repeating it changes nothing."""
        if confirm.strip() != CONFIRM_WORD:
            raise RejectedInputError(
                f"type {CONFIRM_WORD} to confirm", rule="P7",
                zh=f"请在确认框中输入“{CONFIRM_WORD}”两个字，以确认放弃该学位")
        self._lookup.verify(event_id, reg, id_last4, caller)
        with self._db.event(event_id) as work:
            row = work.session.get(DeclineTable, (event_id, reg))
            if row is not None:
                return Declined(event_id, reg, row.at, already=True)
            _holds_offer(work, reg)
            at = work.now
            work.session.add(DeclineTable(event_id=event_id, reg=reg, at=at))
        return Declined(event_id, reg, at, already=False)


def _holds_offer(work: EventWork, reg: str) -> None:
    """Refuse unless `reg` holds an unconfirmed, unpaid offer inside the payment window."""
    state = work.state
    if state.phase is not PAYMENT_PHASE:
        raise PhaseError(f"offers can be given up only during the payment window "
                         f"(event phase {state.phase.value})",
                         zh="只能在缴费确认期内在线放弃学位；现在不在缴费确认期",
                         phase=state.phase.value)
    require_import_window(work, WindowPhase.PAYMENT)  # G3: the payment window in force
    if reg not in state.payment_state().unconfirmed():
        raise NoOfferError(f"{reg} holds no unconfirmed offer",
                           zh="该报名号目前没有待确认的录取学位，无需放弃")
    if work.session.get(PaymentTable, (work.event_id, reg)) is not None:
        raise NoOfferError(f"{reg} has paid: the place is being confirmed",
                           zh="该学位已缴费，不能在线放弃；如需放弃请联系区教育局招生办",
                           rule="P7")
