"""A tlog-witness that a notary office or supervision group can host (PROTOCOL.md §12).

It knows a list of logs (by verifier key; the origin is the key's name) and
its own signing keys (Ed25519 and/or ML-DSA-44). For each origin it keeps the
latest checkpoint it cosigned in one file, replaced atomically (temporary file,
fsync, rename, fsync of the directory) under a lock, so a crash or a racing
request can never roll it back. It cosigns a checkpoint only if the log signed
it and it extends that file's tree by an RFC 9162 consistency proof: a fork or
a rollback gets 409 or 422 and no cosignature, and the refused request is kept
as evidence (c2sp.org/tlog-witness "add-checkpoint").

Configuration, a TOML file (paths relative to it)::

    keys = "witness.keys"        # PRIVATE+KEY lines, one per key, one witness name
    state = "state"              # directory of per-origin checkpoint files
    listen = "127.0.0.1:7380"    # host:port
    logs = ["zsb.example.gov.cn/sunshine/demo-2026+1a2b3c4d+AQ..."]
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..core.merkle import EMPTY_ROOT, MerkleError, verify_consistency
from ..core.note import (
    SIG_COSIGNATURE_MLDSA44,
    SIG_ED25519,
    Checkpoint,
    Cosigner,
    NoteError,
    Verifier,
    check_key_name,
    cosign,
    cosigner_verifier,
    open_note,
    parse_private_key,
    split_note,
)
from .protocol import (
    ADD_CHECKPOINT,
    MAX_BODY_BYTES,
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    WitnessProtocolError,
    encode_cosignatures,
    encode_size,
)

_TEXT: Final = "text/plain; charset=utf-8"
_LISTEN: Final = re.compile(r"(?P<host>[^:\s]+|\[[0-9a-fA-F:]+\]):(?P<port>[1-9][0-9]{0,4})")
LOG_KEY_TYPES: Final = frozenset({SIG_ED25519, SIG_COSIGNATURE_MLDSA44})


class WitnessConfigError(Exception):
    """A witness configuration that cannot be served; the message says what to fix."""


def origin_hash(origin: str) -> str:
    """tlog-witness "Monitor Retrieval Mechanism": lower-case hex SHA-256 of the origin."""
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class WitnessConfig:
    """What a witness serves: its keys, the logs it accepts, where it keeps state."""

    keys: tuple[Cosigner, ...]
    logs: tuple[Verifier, ...]
    state_dir: Path
    host: str = "127.0.0.1"
    port: int = 7380

    def __post_init__(self) -> None:
        if not self.keys:
            raise WitnessConfigError("见证人没有签名私钥；the witness has no signing key")
        names = {k.name for k in self.keys}
        if len(names) != 1:
            raise WitnessConfigError(f"见证人私钥的名称不一致 {sorted(names)}；"
                                     "all witness keys must carry one witness name")
        for key in self.logs:
            if key.sig_type not in LOG_KEY_TYPES:
                raise WitnessConfigError(f"日志公钥 {key.name} 的类型不对；log key {key.name} "
                                         f"has type 0x{key.sig_type:02x}, not 0x01 or 0x06")

    @property
    def name(self) -> str:
        return self.keys[0].name

    def verifier_keys(self) -> tuple[str, ...]:
        """The witness's public keys, to give to the log and to put in tlog-policy files."""
        return tuple(cosigner_verifier(k).to_text() for k in self.keys)

    @classmethod
    def load(cls, path: Path) -> WitnessConfig:
        """Read the TOML configuration; every problem is reported before anything runs."""
        try:
            raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise WitnessConfigError(f"无法读取配置 {path}；cannot read {path}: {e}") from None
        unknown = set(raw) - {"keys", "state", "listen", "logs"}
        if unknown:
            raise WitnessConfigError(f"配置 {path} 有未知的项 {sorted(unknown)}；"
                                     f"unknown settings {sorted(unknown)}")
        base = path.parent
        try:
            keys_path = base / str(raw["keys"])
            state = base / str(raw.get("state", "state"))
            logs = raw.get("logs", [])
        except KeyError:
            raise WitnessConfigError(f"配置 {path} 缺少 keys；{path} has no 'keys'") from None
        if not isinstance(logs, list) or not all(isinstance(v, str) for v in logs):
            raise WitnessConfigError("logs 应为日志公钥字符串的列表；'logs' must be a list of "
                                     "log verifier keys")
        try:
            keys = tuple(parse_private_key(line.strip())
                         for line in keys_path.read_text(encoding="utf-8").splitlines()
                         if line.strip() and not line.lstrip().startswith("#"))
            log_keys = tuple(Verifier.from_text(v) for v in logs)
        except OSError as e:
            raise WitnessConfigError(f"无法读取私钥文件；cannot read {keys_path}: {e}") from None
        except NoteError as e:
            raise WitnessConfigError(f"密钥无效；bad key: {e}") from None
        host, port = "127.0.0.1", 7380
        if "listen" in raw:
            m = _LISTEN.fullmatch(str(raw["listen"]))
            if m is None or int(m["port"]) > 65535:
                raise WitnessConfigError(f"listen {raw['listen']!r} 不是 host:port；"
                                         "listen is not host:port")
            host, port = m["host"].strip("[]"), int(m["port"])
        return cls(keys, log_keys, state, host, port)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = _TEXT


def _text(status: int, message: str) -> Reply:
    return Reply(status, (message + "\n").encode())


@dataclass
class CheckpointStore:
    """One file per origin holding the latest cosigned checkpoint note; atomic updates."""

    directory: Path
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def path(self, origin: str) -> Path:
        return self.directory / f"{origin_hash(origin)}.checkpoint"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise check-and-update across threads and across processes on this state."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.directory / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read_note(self, origin: str) -> str | None:
        try:
            return self.path(origin).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def latest(self, origin: str) -> Checkpoint | None:
        note = self.read_note(origin)
        if note is None:
            return None
        checkpoint = Checkpoint.parse(split_note(note)[0])
        if checkpoint.origin != origin:
            raise NoteError(f"state file {self.path(origin)} holds origin {checkpoint.origin!r}")
        return checkpoint

    def replace(self, origin: str, note: str) -> None:
        """Write temp, fsync, rename over the old file, fsync the directory."""
        self._atomic_write(self.path(origin), note.encode("utf-8"))

    def keep_evidence(self, origin: str, body: bytes) -> Path:
        """Keep a refused request signed by the log: it may prove the log misbehaved."""
        folder = self.directory / "evidence"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{origin_hash(origin)}-{time.time_ns()}-{secrets.token_hex(4)}.txt"
        self._atomic_write(path, body)
        return path

    def _atomic_write(self, target: Path, data: bytes) -> None:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class Witness:
    """The add-checkpoint rules of tlog-witness, as bytes in and a Reply out."""

    def __init__(self, config: WitnessConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.store = CheckpointStore(config.state_dir)
        self.logs: dict[str, tuple[Verifier, ...]] = {}
        for key in config.logs:
            self.logs[key.name] = (*self.logs.get(key.name, ()), key)

    def add_checkpoint(self, body: bytes) -> Reply:
        try:
            request = AddCheckpoint.decode(body)
            text, _ = split_note(request.checkpoint)
            checkpoint = Checkpoint.parse(text)
        except (WitnessProtocolError, NoteError) as e:
            return _text(400, f"malformed request: {e}")
        keys = self.logs.get(checkpoint.origin)
        if keys is None:
            return _text(404, f"unknown log origin {checkpoint.origin!r}")
        try:
            opened = open_note(request.checkpoint, keys)
        except NoteError as e:
            return _text(403, f"checkpoint not signed by a trusted key of the log: {e}")
        if request.old_size > checkpoint.size:
            return _text(400, f"old size {request.old_size} exceeds checkpoint size "
                              f"{checkpoint.size}")
        with self.store.locked():
            latest = self.store.latest(checkpoint.origin)
            size, root = (latest.size, latest.root_hash) if latest else (0, EMPTY_ROOT)
            if request.old_size != size:
                return Reply(409, encode_size(size), SIZE_CONTENT_TYPE)
            refusal = self._inconsistency(request, checkpoint, root)
            if refusal is not None:
                kept = self.store.keep_evidence(checkpoint.origin, body)
                return _text(422, f"{refusal}; not cosigned (request kept as {kept.name})")
            timestamp = max(1, int(self.clock()))  # tlog-witness: never a zero timestamp
            lines = [cosign(text, key, timestamp) for key in self.config.keys]
            verified = {(v.name, v.key_id) for v in opened.verified_by}
            log_lines = [s.line() for s in split_note(request.checkpoint)[1]
                         if (s.name, s.key_id) in verified]
            self.store.replace(checkpoint.origin, text + "\n" + "".join(log_lines + lines))
        return Reply(200, encode_cosignatures(lines))

    @staticmethod
    def _inconsistency(request: AddCheckpoint, checkpoint: Checkpoint,
                       old_root: bytes) -> str | None:
        """Why the checkpoint does not extend the recorded one (None if it does)."""
        if checkpoint.size == 0 and checkpoint.root_hash != EMPTY_ROOT:
            return "a checkpoint of size 0 must have the empty tree's root"
        if request.old_size == 0:
            return "a proof from size 0 must be empty" if request.proof else None
        try:
            verify_consistency(request.old_size, checkpoint.size, old_root,
                               checkpoint.root_hash, request.proof)
        except MerkleError as e:
            return f"not consistent with the checkpoint of size {request.old_size}: {e}"
        return None

    def latest_checkpoint(self, hashed_origin: str) -> Reply:
        for origin in self.logs:
            if origin_hash(origin) == hashed_origin:
                note = self.store.read_note(origin)
                if note is not None:
                    return Reply(200, note.encode(), _TEXT)
        return _text(404, "no checkpoint cosigned for that origin")


def _response(reply: Reply) -> Response:
    # The content type exactly as given: tlog-witness names text/x.tlog.size, no charset.
    return Response(reply.body, reply.status, headers={"content-type": reply.content_type})


def create_app(config: WitnessConfig, clock: Callable[[], float] = time.time) -> FastAPI:
    """The witness's HTTP interface: POST /add-checkpoint, GET /<origin hash>/checkpoint."""
    check_key_name(config.name)
    witness = Witness(config, clock)
    app = FastAPI(title=f"tlog-witness {config.name}", docs_url=None, redoc_url=None,
                  openapi_url=None)

    @app.post("/" + ADD_CHECKPOINT)
    async def add_checkpoint(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return _response(_text(413, "request too large"))
        return _response(await run_in_threadpool(witness.add_checkpoint, bytes(body)))

    @app.get("/{hashed}/checkpoint")
    async def checkpoint(hashed: str) -> Response:
        return _response(await run_in_threadpool(witness.latest_checkpoint, hashed))

    app.state.witness = witness
    return app
