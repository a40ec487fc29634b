"""The dashboard's in-browser cosigning (web/static/cosign.js) against the Python core.

Node's own tests (`tests/js/cosign.test.mjs`) run in `node --test tests/js/`
(tests/js/test_js_proof.py). Here Node makes tlog-cosignature/v1 lines (PROTOCOL.md
§12) from Go-form private key texts written by `core.note.Signer`, for fixed keys,
checkpoints and times; the service's `verify_cosignature` must accept each line and,
Ed25519 being deterministic, `cosign` must produce the very same bytes.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import subprocess
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lottery_service.core.note import (
    MAX_TIMESTAMP,
    SIG_COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    Signer,
    add_signature_lines,
    cosign,
    open_note,
    sign_note,
    verify_cosignature,
)
from tests.paths import STATIC

MODULE = STATIC / "cosign.js"
NODE = shutil.which("node")
# Without Node the JS tests skip, saying why; in CI (CI=true) they run and fail instead.
NO_NODE = NODE is None and os.environ.get("CI") != "true"
NAMES = ["notary-1", "supervisor-2", "parent-rep.3_a", "监督组-1", "w"]
TIMES = [0, 1, 1767225600, 2**32, 2**53 - 1, MAX_TIMESTAMP]

SCRIPT = """
import { cosignatureLine, parsePrivateKey } from %(module)s;
const out = [];
for (const c of %(cases)s) {
  const key = await parsePrivateKey(c.key + "\\n");
  out.push({ line: await cosignatureLine(c.body, c.key, BigInt(c.time)),
             witnessKey: key.witnessKey, verifierKey: key.verifierKey });
}
console.log(JSON.stringify(out));
"""

pytestmark = pytest.mark.skipif(NO_NODE,
                                reason="node is not installed; cosign.js needs Node 20+")


def _cases() -> list[dict[str, Any]]:
    """Fixed keys, checkpoints and times (random.Random(2026)), plus edge times and UTF-8."""
    rng = random.Random(2026)
    cases = []
    for i in range(24):
        seed = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
        signer = Signer(NAMES[i % len(NAMES)], seed)
        extensions = ("extension: 说明",) if i % 6 == 5 else ()
        cp = Checkpoint(f"sunshine-draw/event-{i}", rng.randrange(0, 2**40), rng.randbytes(32),
                        extensions)
        time = TIMES[i] if i < len(TIMES) else rng.randrange(0, MAX_TIMESTAMP + 1)
        cases.append({"signer": signer, "body": cp.body(), "time": time})
    return cases


@pytest.fixture(scope="module")
def made() -> list[tuple[dict[str, Any], dict[str, str]]]:
    assert NODE is not None
    cases = _cases()
    payload = [{"key": c["signer"].private_key_text(), "body": c["body"], "time": str(c["time"])}
               for c in cases]
    script = SCRIPT % {"module": json.dumps(MODULE.as_uri()), "cases": json.dumps(payload)}
    run = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr[-4000:]
    result: list[dict[str, str]] = json.loads(run.stdout)
    assert len(result) == len(cases)
    return list(zip(cases, result, strict=True))


def test_js_cosignature_verifies_with_python_core_12(
        made: list[tuple[dict[str, Any], dict[str, str]]]) -> None:
    for case, out in made:
        witness = case["signer"].verifier(SIG_COSIGNATURE_V1)
        assert verify_cosignature(case["body"], out["line"], witness) == case["time"]


def test_js_cosignature_is_byte_equal_to_python_cosign_12(
        made: list[tuple[dict[str, Any], dict[str, str]]]) -> None:
    for case, out in made:
        assert out["line"] == cosign(case["body"], case["signer"], case["time"])
        # The keys the page derives are the ones `sunshine witness keygen` prints.
        assert out["witnessKey"] == case["signer"].verifier_key(SIG_COSIGNATURE_V1)
        assert out["verifierKey"] == case["signer"].verifier_key()


def test_js_cosignature_binds_checkpoint_time_and_witness_12(
        made: list[tuple[dict[str, Any], dict[str, str]]]) -> None:
    (first, line), (second, _) = made[2], made[3]
    witness = first["signer"].verifier(SIG_COSIGNATURE_V1)
    with pytest.raises(NoteError):  # another checkpoint
        verify_cosignature(second["body"], line["line"], witness)
    with pytest.raises(NoteError):  # another witness key under the same name
        other = Signer(first["signer"].name, Ed25519PrivateKey.generate())
        verify_cosignature(first["body"], line["line"], other.verifier(SIG_COSIGNATURE_V1))
    name, encoded = line["line"][2:-1].split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[11] ^= 1  # the timestamp is signed
    forged = f"\u2014 {name} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError):
        verify_cosignature(first["body"], forged, witness)


def test_js_cosigned_note_opens_with_log_and_witness_keys_12(
        made: list[tuple[dict[str, Any], dict[str, str]]]) -> None:
    case, out = made[2]
    log = Signer("sunshine-draw/event-2", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    note = add_signature_lines(sign_note(case["body"], [log]), [out["line"]])
    witness = case["signer"].verifier(SIG_COSIGNATURE_V1)
    opened = open_note(note, [log.verifier(), witness])
    assert set(opened.verified_by) == {log.verifier(), witness}
    assert opened.unverified == ()
