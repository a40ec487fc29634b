"""Reference generator for privacy.json: PROTOCOL.md v2 §17.1, §17.3, §18.3.

Attribute commitments from their openings, the sealed openings file of the event
in receipt_log/ with every check `--openings` makes, and a family shard
(address, key, AES-256-GCM with a fixed nonce) holding a receipt of that log.
Written from the text alone: no lottery_service, no verifier.

    .venv/bin/python tests/vectors/generate_privacy.py [OUT_DIR]
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from generate_bias import audit, pools_from_allocation
from generate_ceremony import H, b64, canon, fixed_salt, input_tree, mth
from generate_receipts import ORIGIN, make_receipt, season

Json = Any
GENERATOR = "tests/vectors/generate_privacy.py"


class Refused(Exception):
    """args = (section, reason)."""


def attrs_of(opening: Json) -> str:
    """§17.1: attrs = hex(H("sunshine-draw/v2/attributes", canon(opening)))."""
    if set(opening) != {"reg", "gender", "strata", "salt"}:
        raise Refused("§17.1", "an opening has exactly reg, gender, strata, salt")
    if opening["gender"] not in ("F", "M"):
        raise Refused("§17.1", "gender is F or M")
    strata = opening["strata"]
    if strata != sorted(set(strata)):
        raise Refused("§17.1", "strata are sorted and distinct")
    if not isinstance(opening["salt"], str) or not re.fullmatch(r"[0-9a-f]{64}", opening["salt"]):
        raise Refused("§1", "salt is 32 bytes of lower-case hex")
    return H("sunshine-draw/v2/attributes", canon(opening)).hex()


def attribute_cases() -> list[Json]:
    def ok(name: str, opening: Json, note: str) -> Json:
        return {"name": name, "note": note, "input": {"opening": opening},
                "expected": {"canonical": canon(opening).decode(), "attrs": attrs_of(opening)}}

    def bad(name: str, opening: Json) -> Json:
        try:
            attrs_of(opening)
        except Refused as exc:
            return {"name": name, "input": {"opening": opening},
                    "error": {"section": exc.args[0], "reason": exc.args[1]}}
        raise AssertionError(name)

    salt = fixed_salt("lottery/2026000001")
    o = {"reg": "2026000001", "gender": "F", "strata": [], "salt": salt}
    return [
        ok("applicant", o, "strata are always empty for applicants"),
        ok("applicant-other-gender", {**o, "gender": "M"},
           "the two genders give unrelated commitments; only the salt stops guessing"),
        ok("pupil-sen", {**o, "salt": fixed_salt("grouping/2026000001"), "strata": ["sen"]},
           "a pupil committed again in the grouping input with its own salt"),
        ok("pupil-two-strata", {**o, "strata": ["minority", "sen"]}, "sorted strata"),
        bad("reject-strata-unsorted", {**o, "strata": ["sen", "minority"]}),
        bad("reject-strata-duplicate", {**o, "strata": ["sen", "sen"]}),
        bad("reject-gender-X", {**o, "gender": "X"}),
        bad("reject-salt-31-bytes", {**o, "salt": salt[:62]}),
        bad("reject-salt-upper-case", {**o, "salt": salt.upper()}),
        bad("reject-unknown-member", {**o, "name": "张小明"}),
    ]


def openings_case() -> Json:
    """§17.3 on the event of receipt_log/: the file, and what --openings recomputes."""
    s = season()
    text = "".join(canon(o).decode() + "\n" for o in s["openings"])
    lines = [json.loads(line) for line in text.splitlines()]
    header, rest = lines[0], lines[1:]
    opened = {(o["ceremony"], o["reg"]): o for o in rest if o["type"] == "attributes"}
    checks = []
    for ceremony in ("lottery", "grouping"):
        for r in s["inputs"][ceremony]:
            if r["type"] in ("applicant", "pupil"):
                o = opened[(ceremony, r["reg"])]
                a = attrs_of({k: o[k] for k in ("reg", "gender", "strata", "salt")})
                checks.append({"ceremony": ceremony, "reg": r["reg"], "attrs": r["attrs"],
                               "matches": a == r["attrs"]})
    assert len(checks) == len(opened) and all(c["matches"] for c in checks)
    leaves = sorted(canon(o) for o in rest if o["type"] == "rejection")
    per_code: dict[str, int] = {}
    per_school: dict[str, int] = {}
    for leaf in leaves:
        v = json.loads(leaf)
        per_code[v["code"]] = per_code.get(v["code"], 0) + 1
        per_school[v["school"]] = per_school.get(v["school"], 0) + 1
    entries = s["log"].entries
    logged = next(e["body"] for e in entries if e["type"] == "eligibility_rejections")
    assert logged == {"count": len(leaves), "root": mth(leaves).hex()}
    gender_of = {(o["ceremony"], o["reg"]): o["gender"] for o in rest
                 if o["type"] == "attributes"}
    bias = next(e["body"] for e in entries if e["type"] == "bias_audit")
    lottery = s["inputs"]["lottery"]
    seed = next(e["body"]["seed"] for e in entries if e["type"] == "seed"
                and e["body"]["ceremony"] == "lottery")
    pools = pools_from_allocation(
        {"seed": seed, "waitlist_promotion": True, "rounds": [],
         "schools": [r for r in lottery if r["type"] == "school"],
         "applicants": [r for r in lottery if r["type"] == "applicant"]},
        {r: g for (c, r), g in gender_of.items() if c == "lottery"})
    gender_dim = next(d for d in audit(pools)["body"]["dimensions"]
                      if d["dimension"] == "gender")
    assert gender_dim in bias["dimensions"]
    summaries = [e["body"] for e in entries if e["type"] == "grouping_summary"]
    pupils = [r for r in s["inputs"]["grouping"] if r["type"] == "pupil"]
    recomputed = []
    for summ in summaries:
        mine = [opened[("grouping", p["reg"])] for p in pupils if p["school"] == summ["school"]]
        strata = sorted({x for o in mine for x in o["strata"]})
        recomputed.append({"school": summ["school"], "exchanges": 0, "classes": [{
            "class": "01", "pupils": len(mine),
            "genders": {g: sum(o["gender"] == g for o in mine) for g in ("F", "M")},
            "strata": {x: sum(x in o["strata"] for o in mine) for x in strata}}]})
    assert recomputed == summaries
    _, lottery_root = input_tree(s["inputs"]["lottery"])
    return {"name": "receipt-log-openings", "note": (
        "the sealed openings of receipt_log/ (also written there as openings.jsonl); every "
        "applicant and pupil record has exactly one opening and every opening a record"),
        "input": {"openings_jsonl": text, "header": header},
        "expected": {
            "attribute_checks": checks,
            "rejections": {"count": len(leaves), "root": mth(leaves).hex(),
                           "per_code": per_code, "per_school": per_school},
            "lottery_input_root": lottery_root.hex(),
            "bias_gender_dimension": gender_dim,
            "grouping_summaries": recomputed,
            "genders": {f"{c}/{r}": g for (c, r), g in sorted(gender_of.items())},
        }}


def shard(origin: str, reg: str, factor: str, nonce: bytes, plaintext: str) -> Json:
    """§18.3: m, address, key, shard = nonce ‖ AES-256-GCM(key, nonce, receipt, aad)."""
    m = canon({"origin": origin, "reg": reg, "factor": factor})
    address = H("sunshine-draw/v2/shard-address", m).hex()
    key = H("sunshine-draw/v2/shard-key", m)
    body = nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), address.encode())
    return {"m": m.decode(), "address": address, "key": key.hex(),
            "path": f"shards/{address[:2]}/{address}", "shard": b64(body)}


def open_shard(shard_b64: bytes, key: bytes, address: str) -> str:
    try:
        return AESGCM(key).decrypt(shard_b64[:12], shard_b64[12:], address.encode()).decode()
    except Exception as exc:  # InvalidTag
        raise Refused("§18.3", "the shard does not decrypt under this key and address") \
            from exc


def shard_cases() -> list[Json]:
    s = season()
    reg = s["roles"]["admitted"]
    final = max(s["notes"])
    receipt = make_receipt(s, reg, final)
    nonce = bytes(range(12))
    good = shard(ORIGIN, reg, "123X", nonce, receipt)
    raw = base64.b64decode(good["shard"])
    assert open_shard(raw, bytes.fromhex(good["key"]), good["address"]) == receipt
    lower = shard(ORIGIN, reg, "123x", nonce, receipt)
    other = shard(ORIGIN, s["roles"]["unpaid"], "123X", nonce, receipt)
    tampered = bytearray(raw)
    tampered[40] ^= 1
    cases = [{"name": "shard-admitted", "note": (
        "nonce fixed for reproducibility (§18.3 draws 12 random bytes); plaintext is "
        "receipt_log/receipts/admitted.tlog-proof"),
        "input": {"origin": ORIGIN, "reg": reg, "factor": "123X", "nonce": nonce.hex(),
                  "plaintext": receipt}, "expected": good},
        {"name": "factor-lower-case", "note": (
            "the factor is upper case: a client that does not upper-case '123x' finds "
            "another address"), "input": {"origin": ORIGIN, "reg": reg, "factor": "123x"},
         "expected": {"address": lower["address"], "differs_from": good["address"]}}]
    for name, blob, key, address in [
        ("reject-other-reg-address", raw, bytes.fromhex(good["key"]), other["address"]),
        ("reject-other-key", raw, bytes.fromhex(lower["key"]), good["address"]),
        ("reject-tampered", bytes(tampered), bytes.fromhex(good["key"]), good["address"]),
    ]:
        try:
            open_shard(blob, key, address)
        except Refused as exc:
            cases.append({"name": name, "input": {"shard": b64(blob), "key": key.hex(),
                                                  "address": address},
                          "error": {"section": exc.args[0], "reason": exc.args[1]}})
        else:
            raise AssertionError(name)
    return cases


def build() -> Json:
    return {
        "version": 2, "generator": GENERATOR, "spec": "PROTOCOL.md v2 §17.1, §17.3, §18.3",
        "description": (
            "attributes: opening → canonical bytes → attrs, and refusals. openings: the "
            "openings.jsonl of receipt_log/ with what `--openings` recomputes (every "
            "commitment opened, rejection root/count and counts per code and school, the "
            "gender dimension of the bias audit, the grouping summaries). shards: a family "
            "shard holding a receipt, decryptable with the derived key."),
        "notes": [
            "openings.jsonl order (§17.3 fixes none): the header, then attribute lines for "
            "the lottery ceremony by reg, then for the grouping ceremony by reg, then the "
            "rejection leaves in tree (bytewise) order.",
            "Salts are sha256('vector salt <ceremony>/<reg>'), standing in for the service's "
            "private derivation.",
            "The shard file holds the raw bytes nonce ‖ ciphertext ‖ tag; `shard` here is "
            "their base64.",
        ],
        "attributes": attribute_cases(),
        "openings": [openings_case()],
        "shards": shard_cases(),
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    (out / "privacy.json").write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")


if __name__ == "__main__":
    main()
