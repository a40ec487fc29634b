"""The verifier's error boundaries (issue 14 item 4): an unexpected exception in a step
is that step's ✗, one outside the steps is a message; exit codes 0/1/2; no traceback."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.bundle_builder import build_lottery_event
from verifier import steps, verify
from verifier.cli import main
from verifier.steps.context import Context


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    build_lottery_event(tmp_path / "demo-2026")
    return tmp_path / "demo-2026"


def _crash(ctx: Context) -> str:
    raise KeyError("bureau-1")


def test_unexpected_exception_in_a_step_is_its_failure(
        bundle: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    table = tuple(dataclasses.replace(s, check=_crash) if s.number == 10 else s
                  for s in steps.STEPS)
    monkeypatch.setattr(verify, "STEPS", table)
    assert main([str(bundle)]) == 1
    out = capsys.readouterr()
    assert "✗ 10. Participants, commitments, escrow keys and openings" in out.out
    assert "unexpected error in the verifier, KeyError: 'bureau-1'" in out.out
    assert "✓ 12. Seeds" in out.out  # 12 does not need 10: it still runs
    assert "Traceback" not in out.out + out.err


def test_a_skipped_step_names_the_prerequisite(
        bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = tuple(dataclasses.replace(s, check=_crash) if s.number == 5 else s
                  for s in steps.STEPS)
    monkeypatch.setattr(verify, "STEPS", table)
    v = verify.Verification(bundle)
    v.run()
    by = {r.number: r for r in v.results}
    assert by[5].status == "fail" and by[5].unexpected
    assert all(by[n].status == "skipped" for n in range(6, 24))
    assert by[6].detail == "not run: needs step 5 (fail)"
    assert by[14].detail == "not run: needs step 13 (skipped)"


def test_unexpected_exception_outside_the_steps(
        bundle: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def boom(self: verify.Verification) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(verify.Verification, "run", boom)
    assert main([str(bundle)]) == 1
    out = capsys.readouterr()
    assert "✗ unexpected error in the verifier, RuntimeError: disk on fire" in out.out
    assert "VERIFICATION FAILED" in out.out and "Traceback" not in out.out + out.err


def test_unreadable_option_files_are_usage_errors(
        bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(bundle), "--key", str(tmp_path / "missing.vkey")]) == 2
    assert "cannot read --key file" in capsys.readouterr().err
    bad = tmp_path / "bad.vkey"
    bad.write_bytes(b"\xff\xfe")
    assert main([str(bundle), "--trusted", str(bad)]) == 2
    assert "is not UTF-8 text" in capsys.readouterr().err
    assert main([str(bundle), "--class-register", str(bad)]) == 2
    assert "--class-register needs --school" in capsys.readouterr().err


def test_missing_bundle_is_a_failed_verification(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nowhere")]) == 1
    out = capsys.readouterr().out
    assert "✗ 1." in out and "is not a directory" in out


def test_register_recheck_needs_a_verified_bundle(
        bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§15: no re-check against a grouping that did not verify (or does not exist)."""
    reg = tmp_path / "r.csv"
    reg.write_text("reg,class\nR001,01\n", "utf-8")
    assert main([str(bundle), "--class-register", str(reg), "--school", "S001",
                 "--json"]) == 1
    out = capsys.readouterr().out
    assert "no grouping results for school S001" in out
