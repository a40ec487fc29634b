"""The draw, grouping, publication and look-up index at one scale (issue 13 §7).

Each phase runs in a child process of bench/suite.py (its peak RSS is its own) and
prints one JSON object; times are wall-clock on the shared 2-core machine, with the
hashing floor measured in the same process and the same run:

- draw (city, province): every lottery number, the whole allocation and every
  applicant's outcome record (`lottery_summary` + `lottery_result` bodies) from
  the frozen roster and seed (`draw_s`); `hash_floor_s` is one SHA-256 per
  applicant over its canonical roster record (the Merkle leaf every
  implementation hashes anyway); `peak_rss_mb`;
- national: 20,000,000 entries through `allocate_streamed`, the roster generated
  in chunks and never held; `draw_s` is numbers, allocation and every outcome
  (from a second read), without the time spent making the roster's records
  (`roster_s`, reported); the floor hashes the same records' leaves, chunk by chunk;
- grouping: `group_all` over the scale's pupils (`grouping_s`; at city also the
  standalone verifier recomputing every school and the §16 stress cohort);
- publish: everything from the seed to a signed, published checkpoint: the draw,
  outcome bodies, bias audit, entries encoded strictly (§11), the Merkle tree, the
  signed checkpoint, the tlog-tiles and one family shard per applicant (at most
  200,000) written by `publish_event` (`publish_s`, with `publish_tiles_s` and
  `publish_shards_s`);
- forfeits (city): one payment round with 20,000 forfeits through the core's
  `payment_round`, every body encoded as a log entry (`forfeits_round_s`,
  `forfeits_max_entry_bytes` < 65,536: no round is one entry, §11.1);
- index: the families' receipt index (`receipts.ReceiptIndex`, what every worker
  extends after a checkpoint) over a whole season's log from bench/verifier_bundle.py:
  built up to the last payment round (`index_build_s`), extended by the round and
  the rest and one receipt read (`index_update_s`), and that §14 receipt's size
  (`proof_bytes`).

Usage: python bench/scales.py PHASE SCALE [--bundle DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = hashlib.sha256(b"sunshine-draw bench seed").digest()
EVENT = "city-2026"
TIME = "2026-07-23T09:00:00Z"
# Shards written by the publish phase: every family's at city; above, the first 200,000
# (`publish_shards` says how many; `publish_all_shards_est_s` scales their time to all).
SHARDS_AT_MOST = 200_000


@dataclass(frozen=True)
class Scale:
    applicants: int
    schools: int
    districts: int
    pupils: int
    grouping_schools: int


SCALES = {
    "city": Scale(200_000, 120, 10, 100_000, 600),
    "province": Scale(2_000_000, 1_200, 100, 1_000_000, 6_000),
    "national": Scale(20_000_000, 12_000, 1_000, 0, 0),
}


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _records(scale: Scale) -> Any:
    from lottery_service.demo.district import city_scale_records

    return city_scale_records(2026, scale.districts, scale.schools, scale.applicants,
                              max(scale.grouping_schools, 1), max(scale.pupils, 1))


def _floor(leaves: list[bytes]) -> float:
    sha256 = hashlib.sha256
    start = time.perf_counter()
    for leaf in leaves:
        sha256(leaf).digest()
    return time.perf_counter() - start


def phase_draw(scale: Scale) -> dict[str, Any]:
    from lottery_service.core.allocation import allocate
    from lottery_service.core.canonical import canonical_json
    from lottery_service.heap import paused

    city = _records(scale)
    leaves = [canonical_json(a.to_json()) for a in city.applicants]
    runs = 3 if scale.applicants <= 200_000 else 1
    floors, draws, cpu = [], [], []
    for _ in range(runs):
        floors.append(_floor(leaves))
        start, start_cpu = time.perf_counter(), time.process_time()
        with paused():  # as the service's unit of work runs the draw
            draw = allocate(city.schools, city.applicants, SEED, True)
            bodies = draw.entries()
        draws.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    admitted = sum(1 for o in draw.outcomes.values() if o.outcome == "admitted")
    return {"applicants": len(city.applicants), "schools": len(city.schools),
            "admitted": admitted, "result_bodies": len(bodies),
            "hash_floor_s": round(min(floors), 3), "draw_s": round(min(draws), 3),
            "draw_cpu_s": round(min(cpu), 3), "peak_rss_mb": _rss_mb()}


def national_roster(scale: Scale) -> Iterator[Any]:
    """20,000,000 applicants made on the fly, the same each time: schools of about
    1,667 applications for 500 places, a third from other districts at city-approved
    schools (every 4th), 3% community applicants; no joint units."""
    from lottery_service.core.records import Applicant

    per = scale.applicants // scale.schools
    attrs = "0" * 64
    for s in range(scale.schools):
        sid = f"N{s:05d}"
        home = f"D{s % scale.districts:04d}"
        away = f"D{(s + 1) % scale.districts:04d}"
        city = s % 4 == 0
        for k in range(per):
            reg = f"{s:05d}{k:06d}"
            yield Applicant(reg, "张*", sid, away if city and k % 3 == 0 else home,
                            "2026-06-10", attrs, False, k % 33 == 0)


def national_schools(scale: Scale) -> list[Any]:
    from lottery_service.core.records import School

    per = scale.applicants // scale.schools
    return [School(f"N{s:05d}", "学校", f"D{s % scale.districts:04d}",
                   "city" if s % 4 == 0 else "district", 5000, per * 3 // 10, per // 50, False)
            for s in range(scale.schools)]


def phase_national(scale: Scale) -> dict[str, Any]:
    from lottery_service.core.allocation import allocate_streamed
    from lottery_service.core.canonical import canonical_json

    schools = national_schools(scale)
    making = [0.0]

    def roster() -> Iterator[Any]:
        """The roster, timing what making its records costs (excluded from draw_s)."""
        it = national_roster(scale)
        while True:
            start = time.perf_counter()
            chunk = [a for _, a in zip(range(65_536), it, strict=False)]
            making[0] += time.perf_counter() - start
            if not chunk:
                return
            yield from chunk

    floor = 0.0
    it = national_roster(scale)
    while chunk := [canonical_json(a.to_json()) for _, a in zip(range(65_536), it,
                                                                  strict=False)]:
        floor += _floor(chunk)
    start = time.perf_counter()
    draw = allocate_streamed(schools, roster, SEED, True)
    allocated = time.perf_counter() - start
    admitted = entries = 0
    for o in draw.outcomes(roster()):
        entries += 1
        admitted += o.outcome == "admitted"
    total = time.perf_counter() - start
    return {"applicants": entries, "schools": len(schools), "admitted": admitted,
            "hash_floor_s": round(floor, 3), "draw_s": round(total - making[0], 3),
            "allocate_s": round(allocated, 3), "roster_s": round(making[0], 3),
            "peak_rss_mb": _rss_mb()}


def stress_cohort(schools: int = 100) -> tuple[list[Any], list[Any]]:
    """Schools of 4 classes × 40, nearly full, a quarter of the pupils in requests:
    together pairs, apart pairs and 同名 pairs (§16's stress case for §9 step 8)."""
    import random

    from lottery_service.core.records import ClassPlan, ClassSpec, OpenedPupil, Siblings

    rng = random.Random(20260816)
    plans, pupils = [], []
    for s in range(schools):
        sid = f"X{s:03d}"
        plans.append(ClassPlan(sid, "学校", tuple(ClassSpec(f"{c:02d}", 40)
                                                 for c in range(1, 5))))
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
                    pupils.append(OpenedPupil(f"X{s:03d}{len(pupils):07d}", "张*", sid, gender,
                                        strata, sib, same))
                i += 2
            else:
                pupils.append(OpenedPupil(f"X{s:03d}{len(pupils):07d}", "张*", sid, gender, strata))
                i += 1
    return plans, pupils


def large_school() -> tuple[list[Any], list[Any]]:
    """One school as large as the demo district's largest at 50,000 applicants: 16,000
    pupils in 360 classes of 45, 100 together and 70 apart sibling pairs and 1,800 同名
    groups of 2 to 6 (§9 step 7 and 8 for hundreds of classes and thousands of units)."""
    import random

    from lottery_service.core.records import ClassPlan, ClassSpec, OpenedPupil, Siblings

    rng = random.Random(20261204)
    sid = "L001"
    plan = ClassPlan(sid, "学校", tuple(ClassSpec(f"{c:03d}", 45) for c in range(1, 361)))
    pupils: list[Any] = []

    def add(siblings: Any = None, same: str | None = None) -> None:
        pupils.append(OpenedPupil(f"L{len(pupils):08d}", "张*", sid, rng.choice("FM"),
                                  ("sen",) if rng.random() < 0.03 else (), siblings, same))

    for g in range(170):
        for _ in range(2):
            add(Siblings(f"{sid}G{g}", "together" if g < 100 else "apart"))
    for g in range(1_800):
        for _ in range(rng.choice((2, 2, 2, 2, 3, 3, 4, 5, 6))):
            add(same=f"{sid}N{g}")
    while len(pupils) < 16_000:
        add()
    return [plan], pupils


def phase_grouping(scale: Scale) -> dict[str, Any]:
    from lottery_service.core.grouping import group_all
    from lottery_service.demo.district import city_scale_records

    city = city_scale_records(2026, scale.districts, scale.schools, scale.applicants,
                              scale.grouping_schools, scale.pupils)
    start = time.perf_counter()
    result = group_all(city.class_plans, city.pupils, SEED)
    out: dict[str, Any] = {"pupils": len(result.assignments),
                           "grouping_schools": len(city.class_plans),
                           "grouping_s": round(time.perf_counter() - start, 3),
                           "grouping_peak_rss_mb": _rss_mb()}
    if scale.pupils <= 100_000:
        from verifier import grouping as recompute

        by_school: dict[str, list[Any]] = {}
        for p in city.pupils:
            by_school.setdefault(p.school, []).append(
                recompute.pupil_of(p.to_json(), p.gender, p.strata))
        plans = {p.school: p.to_json() for p in city.class_plans}
        start = time.perf_counter()
        out["grouping_verifier_agrees"] = all(
            recompute.group_school(SEED, sid, ps, plans[sid]).classes
            == dict(result.schools[sid].assignments) for sid, ps in by_school.items())
        out["grouping_verifier_s"] = round(time.perf_counter() - start, 3)
        stress_plans, stress_pupils = stress_cohort()
        start = time.perf_counter()
        group_all(stress_plans, stress_pupils, SEED)
        out["grouping_stress_s"] = round(time.perf_counter() - start, 3)
        large_plans, large_pupils = large_school()
        start = time.perf_counter()
        large = group_all(large_plans, large_pupils, SEED).schools["L001"]
        out["grouping_large_school_s"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        out["grouping_large_school_verifier_agrees"] = recompute.group_school(
            SEED, "L001", [recompute.pupil_of(p.to_json(), p.gender, p.strata)
                           for p in large_pupils], large_plans[0].to_json()
        ).classes == dict(large.assignments)
        out["grouping_large_school_verifier_s"] = round(time.perf_counter() - start, 3)
    return out


def _factor(i: int) -> str:
    """A made-up second factor for family `i` (the last four ID characters, §18.3)."""
    return f"{i % 1000:03d}{i % 10}"


def phase_publish(scale: Scale) -> dict[str, Any]:
    from lottery_service.core.allocation import allocate
    from lottery_service.core.bias import bias_audit
    from lottery_service.core.canonical import canonical_json
    from lottery_service.core.checkpoint import log_origin
    from lottery_service.core.log import encode_entry
    from lottery_service.core.merkle import MerkleTree, leaf_hash
    from lottery_service.core.note import Checkpoint, Signer, sign_note
    from lottery_service.core.policy import bundle_policy
    from lottery_service.heap import paused
    from lottery_service.publish import FamilyReceipt, publish_event

    city = _records(scale)
    genders = city.genders
    origin = log_origin("bench.example.gov.cn/sunshine", EVENT, rehearsal=False)
    signer = Signer.generate(origin)
    policy = bundle_policy(signer.verifier_key(), {}, 0).to_text()
    leaves = [canonical_json(a.to_json()) for a in city.applicants]
    floor = _floor(leaves)
    del leaves
    with tempfile.TemporaryDirectory(prefix="sunshine-publish-") as tmp:
        start, start_cpu = time.perf_counter(), time.process_time()
        with paused():  # the service's unit of work
            draw = allocate(city.schools, city.applicants, SEED, True)
            bodies = [*draw.entries(), bias_audit(draw, city.applicants, genders)]  # type: ignore[arg-type]
            raws = [encode_entry(EVENT, seq, TIME, b.TYPE.value, b.to_json()).raw
                    for seq, b in enumerate(bodies)]
        tree = MerkleTree([leaf_hash(r) for r in raws])
        note = sign_note(Checkpoint(origin, tree.size, tree.root()).body(), [signer])
        # The family's file: its own result entry, sealed with its second factor (§18.3).
        families = [i for i, b in enumerate(bodies) if getattr(b, "reg", None) is not None]
        built = time.perf_counter()
        tiles = publish_event(Path(tmp), EVENT, checkpoint=note, policy=policy,
                              entries_since=lambda n: raws[n:], state=b'{"size":0}')
        tiled = time.perf_counter()
        shards = publish_event(Path(tmp), EVENT, checkpoint=note, policy=policy,
                               entries_since=lambda n: raws[n:], state=b'{"size":0}',
                               receipts=[FamilyReceipt(bodies[i].reg,  # type: ignore[union-attr]
                                                       _factor(i),
                                                       raws[i].decode())
                                         for i in families[:SHARDS_AT_MOST]])
        done, cpu = time.perf_counter(), time.process_time() - start_cpu
    return {"publish_s": round(done - start, 3), "publish_cpu_s": round(cpu, 3),
            "publish_hash_floor_s": round(floor, 3), "publish_build_s": round(built - start, 3),
            "publish_tiles_s": round(tiled - built, 3), "publish_shards_s": round(done - tiled, 3),
            "publish_entries": len(raws), "publish_tiles": tiles.tiles,
            "publish_shards": shards.shards, "publish_families": len(families),
            "publish_all_shards_est_s": round((done - tiled) * len(families) / shards.shards, 1),
            "publish_peak_rss_mb": _rss_mb()}


def phase_forfeits(scale: Scale, forfeits: int = 20_000) -> dict[str, Any]:
    """One payment round with `forfeits` unpaid offers through the core (§7.5): every
    `forfeit`, `payment_round`, `promotion` and `promotions` body, encoded as log entries
    (each under the 64 KiB limit of §11.1)."""
    import hashlib as h

    from lottery_service.core.allocation import allocate
    from lottery_service.core.log import encode_entry
    from lottery_service.core.payments import initial_payment_state, payment_round

    city = _records(scale)
    draw = allocate(city.schools, city.applicants, SEED, True)
    state = initial_payment_state(draw)
    offers = sorted(state.unconfirmed(), key=lambda r: h.sha256(r.encode()).digest())
    unpaid = frozenset(offers[:forfeits])
    start = time.perf_counter()
    _, bodies = payment_round(state, 1, unpaid, frozenset(), frozenset())
    raws = [encode_entry(EVENT, seq, TIME, b.TYPE.value, b.to_json()).raw
            for seq, b in enumerate(bodies)]
    elapsed = time.perf_counter() - start
    kinds: dict[str, int] = {}
    for b in bodies:
        kinds[b.TYPE.value] = kinds.get(b.TYPE.value, 0) + 1
    return {"forfeits_core": kinds.get("forfeit", 0), "promotions_core": kinds.get("promotion", 0),
            "forfeits_round_s": round(elapsed, 3),
            "forfeits_max_entry_bytes": max(map(len, raws))}


# The entries of one payment round's step (§7.5): the service signs them as one checkpoint.
ROUND_STEP = frozenset({"forfeit", "lock", "payment_round", "promotion", "promotions"})


def _payment_round(raw: bytes) -> int | None:
    """The round of a payment step's entry, else None (read plainly: not timed)."""
    entry = json.loads(raw)
    return entry["body"]["round"] if entry["type"] in ROUND_STEP else None


def _real_shards(index: Any, note: str, size: int, at_most: int = 5_000) -> dict[str, Any]:
    """What a payment round's publication does per family (service/shards.py): the
    family's whole §14 receipt under the checkpoint, sealed (§18.3) and written as its
    file (`publish_shards_s` above seals a bare entry: the file cost, not the receipt's).
    `shard_all_est_s` scales the rate to every lottery family of the season."""
    from lottery_service.publish import FamilyReceipt
    from lottery_service.publish.writer import _Files

    regs = sorted(index.state.lottery_results)
    with tempfile.TemporaryDirectory(prefix="sunshine-shards-") as tmp:
        files = _Files(Path(tmp))
        start = time.perf_counter()
        receipts = [FamilyReceipt(reg, _factor(i), index.receipt(reg, size, note))
                    for i, reg in enumerate(regs[:at_most])]
        made = time.perf_counter()
        count = files.write_shards(note.split("\n", 1)[0], receipts)  # the log's origin
        done = time.perf_counter()
    per = (done - start) / count
    return {"shard_ms": round(per * 1000, 3),
            "shard_receipt_ms": round((made - start) / count * 1000, 3),
            "shard_bytes": round(sum(len(r.receipt) for r in receipts) / count),
            "shard_families": len(regs), "shard_all_est_s": round(per * len(regs), 1)}


def phase_index(bundle: Path) -> dict[str, Any]:
    """What serving does after a checkpoint: `receipts.ReceiptIndex` (every worker's
    family index, §14) built over the log before payment round 1 with one receipt read,
    as serving has done by then (`index_build_s`, for its growth exponent); then the
    checkpoint of round 1's payment step (its forfeits, locks, the round, promotions:
    20,000 forfeits in the city's season) and one receipt (`index_update_s`); then the
    rest of the season (round 2, the grouping and the teachers' matching, several
    checkpoints in the service) and one receipt (`index_rest_s`); `proof_bytes` is that
    last receipt's size, as `/proof` serves it. Every part starts from the stored entry
    bytes and decodes them as a worker does (`auditlog.decode_entries`); each receipt is
    read at its size, under the bundle's one signed note (the note is only attached)."""
    from lottery_service.auditlog import decode_entries
    from lottery_service.receipts import ReceiptIndex

    with (bundle / "entries.jsonl").open("rb") as f:
        raws = [line.rstrip(b"\n") for line in f]
    rounds = [_payment_round(raw) for raw in raws]
    first, last = rounds.index(1), len(rounds) - rounds[::-1].index(1)
    note = next((bundle / "checkpoints").iterdir()).read_text()
    start = time.perf_counter()
    index = ReceiptIndex(EVENT)
    entries = decode_entries(raws[:first])
    index.extend(entries)
    reg = min(index.state.lottery_results)
    assert index.receipt(reg, first, note) is not None
    built = time.perf_counter()
    entries += decode_entries(raws[first:last])
    index.extend(entries)
    assert index.receipt(reg, last, note) is not None
    updated = time.perf_counter()
    entries += decode_entries(raws[last:])
    index.extend(entries)
    receipt = index.receipt(reg, len(entries), note)
    rest = time.perf_counter()
    assert receipt is not None and {e.type.value for e in entries[first:last]} <= ROUND_STEP
    shard = _real_shards(index, note, len(entries))
    return {**shard, "index_entries": len(entries), "index_build_s": round(built - start, 3),
            "index_update_entries": last - first,
            "index_update_s": round(updated - built, 3),
            "index_rest_entries": len(entries) - last,
            "index_rest_s": round(rest - updated, 3),
            "proof_bytes": len(receipt.encode()), "index_peak_rss_mb": _rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=("draw", "national", "grouping", "publish", "forfeits",
                                          "index"))
    parser.add_argument("scale", choices=tuple(SCALES))
    parser.add_argument("--bundle", type=Path, help="index: a verifier_bundle.py bundle")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    if args.phase == "index":
        result = phase_index(args.bundle)
    else:
        result = {"draw": phase_draw, "national": phase_national, "grouping": phase_grouping,
                  "publish": phase_publish, "forfeits": phase_forfeits}[args.phase](scale)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
