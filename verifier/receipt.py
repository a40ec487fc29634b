"""A family's receipt checked offline (PROTOCOL.md v2 §14): C2SP tlog-proof@v1.

``check`` runs §14's steps 1–6 in order and stops at the first failure; it then
reads the family's fields and status only from what it verified. It needs the
event's witness policy (the log key and witness keys, §13.1) and, to detect a
rollback or fork, a checkpoint the checker trusted before (§14 step 3): without
one that step is *not checked*, never passed.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from verifier import ceremony, merkle, note, policy, records, strict
from verifier.strict import StrictError

Obj = dict[str, Any]
HEADER = "c2sp.org/tlog-proof@v1"
MAX_X_BYTES = 1_048_576  # §14: what the extra data may inflate to
STEPS = ("format", "checkpoint", "consistency", "inclusion", "records", "number")
_X = frozenset({"type", "version", "event", "reg", "entry", "entries", "records"})
_X_ENTRY = frozenset({"index", "entry", "proof"})
_X_RECORD = frozenset({"ceremony", "index", "size", "record", "proof"})
PRIMARY = frozenset({"lottery_result", "grouping_result", "eligibility_rejections"})
SUPPORTING = frozenset({"seed", "payment_round", "payments_closed", "forfeit", "lock",
                        "promotion", "grouping_result", "matching_result"})
"""§14: the types a supporting entry may have."""


class StepStatus(StrEnum):
    PASSED = "passed"
    NOT_CHECKED = "not checked"
    NOT_APPLICABLE = "not applicable"


class ReceiptError(Exception):
    """The §14 step `number` failed; `reason` says why."""

    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"step {number} ({STEPS[number - 1]}): {reason}")
        self.number = number
        self.reason = reason


@dataclass(frozen=True)
class Trusted:
    """A checkpoint the checker trusted before, with the consistency proof from it to the
    receipt's checkpoint (served, or computed from tiles, §18)."""

    checkpoint: str
    proof: tuple[bytes, ...] = ()


@dataclass
class Report:
    ok: bool = False
    steps: dict[str, str] = field(default_factory=dict)
    failed_step: int | None = None
    reason: str | None = None
    checkpoint: Obj | None = None
    witnesses: Obj | None = None
    fields: Obj | None = None

    def as_json(self) -> Obj:
        out: Obj = {"ok": self.ok, "steps": self.steps}
        if self.failed_step is not None:
            out.update(failed_step=self.failed_step, step=STEPS[self.failed_step - 1],
                       reason=self.reason)
        else:
            out.update(checkpoint=self.checkpoint, witnesses=self.witnesses,
                       fields=self.fields)
        return out


@dataclass(frozen=True)
class _Entry:
    index: int
    raw: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class _Record:
    ceremony: str
    index: int
    size: int
    raw: bytes
    proof: tuple[bytes, ...]


@dataclass
class _Receipt:
    x: Obj
    primary: _Entry
    entries: list[_Entry]
    records: list[_Record]
    note_text: str


def _hash(text: Any, step: int = 1) -> bytes:
    try:
        return strict.b64_bytes(text, 32)
    except StrictError as exc:
        raise ReceiptError(step, str(exc)) from None


# --------------------------------------------------------------- step 1


def _inflate(data: bytes) -> bytes:
    """canon(X) from the extra data: one zlib stream, nothing after it, at most
    MAX_X_BYTES once inflated (§14 step 1; inflating stops past the bound)."""
    stream = zlib.decompressobj()
    try:
        out = stream.decompress(data, MAX_X_BYTES + 1)
    except zlib.error as exc:
        raise StrictError(f"not a zlib stream ({exc})") from None
    if len(out) > MAX_X_BYTES or stream.unconsumed_tail:
        raise StrictError(f"X inflates to more than {MAX_X_BYTES} bytes")
    if not stream.eof:
        raise StrictError("the zlib stream is cut short")
    if stream.unused_data:
        raise StrictError("data after the zlib stream")
    return out


def _format(text: str, reg: str | None) -> _Receipt:
    lines = text.split("\n")
    if lines[0] != HEADER:
        raise ReceiptError(1, f"first line is not {HEADER}")
    if len(lines) < 2 or not lines[1].startswith("extra "):
        raise ReceiptError(1, "no extra line (the receipt X)")
    try:
        raw_x = _inflate(strict.b64_bytes(lines[1][len("extra "):]))
    except StrictError as exc:
        raise ReceiptError(1, f"extra: {exc}") from None
    if len(lines) < 3 or not lines[2].startswith("index "):
        raise ReceiptError(1, "index line is not 'index <canonical decimal>'")
    try:
        index = strict.decimal(lines[2][len("index "):])
    except StrictError:
        raise ReceiptError(1, "index line is not 'index <canonical decimal>'") from None
    k = 3
    proof = []
    while k < len(lines) and lines[k] != "":
        proof.append(_hash(lines[k]))
        k += 1
    if k >= len(lines):
        raise ReceiptError(1, "no empty line before the checkpoint")
    note_text = "\n".join(lines[k + 1:])
    try:
        x = strict.loads(raw_x)
    except StrictError as exc:
        reason = "duplicate JSON key" if "duplicate key" in str(exc) else str(exc)
        raise ReceiptError(1, reason) from None
    try:
        if strict.canon(x) != raw_x:
            raise ReceiptError(1, "not canonical JSON")
    except StrictError as exc:
        raise ReceiptError(1, str(exc)) from None
    return _x(x, index, tuple(proof), note_text, reg)


def _x(x: Any, index: int, proof: tuple[bytes, ...], note_text: str, reg: str | None
       ) -> _Receipt:
    if type(x) is not dict or x.keys() != _X:
        raise ReceiptError(1, "X does not have exactly the members of §14")
    if x["type"] != "sunshine-receipt" or x["version"] != 2 or type(x["version"]) is not int:
        raise ReceiptError(1, "X is not a version-2 sunshine-receipt")
    if type(x["event"]) is not str or not strict.EVENT_ID.fullmatch(x["event"]):
        raise ReceiptError(1, "event is not an event id")
    if type(x["reg"]) is not str or not strict.REG.fullmatch(x["reg"]):
        raise ReceiptError(1, "reg is not a registration number")
    if reg is not None and x["reg"] != reg:
        raise ReceiptError(1, f"the receipt is for {x['reg']}, not {reg}")
    if type(x["entry"]) is not str:
        raise ReceiptError(1, "entry is not a string")
    entries, recs = [], []
    if type(x["entries"]) is not list or type(x["records"]) is not list:
        raise ReceiptError(1, "entries and records are lists")
    for e in x["entries"]:
        if type(e) is not dict or e.keys() != _X_ENTRY or type(e["entry"]) is not str \
                or type(e["index"]) is not int or e["index"] < 0 or type(e["proof"]) is not list:
            raise ReceiptError(1, "an entries item is not {index, entry, proof}")
        entries.append(_Entry(e["index"], e["entry"].encode(),
                              tuple(_hash(h) for h in e["proof"])))
    for r in x["records"]:
        if type(r) is not dict or r.keys() != _X_RECORD or type(r["record"]) is not str \
                or type(r["index"]) is not int or type(r["size"]) is not int \
                or r["index"] < 0 or r["size"] < 0 or type(r["proof"]) is not list \
                or r["ceremony"] not in ("lottery", "grouping", "rejections"):
            raise ReceiptError(1, "a records item is not {ceremony, index, size, record, proof}")
        recs.append(_Record(r["ceremony"], r["index"], r["size"], r["record"].encode(),
                            tuple(_hash(h) for h in r["proof"])))
    return _Receipt(x, _Entry(index, x["entry"].encode(), proof), entries, recs, note_text)


# --------------------------------------------------------------- step 2


def _checkpoint(rc: _Receipt, pol: policy.Policy) -> tuple[note.Note, note.Checkpoint, Obj]:
    if len(pol.logs) != 1:
        raise ReceiptError(2, "the policy does not name exactly one log key")
    key = pol.logs[0]
    try:
        n = note.parse_note(rc.note_text)
    except note.NoteError as exc:
        raise ReceiptError(2, str(exc)) from None
    try:
        cp = note.parse_checkpoint(n.text)
    except note.NoteError:
        raise ReceiptError(2, "not a checkpoint (origin, size, root; no extension lines)"
                           ) from None
    if cp.origin != key.name:
        raise ReceiptError(2, f"origin {cp.origin} is not the policy's log origin {key.name}")
    if not any(s.name == key.name and s.key_id == key.key_id for s in n.signatures):
        raise ReceiptError(2, "no signature by the pinned log key")
    try:
        note.verify_note(n, key)
    except note.NoteError:
        raise ReceiptError(2, "the log signature does not verify") from None
    cosigned: list[Obj] = []
    for name, w in sorted(pol.witnesses.items()):
        if not any(s.name == w.name and s.key_id == w.key_id for s in n.signatures):
            continue
        try:
            cosigned.append({"witness": name, "timestamp": note.verify_cosignature(n, w)})
        except note.NotCheckedError:
            continue  # counts as absent (§12.3)
        except note.NoteError:
            raise ReceiptError(2, f"the cosignature of {name} does not verify") from None
    met = pol.satisfied(frozenset(c["witness"] for c in cosigned))
    return n, cp, {"cosigned": cosigned, "quorum_met": met}


# --------------------------------------------------------------- step 3


def _consistency(cp: note.Checkpoint, pol: policy.Policy, trusted: Trusted | None
                 ) -> StepStatus:
    if trusted is None:
        return StepStatus.NOT_CHECKED
    key = pol.logs[0]
    try:
        tn = note.parse_note(trusted.checkpoint)
        note.verify_note(tn, key)
        old = note.parse_checkpoint(tn.text)
    except note.NoteError as exc:
        raise ReceiptError(3, f"the trusted checkpoint: {exc}") from None
    if old.origin != cp.origin:
        raise ReceiptError(3, "the trusted checkpoint is of another log")
    if old.size > cp.size:
        raise ReceiptError(3, "rollback: the trusted checkpoint is larger")
    if old.size == cp.size:
        if old.root != cp.root:
            raise ReceiptError(3, "fork: the same size with another root")
        return StepStatus.PASSED
    try:
        merkle.verify_consistency(old.size, cp.size, old.root, cp.root, list(trusted.proof))
    except merkle.MerkleProofError:
        raise ReceiptError(3, "the consistency proof does not verify") from None
    return StepStatus.PASSED


# --------------------------------------------------------------- step 4


def _included(e: _Entry, cp: note.Checkpoint, event: str) -> Obj:
    try:
        merkle.verify_inclusion(merkle.leaf_hash(e.raw), e.index, cp.size, list(e.proof),
                                cp.root)
    except merkle.MerkleProofError:
        raise ReceiptError(4, f"entry {e.index} is not included at its index") from None
    try:
        obj = strict.loads_canonical(e.raw)
        records.entry(obj, event, obj.get("seq", -1) if isinstance(obj, dict) else -1)
    except StrictError as exc:
        raise ReceiptError(4, f"entry {e.index} is not a valid entry: {exc}") from None
    if obj["seq"] != e.index:
        raise ReceiptError(4, f"entry at index {e.index} has seq {obj['seq']}")
    out: Obj = obj
    return out


def _inclusion(rc: _Receipt, cp: note.Checkpoint) -> tuple[Obj, list[Obj]]:
    event, reg = rc.x["event"], rc.x["reg"]
    primary = _included(rc.primary, cp, event)
    if primary["type"] not in PRIMARY:
        raise ReceiptError(4, f"a {primary['type']} is not a primary entry")
    if primary["type"] != "eligibility_rejections" and primary["body"]["reg"] != reg:
        raise ReceiptError(4, "the primary entry does not name reg")
    indexes = [e.index for e in rc.entries]
    if indexes != sorted(set(indexes)) or rc.primary.index in indexes:
        raise ReceiptError(4, "supporting entries not in ascending index, or the primary "
                           "repeated")
    support = [_included(e, cp, event) for e in rc.entries]
    school = primary["body"].get("school")
    grouped = next((s["body"] for s in [primary, *support]
                    if s["type"] == "grouping_result"), None)
    for e, s in zip(rc.entries, support, strict=True):
        t, body = s["type"], s["body"]
        if t not in SUPPORTING:
            raise ReceiptError(4, f"a {t} is not a supporting entry")
        if "reg" in body and body["reg"] != reg:
            raise ReceiptError(4, f"supporting entry {e.index} names another reg")
        if t == "matching_result":
            if grouped is None or (body["school"], body["class"]) != (grouped["school"],
                                                                      grouped["class"]):
                raise ReceiptError(4, "the matching_result is not the class of the "
                                   "grouping_result")
        elif "school" in body and body["school"] != school:
            raise ReceiptError(4, f"supporting entry {e.index} is of another school")
    return primary, support


# --------------------------------------------------------------- step 5


def _records(rc: _Receipt, primary: Obj, support: list[Obj]) -> dict[str, Obj]:
    reg, event = rc.x["reg"], rc.x["event"]
    seeds = {s["body"]["ceremony"]: s["body"] for s in support if s["type"] == "seed"}
    got: dict[str, Obj] = {}
    for r in rc.records:
        if r.ceremony == "rejections":
            if primary["type"] != "eligibility_rejections":
                raise ReceiptError(5, "a rejection leaf without the eligibility_rejections "
                                   "entry")
            root, size = bytes.fromhex(primary["body"]["root"]), primary["body"]["count"]
        else:
            seed = seeds.get(r.ceremony)
            if seed is None:
                raise ReceiptError(5, f"no seed entry of ceremony {r.ceremony} in the receipt")
            root, size = bytes.fromhex(seed["input_root"]), seed["input_size"]
        try:
            if r.size != size:
                raise merkle.MerkleProofError("size")
            merkle.verify_inclusion(merkle.leaf_hash(r.raw), r.index, size, list(r.proof), root)
            obj = strict.loads_canonical(r.raw)
        except (merkle.MerkleProofError, StrictError):
            what = "rejection leaf" if r.ceremony == "rejections" else f"{r.ceremony} record"
            raise ReceiptError(5, f"a {what} is not in the input tree of its ceremony") from None
        kind = "rejection" if r.ceremony == "rejections" else obj.get("type")
        got.setdefault(f"{r.ceremony}:{kind}", obj)
    t, body = primary["type"], primary["body"]
    if t == "lottery_result":
        a, s = got.get("lottery:applicant"), got.get("lottery:school")
        if a is None or (a.get("reg"), a.get("school"), a.get("unit")) != (
                reg, body["school"], body["unit"]):
            raise ReceiptError(5, "the applicant record does not name reg, its school and unit")
        if s is None or s.get("id") != body["school"]:
            raise ReceiptError(5, "the school record is not the applicant's school")
    if t == "eligibility_rejections":
        leaf = got.get("rejections:rejection")
        if leaf is None or leaf.get("reg") != reg or leaf.get("event") != event:
            raise ReceiptError(5, "the rejection leaf does not name reg")
        try:
            records.rejection(leaf)
        except StrictError as exc:
            raise ReceiptError(5, f"the rejection leaf: {exc}") from None
    grouped = next((x["body"] for x in [primary, *support] if x["type"] == "grouping_result"),
                   None)
    if grouped is not None:
        p = got.get("grouping:pupil")
        if p is None or (p.get("reg"), p.get("school")) != (reg, grouped["school"]):
            raise ReceiptError(5, "the pupil record does not name reg and the "
                               "grouping_result's school")
    return got


# --------------------------------------------------------------- step 6


def _number(rc: _Receipt, primary: Obj, support: list[Obj]) -> tuple[StepStatus, Obj]:
    if primary["type"] != "lottery_result":
        return StepStatus.NOT_APPLICABLE, {}
    seed = next((s["body"] for s in support
                 if s["type"] == "seed" and s["body"]["ceremony"] == "lottery"), None)
    if seed is None:
        raise ReceiptError(6, "no lottery seed in the receipt")
    number = ceremony.keyed(bytes.fromhex(seed["seed"]), ceremony.TAG_NUMBER)
    body = primary["body"]
    mine, unit = number(rc.x["reg"]), number(body["unit"])
    if body["outcome"] == "admitted" and body["cutoff"] is not None \
            and unit > bytes.fromhex(body["cutoff"]):
        raise ReceiptError(6, "admitted with number(unit) above the stage's cutoff")
    return StepStatus.PASSED, {"number": mine.hex(), "unit_number": unit.hex()}


# --------------------------------------------------------------- reading


def _fields(rc: _Receipt, primary: Obj, support: list[Obj], got: dict[str, Obj],
            numbers: Obj) -> Obj:
    """What the family sees, read only from verified entries and records (§14)."""
    reg = rc.x["reg"]
    by_type: dict[str, list[Obj]] = {}
    for s in support:
        by_type.setdefault(s["type"], []).append(s["body"])
    grouped = next((x["body"] for x in [primary, *support] if x["type"] == "grouping_result"),
                   None)
    teacher = next(({"id": m["teacher"], "name": m["name"]}
                    for m in by_type.get("matching_result", [])), None)
    rounds = len(by_type.get("payment_round", []))
    closed = "payments_closed" in by_type
    out: Obj = {"reg": reg, "class": None if grouped is None else grouped["class"],
                "teacher": teacher, "rounds_settled": rounds, "payments_closed": closed}
    t, body = primary["type"], primary["body"]
    if t == "eligibility_rejections":
        leaf = got["rejections:rejection"]
        out.update(status="rejected", school=leaf["school"], rejection_code=leaf["code"])
        return out
    if t == "grouping_result":
        out.update(status="grouped", school=body["school"], name=got["grouping:pupil"]["name"])
        return out
    forfeits = [{"round": f["round"], "reason": f["reason"]} for f in by_type.get("forfeit", [])]
    promotion = next(({"round": p["round"], "waiting": p["waiting"]}
                      for p in by_type.get("promotion", [])), None)
    locks = [x["round"] for x in by_type.get("lock", [])]
    if forfeits:
        status = f"forfeited-{forfeits[-1]['reason']}"
    elif body["outcome"] == "admitted":
        status = "confirmed" if rounds >= 1 else "admitted-awaiting-payment"
    elif promotion is not None:
        status = "confirmed" if rounds > promotion["round"] else "promoted-awaiting-payment"
    elif closed or body["waiting"] is None or locks:
        status = "not-admitted"
    else:
        status = "waiting"
    out.update(school=body["school"], school_name=got["lottery:school"]["name"],
               name=got["lottery:applicant"]["name"], outcome=body["outcome"],
               stage=body["stage"], rank=body["rank"], waiting=body["waiting"],
               cutoff=body["cutoff"], unit=body["unit"], forfeits=forfeits,
               promotion=promotion, lock={"round": locks[0]} if locks else None,
               status=status, **numbers)
    return out


def check(text: str, policy_text: str, reg: str | None = None,
          trusted: Trusted | None = None) -> Report:
    """§14 steps 1–6 in order; the report says which passed, or which failed and why."""
    report = Report()
    try:
        rc = _format(text, reg)
        report.steps["format"] = StepStatus.PASSED
        try:
            pol = policy.parse_policy(policy_text)
        except policy.PolicyError as exc:
            raise ReceiptError(2, f"the policy: {exc}") from None
        _, cp, witnesses = _checkpoint(rc, pol)
        report.steps["checkpoint"] = StepStatus.PASSED
        report.steps["consistency"] = _consistency(cp, pol, trusted)
        primary, support = _inclusion(rc, cp)
        report.steps["inclusion"] = StepStatus.PASSED
        got = _records(rc, primary, support)
        report.steps["records"] = StepStatus.PASSED
        status, numbers = _number(rc, primary, support)
        report.steps["number"] = status
    except ReceiptError as exc:
        report.failed_step, report.reason = exc.number, exc.reason
        return report
    report.ok = True
    report.checkpoint = {"origin": cp.origin, "size": cp.size,
                         "root": base64.b64encode(cp.root).decode()}
    report.witnesses = witnesses
    report.fields = _fields(rc, primary, support, got, numbers)
    return report
