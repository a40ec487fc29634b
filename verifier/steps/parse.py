"""Step 1: bundle layout and strict parsing of every entry (§13, §2.1, §2.3, §11.1)."""

from __future__ import annotations

from verifier import log, merkle
from verifier.errors import VerificationError
from verifier.steps.context import Context
from verifier.strict import StrictError


def check(ctx: Context) -> str:
    """Read entries.jsonl once; hash every raw line; parse strictly up to the first error.

    Every line is hashed even after a parse error, so steps 3 and 4 can still
    compare the signed roots with the entries.
    """
    bundle = ctx.load_bundle()
    st = ctx.state
    sha = merkle.leaf_hash
    error: VerificationError | None = None
    for seq, raw in enumerate(bundle.lines()):
        st.leaves.append(sha(raw))
        if error is None:
            try:
                log.absorb(st, seq, raw)
            except StrictError as exc:
                error = VerificationError("parse", "§2.3", f"entry {seq}: {exc}")
    ctx.lines_read = True
    if error is not None:
        raise error
    if not st.leaves:
        raise VerificationError("parse", "§11.3", "the log is empty")
    return f"{len(st.leaves)} entries of event {st.event}"
