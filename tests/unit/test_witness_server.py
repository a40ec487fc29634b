"""lottery_service.witness.server: every add-checkpoint rule of tlog-witness, without HTTP."""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.core.merkle import EMPTY_ROOT, MerkleTree, leaf_hash
from lottery_service.core.note import (
    Checkpoint,
    MLDSA44Signer,
    Signer,
    cosigner_verifier,
    open_note,
    sign_note,
    split_note,
    verify_cosignature,
)
from lottery_service.witness.protocol import AddCheckpoint, decode_cosignatures, decode_size
from lottery_service.witness.server import (
    Witness,
    WitnessConfig,
    WitnessConfigError,
    origin_hash,
)

ORIGIN = "zsb.example.gov.cn/sunshine/demo-2026"


class Log:
    """A log under test: leaves, a key, signed checkpoints of any prefix."""

    def __init__(self, origin: str = ORIGIN, leaves: int = 0) -> None:
        self.signer = Signer.generate(origin)
        self.leaves = [leaf_hash(f"entry {i}".encode()) for i in range(leaves)]

    def grow(self, n: int, tag: str = "") -> None:
        start = len(self.leaves)
        self.leaves += [leaf_hash(f"entry {i}{tag}".encode()) for i in range(start, start + n)]

    def tree(self) -> MerkleTree:
        return MerkleTree(self.leaves)

    def note(self, size: int | None = None) -> str:
        tree = MerkleTree(self.leaves[:size])
        return sign_note(Checkpoint(self.signer.name, tree.size, tree.root()).body(),
                         [self.signer])

    def request(self, old: int, size: int | None = None) -> bytes:
        size = len(self.leaves) if size is None else size
        proof = () if old in (0, size) or old > size else tuple(
            self.tree().consistency_proof(old, size))
        return AddCheckpoint(old, proof, self.note(size)).encode()


def _witness(tmp_path: Path, log: Log, clock: float = 1_700_000_000) -> Witness:
    keys = (Signer.generate("witness.example.com/w1"),
            MLDSA44Signer.generate("witness.example.com/w1"))
    config = WitnessConfig(keys, (log.signer.verifier(),), tmp_path / "state")
    return Witness(config, clock=lambda: clock)


def _cosigned(witness: Witness, log: Log, old: int, size: int | None = None) -> tuple[str, ...]:
    reply = witness.add_checkpoint(log.request(old, size))
    assert reply.status == 200, reply.body
    lines = decode_cosignatures(reply.body)
    body = split_note(log.note(size))[0]
    keys = [cosigner_verifier(k) for k in witness.config.keys]
    assert len(lines) == 2
    for line, key in zip(lines, keys, strict=True):
        assert verify_cosignature(body, line, key) == 1_700_000_000
    return lines


def test_first_push_then_growth(tmp_path: Path) -> None:
    log = Log(leaves=3)
    witness = _witness(tmp_path, log)
    _cosigned(witness, log, 0)
    for _ in range(4):
        old = len(log.leaves)
        log.grow(5)
        _cosigned(witness, log, old)
    # The same checkpoint again (old size = size, same root) is cosigned again.
    _cosigned(witness, log, len(log.leaves))
    stored = witness.store.read_note(ORIGIN)
    assert stored is not None
    assert witness.latest_checkpoint(origin_hash(ORIGIN)).body.decode() == stored
    opened = open_note(stored, [log.signer.verifier(),
                                *(cosigner_verifier(k) for k in witness.config.keys)])
    assert len(opened.verified_by) == 3 and Checkpoint.parse(opened.text).size == 23


def test_409_reports_the_size_and_state_survives_a_restart(tmp_path: Path) -> None:
    log = Log(leaves=4)
    _cosigned(_witness(tmp_path, log), log, 0)
    log.grow(3)
    restarted = _witness(tmp_path, log)  # new process, same state directory
    for wrong_old in (0, 2, 5):
        reply = restarted.add_checkpoint(log.request(wrong_old))
        assert (reply.status, reply.content_type) == (409, "text/x.tlog.size")
        assert decode_size(reply.body) == 4
    _cosigned(restarted, log, 4)


def test_fork_is_refused_and_kept_as_evidence(tmp_path: Path) -> None:
    log = Log(leaves=5)
    witness = _witness(tmp_path, log)
    _cosigned(witness, log, 0)
    # Same key, same size 5 history rewritten: a fork. Any proof from 5 fails.
    fork = Log(leaves=0)
    fork.signer = log.signer
    fork.leaves = [*log.leaves[:2], leaf_hash(b"tampered"), *log.leaves[3:]]
    fork.grow(2)
    reply = witness.add_checkpoint(AddCheckpoint(
        5, tuple(fork.tree().consistency_proof(5, 7)), fork.note()).encode())
    assert reply.status == 422 and b"not cosigned" in reply.body
    # Same size, another root.
    same_size = witness.add_checkpoint(AddCheckpoint(5, (), fork.note(5)).encode())
    assert same_size.status == 422
    evidence = sorted((tmp_path / "state" / "evidence").iterdir())
    assert len(evidence) == 2 and evidence[0].read_bytes().startswith(b"old 5\n")
    stored = witness.store.latest(ORIGIN)
    assert stored is not None and (stored.size, stored.root_hash) == (5, log.tree().root())


def test_rollback_is_refused(tmp_path: Path) -> None:
    log = Log(leaves=6)
    witness = _witness(tmp_path, log)
    _cosigned(witness, log, 0)
    older = witness.add_checkpoint(log.request(0, 4))
    assert older.status == 409 and decode_size(older.body) == 6
    claimed = witness.add_checkpoint(AddCheckpoint(6, (), log.note(4)).encode())
    assert claimed.status == 400  # old size over the checkpoint size


def test_unknown_origin_bad_signature_and_malformed(tmp_path: Path) -> None:
    log = Log(leaves=2)
    witness = _witness(tmp_path, log)
    stranger = Log(origin="other.example.cn/log", leaves=2)
    assert witness.add_checkpoint(stranger.request(0)).status == 404
    impostor = Log(leaves=2)  # another key under the same origin
    assert witness.add_checkpoint(impostor.request(0)).status == 403
    tampered = log.note().replace("\n2\n", "\n3\n")
    assert witness.add_checkpoint(AddCheckpoint(0, (), tampered).encode()).status == 403
    assert witness.add_checkpoint(b"old 0\n\nnot a note\n").status == 400
    assert witness.add_checkpoint(b"garbage").status == 400
    assert witness.store.read_note(ORIGIN) is None


def test_empty_tree_and_proof_rules(tmp_path: Path) -> None:
    log = Log(leaves=0)
    witness = _witness(tmp_path, log)
    bad_empty = sign_note(Checkpoint(ORIGIN, 0, bytes(32)).body(), [log.signer])
    assert witness.add_checkpoint(AddCheckpoint(0, (), bad_empty).encode()).status == 422
    good_empty = sign_note(Checkpoint(ORIGIN, 0, EMPTY_ROOT).body(), [log.signer])
    assert witness.add_checkpoint(AddCheckpoint(0, (), good_empty).encode()).status == 200
    log.grow(3)
    with_proof = AddCheckpoint(0, (bytes(32),), log.note()).encode()
    assert witness.add_checkpoint(with_proof).status == 422
    _cosigned(witness, log, 0)


def test_racing_requests_never_roll_back(tmp_path: Path) -> None:
    """tlog-witness: the old-size check and the update are one atomic step."""
    log = Log(leaves=1)
    witness = _witness(tmp_path, log)
    _cosigned(witness, log, 0)
    log.grow(9)
    requests = [log.request(1, size) for size in range(2, 11)]
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda r=r: statuses.append(
        witness.add_checkpoint(r).status)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 8
    stored = witness.store.latest(ORIGIN)
    assert stored is not None and stored.size >= 2


def test_failed_write_keeps_the_old_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = Log(leaves=2)
    witness = _witness(tmp_path, log)
    _cosigned(witness, log, 0)
    before = witness.store.read_note(ORIGIN)
    log.grow(2)

    def crash(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        witness.add_checkpoint(log.request(2))
    monkeypatch.undo()
    assert witness.store.read_note(ORIGIN) == before
    assert [p.name for p in (tmp_path / "state").iterdir() if p.suffix == ".tmp"] == []
    _cosigned(witness, log, 2)


def test_config_file(tmp_path: Path) -> None:
    log = Log()
    ed, pq = Signer.generate("witness.example.com/w1"), MLDSA44Signer.generate(
        "witness.example.com/w1")
    (tmp_path / "witness.keys").write_text(
        f"# secret\n{pq.private_key_text()}\n\n{ed.private_key_text()}\n", encoding="utf-8")
    config_path = tmp_path / "witness.toml"
    config_path.write_text(f'keys = "witness.keys"\nstate = "st"\nlisten = "0.0.0.0:8080"\n'
                           f'logs = ["{log.signer.verifier_key()}"]\n', encoding="utf-8")
    config = WitnessConfig.load(config_path)
    assert (config.name, config.host, config.port) == ("witness.example.com/w1", "0.0.0.0", 8080)
    assert config.state_dir == tmp_path / "st" and config.logs == (log.signer.verifier(),)
    assert config.verifier_keys() == (pq.verifier_key(), ed.verifier_key(0x04))

    bad = {
        'keys = "missing.keys"\n': "cannot read",
        'state = "s"\n': "no 'keys'",
        'keys = "witness.keys"\nlisten = "8080"\n': "host:port",
        'keys = "witness.keys"\nlogs = "x"\n': "list",
        'keys = "witness.keys"\nlogs = ["x+1+AA=="]\n': "bad key",
        'keys = "witness.keys"\nport = 1\n': "unknown",
        f'keys = "witness.keys"\nlogs = ["{cosigner_verifier(ed).to_text()}"]\n': "type 0x04",
        'keys = \n': "cannot read",
    }
    for text, message in bad.items():
        config_path.write_text(text, encoding="utf-8")
        with pytest.raises(WitnessConfigError, match=message):
            WitnessConfig.load(config_path)
    with pytest.raises(WitnessConfigError, match="one witness name"):
        WitnessConfig((ed, MLDSA44Signer.generate("witness.example.com/w2")), (), tmp_path)
    with pytest.raises(WitnessConfigError, match="no signing key"):
        WitnessConfig((), (), tmp_path)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["grow", "fork", "push"]), st.integers(0, 12)),
                min_size=1, max_size=12))
def test_never_cosigns_two_views_that_disagree(steps: list[tuple[str, int]]) -> None:
    """Whatever a log (honest or forking, with any old size) sends, every checkpoint the
    witness cosigns extends the one it cosigned before."""
    log = Log(leaves=1)
    cosigned: list[tuple[int, bytes, list[bytes]]] = []
    with tempfile.TemporaryDirectory() as state:
        witness = _witness(Path(state), log)
        for op, n in steps:
            if op == "grow":
                log.grow(n)
            elif op == "fork" and log.leaves:
                i = n % len(log.leaves)
                log.leaves = [*log.leaves[:i], leaf_hash(f"fork {n}".encode())]
            else:
                size = len(log.leaves)
                latest = witness.store.latest(ORIGIN)
                # Half the pushes send what the witness holds, the rest any size.
                old = (latest.size if latest else 0) if n % 2 == 0 else min(n, size)
                reply = witness.add_checkpoint(log.request(old))
                if reply.status == 200:
                    cosigned.append((size, log.tree().root(), list(log.leaves)))
    for (size, root, _), (later_size, _, later_leaves) in itertools.pairwise(cosigned):
        assert later_size >= size
        assert MerkleTree(later_leaves[:size]).root() == root
