"""Ceremony steps (§5): commitments, reveals, escrow openings, voids, dice, seed.

Each is one method and one unit of work on the locked event; the state machine
in `core.season` decides what may happen and what is logged.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ..core.errors import CeremonyError
from ..core.log import Entry
from ..core.seed import Ceremony, open_escrow
from ..errors import ForbiddenError
from .tokens import Principal
from .unit_of_work import Database

__all__ = ["Ceremonies"]


class Ceremonies:
    def __init__(self, db: Database) -> None:
        self._db = db

    def commit(self, event_id: str, ceremony: Ceremony, participant: str,
               commitment: bytes, escrow: str) -> list[Entry]:
        """A commitment made on the participant's device, with its sealed escrow (§5.3)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.commit(ceremony, participant, commitment, escrow))

    def close_commitments(self, event_id: str, ceremony: Ceremony) -> list[Entry]:
        """Close commitments; whoever did not commit is void (§5.4)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.close_commitments(ceremony))

    def reveal(self, event_id: str, ceremony: Ceremony, participant: str,
               secret: bytes) -> list[Entry]:
        """A participant's secret, checked against its commitment (§5.3)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.reveal(ceremony, participant, secret))

    def open_escrows(self, event_id: str, ceremony: Ceremony,
                     escrow_private: X25519PrivateKey | None) -> list[Entry]:
        """Close the reveal window: open the escrow of everyone who did not reveal, or void
        it when the holder is absent or the escrow does not open (§5.4)."""
        with self._db.event(event_id) as work:
            c = work.state.ceremony(ceremony)
            entries: list[Entry] = []
            for participant in c.pending():
                if escrow_private is None:
                    entries += work.emit(work.state.void(ceremony, participant,
                                                         "escrow-holder-absent"))
                    continue
                try:
                    secret = open_escrow(c.escrows[participant], c.commitments[participant],
                                         escrow_private, event=event_id, ceremony=ceremony,
                                         participant=participant)
                except CeremonyError:
                    entries += work.emit(work.state.void(ceremony, participant, "escrow-invalid"))
                else:
                    entries += work.emit(work.state.reveal(ceremony, participant, secret,
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
            return work.emit(work.state.reveal(ceremony, participant, secret, via_escrow=True))

    def void(self, event_id: str, ceremony: Ceremony, participant: str,
             reason: str) -> list[Entry]:
        """Void a contribution whose escrow cannot be opened (§5.4)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.void(ceremony, participant, reason))

    def physical_entropy(self, event_id: str, ceremony: Ceremony, witness: str,
                         values: Sequence[int]) -> list[Entry]:
        """The dice read on camera by a named witness (§5.5)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.physical_entropy(ceremony, witness, values))

    def derive_seed(self, event_id: str, ceremony: Ceremony) -> list[Entry]:
        """Derive and log the ceremony's seed (§5.7)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.derive_seed(ceremony))

    def release_escrow_key(self, event_id: str, ceremony: Ceremony,
                           escrow_private: X25519PrivateKey) -> list[Entry]:
        """After the seed the escrow holder publishes its key, so anyone can check every
        escrow opening and every escrow-invalid void (§5.4)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.release_escrow_key(ceremony,
                                                           escrow_private.private_bytes_raw()))
