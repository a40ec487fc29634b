"""Tables of the pushed witnesses (PROTOCOL.md §12.4): who they are, how far each has
cosigned, and every alarm one raised.

A witness here is a C2SP tlog-witness the service pushes each checkpoint to
(`service.push`); the supervisors who cosign by pulling are `models.WitnessTable`.
A pushed witness is registered there too, under its policy key, so the bundle's
keys and policy (§13) name every witness once.
"""

from __future__ import annotations

from typing import Literal, get_args

from sqlmodel import Field, SQLModel

from .models import Choice

# Closed sets: how the last push to a witness ended, and which answers are alarms
# (lottery_service.witness.client.PushStatus, §12.4).
PushOutcome = Literal["cosigned", "failed", "alarm"]
AlarmKind = Literal["unknown-log", "signature-refused", "inconsistent", "witness-ahead",
                    "bad-cosignature"]

__all__ = ["AlarmKind", "PushOutcome", "WitnessAlarmTable", "WitnessEndpointTable"]


class WitnessEndpointTable(SQLModel, table=True):
    """A witness the service pushes checkpoints to: name, submission URL, its keys."""

    __tablename__ = "witness_endpoint"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    name: str = Field(primary_key=True)
    url: str  # the tlog-witness submission prefix; POST <url>/add-checkpoint
    keys: str  # its cosignature verifier keys (type 0x04 / 0x06), one per line
    acked_size: int = 0  # the size it last cosigned (0: none yet)
    last_outcome: PushOutcome | None = Field(
        default=None, sa_type=Choice(get_args(PushOutcome)))
    last_detail: str = ""
    last_time: str = ""


class WitnessAlarmTable(SQLModel, table=True):
    """A witness's answer that points at the log (fork, rollback, wrong key): shown to
    the supervisors, never only logged (§12.4). One row per witness, size and kind."""

    __tablename__ = "witness_alarm"

    event_id: str = Field(primary_key=True, foreign_key="event.id")
    witness: str = Field(primary_key=True)
    size: int = Field(primary_key=True)
    kind: AlarmKind = Field(primary_key=True, sa_type=Choice(get_args(AlarmKind)))
    message: str  # Chinese first, then the witness's answer
    witness_size: int | None = None  # the size the witness reported (409)
    time: str
