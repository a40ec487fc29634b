"""Speed/memory check: a 200,000-applicant bundle must verify in < 5 s, < 500 MB.

Run by hand: ``.venv/bin/python bench/verifier_bundle.py /tmp/big``. Results
are filled in with verifier.draw (this checks speed, not correctness).
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.bundle_builder import EVENT, RULES, Builder, H, canon
from verifier import ceremony, draw


def build(root: Path, n_schools: int = 200, per_school: int = 1000) -> None:
    b = Builder()
    rh = H("sunshine-draw/v1/rules", canon(RULES))
    b.add("event_created", {"rules": RULES, "rules_hash": rh.hex()})
    parts = [{"id": "bureau-1", "role": "bureau"}, {"id": "notary-1", "role": "notary"}]
    ph = H("sunshine-draw/v1/participants", canon(parts))
    b.add("ceremony_opened", {"ceremony": "lottery", "participants": parts,
                              "participants_hash": ph.hex(), "escrow_key": "A" * 43 + "=",
                              "beacon_round": None})
    schools: list[dict[str, Any]] = [
        {"type": "school", "id": f"S{s:03d}", "name": "学校", "district": f"D{s % 10}",
                "authority": "city", "tuition": 5000, "quota": 300, "community_quota": 20,
                "nine_year": False} for s in range(n_schools)]
    apps: list[dict[str, Any]] = []
    for s in range(n_schools):
        for k in range(per_school):
            reg = f"R{s:03d}{k:05d}"
            apps.append({"type": "applicant", "reg": reg, "name": "张*明", "school": f"S{s:03d}",
                         "district": f"D{(s + (k % 3 == 0)) % 10}", "gender": "FM"[k % 2],
                         "reg_day": f"2026-06-{10 + k % 5}", "direct": k % 97 == 0,
                         "community": k % 31 == 0, "unit": reg})
    recs = schools + apps
    for i in range(0, len(recs), 250):
        b.add("input_records", {"ceremony": "lottery", "records": recs[i:i + 250]})
    from verifier import merkle
    leaves = sorted(canon(r) for r in recs)
    root_ = merkle.root([merkle.leaf_hash(x) for x in leaves])
    b.add("input_frozen", {"ceremony": "lottery", "root": root_.hex(), "size": len(leaves)})
    secrets = {"bureau-1": b"\x11" * 32, "notary-1": b"\x22" * 32}
    coms = {p: ceremony.commitment(EVENT, "lottery", p, x) for p, x in secrets.items()}
    for p in secrets:
        b.add("commitment", {"ceremony": "lottery", "participant": p,
                             "commitment": coms[p].hex(), "escrow": "A" * 107 + "="})
    b.add("commitments_closed", {"ceremony": "lottery"})
    for p, x in secrets.items():
        b.add("reveal", {"ceremony": "lottery", "participant": p, "secret": x.hex()})
    dice = [1] * 20
    b.add("physical_entropy", {"ceremony": "lottery", "witness": "notary-1", "values": dice})
    seed = ceremony.seed(EVENT, "lottery", rh, ph, root_, len(leaves),
                         [(p, coms[p], secrets[p]) for p in secrets], dice, None)
    b.add("seed", {"ceremony": "lottery", "seed": seed.hex()})
    number = ceremony.keyed(seed, ceremony.TAG_NUMBER)
    by: dict[str, list[draw.Applicant]] = {}
    for a in apps:
        by.setdefault(a["school"], []).append(draw.Applicant(
            a["reg"], a["school"], a["district"], a["gender"], a["reg_day"], a["direct"],
            a["community"], a["unit"]))
    for sc in schools:
        d = draw.allocate(draw.school_of(sc), by[sc["id"]], number, True)
        rows = [dict(zip(("reg", "number", "unit", "outcome", "stage", "rank", "waiting"), r,
                         strict=True)) for r in sorted(d.records.values())]
        n = (len(rows) + 249) // 250
        for k in range(n):
            b.add("lottery_results", {"school": sc["id"], "part": k, "parts": n,
                                      "summary": d.summary if k == 0 else None,
                                      "records": rows[k * 250:(k + 1) * 250]})
    b.checkpoint()
    b.write(root)


if __name__ == "__main__":
    from verifier.verify import Verification
    root = Path(sys.argv[1])
    if not root.exists():
        build(root)
    t = time.perf_counter()
    v = Verification(root)
    v.run()
    dt = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for r in v.results:
        print(r.number, r.status, r.detail[:100])
    print(f"verified in {dt:.2f} s, peak RSS {rss:.0f} MB (includes building when built)")
