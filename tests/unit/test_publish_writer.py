"""The publication directory (PROTOCOL.md §18.1, §19): layout, refusals, atomicity."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lottery_service.core.merkle import MerkleTree, leaf_hash
from lottery_service.core.note import Checkpoint, Signer, add_signature_lines, cosign, split_note
from lottery_service.core.policy import bundle_policy
from lottery_service.publish import (
    FamilyReceipt,
    PublishError,
    RootKind,
    TileConflictError,
    TileError,
    TileReader,
    init_root,
    open_shard,
    publish_event,
    published_checkpoint,
    root_kind,
    shard_address,
    shard_path,
)
from lottery_service.publish.tiles import tile_path
from tests.publish_support import SignedLog, publish

EVENT = "demo-2026"


@pytest.fixture
def log() -> SignedLog:
    return SignedLog(EVENT)


def test_layout_of_a_first_publication_18_1(tmp_path: Path, log: SignedLog) -> None:
    assets = tmp_path / "site"
    (assets / "static").mkdir(parents=True)
    (assets / "check.html").write_text("<!doctype html>", encoding="utf-8")
    (assets / "static" / "tiles.js").write_text("export {};", encoding="utf-8")
    bundle = tmp_path / "audit" / EVENT
    bundle.mkdir(parents=True)
    log.grow(300)
    (bundle / "entries.jsonl").write_bytes(b"".join(e + b"\n" for e in log.entries))
    family = FamilyReceipt("2026000001", "123X", "receipt text\n")
    report = publish(tmp_path / "pub", log, 300, receipts=(family,), bundle=bundle,
                     assets=assets)
    base = tmp_path / "pub" / EVENT
    assert (report.size, report.previous_size, report.shards) == (300, 0, 1)
    assert report.tiles == 5  # tile/0/000, tile/0/001.p/44, tile/1/000.p/1, 2 bundles
    assert (base / "checkpoint").read_text(encoding="utf-8") == log.note(300)
    assert (base / "policy").read_text(encoding="utf-8") == log.policy
    assert (base / "keys" / "log.vkey").read_text(encoding="utf-8") == \
        log.signer.verifier_key() + "\n"
    assert json.loads((base / "state.json").read_bytes()) == {"size": 300}
    assert (base / "check.html").exists() and (base / "static" / "tiles.js").exists()
    assert (base / "bundle" / "entries.jsonl").read_bytes().count(b"\n") == 300
    shard = (base / shard_path(shard_address(log.origin, "2026000001", "123X"))).read_bytes()
    assert open_shard(log.origin, "2026000001", "123X", shard) == "receipt text\n"
    root = Checkpoint.parse(split_note(log.note(300))[0]).root_hash
    reader = TileReader(lambda p: (base / p).read_bytes(), 300, root)
    assert reader.entries(0, 300) == log.entries[:300]
    # Nothing hidden is left but the lock and the attempt record.
    hidden = sorted(p.name for p in base.iterdir() if p.name.startswith("."))
    assert [h for h in hidden if not h.startswith(".bundle-")] == [".attempt", ".lock"]


def test_updates_are_incremental_and_idempotent_18_1(tmp_path: Path, log: SignedLog) -> None:
    root = tmp_path / "pub"
    publish(root, log, 255)
    report = publish(root, log, 257)
    # tile/0/000 and tile/entries/000 became full; the 257 partials, tile/1/000.p/1.
    assert report.tiles == 5
    assert set(report.paths) == {"tile/0/000", "tile/entries/000", "tile/0/001.p/1",
                                 "tile/entries/001.p/1", "tile/1/000.p/1", "state.json",
                                 "supervision.json", "checkpoint"}
    assert report.paths[-1] == "checkpoint"
    again = publish(root, log, 257)
    assert (again.tiles, again.checkpoint_changed) == (0, False)
    assert published_checkpoint(root, EVENT) == Checkpoint.parse(split_note(log.note(257))[0])


def test_new_cosignatures_on_the_same_checkpoint_are_republished_12_3(
        tmp_path: Path, log: SignedLog) -> None:
    root = tmp_path / "pub"
    publish(root, log, 10)
    witness = Signer.generate("witness.example.com/w1")
    note = log.note(10)
    cosigned = add_signature_lines(note, [cosign(split_note(note)[0], witness, 1767225600)])
    report = publish_event(root, EVENT, checkpoint=cosigned, policy=log.policy,
                           entries_since=log.entries_since, state=b"{}")
    assert report.checkpoint_changed and report.tiles == 0
    assert (root / EVENT / "checkpoint").read_text(encoding="utf-8") == cosigned


def test_a_rehearsal_is_refused_in_an_official_root_19(tmp_path: Path) -> None:
    rehearsal = SignedLog(EVENT, rehearsal=True)
    with pytest.raises(PublishError, match="演练不能发布到正式发布目录"):
        publish(tmp_path / "official", rehearsal, 3)
    assert not (tmp_path / "official" / EVENT / "checkpoint").exists()
    init_root(tmp_path / "mock", RootKind.REHEARSAL)
    assert root_kind(tmp_path / "mock") is RootKind.REHEARSAL
    publish(tmp_path / "mock", rehearsal, 3)
    with pytest.raises(PublishError, match="正式活动不能发布到演练发布目录"):
        publish(tmp_path / "mock", SignedLog("official-2026"), 3)
    with pytest.raises(PublishError):
        init_root(tmp_path / "mock", RootKind.OFFICIAL)
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "publication-kind").write_text("REHEARSAL\n", encoding="ascii")
    with pytest.raises(PublishError):
        root_kind(tmp_path / "odd")


def test_rollback_fork_and_wrong_entries_publish_nothing_12_2(tmp_path: Path,
                                                              log: SignedLog) -> None:
    root = tmp_path / "pub"
    publish(root, log, 100)
    before = (root / EVENT / "checkpoint").read_bytes()
    with pytest.raises(PublishError, match="rolls back"):
        publish(root, log, 99)
    fork = SignedLog(EVENT)
    fork.signer = log.signer
    fork.grow(100)
    fork.entries[50] = b'{"forged":true}'
    fork._leaves[50] = leaf_hash(fork.entries[50])
    with pytest.raises(TileConflictError, match="forked"):
        publish(root, fork, 100)
    with pytest.raises(TileError, match="do not give the checkpoint root"):
        publish_event(root, EVENT, checkpoint=log.note(120), policy=log.policy,
                      entries_since=lambda n: [b"{}"] * (120 - n), state=b"{}")
    with pytest.raises(PublishError, match="yielded entries up to 110"):
        publish_event(root, EVENT, checkpoint=log.note(120), policy=log.policy,
                      entries_since=lambda n: log.entries[n:110], state=b"{}")
    assert (root / EVENT / "checkpoint").read_bytes() == before


def test_checkpoint_must_be_signed_by_the_policy_log_for_this_event_12(
        tmp_path: Path, log: SignedLog) -> None:
    other = Signer.generate(log.origin)
    with pytest.raises(PublishError, match="rejected"):
        publish_event(tmp_path, EVENT, checkpoint=log.note(5),
                      policy=bundle_policy(other.verifier_key(), {}, 0).to_text(),
                      entries_since=log.entries_since, state=b"{}")
    with pytest.raises(PublishError, match="not of event"):
        publish_event(tmp_path, "other-2026", checkpoint=log.note(5), policy=log.policy,
                      entries_since=log.entries_since, state=b"{}")
    with pytest.raises(PublishError, match="not JSON"):
        publish(tmp_path, log, 5, state=b"{")
    with pytest.raises(PublishError, match="活动编号"):
        publish_event(tmp_path, "../x", checkpoint=log.note(5), policy=log.policy,
                      entries_since=log.entries_since, state=b"{}")


def test_assets_cannot_shadow_publication_files_18_1(tmp_path: Path, log: SignedLog) -> None:
    assets = tmp_path / "site"
    assets.mkdir()
    (assets / "checkpoint").write_text("fake", encoding="utf-8")
    with pytest.raises(PublishError, match="shadow"):
        publish(tmp_path / "pub", log, 3, assets=assets)
    assert not (tmp_path / "pub").exists()  # refused at the door: nothing written


@pytest.mark.parametrize("victim", [tile_path(0, 1, 44), tile_path(1, 0, 1),
                                    "tile/entries/001.p/44"])
def test_damaged_publication_is_refused_not_extended_18_1(tmp_path: Path, log: SignedLog,
                                                          victim: str) -> None:
    root = tmp_path / "pub"
    publish(root, log, 300)
    partial = root / EVENT / victim
    data = bytearray(partial.read_bytes())
    data[0] ^= 1
    partial.write_bytes(bytes(data))
    with pytest.raises(TileError, match="damaged"):
        publish(root, log, 400)


def test_a_tile_written_by_someone_else_is_never_replaced_18_1(tmp_path: Path,
                                                               log: SignedLog) -> None:
    root = tmp_path / "pub"
    publish(root, log, 100)
    stray = root / EVENT / tile_path(0, 0)
    stray.write_bytes(bytes(8192))
    with pytest.raises(TileConflictError, match="refusing to change a tile"):
        publish(root, log, 300)


def test_leftovers_of_an_unfinished_attempt_are_rewritten_18_1(tmp_path: Path,
                                                               log: SignedLog) -> None:
    """A crash before the checkpoint leaves files beyond it, possibly empty (no fsync
    before the barrier); the next publish rewrites them."""
    root = tmp_path / "pub"
    publish(root, log, 100)
    (root / EVENT / ".attempt").write_text("600\n", encoding="ascii")
    (root / EVENT / tile_path(0, 0)).write_bytes(b"")
    (root / EVENT / "tile" / "entries" / "000").write_bytes(b"\x00")
    report = publish(root, log, 600)
    tree = MerkleTree([leaf_hash(e) for e in log.entries[:600]])
    reader = TileReader(lambda p: (root / EVENT / p).read_bytes(), 600, tree.root())
    assert reader.entries(0, 600) == log.entries[:600]
    assert report.size == 600


def test_a_reader_never_sees_a_checkpoint_whose_tiles_are_missing_18_1(
        tmp_path: Path, log: SignedLog) -> None:
    """A reader thread opens the published checkpoint and reads every tile it needs
    while the writer publishes 40 updates across tile boundaries."""
    root = tmp_path / "pub"
    base = root / EVENT
    publish(root, log, 1)
    sizes = [1 + 97 * k for k in range(1, 41)]
    log.grow(sizes[-1])
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        while not done.is_set():
            try:
                note = (base / "checkpoint").read_text(encoding="utf-8")
                cp = Checkpoint.parse(split_note(note)[0])
                tiles = TileReader(lambda p: (base / p).read_bytes(), cp.size, cp.root_hash)
                assert tiles.entries(max(0, cp.size - 300), cp.size)[-1] == \
                    log.entries[cp.size - 1]
                tiles.inclusion_proof(cp.size // 2)
                seen.append(cp.size)
            except BaseException as e:  # any failure is the test's failure
                errors.append(e)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for size in sizes:
            publish(root, log, size)
    finally:
        done.set()
        thread.join()
    assert not errors, errors[0]
    assert len(set(seen)) > 5, "the reader saw too few checkpoints to test anything"
    assert seen == sorted(seen)


def test_an_update_reads_only_the_edge_and_the_new_entries_18_1(
        tmp_path: Path, log: SignedLog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 item 6: tile writing is O(new entries); nothing is rebuilt."""
    from lottery_service.publish import writer

    root = tmp_path / "pub"
    publish(root, log, 70000)
    reads: list[str] = []
    original = writer._Files.read

    def counting(self: writer._Files, rel: str) -> bytes:
        reads.append(rel)
        return original(self, rel)

    monkeypatch.setattr(writer._Files, "read", counting)
    log.grow(70001)
    consumed: list[int] = []

    def entries_since(start: int) -> Iterator[bytes]:
        for entry in log.entries[start:]:
            consumed.append(start)
            yield entry

    report = publish_event(root, EVENT, checkpoint=log.note(70001), policy=log.policy,
                           entries_since=entries_since, state=b"{}")
    # The three partial tiles and the partial bundle of size 70000, nothing else.
    assert sorted(reads) == ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1",
                             "tile/entries/273.p/112"]
    assert consumed == [70000]
    assert report.tiles == 2  # tile/0/273.p/113 and tile/entries/273.p/113


def test_the_event_context_is_written_only_under_its_own_checkpoint_14_1(
        tmp_path: Path, log: SignedLog) -> None:
    """§18.1 `context.tlog-proof`: the context (§14.1) of the checkpoint being published;
    one under another checkpoint is refused and nothing new is published."""
    root = tmp_path / "pub"
    publish(root, log, 10)
    note = log.note(12)
    context = f"c2sp.org/tlog-proof@v1\nextra eJyrrgUAAXUA+Q==\nindex 0\n\n{note}"
    publish_event(root, log.event, checkpoint=note, policy=log.policy,
                  entries_since=log.entries_since, state=b'{"size":12}', context=context)
    assert (root / log.event / "context.tlog-proof").read_text("utf-8") == context
    with pytest.raises(PublishError, match="context"):  # size 12's context with size 14
        publish_event(root, log.event, checkpoint=log.note(14), policy=log.policy,
                      entries_since=log.entries_since, state=b'{"size":14}', context=context)
    assert (root / log.event / "checkpoint").read_text("utf-8") == note
    assert (root / log.event / "context.tlog-proof").read_text("utf-8") == context
