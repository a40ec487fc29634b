"""Steps 20–23: what only the sealed openings let anyone check (§17.3, §17.4).

Without ``--openings`` each step is reported *not checked (needs the sealed
openings, §17.4)*, never passed.
"""

from __future__ import annotations

from collections import Counter

from verifier import bias, grouping, merkle
from verifier.errors import VerificationError
from verifier.steps.classes import grouped
from verifier.steps.context import Context


def _fail(message: str, section: str = "§17.3") -> VerificationError:
    return VerificationError("openings", section, message)


def openings(ctx: Context) -> str:
    """Step 20: every opening matches its commitment and every commitment has one."""
    sealed = ctx.sealed()
    st = ctx.state
    if sealed.event != st.event or (st.rules is not None and sealed.origin != st.rules.origin):
        raise _fail(f"the openings are of {sealed.origin}, not this log")
    out = []
    for name, what in (("lottery", "applicant"), ("grouping", "pupil")):
        inp = st.input_of(name)
        if inp is None:
            continue
        if inp.mismatched:
            raise _fail(f"{name}: the opening of {inp.mismatched[0]} does not match its attrs "
                        "(§17.1)")
        if inp.unopened:
            raise _fail(f"{name}: {what} {inp.unopened[0]} has no opening")
        records = len(inp.applicants) if name == "lottery" else len(inp.pupils)
        if inp.opened != records or sealed.count(name) != records:
            raise _fail(f"{name}: {sealed.count(name)} openings for {records} {what} records "
                        "(one each, §17.3)")
        out.append(f"{name}: {records} {what} commitments opened")
    for leaf in sealed.rejection_leaves:
        if leaf["event"] != st.event:
            raise _fail(f"rejection leaf of {leaf['reg']} names event {leaf['event']}")
    return "; ".join(out) or "no input frozen yet"


def rejections(ctx: Context) -> str:
    """Step 21: the rejection tree recomputed, with counts per code and school (§17.2)."""
    sealed = ctx.sealed()
    frozen = ctx.state.ceremony("lottery").frozen if "lottery" in ctx.state.ceremonies else None
    if frozen is None or frozen.rejections is None:
        return "no lottery input frozen yet"
    count, root = frozen.rejections
    leaves = sorted(sealed.rejections)
    if len(set(leaves)) != len(leaves):
        raise _fail("a rejection leaf is given twice", "§17.2")
    if len(leaves) != count or merkle.root([merkle.leaf_hash(x) for x in leaves]) != root:
        raise _fail(f"the {len(leaves)} rejection leaves do not give the logged "
                    f"eligibility_rejections (count {count})", "§17.2")
    rejected = {leaf["reg"] for leaf in sealed.rejection_leaves}
    drawn = sorted(rejected.intersection(a.reg for a in frozen.input.applicants))
    if drawn:
        raise _fail(f"rejected {drawn[0]} is among the lottery input records", "§7.1")
    codes = Counter(leaf["code"] for leaf in sealed.rejection_leaves)
    schools = Counter(leaf["school"] for leaf in sealed.rejection_leaves)
    return (f"{count} rejections, none drawn; per code: "
            + ", ".join(f"{c} {n}" for c, n in sorted(codes.items()))
            + "; per school: " + ", ".join(f"{s} {n}" for s, n in sorted(schools.items())))


def gender(ctx: Context) -> str:
    """Step 22: the bias audit's gender dimension recomputed (§8)."""
    ctx.sealed()
    got = ctx.state.bias
    if got is None:
        return "no bias audit yet"
    pools = [p for sid in sorted(ctx.draws) for p in ctx.draws[sid].pools]
    if any(a.gender is None for p in pools for a in p.members):
        raise _fail("an applicant in a pool has no opened gender", "§8, §17.3")
    logged = next(d for d in got if d["dimension"] == "gender")
    if not bias.same(bias.dimension(pools, "gender"), logged):
        raise VerificationError("bias", "§8", "the gender dimension differs from the "
                                "recomputation with the openings")
    return f"gender dimension recomputed over {len(pools)} pools"


def classes(ctx: Context) -> str:
    """Step 23: every school's §9 grouping, E and grouping_summary recomputed."""
    ctx.sealed()
    seed = ctx.state.seed_of("grouping")
    schools = [g for g in grouped(ctx) if len(g.classes) == len(g.pupils)]
    if not schools or seed is None:
        return "no complete grouping results yet"
    exchanges = 0
    for g in schools:
        plan = g.plan.record()
        try:
            want = grouping.group_school(seed, g.school, g.pupils, plan)
        except grouping.GroupingError as exc:
            raise VerificationError("grouping", "§9", str(exc)) from None
        if want.classes != g.classes:
            bad = sorted(r for r in want.classes if want.classes[r] != g.classes.get(r))
            raise VerificationError("grouping", "§9",
                                    f"school {g.school}: classes differ from §9 for {bad[:5]}")
        if grouping.summary(g.school, g.pupils, plan, want) != g.summary:
            raise VerificationError("grouping", "§11.2, §17.3",
                                    f"school {g.school}: grouping_summary differs from the "
                                    f"opened attributes and §9's E = {want.exchanges}")
        exchanges += want.exchanges
    return (f"{len(schools)} schools, {sum(len(g.pupils) for g in schools)} pupils "
            f"recomputed; {exchanges} quota exchange(s) in all")
