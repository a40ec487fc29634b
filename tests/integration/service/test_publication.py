"""The static publication wired to every checkpoint (issue 13 deliverable 1, PROTOCOL.md §18):
after a season through the service, the publication directory reads back with the
independent tlog-tiles reader and matches the exported bundle."""

from __future__ import annotations

import base64
import io
import itertools
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session

from lottery_service import imports
from lottery_service.auditlog import latest_checkpoint
from lottery_service.demo import run_demo
from lottery_service.demo.district import generate_district
from lottery_service.publish import RootKind, root_kind
from lottery_service.runtime import Runtime
from lottery_service.service.shards import changed_families
from tests import shard_support as shards
from tests.integration.test_tiles_reader import read_all
from tests.support import make_runtime, proof_x
from verifier import merkle
from verifier import receipt as verifier_receipt

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
        _check_shards(rt, base)
        sizes = sorted(int(p.stem) for p in (bundle / "checkpoints").glob("*.note"))
        _check_change_rule(rt, sizes)
    finally:
        rt.close()


def _factors() -> dict[str, str]:
    """reg → second factor as the demo's files give it (an application's wins)."""
    district = generate_district(applicants=1000)
    out: dict[str, str] = {}
    for kind in ("pupils", "applicants"):
        name, data = district.files[kind]
        out.update({r.reg: r.id_last4 for r in imports.parse(kind, data, name).rows
                    if r.id_last4})
    return out


def _content(x: dict[str, object]) -> object:
    """What a receipt proves, without its proofs (those depend on the checkpoint size)."""
    entries = x["entries"]
    records = x["records"]
    assert isinstance(entries, list) and isinstance(records, list)
    return (x["entry"], [(e["index"], e["entry"]) for e in entries],
            [(r["ceremony"], r["index"], r["record"]) for r in records])


def _check_shards(rt: Runtime, base: Path) -> None:
    """§18.3 after a whole season: every family with a result has a shard at its address
    that opens with its number and second factor, verifies (§14) under the event's policy
    and proves exactly what its receipt at the newest checkpoint proves (so the service
    rewrote it at every payment round, forfeit, promotion, class and head teacher); a
    rejected family and a wrong factor find nothing; no other file is under shards/."""
    origin = rt.service.witnesses.origin(EVENT)
    policy = (base / "policy").read_text("utf-8")
    snap = rt.service.snapshots.snapshot(EVENT)
    state = snap.receipts.state
    families = sorted(set(state.lottery_results) | set(state.grouping_results))
    factors = _factors()
    assert families and set(families) <= set(factors)
    opened = 0
    for reg in families:
        text = shards.open_shard(base, origin, reg, factors[reg])
        assert text is not None, reg
        report = verifier_receipt.check(text, policy, reg)
        assert report.ok, (reg, report)
        current = snap.receipt(reg)
        assert current is not None
        assert _content(proof_x(text)) == _content(proof_x(current)), reg
        wrong = "0000" if factors[reg] != "0000" else "0001"
        assert shards.open_shard(base, origin, reg, wrong) is None
        opened += 1
    rejected = [reg for reg in factors if reg not in families and reg in {
        a.reg for a in snap.rejections().leaves}]
    assert rejected
    assert all(shards.open_shard(base, origin, reg, factors[reg]) is None for reg in rejected)
    written = [p for p in (base / "shards").rglob("*") if p.is_file()]
    assert len(written) == opened


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


def _check_change_rule(rt: Runtime, sizes: list[int]) -> None:
    """`changed_families` names exactly the families whose receipt content (§14) differs
    between two checkpoints: between every two consecutive ones of the season, and
    across the whole season at once (the publication may take several together)."""
    snap = rt.service.snapshots.snapshot(EVENT)
    index = snap.receipts
    regs = sorted(_factors())
    pairs = [*itertools.pairwise(sizes), (0, sizes[-1])]
    changes = 0
    for start, end in pairs:
        differ = {reg for reg in regs
                  if index.parts(reg, end) is not None
                  and index.parts(reg, start) != index.parts(reg, end)}
        named = set(changed_families(snap.entries, index.state, start, end))
        assert {reg for reg in named if index.parts(reg, end) is not None} == differ, \
            (start, end)
        changes += bool(differ)
    assert changes >= 6  # the draw, both payment rounds, the close, classes, head teachers
