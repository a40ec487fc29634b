"""What the verifier keeps of the log: one typed copy of each value (PROTOCOL.md §11).

The strict parsing layer is this module with `strict` (bytes → JSON, §2) and
`records` (schemas, §3, §11.2): `absorb` parses one entry, checks it, and folds
it into a `LogState` of frozen values. Only here is a body indexed by member
name, right after `records.entry` proved the members are there; the steps read
attributes, never raw JSON.

Several entries of one kind where §11.3 allows one (a second seed, a second
settlement) keep the first; the phase-order step reports the second.

Memory: a city log holds 10^5 applicants and pupils, so each record is kept once,
as a small tuple with repeated strings (schools, districts, days, outcomes)
shared, never the parsed entries; input records are kept as canonical bytes only
until their ceremony's input_frozen folds them into the input tree.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from verifier import draw, grouping, merkle, records, strict
from verifier.phases import Item
from verifier.strict import StrictError

Obj = dict[str, Any]
_intern = sys.intern
"""One shared copy of each repeated string (school, district, day, outcome, class)."""


@dataclass(frozen=True, slots=True)
class Rules:
    """§3.1 rule set; `canon` is what rules_hash hashes."""

    canon: bytes
    event: str
    dice: int
    beacon_chain: str | None
    waitlist_promotion: bool


@dataclass(frozen=True, slots=True)
class Opened:
    """ceremony_opened (§5.2)."""

    participants: tuple[str, ...]
    participants_canon: bytes
    """canon of the participants list, what participants_hash hashes."""
    participants_hash: bytes
    escrow_key: bytes
    beacon_round: int | None


@dataclass(frozen=True, slots=True)
class Frozen:
    root: bytes
    size: int


@dataclass(frozen=True, slots=True)
class Commitment:
    commitment: bytes
    escrow: bytes


@dataclass(frozen=True, slots=True)
class Settlement:
    """reveal, escrow_opened or contribution_void of one participant (§5.1 (4))."""

    kind: str
    secret: bytes | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Beacon:
    chain: str
    round: int
    randomness: bytes


class ClassPlan(NamedTuple):
    school: str
    classes: tuple[tuple[str, int], ...]
    """(class id, capacity), sorted by id (§3.2)."""

    def record(self) -> Obj:
        """The plan as a §3.2 record again, the shape grouping.group_school takes."""
        return {"type": "class-plan", "school": self.school,
                "classes": [{"id": c, "capacity": n} for c, n in self.classes]}


class BiasDimension(NamedTuple):
    """One §8 dimension; values are (value, applicants, winners, expected_milli)."""

    dimension: str
    df: int
    chi2_milli: int
    p_ppm: int
    flag: bool
    values: tuple[tuple[str, int, int, int], ...]


def bias_dimension(d: Obj) -> BiasDimension:
    """A §8 dimension object (checked by records, or recomputed by bias.audit)."""
    return BiasDimension(d["dimension"], d["df"], d["chi2_milli"], d["p_ppm"], d["flag"],
                         tuple((v["value"], v["applicants"], v["winners"], v["expected_milli"])
                               for v in d["values"]))


class PaymentRound(NamedTuple):
    round: int
    forfeited: tuple[str, ...]
    locked_elsewhere: tuple[str, ...]


class Promotion(NamedTuple):
    round: int
    school: str
    promoted: tuple[str, ...]
    returned_to_bureau: int


@dataclass(frozen=True)
class InputTree:
    """The §3.3 tree of a ceremony's input records as logged before input_frozen."""

    size: int
    root: bytes
    duplicate: bool


@dataclass
class CeremonyLog:
    """What the log says about one ceremony (§5, §11.2)."""

    opened: Opened | None = None
    input_canon: list[bytes] = field(default_factory=list)
    """canon(record) of each input record, until input_frozen folds them."""
    input_tree: InputTree | None = None
    frozen: Frozen | None = None
    commitments: dict[str, Commitment] = field(default_factory=dict)
    settlements: dict[str, Settlement] = field(default_factory=dict)
    released_key: bytes | None = None
    """The escrow holder's private key from escrow_key_released (§5.4), if any."""
    physical: tuple[int, ...] | None = None
    beacon: Beacon | None = None
    seed: bytes | None = None


@dataclass
class LogState:
    """Everything the streaming pass keeps: one compact copy of each record."""

    event: str | None = None
    leaves: list[bytes] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    rules: Rules | None = None
    rules_hash: bytes | None = None
    ceremonies: dict[str, CeremonyLog] = field(default_factory=dict)
    schools: dict[str, draw.School] = field(default_factory=dict)
    applicants: list[draw.Applicant] = field(default_factory=list)
    pupils: list[grouping.Pupil] = field(default_factory=list)
    plans: dict[str, ClassPlan] = field(default_factory=dict)
    teachers: dict[str, list[str]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    """reg of each eligibility rejection."""
    lottery_parts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    summaries: dict[str, Obj] = field(default_factory=dict)
    """Part 0 summary per school, kept whole: it is only compared for equality."""
    results: dict[str, dict[str, draw.Result]] = field(default_factory=dict)
    """Logged lottery records per school; step 11 frees each school's once compared."""
    bias: tuple[BiasDimension, ...] | None = None
    rounds: list[PaymentRound] = field(default_factory=list)
    promotions: dict[int, list[Promotion]] = field(default_factory=dict)
    payments_closed: int | None = None
    grouping_parts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    grouping: dict[str, dict[str, str]] = field(default_factory=dict)
    matching: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def ceremony(self, name: str) -> CeremonyLog:
        return self.ceremonies.setdefault(name, CeremonyLog())

    def seed_of(self, name: str) -> bytes | None:
        cer = self.ceremonies.get(name)
        return None if cer is None else cer.seed


def _fold_inputs(cer: CeremonyLog) -> None:
    """Build the §3.3 input tree of the records logged so far, then drop their bytes."""
    leaves = sorted(cer.input_canon)
    cer.input_canon = []
    duplicate = any(a == b for a, b in itertools.pairwise(leaves))
    hashes = list(map(merkle.leaf_hash, leaves))
    del leaves
    cer.input_tree = InputTree(len(hashes), merkle.root(hashes), duplicate)


def _item(seq: int, t: str, body: Obj) -> Item:
    c = body.get("ceremony") if t != "eligibility_rejections" else None
    if t == "ceremony_opened":
        return Item(seq, t, c, participants=tuple(p["id"] for p in body["participants"]))
    return Item(seq, t, c, body.get("participant"), reason=body.get("reason"),
                refers_to=body.get("refers_to"))


def absorb(state: LogState, seq: int, raw: bytes) -> None:
    """Strictly parse one entry (§2.1, §2.3, §11.1) and keep what later steps need.

    Raises StrictError. Duplicate keys are rejected by the canonical comparison
    (strict module doc).
    """
    if len(raw) >= 65536:
        raise StrictError(f"entry {seq} is {len(raw)} bytes, not below 65536 (§11.1)")
    obj = strict.loads_for_canonical_check(raw)
    records.entry(obj, state.event, seq)
    t, body = obj["type"], obj["body"]
    if t == "input_records":
        recs = body["records"]
        encs = [strict.canon(r) for r in recs]
        body["records"] = []
        enc = strict.canon(obj).replace(b'"records":[]',
                                        b'"records":[' + b",".join(encs) + b"]", 1)
        body["records"] = recs
    else:
        enc = strict.canon(obj)
    if enc != raw:
        raise StrictError(f"entry {seq} is not in canonical form or repeats a key "
                          "(§2.1, §11.1)")
    if state.event is None:
        state.event = obj["event"]
    state.items.append(_item(seq, t, body))
    c: str = body.get("ceremony", "")
    if t == "event_created":
        if state.rules is None:  # a second one fails the phase order (§11.3 (1))
            r = body["rules"]
            if r["event"] != obj["event"]:
                raise StrictError("rules.event differs from the entries' event (§3.1)")
            chain = r["beacon"]["chain"] if r["beacon"] is not None else None
            state.rules = Rules(strict.canon(r), r["event"], r["dice"], chain,
                                r["waitlist_promotion"])
            state.rules_hash = bytes.fromhex(body["rules_hash"])
    elif t == "ceremony_opened":
        cer = state.ceremony(c)
        if cer.opened is None:
            ps = body["participants"]
            cer.opened = Opened(tuple(p["id"] for p in ps), strict.canon(ps),
                                bytes.fromhex(body["participants_hash"]),
                                strict.b64_bytes(body["escrow_key"], 32), body["beacon_round"])
    elif t == "input_records":
        cer = state.ceremony(c)
        if cer.input_tree is None:  # records after input_frozen fail the phase order
            cer.input_canon.extend(encs)
        for r in body["records"]:
            _keep_record(state, r)
    elif t == "input_frozen":
        cer = state.ceremony(c)
        if cer.frozen is None:
            cer.frozen = Frozen(bytes.fromhex(body["root"]), body["size"])
            _fold_inputs(cer)
    elif t == "commitment":
        state.ceremony(c).commitments.setdefault(body["participant"], Commitment(
            bytes.fromhex(body["commitment"]), strict.b64_bytes(body["escrow"], 80)))
    elif t in ("reveal", "escrow_opened", "contribution_void"):
        secret = bytes.fromhex(body["secret"]) if t != "contribution_void" else None
        state.ceremony(c).settlements.setdefault(body["participant"], Settlement(
            t, secret, body.get("reason")))
    elif t == "physical_entropy":
        cer = state.ceremony(c)
        if cer.physical is None:
            cer.physical = tuple(body["values"])
    elif t == "beacon":
        cer = state.ceremony(c)
        if cer.beacon is None:
            cer.beacon = Beacon(body["chain"], body["round"], bytes.fromhex(body["randomness"]))
    elif t == "escrow_key_released":
        cer = state.ceremony(c)
        if cer.released_key is None:
            cer.released_key = strict.b64_bytes(body["private_key"], 32)
    elif t == "seed":
        cer = state.ceremony(c)
        if cer.seed is None:
            cer.seed = bytes.fromhex(body["seed"])
    elif t == "eligibility_rejections":
        state.rejected.extend(r["reg"] for r in body["rejections"])
    elif t == "lottery_results":
        _keep_lottery_results(state, body)
    elif t == "bias_audit":
        if state.bias is None:
            state.bias = tuple(bias_dimension(d) for d in body["dimensions"])
    elif t == "payment_round":
        state.rounds.append(PaymentRound(body["round"], tuple(body["forfeited"]),
                                         tuple(body["locked_elsewhere"])))
    elif t == "promotions":
        state.promotions.setdefault(body["round"], []).append(Promotion(
            body["round"], body["school"], tuple(body["promoted"]), body["returned_to_bureau"]))
    elif t == "payments_closed":
        if state.payments_closed is None:
            state.payments_closed = body["rounds"]
    elif t == "grouping_results":
        sid = body["school"]
        state.grouping_parts.setdefault(sid, []).append((body["part"], body["parts"]))
        g = state.grouping.setdefault(sid, {})
        for r in body["records"]:
            if r["reg"] in g:
                raise StrictError(f"{r['reg']} listed twice in grouping_results (§11.2)")
            g[r["reg"]] = _intern(r["class"])
    elif t == "matching_results":
        if body["school"] in state.matching:
            raise StrictError(f"second matching_results for {body['school']} (§11.2)")
        state.matching[body["school"]] = tuple((p["class"], p["teacher"])
                                               for p in body["pairs"])


def _keep_lottery_results(state: LogState, body: Obj) -> None:
    sid = body["school"]
    state.lottery_parts.setdefault(sid, []).append((body["part"], body["parts"]))
    if body["summary"] is not None:
        state.summaries.setdefault(sid, body["summary"])
    res = state.results.setdefault(sid, {})
    for r in body["records"]:
        reg, unit = r["reg"], r["unit"]
        if reg in res:
            raise StrictError(f"{reg} listed twice in lottery_results (§11.2)")
        res[reg] = (reg, r["number"], reg if unit == reg else unit, _intern(r["outcome"]),
                    _intern(r["stage"]), r["rank"], r["waiting"])


def _keep_record(state: LogState, r: Obj) -> None:
    t = r["type"]
    if t == "applicant":
        reg, unit = r["reg"], r["unit"]
        state.applicants.append(draw.Applicant(
            reg, _intern(r["school"]), _intern(r["district"]), r["gender"],
            _intern(r["reg_day"]), r["direct"], r["community"], reg if unit == reg else unit))
    elif t == "school":
        if r["id"] in state.schools:
            raise StrictError(f"school {r['id']} listed twice (§1)")
        state.schools[r["id"]] = draw.school_of(r)
    elif t == "pupil":
        state.pupils.append(grouping.pupil_of(r))
    elif t == "class-plan":
        if r["school"] in state.plans:
            raise StrictError(f"two class plans for {r['school']} (§3.2)")
        state.plans[r["school"]] = ClassPlan(r["school"], tuple((c["id"], c["capacity"])
                                                                for c in r["classes"]))
    elif t == "teacher":
        state.teachers.setdefault(r["school"], []).append(r["id"])
