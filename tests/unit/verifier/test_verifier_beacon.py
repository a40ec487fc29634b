"""The verifier's own drand beacon checks (PROTOCOL.md §5.6, v2) on tests/vectors/beacon.json.

With py_ecc (the `beacon` extra, part of `dev`) every case must give the named
outcome; without it the signature is reported as not checked and nothing that
needs a pairing ever passes as verified.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import verifier
from tests.paths import ROOT, VECTORS
from verifier import beacon
from verifier.beacon import NOT_CHECKED, BeaconCheckError, SignatureStatus
from verifier.errors import VerificationError

DATA = json.loads((VECTORS / "beacon.json").read_text(encoding="utf-8"))
CHAINS = {name: c["beacon"] for name, c in DATA["chains"].items()}
NEEDS_PAIRING = {"point", "signature", "public-key"}


@pytest.fixture(scope="module")
def chains() -> dict[str, beacon.Chain]:
    if not beacon.pairing_available():
        pytest.skip("py_ecc is not installed (pip install '.[beacon]')")
    return {n: beacon.parse_chain(b) for n, b in CHAINS.items()
            if b["scheme"] == beacon.SCHEME}


@pytest.fixture
def without_py_ecc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if the extra were not installed: importing py_ecc raises ImportError."""
    beacon._py_ecc.cache_clear()
    for name in [m for m in sys.modules if m == "py_ecc" or m.startswith("py_ecc.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "py_ecc", None)
    monkeypatch.delitem(sys.modules, "verifier._beacon_pairing", raising=False)
    monkeypatch.delattr(verifier, "_beacon_pairing", raising=False)
    yield
    beacon._py_ecc.cache_clear()


def _ids(cases: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in cases]


@pytest.mark.parametrize("case", _ids(DATA["chain_cases"]))
def test_chain_vectors(case: dict[str, Any], chains: dict[str, beacon.Chain]) -> None:
    if case.get("expected") == "valid":
        chain = beacon.parse_chain(case["beacon"])
        assert chain.chain.hex() == case["beacon"]["chain"]
        assert chain.public_key_checked is SignatureStatus.VERIFIED
    else:
        with pytest.raises(BeaconCheckError) as err:
            beacon.parse_chain(case["beacon"])
        assert err.value.code == case["error"]


@pytest.mark.parametrize("case", _ids(DATA["round_cases"]))
def test_round_vectors(case: dict[str, Any], chains: dict[str, beacon.Chain]) -> None:
    chain = chains[case["chain"]]
    if "expected" in case:
        got = beacon.check_round_json(chain, case["json"], case["expected_round"])
        assert (got.round, got.randomness.hex()) == (case["expected"]["round"],
                                                     case["expected"]["randomness"])
        assert got.status is SignatureStatus.VERIFIED
        assert "verified" in got.detail
    else:
        with pytest.raises(BeaconCheckError) as err:
            beacon.check_round_json(chain, case["json"], case["expected_round"])
        assert err.value.code == case["error"], err.value.message
        assert (err.value.step, err.value.section) == ("beacon", "§5.6")


@pytest.mark.parametrize("case", _ids(DATA["schedule_cases"]))
def test_schedule_vectors(case: dict[str, Any], chains: dict[str, beacon.Chain]) -> None:
    chain = chains[case["chain"]]
    if "expected" in case:
        assert beacon.round_in_force(chain, case["events"]) == case["expected"]["beacon_round"]
    else:
        with pytest.raises(BeaconCheckError) as err:
            beacon.round_in_force(chain, case["events"])
        assert err.value.code == "schedule"


def test_time_vectors(chains: dict[str, beacon.Chain]) -> None:
    q = chains["quicknet"]
    for case in DATA["time_cases"]:
        t = beacon._seconds(case["time"])
        if case["op"] == "round_time":
            assert q.round_time(case["round"]) == t
        elif case["op"] == "round_after":
            assert q.first_round_after(t) == case["round"]


def test_entry_body_must_name_the_pinned_chain(chains: dict[str, beacon.Chain]) -> None:
    case = next(c for c in DATA["round_cases"] if c["name"] == "quicknet-round-1000")
    body = {"ceremony": "lottery", "chain": CHAINS["quicknet"]["chain"], **json.loads(case["json"])}
    assert beacon.check_entry(chains["quicknet"], body, 1000).status is SignatureStatus.VERIFIED
    with pytest.raises(VerificationError):
        beacon.check_entry(chains["quicknet"], {**body, "chain": CHAINS["walkthrough"]["chain"]},
                           1000)
    with pytest.raises(BeaconCheckError) as err:
        beacon.check_entry(chains["quicknet"], {**body, "extra": 1}, 1000)
    assert err.value.code == "members"


@pytest.mark.usefixtures("without_py_ecc")
def test_without_py_ecc_the_signature_is_reported_not_checked() -> None:
    assert not beacon.pairing_available()
    chain = beacon.parse_chain(CHAINS["quicknet"])
    assert chain.public_key_checked is SignatureStatus.NOT_CHECKED
    case = next(c for c in DATA["round_cases"] if c["name"] == "quicknet-round-1000")
    got = beacon.check_round_json(chain, case["json"], 1000)
    assert got.status is SignatureStatus.NOT_CHECKED
    assert got.detail == f"round 1000: {NOT_CHECKED}"
    assert got.detail.count("not checked") == 1 and "py_ecc not installed" in got.detail


@pytest.mark.usefixtures("without_py_ecc")
def test_without_py_ecc_nothing_needing_a_pairing_passes_as_verified() -> None:
    """Every other check still runs and fails as the vectors say; none is 'verified'."""
    chains = {n: beacon.parse_chain(b) for n, b in CHAINS.items() if b["scheme"] == beacon.SCHEME}
    for case in DATA["round_cases"]:
        chain = chains[case["chain"]]
        try:
            got = beacon.check_round_json(chain, case["json"], case["expected_round"])
        except BeaconCheckError as exc:
            # a bad signature whose randomness was left as published fails that check instead
            allowed = {case.get("error")} | ({"randomness"} if case.get("error") in NEEDS_PAIRING
                                             else set())
            assert exc.code in allowed, case["name"]
        else:
            assert got.status is SignatureStatus.NOT_CHECKED
            assert "expected" in case or case["error"] in NEEDS_PAIRING, case["name"]


def test_the_verifier_runs_without_py_ecc_installed_at_all() -> None:
    """A fresh interpreter in which py_ecc cannot be imported: module loads, says so."""
    code = ("import sys; sys.modules['py_ecc'] = None\n"
            "from verifier import beacon\n"
            "print(beacon.pairing_available())\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60)
    assert run.stdout.strip() == "False"
