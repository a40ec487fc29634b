"""Synthetic version-2 logs for the hall screen, built from the PROTOCOL.md bodies.

Every entry is `{"v": 2, "event", "seq", "time", "type", "body"}` (§11.1) with the
§11.2 body of its type, in the §11.3 order: rules and windows, the lottery
ceremony (§5.1 steps 1–8), one `lottery_summary` and one `lottery_result` per
applicant per school (§7.4), the bias audit, payment rounds (§7.5), then the
grouping and teachers ceremonies with their results (§9, §10). Secrets,
commitments and the seed are stand-in hashes: the screen shows what is logged
and checks nothing, so only the shapes matter here. The allocation is a simple
stage walk in a keyed order (§7.2–§7.4 for single-child units, no twins):
enough to give every list its real shape, not a reference implementation.

Used by tests/unit/test_ceremony_view.py, tests/browser/test_ceremony*.py and
bench/ceremony_reload.py (200,000 applicants).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lottery_service.core.canonical import canonical_json
from lottery_service.core.merkle import leaf_hash, root_of

Json = dict[str, Any]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩"
            "冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程")
GIVEN = "明华芳军敏静丽强磊洋艳勇杰娟涛超秀霞平刚桂英玉兰辉鹏飞宇欣怡子涵浩然梓轩诗雨"
PARTICIPANTS = [{"id": "bureau-1", "role": "bureau"}, {"id": "notary-1", "role": "notary"},
                {"id": "parent-rep-1", "role": "parent-rep"},
                {"id": "supervisor-1", "role": "supervisor"},
                {"id": "parent-rep-2", "role": "parent-rep"},
                {"id": "supervisor-2", "role": "supervisor"}]
QUICKNET = {"scheme": "bls-unchained-g1-rfc9380", "chain": "52db9ba7" + "0" * 56,
            "public_key": "83cf0f28" + "0" * 184, "period": 3, "genesis_time": 1692803367,
            "group_hash": "f477d5c8" + "0" * 56, "beacon_id": "quicknet"}


def h(*parts: object) -> str:
    """A stand-in 32-byte value as hex (§1)."""
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def masked(i: int) -> str:
    """A masked name (§3.2: first and last character, one `*`)."""
    return SURNAMES[i % len(SURNAMES)] + "*" + GIVEN[(7 * i + i // len(SURNAMES)) % len(GIVEN)]


@dataclass(frozen=True)
class SchoolPlan:
    """A private school of the synthetic lottery: its record and who applies."""

    id: str
    name: str
    quota: int
    local: int  # applicants from the school's district
    outside: int = 0  # from other districts (only at a city-approved school)
    community: int = 0  # of `local`, on the school's community list
    community_quota: int = 0
    district: str = "D01"

    @property
    def authority(self) -> str:
        return "city" if self.outside else "district"

    def record(self) -> Json:
        return {"type": "school", "id": self.id, "name": self.name, "district": self.district,
                "authority": self.authority, "tuition": 5000, "quota": self.quota,
                "community_quota": self.community_quota, "nine_year": False}


@dataclass
class Applicant:
    reg: str
    name: str
    school: str
    district: str
    community: bool

    def record(self) -> Json:
        return {"type": "applicant", "reg": self.reg, "name": self.name, "school": self.school,
                "district": self.district, "reg_day": "2026-06-11", "direct": False,
                "community": self.community, "unit": self.reg, "attrs": h("attrs", self.reg)}


@dataclass
class Log:
    """Entries appended with consecutive seq and non-decreasing times (§11.1)."""

    event: str
    entries: list[bytes] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    minute: int = 0

    def add(self, type_: str, body: Json, *, minutes: int = 1) -> int:
        self.minute += minutes
        day, rest = divmod(self.minute, 24 * 60)
        time = f"2026-07-{1 + day % 28:02d}T{rest // 60:02d}:{rest % 60:02d}:00Z"
        seq = len(self.entries)
        self.entries.append(canonical_json({"v": 2, "event": self.event, "seq": seq,
                                            "time": time, "type": type_, "body": body}))
        self.types.append(type_)
        return seq

    def index(self, type_: str, nth: int = 0, ceremony: str | None = None) -> int:
        """The seq of the nth entry of `type_` (of `ceremony` when given)."""
        found = [i for i, t in enumerate(self.types) if t == type_ and (
            ceremony is None or json.loads(self.entries[i])["body"].get("ceremony") == ceremony)]
        return found[nth]

    def write(self, path: Path, upto: int | None = None) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(e + b"\n" for e in self.entries[:upto]))
        return path

    def dicts(self, upto: int | None = None) -> list[Json]:
        return [json.loads(e) for e in self.entries[:upto]]


def applicants_of(plans: Sequence[SchoolPlan]) -> list[Applicant]:
    out: list[Applicant] = []
    n = 0
    for k, s in enumerate(plans):
        for i in range(s.local + s.outside):
            district = s.district if i < s.local else "D99"
            out.append(Applicant(f"26{k:03d}{i:05d}", masked(n), s.id, district,
                                 i < s.community))
            n += 1
    return out


def _run(pool: list[Applicant], seats: int, seed: str, stage: str
         ) -> tuple[list[tuple[Applicant, int]], list[tuple[Applicant, int]], Json]:
    """§7.3 for single-child units: (admitted with rank, not admitted with rank, summary row)."""
    order = sorted(pool, key=lambda a: h(seed, a.reg))
    lottery = len(order) > seats
    admitted = [(a, i + 1) for i, a in enumerate(order[:seats])]
    rest = [(a, i + 1 + seats) for i, a in enumerate(order[seats:])]
    cutoff = h(seed, admitted[-1][0].reg) if lottery and admitted else None
    return admitted, rest, {"stage": stage, "seats": seats, "applicants": len(pool),
                            "admitted": len(admitted), "lottery": lottery, "cutoff": cutoff}


def allocate(s: SchoolPlan, mine: list[Applicant], seed: str,
             waitlist: bool = True) -> tuple[Json, list[Json]]:
    """(lottery_summary body, lottery_result bodies in ascending reg) of one school (§7.2),
    from the school's applicants."""
    results: dict[str, Json] = {}
    stages: list[Json] = []
    remaining = s.quota
    returned = 0

    def record(a: Applicant, outcome: str, stage: str, rank: int, cutoff: str | None) -> None:
        results[a.reg] = {"school": s.id, "reg": a.reg, "unit": a.reg, "outcome": outcome,
                          "stage": stage, "rank": rank, "waiting": None, "cutoff": cutoff}

    _, _, row = _run([], remaining, seed, "direct")
    stages.append(row)
    pool = [a for a in mine if a.community]
    seats = min(s.community_quota, remaining)
    won, lost, row = _run(pool, seats, seed, "community")
    stages.append(row)
    remaining -= seats
    returned += seats - len(won)
    for a, rank in won:
        record(a, "admitted", "community", rank, row["cutoff"])
    waiting: list[Applicant] = []
    for stage, members in (("district", [a for a in mine if a.district == s.district]),
                           ("city", [a for a in mine if a.district != s.district])):
        if stage == "city" and s.authority != "city":
            continue
        pool = [a for a in members if a.reg not in results or results[a.reg]["outcome"]
                != "admitted"]
        won, lost, row = _run(pool, remaining, seed, stage)
        stages.append(row)
        remaining -= len(won)
        for a, rank in won:
            record(a, "admitted", stage, rank, row["cutoff"])
        for a, rank in lost:
            record(a, "not_admitted", stage, rank, row["cutoff"])
            waiting.append(a)
    returned += remaining
    if waitlist:
        for position, a in enumerate(waiting, start=1):
            results[a.reg]["waiting"] = position
    admitted = sum(1 for r in results.values() if r["outcome"] == "admitted")
    summary = {"school": s.id, "name": s.name, "quota": s.quota, "applicants": len(mine),
               "admitted": admitted, "returned_to_bureau": returned, "stages": stages}
    return summary, [results[k] for k in sorted(results)]


def _parts(records: list[Json]) -> Iterator[list[Json]]:
    """§11.1: records in the input tree's order, at most 250 per part."""
    ordered = sorted(records, key=canonical_json)
    for start in range(0, len(ordered), 250):
        yield ordered[start:start + 250]


def _root(records: list[Json]) -> str:
    return root_of([leaf_hash(canonical_json(r)) for r in sorted(records, key=canonical_json)]
                   ).hex() if records else hashlib.sha256(b"").hexdigest()


def ceremony(log: Log, name: str, records: list[Json], *, beacon: bool = False,
             commit: Sequence[str] | None = None, reveal: Sequence[str] | None = None,
             dice: int = 20, people: int = 4) -> str:
    """§5.1 steps 1–8 of one ceremony with the first `people` PARTICIPANTS; returns the
    seed. `commit`/`reveal` name who does (default: everyone)."""
    chosen = sorted(PARTICIPANTS[:people], key=lambda p: p["id"])  # §5.2: sorted by id
    ids = [p["id"] for p in chosen]
    commit = ids if commit is None else commit
    reveal = commit if reveal is None else reveal
    log.add("ceremony_opened", {
        "ceremony": name, "participants": chosen,
        "participants_hash": h("participants", name), "escrow_key": "A" * 43 + "=",
        "physical_entropy_by": "2026-07-01T09:30:00Z" if beacon else None,
        "beacon_round": 30022013 if beacon else None})
    if name == "lottery":
        log.add("eligibility_rejections", {"count": 3, "root": h("rejections")})
    for part in _parts(records):
        log.add("input_records", {"ceremony": name, "records": part}, minutes=0)
    log.add("input_frozen", {"ceremony": name, "root": _root(records), "size": len(records)})
    for p in commit:
        log.add("commitment", {"ceremony": name, "participant": p,
                               "commitment": h("commitment", name, p), "escrow": "B" * 106 + "=="})
    log.add("commitments_closed", {"ceremony": name})
    for p in ids:
        if p not in commit:
            log.add("contribution_void", {"ceremony": name, "participant": p,
                                          "reason": "no-commitment"}, minutes=0)
    for p in commit:
        if p in reveal:
            log.add("reveal", {"ceremony": name, "participant": p, "secret": h("secret", name, p)})
        else:
            log.add("escrow_opened", {"ceremony": name, "participant": p,
                                      "secret": h("secret", name, p)})
    log.add("physical_entropy", {"ceremony": name, "witness": "notary-1",
                                 "values": [1 + (i * 7 + len(name)) % 6 for i in range(dice)]})
    if beacon:
        log.add("beacon", {"ceremony": name, "chain": QUICKNET["chain"], "round": 30022013,
                           "randomness": h("beacon", name), "signature": "ab" * 48})
    seed = h("seed", name)
    log.add("seed", {"ceremony": name, "seed": seed, "input_root": _root(records),
                     "input_size": len(records)})
    return seed


def rules(event: str, *, beacon: bool = False, waitlist: bool = True) -> Json:
    return {"type": "rules", "version": 2, "event": event,
            "origin": f"draw.example.cn/yunyan/{event}", "rehearsal": False,
            "title": "云岩区2026年民办学校招生", "year": 2026, "grade": 1,
            "high_fee_threshold": 6000, "waitlist_promotion": waitlist, "dice": 20,
            "beacon": QUICKNET if beacon else None}


@dataclass(frozen=True)
class ClassPlan:
    """A school of the synthetic grouping: pupils and classes (§3.2, §9)."""

    school: str
    pupils: int
    classes: int


def season(event: str, plans: Sequence[SchoolPlan], *, beacon: bool = False,
           classes: Sequence[ClassPlan] = (), payments: bool = True,
           corrections: bool = False, participants: int = 4) -> Log:
    """A whole v2 season in §11.3 order (the lottery; payments; grouping and teachers)."""
    log = Log(event)
    r = rules(event, beacon=beacon)
    log.add("event_created", {"rules": r, "rules_hash": h("rules", event)})
    log.add("window_set", {"phase": "lottery_ceremony", "opens": "2026-07-01T00:00:00Z",
                           "closes": "2026-07-01T10:00:00Z", "daily": None})
    people = applicants_of(plans)
    seed = ceremony(log, "lottery", [s.record() for s in plans] + [a.record() for a in people],
                    beacon=beacon, reveal=["bureau-1", "notary-1", "supervisor-1"],
                    people=participants)
    results: dict[str, list[Json]] = {}
    by_school: dict[str, list[Applicant]] = {}
    for a in people:
        by_school.setdefault(a.school, []).append(a)
    for s in sorted(plans, key=lambda s: s.id):
        summary, rows = allocate(s, by_school.get(s.id, []), seed)
        results[s.id] = rows
        log.add("lottery_summary", summary, minutes=0)
        for row in rows:
            log.add("lottery_result", row, minutes=0)
    log.add("bias_audit", {"dimensions": []})
    if corrections:
        first = log.index("lottery_result")
        log.add("correction", {"refers_to": first,
                               "reason": "公证处复核：此条记录的报名日期录入有误，结果不变"})
        log.add("correction", {"refers_to": log.index("commitments_closed"),
                               "reason": "承诺截止时间按公告为10:00"})
    log.add("notifications_sent", {"topic": "draw", "round": None, "messages": len(people)})
    log.add("published", {"ceremony": "lottery"})
    if payments:
        _payments(log, results)
    if classes:
        pupils = [{"type": "pupil", "reg": f"P{k:03d}{i:05d}", "name": masked(i + 7 * k),
                   "school": c.school, "attrs": h("pupil", k, i), "siblings": None,
                   "same_name": None} for k, c in enumerate(classes) for i in range(c.pupils)]
        class_plans = [{"type": "class-plan", "school": c.school,
                        "classes": [{"id": f"{j + 1:02d}", "capacity": 45}
                                    for j in range(c.classes)]} for c in classes]
        gseed = ceremony(log, "grouping", pupils + class_plans)
        pupils_of: dict[str, list[Json]] = {}
        for p in pupils:
            pupils_of.setdefault(p["school"], []).append(p)
        for c in sorted(classes, key=lambda c: c.school):
            mine = sorted(pupils_of.get(c.school, []), key=lambda p: p["reg"])
            by_class = {p["reg"]: f"{int(h(gseed, p['reg']), 16) % c.classes + 1:02d}"
                        for p in mine}
            counts = []
            for j in range(c.classes):
                label = f"{j + 1:02d}"
                members = [p for p in mine if by_class[p["reg"]] == label]
                girls = sum(1 for p in members if int(h("g", p["reg"]), 16) % 2)
                counts.append({"class": label, "pupils": len(members),
                               "genders": {"F": girls, "M": len(members) - girls},
                               "strata": {}})
            log.add("grouping_summary", {"school": c.school, "classes": counts}, minutes=0)
            for p in mine:
                log.add("grouping_result", {"school": c.school, "reg": p["reg"],
                                            "class": by_class[p["reg"]]}, minutes=0)
        log.add("published", {"ceremony": "grouping"})
        teachers = [{"type": "teacher", "school": c.school, "id": f"T{k:03d}{j:02d}",
                     "name": masked(3 * k + j + 11)} for k, c in enumerate(classes)
                    for j in range(c.classes)]
        ceremony(log, "teachers", teachers)
        teachers_of: dict[str, list[Json]] = {}
        for t in teachers:
            teachers_of.setdefault(t["school"], []).append(t)
        for c in sorted(classes, key=lambda c: c.school):
            mine = teachers_of.get(c.school, [])
            for j, t in enumerate(mine):
                log.add("matching_result", {"school": c.school, "class": f"{j + 1:02d}",
                                            "teacher": t["id"], "name": t["name"]}, minutes=0)
        log.add("published", {"ceremony": "teachers"})
    return log


def _payments(log: Log, results: dict[str, list[Json]]) -> None:
    """One §7.5 round: the first admitted child of each school forfeits, the head of its
    waiting order is promoted; then a round with nothing, and the window closes."""
    forfeits = []
    for school, rows in sorted(results.items()):
        admitted = [r for r in rows if r["outcome"] == "admitted" and r["stage"] != "community"]
        waiting = sorted((r for r in rows if r["waiting"]), key=lambda r: r["waiting"])
        if admitted and waiting:
            forfeits.append((school, admitted[0], waiting[0]))
    for school, gone, _ in sorted(forfeits, key=lambda f: f[1]["reg"]):
        log.add("forfeit", {"round": 1, "reg": gone["reg"], "school": school, "reason": "unpaid"})
    log.add("payment_round", {"round": 1, "forfeits": len(forfeits), "locks": 0})
    for school, _, up in sorted(forfeits):
        log.add("promotion", {"round": 1, "school": school, "reg": up["reg"], "unit": up["reg"],
                              "waiting": up["waiting"]}, minutes=0)
        log.add("promotions", {"round": 1, "school": school, "freed": 1, "promoted": 1,
                               "returned_to_bureau": 0}, minutes=0)
    log.add("payment_round", {"round": 2, "forfeits": 0, "locks": 0})
    log.add("payments_closed", {"rounds": 2})


def hall_schools(big: int = 400) -> list[SchoolPlan]:
    """A district: one drawn school of `big` applicants, others of every shape."""
    return [
        SchoolPlan("S001", "贵阳市云岩区阳光实验学校", quota=120, local=big - 60, outside=60,
                   community=40, community_quota=30),
        SchoolPlan("S002", "云岩区第二实验小学", quota=50, local=30),  # under-subscribed
        SchoolPlan("S003", "云岩区育才学校", quota=40, local=90),
        SchoolPlan("S004", "云岩区新星学校", quota=30, local=0),  # nobody applied
    ]


def city_classes(pupils: int = 100_000, schools: int = 600) -> list[ClassPlan]:
    """A city's grouping: `schools` schools sharing `pupils`, 45 to a class."""
    each = pupils // schools
    return [ClassPlan(f"G{k + 1:03d}", each + (1 if k < pupils % schools else 0),
                      max(1, -(-(each + 1) // 45))) for k in range(schools)]


def city_schools(applicants: int = 200_000, schools: int = 120) -> list[SchoolPlan]:
    """A city: `schools` private schools sharing `applicants`, popular ones over-subscribed."""
    weights = [1 + (7 * k) % 13 for k in range(schools)]
    total = sum(weights)
    plans = []
    given = 0
    for k, w in enumerate(weights):
        n = applicants - given if k == schools - 1 else applicants * w // total
        given += n
        outside = n // 5 if k % 3 == 0 else 0
        plans.append(SchoolPlan(f"S{k + 1:03d}", f"第{k + 1}民办学校", quota=max(40, 900 - 7 * k),
                                local=n - outside, outside=outside, community=n // 20,
                                community_quota=20, district=f"D{k % 10 + 1:02d}"))
    return plans
