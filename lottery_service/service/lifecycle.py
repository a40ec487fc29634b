"""The event's lifecycle steps (docs/LIFECYCLE.md): each one method, one unit of work.

Each step locks the event, asks the pure state machine in `core.season` for the
entries to append and appends them with a signed checkpoint (`EventWork.emit`).
Private data (names, birth dates, phones, genders) stays in its tables; only
masked records reach the log, built by `storage.records` from what the imports
stored, with their attributes and rejections committed (§17) and the openings
sealed in `SealedOpeningTable`. A ceremony's input is frozen only when the
ceremony is certain to finish from it (§3.4); until its first commitment it can
be withdrawn, amended and frozen again (§5.1 step 3). The ceremony steps
themselves (commit, reveal, escrow, dice, beacon, seed) are in `ceremonies.py`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, Final

from sqlalchemy import and_, delete, func, insert
from sqlmodel import Session, col, select

from .. import imports as parsing
from ..core.beacon import QUICKNET
from ..core.canonical import canonical_json
from ..core.eligibility import (
    Application,
    Eligibility,
    Eligible,
    LotteryInput,
    Rejection,
    check_lists,
    commit_applicant,
    commit_eligibility,
    rejection_leaf,
)
from ..core.inputs import build_input_tree, input_leaf, input_root
from ..core.log import Entry
from ..core.privacy import AttributeOpening, RejectionLeaf, RejectionTree, rejection_root
from ..core.records import VERSION, OpenedPupil, Rules, School
from ..core.season import Phase, PhaseError, SeasonState
from ..core.seed import CEREMONIES, Ceremony, Participant, decode_base64
from ..core.strict import loads
from ..errors import ConflictError, RejectedInputError, one_of
from ..storage import records
from ..storage.family_tables import DeclineTable
from ..storage.models import (
    ApplicationTable,
    CeremonySetupTable,
    ClassTable,
    EventTable,
    LockTable,
    ParticipantTable,
    PaymentTable,
    PupilTable,
    SchoolListTable,
    SchoolTable,
    SealedOpeningTable,
    TeacherTable,
)
from .keys import ServiceKeys
from .tokens import Principal
from .unit_of_work import Database, EventWork
from .windows import moment

__all__ = ["Lifecycle", "RosterPreview", "ceremony_of", "declined_regs",
           "eligibility_preview_of", "sealed_attributes", "sealed_rejections"]

_SEAL_PART: Final = 5_000  # sealed openings per executemany


def ceremony_of(value: str) -> Ceremony:
    """A ceremony name as typed by a person, or a precise refusal."""
    return one_of(value, CEREMONIES, f"unknown ceremony {value!r}; expected "
                  f"{', '.join(CEREMONIES)}", f"没有仪式 {value!r}；可选：lottery（摇号）、"
                  "grouping（分班）、teachers（班主任）")


@dataclass(frozen=True)
class RosterPreview:
    """What the roster freeze would freeze now (§7.1), and the code that confirms it: the
    operator sees the preview and freezes with `confirm=code`, so nothing is frozen that
    was not shown (issue 12 §4)."""

    preview: parsing.FreezePreview
    code: str  # first 12 hex of SHA-256(input root ‖ rejection root)
    text: str  # the preview in Chinese (`imports.format_preview`)


class Lifecycle:
    """Setup, roster, draw, payments, grouping, matching, amendments, corrections, publication."""

    def __init__(self, db: Database, keys: ServiceKeys) -> None:
        self._db = db
        self._keys = keys

    def state(self, event_id: str) -> SeasonState:
        """The event's current state as the log tells it (read-only use)."""
        with self._db.event(event_id) as work:
            return work.state

    # --------------------------------------------------------------- setup

    def create_event(self, rules: Mapping[str, Any], by: Principal | None = None
                     ) -> list[Entry]:
        """Create the event and log its rule set (§3.1); repeating it changes nothing.

        `rules` holds event, title, year, grade and optionally high_fee_threshold,
        waitlist_promotion, dice, rehearsal and beacon (null, a drand chain's info, or
        "quicknet"); the service adds type, version and the deployment's origin (§12.1),
        refusing an origin other than its own."""
        parsed = self._rules(rules)
        (by or Principal.operator()).require(parsed.event, "admin")
        row = EventTable(id=parsed.event, origin=parsed.origin)
        with self._db.event(parsed.event, create=row) as work:
            if work.event.origin != parsed.origin:
                raise ConflictError(
                    f"event {parsed.event} exists with origin {work.event.origin}",
                    zh=f"活动 {parsed.event} 已存在，其日志来源为 {work.event.origin}")
            return work.emit(work.state.create_event(parsed))

    def _rules(self, given: Mapping[str, Any]) -> Rules:
        if not isinstance(given, Mapping):
            raise RejectedInputError("the rule set must be a JSON object",
                                     zh="规则必须是 JSON 对象", section="3.1")
        event = given.get("event")
        rehearsal = given.get("rehearsal", False)
        if not isinstance(event, str) or not isinstance(rehearsal, bool):
            raise RejectedInputError("rules.event must be an event id and rules.rehearsal "
                                     "true or false", zh="规则中的 event 必须是活动编号，"
                                     "rehearsal 必须是 true 或 false", section="3.1")
        origin = self._keys.origin(event, rehearsal=rehearsal)
        if given.get("origin", origin) != origin:
            raise RejectedInputError(
                f"rules.origin {given['origin']!r} is not this deployment's {origin!r}",
                zh=f"规则中的日志来源 {given['origin']!r} 不是本部署的 {origin!r}"
                   "（由 SUNSHINE_ORIGIN_PREFIX 决定）", section="12.1")
        beacon = given.get("beacon")
        full = {"type": "rules", "version": VERSION, "high_fee_threshold": 6000,
                "waitlist_promotion": True, "dice": 20, **given, "origin": origin,
                "rehearsal": rehearsal,
                "beacon": QUICKNET.to_json() if beacon == "quicknet" else beacon}
        return Rules.from_json(full)

    def set_participants(self, event_id: str, ceremony: Ceremony,
                         people: Sequence[tuple[str, str]], escrow_key: str,
                         physical_entropy_by: str | dt.datetime | None = None
                         ) -> list[Participant]:
        """Set a ceremony up before it opens (§5.2): who takes part, the escrow holder's
        public key for this ceremony only (§5.4: never another ceremony's), and, when the
        rules name a beacon, the dice deadline `physical_entropy_by` (§5.6)."""
        participants = [Participant(pid, role) for pid, role in people]  # type: ignore[arg-type]
        twice = sorted(pid for pid, n in Counter(p.id for p in participants).items() if n > 1)
        if twice:
            raise RejectedInputError(
                f"participant id(s) named twice: {', '.join(twice)}",
                zh=f"参与方编号重复：{', '.join(twice)}", section="5.2")
        if len(participants) < 2:
            raise RejectedInputError("a ceremony needs at least two participants",
                                     zh="每场仪式至少需要两名参与方", section="5.2")
        key = decode_base64(escrow_key, "escrow_key")
        if len(key) != 32:
            raise RejectedInputError("escrow_key must be a 32-byte X25519 public key (§5.2)",
                                     zh="托管公钥必须是 32 字节的 X25519 公钥（base64）",
                                     section="5.2")
        deadline = None if physical_entropy_by is None else \
            _utc(moment(physical_entropy_by, "physical_entropy_by"))
        with self._db.event(event_id) as work:
            state = work.state
            if state.ceremony(ceremony).opened is not None:
                raise PhaseError(f"the {ceremony} ceremony is already open")
            rules = _rules(state)
            if (rules.beacon is None) != (deadline is None):
                raise RejectedInputError(
                    "physical_entropy_by is given exactly when the rules name a beacon (§5.6)",
                    zh="规则指定了信标时必须给出掷骰截止时间（physical_entropy_by），"
                       "未指定信标时不能给出", section="5.6")
            used = {c.kind: c.escrow_key for c in state.ceremonies.values() if c.opened}
            for row in work.session.exec(select(CeremonySetupTable).where(
                    CeremonySetupTable.event_id == event_id,
                    CeremonySetupTable.ceremony != ceremony)):
                used.setdefault(row.ceremony, base64.b64decode(row.escrow_key))
            for other, other_key in used.items():
                if other != ceremony and other_key == key:
                    raise RejectedInputError(
                        f"this escrow key is already the {other} ceremony's; each ceremony "
                        "needs its own key (§5.4)",
                        zh=f"该托管公钥已用于 {other} 仪式；每场仪式必须使用自己的托管密钥",
                        section="5.4")
            work.session.exec(delete(ParticipantTable).where(
                col(ParticipantTable.event_id) == event_id,
                col(ParticipantTable.ceremony) == ceremony))
            for p in participants:
                work.session.add(ParticipantTable(event_id=event_id, ceremony=ceremony,
                                                  participant_id=p.id, role=p.role))
            work.session.merge(CeremonySetupTable(event_id=event_id, ceremony=ceremony,
                                                  escrow_key=escrow_key,
                                                  physical_entropy_by=deadline))
        return participants

    # -------------------------------------------------------------- roster

    def eligibility_preview(self, event_id: str) -> RosterPreview:
        """What the roster freeze would freeze now, with its confirmation code (§7.1)."""
        with self._db.event(event_id) as work:
            return eligibility_preview_of(work, self._keys)

    def freeze_roster(self, event_id: str, confirm: str | None = None) -> list[Entry]:
        """Open the lottery ceremony and freeze its input (§5.1, §7.1): the eligible
        applicants' records and the committed rejections. `confirm` must be the code of
        the preview the operator saw (`eligibility_preview`); without it nothing is
        frozen and the error carries the preview."""
        with self._db.event(event_id) as work:
            c = work.state.ceremony("lottery")
            if c.frozen is not None:
                return []
            # With the code, one pass over the roster: it is checked against the very roots
            # that are frozen (a second pass for the preview took a minute at a province).
            if confirm is None:
                raise _unconfirmed(work, self._keys, None)
            schools, committed = _lottery_input(work, self._keys)
            tree = build_input_tree([*schools, *committed.applicants])
            if confirm != _roster_code(tree.root, committed.rejections.root):
                raise _unconfirmed(work, self._keys, confirm)
            entries = _open(work, "lottery")
            _seal(work.session, event_id, "lottery", committed.openings,
                  committed.rejections)
            return entries + work.emit(work.state.freeze_input(
                "lottery", tree, work.now, rejections=committed.rejections))

    def withdraw_input(self, event_id: str, ceremony: Ceremony, reason: str) -> list[Entry]:
        """Withdraw a frozen input to amend it (§5.1 step 3), only before the ceremony's
        first commitment; the imports of its phase are open again, then freeze anew."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.withdraw_input(ceremony, reason))

    # ----------------------------------------------------- lottery results

    def draw(self, event_id: str) -> list[Entry]:
        """Log every school's lottery results and the bias audit (§7, §8)."""
        with self._db.event(event_id) as work:
            genders = {reg: o.gender for reg, o in
                       sealed_attributes(work.session, event_id, "lottery").items()}
            return work.emit(work.state.publish_draw(genders, work.now))

    def payment_round(self, event_id: str) -> list[Entry]:
        """Settle the open offers (§7.5): every holder of an unconfirmed offer without a
        receipt forfeits (`unpaid`, P7), one who gave the place up forfeits (`declined`),
        and every waiting applicant locked since is logged as a `lock` (P8)."""
        with self._db.event(event_id) as work:
            s, state = work.session, work.state
            if state.phase is not Phase.DRAWN:
                raise PhaseError(f"payment rounds run in the payment window (phase "
                                 f"{Phase.DRAWN.value}), not in {state.phase.value}")
            pay = state.payment_state()
            paid = {r.reg for r in s.exec(select(PaymentTable).where(
                PaymentTable.event_id == event_id))}
            declined = declined_regs(s, event_id) & set(pay.unconfirmed())
            unpaid = {reg for reg in pay.unconfirmed() if reg not in paid} - declined
            waiting = set(pay.waiting_regs())
            locks = {r.reg for r in s.exec(select(LockTable).where(
                LockTable.event_id == event_id))} & waiting
            return work.emit(state.payment_round(unpaid, declined, locks, work.now))

    def close_payments(self, event_id: str) -> list[Entry]:
        """End the payment window (§7.5): after a round without a promotion (or at once when
        the draw made no offer), at or after the window's close."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.close_payments(work.now))

    # ------------------------------------------------------------ grouping

    def freeze_grouping(self, event_id: str) -> list[Entry]:
        """Lock the cohort (S2) and the class plans (S3) and open the grouping ceremony;
        refused unless §9.3 holds for every school (§3.4)."""
        with self._db.event(event_id) as work:
            if work.state.ceremony("grouping").frozen is not None:
                return []
            pupils = _cohort(work)
            plans = _plans(work)
            openings = {p.reg: AttributeOpening(p.reg, p.gender, p.strata, self._keys.
                                                attribute_salt(event_id, "grouping", p.reg))
                        for p in pupils}
            inputs = [*(p.record(openings[p.reg].attrs) for p in pupils), *plans]
            entries = _open(work, "grouping")
            _seal(work.session, event_id, "grouping", openings, None)
            return entries + work.emit(work.state.freeze_input(
                "grouping", build_input_tree(inputs), work.now, grouping_pupils=pupils))

    def group(self, event_id: str) -> list[Entry]:
        """Run the class grouping (§9) and log its summaries and results."""
        with self._db.event(event_id) as work:
            openings = sealed_attributes(work.session, event_id, "grouping")
            return work.emit(work.state.publish_grouping(openings, work.now))

    def freeze_teachers(self, event_id: str) -> list[Entry]:
        """Freeze the head teachers (S5) and open the teacher ceremony; refused unless
        every planned school has one per class (§3.4)."""
        with self._db.event(event_id) as work:
            if work.state.ceremony("teachers").frozen is not None:
                return []
            rows = work.session.exec(select(TeacherTable).where(
                TeacherTable.event_id == event_id))
            teachers = [records.teacher(r) for r in rows]
            entries = _open(work, "teachers")
            tree = build_input_tree(teachers)
            return entries + work.emit(work.state.freeze_input("teachers", tree, work.now))

    def match(self, event_id: str) -> list[Entry]:
        """Match head teachers to classes (§10)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.publish_matching(work.now))

    # ------------------------------------------------------------ closing

    def correct(self, event_id: str, refers_to: int, reason: str) -> list[Entry]:
        """Log a correction of an earlier entry: a new entry, never an edit (§11.1)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.correct(refers_to, reason))

    def publish(self, event_id: str, ceremony: Ceremony) -> list[Entry]:
        """Mark a ceremony's results as published (§11.2)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.publish(ceremony))


# ------------------------------------------------------------------ helpers


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rules(state: SeasonState) -> Rules:
    if state.rules is None:
        raise PhaseError("the event has no rule set yet (§3.1)")
    return state.rules


def declined_regs(session: Session, event_id: str) -> set[str]:
    """Registration numbers whose family gave its place up (§7.5 `declined`), as recorded by
    the families' page (`DeclineTable`)."""
    return set(session.exec(select(DeclineTable.reg).where(DeclineTable.event_id == event_id)))


def _applications(work: EventWork, lists: records.ApprovedLists, *,
                  joint: bool = False) -> Iterator[Application]:
    """The stored applications in reg order, read 10,000 rows at a time and never held
    (a province has 2,000,000; issue 13); `joint`: those of sibling groups only."""
    query = select(*records.APPLICATION_COLUMNS).where(
        ApplicationTable.event_id == work.event_id)
    if joint:
        query = query.where(col(ApplicationTable.sibling_group).is_not(None))
    rows = work.session.execute(query.order_by(col(ApplicationTable.reg))
                                .execution_options(yield_per=10_000))
    return (records.application(row, lists) for row in rows)


def _decisions(work: EventWork) -> tuple[list[School], Iterator[Eligible | Rejection]]:
    """The private schools and the eligibility of each stored application in reg order
    (P1-P3, P8, P10, P11, P13): one code path for the import preview and the roster
    freeze. What spans applications is asked of the database (the children with two
    applications, P2; the regs on the bureau's lists) or read from the few joint
    applications (§3.2), so the applications themselves stream. A reg is stored once
    (the table's key), so it cannot appear twice."""
    rules = _rules(work.state)
    s, event_id = work.session, work.event_id
    schools = [records.school(r) for r in s.exec(select(SchoolTable).where(
        SchoolTable.event_id == event_id, SchoolTable.kind == "private"))]
    by_id = {school.id: school for school in schools}
    lists = records.ApprovedLists.of(s.exec(select(SchoolListTable).where(
        SchoolListTable.event_id == event_id)))
    locked = {r.reg for r in s.exec(select(LockTable).where(LockTable.event_id == event_id))}
    child = col(ApplicationTable.child_key)
    repeated = set(s.exec(select(child).where(  # "" is no key: the child is then its reg
        ApplicationTable.event_id == event_id, child != "")
        .group_by(child).having(func.count() > 1)))
    applied = dict(s.execute(select(col(SchoolListTable.reg), col(ApplicationTable.school))
                             .join(ApplicationTable, and_(
                                 col(ApplicationTable.event_id) == SchoolListTable.event_id,
                                 col(ApplicationTable.reg) == SchoolListTable.reg))
                             .where(SchoolListTable.event_id == event_id)).all())
    check_lists(rules, by_id, applied, lists.direct, lists.community)
    check = Eligibility(rules, by_id, locked, lists.direct, lists.community, repeated)
    check = check.with_units(_applications(work, lists, joint=True))
    return schools, map(check.decide, _applications(work, lists))


def _salts(work: EventWork, keys: ServiceKeys) -> Callable[[str], bytes]:
    """reg → the private salt of its attribute commitment or rejection leaf (§17)."""
    event_id = work.event_id
    return lambda reg: keys.attribute_salt(event_id, "lottery", reg)


def _lottery_input(work: EventWork, keys: ServiceKeys) -> tuple[list[School], LotteryInput]:
    schools, decisions = _decisions(work)
    return schools, commit_eligibility(work.event_id, decisions, _salts(work, keys))


def eligibility_preview_of(work: EventWork, keys: ServiceKeys) -> RosterPreview:
    """The roster preview inside a unit of work (also the imports' answer, §7.1). Its
    code is made of the roots the freeze would freeze, computed holding only one
    leaf's bytes per application, not the records or the trees: a province's import
    answers with it within the import's memory (issue 13)."""
    schools, decisions = _decisions(work)
    salt = _salts(work, keys)
    leaves = [input_leaf(school) for school in schools]
    rejections: list[Rejection] = []
    for d in decisions:
        if isinstance(d, Rejection):
            rejections.append(d)
        else:
            leaves.append(input_leaf(commit_applicant(d, salt(d.application.reg))[1]))
    eligible = len(leaves) - len(schools)
    preview = parsing.summarise(eligible, rejections, eligible + len(rejections))
    root = input_root(leaves)
    del leaves
    rejected = rejection_root(rejection_leaf(work.event_id, r, salt(r.reg))
                              for r in rejections)
    return RosterPreview(preview, _roster_code(root, rejected), parsing.format_preview(preview))


def _unconfirmed(work: EventWork, keys: ServiceKeys, confirm: str | None) -> PhaseError:
    """The refusal of a freeze without the current preview's code; it carries the preview."""
    shown = eligibility_preview_of(work, keys)
    return PhaseError(
        f"confirm the roster preview first: freeze with the code {shown.code}"
        + ("" if confirm is None else f" (the data changed since code {confirm})"),
        zh=f"请先确认冻结预览：{shown.text}\n确认后用确认码 {shown.code} 冻结名单",
        section="7.1", code=shown.code, preview=shown.text)


def _roster_code(input_root: bytes, rejection_root: bytes) -> str:
    """The roster preview's confirmation code (§7.1): what the freeze would log, in short."""
    return hashlib.sha256(input_root + rejection_root).hexdigest()[:12]


def _cohort(work: EventWork) -> list[OpenedPupil]:
    """The locked cohort (S2): confirmed lottery admissions and the imported pupils."""
    s, event_id = work.session, work.event_id
    confirmed = work.state.payment_state().confirmed()
    pupils = s.exec(select(PupilTable).where(PupilTable.event_id == event_id)).all()
    taken = sorted(p.reg for p in pupils if p.reg in confirmed)
    if taken:
        raise PhaseError(f"pupil(s) {', '.join(taken[:10])} are already admitted by the "
                         "lottery (P8)", zh=f"学生 {'、'.join(taken[:10])} 已由摇号录取，"
                         "不能再出现在新生名单中", rule="P8")
    applications = {a.reg: a for a in s.exec(select(ApplicationTable).where(
        ApplicationTable.event_id == event_id))}
    return records.cohort(confirmed, applications, pupils)


def _plans(work: EventWork) -> list[Any]:
    s, event_id = work.session, work.event_id
    names = {r.id: r.name for r in s.exec(select(SchoolTable).where(
        SchoolTable.event_id == event_id))}
    return records.class_plans(s.exec(select(ClassTable).where(
        ClassTable.event_id == event_id)), names)


def _open(work: EventWork, kind: Ceremony) -> list[Entry]:
    """Open a ceremony if it is not open yet: its participants, its escrow key and, with a
    beacon, its dice deadline and beacon round, all fixed now (§5.1 step 1, §5.6)."""
    if work.state.ceremony(kind).opened is not None:
        return []
    rows = work.session.exec(select(ParticipantTable).where(
        ParticipantTable.event_id == work.event_id, ParticipantTable.ceremony == kind)).all()
    setup = work.session.get(CeremonySetupTable, (work.event_id, kind))
    if not rows or setup is None:
        raise PhaseError(f"the {kind} ceremony is not set up: give its participants and "
                         "escrow key first (§5.2)",
                         zh=f"{kind} 仪式尚未设置：请先设置参与方和本场仪式的托管公钥")
    people = [Participant(r.participant_id, r.role) for r in rows]
    return work.emit(work.state.open_ceremony(
        kind, people, base64.b64decode(setup.escrow_key), work.now, setup.physical_entropy_by))


def _seal(session: Session, event_id: str, ceremony: Ceremony,
          attributes: Mapping[str, AttributeOpening], rejections: RejectionTree | None) -> None:
    """Keep what the commitments of this freeze open to (replacing an earlier freeze's)."""
    session.exec(delete(SealedOpeningTable).where(
        col(SealedOpeningTable.event_id) == event_id,
        col(SealedOpeningTable.ceremony) == ceremony))
    rows = chain(({"event_id": event_id, "ceremony": ceremony, "reg": reg, "kind": "attributes",
                   "body": canonical_json(opening.to_json()).decode()}
                  for reg, opening in attributes.items()),
                 ({"event_id": event_id, "ceremony": ceremony, "reg": leaf.reg,
                   "kind": "rejection", "body": leaf.leaf.decode()}
                  for leaf in (rejections.leaves if rejections is not None else ())))
    # An executemany per 5,000 rows, not an ORM object per applicant nor all rows at once
    # (as one list, a province's two million raised the freeze's peak by 1.6 GB, issue 13).
    while part := list(islice(rows, _SEAL_PART)):
        session.execute(insert(SealedOpeningTable), part)


def sealed_attributes(session: Session, event_id: str,
                      ceremony: Ceremony) -> dict[str, AttributeOpening]:
    """reg → the attribute opening frozen for `ceremony` (§17.1)."""
    return {r.reg: AttributeOpening.from_json(loads(r.body)) for r in session.exec(
        select(SealedOpeningTable).where(SealedOpeningTable.event_id == event_id,
                                         SealedOpeningTable.ceremony == ceremony,
                                         SealedOpeningTable.kind == "attributes"))}


def sealed_rejections(session: Session, event_id: str) -> list[RejectionLeaf]:
    """The rejection leaves frozen with the lottery input (§17.2)."""
    return [RejectionLeaf.from_json(loads(r.body)) for r in session.exec(
        select(SealedOpeningTable).where(SealedOpeningTable.event_id == event_id,
                                         SealedOpeningTable.kind == "rejection"))]
