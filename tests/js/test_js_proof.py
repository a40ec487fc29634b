"""The parents' checker (lottery_service/web/static/proof.js, PROTOCOL.md §14) and its vectors.

The JavaScript tests run under Node's built-in runner (`node --test tests/js/`);
this wrapper makes them part of the pytest run. The vector file is checked from
the Python side too: it is what the generator writes today, and its valid proofs
verify with the service's own Merkle and signed-note code.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from typing import Any

import pytest

from lottery_service.core.merkle import leaf_hash, verify_inclusion
from lottery_service.core.note import Checkpoint, Verifier, open_note
from tests.paths import ROOT

VECTORS = ROOT / "tests" / "vectors"
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed; proof.js tests need Node 20+")
def test_js_proof_checker_passes_node_tests() -> None:
    assert NODE is not None
    run = subprocess.run(
        [NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_proofs", VECTORS / "generate_proofs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def test_proof_vectors_are_reproduced_by_the_generator() -> None:
    """§14 vectors are deterministic: fixed keys, secrets, dice and times."""
    generator = _load_generator()
    assert generator.render() == (VECTORS / "proofs.json").read_text(encoding="utf-8")


def test_valid_proof_vectors_verify_with_the_service_core() -> None:
    """An independent check of the vector file: signatures (§12) and inclusion (§4)."""
    data = json.loads((VECTORS / "proofs.json").read_text(encoding="utf-8"))
    valid = [c for c in data["cases"] if "expected" in c]
    assert len(valid) >= 8
    for case in valid:
        proof = case["input"]["proof"]
        opened = open_note(proof["checkpoint"], [Verifier.from_text(proof["log_key"])])
        checkpoint = Checkpoint.parse(opened.text)
        assert checkpoint.size == case["expected"]["checkpointSize"]
        assert checkpoint.root_hash.hex() == case["expected"]["checkpointRoot"]
        for item in proof["entries"]:
            verify_inclusion(leaf_hash(item["entry"].encode()), item["index"], checkpoint.size,
                             [bytes.fromhex(h) for h in item["proof"]], checkpoint.root_hash)
            assert json.loads(item["entry"])["seq"] == item["index"]
