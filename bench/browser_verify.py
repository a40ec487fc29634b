"""`browser_verify_ms`: the parents' page's §14 receipt check under Node, median of 50
(bench/browser_verify.mjs). The same step in Chromium with 4x CPU throttling is printed by
tests/browser/test_parents.py (test_verify_step_with_4x_cpu_throttling_is_fast_enough).

Usage: python bench/browser_verify.py   (prints a table and one JSON line)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(runs: int = 50) -> dict[str, float]:
    node = shutil.which("node")
    if node is None:
        raise SystemExit("browser_verify_ms needs Node 20+")
    run = subprocess.run([node, str(ROOT / "bench" / "browser_verify.mjs"), str(runs)],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
    out = json.loads(run.stdout)
    return {k: round(v, 2) if k.endswith("_ms") else v for k, v in out.items()}


def main() -> None:
    result = measure()
    for key, value in result.items():
        print(f"{key:<26}{value:>10}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
