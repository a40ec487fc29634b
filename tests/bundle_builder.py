"""Build small protocol-v2 audit bundles by hand, straight from PROTOCOL.md.

Independent of the verifier and the service: canonical JSON via ``rfc8785``,
hashes and HMACs via ``hashlib``/``hmac``, signatures and escrows via
``cryptography``. The draw is kept hand-checkable: school S001 (district
approved, quota 2) is over-subscribed in its district stage, so the two lowest
numbers win; S002 (quota 10) is under-subscribed and returns 8 seats. The
lottery schools' cohorts have one class each; two public schools (no lottery
record, §3.2) bring the §9 v2 cases: S003 unequal capacities (public targets) with
together twins, apart siblings, a 同名 pair and small strata, S004 alike classes
with an empty seat. Their classes, E and grouping_summary come from the reference
of tests/vectors/generate_grouping.py (a literal §9 transcription independent of
the verifier and the service); matching (§10) is computed here.

`build_season` logs a whole season (windows, three ceremonies, results, two
payment rounds, notifications, publication) and writes the sealed openings
beside the bundle; `build_lottery_event` stops after the bias audit.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import os
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote

import rfc8785
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tests.paths import VECTORS
from tests.vectors.generate_grouping import reference_group

EVENT = "demo-2026"
PREFIX = "draw.example.cn/test"
WITNESS = "witness.example.cn/w1"
Obj = dict[str, Any]


def H(tag: str, m: bytes) -> bytes:
    return hashlib.sha256(tag.encode() + b"\x00" + m).digest()


def K(key: bytes, tag: str, ident: str) -> bytes:
    return hmac.new(key, tag.encode() + b"\x00" + ident.encode(), hashlib.sha256).digest()


def canon(v: Any) -> bytes:
    return rfc8785.dumps(v)


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH, recursive as in the RFC text."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def vkey(name: str, alg: int, pub: bytes) -> tuple[str, bytes]:
    kid = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + pub).digest()[:4]
    return f"{name}+{kid.hex()}+{b64(bytes([alg]) + pub)}", kid


def origin_of(rehearsal: bool) -> str:
    """§12.1: <prefix>/<event>, or <prefix>/rehearsal/<event> for a rehearsal (§19)."""
    return f"{PREFIX}/rehearsal/{EVENT}" if rehearsal else f"{PREFIX}/{EVENT}"


def signed_note(lines: list[bytes], size: int, log_key: Ed25519PrivateKey,
                witness_key: Ed25519PrivateKey | None, origin: str) -> str:
    """The §12 checkpoint of the first `size` entries, signed by the log key (type 0x01,
    key name = origin) and cosigned (tlog-cosignature/v1, 0x04) by the witness."""
    text = f"{origin}\n{size}\n{b64(mth(lines[:size]))}\n"
    _, kid = vkey(origin, 1, log_key.public_key().public_bytes_raw())
    out = f"{text}\n— {origin} {b64(kid + log_key.sign(text.encode()))}\n"
    if witness_key is not None:
        _, wkid = vkey(WITNESS, 4, witness_key.public_key().public_bytes_raw())
        ts = 1782900000 + size
        msg = f"cosignature/v1\ntime {ts}\n".encode() + text.encode()
        out += f"— {WITNESS} {b64(wkid + struct.pack('>Q', ts) + witness_key.sign(msg))}\n"
    return out


def write_files(root: Path, files: dict[str, bytes]) -> Path:
    """Lay out a bundle given as relative path -> bytes (the checkpoints and keys
    folders always exist, as the service writes them)."""
    (root / "checkpoints").mkdir(parents=True)
    (root / "keys").mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def _time(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(t: str) -> dt.datetime:
    return dt.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


@dataclass
class Builder:
    """Appends entries one minute apart (or at a given time), signs checkpoints and
    lays out the bundle; `openings` collects the sealed openings (§17.3)."""

    rehearsal: bool = False
    log_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    witness_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    lines: list[bytes] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)
    clock: dt.datetime = field(default_factory=lambda: _parse("2026-05-20T02:00:00Z"))
    openings: list[Obj] = field(default_factory=list)
    rejections: list[bytes] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return origin_of(self.rehearsal)

    def at(self, when: str) -> None:
        """Move the clock forward to `when` (times never decrease, §11.1)."""
        self.clock = max(self.clock, _parse(when))

    def add(self, type_: str, body: Obj) -> None:
        self.lines.append(canon({"v": 2, "event": EVENT, "seq": len(self.lines),
                                 "time": _time(self.clock), "type": type_, "body": body}))
        self.clock += dt.timedelta(minutes=1)

    def checkpoint(self) -> str:
        size = len(self.lines)
        self.notes[size] = signed_note(self.lines, size, self.log_key, self.witness_key,
                                       self.origin)
        return self.notes[size]

    def log_vkey(self) -> str:
        return vkey(self.origin, 1, self.log_key.public_key().public_bytes_raw())[0]

    def witness_vkey(self) -> str:
        return vkey(WITNESS, 4, self.witness_key.public_key().public_bytes_raw())[0]

    def policy(self) -> str:
        """§13.1, the subset the service writes: one witness, quorum 1."""
        return (f"log {self.log_vkey()}\nwitness {WITNESS} {self.witness_vkey()}\n"
                f"group sunshine-witnesses 1 {WITNESS}\nquorum sunshine-witnesses\n")

    def files(self) -> dict[str, bytes]:
        """The §13 bundle as relative path -> bytes."""
        out = {"entries.jsonl": b"".join(x + b"\n" for x in self.lines)}
        for size, note in self.notes.items():
            out[f"checkpoints/{size}.note"] = note.encode()
        out["keys/log.vkey"] = (self.log_vkey() + "\n").encode()
        out[f"keys/witness-{quote(WITNESS, safe='')}.vkey"] = (self.witness_vkey()
                                                                + "\n").encode()
        out["keys/tlog-policy.txt"] = self.policy().encode()
        out["README.md"] = b"python -m verifier <this folder>\n"
        return out

    def openings_bytes(self) -> bytes:
        """openings.jsonl (§17.3): header, attribute openings, rejection leaves."""
        head = {"type": "openings", "version": 2, "event": EVENT, "origin": self.origin}
        return b"".join(x + b"\n" for x in [canon(head), *map(canon, self.openings),
                                            *sorted(self.rejections)])

    def write(self, root: Path) -> Path:
        write_files(root, self.files())
        (root.parent / f"{root.name}.openings.jsonl").write_bytes(self.openings_bytes())
        return root


def openings_path(root: Path) -> Path:
    """Where `Builder.write` put the sealed openings (never inside the bundle)."""
    return root.parent / f"{root.name}.openings.jsonl"


def rules(rehearsal: bool = False, beacon: Obj | None = None) -> Obj:
    return {"type": "rules", "version": 2, "event": EVENT, "origin": origin_of(rehearsal),
            "rehearsal": rehearsal, "title": "2026年演示招生", "year": 2026, "grade": 1,
            "high_fee_threshold": 6000, "waitlist_promotion": True, "dice": 20,
            "beacon": beacon}


SCHOOLS = [
    {"type": "school", "id": "S001", "name": "阳光学校", "district": "D01",
     "authority": "district", "tuition": 5000, "quota": 2, "community_quota": 0,
     "nine_year": False},
    {"type": "school", "id": "S002", "name": "明德学校", "district": "D02",
     "authority": "district", "tuition": 5000, "quota": 10, "community_quota": 0,
     "nine_year": False},
]
GENDER = {f"R00{k}": "FM"[k % 2] for k in range(1, 6)} | {"R101": "F", "R102": "M"}
SCHOOL_NAME = {s["id"]: s["name"] for s in SCHOOLS}


def _salt(ceremony: str, reg: str) -> bytes:
    return hashlib.sha256(f"salt {ceremony}/{reg}".encode()).digest()


def attrs(b: Builder, ceremony: str, reg: str, gender: str, strata: list[str]) -> str:
    """§17.1: the commitment, and its opening kept for openings.jsonl."""
    salt = _salt(ceremony, reg)
    b.openings.append({"type": "attributes", "ceremony": ceremony, "reg": reg,
                       "gender": gender, "strata": strata, "salt": salt.hex()})
    return H("sunshine-draw/v2/attributes", canon({"reg": reg, "gender": gender,
                                                  "strata": strata, "salt": salt.hex()})).hex()


def applicant(b: Builder, reg: str, school: str, district: str) -> Obj:
    return {"type": "applicant", "reg": reg, "name": "张*明", "school": school,
            "district": district, "reg_day": "2026-06-11", "direct": False,
            "community": False, "unit": reg, "attrs": attrs(b, "lottery", reg, GENDER[reg], [])}


def applicants(b: Builder) -> list[Obj]:
    return [applicant(b, f"R00{k}", "S001", "D01") for k in range(1, 6)] + [
        applicant(b, "R101", "S002", "D02"), applicant(b, "R102", "S002", "D02")]


def seal(secret: bytes, commitment: bytes, holder_pub: bytes) -> str:
    """§5.4 escrow."""
    e = X25519PrivateKey.generate()
    z = e.exchange(X25519PublicKey.from_public_bytes(holder_pub))
    big_e = e.public_key().public_bytes_raw()
    k = HKDF(algorithm=hashes.SHA256(), length=32, salt=big_e + holder_pub,
             info=b"sunshine-draw/v2/escrow\x00" + commitment).derive(z)
    return b64(big_e + AESGCM(k).encrypt(b"\x00" * 12, secret, commitment))


ROLES = {"bureau": "bureau", "notary": "notary", "parent-rep": "parent-rep",
         "supervisor": "supervisor"}


def _role(participant: str) -> str:
    """bureau-1 → bureau, parent-rep-1 → parent-rep (§5.2 roles)."""
    return ROLES[participant.rsplit("-", 1)[0]]


def _secret(ceremony: str, participant: str) -> bytes:
    return hashlib.sha256(f"{ceremony}/{participant}".encode()).digest()


def sort_records(records: list[Obj]) -> list[Obj]:
    """§3.3, §11.1: records are logged in the input tree's (bytewise) order."""
    return sorted(records, key=canon)


def rejection_leaf(reg: str, school: str, code: str) -> bytes:
    return canon({"type": "rejection", "event": EVENT, "reg": reg, "school": school,
                  "code": code, "salt": _salt("rejection", reg).hex()})


@dataclass(frozen=True)
class Beacon:
    """A real drand quicknet round (tests/vectors/beacon.json) and the schedule around it."""

    chain: Obj
    round: int
    randomness: str
    signature: str
    opened: str
    deadline: str
    dice: str
    postpone: str | None = None
    """Time of a physical-entropy-late postponement to `deadline` (first deadline 30 min
    after the opening)."""


def quicknet_round(number: int = 1000, postponed: bool = False) -> Beacon:
    data = json.loads((VECTORS / "beacon.json").read_text("utf-8"))
    chain = data["chains"]["quicknet"]["beacon"]
    case = next(c for c in data["round_cases"] if c["chain"] == "quicknet"
                and c["expected_round"] == number and isinstance(c.get("expected"), dict))
    r = json.loads(case["json"])
    due = chain["genesis_time"] + (number - 1) * chain["period"]
    when = dt.datetime.fromtimestamp(due, dt.UTC)
    deadline = when - dt.timedelta(seconds=1)  # round_after(deadline) = number
    opened = when - dt.timedelta(hours=2)
    return Beacon(chain, number, r["randomness"], r["signature"], _time(opened),
                  _time(deadline), _time(deadline - dt.timedelta(minutes=1)),
                  _time(opened + dt.timedelta(minutes=40)) if postponed else None)


def run_ceremony(b: Builder, name: str, records: list[Obj], rules_hash: bytes, *,
                 committed: tuple[str, ...] = ("bureau-1", "notary-1"),
                 absent: frozenset[str] = frozenset(), settle: dict[str, str] | None = None,
                 junk: frozenset[str] = frozenset(), release: str | None = None,
                 rejections: list[bytes] | None = None, commit_at: str | None = None,
                 amend: list[Obj] | None = None, beacon: Beacon | None = None) -> bytes:
    """One §5.1 ceremony, from ceremony_opened to the seed; returns the seed.

    ``committed`` participants commit; those in ``absent`` never do and are void
    with reason no-commitment right after commitments_closed (§5.4). ``settle``
    maps a committed participant to "reveal" (default), "escrow_opened",
    "escrow-invalid" or "escrow-holder-absent". Participants in ``junk`` seal a
    random secret instead of theirs. ``release`` logs ``escrow_key_released``:
    "after-seed", "before-seed", "twice" or "wrong-key". ``amend`` is a first input,
    frozen, then withdrawn before any commitment (§5.1 (3)). ``commit_at`` is when the
    commitments start (the ceremony's window, §11.4).
    """
    settle = settle or {}
    ids = sorted({*committed, *absent})
    participants = [{"id": p, "role": _role(p)} for p in ids]
    p_hash = H("sunshine-draw/v2/participants", canon(participants))
    holder = X25519PrivateKey.generate()
    holder_pub = holder.public_key().public_bytes_raw()
    if beacon is not None:
        b.at(beacon.opened)
    first_deadline = "" if beacon is None else beacon.deadline if beacon.postpone is None \
        else _time(_parse(beacon.opened) + dt.timedelta(minutes=30))
    b.add("ceremony_opened", {
        "ceremony": name, "participants": participants, "participants_hash": p_hash.hex(),
        "escrow_key": b64(holder_pub),
        "physical_entropy_by": None if beacon is None else first_deadline,
        "beacon_round": None if beacon is None else _round_after(beacon.chain, first_deadline)})

    def freeze(recs: list[Obj]) -> tuple[bytes, int]:
        if name == "lottery":
            leaves = sorted(rejections or [])
            b.add("eligibility_rejections", {"count": len(leaves), "root": mth(leaves).hex()})
        recs = sort_records(recs)
        for k in range(0, len(recs), 250):
            b.add("input_records", {"ceremony": name, "records": recs[k:k + 250]})
        root = mth([canon(r) for r in recs])
        b.add("input_frozen", {"ceremony": name, "root": root.hex(), "size": len(recs)})
        return root, len(recs)

    if amend is not None:
        freeze(amend)
        b.add("input_withdrawn", {"ceremony": name, "reason": "名单有误，重新导入"})
    input_root, size = freeze(records)
    b.checkpoint()
    if commit_at is not None and beacon is None:
        b.at(commit_at)
    coms: dict[str, bytes | None] = dict.fromkeys(ids)
    for p in committed:
        sec = _secret(name, p)
        com = H("sunshine-draw/v2/commitment",
                canon({"ceremony": name, "event": EVENT, "participant": p,
                       "secret": sec.hex()}))
        coms[p] = com
        sealed = os.urandom(32) if p in junk else sec
        b.add("commitment", {"ceremony": name, "participant": p,
                             "commitment": com.hex(), "escrow": seal(sealed, com, holder_pub)})
    b.add("commitments_closed", {"ceremony": name})
    for p in sorted(absent):
        b.add("contribution_void", {"ceremony": name, "participant": p,
                                    "reason": "no-commitment"})
    b.checkpoint()
    settled: dict[str, bytes | None] = dict.fromkeys(absent)
    for p in committed:
        how = settle.get(p, "reveal")
        if how in ("escrow-invalid", "escrow-holder-absent"):
            b.add("contribution_void", {"ceremony": name, "participant": p, "reason": how})
            settled[p] = None
        else:
            b.add(how, {"ceremony": name, "participant": p, "secret": _secret(name, p).hex()})
            settled[p] = _secret(name, p)
    if beacon is not None and beacon.postpone is not None:
        b.at(beacon.postpone)
        b.add("beacon_postponed", {
            "ceremony": name, "reason": "physical-entropy-late",
            "round": _round_after(beacon.chain, first_deadline),
            "physical_entropy_by": beacon.deadline, "beacon_round": beacon.round})
    if beacon is not None:
        b.at(beacon.dice)
    dice = [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 6, 2, 6, 4, 3, 3, 2, 3, 6, 4]
    b.add("physical_entropy", {"ceremony": name, "witness": "notary-1", "values": dice})
    if beacon is not None:
        b.add("beacon", {"ceremony": name, "chain": beacon.chain["chain"],
                         "round": beacon.round, "randomness": beacon.randomness,
                         "signature": beacon.signature})
    contributions = []
    for p in ids:
        com_p, sec_p = coms[p], settled[p]
        contributions.append({"participant": p,
                              "commitment": None if com_p is None else com_p.hex(),
                              "secret": None if sec_p is None else sec_p.hex()})
    seed_in = {"event": EVENT, "ceremony": name, "rules": rules_hash.hex(),
               "participants": p_hash.hex(), "input_root": input_root.hex(),
               "input_size": size, "contributions": contributions, "physical": dice,
               "beacon": None if beacon is None else beacon.randomness}
    seed = H("sunshine-draw/v2/seed", canon(seed_in))

    def released(key: X25519PrivateKey) -> None:
        b.add("escrow_key_released", {"ceremony": name,
                                      "private_key": b64(key.private_bytes_raw())})

    if release == "before-seed":
        released(holder)
    b.add("seed", {"ceremony": name, "seed": seed.hex(), "input_root": input_root.hex(),
                   "input_size": size})
    if release in ("after-seed", "twice"):
        released(holder)
    if release == "twice":
        released(holder)
    if release == "wrong-key":
        released(X25519PrivateKey.generate())
    b.checkpoint()
    return seed


def _round_after(chain: Obj, t: str) -> int:
    """§5.6: the smallest r ≥ 1 with genesis + (r − 1)·period > t."""
    s = int(_parse(t).timestamp())
    if s < chain["genesis_time"]:
        return 1
    return (s - chain["genesis_time"]) // chain["period"] + 2


@dataclass(frozen=True)
class Lottery:
    """What the hand-computed draw left for the payment window."""

    seed: bytes
    s001_order: list[str]
    """S001's applicants in lottery order; the first two are admitted."""


def _stage(stage: str, seats: int, applicants: int, admitted: int, lottery: bool,
           cutoff: str | None) -> Obj:
    return {"stage": stage, "seats": seats, "applicants": applicants, "admitted": admitted,
            "lottery": lottery, "cutoff": cutoff}


def _result(school: str, reg: str, outcome: str, rank: int, waiting: int | None,
            cutoff: str | None) -> Obj:
    return {"school": school, "reg": reg, "unit": reg, "outcome": outcome,
            "stage": "district", "rank": rank, "waiting": waiting, "cutoff": cutoff}


def _lottery(b: Builder, rules_hash: bytes, tamper: str | None, amend: bool = False,
             beacon: Beacon | None = None, **ceremony: Any) -> Lottery:
    """The lottery ceremony, then every school's results and the bias audit (§6–§8)."""
    leaf = rejection_leaf("R999", "S001", "P1-residence")
    b.rejections.append(leaf)
    recs = SCHOOLS + applicants(b)
    wrong = [*recs, {**SCHOOLS[0], "id": "S003"}] if amend else None
    if beacon is None:
        b.at("2026-06-20T16:10:00Z")
    seed = run_ceremony(b, "lottery", recs, rules_hash, rejections=[leaf], amend=wrong,
                        commit_at="2026-07-01T01:00:00Z", beacon=beacon, **ceremony)

    def num(reg: str) -> bytes:
        return K(seed, "sunshine-draw/v2/lottery-number", reg)

    # S001: 5 single applicants for 2 district seats: the two lowest numbers win.
    s1 = sorted((f"R00{k}" for k in range(1, 6)), key=num)
    winners = s1[:2]
    cut = num(winners[-1]).hex()
    b.add("lottery_summary", {"school": "S001", "name": "阳光学校", "quota": 2,
                              "applicants": 5, "admitted": 2, "returned_to_bureau": 0,
                              "stages": [_stage("direct", 2, 0, 0, False, None),
                                         _stage("community", 0, 0, 0, False, None),
                                         _stage("district", 2, 5, 2, True, cut)]})
    recs1 = {reg: _result("S001", reg, "admitted" if reg in winners else "not_admitted",
                          rank, None if reg in winners else rank - 2, cut)
             for rank, reg in enumerate(s1, 1)}
    if tamper == "swap-winner":
        a, c = s1[1], s1[2]
        recs1[a]["outcome"], recs1[c]["outcome"] = "not_admitted", "admitted"
    for reg in sorted(recs1):
        b.add("lottery_result", recs1[reg])
    b.add("lottery_summary", {"school": "S002", "name": "明德学校", "quota": 10,
                              "applicants": 2, "admitted": 2, "returned_to_bureau": 8,
                              "stages": [_stage("direct", 10, 0, 0, False, None),
                                         _stage("community", 0, 0, 0, False, None),
                                         _stage("district", 10, 2, 2, False, None)]})
    s2 = sorted(["R101", "R102"], key=num)
    for reg in ("R101", "R102"):
        b.add("lottery_result", _result("S002", reg, "admitted", s2.index(reg) + 1, None, None))
    b.add("bias_audit", {"dimensions": bias_dimensions(s1, winners)})
    b.checkpoint()
    return Lottery(seed, s1)


def _windows(b: Builder) -> None:
    """§11.4: one window per phase, each closing before the step that waits for it."""
    for phase, opens, closes in (
            ("registration", "2026-06-01T00:00:00Z", "2026-06-20T16:00:00Z"),
            ("lottery_ceremony", "2026-07-01T00:00:00Z", "2026-07-01T10:00:00Z"),
            ("payment", "2026-07-02T00:00:00Z", "2026-07-10T10:00:00Z"),
            ("cohort", "2026-07-20T00:00:00Z", "2026-08-10T10:00:00Z"),
            ("grouping_ceremony", "2026-08-15T00:00:00Z", "2026-08-15T10:00:00Z"),
            ("teachers", "2026-08-16T00:00:00Z", "2026-08-20T10:00:00Z"),
            ("teacher_ceremony", "2026-08-21T00:00:00Z", "2026-08-21T10:00:00Z")):
        b.add("window_set", {"phase": phase, "opens": opens, "closes": closes,
                             "daily": {"from": "08:00", "to": "00:00"}
                             if phase == "registration" else None})


def build_lottery_event(root: Path, *, tamper: str | None = None,
                        settle: dict[str, str] | None = None, junk: frozenset[str] = frozenset(),
                        release: str | None = None, absent: frozenset[str] = frozenset(),
                        rehearsal: bool = False, amend: bool = False,
                        beacon: Beacon | None = None) -> Builder:
    """event_created, one lottery ceremony (bureau-1, notary-1 and ``absent``), its
    results and the bias audit; options as in `run_ceremony`. With ``beacon`` the rules
    name drand quicknet and the times are those of that real round (no windows)."""
    b = Builder(rehearsal=rehearsal)
    r = rules(rehearsal, None if beacon is None else beacon.chain)
    rules_hash = H("sunshine-draw/v2/rules", canon(r))
    if beacon is not None:
        b.clock = _parse(beacon.opened) - dt.timedelta(hours=1)
    b.add("event_created", {"rules": r, "rules_hash": rules_hash.hex()})
    b.checkpoint()
    _lottery(b, rules_hash, tamper, amend=amend, beacon=beacon, settle=settle, junk=junk,
             release=release, absent=absent)
    b.write(root)
    return b


PUBLIC_SCHOOLS = {"S003": ("实验小学", [4, 6, 6]), "S004": ("育才小学", [45, 45])}
"""Public schools taking part in grouping only: name and class capacities."""
PUBLIC_PUPILS: list[tuple[str, str, str, list[str], tuple[str, str] | None, str | None]] = [
    # reg, school, gender, strata, siblings (group, mode), same_name
    ("R201", "S003", "F", ["sen"], ("T1", "together"), None),
    ("R202", "S003", "F", ["sen"], ("T1", "together"), None),
    ("R203", "S003", "M", [], ("A1", "apart"), None),
    ("R204", "S003", "F", [], ("A1", "apart"), None),
    ("R205", "S003", "M", [], None, "N1"),
    ("R206", "S003", "M", [], None, "N1"),
    ("R207", "S003", "F", [], None, None),
    ("R208", "S003", "M", ["ell"], None, None),
    ("R209", "S003", "F", [], None, None),
    ("R210", "S003", "M", [], None, None),
    ("R211", "S003", "F", [], None, None),
    ("R212", "S003", "M", ["ell", "sen"], None, None),
    ("R213", "S003", "F", [], None, None),
    ("R301", "S004", "F", [], None, None),
    ("R302", "S004", "M", [], ("A2", "apart"), None),
    ("R303", "S004", "M", [], ("A2", "apart"), None),
    ("R304", "S004", "F", ["sen"], None, None),
    ("R305", "S004", "M", [], None, None),
]


def pupil(b: Builder, reg: str, school: str, gender: str, strata: list[str],
          siblings: tuple[str, str] | None = None, same_name: str | None = None) -> Obj:
    """The §3.2 record, its opening kept; `opened` below is the same pupil with its
    gender and strata, as the reference grouping takes it."""
    return {"type": "pupil", "reg": reg, "name": "张*明", "school": school,
            "attrs": attrs(b, "grouping", reg, gender, strata),
            "siblings": None if siblings is None else {"group": siblings[0],
                                                       "mode": siblings[1]},
            "same_name": same_name}


def opened(record: Obj, gender: str, strata: list[str]) -> Obj:
    return {k: v for k, v in record.items() if k != "attrs"} | {"gender": gender,
                                                                "strata": strata}


def match(seed: bytes, school: str, teachers: list[str], classes: list[str]
          ) -> list[tuple[str, str]]:
    """§10: classes by id, teachers by (K(t, teacher-key, school/id), id), pairwise."""
    order = sorted(teachers, key=lambda t: (K(seed, "sunshine-draw/v2/teacher-key",
                                              f"{school}/{t}"), t))
    return list(zip(sorted(classes), order, strict=True))


def build_season(root: Path, *, absent: frozenset[str] = frozenset({"parent-rep-1"}),
                 settle: dict[str, str] | None = None, rehearsal: bool = False,
                 amend: bool = False) -> Builder:
    """A whole season by hand (§5–§11), every ceremony releasing its escrow key; the
    lottery has ``absent`` participants who never commit.

    §7.5: in round 1 the first S001 winner forfeits (unpaid); its place is freed
    and goes to the front of the waiting order (S001's third number). Round 2
    settles that promotion and promotes nobody, which ends the window.
    """
    b = Builder(rehearsal=rehearsal)
    r = rules(rehearsal)
    rules_hash = H("sunshine-draw/v2/rules", canon(r))
    b.add("event_created", {"rules": r, "rules_hash": rules_hash.hex()})
    _windows(b)
    b.add("locks_recorded", {"count": 0})
    lot = _lottery(b, rules_hash, None, amend=amend, absent=absent, settle=settle,
                   release="after-seed")
    b.add("notifications_sent", {"topic": "draw", "round": None, "messages": 7})
    b.add("published", {"ceremony": "lottery"})
    b.at("2026-07-03T01:00:00Z")
    b.add("notifications_sent", {"topic": "payment_reminder", "round": None, "messages": 4})
    first, second, promoted = lot.s001_order[:3]
    b.at("2026-07-05T10:00:00Z")
    b.add("forfeit", {"round": 1, "reg": first, "school": "S001", "reason": "unpaid"})
    b.add("payment_round", {"round": 1, "forfeits": 1, "locks": 0})
    b.add("promotion", {"round": 1, "school": "S001", "reg": promoted, "unit": promoted,
                        "waiting": 1})
    b.add("promotions", {"round": 1, "school": "S001", "freed": 1, "promoted": 1,
                         "returned_to_bureau": 0})
    b.add("notifications_sent", {"topic": "forfeit", "round": 1, "messages": 1})
    b.add("notifications_sent", {"topic": "promotion", "round": 1, "messages": 1})
    b.at("2026-07-08T10:00:00Z")
    b.add("payment_round", {"round": 2, "forfeits": 0, "locks": 0})
    b.at("2026-07-10T10:00:00Z")
    b.add("payments_closed", {"rounds": 2})
    b.checkpoint()
    cohort = {"S001": sorted([second, promoted]), "S002": ["R101", "R102"]}
    pupils, reference = [], []
    for s, regs in cohort.items():
        for reg in regs:
            strata = ["sen"] if reg == "R101" else []
            pupils.append(pupil(b, reg, s, GENDER[reg], strata))
            reference.append(opened(pupils[-1], GENDER[reg], strata))
    for reg, s, gender, strata, siblings, same in PUBLIC_PUPILS:
        pupils.append(pupil(b, reg, s, gender, strata, siblings, same))
        reference.append(opened(pupils[-1], gender, strata))
    plans = [{"type": "class-plan", "school": s, "name": SCHOOL_NAME[s],
              "classes": [{"id": "01", "capacity": 40}]} for s in cohort]
    plans += [{"type": "class-plan", "school": s, "name": name,
               "classes": [{"id": f"{k:02d}", "capacity": c} for k, c in enumerate(caps, 1)]}
              for s, (name, caps) in PUBLIC_SCHOOLS.items()]
    b.at("2026-08-10T10:00:00Z")
    gseed = run_ceremony(b, "grouping", pupils + plans, rules_hash, release="after-seed",
                         commit_at="2026-08-15T01:00:00Z")
    grouped = reference_group(plans, reference, gseed)["schools"]
    for school in grouped:  # §11.3 (6): schools ascending, each summary then its results
        b.add("grouping_summary", school["summary"])
        for reg, klass in school["assignments"].items():
            b.add("grouping_result", {"school": school["school"], "reg": reg, "class": klass})
    b.add("published", {"ceremony": "grouping"})
    staff: dict[str, list[str]] = {}
    for plan in plans:
        staff[plan["school"]] = [f"T{len(staff) + 1}{k:02d}"
                                 for k in range(1, len(plan["classes"]) + 1)]
    teachers = [{"type": "teacher", "school": s, "id": t, "name": "李*"}
                for s, ids in staff.items() for t in ids]
    b.at("2026-08-20T10:00:00Z")
    tseed = run_ceremony(b, "teachers", teachers, rules_hash, release="after-seed",
                         commit_at="2026-08-21T01:00:00Z")
    for plan in sorted(plans, key=lambda p: p["school"]):
        s = plan["school"]
        for klass, t in match(tseed, s, staff[s], [c["id"] for c in plan["classes"]]):
            b.add("matching_result", {"school": s, "class": klass, "teacher": t, "name": "李*"})
    b.add("notifications_sent", {"topic": "class", "round": None, "messages": len(pupils)})
    b.add("published", {"ceremony": "teachers"})
    b.checkpoint()
    b.write(root)
    return b


def bias_dimensions(pool: list[str], winners: list[str]) -> list[Obj]:
    """§8 by hand for the one pool (S001 district): E_c = m_c·W/M, all in D01."""
    m, w = len(pool), len(winners)

    def dim(name: str, value_of: dict[str, str]) -> Obj:
        values = sorted({value_of[r] for r in pool})
        rows, chi2 = [], Fraction(0)
        for v in values:
            mc = sum(1 for r in pool if value_of[r] == v)
            wc = sum(1 for r in winners if value_of[r] == v)
            e = Fraction(mc * w, m)
            chi2 += (wc - e) ** 2 / e
            rows.append({"value": v, "applicants": mc, "winners": wc,
                         "expected_milli": math.floor(e * 1000 + Fraction(1, 2))})
        df = len(values) - 1
        testable = df >= 1
        # df is 0 or 1 here: Q(1/2, x) = erfc(sqrt(x)).
        p_ppm = (math.floor(1e6 * math.erfc(math.sqrt(float(chi2) / 2)) + 0.5) if testable
                 else 1_000_000)
        return {"dimension": name, "df": df,
                "chi2_milli": math.floor(chi2 * 1000 + Fraction(1, 2)), "p_ppm": p_ppm,
                "flag": testable and p_ppm < 1000, "testable": testable, "values": rows}

    return [dim("district", dict.fromkeys(pool, "D01")), dim("gender", GENDER),
            dim("reg_day", dict.fromkeys(pool, "2026-06-11"))]


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys
    build_season(Path(sys.argv[1]))
    print(json.dumps({"written": sys.argv[1], "pid": os.getpid()}))
