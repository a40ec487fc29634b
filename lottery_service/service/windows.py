"""Calendar windows (G3, P6; PROTOCOL.md §11.4): set, listed and removed as log entries.

E.g. registration 11–20 June, 08:00–24:00 daily (Beijing time): imports of the
registration phase are refused outside those hours, and the roster freeze
waits until the window has closed. A window is logged (`window_set`), can be
replaced or removed only before it opens, and the state machine enforces the
ceremony windows (the lottery on its announced day, P6) and the waiting steps
from the log itself (`core.season`); imports are not logged, so their windows
are enforced here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from ..core.entries import DailyHours, WindowPhase, WindowSet
from ..core.log import Entry
from ..errors import RejectedInputError, WindowError
from .unit_of_work import Database, EventWork

CHINA: Final = dt.timezone(dt.timedelta(hours=8), "CST")
PHASE_ZH: Final[dict[WindowPhase, str]] = {
    WindowPhase.REGISTRATION: "报名", WindowPhase.LOTTERY_CEREMONY: "摇号仪式",
    WindowPhase.PAYMENT: "缴费", WindowPhase.COHORT: "新生名单与分班计划",
    WindowPhase.GROUPING_CEREMONY: "分班仪式", WindowPhase.TEACHERS: "班主任名单",
    WindowPhase.TEACHER_CEREMONY: "班主任仪式",
}

__all__ = ["Windows", "moment", "phase_of", "require_import_window"]


def phase_of(value: str) -> WindowPhase:
    """A window phase as typed by a person, or a precise refusal (§11.2)."""
    try:
        return WindowPhase(value.replace("-", "_"))
    except ValueError:
        names = ", ".join(p.value for p in WindowPhase)
        zh = "、".join(f"{p.value}（{PHASE_ZH[p]}）" for p in WindowPhase)
        raise RejectedInputError(f"unknown phase {value!r}; expected one of {names}",
                                 zh=f"没有阶段 {value!r}；可选：{zh}", rule="G3") from None


def moment(value: str | dt.datetime, what: str) -> dt.datetime:
    """A time with its zone (e.g. 2026-06-11T08:00+08:00), or a precise refusal: a time
    without a zone is ambiguous and never guessed."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise RejectedInputError(
                f"{what}: {value!r} is not an ISO 8601 time such as 2026-06-11T08:00+08:00",
                zh=f"{what}：{value!r} 不是 ISO 8601 时间（例如 2026-06-11T08:00+08:00）",
                rule="G3") from None
    if value.tzinfo is None:
        raise RejectedInputError(
            f"{what}: {value.isoformat()} has no time zone; write it with one, e.g. +08:00",
            zh=f"{what}：{value.isoformat()} 没有时区，无法确定是哪个时刻；"
               f"请写明时区，例如 +08:00（北京时间）", rule="G3")
    return value.astimezone(dt.UTC)


def _protocol_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _daily(value: str | tuple[str, str] | None) -> DailyHours | None:
    """`08:00-24:00` (Beijing time) or a pair; 24:00 is written 00:00 in the log (§11.4)."""
    if value is None:
        return None
    start, end = value if isinstance(value, tuple) else (value.partition("-")[0],
                                                         value.partition("-")[2])
    end = "00:00" if end == "24:00" else end
    try:
        for clock in (start, end):
            dt.time.fromisoformat(clock)
            if len(clock) != 5:
                raise ValueError(clock)
    except ValueError:
        raise RejectedInputError(f"daily hours {value!r}: expected HH:MM-HH:MM, e.g. 08:00-24:00",
                                 zh=f"每日时段 {value!r} 的格式应为 HH:MM-HH:MM，例如 08:00-24:00",
                                 rule="G3") from None
    return DailyHours(start, end)


class Windows:
    def __init__(self, db: Database) -> None:
        self._db = db

    def set(self, event_id: str, phase: str, opens: str | dt.datetime,
            closes: str | dt.datetime, daily: str | tuple[str, str] | None = None
            ) -> list[Entry]:
        """Log a phase's window (§11.4); only before the window in force, if any, opens.
        Times carry their zone; `daily` hours are Beijing time."""
        which = phase_of(phase)
        start, end = moment(opens, "opens"), moment(closes, "closes")
        hours = _daily(daily)
        if end <= start:
            raise RejectedInputError("a window must close after it opens",
                                     zh="时间窗口的结束时间必须晚于开始时间", rule="G3")
        with self._db.event(event_id) as work:
            return work.emit(work.state.set_window(which, _protocol_time(start),
                                                   _protocol_time(end), hours, work.now))

    def remove(self, event_id: str, phase: str) -> list[Entry]:
        """Log the removal of a phase's window, only before it opens (§11.3 rule 2)."""
        which = phase_of(phase)
        with self._db.event(event_id) as work:
            if work.state.window(which) is None:
                raise RejectedInputError(f"no {which.value} window is set",
                                         zh=f"没有设置{PHASE_ZH[which]}时间窗口", rule="G3")
            return work.emit(work.state.remove_window(which, work.now))

    def list(self, event_id: str) -> Sequence[WindowSet]:
        """The windows in force, in §11.2 phase order."""
        with self._db.event(event_id) as work:
            return [w for p in WindowPhase if (w := work.state.window(p)) is not None]


def require_import_window(work: EventWork, phase: WindowPhase) -> None:
    """An import of `phase` lies inside its window in force and its daily hours (G3)."""
    w = work.state.window(phase)
    if w is None:
        return
    name = PHASE_ZH[phase]
    now = work.now
    if not w.opens <= now < w.closes:
        raise WindowError(f"the {phase.value} window is {w.opens} to {w.closes}; now is {now}",
                          zh=f"{name}时间窗口为 {_local(w.opens)} 至 {_local(w.closes)}，"
                             f"现在是 {_local(now)}")
    if w.daily is not None:
        local = _parse(now).astimezone(CHINA).strftime("%H:%M")
        start, end = w.daily.start, w.daily.end
        inside = start <= local and (end == "00:00" or local < end) if start < end or \
            end == "00:00" else local >= start or local < end
        if not inside:
            shown = "24:00" if end == "00:00" else end
            raise WindowError(f"{phase.value} is open daily {start}-{shown} Beijing time",
                              zh=f"{name}每日开放时间为北京时间 {start}-{shown}")


def _parse(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _local(value: str) -> str:
    return _parse(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") + " 北京时间"
