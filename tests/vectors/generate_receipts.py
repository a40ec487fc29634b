"""Reference generator for receipts.json and receipt_log/: PROTOCOL.md v2 §11-§14.

Builds a small but complete version-2 log from the text of PROTOCOL.md (a
lottery, payment rounds, grouping and matching, with real commitments, escrows,
seeds, checkpoints signed as C2SP signed notes and an Ed25519 tlog-cosignature),
writes it as receipt_log/ (entries.jsonl, checkpoints/<size>.note, keys/,
policy, openings.jsonl, receipts/*.tlog-proof), and writes receipts.json: §14
receipts as exact c2sp.org/tlog-proof@v1 text, the fields a checker reads
from each, and negative variants, one or more per §14 check step, with the
step that must fail. A reference checker (`check`, below) recomputes every
expected outcome. No lottery_service, no verifier.

    .venv/bin/python tests/vectors/generate_receipts.py [OUT_DIR]
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from generate_allocation import allocate
from generate_bias import audit
from generate_ceremony import (
    K,
    b64,
    b64decode_strict,
    canon,
    consistency_proof,
    contribution,
    fixed_salt,
    inclusion_path,
    input_tree,
    make_rules,
    mth,
    pupil,
    rules_hash,
    school,
    seed_case,
    verify_consistency,
    verify_inclusion,
)
from generate_ceremony import applicant as applicant_record
from generate_matching import reference_match

Json = Any
GENERATOR = "tests/vectors/generate_receipts.py"
EVENT = "receipt-2026"
RULES = make_rules(EVENT, title="云岩区2026回执示例")
ORIGIN = RULES["origin"]
WITNESS = "witness.example.cn"
LOG_SEED = hashlib.sha256(b"vector log key").digest()
OTHER_LOG_SEED = hashlib.sha256(b"vector other log key").digest()
WITNESS_SEED = hashlib.sha256(b"vector witness key").digest()
PARTICIPANTS = [{"id": "bureau-1", "role": "bureau"}, {"id": "notary-1", "role": "notary"},
                {"id": "parent-rep-1", "role": "parent-rep"}]


# --- C2SP signed notes, checkpoints and cosignatures (§12) --------------------------------

def public(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def key_id(name: str, sig_type: int, pub: bytes) -> bytes:
    """signed-note: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + pub).digest()[:4]


def vkey(name: str, sig_type: int, pub: bytes) -> str:
    """Verifier key text: <name>+<hex key id>+<base64(type ‖ public key)>."""
    return f"{name}+{key_id(name, sig_type, pub).hex()}+{b64(bytes([sig_type]) + pub)}"


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{b64(root)}\n"


def sign_note(text: str, name: str, seed: bytes) -> str:
    """One Ed25519 (type 0x01) signature line over the note text."""
    sig = Ed25519PrivateKey.from_private_bytes(seed).sign(text.encode())
    return f"\u2014 {name} {b64(key_id(name, 0x01, public(seed)) + sig)}\n"


def cosign(text: str, name: str, seed: bytes, timestamp: int) -> str:
    """tlog-cosignature/v1 Ed25519 (type 0x04): key id ‖ u64 timestamp ‖ signature over
    "cosignature/v1\\ntime <t>\\n" ‖ checkpoint text."""
    msg = f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()
    sig = Ed25519PrivateKey.from_private_bytes(seed).sign(msg)
    raw = key_id(name, 0x04, public(seed)) + timestamp.to_bytes(8, "big") + sig
    return f"\u2014 {name} {b64(raw)}\n"


def signed_checkpoint(origin: str, size: int, root: bytes, timestamp: int,
                      log_seed: bytes = LOG_SEED, witness: bool = True) -> str:
    text = checkpoint_text(origin, size, root)
    note = text + "\n" + sign_note(text, origin, log_seed)
    return note + (cosign(text, WITNESS, WITNESS_SEED, timestamp) if witness else "")


def posix(t: str) -> int:
    return int(datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
               .timestamp())


# --- the season (§5, §7, §8, §9, §10, §11.3) ----------------------------------------------

def holder(ceremony: str) -> bytes:
    return hashlib.sha256(f"vector escrow holder {ceremony}".encode()).digest()


def ceremony_bodies(ceremony: str, records: list[Json], secrets: dict[str, str],
                    statuses: dict[str, str], dice: list[int]) -> Json:
    """The §5.1 entries of one ceremony, from generate_ceremony's transcription of §5."""
    inp = {"event": EVENT, "ceremony": ceremony, "rules": RULES, "participants": PARTICIPANTS,
           "records": records, "escrow_holder_private": holder(ceremony).hex(),
           "contributions": [contribution(p["id"], ceremony, secrets[p["id"]],
                                          statuses.get(p["id"], "reveal"))
                             for p in PARTICIPANTS],
           "dice_witness": "notary-1", "physical": dice, "beacon": None}
    return seed_case(ceremony, inp)["expected"]


class Log:
    """Entries appended in order, with the times of §11.4's windows."""

    def __init__(self) -> None:
        self.entries: list[Json] = []

    def add(self, kind: str, body: Json, when: str) -> int:
        assert not self.entries or self.entries[-1]["time"] <= when, "times never decrease"
        self.entries.append({"v": 2, "event": EVENT, "seq": len(self.entries), "time": when,
                             "type": kind, "body": body})
        return len(self.entries) - 1

    def leaves(self, size: int | None = None) -> list[bytes]:
        return [canon(e) for e in self.entries[:size]]


def minutes(start: str, n: int) -> str:
    base = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return datetime.fromtimestamp(base.timestamp() + 60 * n, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


APPLICANTS = [  # (reg, masked name, gender, district)
    ("2026000101", "王*明", "M", "D01"), ("2026000102", "李*华", "F", "D01"),
    ("2026000103", "赵*", "M", "D01"), ("2026000104", "陈*一", "F", "D01"),
    ("2026000105", "周*", "M", "D01"), ("2026000106", "吴*芳", "F", "D01"),
    ("2026000107", "郑*", "M", "D02"),
]
S002_APPLICANTS = [("2026000201", "孙*", "F", "D01"), ("2026000202", "钱*亮", "M", "D01")]
REJECTIONS = [("2026000197", "S002", "P2-second-application"),
              ("2026000198", "S001", "P1-residence"),
              ("2026000199", "S001", "P2-second-application")]
OUTSIDE_PUPIL = ("2026000150", "冯*", "F", ["sen"])  # placed by the bureau (P12), not drawn
GENDERS = {r: g for r, _, g, _ in APPLICANTS + S002_APPLICANTS}


def season() -> Json:
    """The whole event; returns the log, checkpoints, records, openings and the roles."""
    log = Log()
    log.add("event_created", {"rules": RULES, "rules_hash": rules_hash(RULES).hex()},
            "2026-05-20T02:00:00Z")
    windows = [("registration", "2026-06-11T00:00:00Z", "2026-06-20T16:00:00Z",
                {"from": "08:00", "to": "00:00"}),
               ("lottery_ceremony", "2026-07-01T00:00:00Z", "2026-07-01T10:00:00Z", None),
               ("payment", "2026-07-02T00:00:00Z", "2026-07-10T10:00:00Z", None),
               ("cohort", "2026-07-20T00:00:00Z", "2026-08-10T10:00:00Z", None),
               ("grouping_ceremony", "2026-08-15T00:00:00Z", "2026-08-15T10:00:00Z", None),
               ("teachers", "2026-08-16T00:00:00Z", "2026-08-20T10:00:00Z", None),
               ("teacher_ceremony", "2026-08-21T00:00:00Z", "2026-08-21T10:00:00Z", None)]
    for i, (phase, opens, closes, daily) in enumerate(windows):
        log.add("window_set", {"phase": phase, "opens": opens, "closes": closes,
                               "daily": daily}, minutes("2026-05-20T02:00:00Z", 5 + i))
    checkpoints = [len(log.entries)]

    # Lottery ceremony (§5.1, §7.1, §17.2).
    schools = [school("S001", "阳光实验学校", quota=3), school("S002", "区属学校",
                                                          authority="district", quota=1)]
    apps = [applicant_record(r, n, g, district=d) for r, n, g, d in APPLICANTS] + [
        applicant_record(r, n, g, school="S002", district=d) for r, n, g, d in S002_APPLICANTS]
    lottery_records = [*schools, *apps]
    rejection_leaves = sorted(canon({"type": "rejection", "event": EVENT, "reg": reg,
                                     "school": sid, "code": code,
                                     "salt": fixed_salt("lottery/" + reg)})
                              for reg, sid, code in REJECTIONS)
    lot = ceremony_bodies("lottery", lottery_records,
                          {"bureau-1": "a1" * 32, "notary-1": "b2" * 32, "parent-rep-1": "c3" * 32},
                          {"parent-rep-1": "escrow_opened"}, [2, 6, 1, 5, 5, 3, 4, 1, 6, 2,
                                                             3, 3, 5, 1, 4, 6, 2, 2, 5, 4])
    idx: dict[str, int] = {}
    add_ceremony(log, lot, "2026-06-20T16:30:00Z", "2026-07-01T01:00:00Z",
                 "2026-07-01T03:00:00Z", idx, "lottery", {"eligibility_rejections": {
                     "count": len(rejection_leaves), "root": mth(rejection_leaves).hex()}})
    checkpoints.insert(1, idx["lottery/input_frozen"] + 1)
    lottery_seed = lot["seed_entry_body"]["seed"]

    # Results (§7.2-§7.4), bias audit (§8).
    base = {"seed": lottery_seed, "waitlist_promotion": True, "schools": schools,
            "applicants": apps, "rounds": []}
    first = allocate(base)
    when = "2026-07-01T03:05:00Z"
    for e in first["entries"]:
        log.add(e["type"], e["body"], when)
    record_of = {a["reg"]: a for a in apps}
    pools = []
    for s in first["schools"]:
        for st in s["stages"]:
            if sum(len(u["members"]) for u in st["pool"]) > st["seats"]:
                pools.append({"pool": f"{s['school']}/{st['stage']}", "members": [
                    {"reg": m, "district": record_of[m]["district"], "gender": GENDERS[m],
                     "reg_day": record_of[m]["reg_day"], "admitted": u["admitted"]}
                    for u in st["pool"] for m in u["members"]]})
    log.add("bias_audit", audit(pools)["body"], "2026-07-01T03:06:00Z")
    log.add("notifications_sent", {"topic": "draw", "round": None,
                                   "messages": len(apps)}, "2026-07-01T03:10:00Z")
    log.add("published", {"ceremony": "lottery"}, "2026-07-01T03:11:00Z")
    checkpoints.append(len(log.entries))

    # Payment rounds (§7.5): roles follow from the draw.
    s001 = next(s for s in first["schools"] if s["school"] == "S001")
    admitted = sorted(e["body"]["reg"] for e in first["entries"] if e["type"] == "lottery_result"
                      and e["body"]["outcome"] == "admitted" and e["body"]["school"] == "S001")
    waiting = [w["members"][0] for w in s001["waiting_order"]]
    roles = {"admitted": admitted[0], "unpaid": admitted[1], "declined": admitted[2],
             "locked": waiting[0], "promoted": waiting[1], "promoted_too": waiting[2],
             "waiting": waiting[3], "rejected": "2026000199", "pupil": OUTSIDE_PUPIL[0]}
    log.add("notifications_sent", {"topic": "payment_reminder", "round": None,
                                   "messages": len(admitted) + 1}, "2026-07-03T01:00:00Z")
    rounds = [{"unpaid": [roles["unpaid"]], "declined": [roles["declined"]],
               "locks": [roles["locked"]]}, {"unpaid": [], "declined": [], "locks": []}]
    full = allocate({**base, "rounds": rounds})
    payment = full["entries"][len(first["entries"]):]
    r1_end = next(i for i, e in enumerate(payment) if e["type"] == "payment_round"
                  and e["body"]["round"] == 2)
    for e in payment[:r1_end]:
        log.add(e["type"], e["body"], "2026-07-05T10:00:00Z")
    log.add("notifications_sent", {"topic": "forfeit", "round": 1, "messages": 2},
            "2026-07-05T10:05:00Z")
    log.add("notifications_sent", {"topic": "promotion", "round": 1, "messages": 2},
            "2026-07-05T10:05:00Z")
    checkpoints.append(len(log.entries))
    log.add(payment[r1_end]["type"], payment[r1_end]["body"], "2026-07-08T10:00:00Z")
    log.add("payments_closed", payment[r1_end + 1]["body"], "2026-07-10T10:00:00Z")
    assert payment[r1_end + 1]["type"] == "payments_closed"
    log.add("escrow_key_released", {"ceremony": "lottery",
                                    "private_key": b64(holder("lottery"))},
            "2026-07-10T11:00:00Z")
    checkpoints.append(len(log.entries))

    # Grouping ceremony (§9): the cohort = confirmed places + the bureau's placement; one
    # class per school, so any version of §9 gives the same assignment.
    holders = full["rounds"][-1]["after"]["holders_by_school"]
    cohort = [(reg, record_of[reg]["name"], GENDERS[reg], [], sid)
              for sid, regs in holders.items() for reg in regs]
    cohort.append((*OUTSIDE_PUPIL, "S001"))
    pupils = [pupil(reg, name, g, strata, sid) for reg, name, g, strata, sid in cohort]
    plans = [{"type": "class-plan", "school": sid, "name": f"{sid}校",
              "classes": [{"id": "01", "capacity": 45}]}
             for sid in ("S001", "S002")]
    grp = ceremony_bodies("grouping", [*pupils, *plans],
                          {"bureau-1": "d4" * 32, "notary-1": "e5" * 32, "parent-rep-1": "f6" * 32},
                          {}, [1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1, 1, 3, 5, 2, 4, 6, 6, 6])
    add_ceremony(log, grp, "2026-08-10T10:00:00Z", "2026-08-15T01:00:00Z",
                 "2026-08-15T03:00:00Z", idx, "grouping")
    when = "2026-08-15T03:05:00Z"
    for sid in ("S001", "S002"):
        mine = sorted((p for p in cohort if p[4] == sid), key=lambda p: p[0])
        strata = sorted({s for p in mine for s in p[3]})
        log.add("grouping_summary", {"school": sid, "exchanges": 0, "classes": [{
            "class": "01", "pupils": len(mine),
            "genders": {"F": sum(p[2] == "F" for p in mine), "M": sum(p[2] == "M" for p in mine)},
            "strata": {s: sum(s in p[3] for p in mine) for s in strata}}]}, when)
        for p in mine:
            log.add("grouping_result", {"school": sid, "reg": p[0], "class": "01"}, when)
    log.add("published", {"ceremony": "grouping"}, "2026-08-15T03:10:00Z")
    checkpoints.append(len(log.entries))

    # Teachers ceremony (§10).
    teachers = [{"type": "teacher", "school": "S001", "id": "T0101", "name": "李*"},
                {"type": "teacher", "school": "S002", "id": "T0201", "name": "王*芳"}]
    tch = ceremony_bodies("teachers", teachers,
                          {"bureau-1": "17" * 32, "notary-1": "28" * 32, "parent-rep-1": "39" * 32},
                          {}, [6, 6, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 1, 2, 3, 4, 5, 6, 1])
    add_ceremony(log, tch, "2026-08-20T10:00:00Z", "2026-08-21T01:00:00Z",
                 "2026-08-21T03:00:00Z", idx, "teachers")
    match = reference_match(plans, teachers, bytes.fromhex(tch["seed_entry_body"]["seed"]))
    for e in match["entries"]:
        log.add(e["type"], e["body"], "2026-08-21T03:05:00Z")
    log.add("notifications_sent", {"topic": "class", "round": None, "messages": len(cohort)},
            "2026-08-21T03:10:00Z")
    log.add("published", {"ceremony": "teachers"}, "2026-08-21T03:11:00Z")
    checkpoints.append(len(log.entries))

    notes = {}
    for size in checkpoints:
        notes[size] = signed_checkpoint(ORIGIN, size, mth(log.leaves(size)),
                                        posix(log.entries[size - 1]["time"]) + 60)
    inputs = {"lottery": lottery_records, "grouping": [*pupils, *plans], "teachers": teachers}
    openings = [{"type": "openings", "version": 2, "event": EVENT, "origin": ORIGIN}]
    openings += [{"type": "attributes", "ceremony": "lottery", "reg": a["reg"],
                  "gender": GENDERS[a["reg"]], "strata": [],
                  "salt": fixed_salt("lottery/" + a["reg"])}
                 for a in sorted(apps, key=lambda a: a["reg"])]
    openings += [{"type": "attributes", "ceremony": "grouping", "reg": reg, "gender": g,
                  "strata": strata, "salt": fixed_salt("grouping/" + reg)}
                 for reg, _, g, strata, _ in sorted(cohort)]
    openings += [json.loads(leaf) for leaf in rejection_leaves]
    return {"log": log, "notes": notes, "inputs": inputs, "roles": roles,
            "rejection_leaves": rejection_leaves, "openings": openings}


def add_ceremony(log: Log, c: Json, frozen_at: str, commit_at: str, dice_at: str,
                 idx: dict[str, int], name: str, replace: Json = None) -> None:
    """Append a ceremony's §5.1 entries: the input frozen when its import window closes
    (§11.4), commitments to the seed inside its ceremony window; `replace` swaps bodies."""
    t = minutes(frozen_at, -20)
    for b in c["log_bodies"]:
        if b["type"] == "input_frozen":
            t = frozen_at
        elif b["type"] == "commitment" and t < commit_at:
            t = commit_at
        elif b["type"] in ("physical_entropy", "seed"):
            t = max(t, dice_at)
        idx.setdefault(f"{name}/{b['type']}", len(log.entries))
        log.add(b["type"], (replace or {}).get(b["type"], b["body"]), t)
        t = minutes(t, 1)


# --- receipts (§14) -----------------------------------------------------------------------

def text_of(e: Json) -> str:
    return canon(e).decode()


def record_item(ceremony: str, records: list[Json], rec: Json) -> Json:
    leaves, _ = input_tree(records)
    i = leaves.index(canon(rec))
    return {"ceremony": ceremony, "index": i, "size": len(leaves), "record": canon(rec).decode(),
            "proof": [b64(h) for h in inclusion_path(i, leaves)]}


def receipt_parts(s: Json, reg: str, size: int) -> Json:
    """Primary entry, supporting entries and records of reg's receipt at checkpoint size."""
    log: Log = s["log"]
    es = log.entries[:size]

    def find(kind: str, **match: Json) -> list[int]:
        return [i for i, e in enumerate(es) if e["type"] == kind
                and all(e["body"].get(k) == v for k, v in match.items())]

    def seed_of(ceremony: str) -> int:
        return find("seed", ceremony=ceremony)[0]

    result = find("lottery_result", reg=reg)
    grouped = find("grouping_result", reg=reg)
    entries: list[int] = []
    records: list[Json] = []
    if result:
        primary = result[0]
        body = es[primary]["body"]
        entries += [seed_of("lottery"), *find("payment_round"), *find("payments_closed"),
                    *find("forfeit", reg=reg), *find("lock", reg=reg),
                    *find("promotion", reg=reg)]
        lot = s["inputs"]["lottery"]
        records += [record_item("lottery", lot, next(r for r in lot if r.get("reg") == reg)),
                    record_item("lottery", lot, next(r for r in lot if r["type"] == "school"
                                                     and r["id"] == body["school"]))]
        if grouped:
            entries.append(grouped[0])
    elif grouped:
        primary = grouped[0]
    else:
        primary = find("eligibility_rejections")[-1]
        leaves = s["rejection_leaves"]
        i = next(j for j, leaf in enumerate(leaves) if json.loads(leaf)["reg"] == reg)
        records.append({"ceremony": "rejections", "index": i, "size": len(leaves),
                        "record": leaves[i].decode(),
                        "proof": [b64(h) for h in inclusion_path(i, leaves)]})
    if grouped:
        g = es[grouped[0]]["body"]
        entries += [seed_of("grouping"), *find("matching_result", school=g["school"],
                                               **{"class": g["class"]})]
        if find("matching_result", school=g["school"], **{"class": g["class"]}):
            entries.append(seed_of("teachers"))
        grp = s["inputs"]["grouping"]
        records.append(record_item("grouping", grp, next(r for r in grp if r.get("reg") == reg)))
    return {"primary": primary, "entries": sorted(set(entries) - {primary}), "records": records}


def make_receipt(s: Json, reg: str, size: int, parts: Json | None = None,
                 note: str | None = None, x_override: Json = None) -> str:
    log: Log = s["log"]
    leaves = log.leaves(size)
    p = parts or receipt_parts(s, reg, size)
    x = {"type": "sunshine-receipt", "version": 2, "event": EVENT, "reg": reg,
         "entry": text_of(log.entries[p["primary"]]),
         "entries": [{"index": i, "entry": text_of(log.entries[i]),
                      "proof": [b64(h) for h in inclusion_path(i, leaves)]}
                     for i in p["entries"]],
         "records": p["records"]}
    if x_override is not None:
        x = x_override(x)
    extra = zlib.compress(x if isinstance(x, bytes) else canon(x), 9)
    lines = ["c2sp.org/tlog-proof@v1", "extra " + b64(extra), f"index {p['primary']}",
             *(b64(h) for h in inclusion_path(p["primary"], leaves)), ""]
    return "\n".join(lines) + "\n" + (note or s["notes"][size])


# --- the reference checker (§14 steps 1-6) ------------------------------------------------

class Fail(Exception):
    """args = (step number, step name, reason)."""


STEPS = ["format", "checkpoint", "consistency", "inclusion", "records", "number"]
SUPPORTING = {"seed", "payment_round", "payments_closed", "forfeit", "lock", "promotion",
              "grouping_result", "matching_result"}
X_MEMBERS = {"type", "version", "event", "reg", "entry", "entries", "records"}
DECIMAL = re.compile(r"0|[1-9][0-9]*")
REG = re.compile(r"[A-Z0-9]{4,32}")


def fail(step: int, reason: str) -> Fail:
    return Fail(step, STEPS[step - 1], reason)


def strict_json(text: str, step: int) -> Json:
    def pairs(ps: list[tuple[str, Json]]) -> Json:
        if len({k for k, _ in ps}) != len(ps):
            raise fail(step, "duplicate JSON key")
        return dict(ps)

    def no_float(v: str) -> Json:
        raise fail(step, "floating-point number")

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_float=no_float)
    except json.JSONDecodeError as exc:
        raise fail(step, "not JSON") from exc
    if canon(value).decode() != text:
        raise fail(step, "not canonical JSON")
    return value


def b64_strict(text: str, step: int, size: int | None = None) -> bytes:
    try:
        raw = b64decode_strict(text)
    except ValueError as exc:
        raise fail(step, f"not canonical base64: {text[:16]}…") from exc
    if size is not None and len(raw) != size:
        raise fail(step, f"not {size} bytes")
    return raw


def parse_vkey(text: str) -> tuple[str, int, bytes]:
    name, kid, key = text.split("+", 2)
    raw = base64.b64decode(key)
    assert key_id(name, raw[0], raw[1:]).hex() == kid
    return name, raw[0], raw[1:]


def parse_policy(text: str) -> Json:
    """tlog-policy subset: one log line, witness lines, a quorum of one witness or none."""
    policy: Json = {"log": None, "witnesses": {}, "quorum": None}
    for line in text.splitlines():
        words = line.split()
        if words and words[0] == "log":
            policy["log"] = parse_vkey(words[1])
        elif words and words[0] == "witness":
            policy["witnesses"][words[1]] = parse_vkey(words[2])
        elif words and words[0] == "quorum":
            policy["quorum"] = words[1]
    return policy


def parse_note(note: str, step: int) -> Json:
    """A checkpoint note: text (origin, size, base64 root), blank line, signature lines."""
    if "\n\n" not in note or not note.endswith("\n"):
        raise fail(step, "not a signed note")
    text, sigs = note.rsplit("\n\n", 1)
    text += "\n"
    lines = text.split("\n")[:-1]
    if len(lines) != 3 or not DECIMAL.fullmatch(lines[1]):
        raise fail(step, "not a checkpoint (origin, size, root; no extension lines)")
    sig_lines = []
    for line in sigs.split("\n")[:-1]:
        m = re.fullmatch("\u2014 (\\S+) (\\S+)", line)
        if not m:
            raise fail(step, "malformed signature line")
        sig_lines.append((m.group(1), b64_strict(m.group(2), step)))
    return {"text": text, "origin": lines[0], "size": int(lines[1]),
            "root": b64_strict(lines[2], step, 32), "signatures": sig_lines}


def verify_note(cp: Json, policy: Json, step: int) -> Json:
    name, _, pub = policy["log"]
    if cp["origin"] != name:
        raise fail(step, f"origin {cp['origin']} is not the policy's log origin {name}")
    kid = key_id(name, 0x01, pub)
    mine = [s for n, s in cp["signatures"] if n == name and s[:4] == kid]
    if not mine:
        raise fail(step, "no signature by the pinned log key")
    for sig in mine:
        try:
            Ed25519PublicKey.from_public_bytes(pub).verify(sig[4:], cp["text"].encode())
        except InvalidSignature as exc:
            raise fail(step, "the log signature does not verify") from exc
    cosigned = []
    for wname, (_, _, wpub) in sorted(policy["witnesses"].items()):
        wid = key_id(wname, 0x04, wpub)
        for n, sig in cp["signatures"]:
            if n == wname and sig[:4] == wid:
                ts = int.from_bytes(sig[4:12], "big")
                msg = f"cosignature/v1\ntime {ts}\n".encode() + cp["text"].encode()
                try:
                    Ed25519PublicKey.from_public_bytes(wpub).verify(sig[12:], msg)
                except InvalidSignature as exc:
                    # signed-note: a known key's failed signature SHOULD reject the note.
                    raise fail(step, f"the cosignature of {wname} does not verify") from exc
                cosigned.append({"witness": wname, "timestamp": ts})
    quorum = policy["quorum"]
    return {"cosigned": cosigned,
            "quorum_met": quorum == "none" or any(c["witness"] == quorum for c in cosigned)}


def check(receipt: str, policy_text: str, reg: str, trusted: Json = None) -> Json:
    """§14 steps 1-6 in order, stopping at the first failure; then the fields read."""
    steps: dict[str, str] = {}
    try:
        out = _check(receipt, parse_policy(policy_text), reg, trusted, steps)
    except Fail as exc:
        number, name, reason = exc.args
        return {"ok": False, "failed_step": number, "step": name, "reason": reason,
                "steps": steps}
    return {"ok": True, "steps": steps, **out}


MAX_X = 1_048_576  # §14: what the extra data may inflate to


def inflate(data: bytes) -> bytes:
    """§14 step 1: one zlib stream, nothing after it, at most MAX_X bytes inflated."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, MAX_X + 1)
    except zlib.error as exc:
        raise fail(1, f"extra is not a zlib stream ({exc})") from exc
    if len(out) > MAX_X or d.unconsumed_tail:
        raise fail(1, "X inflates past 1,048,576 bytes")
    if not d.eof:
        raise fail(1, "the zlib stream is cut short")
    if d.unused_data:
        raise fail(1, "data after the zlib stream")
    return out


def _check(receipt: str, policy: Json, reg: str, trusted: Json, steps: dict[str, str]) -> Json:
    # 1. format: tlog-proof@v1, X strict canonical JSON of exactly the members, reg asked.
    lines = receipt.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        raise fail(1, "first line is not c2sp.org/tlog-proof@v1")
    if len(lines) < 4 or not lines[1].startswith("extra "):
        raise fail(1, "no extra line (the receipt X)")
    m = re.fullmatch(r"index (\S+)", lines[2])
    if not m or not DECIMAL.fullmatch(m.group(1)):
        raise fail(1, "index line is not 'index <canonical decimal>'")
    index = int(m.group(1))
    path, k = [], 3
    while k < len(lines) and lines[k] != "":
        path.append(b64_strict(lines[k], 1, 32))
        k += 1
    if k >= len(lines):
        raise fail(1, "no empty line before the checkpoint")
    note = "\n".join(lines[k + 1:])
    try:
        x_text = inflate(b64_strict(lines[1][len("extra "):], 1)).decode()
    except UnicodeDecodeError as exc:
        raise fail(1, "extra is not UTF-8") from exc
    x = strict_json(x_text, 1)
    if not isinstance(x, dict) or set(x) != X_MEMBERS:
        raise fail(1, "X does not have exactly the members of §14")
    if x["type"] != "sunshine-receipt" or x["version"] != 2:
        raise fail(1, "X is not a version-2 sunshine-receipt")
    if not isinstance(x["reg"], str) or not REG.fullmatch(x["reg"]):
        raise fail(1, "reg is not a registration number")
    if x["reg"] != reg:
        raise fail(1, f"the receipt is for {x['reg']}, not {reg}")
    for item in x["entries"]:
        if not isinstance(item, dict) or set(item) != {"index", "entry", "proof"}:
            raise fail(1, "an entries item does not have exactly index, entry, proof")
    for item in x["records"]:
        if not isinstance(item, dict) or set(item) != {"ceremony", "index", "size", "record",
                                                       "proof"}:
            raise fail(1, "a records item does not have exactly its five members")
    steps["format"] = "passed"

    # 2. checkpoint: origin, the pinned log key, cosignatures and quorum (reported).
    cp = parse_note(note, 2)
    witnesses = verify_note(cp, policy, 2)
    steps["checkpoint"] = "passed"

    # 3. consistency with a trusted checkpoint, when there is one.
    if trusted is None:
        steps["consistency"] = "not checked"
    else:
        old = parse_note(trusted["checkpoint"], 3)
        if old["size"] > cp["size"]:
            raise fail(3, "rollback: the trusted checkpoint is larger")
        if old["size"] == cp["size"] and old["root"] != cp["root"]:
            raise fail(3, "fork: the same size with another root")
        proof = [b64_strict(h, 3, 32) for h in trusted["consistency_proof"]]
        if old["size"] and not verify_consistency(old["size"], cp["size"], old["root"],
                                                  cp["root"], proof):
            raise fail(3, "the consistency proof does not verify")
        steps["consistency"] = "passed"

    # 4. inclusion of the primary and the supporting entries; their seq, event, reg, school.
    def included(i: int, text: str, proof: list[bytes]) -> Json:
        if not verify_inclusion(i, cp["size"], text.encode(), proof, cp["root"]):
            raise fail(4, f"entry {i} is not included at its index")
        e = strict_json(text, 4)
        if e.get("seq") != i:
            raise fail(4, f"entry at index {i} has seq {e.get('seq')}")
        if e.get("event") != x["event"]:
            raise fail(4, f"entry {i} is of another event")
        return e

    if not isinstance(x["entry"], str):
        raise fail(4, "entry is not text")
    primary = included(index, x["entry"], path)
    ptype, pbody = primary["type"], primary["body"]
    if ptype not in ("lottery_result", "grouping_result", "eligibility_rejections"):
        raise fail(4, f"a {ptype} cannot be a primary entry")
    if ptype != "eligibility_rejections" and pbody["reg"] != reg:
        raise fail(4, "the primary entry does not name reg")
    support, last = [], -1
    for item in x["entries"]:
        i = item["index"]
        if not isinstance(i, int) or i <= last or i == index:
            raise fail(4, "supporting entries not in ascending index, or the primary repeated")
        last = i
        e = included(i, item["entry"], [b64_strict(h, 4, 32) for h in item["proof"]])
        if e["type"] not in SUPPORTING:
            raise fail(4, f"a {e['type']} is not a supporting entry")
        if "reg" in e["body"] and e["body"]["reg"] != reg:
            raise fail(4, f"supporting entry {i} names another reg")
        support.append(e)
    grouping = pbody if ptype == "grouping_result" else next(
        (e["body"] for e in support if e["type"] == "grouping_result"), None)
    for e in support:
        b = e["body"]
        if e["type"] == "matching_result":
            if grouping is None or (b["school"], b["class"]) != (grouping["school"],
                                                                 grouping["class"]):
                raise fail(4, "the matching_result is not the class of the grouping_result")
        elif "school" in b and ptype != "eligibility_rejections" and b["school"] != pbody[
                "school"]:
            raise fail(4, "a supporting entry of another school")
    steps["inclusion"] = "passed"

    # 5. records in the input trees of their ceremonies' seeds.
    seeds = {e["body"]["ceremony"]: e["body"] for e in support if e["type"] == "seed"}
    found: dict[str, list[Json]] = {}
    for item in x["records"]:
        c = item["ceremony"]
        if c == "rejections":
            if ptype != "eligibility_rejections":
                raise fail(5, "a rejection opening without the eligibility_rejections entry")
            root, size = bytes.fromhex(pbody["root"]), pbody["count"]
        elif c in seeds:
            root, size = bytes.fromhex(seeds[c]["input_root"]), seeds[c]["input_size"]
        else:
            raise fail(5, f"no seed entry of ceremony {c} in the receipt")
        if item["size"] != size or not verify_inclusion(
                item["index"], size, item["record"].encode(),
                [b64_strict(h, 5, 32) for h in item["proof"]], root):
            raise fail(5, f"a {c} record is not in the input tree of its ceremony")
        found.setdefault(c, []).append(strict_json(item["record"], 5))
    if ptype == "lottery_result":
        mine = [r for r in found.get("lottery", []) if r["type"] == "applicant"]
        schools = [r for r in found.get("lottery", []) if r["type"] == "school"]
        if len(mine) != 1 or mine[0]["reg"] != reg or mine[0]["school"] != pbody["school"] \
                or mine[0]["unit"] != pbody["unit"]:
            raise fail(5, "the applicant record does not name reg, its school and unit")
        if len(schools) != 1 or schools[0]["id"] != pbody["school"]:
            raise fail(5, "the school record is not the applicant's school")
    if grouping is not None:
        pupils = found.get("grouping", [])
        if len(pupils) != 1 or pupils[0]["reg"] != reg or pupils[0]["school"] != grouping[
                "school"]:
            raise fail(5, "the pupil record does not name reg and its school")
    if ptype == "eligibility_rejections":
        leaf = found.get("rejections", [None])[0]
        if leaf is None or leaf["type"] != "rejection" or leaf["reg"] != reg \
                or leaf["event"] != x["event"]:
            raise fail(5, "the rejection leaf does not name reg")
    steps["records"] = "passed"

    # 6. the number, recomputed from the lottery seed.
    fields = read_fields(x, ptype, pbody, support, found, witnesses, cp)
    if ptype == "lottery_result":
        seed = bytes.fromhex(seeds["lottery"]["seed"])
        num = K(seed, "sunshine-draw/v2/lottery-number", reg).hex()
        unit_num = K(seed, "sunshine-draw/v2/lottery-number", pbody["unit"]).hex()
        if pbody["outcome"] == "admitted" and pbody["cutoff"] is not None \
                and unit_num > pbody["cutoff"]:
            raise fail(6, "admitted with number(unit) above the stage's cutoff")
        fields.update(number=num, unit_number=unit_num)
        steps["number"] = "passed"
    else:
        steps["number"] = "not applicable"
    return {"checkpoint": {"origin": cp["origin"], "size": cp["size"], "root": b64(cp["root"])},
            "witnesses": witnesses, "fields": fields}


def read_fields(x: Json, ptype: str, pbody: Json, support: list[Json], found: Json,
                witnesses: Json, cp: Json) -> Json:
    """§14 'It then reads …', only from what was verified."""
    rounds = sorted(e["body"]["round"] for e in support if e["type"] == "payment_round")
    closed = any(e["type"] == "payments_closed" for e in support)
    forfeits = [{"round": e["body"]["round"], "reason": e["body"]["reason"]}
                for e in support if e["type"] == "forfeit"]
    promo = next(({"round": e["body"]["round"], "waiting": e["body"]["waiting"]}
                  for e in support if e["type"] == "promotion"), None)
    # §7.5: a locked reg is removed from the waiting order (it holds a place elsewhere).
    lock = next(({"round": e["body"]["round"]} for e in support if e["type"] == "lock"), None)
    grouping = pbody if ptype == "grouping_result" else next(
        (e["body"] for e in support if e["type"] == "grouping_result"), None)
    teacher = next(({"id": e["body"]["teacher"], "name": e["body"]["name"]}
                    for e in support if e["type"] == "matching_result"), None)
    f: Json = {"reg": x["reg"], "class": grouping["class"] if grouping else None,
               "teacher": teacher, "rounds_settled": rounds[-1] if rounds else 0,
               "payments_closed": closed}
    if ptype == "eligibility_rejections":
        leaf = found["rejections"][0]
        f.update(status="rejected", school=leaf["school"], rejection_code=leaf["code"])
        return f
    if ptype == "grouping_result":
        f.update(status="grouped", school=pbody["school"],
                 name=found["grouping"][0]["name"])
        return f
    rec = found["lottery"]
    applicant = next(r for r in rec if r["type"] == "applicant")
    sch = next(r for r in rec if r["type"] == "school")
    f.update(school=pbody["school"], school_name=sch["name"], name=applicant["name"],
             outcome=pbody["outcome"], stage=pbody["stage"], rank=pbody["rank"],
             waiting=pbody["waiting"], cutoff=pbody["cutoff"], unit=pbody["unit"],
             forfeits=forfeits, promotion=promo, lock=lock)
    if forfeits:
        status = "forfeited-" + forfeits[0]["reason"]
    elif pbody["outcome"] == "admitted":
        status = "confirmed" if 1 in rounds else "admitted-awaiting-payment"
    elif promo is not None:
        status = "confirmed" if promo["round"] + 1 in rounds else "promoted-awaiting-payment"
    elif pbody["waiting"] is not None and not closed and lock is None:
        status = "waiting"
    else:
        status = "not-admitted"
    f["status"] = status
    return f


# --- the vectors --------------------------------------------------------------------------

def policy_text(log_name: str = ORIGIN, quorum: str = "w1", log_seed: bytes = LOG_SEED) -> str:
    return (f"log {vkey(log_name, 0x01, public(log_seed))}\n"
            f"witness {WITNESS} {vkey(WITNESS, 0x04, public(WITNESS_SEED))}\n"
            f"quorum {quorum if quorum == 'none' else WITNESS}\n")


def flip_b64(text: str, byte: int = 0) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[byte] ^= 0x01
    return b64(bytes(raw))


def resign(s: Json, mutate: Any) -> Json:
    """A log the key holder signed although it is wrong: mutate the entries, re-sign."""
    bad = {**s, "log": Log(), "notes": {}}
    bad["log"].entries = json.loads(json.dumps(s["log"].entries))
    mutate(bad["log"].entries)
    size = len(bad["log"].entries)
    bad["notes"] = {size: signed_checkpoint(ORIGIN, size, mth(bad["log"].leaves()),
                                            posix(bad["log"].entries[-1]["time"]) + 60)}
    return bad


def build(s: Json) -> tuple[Json, dict[str, str]]:
    log: Log = s["log"]
    roles, sizes = s["roles"], sorted(s["notes"])
    final, results_cp = sizes[-1], sizes[2]
    policy = policy_text()
    cases, files = [], {}

    def positive(name: str, role: str, size: int, note: str, trusted: Json = None) -> Json:
        reg = roles[role]
        text = make_receipt(s, reg, size)
        out = check(text, policy, reg, trusted)
        assert out["ok"], (name, out)
        files[name] = text
        c = {"name": name, "note": note, "input": {"reg": reg, "receipt": text,
                                                    "trusted": trusted},
             "expected": out}
        cases.append(c)
        return c

    admitted = positive("admitted", "admitted", final,
                        "admitted in the lottery, paid in round 1 (confirmed), grouped, with "
                        "its head teacher")
    positive("waiting-during-window", "promoted", results_cp,
             "at the checkpoint after the results: waiting, before any payment round")
    positive("not-admitted-after-window", "waiting", final,
             "still waiting when payments_closed came: not admitted")
    positive("promoted-round-1", "promoted", final, "promoted in round 1, confirmed in round 2")
    positive("forfeited-unpaid", "unpaid", final, "forfeited in round 1 (逾期未缴费)")
    positive("forfeited-declined", "declined", final, "gave the place up in round 1 (已放弃)")
    positive("locked-elsewhere", "locked", sizes[3],
             "first in the waiting order, locked to another admission in round 1 (P8): the "
             "lock entry is a supporting entry (§14) and takes it out of the waiting order "
             "(§7.5), so during the window it is not admitted here")
    positive("rejected", "rejected", final,
             "rejected at eligibility: the primary entry is eligibility_rejections and the "
             "records item opens its leaf (only the app server hands it out, §17.2)")
    positive("pupil-with-class-and-teacher", "pupil", final,
             "a pupil placed outside the lottery (P12): primary grouping_result")
    earlier = s["notes"][results_cp]
    cons = {"checkpoint": earlier, "consistency_proof": [
        b64(h) for h in consistency_proof(results_cp, log.leaves(final))]}
    positive("consistent-with-trusted-earlier", "admitted", final,
             "the checker trusts the checkpoint after the results; the consistency proof "
             "verifies", cons)
    positive("same-as-trusted", "admitted", final, "trusted = the same checkpoint",
             {"checkpoint": s["notes"][final], "consistency_proof": []})

    reg = roles["admitted"]
    base = admitted["input"]["receipt"]
    parts = receipt_parts(s, reg, final)
    negatives: list[tuple[str, int, str, str, Json, str]] = []  # name, step, text, reg, trusted

    def neg(name: str, step: int, text: str, note: str, asked: str = reg,
            trusted: Json = None, pol: str = policy) -> None:
        negatives.append((name, step, text, asked, trusted, note, pol))

    def with_x(mutate: Any) -> str:
        return make_receipt(s, reg, final, parts, x_override=mutate)

    lines = base.split("\n")
    neg("bad-header", 1, base.replace("tlog-proof@v1", "tlog-proof@v2", 1), "first line")
    neg("no-extra-line", 1, "\n".join([lines[0], *lines[2:]]), "X is required here")
    neg("index-leading-zero", 1, base.replace(f"index {parts['primary']}",
                                              f"index 0{parts['primary']}", 1), "§1 decimals")
    neg("proof-line-noncanonical-base64", 1,
        base.replace(lines[3], lines[3][:-2] + ("B=" if lines[3][-2] != "B" else "C="), 1),
        "trailing bits")
    x_bytes = zlib.decompress(base64.b64decode(lines[1][len("extra "):]))

    def with_extra(data: bytes) -> str:
        return "\n".join([lines[0], "extra " + b64(data), *lines[2:]])

    neg("extra-not-zlib", 1, with_extra(x_bytes), "canon(X) itself, not compressed")
    neg("extra-data-after-stream", 1, with_extra(zlib.compress(x_bytes, 9) + b"\0"),
        "one byte after the zlib stream")
    neg("extra-stream-cut-short", 1, with_extra(zlib.compress(x_bytes, 9)[:-4]),
        "the Adler-32 check missing")
    neg("extra-adler32-wrong", 1, with_extra(zlib.compress(x_bytes, 9)[:-1] + bytes(
        [zlib.compress(x_bytes, 9)[-1] ^ 1])), "one bit of the Adler-32 check flipped")
    neg("extra-inflates-too-far", 1, with_extra(zlib.compress(b" " * (MAX_X + 1), 9)),
        "a small stream that inflates past the bound")
    neg("extra-not-canonical", 1, with_x(lambda v: json.dumps(v, ensure_ascii=False)
                                         .encode()), "X with whitespace")
    neg("extra-unknown-member", 1, with_x(lambda v: {**v, "comment": "x"}), "§2.3")
    neg("extra-duplicate-key", 1, with_x(lambda v: canon(v).replace(
        b'"type":"sunshine-receipt"', b'"type":"sunshine-receipt","type":"sunshine-receipt"')),
        "§2.3")
    neg("extra-version-1", 1, with_x(lambda v: {**v, "version": 1}), "v1 is refused")
    neg("reg-not-a-registration-number", 1, with_x(lambda v: {**v, "reg": reg.lower() + "x"}),
        "asked with the same bad reg", asked=reg.lower() + "x")
    neg("wrong-reg", 1, base, "a valid receipt, but the family asked about another reg",
        asked=roles["waiting"])
    neg("no-empty-line", 1, base.replace("\n\n", "\n", 1), "tlog-proof@v1")

    other = policy_text(log_name=ORIGIN.replace(EVENT, "other-2026"))
    neg("wrong-origin", 2, base, "the policy is another event's: its log origin differs",
        pol=other)
    sig_line = next(ln for ln in lines if ln.startswith("\u2014 " + ORIGIN))
    name_, sig = sig_line[2:].split(" ")
    neg("bad-log-signature", 2, base.replace(sig_line, f"\u2014 {name_} " + flip_b64(sig, 10)),
        "one bit of the Ed25519 signature flipped")
    other_key = base.replace(s["notes"][final], signed_checkpoint(
        ORIGIN, final, mth(log.leaves(final)), posix(log.entries[-1]["time"]) + 60,
        log_seed=OTHER_LOG_SEED))
    neg("signed-by-another-key", 2, other_key, "same name, another key: no signature by the "
                                               "pinned key")
    cos_line = next(ln for ln in lines if ln.startswith("\u2014 " + WITNESS))
    wname, wsig = cos_line[2:].split(" ")
    neg("bad-cosignature", 2, base.replace(cos_line, f"\u2014 {wname} " + flip_b64(wsig, 20)),
        "a known witness's cosignature fails: the whole note is rejected (signed-note SHOULD)")
    neg("extension-line", 2, base.replace(s["notes"][final], s["notes"][final].replace(
        "\n\n", "\nextension\n\n", 1)), "v2 checkpoints carry no extension lines (reading)")

    waiting_text = files["waiting-during-window"]
    neg("rollback", 3, waiting_text, "the checker trusts the final checkpoint; the receipt's "
                                     "is smaller", asked=roles["promoted"],
        trusted={"checkpoint": s["notes"][final], "consistency_proof": []})
    forked = resign(s, lambda es: es[-1].update(time="2026-08-21T03:12:00Z"))
    neg("fork-same-size", 3, base, "trusted: a checkpoint of the same size, another root, "
                                   "signed by the log key",
        trusted={"checkpoint": forked["notes"][final], "consistency_proof": []})
    neg("bad-consistency-proof", 3, base, "one hash of the consistency proof flipped",
        trusted={**cons, "consistency_proof": [flip_b64(cons["consistency_proof"][0]),
                                               *cons["consistency_proof"][1:]]})

    neg("bad-primary-inclusion", 4, base.replace(lines[3], flip_b64(lines[3]), 1),
        "one hash of the primary proof flipped")
    neg("bad-supporting-inclusion", 4, with_x(lambda v: {**v, "entries": [
        {**v["entries"][0], "proof": [flip_b64(v["entries"][0]["proof"][0]),
                                      *v["entries"][0]["proof"][1:]]}, *v["entries"][1:]]}),
        "the seed entry's proof")
    neg("primary-entry-edited", 4, with_x(lambda v: {**v, "entry": v["entry"].replace(
        '"outcome":"admitted"', '"outcome":"not_admitted"', 1)}),
        "the outcome changed in transit")
    bias = next(e["seq"] for e in log.entries if e["type"] == "bias_audit")
    neg("disallowed-entry-type", 4, make_receipt(s, reg, final, {
        **parts, "entries": sorted([*parts["entries"], bias])}), "a bias_audit is not a "
                                                                   "supporting entry")
    unpaid_forfeit = next(e["seq"] for e in log.entries if e["type"] == "forfeit"
                          and e["body"]["reg"] == roles["unpaid"])
    neg("supporting-entry-of-another-reg", 4, make_receipt(s, reg, final, {
        **parts, "entries": sorted([*parts["entries"], unpaid_forfeit])}),
        "another applicant's forfeit")
    other_match = next(e["seq"] for e in log.entries if e["type"] == "matching_result"
                       and e["body"]["school"] == "S002")
    neg("matching-of-another-class", 4, make_receipt(s, reg, final, {
        **parts, "entries": sorted([*parts["entries"], other_match])}),
        "S002's head teacher")
    other_result = next(e["seq"] for e in log.entries if e["type"] == "lottery_result"
                        and e["body"]["reg"] == roles["unpaid"])
    neg("primary-of-another-reg", 4, make_receipt(s, reg, final, {
        **parts, "primary": other_result}), "the primary entry names another reg")
    neg("entries-not-ascending", 4, make_receipt(s, reg, final, {
        **parts, "entries": list(reversed(parts["entries"]))}), "order of entries")
    bad_seq = resign(s, lambda es: next(e for e in es if e["type"] == "lottery_result"
                                        and e["body"]["reg"] == reg).update(seq=0))
    neg("seq-not-index", 4, make_receipt(bad_seq, reg, len(bad_seq["log"].entries)),
        "a log whose entry at this index says seq 0, signed by the log key")

    lot = s["inputs"]["lottery"]
    mine = next(r for r in lot if r.get("reg") == reg)
    neg("record-edited", 5, with_x(lambda v: {**v, "records": [
        {**v["records"][0], "record": v["records"][0]["record"].replace(
            mine["name"], "张*三")}, *v["records"][1:]]}), "the masked name changed")
    other_rec = next(r for r in lot if r.get("reg") == roles["unpaid"])
    neg("record-of-another-applicant", 5, make_receipt(s, reg, final, {
        **parts, "records": [record_item("lottery", lot, other_rec), *parts["records"][1:]]}),
        "a valid inclusion of another applicant's record")
    s002 = next(r for r in lot if r.get("id") == "S002")
    neg("school-record-of-another-school", 5, make_receipt(s, reg, final, {
        **parts, "records": [parts["records"][0], record_item("lottery", lot, s002),
                             *parts["records"][2:]]}), "S002's record")
    lot_seed = next(e["seq"] for e in log.entries if e["type"] == "seed"
                    and e["body"]["ceremony"] == "lottery")
    neg("seed-missing", 5, make_receipt(s, reg, final, {
        **parts, "entries": [i for i in parts["entries"] if i != lot_seed]}),
        "the lottery seed is not in the receipt")
    neg("record-size-not-seed-size", 5, with_x(lambda v: {**v, "records": [
        {**v["records"][0], "size": v["records"][0]["size"] + 1}, *v["records"][1:]]}),
        "size differs from the seed entry's input_size")
    rej = roles["rejected"]
    rparts = receipt_parts(s, rej, final)
    other_leaf = next(i for i, leaf in enumerate(s["rejection_leaves"])
                      if json.loads(leaf)["reg"] != rej)
    leaves = s["rejection_leaves"]
    neg("rejection-leaf-of-another-reg", 5, make_receipt(s, rej, final, {
        **rparts, "records": [{"ceremony": "rejections", "index": other_leaf,
                               "size": len(leaves), "record": leaves[other_leaf].decode(),
                               "proof": [b64(h) for h in inclusion_path(other_leaf, leaves)]}]}),
        "another family's rejection", asked=rej)

    def lower_cutoff(es: list[Json]) -> None:
        e = next(e for e in es if e["type"] == "lottery_result" and e["body"]["reg"] == reg)
        e["body"]["cutoff"] = "00" * 32

    above = resign(s, lower_cutoff)
    neg("admitted-above-cutoff", 6, make_receipt(above, reg, len(above["log"].entries)),
        "a signed log whose result says admitted with a cutoff below number(unit)")
    cutoff = next(e["body"]["cutoff"] for e in log.entries if e["type"] == "lottery_result"
                  and e["body"]["reg"] == reg)
    fake = next(h for h in (hashlib.sha256(f"replaced seed {i}".encode()).digest()
                            for i in range(100))
                if K(h, "sunshine-draw/v2/lottery-number", reg).hex() > cutoff)

    def replace_seed(es: list[Json]) -> None:
        next(e for e in es if e["type"] == "seed"
             and e["body"]["ceremony"] == "lottery")["body"]["seed"] = fake.hex()

    swapped = resign(s, replace_seed)
    neg("number-mismatch", 6, make_receipt(swapped, reg, len(swapped["log"].entries)),
        "a signed log whose lottery seed was replaced: number(unit) no longer within the cutoff")

    for name, step, text, asked, trusted, note, pol in negatives:
        out = check(text, pol, asked, trusted)
        assert not out["ok"] and out["failed_step"] == step, (name, out)
        c = {"name": "reject-" + name, "note": note,
             "input": {"reg": asked, "receipt": text, "trusted": trusted}}
        if pol != policy:
            c["input"]["policy"] = pol
        c["expected"] = out
        cases.append(c)
    no_quorum = base.replace(cos_line + "\n", "")
    out = check(no_quorum, policy, reg)
    assert out["ok"] and not out["witnesses"]["quorum_met"]
    cases.append({"name": "no-cosignature-quorum-not-met", "note": (
        "the witness's cosignature is missing: the receipt verifies, and the checker reports "
        "that the policy's quorum is not met (§14 step 2: reported)"),
        "input": {"reg": reg, "receipt": no_quorum, "trusted": None}, "expected": out})
    doc = {
        "version": 2, "generator": GENERATOR,
        "spec": "PROTOCOL.md v2 §11, §12, §14, §17.2; C2SP tlog-proof@v1, signed-note, "
                "tlog-checkpoint, tlog-cosignature/v1, tlog-policy",
        "description": (
            "Family receipts over the log in receipt_log/ (policy: receipt_log/policy). "
            "Each case: input.reg (what the family asked about), input.receipt (the exact "
            "c2sp.org/tlog-proof@v1 text), input.trusted (null, or a checkpoint the checker "
            "trusts with the consistency proof to the receipt's), input.policy when not "
            "receipt_log/policy. expected: ok, the status of each §14 step (passed / not "
            "checked / not applicable), and either the checkpoint, the witnesses and the "
            "fields read, or failed_step (1-6) with the step's name and reason."),
        "notes": [
            "Keys are test keys: Ed25519 seeds sha256('vector log key') (log, key name = the "
            "rules' origin), sha256('vector witness key') (witness " + WITNESS + ", "
            "cosignature type 0x04) and sha256('vector other log key') (an impostor).",
            "Cosignature timestamps are the POSIX time of the checkpoint's last entry + 60.",
            "Supporting entries: the seed of each ceremony whose record or result the receipt "
            "holds (the teachers seed when a matching_result is included), every "
            "payment_round and payments_closed for lottery applicants only, forfeit/lock/"
            "promotion naming reg, grouping_result and the matching_result of its class.",
            "A rejection receipt: the records item with ceremony 'rejections' is checked "
            "against the primary eligibility_rejections' root and count; the leaf (not the "
            "primary entry) names reg.",
            "Entry-order, duplicate-index and primary-repeated errors in X.entries fail step 4.",
            "A known witness's cosignature that fails to verify rejects the note (signed-note "
            "SHOULD); a missing cosignature only leaves the quorum unmet (reported).",
            "status: admitted-awaiting-payment, confirmed, forfeited-unpaid, "
            "forfeited-declined, promoted-awaiting-payment, waiting, not-admitted, rejected, "
            "grouped (reading of §14's list).",
            "`lock` is a supporting entry (§14); fields.lock is null or {round} for a lottery "
            "applicant, and a locked applicant is out of the waiting order (§7.5): "
            "not-admitted here, never waiting (case locked-elsewhere).",
            "Negative receipts named *-above-cutoff, number-mismatch, seq-not-index and "
            "fork-same-size come from logs the log key signed although they are wrong; they "
            "are not in receipt_log/.",
        ],
        "keys": {"log_vkey": vkey(ORIGIN, 0x01, public(LOG_SEED)),
                 "log_seed": LOG_SEED.hex(),
                 "witness_vkey": vkey(WITNESS, 0x04, public(WITNESS_SEED)),
                 "witness_seed": WITNESS_SEED.hex(), "policy": policy},
        "log": {"origin": ORIGIN, "size": final, "checkpoints": sizes,
                "roles": roles, "root": mth(log.leaves(final)).hex()},
        "cases": cases,
    }
    return doc, files


def write_log(s: Json, files: dict[str, str], out: Path) -> None:
    d = out / "receipt_log"
    if d.exists():
        shutil.rmtree(d)
    (d / "checkpoints").mkdir(parents=True)
    (d / "keys").mkdir()
    (d / "receipts").mkdir()
    log: Log = s["log"]
    (d / "entries.jsonl").write_text("".join(text_of(e) + "\n" for e in log.entries),
                                     encoding="utf-8")
    for size, note in s["notes"].items():
        (d / "checkpoints" / f"{size}.note").write_text(note, encoding="utf-8")
    (d / "keys" / "log.vkey").write_text(vkey(ORIGIN, 0x01, public(LOG_SEED)) + "\n")
    (d / "keys" / f"witness-{WITNESS}.vkey").write_text(
        vkey(WITNESS, 0x04, public(WITNESS_SEED)) + "\n")
    (d / "policy").write_text(policy_text())
    (d / "openings.jsonl").write_text("".join(canon(o).decode() + "\n" for o in s["openings"]),
                                      encoding="utf-8")
    for name, text in files.items():
        (d / "receipts" / f"{name}.tlog-proof").write_text(text, encoding="utf-8")
    (d / "README.md").write_text(
        "# receipt_log: a small complete version-2 log (test keys)\n\n"
        f"Written by `{GENERATOR}` from PROTOCOL.md v2 alone; do not edit by hand.\n\n"
        "- `entries.jsonl`: every entry, canonical JSON and a newline, in seq order (§13)\n"
        "- `checkpoints/<size>.note`: signed checkpoints with the witness cosignature (§12)\n"
        "- `keys/`: the log's and the witness's verifier keys; `policy`: tlog-policy\n"
        "- `openings.jsonl`: the sealed openings (§17.3); a real event never publishes them\n"
        "- `receipts/*.tlog-proof`: the positive receipts of receipts.json (§14)\n\n"
        "The keys are test keys derived from fixed strings (see receipts.json `notes`).\n",
        encoding="utf-8")


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    s = season()
    doc, files = build(s)
    (out / "receipts.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
    write_log(s, files, out)


if __name__ == "__main__":
    main()
