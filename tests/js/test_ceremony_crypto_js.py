"""The participant page's crypto (web/static/ceremony-crypto.js) against the Python core.

The vector tests run in Node (`tests/js/ceremony-crypto.test.mjs`, part of
`node --test tests/js/`). Here the JavaScript does what the page does, with fresh
WebCrypto secrets and ephemeral keys, and the service's own `core.seed` must
recompute each commitment and open each escrow (PROTOCOL.md §5.3, §5.4).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from typing import cast

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lottery_service.core.errors import CeremonyError
from lottery_service.core.seed import Ceremony, commitment, open_escrow
from tests.paths import STATIC

MODULE = STATIC / "ceremony-crypto.js"
NODE = shutil.which("node")
# Without Node the JS tests skip, saying why; in CI (CI=true) they run and fail instead.
NO_NODE = NODE is None and os.environ.get("CI") != "true"
CASES = [("demo-2026", "lottery", "notary-1"), ("demo-2026", "grouping", "parent-rep-1"),
         ("x", "teachers", "bureau.2_a"), ("e-9", "lottery", "supervisor-3")]

SCRIPT = """
import { commitment, makeSecret, sealEscrow } from %(module)s;
import { bytesToHex, hexToBytes } from %(encoding)s;
const holder = hexToBytes(%(holder)s, 32);
const out = [];
for (const [event, ceremony, participant] of %(cases)s) {
  const secret = makeSecret();
  const com = await commitment(event, ceremony, participant, secret);
  out.push({ event, ceremony, participant, secret: bytesToHex(secret),
             commitment: bytesToHex(com), escrow: await sealEscrow(secret, com, holder) });
}
console.log(JSON.stringify(out));
"""


def _run_node(holder_public: bytes) -> list[dict[str, str]]:
    assert NODE is not None
    script = SCRIPT % {
        "module": json.dumps(MODULE.as_uri()),
        "encoding": json.dumps((MODULE.parent / "encoding.js").as_uri()),
        "holder": json.dumps(holder_public.hex()), "cases": json.dumps(CASES)}
    run = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr[-4000:]
    result: list[dict[str, str]] = json.loads(run.stdout)
    return result


@pytest.mark.skipif(NO_NODE, reason="node is not installed; ceremony-crypto.js needs Node 20+")
def test_js_commitment_and_fresh_escrow_open_with_python_core_5_3_5_4() -> None:
    holder = X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    holder_public = holder.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    made = _run_node(holder_public)
    assert len(made) == len(CASES)
    ephemerals: set[bytes] = set()
    for m in made:
        event, participant = m["event"], m["participant"]
        ceremony = cast(Ceremony, m["ceremony"])
        secret = bytes.fromhex(m["secret"])
        com = commitment(event, ceremony, participant, secret)
        assert com.hex() == m["commitment"]
        assert open_escrow(m["escrow"], com, holder, event=event, ceremony=ceremony,
                           participant=participant) == secret
        ephemerals.add(base64.b64decode(m["escrow"])[:32])
        # Sealed to this holder only: another key does not open it (§5.4).
        with pytest.raises(CeremonyError):
            open_escrow(m["escrow"], com, X25519PrivateKey.generate(), event=event,
                        ceremony=ceremony, participant=participant)
    assert len(ephemerals) == len(made)  # a fresh ephemeral key for every escrow
    assert len({m["secret"] for m in made}) == len(made)
