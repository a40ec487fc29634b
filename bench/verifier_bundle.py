"""The standalone verifier at scale: build a protocol-v2 season, verify it, report.

    python bench/verifier_bundle.py [--applicants N] [--schools S] [--dir DIR]
                                    [--openings] [--json]

Builds (unless DIR exists) a whole season of N applicants in S schools (a tenth of
the places forfeited in round 1 and refilled from the waiting order), every
admitted applicant grouped into classes of 45 with one head teacher each, then
runs ``python -m verifier DIR`` in a child process and reports its wall time and
peak RSS (``verify_s``, ``verify_peak_rss_mb``); with --openings also the
supervision group's full run (rejections, gender audit, §9 grouping). Results are
filled in by the verifier's own functions (verifier.draw, .grouping, .matching):
this measures speed and memory, not correctness, which the test suite checks
against independent vectors. Targets (issue 13): a city (200,000 applicants) in
< 10 s; a province (2,000,000) in < 60 s and < 1 GB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from tests.bundle_builder import vkey  # noqa: E402
from verifier import bias, ceremony, draw, grouping, matching, merkle  # noqa: E402
from verifier.strict import canon  # noqa: E402

EVENT = "city-2026"
ORIGIN = f"bench.example.cn/city/{EVENT}"
CLASS = 45
Obj = dict[str, Any]


class Log:
    """Entries appended one second apart, written straight to entries.jsonl."""

    def __init__(self, path: Path) -> None:
        self.out = path.open("wb")
        self.leaves: list[bytes] = []
        self.t = 1782864000  # 2026-07-01T00:00:00Z

    def _entry(self, type_: str, body: Obj) -> bytes:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.t))
        return canon({"v": 2, "event": EVENT, "seq": len(self.leaves), "time": stamp,
                      "type": type_, "body": body})

    def size_of(self, type_: str, body: Obj) -> int:
        """The length the next entry would have."""
        return len(self._entry(type_, body))

    def add(self, type_: str, body: Obj) -> None:
        raw = self._entry(type_, body)
        self.out.write(raw + b"\n")
        self.leaves.append(merkle.leaf_hash(raw))
        self.t += 1


def _parts(records: list[Obj], ceremony_: str, log: Log) -> None:
    """§11.1: ≤ 250 records a part, a new part where the next record would make the
    entry reach 65,536 bytes."""
    part: list[bytes] = []
    size = 0
    for r in sorted(records, key=canon):
        enc = canon(r)
        if part and (len(part) == 250 or size + 1 + len(enc) >= 65536):
            log.add("input_records", {"ceremony": ceremony_,
                                      "records": [json.loads(x) for x in part]})
            part = []
        if not part:
            size = log.size_of("input_records", {"ceremony": ceremony_, "records": []})
            size += len(enc)
        else:
            size += 1 + len(enc)
        part.append(enc)
    if part:
        log.add("input_records", {"ceremony": ceremony_,
                                  "records": [json.loads(x) for x in part]})


def _salt(ceremony_: str, reg: str) -> bytes:
    return hashlib.sha256(f"bench {ceremony_}/{reg}".encode()).digest()


def _ceremony(log: Log, name: str, records: list[Obj], rules_hash: bytes) -> bytes:
    parts = [{"id": "bureau-1", "role": "bureau"}, {"id": "notary-1", "role": "notary"}]
    ph = ceremony.participants_hash(parts)
    key = hashlib.sha256(f"bench holder {name}".encode()).digest()
    log.add("ceremony_opened", {"ceremony": name, "participants": parts,
                                "participants_hash": ph.hex(),
                                "escrow_key": _b64(ceremony.escrow_public_key(key)),
                                "physical_entropy_by": None, "beacon_round": None})
    if name == "lottery":
        log.add("eligibility_rejections", {"count": 0, "root": merkle.EMPTY_ROOT.hex()})
    _parts(records, name, log)
    leaves = sorted(canon(r) for r in records)
    root = merkle.root([merkle.leaf_hash(x) for x in leaves])
    log.add("input_frozen", {"ceremony": name, "root": root.hex(), "size": len(leaves)})
    secrets = {"bureau-1": b"\x11" * 32, "notary-1": b"\x22" * 32}
    coms = {p: ceremony.commitment(EVENT, name, p, x) for p, x in secrets.items()}
    for p in secrets:
        log.add("commitment", {"ceremony": name, "participant": p,
                               "commitment": coms[p].hex(), "escrow": "A" * 107 + "="})
    log.add("commitments_closed", {"ceremony": name})
    for p, x in secrets.items():
        log.add("reveal", {"ceremony": name, "participant": p, "secret": x.hex()})
    dice = [1, 2, 3, 4, 5, 6] * 3 + [1, 2]
    log.add("physical_entropy", {"ceremony": name, "witness": "notary-1", "values": dice})
    seed = ceremony.seed(EVENT, name, rules_hash, ph, root, len(leaves),
                         [(p, coms[p], secrets[p]) for p in secrets], dice, None)
    log.add("seed", {"ceremony": name, "seed": seed.hex(), "input_root": root.hex(),
                     "input_size": len(leaves)})
    return seed


def _b64(data: bytes) -> str:
    import base64
    return base64.b64encode(data).decode()


def build(root: Path, n: int, n_schools: int) -> None:
    """A whole season of n applicants in n_schools schools, with its sealed openings."""
    root.mkdir(parents=True)
    (root / "checkpoints").mkdir()
    (root / "keys").mkdir()
    log = Log(root / "entries.jsonl")
    openings: list[Obj] = []
    rules = {"type": "rules", "version": 2, "event": EVENT, "origin": ORIGIN,
             "rehearsal": False, "title": "城市基准", "year": 2026, "grade": 1,
             "high_fee_threshold": 6000, "waitlist_promotion": True, "dice": 20,
             "beacon": None}
    rh = ceremony.rules_hash(rules)
    log.add("event_created", {"rules": rules, "rules_hash": rh.hex()})
    per = n // n_schools
    schools = [{"type": "school", "id": f"S{s:04d}", "name": "学校", "district": f"D{s % 10}",
                "authority": "city", "tuition": 5000, "quota": per // 2,
                "community_quota": per // 50, "nine_year": False} for s in range(n_schools)]
    apps: list[Obj] = []
    gender: dict[str, str] = {}
    for s in range(n_schools):
        for k in range(per):
            reg = f"R{s:04d}{k:05d}"
            g = "FM"[(k * 7 + s) % 2]
            gender[reg] = g
            salt = _salt("lottery", reg)
            openings.append({"type": "attributes", "ceremony": "lottery", "reg": reg,
                             "gender": g, "strata": [], "salt": salt.hex()})
            apps.append({"type": "applicant", "reg": reg, "name": "张*明",
                         "school": f"S{s:04d}", "district": f"D{(s + (k % 3 == 0)) % 10}",
                         "reg_day": f"2026-06-{10 + k % 5}", "direct": False,
                         "community": k % 31 == 0, "unit": reg,
                         "attrs": ceremony.attributes(reg, g, [], salt).hex()})
    seed = _ceremony(log, "lottery", schools + apps, rh)
    number = ceremony.keyed(seed, ceremony.TAG_NUMBER)
    by: dict[str, list[draw.Applicant]] = {}
    for a in apps:
        by.setdefault(a["school"], []).append(draw.Applicant(
            a["reg"], a["school"], a["district"], a["reg_day"], a["direct"], a["community"],
            a["unit"], gender[a["reg"]]))
    del apps
    draws = {}
    for sc in schools:
        d = draw.allocate(draw.school_of(sc), by[sc["id"]], number, True)
        log.add("lottery_summary", d.summary)
        for r in d.results:
            log.add("lottery_result", draw.result_body(sc["id"], r))
        d.results = []
        draws[sc["id"]] = d
    pools = [p for sid in sorted(draws) for p in draws[sid].pools]
    log.add("bias_audit", {"dimensions": bias.audit(pools)})
    pay = draw.Payments(draws, True)
    forfeits = sorted((reg, school) for reg, (school, _, _) in pay.offers.items()
                      if hashlib.sha256(reg.encode()).digest()[0] < 26)  # about a tenth
    want = pay.play(1, forfeits, [])
    for reg, school in forfeits:
        log.add("forfeit", {"round": 1, "reg": reg, "school": school, "reason": "unpaid"})
    log.add("payment_round", {"round": 1, "forfeits": len(forfeits), "locks": 0})
    for sid, w in want.items():
        for p in w.promoted:
            log.add("promotion", {"round": 1, "school": sid, "reg": p.reg, "unit": p.unit,
                                  "waiting": p.waiting})
        log.add("promotions", {"round": 1, "school": sid, "freed": w.freed,
                               "promoted": len(w.promoted),
                               "returned_to_bureau": w.returned_to_bureau})
    pay.play(2, [], [])
    log.add("payment_round", {"round": 2, "forfeits": 0, "locks": 0})
    log.add("payments_closed", {"rounds": 2})
    cohort: dict[str, list[str]] = {}
    for reg, (school, _, _) in pay.offers.items():
        cohort.setdefault(school, []).append(reg)
    pupils, plans, teachers = [], [], []
    for sid, regs in sorted(cohort.items()):
        k = -(-len(regs) // CLASS)
        plans.append({"type": "class-plan", "school": sid,
                      "classes": [{"id": f"{c:02d}", "capacity": CLASS} for c in range(1, k + 1)]})
        teachers += [{"type": "teacher", "school": sid, "id": f"T{sid}{c:02d}", "name": "李*"}
                     for c in range(1, k + 1)]
        for reg in sorted(regs):
            strata = ["sen"] if reg.endswith("7") else []
            salt = _salt("grouping", reg)
            openings.append({"type": "attributes", "ceremony": "grouping", "reg": reg,
                             "gender": gender[reg], "strata": strata, "salt": salt.hex()})
            pupils.append({"type": "pupil", "reg": reg, "name": "张*明", "school": sid,
                           "attrs": ceremony.attributes(reg, gender[reg], strata, salt).hex(),
                           "siblings": None, "same_name": None})
    gseed = _ceremony(log, "grouping", pupils + plans, rh)
    by_school: dict[str, list[grouping.Pupil]] = {}
    for p in pupils:
        strata = ["sen"] if p["reg"].endswith("7") else []
        by_school.setdefault(p["school"], []).append(
            grouping.pupil_of(p, gender[p["reg"]], strata))
    for plan in plans:
        sid = plan["school"]
        placed = grouping.group_school(gseed, sid, by_school[sid], plan)
        rows = []
        for c in plan["classes"]:
            mine = [p for p in by_school[sid] if placed[p.reg] == c["id"]]
            rows.append({"class": c["id"], "pupils": len(mine),
                         "genders": {g: sum(p.gender == g for p in mine) for g in "FM"},
                         "strata": {"sen": sum((p.stratum or "").endswith("sen")
                                               for p in mine)}})
        log.add("grouping_summary", {"school": sid, "classes": rows})
        for reg in sorted(placed):
            log.add("grouping_result", {"school": sid, "reg": reg, "class": placed[reg]})
    tseed = _ceremony(log, "teachers", teachers, rh)
    for plan in plans:
        sid = plan["school"]
        ids = [t["id"] for t in teachers if t["school"] == sid]
        for c, t in matching.match_school(tseed, sid, ids, [c["id"] for c in plan["classes"]]):
            log.add("matching_result", {"school": sid, "class": c, "teacher": t, "name": "李*"})
    log.out.close()
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"bench log").digest())
    witness = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"bench witness").digest())
    size = len(log.leaves)
    note = signed_note_from_root(merkle.root(log.leaves), size, key, witness)
    (root / "checkpoints" / f"{size}.note").write_text(note)
    (root / "keys" / "log.vkey").write_text(vkey(ORIGIN, 1, key.public_key().public_bytes_raw())[0]
                                            + "\n")
    wv = vkey("witness.example.cn/w1", 4, witness.public_key().public_bytes_raw())[0]
    (root / "keys" / "witness-witness.example.cn%2Fw1.vkey").write_text(wv + "\n")
    lv = vkey(ORIGIN, 1, key.public_key().public_bytes_raw())[0]
    (root / "keys" / "tlog-policy.txt").write_text(
        f"log {lv}\nwitness witness.example.cn/w1 {wv}\n"
        "group sunshine-witnesses 1 witness.example.cn/w1\nquorum sunshine-witnesses\n")
    head = {"type": "openings", "version": 2, "event": EVENT, "origin": ORIGIN}
    with (root.parent / f"{root.name}.openings.jsonl").open("wb") as f:
        for o in [head, *openings]:
            f.write(canon(o) + b"\n")


def signed_note_from_root(root_hash: bytes, size: int, key: Ed25519PrivateKey,
                          witness: Ed25519PrivateKey) -> str:
    """The §12 checkpoint of the whole log, signed by the log and cosigned by the witness
    (tests.bundle_builder.signed_note, from the root: the bench keeps no entry bytes)."""
    import base64
    import struct
    text = f"{ORIGIN}\n{size}\n{base64.b64encode(root_hash).decode()}\n"
    _, kid = vkey(ORIGIN, 1, key.public_key().public_bytes_raw())
    out = f"{text}\n— {ORIGIN} {base64.b64encode(kid + key.sign(text.encode())).decode()}\n"
    _, wkid = vkey("witness.example.cn/w1", 4, witness.public_key().public_bytes_raw())
    msg = f"cosignature/v1\ntime {1782900000}\n".encode() + text.encode()
    sig = base64.b64encode(wkid + struct.pack(">Q", 1782900000) + witness.sign(msg)).decode()
    return out + f"— witness.example.cn/w1 {sig}\n"


RUNNER = """import gc, sys
gc.disable()
from verifier.cli import main
code = main(sys.argv[1:])
hwm = next(x for x in open("/proc/self/status") if x.startswith("VmHWM"))
print(int(hwm.split()[1]) // 1024, file=sys.stderr)
"""
"""`python -m verifier` as __main__ runs it, then its own peak (VmHWM): a forked child's
ru_maxrss would count the bench's memory from before the exec."""


def verify(root: Path, openings: bool) -> dict[str, Any]:
    """The verifier in a child: wall time, its peak RSS, its verdict."""
    cmd = [sys.executable, "-c", RUNNER, str(root), "--json"]
    if openings:
        cmd += ["--openings", str(root.parent / f"{root.name}.openings.jsonl")]
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out_f, stderr=err_f)
        _, _, usage = os.wait4(proc.pid, 0)  # CPU: this child's own (2 cores are shared)
        elapsed = time.perf_counter() - t
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read().decode()
    lines = err.strip().splitlines()
    rss = int(lines[-1]) if lines and lines[-1].isdigit() else -1
    report = json.loads(out)
    bad = [(s["number"], s["status"], s["detail"][:120]) for s in report["steps"]
           if s["status"] not in ("pass", "not checked")]
    return {"verify_s": round(elapsed, 2),
            "verify_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "verify_peak_rss_mb": round(rss),
            "ok": report["ok"], "failed": bad, "stderr": "\n".join(lines[:-1])[-500:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--applicants", type=int, default=200_000)
    ap.add_argument("--schools", type=int, default=200)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--openings", action="store_true", help="also the run with openings")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    root = args.dir or Path(f"/tmp/verifier-bench-{args.applicants}") / EVENT
    out: dict[str, Any] = {"applicants": args.applicants, "schools": args.schools}
    if not root.exists():
        t = time.perf_counter()
        build(root, args.applicants, args.schools)
        out["build_s"] = round(time.perf_counter() - t, 1)
    size = (root / "entries.jsonl").stat().st_size
    out["entries"] = sum(1 for _ in (root / "entries.jsonl").open("rb"))
    out["bundle_mb"] = round(size / 2**20, 1)
    out["public"] = verify(root, False)
    if args.openings:
        out["with_openings"] = verify(root, True)
    print(json.dumps(out, indent=None if args.json else 1))
    if not out["public"]["ok"]:
        os._exit(1)


if __name__ == "__main__":
    main()
