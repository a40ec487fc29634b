"""Exception tree of the core, and the base every error a user can see derives from.

    SunshineError                 base (lottery_service.errors draws the whole tree)
    └── ProtocolError             input violates docs/PROTOCOL.md
        ├── CanonicalError        a value outside the canonical JSON domain (§2.1)
        ├── RecordError           a malformed record (§3)
        ├── CeremonyError         commitments, reveals, escrow, seed (§5)
        ├── AllocationError       an allocation input that cannot be drawn (§7)
        ├── GroupingError         a class plan or request that cannot be met (§9)
        └── MatchingError         teachers do not match classes one to one (§10)

The base lives here, in the pure core, so the core's errors are part of the one
tree without the core importing the service.
"""

from __future__ import annotations

from typing import Any, ClassVar


class SunshineError(Exception):
    """An error meant for the person who caused it: what went wrong, Chinese first.

    `message` is the English text (also `str(exc)`), `message_zh` the Chinese one;
    where a raiser gives no Chinese text, the class's `title_zh` says what kind of
    failure it is. `section` names the PROTOCOL.md section, `rule` the policy rule
    (P1–P13, S1–S9, G1–G3). `context` carries structured details for the API body
    (e.g. the bad rows of an import). Never a builtin's subclass: a `ValueError`
    from a bug is not mistaken for a user's mistake.
    """

    title_zh: ClassVar[str] = "操作未完成"
    section: str = ""
    rule: str = ""

    def __init__(self, message: str, *, zh: str = "", section: str | None = None,
                 rule: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = zh
        if section is not None:
            self.section = section
        if rule is not None:
            self.rule = rule
        self.context: dict[str, Any] = dict(context)

    @property
    def reference(self) -> str:
        """`PROTOCOL.md §x`, `rule G3`, both or nothing."""
        refs = [f"PROTOCOL.md §{self.section}"] if self.section else []
        if self.rule:
            refs.append(f"rule {self.rule}")
        return ", ".join(refs)

    def __str__(self) -> str:
        return f"{self.message} ({self.reference})" if self.reference else self.message

    @property
    def zh(self) -> str:
        """The Chinese line: the raiser's text, else the class's title."""
        text = self.message_zh or self.title_zh
        return f"{text}（{self.reference}）" if self.reference else text

    def diagnostics(self) -> str:
        """Two lines for a person: Chinese first, then English."""
        return f"{self.zh}\n{self}"


class ProtocolError(SunshineError):
    """Base of every core error; `section` names the PROTOCOL.md section."""

    title_zh = "数据不符合协议"


class CanonicalError(ProtocolError):
    title_zh = "数值超出规范 JSON 的范围"
    section = "2.1"


class RecordError(ProtocolError):
    title_zh = "记录格式不符合协议"
    section = "3"


class CeremonyError(ProtocolError):
    title_zh = "仪式数据（承诺、揭示、托管或种子）不符合协议"
    section = "5"


class AllocationError(ProtocolError):
    title_zh = "派位输入无法执行"
    section = "7"


class GroupingError(ProtocolError):
    title_zh = "分班计划或要求无法满足"
    section = "9"


class MatchingError(ProtocolError):
    title_zh = "班主任与班级不能一一对应"
    section = "10"
