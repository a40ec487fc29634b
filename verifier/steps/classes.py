"""Step 15: class grouping recomputed (§9)."""

from __future__ import annotations

from verifier import grouping
from verifier.errors import VerificationError
from verifier.steps.allocation import parts_complete
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    st = ctx.state
    if not st.grouping and not ctx.phase_order().grouping_results_final:
        return "no grouping results yet"
    by_school: dict[str, list[grouping.Pupil]] = {}
    for p in st.pupils:
        by_school.setdefault(p.school, []).append(p)
    if set(st.grouping) != set(by_school):
        raise VerificationError("grouping", "§9", "grouping_results schools differ from "
                                "the pupils' schools")
    if not by_school:
        return "no pupils to group"
    seed = st.seed_of("grouping")
    if seed is None:
        raise VerificationError("grouping", "§11.3", "grouping results without a seed")
    for sid, pupils in sorted(by_school.items()):
        parts_complete(st.grouping_parts.get(sid, []), f"grouping_results {sid}")
        plan = st.plans.get(sid)
        if plan is None:
            raise VerificationError("grouping", "§9", f"no class plan for school {sid}")
        try:
            want = grouping.group_school(seed, sid, pupils, plan.record())
        except grouping.GroupingError as exc:
            raise VerificationError("grouping", "§9", str(exc)) from None
        logged = st.grouping.get(sid, {})
        if want != logged:
            bad = sorted(r for r in set(want) | set(logged) if want.get(r) != logged.get(r))
            raise VerificationError("grouping", "§9",
                                    f"school {sid}: classes differ for {bad[:5]}")
    return f"{len(by_school)} schools, {len(st.pupils)} pupils recomputed"
