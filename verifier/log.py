"""What the verifier keeps of the log: one streaming pass, one compact copy of each fact.

`Fold.absorb` parses one entry strictly (§2.1, §2.3, §11.1, §11.2), feeds the
phase order (§11.3) and keeps what later steps need in a `LogState`. Only here is
a body indexed by member name, right after `records.entry` proved the members
are there; the steps read attributes, never raw JSON.

Scale (issue 13): a province log holds 2·10^6 lottery results and 10^6 class
results. Entries are never kept. The two per-family result types, which are
nearly all of the log, are parsed by one regular expression each that accepts
exactly their canonical encoding (any other spelling falls back to the general
parser, which rejects it or reads it alike); their bodies are folded into one
running SHA-256 per school, so the lottery step compares digests of bytes, not
millions of dicts. Input records become compact tuples; their canonical bytes
stream into an RFC 9162 root (§11.1 logs them in the input tree's order), so no
input is ever held as bytes either.

Several entries of one kind where §11.3 allows one (a second seed) keep the
first; the phase-order step reports the second.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from verifier import ceremony, draw, grouping, merkle, phases, records, strict
from verifier.openings import Openings
from verifier.phases import Item, PhaseError
from verifier.strict import StrictError

Obj = dict[str, Any]
_intern = sys.intern
"""One shared copy of each repeated string (school, district, day, outcome, class)."""
MAX_ENTRY = 65536
"""§11.1: every entry is below 65,536 bytes."""

_TIME = rb'"time":"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)"'
_ID = rb"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_REG = rb"[A-Z0-9]{4,32}"
_NAT = rb"[1-9][0-9]{0,14}"
"""Up to 15 digits: always below 2^53 (a longer integer takes the general parser)."""
LOTTERY_RESULT = re.compile(
    rb'\{"body":(\{"cutoff":(?:null|"[0-9a-f]{64}"),"outcome":"(?:admitted|not_admitted)",'
    rb'"rank":' + _NAT + rb',"reg":"(' + _REG + rb')","school":"(' + _ID + rb')",'
    rb'"stage":"(?:direct|community|district|city)","unit":"' + _REG + rb'",'
    rb'"waiting":(?:null|' + _NAT + rb')\}),"event":"([a-z0-9][a-z0-9-]{0,62})",'
    rb'"seq":(0|' + _NAT + rb'),' + _TIME + rb',"type":"lottery_result","v":2\}')
"""The canonical encoding of every valid lottery_result entry (§11.2; keys in code-point
order, no member that needs an escape)."""
_NAME = rb'"name":"([^"\\\x00-\x1f]*)"'
"""A name with nothing to escape (anything else takes the general parser)."""
APPLICANT = re.compile(
    rb'\{"attrs":"([0-9a-f]{64})","community":(true|false),"direct":(true|false),'
    rb'"district":"(' + _ID + rb')",' + _NAME + rb',"reg":"(' + _REG + rb')",'
    rb'"reg_day":"([0-9]{4}-[0-9]{2}-[0-9]{2})","school":"(' + _ID + rb')",'
    rb'"type":"applicant","unit":"(' + _REG + rb')"\}')
"""The canonical encoding of an applicant record (§3.2) with an escape-free name."""
PUPIL = re.compile(
    rb'\{"attrs":"([0-9a-f]{64})",' + _NAME + rb',"reg":"(' + _REG + rb')",'
    rb'"same_name":(null|"' + _ID + rb'"),"school":"(' + _ID + rb')",'
    rb'"siblings":(null|\{"group":"' + _ID + rb'","mode":"(?:together|apart)"\}),'
    rb'"type":"pupil"\}')
"""The canonical encoding of a pupil record (§3.2) with an escape-free name."""
_RECORDS_HEAD = re.compile(rb'\{"body":\{"ceremony":"(lottery|grouping)","records":\[')
_RECORDS_TAIL = re.compile(
    rb'\]\},"event":"([a-z0-9][a-z0-9-]{0,62})","seq":(0|' + _NAT + rb'),' + _TIME
    + rb',"type":"input_records","v":2\}')
GROUPING_RESULT = re.compile(
    rb'\{"body":\{"class":"(' + _ID + rb')","reg":"(' + _REG + rb')","school":"(' + _ID
    + rb')"\},"event":"([a-z0-9][a-z0-9-]{0,62})","seq":(0|' + _NAT + rb'),' + _TIME
    + rb',"type":"grouping_result","v":2\}')


# ------------------------------------------------------------------ values


@dataclass(frozen=True, slots=True)
class Rules:
    """§3.1 rule set; `canon` is what rules_hash hashes."""

    canon: bytes
    event: str
    origin: str
    rehearsal: bool
    dice: int
    beacon: Obj | None
    """rules.beacon as logged (its members checked; its values by the rule-set step)."""
    waitlist_promotion: bool
    grade: int


@dataclass(frozen=True, slots=True)
class Opened:
    """ceremony_opened (§5.2, §5.6)."""

    seq: int
    time: str
    participants: tuple[str, ...]
    participants_canon: bytes
    """canon of the participants list, what participants_hash hashes."""
    participants_hash: bytes
    escrow_key: bytes
    physical_entropy_by: str | None
    beacon_round: int | None


class ClassPlan(NamedTuple):
    school: str
    name: str
    """The school's public name (§3.2)."""
    classes: tuple[tuple[str, int], ...]
    """(class id, capacity), sorted by id (§3.2)."""

    def record(self) -> Obj:
        """The plan as a §3.2 record again, the shape the grouping functions take."""
        return {"type": "class-plan", "school": self.school, "name": self.name,
                "classes": [{"id": c, "capacity": n} for c, n in self.classes]}


class Teacher(NamedTuple):
    id: str
    name: str


class Part(NamedTuple):
    """One input_records entry, for the §11.1 split rule."""

    seq: int
    records: int
    size: int
    """The entry's length in bytes."""
    first: int
    """canon length of its first record."""


@dataclass
class Input:
    """One ceremony input as logged since its ceremony_opened or last input_withdrawn."""

    schools: dict[str, draw.School] = field(default_factory=dict)
    applicants: list[draw.Applicant] = field(default_factory=list)
    pupils: list[grouping.Pupil] = field(default_factory=list)
    plans: dict[str, ClassPlan] = field(default_factory=dict)
    teachers: dict[str, list[Teacher]] = field(default_factory=dict)
    tree: merkle.RootStream = field(default_factory=merkle.RootStream)
    last_leaf: bytes | None = None
    disorder: str | None = None
    """The first record logged out of the input tree's order (or twice), §3.3, §11.1."""
    twice: list[str] = field(default_factory=list)
    """School ids and class plans given twice (§1, §3.2)."""
    parts: list[Part] = field(default_factory=list)
    opened: int = 0
    """Records whose attrs an opening matched (§17.3)."""
    unopened: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.tree.size


@dataclass(frozen=True)
class Freeze:
    """An input_frozen entry with the input it froze (§3.3, §3.4)."""

    seq: int
    time: str
    root: bytes
    size: int
    input: Input
    tree_root: bytes
    """The §3.3 root recomputed from the records."""
    rejections: tuple[int, bytes] | None
    """lottery: (count, root) of the input's eligibility_rejections (§17.2)."""


@dataclass(frozen=True, slots=True)
class Commitment:
    commitment: bytes
    escrow: bytes


@dataclass(frozen=True, slots=True)
class Settlement:
    """reveal, escrow_opened or contribution_void of one participant (§5.1 (5))."""

    kind: str
    secret: bytes | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Physical:
    values: tuple[int, ...]
    time: str


@dataclass(frozen=True, slots=True)
class SeedEntry:
    seed: bytes
    input_root: bytes
    input_size: int


@dataclass
class CeremonyLog:
    """What the log says about one ceremony (§5, §11.2)."""

    opened: Opened | None = None
    current: Input = field(default_factory=Input)
    freezes: list[Freeze] = field(default_factory=list)
    withdrawals: int = 0
    rejections: tuple[int, bytes] | None = None
    commitments: dict[str, Commitment] = field(default_factory=dict)
    first_commitment: tuple[int, str] | None = None
    """(seq, time) of the first commitment (§11.4)."""
    span_end: str | None = None
    """Time of the ceremony's last entry from its first commitment to its last result."""
    settlements: dict[str, Settlement] = field(default_factory=dict)
    released_key: bytes | None = None
    """The escrow holder's private key from escrow_key_released (§5.4), if any."""
    physical: Physical | None = None
    schedule: list[Obj] = field(default_factory=list)
    """ceremony_opened, beacon_postponed and physical_entropy as {type, time, …body} (§5.6)."""
    postponements: int = 0
    beacon: Obj | None = None
    seed: SeedEntry | None = None

    @property
    def frozen(self) -> Freeze | None:
        """The ceremony's input in force: its last input_frozen (§5.1 (3))."""
        return self.freezes[-1] if self.freezes else None


@dataclass(frozen=True, slots=True)
class Window:
    seq: int
    time: str
    phase: str
    opens: str | None
    """None for window_removed."""
    closes: str | None


@dataclass
class Round:
    """One payment round as logged (§7.5)."""

    number: int
    forfeits: list[tuple[str, str, str]] = field(default_factory=list)
    """(reg, school, reason)."""
    locks: list[str] = field(default_factory=list)
    counts: tuple[int, int] | None = None
    """payment_round's (forfeits, locks)."""
    promotions: dict[str, list[draw.Promoted]] = field(default_factory=dict)
    summaries: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    """promotions: (freed, promoted, returned_to_bureau) per school."""
    time: str | None = None
    """payment_round's time."""


@dataclass
class SchoolResults:
    """One school's run of per-family result entries (§7.4, §9)."""

    summary: Obj | None = None
    digest: Any = field(default_factory=hashlib.sha256)
    """SHA-256 over every result body's canonical bytes, each followed by a newline."""
    count: int = 0
    classes: list[str] = field(default_factory=list)
    """grouping: the class of each result, in the log's (ascending reg) order."""


@dataclass
class LogState:
    """Everything the streaming pass keeps."""

    event: str | None = None
    entries: int = 0
    roots: dict[int, bytes] = field(default_factory=dict)
    """Root of the first n entries for every n asked for (checkpoint sizes, --trusted)."""
    rules: Rules | None = None
    rules_hash: bytes | None = None
    ceremonies: dict[str, CeremonyLog] = field(default_factory=dict)
    windows: list[Window] = field(default_factory=list)
    waits: list[tuple[str, int, str]] = field(default_factory=list)
    """(phase, seq, time) of every step that waits for a window's closes (§11.4)."""
    lottery: dict[str, SchoolResults] = field(default_factory=dict)
    bias: list[Obj] | None = None
    rounds: list[Round] = field(default_factory=list)
    payments_closed: int | None = None
    grouping: dict[str, SchoolResults] = field(default_factory=dict)
    matching: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    """school -> (class, teacher, name) in log order."""
    locks_recorded: list[int] = field(default_factory=list)
    rehearsals: list[Obj] = field(default_factory=list)
    notifications: list[tuple[str, int | None, int]] = field(default_factory=list)
    corrections: list[tuple[int, int, str]] = field(default_factory=list)
    published: list[str] = field(default_factory=list)

    def ceremony(self, name: str) -> CeremonyLog:
        return self.ceremonies.setdefault(name, CeremonyLog())

    def seed_of(self, name: str) -> bytes | None:
        cer = self.ceremonies.get(name)
        return None if cer is None or cer.seed is None else cer.seed.seed

    def input_of(self, name: str) -> Input | None:
        """The ceremony's input in force (its last input_frozen's), if frozen."""
        cer = self.ceremonies.get(name)
        frozen = None if cer is None else cer.frozen
        return None if frozen is None else frozen.input


def part_is_full(part: Part, next_first: int) -> bool:
    """§11.1: a part ends at 250 records, or where the next record would make the entry
    reach 65,536 bytes (one comma and the record)."""
    return part.records == 250 or part.size + 1 + next_first >= MAX_ENTRY


_RESULTS = {"lottery": ("lottery_summary", "lottery_result", "bias_audit"),
            "grouping": ("grouping_summary", "grouping_result"),
            "teachers": ("matching_result",)}
_RESULT_OF = {t: c for c, ts in _RESULTS.items() for t in ts}
_WAITS = {("input_frozen", "lottery"): "registration", ("input_frozen", "grouping"): "cohort",
          ("input_frozen", "teachers"): "teachers"}


class Fold:
    """The streaming pass: strict parse, phase order, compact state (module doc)."""

    def __init__(self, state: LogState, openings: Openings | None = None,
                 root_sizes: frozenset[int] = frozenset()) -> None:
        self.state = state
        self.openings = openings
        self.root_sizes = root_sizes
        self.order: phases.Order | None = None
        self.phase_error: PhaseError | None = None
        self.tree = merkle.RootStream()
        self._event = b""
        """The entries' event id as bytes, once known (fast-path envelopes)."""
        self._time, self._time_text = b"", ""
        """The last fast-path time checked, as bytes and as text."""
        self._texts: dict[bytes, str] = {}
        self._handlers: dict[str, Callable[[int, str, str, Obj, bytes], None]] = {
            "event_created": self._event_created, "window_set": self._window,
            "window_removed": self._window, "rehearsal_recorded": self._rehearsal,
            "locks_recorded": self._locks_recorded, "ceremony_opened": self._opened,
            "eligibility_rejections": self._rejections, "input_records": self._records,
            "input_frozen": self._frozen, "input_withdrawn": self._withdrawn,
            "commitment": self._commitment, "commitments_closed": self._closed,
            "reveal": self._settled,
            "escrow_opened": self._settled, "contribution_void": self._settled,
            "physical_entropy": self._physical, "beacon_postponed": self._postponed,
            "beacon": self._beacon, "seed": self._seed,
            "escrow_key_released": self._released, "lottery_summary": self._lottery_summary,
            "lottery_result": self._lottery_result_parsed, "bias_audit": self._bias,
            "forfeit": self._forfeit, "lock": self._lock, "payment_round": self._payment_round,
            "promotion": self._promotion, "promotions": self._promotions,
            "payments_closed": self._payments_closed,
            "grouping_summary": self._grouping_summary,
            "grouping_result": self._grouping_result_parsed,
            "matching_result": self._matching, "notifications_sent": self._notified,
            "correction": self._correction, "published": self._published,
        }

    # ------------------------------------------------------------ the pass

    def leaf(self, raw: bytes) -> None:
        """Hash one line into the log tree (even after a parse error, §11.1, §12)."""
        self.tree.push(hashlib.sha256(b"\x00" + raw).digest())
        if self.tree.size in self.root_sizes:
            self.state.roots[self.tree.size] = self.tree.root()

    def absorb(self, seq: int, raw: bytes) -> None:
        """Strictly parse entry `seq` and keep what later steps need; raises StrictError."""
        st = self.state
        st.entries = seq + 1
        if len(raw) >= MAX_ENTRY:
            raise StrictError(f"{len(raw)} bytes, not below {MAX_ENTRY} (§11.1)")
        if raw.endswith(b'"type":"lottery_result","v":2}'):
            m = LOTTERY_RESULT.fullmatch(raw)
            if m is not None:
                body, reg, school, event, n, time = m.groups()
                t = self._envelope(seq, event, n, time)
                self._lottery_result(seq, t, school.decode(), reg.decode(), body)
                return
        elif raw.endswith(b'"type":"input_records","v":2}') and self._records_fast(seq, raw):
            return
        elif raw.endswith(b'"type":"grouping_result","v":2}'):
            m = GROUPING_RESULT.fullmatch(raw)
            if m is not None:
                klass, reg, school, event, n, time = m.groups()
                t = self._envelope(seq, event, n, time)
                self._grouping_result(seq, t, school.decode(), reg.decode(), klass.decode())
                return
        self.general(seq, raw)

    def general(self, seq: int, raw: bytes) -> None:
        """The general path: strict JSON, the §11.2 schema, the canonical bytes (§2.3)."""
        st = self.state
        obj = strict.loads_for_canonical_check(raw)
        records.entry(obj, st.event, seq)
        t, body = obj["type"], obj["body"]
        if strict.canon(obj) != raw:
            raise StrictError("not the canonical encoding, or a key repeated (§2.1, §2.3)")
        if st.event is None:
            st.event = obj["event"]
            self._event = st.event.encode()
        self._handlers[t](seq, t, obj["time"], body, raw)

    def _records_fast(self, seq: int, raw: bytes) -> bool:
        """An input_records entry of applicants (or pupils) only, read by one pattern per
        record; False (nothing kept) when it is anything else, for the general parser."""
        head = _RECORDS_HEAD.match(raw)
        if head is None:
            return False
        c = head.group(1).decode()
        pattern = APPLICANT if c == "lottery" else PUPIL
        found: list[re.Match[bytes]] = []
        pos = head.end()
        while True:
            m = pattern.match(raw, pos)
            if m is None or len(found) == 250:
                return False
            found.append(m)
            pos = m.end()
            if raw[pos:pos + 1] != b",":
                break
            pos += 1
        tail = _RECORDS_TAIL.fullmatch(raw, pos)
        if tail is None:
            return False
        lottery = c == "lottery"
        groups = [m.groups() for m in found]
        try:
            names = [g[4 if lottery else 1].decode() for g in groups]
        except UnicodeDecodeError:
            return False
        if not all(map(records.is_masked_name, names)):
            return False
        text = self._text
        if lottery and not all(records.is_date(text(g[6])) for g in groups):
            return False
        event, n, time = tail.groups()
        t = self._envelope(seq, event, n, time)
        inp = self.state.ceremony(c).current
        encs = [m.group(0) for m in found]
        prev = inp.last_leaf
        for enc in encs:
            if prev is not None and enc <= prev and inp.disorder is None:
                inp.disorder = (f"entry {seq}: a record is logged twice or out of the input "
                                "tree's order")
            prev = enc
        inp.last_leaf = prev
        sha = hashlib.sha256
        inp.tree.extend([sha(b"\x00" + enc).digest() for enc in encs])
        if lottery:
            add = inp.applicants.append
            for attrs, community, direct, district, _, reg_b, day, school, unit_b in groups:
                reg, unit = reg_b.decode(), unit_b.decode()
                gender = (None if self.openings is None
                          else self._opened_attrs("lottery", inp, reg, attrs.decode()))
                add(draw.Applicant(reg, text(school), text(district), text(day),
                                   direct == b"true", community == b"true",
                                   reg if unit == reg else unit,
                                   None if gender is None else gender[0]))
        else:
            for g in groups:
                self._pupil(inp, g)
        inp.parts.append(Part(seq, len(found), len(raw), len(encs[0])))
        self._feed(Item(seq, "input_records", t, c))
        return True

    def _text(self, data: bytes) -> str:
        """A repeated field (school, district, day) as one shared string."""
        got = self._texts.get(data)
        if got is None:
            got = self._texts[data] = _intern(data.decode())
        return got

    def _pupil(self, inp: Input, g: tuple[bytes, ...]) -> None:
        attrs, _, reg_b, same, school, sib = g
        reg = reg_b.decode()
        gender = self._opened_attrs("grouping", inp, reg, attrs.decode())
        record = {"reg": reg, "school": school.decode(),
                  "siblings": None if sib == b"null" else json.loads(sib),
                  "same_name": None if same == b"null" else same[1:-1].decode()}
        inp.pupils.append(grouping.pupil_of(record, None if gender is None else gender[0],
                                            None if gender is None else gender[1]))

    def _envelope(self, seq: int, event: bytes, n: bytes, time: bytes) -> str:
        """The envelope checks of records.entry for a fast-path entry; its time."""
        st = self.state
        if event != self._event:
            if st.event is not None:
                raise StrictError(f"entry.event {event.decode()!r} is not {st.event!r} "
                                  "(§11.3 (1))")
            st.event, self._event = event.decode(), event
        if int(n) != seq:
            raise StrictError(f"entry.seq {int(n)} is not its index {seq} (§11.1)")
        if time != self._time:  # entries of one burst share their second
            if not records.is_time(time.decode()):
                raise StrictError(f"entry.time: not a time (§1): {time.decode()!r}")
            self._time, self._time_text = time, time.decode()
        return self._time_text

    def _feed(self, it: Item) -> None:
        """Phase order (§11.3), streamed; the first violation is kept for step 5."""
        if self.phase_error is None:
            try:
                self._order().feed(it)
            except PhaseError as exc:
                self.phase_error = exc

    def _feed_result(self, seq: int, type_: str, time: str, school: str, reg: str) -> None:
        if self.phase_error is None:
            try:
                self._order().result(seq, type_, time, school, reg)
            except PhaseError as exc:
                self.phase_error = exc

    def _order(self) -> phases.Order:
        if self.order is None:
            rules = self.state.rules
            self.order = phases.Order(rules is not None and rules.beacon is not None,
                                      rules is not None and rules.rehearsal)
        return self.order

    def finish(self) -> phases.Order:
        """After the last line: the order (raises the first phase violation)."""
        if self.phase_error is not None:
            raise self.phase_error
        if self.order is None:
            raise PhaseError(0, phases.Rule.EVENT_CREATED, "the log is empty")
        return self.order

    def _span(self, name: str, time: str) -> None:
        """§11.4: extend the ceremony's span from its first commitment to its last result."""
        cer = self.state.ceremonies.get(name)
        if cer is not None and cer.first_commitment is not None:
            cer.span_end = time

    # ------------------------------------------------------------ handlers

    def _event_created(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        st = self.state
        if st.rules is None:  # a second one fails the phase order (§11.3 (1))
            r = body["rules"]
            if r["event"] != st.event:
                raise StrictError("rules.event differs from the entries' event (§3.1)")
            st.rules = Rules(strict.canon(r), r["event"], r["origin"], r["rehearsal"],
                             r["dice"], r["beacon"], r["waitlist_promotion"], r["grade"])
            st.rules_hash = bytes.fromhex(body["rules_hash"])
        self._feed(Item(seq, "event_created", time))

    def _window(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self.state.windows.append(Window(seq, time, body["phase"], body.get("opens"),
                                         body.get("closes")))
        self._feed(Item(seq, t, time, phase=body["phase"], opens=body.get("opens")))

    def _rehearsal(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self.state.rehearsals.append(body)
        self._feed(Item(seq, "rehearsal_recorded", time))

    def _locks_recorded(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self.state.locks_recorded.append(body["count"])
        self._feed(Item(seq, "locks_recorded", time))

    def _opened(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c = body["ceremony"]
        cer = self.state.ceremony(c)
        ps = body["participants"]
        ids = tuple(p["id"] for p in ps)
        if cer.opened is None:
            cer.opened = Opened(seq, time, ids, strict.canon(ps),
                                bytes.fromhex(body["participants_hash"]),
                                strict.b64_bytes(body["escrow_key"], 32),
                                body["physical_entropy_by"], body["beacon_round"])
            cer.schedule.append({"type": "ceremony_opened", "time": time,
                                 "physical_entropy_by": body["physical_entropy_by"],
                                 "beacon_round": body["beacon_round"]})
        self._feed(Item(seq, "ceremony_opened", time, c, participants=ids))

    def _rejections(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self.state.ceremony("lottery").rejections = (body["count"], bytes.fromhex(body["root"]))
        self._feed(Item(seq, "eligibility_rejections", time))

    def _records(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c = body["ceremony"]
        inp = self.state.ceremony(c).current
        recs = body["records"]
        first = 0
        for k, r in enumerate(recs):
            enc = strict.canon(r)
            if k == 0:
                first = len(enc)
            last = inp.last_leaf
            if last is not None and enc <= last and inp.disorder is None:
                inp.disorder = (f"entry {seq}: a {r['type']} record is logged twice or out of "
                                "the input tree's order")
            inp.last_leaf = enc
            inp.tree.push(merkle.leaf_hash(enc))
            self._keep(c, inp, r)
        inp.parts.append(Part(seq, len(recs), len(raw), first))
        self._feed(Item(seq, "input_records", time, c))

    def _keep(self, ceremony_: str, inp: Input, r: Obj) -> None:
        t = r["type"]
        if t == "applicant":
            reg, unit = r["reg"], r["unit"]
            gender = self._opened_attrs(ceremony_, inp, reg, r["attrs"])
            inp.applicants.append(draw.Applicant(
                reg, _intern(r["school"]), _intern(r["district"]), _intern(r["reg_day"]),
                r["direct"], r["community"], reg if unit == reg else unit,
                None if gender is None else gender[0]))
        elif t == "school":
            if r["id"] in inp.schools:
                inp.twice.append(f"school {r['id']}")
            else:
                inp.schools[r["id"]] = draw.school_of(r)
        elif t == "pupil":
            gender = self._opened_attrs(ceremony_, inp, r["reg"], r["attrs"])
            inp.pupils.append(grouping.pupil_of(r, None if gender is None else gender[0],
                                                None if gender is None else gender[1]))
        elif t == "class-plan":
            if r["school"] in inp.plans:
                inp.twice.append(f"class plan of {r['school']}")
            else:
                inp.plans[r["school"]] = ClassPlan(
                    r["school"], r["name"],
                    tuple((_intern(c["id"]), c["capacity"]) for c in r["classes"]))
        elif t == "teacher":
            inp.teachers.setdefault(_intern(r["school"]), []).append(Teacher(r["id"],
                                                                             r["name"]))

    def _opened_attrs(self, ceremony_: str, inp: Input, reg: str, attrs: str
                      ) -> tuple[str, tuple[str, ...]] | None:
        """§17.3: the opening of this record's attrs, checked now; (gender, strata)."""
        if self.openings is None:
            return None
        o = self.openings.attributes.get((ceremony_, reg))
        if o is None:
            if len(inp.unopened) < 5:
                inp.unopened.append(reg)
            return None
        if ceremony.attributes(reg, o.gender, o.strata, o.salt).hex() != attrs:
            if len(inp.mismatched) < 5:
                inp.mismatched.append(reg)
            return None
        inp.opened += 1
        return o.gender, o.strata

    def _frozen(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c = body["ceremony"]
        cer = self.state.ceremony(c)
        inp = cer.current
        cer.freezes.append(Freeze(seq, time, bytes.fromhex(body["root"]), body["size"], inp,
                                  inp.tree.root(), cer.rejections if c == "lottery" else None))
        cer.current = Input()
        self.state.waits.append((_WAITS[("input_frozen", c)], seq, time))
        self._feed(Item(seq, "input_frozen", time, c))

    def _withdrawn(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c = body["ceremony"]
        cer = self.state.ceremony(c)
        cer.withdrawals += 1
        cer.rejections = None
        self._feed(Item(seq, "input_withdrawn", time, c))

    def _commitment(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c = body["ceremony"]
        cer = self.state.ceremony(c)
        cer.commitments.setdefault(body["participant"], Commitment(
            bytes.fromhex(body["commitment"]), strict.b64_bytes(body["escrow"], 80)))
        if cer.first_commitment is None:
            cer.first_commitment = (seq, time)
        self._span(c, time)
        self._feed(Item(seq, "commitment", time, c, body["participant"]))

    def _closed(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self._span(body["ceremony"], time)
        self._feed(Item(seq, t, time, body["ceremony"]))

    def _settled(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c, p = body["ceremony"], body["participant"]
        secret = bytes.fromhex(body["secret"]) if "secret" in body else None
        self.state.ceremony(c).settlements.setdefault(p, Settlement(t, secret,
                                                                    body.get("reason")))
        self._span(c, time)
        self._feed(Item(seq, t, time, c, p, reason=body.get("reason")))

    def _physical(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c = body["ceremony"]
        cer = self.state.ceremony(c)
        if cer.physical is None:
            cer.physical = Physical(tuple(body["values"]), time)
            cer.schedule.append({"type": "physical_entropy", "time": time})
        self._span(c, time)
        self._feed(Item(seq, "physical_entropy", time, c))

    def _postponed(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c = body["ceremony"]
        cer = self.state.ceremony(c)
        cer.schedule.append({"type": "beacon_postponed", "time": time,
                             **{k: v for k, v in body.items() if k != "ceremony"}})
        cer.postponements += 1
        self._span(c, time)
        self._feed(Item(seq, "beacon_postponed", time, c, reason=body["reason"]))

    def _beacon(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c = body["ceremony"]
        cer = self.state.ceremony(c)
        if cer.beacon is None:
            cer.beacon = body
        self._span(c, time)
        self._feed(Item(seq, "beacon", time, c))

    def _seed(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        c = body["ceremony"]
        cer = self.state.ceremony(c)
        if cer.seed is None:
            cer.seed = SeedEntry(bytes.fromhex(body["seed"]), bytes.fromhex(body["input_root"]),
                                 body["input_size"])
        self._span(c, time)
        self._feed(Item(seq, "seed", time, c))

    def _released(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        cer = self.state.ceremony(body["ceremony"])
        if cer.released_key is None:
            cer.released_key = strict.b64_bytes(body["private_key"], 32)
        self._feed(Item(seq, "escrow_key_released", time, body["ceremony"]))

    def _lottery_summary(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        res = self.state.lottery.setdefault(body["school"], SchoolResults())
        if res.summary is None:
            res.summary = body
        self._span("lottery", time)
        self._feed(Item(seq, "lottery_summary", time, school=body["school"],
                        count=body["applicants"]))

    def _lottery_result(self, seq: int, time: str, school: str, reg: str, body: bytes) -> None:
        res = self.state.lottery.get(school)
        if res is None:
            res = self.state.lottery[school] = SchoolResults()
        res.digest.update(body + b"\n")
        res.count += 1
        self._span("lottery", time)
        self._feed_result(seq, "lottery_result", time, school, reg)

    def _lottery_result_parsed(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self._lottery_result(seq, time, body["school"], body["reg"], strict.canon(body))

    def _bias(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        if self.state.bias is None:
            self.state.bias = body["dimensions"]
        self._span("lottery", time)
        self._feed(Item(seq, "bias_audit", time))

    def _round(self, number: int) -> Round:
        rounds = self.state.rounds
        if not rounds or rounds[-1].number != number:
            rounds.append(Round(number))
        return rounds[-1]

    def _forfeit(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self._round(body["round"]).forfeits.append((body["reg"], _intern(body["school"]),
                                                    body["reason"]))
        self._feed(Item(seq, "forfeit", time, round=body["round"], school=body["school"],
                        reg=body["reg"]))

    def _lock(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self._round(body["round"]).locks.append(body["reg"])
        self._feed(Item(seq, "lock", time, round=body["round"], reg=body["reg"]))

    def _payment_round(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        r = self._round(body["round"])
        if r.counts is None:
            r.counts, r.time = (body["forfeits"], body["locks"]), time
        self._feed(Item(seq, "payment_round", time, round=body["round"],
                        count=body["forfeits"], count2=body["locks"]))

    def _promotion(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        r = self._round(body["round"])
        r.promotions.setdefault(body["school"], []).append(
            draw.Promoted(body["reg"], body["unit"], body["waiting"]))
        self._feed(Item(seq, "promotion", time, round=body["round"], school=body["school"],
                        reg=body["reg"]))

    def _promotions(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        r = self._round(body["round"])
        r.summaries.setdefault(body["school"], (body["freed"], body["promoted"],
                                                body["returned_to_bureau"]))
        self._feed(Item(seq, "promotions", time, round=body["round"], school=body["school"],
                        count=body["promoted"]))

    def _payments_closed(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        st = self.state
        if st.payments_closed is None:
            st.payments_closed = body["rounds"]
        st.waits.append(("payment", seq, time))
        self._feed(Item(seq, "payments_closed", time, round=body["rounds"]))

    def _grouping_summary(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        res = self.state.grouping.setdefault(body["school"], SchoolResults())
        if res.summary is None:
            res.summary = body
        self._span("grouping", time)
        self._feed(Item(seq, "grouping_summary", time, school=body["school"],
                        count=sum(c["pupils"] for c in body["classes"])))

    def _grouping_result(self, seq: int, time: str, school: str, reg: str, klass: str) -> None:
        res = self.state.grouping.get(school)
        if res is None:
            res = self.state.grouping[school] = SchoolResults()
        res.digest.update(reg.encode() + b"\n")
        res.classes.append(_intern(klass))
        res.count += 1
        self._span("grouping", time)
        self._feed_result(seq, "grouping_result", time, school, reg)

    def _grouping_result_parsed(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self._grouping_result(seq, time, body["school"], body["reg"], body["class"])

    def _matching(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self.state.matching.setdefault(body["school"], []).append(
            (body["class"], body["teacher"], body["name"]))
        self._span("teachers", time)
        self._feed(Item(seq, "matching_result", time, school=body["school"],
                        klass=body["class"]))

    def _notified(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self.state.notifications.append((body["topic"], body["round"], body["messages"]))
        self._feed(Item(seq, "notifications_sent", time, topic=body["topic"],
                        round=body["round"]))

    def _correction(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self.state.corrections.append((seq, body["refers_to"], body["reason"]))
        self._feed(Item(seq, "correction", time, refers_to=body["refers_to"]))

    def _published(self, seq: int, t: str, time: str, body: Obj, raw: bytes) -> None:
        self.state.published.append(body["ceremony"])
        self._feed(Item(seq, "published", time, body["ceremony"]))


def item_of(seq: int, t: str, time: str | None, body: Obj) -> Item:
    """The phase-order item of an entry given as (type, time, body) (tests, vectors)."""
    counts = {"lottery_summary": "applicants", "promotions": "promoted",
              "payment_round": "forfeits"}
    count = body.get(counts.get(t, ""))
    if t == "grouping_summary" and "classes" in body:
        count = sum(c["pupils"] for c in body["classes"])
    return Item(seq, t, time, body.get("ceremony"), body.get("participant"),
                tuple(p["id"] for p in body.get("participants", ())), body.get("reason"),
                body.get("refers_to"), body.get("rounds", body.get("round")),
                body.get("school"), body.get("reg"), body.get("class"), body.get("topic"),
                body.get("phase"), body.get("opens"), count, body.get("locks"))
