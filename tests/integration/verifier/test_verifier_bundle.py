"""The verifier on a hand-built bundle: passes, and each kind of tampering fails at
the step that owns it (PROTOCOL.md §11–§14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bundle_builder import build_lottery_event
from verifier import proof, register
from verifier.cli import main
from verifier.verify import Options, Verification


def _statuses(root: Path, options: Options | None = None) -> dict[int, str]:
    v = Verification(root, options)
    v.run()
    return {r.number: r.status for r in v.results}


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    build_lottery_event(tmp_path / "demo-2026")
    return tmp_path / "demo-2026"


def test_hand_built_bundle_passes(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = bundle / "keys" / "log.vkey"
    assert main([str(bundle), "--key", str(key)]) == 0
    out = capsys.readouterr().out
    assert "✓ 3. Checkpoint roots over the entries (§11.1, §4)" in out
    assert "✗" not in out and "RESULT: all checks passed" in out


def test_unpinned_key_is_reported(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(bundle), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["key_pinned"] is False
    assert [s["number"] for s in report["steps"]] == list(range(1, 17))


def test_changed_byte_in_entry_fails_parse_and_roots(bundle: Path) -> None:
    path = bundle / "entries.jsonl"
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"quota":2,', b'"quota":3,', 1))
    st = _statuses(bundle)
    assert st[2] == "pass" and st[3] == "fail"  # §11.1: roots no longer match


def test_swapped_winner_fails_lottery_step(tmp_path: Path) -> None:
    """A consistently signed log whose results differ from §7 fails at step 11 only."""
    build_lottery_event(tmp_path / "b", tamper="swap-winner")
    st = _statuses(tmp_path / "b")
    assert st[11] == "fail"
    assert all(st[n] == "pass" for n in range(1, 11))
    assert st[12] == "skipped"


def test_wrong_pinned_key_fails_signatures(bundle: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    build_lottery_event(other)
    opts = Options(key_text=(other / "keys" / "log.vkey").read_text())
    st = _statuses(bundle, opts)
    assert st[2] == "fail" and st[3] == "skipped" and st[11] == "pass"


def test_non_canonical_entry_fails_parse(bundle: Path) -> None:
    path = bundle / "entries.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"quota":2,', b'"quota": 2,', 1))
    st = _statuses(bundle)
    assert st[1] == "fail" and st[3] == "fail" and st[5] == "skipped"


def test_duplicate_seed_entry_fails(tmp_path: Path) -> None:
    """§16: a second seed is a verification failure."""
    b = build_lottery_event(tmp_path / "a")
    seed_line = next(x for x in b.lines if b'"type":"seed"' in x)
    import json as _j
    b.add("seed", _j.loads(seed_line)["body"])
    b.checkpoint()
    import shutil
    shutil.rmtree(tmp_path / "a")
    b.write(tmp_path / "a")
    v = Verification(tmp_path / "a")
    v.run()
    st = {r.number: r for r in v.results}
    assert all(st[n].status == "pass" for n in (1, 2, 3, 4))
    assert st[5].status == "fail" and "a second lottery seed" in st[5].detail
    assert all(st[n].status == "skipped" and "step 5 (fail)" in st[n].detail
               for n in range(6, 17) if n not in (12, 13, 14))


def test_duplicate_key_in_signed_entry_fails_parse(tmp_path: Path) -> None:
    """§2.1: a repeated key fails step 1 even when the log signed that very line."""
    b = build_lottery_event(tmp_path / "a")
    k = next(i for i, x in enumerate(b.lines) if b'"quota":2,' in x)
    b.lines[k] = b.lines[k].replace(b'"quota":2,', b'"quota":2,"quota":2,', 1)
    b.notes.clear()
    b.checkpoint()
    import shutil
    shutil.rmtree(tmp_path / "a")
    b.write(tmp_path / "a")
    v = Verification(tmp_path / "a")
    v.run()
    st = {r.number: r for r in v.results}
    assert st[1].status == "fail" and f"entry {k}" in st[1].detail
    assert "repeats a key" in st[1].detail
    assert st[2].status == "pass" and st[3].status == "pass"


def test_input_records_after_freeze_fail_input_trees(tmp_path: Path) -> None:
    """§5.1 (2): one more input record after input_frozen fails the phase order, and
    every step that reads the input (7, 11) is skipped rather than run on it."""
    from tests.bundle_builder import applicant
    b = build_lottery_event(tmp_path / "a")
    b.add("input_records", {"ceremony": "lottery",
                            "records": [applicant("R999", "S001", "D01", "F")]})
    b.notes.clear()
    b.checkpoint()
    import shutil
    shutil.rmtree(tmp_path / "a")
    b.write(tmp_path / "a")
    v = Verification(tmp_path / "a")
    v.run()
    st = {r.number: r for r in v.results}
    assert st[1].status == "pass" and st[5].status == "fail"
    assert "input_records after the lottery input_frozen" in st[5].detail
    assert st[7].status == "skipped" and st[11].status == "skipped"


def test_fork_evidence_same_size_other_root(tmp_path: Path) -> None:
    b = build_lottery_event(tmp_path / "a")
    honest_size = len(b.lines)
    honest_note = b.notes[honest_size]
    # The log signs a different history of the same size.
    b.lines[-1] = b.lines[-1].replace(b'"p_ppm":', b'"p_ppm": ', 1)
    forged = b.checkpoint()
    assert forged != honest_note
    opts = Options(key_text=b.log_vkey(), trusted_text=forged)
    v = Verification(tmp_path / "a", opts)
    v.run()
    step4 = next(r for r in v.results if r.number == 4)
    assert step4.status == "fail" and "FORK EVIDENCE" in step4.detail


def test_smaller_log_than_trusted_is_fork_evidence(tmp_path: Path) -> None:
    b = build_lottery_event(tmp_path / "a")
    b.add("published", {"ceremony": "lottery"})
    bigger = b.checkpoint()
    v = Verification(tmp_path / "a", Options(key_text=b.log_vkey(), trusted_text=bigger))
    v.run()
    step4 = next(r for r in v.results if r.number == 4)
    assert step4.status == "fail" and "FORK EVIDENCE" in step4.detail


def test_applicant_proof_checks_on_its_own(bundle: Path) -> None:
    v = Verification(bundle)
    v.run()
    p = proof.build(v, "R001")
    again = proof.check(json.loads(json.dumps(p)))
    assert again["reg"] == "R001" and again["outcome"] in ("admitted", "not_admitted")
    assert {json.loads(e["entry"])["type"] for e in p["entries"]} == {
        "input_frozen", "seed", "lottery_results"}
    p["entries"][0]["proof"][0] = "00" * 32
    with pytest.raises(Exception, match="§4, §14"):
        proof.check(p)


def test_class_register_diff() -> None:
    grouped = {"R001": "01", "R002": "02", "R003": "01"}
    text = "\ufeff学籍号,姓名,班级\nR001,张*,01\nR002,李*,01\nR004,王*,02\n"
    reg = register.parse(text.encode("utf-8"))
    d = register.diff(grouped, reg)
    assert d["moved"] == [{"reg": "R002", "grouped": "02", "register": "01"}]
    assert d["not_in_grouping"] == ["R004"] and d["missing_from_register"] == ["R003"]
    gb = "报名号,班级\nR001,01\n".encode("gb18030")
    assert register.parse(gb) == {"R001": "01"}


def test_class_register_recheck_on_a_verified_season(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§15 end to end: a register that moved one pupil and lost another."""
    from tests.bundle_builder import build_season
    build_season(tmp_path / "demo-2026")
    reg = tmp_path / "register.csv"
    reg.write_bytes("\ufeff学籍号,姓名,班级\r\nR101,张*,02\r\n".encode())
    assert main([str(tmp_path / "demo-2026"), "--json", "--class-register", str(reg),
                 "--school", "S002"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"]
    assert report["class_register"] == {
        "school": "S002", "ok": False, "not_in_grouping": [],
        "moved": [{"reg": "R101", "grouped": "01", "register": "02"}],
        "missing_from_register": ["R102"]}
    reg.write_bytes(b"reg,class\nR101,01\nR101,01\n")
    assert main([str(tmp_path / "demo-2026"), "--class-register", str(reg),
                 "--school", "S002"]) == 1
    assert "row 3: R101 is listed again (first on row 2) (§15)" in capsys.readouterr().out
