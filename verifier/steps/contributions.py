"""Step 10: participants, commitments, escrow keys and openings (§5.2, §5.3, §5.4)."""

from __future__ import annotations

from verifier import ceremony
from verifier.errors import VerificationError
from verifier.log import CeremonyLog
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    st = ctx.state
    event = st.event or ""
    n = 0
    checked: list[str] = []
    warnings: list[str] = []
    keys: dict[bytes, str] = {}
    for name, cer in st.ceremonies.items():
        opened = cer.opened
        if opened is None:
            continue
        other = keys.setdefault(opened.escrow_key, name)
        if other != name:  # §5.4: one key per ceremony, so a release unseals nothing else
            raise VerificationError("commitments", "§5.4",
                                    f"{name}: escrow_key is the {other} ceremony's key")
        if ceremony.tagged_hash(ceremony.TAG_PARTICIPANTS,
                                opened.participants_canon) != opened.participants_hash:
            raise VerificationError("commitments", "§5.2", f"{name}: participants_hash differs")
        for p, s in cer.settlements.items():
            com = cer.commitments.get(p)
            if s.reason == "no-commitment":
                if com is not None:  # excluded by the phase order; said here too
                    raise VerificationError("commitments", "§5.4",
                                            f"{name}: {p} committed yet is void no-commitment")
                continue
            if com is None:
                raise VerificationError("commitments", "§5.3",
                                        f"{name}: {p} settled without a commitment")
            if s.secret is not None and (len(s.secret) != 32 or ceremony.commitment(
                    event, name, p, s.secret) != com.commitment):
                raise VerificationError("commitments", "§5.3, §5.4",
                                        f"{name}: {s.kind} of {p} does not match its "
                                        "commitment")
            n += 1
        if cer.released_key is not None:
            checked.append(name)
            warnings += _escrows(event, name, cer, cer.released_key, opened.escrow_key)
    detail = f"{n} openings match their commitments"
    if checked:
        detail += f"; escrows checked with the released key of {', '.join(checked)}"
    if warnings:
        detail += "; WARNING: " + "; ".join(warnings)
    return detail


def _escrows(event: str, name: str, cer: CeremonyLog, key: bytes,
             escrow_key: bytes) -> list[str]:
    """§5.4 key release: re-open every escrow of the ceremony with the released key.

    escrow_opened must equal the escrow's plaintext and an escrow-invalid void
    must really not open (failures); a reveal whose escrow would not have opened
    is only a warning (the participant sealed junk, §16).
    """
    if ceremony.escrow_public_key(key) != escrow_key:
        raise VerificationError("commitments", "§5.4",
                                f"{name}: released escrow key is not the ceremony's "
                                "escrow_key")
    warnings = []
    for p, s in sorted(cer.settlements.items()):
        com = cer.commitments.get(p)
        if com is None:
            continue
        opened = ceremony.escrow_opens(event, name, p, com.escrow, com.commitment, key)
        if s.kind == "escrow_opened" and (opened is None or opened != s.secret):
            raise VerificationError("commitments", "§5.4",
                                    f"{name}: escrow_opened secret of {p} is not the "
                                    "plaintext of its escrow")
        if s.reason == "escrow-invalid" and opened is not None:
            raise VerificationError("commitments", "§5.4",
                                    f"{name}: {p} was voided as escrow-invalid, but its "
                                    "escrow opens with the released key")
        if s.kind == "reveal" and opened is None:
            warnings.append(f"{name}: the escrow of {p} would not have opened "
                            "(junk sealed; its reveal stands)")
    return warnings
