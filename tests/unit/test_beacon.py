"""The service's drand beacon checks (PROTOCOL.md §5.6, v2) against tests/vectors/beacon.json.

The vectors' real rounds come from public sources (named in the file); the chain
hash is re-derived here with hashlib/struct from drand's definition, and the
round arithmetic is checked as a property, so neither rests on the module alone.
"""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery_service.core import beacon
from lottery_service.core.beacon import (
    BEACON_WAIT,
    QUICKNET,
    BeaconChain,
    BeaconError,
    BeaconFault,
    BeaconSchedule,
    PostponeReason,
    check_round,
    protocol_time,
    replay_schedule,
    unix_time,
)
from lottery_service.core.errors import ProtocolError
from tests.paths import VECTORS

DATA = json.loads((VECTORS / "beacon.json").read_text(encoding="utf-8"))
CHAINS = {name: c["beacon"] for name, c in DATA["chains"].items()}


def _chain(name: str) -> BeaconChain:
    return BeaconChain.from_json(CHAINS[name])


def _ids(cases: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in cases]


def test_vector_file_is_what_its_generator_writes() -> None:
    """The vectors are reproducible from the recorded sources (no hand edits)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate_beacon",
                                                  VECTORS / "generate_beacon.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (VECTORS / "beacon.json").read_text(encoding="utf-8")


def test_every_real_round_names_its_source() -> None:
    valid = [c for c in DATA["round_cases"] if "expected" in c]
    assert len(valid) >= 12
    for case in valid:
        source = case["source"]
        assert source["repository"] and source["path"] and len(source["commit"]) == 40


@pytest.mark.parametrize("case", _ids(DATA["chain_cases"]))
def test_chain_vectors(case: dict[str, Any]) -> None:
    if case.get("expected") == "valid":
        chain = BeaconChain.from_json(case["beacon"])
        assert chain.to_json() == case["beacon"]
    else:
        with pytest.raises(BeaconError) as err:
            BeaconChain.from_json(case["beacon"])
        assert err.value.fault == BeaconFault(case["error"])


@pytest.mark.parametrize("case", _ids(DATA["round_cases"]))
def test_round_vectors(case: dict[str, Any]) -> None:
    chain = _chain(case["chain"])
    if "expected" in case:
        got = check_round(chain, case["json"], case["expected_round"])
        want = case["expected"]
        assert (got.round, got.randomness.hex()) == (want["round"], want["randomness"])
        assert protocol_time(chain.round_time(got.round)) == want["time"]
        assert hashlib.sha256(got.signature).hexdigest() == want["randomness"]
    else:
        with pytest.raises(BeaconError) as err:
            check_round(chain, case["json"], case["expected_round"])
        assert err.value.fault == BeaconFault(case["error"]), str(err.value)


@pytest.mark.parametrize("case", DATA["time_cases"])
def test_time_vectors(case: dict[str, Any]) -> None:
    chain = _chain(case["chain"])
    if case["op"] == "round_time":
        assert protocol_time(chain.round_time(case["round"])) == case["time"]
    elif case["op"] == "round_after":
        assert chain.round_after(unix_time(case["time"])) == case["round"]
    else:
        assert chain.round_at_or_after(unix_time(case["time"])) == case["round"]


@pytest.mark.parametrize("case", _ids(DATA["schedule_cases"]))
def test_schedule_vectors(case: dict[str, Any]) -> None:
    chain = _chain(case["chain"])
    if "expected" in case:
        schedule = replay_schedule(chain, case["events"])
        assert schedule.round == case["expected"]["beacon_round"]
        assert protocol_time(schedule.round_time) == case["expected"]["round_time"]
    else:
        with pytest.raises(BeaconError) as err:
            replay_schedule(chain, case["events"])
        assert err.value.fault is BeaconFault.SCHEDULE


def test_chain_hash_is_drands_definition() -> None:
    """drand chain/info.go: sha256(u32 period ‖ i64 genesis ‖ pk ‖ group hash ‖ id)."""
    for name in ("quicknet", "quicknet-t", "walkthrough", "default", "fastnet"):
        b = CHAINS[name]
        data = (struct.pack(">I", b["period"]) + struct.pack(">q", b["genesis_time"])
                + bytes.fromhex(b["public_key"]) + bytes.fromhex(b["group_hash"]))
        if b["beacon_id"] != "default":
            data += b["beacon_id"].encode()
        assert hashlib.sha256(data).hexdigest() == b["chain"], name
        assert beacon.chain_hash(b["period"], b["genesis_time"], bytes.fromhex(b["public_key"]),
                                 bytes.fromhex(b["group_hash"]), b["beacon_id"]).hex() == b["chain"]


def test_quicknet_constant_is_the_published_chain() -> None:
    assert QUICKNET.to_json() == CHAINS["quicknet"]
    assert _chain("quicknet") == QUICKNET


def test_errors_are_protocol_errors_naming_the_check_in_chinese_too() -> None:
    with pytest.raises(ProtocolError) as err:
        check_round(QUICKNET, '{"round":1000}', 1000)
    assert isinstance(err.value, BeaconError)
    assert "§5.6" in str(err.value)
    assert err.value.fault.zh == "字段不符"
    assert all(fault.zh for fault in BeaconFault)


def test_entry_body_is_the_section_11_2_beacon_body() -> None:
    case = next(c for c in DATA["round_cases"] if c["name"] == "quicknet-round-1000")
    got = check_round(QUICKNET, case["json"], 1000)
    body = got.entry_body("lottery", QUICKNET)
    relay = json.loads(case["json"])
    assert body == {"ceremony": "lottery", "chain": CHAINS["quicknet"]["chain"], **relay}


def test_round_json_may_be_bytes_and_must_be_utf8() -> None:
    case = next(c for c in DATA["round_cases"] if c["name"] == "quicknet-round-1")
    assert check_round(QUICKNET, case["json"].encode(), 1).round == 1
    with pytest.raises(BeaconError) as err:
        check_round(QUICKNET, b"\xff" + case["json"].encode(), 1)
    assert err.value.fault is BeaconFault.JSON


@given(st.integers(min_value=QUICKNET.genesis_time - 10**6,
                   max_value=QUICKNET.genesis_time + 10**10))
def test_round_at_or_after_is_the_first_round_due_then(t: int) -> None:
    r = QUICKNET.round_at_or_after(t)
    assert QUICKNET.round_time(r) >= t
    assert r == 1 or QUICKNET.round_time(r - 1) < t
    after = QUICKNET.round_after(t)
    assert QUICKNET.round_time(after) > t
    assert after == 1 or QUICKNET.round_time(after - 1) <= t


@given(st.integers(min_value=1, max_value=2**40))
def test_round_time_inverts(r: int) -> None:
    assert QUICKNET.round_at_or_after(QUICKNET.round_time(r)) == r
    assert QUICKNET.round_after(QUICKNET.round_time(r)) == r + 1


def test_round_zero_has_no_time() -> None:
    with pytest.raises(BeaconError):
        QUICKNET.round_time(0)


def test_service_postponements_replay_to_the_same_round() -> None:
    """What the service logs with `postpone` is what `replay_schedule` accepts."""
    opened = unix_time("2026-07-01T01:00:00Z")
    by = unix_time("2026-07-01T01:30:00Z")
    s0 = BeaconSchedule.open(QUICKNET, opened, by)
    assert QUICKNET.round_time(s0.round) > by >= QUICKNET.round_time(s0.round - 1)
    late_at = by + 1
    s1 = s0.postpone(PostponeReason.PHYSICAL_ENTROPY_LATE, late_at, by + 900)
    s2 = s1.physical_entropy(by + 899)
    missing_at = s2.round_time + BEACON_WAIT
    s3 = s2.postpone(PostponeReason.ROUND_NOT_PUBLISHED, missing_at)
    assert s3.round == QUICKNET.round_after(missing_at + BEACON_WAIT)
    assert s3.physical_entropy_by == s2.physical_entropy_by
    events = [
        {"type": "ceremony_opened", "time": protocol_time(opened),
         "physical_entropy_by": protocol_time(by), "beacon_round": s0.round},
        {"type": "beacon_postponed", "time": protocol_time(late_at),
         **s1.postponement_body("lottery", s0, PostponeReason.PHYSICAL_ENTROPY_LATE)},
        {"type": "physical_entropy", "time": protocol_time(by + 899)},
        {"type": "beacon_postponed", "time": protocol_time(missing_at),
         **s3.postponement_body("lottery", s2, PostponeReason.ROUND_NOT_PUBLISHED)},
    ]
    assert replay_schedule(QUICKNET, events).round == s3.round


def test_postponement_is_never_early() -> None:
    s = BeaconSchedule.open(QUICKNET, 1_800_000_000, 1_800_000_600).physical_entropy(
        1_800_000_500)
    with pytest.raises(BeaconError, match="may be declared missing"):
        s.postpone(PostponeReason.ROUND_NOT_PUBLISHED, s.round_time + BEACON_WAIT - 1)
    with pytest.raises(BeaconError, match="after the physical entropy"):
        s.postpone(PostponeReason.PHYSICAL_ENTROPY_LATE, 1_800_000_700, 1_800_001_000)


def test_times_are_section_1_times() -> None:
    assert unix_time("2023-08-23T15:09:27Z") == QUICKNET.genesis_time
    for bad in ("2023-08-23T15:09:27", "2023-02-30T00:00:00Z", "2023-08-23 15:09:27Z", 7):
        with pytest.raises(BeaconError):
            unix_time(bad)  # type: ignore[arg-type]

