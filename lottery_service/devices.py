"""What runs on a participant's, the notary's or a supervisor's own device.

Secrets and private keys are made here and kept in local files of mode 0600
(never overwritten); only commitments, sealed escrows, reveals and cosignature
lines are sent to the server, over its public HTTP API. A witness cosigns only
a checkpoint signed by the log key it pinned and consistent with the one it
cosigned last (RFC 9162): it vouches that the log only grew (§12).
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .core.merkle import MerkleError, verify_consistency
from .core.note import (
    SIG_COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    cosign,
    open_note,
)
from .core.seed import Ceremony, commitment, decode_base64, seal_escrow
from .errors import ConflictError, RejectedInputError, RemoteError

__all__ = ["Server", "commit", "cosign_latest", "escrow_keygen", "reveal", "witness_keygen"]


def write_private(path: Path, text: str) -> None:
    """Create `path` with mode 0600 and write `text`; an existing file is never replaced."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConflictError(f"{path} exists; a secret or key file is never overwritten",
                            zh=f"{path} 已存在；秘密或密钥文件不会被覆盖") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


def read_private(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise RejectedInputError(f"cannot read the {what} file {path}: {exc.strerror}",
                                 zh=f"无法读取{what}文件 {path}") from None


class Server:
    """The service's public API at `url` (…/api/v1), with a bearer token for writes."""

    def __init__(self, url: str, token: str = "", timeout: float = 30) -> None:
        self.base = f"{url.rstrip('/')}/api/v1"
        self.token = token
        self.timeout = timeout

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._answer(lambda: httpx.post(
            self.base + path, json=body, headers={"Authorization": f"Bearer {self.token}"},
            timeout=self.timeout)).json()

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self._answer(lambda: httpx.get(self.base + path, params=params,
                                              timeout=self.timeout))

    def _answer(self, call: Any) -> httpx.Response:
        try:
            response: httpx.Response = call()
        except httpx.HTTPError as exc:
            raise RemoteError(f"cannot reach the server: {exc}",
                              zh=f"无法连接服务器：{exc}") from None
        if response.status_code >= 400:
            try:
                body = response.json()
                en, zh = str(body.get("message_en") or body), str(body.get("message_zh") or "")
            except ValueError:
                en, zh = response.text, ""
            raise RemoteError(f"the server refused ({response.status_code}): {en}",
                              zh=f"服务器拒绝了请求（{response.status_code}）：{zh or en}",
                              status=response.status_code)
        return response


def escrow_keygen(out: Path) -> str:
    """For the escrow holder (notary): an X25519 key pair; returns the public key (base64)."""
    key = X25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    write_private(out, raw.hex())
    public = key.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
    return base64.b64encode(public).decode()


def escrow_private_key(path: Path) -> X25519PrivateKey:
    """The escrow holder's private key from its file (hex, as `escrow_keygen` wrote it)."""
    text = read_private(path, "托管私钥")
    try:
        return X25519PrivateKey.from_private_bytes(bytes.fromhex(text))
    except ValueError:
        raise RejectedInputError(f"{path} is not an escrow private key (64 hex digits)",
                                 zh=f"{path} 不是托管私钥（64 位十六进制）") from None


def commit(server: Server, event: str, ceremony: Ceremony, participant: str,
           escrow_key: str, secret_file: Path) -> bytes:
    """Make a 32-byte secret, keep it in `secret_file` (0600), send only the commitment
    and the escrow sealed to the holder's key (§5.3, §5.4); returns the commitment."""
    holder = decode_base64(escrow_key, "escrow key")
    if len(holder) != 32:
        raise RejectedInputError("the escrow key is not a 32-byte X25519 public key",
                                 zh="托管公钥不是 32 字节的 X25519 公钥", section="5.4")
    secret = secrets.token_bytes(32)
    write_private(secret_file, secret.hex())
    com = commitment(event, ceremony, participant, secret)
    escrow = seal_escrow(secret, com, holder, X25519PrivateKey.generate())
    server.post(f"/events/{event}/ceremonies/{ceremony}/commitments",
                {"commitment": com.hex(), "escrow": escrow})
    return com


def reveal(server: Server, event: str, ceremony: Ceremony, secret_file: Path) -> None:
    """Reveal the secret kept in `secret_file` at the ceremony (§5.3)."""
    server.post(f"/events/{event}/ceremonies/{ceremony}/reveals",
                {"secret": read_private(secret_file, "秘密")})


def witness_keygen(name: str, out: Path) -> str:
    """A supervisor's Ed25519 cosigning key; returns the verifier key to register."""
    signer = Signer.generate(name)
    write_private(out, signer.private_key_text())
    return signer.verifier_key(SIG_COSIGNATURE_V1)


def cosign_latest(server: Server, event: str, key_file: Path, log_key: str,
                  state: Path) -> int:
    """Cosign the latest checkpoint (C2SP tlog-cosignature) after checking the log's
    signature on it and, against the checkpoint cosigned last (kept in `state`), an
    RFC 9162 consistency proof; returns the size cosigned."""
    try:
        signer = Signer.from_private_key_text(read_private(key_file, "联署私钥"))
        note = server.get(f"/events/{event}/checkpoints/latest").text
        checkpoint = Checkpoint.parse(open_note(note, [Verifier.from_text(log_key)]).text)
    except NoteError as exc:
        raise RejectedInputError(f"the checkpoint is not signed by the log key: {exc}",
                                 zh=f"检查点不是由所固定的日志公钥签名的：{exc}",
                                 section="12") from None
    if state.exists():
        old = Checkpoint.parse(state.read_text(encoding="utf-8"))
        proof: list[bytes] = []
        if old.size < checkpoint.size:
            answer = server.get(f"/events/{event}/checkpoints/{checkpoint.size}/consistency",
                                **{"from": old.size}).json()
            proof = [bytes.fromhex(h) for h in answer["proof"]]
        try:
            verify_consistency(old.size, checkpoint.size, old.root_hash, checkpoint.root_hash,
                               proof)
        except MerkleError as exc:
            raise ConflictError(
                f"FORK: size {checkpoint.size} does not extend the size {old.size} cosigned "
                f"before: {exc}",
                zh=f"分叉：大小为 {checkpoint.size} 的日志不是此前联署的大小 {old.size} 的延续",
                section="12") from None
    line = cosign(checkpoint.body(), signer, int(time.time()))
    server.post(f"/events/{event}/checkpoints/{checkpoint.size}/cosignatures",
                {"witness": signer.name, "signature": line})
    state.write_text(checkpoint.body(), encoding="utf-8")
    return checkpoint.size
