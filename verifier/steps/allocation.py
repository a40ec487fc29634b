"""Steps 13–16: lottery results, bias audit, payment rounds, global lock (§6–§8).

The lottery step recomputes every school's summary and results and compares the
results' canonical bytes through the per-school digest the streaming pass kept
(log.SchoolResults); only on a mismatch does it read the log again, to name the
first result that differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from verifier import bias, ceremony, draw, strict
from verifier.errors import VerificationError
from verifier.log import SchoolResults
from verifier.steps.context import Context


def logged_schools(logged: Sequence[str], expected: Sequence[str], final: bool,
                   what: str, section: str) -> None:
    """§11.3: results per school of the input in ascending id; all of them once final."""
    extra = sorted(set(logged) - set(expected))
    if extra:
        raise VerificationError(what, section, f"results for {extra[0]}, which is not in the "
                                "input")
    want = list(expected) if final else list(expected)[:len(logged)]
    if sorted(logged) != want:
        missing = next(s for s in want if s not in logged)
        raise VerificationError(what, f"{section}, §11.3",
                                f"the results of school {missing} are missing")


def _first_difference(ctx: Context, school: str, results: list[draw.Result]) -> str:
    """Read the log again for the school's first lottery_result that differs."""
    bundle = ctx.load_bundle()
    k = 0
    for seq, raw in enumerate(bundle.lines()):
        if not raw.endswith(b'"type":"lottery_result","v":2}'):
            continue
        body = strict.loads(raw)["body"]
        if body["school"] != school:
            continue
        want = draw.result_body(school, results[k]) if k < len(results) else None
        if body != want:
            return f"entry {seq}: logged {body}, recomputed {want}"
        k += 1
    return "the results differ from the recomputation"


def _compare_summary(sid: str, logged: dict[str, Any] | None, want: dict[str, Any]) -> None:
    if logged == want:
        return
    if logged is None:
        raise VerificationError("lottery", "§7.4", f"school {sid}: no lottery_summary")
    bad = [k for k in want if logged.get(k) != want[k]]
    field = bad[0] if bad else "?"
    raise VerificationError("lottery", "§7.2, §7.3",
                            f"school {sid}: summary {field} logged {logged.get(field)!r}, "
                            f"recomputed {want[field]!r}")


def lottery(ctx: Context) -> str:
    """Step 13: numbers, stages and outcomes of every school recomputed (§6, §7.2–§7.4)."""
    st = ctx.state
    final = ctx.phase_order().lottery_results_final
    if not st.lottery and not final:
        return "no lottery results yet"
    inp, seed, rules = st.input_of("lottery"), st.seed_of("lottery"), st.rules
    if inp is None or seed is None or rules is None:
        raise VerificationError("lottery", "§11.3", "results without a lottery seed")
    number = ceremony.keyed(seed, ceremony.TAG_NUMBER)
    by_school: dict[str, list[draw.Applicant]] = {s: [] for s in inp.schools}
    for a in inp.applicants:
        by_school[a.school].append(a)
    logged_schools(list(st.lottery), sorted(inp.schools), final, "lottery", "§7.4")
    n = 0
    for sid in sorted(st.lottery):
        res: SchoolResults = st.lottery[sid]
        d = draw.allocate(inp.schools[sid], by_school[sid], number, rules.waitlist_promotion)
        _compare_summary(sid, res.summary, d.summary)
        complete = res.count == len(d.results)
        if not complete and (final or sid != max(st.lottery)):
            raise VerificationError("lottery", "§7.4, §11.3",
                                    f"school {sid}: {res.count} results for "
                                    f"{len(d.results)} applicants")
        h = hashlib.sha256()
        for r in d.results[:res.count]:
            h.update(draw.result_bytes(sid, r) + b"\n")
        if h.digest() != res.digest.digest():
            raise VerificationError("lottery", "§6, §7.4",
                                    f"school {sid}: {_first_difference(ctx, sid, d.results)}")
        n += res.count
        d.results = []  # compared; the payments and the bias audit need the rest
        ctx.draws[sid] = d
    return f"{len(ctx.draws)} schools, {n} applicants recomputed"


def bias_audit(ctx: Context) -> str:
    """Step 14: the district and reg_day dimensions recomputed, the gender dimension's
    arithmetic checked (§8)."""
    got = ctx.state.bias
    if got is None:
        return "no bias audit yet"
    if [d["dimension"] for d in got] != list(bias.DIMENSIONS):
        raise VerificationError("bias", "§8", "dimensions are not district, gender, reg_day")
    pools = [p for sid in sorted(ctx.draws) for p in ctx.draws[sid].pools]
    for logged in got:
        dim = logged["dimension"]
        if dim == "gender":
            bias.gender_arithmetic(pools, logged)
        elif not bias.same(bias.dimension(pools, dim), logged):
            raise VerificationError("bias", "§8",
                                    f"the {dim} dimension differs from the recomputation")
    shown = []
    for d in got:
        verdict = ("不适用 not testable" if not d["testable"]
                   else f"p={d['p_ppm'] / 1e6:.4f}{' FLAGGED' if d['flag'] else ''}")
        shown.append(f"{d['dimension']} {verdict}")
    return (f"{len(pools)} pools; district and reg_day recomputed; gender: arithmetic only "
            f"(recomputed with the openings, step 22); {', '.join(shown)}")


def payments(ctx: Context) -> str:
    """Step 15: payment rounds, forfeits, locks and promotions replayed (§7.5)."""
    st = ctx.state
    if st.rules is None:
        raise VerificationError("payments", "§3.1", "no rule set")
    if st.rounds and not ctx.phase_order().lottery_results_final:
        raise VerificationError("payments", "§11.3", "payment rounds before the results")
    pay = draw.Payments(ctx.draws, st.rules.waitlist_promotion)
    ctx.payments = pay
    for rnd in st.rounds:
        want = pay.play(rnd.number, [(reg, school) for reg, school, _ in rnd.forfeits],
                        rnd.locks)
        if sorted(rnd.summaries) != sorted(want):
            raise VerificationError("payments", "§7.5",
                                    f"round {rnd.number}: promotions logged for "
                                    f"{sorted(rnd.summaries)}, due for {sorted(want)}")
        for sid, w in want.items():
            got = rnd.promotions.get(sid, [])
            if got != list(w.promoted):
                raise VerificationError("payments", "§7.5",
                                        f"round {rnd.number}, school {sid}: promoted "
                                        f"{[p.reg for p in got]}, recomputed "
                                        f"{[p.reg for p in w.promoted]}")
            counts = (w.freed, len(w.promoted), w.returned_to_bureau)
            if rnd.summaries[sid] != counts:
                raise VerificationError("payments", "§7.5",
                                        f"round {rnd.number}, school {sid}: promotions "
                                        f"(freed, promoted, returned) {rnd.summaries[sid]}, "
                                        f"recomputed {counts}")
    if st.payments_closed == 0 and pay.offers:
        raise VerificationError("payments", "§7.5, §11.3 (5)",
                                "payments_closed with zero rounds, but offers were made")
    state = "closed" if st.payments_closed is not None else "open"
    return (f"{len(st.rounds)} round(s) replayed, {len(pay.forfeited)} forfeits, "
            f"{len(pay.promoted)} units promoted, {len(pay.locked)} locks; window {state}")


def lock(ctx: Context) -> str:
    """Step 16: nobody locked holds a place; no reg at two schools (§7.6)."""
    pay = ctx.payment_replay()
    pay.check_lock()
    return (f"{len(pay.offers)} places held, {len(pay.locked)} locked applicants, none "
            "holding a place; every reg in one school's results (unique in the input)")

