"""The ceremony screen's state as a pure fold over version-2 log entries.

PROTOCOL.md §5 (ceremonies and the seed), §7.4–§7.5 (results, payment rounds),
§9–§10 (classes, head teachers), §11.2 (bodies), §18.1 (`state.json`).
`CeremonyView.from_entries(entries)` folds a log; `apply(entry)` adds the next
entry. `snapshot()` is the compact live state a reload fetches: the current
step, every ceremony, every school's stages and counts, every class; no child's
name. Names come page by page (`page()`), so a reload of a city-wide event
stays small (docs/CEREMONY_SCREEN.md has the schema and the paging).

The same fold is written in JavaScript (templates/static/ceremony-model.js) for
the entries a screen receives after its snapshot; tests compare the two on the
same logs. Nothing is shown that the log does not say: a value not logged yet
is null, and an entry type the screen does not draw changes only `size`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final, Protocol

FORMAT: Final = "sunshine-draw/ceremony-state/v1"
PAGE_RECORDS: Final = 100  # names per list page (one request of the screen)
CEREMONIES: Final = ("lottery", "grouping", "teachers")  # §5.1, in opening order
STAGES: Final = ("direct", "community", "district", "city")  # §7.2

Json = dict[str, Any]
# A participant's status word by how its contribution was settled (§5.3, §5.4).
OPENING_STATUS: Final = {"reveal": "revealed", "escrow_opened": "escrow_opened", "void": "void"}


class LoggedEntry(Protocol):
    """What the fold reads of an entry (§11.1); `core.log.Entry` is one."""

    @property
    def seq(self) -> int: ...
    @property
    def time(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def body(self) -> dict[str, Any]: ...


class Step(StrEnum):
    """The current step the banner names (§5.1 steps, §7.5 rounds, §11.3 results)."""

    WAITING = "waiting"  # no event_created yet
    SCHEDULED = "scheduled"  # no ceremony opened
    INPUT = "input"  # opened; input records being logged, not frozen
    COMMITTING = "committing"  # frozen; commitments taken (done/total)
    REVEALING = "revealing"  # commitments closed; reveals (done/total)
    DICE = "dice"  # every contribution settled; dice not logged
    BEACON = "beacon"  # dice logged; the beacon round in force not logged
    SEEDING = "seeding"  # every seed input logged; no seed yet
    SEEDED = "seeded"  # seed logged; no result yet
    RESULTS = "results"  # results being logged (done/total)
    DRAWN = "drawn"  # lottery results complete (bias_audit logged)
    PAYMENT = "payment"  # a payment round logged
    PAYMENTS_CLOSED = "payments_closed"
    GROUPED = "grouped"  # every grouping result logged
    MATCHED = "matched"  # every matching result logged


class ListKind(StrEnum):
    """A school's two name lists (§7.4): admitted (stage, then rank) and the waiting order."""

    ADMITTED = "admitted"
    WAITING = "waiting"


class ViewError(ValueError):
    """An entry out of seq order, or a list page that does not exist."""


# ------------------------------------------------------------------ the folded parts


@dataclass
class _Ceremony:
    participants: list[tuple[str, str]] = field(default_factory=list)
    participants_hash: str | None = None
    physical_entropy_by: str | None = None
    beacon_round: int | None = None
    postponements: list[Json] = field(default_factory=list)
    records: int = 0  # input records since the opening or the last withdrawal (§5.1 step 3)
    withdrawn: list[str] = field(default_factory=list)
    root: str | None = None
    size: int | None = None
    commitments: dict[str, str] = field(default_factory=dict)
    closed: bool = False
    openings: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    dice: list[int] | None = None
    witness: str | None = None
    beacon: Json | None = None
    seed: str | None = None
    key_released: bool = False
    published: bool = False

    def settled(self) -> int:
        """Committed participants whose contribution is settled (§5.1 step 5)."""
        return sum(1 for p in self.commitments if p in self.openings)


@dataclass(frozen=True, slots=True)
class _Result:
    seq: int
    reg: str
    outcome: str
    stage: str
    rank: int
    waiting: int | None


@dataclass
class _School:
    id: str
    record: Json | None = None  # the §3.2 school record
    applicants: int = 0
    summary: Json | None = None  # the §7.4 lottery_summary body
    results: list[_Result] = field(default_factory=list)
    forfeits: dict[str, int] = field(default_factory=dict)  # reg → round (§7.5)
    promotions: dict[str, int] = field(default_factory=dict)
    lists: dict[ListKind, list[_Result]] | None = None  # sorted, built on demand

    @property
    def name(self) -> str | None:
        if self.record is not None:
            return str(self.record["name"])
        return None if self.summary is None else str(self.summary["name"])

    @property
    def drawn(self) -> bool:
        """Over-subscribed somewhere (P5): some stage ran a lottery (§7.3)."""
        return self.summary is not None and any(st["lottery"] for st in self.summary["stages"])

    def sorted_lists(self) -> dict[ListKind, list[_Result]]:
        if self.lists is None:
            admitted = sorted((r for r in self.results if r.outcome == "admitted"),
                              key=lambda r: (STAGES.index(r.stage), r.rank, r.reg))
            waiting = sorted((r for r in self.results if r.waiting is not None),
                             key=lambda r: (r.waiting or 0, r.reg))
            self.lists = {ListKind.ADMITTED: admitted, ListKind.WAITING: waiting}
        return self.lists


@dataclass
class _ClassSchool:
    plan: list[tuple[str, int]] = field(default_factory=list)  # §3.2 class plan
    pupils: int = 0
    summary: dict[str, tuple[int, int, int]] | None = None  # class → pupils, F, M (§11.2)
    results: int = 0
    teachers: dict[str, tuple[str, str]] = field(default_factory=dict)  # class → id, name


def _part_of(entry_type: str, body: Json) -> str:
    """The part of the screen an entry is about: where a correction of it is shown."""
    if "ceremony" in body:
        return "c:" + str(body["ceremony"])
    if entry_type in ("lottery_summary", "lottery_result", "forfeit", "promotion", "promotions"):
        return "s:" + str(body["school"])
    if entry_type in ("grouping_summary", "grouping_result", "matching_result"):
        return "g:" + str(body["school"])
    if entry_type == "eligibility_rejections":
        return "c:lottery"
    return "e"


def _round_time(beacon: Json, round_: int) -> str:
    """time(R) = genesis_time + (R − 1)·period (§5.6), as a §1 time."""
    at = int(beacon["genesis_time"]) + (round_ - 1) * int(beacon["period"])
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------ the view


class CeremonyView:
    """The hall screen's state after entries 0 … size−1 of one event's log."""

    def __init__(self) -> None:
        self.size = 0
        self.time: str | None = None
        self.rules: Json | None = None
        self.rules_hash: str | None = None
        self.windows: dict[str, Json] = {}
        self.ceremonies: dict[str, _Ceremony] = {}
        self.rejections: int | None = None
        self.schools: dict[str, _School] = {}
        self.names: dict[str, str] = {}  # reg → masked name (§3.2 applicant records)
        self.reg_max = 0  # the longest registration number of the input: the screen's cell
        self.locks: dict[str, int] = {}  # reg → payment round of its P8 lock (§7.5)
        self.bias_audit = False
        self.payment_round: int | None = None
        self.payments_closed: int | None = None
        self.classes: dict[str, _ClassSchool] = {}
        self.corrections: dict[str, list[Json]] = {}  # part → corrections shown there
        self.spans: list[tuple[int, str]] = []  # (first seq, part) of each run of entries
        self.unreadable: list[int] = []  # seqs of entries whose body the screen cannot read
        self._handlers: dict[str, Callable[[LoggedEntry], None]] = {
            "event_created": self._event_created, "window_set": self._window_set,
            "window_removed": self._window_removed, "ceremony_opened": self._opened,
            "eligibility_rejections": self._rejections, "input_records": self._records,
            "input_frozen": self._frozen, "input_withdrawn": self._withdrawn,
            "commitment": self._commitment, "commitments_closed": self._closed,
            "reveal": self._opening, "escrow_opened": self._opening,
            "contribution_void": self._opening, "physical_entropy": self._dice,
            "beacon_postponed": self._postponed, "beacon": self._beacon, "seed": self._seed,
            "escrow_key_released": self._key_released, "published": self._published,
            "lottery_summary": self._summary, "lottery_result": self._result,
            "bias_audit": self._bias_audit, "forfeit": self._forfeit, "lock": self._lock,
            "payment_round": self._payment_round, "promotion": self._promotion,
            "payments_closed": self._payments_closed,
            "grouping_summary": self._grouping_summary, "grouping_result": self._grouping_result,
            "matching_result": self._matching_result, "correction": self._correction,
        }

    @classmethod
    def from_entries(cls, entries: Iterable[LoggedEntry]) -> CeremonyView:
        view = cls()
        for entry in entries:
            view.apply(entry)
        return view

    # ------------------------------------------------------------ folding

    def apply(self, entry: LoggedEntry) -> None:
        """Fold the next entry (seq = size); any other seq is refused (§11.1)."""
        if entry.seq != self.size:
            raise ViewError(f"entry seq {entry.seq} does not follow size {self.size}")
        part = (self._part_at(int(entry.body["refers_to"])) if entry.type == "correction"
                else _part_of(entry.type, entry.body))
        if not self.spans or self.spans[-1][1] != part:
            self.spans.append((entry.seq, part))
        handler = self._handlers.get(entry.type)
        if handler is not None:
            try:
                handler(entry)
            except (KeyError, TypeError, ValueError, AttributeError):
                # Not a §11.2 body of its type (e.g. a version-1 entry): the screen says
                # so rather than guess; the verifier is the one that judges the log.
                self.unreadable.append(entry.seq)
        self.size = entry.seq + 1
        self.time = entry.time

    def _part_at(self, seq: int) -> str:
        i = bisect.bisect_right(self.spans, (seq, "\uffff")) - 1
        return self.spans[i][1] if i >= 0 and seq < self.size else "e"

    def _cer(self, body: Json) -> _Ceremony:
        return self.ceremonies.setdefault(str(body["ceremony"]), _Ceremony())

    def _school(self, school: str) -> _School:
        return self.schools.setdefault(school, _School(school))

    def _event_created(self, e: LoggedEntry) -> None:
        self.rules = e.body["rules"]
        self.rules_hash = e.body["rules_hash"]

    def _window_set(self, e: LoggedEntry) -> None:
        self.windows[e.body["phase"]] = {"opens": e.body["opens"], "closes": e.body["closes"]}

    def _window_removed(self, e: LoggedEntry) -> None:
        self.windows.pop(e.body["phase"], None)

    def _opened(self, e: LoggedEntry) -> None:
        b = e.body
        c = self._cer(b)
        c.participants = [(p["id"], p["role"]) for p in b["participants"]]
        c.participants_hash = b["participants_hash"]
        c.physical_entropy_by = b.get("physical_entropy_by")
        c.beacon_round = b.get("beacon_round")

    def _rejections(self, e: LoggedEntry) -> None:
        self.rejections = int(e.body["count"])

    def _records(self, e: LoggedEntry) -> None:
        self._cer(e.body).records += len(e.body["records"])
        for r in e.body["records"]:
            kind = r["type"]
            if kind == "school":
                self._school(r["id"]).record = r
            elif kind == "applicant":
                self._school(r["school"]).applicants += 1
                self.names[r["reg"]] = r["name"]
                self.reg_max = max(self.reg_max, len(r["reg"]))
            elif kind == "class-plan":
                self.classes.setdefault(r["school"], _ClassSchool()).plan = [
                    (k["id"], int(k["capacity"])) for k in r["classes"]]
            elif kind == "pupil":
                self.classes.setdefault(r["school"], _ClassSchool()).pupils += 1

    def _frozen(self, e: LoggedEntry) -> None:
        c = self._cer(e.body)
        c.root, c.size = e.body["root"], int(e.body["size"])

    def _withdrawn(self, e: LoggedEntry) -> None:
        """§5.1 step 3: the input is what is logged after the last withdrawal."""
        c = self._cer(e.body)
        c.withdrawn.append(str(e.body["reason"]))
        c.records, c.root, c.size = 0, None, None
        if e.body["ceremony"] == "lottery":
            self.schools, self.names, self.rejections, self.reg_max = {}, {}, None, 0
        elif e.body["ceremony"] == "grouping":
            self.classes = {}

    def _commitment(self, e: LoggedEntry) -> None:
        self._cer(e.body).commitments[e.body["participant"]] = e.body["commitment"]

    def _closed(self, e: LoggedEntry) -> None:
        self._cer(e.body).closed = True

    def _opening(self, e: LoggedEntry) -> None:
        b = e.body
        how = "void" if e.type == "contribution_void" else e.type
        self._cer(b).openings[b["participant"]] = (how, b.get("secret"), b.get("reason"))

    def _dice(self, e: LoggedEntry) -> None:
        c = self._cer(e.body)
        c.dice, c.witness = [int(v) for v in e.body["values"]], e.body["witness"]

    def _postponed(self, e: LoggedEntry) -> None:
        b = e.body
        c = self._cer(b)
        c.postponements.append({"time": e.time, "reason": b["reason"], "round": b["round"],
                                "beacon_round": b["beacon_round"],
                                "physical_entropy_by": b["physical_entropy_by"]})
        c.beacon_round, c.physical_entropy_by = b["beacon_round"], b["physical_entropy_by"]

    def _beacon(self, e: LoggedEntry) -> None:
        self._cer(e.body).beacon = {"round": e.body["round"], "randomness": e.body["randomness"]}

    def _seed(self, e: LoggedEntry) -> None:
        self._cer(e.body).seed = e.body["seed"]

    def _key_released(self, e: LoggedEntry) -> None:
        self._cer(e.body).key_released = True

    def _published(self, e: LoggedEntry) -> None:
        self._cer(e.body).published = True

    def _summary(self, e: LoggedEntry) -> None:
        self._school(e.body["school"]).summary = e.body

    def _result(self, e: LoggedEntry) -> None:
        b = e.body
        s = self._school(b["school"])
        s.results.append(_Result(e.seq, b["reg"], b["outcome"], b["stage"], int(b["rank"]),
                                 b["waiting"]))
        s.lists = None

    def _bias_audit(self, e: LoggedEntry) -> None:
        self.bias_audit = True

    def _forfeit(self, e: LoggedEntry) -> None:
        s = self._school(e.body["school"])
        s.forfeits[e.body["reg"]] = int(e.body["round"])

    def _lock(self, e: LoggedEntry) -> None:
        self.locks[e.body["reg"]] = int(e.body["round"])

    def _payment_round(self, e: LoggedEntry) -> None:
        self.payment_round = int(e.body["round"])

    def _promotion(self, e: LoggedEntry) -> None:
        self._school(e.body["school"]).promotions[e.body["reg"]] = int(e.body["round"])

    def _payments_closed(self, e: LoggedEntry) -> None:
        self.payments_closed = int(e.body["rounds"])

    def _grouping_summary(self, e: LoggedEntry) -> None:
        k = self.classes.setdefault(e.body["school"], _ClassSchool())
        k.summary = {c["class"]: (int(c["pupils"]), int(c["genders"].get("F", 0)),
                                  int(c["genders"].get("M", 0))) for c in e.body["classes"]}

    def _grouping_result(self, e: LoggedEntry) -> None:
        self.classes.setdefault(e.body["school"], _ClassSchool()).results += 1

    def _matching_result(self, e: LoggedEntry) -> None:
        b = e.body
        self.classes.setdefault(b["school"], _ClassSchool()).teachers[b["class"]] = (
            b["teacher"], b["name"])

    def _correction(self, e: LoggedEntry) -> None:
        """§11.1: a correction is a new entry; it is shown where the entry it names is."""
        part = self._part_at(int(e.body["refers_to"]))
        self.corrections.setdefault(part, []).append(
            {"seq": e.seq, "time": e.time, "refers_to": e.body["refers_to"],
             "reason": e.body["reason"]})
        school = self.schools.get(part[2:]) if part.startswith("s:") else None
        if school is not None:
            school.lists = None

    # ------------------------------------------------------------ the step

    def current(self) -> str | None:
        """The last ceremony opened (§5.1 order), or None."""
        opened = [c for c in CEREMONIES if c in self.ceremonies]
        return opened[-1] if opened else None

    def step(self) -> Json:
        """The banner: {key, ceremony, done, total, round, at}; see `Step`."""
        out: Json = {"key": Step.WAITING.value, "ceremony": None, "done": None,
                     "total": None, "round": None, "at": None}
        if self.rules is None:
            return out
        name = self.current()
        if name is None:
            window = self.windows.get("lottery_ceremony")
            return {**out, "key": Step.SCHEDULED.value, "at": window and window["opens"]}
        c = self.ceremonies[name]
        out["ceremony"] = name
        if c.seed is None:
            return {**out, **self._ceremony_step(c)}
        done, total, complete = self._results(name)
        if name == "lottery" and complete:
            if self.payments_closed is not None:
                return {**out, "key": Step.PAYMENTS_CLOSED.value, "round": self.payments_closed}
            if self.payment_round is not None:
                return {**out, "key": Step.PAYMENT.value, "round": self.payment_round}
            return {**out, "key": Step.DRAWN.value, "done": done}
        if complete:
            key = Step.GROUPED if name == "grouping" else Step.MATCHED
            return {**out, "key": key.value, "done": done}
        if done:
            return {**out, "key": Step.RESULTS.value, "done": done, "total": total}
        return {**out, "key": Step.SEEDED.value}

    def _ceremony_step(self, c: _Ceremony) -> Json:
        if c.root is None:
            return {"key": Step.INPUT.value, "done": c.records}
        if not c.closed:
            return {"key": Step.COMMITTING.value, "done": len(c.commitments),
                    "total": len(c.participants)}
        if c.settled() < len(c.commitments):
            return {"key": Step.REVEALING.value, "done": c.settled(),
                    "total": len(c.commitments)}
        rules = self.rules or {}
        if c.dice is None:
            return {"key": Step.DICE.value, "total": rules.get("dice"),
                    "at": c.physical_entropy_by}
        beacon = rules.get("beacon")
        if beacon and c.beacon is None and c.beacon_round is not None:
            return {"key": Step.BEACON.value, "round": c.beacon_round,
                    "at": _round_time(beacon, c.beacon_round)}
        return {"key": Step.SEEDING.value}

    def _results(self, name: str) -> tuple[int, int, bool]:
        """(units logged, units expected, complete) of a seeded ceremony's results (§11.3)."""
        if name == "lottery":
            inputs = [s for s in self.schools.values() if s.record is not None]
            done = sum(1 for s in inputs if s.summary is not None)
            return done, len(inputs), self.bias_audit
        if name == "grouping":
            done = sum(1 for k in self.classes.values() if k.summary is not None)
            complete = all(k.summary is not None and k.results == k.pupils
                           for k in self.classes.values())
            return done, len(self.classes), complete and bool(self.classes)
        total = sum(len(k.plan) for k in self.classes.values())
        done = sum(len(k.teachers) for k in self.classes.values())
        return done, total, done == total and total > 0

    # ------------------------------------------------------------ the snapshot

    def snapshot(self) -> Json:
        """The compact live state (§18.1 `state.json`); docs/CEREMONY_SCREEN.md."""
        rules = self.rules or {}
        beacon = rules.get("beacon")
        return {
            "format": FORMAT, "size": self.size, "time": self.time,
            "event": rules.get("event"), "title": rules.get("title"),
            "rehearsal": rules.get("rehearsal"), "rules_hash": self.rules_hash,
            "dice": rules.get("dice"),
            "beacon": beacon and {"period": beacon["period"],
                                  "genesis_time": beacon["genesis_time"]},
            "waitlist_promotion": rules.get("waitlist_promotion"),
            "windows": dict(sorted(self.windows.items())),
            "step": self.step(),
            "ceremonies": {name: self._ceremony_json(name) for name in CEREMONIES
                           if name in self.ceremonies},
            "rejections": self.rejections, "bias_audit": self.bias_audit,
            "payments": {"round": self.payment_round, "closed": self.payments_closed},
            "reg_max": self.reg_max,
            "schools": [self._school_json(s) for s in sorted(
                self.schools.values(),
                key=lambda s: (not s.drawn, s.summary is None, s.id))],
            "classes": [self._classes_json(school, k)
                        for school, k in sorted(self.classes.items())],
            "corrections": self.corrections.get("e", []),
            "spans": [[seq, part] for seq, part in self.spans],
            "unreadable": self.unreadable,
            "page_records": PAGE_RECORDS,
        }

    def _ceremony_json(self, name: str) -> Json:
        c = self.ceremonies[name]
        beacon = (self.rules or {}).get("beacon")
        participants = []
        for pid, role in c.participants:
            how, secret, reason = c.openings.get(pid, (None, None, None))
            status = (OPENING_STATUS[how] if how else
                      "committed" if pid in c.commitments else None)
            participants.append({"id": pid, "role": role, "commitment": c.commitments.get(pid),
                                 "status": status, "secret": secret, "reason": reason})
        return {
            "participants": participants, "participants_hash": c.participants_hash,
            "input": {"records": c.records, "root": c.root, "size": c.size,
                      "withdrawn": c.withdrawn},
            "closed": c.closed, "physical_entropy_by": c.physical_entropy_by,
            "beacon_round": c.beacon_round,
            "beacon_due": (_round_time(beacon, c.beacon_round)
                           if beacon and c.beacon_round is not None else None),
            "postponements": c.postponements, "dice": c.dice, "witness": c.witness,
            "beacon": c.beacon, "seed": c.seed, "key_released": c.key_released,
            "published": c.published, "corrections": self.corrections.get("c:" + name, []),
        }

    def _school_json(self, s: _School) -> Json:
        r = s.record or {}
        summary = None
        if s.summary is not None:
            summary = {k: s.summary[k] for k in ("quota", "applicants", "admitted",
                                                  "returned_to_bureau")}
            # Only the stages the school has: a pool nobody is in says nothing (§7.2).
            summary["stages"] = [{k: st[k] for k in ("stage", "seats", "applicants",
                                                     "admitted", "lottery")}
                                 for st in s.summary["stages"] if st["applicants"] > 0]
        admitted = sum(1 for x in s.results if x.outcome == "admitted")
        waiting = sum(1 for x in s.results if x.waiting is not None)
        return {
            "id": s.id, "input": s.record is not None, "name": s.name,
            "district": r.get("district"),
            "authority": r.get("authority"), "quota": r.get("quota"),
            "applicants": s.applicants, "summary": summary, "drawn": s.drawn,
            "results": len(s.results), "admitted": admitted, "waiting": waiting,
            "forfeited": len(s.forfeits), "promoted": len(s.promotions),
            "corrections": self.corrections.get("s:" + s.id, []),
        }

    def _classes_json(self, school: str, k: _ClassSchool) -> Json:
        named = self.schools.get(school)
        rows = []
        for cls, capacity in k.plan:
            pupils, girls, boys = (k.summary or {}).get(cls, (None, None, None))
            teacher, teacher_name = k.teachers.get(cls, (None, None))
            rows.append({"class": cls, "capacity": capacity, "pupils": pupils, "F": girls,
                         "M": boys, "teacher": teacher, "teacher_name": teacher_name})
        return {"school": school, "name": named.name if named else None, "pupils": k.pupils,
                "grouped": k.summary is not None, "results": k.results, "classes": rows,
                "corrections": self.corrections.get("g:" + school, [])}

    # ------------------------------------------------------------ name pages

    def page(self, school: str, kind: ListKind, number: int) -> Json:
        """Page `number` (1-based) of a school's admitted or waiting list, names masked (§3.2)."""
        s = self.schools.get(school)
        if s is None:
            raise ViewError(f"no school {school!r} in the log")
        rows = s.sorted_lists()[kind]
        pages = max(1, -(-len(rows) // PAGE_RECORDS))
        if not 1 <= number <= pages:
            raise ViewError(f"page {number} of {pages}")
        corrected: dict[int, list[int]] = {}
        for c in self.corrections.get("s:" + school, []):
            corrected.setdefault(int(c["refers_to"]), []).append(int(c["seq"]))
        records = []
        for r in rows[(number - 1) * PAGE_RECORDS:number * PAGE_RECORDS]:
            mark, round_ = self._mark(s, r)
            records.append({"reg": r.reg, "name": self.names.get(r.reg), "stage": r.stage,
                            "rank": r.rank, "waiting": r.waiting, "mark": mark,
                            "round": round_, "corrections": corrected.get(r.seq, [])})
        return {"format": FORMAT + "/page", "size": self.size, "school": school,
                "list": kind.value, "page": number, "pages": pages, "total": len(rows),
                "records": records}

    def _mark(self, s: _School, r: _Result) -> tuple[str | None, int | None]:
        """What happened to a listed child after the draw (§7.5), if anything."""
        if r.reg in s.forfeits:
            return "forfeited", s.forfeits[r.reg]
        if r.reg in s.promotions:
            return "promoted", s.promotions[r.reg]
        if r.reg in self.locks:
            return "locked", self.locks[r.reg]
        return None, None

    def pages(self) -> Iterable[tuple[str, ListKind, int]]:
        """Every (school, list, page) there is: the files a static publication writes."""
        for s in sorted(self.schools.values(), key=lambda s: s.id):
            if not s.results:
                continue
            for kind, rows in s.sorted_lists().items():
                for number in range(1, max(1, -(-len(rows) // PAGE_RECORDS)) + 1):
                    yield s.id, kind, number
