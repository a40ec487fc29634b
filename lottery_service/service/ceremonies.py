"""Ceremony steps (§5): commitments, reveals, escrow openings, voids, dice, beacon, seed.

Each is one method and one unit of work on the locked event; the state machine
in `core.season` decides what may happen and what is logged. A drand round is
verified (`core.beacon.check_round`: members, round in force, BLS signature,
randomness) before it is logged, whether the operator pasted it or `fetch_round`
got it from a relay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ..core.beacon import BeaconError, PostponeReason, check_round
from ..core.entries import VoidReason
from ..core.errors import CeremonyError
from ..core.log import Entry
from ..core.season import PhaseError
from ..core.seed import Ceremony, open_escrow
from ..errors import ForbiddenError, RejectedInputError, RemoteError
from .tokens import Principal
from .unit_of_work import Database
from .windows import moment

__all__ = ["BeaconPlan", "Ceremonies", "void_reason"]


def void_reason(value: str) -> VoidReason:
    """A void reason as typed; `no-commitment` voids are logged by closing commitments."""
    try:
        reason = VoidReason(value)
    except ValueError:
        reason = None
    if reason is None or reason is VoidReason.NO_COMMITMENT:
        raise RejectedInputError(
            f"void reason {value!r}: expected escrow-invalid or escrow-holder-absent",
            zh=f"作废原因 {value!r} 无效：可选 escrow-invalid（托管无法打开）、"
               "escrow-holder-absent（托管持有人缺席）", section="5.4")
    return reason


@dataclass(frozen=True)
class BeaconPlan:
    """A ceremony's beacon round in force and what to fetch (§5.6)."""

    ceremony: Ceremony
    chain: str  # hex chain hash
    round: int
    round_time: int  # Unix seconds
    physical_entropy_by: int

    def relay_path(self) -> str:
        """Where a drand relay publishes the round: `/<chain>/public/<round>`."""
        return f"/{self.chain}/public/{self.round}"


class Ceremonies:
    def __init__(self, db: Database) -> None:
        self._db = db

    def commit(self, event_id: str, ceremony: Ceremony, participant: str,
               commitment: bytes, escrow: str) -> list[Entry]:
        """A commitment made on the participant's device, with its sealed escrow (§5.3)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.commit(ceremony, participant, commitment, escrow,
                                               work.now))

    def close_commitments(self, event_id: str, ceremony: Ceremony) -> list[Entry]:
        """Close commitments; whoever did not commit is void (§5.4)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.close_commitments(ceremony, work.now))

    def reveal(self, event_id: str, ceremony: Ceremony, participant: str,
               secret: bytes) -> list[Entry]:
        """A participant's secret, checked against its commitment (§5.3)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.reveal(ceremony, participant, secret, work.now))

    def open_escrows(self, event_id: str, ceremony: Ceremony,
                     escrow_private: X25519PrivateKey | None) -> list[Entry]:
        """Close the reveal window: open the escrow of everyone who did not reveal, or void
        it when the holder is absent or the escrow does not open (§5.4)."""
        with self._db.event(event_id) as work:
            c = work.state.ceremony(ceremony)
            entries: list[Entry] = []
            for participant in c.pending():
                now = work.now
                if escrow_private is None:
                    entries += work.emit(work.state.void(
                        ceremony, participant, VoidReason.ESCROW_HOLDER_ABSENT, now))
                    continue
                sealed = c.commitments[participant].body
                try:
                    secret = open_escrow(sealed.escrow, sealed.commitment, escrow_private,
                                         event=event_id, ceremony=ceremony,
                                         participant=participant)
                except CeremonyError:
                    entries += work.emit(work.state.void(
                        ceremony, participant, VoidReason.ESCROW_INVALID, now))
                else:
                    entries += work.emit(work.state.reveal(ceremony, participant, secret, now,
                                                           via_escrow=True))
            return entries

    def escrow_opening(self, event_id: str, ceremony: Ceremony, participant: str,
                       secret: bytes, by: Principal | None = None) -> list[Entry]:
        """A withheld secret the escrow holder opened on its own device (§5.4); only the
        ceremony's notary or the admin may enter it."""
        with self._db.event(event_id) as work:
            caller = by or Principal.operator()
            if caller.role != "admin":
                roles = {p.id: p.role for p in work.state.ceremony(ceremony).participants}
                if roles.get(caller.subject) != "notary":
                    raise ForbiddenError(
                        "only the notary (escrow holder) or the admin opens escrows",
                        zh="只有公证员（托管持有人）或管理员可以提交托管开启的秘密", section="5.4")
            return work.emit(work.state.reveal(ceremony, participant, secret, work.now,
                                               via_escrow=True))

    def void(self, event_id: str, ceremony: Ceremony, participant: str,
             reason: str) -> list[Entry]:
        """Void a contribution whose escrow cannot be opened (§5.4)."""
        why = void_reason(reason)
        with self._db.event(event_id) as work:
            return work.emit(work.state.void(ceremony, participant, why, work.now))

    def physical_entropy(self, event_id: str, ceremony: Ceremony, witness: str,
                         values: Sequence[int]) -> list[Entry]:
        """The dice read on camera by a named witness (§5.5); with a beacon, no later than
        the deadline in force (§5.6)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.physical_entropy(ceremony, witness, values, work.now))

    # ------------------------------------------------------------------ beacon

    def beacon_plan(self, event_id: str, ceremony: Ceremony) -> BeaconPlan:
        """The round in force for a ceremony whose rules name a beacon (§5.6)."""
        with self._db.event(event_id) as work:
            state = work.state
            c = state.ceremony(ceremony)
            if state.rules is None or state.rules.beacon is None or c.schedule is None:
                raise PhaseError("the rules name no beacon, or the ceremony is not open (§5.6)",
                                 zh="规则未指定随机信标，或仪式尚未开始", section="5.6")
            return BeaconPlan(ceremony, state.rules.beacon.chain.hex(), c.schedule.round,
                              c.schedule.round_time, c.schedule.physical_entropy_by)

    def beacon(self, event_id: str, ceremony: Ceremony, round_json: str | bytes) -> list[Entry]:
        """Log the drand round in force, given as a relay publishes it, after verifying it
        (§5.6 checks 1–8); a failed check names its code and logs nothing."""
        with self._db.event(event_id) as work:
            state = work.state
            c = state.ceremony(ceremony)
            if state.rules is None or state.rules.beacon is None or c.schedule is None:
                raise PhaseError("the rules name no beacon (§5.6)", section="5.6")
            if c.beacon is not None:
                return []
            try:
                verified = check_round(state.rules.beacon, round_json, c.schedule.round)
            except BeaconError as exc:
                raise RejectedInputError(
                    f"the beacon round was refused ({exc.fault.value}): {exc.message}",
                    zh=f"随机信标轮次未通过验证（{exc.fault.value}）：{exc.fault.zh}",
                    section="5.6", fault=exc.fault.value) from None
            return work.emit(state.beacon(ceremony, verified, work.now))

    def fetch_round(self, event_id: str, ceremony: Ceremony, relay: str,
                    get: Callable[[str], httpx.Response] | None = None) -> list[Entry]:
        """Fetch the round in force from a drand relay (`<relay>/<chain>/public/<round>`) and
        log it after the same checks as a pasted round."""
        plan = self.beacon_plan(event_id, ceremony)
        url = relay.rstrip("/") + plan.relay_path()
        try:
            response = (get or _get)(url)
        except httpx.HTTPError as exc:
            raise RemoteError(f"the relay {relay} could not be reached: {exc}",
                              zh=f"无法连接随机信标中继 {relay}：{exc}") from None
        if response.status_code != 200:
            raise RemoteError(f"the relay {relay} answered {response.status_code} for round "
                              f"{plan.round} (not published yet?)",
                              zh=f"随机信标中继 {relay} 对第 {plan.round} 轮返回 "
                                 f"{response.status_code}（可能尚未发布）")
        return self.beacon(event_id, ceremony, response.content)

    def postpone_beacon(self, event_id: str, ceremony: Ceremony, reason: str,
                        physical_entropy_by: str | None = None) -> list[Entry]:
        """Log `beacon_postponed` (§5.6): `physical-entropy-late` with a new dice deadline,
        or `round-not-published` once the round in force is 600 s late; never a re-draw."""
        try:
            why = PostponeReason(reason)
        except ValueError:
            raise RejectedInputError(
                f"postponement reason {reason!r}: expected physical-entropy-late or "
                "round-not-published",
                zh=f"推迟原因 {reason!r} 无效：可选 physical-entropy-late（掷骰晚于截止时间）、"
                   "round-not-published（信标轮次未发布）", section="5.6") from None
        by = None if physical_entropy_by is None else moment(
            physical_entropy_by, "physical_entropy_by").strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._db.event(event_id) as work:
            return work.emit(work.state.postpone_beacon(ceremony, why, work.now, by))

    def derive_seed(self, event_id: str, ceremony: Ceremony) -> list[Entry]:
        """Derive and log the ceremony's seed (§5.7)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.derive_seed(ceremony, work.now))

    def release_escrow_key(self, event_id: str, ceremony: Ceremony,
                           escrow_private: X25519PrivateKey) -> list[Entry]:
        """After the ceremony's seed its escrow holder publishes this ceremony's key, so anyone
        can check its escrow openings (§5.4); another ceremony's key is refused."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.release_escrow_key(
                ceremony, escrow_private.private_bytes_raw(), work.now))


def _get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=10.0, follow_redirects=True)
