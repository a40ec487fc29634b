"""Push a signed checkpoint to a witness with tlog-witness add-checkpoint (PROTOCOL.md §12).

The log sends its checkpoint with a consistency proof from the size the
witness last cosigned; on 409 it resyncs from the size the witness reports and
tries again. Every outcome is a PushResult whose status says what happened, so
a refusal (403, 404, 422, a witness ahead of the log) reaches the supervisors
as an alarm instead of a line in a log file. Only cosignatures that verify
under the witness's configured keys are returned, for the caller to store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol

import httpx

from ..core.note import (
    Checkpoint,
    NoteError,
    Verifier,
    parse_signature_line,
    split_note,
    verify_cosignature,
)
from .protocol import (
    ADD_CHECKPOINT,
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    WitnessProtocolError,
    decode_cosignatures,
    decode_size,
)

# One first try and at most two resyncs: a second 409 can only come from another
# pusher racing us; a third means something is wrong.
MAX_ATTEMPTS: Final = 3
TIMEOUT: Final = httpx.Timeout(10.0)


class ConsistencyProver(Protocol):
    """What the client needs of the log's tree (core.merkle.MerkleTree has it)."""

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]: ...


@dataclass(frozen=True)
class WitnessEndpoint:
    """A configured witness: its name, its submission prefix and its cosignature keys."""

    name: str
    url: str
    keys: tuple[Verifier, ...]

    def __post_init__(self) -> None:
        if not self.keys or any(not k.is_cosigner for k in self.keys):
            raise NoteError(f"witness {self.name} needs cosignature keys (type 0x04 or 0x06)")
        if not self.url.startswith(("http://", "https://")):
            raise NoteError(f"witness {self.name} URL {self.url!r} is not http(s)")


class PushStatus(StrEnum):
    """How a push ended. The alarms say the witness saw something the log must answer for."""

    COSIGNED = "cosigned"
    UNKNOWN_LOG = "unknown-log"  # 404: the witness does not know this origin
    SIGNATURE_REFUSED = "signature-refused"  # 403: the witness did not accept the log's key
    INCONSISTENT = "inconsistent"  # 422: not an extension of what the witness saw: fork
    WITNESS_AHEAD = "witness-ahead"  # 409 with a size over ours: the log was rolled back
    BAD_COSIGNATURE = "bad-cosignature"  # a line under the witness's key did not verify
    CONFLICT = "conflict"  # still 409 after resyncing
    REJECTED = "rejected"  # 400: the witness could not parse our request
    BAD_RESPONSE = "bad-response"  # a reply outside tlog-witness
    UNREACHABLE = "unreachable"  # network error, timeout or 5xx


ALARMS: Final = frozenset({
    PushStatus.UNKNOWN_LOG, PushStatus.SIGNATURE_REFUSED, PushStatus.INCONSISTENT,
    PushStatus.WITNESS_AHEAD, PushStatus.BAD_COSIGNATURE,
})

_ZH: Final = {
    PushStatus.COSIGNED: "见证人已联署",
    PushStatus.UNKNOWN_LOG: "见证人不认识本日志（404），请核对见证人配置的日志公钥",
    PushStatus.SIGNATURE_REFUSED: "见证人拒绝本日志的签名（403）",
    PushStatus.INCONSISTENT: ("警报：见证人拒绝该检查点，与其见过的日志不一致"
                              "（422，可能分叉或回滚）"),
    PushStatus.WITNESS_AHEAD: "警报：见证人见过更大的日志——本日志可能被回滚",
    PushStatus.BAD_COSIGNATURE: "警报：见证人返回的联署验证失败",
    PushStatus.CONFLICT: "见证人反复报告大小冲突（409）",
    PushStatus.REJECTED: "见证人无法解析请求（400）",
    PushStatus.BAD_RESPONSE: "见证人的回复不符合 tlog-witness 协议",
    PushStatus.UNREACHABLE: "无法连接见证人",
}


@dataclass(frozen=True)
class PushResult:
    """The outcome of one push: the cosignature lines to store, or why there are none."""

    witness: str
    status: PushStatus
    cosignatures: tuple[str, ...] = ()
    witness_size: int | None = None  # the size the witness reported on 409
    detail: str = ""
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status is PushStatus.COSIGNED

    @property
    def alarm(self) -> bool:
        """True when the witness's answer points at the log (fork, rollback, wrong key)."""
        return self.status in ALARMS

    def message(self) -> str:
        """Chinese first, then the English detail, for the supervisors' screen."""
        return f"{self.witness}：{_ZH[self.status]}。{self.detail}".rstrip()


def _verified(witness: WitnessEndpoint, body: str, lines: Sequence[str]) -> PushResult:
    """Keep the lines from the witness's keys; any such line that fails is an alarm."""
    keys = {(k.name, k.key_id): k for k in witness.keys}
    kept: list[str] = []
    for line in lines:
        sig = parse_signature_line(line)
        key = keys.get((sig.name, sig.key_id))
        if key is None:
            continue  # tlog-witness: the client MUST ignore unknown keys
        try:
            timestamp = verify_cosignature(body, line, key)
        except NoteError as e:
            return PushResult(witness.name, PushStatus.BAD_COSIGNATURE, detail=str(e))
        if timestamp == 0:
            return PushResult(witness.name, PushStatus.BAD_RESPONSE,
                              detail="cosignature has timestamp 0 (tlog-witness forbids it)")
        kept.append(line)
    if not kept:
        return PushResult(witness.name, PushStatus.BAD_RESPONSE,
                          detail="no cosignature from the witness's configured keys")
    return PushResult(witness.name, PushStatus.COSIGNED, cosignatures=tuple(kept))


def _proof(tree: ConsistencyProver, old_size: int, new_size: int) -> tuple[bytes, ...]:
    # RFC 9162 §2.1.4: nothing to prove from the empty tree or to the same size.
    if old_size in (0, new_size):
        return ()
    return tuple(tree.consistency_proof(old_size, new_size))


def push_checkpoint(http: httpx.Client, witness: WitnessEndpoint, checkpoint_note: str,
                    tree: ConsistencyProver, old_size: int = 0) -> PushResult:
    """Send the signed checkpoint to the witness and return what came of it.

    `old_size` is the size this witness last cosigned (0 if unknown: the
    witness's 409 then tells it). `tree` proves consistency from any old size.
    """
    body = split_note(checkpoint_note)[0]
    size = Checkpoint.parse(body).size
    url = witness.url.rstrip("/") + "/" + ADD_CHECKPOINT
    if old_size > size:
        return PushResult(witness.name, PushStatus.WITNESS_AHEAD, witness_size=old_size,
                          attempts=0,
                          detail=f"witness cosigned size {old_size}, the log has {size}")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        request = AddCheckpoint(old_size, _proof(tree, old_size, size), checkpoint_note)
        try:
            response = http.post(url, content=request.encode(), timeout=TIMEOUT)
        except httpx.HTTPError as e:
            return PushResult(witness.name, PushStatus.UNREACHABLE, attempts=attempt,
                              detail=f"{type(e).__name__}: {e}")
        status, reply = response.status_code, response.content
        detail = reply[:300].decode("utf-8", errors="replace").strip()
        if status == 200:
            try:
                lines = decode_cosignatures(reply)
            except WitnessProtocolError as e:
                return PushResult(witness.name, PushStatus.BAD_RESPONSE, attempts=attempt,
                                  detail=str(e))
            result = _verified(witness, body, lines)
            return PushResult(witness.name, result.status, result.cosignatures,
                              detail=result.detail, attempts=attempt)
        if status == 409:
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            try:
                if content_type != SIZE_CONTENT_TYPE:
                    raise WitnessProtocolError(f"409 has content type {content_type!r}")
                reported = decode_size(reply)
            except WitnessProtocolError as e:
                return PushResult(witness.name, PushStatus.BAD_RESPONSE, attempts=attempt,
                                  detail=str(e))
            if reported == old_size:
                return PushResult(witness.name, PushStatus.BAD_RESPONSE, attempts=attempt,
                                  witness_size=reported,
                                  detail=f"409 reports the size {reported} that was sent")
            if reported > size:
                return PushResult(witness.name, PushStatus.WITNESS_AHEAD, attempts=attempt,
                                  witness_size=reported,
                                  detail=f"witness cosigned size {reported}, the log has {size}")
            old_size = reported
            continue
        simple = {404: PushStatus.UNKNOWN_LOG, 403: PushStatus.SIGNATURE_REFUSED,
                  422: PushStatus.INCONSISTENT, 400: PushStatus.REJECTED}
        if status in simple:
            return PushResult(witness.name, simple[status], attempts=attempt, detail=detail)
        kind = PushStatus.UNREACHABLE if status >= 500 else PushStatus.BAD_RESPONSE
        return PushResult(witness.name, kind, attempts=attempt, detail=f"HTTP {status}: {detail}")
    return PushResult(witness.name, PushStatus.CONFLICT, witness_size=old_size,
                      attempts=MAX_ATTEMPTS, detail=f"still 409 after {MAX_ATTEMPTS} attempts")
