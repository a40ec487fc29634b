"""No event can get stuck (issue 8 deliver 2, PROTOCOL.md §3.4): whatever valid inputs the
grouping and teacher freezes accept, their ceremonies always complete.

Driven through `SeasonState`'s commands, the ones the service logs (an event with an
empty lottery, then random class plans, cohorts with requests and teacher lists): when
`freeze_input` accepts the grouping input (S2, S3) the grouping results are always logged
for any seed, and when it accepts the teachers (S5) the matching always is. A refused
freeze logs nothing, so the plan or list can be amended before commitments open.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lottery_service.core.entries import Body
from lottery_service.core.errors import ProtocolError
from lottery_service.core.inputs import build_input_tree
from lottery_service.core.log import encode_entry
from lottery_service.core.privacy import AttributeOpening, rejection_tree
from lottery_service.core.records import ClassPlan, OpenedPupil, Rules, Teacher
from lottery_service.core.season import Phase, SeasonState
from lottery_service.core.seed import Ceremony, Participant, commitment, seal_escrow
from tests.unit.test_grouping_feasibility import cohort

EVENT = "demo-2026"
TIME = "2026-07-01T09:00:00Z"
PEOPLE = (Participant("bureau-1", "bureau"), Participant("notary-1", "notary"))


def _key(*parts: str) -> bytes:
    return hashlib.sha256("/".join(parts).encode()).digest()


def _log(state: SeasonState, bodies: Sequence[Body]) -> None:
    for b in bodies:
        state.apply(encode_entry(EVENT, state.size, TIME, b.TYPE, b.to_json()))


def _holder(kind: Ceremony) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_key(kind, "escrow-holder"))


def _seed(state: SeasonState, kind: Ceremony, salt: bytes) -> None:
    """Commitments, reveals, dice and the seed of an open, frozen ceremony (§5.1)."""
    holder = _holder(kind).public_key().public_bytes_raw()
    for p in PEOPLE:
        secret = _key(kind, p.id, salt.hex())
        com = commitment(EVENT, kind, p.id, secret)
        escrow = seal_escrow(secret, com, holder, X25519PrivateKey.generate())
        _log(state, state.commit(kind, p.id, com, escrow, TIME))
    _log(state, state.close_commitments(kind, TIME))
    for p in PEOPLE:
        _log(state, state.reveal(kind, p.id, _key(kind, p.id, salt.hex()), TIME))
    _log(state, state.physical_entropy(kind, "notary-1", [1 + b % 6 for b in salt[:20]], TIME))
    _log(state, state.derive_seed(kind, TIME))


def _open(state: SeasonState, kind: Ceremony) -> None:
    _log(state, state.open_ceremony(kind, PEOPLE, _holder(kind).public_key().public_bytes_raw(),
                                    TIME))


def confirmed_season() -> SeasonState:
    """An event whose lottery had no applicant: drawn, payments closed (phase confirmed)."""
    state = SeasonState()
    _log(state, state.create_event(Rules(EVENT, f"draw.example.cn/yunyan/{EVENT}", "演示",
                                         2026, 1)))
    _open(state, "lottery")
    _log(state, state.freeze_input("lottery", build_input_tree([]), TIME,
                                   rejections=rejection_tree([])))
    _seed(state, "lottery", bytes(32))
    _log(state, state.publish_draw({}, TIME))
    _log(state, state.close_payments(TIME))
    assert state.phase is Phase.CONFIRMED
    return state


@st.composite
def teacher_lists(draw: st.DrawFn, plans: Sequence[ClassPlan]) -> list[Teacher]:
    """Per planned school about one teacher per class, now and then one too few or too
    many, or an id another school already uses."""
    out: list[Teacher] = []
    used = 0
    for plan in plans:
        count = len(plan.classes) + draw(st.sampled_from([0, 0, 0, 0, 1, -1]))
        for _ in range(max(count, 0)):
            used += 1
            tid = f"T{used:03d}" if draw(st.integers(0, 19)) or used == 1 else "T001"
            out.append(Teacher(plan.school, tid, "李*"))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort(), st.data(), st.binary(min_size=32, max_size=32))
def test_valid_inputs_that_pass_the_freeze_always_complete(
        case: tuple[list[ClassPlan], list[OpenedPupil]], data: st.DataObject,
        salt: bytes) -> None:
    plans, pupils = case
    state = confirmed_season()
    _open(state, "grouping")
    openings = {p.reg: AttributeOpening(p.reg, p.gender, p.strata, _key("salt", p.reg))
                for p in pupils}
    records = [*(p.record(openings[p.reg].attrs) for p in pupils), *plans]
    size = state.size
    try:
        frozen = state.freeze_input("grouping", build_input_tree(records), TIME,
                                    grouping_pupils=pupils)
    except ProtocolError as refused:
        assert state.size == size, "a refused freeze logs nothing"
        assert refused.rule in ("S2", "S3", "P13", None) or refused.section, refused
        event("grouping input refused")
        return
    _log(state, frozen)
    _seed(state, "grouping", salt)
    _log(state, state.publish_grouping(openings, TIME))  # §3.4: never fails after the seed
    assert state.grouped_all and len(state.grouping_results) == len(set(openings))

    teachers = data.draw(teacher_lists(state.plans()))
    _open(state, "teachers")
    try:
        frozen = state.freeze_input("teachers", build_input_tree(teachers), TIME)
    except ProtocolError:
        event("teacher list refused")
        return  # S5: the list is amended before the teacher ceremony's commitments
    _log(state, frozen)
    _seed(state, "teachers", salt[::-1])
    _log(state, state.publish_matching(TIME))
    assert state.matched_all and state.phase is Phase.MATCHED
    event("season completed")
