"""Generate the ceremony conformance vectors (PROTOCOL.md §3.3, §5, §6).

Writes tests/vectors/{seed,escrow,lottery_numbers,input_tree}.json. Run by hand:

    .venv/bin/python tests/vectors/generate_ceremony.py

Output is deterministic (fixed secrets, fixed keys, a seeded PRNG for the
randomised cases). The tests re-derive the worked values independently, so a
bug here cannot silently become the expected answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
)

from lottery_service.core.canonical import canonical_json
from lottery_service.core.errors import ProtocolError
from lottery_service.core.inputs import build_input_tree
from lottery_service.core.lottery import lottery_numbers
from lottery_service.core.records import (
    Applicant,
    Pupil,
    Rules,
    School,
    Teacher,
    record_from_json,
)
from lottery_service.core.seed import (
    Contribution,
    Participant,
    commitment,
    derive_seed,
    open_escrow,
    participants_hash,
    rules_hash,
    seal_escrow,
    seed_input,
)

HERE = Path(__file__).resolve().parent

WORKED_RULES: dict[str, Any] = Rules(event="demo-2026", title="云岩区2026演示", year=2026,
                                     grade=1).to_json()
WORKED_PARTICIPANTS = [
    {"id": "bureau-1", "role": "bureau"},
    {"id": "notary-1", "role": "notary"},
    {"id": "parent-rep-1", "role": "parent-rep"},
]
WORKED_SECRETS = {"bureau-1": "11" * 32, "notary-1": "22" * 32, "parent-rep-1": "33" * 32}
WORKED_DICE = [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 2, 3, 6, 4, 6, 2, 6, 4, 3, 3]
# Given out of order on purpose: the input tree sorts them (§3.3).
WORKED_RECORDS = [
    Applicant(reg="2026000003", name="张*明", school="S001", district="D01", gender="F",
              reg_day="2026-06-11").to_json(),
    Applicant(reg="2026000001", name="李*", school="S001", district="D01", gender="M",
              reg_day="2026-06-12").to_json(),
    Applicant(reg="2026000002", name="王*华", school="S001", district="D01", gender="F",
              reg_day="2026-06-11").to_json(),
]
HOLDER_PRIVATE = bytes(range(1, 33)).hex()  # 0x01 0x02 … 0x20
EPHEMERAL_PRIVATE = bytes(range(33, 65)).hex()  # 0x21 0x22 … 0x40
DRAND_QUICKNET = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"


def _private(hex_key: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(bytes.fromhex(hex_key))


def _public_hex(key: X25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _error(fn: Any) -> str:
    try:
        fn()
    except ProtocolError as exc:
        return type(exc).__name__
    raise AssertionError("expected a rejection")


def seed_case(name: str, inp: dict[str, Any]) -> dict[str, Any]:
    """Compute every intermediate value of one full ceremony (§5.2-§5.7)."""
    event, ceremony = inp["event"], inp["ceremony"]
    rules = Rules.from_json(inp["rules"])
    participants = [Participant(p["id"], p["role"]) for p in inp["participants"]]
    tree = build_input_tree(record_from_json(r) for r in inp["records"])
    commitments, escrows, contributions = [], [], []
    for c in inp["contributions"]:
        p, secret = c["participant"], bytes.fromhex(c["secret"])
        com = commitment(event, ceremony, p, secret)
        commitments.append({"participant": p, "commitment": com.hex()})
        revealed: bytes | None = secret
        if c["status"] == "escrow_opened":
            holder = _private(inp["escrow_holder_private"])
            escrow = seal_escrow(secret, com, bytes.fromhex(_public_hex(holder)),
                                 _private(c["ephemeral_private"]))
            escrows.append({"participant": p, "escrow": escrow})
            revealed = open_escrow(escrow, com, holder, event=event, ceremony=ceremony,
                                   participant=p)
        elif c["status"] == "void":
            revealed = None
        contributions.append(Contribution(p, com, revealed))
    beacon = None if inp["beacon"] is None else bytes.fromhex(inp["beacon"])
    args = (event, ceremony, rules_hash(rules), participants_hash(participants), tree.root,
            tree.size, contributions, inp["physical"], beacon)
    return {"name": name, "input": inp, "expected": {
        "commitments": commitments,
        "escrows": escrows,
        "rules_canonical": canonical_json(rules.to_json()).decode(),
        "rules_hash": rules_hash(rules).hex(),
        "participants_canonical": canonical_json(inp["participants"]).decode(),
        "participants_hash": participants_hash(participants).hex(),
        "input_leaves": [leaf.hex() for leaf in tree.leaves],
        "input_root": tree.root.hex(),
        "input_size": tree.size,
        "seed_input_canonical": canonical_json(seed_input(*args)).decode(),
        "seed": derive_seed(*args).hex(),
    }}


def worked_input(**changes: Any) -> dict[str, Any]:
    inp: dict[str, Any] = {
        "check": "seed", "event": "demo-2026", "ceremony": "lottery",
        "rules": WORKED_RULES, "participants": WORKED_PARTICIPANTS,
        "records": WORKED_RECORDS,
        "contributions": [{"participant": p, "secret": s, "status": "reveal",
                           "ephemeral_private": None} for p, s in WORKED_SECRETS.items()],
        "escrow_holder_private": None,
        "physical": WORKED_DICE, "beacon": None,
    }
    inp.update(changes)
    return inp


def random_records(rng: random.Random, ceremony: str, n: int) -> list[dict[str, Any]]:
    """Input records of the kind each ceremony freezes (§5.1), masked per §3.2."""
    regs = rng.sample(range(10**9), n)
    names = ["张*明", "李*", "欧*娜", "L*g"]
    if ceremony == "teachers":
        return [Teacher(school=rng.choice(["S001", "S002"]), id=f"T{r:09d}",
                        name=rng.choice(names)).to_json() for r in regs]
    if ceremony == "grouping":
        return [Pupil(reg=f"2026{r:09d}", name=rng.choice(names),
                      school=rng.choice(["S001", "S002"]),
                      gender=rng.choice(["F", "M"])).to_json() for r in regs]
    return [Applicant(reg=f"2026{r:09d}", name=rng.choice(names),
                      school=rng.choice(["S001", "S002"]), district=rng.choice(["D01", "D02"]),
                      gender=rng.choice(["F", "M"]),
                      reg_day=f"2026-06-{rng.randint(11, 20)}").to_json() for r in regs]


def seed_vectors() -> dict[str, Any]:
    rng = random.Random(20260611)
    cases = [seed_case("worked", worked_input())]
    contributions = worked_input()["contributions"]
    cases.append(seed_case("void", worked_input(contributions=[
        *contributions[:2], {**contributions[2], "status": "void"}])))
    cases.append(seed_case("escrow-opened", worked_input(
        escrow_holder_private=HOLDER_PRIVATE,
        contributions=[contributions[0], {**contributions[1], "status": "escrow_opened",
                                          "ephemeral_private": EPHEMERAL_PRIVATE},
                       contributions[2]])))
    beacon_rules = Rules(event="demo-2026", title="云岩区2026演示", year=2026, grade=1,
                         beacon=None).to_json()
    beacon_rules["beacon"] = {"chain": DRAND_QUICKNET, "period": 3}
    cases.append(seed_case("beacon", worked_input(
        rules=beacon_rules, beacon=hashlib.sha256(b"sunshine-draw demo beacon").hexdigest())))
    roles = ["notary", "supervisor", "parent-rep", "bureau"]
    for i, ceremony in enumerate(["lottery", "grouping", "teachers"]):
        k = rng.randint(2, 5)
        ids = sorted(f"{rng.choice(roles)}-{j}" for j in range(k))
        participants = [{"id": p, "role": p.rsplit("-", 1)[0]} for p in ids]
        holder = rng.randbytes(32).hex()
        contribs: list[dict[str, Any]] = [{"participant": p, "secret": rng.randbytes(32).hex(),
                     "status": rng.choice(["reveal", "reveal", "escrow_opened", "void"]),
                     "ephemeral_private": rng.randbytes(32).hex()} for p in ids]
        for c in contribs:
            if c["status"] != "escrow_opened":
                c["ephemeral_private"] = None
        event = f"random-{i}"
        rules = Rules(event=event, title=f"random {i}", year=2026, grade=rng.choice([1, 7]),
                      dice=rng.randint(20, 30)).to_json()
        cases.append(seed_case(f"random-{i}", {
            "check": "seed", "event": event, "ceremony": ceremony, "rules": rules,
            "participants": participants,
            "records": random_records(rng, ceremony, rng.randint(0, 12)),
            "contributions": contribs, "escrow_holder_private": holder,
            "physical": [rng.randint(1, 6) for _ in range(rules["dice"])],
            "beacon": rng.choice([None, rng.randbytes(32).hex()]),
        }))

    # Rejections (§5.2, §5.3, §5.5).
    worked_commitments = {c["participant"]: c["commitment"]
                          for c in cases[0]["expected"]["commitments"]}
    wrong = {"check": "opening", "event": "demo-2026", "ceremony": "lottery",
             "participant": "notary-1", "secret": "44" * 32,
             "commitment": worked_commitments["notary-1"]}
    short = {"check": "commitment", "event": "demo-2026", "ceremony": "lottery",
             "participant": "bureau-1", "secret": "11" * 31}
    die7 = worked_input(physical=[*WORKED_DICE[:5], 7, *WORKED_DICE[6:]])
    unsorted = {"check": "participants",
                "participants": [WORKED_PARTICIPANTS[1], WORKED_PARTICIPANTS[0],
                                 WORKED_PARTICIPANTS[2]]}
    single = {"check": "participants", "participants": WORKED_PARTICIPANTS[:1]}
    role = {"check": "participants",
            "participants": [*WORKED_PARTICIPANTS[:2], {"id": "teacher-1", "role": "teacher"}]}
    for name, inp in [("reject-wrong-secret", wrong), ("reject-secret-31-bytes", short),
                      ("reject-die-7", die7), ("reject-unsorted-participants", unsorted),
                      ("reject-one-participant", single), ("reject-unknown-role", role)]:
        cases.append({"name": name, "input": inp, "error": _error(lambda i=inp: run_check(i))})
    return {
        "description": "Commitments, participant and rule hashes, input root and the ceremony "
                       "seed. check = seed | opening | commitment | participants. Contribution "
                       "status reveal / escrow_opened (sealed with ephemeral_private to the "
                       "holder key, then opened) / void (enters the seed as null).",
        "spec": "PROTOCOL.md §5", "cases": cases,
    }


def run_check(inp: dict[str, Any]) -> object:
    """Evaluate one rejection input (used to record which error it raises)."""
    if inp["check"] == "seed":
        return seed_case("", inp)
    if inp["check"] == "opening":
        from lottery_service.core.seed import check_opening
        check_opening(inp["event"], inp["ceremony"], inp["participant"],
                      bytes.fromhex(inp["secret"]), bytes.fromhex(inp["commitment"]))
        return None
    if inp["check"] == "commitment":
        return commitment(inp["event"], inp["ceremony"], inp["participant"],
                          bytes.fromhex(inp["secret"]))
    return participants_hash([Participant(p["id"], p["role"]) for p in inp["participants"]])


def escrow_seal_case(name: str, event: str, ceremony: str, participant: str, secret: str,
                     holder: str, ephemeral: str) -> dict[str, Any]:
    """A §5.4 sealing with every intermediate value an implementer needs."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    com = commitment(event, ceremony, participant, bytes.fromhex(secret))  # type: ignore[arg-type]
    holder_pub, eph_pub = _public_hex(_private(holder)), _public_hex(_private(ephemeral))
    shared = _private(ephemeral).exchange(X25519PublicKey.from_public_bytes(
        bytes.fromhex(holder_pub)))
    key = HKDF(algorithm=hashes.SHA256(), length=32,
               salt=bytes.fromhex(eph_pub + holder_pub),
               info=b"sunshine-draw/v1/escrow\x00" + com).derive(shared)
    escrow = seal_escrow(bytes.fromhex(secret), com, bytes.fromhex(holder_pub),
                         _private(ephemeral))
    return {"name": name, "input": {
        "check": "seal", "event": event, "ceremony": ceremony, "participant": participant,
        "secret": secret, "holder_private": holder, "ephemeral_private": ephemeral,
    }, "expected": {
        "holder_public": holder_pub, "ephemeral_public": eph_pub, "commitment": com.hex(),
        "shared_secret": shared.hex(), "key": key.hex(), "escrow": escrow,
    }}


def escrow_vectors() -> dict[str, Any]:
    rng = random.Random(5_4)
    worked = escrow_seal_case("worked", "demo-2026", "lottery", "notary-1", "22" * 32,
                              HOLDER_PRIVATE, EPHEMERAL_PRIVATE)
    cases = [worked]
    for i in range(3):
        cases.append(escrow_seal_case(
            f"random-{i}", f"random-{i}", rng.choice(["lottery", "grouping", "teachers"]),
            f"supervisor-{i}", rng.randbytes(32).hex(), rng.randbytes(32).hex(),
            rng.randbytes(32).hex()))
    good = worked["expected"]
    raw = bytearray(base64.b64decode(good["escrow"]))
    raw[40] ^= 0x01  # one bit of the ciphertext
    tampered = base64.b64encode(bytes(raw)).decode()
    wrong_com = commitment("demo-2026", "lottery", "notary-1", bytes.fromhex("22" * 32))
    sealed_wrong = seal_escrow(bytes.fromhex("44" * 32), wrong_com,
                               bytes.fromhex(good["holder_public"]),
                               _private(EPHEMERAL_PRIVATE))
    # 80 bytes: the last base64 digit carries 2 unused bits that must be zero (§1).
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet[alphabet.index(good["escrow"][-2]) ^ 1]
    noncanon = good["escrow"][:-2] + last + "="
    base = {"check": "open", "event": "demo-2026", "ceremony": "lottery",
            "participant": "notary-1", "commitment": good["commitment"],
            "holder_private": HOLDER_PRIVATE}
    opens = [
        ("open-worked", {**base, "escrow": good["escrow"]}),
        ("reject-tampered-ciphertext", {**base, "escrow": tampered}),
        ("reject-plaintext-not-committed", {**base, "escrow": sealed_wrong}),
        ("reject-wrong-holder-key", {**base, "escrow": good["escrow"],
                                     "holder_private": "05" * 32}),
        ("reject-wrong-participant", {**base, "escrow": good["escrow"],
                                      "participant": "bureau-1"}),
        ("reject-noncanonical-base64", {**base, "escrow": noncanon}),
        ("reject-short", {**base, "escrow": good["escrow"][:-8]}),
    ]
    for name, inp in opens:
        def run(i: dict[str, Any] = inp) -> bytes:
            return open_escrow(i["escrow"], bytes.fromhex(i["commitment"]),
                               _private(i["holder_private"]), event=i["event"],
                               ceremony=i["ceremony"], participant=i["participant"])
        if name.startswith("reject-"):
            cases.append({"name": name, "input": inp, "error": _error(run)})
        else:
            cases.append({"name": name, "input": inp, "expected": {"secret": run().hex()}})
    return {
        "description": "Escrow of a ceremony secret to the escrow holder: X25519, HKDF-SHA256 "
                       "(salt E‖P, info tag‖0x00‖commitment), AES-256-GCM with a zero nonce and "
                       "aad = commitment. check = seal (fixed keys; expected escrow must also "
                       "open) | open (fails → contribution_void, reason escrow-invalid).",
        "spec": "PROTOCOL.md §5.4", "cases": cases,
    }


def number_case(name: str, seed: str, regs: list[str]) -> dict[str, Any]:
    numbers = lottery_numbers(bytes.fromhex(seed), regs)
    order = sorted(regs, key=lambda r: (numbers[r], r))
    return {"name": name, "input": {"seed": seed, "regs": regs}, "expected": {
        "numbers": [{"reg": r, "number": numbers[r].hex()} for r in regs], "order": order}}


def lottery_number_vectors(worked_seed: str) -> dict[str, Any]:
    rng = random.Random(6)
    worked_regs = sorted(r["reg"] for r in WORKED_RECORDS)
    cases = [number_case("worked", worked_seed, worked_regs)]
    for i in range(4):
        regs = sorted({f"{rng.randint(0, 36**6):X}".rjust(6, "0") + "A"
                       for _ in range(rng.randint(5, 15))})
        cases.append(number_case(f"random-{i}", rng.randbytes(32).hex(), regs))
    return {
        "description": "number(reg) = HMAC-SHA256(seed, \"sunshine-draw/v1/lottery-number\" ‖ "
                       "0x00 ‖ reg); order = regs ascending by (number, reg). The worked seed is "
                       "seed.json case worked.",
        "spec": "PROTOCOL.md §6", "cases": cases,
    }


def tree_case(name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    tree = build_input_tree(record_from_json(r) for r in records)
    return {"name": name, "input": {"records": records}, "expected": {
        "leaves": [leaf.hex() for leaf in tree.leaves], "root": tree.root.hex(),
        "size": tree.size,
        "proofs": [{"index": i, "proof": [h.hex() for h in tree.inclusion_proof(i)]}
                   for i in range(tree.size)],
    }}


def input_tree_vectors() -> dict[str, Any]:
    rng = random.Random(33)
    school = School(id="S001", name="阳光实验学校", district="D01", authority="city",
                    tuition=5000, quota=5, community_quota=2).to_json()
    cases = [tree_case("worked", WORKED_RECORDS), tree_case("empty", []),
             tree_case("school-and-applicants", [*WORKED_RECORDS, school])]
    for i in range(3):
        cases.append(tree_case(f"random-{i}", random_records(rng, "lottery", rng.randint(1, 11))))
    dup = [*WORKED_RECORDS, WORKED_RECORDS[0]]

    def run() -> None:
        build_input_tree(record_from_json(r) for r in dup)

    cases.append({"name": "reject-duplicate-record", "input": {"records": dup},
                  "error": _error(run)})
    return {
        "description": "Ceremony input tree: leaves = canon(record) sorted bytewise "
                       "(duplicates rejected), RFC 9162 Merkle root; proofs[i] is the RFC 9162 "
                       "inclusion proof of leaf i.",
        "spec": "PROTOCOL.md §3.3", "cases": cases,
    }


def write(name: str, doc: dict[str, Any]) -> None:
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    (HERE / name).write_text(text, encoding="utf-8")


def main() -> None:
    seeds = seed_vectors()
    write("seed.json", seeds)
    write("escrow.json", escrow_vectors())
    write("lottery_numbers.json", lottery_number_vectors(seeds["cases"][0]["expected"]["seed"]))
    write("input_tree.json", input_tree_vectors())


if __name__ == "__main__":
    main()
