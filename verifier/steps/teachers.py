"""Step 16: head-teacher matching recomputed (§10)."""

from __future__ import annotations

from verifier import matching
from verifier.errors import VerificationError
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    st = ctx.state
    if not st.matching and not ctx.phase_order().matching_results_final:
        return "no matching results yet"
    schools = set(st.teachers) | set(st.plans)
    if set(st.matching) != schools:
        raise VerificationError("matching", "§10, §11.2",
                                "matching_results schools differ from the schools with "
                                "teachers and class plans")
    seed = st.seed_of("teachers")
    if seed is None:
        raise VerificationError("matching", "§11.3", "matching results without a seed")
    for sid in sorted(schools):
        plan = st.plans.get(sid)
        if plan is None:
            raise VerificationError("matching", "§10", f"no class plan for school {sid}")
        try:
            want = matching.match_school(seed, sid, st.teachers.get(sid, []),
                                         [c for c, _ in plan.classes])
        except matching.MatchingError as exc:
            raise VerificationError("matching", "§10", str(exc)) from None
        if want != list(st.matching.get(sid, ())):
            raise VerificationError("matching", "§10", f"school {sid}: pairs differ")
    return f"{len(schools)} schools recomputed"
