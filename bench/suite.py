"""`make bench`: every benchmark in one run, one table, bench/latest.json (issue 13 §7).

Scales (`--scales`, `make bench SCALE=city,province,national`; default city):

- city: 200,000 applicants (120 private schools), 100,000 pupils grouped;
- province: 2,000,000 applicants (1,200 schools), 1,000,000 pupils grouped;
- national: 20,000,000 entries, numbers and allocation only, streamed.

Per scale (bench/scales.py, each phase a child process): `draw_s` with
`hash_floor_s` of the same process, `peak_rss_mb`, `grouping_s`, `publish_s`; the
season built by bench/verifier_bundle.py (city: 20,000 forfeits in one payment
round) and verified (`verify_s`, `verify_peak_rss_mb`); the families' receipt index
over that season's log, from the stored entry bytes (`index_build_s` before payment
round 1, `index_update_s` for round 1's checkpoint, `index_rest_s` for the rest,
`proof_bytes`, at city and at 50,000 applicants, for the index's growth exponent;
`shard_ms`: a family's real shard, its whole receipt sealed and written).
Growth exponents are log(t₂/t₁)/log(n₂/n₁) between the smallest and the largest scale
measured.

Once per run (`--extras`, default all): the app look-up with 2 workers on
PostgreSQL when DATABASE_URL names one (else SQLite), static look-up through nginx
with wrk, beacon verification, the browser verifier, the ceremony screen reload,
notifications through the SMS gateway stub, and (with the province) the 2,000,000-row imports.

Results merge into bench/latest.json (keys `<scale>.<metric>`, the others bare);
`--readme` prints the README table from it. Run big scales with `nice`, one at a time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LATEST = ROOT / "bench" / "latest.json"
WORK = Path(os.environ.get("SUNSHINE_BENCH_DIR", "/tmp/sunshine-bench"))
PY = sys.executable

# verifier_bundle.py's season per scale: applicants, schools, forfeits in round 1.
SEASONS = {"city_small": (50_000, 50, None), "city": (200_000, 200, 20_000),
           "province": (2_000_000, 1_200, None)}
SIZES = {"city_small": 50_000, "city": 200_000, "province": 2_000_000,
         "national": 20_000_000}
EXTRAS = ("lookup", "static", "beacon", "browser", "reload", "notify", "imports", "season")

SCALED = [  # metric, target (issue 13 acceptance; province unless said)
    ("applicants", ""),
    ("hash_floor_s", "same process, same run"),
    ("draw_s", "≤ 3 × floor (province); national < 10 × floor"),
    ("draw_cpu_s", ""),
    ("draw_over_floor", "≤ 3; national < 10"),
    ("peak_rss_mb", "national < 4096"),
    ("roster_s", "national: making the records, not in draw_s"),
    ("grouping_s", ""),
    ("grouping_large_school_s", "one school: 16,000 pupils, 360 classes, 6,000 request units"),
    ("grouping_large_school_verifier_s", "the same school in the verifier"),
    ("publish_s", "< 60 s"),
    ("publish_cpu_s", ""),
    ("publish_over_floor", ""),
    ("publish_tiles_s", ""),
    ("publish_shards_s", "shards written: publish_shards"),
    ("publish_shards", ""),
    ("publish_all_shards_est_s", "every family's shard, from the rate"),
    ("verify_s", "< 60 s"),
    ("verify_cpu_s", "the verifier's own CPU"),
    ("verify_peak_rss_mb", "< 1024"),
    ("verify_passed", "True"),
    ("forfeits_round_1", "city: 20,000, verified"),
    ("forfeits_core", "city: 20,000 through the core"),
    ("forfeits_round_s", ""),
    ("forfeits_max_entry_bytes", "< 65,536"),
    ("index_build_s", "the log before payment round 1, from its bytes"),
    ("index_update_s", "city < 1 s (payment round 1: 20,000 forfeits)"),
    ("index_rest_s", "the rest: round 2, grouping, matching"),
    ("proof_bytes", "< 10,240"),
    ("shard_ms", "a family's real shard: its §14 receipt, sealed, one file"),
    ("shard_receipt_ms", "of which the receipt"),
    ("shard_bytes", ""),
    ("shard_all_est_s", "every lottery family's shard (a payment round's publication)"),
]
SINGLE = [
    ("growth.draw_s", "≈ 1"), ("growth.publish_s", "≈ 1"), ("growth.verify_s", "≈ 1"),
    ("growth.index_build_s", "≤ 1.1"),
    ("lookup_rps", "2 workers, 256 connections"), ("lookup_p99_ms", ""), ("lookup_database", ""),
    ("static_lookup_rps", "≥ 10,000"), ("static_lookup_p99_ms", "< 20 ms"),
    ("static_publish_shards_per_s", ""),
    ("beacon_verify_ms", ""), ("verifier_beacon_s", ""), ("browser_beacon_ms", ""),
    ("browser_verify_ms", ""), ("ceremony_reload_bytes", "< 1,000,000"),
    ("ceremony_reload_ms", ""), ("notify_msgs_per_s", "≥ 2,000"),
    ("season_s", "the demo season through the service, 50,000 applicants"),
    ("season_group_s", "its grouping step"), ("season_draw_s", "its draw step"),
    ("season_database", ""),
    ("import_csv_s", "< 300 s"), ("import_xlsx_s", "< 300 s"),
    ("import_csv_peak_rss_mb", "< 1024"), ("import_xlsx_peak_rss_mb", "< 1024"),
    ("import_service_csv_s", "< 300 s: through the service, preview included"),
    ("import_service_xlsx_s", "< 300 s"),
    ("import_service_csv_preview_s", "of which the roster preview (§7.1)"),
    ("import_service_xlsx_preview_s", ""),
    ("import_service_csv_peak_rss_mb", "< 1024"), ("import_service_xlsx_peak_rss_mb", "< 1024"),
    ("freeze_roster_s", "the roster freeze after the CSV import (one pass)"),
    ("freeze_roster_peak_rss_mb", "it holds the roster, as the draw does"),
]


def child(cmd: list[str], timeout: float = 3600) -> dict[str, Any]:
    """Run one bench in its own process; its last stdout line is its JSON."""
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False,
                         timeout=timeout)
    lines = [x for x in out.stdout.strip().splitlines() if x.startswith("{")]
    if out.returncode != 0 and not lines:
        tail = (out.stderr or out.stdout).strip().splitlines()[-3:]
        print(f"  ✗ {' '.join(cmd[1:3])}: {' | '.join(tail)}", file=sys.stderr)
        return {"error": " | ".join(tail)[-300:]}
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    print(f"  ✓ {' '.join(Path(c).name for c in cmd[1:4])} "
          f"({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return result


def season(scale: str) -> tuple[Path, dict[str, Any]]:
    """Build (once) and verify the season of `scale` with bench/verifier_bundle.py."""
    applicants, schools, forfeits = SEASONS[scale]
    root = WORK / scale / "city-2026"
    if root.parent.exists():  # built afresh: the builder may have changed since
        shutil.rmtree(root.parent)
    cmd = [PY, "bench/verifier_bundle.py", "--applicants", str(applicants), "--schools",
           str(schools), "--dir", str(root), "--json"]
    if forfeits is not None:
        cmd += ["--forfeits", str(forfeits)]
    out = child(cmd)
    public = out.get("public", {})
    return root, {"verify_s": public.get("verify_s"), "verify_cpu_s": public.get("verify_cpu_s"),
                  "verify_peak_rss_mb": public.get("verify_peak_rss_mb"),
                  "verify_passed": public.get("ok"),
                  "verify_failed_steps": [f[0] for f in public.get("failed", [])],
                  "forfeits_round_1": out.get("forfeits_round_1"),
                  "season_entries": out.get("entries"), "bundle_mb": out.get("bundle_mb")}


PHASES = ("draw", "verify", "publish", "grouping", "forfeits", "index")  # by priority


def save(scale: str, result: dict[str, Any], stamp: str) -> None:
    """Merge one phase's numbers into bench/latest.json at once (a long run keeps what
    it measured if stopped)."""
    latest = json.loads(LATEST.read_text()) if LATEST.exists() else {}
    latest.update({f"{scale}.{k}": v for k, v in result.items()})
    latest[f"{scale}.measured"] = stamp
    LATEST.write_text(json.dumps(latest, indent=2, sort_keys=True) + "\n")


def run_scale(scale: str, phases: tuple[str, ...], stamp: str) -> None:
    if scale == "national":
        save(scale, child([PY, "bench/scales.py", "national", scale]), stamp)
        return
    root = None
    for phase in phases:
        scaled = phase in ("draw", "grouping", "publish") and scale != "city_small"
        if scaled or (phase == "forfeits" and scale == "city"):
            save(scale, child([PY, "bench/scales.py", phase, scale]), stamp)
        elif phase == "verify":
            root, verified = season(scale)
            save(scale, verified, stamp)
        elif phase == "index" and scale != "province" and root is not None:
            save(scale, child([PY, "bench/scales.py", "index", "city", "--bundle", str(root)]),
                 stamp)


def run_extra(name: str) -> dict[str, Any]:
    if name == "lookup":
        return child([PY, "bench/lookup_load.py", "--connections", "256"])
    if name == "static":
        return child([PY, "bench/static_lookup.py"])
    if name == "beacon":
        return child([PY, "bench/beacon.py"])
    if name == "browser":
        return child([PY, "bench/browser_verify.py"])
    if name == "reload":
        child([PY, "bench/ceremony_reload.py"])  # writes latest.json itself
        return {}
    if name == "notify":
        child([PY, "bench/notify.py"])  # writes latest.json itself
        return {}
    if name == "season":
        return child([PY, "bench/season.py"])
    child([PY, "bench/imports.py", "--phases", "province,service"])  # writes latest.json
    return {}


def derived(latest: dict[str, Any]) -> None:
    """Ratios to the floor of the same run, and growth exponents."""
    for scale in SIZES:
        for key, floor_key in (("draw_s", "hash_floor_s"), ("publish_s", "publish_hash_floor_s")):
            floor = latest.get(f"{scale}.{floor_key}")  # measured in the same process
            value = latest.get(f"{scale}.{key}")
            if isinstance(floor, float) and floor > 0 and isinstance(value, (int, float)):
                latest[f"{scale}.{key.removesuffix('_s')}_over_floor"] = round(value / floor, 2)
    for key in ("draw_s", "publish_s", "verify_s", "index_build_s"):
        points = [(SIZES[s], latest[f"{s}.{key}"]) for s in SIZES
                  if isinstance(latest.get(f"{s}.{key}"), (int, float))
                  and latest[f"{s}.{key}"] > 0]
        if len(points) >= 2:
            (n1, t1), (n2, t2) = points[0], points[-1]
            latest[f"growth.{key}"] = round(math.log(t2 / t1) / math.log(n2 / n1), 2)


def show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table(latest: dict[str, Any], markdown: bool) -> str:
    cols = ("city", "province", "national")
    rows = [(m, *[show(latest.get(f"{c}.{m}")) for c in cols], t) for m, t in SCALED
            if any(f"{c}.{m}" in latest for c in cols)]
    rows += [(m, show(latest[m]), "", "", t) for m, t in SINGLE if m in latest]
    head = ("metric", *cols, "target")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(f"`{r[0]}`" if i == 0 else r[i] for i in range(5)) + " |"
                  for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(5)]
    return "\n".join("  ".join(str(r[i]).ljust(widths[i]) if i in (0, 4)
                               else str(r[i]).rjust(widths[i]) for i in range(5))
                     for r in [head, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=os.environ.get("SCALE") or "city")
    parser.add_argument("--extras", default=",".join(EXTRAS),
                        help=f"comma list of {', '.join(EXTRAS)}, or none")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"per scale, in this order: {', '.join(PHASES)}")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scale's other numbers (a run of some phases)")
    parser.add_argument("--readme", action="store_true", help="print the README table")
    args = parser.parse_args()
    latest: dict[str, Any] = json.loads(LATEST.read_text()) if LATEST.exists() else {}
    if args.readme:
        derived(latest)
        print(table(latest, markdown=True))
        return
    scales = [s for s in args.scales.split(",") if s]
    if "city" in scales:
        scales.insert(scales.index("city"), "city_small")
    extras = [e for e in args.extras.split(",") if e in EXTRAS]
    phases = tuple(p for p in args.phases.split(",") if p in PHASES)
    if "province" not in scales and "imports" in extras:
        extras.remove("imports")
    WORK.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for scale in scales:
        print(f"{scale}:", file=sys.stderr)
        if not args.keep:
            latest = json.loads(LATEST.read_text()) if LATEST.exists() else {}
            latest = {k: v for k, v in latest.items() if not k.startswith(f"{scale}.")}
            LATEST.write_text(json.dumps(latest, indent=2, sort_keys=True) + "\n")
        run_scale(scale, phases, stamp)
    for name in extras:
        print(f"{name}:", file=sys.stderr)
        result = run_extra(name)
        latest = json.loads(LATEST.read_text()) if LATEST.exists() else {}
        latest.update(result)
        LATEST.write_text(json.dumps(latest, indent=2, sort_keys=True) + "\n")
    latest = json.loads(LATEST.read_text()) if LATEST.exists() else {}
    latest["cores"] = os.cpu_count()
    derived(latest)
    LATEST.write_text(json.dumps(latest, indent=2, sort_keys=True) + "\n")
    print(table(latest, markdown=False))


if __name__ == "__main__":
    main()
