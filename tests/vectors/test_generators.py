"""The v2 reference generators reproduce the committed vectors byte for byte, import
nothing of the product, and their vectors agree with checks written here afresh
(stdlib hashing, RFC 9162 verification, Ed25519 and AES-GCM from `cryptography`).

The service and verifier still implement v1; they are ported against these vectors.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
import json
import math
import subprocess
import sys
import zlib
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = Path(__file__).resolve().parent
OUTPUTS = {
    "generate_ceremony.py": ["seed.json", "escrow.json", "lottery_numbers.json",
                             "input_tree.json"],
    "generate_allocation.py": ["allocation.json"],
    "generate_grouping.py": ["grouping.json"],
    "generate_eligibility.py": ["eligibility.json"],
    "generate_bias.py": ["bias.json"],
    "generate_matching.py": ["matching.json"],
    "generate_log.py": ["log_entries.json"],
    "generate_receipts.py": ["receipts.json", "receipt_log"],
    "generate_privacy.py": ["privacy.json"],
}
ALLOWED_IMPORTS = {"__future__", "base64", "collections", "hashlib", "hmac", "itertools", "json",
                   "math", "random", "re", "shutil", "sys", "datetime", "fractions", "pathlib",
                   "typing", "zlib", "cryptography", "rfc8785"}
Json = Any


def load(name: str) -> Json:
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def H(tag: str, m: bytes) -> bytes:
    return hashlib.sha256(tag.encode() + b"\0" + m).digest()


def K(key: bytes, tag: str, ident: str) -> bytes:
    return hmac.new(key, tag.encode() + b"\0" + ident.encode(), hashlib.sha256).digest()


def canon(v: Json) -> bytes:
    return rfc8785.dumps(v)


def root_of(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH, iteratively: hash the leaves, then pair up levels left to right."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = [hashlib.sha256(b"\0" + x).digest() for x in leaves]
    while len(level) > 1:
        nxt = [hashlib.sha256(b"\1" + level[i] + level[i + 1]).digest()
               for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def included(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, hashlib.sha256(b"\0" + leaf).digest()
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\1" + p + r).digest()
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\1" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


# --- reproducibility and independence ---------------------------------------------------

@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vectors")
    for script in OUTPUTS:
        subprocess.run([sys.executable, str(HERE / script), str(out)], check=True,
                       cwd=HERE.parents[1])
    return out


def tree(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {"": path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("script", sorted(OUTPUTS))
def test_generator_reproduces_committed_vectors(script: str, regenerated: Path) -> None:
    for name in OUTPUTS[script]:
        assert tree(regenerated / name) == tree(HERE / name), f"{script} → {name} differs"


@pytest.mark.parametrize("script", sorted(OUTPUTS))
def test_generator_imports_nothing_of_the_product(script: str) -> None:
    mods = set()
    for node in ast.walk(ast.parse((HERE / script).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mods.add((node.module or "").split(".")[0])
    siblings = {m for m in mods if m.startswith("generate_") and m + ".py" in OUTPUTS}
    assert mods - siblings <= ALLOWED_IMPORTS, mods - siblings - ALLOWED_IMPORTS


@pytest.mark.parametrize("name", sorted(n for ns in OUTPUTS.values() for n in ns
                                        if n.endswith(".json")))
def test_vector_file_header(name: str) -> None:
    doc = load(name)
    script = next(s for s, ns in OUTPUTS.items() if name in ns)
    assert doc["version"] == 2
    assert doc["generator"] == "tests/vectors/" + script
    assert doc["spec"].startswith("PROTOCOL.md v2 ")


# --- ceremony vectors (§3.3, §5, §6) ---------------------------------------------------

def test_seed_cases_recompute() -> None:
    doc = load("seed.json")
    assert doc["beacon_cases_todo"] == []
    seen = 0
    for c in doc["cases"]:
        if "expected" not in c:
            assert c["error"]["section"] and c["error"]["reason"]
            continue
        seen += 1
        inp, exp = c["input"], c["expected"]
        assert exp["rules_hash"] == H("sunshine-draw/v2/rules", canon(inp["rules"])).hex()
        assert exp["participants_hash"] == H("sunshine-draw/v2/participants",
                                             canon(inp["participants"])).hex()
        leaves = sorted(canon(r) for r in inp["records"])
        assert [x.encode() for x in exp["input_leaves"]] == leaves
        assert exp["input_root"] == root_of(leaves).hex()
        for com in exp["commitments"]:
            contrib = next(x for x in inp["contributions"]
                           if x["participant"] == com["participant"])
            assert com["commitment"] == H("sunshine-draw/v2/commitment", canon({
                "ceremony": inp["ceremony"], "event": inp["event"],
                "participant": com["participant"], "secret": contrib["secret"]})).hex()
        seed_input = json.loads(exp["seed_input_canonical"])
        assert canon(seed_input).decode() == exp["seed_input_canonical"]
        assert seed_input["rules"] == exp["rules_hash"]
        assert seed_input["input_root"] == exp["input_root"]
        assert seed_input["physical"] == inp["physical"] and seed_input["beacon"] is None
        for x in seed_input["contributions"]:
            contrib = next(y for y in inp["contributions"] if y["participant"] == x["participant"])
            assert (x["secret"] is None) == (contrib["status"] == "void")
            assert (x["commitment"] is None) == (contrib["void_reason"] == "no-commitment")
        seed = H("sunshine-draw/v2/seed", exp["seed_input_canonical"].encode()).hex()
        assert exp["seed"] == seed
        assert exp["seed_entry_body"] == {"ceremony": inp["ceremony"], "seed": seed,
                                          "input_root": exp["input_root"],
                                          "input_size": len(leaves)}
        assert exp["log_bodies"][-1] == {"type": "seed", "body": exp["seed_entry_body"]}
    assert seen >= 7


def test_escrows_open_with_the_holder_key() -> None:
    for c in load("escrow.json")["cases"]:
        if c["check"] != "seal":
            continue
        inp, exp = c["input"], c["expected"]
        holder = X25519PrivateKey.from_private_bytes(bytes.fromhex(inp["holder_private"]))
        raw = base64.b64decode(exp["escrow"], validate=True)
        assert len(raw) == 80
        e_pub, ct = raw[:32], raw[32:]
        z = holder.exchange(X25519PublicKey.from_public_bytes(e_pub))
        com = bytes.fromhex(exp["commitment"])
        p_pub = holder.public_key().public_bytes_raw()
        k = HKDF(algorithm=SHA256(), length=32, salt=e_pub + p_pub,
                 info=b"sunshine-draw/v2/escrow\0" + com).derive(z)
        assert AESGCM(k).decrypt(bytes(12), ct, com).hex() == inp["secret"]


def test_lottery_numbers_recompute() -> None:
    for c in load("lottery_numbers.json")["cases"]:
        seed = bytes.fromhex(c["input"]["seed"])
        num = {x["reg"]: x["number"] for x in c["expected"]["numbers"]}
        for x in c["input"]["applicants"]:
            assert num[x["reg"]] == K(seed, "sunshine-draw/v2/lottery-number", x["reg"]).hex()
        units = sorted({x["unit"] for x in c["input"]["applicants"]})
        assert c["expected"]["unit_order"] == sorted(
            units, key=lambda u: (K(seed, "sunshine-draw/v2/lottery-number", u), u))


def test_input_tree_proofs_verify() -> None:
    for c in load("input_tree.json")["cases"]:
        if "expected" not in c:
            continue
        leaves = [x.encode() for x in c["expected"]["leaves"]]
        root = bytes.fromhex(c["expected"]["root"])
        assert root == root_of(leaves)
        for p in c["expected"]["proofs"]:
            assert included(p["index"], len(leaves), leaves[p["index"]],
                            [bytes.fromhex(h) for h in p["proof"]], root)


# --- allocation (§7) ---------------------------------------------------------------------

def test_allocation_invariants() -> None:
    for c in load("allocation.json")["cases"]:
        if "expected" not in c:
            assert c["error"]["section"].startswith("§")
            continue
        inp, entries = c["input"], c["expected"]["entries"]
        seed = bytes.fromhex(inp["seed"])
        regs = sorted(a["reg"] for a in inp["applicants"])
        results = [e["body"] for e in entries if e["type"] == "lottery_result"]
        assert sorted(r["reg"] for r in results) == regs
        for e in entries:
            if e["type"] == "lottery_summary":
                b = e["body"]
                assert b["admitted"] + b["returned_to_bureau"] == b["quota"]
                mine = [r for r in results if r["school"] == b["school"]]
                assert b["admitted"] == sum(r["outcome"] == "admitted" for r in mine)
        for r in results:
            if r["outcome"] == "admitted" and r["cutoff"] is not None:
                assert K(seed, "sunshine-draw/v2/lottery-number", r["unit"]).hex() <= r["cutoff"]
        # §11.3 rule 5 shapes and §7.6: nobody is promoted after being locked.
        locked: set[str] = set()
        for e in entries:
            if e["type"] == "lock":
                locked.add(e["body"]["reg"])
            if e["type"] == "promotion":
                assert e["body"]["reg"] not in locked
        assert c["expected"]["payments_closed"]
        assert entries[-1]["type"] == "payments_closed"
        assert entries[-1]["body"]["rounds"] == len(inp["rounds"])


# --- bias (§8) ---------------------------------------------------------------------------

def q_closed_form(df: int, x: float) -> float:
    """Q(df/2, x/2) by the closed forms for integer and half-integer a."""
    h = x / 2
    if df % 2 == 0:
        return math.exp(-h) * sum(h**i / math.factorial(i) for i in range(df // 2))
    total = math.erfc(math.sqrt(h))
    for k in range(df // 2):
        total += math.exp(-h) * h ** (k + 0.5) / math.gamma(k + 1.5)
    return total


def test_bias_arithmetic_and_p_values() -> None:
    for c in load("bias.json")["cases"]:
        for dim, exact in zip(c["expected"]["body"]["dimensions"], c["expected"]["exact"],
                              strict=True):
            chi2 = Fraction(exact["chi2"])
            assert dim["chi2_milli"] == math.floor(1000 * chi2 + Fraction(1, 2))
            for v in dim["values"]:
                e = Fraction(exact["expected"][v["value"]])
                assert v["expected_milli"] == math.floor(1000 * e + Fraction(1, 2))
            assert dim["testable"] == (dim["df"] >= 1)
            if dim["testable"]:
                p = q_closed_form(dim["df"], float(chi2))
                assert abs(dim["p_ppm"] - math.floor(1e6 * p + 0.5)) <= 1
            else:
                assert dim["p_ppm"] == 1_000_000 and not dim["flag"]
            assert dim["flag"] == (dim["testable"] and dim["p_ppm"] < 1000)


# --- eligibility, privacy (§7.1, §17, §18.3) --------------------------------------------

def test_eligibility_openings_verify() -> None:
    for c in load("eligibility.json")["cases"]:
        if "expected" not in c:
            continue
        exp = c["expected"]
        leaves = [x.encode() for x in exp["rejection_leaves"]]
        root = root_of(leaves)
        assert exp["eligibility_rejections"] == {"count": len(leaves), "root": root.hex()}
        for o in exp["rejection_openings"]:
            item = o["records_item"]
            assert json.loads(item["record"])["reg"] == o["reg"]
            assert included(item["index"], item["size"], item["record"].encode(),
                            [base64.b64decode(h) for h in item["proof"]], root)
        apps = {a["reg"]: a for a in c["input"]["applications"]}
        for r in exp["applicant_records"]:
            a = apps[r["reg"]]
            assert r["attrs"] == H("sunshine-draw/v2/attributes", canon(
                {"reg": r["reg"], "gender": a["gender"], "strata": [], "salt": a["salt"]})).hex()


def test_privacy_shard_decrypts_to_the_receipt() -> None:
    doc = load("privacy.json")
    for c in doc["attributes"]:
        if "expected" in c:
            assert c["expected"]["attrs"] == H("sunshine-draw/v2/attributes",
                                               canon(c["input"]["opening"])).hex()
    shard = next(c for c in doc["shards"] if c["name"] == "shard-admitted")
    inp, exp = shard["input"], shard["expected"]
    m = canon({"origin": inp["origin"], "reg": inp["reg"], "factor": inp["factor"]})
    address = H("sunshine-draw/v2/shard-address", m).hex()
    key = H("sunshine-draw/v2/shard-key", m)
    assert exp["address"] == address and exp["path"] == f"shards/{address[:2]}/{address}"
    raw = base64.b64decode(exp["shard"])
    text = AESGCM(key).decrypt(raw[:12], raw[12:], address.encode()).decode()
    assert text == (HERE / "receipt_log/receipts/admitted.tlog-proof").read_text()
    openings = doc["openings"][0]["input"]["openings_jsonl"]
    assert openings == (HERE / "receipt_log/openings.jsonl").read_text(encoding="utf-8")


def test_matching_pairs_follow_the_keys() -> None:
    for c in load("matching.json")["cases"]:
        if "expected" not in c:
            continue
        seed = bytes.fromhex(c["input"]["seed"])
        for s in c["expected"]["schools"]:
            tids = sorted(s["teacher_keys"])
            order = sorted(tids, key=lambda t: (K(seed, "sunshine-draw/v2/teacher-key",
                                                  s["school"] + "/" + t), t))
            assert [p["teacher"] for p in s["pairs"]] == order
            assert [p["class"] for p in s["pairs"]] == sorted(p["class"] for p in s["pairs"])


# --- log entries (§11) -------------------------------------------------------------------

def test_log_entry_vectors() -> None:
    doc = load("log_entries.json")
    for v in doc["valid"]:
        entry = json.loads(v["entry"])
        assert canon(entry).decode() == v["entry"] and entry["v"] == 2
        assert entry["type"] == v["type"] and entry["body"] == v["body"]
        assert v["leaf_hash"] == hashlib.sha256(b"\0" + v["entry"].encode()).hexdigest()
    assert len({v["type"] for v in doc["valid"]}) == len(doc["valid"]) >= 33
    for c in doc["invalid"]:
        assert c["error"]["section"] and c["error"]["reason"]
    for c in doc["split"]:
        assert sum(c["expected"]["part_sizes"]) == len(c["input"]["records"])
        assert all(n <= 250 for n in c["expected"]["part_sizes"])
        assert all(b < 65_536 for b in c["expected"]["entry_bytes"])


# --- receipts and the receipt log (§12-§14) ---------------------------------------------

def key_of(vkey_text: str) -> tuple[str, bytes, bytes]:
    name, kid, key = vkey_text.strip().split("+", 2)
    raw = base64.b64decode(key)
    assert hashlib.sha256(name.encode() + b"\n" + raw[:1] + raw[1:]).digest()[:4].hex() == kid
    return name, bytes.fromhex(kid), raw[1:]


def verify_note(note: str, log_vkey: str, witness_vkey: str) -> tuple[int, bytes]:
    text, sigs = note.rsplit("\n\n", 1)
    text += "\n"
    origin, size, root = text.splitlines()
    name, kid, pub = key_of(log_vkey)
    wname, wkid, wpub = key_of(witness_vkey)
    assert origin == name
    lines = [ln.split(" ") for ln in sigs.splitlines()]
    log_sig = next(base64.b64decode(s) for _, n, s in lines if n == name)
    assert log_sig[:4] == kid
    Ed25519PublicKey.from_public_bytes(pub).verify(log_sig[4:], text.encode())
    cos = next(base64.b64decode(s) for _, n, s in lines if n == wname)
    assert cos[:4] == wkid
    ts = int.from_bytes(cos[4:12], "big")
    Ed25519PublicKey.from_public_bytes(wpub).verify(
        cos[12:], f"cosignature/v1\ntime {ts}\n".encode() + text.encode())
    return int(size), base64.b64decode(root)


def test_receipt_log_checkpoints_sign_the_entries() -> None:
    d = HERE / "receipt_log"
    lines = (d / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    leaves = [ln.encode() for ln in lines]
    for i, ln in enumerate(lines):
        e = json.loads(ln)
        assert canon(e).decode() == ln and e["seq"] == i and e["v"] == 2
        assert i == 0 or json.loads(lines[i - 1])["time"] <= e["time"]
    log_vkey = (d / "keys/log.vkey").read_text()
    witness_vkey = next((d / "keys").glob("witness-*.vkey")).read_text()
    notes = sorted((d / "checkpoints").glob("*.note"), key=lambda p: int(p.stem))
    assert int(notes[-1].stem) == len(lines)
    for p in notes:
        size, root = verify_note(p.read_text(encoding="utf-8"), log_vkey, witness_vkey)
        assert size == int(p.stem) and root == root_of(leaves[:size])
    policy = (d / "policy").read_text()
    assert f"log {log_vkey.strip()}\n" in policy and witness_vkey.strip() in policy


def test_positive_receipts_verify_independently() -> None:
    doc = load("receipts.json")
    d = HERE / "receipt_log"
    log_vkey = (d / "keys/log.vkey").read_text()
    witness_vkey = next((d / "keys").glob("witness-*.vkey")).read_text()
    positives = [c for c in doc["cases"] if c["expected"]["ok"]]
    negatives = [c for c in doc["cases"] if not c["expected"]["ok"]]
    assert len(positives) >= 8 and len(negatives) >= 30
    assert {c["expected"]["failed_step"] for c in negatives} == {1, 2, 3, 4, 5, 6}
    for c in positives:
        text = c["input"]["receipt"]
        head, note = text.split("\n\n", 1)
        lines = head.split("\n")
        assert lines[0] == "c2sp.org/tlog-proof@v1"
        x = json.loads(zlib.decompress(base64.b64decode(lines[1][len("extra "):])))
        index = int(lines[2][len("index "):])
        if c["name"] != "no-cosignature-quorum-not-met":
            size, root = verify_note(note, log_vkey, witness_vkey)
        else:
            size, root = int(note.split("\n")[1]), base64.b64decode(note.split("\n")[2])
        assert x["reg"] == c["input"]["reg"]
        assert included(index, size, x["entry"].encode(),
                        [base64.b64decode(h) for h in lines[3:]], root)
        seeds = {}
        for e in x["entries"]:
            assert included(e["index"], size, e["entry"].encode(),
                            [base64.b64decode(h) for h in e["proof"]], root)
            body = json.loads(e["entry"])
            if body["type"] == "seed":
                seeds[body["body"]["ceremony"]] = body["body"]
        primary = json.loads(x["entry"])
        for r in x["records"]:
            if r["ceremony"] == "rejections":
                tree_root, tree_size = bytes.fromhex(primary["body"]["root"]), \
                    primary["body"]["count"]
            else:
                tree_root = bytes.fromhex(seeds[r["ceremony"]]["input_root"])
                tree_size = seeds[r["ceremony"]]["input_size"]
            assert r["size"] == tree_size
            assert included(r["index"], tree_size, r["record"].encode(),
                            [base64.b64decode(h) for h in r["proof"]], tree_root)
        fields = c["expected"]["fields"]
        if primary["type"] == "lottery_result":
            seed = bytes.fromhex(seeds["lottery"]["seed"])
            assert fields["number"] == K(seed, "sunshine-draw/v2/lottery-number",
                                         x["reg"]).hex()
            assert fields["outcome"] == primary["body"]["outcome"]
    for p in (d / "receipts").glob("*.tlog-proof"):
        assert p.read_text(encoding="utf-8") == next(
            c["input"]["receipt"] for c in doc["cases"] if c["name"] == p.stem)
