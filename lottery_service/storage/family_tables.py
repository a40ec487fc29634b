"""Tables of the family-facing features. Here: the places families gave up.

`DeclineTable` is the table of the "families" work (its full module adds the
look-up limits and the SMS outbox); the lifecycle reads it through
`service.lifecycle.declined_regs`, so the next payment round logs each as a
`forfeit` with reason `declined` (§7.5).
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

__all__ = ["DeclineTable"]


class DeclineTable(SQLModel, table=True):
    """A family gave up its offer on its page; the next payment round logs it as a
    `forfeit` with reason `declined` (§7.5)."""

    __tablename__ = "decline"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    reg: str = Field(primary_key=True)
    at: str  # ISO 8601 UTC, when the family confirmed
