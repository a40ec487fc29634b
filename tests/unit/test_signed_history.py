"""The signer's growing tree and its signed history file (auditlog, PROTOCOL.md §12.2)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery_service.auditlog import LogTree, SignedHistory, is_rehearsal_origin
from lottery_service.core.merkle import MerkleTree
from lottery_service.core.note import Checkpoint, Signer, sign_note
from lottery_service.errors import SignedHistoryError

ORIGIN = "zsb.example.gov.cn/sunshine/e-2026"


def leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), max_size=8))
def test_growing_tree_equals_a_tree_built_at_once(chunks: list[int]) -> None:
    """Grown chunk by chunk, every root and proof is that of MerkleTree over all leaves."""
    tree = LogTree()
    done = 0
    for n in chunks:
        tree.extend(leaves(done + n)[done:])
        done += n
        whole = MerkleTree(leaves(done))
        assert tree.size == done and tree.root() == whole.root()
        for size in range(done + 1):
            assert tree.root(size) == whole.root(size)
        for old in range(1, done + 1):
            assert tree.consistency_proof(old) == whole.consistency_proof(old)
        for index in range(done):
            assert tree.inclusion_proof(index) == whole.inclusion_proof(index)


def note(signer: Signer, size: int) -> str:
    tree = MerkleTree(leaves(size))
    return sign_note(Checkpoint(ORIGIN, size, tree.root()).body(), [signer])


def test_history_extends_only_from_the_expected_checkpoint(tmp_path: Path) -> None:
    signer = Signer.generate(ORIGIN)
    history = SignedHistory(tmp_path / "h")
    assert history.last("e-2026") is None
    assert history.extend("e-2026", None, [note(signer, 1), note(signer, 3)])
    three = Checkpoint.parse(note(signer, 3).split("\n\n")[0] + "\n")
    with pytest.raises(SignedHistoryError, match="changed under the signer"):
        history.extend("e-2026", None, [note(signer, 5)])  # CAS: the last is 3, not none
    assert history.extend("e-2026", three, [note(signer, 5)])
    # Recorded already (by another process): nothing changes.
    assert not history.extend("e-2026", three, [note(signer, 5)])
    assert [n.split("\n")[1] for n in history.notes("e-2026")] == ["1", "3", "5"]
    assert history.last("e-2026") == note(signer, 5)
    assert history.path("e-2026").stat().st_mode & 0o777 == 0o600


def test_history_refuses_another_root_at_a_recorded_size(tmp_path: Path) -> None:
    signer = Signer.generate(ORIGIN)
    history = SignedHistory(tmp_path)
    history.extend("e-2026", None, [note(signer, 2)])
    fork = sign_note(Checkpoint(ORIGIN, 2, b"\x07" * 32).body(), [signer])
    with pytest.raises(SignedHistoryError, match="another root"):
        history.extend("e-2026", None, [fork])


def test_a_line_torn_by_a_crash_is_ignored_and_replaced(tmp_path: Path) -> None:
    signer = Signer.generate(ORIGIN)
    history = SignedHistory(tmp_path)
    history.extend("e-2026", None, [note(signer, 1)])
    with open(history.path("e-2026"), "ab") as out:
        out.write(b'"' + b"x" * 20_000)  # a write cut short: no newline, longer than a read
    one = Checkpoint.parse(note(signer, 1).split("\n\n")[0] + "\n")
    assert history.last("e-2026") == note(signer, 1)
    history.extend("e-2026", one, [note(signer, 4)])
    assert [n.split("\n")[1] for n in history.notes("e-2026")] == ["1", "4"]


def test_long_histories_read_their_last_line_from_the_end(tmp_path: Path) -> None:
    signer = Signer.generate(ORIGIN)
    history = SignedHistory(tmp_path)
    notes = [note(signer, n) for n in range(1, 200)]
    history.extend("e-2026", None, notes)
    assert history.last("e-2026") == notes[-1]


@pytest.mark.parametrize(("origin", "rehearsal"), [
    ("zsb.example.gov.cn/sunshine/e-2026", False),
    ("zsb.example.gov.cn/sunshine/rehearsal/e-2026", True),
    ("sunshine-draw/e-2026", False),
    ("zsb.example.gov.cn/rehearsal", False),  # a prefix segment, not the rehearsal form
])
def test_rehearsal_origins(origin: str, rehearsal: bool) -> None:
    assert is_rehearsal_origin(origin) is rehearsal
