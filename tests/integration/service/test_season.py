"""The service end to end: a whole demo season on each database backend, phase
enforcement, and notifications that are never sent twice (issue: the service;
rules S6, P8). Resumption after kill -9: test_season_kill9.py."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from lottery_service.auditlog import load_entries
from lottery_service.core.season import Phase, PhaseError, SeasonState
from lottery_service.demo import DemoRun, run_demo
from lottery_service.demo.district import DemoDistrict, generate_district
from lottery_service.errors import RosterFrozenError
from lottery_service.storage.family_tables import SmsOutboxTable
from lottery_service.storage.models import LogEntryTable
from tests.paths import ROOT
from tests.support import POSTGRES_URL, make_runtime

APPLICANTS = 1000
quiet = lambda _line: None  # noqa: E731


def verify(bundle: Path, openings: Path | None = None) -> dict[str, Any]:
    extra = [] if openings is None else ["--openings", str(openings)]
    out = subprocess.run([sys.executable, "-m", "verifier", str(bundle), "--json", *extra],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    report: dict[str, Any] = json.loads(out.stdout)
    report["exit"] = out.returncode
    return report


def sealed(runtime: Any, event: str, folder: Path) -> Path:
    """The supervision group's sealed openings (§17.3), written outside the bundle."""
    path = folder / f"{event}-openings.jsonl"
    path.write_bytes(runtime.service.openings.openings(event))
    return path


def rejections(runtime: Any, event: str) -> dict[str, str]:
    """reg -> rejection code, read from the sealed openings' rejection leaves (§17.2)."""
    lines = runtime.service.openings.openings(event).decode().splitlines()
    leaves = [json.loads(line) for line in lines[1:]]
    return {leaf["reg"]: leaf["code"] for leaf in leaves if leaf["type"] == "rejection"}


def without_beacon() -> DemoDistrict:
    """The demo district with rules naming no beacon, for tests on their own clock."""
    d = generate_district(applicants=APPLICANTS)
    return dataclasses.replace(d, rules={**d.rules, "beacon": None})


def public_history(runtime: Any, event: str) -> list[tuple[str, Any]]:
    """The log without its wall-clock times: what a resumed season must reproduce."""
    with Session(runtime.engine) as session:
        return [(e.type, e.body) for e in load_entries(session, event)]


def test_demo_season_verifies(tmp_path: Path, backend: str) -> None:
    """A whole season (lottery, payments, grouping, teachers, SMS) passes every verifier step."""
    rt = make_runtime(tmp_path, backend)
    try:
        bundle = run_demo(rt, applicants=APPLICANTS, say=quiet)
        report = verify(bundle, sealed(rt, "demo-2026", tmp_path))
        assert report["exit"] == 0, report
        by_step = {s["number"]: s["status"] for s in report["steps"]}
        # With the openings every recomputation runs, the beacon's BLS check too (§5.6);
        # only the witness quorum waits for witnesses (none in this season).
        assert all(by_step[n] == "pass" for n in (11, 20, 21, 22, 23)), report["steps"]
        state = rt.service.lifecycle.state("demo-2026")
        assert state.phase is Phase.PUBLISHED
        district = generate_district(applicants=APPLICANTS)
        codes = rejections(rt, "demo-2026")
        # Every planted ineligible application is rejected citing its rule (§7.1).
        for case in ("P1-graduation", "P1-residence", "P2-district", "P3-defaulter",
                     "P2-second-application"):
            planted = district.cases[case]
            assert planted and all(codes.get(reg) == case for reg in planted), case
        # Pupils admitted outside the lottery can use the families' look-up too.
        from lottery_service.storage.models import PupilTable

        with Session(rt.engine) as session:
            pupils = session.exec(select(PupilTable)).all()
        assert pupils and all(p.id_last4_hash and p.phone for p in pupils)
        # ... and see their school's name and head teacher, from the log and the bureau's
        # public school list (public schools appear in the log by id only).
        from lottery_service.auditlog import latest_checkpoint
        from lottery_service.lookup import ResultIndex
        from lottery_service.storage.models import SchoolTable

        with Session(rt.engine) as session:
            names = {r.id: r.name for r in session.exec(select(SchoolTable))}
            cp = latest_checkpoint(session, "demo-2026")
            assert cp is not None
            entries = load_entries(session, "demo-2026")[:cp.size]
            index = ResultIndex.build("demo-2026", SeasonState.replay(entries), cp.note, names)
        result = index.results[pupils[0].reg]
        assert result.school_name == names[pupils[0].school]
        assert result.class_id and result.teacher_name and "*" in result.teacher_name
        # ... and every allowed special case reaches the roster.
        roster = {a.reg for a in state.applicants()}
        for case in ("defaulter-low-fee", "policy-care", "out-of-district-city", "joint"):
            assert set(district.cases[case]) <= roster, case
    finally:
        rt.close()


def demo_env(tmp_path: Path, backend: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SUNSHINE_AUDIT_DIR"] = str(tmp_path / "audit")
    if backend == "postgres":
        env["DATABASE_URL"] = POSTGRES_URL
    return env


def test_steps_out_of_order_are_refused(tmp_path: Path, backend: str) -> None:
    rt = make_runtime(tmp_path, backend)
    try:
        run = DemoRun(rt, generate_district(applicants=APPLICANTS), quiet)
        run.setup()
        run.registration()
        with pytest.raises(PhaseError, match="registration"):
            rt.service.lifecycle.draw("demo-2026")
        code = rt.service.lifecycle.eligibility_preview("demo-2026").code
        assert rt.service.lifecycle.freeze_roster("demo-2026", code)
        assert rt.service.lifecycle.freeze_roster("demo-2026", code) == []  # a retry: nothing
        filename, data = run.district.files["applicants"]
        with pytest.raises(RosterFrozenError):
            rt.service.imports.import_file("demo-2026", "applicants", data, filename)
        with pytest.raises(PhaseError, match="commitments close"):
            rt.service.ceremonies.reveal("demo-2026", "lottery", "notary-1", bytes(32))
    finally:
        rt.close()


def test_the_freeze_needs_the_current_preview_code(tmp_path: Path) -> None:
    """§7.1: without the code of the preview the operator saw, or with the code of an
    older one, the freeze logs nothing and answers with the current preview and code."""
    rt = make_runtime(tmp_path)
    try:
        run = DemoRun(rt, generate_district(applicants=APPLICANTS), quiet)
        run.setup()
        for kind in ("schools", "applicants", "community"):
            filename, data = run.district.files[kind]
            rt.service.imports.import_file("demo-2026", kind, data, filename)
        older = rt.service.lifecycle.eligibility_preview("demo-2026")
        filename, data = run.district.files["direct"]  # the bureau's list changes the roster
        rt.service.imports.import_file("demo-2026", "direct", data, filename)
        current = rt.service.lifecycle.eligibility_preview("demo-2026")
        assert current.code != older.code
        size = rt.service.lifecycle.state("demo-2026").size
        for confirm, said in ((None, "confirm the roster preview first"),
                              (older.code, f"data changed since code {older.code}")):
            with pytest.raises(PhaseError, match=said) as refused:
                rt.service.lifecycle.freeze_roster("demo-2026", confirm)
            assert refused.value.context["code"] == current.code
            assert refused.value.context["preview"] == current.text
            assert f"确认码 {current.code}" in refused.value.zh
            state = rt.service.lifecycle.state("demo-2026")
            assert state.size == size and state.ceremony("lottery").opened is None
        assert rt.service.lifecycle.freeze_roster("demo-2026", current.code)
        state = rt.service.lifecycle.state("demo-2026")
        lottery = state.ceremonies["lottery"]
        assert lottery.rejections is not None
        assert hashlib.sha256(lottery.input_root + lottery.rejections.body.root
                              ).hexdigest()[:12] == current.code
    finally:
        rt.close()


def test_import_preview_is_what_the_roster_freeze_logs(tmp_path: Path) -> None:
    """§7.1: the rejections an applicants import announces are exactly those the freeze
    logs: one mapping from stored rows to records, one eligibility check."""
    rt = make_runtime(tmp_path)
    try:
        run = DemoRun(rt, generate_district(applicants=APPLICANTS), quiet)
        run.setup()
        for kind in ("schools", "applicants", "community", "direct"):
            filename, data = run.district.files[kind]
            outcome = rt.service.imports.import_file("demo-2026", kind, data, filename)
        assert outcome.preview is not None
        announced = {r.code: r.count for r in outcome.preview.preview.rejected}
        rt.service.lifecycle.freeze_roster("demo-2026", outcome.preview.code)
        logged = Counter(rejections(rt, "demo-2026").values())
        assert announced == dict(logged) and sum(logged.values()) > 5
        assert set(logged) >= {"P1-graduation", "P2-district", "P3-defaulter"}
        # The committed tree holds exactly those (§17.2): its count is logged, not the regs.
        state = rt.service.lifecycle.state("demo-2026")
        frozen = state.ceremonies["lottery"].rejections
        assert frozen is not None and frozen.body.count == sum(logged.values())
        # The streamed preview's code is made of the very roots the freeze logged (issue 13).
        lottery = state.ceremonies["lottery"]
        code = hashlib.sha256(lottery.input_root + frozen.body.root).hexdigest()[:12]
        assert outcome.preview.code == code
    finally:
        rt.close()


def test_log_can_only_grow(tmp_path: Path) -> None:
    """A rewritten stored entry makes the service refuse to sign again (§12)."""
    from lottery_service.errors import SignedHistoryError

    rt = make_runtime(tmp_path)
    try:
        run = DemoRun(rt, generate_district(applicants=APPLICANTS), quiet)
        run.setup()
        run.registration()
        run.freeze_roster()
        with Session(rt.engine) as session:
            row = session.exec(select(LogEntryTable).where(LogEntryTable.seq == 0)).one()
            row.raw = row.raw.replace(b'"year":2026', b'"year":2027', 1)  # still parses
            session.add(row)
            session.commit()
        rt.service.db.forget_states()  # a restart: nothing cached
        with pytest.raises(SignedHistoryError):
            run.commitments("lottery")
    finally:
        rt.close()


def test_notifications_are_sent_once(tmp_path: Path) -> None:
    """S6: one message per phone number of the grouped pupils; a re-run sends nothing again."""
    rt = make_runtime(tmp_path)
    try:
        run_demo(rt, applicants=APPLICANTS, say=quiet)
        outbox = tmp_path / "sms-outbox.jsonl"
        lines = outbox.read_text(encoding="utf-8").splitlines()
        with Session(rt.engine) as session:
            rows = session.exec(select(SmsOutboxTable)).all()
        assert len(lines) == sum(1 for r in rows if r.status == "sent") > 0
        phones = [r.phone for r in rows if r.phone]
        assert len(set(phones)) == len(phones)  # one message per phone number
        regs = [reg for r in rows for reg in r.regs.split(",")]
        assert len(set(regs)) == len(regs)  # every pupil named once
        message = json.loads(lines[0])["message"]
        assert "班" in message and "班主任" in message
        assert "T0" not in message  # the teacher's name, not an internal id
        run_demo(rt, applicants=APPLICANTS, say=quiet)
        assert outbox.read_text(encoding="utf-8").splitlines() == lines
    finally:
        rt.close()


def test_G3_phase_windows_are_enforced(tmp_path: Path) -> None:
    """Registration 11-20 June, 08:00-24:00 Beijing time; the roster freezes after it."""
    import datetime as dt

    from lottery_service.errors import WindowError

    rt = make_runtime(tmp_path)
    try:
        run = DemoRun(rt, without_beacon(), quiet)  # on the 2026 clock: no recorded round
        run.setup()
        cst = dt.timezone(dt.timedelta(hours=8))
        rt.service.windows.set("demo-2026", "registration",
                               dt.datetime(2026, 6, 11, 8, tzinfo=cst),
                               dt.datetime(2026, 6, 21, 0, tzinfo=cst),
                               "08:00-24:00")
        filename, data = run.district.files["schools"]
        rt.service.db.clock = lambda: "2026-06-10T12:00:00Z"  # before the window
        with pytest.raises(WindowError, match="G3"):
            rt.service.imports.import_file("demo-2026", "schools", data, filename)
        rt.service.db.clock = lambda: "2026-06-12T20:30:00Z"  # 04:30 Beijing: closed for the night
        with pytest.raises(WindowError, match="daily"):
            rt.service.imports.import_file("demo-2026", "schools", data, filename)
        rt.service.db.clock = lambda: "2026-06-12T01:00:00Z"  # 09:00 Beijing
        run.registration()
        code = rt.service.lifecycle.eligibility_preview("demo-2026").code
        with pytest.raises(PhaseError, match=r"open until .*G3"):  # the core's §11.4 check
            rt.service.lifecycle.freeze_roster("demo-2026", code)
        rt.service.db.clock = lambda: "2026-06-21T01:00:00Z"
        assert rt.service.lifecycle.freeze_roster("demo-2026", code)
    finally:
        rt.close()


def test_correction_is_a_new_entry_and_the_bundle_still_verifies(tmp_path: Path) -> None:
    rt = make_runtime(tmp_path)
    try:
        run_demo(rt, applicants=APPLICANTS, say=quiet)
        before = public_history(rt, "demo-2026")
        entries = rt.service.lifecycle.correct("demo-2026", 3,
                                               "school S002 name misspelt in the notice")
        assert [e.type for e in entries] == ["correction"]
        assert public_history(rt, "demo-2026")[:-1] == before  # nothing earlier changed
        bundle = DemoRun(rt, generate_district(applicants=APPLICANTS), quiet)
        bundle.export()
        report = verify(tmp_path / "audit" / "demo-2026", sealed(rt, "demo-2026", tmp_path))
        assert report["exit"] == 0, report
        with pytest.raises(PhaseError):
            rt.service.lifecycle.correct("demo-2026", 10_000, "no such entry")
    finally:
        rt.close()
