"""Schemas of the §3 records and §11.2 entry bodies, checked strictly.

Unknown or missing members, wrong types and malformed identifiers are all
rejected (§2.3). Validators return the object unchanged so callers keep one copy.

A city log holds 10^5 applicants, lottery records and pupils, so the checks of
those are kept to few calls each, and identifiers, days and masked names (each
repeated thousands of times) are tested once per distinct value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from verifier import strict
from verifier.strict import ID, REG, StrictError

CEREMONIES = ("lottery", "grouping", "teachers")
ROLES = frozenset({"notary", "supervisor", "parent-rep", "bureau"})
STAGES = ("direct", "community", "district", "city")
GENDERS = frozenset({"F", "M"})
OUTCOMES = frozenset({"admitted", "not_admitted"})
VOID_REASONS = frozenset({"no-commitment", "escrow-invalid", "escrow-holder-absent"})
"""Every contribution_void reason §5.4 defines (§11.2)."""
REJECTION_CODES = frozenset({
    "P1-residence", "P1-age", "P1-graduation", "P2-second-application", "P2-district",
    "P3-defaulter", "P8-locked", "P10-not-approved"})
MASKED_NAME = re.compile(r"[^*]\*(?:[^*])?")
Obj = dict[str, Any]


def _remembered(test: Callable[[str], object]) -> Callable[[Any], bool]:
    """``test`` on strings, remembering the distinct values that passed.

    Only passing values are kept (at most 2^16), so an invalid value is always
    tested, and rejected, again.
    """
    valid: set[str] = set()

    def check(v: Any) -> bool:
        if type(v) is not str:
            return False
        if v in valid:
            return True
        if not test(v):
            return False
        if len(valid) < 65536:
            valid.add(v)
        return True

    return check


def _valid_date(v: str) -> bool:
    try:
        strict.date(v)
    except StrictError:
        return False
    return True


_is_id = _remembered(ID.fullmatch)
_is_masked_name = _remembered(MASKED_NAME.fullmatch)
_is_date = _remembered(_valid_date)


def fields(obj: Any, names: frozenset[str] | set[str], what: str) -> Obj:
    """``obj`` is an object with exactly the members ``names``."""
    if not isinstance(obj, dict):
        raise StrictError(f"{what} is not an object")
    if obj.keys() != names:
        extra = sorted(set(obj) - names)
        missing = sorted(names - set(obj))
        raise StrictError(f"{what}: unknown members {extra}, missing {missing}")
    out: Obj = obj
    return out


def s(obj: Obj, key: str, what: str, pattern: re.Pattern[str] | None = None) -> str:
    v = obj[key]
    if not isinstance(v, str) or (pattern is not None and not pattern.fullmatch(v)):
        raise StrictError(f"{what}.{key} is not a valid string: {v!r}")
    return v


def ident(obj: Obj, key: str, what: str) -> str:
    """A §1 identifier (ids of schools, districts, classes, teachers, groups)."""
    v = obj[key]
    if not _is_id(v):
        raise StrictError(f"{what}.{key} is not a valid id: {v!r}")
    out: str = v
    return out


def reg_and_unit(obj: Obj, what: str) -> str:
    """``reg`` and ``unit``, both registration numbers; usually the same string."""
    reg = s(obj, "reg", what, REG)
    if obj["unit"] != reg:
        s(obj, "unit", what, REG)
    return reg


def i(obj: Obj, key: str, what: str, minimum: int = 0) -> int:
    v = obj[key]
    if type(v) is not int or v < minimum:
        raise StrictError(f"{what}.{key} is not an integer ≥ {minimum}: {v!r}")
    return v


def b(obj: Obj, key: str, what: str) -> bool:
    v = obj[key]
    if type(v) is not bool:
        raise StrictError(f"{what}.{key} is not a boolean")
    return v


def one_of(obj: Obj, key: str, what: str, values: Any) -> Any:
    v = obj[key]
    if not isinstance(v, str) or v not in values:
        raise StrictError(f"{what}.{key} must be one of {sorted(values)}: {v!r}")
    return v


def regs(obj: Obj, key: str, what: str) -> list[str]:
    """A sorted list of distinct registration numbers."""
    v = obj[key]
    if not isinstance(v, list) or any(not isinstance(r, str) or not REG.fullmatch(r) for r in v):
        raise StrictError(f"{what}.{key} is not a list of registration numbers")
    return v


def sorted_distinct(v: list[Any], what: str) -> None:
    if any(v[k] >= v[k + 1] for k in range(len(v) - 1)):
        raise StrictError(f"{what} is not sorted and distinct")


# ---------------------------------------------------------------- §3 records

_RULES = frozenset({"type", "version", "event", "title", "year", "grade",
                    "high_fee_threshold", "waitlist_promotion", "dice", "beacon"})


def rules(o: Any) -> Obj:
    """§3.1 rule set."""
    w = "rules"
    fields(o, _RULES, w)
    if o["type"] != "rules" or o["version"] != 1 or type(o["version"]) is not int:
        raise StrictError("rules.type/version must be \"rules\"/1")
    s(o, "event", w, strict.EVENT_ID)
    s(o, "title", w)
    i(o, "year", w)
    if o["grade"] not in (1, 7) or type(o["grade"]) is not int:
        raise StrictError("rules.grade must be 1 or 7 (S1)")
    i(o, "high_fee_threshold", w)
    b(o, "waitlist_promotion", w)
    i(o, "dice", w, 20)
    if o["beacon"] is not None:
        fields(o["beacon"], frozenset({"chain", "period"}), "rules.beacon")
        strict.hex_bytes(o["beacon"]["chain"])
        i(o["beacon"], "period", "rules.beacon", 1)
    out: Obj = o
    return out


def _masked(o: Obj, w: str) -> None:
    if not _is_masked_name(o["name"]):
        raise StrictError(f"{w}.name is not a masked name (§3.2): {o['name']!r}")


_SCHOOL = frozenset({"type", "id", "name", "district", "authority", "tuition", "quota",
                     "community_quota", "nine_year"})
_APPLICANT = frozenset({"type", "reg", "name", "school", "district", "gender", "reg_day",
                        "direct", "community", "unit"})
_PUPIL = frozenset({"type", "reg", "name", "school", "gender", "strata", "siblings",
                    "same_name"})
_PLAN = frozenset({"type", "school", "classes"})
_TEACHER = frozenset({"type", "school", "id", "name"})


def school(o: Obj) -> Obj:
    w = "school"
    fields(o, _SCHOOL, w)
    ident(o, "id", w)
    s(o, "name", w)
    ident(o, "district", w)
    one_of(o, "authority", w, ("city", "district"))
    i(o, "tuition", w)
    q = i(o, "quota", w)
    if i(o, "community_quota", w) > q:
        raise StrictError("school.community_quota exceeds quota (§3.2)")
    b(o, "nine_year", w)
    return o


def applicant(o: Obj) -> Obj:
    w = "applicant"
    fields(o, _APPLICANT, w)
    reg_and_unit(o, w)
    _masked(o, w)
    ident(o, "school", w)
    ident(o, "district", w)
    one_of(o, "gender", w, GENDERS)
    if not _is_date(o["reg_day"]):
        raise StrictError(f"bad date {o['reg_day']!r} (§1)")
    b(o, "direct", w)
    b(o, "community", w)
    return o


def pupil(o: Obj) -> Obj:
    w = "pupil"
    fields(o, _PUPIL, w)
    s(o, "reg", w, REG)
    _masked(o, w)
    ident(o, "school", w)
    one_of(o, "gender", w, GENDERS)
    st = o["strata"]
    if not isinstance(st, list) or not all(_is_id(x) for x in st):
        raise StrictError("pupil.strata is not a list of ids")
    sorted_distinct(st, "pupil.strata")
    if o["siblings"] is not None:
        sib = fields(o["siblings"], frozenset({"group", "mode"}), "pupil.siblings")
        ident(sib, "group", "pupil.siblings")
        one_of(sib, "mode", "pupil.siblings", ("together", "apart"))
    if o["same_name"] is not None:
        ident(o, "same_name", w)
    return o


def class_plan(o: Obj) -> Obj:
    w = "class-plan"
    fields(o, _PLAN, w)
    ident(o, "school", w)
    cl = o["classes"]
    if not isinstance(cl, list) or not cl:
        raise StrictError("class-plan.classes is not a non-empty list")
    for c in cl:
        fields(c, frozenset({"id", "capacity"}), "class")
        ident(c, "id", "class")
        i(c, "capacity", "class", 1)
    sorted_distinct([c["id"] for c in cl], "class-plan.classes ids")
    return o


def teacher(o: Obj) -> Obj:
    w = "teacher"
    fields(o, _TEACHER, w)
    ident(o, "school", w)
    ident(o, "id", w)
    _masked(o, w)
    return o


INPUT_TYPES: dict[str, dict[str, Callable[[Obj], Obj]]] = {
    "lottery": {"school": school, "applicant": applicant},
    "grouping": {"pupil": pupil, "class-plan": class_plan},
    "teachers": {"teacher": teacher},
}


def input_record(ceremony: str, o: Any) -> Obj:
    """A §3.2 record of a type the ceremony takes (§5.1)."""
    if not isinstance(o, dict) or not isinstance(o.get("type"), str):
        raise StrictError("input record without a type")
    check = INPUT_TYPES[ceremony].get(o["type"])
    if check is None:
        raise StrictError(f"record type {o['type']!r} is not a {ceremony} input (§5.1)")
    return check(o)


# ------------------------------------------------------------ §11.2 bodies

def _ceremony(o: Obj, w: str) -> str:
    return str(one_of(o, "ceremony", w, CEREMONIES))


def _body(names: str) -> frozenset[str]:
    return frozenset(names.split())


def _b_event_created(o: Obj) -> None:
    fields(o, _body("rules rules_hash"), "event_created")
    rules(o["rules"])
    strict.hex_bytes(o["rules_hash"])


def _b_ceremony_opened(o: Obj) -> None:
    w = "ceremony_opened"
    fields(o, _body("ceremony participants participants_hash escrow_key beacon_round"), w)
    _ceremony(o, w)
    ps = o["participants"]
    if not isinstance(ps, list) or len(ps) < 2:
        raise StrictError("ceremony_opened.participants: at least two required (§5.2)")
    for p in ps:
        fields(p, frozenset({"id", "role"}), "participant")
        ident(p, "id", "participant")
        one_of(p, "role", "participant", ROLES)
    sorted_distinct([p["id"] for p in ps], "participants ids")
    strict.hex_bytes(o["participants_hash"])
    strict.b64_bytes(o["escrow_key"], 32)
    if o["beacon_round"] is not None:
        i(o, "beacon_round", w)


def _b_rejections(o: Obj) -> None:
    fields(o, _body("rejections"), "eligibility_rejections")
    rj = o["rejections"]
    if not isinstance(rj, list):
        raise StrictError("rejections is not a list")
    for r in rj:
        fields(r, _body("reg school code"), "rejection")
        s(r, "reg", "rejection", REG)
        ident(r, "school", "rejection")
        one_of(r, "code", "rejection", REJECTION_CODES)


def _b_input_records(o: Obj) -> None:
    fields(o, _body("ceremony records"), "input_records")
    c = _ceremony(o, "input_records")
    recs = o["records"]
    if not isinstance(recs, list) or not 1 <= len(recs) <= 250:
        raise StrictError("input_records.records: 1 to 250 records (§11.1)")
    for r in recs:
        input_record(c, r)


def _b_input_frozen(o: Obj) -> None:
    fields(o, _body("ceremony root size"), "input_frozen")
    _ceremony(o, "input_frozen")
    strict.hex_bytes(o["root"])
    i(o, "size", "input_frozen")


def _b_commitment(o: Obj) -> None:
    fields(o, _body("ceremony participant commitment escrow"), "commitment")
    _ceremony(o, "commitment")
    ident(o, "participant", "commitment")
    strict.hex_bytes(o["commitment"])
    strict.b64_bytes(o["escrow"], 80)


def _b_closed(o: Obj) -> None:
    fields(o, _body("ceremony"), "commitments_closed")
    _ceremony(o, "commitments_closed")


def _b_reveal(o: Obj) -> None:
    fields(o, _body("ceremony participant secret"), "reveal")
    _ceremony(o, "reveal")
    ident(o, "participant", "reveal")
    strict.hex_bytes(o["secret"])


def _b_void(o: Obj) -> None:
    fields(o, _body("ceremony participant reason"), "contribution_void")
    _ceremony(o, "contribution_void")
    ident(o, "participant", "contribution_void")
    one_of(o, "reason", "contribution_void", VOID_REASONS)


def _b_physical(o: Obj) -> None:
    fields(o, _body("ceremony witness values"), "physical_entropy")
    _ceremony(o, "physical_entropy")
    ident(o, "witness", "physical_entropy")
    v = o["values"]
    if not isinstance(v, list) or any(type(x) is not int or not 1 <= x <= 6 for x in v):
        raise StrictError("physical_entropy.values must be dice values 1..6 (§5.5)")


def _b_beacon(o: Obj) -> None:
    fields(o, _body("ceremony chain round randomness signature"), "beacon")
    _ceremony(o, "beacon")
    strict.hex_bytes(o["chain"])
    i(o, "round", "beacon")
    strict.hex_bytes(o["randomness"])
    strict.hex_bytes(o["signature"], None)


def _b_seed(o: Obj) -> None:
    fields(o, _body("ceremony seed"), "seed")
    _ceremony(o, "seed")
    strict.hex_bytes(o["seed"])


def _b_key_released(o: Obj) -> None:
    fields(o, _body("ceremony private_key"), "escrow_key_released")
    _ceremony(o, "escrow_key_released")
    strict.b64_bytes(o["private_key"], 32)


_SUMMARY = _body("quota returned_to_bureau stages")
_STAGE = _body("stage seats applicants admitted lottery cutoff")
_RESULT = _body("reg number unit outcome stage rank waiting")


def _b_lottery_results(o: Obj) -> None:
    w = "lottery_results"
    fields(o, _body("school part parts summary records"), w)
    ident(o, "school", w)
    part, parts = i(o, "part", w), i(o, "parts", w, 1)
    if part >= parts:
        raise StrictError("lottery_results.part ≥ parts")
    sm = o["summary"]
    if (sm is None) != (part != 0):
        raise StrictError("lottery_results.summary must be in part 0 only (§11.2)")
    if sm is not None:
        fields(sm, _SUMMARY, "summary")
        i(sm, "quota", "summary")
        i(sm, "returned_to_bureau", "summary")
        if not isinstance(sm["stages"], list):
            raise StrictError("summary.stages is not a list")
        for st in sm["stages"]:
            fields(st, _STAGE, "stage")
            one_of(st, "stage", "stage", STAGES)
            for k in ("seats", "applicants", "admitted"):
                i(st, k, "stage")
            b(st, "lottery", "stage")
            if st["cutoff"] is not None:
                strict.hex_bytes(st["cutoff"])
    recs = o["records"]
    if not isinstance(recs, list) or len(recs) > 250:
        raise StrictError("lottery_results.records: at most 250 (§11.1)")
    for r in recs:
        fields(r, _RESULT, "lottery record")
        reg_and_unit(r, "lottery record")
        strict.hex_bytes(r["number"])
        one_of(r, "outcome", "lottery record", OUTCOMES)
        one_of(r, "stage", "lottery record", STAGES)
        i(r, "rank", "lottery record", 1)
        if r["waiting"] is not None:
            i(r, "waiting", "lottery record", 1)
    sorted_distinct([r["reg"] for r in recs], "lottery records regs")


_DIM = _body("dimension df chi2_milli p_ppm flag values")
_VAL = _body("value applicants winners expected_milli")


def _b_bias(o: Obj) -> None:
    fields(o, _body("dimensions"), "bias_audit")
    dims = o["dimensions"]
    if not isinstance(dims, list):
        raise StrictError("bias_audit.dimensions is not a list")
    for d in dims:
        fields(d, _DIM, "dimension")
        one_of(d, "dimension", "dimension", ("district", "gender", "reg_day"))
        for k in ("df", "chi2_milli", "p_ppm"):
            i(d, k, "dimension")
        b(d, "flag", "dimension")
        if not isinstance(d["values"], list):
            raise StrictError("dimension.values is not a list")
        for v in d["values"]:
            fields(v, _VAL, "value")
            s(v, "value", "value")
            for k in ("applicants", "winners", "expected_milli"):
                i(v, k, "value")


def _b_payment_round(o: Obj) -> None:
    w = "payment_round"
    fields(o, _body("round forfeited locked_elsewhere"), w)
    i(o, "round", w, 1)
    sorted_distinct(regs(o, "forfeited", w), "forfeited")
    sorted_distinct(regs(o, "locked_elsewhere", w), "locked_elsewhere")


def _b_promotions(o: Obj) -> None:
    w = "promotions"
    fields(o, _body("round school promoted returned_to_bureau"), w)
    i(o, "round", w, 1)
    ident(o, "school", w)
    regs(o, "promoted", w)
    i(o, "returned_to_bureau", w)


def _b_payments_closed(o: Obj) -> None:
    fields(o, _body("rounds"), "payments_closed")
    i(o, "rounds", "payments_closed")


def _b_grouping(o: Obj) -> None:
    w = "grouping_results"
    fields(o, _body("school part parts records"), w)
    ident(o, "school", w)
    if i(o, "part", w) >= i(o, "parts", w, 1):
        raise StrictError("grouping_results.part ≥ parts")
    recs = o["records"]
    if not isinstance(recs, list) or len(recs) > 250:
        raise StrictError("grouping_results.records: at most 250 (§11.1)")
    for r in recs:
        fields(r, _body("reg class"), "grouping record")
        s(r, "reg", "grouping record", REG)
        ident(r, "class", "grouping record")
    sorted_distinct([r["reg"] for r in recs], "grouping records regs")


def _b_matching(o: Obj) -> None:
    w = "matching_results"
    fields(o, _body("school pairs"), w)
    ident(o, "school", w)
    if not isinstance(o["pairs"], list):
        raise StrictError("matching_results.pairs is not a list")
    for p in o["pairs"]:
        fields(p, _body("class teacher"), "pair")
        ident(p, "class", "pair")
        ident(p, "teacher", "pair")
    sorted_distinct([p["class"] for p in o["pairs"]], "pairs classes")


def _b_notifications(o: Obj) -> None:
    fields(o, _body("count channel"), "notifications_sent")
    i(o, "count", "notifications_sent")
    one_of(o, "channel", "notifications_sent", ("sms",))


def _b_correction(o: Obj) -> None:
    fields(o, _body("refers_to reason"), "correction")
    i(o, "refers_to", "correction")
    s(o, "reason", "correction")


def _b_published(o: Obj) -> None:
    fields(o, _body("ceremony"), "published")
    _ceremony(o, "published")


BODIES: dict[str, Callable[[Obj], None]] = {
    "event_created": _b_event_created, "ceremony_opened": _b_ceremony_opened,
    "eligibility_rejections": _b_rejections, "input_records": _b_input_records,
    "input_frozen": _b_input_frozen, "commitment": _b_commitment,
    "commitments_closed": _b_closed, "reveal": _b_reveal, "escrow_opened": _b_reveal,
    "contribution_void": _b_void, "physical_entropy": _b_physical, "beacon": _b_beacon,
    "seed": _b_seed, "escrow_key_released": _b_key_released,
    "lottery_results": _b_lottery_results, "bias_audit": _b_bias,
    "payment_round": _b_payment_round, "promotions": _b_promotions,
    "payments_closed": _b_payments_closed, "grouping_results": _b_grouping,
    "matching_results": _b_matching, "notifications_sent": _b_notifications,
    "correction": _b_correction, "published": _b_published,
}
_ENTRY = frozenset({"v", "event", "seq", "time", "type", "body"})


def entry(o: Any, event: str | None, seq: int) -> Obj:
    """§11.1 envelope plus the §11.2 body of its type."""
    fields(o, _ENTRY, "entry")
    if o["v"] != 1 or type(o["v"]) is not int:
        raise StrictError("entry.v must be 1")
    s(o, "event", "entry", strict.EVENT_ID)
    if event is not None and o["event"] != event:
        raise StrictError(f"entry.event {o['event']!r} is not {event!r}")
    if o["seq"] != seq or type(o["seq"]) is not int:
        raise StrictError(f"entry.seq {o['seq']!r} is not its index {seq} (§11.1)")
    strict.time(o["time"])
    check = BODIES.get(o["type"]) if isinstance(o["type"], str) else None
    if check is None:
        raise StrictError(f"unknown entry type {o['type']!r} (§2.3, §11.2)")
    check(o["body"])
    out: Obj = o
    return out
