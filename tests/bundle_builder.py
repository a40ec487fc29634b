"""Build small §13 audit bundles by hand, straight from PROTOCOL.md.

Independent of the verifier's internals: canonical JSON via ``rfc8785``, hashes
and HMACs via ``hashlib``/``hmac``, signatures via ``cryptography``. The draw is
kept hand-checkable: school S001 is over-subscribed in its district stage (the
two lowest numbers win), S002 is under-subscribed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

EVENT = "demo-2026"
TIME = "2026-07-01T09:00:00Z"


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


def vkey(name: str, alg: int, pub: bytes) -> tuple[str, bytes]:
    kid = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + pub).digest()[:4]
    return f"{name}+{kid.hex()}+{base64.b64encode(bytes([alg]) + pub).decode()}", kid


def signed_note(lines: list[bytes], size: int, log_key: Ed25519PrivateKey,
                witness_key: Ed25519PrivateKey) -> str:
    """The §12 checkpoint of the first `size` entries, signed by the log key and
    cosigned (tlog-cosignature/v1) by the witness."""
    origin = f"sunshine-draw/{EVENT}"
    text = f"{origin}\n{size}\n{base64.b64encode(mth(lines[:size])).decode()}\n"
    _, kid = vkey(origin, 1, log_key.public_key().public_bytes_raw())
    sig = base64.b64encode(kid + log_key.sign(text.encode())).decode()
    _, wkid = vkey("witness.example/w1", 4, witness_key.public_key().public_bytes_raw())
    ts = 1782900000
    msg = f"cosignature/v1\ntime {ts}\n".encode() + text.encode()
    wsig = base64.b64encode(wkid + struct.pack(">Q", ts) + witness_key.sign(msg)).decode()
    return f"{text}\n— {origin} {sig}\n— witness.example/w1 {wsig}\n"


def write_files(root: Path, files: dict[str, bytes]) -> Path:
    """Lay out a bundle given as relative path -> bytes (the checkpoints and keys
    folders always exist, as the service writes them)."""
    (root / "checkpoints").mkdir(parents=True)
    (root / "keys").mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


@dataclass
class Builder:
    """Appends entries and signs checkpoints; ``write`` lays out the bundle."""

    log_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    witness_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    lines: list[bytes] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"sunshine-draw/{EVENT}"

    def add(self, type_: str, body: dict[str, Any]) -> None:
        self.lines.append(canon({"v": 1, "event": EVENT, "seq": len(self.lines), "time": TIME,
                                 "type": type_, "body": body}))

    def checkpoint(self) -> str:
        size = len(self.lines)
        self.notes[size] = signed_note(self.lines, size, self.log_key, self.witness_key)
        return self.notes[size]

    def files(self) -> dict[str, bytes]:
        """The §13 bundle as relative path -> bytes."""
        out = {"entries.jsonl": b"".join(x + b"\n" for x in self.lines)}
        for size, note in self.notes.items():
            out[f"checkpoints/{size}.note"] = note.encode()
        out["keys/log.vkey"] = (self.log_vkey() + "\n").encode()
        wpub = self.witness_key.public_key().public_bytes_raw()
        out["keys/witness-w1.vkey"] = (vkey("witness.example/w1", 4, wpub)[0] + "\n").encode()
        out["README.md"] = b"python -m verifier <this folder>\n"
        return out

    def write(self, root: Path) -> Path:
        return write_files(root, self.files())

    def log_vkey(self) -> str:
        return vkey(self.origin, 1, self.log_key.public_key().public_bytes_raw())[0]


RULES = {"type": "rules", "version": 1, "event": EVENT, "title": "2026年演示招生",
         "year": 2026, "grade": 1, "high_fee_threshold": 6000, "waitlist_promotion": True,
         "dice": 20, "beacon": None}
SCHOOLS = [
    {"type": "school", "id": "S001", "name": "阳光学校", "district": "D01",
     "authority": "district", "tuition": 5000, "quota": 2, "community_quota": 0,
     "nine_year": False},
    {"type": "school", "id": "S002", "name": "明德学校", "district": "D02",
     "authority": "district", "tuition": 5000, "quota": 10, "community_quota": 0,
     "nine_year": False},
]


def applicant(reg: str, school: str, district: str, gender: str) -> dict[str, Any]:
    return {"type": "applicant", "reg": reg, "name": "张*明", "school": school,
            "district": district, "gender": gender, "reg_day": "2026-06-11",
            "direct": False, "community": False, "unit": reg}


APPLICANTS = [applicant(f"R00{k}", "S001", "D01", "FM"[k % 2]) for k in range(1, 6)] + [
    applicant("R101", "S002", "D02", "F"), applicant("R102", "S002", "D02", "M")]


def seal(secret: bytes, commitment: bytes, holder_pub: bytes) -> str:
    """§5.4 escrow."""
    e = X25519PrivateKey.generate()
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    z = e.exchange(X25519PublicKey.from_public_bytes(holder_pub))
    big_e = e.public_key().public_bytes_raw()
    k = HKDF(algorithm=hashes.SHA256(), length=32, salt=big_e + holder_pub,
             info=b"sunshine-draw/v1/escrow\x00" + commitment).derive(z)
    return base64.b64encode(big_e + AESGCM(k).encrypt(b"\x00" * 12, secret, commitment)).decode()


ROLES = {"bureau": "bureau", "notary": "notary", "parent-rep": "parent-rep",
         "supervisor": "supervisor"}


def _role(participant: str) -> str:
    """bureau-1 → bureau, parent-rep-1 → parent-rep (§5.2 roles)."""
    return ROLES[participant.rsplit("-", 1)[0]]


def _secret(ceremony: str, participant: str) -> bytes:
    return hashlib.sha256(f"{ceremony}/{participant}".encode()).digest()


def run_ceremony(b: Builder, name: str, records: list[dict[str, Any]], rules_hash: bytes, *,
                 committed: tuple[str, ...] = ("bureau-1", "notary-1"),
                 absent: frozenset[str] = frozenset(), settle: dict[str, str] | None = None,
                 junk: frozenset[str] = frozenset(), release: str | None = None,
                 rejections: list[dict[str, str]] | None = None) -> bytes:
    """One §5.1 ceremony, from ceremony_opened to the seed; returns the seed.

    ``committed`` participants commit; those in ``absent`` never do and are void
    with reason no-commitment right after commitments_closed (§5.4). ``settle``
    maps a committed participant to how its contribution is settled: "reveal"
    (default), "escrow_opened", "escrow-invalid" or "escrow-holder-absent" (voids).
    Participants in ``junk`` seal a random secret instead of theirs (decrypts, does
    not match the commitment). ``release`` logs ``escrow_key_released``:
    "after-seed", "before-seed" (right before the seed), "twice" (two releases
    after the seed) or "wrong-key" (another key, after the seed).
    """
    settle = settle or {}
    ids = sorted({*committed, *absent})
    participants = [{"id": p, "role": _role(p)} for p in ids]
    p_hash = H("sunshine-draw/v1/participants", canon(participants))
    holder = X25519PrivateKey.generate()
    holder_pub = holder.public_key().public_bytes_raw()
    b.add("ceremony_opened", {"ceremony": name, "participants": participants,
                              "participants_hash": p_hash.hex(),
                              "escrow_key": base64.b64encode(holder_pub).decode(),
                              "beacon_round": None})
    if rejections:
        b.add("eligibility_rejections", {"rejections": rejections})
    b.add("input_records", {"ceremony": name, "records": records})
    leaves = sorted(canon(r) for r in records)
    input_root = mth(leaves)
    b.add("input_frozen", {"ceremony": name, "root": input_root.hex(), "size": len(leaves)})
    b.checkpoint()
    coms: dict[str, bytes | None] = dict.fromkeys(ids)
    for p in committed:
        sec = _secret(name, p)
        com = H("sunshine-draw/v1/commitment",
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
    dice = [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 6, 2, 6, 4, 3, 3, 2, 3, 6, 4]
    b.add("physical_entropy", {"ceremony": name, "witness": "notary-1", "values": dice})
    contributions = []
    for p in ids:
        com_p, sec_p = coms[p], settled[p]
        contributions.append({"participant": p,
                              "commitment": None if com_p is None else com_p.hex(),
                              "secret": None if sec_p is None else sec_p.hex()})
    seed_in = {"event": EVENT, "ceremony": name, "rules": rules_hash.hex(),
               "participants": p_hash.hex(), "input_root": input_root.hex(),
               "input_size": len(leaves), "contributions": contributions,
               "physical": dice, "beacon": None}
    seed = H("sunshine-draw/v1/seed", canon(seed_in))

    def released(key: X25519PrivateKey) -> None:
        b.add("escrow_key_released", {"ceremony": name, "private_key": base64.b64encode(
            key.private_bytes_raw()).decode()})

    if release == "before-seed":
        released(holder)
    b.add("seed", {"ceremony": name, "seed": seed.hex()})
    if release in ("after-seed", "twice"):
        released(holder)
    if release == "twice":
        released(holder)
    if release == "wrong-key":
        released(X25519PrivateKey.generate())
    b.checkpoint()
    return seed


@dataclass(frozen=True)
class Lottery:
    """What the hand-computed draw left for the payment window."""

    seed: bytes
    s001_order: list[str]
    """S001's applicants in lottery order; the first two are admitted."""


def _lottery(b: Builder, rules_hash: bytes, tamper: str | None, **ceremony: Any) -> Lottery:
    """The lottery ceremony, then every school's results and the bias audit (§6–§8)."""
    seed = run_ceremony(b, "lottery", SCHOOLS + APPLICANTS, rules_hash,
                        rejections=[{"reg": "R999", "school": "S001", "code": "P1-residence"}],
                        **ceremony)

    def num(reg: str) -> bytes:
        return K(seed, "sunshine-draw/v1/lottery-number", reg)

    # S001: 5 single applicants for 2 district seats: the two lowest numbers win.
    s1 = sorted((a["reg"] for a in APPLICANTS if a["school"] == "S001"), key=num)
    winners = s1[:2]
    stages_s1 = [
        {"stage": "direct", "seats": 2, "applicants": 0, "admitted": 0, "lottery": False,
         "cutoff": None},
        {"stage": "community", "seats": 0, "applicants": 0, "admitted": 0, "lottery": False,
         "cutoff": None},
        {"stage": "district", "seats": 2, "applicants": 5, "admitted": 2, "lottery": True,
         "cutoff": num(winners[-1]).hex()}]
    recs1 = []
    for rank, reg in enumerate(s1, 1):
        won = reg in winners
        recs1.append({"reg": reg, "number": num(reg).hex(), "unit": reg,
                      "outcome": "admitted" if won else "not_admitted", "stage": "district",
                      "rank": rank, "waiting": None if won else rank - 2})
    if tamper == "swap-winner":
        recs1[1]["outcome"], recs1[2]["outcome"] = "not_admitted", "admitted"
    recs1.sort(key=lambda r: r["reg"])
    b.add("lottery_results", {"school": "S001", "part": 0, "parts": 1,
                              "summary": {"quota": 2, "returned_to_bureau": 0,
                                          "stages": stages_s1}, "records": recs1})
    s2 = sorted(["R101", "R102"], key=num)
    stages_s2 = [
        {"stage": "direct", "seats": 10, "applicants": 0, "admitted": 0, "lottery": False,
         "cutoff": None},
        {"stage": "community", "seats": 0, "applicants": 0, "admitted": 0, "lottery": False,
         "cutoff": None},
        {"stage": "district", "seats": 10, "applicants": 2, "admitted": 2, "lottery": False,
         "cutoff": None}]
    recs2 = sorted(({"reg": reg, "number": num(reg).hex(), "unit": reg, "outcome": "admitted",
                     "stage": "district", "rank": rank, "waiting": None}
                    for rank, reg in enumerate(s2, 1)), key=lambda r: str(r["reg"]))
    b.add("lottery_results", {"school": "S002", "part": 0, "parts": 1,
                              "summary": {"quota": 10, "returned_to_bureau": 0,
                                          "stages": stages_s2}, "records": recs2})
    b.add("bias_audit", {"dimensions": bias_dimensions(s1, winners)})
    b.checkpoint()
    return Lottery(seed, s1)


def build_lottery_event(root: Path, *, tamper: str | None = None,
                        settle: dict[str, str] | None = None, junk: frozenset[str] = frozenset(),
                        release: str | None = None,
                        absent: frozenset[str] = frozenset()) -> Builder:
    """event_created, one lottery ceremony (bureau-1, notary-1 and ``absent``), its
    results and the bias audit; options as in `run_ceremony`."""
    b = Builder()
    rules_hash = H("sunshine-draw/v1/rules", canon(RULES))
    b.add("event_created", {"rules": RULES, "rules_hash": rules_hash.hex()})
    b.checkpoint()
    _lottery(b, rules_hash, tamper, settle=settle, junk=junk, release=release, absent=absent)
    b.write(root)
    return b


def pupil(reg: str, school: str, gender: str) -> dict[str, Any]:
    return {"type": "pupil", "reg": reg, "name": "张*明", "school": school, "gender": gender,
            "strata": [], "siblings": None, "same_name": None}


def build_season(root: Path, *, absent: frozenset[str] = frozenset({"parent-rep-1"}),
                 settle: dict[str, str] | None = None) -> Builder:
    """A whole season by hand (§5–§11): the lottery event above, two payment rounds,
    the grouping and teachers ceremonies, results, notifications and publication.

    Every ceremony releases its escrow key; the lottery has ``absent`` participants
    who never commit. Each school's class plan has a single class and a single
    head teacher, so grouping (§9) and matching (§10) are fixed by hand: everyone
    in class 01 with the school's one teacher.
    """
    b = Builder()
    rules_hash = H("sunshine-draw/v1/rules", canon(RULES))
    b.add("event_created", {"rules": RULES, "rules_hash": rules_hash.hex()})
    lot = _lottery(b, rules_hash, None, absent=absent, settle=settle, release="after-seed")
    # §7.5: round 1, the first S001 winner forfeits; its place is freed and goes to
    # the front of the waiting order (S001's third number, size 1). Round 2
    # settles that promotion; no promotions anywhere ends the window.
    first, second, promoted = lot.s001_order[:3]
    b.add("payment_round", {"round": 1, "forfeited": [first], "locked_elsewhere": []})
    b.add("promotions", {"round": 1, "school": "S001", "promoted": [promoted],
                         "returned_to_bureau": 0})
    b.add("payment_round", {"round": 2, "forfeited": [], "locked_elsewhere": []})
    b.add("payments_closed", {"rounds": 2})
    cohort = {"S001": sorted([second, promoted]), "S002": ["R101", "R102"]}
    pupils = [pupil(reg, s, "F") for s, regs in cohort.items() for reg in regs]
    plans = [{"type": "class-plan", "school": s, "classes": [{"id": "01", "capacity": 40}]}
             for s in cohort]
    run_ceremony(b, "grouping", pupils + plans, rules_hash, release="after-seed")
    for s, regs in cohort.items():
        b.add("grouping_results", {"school": s, "part": 0, "parts": 1,
                                   "records": [{"reg": r, "class": "01"} for r in regs]})
    teachers = [{"type": "teacher", "school": s, "id": f"T{k:04d}", "name": "李*"}
                for k, s in enumerate(cohort, 1)]
    run_ceremony(b, "teachers", teachers, rules_hash, release="after-seed")
    for t in teachers:
        b.add("matching_results", {"school": t["school"],
                                   "pairs": [{"class": "01", "teacher": t["id"]}]})
    b.add("notifications_sent", {"count": 4, "channel": "sms"})
    for c in ("lottery", "grouping", "teachers"):
        b.add("published", {"ceremony": c})
    b.checkpoint()
    b.write(root)
    return b


def bias_dimensions(pool: list[str], winners: list[str]) -> list[dict[str, Any]]:
    """§8 by hand for the one pool (S001 district): E_c = m_c·W/M, all in D01."""
    from fractions import Fraction
    gender = {a["reg"]: a["gender"] for a in APPLICANTS}
    m, w = len(pool), len(winners)

    def dim(name: str, value_of: dict[str, str]) -> dict[str, Any]:
        values = sorted({value_of[r] for r in pool})
        rows, chi2 = [], Fraction(0)
        for v in values:
            mc = sum(1 for r in pool if value_of[r] == v)
            wc = sum(1 for r in winners if value_of[r] == v)
            e = Fraction(mc * w, m)
            chi2 += (wc - e) ** 2 / e
            rows.append({"value": v, "applicants": mc, "winners": wc,
                         "expected_milli": int(e * 1000 + Fraction(1, 2))})
        df = len(values) - 1
        # df is 0 or 1 here: Q(1/2, x) = erfc(sqrt(x)).
        import math
        p = 1.0 if df == 0 else math.erfc(math.sqrt(float(chi2) / 2))
        p_ppm = round(p * 1_000_000)
        return {"dimension": name, "df": df, "chi2_milli": int(chi2 * 1000 + Fraction(1, 2)),
                "p_ppm": p_ppm, "flag": p_ppm < 1000, "values": rows}

    return [dim("district", dict.fromkeys(pool, "D01")), dim("gender", gender),
            dim("reg_day", dict.fromkeys(pool, "2026-06-11"))]


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys
    build_lottery_event(Path(sys.argv[1]))
    print(json.dumps({"written": sys.argv[1], "pid": os.getpid()}))
