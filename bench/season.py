"""The whole demo season through the service at ten times the demo's size.

    python bench/season.py [--applicants 50000]

Runs `run_demo` (every step a district runs: imports, freezes, both ceremonies,
draw, payment rounds, grouping, matching, notifications, publication, export) into a
temporary data directory on SQLite, or on PostgreSQL when DATABASE_URL names one
(its public schema is emptied first: the bench's own database), and times each step.
What it guards: a step that grows faster than the district (on 2026-12-04 the
grouping step took 695 s of a 770 s season at 50,000 applicants; the demo's largest
school has 16,326 pupils in 363 classes). Prints one JSON line: `season_s`,
`season_group_s`, `season_draw_s`, `season_steps` (seconds per step) and the sizes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lookup_load import database_url  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=50_000)
    args = parser.parse_args()

    from lottery_service.config import Settings
    from lottery_service.demo import run_demo
    from lottery_service.runtime import open_runtime

    with tempfile.TemporaryDirectory(prefix="sunshine-season-") as tmp:
        data = Path(tmp)
        (data / "audit").mkdir()
        url = database_url(data)
        runtime = open_runtime(Settings(data_dir=data, audit_dir=data / "audit",
                                        database_url=url))
        steps: dict[str, float] = {}
        mark = start = time.perf_counter()

        def say(message: str) -> None:
            nonlocal mark
            if message.lstrip().startswith("✓"):
                now = time.perf_counter()
                steps[message.strip().removeprefix("✓").strip()] = round(now - mark, 3)
                mark = now

        run_demo(runtime, applicants=args.applicants, say=say)
        total = time.perf_counter() - start
        runtime.engine.dispose()
    print(json.dumps({"season_applicants": args.applicants, "season_s": round(total, 3),
                      "season_group_s": steps.get("group"), "season_draw_s": steps.get("draw"),
                      "season_database": url.split(":", 1)[0].split("+", 1)[0],
                      "season_steps": steps}, ensure_ascii=False))


if __name__ == "__main__":
    main()
