"""Escrow key release (PROTOCOL.md §5.4, §11.3, §16): with the holder's private key
in the log, step 10 re-opens every escrow; the release may only follow the seed.

Bundles are built by hand (bundle_builder), signed consistently, so only the
semantic steps can notice what each case plants.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tests.bundle_builder import build_lottery_event
from verifier import records, strict
from verifier.verify import StepResult, Verification


def _run(tmp_path: Path, **options: Any) -> dict[int, StepResult]:
    root = tmp_path / "demo-2026"
    build_lottery_event(root, **options)
    v = Verification(root)
    v.run()
    return {r.number: r for r in v.results}


def _failed(results: dict[int, StepResult]) -> list[int]:
    return [n for n, r in results.items() if r.status == "fail"]


def test_g1_released_key_checks_escrow_openings(tmp_path: Path) -> None:
    """An honest escrow opening, checked against the escrow's plaintext, passes."""
    res = _run(tmp_path, settle={"notary-1": "escrow_opened"}, release="after-seed")
    assert _failed(res) == []
    assert all(r.status in ("pass", "not checked") for r in res.values())
    assert "escrows checked with the released key of lottery" in res[10].detail
    assert "WARNING" not in res[10].detail


def test_without_release_escrows_are_not_checked(tmp_path: Path) -> None:
    """No release, no check (§16 residual): a void of a good escrow goes unnoticed."""
    res = _run(tmp_path, settle={"notary-1": "escrow-invalid"})
    assert _failed(res) == []
    assert "escrows checked" not in res[10].detail


def test_g1_released_key_not_matching_escrow_key_fails_step_10(tmp_path: Path) -> None:
    res = _run(tmp_path, release="wrong-key")
    assert _failed(res) == [10]
    assert "not the ceremony's escrow_key" in res[10].detail
    assert res[5].status == "pass"


def test_g1_void_escrow_invalid_whose_escrow_opens_fails_step_10(tmp_path: Path) -> None:
    """The service voided an escrow that opens: it dropped a good contribution (§5.4)."""
    res = _run(tmp_path, settle={"notary-1": "escrow-invalid"}, release="after-seed")
    assert _failed(res) == [10]
    assert "notary-1 was voided as escrow-invalid" in res[10].detail
    assert res[12].status == "pass"  # the seed is consistent with the void; only §5.4 sees it


def test_g1_void_escrow_invalid_of_junk_escrow_passes(tmp_path: Path) -> None:
    """Junk sealed (decrypts, but not to the committed secret): the void is right."""
    res = _run(tmp_path, settle={"notary-1": "escrow-invalid"}, junk=frozenset({"notary-1"}),
               release="after-seed")
    assert _failed(res) == []
    assert "WARNING" not in res[10].detail


def test_reveal_with_junk_escrow_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    """§5.4 SHOULD: a participant who sealed junk but revealed is reported, not failed."""
    res = _run(tmp_path, junk=frozenset({"bureau-1"}), release="after-seed")
    assert _failed(res) == []
    assert "WARNING" in res[10].detail
    assert "escrow of bureau-1 would not have opened" in res[10].detail
    assert "notary-1" not in res[10].detail.split("WARNING")[1]


def test_g1_release_before_the_seed_fails_step_5(tmp_path: Path) -> None:
    """The escrows stay sealed until the seed (§5.4, §11.3)."""
    res = _run(tmp_path, release="before-seed")
    assert res[5].status == "fail"
    assert "escrow key released before the lottery seed" in res[5].detail


def test_second_release_fails_step_5(tmp_path: Path) -> None:
    res = _run(tmp_path, release="twice")
    assert res[5].status == "fail"
    assert "second escrow_key_released" in res[5].detail


def test_release_body_schema() -> None:
    """§11.2: {"ceremony", "private_key": base64 of 32 bytes}, nothing else."""
    def entry(body: dict[str, Any]) -> dict[str, Any]:
        return {"v": 2, "event": "demo-2026", "seq": 0, "time": "2026-07-01T09:00:00Z",
                "type": "escrow_key_released", "body": body}

    good = {"ceremony": "lottery", "private_key": base64.b64encode(bytes(32)).decode()}
    records.entry(entry(good), None, 0)
    for bad in ({**good, "private_key": base64.b64encode(bytes(31)).decode()},
                {**good, "ceremony": "raffle"}, {**good, "extra": 1},
                {"ceremony": "lottery"}):
        with pytest.raises(strict.StrictError):
            records.entry(entry(bad), None, 0)
