"""Witnesses pushed every checkpoint (issue 10 deliverable 4, PROTOCOL.md §12.4).

Two real tlog-witnesses (`lottery_service.witness` servers) on loopback ports, one
with an ML-DSA-44 key only and one with an Ed25519 key only: every checkpoint of
a season gets both cosignatures, stored in the note, and both count toward the
policy's quorum. After a rollback of the database *and* of the data directory
(a restore from an old backup: the signer cannot know), the service signs a fork;
the witnesses refuse it and the supervisors see the alarm. A witness that cannot
be reached never blocks a step.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

import httpx
import pytest
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from lottery_service.api import create_app as create_api
from lottery_service.core.note import (
    Cosigner,
    MLDSA44Signer,
    Signer,
    Verifier,
    cosigner_verifier,
    split_note,
    verify_cosignature,
)
from lottery_service.core.policy import Policy
from lottery_service.demo import DemoRun
from lottery_service.demo.district import generate_district
from lottery_service.demo.season import (
    BEACON_ROUNDS,
    escrow_holder_key,
    recorded_round,
    simulated_dice,
)
from lottery_service.runtime import Runtime
from lottery_service.storage.models import CheckpointTable, EventTable, LogEntryTable
from lottery_service.storage.witness_tables import WitnessEndpointTable
from lottery_service.witness.server import WitnessConfig, create_app
from tests.nginx_support import free_port
from tests.support import make_runtime, served

EVENT = "demo-2026"
quiet = lambda _line: None  # noqa: E731


@dataclass(frozen=True)
class Served:
    key: Cosigner
    url: str

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def vkey(self) -> str:
        return cosigner_verifier(self.key).to_text()


def begin(rt: Runtime) -> DemoRun:
    """The demo's setup without its in-process witnesses: this test brings its own."""
    run = DemoRun(rt, generate_district(applicants=1000), quiet)
    with patch("lottery_service.demo.season.start_demo_witnesses"):
        run.setup()
    return run


@pytest.fixture
def season(tmp_path: Path, backend: str) -> Iterator[tuple[Runtime, DemoRun, list[Served]]]:
    rt = make_runtime(tmp_path / "svc", backend)
    with ExitStack() as stack:
        try:
            run = begin(rt)
            log = Verifier.from_text(rt.service.witnesses.log_key(EVENT))
            keys: list[Cosigner] = [MLDSA44Signer.generate("notary.example.cn/w1"),
                                    Signer.generate("witness.example.com/w1")]
            witnesses = []
            for i, key in enumerate(keys):
                config = WitnessConfig(keys=(key,), logs=(log,), state_dir=tmp_path / f"w{i}")
                url = stack.enter_context(served(create_app(config)))
                witnesses.append(Served(key, url))
                rt.service.witnesses.register_witness(EVENT, key.name, url, [witnesses[-1].vkey])
            yield rt, run, witnesses
        finally:
            rt.close()


def step(rt: Runtime, action: object) -> None:
    """A step, then the after-commit pushes it queued."""
    assert callable(action)
    action()
    assert rt.service.followup.drain(60)


def notes(rt: Runtime) -> dict[int, str]:
    with Session(rt.engine) as session:
        return {c.size: c.note for c in session.exec(
            select(CheckpointTable).where(CheckpointTable.event_id == EVENT))}


def test_two_witnesses_cosign_every_checkpoint_and_meet_the_quorum(
        season: tuple[Runtime, DemoRun, list[Served]]) -> None:
    rt, run, witnesses = season
    step(rt, run.registration)
    step(rt, run.freeze_roster)
    step(rt, lambda: run.commitments("lottery"))
    step(rt, lambda: run.reveals("lottery"))
    step(rt, lambda: run.entropy_and_seed("lottery"))
    step(rt, lambda: rt.service.lifecycle.draw(EVENT))
    signed = notes(rt)
    assert len(signed) > 10
    policy = Policy.parse(rt.service.witnesses.policy(EVENT))
    assert [g.k for g in policy.groups] == [2]  # default quorum: every witness
    for size, note in signed.items():
        text, lines = split_note(note)
        for w in witnesses:  # each witness's own line verifies under its own key type
            line = next(s.line() for s in lines if s.name == w.name)
            assert verify_cosignature(text, line, Verifier.from_text(w.vkey)) > 0, size
        quorum = policy.check(note)
        assert quorum.met and set(quorum.cosigned) == {w.name for w in witnesses}, size
    newest = max(signed)
    assert {w.endpoint.name: w.acked_size for w in rt.service.witnesses.pushed(EVENT)} == \
        {w.name: newest for w in witnesses}
    assert rt.service.witnesses.alarms(EVENT) == []
    bundle = rt.service.exports.export(EVENT)
    assert (bundle / "keys" / "tlog-policy.txt").read_text() == policy.to_text()
    assert (bundle / "checkpoints" / f"{newest}.note").read_text() == signed[newest]
    # Either witness alone meets a quorum of one: ML-DSA-44 and Ed25519 count alike.
    for w in witnesses:
        other = next(x for x in witnesses if x is not w)
        one = Policy.parse(rt.service.witnesses.policy(EVENT, 1))
        stripped = signed[newest].replace(
            next(s.line() for s in split_note(signed[newest])[1] if s.name == other.name), "")
        assert one.check(stripped).met and not policy.check(stripped).met


def _restore_backup(rt: Runtime, keep: int, acked: dict[str, int]) -> None:
    """Roll the database and the data directory back to a backup taken at size `keep`:
    entries, checkpoints, the witnesses' acknowledged sizes and the signed history."""
    with Session(rt.engine) as session:
        session.execute(delete(LogEntryTable).where(
            col(LogEntryTable.event_id) == EVENT, col(LogEntryTable.seq) >= keep))
        session.execute(delete(CheckpointTable).where(
            col(CheckpointTable.event_id) == EVENT, col(CheckpointTable.size) > keep))
        session.execute(update(EventTable).where(col(EventTable.id) == EVENT)
                        .values(log_size=keep))
        for name, size in acked.items():
            session.execute(update(WitnessEndpointTable).where(
                col(WitnessEndpointTable.event_id) == EVENT,
                col(WitnessEndpointTable.name) == name).values(acked_size=size))
        session.commit()
    history = rt.service.keys.history
    lines = history.path(EVENT).read_bytes().split(b"\n")
    kept = [line for line, note in zip(lines, history.notes(EVENT), strict=False)
            if int(note.split("\n")[1]) <= keep]
    history.path(EVENT).write_bytes(b"".join(line + b"\n" for line in kept))
    rt.service.db.forget_states()


def test_a_fork_after_a_restored_backup_is_refused_by_the_witnesses(
        season: tuple[Runtime, DemoRun, list[Served]]) -> None:
    rt, run, witnesses = season
    step(rt, run.registration)
    step(rt, run.freeze_roster)
    step(rt, lambda: run.commitments("lottery"))
    step(rt, lambda: run.reveals("lottery"))
    backup, backup_time = max(notes(rt)), run.clock.now
    acked = {w.endpoint.name: w.acked_size for w in rt.service.witnesses.pushed(EVENT)}
    step(rt, lambda: run.entropy_and_seed("lottery"))
    seen = max(notes(rt))
    _restore_backup(rt, backup, acked)
    run.clock.now = backup_time  # the restored machine's clock, before the dice deadline
    # Other dice: the restored signer cannot tell, and signs another history.
    rules = rt.service.lifecycle.state(EVENT).rules
    assert rules is not None
    dice = [(v % 6) + 1 for v in simulated_dice(EVENT, "lottery", rules.dice)]
    steps = rt.service.ceremonies
    step(rt, lambda: steps.physical_entropy(EVENT, "lottery", "notary-1", dice))
    if rules.beacon is not None:  # the same public round: only the dice differ
        step(rt, lambda: steps.beacon(EVENT, "lottery", recorded_round(BEACON_ROUNDS["lottery"])))
    step(rt, lambda: steps.derive_seed(EVENT, "lottery"))
    step(rt, lambda: steps.release_escrow_key(EVENT, "lottery",
                                              escrow_holder_key(EVENT, "lottery")))
    step(rt, lambda: rt.service.lifecycle.draw(EVENT))
    alarms = rt.service.witnesses.alarms(EVENT)
    assert {a.witness for a in alarms} == {w.name for w in witnesses}
    kinds = {a.kind for a in alarms}
    assert kinds <= {"witness-ahead", "inconsistent"} and "witness-ahead" in kinds
    assert "inconsistent" in kinds  # once the fork outgrew what the witnesses saw
    assert all(a.witness_size == seen for a in alarms if a.kind == "witness-ahead")
    for size, note in notes(rt).items():  # no witness cosigned the fork
        if size > backup:
            assert len(split_note(note)[1]) == 1, size
    assert any("回滚" in a.message or "分叉" in a.message for a in alarms)
    with served(create_api(rt)) as url:
        listed = httpx.get(f"{url}/api/v1/events/{EVENT}/witness-alarms").json()
        page = httpx.get(f"{url}/events/{EVENT}/dashboard").text
    assert {(a["witness"], a["size"], a["kind"]) for a in listed} == \
        {(a.witness, a.size, a.kind) for a in alarms}
    assert 'id="witness-alarms"' in page and "警报：见证人拒绝了本日志的检查点" in page


def test_an_unreachable_or_misconfigured_witness_never_blocks_a_step(tmp_path: Path) -> None:
    rt = make_runtime(tmp_path / "svc")
    try:
        run = begin(rt)
        down = Signer.generate("down.example.cn/w")
        rt.service.witnesses.register_witness(
            EVENT, down.name, f"http://127.0.0.1:{free_port()}", [down.verifier_key(0x04)])
        stranger = Signer.generate("stranger.example.cn/w")  # accepts no log: 404
        config = WitnessConfig(keys=(stranger,), logs=(), state_dir=tmp_path / "s")
        with served(create_app(config)) as url:
            rt.service.witnesses.register_witness(EVENT, stranger.name, url,
                                                  [stranger.verifier_key(0x04)])
            step(rt, run.registration)
            step(rt, run.freeze_roster)
        assert rt.service.lifecycle.state(EVENT).ceremony("lottery").frozen
        state = {w.endpoint.name: w for w in rt.service.witnesses.pushed(EVENT)}
        assert state[down.name].last_outcome == "failed" and state[down.name].acked_size == 0
        assert state[stranger.name].last_outcome == "alarm"
        alarms = rt.service.witnesses.alarms(EVENT)
        assert {a.kind for a in alarms} == {"unknown-log"}
        assert {a.witness for a in alarms} == {stranger.name}
    finally:
        rt.close()


def test_a_witness_name_keeps_its_keys_and_url(tmp_path: Path) -> None:
    from lottery_service.errors import ConflictError, RejectedInputError

    rt = make_runtime(tmp_path)
    try:
        begin(rt)
        w = Signer.generate("witness.example.com/w1")
        rt.service.witnesses.register_witness(EVENT, w.name, "http://127.0.0.1:9/",
                                              [w.verifier_key(0x04)])
        rt.service.witnesses.register_witness(EVENT, w.name, "http://127.0.0.1:9",
                                              [w.verifier_key(0x04)])  # the same: no-op
        with pytest.raises(ConflictError):
            rt.service.witnesses.register_witness(EVENT, w.name, "http://127.0.0.1:10",
                                                  [w.verifier_key(0x04)])
        other = Signer.generate("other.example.com/w")
        with pytest.raises(RejectedInputError):  # a key under another name
            rt.service.witnesses.register_witness(EVENT, w.name, "http://127.0.0.1:9",
                                                  [other.verifier_key(0x04)])
        with pytest.raises(RejectedInputError):  # the log key is not a cosignature key
            rt.service.witnesses.register_witness(EVENT, w.name, "http://127.0.0.1:9",
                                                  [w.verifier_key()])
    finally:
        rt.close()


def test_the_demo_bundle_carries_real_cosignatures_of_both_demo_witnesses(
        tmp_path: Path) -> None:
    """Issue 10 deliverable 5: the demo runs two witnesses (ML-DSA-44 and Ed25519) and its
    bundle's every checkpoint meets the bundle's own policy, which needs both."""
    from lottery_service.demo import run_demo
    from lottery_service.demo.witnesses import DEMO_WITNESSES

    rt = make_runtime(tmp_path)
    try:
        bundle = run_demo(rt, applicants=1000, say=quiet)
    finally:
        rt.close()
    policy = Policy.parse((bundle / "keys" / "tlog-policy.txt").read_text("utf-8"))
    assert sorted(w.name for w in policy.witnesses) == sorted(w.name for w in DEMO_WITNESSES)
    assert {w.key.sig_type for w in policy.witnesses} == {0x04, 0x06}
    assert [g.k for g in policy.groups] == [2]
    notes = sorted((bundle / "checkpoints").glob("*.note"))
    assert len(notes) > 20
    for path in notes:
        assert policy.check(path.read_text("utf-8")).met, path.name
    # The standalone verifier, given the log key and the policy out of band, counts both.
    key = tmp_path / "log.vkey"  # as the auditor obtained it out of band
    key.write_text((bundle / "keys" / "log.vkey").read_text("utf-8"), "utf-8")
    out = subprocess.run([sys.executable, "-m", "verifier", str(bundle), "--json",
                          "--key", str(key),
                          "--policy", str(bundle / "keys" / "tlog-policy.txt")],
                         capture_output=True, text=True, check=False)
    signatures = next(s for s in json.loads(out.stdout)["steps"] if s["number"] == 2)
    assert signatures["status"] == "pass" and "2 of 2 witness" in signatures["detail"], \
        signatures
