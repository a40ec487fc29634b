"""City-scale benchmark: prints a table and writes bench/latest.json.

Phases run in child processes so each peak memory is its own:

- draw: every lottery number and the whole city's allocation from the frozen
  roster and seed (10 districts, 120 private schools, 200,000 applicants), no
  I/O; `hash_floor_s` is one SHA-256 per applicant over its canonical roster
  record (the Merkle leaf every implementation must hash anyway), in the same
  process;
- grouping: 600 schools, 100,000 pupils (`grouping_s`), the standalone
  verifier recomputing them (`grouping_verifier_s`), and 100 nearly full
  schools of 4 × 40 with a quarter of the pupils in together, apart or 同名
  pairs (`grouping_stress_s`, PROTOCOL.md §16);
- verify: a whole city season built in memory with the pure core, written as a
  §13 bundle and checked by `python -m verifier` (`verify_s`,
  `verify_peak_rss_mb` of that process);
- lookup: the public look-up under load from a second process on loopback
  against uvicorn with 2 workers (`lookup_rps`, `lookup_p99_ms`).

Usage: python bench/city.py [--phases draw,grouping,verify,lookup]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = hashlib.sha256(b"sunshine-draw bench seed").digest()
TARGETS = {
    "draw_s": "≤ 3 × hash_floor_s and < 2 s",
    "grouping_s": "< 2 s",
    "grouping_verifier_agrees": "True",
    "peak_rss_mb": "< 500 MB",
    "verify_s": "< 5 s",
    "verify_peak_rss_mb": "< 500 MB",
    "lookup_rps": "≥ 1000 req/s",
    "lookup_p99_ms": "< 50 ms",
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_draw() -> dict[str, Any]:
    from lottery_service.core.allocation import allocate
    from lottery_service.core.canonical import canonical_json
    from lottery_service.demo.district import city_scale_records

    city = city_scale_records(2026)
    leaves = [canonical_json(a.to_json()) for a in city.applicants]
    sha256 = hashlib.sha256
    floors, draws = [], []
    for _ in range(3):
        start = time.perf_counter()
        for leaf in leaves:
            sha256(leaf).digest()
        floors.append(time.perf_counter() - start)
        start = time.perf_counter()
        draw = allocate(city.schools, city.applicants, SEED, True)
        draws.append(time.perf_counter() - start)
    admitted = sum(1 for o in draw.outcomes.values() if o.outcome == "admitted")
    return {"applicants": len(city.applicants), "schools": len(city.schools),
            "admitted": admitted, "hash_floor_s": min(floors), "draw_s": min(draws),
            "peak_rss_mb": _rss_mb()}


def _stress_cohort(schools: int = 100) -> tuple[list[Any], list[Any]]:
    """Schools of 4 classes × 40, nearly full, a quarter of the pupils in requests:
    together pairs, apart pairs and 同名 pairs (§16's stress case for §9 step 8)."""
    import random

    from lottery_service.core.records import ClassPlan, ClassSpec, Pupil, Siblings

    rng = random.Random(20260816)
    plans, pupils = [], []
    for s in range(schools):
        sid = f"X{s:03d}"
        plans.append(ClassPlan(sid, tuple(ClassSpec(f"{c:02d}", 40) for c in range(1, 5))))
        n = 160 - rng.randint(0, 3)
        i = 0
        while i < n:
            gender = rng.choice("FM")
            strata = ("sen",) if rng.random() < 0.03 else ()
            r = rng.random()
            if r < 0.125 and i + 2 <= n:  # a pair: a quarter of all pupils
                kind = rng.choice(["together", "apart", "name"])
                for _ in range(2):
                    sib = None if kind == "name" else Siblings(f"{sid}G{i}", kind)
                    same = f"{sid}N{i}" if kind == "name" else None
                    pupils.append(Pupil(f"X{s:03d}{len(pupils):07d}", "张*", sid, gender,
                                        strata, sib, same))
                i += 2
            else:
                pupils.append(Pupil(f"X{s:03d}{len(pupils):07d}", "张*", sid, gender, strata))
                i += 1
    return plans, pupils


def phase_grouping() -> dict[str, Any]:
    from lottery_service.core.grouping import group_all
    from lottery_service.demo.district import city_scale_records
    from verifier import grouping as recompute

    city = city_scale_records(2026)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = group_all(city.class_plans, city.pupils, SEED)
        times.append(time.perf_counter() - start)
    # The standalone verifier recomputing every school (§14 step "grouping").
    by_school: dict[str, list[Any]] = {}
    for p in city.pupils:
        by_school.setdefault(p.school, []).append(
            recompute.pupil_of(p.to_json(), p.gender, p.strata))
    plans = {p.school: p.to_json() for p in city.class_plans}
    start = time.perf_counter()
    same = all(recompute.group_school(SEED, sid, ps, plans[sid]).classes
               == dict(result.schools[sid].assignments) for sid, ps in by_school.items())
    verify_s = time.perf_counter() - start
    # Dense requests: the slowest school of a stress cohort.
    stress_plans, stress_pupils = _stress_cohort()
    start = time.perf_counter()
    stress = group_all(stress_plans, stress_pupils, SEED)
    stress_s = time.perf_counter() - start
    return {"pupils": len(result.assignments), "grouping_schools": len(city.class_plans),
            "grouping_s": min(times), "grouping_peak_rss_mb": _rss_mb(),
            "grouping_verifier_s": verify_s, "grouping_verifier_agrees": same,
            "grouping_stress_s": stress_s,
            "grouping_stress_requests": sum(len(s.units) for s in stress.schools.values())}


def build_city_bundle(out: Path) -> Path:
    """A whole season on city-scale records, through the pure core only."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from lottery_service.bundle import BundleContent, write_bundle
    from lottery_service.core.checkpoint import sign_checkpoint
    from lottery_service.core.log import Entry, encode_entry
    from lottery_service.core.merkle import MerkleTree
    from lottery_service.core.note import Signer
    from lottery_service.core.policy import bundle_policy
    from lottery_service.core.records import Rules
    from lottery_service.core.season import Body, SeasonState
    from lottery_service.core.seed import Participant, commitment, seal_escrow
    from lottery_service.demo.district import city_scale_records

    city = city_scale_records(2026)
    rules = Rules(event="city-2026", title="City bench", year=2026, grade=1)
    signer = Signer("sunshine-draw/city-2026", Ed25519PrivateKey.from_private_bytes(SEED))
    holder = X25519PrivateKey.from_private_bytes(hashlib.sha256(b"holder").digest())
    holder_pub = holder.public_key().public_bytes_raw()
    state = SeasonState()
    entries: list[Entry] = []
    notes: dict[int, str] = {}
    last: tuple[int, bytes] | None = None

    def emit(bodies: list[Body]) -> None:
        nonlocal last
        for t, b in bodies:
            e = encode_entry(rules.event, state.size, "2026-07-23T09:00:00Z", t, b)
            state.apply(e)
            entries.append(e)
        tree = MerkleTree([e.leaf_hash for e in entries])
        note = sign_checkpoint(signer.name, tree, signer, last)
        if note is not None:
            notes[tree.size] = note
            last = (tree.size, tree.root())

    people = [Participant("bureau-1", "bureau"), Participant("notary-1", "notary"),
              Participant("supervisor-1", "supervisor")]

    def ceremony(kind: Any, records: Any) -> None:
        emit(state.freeze_input(kind, people, holder_pub, records))
        for p in people:
            secret = hashlib.sha256(f"{kind}/{p.id}".encode()).digest()
            com = commitment(rules.event, kind, p.id, secret)
            eph = X25519PrivateKey.from_private_bytes(hashlib.sha256(secret).digest())
            emit(state.commit(kind, p.id, com, seal_escrow(secret, com, holder_pub, eph)))
        emit(state.close_commitments(kind))
        for p in people:
            emit(state.reveal(kind, p.id, hashlib.sha256(f"{kind}/{p.id}".encode()).digest()))
        emit(state.physical_entropy(kind, "notary-1", [1, 2, 3, 4, 5, 6] * 3 + [1, 2]))
        emit(state.derive_seed(kind))

    emit(state.create_event(rules))
    ceremony("lottery", [*city.schools, *city.applicants])
    emit(state.publish_draw())
    offers = state.payment_state().unconfirmed()
    emit(state.payment_round(offers[::97], []))
    while state.payment_state().unconfirmed():
        emit(state.payment_round([], []))
    emit(state.close_payments())
    ceremony("grouping", [*city.pupils, *city.class_plans])
    emit(state.publish_grouping())
    ceremony("teachers", list(city.teachers))
    emit(state.publish_matching())
    emit(state.notifications_sent(len(city.pupils)))
    for kind in ("lottery", "grouping", "teachers"):
        emit(state.publish(kind))  # type: ignore[arg-type]
    return write_bundle(out, BundleContent(
        rules.event, signer.name, (e.raw for e in entries), notes, signer.verifier_key(), {},
        bundle_policy(signer.verifier_key(), {}, 0).to_text(), rehearsal=False))


def phase_verify() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        # Built in another process: a child's ru_maxrss starts from its parent's size
        # at fork, so this process must stay small for verify_peak_rss_mb to be true.
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                        "from bench.city import build_city_bundle; "
                        "build_city_bundle(Path(sys.argv[1]))", tmp], cwd=ROOT, check=True)
        bundle = Path(tmp) / "city-2026"
        build_s = time.perf_counter() - start
        size_mb = (bundle / "entries.jsonl").stat().st_size / 1e6
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "verifier", str(bundle), "--json"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        out = proc.stdout.read() if proc.stdout else b""
        passed = os.waitstatus_to_exitcode(status) == 0
        if not passed:
            sys.stderr.write(out.decode()[-2000:])
        return {"bundle_build_s": build_s, "bundle_mb": size_mb, "verify_s": elapsed,
                "verify_peak_rss_mb": usage.ru_maxrss / 1024, "verify_passed": passed}


def phase_lookup() -> dict[str, Any]:
    from bench.lookup_load import run_lookup_bench

    return run_lookup_bench()


PHASES = {"draw": phase_draw, "grouping": phase_grouping, "verify": phase_verify,
          "lookup": phase_lookup}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(PHASES[args.child]()))
        return
    results: dict[str, Any] = {}
    for name in args.phases.split(","):
        out = subprocess.run([sys.executable, __file__, "--child", name], cwd=ROOT,
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"phase {name} failed:\n{out.stderr[-3000:]}", file=sys.stderr)
            results[f"{name}_error"] = out.stderr.strip().splitlines()[-1:] or ["failed"]
            continue
        results.update(json.loads(out.stdout.strip().splitlines()[-1]))
    latest = ROOT / "bench" / "latest.json"
    previous = json.loads(latest.read_text()) if latest.exists() else {}
    previous.update(results)
    latest.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")
    print(f"{'metric':<22}{'value':>12}  target")
    for key in sorted(results):
        value = results[key]
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<22}{shown:>12}  {TARGETS.get(key, '')}")
    if "draw_s" in results and "hash_floor_s" in results:
        ratio = results["draw_s"] / results["hash_floor_s"]
        print(f"{'draw / hash floor':<22}{ratio:>12.2f}  ≤ 3")


if __name__ == "__main__":
    main()
