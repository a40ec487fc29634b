"""Contributions in a ceremony (PROTOCOL.md §5.1, §5.4, §5.7): a participant who never
commits is void `no-commitment` and the ceremony still completes (issue 8 item 10);
the verifier accepts every void reason the protocol defines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.bundle_builder import EVENT, H, build_lottery_event, build_season, canon
from tests.paths import ROOT
from verifier import records
from verifier.verify import SATISFIES, StepResult, Verification

OK = SATISFIES
"""Passed, or not checked for want of the sealed openings (steps 20–23)."""


def _run(root: Path) -> dict[int, StepResult]:
    v = Verification(root)
    v.run()
    return {r.number: r for r in v.results}


def _build_and_run(tmp_path: Path, **options: Any) -> dict[int, StepResult]:
    build_lottery_event(tmp_path / "demo-2026", **options)
    return _run(tmp_path / "demo-2026")


def test_participant_who_never_committed_passes_every_step(tmp_path: Path) -> None:
    res = _build_and_run(tmp_path, absent=frozenset({"parent-rep-1"}))
    assert all(r.status in OK for r in res.values()), \
        [(n, r.detail) for n, r in res.items() if r.status not in OK]
    assert "2 openings match their commitments" in res[10].detail
    assert res[12].detail == "lottery recomputed"  # §5.7: a null commitment and secret


def test_whole_season_with_an_absent_participant_passes(tmp_path: Path) -> None:
    build_season(tmp_path / "demo-2026", absent=frozenset({"parent-rep-1"}))
    res = _run(tmp_path / "demo-2026")
    assert all(r.status in OK for r in res.values()), \
        [(n, r.detail) for n, r in res.items() if r.status not in OK]
    assert res[5].detail == "event has come as far as: season published"


@pytest.mark.parametrize("reason", sorted(set(records.VOID_REASONS) - {"no-commitment"}))
def test_every_void_reason_of_a_committed_participant_passes(tmp_path: Path,
                                                             reason: str) -> None:
    """escrow-invalid (a junk escrow, so the released key confirms it) and
    escrow-holder-absent, next to a no-commitment void in the same ceremony."""
    res = _build_and_run(tmp_path, absent=frozenset({"parent-rep-1"}),
                         settle={"notary-1": reason}, junk=frozenset({"notary-1"}),
                         release="after-seed")
    assert all(r.status in OK for r in res.values()), \
        [(n, r.detail) for n, r in res.items() if r.status not in OK]


def test_void_reasons_are_the_ones_protocol_md_lists() -> None:
    """The §11.2 row of contribution_void names the reasons the verifier accepts."""
    row = next(line for line in (ROOT / "docs" / "PROTOCOL.md").read_text("utf-8").splitlines()
               if line.startswith("| `contribution_void` |"))
    listed = set(re.findall(r'"([a-z-]+)"', row.split('"reason":', 1)[1]))
    assert listed == set(records.VOID_REASONS)


def test_seed_leaving_out_the_absent_participant_fails(tmp_path: Path) -> None:
    """§5.7: the no-commitment contribution enters the seed as commitment null and
    secret null; a seed computed without that contribution is not the protocol's."""
    b = build_lottery_event(tmp_path / "a", absent=frozenset({"parent-rep-1"}))
    entries = [json.loads(x) for x in b.lines]
    body = {e["type"]: e["body"] for e in entries}  # one of each up to the seed
    commitments = {e["body"]["participant"]: e["body"]["commitment"]
                   for e in entries if e["type"] == "commitment"}
    secrets = {e["body"]["participant"]: e["body"]["secret"]
               for e in entries if e["type"] == "reveal"}
    seed_input = {
        "event": EVENT, "ceremony": "lottery", "rules": body["event_created"]["rules_hash"],
        "participants": body["ceremony_opened"]["participants_hash"],
        "input_root": body["input_frozen"]["root"], "input_size": body["input_frozen"]["size"],
        "contributions": [{"participant": p, "commitment": commitments[p], "secret": secrets[p]}
                          for p in sorted(commitments)],
        "physical": body["physical_entropy"]["values"], "beacon": None}
    k = next(i for i, e in enumerate(entries) if e["type"] == "seed")
    entries[k]["body"]["seed"] = H("sunshine-draw/v2/seed", canon(seed_input)).hex()
    b.lines = [canon(e) for e in entries[:k + 1]]  # later results used the true seed
    b.notes.clear()
    b.checkpoint()
    shutil.rmtree(tmp_path / "a")
    b.write(tmp_path / "a")
    res = _run(tmp_path / "a")
    assert [n for n, r in res.items() if r.status == "fail"] == [12]
    assert "seed differs" in res[12].detail
