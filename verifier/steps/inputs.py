"""Step 7: input trees (§3.3) and unique identifiers (§1)."""

from __future__ import annotations

from collections.abc import Iterable

from verifier.errors import VerificationError
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    """Each input root is the §3.3 tree of the records logged before it."""
    out = []
    for name, cer in ctx.state.ceremonies.items():
        tree, frozen = cer.input_tree, cer.frozen
        if frozen is None or tree is None:
            continue
        if tree.duplicate:
            raise VerificationError("inputs", "§3.3", f"{name}: duplicate input record")
        if frozen.size != tree.size or frozen.root != tree.root:
            raise VerificationError("inputs", "§3.3",
                                    f"{name}: input root/size differ from the records")
        out.append(f"{name} {tree.size} records")
    _unique_ids(ctx)
    return ", ".join(out) or "no input frozen yet"


def _repeated(ids: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return None


def _unique_ids(ctx: Context) -> None:
    """§1: registration numbers and teacher ids are unique within the event."""
    st = ctx.state
    checks = (("applicant registration number", (a.reg for a in st.applicants)),
              ("pupil registration number", (p.reg for p in st.pupils)),
              ("teacher id", (t for ts in st.teachers.values() for t in ts)))
    for what, ids in checks:
        dup = _repeated(ids)
        if dup is not None:
            raise VerificationError("inputs", "§1", f"{what} {dup} appears twice")
