"""Rehearsals (演练, issue 10 deliverable 6, PROTOCOL.md §19), the service side: another
signing key, marked in the bundle and on every page, never published where results
are, never recorded into a rehearsal, and refused as an official event's rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from lottery_service.api import create_app
from lottery_service.config import Settings
from lottery_service.core.note import Verifier, open_note
from lottery_service.core.records import Rules
from lottery_service.demo.district import generate_district
from lottery_service.errors import (
    ConfigurationError,
    ConflictError,
    EventNotFoundError,
    RejectedInputError,
)
from lottery_service.publish import PublishError, RootKind, root_kind
from lottery_service.runtime import Runtime, open_runtime
from lottery_service.service.followup import FollowUpSettings
from lottery_service.service.keys import LOG_KEY_FILE, REHEARSAL_KEY_FILE, ServiceKeys
from lottery_service.storage.models import EventTable
from tests.support import database_url, served

OFFICIAL = "demo-2026"
REHEARSAL = "mock-2026"
PREFIX = "zsb.example.gov.cn/sunshine"


def create(rt: Runtime, event: str, *, rehearsal: bool = False) -> None:
    """An event created by the operator's rule set (§3.1): the service adds the origin."""
    rules = generate_district(applicants=1000, event_id=event).rules
    rt.service.lifecycle.create_event({**rules, "rehearsal": rehearsal})


@pytest.fixture
def rt(tmp_path: Path, backend: str) -> Runtime:
    path = tmp_path / "svc"
    path.mkdir()
    runtime = open_runtime(Settings(data_dir=path, audit_dir=path / "audit",
                                    database_url=database_url(backend, path),
                                    origin_prefix=PREFIX))
    create(runtime, OFFICIAL)
    create(runtime, REHEARSAL, rehearsal=True)
    yield runtime  # type: ignore[misc]
    runtime.close()


def test_a_rehearsal_is_signed_with_the_rehearsal_key(rt: Runtime) -> None:
    official = Verifier.from_text(rt.service.witnesses.log_key(OFFICIAL))
    rehearsal = Verifier.from_text(rt.service.witnesses.log_key(REHEARSAL))
    assert rehearsal.name == f"{PREFIX}/rehearsal/{REHEARSAL}"
    assert rehearsal.public_key != official.public_key
    note = rt.service.witnesses.checkpoint(REHEARSAL).note
    open_note(note, [rehearsal])
    with pytest.raises(Exception, match="no verifiable signatures"):
        open_note(note, [Verifier(rehearsal.name, official.sig_type, official.public_key)])


def test_the_rehearsal_bundle_and_pages_are_marked(rt: Runtime) -> None:
    mock = rt.service.exports.export(REHEARSAL)
    real = rt.service.exports.export(OFFICIAL)
    assert "演练 / REHEARSAL" in (mock / "README.md").read_text("utf-8")
    assert "REHEARSAL" in (mock / "REHEARSAL.txt").read_text("utf-8")
    assert "REHEARSAL" not in (real / "README.md").read_text("utf-8")
    assert not (real / "REHEARSAL.txt").exists()
    with served(create_app(rt)) as url:
        for page in ("dashboard", "ceremony", "check"):
            mock_page = httpx.get(f"{url}/events/{REHEARSAL}/{page}").text
            real_page = httpx.get(f"{url}/events/{OFFICIAL}/{page}").text
            assert 'id="rehearsal-banner"' in mock_page and "演练 / REHEARSAL" in mock_page
            assert 'id="rehearsal-banner"' not in real_page


def test_a_rehearsal_is_never_published_into_an_official_root(
        rt: Runtime, tmp_path: Path) -> None:
    publication = rt.service.publication
    publication.root = tmp_path / "official"
    with pytest.raises(PublishError, match="演练"):
        publication.publish(REHEARSAL)
    assert publication.publish(OFFICIAL) is not None
    assert not (tmp_path / "official" / REHEARSAL).exists()
    publication.rehearsal_root = tmp_path / "official"  # the same root: refused (§19)
    with pytest.raises(PublishError):
        publication.publish(REHEARSAL)
    publication.rehearsal_root = tmp_path / "mock"
    assert publication.publish(REHEARSAL) is not None
    assert root_kind(tmp_path / "mock") is RootKind.REHEARSAL
    with pytest.raises(ConfigurationError):
        FollowUpSettings.from_env({"SUNSHINE_PUBLICATION_ROOT": str(tmp_path / "a"),
                                   "SUNSHINE_REHEARSAL_PUBLICATION_ROOT": str(tmp_path / "a")})


def test_only_a_rehearsal_is_recorded_and_only_into_an_official_event(rt: Runtime) -> None:
    with pytest.raises(RejectedInputError, match="official event, not a rehearsal"):
        rt.service.rehearsals.record_rehearsal(OFFICIAL, OFFICIAL)
    with pytest.raises(RejectedInputError, match="is a rehearsal"):
        rt.service.rehearsals.record_rehearsal(REHEARSAL, REHEARSAL)
    bundle = rt.service.exports.export(REHEARSAL)
    final = rt.service.rehearsals.final_checkpoint(bundle)
    assert final == rt.service.rehearsals.final_checkpoint(REHEARSAL)
    assert (final.event, final.origin) == (REHEARSAL, f"{PREFIX}/rehearsal/{REHEARSAL}")
    official_bundle = rt.service.exports.export(OFFICIAL)
    with pytest.raises(RejectedInputError, match="only a rehearsal can be recorded"):
        rt.service.rehearsals.final_checkpoint(official_bundle)


def test_the_official_log_records_the_rehearsal_once(rt: Runtime) -> None:
    entries = rt.service.rehearsals.record_rehearsal(OFFICIAL, REHEARSAL)
    assert [e.type for e in entries] == ["rehearsal_recorded"]
    final = rt.service.rehearsals.final_checkpoint(REHEARSAL)
    assert entries[0].body.to_json() == {
        "event": REHEARSAL, "origin": final.origin, "size": final.size,
        "root": final.root.hex(), "key": final.key}
    assert rt.service.rehearsals.record_rehearsal(OFFICIAL, REHEARSAL) == []


def test_official_rules_never_take_a_rehearsal_origin(rt: Runtime) -> None:
    """§3.1, §12.1, §19: the rules' origin is the deployment's own for their form; and
    below the lifecycle, a log never takes rules of another origin."""
    rules = generate_district(applicants=1000, event_id="other-2026").rules
    for forged in ({"origin": f"{PREFIX}/rehearsal/other-2026", "rehearsal": False},
                   {"origin": f"{PREFIX}/other-2026", "rehearsal": True},
                   {"origin": "elsewhere.example.cn/other-2026"}):
        with pytest.raises(RejectedInputError, match=r"12\.1|rehearsal"):
            rt.service.lifecycle.create_event({**rules, **forged})
    mock = Rules.from_json({**rules, "type": "rules", "version": 2, "high_fee_threshold": 6000,
                            "waitlist_promotion": True, "dice": 20, "beacon": None,
                            "origin": f"{PREFIX}/rehearsal/other-2026", "rehearsal": True})
    row = EventTable(id="other-2026", origin=f"{PREFIX}/other-2026")
    with pytest.raises(RejectedInputError, match="§19"), \
            rt.service.db.event("other-2026", create=row) as work:
        work.emit(work.state.create_event(mock))
    with pytest.raises(EventNotFoundError):  # nothing was kept, not even the row
        rt.service.lifecycle.state("other-2026")


def test_the_rehearsal_key_is_never_the_official_key(tmp_path: Path) -> None:
    ServiceKeys.load(tmp_path)
    (tmp_path / REHEARSAL_KEY_FILE).write_text((tmp_path / LOG_KEY_FILE).read_text())
    with pytest.raises(ConfigurationError, match="rehearsal"):
        ServiceKeys.load(tmp_path)


def test_a_rehearsal_signed_with_the_official_key_is_not_recorded(
        rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: a rehearsal-form checkpoint under the official key is refused."""
    final = rt.service.rehearsals.final_checkpoint(REHEARSAL)
    official = rt.service.keys.signer(f"{PREFIX}/{OFFICIAL}").public_key_bytes()
    forged = replace(final, key=Verifier(final.origin, 0x01, official).to_text())
    monkeypatch.setattr(rt.service.rehearsals, "final_checkpoint", lambda _r: forged)
    with pytest.raises(ConflictError, match="official log key"):
        rt.service.rehearsals.record_rehearsal(OFFICIAL, REHEARSAL)


def test_a_rehearsal_sends_no_messages_to_families(rt: Runtime) -> None:
    """§19: SMS would tell a real family a practice result; the official event's
    refusal at this phase is about the phase (the results are not logged yet)."""
    with pytest.raises(RejectedInputError, match="rehearsal") as refused:
        rt.service.notifications.notify(REHEARSAL, "draw")
    assert "演练活动不向家长发送短信" in refused.value.message_zh
    with pytest.raises(Exception, match="only once") as official:
        rt.service.notifications.notify(OFFICIAL, "draw")
    assert not isinstance(official.value, RejectedInputError)
