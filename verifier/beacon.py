"""The drand beacon, checked independently of the service (PROTOCOL.md §5.6, v2).

Everything but the BLS12-381 pairing uses the standard library: the rule set's
chain info is re-hashed as drand does (chain/info.go), the round is parsed
strictly, its randomness must be SHA-256 of its signature, and the beacon round
in force is replayed from the ceremony's entries. The pairing needs `py_ecc`
(pure Python, ~0.4 s a round), an optional extra (`pip install
'sunshine-draw[beacon]'`). Without it the signature and the public-key point
are NOT checked, and `CheckedRound.status` says so: never a silent pass.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

from verifier import strict
from verifier.errors import VerificationError

STEP: Final = "beacon"
SECTION: Final = "§5.6"
SCHEME: Final = "bls-unchained-g1-rfc9380"
DST: Final = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
WAIT: Final = 600  # §5.6: a round may be declared missing this long after its time
NOT_CHECKED: Final = ("not checked: py_ecc not installed, so the BLS signature was not "
                      "verified (pip install 'sunshine-draw[beacon]')")
_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CHAIN_KEYS: Final = frozenset({"scheme", "chain", "public_key", "period", "genesis_time",
                                "group_hash", "beacon_id"})
_ROUND_KEYS: Final = frozenset({"round", "randomness", "signature"})
_ENTRY_KEYS: Final = _ROUND_KEYS | {"ceremony", "chain"}


class BeaconCheckError(VerificationError):
    """A §5.6 failure; `code` is the check, as in tests/vectors/beacon.json."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(STEP, SECTION, message)
        self.code = code


class SignatureStatus(StrEnum):
    VERIFIED = "verified"
    NOT_CHECKED = "not-checked"


class _Pairing(Hashable, Protocol):
    """What verifier._beacon_pairing offers (a module implementing this protocol)."""

    def g1_signature(self, data: bytes) -> Any: ...
    def valid_g2(self, data: bytes) -> bool: ...
    def verify(self, signature: Any, message: bytes, dst: bytes, public_key: bytes) -> bool: ...


@functools.cache
def _py_ecc() -> _Pairing | None:
    """The pairing back end, or None when the optional extra is not installed.

    Imported on first use: py_ecc takes ~0.4 s to import, which bundles without
    a beacon should not pay.
    """
    try:
        from verifier import _beacon_pairing
    except ImportError:
        return None
    return _beacon_pairing


class _Signature(StrEnum):
    VALID = "valid"
    NOT_A_POINT = "not-a-point"
    INVALID = "invalid"


# The two pairing-backed checks are pure functions of their bytes, memoized: one
# process (an auditor's batch, the test suite) checks the same few rounds of a chain
# many times, at ~0.4 s each in pure Python.
@functools.lru_cache(maxsize=64)
def _public_key_valid(backend: _Pairing, public_key: bytes) -> bool:
    return backend.valid_g2(public_key)


@functools.lru_cache(maxsize=1024)
def _signature(backend: _Pairing, signature: bytes, message: bytes,
               public_key: bytes) -> _Signature:
    point = backend.g1_signature(signature)
    if point is None:
        return _Signature.NOT_A_POINT
    return _Signature.VALID if backend.verify(point, message, DST, public_key) \
        else _Signature.INVALID


def pairing_available() -> bool:
    return _py_ecc() is not None


def _hex(value: Any, size: int, what: str) -> bytes:
    if not isinstance(value, str) or len(value) % 2 or value != value.lower():
        raise BeaconCheckError("hex", f"{what} is not lowercase hex (§1)")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise BeaconCheckError("hex", f"{what} is not lowercase hex (§1)") from None
    if data.hex() != value:  # fromhex also takes spaces
        raise BeaconCheckError("hex", f"{what} is not lowercase hex (§1)")
    if len(data) != size:
        raise BeaconCheckError("length", f"{what} has {len(data)} bytes, need {size}")
    return data


def _keys(obj: Any, keys: frozenset[str], what: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != keys:
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise BeaconCheckError("members", f"{what} must have exactly {sorted(keys)}, got {got}")
    return obj


@dataclass(frozen=True)
class Chain:
    """`rules.beacon`, its chain hash recomputed."""

    chain: bytes
    public_key: bytes
    period: int
    genesis_time: int
    public_key_checked: SignatureStatus

    def round_time(self, r: int) -> int:
        return self.genesis_time + (r - 1) * self.period

    def first_round_after(self, t: int) -> int:
        """Smallest r ≥ 1 with round_time(r) > t."""
        if t < self.genesis_time:
            return 1
        return (t - self.genesis_time) // self.period + 2


def parse_chain(obj: Any) -> Chain:
    """Check a rules.beacon object (§3.1, §5.6) and recompute drand's chain hash."""
    b = _keys(obj, _CHAIN_KEYS, "rules.beacon")
    if b["scheme"] != SCHEME:
        raise BeaconCheckError("scheme", f"rules.beacon.scheme {b['scheme']!r} is not {SCHEME}")
    chain = _hex(b["chain"], 32, "rules.beacon.chain")
    public_key = _hex(b["public_key"], 96, "rules.beacon.public_key")
    group_hash = _hex(b["group_hash"], 32, "rules.beacon.group_hash")
    period, genesis, beacon_id = b["period"], b["genesis_time"], b["beacon_id"]
    if isinstance(period, bool) or not isinstance(period, int) or not 0 < period < 2**32:
        raise BeaconCheckError("period", "rules.beacon.period must be an integer 1..2^32−1")
    if isinstance(genesis, bool) or not isinstance(genesis, int) or not 0 < genesis < 2**53:
        raise BeaconCheckError("genesis-time", "rules.beacon.genesis_time must be a positive "
                                               "integer")
    if not isinstance(beacon_id, str) or not _ID.fullmatch(beacon_id):
        raise BeaconCheckError("beacon-id", f"rules.beacon.beacon_id {beacon_id!r} is not an id")
    status = SignatureStatus.NOT_CHECKED
    backend = _py_ecc()
    if backend is not None:
        if not _public_key_valid(backend, public_key):
            raise BeaconCheckError("public-key", "rules.beacon.public_key is not a point of "
                                                 "G2's prime-order subgroup")
        status = SignatureStatus.VERIFIED
    h = hashlib.sha256()
    h.update(period.to_bytes(4, "big"))
    h.update(genesis.to_bytes(8, "big", signed=True))
    h.update(public_key)
    h.update(group_hash)
    if beacon_id != "default":  # drand: the default beacon id is not hashed
        h.update(beacon_id.encode())
    if h.digest() != chain:
        raise BeaconCheckError("chain-hash", f"rules.beacon.chain {chain.hex()} is not the hash "
                                             f"of its chain info ({h.hexdigest()})")
    return Chain(chain, public_key, period, genesis, status)


@dataclass(frozen=True)
class CheckedRound:
    round: int
    randomness: bytes
    status: SignatureStatus

    @property
    def detail(self) -> str:
        if self.status is SignatureStatus.VERIFIED:
            return f"round {self.round}: BLS signature verified (py_ecc)"
        return f"round {self.round}: {NOT_CHECKED}"


def _check(chain: Chain, obj: dict[str, Any], expected_round: int, what: str) -> CheckedRound:
    r = obj["round"]
    if isinstance(r, bool) or not isinstance(r, int) or r < 1:
        raise BeaconCheckError("round", f"{what}.round {r!r} is not an integer ≥ 1")
    signature = _hex(obj["signature"], 48, f"{what}.signature")
    randomness = _hex(obj["randomness"], 32, f"{what}.randomness")
    if r != expected_round:
        raise BeaconCheckError("round-mismatch", f"{what} is round {r}, the round in force is "
                                                 f"{expected_round}")
    status = SignatureStatus.NOT_CHECKED
    backend = _py_ecc()
    if backend is not None:
        msg = hashlib.sha256(r.to_bytes(8, "big")).digest()
        checked = _signature(backend, signature, msg, chain.public_key)
        if checked is _Signature.NOT_A_POINT:
            raise BeaconCheckError("point", f"{what}.signature is not a point of G1's "
                                            "prime-order subgroup")
        if checked is _Signature.INVALID:
            raise BeaconCheckError("signature", f"round {r}: BLS signature does not verify "
                                                "under rules.beacon.public_key")
        status = SignatureStatus.VERIFIED
    if hashlib.sha256(signature).digest() != randomness:
        raise BeaconCheckError("randomness", f"round {r}: randomness is not SHA-256 of the "
                                             "signature")
    return CheckedRound(r, randomness, status)


def check_round_json(chain: Chain, text: str | bytes, expected_round: int) -> CheckedRound:
    """A round as a relay publishes it: {"round","randomness","signature"}."""
    try:
        obj = strict.loads(text)
    except strict.StrictError as exc:
        raise BeaconCheckError("json", f"round JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise BeaconCheckError("json", "round JSON is not an object")
    return _check(chain, _keys(obj, _ROUND_KEYS, "round JSON"), expected_round, "round")


def check_entry(chain: Chain, body: Any, expected_round: int) -> CheckedRound:
    """A `beacon` entry body (§11.2): the pinned chain, the round in force, a valid round."""
    b = _keys(body, _ENTRY_KEYS, "beacon")
    if b["chain"] != chain.chain.hex():
        raise BeaconCheckError("chain", f"beacon.chain {b['chain']!r} is not rules.beacon.chain")
    return _check(chain, b, expected_round, "beacon")


# --------------------------------------------------------------- schedule


def _seconds(value: Any) -> int:
    try:
        text = strict.time(value)
    except strict.StrictError as exc:
        raise BeaconCheckError("schedule", str(exc)) from None
    return int(_dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=_dt.UTC).timestamp())


def _bad(message: str) -> BeaconCheckError:
    return BeaconCheckError("schedule", message)


def round_in_force(chain: Chain, events: Sequence[dict[str, Any]]) -> int:
    """Replay one ceremony's `ceremony_opened`, `beacon_postponed` and
    `physical_entropy` entries (each {"type", "time", …body}) and return the
    round its `beacon` entry must carry (§5.6)."""
    if not events or events[0].get("type") != "ceremony_opened":
        raise _bad("a ceremony's beacon schedule starts at ceremony_opened")
    opened = events[0]
    deadline = _seconds(opened["physical_entropy_by"])
    if deadline <= _seconds(opened["time"]):
        raise _bad("ceremony_opened.physical_entropy_by is not after the opening")
    current = chain.first_round_after(deadline)
    if opened["beacon_round"] != current:
        raise _bad(f"ceremony_opened.beacon_round is {opened['beacon_round']!r}; the first "
                   f"round after physical_entropy_by is {current}")
    dice_at: int | None = None
    for e in events[1:]:
        t = _seconds(e["time"])
        if e["type"] == "physical_entropy":
            if dice_at is not None:
                raise _bad("a second physical_entropy")
            if t > deadline:
                raise _bad(f"physical_entropy logged {t - deadline} s after physical_entropy_by")
            dice_at = t
            continue
        if e["type"] != "beacon_postponed":
            raise _bad(f"{e['type']!r} has no place in the beacon schedule")
        if e["round"] != current:
            raise _bad(f"beacon_postponed.round {e['round']!r} is not the round in force "
                       f"{current}")
        new_deadline = _seconds(e["physical_entropy_by"])
        if e["reason"] == "physical-entropy-late":
            if dice_at is not None or t <= deadline or new_deadline <= t:
                raise _bad("physical-entropy-late must come before the dice, after their "
                           "deadline, and set a later deadline")
            deadline, expected = new_deadline, chain.first_round_after(new_deadline)
        elif e["reason"] == "round-not-published":
            if dice_at is None or t < chain.round_time(current) + WAIT:
                raise _bad(f"round-not-published must follow the dice and wait {WAIT} s past "
                           f"round {current}'s time")
            if new_deadline != deadline:
                raise _bad("round-not-published must keep physical_entropy_by")
            expected = chain.first_round_after(t + WAIT)
        else:
            raise _bad(f"unknown beacon_postponed.reason {e['reason']!r}")
        if e["beacon_round"] != expected:
            raise _bad(f"beacon_postponed.beacon_round {e['beacon_round']!r}, the rule gives "
                       f"{expected}")
        current = expected
    return current
