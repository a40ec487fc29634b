"""The log's push client against witnesses over HTTP on loopback (PROTOCOL.md §12).

Two witnesses: the project's own (`lottery_service.witness.server`, served by
uvicorn) and `SpecWitness` below, written here from the text of
c2sp.org/tlog-witness and c2sp.org/tlog-cosignature on the standard library,
with the verifier's own note and Merkle code, importing nothing of the
service's witness. The same scenarios run against both: a growing log is
cosigned, a 409 is resynced, a fork and a rollback are refused and raise
alarms, an unknown log gets 404. Then the cosignatures of the two witnesses
(Ed25519 from one, ML-DSA-44 from the other) meet a tlog-policy quorum in the
verifier, and the HTTP API accepts a witness named witness.example.com/w1.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import struct
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey
from typer.testing import CliRunner

from lottery_service.core.checkpoint import log_origin
from lottery_service.core.merkle import MerkleTree, leaf_hash
from lottery_service.core.note import (
    Checkpoint,
    MLDSA44Signer,
    Signer,
    Verifier,
    add_signature_lines,
    cosign,
    cosigner_verifier,
    open_note,
    sign_note,
)
from lottery_service.core.policy import bundle_policy
from lottery_service.witness.cli import register
from lottery_service.witness.client import PushResult, PushStatus, WitnessEndpoint, push_checkpoint
from lottery_service.witness.server import WitnessConfig, create_app
from tests.support import served
from verifier import merkle as vmerkle
from verifier import note as vnote
from verifier.policy import check_quorum, parse_policy

ORIGIN = log_origin("zsb.example.gov.cn/sunshine", "demo-2026")


# --------------------------------------------------------------------------- the log


@dataclass
class Log:
    signer: Signer = field(default_factory=lambda: Signer.generate(ORIGIN))
    leaves: list[bytes] = field(default_factory=list)

    def append(self, n: int, tag: str = "") -> None:
        start = len(self.leaves)
        self.leaves += [leaf_hash(f"entry {i}{tag}".encode()) for i in range(start, start + n)]

    def tree(self) -> MerkleTree:
        return MerkleTree(self.leaves)

    def note(self) -> str:
        tree = self.tree()
        return sign_note(Checkpoint(self.signer.name, tree.size, tree.root()).body(),
                         [self.signer])


# ------------------------------------------------- an independent witness from the spec


class SpecWitness(http.server.ThreadingHTTPServer):
    """tlog-witness add-checkpoint, as its text reads, in memory, one lock for the state."""

    def __init__(self, log_vkey: str, name: str) -> None:
        super().__init__(("127.0.0.1", 0), _SpecHandler)
        self.log_key = vnote.parse_verifier_key(log_vkey)
        self.name = name
        self.ed = Ed25519PrivateKey.generate()
        self.pq = MLDSA44PrivateKey.generate()
        self.state: dict[str, tuple[int, bytes]] = {}
        self.lock = threading.Lock()

    def vkeys(self) -> list[str]:
        """tlog-cosignature: vkeys of type 0x04 (32-byte key) and 0x06 (1312-byte key)."""
        out = []
        for alg, pub in ((4, self.ed.public_key().public_bytes_raw()),
                         (6, self.pq.public_key().public_bytes_raw())):
            kid = hashlib.sha256(self.name.encode() + b"\n" + bytes([alg]) + pub).digest()[:4]
            out.append(f"{self.name}+{kid.hex()}+{base64.b64encode(bytes([alg]) + pub).decode()}")
        return out

    def cosignatures(self, text: str, origin: str, size: int, root: bytes) -> str:
        ts = int(time.time())
        ed_msg = f"cosignature/v1\ntime {ts}\n{text}".encode()
        name, org = self.name.encode(), origin.encode()
        pq_msg = (b"subtree/v1\n\x00" + bytes([len(name)]) + name + struct.pack(">Q", ts)
                  + bytes([len(org)]) + org + struct.pack(">QQ", 0, size) + root)
        lines = []
        for alg, pub, sig in (
                (4, self.ed.public_key().public_bytes_raw(), self.ed.sign(ed_msg)),
                (6, self.pq.public_key().public_bytes_raw(), self.pq.sign(pq_msg))):
            kid = hashlib.sha256(name + b"\n" + bytes([alg]) + pub).digest()[:4]
            value = base64.b64encode(kid + struct.pack(">Q", ts) + sig).decode()
            lines.append(f"— {self.name} {value}\n")
        return "".join(lines)


class _SpecHandler(http.server.BaseHTTPRequestHandler):
    server: SpecWitness

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no stderr per request
        pass

    def reply(self, status: int, body: str, content_type: str = "text/plain") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path != "/add-checkpoint":
            return self.reply(404, "no such endpoint\n")
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        # "a sequence of an old size line, zero or more consistency proof lines, and an
        # empty line, followed by a checkpoint"
        head, _, rest = body.partition("\n\n")
        lines = head.split("\n")
        if not lines[0].startswith("old ") or len(lines) > 64:
            return self.reply(400, "bad request\n")
        try:
            old = vnote.strict.decimal(lines[0][4:])
            proof = [base64.b64decode(x, validate=True) for x in lines[1:]]
            note = vnote.parse_note(rest)
            cp = vnote.parse_checkpoint(note.text)
        except (ValueError, vnote.NoteError):
            return self.reply(400, "bad request\n")
        # "If the checkpoint origin is unknown, the witness MUST respond with 404"
        if cp.origin != self.server.log_key.name:
            return self.reply(404, "unknown origin\n")
        # "MUST verify the checkpoint signature against the public key(s) it trusts"
        try:
            vnote.verify_note(note, self.server.log_key)
        except vnote.NoteError:
            return self.reply(403, "bad signature\n")
        # "The old size MUST be equal to or lower than the checkpoint size"
        if old > cp.size:
            return self.reply(400, "old size too large\n")
        with self.server.lock:
            size, root = self.server.state.get(cp.origin, (0, hashlib.sha256(b"").digest()))
            # "MUST check that the old size matches the size of the latest checkpoint"
            if old != size:
                return self.reply(409, f"{size}\n", "text/x.tlog.size")
            # "A checkpoint of size zero MUST have the root hash of the empty tree"
            if cp.size == 0 and cp.root != hashlib.sha256(b"").digest():
                return self.reply(422, "bad empty root\n")
            if old == 0:
                if proof:  # "If the old size is zero, the consistency proof MUST be empty"
                    return self.reply(422, "proof from zero\n")
            else:
                try:
                    vmerkle.verify_consistency(old, cp.size, root, cp.root, proof)
                except vmerkle.MerkleProofError:
                    return self.reply(422, "inconsistent\n")
            self.server.state[cp.origin] = (cp.size, cp.root)
        self.reply(200, self.server.cosignatures(note.text, cp.origin, cp.size, cp.root))


@pytest.fixture
def spec_witness() -> Iterator[tuple[SpecWitness, Log]]:
    log = Log()
    server = SpecWitness(log.signer.verifier_key(), "notary.example.cn/spec-witness")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- scenarios


def _push(url: str, keys: list[str], log: Log, old_size: int = 0,
          name: str = "w", note: str | None = None) -> PushResult:
    endpoint = WitnessEndpoint(name, url, tuple(Verifier.from_text(k) for k in keys))
    with httpx.Client() as http:
        return push_checkpoint(http, endpoint, note or log.note(), log.tree(), old_size)


def _scenario(url: str, keys: list[str], log: Log) -> list[tuple[str, ...]]:
    """Grow, resync, then a fork and a rollback: both refused with an alarm."""
    stored: list[tuple[str, ...]] = []
    log.append(3)
    first = _push(url, keys, log)
    assert first.ok, first.message()
    stored.append(first.cosignatures)
    log.append(4)
    grown = _push(url, keys, log, old_size=3)
    assert grown.ok and grown.attempts == 1, grown.message()
    log.append(2)
    # The log forgot what this witness saw: 409 tells it, it resyncs.
    resynced = _push(url, keys, log, old_size=0)
    assert resynced.ok and resynced.attempts == 2, resynced.message()
    stored.append(resynced.cosignatures)
    # All cosignatures are the witness's, over this very checkpoint.
    opened = open_note(add_signature_lines(log.note(), resynced.cosignatures),
                       [Verifier.from_text(k) for k in keys])
    assert len(opened.verified_by) == len(keys)

    # A fork: entry 5 rewritten, the log grown past it and re-signed with its own key.
    forked = Log(log.signer, [*log.leaves[:5], leaf_hash(b"tampered"), *log.leaves[6:]])
    forked.append(3)
    fork = _push(url, keys, forked, old_size=9)
    assert fork.status is PushStatus.INCONSISTENT and fork.alarm, fork.message()
    assert fork.cosignatures == ()
    # A rollback: the log cut back to 6 entries and re-grown differently to 8.
    rolled = Log(log.signer, log.leaves[:6])
    rolled.append(2, tag="again")
    rollback = _push(url, keys, rolled, old_size=6)
    assert rollback.status is PushStatus.WITNESS_AHEAD and rollback.alarm
    assert rollback.witness_size == 9 and "回滚" in rollback.message()
    # The honest log still goes on.
    log.append(1)
    assert _push(url, keys, log, old_size=9).ok
    # A log the witness does not know.
    stranger = Log(Signer.generate("other.example.cn/log"))
    stranger.append(1)
    unknown = _push(url, keys, stranger)
    assert unknown.status is PushStatus.UNKNOWN_LOG and unknown.alarm
    # The right origin under a key the witness does not trust.
    impostor = Log(Signer.generate(ORIGIN), list(log.leaves))
    refused = _push(url, keys, impostor, old_size=10)
    assert refused.status is PushStatus.SIGNATURE_REFUSED and refused.alarm
    return stored


def test_client_against_independent_spec_witness(spec_witness: tuple[SpecWitness, Log]) -> None:
    server, log = spec_witness
    url = f"http://127.0.0.1:{server.server_address[1]}"
    _scenario(url, server.vkeys(), log)


def _own_witness(tmp_path: Path, log: Log, *keys: Signer | MLDSA44Signer) -> WitnessConfig:
    return WitnessConfig(keys, (log.signer.verifier(),), tmp_path / "state")


def test_client_against_own_witness_server(tmp_path: Path) -> None:
    log = Log()
    config = _own_witness(tmp_path, log, MLDSA44Signer.generate("witness.example.com/w1"),
                          Signer.generate("witness.example.com/w1"))
    keys = list(config.verifier_keys())
    with served(create_app(config)) as url:
        _scenario(url, keys, log)
        # Monitoring: the latest cosigned checkpoint, by origin hash.
        hashed = hashlib.sha256(ORIGIN.encode()).hexdigest()
        latest = httpx.get(f"{url}/{hashed}/checkpoint")
        assert latest.status_code == 200
        assert Checkpoint.parse(latest.text.split("\n\n")[0] + "\n").size == 10
        assert httpx.get(f"{url}/{'0' * 64}/checkpoint").status_code == 404
        conflict = httpx.post(f"{url}/add-checkpoint",
                              content=f"old 3\n\n{log.note()}".encode())
        assert conflict.status_code == 409
        assert conflict.headers["content-type"] == "text/x.tlog.size"
        assert conflict.content == b"10\n"
    # A restarted witness remembers: the fork is still refused, the log goes on.
    log.append(2)
    with served(create_app(config)) as url:
        assert _push(url, keys, log).attempts == 2  # resynced from the stored size 10
        forked = Log(log.signer, [leaf_hash(b"x"), *log.leaves[1:]])
        assert _push(url, keys, forked, old_size=12).status is PushStatus.INCONSISTENT


def test_quorum_of_two_witnesses_counts_ed25519_and_mldsa44(
        tmp_path: Path, spec_witness: tuple[SpecWitness, Log]) -> None:
    """Our witness cosigns with ML-DSA-44 only, the spec witness's Ed25519 key is the one
    listed: the service writes the policy, the verifier enforces it."""
    server, log = spec_witness
    own = MLDSA44Signer.generate("witness.example.com/w1")
    config = _own_witness(tmp_path, log, own)
    spec_ed = server.vkeys()[0]
    log.append(5)
    with served(create_app(config)) as url:
        ours = _push(url, list(config.verifier_keys()), log)
    theirs = _push(f"http://127.0.0.1:{server.server_address[1]}", [spec_ed], log)
    assert ours.ok and theirs.ok
    note = add_signature_lines(log.note(), ours.cosignatures + theirs.cosignatures)

    policy_text = bundle_policy(log.signer.verifier_key(), {
        own.name: cosigner_verifier(own).to_text(), server.name: spec_ed}, 2).to_text()
    policy = parse_policy(policy_text)
    result = check_quorum(note, policy)
    assert result.met, result.summary()
    assert set(result.cosigned) == {own.name, server.name}
    one = check_quorum(add_signature_lines(log.note(), ours.cosignatures), policy)
    assert not one.met and one.cosigned == (own.name,)


def test_witness_init_and_serve_config(tmp_path: Path) -> None:
    """`sunshine witness init` writes keys and a config that `serve` loads and serves;
    both are commands of the `sunshine` CLI itself."""
    from lottery_service.cli import app as sunshine

    log = Log()
    app = typer.Typer()
    register(app)
    out = tmp_path / "w1"
    result = CliRunner().invoke(sunshine, ["witness", "init", "witness.example.com/w1",
                                           str(out), "--log", log.signer.verifier_key()])
    assert "--config" in CliRunner().invoke(sunshine, ["witness", "serve", "--help"]).output
    assert result.exit_code == 0, result.output
    assert (out / "witness.keys").stat().st_mode & 0o777 == 0o600
    config = WitnessConfig.load(out / "witness.toml")
    assert config.name == "witness.example.com/w1" and config.logs == (log.signer.verifier(),)
    assert [Verifier.from_text(k).sig_type for k in config.verifier_keys()] == [0x06, 0x04]
    assert all(k in result.output.replace("\n", "") for k in config.verifier_keys())
    again = CliRunner().invoke(app, ["init", "witness.example.com/w1", str(out)])
    assert again.exit_code == 2 and "exists" in again.output
    log.append(2)
    with served(create_app(config)) as url:
        assert _push(url, list(config.verifier_keys()), log).ok


def test_api_accepts_schema_less_witness_names(tmp_path: Path) -> None:
    """issue 10: a witness named witness.example.com/w1 registers, cosigns (Ed25519 and
    ML-DSA-44) and lands in the bundle."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    from lottery_service.api import create_app as create_api
    from tests.integration.api.conftest import OPERATOR, Season, auth, runtime_at

    rt = runtime_at(tmp_path)
    witnesses = [Signer.generate("witness.example.com/w1"),
                 MLDSA44Signer.generate("notary.example.gov.cn/pq")]
    try:
        with TestClient(create_api(rt, operator=OPERATOR)) as client:
            season = Season(client, "names-2026")
            season.create()
            latest = client.get(f"{season.base}/checkpoints/latest").text
            body = latest.split("\n\n", 1)[0] + "\n"
            size = Checkpoint.parse(body).size
            for w in witnesses:
                vkey = cosigner_verifier(w).to_text()
                season.post("/witnesses", json={"name": w.name, "vkey": vkey})
                token = season.token("supervisor", w.name)
                ok = client.post(f"{season.base}/checkpoints/{size}/cosignatures",
                                 headers=auth(token),
                                 json={"witness": w.name, "signature": cosign(body, w, 1)})
                assert ok.status_code == 200, ok.text
            note = client.get(f"{season.base}/checkpoints/{size}").text
            keys = [cosigner_verifier(w) for w in witnesses]
            assert set(open_note(note, keys).verified_by) == set(keys)
            exported = client.post(f"{season.base}/export", headers=auth(OPERATOR))
            assert exported.status_code == 200, exported.text
        bundle = rt.settings.audit_dir / "names-2026" / "keys"
        assert sorted(p.name for p in bundle.iterdir()) == [
            "log.vkey", "tlog-policy.txt", "witness-notary.example.gov.cn%2Fpq.vkey",
            "witness-witness.example.com%2Fw1.vkey"]  # §13: the policy names both
    finally:
        rt.close()
