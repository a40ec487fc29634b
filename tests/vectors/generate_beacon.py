# ruff: noqa: E501  (hex copied whole from the sources, so each can be grepped for there)
"""Generate the drand beacon conformance vectors (PROTOCOL.md §5.6, v2).

Writes tests/vectors/beacon.json. Run by hand:

    .venv/bin/python tests/vectors/generate_beacon.py

Standard library only, and nothing from lottery_service or verifier: the real
rounds and chain infos below are copied from the public sources named next to
each one, the negative cases are built from them by the edits their names say,
and every expected answer is written from the text of §5.6 (a round's time is
genesis + (round − 1)·period; the error codes are those of the §5.6 check order).
No implementation under test computes any of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "beacon.json"

DST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
WAIT = 600  # §5.6 BEACON_WAIT, seconds
P = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB

DRAND_CLIENT = {"repository": "drand/drand-client", "path": "lib/defaults.ts",
                "commit": "b9572b2ef11d28d5c011144867ca8d27bece23e2"}
DRAND_CLIENT_TEST = {"repository": "drand/drand-client", "path": "test/beacon-verification.test.ts",
                     "commit": "b9572b2ef11d28d5c011144867ca8d27bece23e2"}
TLOCK_JS_DEFAULTS = {"repository": "drand/tlock-js", "path": "src/drand/defaults.ts",
                     "commit": "17d817ee259e79381111dd75009b0f022c39ace3"}
TLOCK_JS_TEST = {"repository": "drand/tlock-js", "path": "test/age/compatibility.test.ts",
                 "commit": "17d817ee259e79381111dd75009b0f022c39ace3"}
QUICKNET_KAT = {
    "repository": "Bas3d-Labs/drand-quicknet-evm",
    "path": "contracts/test/fixtures/quicknet-kat.json",
    "commit": "54e1c5a5b5d7aae5a711dcf83cc4b087f90eab71",
    "note": "each round copied there from matching responses of api.drand.sh and api2.drand.sh",
}
DRAND_VERIFY = {"repository": "noislabs/drand-verify", "path": "src/verify.rs",
                "commit": "134de23c744a6e3c670335326d2a7fd37282aa02"}

# Chain infos as drand publishes them at /<chain hash>/info, in rules.beacon form.
CHAINS: dict[str, dict[str, Any]] = {
    "quicknet": {
        "beacon": {
            "scheme": "bls-unchained-g1-rfc9380",
            "chain": "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
            "public_key": "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
                          "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
                          "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
            "period": 3,
            "genesis_time": 1692803367,
            "group_hash": "f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e",
            "beacon_id": "quicknet",
        },
        "source": {**DRAND_CLIENT, "name": "QUICKNET_CHAIN_INFO",
                   "url": "https://api.drand.sh/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/info"},
    },
    "quicknet-t": {
        "beacon": {
            "scheme": "bls-unchained-g1-rfc9380",
            "chain": "cc9c398442737cbd141526600919edd69f1d6f9b4adb67e4d912fbc64341a9a5",
            "public_key": "b15b65b46fb29104f6a4b5d1e11a8da6344463973d423661bb0804846a0ecd1e"
                          "f93c25057f1c0baab2ac53e56c662b66072f6d84ee791a3382bfb055afab1e6a"
                          "375538d8ffc451104ac971d2dc9b168e2d3246b0be2015969cbaac298f6502da",
            "period": 3,
            "genesis_time": 1689232296,
            "group_hash": "40d49d910472d4adb1d67f65db8332f11b4284eecf05c05c5eacd5eef7d40e2d",
            "beacon_id": "quicknet-t",
        },
        "source": {**DRAND_CLIENT, "name": "TESTNET_QUICKNET_CHAIN_INFO"},
    },
    "walkthrough": {
        "beacon": {
            "scheme": "bls-unchained-g1-rfc9380",
            "chain": "af8b6fc95693b058a3a59efe586eb31c2c352fe00cf40c62a427d87c34f7a235",
            "public_key": "81d320f220ee9c79e60e19dedc838c31e3ab919b15481e9feb52f643628c4f6a"
                          "13fdc52129493875a818109d767272ca0541cbcdcea9335f2870d781b39b845b"
                          "a8cbd44fdfe4967781cf72ca5917fc9398bcf97ca0548ed5a709016c4b1ff0f3",
            "period": 3,
            "genesis_time": 1687506816,
            "group_hash": "02d678e93908888871b70e3f015b396a8c082bc1493ae5479f8743cb5d972b54",
            "beacon_id": "walkthrough",
        },
        "source": {**DRAND_CLIENT_TEST, "name": "signatures on G1 with DST: chainInfo"},
    },
    "default": {
        "beacon": {
            "scheme": "pedersen-bls-chained",
            "chain": "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
            "public_key": "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a5699"
                          "37c529eeda66c7293784a9402801af31",
            "period": 30,
            "genesis_time": 1595431050,
            "group_hash": "176f93498eac9ca337150b46d21dd58673ea4e3581185f869672e59fa4cb390a",
            "beacon_id": "default",
        },
        "source": {**DRAND_CLIENT, "name": "DEFAULT_CHAIN_INFO"},
    },
    "fastnet": {
        "beacon": {
            "scheme": "bls-unchained-on-g1",
            "chain": "dbd506d6ef76e5f386f41c651dcb808c5bcbd75471cc4eafa3f4df7ad4e4c493",
            "public_key": "a0b862a7527fee3a731bcb59280ab6abd62d5c0b6ea03dc4ddf6612fdfc9d01f"
                          "01c31542541771903475eb1ec6615f8d0df0b8b6dce385811d6dcf8cbefb8759"
                          "e5e616a3dfd054c928940766d9a5b9db91e3b697e5d70a975181e007f87fca5e",
            "period": 3,
            "genesis_time": 1677685200,
            "group_hash": "a81e9d63f614ccdb144b8ff79fbd4d5a2d22055c0bfe4ee9a8092003dab1c6c0",
            "beacon_id": "fastnet",
        },
        "source": {**TLOCK_JS_DEFAULTS, "name": "MAINNET_CHAIN_INFO_NON_RFC"},
    },
}

# Real quicknet rounds: (round, signature, randomness), from QUICKNET_KAT.
QUICKNET_ROUNDS = [
    (1, "b55e7cb2d5c613ee0b2e28d6750aabbb78c39dcc96bd9d38c2c2e12198df95571de8e8e402a0cc48871c7089a2b3af4b",
     "1466a6cd24e327188770752f6134001c64d6efcc590ccc26b721611ad96f165a"),
    (2, "b6b6a585449b66eb12e875b64fcbab3799861a00e4dbf092d99e969a5eac57dd3f798acf61e705fe4f093db926626807",
     "5782d6987841c654515a0e72b2d1ebb4e741234042c37cb19608ae50d93fb60c"),
    (255, "ac47b96c2937201d0fb2f108f1f0e3a05279d310906a3b01c8b09388e4aa2e9c5de30db4d78e358c2ee480d233047111",
     "7643c673e167bff7030228a1f75a763aacd4e66cd138066fa91a30ad75d69051"),
    (256, "8a0cd30f3694c151cfdbc1aa529b0e7673a8a32c07243046905bb40bf31d83769a95c838e9e16160f7af858dea860bc0",
     "fc40470927e5d00267e70c8ccfe5735d9dc57f887922b2bd2e1dd2ce9e396936"),
    (1000, "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39",
     "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd"),
    (13335, "a38ab268d58c04ce2d22b8317e4b66ecda5fa8841c7215bf7733af8dbaed6c5e7d8d60b77817294a64b891f719bc1b40",
     "f4eb2e59448d155b1bc34337f2a4160ac5005429644ba61134779a8b8c6087b6"),
    (65535, "95aa0afea5aa88f59fe34facebcb08770ac01d38840a8c16e841c6027a293a3c90dbcaf010a8fb19b306b9ff6c46eaf9",
     "4a9741b8eb1bfa9109198bcdfe5b30b6bfff7c38b396e64873eb4df9b5b32604"),
    (65536, "a6404de93f56ba89d4ae0360b7eee02120c7c4898c8d7980914139746890eb9b6eaa022fe688614499fa1b42fc508b6f",
     "7025100299eaeeacb68f95d9b5cbccf047fcc6d8e01c9793ebfe0b4a9b0d1766"),
    (16777215, "84efb467b2b9f3578c169393d8bd5ccfd17da400a975325282b2955eb10adac747904c3aafd152e48e19d23f8d416f0f",
     "d2eb9f652fb4f3bdaa2a746a6a07c8a55bda4c153141623c54dc4edf8e934abc"),
    (16777216, "a38ae8fa3645078723fe002a4769499a9a267557f67ac7263113339718b6b0b78a5dd59a03321240b5b6554dffeac194",
     "a3ae17ab68c2edca5b7b3dd42a7e33c6c734011ccf1df1a317b3227ccb307df4"),
    (20791007, "8d2c8bbc37170dbacc5e280a21d4e195cff5f32a19fd6a58633fa4e4670478b5fb39bc13dd8f8c4372c5a76191198ac5",
     "f4ad45db792e14676c62891989b804504e09bf0029cd472143d958649ab3c88a"),
    (31089008, "87b3b9c9f99cc1e7fc326e249538f33b84a1c4ef8bd85920a267af642b570bcd62bf70900a3862f742e574164b5f17f3",
     "ce7b0bc26c2f2f969bb4fa4ceb074fd13baed8557659ac0ea1af0b589c68d8bf"),
]
# Round 1000 uncompressed (x ‖ y), also from QUICKNET_KAT: a valid point in the wrong encoding.
ROUND_1000_UNCOMPRESSED = (
    "144679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39"
    "11f92e4521ef54f047b64b85fa98db2d46f0f44add1f60b93f8a0dbddd63b34f238657c2d93aed18b90bddd60a01b6d2")
WALKTHROUGH_38 = (38, "95c93585c513ebbcb4777ff15599b3140e5ec0295faa0e483f3deadd88fa6d43f0d3703e3a4ce106e8fd6c6987f32126",
                  "b2fc21325a24904a6a9e81a6c63f65f6cec3f0b2400df3f4a56b214770e9ccca")
FASTNET_2 = (2, "a050676d1a1b6ceedb5fb3281cdfe88695199971426ff003c0862460b3a72811328a07ecd53b7d57fc82bb67f35efaf1",
             "08eb40c1dff4076da53d222b2076f06c144391445cfac750815d5cacf51bf7c2")
# LoE mainnet (pedersen-bls-chained) round 72785, https://drand.cloudflare.com/public/72785.
DEFAULT_72785 = {
    "round": 72785,
    "previous_signature": "a609e19a03c2fcc559e8dae14900aaefe517cb55c840f6e69bc8e4f66c8d18e8a609685d9917efbf"
                          "b0c37f058c2de88f13d297c7e19e0ab24813079efe57a182554ff054c7638153f9b26a60e7111f71"
                          "a0ff63d9571704905d3ca6df0b031747",
    "signature": "82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959eb9cfa368b3c1b77d18f02a5"
                 "4fe047b80f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3cc6f6cdf59e95526d5a5"
                 "d82aaa84fa6f181e42",
}


def relay_json(round_: Any, randomness: Any, signature: Any, **extra: Any) -> str:
    """A round as drand's HTTP API writes it: round, randomness, signature (v1 order)."""
    obj: dict[str, Any] = {"round": round_, "randomness": randomness, "signature": signature}
    obj.update(extra)
    return json.dumps(obj, separators=(",", ":"))


def flip(hex_text: str, byte: int, mask: int) -> str:
    data = bytearray.fromhex(hex_text)
    data[byte] ^= mask
    return data.hex()


def g1_x(sig_hex: str) -> int:
    return int.from_bytes(bytes.fromhex(sig_hex), "big") & ((1 << 381) - 1)


def on_curve_x(x: int) -> bool:
    """Whether y² = x³ + 4 has a solution mod p (Euler's criterion)."""
    rhs = (pow(x, 3, P) + 4) % P
    return x < P and (rhs == 0 or pow(rhs, (P - 1) // 2, P) == 1)


def flips_of(sig_hex: str) -> tuple[tuple[int, int, str], tuple[int, int, str]]:
    """Two one-bit flips of x in the last byte: one x on the curve (so only the
    subgroup check can reject it: G1's cofactor makes a random curve point miss
    the prime-order subgroup), one x that is on no curve point at all."""
    found: dict[bool, tuple[int, int, str]] = {}
    for bit in range(8):
        flipped = flip(sig_hex, 47, 1 << bit)
        found.setdefault(on_curve_x(g1_x(flipped)), (47, 1 << bit, flipped))
    return found[True], found[False]


def chain_hash(b: dict[str, Any]) -> str:
    """drand chain/info.go Info.Hash (the beacon id is left out when it is "default")."""
    data = (struct.pack(">I", b["period"]) + struct.pack(">q", b["genesis_time"])
            + bytes.fromhex(b["public_key"]) + bytes.fromhex(b["group_hash"]))
    if b["beacon_id"] != "default":
        data += b["beacon_id"].encode()
    return hashlib.sha256(data).hexdigest()


def unix(text: str) -> int:
    return int(dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=dt.UTC).timestamp())


def stamp(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def round_time(chain: str, r: int) -> int:
    b = CHAINS[chain]["beacon"]
    return int(b["genesis_time"] + (r - 1) * b["period"])


def round_after(chain: str, t: int) -> int:
    """The first round whose time is strictly later than t."""
    b = CHAINS[chain]["beacon"]
    if t < b["genesis_time"]:
        return 1
    return int((t - b["genesis_time"]) // b["period"] + 2)


def chain_cases() -> list[dict[str, Any]]:
    q = CHAINS["quicknet"]["beacon"]
    qt = CHAINS["quicknet-t"]["beacon"]
    cases: list[dict[str, Any]] = [
        {"name": f"{n}-valid", "beacon": CHAINS[n]["beacon"], "expected": "valid"}
        for n in ("quicknet", "quicknet-t", "walkthrough")
    ]

    def bad(name: str, error: str, **change: Any) -> None:
        cases.append({"name": name, "beacon": {**q, **change}, "error": error})

    cases.append({"name": "default-chain-chained-scheme", "beacon": CHAINS["default"]["beacon"],
                  "error": "scheme"})
    cases.append({"name": "fastnet-non-rfc9380-scheme", "beacon": CHAINS["fastnet"]["beacon"],
                  "error": "scheme"})
    cases.append({"name": "not-an-object", "beacon": [q["chain"]], "error": "members"})
    cases.append({"name": "v1-form", "beacon": {"chain": q["chain"], "period": 3},
                  "error": "members"})
    cases.append({"name": "unknown-member",
                  "beacon": {**q, "metadata": {"beaconID": "quicknet"}}, "error": "members"})
    cases.append({"name": "missing-group-hash",
                  "beacon": {k: v for k, v in q.items() if k != "group_hash"}, "error": "members"})
    bad("scheme-not-a-string", "scheme", scheme=1)
    bad("chain-hash-of-fastnet", "chain-hash", chain=CHAINS["fastnet"]["beacon"]["chain"])
    bad("beacon-id-default", "chain-hash", beacon_id="default")
    bad("period-30", "chain-hash", period=30)
    bad("genesis-one-second-later", "chain-hash", genesis_time=q["genesis_time"] + 1)
    bad("group-hash-of-quicknet-t", "chain-hash", group_hash=qt["group_hash"])
    bad("public-key-of-quicknet-t", "chain-hash", public_key=qt["public_key"])
    bad("public-key-low-bit-flipped", "public-key", public_key=flip(q["public_key"], 95, 0x01))
    bad("public-key-identity", "public-key", public_key="c0" + "00" * 95)
    bad("public-key-g1-length", "length", public_key=CHAINS["default"]["beacon"]["public_key"])
    bad("public-key-upper-case", "hex", public_key=q["public_key"].upper())
    bad("chain-not-hex", "hex", chain="z" * 64)
    bad("chain-31-bytes", "length", chain=q["chain"][:62])
    bad("group-hash-33-bytes", "length", group_hash=q["group_hash"] + "00")
    bad("period-zero", "period", period=0)
    bad("period-2^32", "period", period=2**32)
    bad("period-string", "period", period="3")
    bad("genesis-zero", "genesis-time", genesis_time=0)
    bad("genesis-true", "genesis-time", genesis_time=True)
    bad("beacon-id-empty", "beacon-id", beacon_id="")
    bad("beacon-id-space", "beacon-id", beacon_id="quick net")
    for case in cases:  # the valid ones really are drand's hashes
        if case.get("expected") == "valid":
            assert chain_hash(case["beacon"]) == case["beacon"]["chain"], case["name"]
    return cases


def round_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for r, sig, rnd in QUICKNET_ROUNDS:
        assert hashlib.sha256(bytes.fromhex(sig)).hexdigest() == rnd
        cases.append({
            "name": f"quicknet-round-{r}", "chain": "quicknet", "expected_round": r,
            "json": relay_json(r, rnd, sig),
            "expected": {"round": r, "randomness": rnd, "time": stamp(round_time("quicknet", r))},
            "source": {**QUICKNET_KAT,
                       "url": f"https://api.drand.sh/{CHAINS['quicknet']['beacon']['chain']}/public/{r}"},
        })
    r38, sig38, rnd38 = WALKTHROUGH_38
    cases.append({"name": "walkthrough-round-38", "chain": "walkthrough", "expected_round": 38,
                  "json": relay_json(r38, rnd38, sig38),
                  "expected": {"round": 38, "randomness": rnd38,
                               "time": stamp(round_time("walkthrough", 38))},
                  "source": DRAND_CLIENT_TEST})
    _, sig, rnd = QUICKNET_ROUNDS[4]  # round 1000
    pretty = json.dumps({"signature": sig, "round": 1000, "randomness": rnd}, indent=2)
    cases.append({"name": "quicknet-round-1000-reordered-whitespace", "chain": "quicknet",
                  "expected_round": 1000, "json": pretty,
                  "expected": {"round": 1000, "randomness": rnd,
                               "time": stamp(round_time("quicknet", 1000))},
                  "source": QUICKNET_KAT})

    def bad(name: str, error: str, text: str, expected_round: int = 1000,
            chain: str = "quicknet", source: dict[str, Any] | None = None) -> None:
        case = {"name": name, "chain": chain, "expected_round": expected_round, "json": text,
                "error": error}
        if source is not None:
            case["source"] = source
        cases.append(case)

    on_curve, off_curve = flips_of(sig)
    _, sig2, rnd2 = QUICKNET_ROUNDS[1]
    bad("wrong-round-number", "signature", relay_json(1001, rnd, sig), 1001)
    bad("round-not-the-one-fixed", "round-mismatch", relay_json(1000, rnd, sig), 1001)
    bad("round-2-for-round-1000", "round-mismatch", relay_json(2, rnd2, sig2), 1000)
    bad("other-chain-same-scheme", "signature", relay_json(r38, rnd38, sig38), 38,
        source=DRAND_CLIENT_TEST)
    r2f, sig2f, rnd2f = FASTNET_2
    bad("fastnet-round-non-rfc-dst", "signature", relay_json(r2f, rnd2f, sig2f), 2,
        source=TLOCK_JS_TEST)
    dflt = DEFAULT_72785
    dflt_rnd = hashlib.sha256(bytes.fromhex(dflt["signature"])).hexdigest()
    bad("default-chain-round-chained", "members",
        relay_json(dflt["round"], dflt_rnd, dflt["signature"],
                   previous_signature=dflt["previous_signature"]), 72785, source=DRAND_VERIFY)
    bad("default-chain-round-g2-signature", "length",
        relay_json(dflt["round"], dflt_rnd, dflt["signature"]), 72785, source=DRAND_VERIFY)
    bad("sign-bit-flipped", "signature", relay_json(1000, rnd, flip(sig, 0, 0x20)))
    bad("x-bit-flipped-on-curve-not-in-subgroup", "point",
        relay_json(1000, rnd, on_curve[2]))
    bad("x-bit-flipped-off-curve", "point", relay_json(1000, rnd, off_curve[2]))
    bad("compression-flag-cleared", "point", relay_json(1000, rnd, flip(sig, 0, 0x80)))
    bad("signature-infinity", "point", relay_json(1000, rnd, "c0" + "00" * 47))
    bad("signature-order-three-point", "point", relay_json(1000, rnd, "80" + "00" * 47))
    bad("signature-x-equals-p", "point", relay_json(1000, rnd, f"{P | (1 << 383):096x}"))
    bad("randomness-of-round-2", "randomness", relay_json(1000, rnd2, sig))
    bad("randomness-last-bit-flipped", "randomness", relay_json(1000, flip(rnd, 31, 1), sig))
    bad("signature-upper-case", "hex", relay_json(1000, rnd, sig.upper()))
    bad("signature-not-hex", "hex", relay_json(1000, rnd, "g" + sig[1:]))
    bad("signature-odd-length", "hex", relay_json(1000, rnd, sig[:-1]))
    bad("signature-0x-prefix", "hex", relay_json(1000, rnd, "0x" + sig))
    bad("randomness-not-hex", "hex", relay_json(1000, rnd[:-1] + "G", sig))
    bad("signature-47-bytes", "length", relay_json(1000, rnd, sig[:-2]))
    bad("signature-49-bytes", "length", relay_json(1000, rnd, sig + "00"))
    bad("signature-uncompressed-96-bytes", "length",
        relay_json(1000, rnd, ROUND_1000_UNCOMPRESSED), source=QUICKNET_KAT)
    bad("randomness-31-bytes", "length", relay_json(1000, rnd[:-2], sig))
    bad("signature-not-a-string", "hex", relay_json(1000, rnd, 7))
    bad("round-zero", "round", relay_json(0, rnd, sig), 1000)
    bad("round-negative", "round", relay_json(-1000, rnd, sig))
    bad("round-string", "round", relay_json("1000", rnd, sig))
    bad("round-true", "round", relay_json(True, rnd, sig))
    bad("round-null", "round", relay_json(None, rnd, sig))
    bad("round-float", "json", relay_json(1000, rnd, sig).replace("1000", "1000.0", 1))
    bad("round-exponent", "json", relay_json(1000, rnd, sig).replace("1000", "1e3", 1))
    bad("round-above-2^53-1", "json", relay_json(2**53, rnd, sig))
    bad("duplicate-round", "json",
        '{"round":1000,"round":1000,' + relay_json(1000, rnd, sig)[len('{"round":1000,'):])
    bad("truncated", "json", relay_json(1000, rnd, sig)[:-2])
    bad("trailing-data", "json", relay_json(1000, rnd, sig) + "{}")
    bad("array", "json", json.dumps([1000, rnd, sig]))
    bad("empty", "json", "")
    bad("missing-randomness", "members", json.dumps({"round": 1000, "signature": sig}))
    bad("extra-member", "members", relay_json(1000, rnd, sig, time=1692806364))
    bad("empty-previous-signature", "members", relay_json(1000, rnd, sig, previous_signature=""))
    return cases


def time_cases() -> list[dict[str, Any]]:
    q = CHAINS["quicknet"]["beacon"]
    g, p = q["genesis_time"], q["period"]
    cases: list[dict[str, Any]] = []
    for r in (1, 2, 1000, 31089008):
        cases.append({"chain": "quicknet", "op": "round_time", "round": r,
                      "time": stamp(g + (r - 1) * p)})
    points = [(g - 86400, 1, 1), (g - 1, 1, 1), (g, 1, 2), (g + 1, 2, 2), (g + 2, 2, 2),
              (g + 3, 2, 3), (g + 999 * 3, 1000, 1001), (g + 999 * 3 - 1, 1000, 1000)]
    for t, at_or_after, after in points:
        cases.append({"chain": "quicknet", "op": "round_at_or_after", "time": stamp(t),
                      "round": at_or_after})
        cases.append({"chain": "quicknet", "op": "round_after", "time": stamp(t), "round": after})
        assert round_after("quicknet", t) == after
    return cases


def schedule_cases() -> list[dict[str, Any]]:
    opened = unix("2026-07-01T01:00:00Z")
    by = unix("2026-07-01T01:30:00Z")
    r0 = round_after("quicknet", by)

    def opening(deadline: int = by, round_: int | None = None) -> dict[str, Any]:
        return {"type": "ceremony_opened", "time": stamp(opened),
                "physical_entropy_by": stamp(deadline),
                "beacon_round": round_after("quicknet", deadline) if round_ is None else round_}

    def dice(t: int) -> dict[str, Any]:
        return {"type": "physical_entropy", "time": stamp(t)}

    def postponed(t: int, reason: str, old: int, deadline: int, new: int) -> dict[str, Any]:
        return {"type": "beacon_postponed", "time": stamp(t), "reason": reason, "round": old,
                "physical_entropy_by": stamp(deadline), "beacon_round": new}

    late_at, new_by = by + 300, by + 1200
    r_late = round_after("quicknet", new_by)
    missing_at = round_time("quicknet", r0) + WAIT
    r1 = round_after("quicknet", missing_at + WAIT)
    missing_again = round_time("quicknet", r1) + WAIT + 42
    r2 = round_after("quicknet", missing_again + WAIT)
    ok = "physical-entropy-late", "round-not-published"

    def case(name: str, events: list[dict[str, Any]], result: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name, "chain": "quicknet", "events": events}
        if result is None:
            out["error"] = "schedule"
        else:
            out["expected"] = {"beacon_round": result,
                               "round_time": stamp(round_time("quicknet", result))}
        return out

    return [
        case("on-time", [opening(), dice(by - 60)], r0),
        case("opened-only", [opening()], r0),
        case("dice-at-the-deadline", [opening(), dice(by)], r0),
        case("dice-one-second-late", [opening(), dice(by + 1)]),
        case("deadline-not-after-opening", [opening(deadline=opened)]),
        case("opened-with-another-round", [opening(round_=r0 + 1)]),
        case("opened-with-the-round-at-the-deadline",
             [opening(deadline=round_time("quicknet", r0 - 1),
                      round_=r0 - 1)]),
        case("late-dice-postponed", [opening(), postponed(late_at, ok[0], r0, new_by, r_late),
                                     dice(new_by - 10)], r_late),
        case("late-postponement-before-the-deadline",
             [opening(), postponed(by, ok[0], r0, new_by, r_late)]),
        case("late-postponement-deadline-not-after-it",
             [opening(), postponed(late_at, ok[0], r0, late_at,
                                   round_after("quicknet", late_at))]),
        case("late-postponement-after-the-dice",
             [opening(), dice(by - 60), postponed(late_at, ok[0], r0, new_by, r_late)]),
        case("late-postponement-wrong-round",
             [opening(), postponed(late_at, ok[0], r0, new_by, r_late + 1)]),
        case("round-not-published", [opening(), dice(by - 60),
                                     postponed(missing_at, ok[1], r0, by, r1)], r1),
        case("round-not-published-twice",
             [opening(), dice(by - 60), postponed(missing_at, ok[1], r0, by, r1),
              postponed(missing_again, ok[1], r1, by, r2)], r2),
        case("round-not-published-one-second-early",
             [opening(), dice(by - 60),
              postponed(missing_at - 1, ok[1], r0, by,
                        round_after("quicknet", missing_at - 1 + WAIT))]),
        case("round-not-published-before-the-dice",
             [opening(), postponed(missing_at, ok[1], r0, by, r1)]),
        case("round-not-published-moves-the-deadline",
             [opening(), dice(by - 60), postponed(missing_at, ok[1], r0, by + 60, r1)]),
        case("round-not-published-names-another-old-round",
             [opening(), dice(by - 60), postponed(missing_at, ok[1], r0 + 1, by, r1)]),
        case("round-not-published-wrong-new-round",
             [opening(), dice(by - 60), postponed(missing_at, ok[1], r0, by, r1 - 1)]),
        case("unknown-reason",
             [opening(), dice(by - 60), postponed(missing_at, "relay-down", r0, by, r1)]),
        case("dice-twice", [opening(), dice(by - 60), dice(by - 30)]),
    ]


def render() -> str:
    data = {
        "description": (
            "drand beacon checks (PROTOCOL.md §5.6, v2). chain_cases: a rules.beacon object is "
            "valid or fails with `error`. round_cases: `json` is a round as a relay publishes "
            "it, checked against chain `chain` for the round in force `expected_round`; it "
            "verifies (`expected`) or fails with `error`, a §5.6 check code. time_cases: round "
            "time arithmetic. schedule_cases: the events of one ceremony in log order; the "
            "beacon round in force at the end, or `error`. `source` names where real data "
            "came from (repository, path, commit; `url` is the relay it was published at)."),
        "spec": "PROTOCOL.md §5.6 (v2)",
        "dst": DST,
        "wait": WAIT,
        "chains": CHAINS,
        "chain_cases": chain_cases(),
        "round_cases": round_cases(),
        "time_cases": time_cases(),
        "schedule_cases": schedule_cases(),
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
