"""Every error a person using the service can see, in one tree.

    SunshineError                    base (core.errors): diagnostics() in Chinese, then English
    ├── ProtocolError                input that violates docs/PROTOCOL.md (core.errors: its family)
    │   └── PhaseError               a step out of order (core.season, §11.3)
    │       ├── RosterFrozenError    registration data after the roster freeze (§5.1)
    │       └── WindowError          outside the phase's calendar window (G3)
    ├── NotFoundError                no such event, checkpoint, result …
    │   ├── EventNotFoundError
    │   └── CheckpointNotFoundError
    ├── ConflictError                clashes with what is stored (another key, a taken pupil)
    │   ├── ImportBusyError          another import of the same kind was stored meanwhile
    │   └── SignedHistoryError       the stored log is not what the signer signed (§12.2)
    ├── RejectedInputError           input the service refuses (bad time, unknown phase, duplicates)
    │   ├── ImportRejectedError      bad rows of an import, every one of them; nothing stored (G2)
    │   └── TooLargeError            an upload over its size limit
    ├── ForbiddenError               the caller's token may not do this
    │   └── ImportScopeError         a school's file holding another school's rows
    ├── UnauthenticatedError         no token, or an unknown one
    ├── RateLimitedError             too many failed look-ups; `retry_after` seconds
    ├── ConfigurationError           the data directory, a key file or a port is not usable
    └── RemoteError                  the server a participant's or witness's command talks to

Each is mapped once: to an HTTP status and body in `api/errors.py`, to an exit
code and printed diagnostics in `cli.main`. None subclasses a builtin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from .core.errors import ProtocolError, SunshineError
from .core.season import PhaseError

__all__ = [
    "CheckpointNotFoundError",
    "ConfigurationError",
    "ConflictError",
    "EventNotFoundError",
    "ForbiddenError",
    "ImportBusyError",
    "ImportRejectedError",
    "ImportScopeError",
    "NotFoundError",
    "PhaseError",
    "ProtocolError",
    "RateLimitedError",
    "RejectedInputError",
    "RemoteError",
    "RosterFrozenError",
    "SignedHistoryError",
    "SunshineError",
    "TooLargeError",
    "UnauthenticatedError",
    "WindowError",
    "one_of",
]


class RosterFrozenError(PhaseError):
    """Registration data cannot change once the roster is frozen (§5.1)."""

    title_zh = "名单已冻结，报名数据不能再修改"


class WindowError(PhaseError):
    """A step outside its configured calendar window (G3)."""

    title_zh = "不在规定的时间窗口内"
    rule = "G3"


class NotFoundError(SunshineError):
    title_zh = "没有找到"


class EventNotFoundError(NotFoundError):
    title_zh = "没有这个招生活动"

    def __init__(self, event_id: str) -> None:
        super().__init__(f"no event {event_id!r}", zh=f"没有招生活动 {event_id!r}",
                         event=event_id)


class CheckpointNotFoundError(NotFoundError):
    title_zh = "没有这个检查点"


class ConflictError(SunshineError):
    title_zh = "与已保存的数据冲突"


class ImportBusyError(ConflictError):
    """Two imports of one kind ran at once; the one stored second is refused (G2)."""

    title_zh = "同一类数据的另一次导入刚刚完成，本次未导入"


class SignedHistoryError(ConflictError):
    """The database's log differs from the checkpoints the service signed (an edit, a
    rollback, a fork): no step runs and nothing is signed until it is restored (§12.2, §16)."""

    title_zh = "审计日志与已签名的记录不一致，已拒绝执行"
    section = "12"


class RejectedInputError(SunshineError):
    title_zh = "输入有误，未做任何修改"


_Choice = TypeVar("_Choice", bound=str)


def one_of(value: str, options: Sequence[_Choice], en: str, zh: str) -> _Choice:
    """`value` as a person typed it, if it is one of `options`; else a refusal with
    `en` and `zh`, which name the options."""
    for option in options:
        if value == option:
            return option
    raise RejectedInputError(en, zh=zh)


class TooLargeError(RejectedInputError):
    title_zh = "文件太大"


class RowError(Protocol):
    """What an import reports per bad row (`imports.RowError`)."""

    @property
    def row(self) -> int: ...
    @property
    def field(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def field_zh(self) -> str: ...
    @property
    def reason_zh(self) -> str: ...
    @property
    def column(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def hint(self) -> str: ...
    @property
    def rule(self) -> str: ...


class ImportRejectedError(RejectedInputError):
    """An import had bad rows; nothing was stored. `report` lists every one (zh / en)."""

    title_zh = "文件有错误，整个文件未导入"

    def __init__(self, report: str, errors: Sequence[RowError]) -> None:
        rows = [{"row": e.row, "field": e.field, "reason": e.reason,
                 "field_zh": e.field_zh or e.field, "reason_zh": e.reason_zh or e.reason,
                 "column": e.column or e.field_zh or e.field, "value": e.value,
                 "rule": e.rule or None, "hint": e.hint}
                for e in errors]
        super().__init__(f"{len(rows)} error(s): nothing was imported",
                         zh=f"共 {len(rows)} 处错误，整个文件未导入", rule="G2",
                         errors=rows, report=report)
        self.report = report
        self.errors = tuple(errors)

    def diagnostics(self) -> str:
        return self.report


class ForbiddenError(SunshineError):
    title_zh = "无权执行此操作"


class ImportScopeError(ForbiddenError):
    """A school's upload holds rows of another school; nothing was stored."""

    title_zh = "学校只能导入本校的数据"

    def __init__(self, school: str, rows: Sequence[dict[str, str]]) -> None:
        super().__init__(f"{len(rows)} row(s) are not of school {school}",
                         zh=f"有 {len(rows)} 行不属于学校 {school}，整个文件未导入",
                         rows=list(rows))
        self.school = school
        self.rows = tuple(rows)


class UnauthenticatedError(SunshineError):
    title_zh = "需要有效的令牌"


class RateLimitedError(SunshineError):
    title_zh = "失败次数过多，请稍后再试"

    def __init__(self, retry_after: float) -> None:
        super().__init__("too many failed look-ups; try again later",
                         zh="查询失败次数过多，请稍后再试")
        self.retry_after = retry_after


class ConfigurationError(SunshineError):
    title_zh = "运行环境配置有误"


class RemoteError(SunshineError):
    """The server answered with an error or could not be reached."""

    title_zh = "服务器拒绝了请求或无法连接"

    def __init__(self, message: str, *, zh: str = "", status: int | None = None,
                 **context: Any) -> None:
        super().__init__(message, zh=zh, status=status, **context)
        self.status = status
