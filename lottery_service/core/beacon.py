"""The drand beacon (PROTOCOL.md §5.6, v2): pinned chain, round checks, schedule.

Pure: the caller fetches or receives a round's JSON and passes its text; nothing
here touches the network or the clock (times are Unix seconds given by the
caller). Every failure raises `BeaconError` whose `fault` names the §5.6 check.

Library choice. BLS12-381 pairings come from `py_arkworks_bls12381` (Python
bindings of the Rust arkworks curves, maintained under the Ethereum organisation
for the consensus-spec KZG vectors): manylinux wheels for CPython 3.11-3.14, type
stubs, RFC 9380 hash-to-curve on G1 with a caller-given DST, subgroup-checked
point decoding and a multi-pairing check, about 3 ms a verification. Compared:
`blspy` (Chia) and `milagro-bls-binding` implement only the G2-signature
(min-pubkey) variant, not quicknet's G1 signatures; `pyblst` is an alpha binding
without stubs or subgroup-checked decoding; `drand-verify` on PyPI is unmaintained
since 2023; `py_ecc` is pure Python (about 0.4 s) and is the standalone
verifier's optional, independent implementation instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

from py_arkworks_bls12381 import GT, G1Point, G2Point

from .errors import ProtocolError

SCHEME: Final = "bls-unchained-g1-rfc9380"  # the only scheme v2 defines (§5.6)
DST: Final = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"  # RFC 9380 suite, drand quicknet
SIGNATURE_SIZE: Final = 48  # compressed G1 point
PUBLIC_KEY_SIZE: Final = 96  # compressed G2 point
HASH_SIZE: Final = 32
BEACON_WAIT: Final = 600  # seconds a round may be late before it is postponed (§5.6)
DEFAULT_BEACON_ID: Final = "default"  # drand leaves this id out of the chain hash
MAX_SAFE_INTEGER: Final = 2**53 - 1
BEACON_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HEX: Final = re.compile(r"[0-9a-f]*")
_TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")  # §1
_CHAIN_MEMBERS: Final = frozenset({"scheme", "chain", "public_key", "period", "genesis_time",
                                   "group_hash", "beacon_id"})
_ROUND_MEMBERS: Final = frozenset({"round", "randomness", "signature"})


class BeaconFault(StrEnum):
    """What a §5.6 check found wrong; the same codes as tests/vectors/beacon.json."""

    MEMBERS = "members"
    SCHEME = "scheme"
    HEX = "hex"
    LENGTH = "length"
    PUBLIC_KEY = "public-key"
    PERIOD = "period"
    GENESIS_TIME = "genesis-time"
    BEACON_ID = "beacon-id"
    CHAIN_HASH = "chain-hash"
    JSON = "json"
    ROUND = "round"
    ROUND_MISMATCH = "round-mismatch"
    POINT = "point"
    SIGNATURE = "signature"
    RANDOMNESS = "randomness"
    SCHEDULE = "schedule"

    @property
    def zh(self) -> str:
        """Chinese text for the page that shows the failure (Chinese first)."""
        return _ZH[self]


_ZH: Final = {
    BeaconFault.MEMBERS: "字段不符",
    BeaconFault.SCHEME: "不支持的 drand 方案",
    BeaconFault.HEX: "不是小写十六进制",
    BeaconFault.LENGTH: "长度不对",
    BeaconFault.PUBLIC_KEY: "公钥不是有效的 G2 点",
    BeaconFault.PERIOD: "周期无效",
    BeaconFault.GENESIS_TIME: "创世时间无效",
    BeaconFault.BEACON_ID: "信标编号无效",
    BeaconFault.CHAIN_HASH: "链哈希与链信息不符",
    BeaconFault.JSON: "不是严格的 JSON",
    BeaconFault.ROUND: "轮次不是正整数",
    BeaconFault.ROUND_MISMATCH: "不是事先确定的轮次",
    BeaconFault.POINT: "签名不是有效的 G1 点",
    BeaconFault.SIGNATURE: "BLS 签名验证失败",
    BeaconFault.RANDOMNESS: "随机数不等于签名的 SHA-256",
    BeaconFault.SCHEDULE: "不符合信标时间规则",
}


class BeaconError(ProtocolError):
    """A beacon chain, round or schedule that §5.6 rejects; `fault` says which check."""

    section = "5.6"

    def __init__(self, fault: BeaconFault, message: str) -> None:
        super().__init__(message)
        self.fault = fault


# ---------------------------------------------------------------- the chain


def chain_hash(period: int, genesis_time: int, public_key: bytes, group_hash: bytes,
               beacon_id: str) -> bytes:
    """drand's chain hash (chain/info.go `Info.Hash`), §5.6.

    SHA-256(uint32_be(period) ‖ int64_be(genesis_time) ‖ public_key ‖ group_hash
    ‖ beacon_id), the id left out when it is "default". The scheme is not hashed.
    """
    data = (struct.pack(">I", period) + struct.pack(">q", genesis_time)
            + public_key + group_hash)
    if beacon_id != DEFAULT_BEACON_ID:
        data += beacon_id.encode("ascii")
    return hashlib.sha256(data).digest()


def _hex(obj: dict[str, Any], key: str, size: int, what: str) -> bytes:
    value = obj[key]
    if type(value) is not str or not _HEX.fullmatch(value) or len(value) % 2:
        raise BeaconError(BeaconFault.HEX, f"{what}.{key}: not lowercase hex (§1)")
    if len(value) != 2 * size:
        raise BeaconError(BeaconFault.LENGTH,
                          f"{what}.{key}: {len(value) // 2} bytes, need {size} (§5.6)")
    return bytes.fromhex(value)


def _members(obj: Any, names: frozenset[str], what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise BeaconError(BeaconFault.MEMBERS, f"{what}: expected an object")
    keys = set(obj)
    if keys != names:
        missing, extra = sorted(names - keys), sorted(keys - names)
        raise BeaconError(BeaconFault.MEMBERS, f"{what}: missing {missing}, unknown {extra}")
    return obj


def _g2_public_key(data: bytes) -> G2Point:
    try:
        point = G2Point.from_compressed_bytes(data)  # rejects points off the subgroup
    except ValueError as exc:
        raise BeaconError(BeaconFault.PUBLIC_KEY,
                          f"rules.beacon.public_key is not a G2 point: {exc}") from None
    if point == G2Point.identity():
        raise BeaconError(BeaconFault.PUBLIC_KEY, "rules.beacon.public_key is the identity")
    return point


@dataclass(frozen=True, slots=True)
class BeaconChain:
    """`rules.beacon` (§3.1, §5.6): the drand chain every ceremony of an event uses.

    Construct with `from_json`, which checks the public key and recomputes the
    chain hash; the rule set pins all of it, so a relay cannot swap the chain.
    """

    chain: bytes
    public_key: bytes
    period: int
    genesis_time: int
    group_hash: bytes
    beacon_id: str
    scheme: str = SCHEME

    @classmethod
    def from_json(cls, obj: Any) -> BeaconChain:
        what = "rules.beacon"
        o = _members(obj, _CHAIN_MEMBERS, what)
        if o["scheme"] != SCHEME:
            raise BeaconError(BeaconFault.SCHEME,
                              f"{what}.scheme: {o['scheme']!r}; v2 supports only {SCHEME!r}")
        chain = _hex(o, "chain", HASH_SIZE, what)
        public_key = _hex(o, "public_key", PUBLIC_KEY_SIZE, what)
        group_hash = _hex(o, "group_hash", HASH_SIZE, what)
        period, genesis, beacon_id = o["period"], o["genesis_time"], o["beacon_id"]
        if type(period) is not int or not 1 <= period <= 2**32 - 1:
            raise BeaconError(BeaconFault.PERIOD, f"{what}.period: an integer 1..2^32−1")
        if type(genesis) is not int or not 1 <= genesis <= MAX_SAFE_INTEGER:
            raise BeaconError(BeaconFault.GENESIS_TIME,
                              f"{what}.genesis_time: a positive integer (Unix seconds)")
        if type(beacon_id) is not str or not BEACON_ID.fullmatch(beacon_id):
            raise BeaconError(BeaconFault.BEACON_ID,
                              f"{what}.beacon_id: {beacon_id!r} is not an id (§1)")
        _g2_public_key(public_key)
        computed = chain_hash(period, genesis, public_key, group_hash, beacon_id)
        if computed != chain:
            raise BeaconError(BeaconFault.CHAIN_HASH,
                              f"{what}.chain is {chain.hex()}, but the chain info hashes to "
                              f"{computed.hex()}")
        return cls(chain, public_key, period, genesis, group_hash, beacon_id)

    def to_json(self) -> dict[str, Any]:
        return {"scheme": self.scheme, "chain": self.chain.hex(),
                "public_key": self.public_key.hex(), "period": self.period,
                "genesis_time": self.genesis_time, "group_hash": self.group_hash.hex(),
                "beacon_id": self.beacon_id}

    def round_time(self, round_: int) -> int:
        """When `round_` is due: genesis_time + (round − 1)·period (§5.6)."""
        if round_ < 1:
            raise BeaconError(BeaconFault.ROUND, f"round {round_}: rounds start at 1")
        return self.genesis_time + (round_ - 1) * self.period

    def round_at_or_after(self, t: int) -> int:
        """The first round whose time is ≥ t."""
        if t <= self.genesis_time:
            return 1
        return -(-(t - self.genesis_time) // self.period) + 1

    def round_after(self, t: int) -> int:
        """The first round whose time is strictly later than t (whole seconds)."""
        return self.round_at_or_after(t + 1)


QUICKNET: Final = BeaconChain.from_json({
    "scheme": SCHEME,
    "chain": "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    "public_key": "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
                  "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
                  "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
    "period": 3,
    "genesis_time": 1692803367,
    "group_hash": "f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e",
    "beacon_id": "quicknet",
})
"""drand's quicknet as its /info publishes it (League of Entropy mainnet, 3 s rounds)."""


# ---------------------------------------------------------------- a round


def _no_float(text: str) -> Any:
    raise BeaconError(BeaconFault.JSON, f"round JSON: non-integer number {text}")


def _safe_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise BeaconError(BeaconFault.JSON, f"round JSON: integer {text} outside ±(2^53−1)")
    return value


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise BeaconError(BeaconFault.JSON, "round JSON: a member appears twice")
    return obj


_DECODER: Final = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_no_float,
                                   parse_constant=_no_float, parse_int=_safe_int)


@dataclass(frozen=True, slots=True)
class BeaconRound:
    """One drand round whose signature verified against a pinned chain (§5.6)."""

    round: int
    signature: bytes
    randomness: bytes

    def entry_body(self, ceremony: str, chain: BeaconChain) -> dict[str, Any]:
        """The `beacon` entry body (§11.2)."""
        return {"ceremony": ceremony, "chain": chain.chain.hex(), "round": self.round,
                "randomness": self.randomness.hex(), "signature": self.signature.hex()}


def message(round_: int) -> bytes:
    """What an unchained drand round signs: SHA-256(uint64_be(round))."""
    return hashlib.sha256(round_.to_bytes(8, "big")).digest()


def verify_signature(chain: BeaconChain, round_: int, signature: bytes) -> None:
    """BLS check e(σ, g2) = e(H(m), pk) on G1 with the RFC 9380 DST (§5.6 steps 4-5)."""
    try:
        sigma = G1Point.from_compressed_bytes(signature)  # subgroup-checked
    except ValueError as exc:
        raise BeaconError(BeaconFault.POINT, f"round {round_}: signature is not a G1 point: "
                                             f"{exc}") from None
    if sigma == G1Point.identity():
        raise BeaconError(BeaconFault.POINT, f"round {round_}: signature is the identity")
    hashed = G1Point.hash_to_curve(message(round_), DST)
    if not GT.pairing_check([sigma, -hashed], [G2Point(), G2Point.from_compressed_bytes(
            chain.public_key)]):
        raise BeaconError(BeaconFault.SIGNATURE,
                          f"round {round_}: the BLS signature does not verify under chain "
                          f"{chain.chain.hex()}")


def check_round(chain: BeaconChain, text: str | bytes, expected_round: int) -> BeaconRound:
    """Parse a round's JSON as a relay publishes it and run every §5.6 check.

    Order: strict JSON, members, round, hex and lengths, the round fixed for the
    ceremony, the signature point, the pairing, then randomness = SHA-256(σ).
    """
    try:
        raw = text.decode("utf-8") if isinstance(text, bytes) else text
        obj, end = _DECODER.raw_decode(raw)
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise BeaconError(BeaconFault.JSON, f"round JSON: {exc}") from None
    if end != len(raw):
        raise BeaconError(BeaconFault.JSON, "round JSON: data after the object")
    if not isinstance(obj, dict):
        raise BeaconError(BeaconFault.JSON, "round JSON: not an object")
    if "previous_signature" in obj:
        raise BeaconError(BeaconFault.MEMBERS, "round JSON: previous_signature belongs to a "
                                               f"chained scheme; the rules pin {SCHEME}")
    o = _members(obj, _ROUND_MEMBERS, "round JSON")
    round_ = o["round"]
    if type(round_) is not int or round_ < 1:
        raise BeaconError(BeaconFault.ROUND, f"round JSON: round {round_!r} is not an "
                                             "integer ≥ 1")
    signature = _hex(o, "signature", SIGNATURE_SIZE, "round JSON")
    randomness = _hex(o, "randomness", HASH_SIZE, "round JSON")
    if round_ != expected_round:
        raise BeaconError(BeaconFault.ROUND_MISMATCH,
                          f"round JSON is round {round_}; the ceremony's beacon round is "
                          f"{expected_round}")
    verify_signature(chain, round_, signature)
    if hashlib.sha256(signature).digest() != randomness:
        raise BeaconError(BeaconFault.RANDOMNESS,
                          f"round {round_}: randomness is not SHA-256 of the signature")
    return BeaconRound(round_, signature, randomness)


# ---------------------------------------------------------------- the schedule


def unix_time(text: str) -> int:
    """A §1 time `YYYY-MM-DDTHH:MM:SSZ` as Unix seconds."""
    try:
        if not _TIME.fullmatch(text):
            raise ValueError(text)
        return int(dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.UTC).timestamp())
    except (TypeError, ValueError):
        raise BeaconError(BeaconFault.SCHEDULE, f"{text!r} is not a time (§1)") from None


def protocol_time(t: int) -> str:
    """Unix seconds as a §1 time."""
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PostponeReason(StrEnum):
    """Why a ceremony's beacon round was moved (§5.6); never a re-draw."""

    PHYSICAL_ENTROPY_LATE = "physical-entropy-late"
    ROUND_NOT_PUBLISHED = "round-not-published"


def _fail(message: str) -> BeaconError:
    return BeaconError(BeaconFault.SCHEDULE, message)


@dataclass(frozen=True, slots=True)
class BeaconSchedule:
    """A ceremony's beacon timing in force (§5.6): the dice deadline and the round.

    Each step returns the next schedule or raises; replaying a ceremony's
    `ceremony_opened`, `beacon_postponed` and `physical_entropy` entries in log
    order gives the round its `beacon` entry must carry.
    """

    chain: BeaconChain
    physical_entropy_by: int
    round: int
    physical_entropy_at: int | None = None

    @classmethod
    def open(cls, chain: BeaconChain, opened_at: int, physical_entropy_by: int) -> BeaconSchedule:
        """`ceremony_opened`: the round is the first one after the dice deadline."""
        if physical_entropy_by <= opened_at:
            raise _fail("physical_entropy_by must be later than the ceremony's opening")
        return cls(chain, physical_entropy_by, chain.round_after(physical_entropy_by))

    @classmethod
    def opened(cls, chain: BeaconChain, opened_at: int, physical_entropy_by: int,
               beacon_round: int) -> BeaconSchedule:
        """Check a logged `ceremony_opened`'s `physical_entropy_by` and `beacon_round`."""
        schedule = cls.open(chain, opened_at, physical_entropy_by)
        if beacon_round != schedule.round:
            raise _fail(f"beacon_round {beacon_round}: the first round after "
                        f"{protocol_time(physical_entropy_by)} is {schedule.round}")
        return schedule

    @property
    def round_time(self) -> int:
        return self.chain.round_time(self.round)

    def physical_entropy(self, at: int) -> BeaconSchedule:
        """The dice are logged at `at`: no later than the deadline in force."""
        if self.physical_entropy_at is not None:
            raise _fail("the physical entropy was already logged")
        if at > self.physical_entropy_by:
            raise _fail(f"physical entropy at {protocol_time(at)} is after its deadline "
                        f"{protocol_time(self.physical_entropy_by)}: postpone first")
        return replace(self, physical_entropy_at=at)

    def postpone(self, reason: PostponeReason, at: int,
                 physical_entropy_by: int | None = None) -> BeaconSchedule:
        """The schedule after a `beacon_postponed` logged at `at` (§5.6).

        physical-entropy-late: before the dice, after their deadline; the new
        deadline (> at) fixes the new round. round-not-published: after the
        dice, at least BEACON_WAIT after the round's time; the new round is the
        first after at + BEACON_WAIT, the deadline unchanged.
        """
        if reason is PostponeReason.PHYSICAL_ENTROPY_LATE:
            if self.physical_entropy_at is not None:
                raise _fail("physical-entropy-late after the physical entropy was logged")
            if at <= self.physical_entropy_by:
                raise _fail(f"physical-entropy-late at {protocol_time(at)}, before the "
                            f"deadline {protocol_time(self.physical_entropy_by)} passed")
            if physical_entropy_by is None or physical_entropy_by <= at:
                raise _fail("physical-entropy-late needs a new deadline later than itself")
            return replace(self, physical_entropy_by=physical_entropy_by,
                           round=self.chain.round_after(physical_entropy_by))
        if self.physical_entropy_at is None:
            raise _fail("round-not-published before the physical entropy was logged")
        if at < self.round_time + BEACON_WAIT:
            raise _fail(f"round {self.round} is due {protocol_time(self.round_time)}; it may "
                        f"be declared missing from {protocol_time(self.round_time + BEACON_WAIT)}")
        if physical_entropy_by is not None and physical_entropy_by != self.physical_entropy_by:
            raise _fail("round-not-published does not move the physical-entropy deadline")
        return replace(self, round=self.chain.round_after(at + BEACON_WAIT))

    def postponed(self, body: dict[str, Any], at: int) -> BeaconSchedule:
        """Check a logged `beacon_postponed` body against the rule and return the next schedule."""
        try:
            reason = PostponeReason(body["reason"])
        except ValueError:
            raise _fail(f"unknown postponement reason {body['reason']!r}") from None
        if body["round"] != self.round:
            raise _fail(f"beacon_postponed names round {body['round']}; the round in force "
                        f"is {self.round}")
        after = self.postpone(reason, at, unix_time(body["physical_entropy_by"]))
        if body["beacon_round"] != after.round:
            raise _fail(f"beacon_postponed.beacon_round {body['beacon_round']}: the rule gives "
                        f"{after.round}")
        return after

    def postponement_body(self, ceremony: str, previous: BeaconSchedule,
                          reason: PostponeReason) -> dict[str, Any]:
        """The `beacon_postponed` entry body that moved `previous` to this schedule."""
        return {"ceremony": ceremony, "reason": reason.value, "round": previous.round,
                "physical_entropy_by": protocol_time(self.physical_entropy_by),
                "beacon_round": self.round}


def replay_schedule(chain: BeaconChain, events: Sequence[dict[str, Any]]) -> BeaconSchedule:
    """The schedule after one ceremony's beacon-relevant entries, in log order.

    Each event is {"type", "time", …body members}: `ceremony_opened` first, then
    any `beacon_postponed` and at most one `physical_entropy`.
    """
    if not events or events[0].get("type") != "ceremony_opened":
        raise _fail("the schedule starts with ceremony_opened")
    first = events[0]
    schedule = BeaconSchedule.opened(chain, unix_time(first["time"]),
                                     unix_time(first["physical_entropy_by"]),
                                     first["beacon_round"])
    for event in events[1:]:
        at = unix_time(event["time"])
        if event["type"] == "physical_entropy":
            schedule = schedule.physical_entropy(at)
        elif event["type"] == "beacon_postponed":
            schedule = schedule.postponed(event, at)
        else:
            raise _fail(f"{event['type']} is not a beacon schedule entry")
    return schedule
