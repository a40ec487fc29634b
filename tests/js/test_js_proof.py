"""The browser JavaScript under Node, and the §14 receipt vectors it is checked against.

Every module's tests (`tests/js/*.test.mjs`: encoding, Merkle, entries, note, signatures,
policy, receipt, trust, page bootstrap and each page's logic) run under Node's built-in
runner (`node --test tests/js/`); this wrapper makes them part of the pytest run. The
receipt vectors (written from PROTOCOL.md by tests/vectors/generate_receipts.py) are
checked from the Python side too, with the service's own Merkle and signed-note code.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import zlib

import pytest

from lottery_service.core.merkle import leaf_hash, verify_inclusion
from lottery_service.core.note import Checkpoint, Verifier, open_note
from tests.paths import ROOT

VECTORS = ROOT / "tests" / "vectors"
NODE = shutil.which("node")
# Without Node the JS tests skip, saying why; in CI (CI=true) they run and fail instead.
NO_NODE = NODE is None and os.environ.get("CI") != "true"


@pytest.mark.skipif(NO_NODE, reason="node is not installed; the JS tests need Node 20+")
def test_js_proof_checker_passes_node_tests() -> None:
    assert NODE is not None
    run = subprocess.run(
        [NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]


def test_valid_receipt_vectors_verify_with_the_service_core() -> None:
    """An independent check of receipts.json from the Python side: each valid receipt's
    checkpoint opens under the log key (§12) and its primary entry is included (§4)."""
    data = json.loads((VECTORS / "receipts.json").read_text(encoding="utf-8"))
    valid = [c for c in data["cases"] if c["expected"]["ok"]]
    assert len(valid) >= 10
    log_key = Verifier.from_text(data["keys"]["log_vkey"])
    for case in valid:
        lines = case["input"]["receipt"].split("\n")
        index = int(lines[2].removeprefix("index "))
        blank = lines.index("", 3)
        path = [base64.b64decode(h) for h in lines[3:blank]]
        note = "\n".join(lines[blank + 1:])
        checkpoint = Checkpoint.parse(open_note(note, [log_key]).text)
        assert checkpoint.size == case["expected"]["checkpoint"]["size"]
        x = json.loads(zlib.decompress(base64.b64decode(lines[1].removeprefix("extra "))))
        verify_inclusion(leaf_hash(x["entry"].encode()), index, checkpoint.size, path,
                         checkpoint.root_hash)
