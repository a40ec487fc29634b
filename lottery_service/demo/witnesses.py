"""The demo's two witnesses (PROTOCOL.md §12.4, §12.5): real tlog-witnesses, in process.

One notary office with an ML-DSA-44 key (type 0x06, recommended by C2SP) and
one supervision group with an Ed25519 key (0x04), both `witness.server.Witness`
objects with their state in the data directory, reached through
`witness.transport.InProcessTransport`. The service pushes them every
checkpoint, so the demo bundle carries their real cosignatures and its
tlog-policy needs both (issue 10 deliverable 5). Their keys are derived from
the event id: a resumed demo finds the same witnesses it registered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..core.note import Cosigner, MLDSA44Signer, Signer, Verifier, cosigner_verifier
from ..service import Service
from ..witness.server import Witness, WitnessConfig
from ..witness.transport import InProcessTransport

__all__ = ["DEMO_WITNESSES", "DemoWitness", "start_demo_witnesses"]


@dataclass(frozen=True)
class DemoWitness:
    name: str  # a schema-less URL, as C2SP names witnesses
    url: str
    mldsa44: bool


DEMO_WITNESSES: Final = (
    DemoWitness("notary.demo.example/witness", "http://notary.demo.example/witness", True),
    DemoWitness("supervision.demo.example/witness", "http://supervision.demo.example/witness",
                False),
)


def _key(event_id: str, witness: DemoWitness) -> Cosigner:
    seed = hashlib.sha256(f"sunshine-demo-witness\x00{event_id}\x00{witness.name}".encode())
    if witness.mldsa44:
        return MLDSA44Signer.from_seed(witness.name, seed.digest())
    return Signer(witness.name, Ed25519PrivateKey.from_private_bytes(seed.digest()))


def start_demo_witnesses(service: Service, event_id: str, data_dir: Path) -> None:
    """Run the demo's witnesses in this process and register them for `event_id`
    (after the event exists: they accept its log key only)."""
    log = Verifier.from_text(service.witnesses.log_key(event_id))
    routes: dict[str, Witness] = {}
    for witness in DEMO_WITNESSES:
        key = _key(event_id, witness)
        state = data_dir / "demo-witnesses" / witness.name.replace("/", "_")
        routes[witness.url] = Witness(WitnessConfig(keys=(key,), logs=(log,), state_dir=state))
    service.push.use_transport(InProcessTransport(routes))
    for witness in DEMO_WITNESSES:
        service.witnesses.register_witness(event_id, witness.name, witness.url,
                                           [cosigner_verifier(_key(event_id, witness)).to_text()])
