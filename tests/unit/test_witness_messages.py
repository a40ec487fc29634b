"""lottery_service.witness.protocol: the tlog-witness messages, against the spec's examples."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery_service.core.note import parse_signature_line
from lottery_service.witness.protocol import (
    AddCheckpoint,
    WitnessProtocolError,
    decode_cosignatures,
    decode_size,
    encode_cosignatures,
    encode_size,
)

# c2sp.org/tlog-witness "add-checkpoint": the example request body, byte for byte.
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+"
    "49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
)
SPEC_PROOF = [
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=",
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=",
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=",
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=",
]
SPEC_REQUEST = ("old 20852014\n" + "".join(p + "\n" for p in SPEC_PROOF) + "\n"
                + SPEC_CHECKPOINT).encode()
# The example response body.
SPEC_RESPONSE = (
    "— witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSv"
    "VjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==\n"
    "— witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64v"
    "WhO+DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==\n"
    "— witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKbY"
    "KA7nC3HNJhm/kWl7oJlqU3rXXvpysAdyP3wQ==\n"
).encode()


def test_spec_request_example() -> None:
    request = AddCheckpoint.decode(SPEC_REQUEST)
    assert request.old_size == 20852014
    assert [base64.b64encode(h).decode() for h in request.proof] == SPEC_PROOF
    assert request.checkpoint == SPEC_CHECKPOINT
    assert request.encode() == SPEC_REQUEST


def test_spec_response_example() -> None:
    lines = decode_cosignatures(SPEC_RESPONSE)
    assert [parse_signature_line(line).name for line in lines] == [
        "witness.example/w1", "witness.example/w1", "witness.example/w2"]
    assert encode_cosignatures(lines) == SPEC_RESPONSE


def test_size_bodies() -> None:
    assert encode_size(0) == b"0\n" and decode_size(b"20852163\n") == 20852163
    for bad in (b"", b"7", b"07\n", b"-1\n", b" 7\n", b"7 \n", b"18446744073709551616\n"):
        with pytest.raises(WitnessProtocolError):
            decode_size(bad)


@given(st.integers(0, 2**64 - 1), st.lists(st.binary(min_size=32, max_size=32), max_size=63))
def test_request_round_trip(old: int, proof: list[bytes]) -> None:
    request = AddCheckpoint(old, tuple(proof), SPEC_CHECKPOINT)
    assert AddCheckpoint.decode(request.encode()) == request


@pytest.mark.parametrize("body", [
    b"",
    b"old 5\n" + SPEC_CHECKPOINT.encode(),  # no empty line before the checkpoint
    b"old 05\n\n" + SPEC_CHECKPOINT.encode(),
    b"old +5\n\n" + SPEC_CHECKPOINT.encode(),
    b"old  5\n\n" + SPEC_CHECKPOINT.encode(),
    b"Old 5\n\n" + SPEC_CHECKPOINT.encode(),
    b"old\n\n" + SPEC_CHECKPOINT.encode(),
    b"old 5\nAAAA\n\n" + SPEC_CHECKPOINT.encode(),  # a proof line that is not 32 bytes
    b"old 5\n" + SPEC_PROOF[0].rstrip("=").encode() + b"\n\n" + SPEC_CHECKPOINT.encode(),
    b"old 5\n" + (SPEC_PROOF[0] + "\n").encode() * 64 + b"\n" + SPEC_CHECKPOINT.encode(),
    b"old 5\n\n\xff" + SPEC_CHECKPOINT.encode(),
])
def test_bad_requests(body: bytes) -> None:
    with pytest.raises(WitnessProtocolError):
        AddCheckpoint.decode(body)


def test_bad_responses_and_encoding_limits() -> None:
    for bad in (b"", SPEC_RESPONSE[:-1], b"- w AAAA\n", b"\xff\n"):
        with pytest.raises(WitnessProtocolError):
            decode_cosignatures(bad)
    with pytest.raises(WitnessProtocolError, match="over 63"):
        AddCheckpoint(5, (bytes(32),) * 64, SPEC_CHECKPOINT).encode()
