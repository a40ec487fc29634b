"""Step 18: head-teacher matching recomputed (§10)."""

from __future__ import annotations

from verifier import matching
from verifier.errors import VerificationError
from verifier.steps.allocation import logged_schools
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    st = ctx.state
    final = ctx.phase_order().matching_results_final
    if not st.matching and not final:
        return "no matching results yet"
    tinp, ginp, seed = st.input_of("teachers"), st.input_of("grouping"), st.seed_of("teachers")
    if tinp is None or ginp is None or seed is None:
        raise VerificationError("matching", "§11.3", "matching results without a seed")
    logged_schools(list(st.matching), sorted(ginp.plans), final, "matching", "§10")
    n = 0
    for sid in sorted(st.matching):
        plan = ginp.plans[sid]
        teachers = tinp.teachers.get(sid, [])
        names = {t.id: t.name for t in teachers}
        try:
            pairs = matching.match_school(seed, sid, [t.id for t in teachers],
                                          [c for c, _ in plan.classes])
        except matching.MatchingError as exc:
            raise VerificationError("matching", "§10", str(exc)) from None
        want = [(c, t, names[t]) for c, t in pairs]
        got = st.matching[sid]
        if got != want[:len(got)] or (len(got) != len(want)
                                      and (final or sid != max(st.matching))):
            raise VerificationError("matching", "§10",
                                    f"school {sid}: logged {got}, recomputed {want}")
        n += len(got)
    return f"{len(st.matching)} schools, {n} classes recomputed"
