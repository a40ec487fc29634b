"""verifier.grouping against tests/vectors/grouping.json and the §9 text (S3, S4, S8).

The vectors come from tests/vectors/generate_grouping.py, a literal transcription of
§9 that shares no code with the verifier: every intermediate value, each pupil's
class, E, the grouping_summary body, and the §9.3 conditions each input fails. The
verifier recomputes the grouping (what step 23 does with the openings), checks
feasibility through the real fold and steps 8–9 (§3.4), and runs the §17.4 public
checks (step 17) on the reference's results; mutations of those results that §9.2
rules out must fail them. Properties: §9.3's "if all hold, steps 1–11 complete for
every seed", and the public checks never refuse a genuine §9 result.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import Counter
from fractions import Fraction
from math import ceil, floor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.paths import VECTORS
from tests.unit.verifier.test_verifier_vectors import _input_log, replay, rules_of, run
from tests.vectors.generate_grouping import ReferenceError as Refused
from tests.vectors.generate_grouping import reference_problems, reference_school
from verifier import grouping
from verifier.verify import Status

Obj = dict[str, Any]
DOC = json.loads((VECTORS / "grouping.json").read_text("utf-8"))
CASES = [pytest.param(c, id=c["name"]) for c in DOC["cases"]]
VALID = [pytest.param(c, id=c["name"]) for c in DOC["cases"] if "expected" in c]


def opened(p: Obj) -> grouping.Pupil:
    """A vector pupil (gender and strata given, as the sealed openings give them)."""
    return grouping.pupil_of(p, p["gender"], p["strata"])


def public(p: Obj) -> grouping.Pupil:
    """The same pupil as the public sees it: no gender, no strata."""
    return grouping.pupil_of(p)


def school_input(case: Obj, school: str) -> tuple[Obj, list[Obj], bytes]:
    inp = case["input"]
    plan = next(p for p in inp["plans"] if p["school"] == school)
    return plan, [p for p in inp["pupils"] if p["school"] == school], bytes.fromhex(inp["seed"])


def v2_record(p: Obj) -> Obj:
    """The §3.2 pupil record of a vector pupil: attrs commits to its opening (§17.1)."""
    salt = hashlib.sha256(b"salt/" + p["reg"].encode()).hexdigest()
    opening = json.dumps({"gender": p["gender"], "reg": p["reg"], "salt": salt,
                          "strata": p["strata"]}, separators=(",", ":"), ensure_ascii=False)
    attrs = hashlib.sha256(b"sunshine-draw/v2/attributes\0" + opening.encode()).hexdigest()
    return {"type": "pupil", "reg": p["reg"], "name": p["name"], "school": p["school"],
            "attrs": attrs, "siblings": p["siblings"], "same_name": p["same_name"]}


# ------------------------------------------------------------------ §9.1 recomputed


@pytest.mark.parametrize("case", VALID)
def test_group_school_reproduces_the_reference(case: Obj) -> None:
    """Each pupil's class, E and the grouping_summary body (step 23's recomputation)."""
    for want in case["expected"]["schools"]:
        plan, pupils, seed = school_input(case, want["school"])
        mine = [opened(p) for p in pupils]
        got = grouping.group_school(seed, want["school"], mine, plan)
        assert got.classes == want["assignments"]
        assert got.exchanges == want["exchanges"]
        assert grouping.summary(want["school"], mine, plan, got) == want["summary"]


@pytest.mark.parametrize("case", [c for c in CASES if "error" in c.values[0]])
def test_group_school_refuses_what_the_reference_refuses(case: Obj) -> None:
    """Over capacity (S3), together units that cannot be placed (S4), mixed modes; the
    cohort-level refusals (a reg twice, no plan, two plans) are the input step's."""
    inp = case["input"]
    seed = bytes.fromhex(inp["seed"])
    refused = []
    for plan in inp["plans"]:
        mine = [opened(p) for p in inp["pupils"] if p["school"] == plan["school"]]
        try:
            grouping.group_school(seed, plan["school"], mine, plan)
        except grouping.GroupingError:
            refused.append(plan["school"])
    cohort_level = {p["problem"] for p in case["problems"]} <= {
        "pupil-twice", "no-plan", "two-plans"}
    assert bool(refused) != cohort_level


def test_group_school_needs_the_openings() -> None:
    case = next(c for c in DOC["cases"] if c["name"] == "worked")
    plan, pupils, seed = school_input(case, "S001")
    with pytest.raises(grouping.GroupingError, match="sealed openings"):
        grouping.group_school(seed, "S001", [public(p) for p in pupils], plan)
    with pytest.raises(grouping.GroupingError, match="sealed openings"):
        grouping.strata_ids(public(pupils[0]))


def test_pupil_of_a_v2_record() -> None:
    """A logged pupil record has attrs, no gender: the public form carries None."""
    case = next(c for c in DOC["cases"] if c["name"] == "mixed-requests")
    rec = v2_record(case["input"]["pupils"][0])
    p = grouping.pupil_of(rec)
    assert (p.gender, p.stratum, p.siblings, p.marks) == (None, None, ("T", "together"),
                                                           ("n/N",))
    q = grouping.pupil_of(rec, "F", ["ell", "sen"])
    assert (q.gender, q.stratum) == ("F", "F|ell,sen")
    assert grouping.strata_ids(q) == ["ell", "sen"]


# --------------------------------------------------------- §9.3 before the seed


@pytest.mark.parametrize("case", CASES)
def test_school_problems_are_the_reference_conditions(case: Obj) -> None:
    """§9.3 (3), (4), (6) per school and (5) over the cohort, from public records only."""
    inp = case["input"]
    pupils = [public(p) for p in inp["pupils"]]
    got = []
    plans: dict[str, list[Obj]] = {}
    for plan in inp["plans"]:
        plans.setdefault(plan["school"], []).append(plan)
    for sid, theirs in plans.items():
        if len(theirs) == 1:
            got += [(sid, x.problem.value) for x in grouping.school_problems(
                sid, [p for p in pupils if p.school == sid], theirs[0])]
    for group in grouping.mixed_modes(pupils):
        got.append((min(p.school for p in pupils if p.siblings and p.siblings[0] == group),
                    "mixed-sibling-modes"))
    want = [(p["school"], p["problem"]) for p in case["problems"]
            if p["condition"] in (3, 4, 5, 6)]
    assert sorted(got) == sorted(want)


@pytest.mark.parametrize("case", CASES)
def test_feasibility_at_input_frozen(case: Obj) -> None:
    """Through the fold and steps 8–9 (§3.4): an input §9.3 refuses fails at its
    input_frozen, naming a failed condition; every other passes."""
    inp = case["input"]
    recs = [v2_record(p) for p in inp["pupils"]] + inp["plans"]
    problems = list(case["problems"])
    schools = {p["school"] for p in inp["pupils"]}
    problems += [{"problem": "belongs to no pupil"} for pl in inp["plans"]
                 if pl["school"] not in schools]  # §3.4, not §9.3
    ctx = replay(rules_of(), _input_log(recs))
    results = run(ctx, 8, 9)
    if not problems:
        assert all(r.status == Status.PASS for r in results.values()), results
        return
    failed = next(r for r in results.values() if r.status == Status.FAIL)
    if failed.number == 8:  # §1, §3.2: a reg twice or a plan twice
        assert {p["problem"] for p in problems} & {"pupil-twice", "two-plans"}
        assert "twice" in failed.detail
    else:
        assert any(p["problem"] in failed.detail for p in problems), failed.detail


# ------------------------------------------------------------- §17.4 public checks


def _logged(case: Obj, want: Obj) -> tuple[grouping.PublicSizes, Counter[str], Obj,
                                           list[grouping.Pupil], Obj]:
    plan, pupils, seed = school_input(case, want["school"])
    sizes = grouping.public_sizes(seed, want["school"], plan, len(pupils))
    counts = Counter(want["assignments"].values())
    return sizes, counts, plan, [public(p) for p in pupils], want["summary"]


def _accepts(sizes: grouping.PublicSizes, counts: Counter[str], plan: Obj,
             pupils: list[grouping.Pupil], summary: Obj) -> bool:
    try:
        grouping.check_sizes(sizes, counts)
        grouping.check_summary(plan, summary["classes"], counts)
        grouping.public_bounds(sizes, summary["classes"], summary["exchanges"],
                               grouping.request_pupils(pupils))
    except grouping.GroupingError:
        return False
    return True


@pytest.mark.parametrize("case", VALID)
def test_public_checks_accept_the_reference(case: Obj) -> None:
    for want in case["expected"]["schools"]:
        sizes, counts, plan, pupils, summary = _logged(case, want)
        assert sizes.tau == want["sizes"] and sizes.empty == want["empty_seats"]
        assert sizes.alike == want["alike"]
        if not sizes.alike:  # the targets are public
            assert sizes.tau == want["targets"]
        assert _accepts(sizes, counts, plan, pupils, summary)


@pytest.mark.parametrize("case", VALID)
def test_public_checks_refuse_a_moved_pupil(case: Obj) -> None:
    """Moving one pupil changes two class sizes: never the public targets; with alike
    classes only a swap of u and u − 1 keeps them (§9 step 3)."""
    for want in case["expected"]["schools"]:
        sizes, counts = _logged(case, want)[:2]
        for a in counts:
            for b in sizes.tau:
                if a == b:
                    continue
                moved = Counter(counts)
                moved[a] -= 1
                moved[b] += 1
                swap = sizes.alike and counts[a] == counts[b] + 1
                refused = (contextlib.nullcontext() if swap
                           else pytest.raises(grouping.GroupingError))
                with refused:
                    grouping.check_sizes(sizes, moved)


@pytest.mark.parametrize("case", VALID)
def test_public_checks_refuse_a_summary_that_disagrees(case: Obj) -> None:
    for want in case["expected"]["schools"]:
        sizes, counts, plan, pupils, summary = _logged(case, want)
        rows = summary["classes"]
        if not sum(counts.values()):
            continue
        for change in ("pupils", "genders", "missing", "strata"):
            bad = json.loads(json.dumps(summary))
            r = bad["classes"][0]
            if change == "pupils":
                r["pupils"] += 1
            elif change == "genders":
                r["genders"]["F"] += 1
            elif change == "missing":
                bad["classes"] = bad["classes"][1:] if len(rows) > 1 else []
            elif r["strata"]:
                r["strata"][next(iter(r["strata"]))] = r["pupils"] + 1
            else:
                r["strata"]["zz"] = 0
            assert not _accepts(sizes, counts, plan, pupils, bad), change


def _shares(n: int, sizes: grouping.PublicSizes, cls: str) -> tuple[int, int]:
    x = Fraction(n * sizes.tau[cls], sum(sizes.tau.values()))
    return floor(x), ceil(x)


@pytest.mark.parametrize("case", VALID)
def test_public_checks_hold_genders_to_their_shares(case: Obj) -> None:
    """§9.2 (b): with E = 0 each gender count is ⌊y⌋ or ⌈y⌉, y = n_g·τ_j/N′. Trading a
    girl for a boy between two classes keeps the sizes; it must fail exactly when it
    takes a count off those values, unless the declared E allows each gender's
    distance (2 per exchange) and the requests allow that E."""
    for want in case["expected"]["schools"]:
        sizes, counts, plan, pupils, summary = _logged(case, want)
        rows = summary["classes"]
        totals = {g: sum(r["genders"][g] for r in rows) for g in grouping.GENDERS}
        for a in rows:
            for b in rows:
                if a is b or not a["genders"]["F"] or not b["genders"]["M"]:
                    continue
                bad = json.loads(json.dumps(summary))
                ra = next(r for r in bad["classes"] if r["class"] == a["class"])
                rb = next(r for r in bad["classes"] if r["class"] == b["class"])
                ra["genders"]["F"] -= 1
                ra["genders"]["M"] += 1
                rb["genders"]["M"] -= 1
                rb["genders"]["F"] += 1
                far = {g: 0 for g in grouping.GENDERS}
                for g in grouping.GENDERS:
                    for r in bad["classes"]:
                        lo, hi = _shares(totals[g], sizes, r["class"])
                        far[g] += max(0, lo - r["genders"][g], r["genders"][g] - hi)
                ok = max(far.values()) <= 2 * summary["exchanges"]
                assert _accepts(sizes, counts, plan, pupils, bad) == ok
                if (max(far.values()) and summary["exchanges"] == 0
                        and grouping.request_pupils(pupils)):
                    bad["exchanges"] = grouping.request_pupils(pupils)
                    assert _accepts(sizes, counts, plan, pupils, bad) == (
                        max(far.values()) <= 2 * bad["exchanges"])


def test_exchanges_need_requests() -> None:
    """E ≤ the request pupils (§9 step 9); a school without requests has E = 0."""
    case = next(c for c in DOC["cases"] if c["name"] == "capacity-exactly-full")
    want = case["expected"]["schools"][0]
    sizes, counts, plan, pupils, summary = _logged(case, want)
    assert grouping.request_pupils(pupils) == 0
    assert _accepts(sizes, counts, plan, pupils, summary)
    summary = dict(summary, exchanges=1)
    with pytest.raises(grouping.GroupingError, match="exchanges 1 exceed"):
        grouping.public_bounds(sizes, summary["classes"], 1, 0)


def test_the_exchanges_vector_needs_its_e() -> None:
    """together-beyond-share: the twins are the whole sen stratum and take more than its
    share of one class; E > 0 makes the counts legal, E = 0 would not (§9.2 (b))."""
    case = next(c for c in DOC["cases"] if c["name"] == "together-beyond-share")
    want = case["expected"]["schools"][0]
    sizes, counts, plan, pupils, summary = _logged(case, want)
    assert summary["exchanges"] >= 1 and _accepts(sizes, counts, plan, pupils, summary)
    rows = summary["classes"]
    n_prime = sum(sizes.tau.values())
    far = sum(max(0, floor(Fraction(sum(x["genders"][g] for x in rows) * sizes.tau[r["class"]],
                                    n_prime)) - r["genders"][g],
                  r["genders"][g] - ceil(Fraction(sum(x["genders"][g] for x in rows)
                                                  * sizes.tau[r["class"]], n_prime)))
              for r in rows for g in grouping.GENDERS)
    if far:
        assert not _accepts(sizes, counts, plan, pupils, dict(summary, exchanges=0))


# -------------------------------------------------------------------- properties


@st.composite
def schools(draw: st.DrawFn, max_n: int = 24, max_requests: int = 8) -> tuple[Obj, list[Obj]]:
    k = draw(st.integers(1, 4))
    n = draw(st.integers(0, max_n))
    base = max(1, -(-n // k))
    caps = [draw(st.integers(max(1, base - 2), base + 3)) for _ in range(k)]
    plan = {"type": "class-plan", "school": "S1", "name": "校",
            "classes": [{"id": f"{i + 1:02d}", "capacity": c} for i, c in enumerate(caps)]}
    pupils = []
    requests = 0
    for i in range(n):
        sib = None
        same = None
        if requests < max_requests and draw(st.integers(0, 5)) == 0:
            g = draw(st.integers(0, 3))
            sib = {"group": f"G{g}", "mode": "together" if g % 2 == 0 else "apart"}
            requests += 1
        if requests < max_requests and draw(st.integers(0, 9)) == 0:
            same = f"N{draw(st.integers(0, 1))}"
            requests += 1
        strata = draw(st.sampled_from([[], [], [], ["sen"], ["ell"], ["ell", "sen"]]))
        pupils.append({"type": "pupil", "reg": f"R{i:04d}", "name": "张*", "school": "S1",
                       "gender": draw(st.sampled_from("FM")), "strata": strata,
                       "siblings": sib, "same_name": same})
    return plan, pupils


SEEDS = st.binary(min_size=32, max_size=32)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schools(), SEEDS)
def test_feasible_inputs_complete_and_pass_the_public_checks(case: tuple[Obj, list[Obj]],
                                                             seed: bytes) -> None:
    """§9.3: no failed condition ⇒ §9 completes for this seed; and whatever §9 gives
    passes every §17.4 public check (the bounds are what §9.2 guarantees)."""
    plan, pupils = case
    problems = grouping.school_problems("S1", [public(p) for p in pupils], plan)
    problems_text = [x.problem for x in problems]
    try:
        got = grouping.group_school(seed, "S1", [opened(p) for p in pupils], plan)
    except grouping.GroupingError:
        assert {"over-capacity", "together-too-large", "together-cannot-fit"} & set(
            problems_text) or grouping.mixed_modes([public(p) for p in pupils])
        return
    assert not {"over-capacity", "together-too-large", "together-cannot-fit"} & set(
        problems_text)
    sizes = grouping.public_sizes(seed, "S1", plan, len(pupils))
    counts = Counter(got.classes.values())
    summary = grouping.summary("S1", [opened(p) for p in pupils], plan, got)
    assert _accepts(sizes, counts, plan, [public(p) for p in pupils], summary)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schools(max_n=14, max_requests=6), SEEDS)
def test_same_as_the_literal_reference(case: tuple[Obj, list[Obj]], seed: bytes) -> None:
    """The verifier's pruned search equals the reference's enumeration of every
    placement, and its §9.3 conditions the reference's, on random small schools."""
    plan, pupils = case
    want = [(p["school"], p["problem"]) for p in reference_problems([plan], pupils)
            if p["condition"] in (3, 4, 6)]
    got = [("S1", x.problem.value) for x in grouping.school_problems(
        "S1", [public(p) for p in pupils], plan)]
    assert sorted(got) == sorted(want)
    try:
        ref = reference_school(plan, pupils, seed)
    except Refused:  # so must the verifier
        with pytest.raises(grouping.GroupingError):
            grouping.group_school(seed, "S1", [opened(p) for p in pupils], plan)
        return
    got_school = grouping.group_school(seed, "S1", [opened(p) for p in pupils], plan)
    assert got_school.classes == ref["assignments"]
    assert got_school.exchanges == ref["exchanges"]
    assert grouping.summary("S1", [opened(p) for p in pupils], plan, got_school) == ref[
        "summary"]
