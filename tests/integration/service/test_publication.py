"""The static publication wired to every checkpoint (issue 13 deliverable 1, PROTOCOL.md §18):
after a season through the service, the publication directory reads back with the
independent tlog-tiles reader and matches the exported bundle."""

from __future__ import annotations

import base64
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
from tests.support import make_runtime, proof_x
from verifier import merkle

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
        _check_context((base / "context.tlog-proof").read_text("utf-8"), newest.note, entries)
        assert root_kind(root) is RootKind.OFFICIAL
        # §17.3: the sealed openings never reach a publication.
        assert not [p for p in root.rglob("*") if "openings" in p.name]
    finally:
        rt.close()


def _check_context(text: str, note: str, entries: list[bytes]) -> None:
    """§14.1 under the published checkpoint: index 0, every context entry of the log with
    its bytes and an inclusion proof under the checkpoint's root (read independently)."""
    head, under = text.split("\n\n", 1)
    assert under == note
    lines = head.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1" and lines[2] == "index 0"
    size, root = int(note.split("\n")[1]), base64.b64decode(note.split("\n")[2])
    leaves = [merkle.leaf_hash(e) for e in entries]
    merkle.verify_inclusion(leaves[0], 0, size, [base64.b64decode(h) for h in lines[3:]],
                            root)  # raises unless it holds
    x = proof_x(text)
    assert x["type"] == "sunshine-context" and x["event"] == EVENT
    wanted = [i for i, e in enumerate(entries) if json.loads(e)["type"] in CONTEXT_TYPES]
    assert [item["index"] for item in x["entries"]] == wanted and 0 in wanted
    for item in x["entries"]:
        assert item["entry"].encode("utf-8") == entries[item["index"]]
        merkle.verify_inclusion(leaves[item["index"]], item["index"], size,
                                [base64.b64decode(h) for h in item["proof"]], root)


CONTEXT_TYPES = {"event_created", "ceremony_opened", "beacon_postponed", "physical_entropy",
                 "beacon", "seed", "payment_round", "payments_closed"}  # §14.1
