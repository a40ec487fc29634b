"""Notifications that reach families (S6, §11.2 topics; issue 11 item 5, issue 13 item 6).

`Notifications.notify(event, topic, round)` is one event step's whole use case:

1. **queue**: one outbox row per phone number (twins on one phone: one message
   naming each child), keyed by an idempotency key H(event, topic, round, phone),
   inserted in batches with ON CONFLICT DO NOTHING, so a re-run queues nothing
   twice; a child without a phone is queued `no_phone` and listed for the operator;
2. **settle** what a crash left in flight: a batch claimed longer than
   `settle_seconds` ago is looked up at the gateway by its batch id (`status`):
   what the gateway holds is marked sent, what it does not is sent again;
3. **send** in batches: claim up to `gateway.max_batch` rows (status `sending`,
   a fresh batch id, committed *before* the gateway is called), send them in one
   request, record the answers in one transaction: two commits per batch, never
   one per message; `parallel` senders overlap their batches. A refused message
   is retried alone, up to `max_attempts`;
4. **log the count** once nothing of the step is pending or in flight: the log's
   `notifications_sent` holds the number of messages and nothing else (no text,
   no numbers).

A message is thus sent once even across kill -9: between the claim and the
record, the batch id is on disk, and the gateway is asked before any resend.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, get_args

from sqlalchemy import case, func, update
from sqlalchemy import select as columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from ..core.entries import ForfeitReason, Topic
from ..core.log import Entry
from ..core.records import mask_name
from ..core.season import PhaseError, SeasonState
from ..errors import RejectedInputError, RemoteError, one_of
from ..lookup import ApplicantResult, ResultIndex
from ..storage.family_tables import NoticeStatus, NoticeTopic, SmsOutboxTable
from ..storage.models import (
    ApplicationTable,
    PaymentTable,
    PupilTable,
    SealedOpeningTable,
    TeacherTable,
)
from .sms import Delivery, Sent, Sms, SmsGateway, SmsSettings
from .sms_templates import TOPIC_ZH, Child, render
from .snapshots import LogCache
from .unit_of_work import Database

__all__ = ["NoticeStatus", "NoticeTopic", "NotificationOutcome", "Notifications", "Recipient",
           "StepCount", "topic_of"]

TOPICS: Final[tuple[NoticeTopic, ...]] = get_args(NoticeTopic)
_FORFEIT_ZH: Final = {ForfeitReason.UNPAID: "逾期未缴费", ForfeitReason.DECLINED: "家长已在线放弃"}
ROUNDED: Final = ("promotion", "forfeit")  # §11.2: `round` is set exactly for these
UNSENT: Final[tuple[NoticeStatus, ...]] = ("pending", "sending", "failed", "no_phone")
STATUS_ZH: Final[Mapping[NoticeStatus, str]] = {
    "pending": "待发送", "sending": "发送中（待网关确认）", "sent": "已发送",
    "delivered": "已送达", "failed": "发送失败", "no_phone": "没有手机号",
}
_T: Final = SmsOutboxTable.__table__.c  # type: ignore[attr-defined]
_A: Final = ApplicationTable.__table__.c  # type: ignore[attr-defined]
_P: Final = PupilTable.__table__.c  # type: ignore[attr-defined]
_INSERT_CHUNK: Final = 1000


def topic_of(value: str) -> NoticeTopic:
    """A topic as typed by a person, or a precise refusal."""
    return one_of(value, TOPICS, f"unknown topic {value!r}; expected one of "
                  f"{', '.join(TOPICS)}", f"没有通知类型 {value!r}；可选："
                  f"{'、'.join(f'{t}（{TOPIC_ZH[t]}）' for t in TOPICS)}")


@dataclass(frozen=True)
class NotificationOutcome:
    """One step's outbox after a run: `sent` counts every message of the step sent so far."""

    topic: NoticeTopic
    round_no: int
    queued: int
    sent: int
    pending: int
    failed: int
    no_phone: int
    entries: list[Entry]


@dataclass(frozen=True)
class Recipient:
    """A message the operator should look at (not sent yet, failed, no phone)."""

    topic: NoticeTopic
    round_no: int
    regs: tuple[str, ...]
    phone: str | None  # masked: 138****0001
    status: NoticeStatus
    attempts: int
    error: str

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]


@dataclass(frozen=True)
class StepCount:
    topic: NoticeTopic
    round_no: int
    status: NoticeStatus
    messages: int


@dataclass(frozen=True)
class _Claimed:
    """An outbox row claimed into a batch (the columns sending needs)."""

    id: int
    key: str
    phone: str | None
    topic: NoticeTopic
    params: str
    text: str
    batch: str | None
    claimed_at: str | None


@dataclass(frozen=True)
class _Queued:
    phone: str | None
    children: tuple[Child, ...]


class Notifications:
    def __init__(self, db: Database, cache: LogCache, gateway: SmsGateway,
                 settings: SmsSettings, max_attempts: int = 3, parallel: int = 4) -> None:
        self._db = db
        self._cache = cache
        self.gateway = gateway
        self.settings = settings
        self.max_attempts = max_attempts
        self.parallel = parallel

    # ------------------------------------------------------------ use cases

    def notify(self, event_id: str, topic: NoticeTopic = "class",
               round_no: int | None = None) -> NotificationOutcome:
        """Queue, settle, send one event step's messages; log their count once."""
        number = self._round(topic, round_no)
        self._cache.invalidate(event_id)
        snap = self._cache.snapshot(event_id)  # read before any write: SQLite has one writer
        state = snap.state()
        _require(state, topic, number)
        assert state.rules is not None
        queue = self._recipients(event_id, topic, number, state, snap.index())
        queued = self._queue(event_id, topic, number, state.rules.title, queue)
        self._settle(event_id, topic, number)
        self._send(event_id, topic, number)
        counts = self._counts(event_id, topic, number)
        entries: list[Entry] = []
        if counts["pending"] == counts["sending"] == 0:
            entries = self._log_count(event_id, topic, number,
                                      counts["sent"] + counts["delivered"])
        return NotificationOutcome(
            topic=topic, round_no=number, queued=queued,
            sent=counts["sent"] + counts["delivered"],
            pending=counts["pending"] + counts["sending"], failed=counts["failed"],
            no_phone=counts["no_phone"], entries=entries)

    def recipients(self, event_id: str,
                   statuses: Iterable[NoticeStatus] = UNSENT) -> list[Recipient]:
        """The messages in `statuses` (by default every one not sent), for the operator."""
        with self._db.read() as session:
            rows = session.exec(select(SmsOutboxTable).where(
                SmsOutboxTable.event_id == event_id,
                col(SmsOutboxTable.status).in_(list(statuses))).order_by(
                col(SmsOutboxTable.id))).all()
        return [Recipient(topic=r.topic, round_no=r.round_no, regs=tuple(r.regs.split(",")),
                          phone=_masked(r.phone), status=r.status, attempts=r.attempts,
                          error=r.error) for r in rows]

    def steps(self, event_id: str) -> list[StepCount]:
        """Messages per topic, round and status."""
        with self._db.read() as session:
            rows = session.execute(
                select(_T.topic, _T.round_no, _T.status, func.count())
                .where(_T.event_id == event_id)
                .group_by(_T.topic, _T.round_no, _T.status)
                .order_by(_T.topic, _T.round_no, _T.status)).all()
        return [StepCount(topic=t, round_no=n, status=s, messages=c) for t, n, s, c in rows]

    def refresh(self, event_id: str, limit: int = 1000) -> int:
        """Ask the gateway for the handset receipts of up to `limit` sent messages;
        returns how many changed (to delivered or failed)."""
        with self._db.read() as session:
            rows = session.exec(select(SmsOutboxTable).where(
                SmsOutboxTable.event_id == event_id, SmsOutboxTable.status == "sent")
                .order_by(col(SmsOutboxTable.id)).limit(limit)).all()
        changed = 0
        for batch, members in _by_batch(rows).items():
            found = self.gateway.status(batch, [_sms(r) for r in members],
                                        _day(members[0].claimed_at))
            with self._db.write() as session:
                for row in members:
                    delivery = found.get(row.key, Delivery.UNKNOWN)
                    if delivery in (Delivery.DELIVERED, Delivery.FAILED):
                        session.execute(update(SmsOutboxTable).where(
                            _T.id == row.id, _T.status == "sent").values(
                            status="delivered" if delivery is Delivery.DELIVERED else "failed",
                            error="" if delivery is Delivery.DELIVERED
                            else "运营商回执：未送达 / carrier reported failure"))
                        changed += 1
        return changed

    # --------------------------------------------------------------- queue

    def _round(self, topic: NoticeTopic, round_no: int | None) -> int:
        if topic in ROUNDED:
            if round_no is None or round_no < 1:
                raise RejectedInputError(f"topic {topic} needs the payment round (1, 2, …)",
                                         zh=f"{TOPIC_ZH[topic]}通知需要指明缴费轮次（1、2、…）")
            return round_no
        if round_no is not None:
            raise RejectedInputError(f"topic {topic} has no round",
                                     zh=f"{TOPIC_ZH[topic]}通知不分轮次")
        return 0

    def _recipients(self, event_id: str, topic: NoticeTopic, round_no: int,
                    state: SeasonState, index: ResultIndex) -> list[_Queued]:
        """Who gets this step's message, grouped by phone number (§11.2 topics)."""
        with self._db.read() as session:  # columns, not objects: a city has 200,000
            apps = {r.reg: r for r in session.execute(
                columns(_A.reg, _A.name, _A.phone).where(_A.event_id == event_id))}
            pupils = {r.reg: r for r in session.execute(
                columns(_P.reg, _P.name, _P.phone).where(_P.event_id == event_id))}
            paid = set(session.exec(select(PaymentTable.reg).where(
                PaymentTable.event_id == event_id)))
            rejected = set(session.exec(select(SealedOpeningTable.reg).where(
                SealedOpeningTable.event_id == event_id,
                SealedOpeningTable.kind == "rejection")))  # §17.2: sealed, never logged
            teachers = {(t.school, t.teacher_id): t.name for t in session.exec(
                select(TeacherTable).where(TeacherTable.event_id == event_id))}
        results = index.results
        lines: dict[str, str] = {}
        if topic == "draw":
            for reg in apps:
                line = _draw_line(results.get(reg), reg in rejected)
                if line is not None:
                    lines[reg] = line
        elif topic == "payment_reminder":
            lines = {r.reg: _school(r) for r in results.values()
                     if r.outcome == "admitted" and not r.forfeited and r.reg not in paid
                     and r.reg in apps}
        elif topic == "promotion":
            lines = {r.reg: _school(r) for r in results.values()
                     if r.promoted_round == round_no}
        elif topic == "forfeit":
            forfeits = [f.body for f in state.payments[round_no - 1].forfeits]
            lines = {f.reg: f"在{_school(results[f.reg])}的录取学位已放弃："
                            f"{_FORFEIT_ZH[f.reason]}"
                     for f in forfeits if f.reg in results}
        else:
            for r in results.values():
                if r.class_id is not None and r.teacher is not None:
                    teacher = r.teacher_name or mask_name(
                        teachers.get((r.school, r.teacher), "") or "老师")
                    lines[r.reg] = (f"已编入{_school(r)}{r.class_id}班，"
                                    f"班主任{teacher.removesuffix('老师')}老师")
        by_phone: dict[str | None, list[Child]] = defaultdict(list)
        alone: list[_Queued] = []
        for reg, line in sorted(lines.items()):
            pupil, app = pupils.get(reg), apps.get(reg)
            phone = (pupil.phone if pupil is not None else None) or \
                (app.phone if app is not None else None)
            known = results.get(reg)
            name = known.name if known is not None else mask_name(
                app.name if app is not None else pupil.name if pupil is not None else "")
            child = Child(reg=reg, name=name, line=line)
            if phone:
                by_phone[phone].append(child)
            else:
                alone.append(_Queued(None, (child,)))
        return [_Queued(phone, tuple(children)) for phone, children in by_phone.items()] + alone

    def _queue(self, event_id: str, topic: NoticeTopic, round_no: int, title: str,
               queue: Sequence[_Queued]) -> int:
        """Insert the step's rows not queued yet, in chunks; returns how many were new."""
        rows = []
        for q in queue:
            regs = [c.reg for c in q.children]
            link = self.settings.page_link(event_id, regs[0] if len(regs) == 1 else None)
            params, text = render(topic, q.children, title=title, link=link,
                                  deadline=self.settings.payment_deadline, round_no=round_no)
            rows.append({
                "event_id": event_id, "topic": topic, "round_no": round_no,
                "key": _key(event_id, topic, round_no, q.phone or f"reg:{regs[0]}"),
                "phone": q.phone, "regs": ",".join(regs), "text": text,
                "params": json.dumps(params, ensure_ascii=False, sort_keys=True),
                "status": "pending" if q.phone else "no_phone", "attempts": 0,
                "batch": None, "claimed_at": None, "sent_at": None, "error": "",
            })
        with self._db.write() as session:
            before = self._step_size(session, event_id, topic, round_no)
            statement = _insert(session).on_conflict_do_nothing(index_elements=["key"])
            for start in range(0, len(rows), _INSERT_CHUNK):
                session.execute(statement, rows[start:start + _INSERT_CHUNK])  # executemany
            return self._step_size(session, event_id, topic, round_no) - before

    # ---------------------------------------------------------- send, settle

    def _settle(self, event_id: str, topic: NoticeTopic, round_no: int) -> None:
        """Batches left `sending` by a crash: what the gateway holds is sent, the rest
        pending again. Batches younger than `settle_seconds` may still be in flight."""
        horizon = _iso(_moment(self._db.clock())
                       - dt.timedelta(seconds=self.settings.settle_seconds))
        with self._db.read() as session:
            rows = session.exec(select(SmsOutboxTable).where(
                *self._step(event_id, topic, round_no), SmsOutboxTable.status == "sending",
                col(SmsOutboxTable.claimed_at) <= horizon)).all()
        for batch, members in _by_batch(rows).items():
            self._settle_batch(batch, members)

    def _settle_batch(self, batch: str,
                      members: Sequence[_Claimed] | Sequence[SmsOutboxTable]) -> None:
        found = self.gateway.status(batch, [_sms(r) for r in members],
                                    _day(members[0].claimed_at))
        with self._db.write() as session:
            for row in members:
                delivery = found.get(row.key, Delivery.UNKNOWN)
                outcomes: dict[Delivery, dict[str, Any]] = {
                    Delivery.UNKNOWN: {"status": case((_T.attempts >= self.max_attempts,
                                                       "failed"), else_="pending"),
                                       "error": "网关没有这批短信的记录 / not at the gateway"},
                    Delivery.ACCEPTED: {"status": "sent", "sent_at": row.claimed_at},
                    Delivery.DELIVERED: {"status": "delivered", "sent_at": row.claimed_at},
                    Delivery.FAILED: {"status": "failed", "sent_at": row.claimed_at,
                                      "error": "运营商回执：未送达 / carrier reported failure"},
                }
                values = outcomes[delivery]
                session.execute(update(SmsOutboxTable).where(
                    _T.id == row.id, _T.status == "sending", _T.batch == batch).values(**values))

    def _send(self, event_id: str, topic: NoticeTopic, round_no: int) -> None:
        """`parallel` senders, each claiming, sending and recording one batch at a time:
        a remote gateway answers in tens of milliseconds, so batches overlap."""
        if self.parallel == 1:
            self._send_batches(event_id, topic, round_no)
            return
        with concurrent.futures.ThreadPoolExecutor(self.parallel) as pool:
            senders = [pool.submit(self._send_batches, event_id, topic, round_no)
                       for _ in range(self.parallel)]
        for sender in senders:
            sender.result()  # the first failure, after every sender has stopped

    def _send_batches(self, event_id: str, topic: NoticeTopic, round_no: int) -> None:
        """Claim, send, then record the answers *and* claim the next batch in one
        transaction: one commit per batch, and still every claim is on disk before its
        batch leaves."""
        with self._db.write() as session:
            batch, members = self._claim(session, event_id, topic, round_no)
        while members:
            messages = [_sms(r) for r in members]
            try:
                answers = self.gateway.send(batch, messages)
            except Exception as exc:  # the outcome is unknown: ask before anything else
                try:
                    self._settle_batch(batch, members)
                except Exception:
                    raise RemoteError(
                        f"the SMS gateway did not answer ({exc}); batch {batch} stays in "
                        f"flight and is settled with the gateway on the next run",
                        zh="短信网关没有响应；这一批短信的状态待网关确认，"
                           "稍后再次执行即可继续，不会重复发送") from exc
                with self._db.write() as session:
                    batch, members = self._claim(session, event_id, topic, round_no)
                continue
            with self._db.write() as session:
                self._record(session, batch, members, answers)
                batch, members = self._claim(session, event_id, topic, round_no)

    def _claim(self, session: Session, event_id: str, topic: NoticeTopic,
               round_no: int) -> tuple[str, list[_Claimed]]:
        """Up to one batch of pending rows, marked `sending` under a fresh batch id (the
        caller commits before the gateway hears of it). A row refused before goes alone."""
        batch = uuid.uuid4().hex
        for retried, size in ((False, self.gateway.max_batch), (True, 1)):
            # one UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) RETURNING:
            # parallel senders take different rows and never wait on each other's claims
            # (PostgreSQL; SQLite serialises its writers anyway)
            chosen = select(_T.id).where(
                *self._step(event_id, topic, round_no), _T.status == "pending",
                _T.attempts > 0 if retried else _T.attempts == 0,
            ).order_by(_T.id).limit(size).with_for_update(skip_locked=True)
            claimed = [_Claimed(*row) for row in session.execute(
                update(SmsOutboxTable).where(_T.id.in_(chosen.scalar_subquery())).values(
                    status="sending", batch=batch, claimed_at=self._db.clock(),
                    attempts=_T.attempts + 1).returning(
                    _T.id, _T.key, _T.phone, _T.topic, _T.params, _T.text, _T.batch,
                    _T.claimed_at))]
            if claimed:
                return batch, sorted(claimed, key=lambda c: c.id)
        return batch, []

    def _record(self, session: Session, batch: str, members: Sequence[_Claimed],
                answers: Sequence[Sent]) -> None:
        by_key = {a.key: a for a in answers}
        accepted = [r.id for r in members if by_key.get(r.key, Sent(r.key, False)).accepted]
        if accepted:
            session.execute(update(SmsOutboxTable).where(
                _T.id.in_(accepted), _T.batch == batch, _T.status == "sending").values(
                status="sent", sent_at=self._db.clock(), error=""))
        for row in members:
            answer = by_key.get(row.key, Sent(row.key, False, "no answer for it"))
            if answer.accepted:
                continue
            session.execute(update(SmsOutboxTable).where(
                _T.id == row.id, _T.batch == batch, _T.status == "sending").values(
                status=case((_T.attempts >= self.max_attempts, "failed"), else_="pending"),
                error=answer.error[:300]))

    # ---------------------------------------------------------------- count

    def _counts(self, event_id: str, topic: NoticeTopic, round_no: int) -> dict[str, int]:
        with self._db.read() as session:
            rows = session.execute(select(_T.status, func.count()).where(
                *self._step(event_id, topic, round_no)).group_by(_T.status)).all()
        counts: dict[str, int] = dict.fromkeys(STATUS_ZH, 0)
        counts.update({status: n for status, n in rows})
        return counts

    def _log_count(self, event_id: str, topic: NoticeTopic, round_no: int,
                   messages: int) -> list[Entry]:
        """The one call site of the log's `notifications_sent` (§11.2: counts only, one
        entry per topic and round; `round` is set exactly for promotion and forfeit)."""
        with self._db.event(event_id) as work:
            return work.emit(work.state.notifications_sent(
                Topic(topic), round_no if topic in ROUNDED else None, messages))

    def _step(self, event_id: str, topic: NoticeTopic, round_no: int) -> tuple[Any, ...]:
        return (SmsOutboxTable.event_id == event_id, SmsOutboxTable.topic == topic,
                SmsOutboxTable.round_no == round_no)

    def _step_size(self, session: Session, event_id: str, topic: NoticeTopic,
                   round_no: int) -> int:
        return int(session.execute(select(func.count()).where(
            _T.event_id == event_id, _T.topic == topic, _T.round_no == round_no)).scalar_one())


def _require(state: SeasonState, topic: NoticeTopic, round_no: int) -> None:
    """§11.3 item 8: each topic after the entries it reports."""
    if state.rules is None:
        raise PhaseError("there is no event yet", zh="还没有这个招生活动")
    if state.rules.rehearsal:  # §19: a rehearsal's results are never a family's result
        raise RejectedInputError(
            "a rehearsal sends no messages to families (PROTOCOL.md §19)",
            zh="演练活动不向家长发送短信：演练结果不是正式结果（PROTOCOL.md §19）")
    ok = {
        "draw": state.bias is not None,
        "payment_reminder": state.bias is not None and state.payments_closed is None,
        "promotion": 1 <= round_no <= len(state.payments),
        "forfeit": 1 <= round_no <= len(state.payments),
        "class": state.matched_all,
    }[topic]
    if not ok:
        need = {
            "draw": ("the lottery results are logged", "摇号结果公布之后"),
            "payment_reminder": ("after the draw and before the payment window closes",
                                 "摇号结果公布之后、缴费期结束之前"),
            "promotion": (f"payment round {round_no} is logged", f"第{round_no}轮缴费结算之后"),
            "forfeit": (f"payment round {round_no} is logged", f"第{round_no}轮缴费结算之后"),
            "class": ("the head teachers are matched", "班主任匹配完成之后"),
        }[topic]
        raise PhaseError(f"{topic} messages can be sent only once {need[0]} "
                         f"(event phase {state.phase.value})",
                         zh=f"{TOPIC_ZH[topic]}短信只能在{need[1]}发送", phase=state.phase.value)


def _draw_line(result: ApplicantResult | None, rejected: bool) -> str | None:
    if result is not None and result.outcome == "admitted":
        return f"摇号录取{_school(result)}"
    if result is not None and result.outcome is not None:
        if result.waiting is not None:
            return f"未摇中{_school(result)}，候补第{result.waiting}位"
        return f"未被{_school(result)}录取"
    if rejected:
        return "未通过资格审核（原因见查询页面）"
    return None


def _school(result: ApplicantResult) -> str:
    return result.school_name or result.school


def _key(event_id: str, topic: NoticeTopic, round_no: int, recipient: str) -> str:
    msg = f"sms\x00{event_id}\x00{topic}\x00{round_no}\x00{recipient}".encode()
    return hashlib.sha256(msg).hexdigest()[:32]


def _sms(row: _Claimed | SmsOutboxTable) -> Sms:
    assert row.phone is not None
    return Sms(key=row.key, phone=row.phone, topic=row.topic,
               params=json.loads(row.params), text=row.text)


def _by_batch(rows: Iterable[SmsOutboxTable]) -> dict[str, list[SmsOutboxTable]]:
    out: dict[str, list[SmsOutboxTable]] = defaultdict(list)
    for row in rows:
        if row.batch is not None and row.phone is not None:
            out[row.batch].append(row)
    return out


def _moment(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _day(claimed_at: str | None) -> dt.date:
    """The Beijing date a batch was sent on (the gateway files records by it)."""
    moment = _moment(claimed_at) if claimed_at else dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).date()


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _masked(phone: str | None) -> str | None:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 8 else phone


def _insert(session: Session) -> Any:
    name = session.get_bind().dialect.name
    table = SmsOutboxTable.__table__  # type: ignore[attr-defined]
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)

