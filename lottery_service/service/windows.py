"""Calendar windows (G3): when a phase's imports are accepted and its closing step may run.

E.g. registration 11-20 June, 08:00-24:00 daily (Beijing time): imports of the
registration phase are refused outside those hours, and the roster freeze
waits until the window has closed.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from ..core.season import Phase
from ..errors import RejectedInputError, WindowError
from ..storage.models import WindowTable
from .unit_of_work import Database, EventWork

CHINA: Final = dt.timezone(dt.timedelta(hours=8), "CST")
PHASE_ZH: Final[dict[Phase, str]] = {
    Phase.SETUP: "准备", Phase.REGISTRATION: "报名", Phase.LOTTERY_CEREMONY: "摇号仪式",
    Phase.DRAWN: "缴费确认", Phase.CONFIRMED: "录取确认", Phase.GROUPING_CEREMONY: "分班仪式",
    Phase.GROUPED: "分班完成", Phase.TEACHER_CEREMONY: "班主任仪式",
    Phase.MATCHED: "班主任匹配完成", Phase.NOTIFIED: "已通知", Phase.PUBLISHED: "已公布",
}

__all__ = ["DailyHours", "Windows", "phase_of", "require_window"]

DailyHours = tuple[dt.time, dt.time]


def phase_of(value: str) -> Phase:
    """A phase name as typed by a person, or a precise refusal."""
    try:
        return Phase(value)
    except ValueError:
        names = ", ".join(p.value for p in Phase)
        raise RejectedInputError(f"unknown phase {value!r}; expected one of {names}",
                                 zh=f"没有阶段 {value!r}；可选：{names}") from None


def _moment(value: str | dt.datetime, what: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise RejectedInputError(
                f"{what}: {value!r} is not an ISO 8601 time such as 2026-06-11T08:00+08:00",
                zh=f"{what}：{value!r} 不是 ISO 8601 时间（例如 2026-06-11T08:00+08:00）",
                rule="G3") from None
    if value.tzinfo is None:
        raise RejectedInputError(f"{what}: window times need a time zone, e.g. +08:00",
                                 zh=f"{what}：时间必须带时区，例如 +08:00", rule="G3")
    return value.astimezone(dt.UTC)


def _daily(value: str | DailyHours | None) -> DailyHours | None:
    """`08:00-24:00` (Beijing time) or a pair of times; 24:00 and 00:00 mean midnight."""
    if value is None or isinstance(value, tuple):
        return value
    start, sep, end = value.partition("-")
    try:
        if not sep:
            raise ValueError(value)
        return (dt.time.fromisoformat(start),
                dt.time(0) if end == "24:00" else dt.time.fromisoformat(end))
    except ValueError:
        raise RejectedInputError(f"daily hours {value!r}: expected HH:MM-HH:MM, e.g. 08:00-24:00",
                                 zh=f"每日时段 {value!r} 的格式应为 HH:MM-HH:MM，例如 08:00-24:00",
                                 rule="G3") from None


class Windows:
    def __init__(self, db: Database) -> None:
        self._db = db

    def set(self, event_id: str, phase: str, opens: str | dt.datetime,
            closes: str | dt.datetime, daily: str | DailyHours | None = None) -> Phase:
        """Configure when a phase's imports are accepted; the step ending the phase waits
        until `closes`. Times carry a zone; `daily` hours are Beijing time."""
        which = phase_of(phase)
        start, end, hours = _moment(opens, "opens"), _moment(closes, "closes"), _daily(daily)
        if end <= start:
            raise RejectedInputError("a window must close after it opens",
                                     zh="时间窗口的结束时间必须晚于开始时间", rule="G3")
        with self._db.event(event_id) as work:
            work.session.merge(WindowTable(
                event_id=event_id, phase=which, opens=start.isoformat(), closes=end.isoformat(),
                daily_from=hours[0].isoformat() if hours else None,
                daily_to=hours[1].isoformat() if hours else None))
        return which


def require_window(work: EventWork, phase: Phase, *, inside: bool) -> None:
    """G3: inside=True for work within the phase, False for the step that ends it."""
    row = work.session.get(WindowTable, (work.event_id, phase.value))
    if row is None:
        return
    now = dt.datetime.fromisoformat(work.clock().replace("Z", "+00:00"))
    opens, closes = dt.datetime.fromisoformat(row.opens), dt.datetime.fromisoformat(row.closes)
    name = PHASE_ZH[phase]
    if not inside:
        if now < closes:
            raise WindowError(f"the {phase.value} window is open until {row.closes}",
                              zh=f"{name}时间窗口到 {_local(closes)} 才结束")
        return
    if not opens <= now < closes:
        raise WindowError(f"the {phase.value} window is {row.opens} to {row.closes}; "
                          f"now is {now.isoformat()}",
                          zh=f"{name}时间窗口为 {_local(opens)} 至 {_local(closes)}，"
                             f"现在是 {_local(now)}")
    if row.daily_from and row.daily_to:
        local = now.astimezone(CHINA).time()
        start, end = dt.time.fromisoformat(row.daily_from), dt.time.fromisoformat(row.daily_to)
        if not (start <= local and (end == dt.time(0) or local < end)):
            raise WindowError(f"{phase.value} is open daily {row.daily_from}-{row.daily_to} "
                              f"Beijing time",
                              zh=f"{name}每日开放时间为北京时间 {row.daily_from}-{row.daily_to}")


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") + " 北京时间"
