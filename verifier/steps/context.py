"""What the steps share: the bundle, the folded log, and what earlier steps derived."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from verifier import beacon, draw, note, phases, policy
from verifier.bundle import Bundle, load
from verifier.errors import NotChecked, VerificationError
from verifier.log import LogState
from verifier.openings import Openings

NEEDS_OPENINGS = "not checked (needs the sealed openings, §17.4): pass --openings FILE"


@dataclass(frozen=True)
class Options:
    key_text: str | None = None
    """A pinned log verifier key (--key); else the bundle's keys/log.vkey (§13)."""
    trusted_text: str | None = None
    """A signed checkpoint trusted before (--trusted, §12)."""
    policy_text: str | None = None
    """A witness policy (--policy, §13.1); else the bundle's keys/tlog-policy.txt."""
    openings_data: bytes | None = None
    """The sealed openings (--openings, §17.3)."""


@dataclass
class Context:
    """Filled as the steps run; a step reads only what the steps it needs produced."""

    root: Path
    options: Options
    state: LogState = field(default_factory=LogState)
    bundle: Bundle | None = None
    lines_read: bool = False
    """entries.jsonl was read to its end, so state.roots holds every asked-for root."""
    order: phases.Order | None = None
    """The phase order of the log (step 5), when it holds."""
    phase_error: phases.PhaseError | None = None
    openings: Openings | None = None
    openings_error: VerificationError | None = None
    checkpoints: dict[int, note.Checkpoint] = field(default_factory=dict)
    notes: dict[int, note.Note] = field(default_factory=dict)
    quorum: policy.QuorumResult | None = None
    """The latest checkpoint against the witness policy (step 2), when there is one."""
    chain: beacon.Chain | None = None
    draws: dict[str, draw.SchoolDraw] = field(default_factory=dict)
    payments: draw.Payments | None = None

    @property
    def key_pinned(self) -> bool:
        return self.options.key_text is not None

    def load_bundle(self) -> Bundle:
        if self.bundle is None:
            self.bundle = load(self.root)
        return self.bundle

    def log_key(self) -> note.VerifierKey:
        """The pinned key, else the bundle's keys/log.vkey (§13)."""
        text = self.options.key_text
        if text is None:
            text = self.load_bundle().log_key
            if text is None:
                raise VerificationError("signatures", "§13", "keys/log.vkey is missing")
        try:
            return note.parse_verifier_key(text)
        except note.NoteError as exc:
            raise VerificationError("signatures", "§12", f"log key: {exc}") from None

    def phase_order(self) -> phases.Order:
        if self.order is None:
            raise VerificationError("phases", "§11.3", "the phase order was not established")
        return self.order

    def sealed(self) -> Openings:
        """The sealed openings, or NotChecked when none were given (§17.4)."""
        if self.openings_error is not None:
            raise self.openings_error
        if self.openings is None:
            raise NotChecked(NEEDS_OPENINGS)
        return self.openings

    def payment_replay(self) -> draw.Payments:
        if self.payments is None:
            raise VerificationError("payments", "§7.5", "the payment rounds were not replayed")
        return self.payments
