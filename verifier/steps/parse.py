"""Step 1: bundle layout and strict parsing of every entry (§13, §2.1, §2.3, §11.1, §11.2).

The one pass over entries.jsonl: every line is hashed into the log tree (even
after a parse error, so steps 3 and 4 can still compare the signed roots), parsed
strictly up to the first error, fed to the phase order and folded (log.Fold).
"""

from __future__ import annotations

from verifier import note, openings
from verifier.errors import VerificationError
from verifier.log import Fold
from verifier.phases import PhaseError
from verifier.steps.context import Context
from verifier.strict import StrictError


def _trusted_size(text: str | None) -> set[int]:
    """The --trusted checkpoint's size, so the pass keeps the root there (step 4 checks it)."""
    if text is None:
        return set()
    try:
        return {note.parse_checkpoint(note.parse_note(text).text).size}
    except note.NoteError:
        return set()


def check(ctx: Context) -> str:
    bundle = ctx.load_bundle()
    if ctx.options.openings_data is not None:
        try:
            ctx.openings = openings.parse(ctx.options.openings_data)
        except VerificationError as exc:  # step 20's failure; the log is read without them
            ctx.openings_error = exc
    sizes = frozenset(set(bundle.notes) | _trusted_size(ctx.options.trusted_text))
    st = ctx.state
    fold = Fold(st, ctx.openings, sizes)
    error: VerificationError | None = None
    for seq, raw in enumerate(bundle.lines()):
        fold.leaf(raw)
        if error is None:
            try:
                fold.absorb(seq, raw)
            except StrictError as exc:
                error = VerificationError("parse", "§2.3, §11.2", f"entry {seq}: {exc}")
    st.entries = fold.tree.size
    ctx.lines_read = True
    if error is not None:
        raise error
    if not st.entries:
        raise VerificationError("parse", "§11.3", "the log is empty")
    try:
        ctx.order = fold.finish()
    except PhaseError as exc:
        ctx.phase_error = exc
    return f"{st.entries} entries of event {st.event}"
