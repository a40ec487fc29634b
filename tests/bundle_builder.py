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
        text = (f"{self.origin}\n{size}\n"
                f"{base64.b64encode(mth(self.lines)).decode()}\n")
        pub = self.log_key.public_key().public_bytes_raw()
        _, kid = vkey(self.origin, 1, pub)
        sig = base64.b64encode(kid + self.log_key.sign(text.encode())).decode()
        wpub = self.witness_key.public_key().public_bytes_raw()
        _, wkid = vkey("witness.example/w1", 4, wpub)
        ts = 1782900000
        msg = f"cosignature/v1\ntime {ts}\n".encode() + text.encode()
        wsig = base64.b64encode(wkid + struct.pack(">Q", ts)
                                + self.witness_key.sign(msg)).decode()
        note = f"{text}\n— {self.origin} {sig}\n— witness.example/w1 {wsig}\n"
        self.notes[size] = note
        return note

    def write(self, root: Path) -> Path:
        (root / "checkpoints").mkdir(parents=True)
        (root / "keys").mkdir()
        (root / "entries.jsonl").write_bytes(b"".join(x + b"\n" for x in self.lines))
        for size, note in self.notes.items():
            (root / "checkpoints" / f"{size}.note").write_text(note, "utf-8")
        pub = self.log_key.public_key().public_bytes_raw()
        (root / "keys" / "log.vkey").write_text(vkey(self.origin, 1, pub)[0] + "\n")
        wpub = self.witness_key.public_key().public_bytes_raw()
        (root / "keys" / "witness-w1.vkey").write_text(
            vkey("witness.example/w1", 4, wpub)[0] + "\n")
        (root / "README.md").write_text("python -m verifier <this folder>\n")
        return root

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


def build_lottery_event(root: Path, *, tamper: str | None = None,
                        settle: dict[str, str] | None = None, junk: frozenset[str] = frozenset(),
                        release: str | None = None) -> Builder:
    """event_created, one lottery ceremony (2 participants), seed, results, bias audit.

    Escrow options (§5.4): ``settle`` maps a participant to how its contribution is
    settled, "reveal" (default), "escrow_opened" or "escrow-invalid" (a void);
    participants in ``junk`` seal a random secret instead of theirs (decrypts, does
    not match the commitment); ``release`` logs ``escrow_key_released``: "after-seed",
    "before-seed" (right before the seed), "twice" (two releases after the seed)
    or "wrong-key" (another key, after the seed).
    """
    settle = settle or {}
    b = Builder()
    rules_hash = H("sunshine-draw/v1/rules", canon(RULES))
    b.add("event_created", {"rules": RULES, "rules_hash": rules_hash.hex()})
    b.checkpoint()
    participants = [{"id": "bureau-1", "role": "bureau"}, {"id": "notary-1", "role": "notary"}]
    p_hash = H("sunshine-draw/v1/participants", canon(participants))
    holder = X25519PrivateKey.generate()
    holder_pub = holder.public_key().public_bytes_raw()
    b.add("ceremony_opened", {"ceremony": "lottery", "participants": participants,
                              "participants_hash": p_hash.hex(),
                              "escrow_key": base64.b64encode(holder_pub).decode(),
                              "beacon_round": None})
    b.add("eligibility_rejections", {"rejections": [
        {"reg": "R999", "school": "S001", "code": "P1-residence"}]})
    records = SCHOOLS + APPLICANTS
    b.add("input_records", {"ceremony": "lottery", "records": records})
    leaves = sorted(canon(r) for r in records)
    input_root = mth(leaves)
    b.add("input_frozen", {"ceremony": "lottery", "root": input_root.hex(),
                           "size": len(leaves)})
    b.checkpoint()
    secrets = {"bureau-1": bytes([0x11]) * 32, "notary-1": bytes([0x22]) * 32}
    coms = {}
    for p, sec in secrets.items():
        com = H("sunshine-draw/v1/commitment",
                canon({"ceremony": "lottery", "event": EVENT, "participant": p,
                       "secret": sec.hex()}))
        coms[p] = com
        sealed = os.urandom(32) if p in junk else sec
        b.add("commitment", {"ceremony": "lottery", "participant": p,
                             "commitment": com.hex(), "escrow": seal(sealed, com, holder_pub)})
    b.add("commitments_closed", {"ceremony": "lottery"})
    b.checkpoint()
    settled: dict[str, bytes | None] = {}
    for p, sec in secrets.items():
        how = settle.get(p, "reveal")
        if how == "escrow-invalid":
            b.add("contribution_void", {"ceremony": "lottery", "participant": p,
                                        "reason": "escrow-invalid"})
            settled[p] = None
        else:
            b.add(how, {"ceremony": "lottery", "participant": p, "secret": sec.hex()})
            settled[p] = sec
    dice = [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 6, 2, 6, 4, 3, 3, 2, 3, 6, 4]
    b.add("physical_entropy", {"ceremony": "lottery", "witness": "notary-1", "values": dice})
    seed_in = {"event": EVENT, "ceremony": "lottery", "rules": rules_hash.hex(),
               "participants": p_hash.hex(), "input_root": input_root.hex(),
               "input_size": len(leaves),
               "contributions": [{"participant": p, "commitment": coms[p].hex(),
                                  "secret": None if settled[p] is None else secrets[p].hex()}
                                 for p in sorted(secrets)],
               "physical": dice, "beacon": None}
    seed = H("sunshine-draw/v1/seed", canon(seed_in))

    def released(key: X25519PrivateKey) -> None:
        b.add("escrow_key_released", {"ceremony": "lottery", "private_key": base64.b64encode(
            key.private_bytes_raw()).decode()})

    if release == "before-seed":
        released(holder)
    b.add("seed", {"ceremony": "lottery", "seed": seed.hex()})
    if release in ("after-seed", "twice"):
        released(holder)
    if release == "twice":
        released(holder)
    if release == "wrong-key":
        released(X25519PrivateKey.generate())
    b.checkpoint()

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
