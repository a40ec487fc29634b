"""The static publication wired to every checkpoint (issue 13 deliverable 1, PROTOCOL.md §18):
after a season through the service, the publication directory reads back with the
independent tlog-tiles reader and matches the exported bundle."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session

from lottery_service.auditlog import latest_checkpoint
from lottery_service.demo import run_demo
from lottery_service.publish import RootKind, root_kind
from tests.integration.test_tiles_reader import read_all
from tests.support import make_runtime

EVENT = "demo-2026"


def test_a_season_publishes_tiles_that_match_the_bundle(
        tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "pub"
    monkeypatch.setenv("SUNSHINE_PUBLICATION_ROOT", str(root))
    monkeypatch.delenv("SUNSHINE_REHEARSAL_PUBLICATION_ROOT", raising=False)
    rt = make_runtime(tmp_path / "svc", backend)
    sealed = b'{"type":"openings","version":2}\n'  # stands in for portcore's §17.3 file
    rt.service.exports.openings = lambda _event: sealed
    try:
        bundle = run_demo(rt, applicants=1000, say=lambda _line: None).resolve()
        beside = rt.service.exports.openings_path(EVENT)
        assert beside.read_bytes() == sealed  # beside the bundle, for the supervision group
        assert beside.parent.resolve() == bundle.parent
        assert beside.stat().st_mode & 0o777 == 0o600
        assert not [p for p in bundle.rglob("*") if "openings" in p.name]
        names = zipfile.ZipFile(io.BytesIO(rt.service.exports.bundle_zip(EVENT))).namelist()
        assert names and not [n for n in names if "openings" in n]
        assert rt.service.followup.drain(120)
        with Session(rt.engine) as session:
            newest = latest_checkpoint(session, EVENT)
        assert newest is not None
        base = root / EVENT
        log_key = rt.service.witnesses.log_key(EVENT)
        size, _root, entries, _tiles = read_all(base, log_key, rt.service.witnesses.origin(EVENT))
        assert size == newest.size
        assert (base / "checkpoint").read_text("utf-8") == newest.note  # with cosignatures
        assert entries == (bundle / "entries.jsonl").read_bytes().splitlines()
        assert (base / "policy").read_text("utf-8") == \
            (bundle / "keys" / "tlog-policy.txt").read_text("utf-8")
        assert (base / "keys" / "log.vkey").read_text("utf-8") == log_key + "\n"
        published = base / "bundle"
        assert (published / "entries.jsonl").read_bytes() == \
            (bundle / "entries.jsonl").read_bytes()
        assert json.loads((base / "state.json").read_bytes())["size"] == size
        assert root_kind(root) is RootKind.OFFICIAL
        # §17.3: the sealed openings never reach a publication.
        assert not [p for p in root.rglob("*") if "openings" in p.name]
    finally:
        rt.close()
