"""Escrow key release (PROTOCOL.md §5.4, §16): after each seed the escrow holder
publishes its private key, so anyone can re-open every escrow and check the
service's `escrow_opened` and `escrow-invalid` entries (rule G1: auditable)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlmodel import Session
from typer.testing import CliRunner

from lottery_service.auditlog import load_entries
from lottery_service.cli import app
from lottery_service.core.log import Entry
from lottery_service.core.season import PhaseError, SeasonState
from lottery_service.demo import DemoRun, escrow_holder_key, run_demo, simulated_dice
from lottery_service.demo.district import generate_district
from lottery_service.demo.season import BEACON_ROUNDS, recorded_round, round_time
from tests.support import make_runtime
from verifier.verify import Verification

EVENT = "demo-2026"
CEREMONIES = ("lottery", "grouping", "teachers")
quiet = lambda _line: None  # noqa: E731


def _raw(key: X25519PrivateKey) -> bytes:
    return key.private_bytes_raw()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[Entry]]]:
    """One whole demo season (1000 applicants): its bundle and its log."""
    work = tmp_path_factory.mktemp("release")
    rt = make_runtime(work)
    try:
        bundle = run_demo(rt, applicants=1000, say=quiet)
        with Session(rt.engine) as session:
            entries = load_entries(session, EVENT)
        yield bundle, entries
    finally:
        rt.close()


def _seq(entries: list[Entry], type_: str, ceremony: str) -> int:
    return next(e.seq for e in entries
                if e.type == type_ and getattr(e.body, "ceremony", None) == ceremony)


def _key(ceremony: str) -> bytes:
    """The notary's escrow key of that ceremony (§5.4: one key per ceremony)."""
    return _raw(escrow_holder_key(EVENT, ceremony))  # type: ignore[arg-type]


def test_g1_demo_bundle_releases_each_escrow_key_after_its_seed(
        demo: tuple[Path, list[Entry]]) -> None:
    bundle, _ = demo
    lines: list[dict[str, Any]] = [
        json.loads(line) for line in (bundle / "entries.jsonl").read_bytes().splitlines()]
    releases = [e for e in lines if e["type"] == "escrow_key_released"]
    assert [e["body"]["ceremony"] for e in releases] == list(CEREMONIES)
    for rel in releases:
        c = rel["body"]["ceremony"]
        # Right after its seed (the demo releases it in the seed step), never before.
        assert lines[rel["seq"] - 1]["type"] == "seed"
        assert lines[rel["seq"] - 1]["body"]["ceremony"] == c
        private = base64.b64decode(rel["body"]["private_key"], validate=True)
        assert private == _key(c)
        opened = next(e for e in lines if e["type"] == "ceremony_opened"
                      and e["body"]["ceremony"] == c)
        public = X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
        assert base64.b64encode(public).decode() == opened["body"]["escrow_key"]
    assert len({r["body"]["private_key"] for r in releases}) == 3  # three distinct keys
    v = Verification(bundle)
    v.run()
    assert v.ok, [r for r in v.results if r.status not in ("pass", "not checked")]
    step10 = next(r for r in v.results if r.number == 10)
    assert step10.status == "pass", step10.detail
    assert "WARNING" not in step10.detail  # every demo escrow was sealed honestly


def test_g1_release_before_the_seed_is_refused(demo: tuple[Path, list[Entry]]) -> None:
    _, entries = demo
    seed = _seq(entries, "seed", "grouping")
    state = SeasonState.replay(entries[:seed])
    now = entries[seed - 1].time
    with pytest.raises(PhaseError, match="only after the grouping seed"):
        state.release_escrow_key("grouping", _key("grouping"), now)
    # The lottery's seed is already out at that point: its release is idempotent.
    assert state.release_escrow_key("lottery", _key("lottery"), now) == []
    # Another ceremony's key is never this one's (§5.4).
    with pytest.raises(PhaseError, match="already released"):
        state.release_escrow_key("lottery", _key("grouping"), now)


def test_g1_release_checks_the_key_and_is_idempotent(demo: tuple[Path, list[Entry]]) -> None:
    _, entries = demo
    release = _seq(entries, "escrow_key_released", "teachers")
    before = SeasonState.replay(entries[:release])
    now = entries[release].time
    other = X25519PrivateKey.generate()
    with pytest.raises(PhaseError, match="not the teachers ceremony's escrow key"):
        before.release_escrow_key("teachers", _raw(other), now)
    with pytest.raises(PhaseError, match="not the teachers ceremony's escrow key"):
        before.release_escrow_key("teachers", _key("lottery"), now)
    with pytest.raises(PhaseError, match="32 bytes"):
        before.release_escrow_key("teachers", b"\x01" * 31, now)
    key = _key("teachers")
    bodies = before.release_escrow_key("teachers", key, now)
    assert bodies == [entries[release].body]
    after = SeasonState.replay(entries)
    released = after.ceremony("teachers").released
    assert released is not None and released.body.private_key == key
    assert after.release_escrow_key("teachers", key, now) == []
    with pytest.raises(PhaseError, match="already released"):
        after.release_escrow_key("teachers", _raw(other), now)


def test_cli_release_escrow_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sunshine release-escrow-key EVENT CEREMONY --escrow-private FILE` (§5.4)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SUNSHINE_AUDIT_DIR", str(tmp_path / "audit"))
    data = tmp_path / "data"
    rt = make_runtime(data)
    try:
        district = generate_district(applicants=1000)
        run = DemoRun(rt, district, quiet)
        run.setup()
        run.registration()
        run.freeze_roster()
        run.commitments("lottery")
        run.reveals("lottery")
        rt.service.ceremonies.physical_entropy(EVENT, "lottery", "notary-1",
                                               simulated_dice(EVENT, "lottery",
                                                              district.rules["dice"]))
        if district.rules["beacon"] is not None:  # the recorded quicknet round (§5.6)
            run.clock.at(round_time(BEACON_ROUNDS["lottery"]) + 5)
            rt.service.ceremonies.beacon(EVENT, "lottery",
                                         recorded_round(BEACON_ROUNDS["lottery"]))
    finally:
        rt.close()
    key_file = tmp_path / "escrow.key"
    key_file.write_text(_key("lottery").hex() + "\n")
    other_file = tmp_path / "grouping.key"  # a key of another ceremony (§5.4)
    other_file.write_text(_key("grouping").hex() + "\n")
    wrong_file = tmp_path / "wrong.key"
    wrong_file.write_text(_raw(X25519PrivateKey.generate()).hex() + "\n")
    runner = CliRunner()

    def release(path: Path) -> tuple[int, str]:
        result = runner.invoke(app, ["release-escrow-key", EVENT, "lottery",
                                     "--escrow-private", str(path), "--data", str(data)])
        return result.exit_code, result.output

    code, out = release(key_file)
    assert code == 1 and "after the lottery seed" in out
    assert runner.invoke(app, ["seed", EVENT, "lottery", "--data", str(data)]).exit_code == 0
    code, out = release(wrong_file)
    assert code == 1 and "not the lottery ceremony's escrow key" in out
    code, out = release(other_file)
    assert code == 1 and "not the lottery ceremony's escrow key" in out
    code, out = release(key_file)
    assert code == 0 and "escrow_key_released" in out, out
    code, out = release(key_file)
    assert code == 0 and "already done" in out, out
