"""Step 17: class grouping, public checks (§9, §17.4); step 23 recomputes it (§17.3).

Without the openings the public sees each pupil's class and each class's counts
(`grouping_summary`), not genders or strata. It checks (§17.4) that the class sizes
are the §9 step 3 targets where those are public (and with alike classes `u` or
`u − 1`, exactly `m` of `u − 1`), together units are kept, every class exists and
the summary lists every class of the plan with the results' pupils, and the
per-class counts stay within the §9.2 (b) bounds given the published `exchanges`.
The exact §9 result, the least separation and E itself need the sealed openings
(step 23).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from verifier import grouping
from verifier.errors import VerificationError
from verifier.log import ClassPlan, SchoolResults
from verifier.steps.allocation import logged_schools
from verifier.steps.context import Context


@dataclass(frozen=True)
class Grouped:
    """One school's grouping as the log gives it."""

    school: str
    pupils: list[grouping.Pupil]
    """The school's pupils, ascending reg."""
    plan: ClassPlan
    classes: dict[str, str]
    """reg -> class, from the grouping_result entries."""
    summary: dict[str, Any]


def _fail(sid: str, message: str, section: str = "§9, §17.4") -> VerificationError:
    return VerificationError("grouping", section, f"school {sid}: {message}")


def grouped(ctx: Context) -> list[Grouped]:
    """Every school's logged grouping, after the structural checks of §11.3 (6)."""
    st = ctx.state
    final = ctx.phase_order().grouping_results_final
    inp, seed = st.input_of("grouping"), st.seed_of("grouping")
    if not st.grouping and not final:
        return []
    if inp is None or seed is None:
        raise VerificationError("grouping", "§11.3", "grouping results without a seed")
    by_school: dict[str, list[grouping.Pupil]] = {}
    for p in inp.pupils:
        by_school.setdefault(p.school, []).append(p)
    logged_schools(list(st.grouping), sorted(inp.plans), final, "grouping", "§9")
    out = []
    for sid in sorted(st.grouping):
        res: SchoolResults = st.grouping[sid]
        pupils = sorted(by_school.get(sid, []), key=lambda p: p.reg)
        if res.count != len(pupils) and (final or sid != max(st.grouping)):
            raise _fail(sid, f"{res.count} grouping results for {len(pupils)} pupils",
                        "§9, §11.3")
        h = hashlib.sha256()
        for p in pupils[:res.count]:
            h.update(p.reg.encode() + b"\n")
        if h.digest() != res.digest.digest():
            raise _fail(sid, "the grouping results do not name exactly its pupils",
                        "§9, §11.3")
        if res.summary is None:
            raise _fail(sid, "no grouping_summary", "§11.3")
        classes = dict(zip((p.reg for p in pupils), res.classes, strict=False))
        out.append(Grouped(sid, pupils, inp.plans[sid], classes, res.summary))
    return out


def _public(seed: bytes, g: Grouped) -> str:
    sid, plan = g.school, g.plan.record()
    ids = {c for c, _ in g.plan.classes}
    unknown = sorted(set(g.classes.values()) - ids)
    if unknown:
        raise _fail(sid, f"class {unknown[0]} is not in the plan (S3)")
    counts = Counter(g.classes.values())
    together: dict[str, set[str]] = {}
    for p in g.pupils:
        if p.siblings is not None and p.siblings[1] == "together":
            together.setdefault(p.siblings[0], set()).add(g.classes[p.reg])
    split = sorted(grp for grp, cs in together.items() if len(cs) > 1)
    if split:
        raise _fail(sid, f"together group {split[0]} is split over classes (§9.2 (c), S4)")
    sizes = grouping.public_sizes(seed, sid, plan, len(g.pupils))
    try:
        grouping.check_sizes(sizes, counts)
        grouping.check_summary(plan, g.summary["classes"], counts)
        return grouping.public_bounds(sizes, g.summary["classes"], g.summary["exchanges"],
                                      grouping.request_pupils(g.pupils))
    except grouping.GroupingError as exc:
        raise _fail(sid, str(exc)) from None


def check(ctx: Context) -> str:
    """Step 17: the public grouping checks of §17.4."""
    schools = grouped(ctx)
    if not schools:
        return "no grouping results yet"
    seed = ctx.state.seed_of("grouping")
    if seed is None:
        raise VerificationError("grouping", "§11.3", "grouping results without a seed")
    notes = Counter(_public(seed, g) for g in schools if len(g.classes) == len(g.pupils))
    pupils = sum(len(g.classes) for g in schools)
    said = "; ".join(f"{n} school(s): {what}" for what, n in sorted(notes.items()))
    return (f"{len(schools)} schools, {pupils} pupils: sizes as §9 step 3 fixes them, "
            f"together units kept, summaries agree with the results; {said}; the exact §9 "
            "result: step 23")
