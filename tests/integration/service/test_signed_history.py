"""A signer that trusts nothing it did not sign (issue 10 deliverable 2, PROTOCOL.md §12.2,
§16): the two attacks of the issue, reproduced on SQLite and PostgreSQL, are refused
before anything is signed; a crash between commit and the signed history is recovered
only with the signer's own valid signatures.

Attack 1: edit a frozen roster record in the stored log together with the unsigned
`checkpoint.root` column, restart, run the draw. Attack 2: delete the log after the
freeze and the later checkpoints, restart, enter new dice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlmodel import Session, col, select

from lottery_service.core.canonical import canonical_json
from lottery_service.core.entries import WindowPhase
from lottery_service.core.log import Entry
from lottery_service.core.merkle import MerkleTree, leaf_hash
from lottery_service.core.note import Checkpoint, Signer, sign_note, split_note
from lottery_service.core.records import VERSION, Rules
from lottery_service.demo import DemoRun
from lottery_service.demo.district import generate_district
from lottery_service.demo.season import simulated_dice
from lottery_service.errors import RejectedInputError, SignedHistoryError
from lottery_service.runtime import Runtime
from lottery_service.service.unit_of_work import EventWork
from lottery_service.storage.models import CheckpointTable, EventTable, LogEntryTable
from tests.support import make_runtime

EVENT = "demo-2026"
quiet = lambda _line: None  # noqa: E731


@pytest.fixture
def season(tmp_path: Path, backend: str) -> Iterator[tuple[Runtime, DemoRun]]:
    """A season up to the lottery seed: roster frozen, contributions settled, dice in."""
    rt = make_runtime(tmp_path, backend)
    run = DemoRun(rt, generate_district(applicants=1000), quiet)
    run.setup()
    run.registration()
    run.freeze_roster()
    run.commitments("lottery")
    run.reveals("lottery")
    run.entropy_and_seed("lottery")
    assert rt.service.followup.drain(60)  # the demo witnesses have cosigned: nothing moves
    try:
        yield rt, run
    finally:
        rt.close()


def _signed(rt: Runtime) -> list[tuple[int, str]]:
    with Session(rt.engine) as session:
        return [(c.size, c.note) for c in session.exec(
            select(CheckpointTable).where(CheckpointTable.event_id == EVENT)
            .order_by(col(CheckpointTable.size)))]


def _raws(session: Session) -> list[bytes]:
    return list(session.exec(select(LogEntryTable.raw).where(
        LogEntryTable.event_id == EVENT).order_by(col(LogEntryTable.seq))))


def _restart(rt: Runtime) -> None:
    rt.service.db.forget_states()  # nothing cached: everything is read from the database


def test_edited_roster_record_and_root_column_refuse_the_draw(
        season: tuple[Runtime, DemoRun]) -> None:
    rt, _run = season
    before = _signed(rt)
    with Session(rt.engine) as session:
        row = session.exec(select(LogEntryTable).where(
            LogEntryTable.event_id == EVENT, LogEntryTable.type == "input_records")
            .order_by(col(LogEntryTable.seq))).first()
        assert row is not None
        entry = json.loads(row.raw)
        record = next(r for r in entry["body"]["records"] if r["type"] == "applicant")
        record["district"] = "D02" if record["district"] != "D02" else "D03"
        row.raw = canonical_json(entry)  # still a canonical entry: only the record changed
        session.add(row)
        session.flush()
        # ... and the attacker recomputes the unsigned root column of the newest checkpoint.
        newest = session.exec(select(CheckpointTable).where(CheckpointTable.event_id == EVENT)
                              .order_by(col(CheckpointTable.size).desc())).first()
        assert newest is not None
        newest.root = MerkleTree([leaf_hash(r) for r in _raws(session)]).root().hex()
        session.add(newest)
        session.commit()
    _restart(rt)
    with pytest.raises(SignedHistoryError) as refused:
        rt.service.lifecycle.draw(EVENT)
    assert "从备份恢复数据库" in refused.value.zh and "监督组" in refused.value.zh
    assert _signed(rt) == before  # nothing signed
    with pytest.raises(SignedHistoryError):
        rt.service.exports.export(EVENT)  # nor exported as genuine


def test_edited_root_column_alone_is_refused(season: tuple[Runtime, DemoRun]) -> None:
    rt, _run = season
    with Session(rt.engine) as session:
        newest = session.exec(select(CheckpointTable).where(CheckpointTable.event_id == EVENT)
                              .order_by(col(CheckpointTable.size).desc())).first()
        assert newest is not None
        newest.root = "00" * 32
        session.add(newest)
        session.commit()
    with pytest.raises(SignedHistoryError, match="columns"):
        rt.service.lifecycle.draw(EVENT)


def test_rollback_after_the_freeze_then_new_dice_is_refused(
        season: tuple[Runtime, DemoRun]) -> None:
    rt, run = season
    rt.service.lifecycle.draw(EVENT)
    assert rt.service.followup.drain(60)
    before = _signed(rt)
    with Session(rt.engine) as session:
        frozen = session.exec(select(LogEntryTable.seq).where(
            LogEntryTable.event_id == EVENT, LogEntryTable.type == "input_frozen")).first()
        assert frozen is not None
        keep = min(s for s, _ in before if s > frozen)  # the log as the freeze signed it
        session.execute(delete(LogEntryTable).where(
            col(LogEntryTable.event_id) == EVENT, col(LogEntryTable.seq) >= keep))
        session.execute(delete(CheckpointTable).where(
            col(CheckpointTable.event_id) == EVENT, col(CheckpointTable.size) > keep))
        event = session.get(EventTable, EVENT)
        assert event is not None
        event.log_size = keep
        session.add(event)
        session.commit()
    _restart(rt)
    dice = [(v % 6) + 1 for v in simulated_dice(EVENT, "lottery", 20)]
    with pytest.raises(SignedHistoryError, match="rolled back") as refused:
        rt.service.ceremonies.physical_entropy(EVENT, "lottery", "notary-1", dice)
    assert "回滚" in refused.value.zh
    with pytest.raises(SignedHistoryError):
        run.commitments("lottery")  # no step runs on the rolled-back log
    assert [s for s, _ in _signed(rt)] == [s for s, _ in before if s <= keep]


def test_a_restart_on_an_untouched_log_carries_on(season: tuple[Runtime, DemoRun]) -> None:
    rt, _run = season
    _restart(rt)
    assert rt.service.lifecycle.draw(EVENT)
    history = rt.service.keys.history.notes(EVENT)
    assert [n.split("\n")[1] for n in history] == [str(s) for s, _ in _signed(rt)]


def test_crash_between_commit_and_history_is_recovered_from_valid_signatures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file lags the database by the step a crash cut short: the next step records it,
    having checked the signer's signature on it; a forged one is refused."""
    rt = make_runtime(tmp_path)
    try:
        run = DemoRun(rt, generate_district(applicants=1000), quiet)
        run.setup()
        history = rt.service.keys.history
        lines = len(history.notes(EVENT))
        with monkeypatch.context() as m:
            m.setattr(rt.service.db.log, "record", lambda _event: None)  # "crash"
            run.registration()
            run.freeze_roster()
        assert len(history.notes(EVENT)) == lines
        _restart(rt)
        run.commitments("lottery")
        sizes = [int(n.split("\n")[1]) for n in history.notes(EVENT)]
        assert sizes == [s for s, _ in _signed(rt)]

        # A "checkpoint" the database holds beyond the file, signed by another key.
        with monkeypatch.context() as m:
            m.setattr(rt.service.db.log, "record", lambda _event: None)
            run.reveals("lottery")
        forger = Signer.generate(rt.service.witnesses.origin(EVENT))
        with Session(rt.engine) as session:
            newest = session.exec(select(CheckpointTable).where(
                CheckpointTable.event_id == EVENT)
                .order_by(col(CheckpointTable.size).desc())).first()
            assert newest is not None
            body = newest.note.split("\n\n")[0] + "\n"
            newest.note = sign_note(body, [forger])
            session.add(newest)
            session.commit()
        _restart(rt)
        with pytest.raises(SignedHistoryError, match="not validly signed"):
            rt.service.lifecycle.state(EVENT)
    finally:
        rt.close()


def test_a_missing_signed_history_is_refused(tmp_path: Path) -> None:
    rt = make_runtime(tmp_path)
    try:
        DemoRun(rt, generate_district(applicants=1000), quiet).setup()
        rt.service.keys.history.path(EVENT).unlink()
        _restart(rt)
        with pytest.raises(SignedHistoryError, match="missing"):
            rt.service.lifecycle.state(EVENT)
    finally:
        rt.close()


def _window(work: EventWork, phase: WindowPhase) -> list[Entry]:
    return work.emit(work.state.set_window(phase, "2026-12-31T16:00:00Z",
                                           "2027-01-01T16:00:00Z", None, work.now))


def test_a_step_that_signs_twice_is_recorded_whole_or_not_at_all(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """§12.2: a step may emit twice (open the ceremony, then freeze): its second
    checkpoint follows its first, uncommitted one; a step that fails after signing
    twice leaves neither in the signed history, so the next step still runs."""
    rt = make_runtime(tmp_path)
    try:
        DemoRun(rt, generate_district(applicants=1000), quiet).setup()
        history = rt.service.keys.history
        before = history.notes(EVENT)
        with pytest.raises(RuntimeError), rt.service.db.event(EVENT) as work:
            _window(work, WindowPhase.REGISTRATION)
            _window(work, WindowPhase.PAYMENT)
            raise RuntimeError("the step fails after signing twice")
        assert history.notes(EVENT) == before
        with rt.service.db.event(EVENT) as work:
            _window(work, WindowPhase.REGISTRATION)
            _window(work, WindowPhase.PAYMENT)
        assert "could not record" not in caplog.text
        sizes = [size for size, _note in _signed(rt)]
        assert [Checkpoint.parse(split_note(n)[0]).size for n in history.notes(EVENT)] == sizes
        _restart(rt)
        assert rt.service.windows.remove(EVENT, "payment")  # the next step runs
    finally:
        rt.close()


def test_a_log_never_takes_rules_of_another_origin(tmp_path: Path) -> None:
    """§3.1, §19: the signed log refuses an `event_created` whose rules name another
    origin than the log's (here an official event's rules in its rehearsal log), and
    nothing is stored; the service's own creation always fits."""
    rt = make_runtime(tmp_path)
    try:
        keys = rt.service.db.keys
        official = keys.origin("mixed-2026")
        rules = Rules.from_json({"type": "rules", "version": VERSION, "event": "mixed-2026",
                                 "title": "演示", "year": 2026, "grade": 1,
                                 "high_fee_threshold": 6000, "waitlist_promotion": True,
                                 "dice": 20, "origin": official, "rehearsal": False,
                                 "beacon": None})
        row = EventTable(id="mixed-2026", origin=keys.origin("mixed-2026", rehearsal=True))
        with pytest.raises(RejectedInputError, match="do not fit the log origin"), \
                rt.service.db.event("mixed-2026", create=row) as work:
            work.emit(work.state.create_event(rules))
        with Session(rt.engine) as session:
            assert session.get(EventTable, "mixed-2026") is None
            assert not session.exec(select(LogEntryTable)).all()
    finally:
        rt.close()
