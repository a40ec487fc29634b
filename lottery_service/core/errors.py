"""Exception tree of the core.

    ProtocolError                 base: input violates docs/PROTOCOL.md
    ├── CanonicalError            a value outside the canonical JSON domain (§2.1)
    ├── RecordError               a malformed record (§3)
    ├── CeremonyError             commitments, reveals, escrow, seed (§5)
    ├── AllocationError           an allocation input that cannot be drawn (§7)
    ├── GroupingError             a class plan or request that cannot be met (§9)
    └── MatchingError             teachers do not match classes one to one (§10)
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base of every core error; `section` names the PROTOCOL.md section."""

    section: str = ""

    def __init__(self, message: str, *, section: str | None = None) -> None:
        super().__init__(message)
        if section is not None:
            self.section = section

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} (PROTOCOL.md §{self.section})" if self.section else text


class CanonicalError(ProtocolError):
    section = "2.1"


class RecordError(ProtocolError):
    section = "3"


class CeremonyError(ProtocolError):
    section = "5"


class AllocationError(ProtocolError):
    section = "7"


class GroupingError(ProtocolError):
    section = "9"


class MatchingError(ProtocolError):
    section = "10"
