"""Steps 10–14: eligibility, lottery, bias audit, payments, global lock (§6–§8)."""

from __future__ import annotations

from verifier import bias, ceremony, draw, log
from verifier.errors import VerificationError
from verifier.steps.context import Context


def parts_complete(parts: list[tuple[int, int]], what: str) -> None:
    """The (part, parts) pairs of one school's entries are 0..n-1 once each (§11.1)."""
    n = parts[0][1] if parts else 0
    if not parts or sorted(parts) != [(k, n) for k in range(n)]:
        raise VerificationError("parts", "§11.1", f"{what}: parts are not 0..{n - 1} once each")


def rejections(ctx: Context) -> str:
    """Step 10: no rejected application is in the roster (§7.1)."""
    rejected = set(ctx.state.rejected)
    for a in ctx.state.applicants:
        if a.reg in rejected:
            raise VerificationError("eligibility", "§7.1",
                                    f"rejected {a.reg} appears among the input records")
    return f"{len(ctx.state.rejected)} rejections, none in the roster"


def lottery(ctx: Context) -> str:
    """Step 11: every school's numbers, stages and outcomes recomputed (§6, §7.2–§7.4)."""
    st = ctx.state
    if not st.results and not ctx.phase_order().lottery_results_final:
        return "no lottery results yet"
    seed = st.seed_of("lottery")
    if seed is None or st.rules is None:
        raise VerificationError("lottery", "§11.3", "results without a lottery seed")
    number = ceremony.keyed(seed, ceremony.TAG_NUMBER)
    by_school: dict[str, list[draw.Applicant]] = {s: [] for s in st.schools}
    for a in st.applicants:
        mine = by_school.get(a.school)
        if mine is None:
            raise VerificationError("lottery", "§3.2", f"{a.reg} applies to unknown school")
        mine.append(a)
    if set(st.results) != set(st.schools):
        odd = sorted(set(st.schools) ^ set(st.results))
        raise VerificationError("lottery", "§11.2",
                                f"lottery_results missing or extra for {odd}")
    n = 0
    for sid, school in sorted(st.schools.items()):
        parts_complete(st.lottery_parts.get(sid, []), f"lottery_results {sid}")
        d = draw.allocate(school, by_school[sid], number, st.rules.waitlist_promotion)
        ctx.draws[sid] = d
        if st.summaries.get(sid) != d.summary:
            raise VerificationError("lottery", "§7.2, §7.3",
                                    f"school {sid}: summary differs from the recomputation")
        # Each side is needed only for this comparison: free both as we go, so
        # the city's 10^5 records are never held twice.
        logged = st.results.pop(sid, {})
        if logged != d.records:
            if logged.keys() != d.records.keys():
                raise VerificationError("lottery", "§7.4",
                                        f"school {sid}: results do not list exactly its "
                                        "applicants")
            reg, rec = next((r, x) for r, x in d.records.items() if logged.get(r) != x)
            raise VerificationError("lottery", "§6, §7.4",
                                    f"school {sid}, {reg}: logged {logged.get(reg)} but "
                                    f"recomputed {rec}")
        n += len(d.records)
        d.records.clear()
    return f"{len(ctx.draws)} schools, {n} applicants recomputed"


def bias_audit(ctx: Context) -> str:
    """Step 12: the bias audit recomputed from the lottery's pools (§8)."""
    got = ctx.state.bias
    if got is None:
        return "no bias audit yet"
    pools = [p for sid in sorted(ctx.draws) for p in ctx.draws[sid].pools]
    want = [log.bias_dimension(d) for d in bias.audit(pools)]
    if len(got) != len(want) or not all(bias.same(w, g) for w, g in zip(want, got,
                                                                           strict=True)):
        raise VerificationError("bias", "§8", "bias audit differs from the recomputation")
    flags = [d.dimension for d in got if d.flag]
    return f"{len(pools)} pools; flagged: {', '.join(flags) or 'none'}"


def payments(ctx: Context) -> str:
    """Step 13: payment rounds and promotions replayed (§7.5)."""
    st = ctx.state
    if st.rules is None:
        raise VerificationError("payments", "§3.1", "no rule set")
    pay = draw.Payments(ctx.draws, st.rules.waitlist_promotion)
    ctx.payments = pay
    for rnd in st.rounds:
        want = pay.play(rnd.round, rnd.forfeited, rnd.locked_elsewhere)
        listed = st.promotions.get(rnd.round, [])
        got = {p.school: (list(p.promoted), p.returned_to_bureau) for p in listed}
        if len(got) != len(listed) or got != want:
            raise VerificationError("payments", "§7.5",
                                    f"round {rnd.round}: promotions differ from the "
                                    "recomputation")
    extra = set(st.promotions) - {r.round for r in st.rounds}
    if extra:
        raise VerificationError("payments", "§7.5",
                                f"promotions for unknown rounds {sorted(extra)}")
    if st.payments_closed is not None and (
            st.payments_closed != len(st.rounds) or (st.rounds and not pay.ended)):
        raise VerificationError("payments", "§7.5",
                                "payments_closed before a round without promotions")
    return f"{len(st.rounds)} rounds replayed"


def lock(ctx: Context) -> str:
    """Step 14: nobody admitted here is locked elsewhere (§7.6)."""
    pay = ctx.payment_replay()
    for reg in pay.offers:
        if reg in pay.locked:
            raise VerificationError("lock", "§7.6", f"{reg} is locked elsewhere yet admitted")
    return f"{len(pay.offers)} admissions, each held once"
