"""Pushed witnesses and their alarms (PROTOCOL.md §12.4), rehearsals (§19).

Reading the witnesses and alarms is public: an alarm says the log may have
forked or been rolled back, which every supervisor and family may know.
Registering a witness or recording a rehearsal is an admin's step.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ...core.records import EVENT_ID
from ...service.witnesses import PushedWitness
from ..deps import AdminDep, ServiceDep, appended
from ..errors import error_responses
from ..schemas import KEY_NAME, Appended, Strict

router = APIRouter(prefix="/events/{event_id}", tags=["witnesses"],
                   responses=error_responses(422))


class WitnessEndpointIn(Strict):
    name: str = Field(pattern=KEY_NAME, description="witness name, e.g. witness.example.com/w1")
    url: str = Field(pattern=r"^https?://\S+$", max_length=2000,
                     description="tlog-witness submission prefix (POST <url>/add-checkpoint)")
    keys: list[str] = Field(min_length=1, max_length=4, description=(
        "the witness's cosignature verifier keys (0x06 ML-DSA-44 and/or 0x04 Ed25519), all "
        "under `name`; the first is the one the tlog-policy lists"))


class WitnessEndpointOut(BaseModel):
    name: str
    url: str
    keys: list[str]
    acked_size: int = Field(description="the size this witness last cosigned (0: none)")
    last_outcome: str | None = Field(description="cosigned, failed or alarm")
    last_detail: str
    last_time: str


class WitnessAlarmOut(BaseModel):
    witness: str
    size: int = Field(description="the checkpoint size the witness refused")
    kind: str = Field(description="unknown-log (404), signature-refused (403), inconsistent "
                                  "(422), witness-ahead (rolled back), bad-cosignature")
    message: str = Field(description="Chinese first, then the witness's answer")
    witness_size: int | None
    time: str


class RehearsalIn(Strict):
    rehearsal: str = Field(pattern=EVENT_ID.pattern.join("^$"),
                           description="the rehearsal event (of this service) to record")


@router.get("/witness-alarms", response_model=list[WitnessAlarmOut],
            responses=error_responses(404))
def witness_alarms(event_id: str, service: ServiceDep) -> list[WitnessAlarmOut]:
    """Every alarm a pushed witness raised, newest first (§12.4): a fork, a rollback or a
    log key the witness does not accept. An empty list means none."""
    return [WitnessAlarmOut(witness=a.witness, size=a.size, kind=a.kind, message=a.message,
                            witness_size=a.witness_size, time=a.time)
            for a in service.witnesses.alarms(event_id)]


@router.get("/witness-endpoints", response_model=list[WitnessEndpointOut])
def witness_endpoints(event_id: str, service: ServiceDep) -> list[WitnessEndpointOut]:
    """The tlog-witnesses the service pushes every checkpoint to, with their progress."""
    return [_out(w) for w in service.witnesses.pushed(event_id)]


@router.post("/witness-endpoints", response_model=WitnessEndpointOut,
             responses=error_responses(401, 403, 404, 409, 422))
def register_witness(event_id: str, body: WitnessEndpointIn, service: ServiceDep,
                     _: AdminDep) -> WitnessEndpointOut:
    """Register a tlog-witness to push every checkpoint to (§12.4); repeating it is a no-op."""
    return _out(service.witnesses.register_witness(event_id, body.name, body.url, body.keys))


@router.post("/rehearsals", response_model=Appended,
             responses=error_responses(401, 403, 404, 409, 422))
def record_rehearsal(event_id: str, body: RehearsalIn, service: ServiceDep,
                     _: AdminDep) -> Appended:
    """Log in this official event that a rehearsal happened: its final checkpoint (§19)."""
    return appended(service.rehearsals.record_rehearsal(event_id, body.rehearsal))


def _out(w: PushedWitness) -> WitnessEndpointOut:
    return WitnessEndpointOut(name=w.endpoint.name, url=w.endpoint.url,
                              keys=[k.to_text() for k in w.endpoint.keys],
                              acked_size=w.acked_size, last_outcome=w.last_outcome,
                              last_detail=w.last_detail, last_time=w.last_time)
