"""Step 19: what the log records besides the draws: rehearsals, locks, notifications,
corrections, publication (§11.2, §19)."""

from __future__ import annotations

from collections import Counter

from verifier import note, records
from verifier.errors import VerificationError
from verifier.steps.context import Context
from verifier.strict import StrictError


def _rehearsal(ctx: Context, body: dict[str, object]) -> str:
    """§19: a rehearsal's origin and key, never the official ones."""
    origin = str(body["origin"])
    try:
        _, is_rehearsal, event = records.origin(origin, "rehearsal_recorded.origin")
        key = note.parse_verifier_key(str(body["key"]))
    except (StrictError, note.NoteError) as exc:
        raise VerificationError("records", "§19", str(exc)) from None
    if not is_rehearsal or event != body["event"]:
        raise VerificationError("records", "§19", f"rehearsal_recorded origin {origin!r} is not "
                                f"<prefix>/rehearsal/{body['event']}")
    if key.name != origin:
        raise VerificationError("records", "§19, §12.1", "rehearsal_recorded key is not named "
                                "by its origin")
    if key.public_key == ctx.log_key().public_key:
        raise VerificationError("records", "§19", "the rehearsal was signed with the official "
                                "log key")
    return f"rehearsal {event} recorded (size {body['size']}, origin {origin})"


def check(ctx: Context) -> str:
    st = ctx.state
    out = [_rehearsal(ctx, r) for r in st.rehearsals]
    if st.locks_recorded:
        out.append(f"P8 locks on record: {st.locks_recorded[-1]}")
    topics = Counter(t for t, _, _ in st.notifications)
    if topics:
        out.append("notifications: " + ", ".join(f"{t} ×{n}" for t, n in sorted(topics.items())))
    for seq, refers_to, reason in st.corrections:
        out.append(f"correction at entry {seq} of entry {refers_to}: {reason}")
    if st.published:
        out.append(f"published: {', '.join(st.published)}")
    return "; ".join(out) or "nothing recorded"
