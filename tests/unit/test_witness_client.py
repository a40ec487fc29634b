"""lottery_service.witness.client: push, resync on 409, and a typed result for every answer.

The witness here is scripted with httpx.MockTransport: each test says what the
witness answers and checks what the client sent and concluded.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from lottery_service.core.merkle import MerkleTree, leaf_hash
from lottery_service.core.note import (
    Checkpoint,
    MLDSA44Signer,
    NoteError,
    Signer,
    cosign,
    cosigner_verifier,
    sign_note,
    split_note,
)
from lottery_service.witness.client import (
    MAX_ATTEMPTS,
    PushResult,
    PushStatus,
    WitnessEndpoint,
    push_checkpoint,
)
from lottery_service.witness.protocol import AddCheckpoint
from verifier import merkle as independent_merkle

ORIGIN = "zsb.example.gov.cn/sunshine/demo-2026"
LOG = Signer.generate(ORIGIN)
TREE = MerkleTree([leaf_hash(f"e{i}".encode()) for i in range(13)])
NOTE = sign_note(Checkpoint(ORIGIN, 13, TREE.root()).body(), [LOG])
BODY = split_note(NOTE)[0]
W_ED = Signer.generate("witness.example.com/w1")
W_PQ = MLDSA44Signer.generate("witness.example.com/w1")
ENDPOINT = WitnessEndpoint("witness.example.com/w1", "http://127.0.0.1:9/w/",
                           (cosigner_verifier(W_ED), cosigner_verifier(W_PQ)))

Handler = Callable[[AddCheckpoint], httpx.Response]


def _push(handler: Handler, old_size: int = 0) -> tuple[PushResult, list[AddCheckpoint]]:
    sent: list[AddCheckpoint] = []

    def transport(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.url.path == "/w/add-checkpoint"
        parsed = AddCheckpoint.decode(request.content)
        sent.append(parsed)
        return handler(parsed)

    with httpx.Client(transport=httpx.MockTransport(transport)) as http:
        return push_checkpoint(http, ENDPOINT, NOTE, TREE, old_size), sent


def _cosigned(*lines: str) -> httpx.Response:
    return httpx.Response(200, content="".join(lines).encode())


def _size(size: int, content_type: str = "text/x.tlog.size") -> httpx.Response:
    return httpx.Response(409, content=f"{size}\n".encode(), headers={"content-type": content_type})


def test_cosigned_first_time() -> None:
    lines = (cosign(BODY, W_PQ, 1700000000), cosign(BODY, W_ED, 1700000000))
    result, sent = _push(lambda _r: _cosigned(*lines))
    assert result.ok and not result.alarm and result.cosignatures == lines
    assert [(r.old_size, r.proof, r.checkpoint) for r in sent] == [(0, (), NOTE)]


def test_409_resyncs_with_a_proof_from_the_reported_size() -> None:
    line = cosign(BODY, W_ED, 1700000000)

    def witness(request: AddCheckpoint) -> httpx.Response:
        return _size(5, "text/x.tlog.size; charset=utf-8") if request.old_size != 5 \
            else _cosigned(line)

    result, sent = _push(witness, old_size=9)
    assert result.status is PushStatus.COSIGNED and result.attempts == 2
    assert [r.old_size for r in sent] == [9, 5]
    # The proofs the client built check out under the verifier's own RFC 9162 code.
    for r in sent:
        independent_merkle.verify_consistency(r.old_size, 13, TREE.root(r.old_size),
                                              TREE.root(), list(r.proof))


def test_witness_ahead_of_the_log_is_a_rollback_alarm() -> None:
    result, sent = _push(lambda _r: _size(20))
    assert result.status is PushStatus.WITNESS_AHEAD and result.alarm
    assert result.witness_size == 20 and len(sent) == 1
    assert "回滚" in result.message()
    stale, none_sent = _push(lambda _r: _size(0), old_size=14)
    assert stale.status is PushStatus.WITNESS_AHEAD and none_sent == []


@pytest.mark.parametrize(("status", "expected", "alarm"), [
    (404, PushStatus.UNKNOWN_LOG, True),
    (403, PushStatus.SIGNATURE_REFUSED, True),
    (422, PushStatus.INCONSISTENT, True),
    (400, PushStatus.REJECTED, False),
    (503, PushStatus.UNREACHABLE, False),
    (302, PushStatus.BAD_RESPONSE, False),
])
def test_refusals_are_typed(status: int, expected: PushStatus, alarm: bool) -> None:
    result, _ = _push(lambda _r: httpx.Response(status, content=b"the witness says why\n"))
    assert result.status is expected and result.alarm is alarm and not result.ok
    assert result.cosignatures == ()
    assert "the witness says why" in result.detail


def test_network_failure_is_unreachable() -> None:
    def down(_r: AddCheckpoint) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    result, _ = _push(down)
    assert result.status is PushStatus.UNREACHABLE and "refused" in result.detail


def test_cosignature_checks() -> None:
    other_body = Checkpoint(ORIGIN, 12, TREE.root(12)).body()
    bad, _ = _push(lambda _r: _cosigned(cosign(other_body, W_PQ, 1700000000)))
    assert bad.status is PushStatus.BAD_COSIGNATURE and bad.alarm
    stranger = Signer.generate("witness.example.com/w9")
    only_strangers, _ = _push(lambda _r: _cosigned(cosign(BODY, stranger, 1)))
    assert only_strangers.status is PushStatus.BAD_RESPONSE
    mixed, _ = _push(lambda _r: _cosigned(cosign(BODY, stranger, 1), cosign(BODY, W_ED, 2)))
    assert mixed.ok and mixed.cosignatures == (cosign(BODY, W_ED, 2),)
    zero, _ = _push(lambda _r: _cosigned(cosign(BODY, W_ED, 0)))
    assert zero.status is PushStatus.BAD_RESPONSE and "timestamp 0" in zero.detail
    garbage, _ = _push(lambda _r: httpx.Response(200, content=b"hello\n"))
    assert garbage.status is PushStatus.BAD_RESPONSE


def test_bad_409s() -> None:
    wrong_type, _ = _push(lambda _r: _size(5, "text/plain"))
    assert wrong_type.status is PushStatus.BAD_RESPONSE
    same, _ = _push(lambda _r: _size(0))
    assert same.status is PushStatus.BAD_RESPONSE and same.witness_size == 0
    sizes = iter([3, 7, 9, 11])
    endless, sent = _push(lambda _r: _size(next(sizes)))
    assert endless.status is PushStatus.CONFLICT and len(sent) == MAX_ATTEMPTS


def test_endpoint_validation() -> None:
    with pytest.raises(NoteError, match="cosignature keys"):
        WitnessEndpoint("w", "http://127.0.0.1/", (LOG.verifier(),))
    with pytest.raises(NoteError, match="not http"):
        WitnessEndpoint("w", "127.0.0.1/", (cosigner_verifier(W_ED),))
