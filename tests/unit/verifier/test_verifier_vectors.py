"""The shared v2 conformance vectors (tests/vectors/*.json) reproduced by the verifier's
own implementation. A missing vector file is a failure, never a skip.

Where a vector gives logged bodies, they are replayed through the verifier's real
path (strict parse, phase order, fold, the numbered steps) by `replay`; where it
gives algorithm inputs, the verifier's functions recompute the outputs.
beacon.json, mldsa44.json, register.json and phase_order.json have their own
test modules (test_verifier_beacon, _note, _register, _phase_order).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tests.paths import VECTORS
from verifier import bias, ceremony, draw, log, matching, merkle, openings, receipt, records, strict
from verifier.errors import VerificationError
from verifier.log import ClassPlan, Input, Teacher
from verifier.phases import PhaseError
from verifier.steps import STEPS, feasibility
from verifier.steps.context import Context, Options
from verifier.strict import StrictError
from verifier.verify import Status, StepResult, Verification, _run_step

Obj = dict[str, Any]
FILES = ("seed", "escrow", "lottery_numbers", "input_tree", "allocation", "eligibility",
         "bias", "matching", "log_entries", "receipts", "privacy", "beacon", "mldsa44",
         "register", "phase_order")
RECEIPT_LOG = VECTORS / "receipt_log"


def load(name: str) -> Any:
    path = VECTORS / f"{name}.json"
    assert path.is_file(), f"{path} is missing: a vector file the verifier must reproduce"
    return json.loads(path.read_text("utf-8"))


def cases(name: str, key: str = "cases") -> list[Any]:
    path = VECTORS / f"{name}.json"
    if not path.is_file():  # reported as a failure by test_every_vector_file_is_present
        return [pytest.param(None, id="missing", marks=pytest.mark.xfail(strict=True))]
    return [pytest.param(c, id=c["name"]) for c in json.loads(path.read_text("utf-8"))[key]]


@pytest.mark.parametrize("name", FILES)
def test_every_vector_file_is_present(name: str) -> None:
    load(name)


def test_receipt_log_is_present() -> None:
    for part in ("entries.jsonl", "checkpoints", "keys/log.vkey", "policy", "openings.jsonl",
                 "receipts"):
        assert (RECEIPT_LOG / part).exists(), part


# ------------------------------------------------------------------ replay


def rules_of(event: str = "demo-2026", **changes: Any) -> Obj:
    return {"type": "rules", "version": 2, "event": event,
            "origin": f"draw.example.cn/yunyan/{event}", "rehearsal": False, "title": "向量",
            "year": 2026, "grade": 1, "high_fee_threshold": 6000, "waitlist_promotion": True,
            "dice": 20, "beacon": None, **changes}


def replay(rules: Obj, bodies: list[Obj], sealed: openings.Openings | None = None) -> Context:
    """event_created then `bodies` ({type, body}), one minute apart, through the verifier's
    streaming pass; raises StrictError for an entry the parser refuses."""
    event = rules["event"]
    ctx = Context(Path("."), Options(key_text=_log_vkey(rules["origin"])))
    ctx.openings = sealed
    fold = log.Fold(ctx.state, sealed)
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    entries = [{"type": "event_created",
                "body": {"rules": rules, "rules_hash": ceremony.rules_hash(rules).hex()}},
               *bodies]
    for seq, e in enumerate(entries):
        time = (start + dt.timedelta(minutes=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")
        raw = strict.canon({"v": 2, "event": event, "seq": seq, "time": time,
                            "type": e["type"], "body": e["body"]})
        fold.leaf(raw)
        fold.absorb(seq, raw)
    ctx.lines_read = True
    try:
        ctx.order = fold.finish()
    except PhaseError as exc:
        ctx.phase_error = exc
    return ctx


def _log_vkey(origin: str) -> str:
    """A log verifier key named by the origin (§12.1): what step 6 compares rules.origin to."""
    pub = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes_raw()
    kid = hashlib.sha256(origin.encode() + b"\n\x01" + pub).digest()[:4]
    key = base64.b64encode(b"\x01" + pub).decode()
    return f"{origin}+{kid.hex()}+{key}"


def run(ctx: Context, *numbers: int) -> dict[int, StepResult]:
    by = {s.number: s for s in STEPS}
    return {n: _run_step(by[n], ctx) for n in numbers}


def passed(results: dict[int, StepResult]) -> bool:
    return all(r.status == Status.PASS for r in results.values())


def x25519_public(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def seal(secret: bytes, commitment: bytes, holder_pub: bytes, ephemeral: bytes) -> str:
    """§5.4 escrow with a given ephemeral key (the vectors fix it)."""
    e = X25519PrivateKey.from_private_bytes(ephemeral)
    big_e = e.public_key().public_bytes_raw()
    z = e.exchange(X25519PublicKey.from_public_bytes(holder_pub))
    k = HKDF(algorithm=hashes.SHA256(), length=32, salt=big_e + holder_pub,
             info=b"sunshine-draw/v2/escrow\x00" + commitment).derive(z)
    return base64.b64encode(big_e + AESGCM(k).encrypt(b"\x00" * 12, secret, commitment)).decode()


# ---------------------------------------------------------------- §6 numbers


@pytest.mark.parametrize("case", cases("lottery_numbers"))
def test_lottery_numbers(case: Obj) -> None:
    inp, exp = case["input"], case["expected"]
    k = ceremony.keyed(bytes.fromhex(inp["seed"]), ceremony.TAG_NUMBER)
    assert [{"reg": a["reg"], "number": k(a["reg"]).hex()} for a in inp["applicants"]] == \
        exp["numbers"]
    units = draw.units_of([draw.Applicant(a["reg"], "S", "D", "2026-06-11", False, False,
                                          a["unit"]) for a in inp["applicants"]], k)
    assert [u.unit for u in units] == exp["unit_order"]


# ------------------------------------------------------------- §3.3 trees

CEREMONY_OF = {"school": "lottery", "applicant": "lottery", "pupil": "grouping",
               "class-plan": "grouping", "teacher": "teachers"}


def _input_log(records_: list[Obj]) -> list[Obj]:
    c = CEREMONY_OF[records_[0]["type"]] if records_ else "lottery"
    out: list[Obj] = [{"type": "ceremony_opened", "body": {
        "ceremony": c, "participants": [{"id": "bureau-1", "role": "bureau"},
                                        {"id": "notary-1", "role": "notary"}],
        "participants_hash": "00" * 32, "escrow_key": "A" * 43 + "=",
        "physical_entropy_by": None, "beacon_round": None}}]
    if c == "lottery":
        out.append({"type": "eligibility_rejections",
                    "body": {"count": 0, "root": merkle.EMPTY_ROOT.hex()}})
    leaves = sorted(strict.canon(r) for r in records_)
    root = merkle.root([merkle.leaf_hash(x) for x in leaves])
    if records_:
        out.append({"type": "input_records", "body": {
            "ceremony": c, "records": sorted(records_, key=strict.canon)}})
    out.append({"type": "input_frozen", "body": {"ceremony": c, "root": root.hex(),
                                                 "size": len(leaves)}})
    return out


@pytest.mark.parametrize("case", cases("input_tree"))
def test_input_tree(case: Obj) -> None:
    if "records_text" in case["input"]:  # a float does not survive a JSON round trip
        with pytest.raises(StrictError):
            for text in case["input"]["records_text"]:
                records.input_record("lottery", strict.loads(text))
        return
    recs = case["input"]["records"]
    if "error" in case:
        with pytest.raises(StrictError):
            ctx = replay(rules_of(), _input_log(recs))
            if run(ctx, 8)[8].status == Status.FAIL:
                raise StrictError(run(ctx, 8)[8].detail)
        return
    exp = case["expected"]
    ctx = replay(rules_of(), _input_log(recs))
    assert passed(run(ctx, 8))
    frozen = next(c.frozen for c in ctx.state.ceremonies.values())
    assert frozen is not None
    assert (frozen.tree_root.hex(), frozen.input.size) == (exp["root"], exp["size"])
    leaves = sorted(strict.canon(r) for r in recs)
    assert [x.decode() for x in leaves] == exp["leaves"]
    hashes = [merkle.leaf_hash(x) for x in leaves]
    for item in exp.get("proofs", []):
        i, proof = item["index"], item["proof"]
        got = [p.hex() for p in merkle.inclusion_proof(hashes, i, len(hashes))]
        assert got == proof or [base64.b64encode(bytes.fromhex(p)).decode()
                                for p in got] == proof
        merkle.verify_inclusion(hashes[i], i, len(hashes),
                                merkle.inclusion_proof(hashes, i, len(hashes)),
                                frozen.tree_root)


# ------------------------------------------------------------------ §5 seeds


def ceremony_bodies(inp: Obj) -> list[Obj]:
    """The §5.1 entries of one ceremony from a seed case's input (as §5 says to log them)."""
    event, c, rules = inp["event"], inp["ceremony"], inp["rules"]
    holder = bytes.fromhex(inp["escrow_holder_private"])
    out: list[Obj] = [{"type": "ceremony_opened", "body": {
        "ceremony": c, "participants": inp["participants"],
        "participants_hash": ceremony.participants_hash(inp["participants"]).hex(),
        "escrow_key": base64.b64encode(x25519_public(holder)).decode(),
        "physical_entropy_by": None, "beacon_round": None}}]
    out += _input_log(inp["records"])[1:] if inp["records"] else [
        x for x in _input_log([]) if x["type"] != "ceremony_opened"]
    if c != "lottery":
        out = [x for x in out if x["type"] != "eligibility_rejections"]
    for x in out:
        if "ceremony" in x["body"]:
            x["body"]["ceremony"] = c
    contributions = []
    absent = []
    settle = []
    for k in inp["contributions"]:
        p, status, reason = k["participant"], k["status"], k.get("void_reason")
        if status == "void" and reason == "no-commitment":
            absent.append(p)
            contributions.append((p, None, None))
            continue
        secret = bytes.fromhex(k["secret"])
        com = ceremony.commitment(event, c, p, secret)
        sealed = bytes.fromhex(k.get("sealed_secret") or k["secret"])
        out.append({"type": "commitment", "body": {
            "ceremony": c, "participant": p, "commitment": com.hex(),
            "escrow": seal(sealed, com, x25519_public(holder),
                           bytes.fromhex(k["ephemeral_private"]))}})
        if status == "void":
            settle.append({"type": "contribution_void",
                           "body": {"ceremony": c, "participant": p, "reason": reason}})
            contributions.append((p, com, None))
        else:
            settle.append({"type": status, "body": {"ceremony": c, "participant": p,
                                                    "secret": secret.hex()}})
            contributions.append((p, com, secret))
    out.append({"type": "commitments_closed", "body": {"ceremony": c}})
    out += [{"type": "contribution_void",
             "body": {"ceremony": c, "participant": p, "reason": "no-commitment"}}
            for p in sorted(absent)]
    out += settle
    out.append({"type": "physical_entropy", "body": {"ceremony": c, "witness":
                                                     inp["dice_witness"],
                                                     "values": inp["physical"]}})
    leaves = sorted(strict.canon(r) for r in inp["records"])
    root = merkle.root([merkle.leaf_hash(x) for x in leaves])
    beacon = None if inp["beacon"] is None else bytes.fromhex(inp["beacon"]["randomness"])
    seed = ceremony.seed(event, c, ceremony.rules_hash(rules),
                         ceremony.participants_hash(inp["participants"]), root, len(leaves),
                         contributions, inp["physical"], beacon)
    out.append({"type": "seed", "body": {"ceremony": c, "seed": seed.hex(),
                                         "input_root": root.hex(), "input_size": len(leaves)}})
    return out


SEED_STEPS = (6, 8, 10, 12)
"""Rule set, input tree, contributions, seed: what a lone ceremony's log can show (the phase
order of a lone grouping or teachers ceremony is not a season's)."""


@pytest.mark.parametrize("case", cases("seed"))
def test_seed(case: Obj) -> None:
    inp = case["input"]
    if "error" in case:
        _seed_refused(inp)
        return
    exp = case["expected"]
    bodies = ceremony_bodies(inp)
    assert bodies == exp["log_bodies"]
    ctx = replay(inp["rules"], bodies)
    results = run(ctx, *SEED_STEPS)
    assert passed(results), results
    assert ctx.state.rules is not None and ctx.state.rules.canon.decode() == \
        exp["rules_canonical"]
    assert ceremony.rules_hash(inp["rules"]).hex() == exp["rules_hash"]
    assert ceremony.participants_hash(inp["participants"]).hex() == exp["participants_hash"]
    cer = ctx.state.ceremonies[inp["ceremony"]]
    assert cer.seed is not None and cer.seed.seed.hex() == exp["seed"]
    assert bodies[-1]["body"] == exp["seed_entry_body"]
    assert strict.canon_rfc8785(json.loads(exp["seed_input_canonical"])) == \
        exp["seed_input_canonical"].encode()


def _seed_refused(inp: Obj) -> None:
    """A negative seed case is refused: by the parser, the phase order or a step."""
    if set(inp) == {"rules"}:
        with pytest.raises(StrictError):
            records.rules(inp["rules"])
    elif set(inp) == {"participants"}:
        with pytest.raises(StrictError):
            records.BODIES["ceremony_opened"]({
                "ceremony": "lottery", "participants": inp["participants"],
                "participants_hash": "00" * 32, "escrow_key": "A" * 43 + "=",
                "physical_entropy_by": None, "beacon_round": None})
    elif "commitment" in inp:
        com = ceremony.commitment(inp["event"], inp["ceremony"], inp["participant"],
                                  bytes.fromhex(inp["secret"]))
        assert com.hex() != inp["commitment"]
    elif "secret" in inp:
        with pytest.raises(ValueError):
            ceremony.commitment(inp["event"], inp["ceremony"], inp["participant"],
                                bytes.fromhex(inp["secret"]))
    elif "claimed" in inp:
        assert inp["claimed"] != inp["recomputed"]
        for k in ("input_root", "input_size"):
            if inp["claimed"][k] != inp["recomputed"][k]:
                break
        else:
            pytest.fail("the claimed seed entry equals the recomputation")
    else:
        try:
            ctx = replay(inp["rules"], ceremony_bodies(inp))
        except StrictError:
            return
        results = run(ctx, *SEED_STEPS)
        assert ctx.phase_error is not None or not passed(results), results


# ----------------------------------------------------------------- §5.4 escrow


@pytest.mark.parametrize("case", cases("escrow"))
def test_escrow(case: Obj) -> None:
    inp, check = case["input"], case["check"]
    if check == "seal":
        exp = case["expected"]
        com = ceremony.commitment(inp["event"], inp["ceremony"], inp["participant"],
                                  bytes.fromhex(inp["secret"]))
        assert com.hex() == exp["commitment"]
        holder = bytes.fromhex(inp["holder_private"])
        assert seal(bytes.fromhex(inp["secret"]), com, x25519_public(holder),
                    bytes.fromhex(inp["ephemeral_private"])) == exp["escrow"]
        assert ceremony.escrow_opens(inp["event"], inp["ceremony"], inp["participant"],
                                     strict.b64_bytes(exp["escrow"], 80), com,
                                     holder) == bytes.fromhex(inp["secret"])
    elif check == "open":
        def opened() -> bytes | None:
            return ceremony.escrow_opens(inp["event"], inp["ceremony"], inp["participant"],
                                         strict.b64_bytes(inp["escrow"], 80),
                                         bytes.fromhex(inp["commitment"]),
                                         bytes.fromhex(inp["holder_private"]))
        if "error" in case:
            with contextlib.suppress(StrictError):  # refused before it could open
                assert opened() is None
        else:
            assert opened() == bytes.fromhex(case["expected"]["secret"])
    elif check == "release" and "seed_case" in inp:
        seed_case = next(c for c in load("seed")["cases"] if c["name"] == inp["seed_case"])
        bodies = [*ceremony_bodies(seed_case["input"]),
                  {"type": "escrow_key_released", "body": inp["escrow_key_released"]}]
        ctx = replay(seed_case["input"]["rules"], bodies)
        result = run(ctx, 10)[10]
        assert result.status == Status.PASS, result.detail
        warned = [p for p in ("bureau-1", "notary-1", "parent-rep-1")
                  if f"the escrow of {p} would not have opened" in result.detail]
        assert warned == case["expected"]["warnings"]
    elif check == "release":
        private = strict.b64_bytes(inp["escrow_key_released"]["private_key"], 32)
        assert base64.b64encode(ceremony.escrow_public_key(private)).decode() != \
            inp["escrow_key"]
    else:  # escrow_keys: one key per ceremony (§5.4)
        bodies = [{"type": "ceremony_opened", "body": {
            "ceremony": c, "participants": [{"id": "bureau-1", "role": "bureau"},
                                            {"id": "notary-1", "role": "notary"}],
            "participants_hash": ceremony.participants_hash(
                [{"id": "bureau-1", "role": "bureau"},
                 {"id": "notary-1", "role": "notary"}]).hex(),
            "escrow_key": key, "physical_entropy_by": None, "beacon_round": None}}
            for c, key in inp["escrow_keys"].items()]
        result = run(replay(rules_of(), bodies), 10)[10]
        assert result.status == Status.FAIL and "§5.4" in result.detail


# ---------------------------------------------------------------- §7 allocation


def _lottery_input(inp: Obj) -> Input:
    """The vector's school and applicant records through the verifier's own reading."""
    ctx = replay(rules_of(waitlist_promotion=inp["waitlist_promotion"]),
                 _input_log(inp["schools"] + inp["applicants"]))
    failed = [r for r in run(ctx, 8, 9).values() if r.status != Status.PASS]
    if failed:
        raise VerificationError("vector", "§3.4", failed[0].detail)
    got = ctx.state.input_of("lottery")
    assert got is not None
    return got


def allocation_entries(inp: Obj) -> list[Obj]:
    """Every lottery and payment entry the verifier expects for an allocation case."""
    lot = _lottery_input(inp)
    number = ceremony.keyed(bytes.fromhex(inp["seed"]), ceremony.TAG_NUMBER)
    by: dict[str, list[draw.Applicant]] = {s: [] for s in lot.schools}
    for a in lot.applicants:
        by[a.school].append(a)
    out: list[Obj] = []
    draws = {}
    for sid in sorted(lot.schools):
        d = draw.allocate(lot.schools[sid], by[sid], number, inp["waitlist_promotion"])
        out.append({"type": "lottery_summary", "body": d.summary})
        for r in d.results:
            body = draw.result_body(sid, r)
            assert draw.result_bytes(sid, r) == strict.canon(body)  # the fast path's bytes
            out.append({"type": "lottery_result", "body": body})
        draws[sid] = d
    pay = draw.Payments(draws, inp["waitlist_promotion"])
    for k, rnd in enumerate(inp["rounds"], 1):
        reasons = {r: "unpaid" for r in rnd["unpaid"]}
        if set(rnd["unpaid"]) & set(rnd["declined"]):
            raise VerificationError("vector", "§7.5", "a reg both unpaid and declined")
        reasons |= {r: "declined" for r in rnd["declined"]}
        forfeits = [(r, pay.offers[r][0] if r in pay.offers else "?") for r in sorted(reasons)]
        want = pay.play(k, forfeits, sorted(rnd["locks"]))
        out += [{"type": "forfeit", "body": {"round": k, "reg": r, "school": s,
                                             "reason": reasons[r]}} for r, s in forfeits]
        out += [{"type": "lock", "body": {"round": k, "reg": r}} for r in sorted(rnd["locks"])]
        out.append({"type": "payment_round", "body": {"round": k, "forfeits": len(forfeits),
                                                      "locks": len(rnd["locks"])}})
        for sid, w in want.items():
            out += [{"type": "promotion", "body": {"round": k, "school": sid, "reg": p.reg,
                                                   "unit": p.unit, "waiting": p.waiting}}
                    for p in w.promoted]
            out.append({"type": "promotions", "body": {
                "round": k, "school": sid, "freed": w.freed, "promoted": len(w.promoted),
                "returned_to_bureau": w.returned_to_bureau}})
    if (inp["rounds"] and pay.ended) or (not inp["rounds"] and not pay.offers):
        out.append({"type": "payments_closed", "body": {"rounds": pay.rounds}})
    return out


@pytest.mark.parametrize("case", cases("allocation"))
def test_allocation(case: Obj) -> None:
    inp = case["input"]
    if "error" not in case:
        assert allocation_entries(inp) == case["expected"]["entries"]
        return
    if "claimed_entries" in inp:
        assert allocation_entries(inp) != inp["claimed_entries"]
        return
    with pytest.raises((VerificationError, StrictError)):
        allocation_entries(inp)


# ------------------------------------------------------------------ §8 bias


@pytest.mark.parametrize("case", cases("bias"))
def test_bias(case: Obj) -> None:
    pools = []
    for p in case["input"]["pools"]:
        members = [draw.Applicant(m["reg"], "S", m["district"], m["reg_day"], False, False,
                                  m["reg"], m["gender"]) for m in p["members"]]
        winners = [a for a, m in zip(members, p["members"], strict=True) if m["admitted"]]
        pools.append(draw.Pool(tuple(members), tuple(winners)))
    want = case["expected"]["body"]["dimensions"]
    got = bias.audit(pools)
    assert [d["dimension"] for d in got] == [d["dimension"] for d in want]
    for g, w in zip(got, want, strict=True):
        assert bias.same(g, w), (g, w)
        if w["dimension"] == "gender":
            bias.gender_arithmetic(pools, w)  # what a verifier without openings accepts


# ---------------------------------------------------------------- §10 matching


def _plans_and_teachers(inp: Obj) -> tuple[Input, Input]:
    plans: dict[str, ClassPlan] = {}
    for p in inp["plans"]:
        records.class_plan(p)
        if p["school"] in plans:
            raise VerificationError("vector", "§3.2", "two plans for one school")
        plans[p["school"]] = ClassPlan(p["school"], p["name"],
                                       tuple((c["id"], c["capacity"]) for c in p["classes"]))
    teachers: dict[str, list[Teacher]] = {}
    for t in inp["teachers"]:
        records.teacher(t)
        teachers.setdefault(t["school"], []).append(Teacher(t["id"], t["name"]))
    return Input(plans=plans), Input(teachers=teachers)


def matching_entries(inp: Obj) -> list[Obj]:
    groups, staff = _plans_and_teachers(inp)
    ids = [t.id for ts in staff.teachers.values() for t in ts]
    if len(set(ids)) != len(ids):
        raise VerificationError("vector", "§1", "a teacher id twice")
    feasibility.teachers(staff, groups)
    seed = bytes.fromhex(inp["seed"])
    out = []
    for sid, plan in sorted(groups.plans.items()):
        names = {t.id: t.name for t in staff.teachers[sid]}
        for c, t in matching.match_school(seed, sid, list(names), [c for c, _ in plan.classes]):
            out.append({"type": "matching_result", "body": {"school": sid, "class": c,
                                                            "teacher": t, "name": names[t]}})
    return out


@pytest.mark.parametrize("case", cases("matching"))
def test_matching(case: Obj) -> None:
    if "error" in case:
        with pytest.raises((VerificationError, matching.MatchingError, StrictError)):
            matching_entries(case["input"])
        return
    assert matching_entries(case["input"]) == case["expected"]["entries"]


# --------------------------------------------------------- §7.1, §17 eligibility


@pytest.mark.parametrize("case", [c for c in cases("eligibility")
                                  if "error" not in (c.values[0] or {})])
def test_eligibility(case: Obj) -> None:
    """What the public log shows of eligibility: the applicant records (valid, their attrs
    the applications' commitments) and the rejection tree with each family's leaf proof.
    The negative cases are import rules over private applications (P10/P11 lists, P13
    public schools): the service's, never visible in a log."""
    inp, exp = case["input"], case["expected"]
    apps = {a["reg"]: a for a in inp["applications"]}
    sealed = openings.Openings(inp["rules"]["event"], inp["rules"]["origin"])
    for rec in exp["applicant_records"]:
        a = apps[rec["reg"]]
        sealed.attributes[("lottery", rec["reg"])] = openings.Opening(
            a["gender"], (), bytes.fromhex(a["salt"]))
    for leaf in exp["rejection_leaves"]:
        sealed.rejections.append(leaf.encode())
        sealed.rejection_leaves.append(records.rejection(strict.loads_canonical(leaf.encode())))
    bodies = _input_log(inp["schools"] + exp["applicant_records"])
    bodies[1]["body"] = exp["eligibility_rejections"]
    ctx = replay(inp["rules"], bodies, sealed)
    results = run(ctx, 8, 9, 20, 21)
    assert passed(results), results
    leaves = sorted(x.encode() for x in exp["rejection_leaves"])
    root = merkle.root([merkle.leaf_hash(x) for x in leaves])
    assert exp["eligibility_rejections"] == {"count": len(leaves), "root": root.hex()}
    for item in exp["rejection_openings"]:
        r = item["records_item"]
        merkle.verify_inclusion(merkle.leaf_hash(r["record"].encode()), r["index"], r["size"],
                                [strict.b64_bytes(h, 32) for h in r["proof"]], root)
        assert strict.loads(r["record"])["reg"] == item["reg"]


# --------------------------------------------------------------- §11 entries


def _absorb_alone(text: str) -> None:
    raw = text.encode()
    seq = json.loads(text).get("seq", 0) if text.startswith("{") else 0
    fold = log.Fold(log.LogState())
    fold.absorb(seq if isinstance(seq, int) else 0, raw)


@pytest.mark.parametrize("case", cases("log_entries", "valid"))
def test_valid_entry(case: Obj) -> None:
    _absorb_alone(case["entry"])
    assert merkle.leaf_hash(case["entry"].encode()).hex() == case["leaf_hash"]
    if case["type"] == "lottery_result":
        assert log.LOTTERY_RESULT.fullmatch(case["entry"].encode())
    if case["type"] == "grouping_result":
        assert log.GROUPING_RESULT.fullmatch(case["entry"].encode())


@pytest.mark.parametrize("case", cases("log_entries", "invalid"))
def test_invalid_entry(case: Obj) -> None:
    with pytest.raises(StrictError):
        _absorb_alone(case["entry"])


@pytest.mark.parametrize("case", cases("log_entries", "split"))
def test_input_records_split(case: Obj) -> None:
    """§11.1: parts of at most 250 records, a new part where the next record would make the
    entry reach 65,536 bytes; the verifier's part_is_full gives the vector's parts."""
    inp = case["input"]
    recs = [json.loads(r) for r in inp["records"]]

    def entry(seq: int, part: list[Obj]) -> bytes:
        return strict.canon({"v": 2, "event": inp["event"], "seq": seq, "time": inp["time"],
                             "type": "input_records",
                             "body": {"ceremony": inp["ceremony"], "records": part}})

    sizes, lengths, part = [], [], []
    for r in recs:
        if part:
            now = entry(inp["first_seq"] + len(sizes), part)
            if log.part_is_full(log.Part(0, len(part), len(now), 0), len(strict.canon(r))):
                sizes.append(len(part))
                lengths.append(len(now))
                part = []
        part.append(r)
    sizes.append(len(part))
    lengths.append(len(entry(inp["first_seq"] + len(sizes) - 1, part)))
    assert sizes == case["expected"]["part_sizes"]
    assert lengths == case["expected"]["entry_bytes"]


# ---------------------------------------------------------------- §14 receipts


def _trusted(t: Obj | None) -> receipt.Trusted | None:
    if t is None:
        return None
    return receipt.Trusted(t["checkpoint"], tuple(strict.b64_bytes(h, 32)
                                                  for h in t["consistency_proof"]))


@pytest.mark.parametrize("case", cases("receipts"))
def test_receipt(case: Obj) -> None:
    inp, exp = case["input"], case["expected"]
    policy = inp.get("policy") or (RECEIPT_LOG / "policy").read_text("utf-8")
    got = receipt.check(inp["receipt"], policy, inp["reg"], _trusted(inp.get("trusted")))
    report = got.as_json()
    assert report["ok"] == exp["ok"] and report["steps"] == exp["steps"], report
    if exp["ok"]:
        assert report["fields"] == exp["fields"]
        assert report["witnesses"] == exp["witnesses"]
        assert report["checkpoint"] == exp["checkpoint"]
    else:
        assert report["failed_step"] == exp["failed_step"], report
        assert report["step"] == exp["step"]


def test_receipt_files_are_the_positive_cases() -> None:
    """Every receipt_log/receipts file verifies and is the receipt of its case."""
    by_name = {c["name"]: c for c in load("receipts")["cases"]}
    files = sorted((RECEIPT_LOG / "receipts").glob("*.tlog-proof"))
    assert files
    policy = (RECEIPT_LOG / "policy").read_text("utf-8")
    for f in files:
        text = f.read_text("utf-8")
        assert text == by_name[f.stem]["input"]["receipt"]
        assert receipt.check(text, policy).ok, f.name


def test_receipt_log_verifies_with_its_policy_and_openings() -> None:
    sealed = (RECEIPT_LOG / "openings.jsonl").read_bytes()
    v = Verification(RECEIPT_LOG, Options(policy_text=(RECEIPT_LOG / "policy").read_text(),
                                          openings_data=sealed))
    v.run()
    assert [r.status for r in v.results] == [Status.PASS] * len(STEPS), \
        [(r.number, r.detail) for r in v.results if r.status != Status.PASS]


# ---------------------------------------------------------------- §17 privacy


@pytest.mark.parametrize("case", cases("privacy", "attributes"))
def test_attribute_commitment(case: Obj) -> None:
    o = case["input"]["opening"]
    if "error" in case:
        with pytest.raises(StrictError):
            records.opening(o)
        return
    records.opening(o)
    assert strict.canon(o).decode() == case["expected"]["canonical"]
    assert ceremony.attributes(o["reg"], o["gender"], o["strata"],
                               bytes.fromhex(o["salt"])).hex() == case["expected"]["attrs"]


@pytest.mark.parametrize("case", cases("privacy", "openings"))
def test_sealed_openings(case: Obj) -> None:
    """§17.3 over receipt_log: every commitment opened, the rejection tree, the gender
    dimension and the grouping summaries recomputed."""
    data = case["input"]["openings_jsonl"].encode()
    assert data == (RECEIPT_LOG / "openings.jsonl").read_bytes()
    sealed = openings.parse(data)
    exp = case["expected"]
    assert (sealed.event, sealed.origin) == (case["input"]["header"]["event"],
                                             case["input"]["header"]["origin"])
    for a in exp["attribute_checks"]:
        o = sealed.attributes[(a["ceremony"], a["reg"])]
        assert (ceremony.attributes(a["reg"], o.gender, o.strata, o.salt).hex()
                == a["attrs"]) == a["matches"]
    v = Verification(RECEIPT_LOG, Options(policy_text=(RECEIPT_LOG / "policy").read_text(),
                                          openings_data=data))
    v.run()
    by = {r.number: r for r in v.results}
    assert all(by[n].status == Status.PASS for n in (20, 21, 22, 23))
    rej = exp["rejections"]
    assert f"{rej['count']} rejections" in by[21].detail
    for code, n in rej["per_code"].items():
        assert f"{code} {n}" in by[21].detail
    for school, n in rej["per_school"].items():
        assert f"{school} {n}" in by[21].detail
    pools = [p for sid in sorted(v.ctx.draws) for p in v.ctx.draws[sid].pools]
    assert bias.same(bias.dimension(pools, "gender"), exp["bias_gender_dimension"])
    assert [g["school"] for g in exp["grouping_summaries"]] == sorted(v.state.grouping)
    for g in exp["grouping_summaries"]:
        assert v.state.grouping[g["school"]].summary == g
