"""Step 8: input trees, amendments and identifiers (§3.3, §5.1, §11.1, §1, §17.2)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from verifier import merkle
from verifier.errors import VerificationError
from verifier.log import Freeze, part_is_full
from verifier.steps.context import Context


def _repeated(ids: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return None


def _freeze(name: str, f: Freeze) -> None:
    inp = f.input
    where = f"{name} input_frozen at entry {f.seq}"
    if inp.disorder is not None:
        raise VerificationError("inputs", "§3.3, §11.1", f"{where}: {inp.disorder}")
    if inp.twice:
        raise VerificationError("inputs", "§1, §3.2", f"{where}: {inp.twice[0]} given twice")
    if f.size != inp.size or f.root != f.tree_root:
        raise VerificationError("inputs", "§3.3",
                                f"{where}: root/size differ from the {inp.size} records "
                                "logged since the ceremony opened or its last input_withdrawn")
    for a, b in itertools.pairwise(inp.parts):
        if not part_is_full(a, b.first):
            raise VerificationError("inputs", "§11.1",
                                    f"{where}: the input_records part at entry {a.seq} ends "
                                    f"early ({a.records} records, {a.size} bytes)")
    # §1: registration numbers within the input, teacher ids within the event.
    for what, ids in (("applicant registration number", (a.reg for a in inp.applicants)),
                      ("pupil registration number", (p.reg for p in inp.pupils)),
                      ("teacher id", (t.id for ts in inp.teachers.values() for t in ts))):
        dup = _repeated(ids)
        if dup is not None:
            raise VerificationError("inputs", "§1", f"{where}: {what} {dup} appears twice")
    if f.rejections is not None:
        count, root = f.rejections
        if count == 0 and root != merkle.EMPTY_ROOT:
            raise VerificationError("inputs", "§17.2", f"{where}: eligibility_rejections of "
                                    "count 0 without the empty-tree root")


def check(ctx: Context) -> str:
    out = []
    for name, cer in ctx.state.ceremonies.items():
        for f in cer.freezes:
            _freeze(name, f)
        frozen = cer.frozen
        if frozen is not None:
            amended = f", {cer.withdrawals} amendment(s)" if cer.withdrawals else ""
            out.append(f"{name} {frozen.size} records{amended}")
    return ", ".join(out) or "no input frozen yet"
