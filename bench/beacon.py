"""Beacon verification timings (PROTOCOL.md §5.6): one real quicknet round each.

- `beacon_verify_ms`: the service, `core.beacon.check_round` (py_arkworks_bls12381),
  median of 101 runs;
- `verifier_beacon_s`: the standalone verifier, `verifier.beacon.check_round_json`
  with py_ecc (pure Python), its first check (the verifier memoizes the pairing
  checks of a round it has seen, so repeats cost nothing and a median would read 0);
- `browser_beacon_ms`: the parents' page's `beacon.js` (@noble/curves) under Node,
  median of 21 runs (`_cold_ms` is the first, as a page that checks once sees it).

Each number excludes parsing the chain (done once per event; reported apart).
Usage: python bench/beacon.py   (prints a table and one JSON line; updates bench/latest.json)
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VECTORS = ROOT / "tests" / "vectors" / "beacon.json"


def _round_1000() -> tuple[dict[str, Any], str]:
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    case = next(c for c in data["round_cases"] if c["name"] == "quicknet-round-1000")
    return data["chains"]["quicknet"]["beacon"], case["json"]


def _median_s(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def service_beacon() -> dict[str, float]:
    from lottery_service.core.beacon import BeaconChain, check_round

    info, text = _round_1000()
    start = time.perf_counter()
    chain = BeaconChain.from_json(info)
    chain_ms = (time.perf_counter() - start) * 1000
    ms = _median_s(lambda: check_round(chain, text, 1000), 101) * 1000
    return {"beacon_verify_ms": round(ms, 2), "beacon_chain_ms": round(chain_ms, 2)}


def verifier_beacon() -> dict[str, float]:
    from verifier import beacon

    if not beacon.pairing_available():
        raise SystemExit("verifier_beacon_s needs py_ecc: pip install '.[beacon]'")
    info, text = _round_1000()
    start = time.perf_counter()
    chain = beacon.parse_chain(info)  # also imports py_ecc
    chain_s = time.perf_counter() - start
    start = time.perf_counter()
    beacon.check_round_json(chain, text, 1000)
    s = time.perf_counter() - start
    return {"verifier_beacon_s": round(s, 3), "verifier_beacon_chain_s": round(chain_s, 3)}


def browser_beacon() -> dict[str, float]:
    node = shutil.which("node")
    if node is None:
        raise SystemExit("browser_beacon_ms needs Node 20+")
    run = subprocess.run([node, str(ROOT / "bench" / "beacon.mjs"), "21"], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=300)
    out = json.loads(run.stdout)
    return {k: round(v, 1) for k, v in out.items() if k.endswith("_ms")}


def measure() -> dict[str, float]:
    """The three numbers (and the chain-parsing costs beside them)."""
    return {**service_beacon(), **verifier_beacon(), **browser_beacon()}


def main() -> None:
    result = measure()
    latest = ROOT / "bench" / "latest.json"
    previous = json.loads(latest.read_text()) if latest.exists() else {}
    previous.update(result)
    latest.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")
    for key, value in result.items():
        print(f"{key:<26}{value:>10}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
