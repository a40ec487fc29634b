"""The verifier on hand-built v2 bundles: a whole season passes, and each kind of tampering
fails at the step that owns it (PROTOCOL.md v2 §3–§19)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bundle_builder import (
    EVENT,
    SCHOOLS,
    Builder,
    H,
    applicants,
    build_lottery_event,
    build_season,
    canon,
    openings_path,
    quicknet_round,
    rules,
    run_ceremony,
    vkey,
)
from tests.paths import VECTORS
from verifier import beacon, register
from verifier.cli import main
from verifier.verify import Options, Status, StepResult, Verification

Obj = dict[str, Any]


def _run(root: Path, options: Options | None = None) -> dict[int, StepResult]:
    v = Verification(root, options)
    v.run()
    return {r.number: r for r in v.results}


def _sealed(root: Path, **changes: Any) -> Options:
    return Options(openings_data=openings_path(root).read_bytes(), **changes)


def _failed(res: dict[int, StepResult]) -> list[int]:
    return [n for n, r in res.items() if r.status == Status.FAIL]


def _rewrite(b: Builder, root: Path, change: Callable[[list[Obj]], list[Obj]]) -> None:
    """Edit the entries, renumber, re-sign every checkpoint with the log key (an attacker
    holding it), so only the semantic steps can tell."""
    entries = change([json.loads(x) for x in b.lines])
    b.lines = [canon({**e, "seq": k}) for k, e in enumerate(entries)]
    sizes = sorted(s for s in b.notes if s <= len(b.lines)) or [len(b.lines)]
    b.notes.clear()
    for size in {*sizes, len(b.lines)}:
        keep = b.lines
        b.lines = keep[:size]
        b.checkpoint()
        b.lines = keep
    shutil.rmtree(root)
    b.write(root)


@pytest.fixture
def season(tmp_path: Path) -> tuple[Builder, Path]:
    root = tmp_path / EVENT
    return build_season(root), root


def test_whole_season_passes_with_the_openings(
        season: tuple[Builder, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, root = season
    key = root / "keys" / "log.vkey"
    assert main([str(root), "--key", str(key), "--openings", str(openings_path(root))]) == 0
    out = capsys.readouterr().out
    assert "✓ 3. Checkpoint roots over the entries (§11.1, §4)" in out
    assert "cosigned by 1 of 1 witness(es) (witness.example.cn/w1); quorum met" in out
    assert "season published" in out
    assert "✗" not in out and "?" not in out and "RESULT: all checks passed" in out


def test_without_openings_four_steps_are_not_checked(
        season: tuple[Builder, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, root = season
    assert main([str(root)]) == 0
    out = capsys.readouterr().out
    for n in (20, 21, 22, 23):
        assert f"? {n}. " in out
    assert "not checked (needs the sealed openings, §17.4)" in out
    assert "RESULT: every check that ran passed; 4 not checked (steps 20, 21, 22, 23" in out
    assert "gender: arithmetic only" in out


def test_json_report(season: tuple[Builder, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, root = season
    assert main([str(root), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["key_pinned"] is False and report["rehearsal"] is False
    assert [s["number"] for s in report["steps"]] == list(range(1, 24))
    assert {s["status"] for s in report["steps"]} == {"pass", "not checked"}


def test_changed_byte_in_entry_fails_parse_and_roots(season: tuple[Builder, Path]) -> None:
    _, root = season
    path = root / "entries.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"quota":2,', b'"quota":3,', 1))
    st = _run(root)
    assert st[2].status == Status.PASS and st[3].status == Status.FAIL


def test_swapped_winner_fails_the_lottery_step_only(tmp_path: Path) -> None:
    build_lottery_event(tmp_path / "b", tamper="swap-winner")
    st = _run(tmp_path / "b")
    assert _failed(st) == [13]
    assert "logged" in st[13].detail and "recomputed" in st[13].detail
    assert st[14].status == Status.SKIPPED


def test_wrong_pinned_key_fails_signatures(season: tuple[Builder, Path],
                                           tmp_path: Path) -> None:
    _, root = season
    other = build_lottery_event(tmp_path / "other")
    st = _run(root, Options(key_text=other.log_vkey()))
    assert st[2].status == Status.FAIL and st[3].status == Status.SKIPPED


def test_non_canonical_entry_fails_parse(season: tuple[Builder, Path]) -> None:
    _, root = season
    path = root / "entries.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"quota":2,', b'"quota": 2,', 1))
    st = _run(root)
    assert st[1].status == Status.FAIL and st[3].status == Status.FAIL
    assert st[5].status == Status.SKIPPED


def test_version_1_entry_is_refused(season: tuple[Builder, Path]) -> None:
    b, root = season
    _rewrite(b, root, lambda es: [{**es[0], "v": 1}, *es[1:]])
    st = _run(root)
    assert st[1].status == Status.FAIL
    assert "version 1 bundles are not supported" in st[1].detail


def test_duplicate_seed_entry_fails_the_phase_order(tmp_path: Path) -> None:
    """§16: a second seed is a verification failure."""
    root = tmp_path / "a"
    b = build_lottery_event(root)
    _rewrite(b, root, lambda es: [*es, {**next(e for e in es if e["type"] == "seed"),
                                        "time": es[-1]["time"]}])
    st = _run(root)
    assert all(st[n].status == Status.PASS for n in (1, 2, 3, 4))
    assert st[5].status == Status.FAIL and "a second lottery seed" in st[5].detail
    assert all(st[n].status == Status.SKIPPED for n in range(6, 24))


def test_duplicate_key_in_signed_entry_fails_parse(tmp_path: Path) -> None:
    """§2.1: a repeated key fails step 1 even when the log signed that very line."""
    b = build_lottery_event(tmp_path / "a")
    k = next(i for i, x in enumerate(b.lines) if b'"quota":2,' in x)
    b.lines[k] = b.lines[k].replace(b'"quota":2,', b'"quota":2,"quota":2,', 1)
    b.notes.clear()
    b.checkpoint()
    shutil.rmtree(tmp_path / "a")
    b.write(tmp_path / "a")
    st = _run(tmp_path / "a")
    assert st[1].status == Status.FAIL and f"entry {k}" in st[1].detail
    assert st[2].status == Status.PASS and st[3].status == Status.PASS


def test_fork_evidence_same_size_other_root(tmp_path: Path) -> None:
    b = build_lottery_event(tmp_path / "a")
    honest = b.notes[len(b.lines)]
    b.lines[-1] = b.lines[-1].replace(b'"p_ppm":', b'"p_ppm": ', 1)
    forged = b.checkpoint()
    assert forged != honest
    st = _run(tmp_path / "a", Options(key_text=b.log_vkey(), trusted_text=forged))
    assert st[4].status == Status.FAIL and "FORK EVIDENCE" in st[4].detail


def test_smaller_log_than_trusted_is_rollback_evidence(tmp_path: Path) -> None:
    b = build_lottery_event(tmp_path / "a")
    b.add("published", {"ceremony": "lottery"})
    bigger = b.checkpoint()
    st = _run(tmp_path / "a", Options(key_text=b.log_vkey(), trusted_text=bigger))
    assert st[4].status == Status.FAIL and "ROLLBACK EVIDENCE" in st[4].detail


def test_trusted_earlier_checkpoint_is_consistent(season: tuple[Builder, Path]) -> None:
    b, root = season
    earlier = b.notes[min(b.notes)]
    st = _run(root, Options(trusted_text=earlier))
    assert st[4].status == Status.PASS and "consistent with trusted checkpoint" in st[4].detail


# ------------------------------------------------------------ §13.1 policy


def test_quorum_not_met_fails_step_2(season: tuple[Builder, Path]) -> None:
    b, root = season
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    second = vkey("witness.example.cn/w2", 4, other)[0]
    policy = (f"log {b.log_vkey()}\nwitness w1 {b.witness_vkey()}\nwitness w2 {second}\n"
              "group both all w1 w2\nquorum both\n")
    st = _run(root, Options(policy_text=policy))
    assert st[2].status == Status.FAIL and "quorum is NOT met" in st[2].detail
    assert "cosigned by 1 of 2 witness(es) (w1)" in st[2].detail


def test_policy_naming_another_log_fails_step_2(season: tuple[Builder, Path]) -> None:
    b, root = season
    other = vkey(b.origin, 1, Ed25519PrivateKey.generate().public_key().public_bytes_raw())[0]
    st = _run(root, Options(policy_text=f"log {other}\nquorum none\n"))
    assert st[2].status == Status.FAIL and "lists no log key equal" in st[2].detail


def test_without_a_policy_the_quorum_is_not_checked(season: tuple[Builder, Path]) -> None:
    _, root = season
    (root / "keys" / "tlog-policy.txt").unlink()
    st = _run(root)
    assert st[2].status == Status.NOT_CHECKED
    assert "quorum not checked" in st[2].detail and "1 witness(es)" in st[2].detail
    assert st[3].status == Status.PASS  # what step 2 did check, later steps build on


def test_invalid_cosignature_of_a_listed_witness_fails(season: tuple[Builder, Path]) -> None:
    b, root = season
    note = root / "checkpoints" / f"{len(b.lines)}.note"
    text = note.read_text()
    line = text.splitlines()[-1]
    sig = line[2:].split(" ")[1]
    bad = sig[:-6] + ("A" if sig[-6] != "A" else "B") + sig[-5:]
    note.write_text(text.replace(sig, bad))
    st = _run(root)
    assert st[2].status == Status.FAIL


# ------------------------------------------------------------- §19 rehearsal


def test_rehearsal_exits_3_and_says_so(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / EVENT
    build_season(root, rehearsal=True)
    assert main([str(root), "--openings", str(openings_path(root))]) == 3
    out = capsys.readouterr().out
    assert "演练 REHEARSAL — not an official result" in out
    assert "RESULT: 演练 REHEARSAL — not an official result (§19): all checks passed" in out
    assert main([str(root), "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["rehearsal"] is True


def test_rehearsal_origin_without_the_flag_is_refused(tmp_path: Path) -> None:
    root = tmp_path / EVENT
    b = build_season(root, rehearsal=True)
    r = {**rules(True), "rehearsal": False}
    _rewrite(b, root, lambda es: [{**es[0], "body": {
        "rules": r, "rules_hash": H("sunshine-draw/v2/rules", canon(r)).hex()}}, *es[1:]])
    st = _run(root)
    assert st[1].status == Status.FAIL and "/rehearsal/" in st[1].detail


def test_official_event_reports_its_recorded_rehearsal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rehearsal = build_season(tmp_path / "r" / EVENT, rehearsal=True)
    root = tmp_path / EVENT
    b = build_season(root)
    body = {"event": EVENT, "origin": rehearsal.origin, "size": len(rehearsal.lines),
            "root": "00" * 32, "key": rehearsal.log_vkey()}
    _rewrite(b, root, lambda es: [*es[:9], {**es[9], "type": "rehearsal_recorded",
                                            "body": body}, *es[9:]])
    assert main([str(root)]) == 0
    out = capsys.readouterr().out
    assert f"rehearsal {EVENT} recorded" in out
    official = {**body, "key": b.log_vkey().replace(b.origin, rehearsal.origin, 1)}
    _rewrite(b, root, lambda es: [*es[:9], {**es[9], "body": official}, *es[10:]])
    st = _run(root)
    assert st[19].status == Status.FAIL


# -------------------------------------------------- §3.4, §5.1 amendments


def test_amended_input_passes(tmp_path: Path) -> None:
    root = tmp_path / EVENT
    build_season(root, amend=True)
    st = _run(root, _sealed(root))
    assert all(r.status == Status.PASS for r in st.values()), \
        [(n, r.detail) for n, r in st.items() if r.status != Status.PASS]
    assert "1 amendment(s)" in st[8].detail


def test_an_infeasible_input_frozen_then_withdrawn_still_fails(tmp_path: Path) -> None:
    """§3.4: the service MUST NOT freeze an input the ceremony cannot finish from, even one
    it later withdraws."""
    root = tmp_path / EVENT
    b = Builder()
    r = rules()
    rh = H("sunshine-draw/v2/rules", canon(r))
    b.add("event_created", {"rules": r, "rules_hash": rh.hex()})
    recs = SCHOOLS + applicants(b)
    stray = {**recs[-1], "reg": "R999", "unit": "R999", "school": "S009"}
    run_ceremony(b, "lottery", recs, rh, amend=[*recs, stray])
    b.write(root)
    st = _run(root)
    assert _failed(st) == [9] and "school S009 is not in the input" in st[9].detail


# -------------------------------------------------------------- §11.4 windows


def test_ceremony_outside_its_window_fails_step_7(season: tuple[Builder, Path]) -> None:
    b, root = season

    def shorten(es: list[Obj]) -> list[Obj]:
        for e in es:
            if e["type"] == "window_set" and e["body"]["phase"] == "lottery_ceremony":
                e["body"]["closes"] = "2026-07-01T01:02:00Z"
        return es

    _rewrite(b, root, shorten)
    st = _run(root)
    assert _failed(st) == [7] and "outside its lottery_ceremony window" in st[7].detail


def test_freeze_before_registration_closes_fails_step_7(season: tuple[Builder, Path]) -> None:
    b, root = season

    def extend(es: list[Obj]) -> list[Obj]:
        for e in es:
            if e["type"] == "window_set" and e["body"]["phase"] == "registration":
                e["body"]["closes"] = "2026-06-25T00:00:00Z"
        return es

    _rewrite(b, root, extend)
    st = _run(root)
    assert _failed(st) == [7] and "before the registration window closes" in st[7].detail


# ------------------------------------------------------------ §5.4 escrow keys


def test_an_escrow_key_used_by_two_ceremonies_fails(season: tuple[Builder, Path]) -> None:
    b, root = season

    def reuse(es: list[Obj]) -> list[Obj]:
        opened = [e for e in es if e["type"] == "ceremony_opened"]
        opened[2]["body"]["escrow_key"] = opened[0]["body"]["escrow_key"]
        return es

    _rewrite(b, root, reuse)
    st = _run(root)
    assert st[10].status == Status.FAIL and "the lottery ceremony's key" in st[10].detail


# ------------------------------------------------------------- §17 openings


def _openings(root: Path, change: Callable[[list[Obj]], list[Obj]]) -> Options:
    lines = [json.loads(x) for x in openings_path(root).read_bytes().splitlines()]
    return Options(openings_data=b"".join(canon(o) + b"\n" for o in change(lines)))


def test_an_opening_that_does_not_match_fails_step_20(season: tuple[Builder, Path]) -> None:
    _, root = season

    def flip(lines: list[Obj]) -> list[Obj]:
        lines[1]["gender"] = "M" if lines[1]["gender"] == "F" else "F"
        return lines

    st = _run(root, _openings(root, flip))
    assert _failed(st) == [20] and "does not match its attrs" in st[20].detail
    assert st[21].status == Status.SKIPPED


def test_a_missing_opening_fails_step_20(season: tuple[Builder, Path]) -> None:
    _, root = season
    st = _run(root, _openings(root, lambda lines: [lines[0], *lines[2:]]))
    assert _failed(st) == [20] and "has no opening" in st[20].detail


def test_openings_of_another_event_fail(season: tuple[Builder, Path]) -> None:
    _, root = season

    def other(lines: list[Obj]) -> list[Obj]:
        lines[0]["origin"] = lines[0]["origin"].replace("test", "other")
        return lines

    st = _run(root, _openings(root, other))
    assert st[20].status == Status.FAIL


def test_a_rejection_leaf_too_many_fails_step_21(season: tuple[Builder, Path]) -> None:
    _, root = season
    extra = {"type": "rejection", "event": EVENT, "reg": "R998", "school": "S001",
             "code": "P3-defaulter", "salt": "ab" * 32}
    st = _run(root, _openings(root, lambda lines: [*lines, extra]))
    assert _failed(st) == [21]


def test_grouping_summary_disagreeing_with_the_openings_fails_step_23(
        season: tuple[Builder, Path]) -> None:
    b, root = season

    def swap(es: list[Obj]) -> list[Obj]:
        for e in es:
            if e["type"] == "grouping_summary" and e["body"]["school"] == "S002":
                e["body"]["classes"][0]["strata"] = {"sen": 2}
        return es

    _rewrite(b, root, swap)
    st = _run(root, _sealed(root))
    assert _failed(st) == [23], [(n, st[n].detail) for n in _failed(st)]


def test_public_grouping_check_catches_a_summary_count(season: tuple[Builder, Path]) -> None:
    b, root = season

    def recount(es: list[Obj]) -> list[Obj]:
        for e in es:
            if e["type"] == "grouping_summary" and e["body"]["school"] == "S002":
                e["body"]["classes"][0]["genders"] = {"F": 2, "M": 1}
        return es

    _rewrite(b, root, recount)
    st = _run(root)
    assert _failed(st) == [17] and "genders do not add up" in st[17].detail


def _regroup(b: Builder, root: Path, school: str, classes: dict[str, str] | None = None,
             exchanges: int | None = None) -> None:
    """Rewrite a school's grouping results (reg -> class) or its summary's E."""
    def change(es: list[Obj]) -> list[Obj]:
        for e in es:
            body = e["body"]
            if e["type"] == "grouping_result" and classes and body["reg"] in classes:
                body["class"] = classes[body["reg"]]
            if (e["type"] == "grouping_summary" and body["school"] == school
                    and exchanges is not None):
                body["exchanges"] = exchanges
        return es

    _rewrite(b, root, change)


def _grouping_of(b: Builder, school: str) -> tuple[dict[str, str], Obj]:
    entries = [json.loads(x) for x in b.lines]
    classes = {e["body"]["reg"]: e["body"]["class"] for e in entries
               if e["type"] == "grouping_result" and e["body"]["school"] == school}
    summary = next(e["body"] for e in entries
                   if e["type"] == "grouping_summary" and e["body"]["school"] == school)
    return classes, summary


def test_apart_siblings_put_together_pass_in_public_and_fail_step_23(
        season: tuple[Builder, Path]) -> None:
    """§17.4: the public sees sizes and counts, not who shares a class. The apart
    siblings R203/R204 of S003 (§9.2 (a)) brought together by trading R204 for a girl
    without strata or requests keeps every public count; only the openings tell."""
    b, root = season
    classes, _ = _grouping_of(b, "S003")
    assert classes["R203"] != classes["R204"]
    mate = next(r for r in ("R207", "R209", "R211", "R213")
                if classes[r] == classes["R203"])
    _regroup(b, root, "S003", {"R204": classes[mate], mate: classes["R204"]})
    assert _failed(_run(root)) == []
    st = _run(root, _sealed(root))
    assert _failed(st) == [23] and "classes differ from §9" in st[23].detail


def test_understated_exchanges_fail_step_23_and_overstated_step_17(
        season: tuple[Builder, Path]) -> None:
    """S003 needs one quota exchange (the twins are its whole F|sen stratum). E = 0 keeps
    these counts within their shares, so only the recomputation sees it; E beyond the
    six request pupils cannot be, and the public check refuses it (§9 step 9)."""
    b, root = season
    _, summary = _grouping_of(b, "S003")
    assert summary["exchanges"] == 1
    _regroup(b, root, "S003", exchanges=0)
    assert _failed(_run(root)) == []
    st = _run(root, _sealed(root))
    assert _failed(st) == [23] and "E = 1" in st[23].detail
    _regroup(b, root, "S003", exchanges=7)
    st = _run(root)
    assert _failed(st) == [17] and "exceed the 6 pupils with requests" in st[17].detail


def test_class_sizes_off_the_public_targets_fail_step_17(
        season: tuple[Builder, Path]) -> None:
    """S003's capacities 4/6/6 for 13 pupils fix its targets in public (§9 step 3); a
    pupil moved to another class breaks them whatever the summary says."""
    b, root = season
    classes, _ = _grouping_of(b, "S003")
    other = next(c for c in ("01", "02", "03") if c != classes["R207"])
    _regroup(b, root, "S003", {"R207": other})
    st = _run(root)
    assert _failed(st) == [17] and "are not the §9 step 3 targets" in st[17].detail


def test_alike_classes_hold_u_or_u_minus_one(season: tuple[Builder, Path]) -> None:
    """S004: 5 pupils in two alike classes of 45 are 3 and 2 (u = 3, m = 1 empty seat,
    §9 step 3); moving the 2-class's pupil over gives 4 and 1."""
    b, root = season
    classes, summary = _grouping_of(b, "S004")
    assert sorted(r["pupils"] for r in summary["classes"]) == [2, 3]
    small = next(r["class"] for r in summary["classes"] if r["pupils"] == 2)
    big = next(r["class"] for r in summary["classes"] if r["pupils"] == 3)
    mover = next(r for r, c in sorted(classes.items()) if c == small)
    _regroup(b, root, "S004", {mover: big})
    st = _run(root)
    assert _failed(st) == [17] and "must hold 3 or 2, exactly 1 of them 2" in st[17].detail


# ---------------------------------------------------------------- §5.6 beacon


def test_beacon_event_passes(tmp_path: Path) -> None:
    root = tmp_path / EVENT
    build_lottery_event(root, beacon=quicknet_round(1000))
    st = _run(root, _sealed(root))
    if not beacon.pairing_available():
        pytest.skip("py_ecc is not installed: the signature is not checked (next test)")
    assert all(r.status == Status.PASS for r in st.values()), \
        [(n, r.detail) for n, r in st.items() if r.status != Status.PASS]
    assert "round 1000 verified" in st[11].detail


def test_postponed_beacon_event_passes(tmp_path: Path) -> None:
    root = tmp_path / EVENT
    build_lottery_event(root, beacon=quicknet_round(1000, postponed=True))
    st = _run(root, _sealed(root))
    assert all(r.status in (Status.PASS, Status.NOT_CHECKED) for r in st.values())
    assert "round 1000 after 1 postponement(s)" in st[11].detail


def test_without_py_ecc_the_beacon_is_not_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / EVENT
    build_lottery_event(root, beacon=quicknet_round(1000))
    monkeypatch.setattr(beacon, "_py_ecc", lambda: None)
    assert main([str(root), "--openings", str(openings_path(root))]) == 0
    out = capsys.readouterr().out
    assert "? 11. Beacon chain, schedule and rounds" in out
    assert "not checked: py_ecc not installed" in out and "✗" not in out


def test_a_beacon_round_other_than_the_one_in_force_fails(tmp_path: Path) -> None:
    root = tmp_path / EVENT
    b = build_lottery_event(root, beacon=quicknet_round(1000))

    def later(es: list[Obj]) -> list[Obj]:
        opened = next(e for e in es if e["type"] == "ceremony_opened")
        opened["body"]["beacon_round"] = 1001
        return es

    _rewrite(b, root, later)
    st = _run(root)
    assert st[11].status == Status.FAIL and "§5.6" in st[11].detail


def test_rounds_of_the_vector_file_are_what_the_builder_uses() -> None:
    data = json.loads((VECTORS / "beacon.json").read_text("utf-8"))
    assert quicknet_round(1000).chain == data["chains"]["quicknet"]["beacon"]


# --------------------------------------------------------------- §15 register


def test_class_register_diff() -> None:
    grouped = {"R001": "01", "R002": "02", "R003": "01"}
    text = "\ufeff学籍号,姓名,班级\nR001,张*,01\nR002,李*,01\nR004,王*,02\n"
    reg = register.parse(text.encode("utf-8"))
    d = register.diff(grouped, reg)
    assert d["moved"] == [{"reg": "R002", "grouped": "02", "register": "01"}]
    assert d["not_in_grouping"] == ["R004"] and d["missing_from_register"] == ["R003"]


def test_class_register_recheck_on_a_verified_season(
        season: tuple[Builder, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """§15 end to end: a register that moved one pupil and lost another."""
    _, root = season
    reg = tmp_path / "register.csv"
    reg.write_bytes("\ufeff学籍号,姓名,班级\r\nR101,张*,02\r\n".encode())
    assert main([str(root), "--json", "--class-register", str(reg), "--school", "S002"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["class_register"] == {
        "school": "S002", "ok": False, "not_in_grouping": [],
        "moved": [{"reg": "R101", "grouped": "01", "register": "02"}],
        "missing_from_register": ["R102"]}
    reg.write_bytes(b"reg,class\nR101,01\nR101,01\n")
    assert main([str(root), "--class-register", str(reg), "--school", "S002"]) == 1
    assert "row 3: R101 is listed again (first on row 2) (§15)" in capsys.readouterr().out


# ------------------------------------------------------------------ §14 CLI


RECEIPTS = VECTORS / "receipt_log" / "receipts"
POLICY = VECTORS / "receipt_log" / "policy"


def test_receipt_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["receipt", str(RECEIPTS / "admitted.tlog-proof"), "--policy",
                 str(POLICY)]) == 0
    out = capsys.readouterr().out
    assert "? 3. consistency: not checked" in out and "status: confirmed" in out
    assert "RESULT: receipt verified" in out
    assert main(["receipt", str(RECEIPTS / "admitted.tlog-proof"), "--policy", str(POLICY),
                 "--reg", "2026000107"]) == 1
    assert "✗ 1. format: the receipt is for 2026000103, not 2026000107" in \
        capsys.readouterr().out
    cases = {c["name"]: c for c in json.loads(
        (VECTORS / "receipts.json").read_text("utf-8"))["cases"]}
    trusted = cases["consistent-with-trusted-earlier"]["input"]["trusted"]
    cp = tmp_path / "trusted.note"
    cp.write_text(trusted["checkpoint"])
    proof = tmp_path / "proof.txt"
    proof.write_text("\n".join(trusted["consistency_proof"]) + "\n")
    assert main(["receipt", str(RECEIPTS / "consistent-with-trusted-earlier.tlog-proof"),
                 "--policy", str(POLICY), "--trusted", str(cp), "--consistency", str(proof),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["steps"]["consistency"] == "passed"
    bad = tmp_path / "bad.tlog-proof"
    bad.write_text(cases["reject-rollback"]["input"]["receipt"])
    cp.write_text(cases["reject-rollback"]["input"]["trusted"]["checkpoint"])
    earlier = cases["reject-rollback"]["input"]["receipt"]
    assert earlier
    assert main(["receipt", str(bad), "--policy", str(POLICY), "--trusted", str(cp)]) == 1
    assert "rollback" in capsys.readouterr().out


def test_receipt_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["receipt", str(RECEIPTS / "admitted.tlog-proof")]) == 2
    assert main(["receipt", str(tmp_path / "none"), "--policy", str(POLICY)]) == 2
    assert main(["receipt", str(RECEIPTS / "admitted.tlog-proof"), "--policy", str(POLICY),
                 "--consistency", str(POLICY)]) == 2
    assert "Traceback" not in capsys.readouterr().err
