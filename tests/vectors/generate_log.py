"""Reference generator for log_entries.json: PROTOCOL.md v2 §11.1, §11.2, §2.

For every entry type of §11.2: one valid body with its canonical entry bytes and
RFC 9162 leaf hash; invalid entries (missing or unknown member, wrong JSON type,
bad hex or base64, out-of-range values, bad enums, floats, duplicate keys,
non-canonical text, v1 envelopes) each with the reason; and the input_records
part-splitting rule (at most 250 records, entry below 65,536 bytes). The
validator below is a transcription of the §11.2 table; no lottery_service, no
verifier.

    .venv/bin/python tests/vectors/generate_log.py [OUT_DIR]
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from generate_allocation import build as allocation_build
from generate_ceremony import (
    WORKED_RULES,
    applicant,
    b64,
    b64decode_strict,
    canon,
    leaf_hash,
    mth,
    rules_hash,
    school,
    seed_vectors,
)

Json = Any
GENERATOR = "tests/vectors/generate_log.py"
ENTRY_LIMIT = 65_536  # §11.1: an entry MUST be below this many bytes
PART_RECORDS = 250  # §11.1: at most 250 records per input_records part


class Invalid(Exception):
    """args = (section, reason)."""


# --- §1 value syntax ---------------------------------------------------------------------

PATTERNS = {
    "event": r"[a-z0-9][a-z0-9-]{0,62}",
    "reg": r"[A-Z0-9]{4,32}",
    "id": r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
    "hex32": r"[0-9a-f]{64}",
    "hex": r"(?:[0-9a-f]{2})+",
}


def need(cond: bool, section: str, reason: str) -> None:
    if not cond:
        raise Invalid(section, reason)


def is_int(v: Json) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def pattern(name: str) -> Any:
    def check(v: Json, where: str) -> None:
        need(isinstance(v, str) and re.fullmatch(PATTERNS[name], v) is not None, "§1",
             f"{where}: not a {name}")
    return check


def integer(low: int = 0) -> Any:
    def check(v: Json, where: str) -> None:
        need(is_int(v), "§2.1", f"{where}: not an integer")
        need(v >= low, "§11.2", f"{where}: below {low}")
    return check


def boolean(v: Json, where: str) -> None:
    need(isinstance(v, bool), "§11.2", f"{where}: not a boolean")


def text(v: Json, where: str) -> None:
    need(isinstance(v, str) and v != "", "§11.2", f"{where}: not a non-empty string")


def enum(*values: Json) -> Any:
    def check(v: Json, where: str) -> None:
        need(v in values and not isinstance(v, bool), "§11.2",
             f"{where}: not one of {', '.join(map(str, values))}")
    return check


def time(v: Json, where: str) -> None:
    ok = isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", v) is not None
    if ok:
        try:
            datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            ok = False
    need(ok, "§1", f"{where}: not a time YYYY-MM-DDTHH:MM:SSZ")


def day(v: Json, where: str) -> None:
    ok = isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v) is not None
    if ok:
        try:
            date.fromisoformat(v)
        except ValueError:
            ok = False
    need(ok, "§1", f"{where}: not a date")


def clock(v: Json, where: str) -> None:
    need(isinstance(v, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v) is not None, "§1",
         f"{where}: not a clock time HH:MM")


def b64_bytes(n: int) -> Any:
    def check(v: Json, where: str) -> None:
        try:
            raw = b64decode_strict(v) if isinstance(v, str) else None
        except ValueError:
            raw = None
        need(raw is not None, "§1", f"{where}: not canonical base64")
        need(raw is not None and (n == 0 or len(raw) == n), "§11.2",
             f"{where}: not {n} bytes")
    return check


def nullable(inner: Any) -> Any:
    def check(v: Json, where: str) -> None:
        if v is not None:
            inner(v, where)
    return check


def array(inner: Any, nonempty: bool = False) -> Any:
    def check(v: Json, where: str) -> None:
        need(isinstance(v, list), "§11.2", f"{where}: not an array")
        need(not nonempty or bool(v), "§11.2", f"{where}: empty")
        for i, item in enumerate(v):
            inner(item, f"{where}[{i}]")
    return check


def obj(schema: dict[str, Any], section: str = "§11.2") -> Any:
    """Every member listed is required; no other member is allowed (§11.2, §2.3)."""
    def check(v: Json, where: str) -> None:
        need(isinstance(v, dict), section, f"{where}: not an object")
        missing, unknown = set(schema) - set(v), set(v) - set(schema)
        need(not missing, section, f"{where}: missing member {', '.join(sorted(missing))}")
        need(not unknown, "§2.3", f"{where}: unknown member {', '.join(sorted(unknown))}")
        for member, inner in schema.items():
            inner(v[member], f"{where}.{member}")
    return check


HEX32, REG, ID, EVENT = pattern("hex32"), pattern("reg"), pattern("id"), pattern("event")
CEREMONY = enum("lottery", "grouping", "teachers")
PHASE = enum("registration", "lottery_ceremony", "payment", "cohort", "grouping_ceremony",
             "teachers", "teacher_ceremony")
STAGE = enum("direct", "community", "district", "city")
ROUND = integer(1)
COUNT = integer(0)
RECORDS = {  # §3.2
    "school": obj({"type": enum("school"), "id": ID, "name": text, "district": ID,
                   "authority": enum("city", "district"), "tuition": COUNT, "quota": COUNT,
                   "community_quota": COUNT, "nine_year": boolean}),
    "applicant": obj({"type": enum("applicant"), "reg": REG, "name": text, "school": ID,
                      "district": ID, "reg_day": day, "direct": boolean, "community": boolean,
                      "unit": REG, "attrs": HEX32}),
    "pupil": obj({"type": enum("pupil"), "reg": REG, "name": text, "school": ID,
                  "attrs": HEX32,
                  "siblings": nullable(obj({"group": ID, "mode": enum("together", "apart")})),
                  "same_name": nullable(ID)}),
    "class-plan": obj({"type": enum("class-plan"), "school": ID, "name": text, "classes": array(
        obj({"id": ID, "capacity": integer(1)}), nonempty=True)}),
    "teacher": obj({"type": enum("teacher"), "school": ID, "id": ID, "name": text}),
}


def record(v: Json, where: str) -> None:
    need(isinstance(v, dict) and v.get("type") in RECORDS, "§3.2", f"{where}: unknown record")
    RECORDS[v["type"]](v, where)


def rules(v: Json, where: str) -> None:
    try:
        rules_hash(v)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Invalid("§3.1", f"{where}: {exc}") from exc


PARTICIPANT = obj({"id": ID, "role": enum("notary", "supervisor", "parent-rep", "bureau")})
STAGE_SUMMARY = obj({"stage": STAGE, "seats": COUNT, "applicants": COUNT, "admitted": COUNT,
                     "lottery": boolean, "cutoff": nullable(HEX32)})
DIMENSION = obj({"dimension": enum("district", "gender", "reg_day"), "df": COUNT,
                 "chi2_milli": COUNT, "p_ppm": COUNT, "flag": boolean, "testable": boolean,
                 "values": array(obj({"value": text, "applicants": COUNT, "winners": COUNT,
                                      "expected_milli": COUNT}))})


def counts(v: Json, where: str) -> None:
    need(isinstance(v, dict), "§11.2", f"{where}: not an object")
    for k, n in v.items():
        ID(k, f"{where} key")
        COUNT(n, f"{where}.{k}")


BODIES: dict[str, Any] = {  # §11.2, row by row
    "event_created": obj({"rules": rules, "rules_hash": HEX32}),
    "window_set": obj({"phase": PHASE, "opens": time, "closes": time,
                       "daily": nullable(obj({"from": clock, "to": clock}))}),
    "window_removed": obj({"phase": PHASE}),
    "rehearsal_recorded": obj({"event": EVENT, "origin": text, "size": COUNT, "root": HEX32,
                               "key": text}),
    "locks_recorded": obj({"count": COUNT}),
    "ceremony_opened": obj({"ceremony": CEREMONY, "participants": array(PARTICIPANT),
                            "participants_hash": HEX32, "escrow_key": b64_bytes(32),
                            "physical_entropy_by": nullable(time),
                            "beacon_round": nullable(integer(1))}),
    "eligibility_rejections": obj({"count": COUNT, "root": HEX32}),
    "input_records": obj({"ceremony": CEREMONY, "records": array(record, nonempty=True)}),
    "input_frozen": obj({"ceremony": CEREMONY, "root": HEX32, "size": COUNT}),
    "input_withdrawn": obj({"ceremony": CEREMONY, "reason": text}),
    "commitment": obj({"ceremony": CEREMONY, "participant": ID, "commitment": HEX32,
                       "escrow": b64_bytes(80)}),
    "commitments_closed": obj({"ceremony": CEREMONY}),
    "reveal": obj({"ceremony": CEREMONY, "participant": ID, "secret": HEX32}),
    "escrow_opened": obj({"ceremony": CEREMONY, "participant": ID, "secret": HEX32}),
    "contribution_void": obj({"ceremony": CEREMONY, "participant": ID, "reason": enum(
        "no-commitment", "escrow-invalid", "escrow-holder-absent")}),
    "physical_entropy": obj({"ceremony": CEREMONY, "witness": ID,
                             "values": array(enum(1, 2, 3, 4, 5, 6), nonempty=True)}),
    "beacon_postponed": obj({"ceremony": CEREMONY, "reason": enum(
        "physical-entropy-late", "round-not-published"), "round": integer(1),
        "physical_entropy_by": time, "beacon_round": integer(1)}),
    "beacon": obj({"ceremony": CEREMONY, "chain": HEX32, "round": integer(1),
                   "randomness": HEX32, "signature": pattern("hex")}),
    "seed": obj({"ceremony": CEREMONY, "seed": HEX32, "input_root": HEX32,
                 "input_size": COUNT}),
    "escrow_key_released": obj({"ceremony": CEREMONY, "private_key": b64_bytes(32)}),
    "lottery_summary": obj({"school": ID, "name": text, "quota": COUNT, "applicants": COUNT,
                            "admitted": COUNT, "returned_to_bureau": COUNT,
                            "stages": array(STAGE_SUMMARY, nonempty=True)}),
    "lottery_result": obj({"school": ID, "reg": REG, "unit": REG,
                           "outcome": enum("admitted", "not_admitted"), "stage": STAGE,
                           "rank": integer(1), "waiting": nullable(integer(1)),
                           "cutoff": nullable(HEX32)}),
    "bias_audit": obj({"dimensions": array(DIMENSION)}),
    "forfeit": obj({"round": ROUND, "reg": REG, "school": ID,
                    "reason": enum("unpaid", "declined")}),
    "lock": obj({"round": ROUND, "reg": REG}),
    "payment_round": obj({"round": ROUND, "forfeits": COUNT, "locks": COUNT}),
    "promotion": obj({"round": ROUND, "school": ID, "reg": REG, "unit": REG,
                      "waiting": integer(1)}),
    "promotions": obj({"round": ROUND, "school": ID, "freed": COUNT, "promoted": COUNT,
                       "returned_to_bureau": COUNT}),
    "payments_closed": obj({"rounds": COUNT}),
    "grouping_summary": obj({"school": ID, "exchanges": COUNT, "classes": array(obj({
        "class": ID, "pupils": COUNT, "genders": obj({"F": COUNT, "M": COUNT}),
        "strata": counts}), nonempty=True)}),
    "grouping_result": obj({"school": ID, "reg": REG, "class": ID}),
    "matching_result": obj({"school": ID, "class": ID, "teacher": ID, "name": text}),
    "notifications_sent": obj({"topic": enum("draw", "payment_reminder", "promotion",
                                             "forfeit", "class"),
                               "round": nullable(ROUND), "messages": COUNT}),
    "correction": obj({"refers_to": COUNT, "reason": text}),
    "published": obj({"ceremony": CEREMONY}),
}


def body_rules(kind: str, body: Json) -> None:
    """Cross-member rules §11.2 states beside the table."""
    if kind == "window_set":
        need(body["closes"] > body["opens"], "§11.3", "closes is after opens")
    if kind == "notifications_sent":
        need((body["round"] is not None) == (body["topic"] in ("promotion", "forfeit")),
             "§11.2", "round is set exactly for topics promotion and forfeit")


def no_duplicates(pairs: list[tuple[str, Json]]) -> Json:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Invalid("§2.1", "duplicate key")
    return dict(pairs)


def reject_float(s: str) -> Json:
    raise Invalid("§2.1", f"floating-point number {s}")


def bounded_int(s: str) -> int:
    n = int(s)
    if abs(n) > 2**53 - 1:
        raise Invalid("§2.1", f"integer {s} outside ±(2^53 − 1)")
    return n


def reject_constant(s: str) -> Json:
    raise Invalid("§2.1", f"not JSON: {s}")


def parse_entry(line: str) -> Json:
    """§11.1 and §2.3: strict JSON, canonical bytes, the envelope, then the body."""
    try:
        entry = json.loads(line, object_pairs_hook=no_duplicates, parse_float=reject_float,
                           parse_int=bounded_int, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        raise Invalid("§2.1", f"not JSON: {exc.msg}") from exc
    need(canon(entry) == line.encode(), "§2.3", "not the canonical encoding")
    need(len(line.encode()) < ENTRY_LIMIT, "§11.1", "entry of 65,536 bytes or more")
    need(isinstance(entry, dict), "§11.1", "an entry is an object")
    if entry.get("v") == 1:
        raise Invalid("preamble", "version 1 is not supported")
    obj({"v": enum(2), "event": EVENT, "seq": COUNT, "time": time, "type": text,
         "body": lambda v, w: None}, "§11.1")(entry, "entry")
    need(entry["type"] in BODIES, "§2.3", f"unknown entry type {entry['type']}")
    BODIES[entry["type"]](entry["body"], "body")
    body_rules(entry["type"], entry["body"])
    return entry


# --- the valid bodies --------------------------------------------------------------------

def valid_bodies() -> list[tuple[str, Json]]:
    seed_case = seed_vectors()["cases"][0]["expected"]
    ceremony = {b["type"]: b["body"] for b in seed_case["log_bodies"]}
    alloc = next(c for c in allocation_build()["cases"] if c["name"] == "worked")["expected"]
    first = {}
    for e in alloc["entries"]:
        first.setdefault(e["type"], e["body"])
    rehearsal_origin = "draw.example.cn/yunyan/rehearsal/demo-2026-mock"
    return [
        ("event_created", {"rules": WORKED_RULES, "rules_hash": rules_hash(WORKED_RULES).hex()}),
        ("window_set", {"phase": "registration", "opens": "2026-06-11T00:00:00Z",
                        "closes": "2026-06-20T16:00:00Z",
                        "daily": {"from": "08:00", "to": "00:00"}}),
        ("window_removed", {"phase": "cohort"}),
        ("rehearsal_recorded", {"event": "demo-2026-mock", "origin": rehearsal_origin,
                                "size": 42, "root": mth([b"rehearsal"]).hex(),
                                "key": rehearsal_origin + "+0a1b2c3d+" + b64(b"\x01" + bytes(32))}),
        ("locks_recorded", {"count": 3}),
        ("ceremony_opened", ceremony["ceremony_opened"]),
        ("eligibility_rejections", ceremony["eligibility_rejections"]),
        ("input_records", {"ceremony": "lottery", "records": [
            school("S001", "阳光实验学校", quota=2), applicant("2026000001", "李*", "M")]}),
        ("input_frozen", ceremony["input_frozen"]),
        ("input_withdrawn", {"ceremony": "lottery", "reason": "学校计划数有误，重新导入"}),
        ("commitment", ceremony["commitment"]),
        ("commitments_closed", ceremony["commitments_closed"]),
        ("reveal", ceremony["reveal"]),
        ("escrow_opened", {**ceremony["reveal"]}),
        ("contribution_void", {"ceremony": "lottery", "participant": "parent-rep-1",
                               "reason": "no-commitment"}),
        ("physical_entropy", ceremony["physical_entropy"]),
        ("seed", ceremony["seed"]),
        ("escrow_key_released", {"ceremony": "lottery",
                                 "private_key": b64(bytes(range(1, 33)))}),
        ("lottery_summary", first["lottery_summary"]),
        ("lottery_result", first["lottery_result"]),
        ("bias_audit", {"dimensions": [{"dimension": "district", "df": 0, "chi2_milli": 0,
                                        "p_ppm": 1000000, "flag": False, "testable": False,
                                        "values": [{"value": "D01", "applicants": 3,
                                                    "winners": 1, "expected_milli": 1000}]}]}),
        ("forfeit", first["forfeit"]),
        ("lock", {"round": 1, "reg": "2026000004"}),
        ("payment_round", first["payment_round"]),
        ("promotion", first["promotion"]),
        ("promotions", first["promotions"]),
        ("payments_closed", first["payments_closed"]),
        ("grouping_summary", {"school": "S001", "exchanges": 0, "classes": [
            {"class": "01", "pupils": 2, "genders": {"F": 1, "M": 1}, "strata": {"sen": 1}},
            {"class": "02", "pupils": 1, "genders": {"F": 1, "M": 0}, "strata": {"sen": 0}}]}),
        ("grouping_result", {"school": "S001", "reg": "2026000001", "class": "01"}),
        ("matching_result", {"school": "S001", "class": "01", "teacher": "T0003",
                             "name": "张*"}),
        ("notifications_sent", {"topic": "promotion", "round": 1, "messages": 1}),
        ("correction", {"refers_to": 5, "reason": "公告中学校名称有误"}),
        ("published", {"ceremony": "lottery"}),
    ]


def entry(seq: int, kind: str, body: Json, when: str = "2026-07-01T02:00:00Z",
          event: str = "demo-2026") -> Json:
    return {"v": 2, "event": event, "seq": seq, "time": when, "type": kind, "body": body}


def valid_cases() -> list[Json]:
    out = []
    for seq, (kind, body) in enumerate(valid_bodies()):
        text_ = canon(entry(seq, kind, body)).decode()
        parse_entry(text_)
        out.append({"name": kind, "type": kind, "body": body, "entry": text_,
                    "leaf_hash": leaf_hash(text_.encode()).hex()})
    return out


def invalid_cases() -> list[Json]:
    good = {kind: body for kind, body in valid_bodies()}

    def e(kind: str, body: Json, **env: Json) -> str:
        return canon({**entry(7, kind, body), **env}).decode()

    def without(d: Json, key: str) -> Json:
        return {k: v for k, v in d.items() if k != key}

    forfeit, seed = good["forfeit"], good["seed"]
    big = 2**53
    cases = [
        ("missing-member", e("forfeit", without(forfeit, "reason"))),
        ("unknown-member", e("lock", {**good["lock"], "school": "S001"})),
        ("wrong-json-type", e("payment_round", {**good["payment_round"], "forfeits": "1"})),
        ("boolean-for-integer", e("payment_round", {**good["payment_round"], "locks": False})),
        ("hex-upper-case", e("seed", {**seed, "seed": seed["seed"].upper()})),
        ("hex-63-characters", e("seed", {**seed, "seed": seed["seed"][:63]})),
        ("hex-31-bytes", e("input_frozen", {**good["input_frozen"],
                                           "root": good["input_frozen"]["root"][:62]})),
        ("round-0", e("forfeit", {**forfeit, "round": 0})),
        ("negative-count", e("locks_recorded", {"count": -1})),
        ("die-7", e("physical_entropy", {**good["physical_entropy"],
                                         "values": [7, *good["physical_entropy"]["values"][1:]]})),
        ("bad-enum-forfeit-reason", e("forfeit", {**forfeit, "reason": "late"})),
        ("bad-enum-void-reason", e("contribution_void", {**good["contribution_void"],
                                                         "reason": "sick"})),
        ("bad-enum-phase", e("window_set", {**good["window_set"], "phase": "holiday"})),
        ("bad-enum-stage", e("lottery_result", {**good["lottery_result"], "stage": "lottery"})),
        ("reg-lower-case", e("lock", {"round": 1, "reg": "2026abc1"})),
        ("escrow-noncanonical-base64", e("commitment", {
            **good["commitment"], "escrow": good["commitment"]["escrow"][:-2] + "B="})),
        ("escrow-key-31-bytes", e("escrow_key_released", {"ceremony": "lottery",
                                                          "private_key": b64(bytes(31))})),
        ("time-without-zone", e("window_set", {**good["window_set"],
                                               "opens": "2026-06-11T00:00:00"})),
        ("time-invalid-date", e("window_set", {**good["window_set"],
                                               "opens": "2026-02-30T00:00:00Z"})),
        ("clock-24-00", e("window_set", {**good["window_set"],
                                         "daily": {"from": "08:00", "to": "24:00"}})),
        ("window-closes-before-opens", e("window_set", {**good["window_set"],
                                                        "closes": "2026-06-10T00:00:00Z"})),
        ("notification-round-for-draw", e("notifications_sent", {"topic": "draw", "round": 1,
                                                                 "messages": 3})),
        ("empty-withdrawal-reason", e("input_withdrawn", {"ceremony": "lottery", "reason": ""})),
        ("empty-input-records", e("input_records", {"ceremony": "lottery", "records": []})),
        ("record-with-unknown-member", e("input_records", {"ceremony": "lottery", "records": [
            {**applicant("2026000001", "李*", "M"), "gender": "M"}]})),
        ("unknown-entry-type", e("comment", {"text": "hello"})),
        ("envelope-version-1", e("lock", good["lock"], v=1)),
        ("envelope-missing-time", canon(without(entry(7, "lock", good["lock"]), "time"))
         .decode()),
        ("envelope-seq-string", e("lock", good["lock"], seq="7")),
        ("integer-2^53", canon({**entry(7, "locks_recorded", {"count": 0})}).decode()
         .replace('"count":0', f'"count":{big}')),
        ("float", e("locks_recorded", {"count": 3}).replace('"count":3', '"count":3.0')),
        ("duplicate-key", e("lock", good["lock"]).replace('"round":1', '"round":1,"round":2')),
        ("not-canonical-whitespace", e("lock", good["lock"]).replace(",", ", ")),
        ("not-canonical-key-order", json.dumps(entry(7, "lock", good["lock"]),
                                               separators=(",", ":"))),
        ("rules-version-1", e("event_created", {**good["event_created"], "rules": {
            **WORKED_RULES, "version": 1}})),
    ]
    out = []
    for name, line in cases:
        try:
            parse_entry(line)
        except Invalid as exc:
            section, reason = exc.args
        else:
            raise AssertionError(f"{name} was accepted")
        out.append({"name": name, "entry": line, "error": {"section": section,
                                                            "reason": reason}})
    return out


# --- §11.1 input_records parts -----------------------------------------------------------

def split_parts(records: list[Json], event: str, first_seq: int, when: str,
                ceremony: str) -> list[list[Json]]:
    """Records in leaf order; a new part at 250 records or when the next record would make
    the entry reach 65,536 bytes."""
    ordered = sorted(records, key=canon)
    parts: list[list[Json]] = [[]]
    for r in ordered:
        trial = [*parts[-1], r]
        seq = first_seq + len(parts) - 1
        size = len(canon(entry(seq, "input_records", {"ceremony": ceremony, "records": trial},
                               when, event)))
        if len(trial) > PART_RECORDS or size >= ENTRY_LIMIT:
            if not parts[-1]:
                raise Invalid("§11.1", "one record alone makes the entry reach the limit")
            parts.append([r])
        else:
            parts[-1] = trial
    return parts


def split_case(name: str, records: list[Json], note: str) -> Json:
    event, seq, when, ceremony = "demo-2026", 12, "2026-06-21T01:00:00Z", "lottery"
    parts = split_parts(records, event, seq, when, ceremony)
    sizes = [len(canon(entry(seq + i, "input_records", {"ceremony": ceremony, "records": p},
                             when, event))) for i, p in enumerate(parts)]
    return {"name": name, "note": note, "input": {
        "event": event, "first_seq": seq, "time": when, "ceremony": ceremony,
        "records": [canon(r).decode() for r in records]},
        "expected": {"part_sizes": [len(p) for p in parts], "entry_bytes": sizes}}


def split_cases() -> list[Json]:
    small = [{"type": "teacher", "school": "S001", "id": f"T{i:04d}", "name": "李*"}
             for i in range(503)]
    wide = [{"type": "applicant", "reg": f"{i:032d}", "name": "欧*娜",
             "school": "S" + "x" * 63, "district": "D" + "y" * 63, "reg_day": "2026-06-11",
             "direct": False, "community": False, "unit": f"{i:032d}", "attrs": "ab" * 32}
            for i in range(190)]
    return [
        split_case("count-limit", small, "503 teacher records: parts of 250, 250, 3"),
        split_case("size-limit", wide, "190 applicant records of maximal id lengths (~380 "
                                       "bytes each): the byte limit splits before 250"),
    ]


def build() -> Json:
    return {
        "version": 2, "generator": GENERATOR, "spec": "PROTOCOL.md v2 §1, §2.1, §2.3, §3.2, "
                                                      "§11.1, §11.2",
        "description": (
            "valid: one entry per §11.2 type, {v: 2, event, seq, time, type, body} as canonical "
            "text with its RFC 9162 leaf hash. invalid: entry texts a verifier must refuse, with "
            "the section and reason of the first check that fails (strict JSON, canonical "
            "bytes, envelope, body). split: the input_records parts for a record list."),
        "notes": [
            "beacon: no valid body here; the helper owning §5.6 supplies a real quicknet round "
            "(TODO beacon).",
            "The records of an input_records list are split in leaf order (ascending canonical "
            "bytes, §3.3); §11.1 does not fix the order, any order gives the same input root.",
            "input_records.records is non-empty (reading of §5.1 'input_records (one or "
            "more)'): an empty input logs no input_records and an input_frozen of size 0 "
            "with the empty-tree root.",
            "A part's size is its whole entry's canonical byte length with that part's own "
            "seq (first_seq, first_seq + 1, …), event and time.",
            "The validator checks each body member's JSON type and syntax (§1) and the cross-"
            "member rules next to the table; semantic checks (e.g. a rules_hash that matches "
            "its rules) belong to the replay, not to this file.",
        ],
        "valid": valid_cases(),
        "invalid": invalid_cases(),
        "split": split_cases(),
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    (out / "log_entries.json").write_text(
        json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
