"""Schemas of the §3 records and §11.2 entry bodies (protocol version 2), checked strictly.

Unknown or missing members, wrong JSON types and malformed identifiers are all
rejected (§2.3); so are the cross-member rules next to the §11.2 table (a window
that closes before it opens, a notification round for a topic without rounds).
Semantic checks (a hash that matches, an order) belong to the steps. Validators
return the object unchanged so callers keep one copy.

A city log holds 10^5 applicants and pupils, so the checks of those records are
few calls each, and identifiers, days and masked names (each repeated thousands
of times) are tested once per distinct value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from verifier import strict
from verifier.strict import REG, StrictError

VERSION = 2
CEREMONIES = ("lottery", "grouping", "teachers")
ROLES = frozenset({"notary", "supervisor", "parent-rep", "bureau"})
STAGES = ("direct", "community", "district", "city")
GENDERS = ("F", "M")
OUTCOMES = frozenset({"admitted", "not_admitted"})
VOID_REASONS = ("no-commitment", "escrow-invalid", "escrow-holder-absent")
"""Every contribution_void reason §5.4 defines (§11.2)."""
REJECTION_CODES = ("P1-residence", "P1-age", "P1-graduation", "P2-second-application",
                   "P2-district", "P3-defaulter", "P8-locked", "P10-not-approved")
PHASES = ("registration", "lottery_ceremony", "payment", "cohort", "grouping_ceremony",
          "teachers", "teacher_ceremony")
TOPICS = ("draw", "payment_reminder", "promotion", "forfeit", "class")
ROUND_TOPICS = frozenset({"promotion", "forfeit"})
"""§11.2: notifications_sent.round is set exactly for these topics."""
FORFEIT_REASONS = ("unpaid", "declined")
POSTPONE_REASONS = ("physical-entropy-late", "round-not-published")
DIMENSIONS = ("district", "gender", "reg_day")
MASKED_NAME = re.compile(r"[^*]\*(?:[^*])?")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
ORIGIN_PREFIX = re.compile(
    rf"{_LABEL}(?:\.{_LABEL})+(?::[1-9][0-9]{{0,4}})?(?:/[A-Za-z0-9._~-]+)*")
"""§12.1 prefix; the segments "." , ".." and "rehearsal" are refused separately."""
Obj = dict[str, Any]


class VersionOneError(StrictError):
    """A version 1 entry or rule set (§1 of v2: refused, never read as v2)."""

    def __init__(self) -> None:
        super().__init__("version 1 bundles are not supported (PROTOCOL.md v2 preamble)")


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


def _passes(parse: Callable[[Any], object]) -> Callable[[str], bool]:
    def test(v: str) -> bool:
        try:
            parse(v)
        except StrictError:
            return False
        return True
    return test


is_id = _remembered(strict.ID.fullmatch)
is_masked_name = _remembered(MASKED_NAME.fullmatch)
is_date = _remembered(_passes(strict.date))
_CLOCK_OF_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z")


def is_time(v: Any) -> bool:
    """A §1 time: the clock part by pattern, the (few distinct) dates remembered."""
    return type(v) is str and _CLOCK_OF_TIME.fullmatch(v) is not None and is_date(v[:10])


# ------------------------------------------------------------ member checks


def fields(obj: Any, names: frozenset[str], what: str) -> Obj:
    """``obj`` is an object with exactly the members ``names`` (§2.3, §11.2)."""
    if type(obj) is not dict:
        raise StrictError(f"{what}: not an object")
    if obj.keys() != names:
        extra = sorted(set(obj) - names)
        if extra:
            raise StrictError(f"{what}: unknown member {', '.join(extra)} (§2.3)")
        raise StrictError(f"{what}: missing member {', '.join(sorted(names - set(obj)))} "
                          "(§11.2)")
    return obj


def s(obj: Obj, key: str, what: str, nonempty: bool = False) -> str:
    v = obj[key]
    if type(v) is not str or (nonempty and not v):
        raise StrictError(f"{what}.{key}: not a {'non-empty ' if nonempty else ''}string")
    return v


def ident(obj: Obj, key: str, what: str) -> str:
    """A §1 identifier (schools, districts, classes, teachers, participants, groups)."""
    v = obj[key]
    if not is_id(v):
        raise StrictError(f"{what}.{key}: not an id (§1): {v!r}")
    out: str = v
    return out


def reg(obj: Obj, key: str, what: str) -> str:
    v = obj[key]
    if type(v) is not str or not REG.fullmatch(v):
        raise StrictError(f"{what}.{key}: not a reg (§1): {v!r}")
    return v


def i(obj: Obj, key: str, what: str, minimum: int = 0) -> int:
    v = obj[key]
    if type(v) is not int:
        raise StrictError(f"{what}.{key}: not an integer (§2.1)")
    if v < minimum:
        raise StrictError(f"{what}.{key}: below {minimum}")
    return v


def opt_i(obj: Obj, key: str, what: str, minimum: int = 0) -> int | None:
    return None if obj[key] is None else i(obj, key, what, minimum)


def b(obj: Obj, key: str, what: str) -> bool:
    v = obj[key]
    if type(v) is not bool:
        raise StrictError(f"{what}.{key}: not a boolean")
    return v


def one_of(obj: Obj, key: str, what: str, values: tuple[str, ...]) -> str:
    v = obj[key]
    if type(v) is not str or v not in values:
        raise StrictError(f"{what}.{key}: not one of {', '.join(values)}: {v!r}")
    return v


def hex32(obj: Obj, key: str, what: str) -> bytes:
    try:
        return strict.hex_bytes(obj[key])
    except StrictError:
        raise StrictError(f"{what}.{key}: not a hex32 (§1)") from None


def opt_hex32(obj: Obj, key: str, what: str) -> bytes | None:
    return None if obj[key] is None else hex32(obj, key, what)


def b64(obj: Obj, key: str, what: str, size: int) -> bytes:
    v = obj[key]
    try:
        data = strict.b64_bytes(v)
    except StrictError:
        raise StrictError(f"{what}.{key}: not canonical base64 (§1)") from None
    if len(data) != size:
        raise StrictError(f"{what}.{key}: not {size} bytes")
    return data


def time(obj: Obj, key: str, what: str) -> str:
    v = obj[key]
    if not is_time(v):
        raise StrictError(f"{what}.{key}: not a time YYYY-MM-DDTHH:MM:SSZ (§1): {v!r}")
    out: str = v
    return out


def opt_time(obj: Obj, key: str, what: str) -> str | None:
    return None if obj[key] is None else time(obj, key, what)


def clock(obj: Obj, key: str, what: str) -> str:
    v = obj[key]
    if type(v) is not str or not strict.CLOCK.fullmatch(v):
        raise StrictError(f"{what}.{key}: not a clock time HH:MM (§1): {v!r}")
    return v


def sorted_distinct(v: list[Any], what: str) -> None:
    if any(v[k] >= v[k + 1] for k in range(len(v) - 1)):
        raise StrictError(f"{what}: not sorted and distinct")


def array(obj: Obj, key: str, what: str, nonempty: bool = False) -> list[Any]:
    v = obj[key]
    if type(v) is not list:
        raise StrictError(f"{what}.{key}: not an array")
    if nonempty and not v:
        raise StrictError(f"{what}.{key}: empty")
    return v


# ------------------------------------------------------------- identifiers


def origin(value: Any, what: str = "origin") -> tuple[str, bool, str]:
    """A §12.1 log origin: (prefix, rehearsal, event id)."""
    if type(value) is not str or len(value.encode()) > 255:
        raise StrictError(f"{what}: not a log origin of at most 255 bytes (§12.1)")
    head, _, event = value.rpartition("/")
    rehearsal = head.endswith("/rehearsal")
    prefix = head.removesuffix("/rehearsal") if rehearsal else head
    segments = prefix.split("/")[1:]
    if (not strict.EVENT_ID.fullmatch(event) or not ORIGIN_PREFIX.fullmatch(prefix)
            or any(x in (".", "..", "rehearsal") for x in segments)):
        raise StrictError(f"{what}: {value!r} is not <prefix>/<event> or "
                          "<prefix>/rehearsal/<event> (§12.1)")
    return prefix, rehearsal, event


# ---------------------------------------------------------------- §3 records

_RULES = frozenset({"type", "version", "event", "origin", "rehearsal", "title", "year",
                    "grade", "high_fee_threshold", "waitlist_promotion", "dice", "beacon"})
BEACON_MEMBERS = frozenset({"scheme", "chain", "public_key", "period", "genesis_time",
                            "group_hash", "beacon_id"})


def rules(o: Any) -> Obj:
    """§3.1 rule set. The beacon chain's values are the rule-set step's (beacon.parse_chain,
    with §5.6's failure codes); here only its members."""
    w = "rules"
    if type(o) is dict and o.get("version") == 1 and type(o.get("version")) is int:
        raise VersionOneError
    fields(o, _RULES, w)
    if o["type"] != "rules" or o["version"] != VERSION or type(o["version"]) is not int:
        raise StrictError(f"rules.type/version must be \"rules\"/{VERSION} (§3.1)")
    event = o["event"]
    if type(event) is not str or not strict.EVENT_ID.fullmatch(event):
        raise StrictError(f"rules.event: not an event id (§1): {event!r}")
    _, rehearsal, origin_event = origin(o["origin"], "rules.origin")
    if origin_event != event:
        raise StrictError(f"rules.origin {o['origin']!r} does not end in /{event} (§3.1)")
    if b(o, "rehearsal", w) != rehearsal:
        raise StrictError("rules.origin has the /rehearsal/ form exactly when rules.rehearsal "
                          "is true (§3.1, §19)")
    s(o, "title", w)
    i(o, "year", w)
    if o["grade"] not in (1, 7) or type(o["grade"]) is not int:
        raise StrictError("rules.grade: not 1 or 7 (S1)")
    i(o, "high_fee_threshold", w)
    b(o, "waitlist_promotion", w)
    i(o, "dice", w, 20)
    if o["beacon"] is not None:
        fields(o["beacon"], BEACON_MEMBERS, "rules.beacon")
    out: Obj = o
    return out


def _masked(o: Obj, w: str) -> None:
    if not is_masked_name(o["name"]):
        raise StrictError(f"{w}.name: not a masked name (§3.2): {o['name']!r}")


_SCHOOL = frozenset({"type", "id", "name", "district", "authority", "tuition", "quota",
                     "community_quota", "nine_year"})
_APPLICANT = frozenset({"type", "reg", "name", "school", "district", "reg_day", "direct",
                        "community", "unit", "attrs"})
_PUPIL = frozenset({"type", "reg", "name", "school", "attrs", "siblings", "same_name"})
_PLAN = frozenset({"type", "school", "name", "classes"})
_TEACHER = frozenset({"type", "school", "id", "name"})
_SIBLINGS = frozenset({"group", "mode"})
_CLASS = frozenset({"id", "capacity"})


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
        raise StrictError("school: 0 ≤ community_quota ≤ quota (§3.2)")
    b(o, "nine_year", w)
    return o


def applicant(o: Obj) -> Obj:
    w = "applicant"
    fields(o, _APPLICANT, w)
    r = reg(o, "reg", w)
    if o["unit"] != r:
        reg(o, "unit", w)
    _masked(o, w)
    ident(o, "school", w)
    ident(o, "district", w)
    if not is_date(o["reg_day"]):
        raise StrictError(f"applicant.reg_day: not a date (§1): {o['reg_day']!r}")
    b(o, "direct", w)
    b(o, "community", w)
    hex32(o, "attrs", w)
    return o


def pupil(o: Obj) -> Obj:
    w = "pupil"
    fields(o, _PUPIL, w)
    reg(o, "reg", w)
    _masked(o, w)
    ident(o, "school", w)
    hex32(o, "attrs", w)
    if o["siblings"] is not None:
        sib = fields(o["siblings"], _SIBLINGS, "pupil.siblings")
        ident(sib, "group", "pupil.siblings")
        one_of(sib, "mode", "pupil.siblings", ("together", "apart"))
    if o["same_name"] is not None:
        ident(o, "same_name", w)
    return o


def class_plan(o: Obj) -> Obj:
    w = "class-plan"
    fields(o, _PLAN, w)
    ident(o, "school", w)
    s(o, "name", w)  # the school's public name (§3.2)
    cl = array(o, "classes", w, nonempty=True)
    for c in cl:
        fields(c, _CLASS, "class-plan.classes[]")
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
    if type(o) is not dict or type(o.get("type")) is not str:
        raise StrictError("input record: not an object with a type")
    check = INPUT_TYPES[ceremony].get(o["type"])
    if check is None:
        raise StrictError(f"record type {o['type']!r} is not a {ceremony} input (§5.1)")
    return check(o)


# ----------------------------------------------------------- §17 openings

_OPENING = frozenset({"reg", "gender", "strata", "salt"})
_REJECTION = frozenset({"type", "event", "reg", "school", "code", "salt"})


def opening(o: Any, what: str = "opening") -> Obj:
    """§17.1 attribute opening {reg, gender, strata, salt}."""
    fields(o, _OPENING, what)
    reg(o, "reg", what)
    one_of(o, "gender", what, GENDERS)
    st = array(o, "strata", what)
    if not all(is_id(x) for x in st):
        raise StrictError(f"{what}.strata: not a list of ids (§1)")
    sorted_distinct(st, f"{what}.strata: strata are sorted and distinct (§17.1);")
    hex32(o, "salt", what)
    out: Obj = o
    return out


def rejection(o: Any, what: str = "rejection") -> Obj:
    """§17.2 rejection leaf."""
    fields(o, _REJECTION, what)
    if o["type"] != "rejection":
        raise StrictError(f"{what}.type: not \"rejection\"")
    if type(o["event"]) is not str or not strict.EVENT_ID.fullmatch(o["event"]):
        raise StrictError(f"{what}.event: not an event id")
    reg(o, "reg", what)
    ident(o, "school", what)
    one_of(o, "code", what, REJECTION_CODES)
    hex32(o, "salt", what)
    out: Obj = o
    return out


# ------------------------------------------------------------ §11.2 bodies


def _ceremony(o: Obj, w: str) -> str:
    return one_of(o, "ceremony", w, CEREMONIES)


def _body(names: str) -> frozenset[str]:
    return frozenset(names.split())


def _b_event_created(o: Obj) -> None:
    fields(o, _body("rules rules_hash"), "body")
    try:
        rules(o["rules"])
    except VersionOneError:
        raise
    except StrictError as exc:
        raise StrictError(f"body.rules: {exc}") from None
    hex32(o, "rules_hash", "body")


def _b_window_set(o: Obj) -> None:
    w = "body"
    fields(o, _body("phase opens closes daily"), w)
    one_of(o, "phase", w, PHASES)
    if time(o, "closes", w) <= time(o, "opens", w):
        raise StrictError("window_set: closes is after opens (§11.3)")
    if o["daily"] is not None:
        fields(o["daily"], _body("from to"), "body.daily")
        clock(o["daily"], "from", "body.daily")
        clock(o["daily"], "to", "body.daily")


def _b_window_removed(o: Obj) -> None:
    fields(o, _body("phase"), "body")
    one_of(o, "phase", "body", PHASES)


def _b_rehearsal_recorded(o: Obj) -> None:
    w = "body"
    fields(o, _body("event origin size root key"), w)
    if type(o["event"]) is not str or not strict.EVENT_ID.fullmatch(o["event"]):
        raise StrictError("body.event: not an event id (§1)")
    origin(o["origin"], "body.origin")
    i(o, "size", w)
    hex32(o, "root", w)
    s(o, "key", w, nonempty=True)


def _b_locks_recorded(o: Obj) -> None:
    fields(o, _body("count"), "body")
    i(o, "count", "body")


def _b_ceremony_opened(o: Obj) -> None:
    w = "body"
    fields(o, _body("ceremony participants participants_hash escrow_key physical_entropy_by "
                    "beacon_round"), w)
    _ceremony(o, w)
    ps = array(o, "participants", w)
    if len(ps) < 2:
        raise StrictError("body.participants: at least two required (§5.2)")
    for p in ps:
        fields(p, _body("id role"), "body.participants[]")
        ident(p, "id", "participant")
        one_of(p, "role", "participant", tuple(sorted(ROLES)))
    sorted_distinct([p["id"] for p in ps], "body.participants ids")
    hex32(o, "participants_hash", w)
    b64(o, "escrow_key", w, 32)
    if (opt_time(o, "physical_entropy_by", w) is None) != (
            opt_i(o, "beacon_round", w, 1) is None):
        raise StrictError("body: physical_entropy_by and beacon_round are both null or both "
                          "set (§5.6)")


def _b_rejections(o: Obj) -> None:
    fields(o, _body("count root"), "body")
    i(o, "count", "body")
    hex32(o, "root", "body")


def _b_input_records(o: Obj) -> None:
    fields(o, _body("ceremony records"), "body")
    c = _ceremony(o, "body")
    recs = array(o, "records", "body", nonempty=True)
    if len(recs) > 250:
        raise StrictError("body.records: more than 250 records (§11.1)")
    for k, r in enumerate(recs):
        try:
            input_record(c, r)
        except StrictError as exc:
            raise StrictError(f"body.records[{k}]: {exc}") from None


def _b_input_frozen(o: Obj) -> None:
    fields(o, _body("ceremony root size"), "body")
    _ceremony(o, "body")
    hex32(o, "root", "body")
    i(o, "size", "body")


def _b_input_withdrawn(o: Obj) -> None:
    fields(o, _body("ceremony reason"), "body")
    _ceremony(o, "body")
    s(o, "reason", "body", nonempty=True)


def _b_commitment(o: Obj) -> None:
    fields(o, _body("ceremony participant commitment escrow"), "body")
    _ceremony(o, "body")
    ident(o, "participant", "body")
    hex32(o, "commitment", "body")
    b64(o, "escrow", "body", 80)


def _b_ceremony_only(o: Obj) -> None:
    fields(o, _body("ceremony"), "body")
    _ceremony(o, "body")


def _b_reveal(o: Obj) -> None:
    fields(o, _body("ceremony participant secret"), "body")
    _ceremony(o, "body")
    ident(o, "participant", "body")
    hex32(o, "secret", "body")


def _b_void(o: Obj) -> None:
    fields(o, _body("ceremony participant reason"), "body")
    _ceremony(o, "body")
    ident(o, "participant", "body")
    one_of(o, "reason", "body", VOID_REASONS)


def _b_physical(o: Obj) -> None:
    fields(o, _body("ceremony witness values"), "body")
    _ceremony(o, "body")
    ident(o, "witness", "body")
    v = array(o, "values", "body", nonempty=True)
    for k, x in enumerate(v):
        if type(x) is not int or not 1 <= x <= 6:
            raise StrictError(f"body.values[{k}]: not one of 1, 2, 3, 4, 5, 6 (§5.5)")


def _b_beacon_postponed(o: Obj) -> None:
    w = "body"
    fields(o, _body("ceremony reason round physical_entropy_by beacon_round"), w)
    _ceremony(o, w)
    one_of(o, "reason", w, POSTPONE_REASONS)
    i(o, "round", w, 1)
    time(o, "physical_entropy_by", w)
    i(o, "beacon_round", w, 1)


def _b_beacon(o: Obj) -> None:
    w = "body"
    fields(o, _body("ceremony chain round randomness signature"), w)
    _ceremony(o, w)
    hex32(o, "chain", w)
    i(o, "round", w, 1)
    hex32(o, "randomness", w)
    try:
        strict.hex_bytes(o["signature"], 48)
    except StrictError:
        raise StrictError("body.signature: not 48 bytes of lowercase hex (§5.6)") from None


def _b_seed(o: Obj) -> None:
    fields(o, _body("ceremony seed input_root input_size"), "body")
    _ceremony(o, "body")
    hex32(o, "seed", "body")
    hex32(o, "input_root", "body")
    i(o, "input_size", "body")


def _b_key_released(o: Obj) -> None:
    fields(o, _body("ceremony private_key"), "body")
    _ceremony(o, "body")
    b64(o, "private_key", "body", 32)


_STAGE = _body("stage seats applicants admitted lottery cutoff")


def _b_lottery_summary(o: Obj) -> None:
    w = "body"
    fields(o, _body("school name quota applicants admitted returned_to_bureau stages"), w)
    ident(o, "school", w)
    s(o, "name", w)
    for k in ("quota", "applicants", "admitted", "returned_to_bureau"):
        i(o, k, w)
    stages = array(o, "stages", w)
    for st in stages:
        fields(st, _STAGE, "body.stages[]")
        one_of(st, "stage", "stage", STAGES)
        for k in ("seats", "applicants", "admitted"):
            i(st, k, "stage")
        b(st, "lottery", "stage")
        opt_hex32(st, "cutoff", "stage")


_RESULT = _body("school reg unit outcome stage rank waiting cutoff")


def _b_lottery_result(o: Obj) -> None:
    w = "body"
    fields(o, _RESULT, w)
    ident(o, "school", w)
    reg(o, "reg", w)
    reg(o, "unit", w)
    one_of(o, "outcome", w, ("admitted", "not_admitted"))
    one_of(o, "stage", w, STAGES)
    i(o, "rank", w, 1)
    opt_i(o, "waiting", w, 1)
    opt_hex32(o, "cutoff", w)


_DIM = _body("dimension df chi2_milli p_ppm flag testable values")
_VAL = _body("value applicants winners expected_milli")


def _b_bias(o: Obj) -> None:
    fields(o, _body("dimensions"), "body")
    for d in array(o, "dimensions", "body"):
        fields(d, _DIM, "body.dimensions[]")
        one_of(d, "dimension", "dimension", DIMENSIONS)
        for k in ("df", "chi2_milli", "p_ppm"):
            i(d, k, "dimension")
        b(d, "flag", "dimension")
        b(d, "testable", "dimension")
        for v in array(d, "values", "dimension"):
            fields(v, _VAL, "dimension.values[]")
            s(v, "value", "value")
            for k in ("applicants", "winners", "expected_milli"):
                i(v, k, "value")


def _b_forfeit(o: Obj) -> None:
    fields(o, _body("round reg school reason"), "body")
    i(o, "round", "body", 1)
    reg(o, "reg", "body")
    ident(o, "school", "body")
    one_of(o, "reason", "body", FORFEIT_REASONS)


def _b_lock(o: Obj) -> None:
    fields(o, _body("round reg"), "body")
    i(o, "round", "body", 1)
    reg(o, "reg", "body")


def _b_payment_round(o: Obj) -> None:
    fields(o, _body("round forfeits locks"), "body")
    i(o, "round", "body", 1)
    i(o, "forfeits", "body")
    i(o, "locks", "body")


def _b_promotion(o: Obj) -> None:
    fields(o, _body("round school reg unit waiting"), "body")
    i(o, "round", "body", 1)
    ident(o, "school", "body")
    reg(o, "reg", "body")
    reg(o, "unit", "body")
    i(o, "waiting", "body", 1)


def _b_promotions(o: Obj) -> None:
    fields(o, _body("round school freed promoted returned_to_bureau"), "body")
    i(o, "round", "body", 1)
    ident(o, "school", "body")
    for k in ("freed", "promoted", "returned_to_bureau"):
        i(o, k, "body")


def _b_payments_closed(o: Obj) -> None:
    fields(o, _body("rounds"), "body")
    i(o, "rounds", "body")


_SUMMARY_CLASS = _body("class pupils genders strata")
_GENDER_COUNTS = frozenset(GENDERS)


def _b_grouping_summary(o: Obj) -> None:
    w = "body"
    fields(o, _body("school exchanges classes"), w)
    ident(o, "school", w)
    i(o, "exchanges", w)  # §9 step 9's E
    classes = array(o, "classes", w, nonempty=True)  # every class of a non-empty plan
    for c in classes:
        fields(c, _SUMMARY_CLASS, "body.classes[]")
        ident(c, "class", "class")
        i(c, "pupils", "class")
        g = fields(c["genders"], _GENDER_COUNTS, "class.genders")
        for k in GENDERS:
            i(g, k, "class.genders")
        st = c["strata"]
        if type(st) is not dict:
            raise StrictError("class.strata: not an object")
        for k in st:
            if not is_id(k):
                raise StrictError(f"class.strata: {k!r} is not a stratum id (§1)")
            i(st, k, "class.strata")
    sorted_distinct([c["class"] for c in classes], "body.classes ids")


def _b_grouping_result(o: Obj) -> None:
    fields(o, _body("school reg class"), "body")
    ident(o, "school", "body")
    reg(o, "reg", "body")
    ident(o, "class", "body")


def _b_matching_result(o: Obj) -> None:
    fields(o, _body("school class teacher name"), "body")
    ident(o, "school", "body")
    ident(o, "class", "body")
    ident(o, "teacher", "body")
    _masked(o, "body")


def _b_notifications(o: Obj) -> None:
    fields(o, _body("topic round messages"), "body")
    topic = one_of(o, "topic", "body", TOPICS)
    if (opt_i(o, "round", "body", 1) is None) == (topic in ROUND_TOPICS):
        raise StrictError("notifications_sent: round is set exactly for topics promotion and "
                          "forfeit (§11.2)")
    i(o, "messages", "body")


def _b_correction(o: Obj) -> None:
    fields(o, _body("refers_to reason"), "body")
    i(o, "refers_to", "body")
    s(o, "reason", "body")


BODIES: dict[str, Callable[[Obj], None]] = {
    "event_created": _b_event_created, "window_set": _b_window_set,
    "window_removed": _b_window_removed, "rehearsal_recorded": _b_rehearsal_recorded,
    "locks_recorded": _b_locks_recorded, "ceremony_opened": _b_ceremony_opened,
    "eligibility_rejections": _b_rejections, "input_records": _b_input_records,
    "input_frozen": _b_input_frozen, "input_withdrawn": _b_input_withdrawn,
    "commitment": _b_commitment, "commitments_closed": _b_ceremony_only,
    "reveal": _b_reveal, "escrow_opened": _b_reveal, "contribution_void": _b_void,
    "physical_entropy": _b_physical, "beacon_postponed": _b_beacon_postponed,
    "beacon": _b_beacon, "seed": _b_seed, "escrow_key_released": _b_key_released,
    "lottery_summary": _b_lottery_summary, "lottery_result": _b_lottery_result,
    "bias_audit": _b_bias, "forfeit": _b_forfeit, "lock": _b_lock,
    "payment_round": _b_payment_round, "promotion": _b_promotion,
    "promotions": _b_promotions, "payments_closed": _b_payments_closed,
    "grouping_summary": _b_grouping_summary, "grouping_result": _b_grouping_result,
    "matching_result": _b_matching_result, "notifications_sent": _b_notifications,
    "correction": _b_correction, "published": _b_ceremony_only,
}
"""Every §11.2 entry type and its body check: the one list of types (phases.TYPES is
tested to be the same set)."""
_ENTRY = frozenset({"v", "event", "seq", "time", "type", "body"})


def entry(o: Any, event: str | None, seq: int) -> Obj:
    """§11.1 envelope plus the §11.2 body of its type."""
    if type(o) is dict and o.get("v") == 1 and type(o.get("v")) is int:
        raise VersionOneError
    fields(o, _ENTRY, "entry")
    if o["v"] != VERSION or type(o["v"]) is not int:
        raise StrictError(f"entry.v: not {VERSION} (§11.1)")
    if type(o["event"]) is not str or not strict.EVENT_ID.fullmatch(o["event"]):
        raise StrictError(f"entry.event: not an event id (§1): {o['event']!r}")
    if event is not None and o["event"] != event:
        raise StrictError(f"entry.event {o['event']!r} is not {event!r} (§11.3 (1))")
    if type(o["seq"]) is not int:
        raise StrictError("entry.seq: not an integer (§2.1)")
    if o["seq"] != seq:
        raise StrictError(f"entry.seq {o['seq']} is not its index {seq} (§11.1)")
    time(o, "time", "entry")
    check = BODIES.get(o["type"]) if type(o["type"]) is str else None
    if check is None:
        raise StrictError(f"unknown entry type {o['type']!r} (§2.3, §11.2)")
    check(o["body"])
    out: Obj = o
    return out
