"""Reference generator for the ceremony vectors of PROTOCOL.md version 2.

Writes seed.json (§3.1, §5.2, §5.3, §5.7), escrow.json (§5.4),
lottery_numbers.json (§6) and input_tree.json (§3.3, §4). Written from the
text of PROTOCOL.md alone: it imports neither lottery_service nor verifier, only
the standard library, `cryptography` (X25519, HKDF, AES-GCM) and `rfc8785`.
Every key, secret and salt is fixed, so the output is byte-for-byte
reproducible:

    .venv/bin/python tests/vectors/generate_ceremony.py [OUT_DIR]

The small primitives at the top (canon, H, K, the RFC 9162 tree) are the ones
the other generators of this folder import; they are transcriptions of §2 and
§4, nothing more.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

Json = Any
GENERATOR = "tests/vectors/generate_ceremony.py"
MAX_INT = 2**53 - 1


# --- §2 encodings and hashing ------------------------------------------------------------

def canon(value: Json) -> bytes:
    """canon(v), §2.1: RFC 8785 over the v2 value domain (no floats, |n| <= 2^53 - 1)."""
    def check(v: Json) -> None:
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return
        if isinstance(v, float):
            raise ValueError("§2.1: no floating-point numbers")
        if isinstance(v, int):
            if abs(v) > MAX_INT:
                raise ValueError("§2.1: integer outside ±(2^53 - 1)")
            return
        if isinstance(v, list):
            for item in v:
                check(item)
            return
        if isinstance(v, dict):
            for key, item in v.items():
                if not key.isascii():
                    raise ValueError("§2.1: object keys are ASCII")
                check(item)
            return
        raise TypeError(f"not a JSON value: {v!r}")
    check(value)
    return rfc8785.dumps(value)


def H(tag: str, m: bytes) -> bytes:
    """H(tag, m) = SHA-256(UTF8(tag) ‖ 0x00 ‖ m), §2.2."""
    return hashlib.sha256(tag.encode() + b"\x00" + m).digest()


def K(key: bytes, tag: str, ident: str) -> bytes:
    """K(key, tag, id) = HMAC-SHA256(key, UTF8(tag) ‖ 0x00 ‖ UTF8(id)), §2.2."""
    return hmac.new(key, tag.encode() + b"\x00" + ident.encode(), hashlib.sha256).digest()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def b64decode_strict(text: str) -> bytes:
    """§1: standard base64 with padding; decode, re-encode and compare."""
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text) or len(text) % 4:
        raise ValueError("§1: not canonical base64")
    raw = base64.b64decode(text, validate=True)
    if b64(raw) != text:
        raise ValueError("§1: not canonical base64 (trailing bits)")
    return raw


# --- §4 RFC 9162 Merkle trees ------------------------------------------------------------

def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (RFC 9162 §2.1.1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]), RFC 9162 §2.1.1."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = _split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def inclusion_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]), RFC 9162 §2.1.3.1."""
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return [*inclusion_path(m, leaves[:k]), mth(leaves[k:])]
    return [*inclusion_path(m - k, leaves[k:]), mth(leaves[:k])]


def consistency_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]), RFC 9162 §2.1.4.1 (for 0 < m <= n)."""
    def sub(m: int, d: list[bytes], complete: bool) -> list[bytes]:
        if m == len(d):
            return [] if complete else [mth(d)]
        k = _split(len(d))
        if m <= k:
            return [*sub(m, d[:k], complete), mth(d[k:])]
        return [*sub(m - k, d[k:], False), mth(d[:k])]
    return sub(m, leaves, True)


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes],
                     root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash(leaf)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2, step by step (0 < m <= n)."""
    if m == n:
        return not proof and old == new
    if m == 0 or m > n or not proof:
        return False
    if m & (m - 1) == 0:  # m is a power of two: prepend first_hash
        proof = [old, *proof]
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old and sr == new and sn == 0


# --- §3 records, §3.3 input tree ---------------------------------------------------------

def input_tree(records: list[Json]) -> tuple[list[bytes], bytes]:
    """§3.3: leaves canon(record) sorted bytewise, duplicates an error; the RFC 9162 root."""
    leaves = sorted(canon(r) for r in records)
    if len(set(leaves)) != len(leaves):
        raise ValueError("§3.3: duplicate record")
    return leaves, mth(leaves)


def attrs(reg: str, gender: str, strata: list[str], salt: str) -> str:
    """§17.1: attrs = hex(H("sunshine-draw/v2/attributes", canon(opening)))."""
    opening = {"reg": reg, "gender": gender, "strata": strata, "salt": salt}
    return H("sunshine-draw/v2/attributes", canon(opening)).hex()


def fixed_salt(label: str) -> str:
    """The vectors' stand-in for the service's private salt (§17.1): any fixed 32 bytes."""
    return hashlib.sha256(b"vector salt " + label.encode()).hexdigest()


def applicant(reg: str, name: str, gender: str, *, school: str = "S001", district: str = "D01",
              reg_day: str = "2026-06-11", direct: bool = False, community: bool = False,
              unit: str | None = None) -> Json:
    """An applicant record (§3.2) with its attribute commitment (§17.1, strata empty)."""
    return {"type": "applicant", "reg": reg, "name": name, "school": school,
            "district": district, "reg_day": reg_day, "direct": direct,
            "community": community, "unit": unit or reg,
            "attrs": attrs(reg, gender, [], fixed_salt("lottery/" + reg))}


def school(sid: str, name: str, *, district: str = "D01", authority: str = "city",
           tuition: int = 5000, quota: int = 5, community_quota: int = 0,
           nine_year: bool = False) -> Json:
    return {"type": "school", "id": sid, "name": name, "district": district,
            "authority": authority, "tuition": tuition, "quota": quota,
            "community_quota": community_quota, "nine_year": nine_year}


def pupil(reg: str, name: str, gender: str, strata: list[str], school_id: str = "S001",
          siblings: Json = None, same_name: str | None = None) -> Json:
    return {"type": "pupil", "reg": reg, "name": name, "school": school_id,
            "attrs": attrs(reg, gender, strata, fixed_salt("grouping/" + reg)),
            "siblings": siblings, "same_name": same_name}


# --- §3.1 rules, §5.2 participants -------------------------------------------------------

EVENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
PARTICIPANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ORIGIN_PREFIX = r"[a-z0-9]([a-z0-9.-]{0,126}[a-z0-9])?(/[A-Za-z0-9._-]{1,64}){0,4}"
RULE_MEMBERS = {"type", "version", "event", "origin", "rehearsal", "title", "year", "grade",
                "high_fee_threshold", "waitlist_promotion", "dice", "beacon"}
ROLES = {"notary", "supervisor", "parent-rep", "bureau"}


def check_rules(rules: Json) -> None:
    """§3.1 (and the v1 refusal of the preamble)."""
    if rules.get("version") == 1:
        raise ValueError("preamble: version 1 is not supported")
    if set(rules) != RULE_MEMBERS:
        raise ValueError("§3.1: members are exactly " + ", ".join(sorted(RULE_MEMBERS)))
    if rules["type"] != "rules" or rules["version"] != 2:
        raise ValueError("§3.1: type rules, version 2")
    if not EVENT_ID.fullmatch(rules["event"]):
        raise ValueError("§1: event id")
    if rules["grade"] not in (1, 7):
        raise ValueError("§3.1: grade is 1 or 7 (S1)")
    if isinstance(rules["dice"], bool) or not isinstance(rules["dice"], int) \
            or rules["dice"] < 20:
        raise ValueError("§3.1: dice is an integer >= 20")
    prefix = rules["origin"].removesuffix("/" + rules["event"])
    if prefix == rules["origin"]:
        raise ValueError("§3.1: origin ends with /<event>")
    if rules["rehearsal"]:
        if not prefix.endswith("/rehearsal"):
            raise ValueError("§3.1, §19: a rehearsal's origin is <prefix>/rehearsal/<event>")
        prefix = prefix.removesuffix("/rehearsal")
    elif "/rehearsal/" in rules["origin"] + "/":
        raise ValueError("§3.1: /rehearsal/ only when rehearsal is true")
    if not re.fullmatch(ORIGIN_PREFIX, prefix):
        raise ValueError("§1: origin prefix")


def rules_hash(rules: Json) -> bytes:
    check_rules(rules)
    return H("sunshine-draw/v2/rules", canon(rules))


def participants_hash(participants: list[Json]) -> bytes:
    """§5.2: sorted by id, distinct ids, known roles, at least two."""
    ids = [p["id"] for p in participants]
    if len(participants) < 2:
        raise ValueError("§5.2: at least two participants")
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        raise ValueError("§5.2: sorted by id, distinct ids")
    for p in participants:
        if set(p) != {"id", "role"} or p["role"] not in ROLES \
                or not PARTICIPANT_ID.fullmatch(p["id"]):
            raise ValueError("§5.2: {id, role} with role notary/supervisor/parent-rep/bureau")
    return H("sunshine-draw/v2/participants", canon(participants))


# --- §5.3 commitments, §5.4 escrow -------------------------------------------------------

def commitment(event: str, ceremony: str, participant: str, secret: bytes) -> bytes:
    if len(secret) != 32:
        raise ValueError("§5.3: a secret is exactly 32 bytes")
    return H("sunshine-draw/v2/commitment", canon(
        {"ceremony": ceremony, "event": event, "participant": participant,
         "secret": secret.hex()}))


def x25519_public(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def escrow_key(com: bytes, shared: bytes, e_pub: bytes, p_pub: bytes) -> bytes:
    """k = HKDF-SHA256(z, salt = E ‖ P, info = tag ‖ 0x00 ‖ commitment, L = 32), §5.4."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=e_pub + p_pub,
                info=b"sunshine-draw/v2/escrow\x00" + com).derive(shared)


def seal(secret: bytes, com: bytes, holder_public: bytes, ephemeral_private: bytes) -> Json:
    """§5.4 sealing; returns every intermediate value."""
    e = X25519PrivateKey.from_private_bytes(ephemeral_private)
    e_pub = e.public_key().public_bytes_raw()
    z = e.exchange(X25519PublicKey.from_public_bytes(holder_public))
    k = escrow_key(com, z, e_pub, holder_public)
    ct = AESGCM(k).encrypt(bytes(12), secret, com)
    return {"ephemeral_public": e_pub.hex(), "shared_secret": z.hex(),
            "hkdf_salt": (e_pub + holder_public).hex(),
            "hkdf_info": (b"sunshine-draw/v2/escrow\x00" + com).hex(), "key": k.hex(),
            "ciphertext": ct.hex(), "escrow": b64(e_pub + ct)}


def open_escrow(escrow: str, com: bytes, holder_private: bytes, event: str, ceremony: str,
                participant: str) -> bytes:
    """§5.4 opening: decrypt, then the plaintext must give the logged commitment (§5.3)."""
    raw = b64decode_strict(escrow)
    if len(raw) != 80:
        raise ValueError("§5.4: an escrow is 80 bytes before base64")
    e_pub, ct = raw[:32], raw[32:]
    holder = X25519PrivateKey.from_private_bytes(holder_private)
    z = holder.exchange(X25519PublicKey.from_public_bytes(e_pub))
    k = escrow_key(com, z, e_pub, holder.public_key().public_bytes_raw())
    try:
        secret = AESGCM(k).decrypt(bytes(12), ct, com)
    except Exception as exc:  # cryptography's InvalidTag
        raise ValueError("§5.4: the escrow does not decrypt") from exc
    if commitment(event, ceremony, participant, secret) != com:
        raise ValueError("§5.4: the plaintext does not match the commitment")
    return secret


# --- §5.7 the seed -----------------------------------------------------------------------

def seed_input(event: str, ceremony: str, rules: Json, participants: list[Json],
               root: bytes, size: int, contributions: list[Json], physical: list[int],
               beacon: Json) -> Json:
    """The canonical object hashed into the seed, §5.7."""
    if len(physical) != rules["dice"] or any(
            isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 6 for v in physical):
        raise ValueError("§5.5: exactly rules.dice values, each 1..6")
    if (beacon is None) != (rules["beacon"] is None):
        raise ValueError("§5.7: beacon is null exactly when rules.beacon is null")
    if [c["participant"] for c in contributions] != [p["id"] for p in participants]:
        raise ValueError("§5.7: one contribution per participant, sorted by participant")
    return {"event": event, "ceremony": ceremony, "rules": rules_hash(rules).hex(),
            "participants": participants_hash(participants).hex(),
            "input_root": root.hex(), "input_size": size, "contributions": contributions,
            "physical": physical, "beacon": beacon}


# --- the vectors -------------------------------------------------------------------------

ORIGIN_PREFIX_USED = "draw.example.cn/yunyan"
HOLDER_PRIVATE = bytes(range(1, 33))  # 0x01 0x02 … 0x20: the lottery ceremony's holder key
WORKED_PARTICIPANTS = [
    {"id": "bureau-1", "role": "bureau"},
    {"id": "notary-1", "role": "notary"},
    {"id": "parent-rep-1", "role": "parent-rep"},
]
WORKED_SECRETS = {"bureau-1": "11" * 32, "notary-1": "22" * 32, "parent-rep-1": "33" * 32}
WORKED_DICE = [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 2, 3, 6, 4, 6, 2, 6, 4, 3, 3]


def make_rules(event: str, *, title: str = "云岩区2026演示", grade: int = 1, dice: int = 20,
               rehearsal: bool = False, waitlist_promotion: bool = True) -> Json:
    middle = "/rehearsal/" if rehearsal else "/"
    return {"type": "rules", "version": 2, "event": event,
            "origin": ORIGIN_PREFIX_USED + middle + event, "rehearsal": rehearsal,
            "title": title, "year": 2026, "grade": grade, "high_fee_threshold": 6000,
            "waitlist_promotion": waitlist_promotion, "dice": dice, "beacon": None}


WORKED_RULES = make_rules("demo-2026")
WORKED_RECORDS = [  # given out of order on purpose: the input tree sorts them (§3.3)
    applicant("2026000003", "张*明", "F"),
    school("S001", "阳光实验学校", quota=2),
    applicant("2026000001", "李*", "M", reg_day="2026-06-12"),
    applicant("2026000002", "王*华", "F"),
]


def ephemeral_for(ceremony: str, participant: str) -> bytes:
    """Fixed ephemeral X25519 keys for the vectors (a real participant draws a fresh one)."""
    return hashlib.sha256(f"vector ephemeral {ceremony}/{participant}".encode()).digest()


def seed_case(name: str, inp: Json, note: str | None = None) -> Json:
    """One full ceremony (§5.1 steps 1-8) with every intermediate value and logged body."""
    event, ceremony, rules = inp["event"], inp["ceremony"], inp["rules"]
    participants = inp["participants"]
    holder_private = bytes.fromhex(inp["escrow_holder_private"])
    holder_public = x25519_public(holder_private)
    leaves, root = input_tree(inp["records"])
    bodies: list[Json] = [{"type": "ceremony_opened", "body": {
        "ceremony": ceremony, "participants": participants,
        "participants_hash": participants_hash(participants).hex(),
        "escrow_key": b64(holder_public), "physical_entropy_by": None,
        "beacon_round": None}}]
    if ceremony == "lottery":
        bodies.append({"type": "eligibility_rejections",
                       "body": {"count": 0, "root": mth([]).hex()}})
    bodies += [
        {"type": "input_records", "body": {"ceremony": ceremony,
                                           "records": [json.loads(x) for x in leaves]}},
        {"type": "input_frozen", "body": {"ceremony": ceremony, "root": root.hex(),
                                          "size": len(leaves)}},
    ]
    commitments, escrows, contributions, settle, late = [], [], [], [], []
    for c in inp["contributions"]:
        p = c["participant"]
        if c["status"] == "void" and c["void_reason"] == "no-commitment":
            contributions.append({"participant": p, "commitment": None, "secret": None})
            late.append({"type": "contribution_void", "body": {
                "ceremony": ceremony, "participant": p, "reason": "no-commitment"}})
            continue
        secret = bytes.fromhex(c["secret"])
        com = commitment(event, ceremony, p, secret)
        sealed_secret = bytes.fromhex(c.get("sealed_secret") or c["secret"])
        sealed = seal(sealed_secret, com, holder_public, bytes.fromhex(c["ephemeral_private"]))
        commitments.append({"participant": p, "commitment": com.hex()})
        escrows.append({"participant": p, **sealed})
        bodies.append({"type": "commitment", "body": {
            "ceremony": ceremony, "participant": p, "commitment": com.hex(),
            "escrow": sealed["escrow"]}})
        if c["status"] == "reveal":
            revealed: str | None = secret.hex()
            settle.append({"type": "reveal", "body": {
                "ceremony": ceremony, "participant": p, "secret": revealed}})
        elif c["status"] == "escrow_opened":
            revealed = open_escrow(sealed["escrow"], com, holder_private, event, ceremony,
                                   p).hex()
            settle.append({"type": "escrow_opened", "body": {
                "ceremony": ceremony, "participant": p, "secret": revealed}})
        else:
            revealed = None
            settle.append({"type": "contribution_void", "body": {
                "ceremony": ceremony, "participant": p, "reason": c["void_reason"]}})
        contributions.append({"participant": p, "commitment": com.hex(), "secret": revealed})
    if len(commitments) < 2:
        raise ValueError("§5.4: at least two participants must have committed")
    seed_obj = seed_input(event, ceremony, rules, participants, root, len(leaves),
                          contributions, inp["physical"], inp["beacon"])
    seed = H("sunshine-draw/v2/seed", canon(seed_obj))
    seed_body = {"ceremony": ceremony, "seed": seed.hex(), "input_root": root.hex(),
                 "input_size": len(leaves)}
    bodies += [{"type": "commitments_closed", "body": {"ceremony": ceremony}}, *late, *settle,
               {"type": "physical_entropy", "body": {
                   "ceremony": ceremony, "witness": inp["dice_witness"],
                   "values": inp["physical"]}},
               {"type": "seed", "body": seed_body}]
    case: Json = {"name": name}
    if note:
        case["note"] = note
    case.update({"input": inp, "expected": {
        "rules_canonical": canon(rules).decode(),
        "rules_hash": rules_hash(rules).hex(),
        "participants_canonical": canon(participants).decode(),
        "participants_hash": participants_hash(participants).hex(),
        "escrow_key": b64(holder_public),
        "commitments": commitments,
        "escrows": escrows,
        "input_leaves": [leaf.decode() for leaf in leaves],
        "input_root": root.hex(),
        "input_size": len(leaves),
        "seed_input_canonical": canon(seed_obj).decode(),
        "seed": seed.hex(),
        "seed_entry_body": seed_body,
        "log_bodies": bodies,
    }})
    return case


def contribution(p: str, ceremony: str, secret: str, status: str = "reveal",
                 void_reason: str | None = None, sealed_secret: str | None = None) -> Json:
    c: Json = {"participant": p, "status": status, "void_reason": void_reason,
               "secret": secret, "ephemeral_private": ephemeral_for(ceremony, p).hex()}
    if sealed_secret:
        c["sealed_secret"] = sealed_secret
    if void_reason == "no-commitment":
        c["secret"] = None
        c["ephemeral_private"] = None
    return c


def worked_input(**changes: Any) -> Json:
    inp: Json = {
        "event": "demo-2026", "ceremony": "lottery", "rules": WORKED_RULES,
        "participants": WORKED_PARTICIPANTS, "records": WORKED_RECORDS,
        "escrow_holder_private": HOLDER_PRIVATE.hex(),
        "contributions": [contribution(p, "lottery", s) for p, s in WORKED_SECRETS.items()],
        "dice_witness": "notary-1", "physical": WORKED_DICE, "beacon": None,
    }
    inp.update(changes)
    return inp


def reject(name: str, check: str, inp: Json, fn: Any, note: str | None = None) -> Json:
    """A negative case: the reference must refuse the input; the reason names the section."""
    try:
        fn()
    except ValueError as exc:
        reason = str(exc)
    else:
        raise AssertionError(f"{name}: expected a refusal")
    case: Json = {"name": name, "check": check, "input": inp}
    if note:
        case["note"] = note
    case["error"] = {"section": reason.split(":")[0], "reason": reason}
    return case


def random_records(rng: random.Random, ceremony: str, n: int) -> list[Json]:
    regs = sorted({f"2026{rng.randrange(10**6):06d}" for _ in range(n)})
    names = ["张*明", "李*", "欧*娜", "L*g"]
    if ceremony == "teachers":
        return [{"type": "teacher", "school": rng.choice(["S001", "S002"]), "id": f"T{r[4:]}",
                 "name": rng.choice(names)} for r in regs]
    if ceremony == "grouping":
        recs = [pupil(r, rng.choice(names), rng.choice("FM"), rng.choice([[], ["sen"]]),
                      rng.choice(["S001", "S002"])) for r in regs]
        return [*recs, *({"type": "class-plan", "school": s, "name": f"{s}校",
                          "classes": [{"id": "01", "capacity": 45}]} for s in ("S001", "S002"))]
    recs = [applicant(r, rng.choice(names), rng.choice("FM"),
                      school=rng.choice(["S001", "S002"]),
                      reg_day=f"2026-06-{rng.randint(11, 20)}") for r in regs]
    return [*recs, school("S001", "一中"), school("S002", "二中", district="D02")]


def seed_vectors() -> Json:
    worked = seed_case("worked", worked_input(), "Appendix A; all three reveal.")
    cs = worked_input()["contributions"]
    cases = [worked]
    cases.append(seed_case("void-no-commitment", worked_input(contributions=[
        cs[0], cs[1], contribution("parent-rep-1", "lottery", "", "void", "no-commitment")]),
        "parent-rep-1 never commits: its void follows commitments_closed and enters the "
        "seed with a null commitment and a null secret (§5.4, §5.7)."))
    cases.append(seed_case("escrow-opened-and-void", worked_input(contributions=[
        contribution("bureau-1", "lottery", "11" * 32, "escrow_opened"),
        contribution("notary-1", "lottery", "22" * 32, "void", "escrow-invalid",
                     sealed_secret="44" * 32),
        contribution("parent-rep-1", "lottery", "33" * 32, "void", "escrow-holder-absent")]),
        "bureau-1 withholds and is opened from escrow; notary-1 sealed 0x44… instead of its "
        "secret and withholds (escrow-invalid); parent-rep-1's escrow could not be opened "
        "because the holder was absent. Voids keep their commitment, secret null (§5.7)."))
    cases.append(seed_case("reveal-with-junk-escrow", worked_input(contributions=[
        contribution("bureau-1", "lottery", "11" * 32, sealed_secret="55" * 32), *cs[1:]]),
        "bureau-1 sealed junk but revealed: the reveal is valid; once the key is released a "
        "verifier warns (§5.4, §16)."))
    cases.append(seed_case("rehearsal", worked_input(
        event="demo-2026", rules=make_rules("demo-2026", rehearsal=True)),
        "§19: the rehearsal's rule set differs in origin and rehearsal, so its seed differs."))
    rng = random.Random(20260611)
    roles = sorted(ROLES)
    for i, ceremony in enumerate(["lottery", "grouping", "teachers"]):
        event = f"random-{i}"
        ids = sorted({f"{rng.choice(roles)}-{j}" for j in range(rng.randint(2, 5))})
        participants = [{"id": p, "role": p.rsplit("-", 1)[0]} for p in ids]
        contribs = []
        for j, p in enumerate(ids):
            status = "reveal" if j < 2 else rng.choice(["reveal", "escrow_opened", "void"])
            reason = rng.choice(["no-commitment", "escrow-invalid", "escrow-holder-absent"]) \
                if status == "void" else None
            contribs.append(contribution(
                p, ceremony, rng.randbytes(32).hex(), status, reason,
                sealed_secret=rng.randbytes(32).hex() if reason == "escrow-invalid" else None))
        rules = make_rules(event, title=f"随机 {i}", grade=rng.choice([1, 7]),
                           dice=rng.randint(20, 26))
        cases.append(seed_case(f"random-{i}", {
            "event": event, "ceremony": ceremony, "rules": rules, "participants": participants,
            "records": random_records(rng, ceremony, rng.randint(0, 8)),
            "escrow_holder_private": rng.randbytes(32).hex(),
            "contributions": contribs,
            "dice_witness": ids[0], "physical": [rng.randint(1, 6) for _ in range(rules["dice"])],
            "beacon": None}))

    w = worked["expected"]
    dup_p = [WORKED_PARTICIPANTS[0], WORKED_PARTICIPANTS[0], WORKED_PARTICIPANTS[2]]

    def rules_with(**kw: Any) -> Json:
        return {**WORKED_RULES, **kw}

    bad_rules = [
        ("reject-rules-version-1", rules_with(version=1)),
        ("reject-rules-origin-other-event", rules_with(origin=ORIGIN_PREFIX_USED + "/demo-2025")),
        ("reject-rules-rehearsal-origin-not-marked", rules_with(rehearsal=True)),
        ("reject-rules-official-with-rehearsal-origin",
         rules_with(origin=ORIGIN_PREFIX_USED + "/rehearsal/demo-2026")),
        ("reject-rules-origin-upper-case",
         rules_with(origin="Draw.example.cn/yunyan/demo-2026")),
        ("reject-rules-dice-19", rules_with(dice=19)),
        ("reject-rules-grade-3", rules_with(grade=3)),
        ("reject-rules-unknown-member", rules_with(round_robin=False)),
        ("reject-rules-missing-origin", {k: v for k, v in WORKED_RULES.items() if k != "origin"}),
    ]
    negatives = [reject(n, "rules", {"rules": r}, lambda r=r: rules_hash(r)) for n, r in bad_rules]
    negatives += [
        reject("reject-participants-unsorted", "participants",
               {"participants": [WORKED_PARTICIPANTS[1], WORKED_PARTICIPANTS[0]]},
               lambda: participants_hash([WORKED_PARTICIPANTS[1], WORKED_PARTICIPANTS[0]])),
        reject("reject-participants-one", "participants",
               {"participants": WORKED_PARTICIPANTS[:1]},
               lambda: participants_hash(WORKED_PARTICIPANTS[:1])),
        reject("reject-participants-duplicate-id", "participants", {"participants": dup_p},
               lambda: participants_hash(dup_p)),
        reject("reject-participants-unknown-role", "participants",
               {"participants": [*WORKED_PARTICIPANTS[:2], {"id": "t-1", "role": "teacher"}]},
               lambda: participants_hash(
                   [*WORKED_PARTICIPANTS[:2], {"id": "t-1", "role": "teacher"}])),
        reject("reject-secret-31-bytes", "commitment",
               {"event": "demo-2026", "ceremony": "lottery", "participant": "bureau-1",
                "secret": "11" * 31},
               lambda: commitment("demo-2026", "lottery", "bureau-1", bytes(31))),
        reject("reject-reveal-wrong-secret", "opening",
               {"event": "demo-2026", "ceremony": "lottery", "participant": "notary-1",
                "secret": "44" * 32, "commitment": w["commitments"][1]["commitment"]},
               lambda: check_opening("demo-2026", "lottery", "notary-1", "44" * 32,
                                     w["commitments"][1]["commitment"])),
        reject("reject-reveal-other-participant", "opening",
               {"event": "demo-2026", "ceremony": "lottery", "participant": "bureau-1",
                "secret": "22" * 32, "commitment": w["commitments"][1]["commitment"]},
               lambda: check_opening("demo-2026", "lottery", "bureau-1", "22" * 32,
                                     w["commitments"][1]["commitment"])),
        reject("reject-die-7", "seed", worked_input(physical=[7, *WORKED_DICE[1:]]),
               lambda: seed_case("", worked_input(physical=[7, *WORKED_DICE[1:]]))),
        reject("reject-19-dice", "seed", worked_input(physical=WORKED_DICE[:19]),
               lambda: seed_case("", worked_input(physical=WORKED_DICE[:19]))),
        reject("reject-beacon-value-without-beacon-rules", "seed",
               worked_input(beacon={"round": 1, "randomness": "00" * 32}),
               lambda: seed_case("", worked_input(beacon={"round": 1, "randomness": "00" * 32})),
               "v1's vectors hashed a beacon value while rules.beacon was null (issue 8)."),
        reject("reject-one-commitment", "seed", worked_input(contributions=[
            cs[0], contribution("notary-1", "lottery", "", "void", "no-commitment"),
            contribution("parent-rep-1", "lottery", "", "void", "no-commitment")]),
            lambda: seed_case("", worked_input(contributions=[
                cs[0], contribution("notary-1", "lottery", "", "void", "no-commitment"),
                contribution("parent-rep-1", "lottery", "", "void", "no-commitment")]))),
        reject("reject-seed-entry-input-root", "seed_entry",
               {"claimed": {**w["seed_entry_body"], "input_root": mth([]).hex()},
                "recomputed": w["seed_entry_body"]},
               lambda: check_seed_entry({**w["seed_entry_body"], "input_root": mth([]).hex()},
                                        w["seed_entry_body"])),
        reject("reject-seed-entry-input-size", "seed_entry",
               {"claimed": {**w["seed_entry_body"], "input_size": 3},
                "recomputed": w["seed_entry_body"]},
               lambda: check_seed_entry({**w["seed_entry_body"], "input_size": 3},
                                        w["seed_entry_body"])),
    ]
    return {
        "version": 2, "generator": GENERATOR,
        "spec": "PROTOCOL.md v2 §3.1, §5.1-§5.7, §17.1, Appendix A",
        "description": (
            "Ceremony seeds: rule-set and participant hashes, commitments, escrows, the input "
            "tree, the canonical seed input, the seed, the seed entry body and every logged "
            "body of the ceremony in log order (§5.1). Contribution status reveal / "
            "escrow_opened / void (void_reason no-commitment, escrow-invalid, "
            "escrow-holder-absent); sealed_secret, when present, is what the participant "
            "sealed instead of its secret. Negative cases carry check = rules | participants "
            "| commitment | opening | seed | seed_entry and the section that refuses them."),
        "notes": [
            "ephemeral_private keys are fixed for reproducibility; §5.4 requires fresh ones.",
            "Without a beacon ceremony_opened's physical_entropy_by and beacon_round are null "
            "(§5.6); the dice witness does not enter the seed (§5.7).",
            "commitment entries are listed in participant-id order; §5.1 fixes no order "
            "among them (they arrive when each participant commits).",
            "A ceremony's input_records are logged as one part here (small inputs, §11.1), "
            "in the input tree's (sorted) order.",
        ],
        "beacon_cases_todo": [],
        "beacon_cases_todo_note": (
            "TODO(beacon helper): §5.8 case `beacon` (rules naming drand quicknet and a real "
            "recorded quicknet round with its BLS signature) is produced by the helper that "
            "owns §5.6; this generator invents no beacon value or signature."),
        "cases": cases + negatives,
    }


def check_opening(event: str, ceremony: str, participant: str, secret: str, com: str) -> None:
    """§5.3: a reveal is valid iff recomputing gives the logged commitment."""
    if commitment(event, ceremony, participant, bytes.fromhex(secret)).hex() != com:
        raise ValueError("§5.3: the secret does not give the logged commitment")


def check_seed_entry(claimed: Json, recomputed: Json) -> None:
    """§5.7: a verifier recomputes the seed and checks seed, input_root and input_size."""
    for member in ("seed", "input_root", "input_size"):
        if claimed[member] != recomputed[member]:
            raise ValueError(f"§5.7: seed entry {member} differs from the recomputed value")


def escrow_vectors(worked_seed: Json) -> Json:
    event, ceremony, participant, secret = "demo-2026", "lottery", "notary-1", "22" * 32
    holder_public = x25519_public(HOLDER_PRIVATE)
    com = commitment(event, ceremony, participant, bytes.fromhex(secret))
    eph = ephemeral_for(ceremony, participant)
    worked = {"name": "seal-worked", "check": "seal", "input": {
        "event": event, "ceremony": ceremony, "participant": participant, "secret": secret,
        "holder_private": HOLDER_PRIVATE.hex(), "ephemeral_private": eph.hex()},
        "expected": {"holder_public": holder_public.hex(), "commitment": com.hex(),
                     **seal(bytes.fromhex(secret), com, holder_public, eph)}}
    cases: list[Json] = [worked]
    rng = random.Random(54)
    for i in range(3):
        c = rng.choice(["lottery", "grouping", "teachers"])
        s, hp, ep = rng.randbytes(32), rng.randbytes(32), rng.randbytes(32)
        cm = commitment(f"random-{i}", c, f"supervisor-{i}", s)
        cases.append({"name": f"seal-random-{i}", "check": "seal", "input": {
            "event": f"random-{i}", "ceremony": c, "participant": f"supervisor-{i}",
            "secret": s.hex(), "holder_private": hp.hex(), "ephemeral_private": ep.hex()},
            "expected": {"holder_public": x25519_public(hp).hex(), "commitment": cm.hex(),
                         **seal(s, cm, x25519_public(hp), ep)}})
    good = worked["expected"]["escrow"]
    raw = bytearray(b64decode_strict(good))
    raw[40] ^= 0x01
    tampered_ct = b64(bytes(raw))
    raw = bytearray(b64decode_strict(good))
    raw[0] ^= 0x01
    tampered_e = b64(bytes(raw))
    junk = seal(bytes.fromhex("44" * 32), com, holder_public, eph)["escrow"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    noncanon = good[:-2] + alphabet[alphabet.index(good[-2]) ^ 1] + "="
    base = {"event": event, "ceremony": ceremony, "participant": participant,
            "commitment": com.hex(), "holder_private": HOLDER_PRIVATE.hex()}

    def opening(inp: Json) -> bytes:
        return open_escrow(inp["escrow"], bytes.fromhex(inp["commitment"]),
                           bytes.fromhex(inp["holder_private"]), inp["event"],
                           inp["ceremony"], inp["participant"])

    cases.append({"name": "open-worked", "check": "open", "input": {**base, "escrow": good},
                  "expected": {"secret": opening({**base, "escrow": good}).hex()}})
    for name, inp in [
        ("reject-open-tampered-ciphertext", {**base, "escrow": tampered_ct}),
        ("reject-open-tampered-ephemeral-key", {**base, "escrow": tampered_e}),
        ("reject-open-plaintext-not-committed", {**base, "escrow": junk}),
        ("reject-open-wrong-holder-key", {**base, "escrow": good, "holder_private": "05" * 32}),
        ("reject-open-wrong-participant", {**base, "escrow": good, "participant": "bureau-1"}),
        ("reject-open-noncanonical-base64", {**base, "escrow": noncanon}),
        ("reject-open-79-bytes", {**base, "escrow": b64(b64decode_strict(good)[:79])}),
        ("reject-open-81-bytes", {**base, "escrow": b64(b64decode_strict(good) + b"\x00")}),
    ]:
        cases.append(reject(name, "open", inp, lambda i=inp: opening(i),
                            "fails → contribution_void with reason escrow-invalid (§5.4)"))

    # Key release (§5.4): the public key of private_key equals escrow_key; then the checks.
    release = {"ceremony": "lottery", "private_key": b64(HOLDER_PRIVATE)}
    for seed_name in ("escrow-opened-and-void", "reveal-with-junk-escrow"):
        sc = next(c for c in worked_seed["cases"] if c["name"] == seed_name)
        cases.append(release_case(sc, release))
    other = bytes(range(2, 34))
    cases.append(reject(
        "reject-release-key-of-another-ceremony", "release",
        {"escrow_key": b64(holder_public),
         "escrow_key_released": {"ceremony": "lottery", "private_key": b64(other)}},
        lambda: check_release(holder_public, other)))
    keys = [b64(holder_public), b64(x25519_public(other)), b64(holder_public)]
    cases.append(reject(
        "reject-escrow-key-reused", "escrow_keys",
        {"escrow_keys": {"lottery": keys[0], "grouping": keys[1], "teachers": keys[2]}},
        lambda: check_distinct_keys(keys),
        "one key per ceremony: a release would unseal another ceremony (issue 8 item 11)"))
    return {
        "version": 2, "generator": GENERATOR, "spec": "PROTOCOL.md v2 §5.3, §5.4",
        "description": (
            "Escrow of a ceremony secret to the ceremony's escrow holder: X25519, HKDF-SHA256 "
            "(salt E‖P, info \"sunshine-draw/v2/escrow\"‖0x00‖commitment, L 32), AES-256-GCM "
            "with a zero nonce and aad = commitment; escrow = base64(E ‖ ciphertext‖tag). "
            "check = seal | open | release | escrow_keys."),
        "notes": ["The ephemeral keys are fixed for reproducibility; §5.4 requires fresh ones."],
        "cases": cases,
    }


def release_case(sc: Json, release: Json) -> Json:
    """§5.4 checks once escrow_key_released is logged, over one seed.json case."""
    private = b64decode_strict(release["private_key"])
    checks, failures, warnings = [], [], []
    commitments = {x["participant"]: x["commitment"] for x in sc["expected"]["commitments"]}
    for e in sc["expected"]["escrows"]:
        p = e["participant"]
        c = next(x for x in sc["input"]["contributions"] if x["participant"] == p)
        try:
            plain: str | None = open_escrow(e["escrow"], bytes.fromhex(commitments[p]), private,
                                            sc["input"]["event"], sc["input"]["ceremony"],
                                            p).hex()
        except ValueError:
            plain = None
        if c["status"] == "escrow_opened" and plain != c["secret"]:
            failures.append(p)
        if c["void_reason"] == "escrow-invalid" and plain is not None:
            failures.append(p)
        if c["status"] == "reveal" and plain is None:
            warnings.append(p)
        checks.append({"participant": p, "status": c["status"],
                       "void_reason": c["void_reason"], "opens_to": plain})
    return {"name": "release-checks-" + sc["name"], "check": "release", "input": {
        "seed_case": sc["name"], "escrow_key": sc["expected"]["escrow_key"],
        "escrow_key_released": release},
        "note": "escrow_opened must equal opens_to; an escrow-invalid void must not open; "
                "escrow-holder-absent is not checked by the key (it may open: the holder was "
                "absent, not the escrow bad); a reveal whose escrow does not open is a "
                "warning, not a failure.",
        "expected": {"public_key_matches": x25519_public(private) == b64decode_strict(
            sc["expected"]["escrow_key"]), "escrows": checks, "failures": failures,
            "warnings": warnings}}


def check_release(escrow_public: bytes, private: bytes) -> None:
    if x25519_public(private) != escrow_public:
        raise ValueError("§5.4: the released key's public key is not the ceremony's escrow_key")


def check_distinct_keys(keys: list[str]) -> None:
    if len(set(keys)) != len(keys):
        raise ValueError("§5.4: the ceremonies' escrow_key values are pairwise distinct")


def number(seed: bytes, reg: str) -> bytes:
    """§6: number(reg) = K(seed, "sunshine-draw/v2/lottery-number", reg)."""
    return K(seed, "sunshine-draw/v2/lottery-number", reg)


def number_case(name: str, seed: str, records: list[Json], note: str | None = None) -> Json:
    s = bytes.fromhex(seed)
    regs = [r["reg"] for r in records]
    units = sorted({r["unit"] for r in records})
    case: Json = {"name": name}
    if note:
        case["note"] = note
    case.update({"input": {"seed": seed, "applicants": [
        {"reg": r["reg"], "unit": r["unit"]} for r in records]}, "expected": {
        "numbers": [{"reg": r, "number": number(s, r).hex()} for r in regs],
        "unit_order": sorted(units, key=lambda u: (number(s, u), u)),
    }})
    return case


def lottery_number_vectors(worked_seed: str) -> Json:
    rng = random.Random(6)
    worked = [{"reg": r["reg"], "unit": r["unit"]} for r in WORKED_RECORDS
              if r["type"] == "applicant"]
    cases = [number_case("worked", worked_seed, sorted(worked, key=lambda r: r["reg"]),
                         "seed.json case worked; Appendix A")]
    joint = [{"reg": "2026000004", "unit": "2026000004"},
             {"reg": "2026000005", "unit": "2026000004"},
             {"reg": "2026000006", "unit": "2026000006"},
             {"reg": "A1B2C3D4", "unit": "A1B2C3D4"}]
    cases.append(number_case("joint-unit-one-ticket", hashlib.sha256(b"units").hexdigest(), joint,
                             "a unit draws one ticket: number(unit) (§6)"))
    for i in range(3):
        regs = sorted({f"{rng.randrange(36**8):X}".rjust(8, "0")
                       for _ in range(rng.randint(5, 12))})
        cases.append(number_case(f"random-{i}", rng.randbytes(32).hex(),
                                 [{"reg": r, "unit": r} for r in regs]))
    return {
        "version": 2, "generator": GENERATOR, "spec": "PROTOCOL.md v2 §6, Appendix A",
        "description": ("number(reg) = HMAC-SHA256(seed, \"sunshine-draw/v2/lottery-number\" ‖ "
                        "0x00 ‖ reg), compared as big-endian unsigned integers; units are ordered "
                        "by (number(unit), unit) ascending."),
        "cases": cases,
    }


def tree_case(name: str, records: list[Json], note: str | None = None) -> Json:
    leaves, root = input_tree(records)
    case: Json = {"name": name}
    if note:
        case["note"] = note
    case.update({"input": {"records": records}, "expected": {
        "leaves": [leaf.decode() for leaf in leaves], "root": root.hex(), "size": len(leaves),
        "proofs": [{"index": i, "proof": [h.hex() for h in inclusion_path(i, leaves)]}
                   for i in range(len(leaves))]}})
    return case


def input_tree_vectors() -> Json:
    rng = random.Random(33)
    pupils = [pupil("2026100002", "赵*", "F", ["sen"],
                    siblings={"group": "G1", "mode": "together"}),
              pupil("2026100001", "赵*一", "M", [], siblings={"group": "G1", "mode": "together"}),
              pupil("2026100003", "刘*", "F", [], same_name="N1"),
              {"type": "class-plan", "school": "S001", "name": "S001校",
               "classes": [{"id": "01", "capacity": 45}, {"id": "02", "capacity": 40}]}]
    teachers = [{"type": "teacher", "school": "S001", "id": "T0002", "name": "王*芳"},
                {"type": "teacher", "school": "S001", "id": "T0001", "name": "李*"}]
    cases = [tree_case("worked", WORKED_RECORDS, "the input of seed.json case worked"),
             tree_case("empty", [], "the empty tree's root is SHA-256 of the empty string"),
             tree_case("grouping-input", pupils), tree_case("teachers-input", teachers)]
    for i in range(3):
        cases.append(tree_case(f"random-{i}", random_records(rng, "lottery", rng.randint(1, 9))))
    dup = [*WORKED_RECORDS, WORKED_RECORDS[0]]
    bad = [*WORKED_RECORDS[:1], {**WORKED_RECORDS[1], "tuition": 5000.0}]
    cases += [reject("reject-duplicate-record", "tree", {"records": dup},
                     lambda: input_tree(dup)),
              reject("reject-float-in-record", "tree",
                     {"records_text": [canon(WORKED_RECORDS[0]).decode(),
                                       json.dumps(bad[1], ensure_ascii=False)]},
                     lambda: input_tree(bad),
                     "records_text because a float does not survive a JSON round trip here")]
    return {
        "version": 2, "generator": GENERATOR, "spec": "PROTOCOL.md v2 §3.2, §3.3, §4, §17.1",
        "description": ("Ceremony input tree: leaves are canon(record) (given as text) sorted "
                        "bytewise, duplicates refused; RFC 9162 root; proofs[i] is the RFC 9162 "
                        "inclusion proof (hex) of leaf i."),
        "notes": ["attrs of applicant and pupil records commit to fixed vector salts, "
                  "sha256('vector salt lottery/<reg>') and sha256('vector salt grouping/<reg>'); "
                  "the genders and strata are in the generator."],
        "cases": cases,
    }


def write(out: Path, name: str, doc: Json) -> None:
    (out / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    seeds = seed_vectors()
    write(out, "seed.json", seeds)
    write(out, "escrow.json", escrow_vectors(seeds))
    worked_seed = seeds["cases"][0]["expected"]["seed"]
    write(out, "lottery_numbers.json", lottery_number_vectors(worked_seed))
    write(out, "input_tree.json", input_tree_vectors())


if __name__ == "__main__":
    main()
