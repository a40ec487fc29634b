"""Tampering with a real demo bundle: each case fails the standalone verifier at the
step that owns it (issue "Signed transparency audit log and the standalone
verifier"; PROTOCOL.md §11–§13, and §5, §7, §9 for the semantic steps).

One demo bundle is built per session by the real service; each test tampers with
a private copy. "Deep" cases assume the attacker holds the log key and re-signs
every checkpoint consistently (tamper_support.resign), so that only the semantic
step can notice.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lottery_service.core.canonical import canonical_json
from lottery_service.core.merkle import MerkleTree, leaf_hash
from lottery_service.core.note import Signer
from lottery_service.core.policy import Policy
from tests.tamper_support import (
    Demo,
    Obj,
    Report,
    build_demo,
    checkpoint_sizes,
    copy_bundle,
    edit_entry,
    entry,
    find_seq,
    insert_entry,
    openings_beside,
    read_lines,
    resign,
    signed_checkpoint,
    verify,
    write_lines,
)
from verifier.cli import main

ALL_STEPS = list(range(1, 24))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def bundle(demo: Demo, tmp_path: Path) -> Path:
    """A private, writable copy of the demo bundle, its sealed openings beside it."""
    copy = copy_bundle(demo.bundle, tmp_path / "demo-2026")
    openings_beside(copy).write_bytes(demo.openings)
    return copy


def assert_first_failure(report: Report, step: int, *also_failing: int) -> str:
    """Verification fails, `step` is the first ✗, and the steps before it passed."""
    assert not report.ok
    first = report.first_failure
    assert first is not None
    assert first.number == step, f"first ✗ is step {first.number}: {first.detail}"
    assert all(report.status(n) == "pass" for n in range(1, step)), \
        [(r.number, r.status, r.detail) for r in report.results]
    for n in also_failing:
        assert report.status(n) == "fail"
    return first.detail


def lottery_seq(bundle: Path) -> int:
    """A §7.4 `lottery_result` (one per applicant in v2) with a multi-digit rank and a
    cutoff, so that both the digit and the hex attacks below have something to change."""
    return find_seq(bundle, lambda e: e["type"] == "lottery_result"
                    and e["body"]["rank"] >= 10 and e["body"]["cutoff"] is not None)


# ------------------------------------------------------------------ baseline


def test_untampered_demo_bundle_passes_every_step(demo: Demo, bundle: Path) -> None:
    report = verify(bundle, key_text=demo.vkey_text)
    assert [r.number for r in report.results] == ALL_STEPS
    assert report.ok and report.key_pinned, [(r.number, r.detail) for r in report.results]


def test_resign_helper_reproduces_the_service_checkpoints(demo: Demo, bundle: Path) -> None:
    """Ed25519 is deterministic (RFC 8032), so re-signing the untouched log with the
    log key must give back the service's checkpoint files byte for byte (§12), less
    the demo witnesses' cosignature lines (which an attacker cannot make)."""
    witness_lines = re.compile(rb"^\xe2\x80\x94 (?!" + re.escape(demo.signer.name.encode())
                               + rb" ).*\n", re.MULTILINE)
    before = {s: witness_lines.sub(b"", (bundle / "checkpoints" / f"{s}.note").read_bytes())
              for s in checkpoint_sizes(bundle)}
    assert all(b"\xe2\x80\x94 notary.demo.example/witness " in
               (bundle / "checkpoints" / f"{s}.note").read_bytes()
               for s in checkpoint_sizes(bundle))
    resign(bundle, demo.signer)
    after = {s: (bundle / "checkpoints" / f"{s}.note").read_bytes()
             for s in checkpoint_sizes(bundle)}
    assert after == before
    assert (bundle / "keys" / "log.vkey").read_text("utf-8") == demo.vkey_text


# --------------------------------------------------- 1. one changed byte


def _rank_digit(line: bytes) -> int:
    """Offset of the first digit of the multi-digit "rank" value of a lottery_result."""
    at = 0
    while True:
        at = line.index(b'"rank":', at) + len(b'"rank":')
        if line[at + 1:at + 2].isdigit():
            return at


def test_changed_digit_keeping_canonical_json_fails_roots(bundle: Path) -> None:
    """§11.1/§4: the entry still parses strictly, but no signed root covers it."""
    seq = lottery_seq(bundle)
    lines = read_lines(bundle)
    at = _rank_digit(lines[seq])
    old = lines[seq][at:at + 1]
    line = lines[seq][:at] + (b"2" if old != b"2" else b"3") + lines[seq][at + 1:]
    assert canonical_json(json.loads(line)) == line  # still canon(entry), §2.1
    lines[seq] = line
    write_lines(bundle, lines)
    detail = assert_first_failure(verify(bundle), 3)
    assert "root differs" in detail


@pytest.mark.parametrize("kind", ["leading-zero", "upper-case-hex"])
def test_byte_breaking_canonical_form_fails_parse(bundle: Path, kind: str) -> None:
    """§2.1/§2.3: a number with a leading zero, or hex that is not lower case."""
    seq = lottery_seq(bundle)
    lines = read_lines(bundle)
    line = lines[seq]
    if kind == "leading-zero":
        at = _rank_digit(line)
        lines[seq] = line[:at] + b"0" + line[at + 1:]
    else:
        at = line.index(b'"cutoff":"') + len(b'"cutoff":"')
        at += next(k for k, c in enumerate(line[at:]) if chr(c) in "abcdef")
        lines[seq] = line[:at] + line[at:at + 1].upper() + line[at + 1:]
    write_lines(bundle, lines)
    detail = assert_first_failure(verify(bundle), 1, 3)
    assert f"entry {seq}" in detail


# ------------------------------------------------- 2.–4. order and length


def test_swapped_entries_fail_seq_check(bundle: Path) -> None:
    """§11.1: seq is the 0-based index; swapping two lines breaks it (and the roots)."""
    seq = find_seq(bundle, lambda e: e["type"] == "commitment")
    lines = read_lines(bundle)
    lines[seq], lines[seq + 1] = lines[seq + 1], lines[seq]
    write_lines(bundle, lines)
    detail = assert_first_failure(verify(bundle), 1, 3)
    assert f"entry {seq}" in detail


def test_dropped_middle_entry_fails_seq_check(bundle: Path) -> None:
    """Dropping entry k shifts every later entry: entry k now carries seq k+1, which
    strict parsing rejects (§11.1) before the roots are compared (step 3 fails too)."""
    seq = find_seq(bundle, lambda e: e["type"] == "seed")
    lines = read_lines(bundle)
    del lines[seq]
    write_lines(bundle, lines)
    detail = assert_first_failure(verify(bundle), 1, 3)
    assert f"entry {seq}" in detail


def test_dropped_last_entry_fails_roots(bundle: Path) -> None:
    """Dropping the last entry leaves every seq right, so step 1 passes; the latest
    signed checkpoint covers one entry more than the log holds (§11.1)."""
    write_lines(bundle, read_lines(bundle)[:-1])
    detail = assert_first_failure(verify(bundle), 3)
    assert "exceeds" in detail


@pytest.mark.parametrize("n", [1, 5, 40])
def test_truncated_log_fails_roots(bundle: Path, n: int) -> None:
    lines = read_lines(bundle)
    write_lines(bundle, lines[:-n])
    detail = assert_first_failure(verify(bundle), 3)
    assert f"exceeds the {len(lines) - n} entries" in detail


# ------------------------------------------------------- 5.–6. signatures


def test_flipped_signature_character_fails_signatures(bundle: Path) -> None:
    size = checkpoint_sizes(bundle)[len(checkpoint_sizes(bundle)) // 2]
    path = bundle / "checkpoints" / f"{size}.note"
    text = path.read_text("utf-8")
    sig_at = text.rindex(" ") + 1 + 20  # inside the Ed25519 signature, past the key ID
    new = "A" if text[sig_at] != "A" else "B"
    path.write_text(text[:sig_at] + new + text[sig_at + 1:], "utf-8")
    detail = assert_first_failure(verify(bundle), 2)
    assert f"checkpoints/{size}.note" in detail


def test_stripped_signature_lines_fail_signatures(bundle: Path) -> None:
    for size in checkpoint_sizes(bundle):
        path = bundle / "checkpoints" / f"{size}.note"
        body, _, _ = path.read_text("utf-8").partition("\n\n")
        path.write_text(body + "\n\n", "utf-8")
    assert_first_failure(verify(bundle), 2)


def test_g1_resigned_with_other_key_fails_only_when_key_is_pinned(
        demo: Demo, bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§13: an attacker with a fresh key under the same name, a replaced keys/log.vkey
    and a policy naming that key passes every step, unless the auditor pins the key
    (--key). Pinned, step 2 refuses the bundle's policy (§13.1: it lists no log key
    equal to the pinned one); with the real policy held out of band, it refuses the
    checkpoints themselves (no signature by the pinned key, §12)."""
    resign(bundle, Signer.generate(demo.signer.name))
    unpinned = verify(bundle)
    assert unpinned.ok and not unpinned.key_pinned
    assert "NOT pinned" in unpinned.results[1].detail
    openings = openings_beside(bundle)
    assert main([str(bundle), "--json", "--openings", str(openings)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["key_pinned"] is False
    assert main([str(bundle)]) == 0  # §17.4: without the openings steps 20–23 say so
    out = capsys.readouterr().out
    assert "The log key was not pinned" in out
    assert main([str(bundle), "--json"]) == 0
    sealed = {s["number"]: s["status"] for s in json.loads(capsys.readouterr().out)["steps"]}
    assert [sealed[n] for n in (20, 21, 22, 23)] == ["not checked"] * 4

    pinned = verify(bundle, key_text=demo.vkey_text)
    assert pinned.key_pinned
    detail = assert_first_failure(pinned, 2)
    assert "lists no log key equal to the log's key" in detail and "(§13.1)" in detail
    real_policy = (demo.bundle / "keys" / "tlog-policy.txt").read_text("utf-8")
    held = verify(bundle, key_text=demo.vkey_text, policy_text=real_policy)
    assert "no signature by key" in assert_first_failure(held, 2)
    key_file = bundle.parent / "pinned.vkey"
    key_file.write_text(demo.vkey_text, "utf-8")
    assert main([str(bundle), "--json", "--key", str(key_file)]) == 1
    report = json.loads(capsys.readouterr().out)
    failed = [s["number"] for s in report["steps"] if s["status"] == "fail"]
    assert report["key_pinned"] is True and failed[0] == 2


def test_resigned_log_fails_the_witness_policy_held_out_of_band(
        demo: Demo, bundle: Path) -> None:
    """Issue 10: even with the log key, a re-signed log carries no witness cosignature;
    an auditor holding the published policy (§13.1) refuses it at step 2, whatever
    policy the attacker put in the bundle."""
    policy = (bundle / "keys" / "tlog-policy.txt").read_text("utf-8")
    assert [g.k for g in Policy.parse(policy).groups] == [2]  # both demo witnesses
    resign(bundle, demo.signer)
    assert verify(bundle, key_text=demo.vkey_text).status(2) == "pass"  # the forged policy
    held = verify(bundle, key_text=demo.vkey_text, policy_text=policy)
    assert_first_failure(held, 2)
    assert "quorum" in held.results[1].detail


# ----------------------------------------- 7.–11. deep cases, re-signed log


def _new_reg(bundle: Path) -> str:
    text = (bundle / "entries.jsonl").read_text("utf-8")
    reg = next(f"2026{k:08d}" for k in range(99999999, 0, -1) if f'"2026{k:08d}"' not in text)
    return reg


def _swap_applicant(bundle: Path, new_reg: str) -> tuple[int, int]:
    """Replace one lottery applicant by another registration (§3.2); returns the
    seqs of the input_records entry and of the lottery's input_frozen entry."""
    seq = find_seq(bundle, lambda e: e["type"] == "input_records"
                   and e["body"]["ceremony"] == "lottery"
                   and any(r["type"] == "applicant" for r in e["body"]["records"]))

    def change(e: Obj) -> None:
        rec = next(r for r in e["body"]["records"]
                   if r["type"] == "applicant" and r["unit"] == r["reg"])
        rec["reg"] = rec["unit"] = new_reg

    edit_entry(bundle, seq, change)
    frozen = find_seq(bundle, lambda e: e["type"] == "input_frozen"
                      and e["body"]["ceremony"] == "lottery")
    return seq, frozen


def test_g1_swapped_roster_fails_input_tree(demo: Demo, bundle: Path) -> None:
    """§3.3: the frozen input root no longer matches the records (step 8; the sealed
    opening of the replaced reg, step 20, depends on it and is skipped)."""
    _, frozen = _swap_applicant(bundle, _new_reg(bundle))
    resign(bundle, demo.signer)
    report = verify(bundle, key_text=demo.vkey_text)
    detail = assert_first_failure(report, 8)
    assert f"lottery input_frozen at entry {frozen}: root/size differ" in detail
    assert "(§3.3)" in detail
    assert report.status(20) == "skipped"


def test_g1_swapped_roster_with_refrozen_root_fails_seed(demo: Demo, bundle: Path) -> None:
    """Re-freezing the input root to match the new roster changes H(inputs) in §5.7,
    so the logged seed (committed to before the new root existed) no longer follows.
    In v2 the seed entry also names its input_root (§11.2); the attacker rewrites that
    too, so only the recomputation of the seed value (step 12) can notice."""
    _, frozen = _swap_applicant(bundle, _new_reg(bundle))
    leaves: list[bytes] = []
    for line in read_lines(bundle):
        e = json.loads(line)
        if e["type"] == "input_records" and e["body"]["ceremony"] == "lottery":
            leaves.extend(canonical_json(r) for r in e["body"]["records"])
    leaves.sort()  # §3.3: the input tree's leaves are the sorted canonical records

    def refreeze(e: Obj) -> None:
        e["body"]["root"] = MerkleTree([leaf_hash(x) for x in leaves]).root().hex()

    edit_entry(bundle, frozen, refreeze)
    new_root = entry(bundle, frozen)["body"]["root"]
    seed = find_seq(bundle, lambda e: e["type"] == "seed" and e["body"]["ceremony"] == "lottery")

    def follow(e: Obj) -> None:
        e["body"]["input_root"] = new_root

    edit_entry(bundle, seed, follow)
    resign(bundle, demo.signer)
    detail = assert_first_failure(verify(bundle, key_text=demo.vkey_text), 12)
    assert "lottery: seed differs from §5.7" in detail


def test_g1_altered_reveal_fails_commitments(demo: Demo, bundle: Path) -> None:
    """§5.3: a reveal must open its commitment (step 10; the seed, step 12, breaks too)."""
    seq = find_seq(bundle, lambda e: e["type"] == "reveal")
    old = entry(bundle, seq)["body"]["secret"]

    def change(e: Obj) -> None:
        e["body"]["secret"] = ("1" if old[0] != "1" else "2") + old[1:]

    edit_entry(bundle, seq, change)
    resign(bundle, demo.signer)
    detail = assert_first_failure(verify(bundle, key_text=demo.vkey_text), 10, 12)
    assert "lottery: reveal of" in detail and "does not match its commitment" in detail


def test_p5_flipped_outcome_fails_lottery(demo: Demo, bundle: Path) -> None:
    """§6, §7.4: results are recomputed from the seed; one flipped outcome (one
    applicant's `lottery_result`, its school's summary left alone) is caught at step 13,
    naming the entry and the reg; the steps that build on it are skipped."""
    seq = lottery_seq(bundle)
    flip = {"admitted": "not_admitted", "not_admitted": "admitted"}

    def change(e: Obj) -> None:
        e["body"]["outcome"] = flip[e["body"]["outcome"]]

    edit_entry(bundle, seq, change)
    resign(bundle, demo.signer)
    report = verify(bundle, key_text=demo.vkey_text)
    detail = assert_first_failure(report, 13)
    assert f"entry {seq}: logged" in detail and entry(bundle, seq)["body"]["reg"] in detail
    assert "(§6, §7.4)" in detail
    assert [report.status(n) for n in (14, 15, 16, 22)] == ["skipped"] * 4


def _admitted_elsewhere(bundle: Path, school: str) -> str:
    for line in read_lines(bundle):
        e = json.loads(line)
        if (e["type"] == "lottery_result" and e["body"]["school"] != school
                and e["body"]["outcome"] == "admitted"):
            return str(e["body"]["reg"])
    raise LookupError("nobody admitted elsewhere")


def test_p8_admitted_twice_via_promotion_fails_payments(demo: Demo, bundle: Path) -> None:
    """P8: a reg already admitted at another school is promoted here too. In v2 each
    promotion is its own `promotion` entry and the school's `promotions` summary counts
    them (§7.5 step 4): the attacker inserts one and raises the count, so the phase
    order (step 5) holds. §7.5 fixes the promoted list as a function of the waiting
    order, so the replay (step 15) sees the difference first; step 16 (§7.6) depends on
    it and is skipped."""
    summary = find_seq(bundle, lambda e: e["type"] == "promotions" and e["body"]["promoted"])
    body = entry(bundle, summary)["body"]
    twice = _admitted_elsewhere(bundle, body["school"])
    last = entry(bundle, summary - 1)
    assert last["type"] == "promotion" and last["body"]["school"] == body["school"]
    insert_entry(bundle, summary, {**last, "body": {
        "round": body["round"], "school": body["school"], "reg": twice, "unit": twice,
        "waiting": last["body"]["waiting"] + 1}})

    def count(e: Obj) -> None:
        e["body"]["promoted"] += 1

    edit_entry(bundle, summary + 1, count)
    resign(bundle, demo.signer)
    report = verify(bundle, key_text=demo.vkey_text)
    detail = assert_first_failure(report, 15)
    assert f"round {body['round']}, school {body['school']}: promoted" in detail
    assert twice in detail and "(§7.5)" in detail
    assert report.status(16) == "skipped"


def test_p8_offer_holder_listed_locked_elsewhere_fails_lock_rule(
        demo: Demo, bundle: Path) -> None:
    """P8: someone holding an admission here is claimed to be locked to another one (a
    second admission). v2 logs each lock as its own `lock` entry before the round's
    `payment_round`, which counts them (§7.5 steps 2–3; v1's `locked_elsewhere` list is
    gone): the attacker inserts one into the last round and raises the count, so the
    phase order (step 5) holds. §7.5 step 2 allows a lock only of a waiting applicant
    holding no place here (the rule §7.6 then keeps), so the replay (step 15) refuses it
    and names §7.5; the global lock (step 16) is skipped."""
    rounds = [s for s, line in enumerate(read_lines(bundle))
              if json.loads(line)["type"] == "payment_round"]
    last = entry(bundle, rounds[-1])
    holder = _admitted_elsewhere(bundle, "")
    forfeits = {json.loads(line)["body"]["reg"] for line in read_lines(bundle)
                if json.loads(line)["type"] == "forfeit"}
    assert holder not in forfeits  # still holds the place the draw gave it
    insert_entry(bundle, rounds[-1], {**last, "type": "lock", "body": {
        "round": last["body"]["round"], "reg": holder}})

    def count(e: Obj) -> None:
        e["body"]["locks"] += 1

    edit_entry(bundle, rounds[-1] + 1, count)
    resign(bundle, demo.signer)
    report = verify(bundle, key_text=demo.vkey_text)
    detail = assert_first_failure(report, 15)
    assert f"round {last['body']['round']}: {holder} is not a waiting applicant holding no " \
        "place here (P8)" in detail and "(§7.5)" in detail
    assert report.status(16) == "skipped"


def _grouping_results(bundle: Path) -> list[tuple[int, Obj]]:
    """(seq, body) of every v2 `grouping_result` (one per pupil, §11.2)."""
    return [(seq, e["body"]) for seq, e in
            ((s, json.loads(line)) for s, line in enumerate(read_lines(bundle)))
            if e["type"] == "grouping_result"]


def _set_class(bundle: Path, seq: int, cls: str) -> None:
    def change(e: Obj) -> None:
        e["body"]["class"] = cls

    edit_entry(bundle, seq, change)


def test_s4_pupil_moved_to_other_class_fails_public_class_check(
        demo: Demo, bundle: Path) -> None:
    """§9, §17.4 (S4): one pupil's `grouping_result` names another class of the school;
    its `grouping_summary` no longer agrees with the results, which the public check
    (step 17, bundle only) sees; the recomputation with the openings (step 23) depends
    on it and is skipped."""
    results = _grouping_results(bundle)
    seq, moved = results[0]
    other = next(b["class"] for _, b in results
                 if b["school"] == moved["school"] and b["class"] != moved["class"])
    _set_class(bundle, seq, other)
    resign(bundle, demo.signer)
    report = verify(bundle, key_text=demo.vkey_text)
    detail = assert_first_failure(report, 17)
    assert f"school {moved['school']}:" in detail
    assert report.status(23) == "skipped"


def test_s4_pupils_swapped_keeping_summary_fails_grouping_with_openings(
        demo: Demo, bundle: Path) -> None:
    """§9 (S4): two pupils of one school, of the same gender and strata (from the sealed
    openings), swap classes. Every public count and the `grouping_summary` still agree,
    so the public check (step 17) passes: by design (§17.4) only the supervision group,
    holding the openings, recomputes each pupil's class from the grouping seed (step 23),
    and it names them. Without the openings step 23 says *not checked*, never passed."""
    attrs = {(o["reg"]): (o["gender"], tuple(o["strata"]))
             for o in map(json.loads, demo.openings.splitlines())
             if o.get("type") == "attributes" and o["ceremony"] == "grouping"}
    results = _grouping_results(bundle)
    (seq_a, a), (seq_b, b) = next(
        ((x, y) for i, x in enumerate(results) for y in results[i + 1:]
         if x[1]["school"] == y[1]["school"] and x[1]["class"] != y[1]["class"]
         and attrs[x[1]["reg"]] == attrs[y[1]["reg"]]))
    _set_class(bundle, seq_a, b["class"])
    _set_class(bundle, seq_b, a["class"])
    resign(bundle, demo.signer)
    report = verify(bundle, key_text=demo.vkey_text)
    detail = assert_first_failure(report, 23)
    assert f"school {a['school']}: classes differ from §9" in detail
    assert a["reg"] in detail and b["reg"] in detail

    openings_beside(bundle).unlink()
    blind = verify(bundle, key_text=demo.vkey_text)
    # §17.4: the public checks cannot see it; what needs the openings says so
    assert {r.number: r.status for r in blind.results if r.status != "pass"} == {
        n: "not checked" for n in (20, 21, 22, 23)}


# -------------------------------------------------------------- 12. forks


def _alternative_history(bundle: Path) -> list[bytes]:
    """The same log with one earlier entry's time changed: same size, other root."""
    lines = read_lines(bundle)
    seq = find_seq(bundle, lambda e: e["type"] == "lottery_result")
    e = json.loads(lines[seq])
    e["time"] = "2026-01-01T00:00:00Z"
    lines[seq] = canonical_json(e)
    return lines


def test_trusted_checkpoint_of_same_size_other_root_is_fork_evidence(
        demo: Demo, bundle: Path) -> None:
    """§12: two signed roots for one size prove the log key signed a fork (the v2
    verifier words it as for any other size: that checkpoint is not a prefix of the
    bundle's log)."""
    alt = _alternative_history(bundle)
    trusted = signed_checkpoint(alt, len(alt), demo.signer)
    detail = assert_first_failure(verify(bundle, key_text=demo.vkey_text,
                                         trusted_text=trusted), 4)
    assert f"FORK EVIDENCE: the trusted checkpoint {len(alt)} is not a prefix" in detail


def test_trusted_smaller_checkpoint_off_the_log_is_fork_evidence(
        demo: Demo, bundle: Path) -> None:
    alt = _alternative_history(bundle)
    trusted = signed_checkpoint(alt, len(alt) - 10, demo.signer)
    detail = assert_first_failure(verify(bundle, key_text=demo.vkey_text,
                                         trusted_text=trusted), 4)
    assert f"FORK EVIDENCE: the trusted checkpoint {len(alt) - 10} is not a prefix" in detail


def test_trusted_checkpoint_larger_than_resigned_log_is_rollback_evidence(
        demo: Demo, bundle: Path) -> None:
    """A log rolled back and re-signed passes on its own, not against what an
    auditor saw before (§12, RFC 9162 §2.1.4)."""
    latest = max(checkpoint_sizes(bundle))
    trusted = (bundle / "checkpoints" / f"{latest}.note").read_text("utf-8")
    write_lines(bundle, read_lines(bundle)[:-3])
    for size in checkpoint_sizes(bundle):
        if size > latest - 3:
            (bundle / "checkpoints" / f"{size}.note").unlink()
    resign(bundle, demo.signer)
    assert verify(bundle, key_text=demo.vkey_text).ok
    detail = assert_first_failure(verify(bundle, key_text=demo.vkey_text,
                                         trusted_text=trusted), 4)
    assert f"ROLLBACK EVIDENCE: trusted checkpoint has size {latest}" in detail
    assert f"the bundle only {latest - 3} (the log shrank)" in detail


def test_genuine_trusted_checkpoint_is_consistent(demo: Demo, bundle: Path) -> None:
    size = checkpoint_sizes(bundle)[3]
    trusted = (bundle / "checkpoints" / f"{size}.note").read_text("utf-8")
    report = verify(bundle, key_text=demo.vkey_text, trusted_text=trusted)
    assert report.ok
    assert f"consistent with trusted checkpoint {size}" in report.results[3].detail


# ------------------------------------------------- 13. any single byte


@pytest.fixture(scope="session")
def scratch(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One working copy for the Hypothesis test, its sealed openings beside it (so that
    steps 20–23 run rather than say *not checked*); each example restores what it
    changed."""
    path = copy_bundle(demo.bundle, tmp_path_factory.mktemp("scratch") / "demo-2026")
    openings_beside(path).write_bytes(demo.openings)
    assert verify(path).ok
    yield path
    shutil.rmtree(path)


def _proof_files(bundle: Path) -> list[str]:
    """Every file that is part of the proof (§13); README.md is not."""
    notes = [f"checkpoints/{s}.note" for s in checkpoint_sizes(bundle)]
    return ["entries.jsonl", "keys/log.vkey", *notes]


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_single_byte_change_is_caught(demo: Demo, scratch: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(_proof_files(scratch)), label="file")
    path = scratch / name
    original = path.read_bytes()
    at = data.draw(st.integers(0, len(original) - 1), label="offset")
    new = data.draw(st.integers(0, 255), label="byte")
    assume(new != original[at])
    changed = original[:at] + bytes([new]) + original[at + 1:]
    if name == "keys/log.vkey":
        # The verifier strips surrounding whitespace of a key file (as --key files
        # need); such a change names the very same key and is no change to the proof.
        assume(changed.decode("utf-8", "replace").strip() != original.decode().strip())
    path.write_bytes(changed)
    try:
        report = verify(scratch)
    finally:
        path.write_bytes(original)
    # A named step fails (not merely "not all passed": a step not checked is no catch).
    assert report.first_failure is not None, f"{name}[{at}] = {new:#04x} not caught"
