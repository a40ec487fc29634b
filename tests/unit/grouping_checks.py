"""What the grouping tests check, written from PROTOCOL.md §9.2 and sharing no
code with lottery_service.core.grouping: brute-force least conflicts, shares,
distances, and the literal reference generator."""

from __future__ import annotations

import importlib.util
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from types import ModuleType

from lottery_service.core.records import ClassPlan, ClassSpec, OpenedPupil
from tests.paths import VECTORS


def load_reference() -> ModuleType:
    """The literal §9 transcription the vector generator uses (no service code)."""
    spec = importlib.util.spec_from_file_location(
        "generate_grouping", VECTORS / "generate_grouping.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plan_of(school: str, caps: Sequence[int]) -> ClassPlan:
    return ClassPlan(school, f"{school}校", tuple(ClassSpec(f"{i + 1:02d}", c)
                                              for i, c in enumerate(caps)))


def marks(p: OpenedPupil) -> list[str]:
    out = []
    if p.siblings is not None and p.siblings.mode == "apart":
        out.append("apart:" + p.siblings.group)
    if p.same_name is not None:
        out.append("name:" + p.same_name)
    return out


def pairs_sharing(assignment: Mapping[str, str], pupils: Sequence[OpenedPupil]) -> int:
    """Pairs of pupils in one class with one apart group or one 同名 group (§9.2 (a))."""
    count = Counter((m, assignment[p.reg]) for p in pupils for m in marks(p))
    return sum(c * (c - 1) // 2 for c in count.values())


def together_units(pupils: Sequence[OpenedPupil]) -> list[list[OpenedPupil]]:
    groups: dict[str, list[OpenedPupil]] = {}
    for p in pupils:
        if p.siblings is not None and p.siblings.mode == "together":
            groups.setdefault(p.siblings.group, []).append(p)
    return [ms for ms in groups.values() if len(ms) >= 2]


def request_units(pupils: Sequence[OpenedPupil]) -> list[list[OpenedPupil]]:
    """Together units and the other pupils with a mark, as units of one."""
    units = together_units(pupils)
    in_unit = {p.reg for u in units for p in u}
    return units + [[p] for p in pupils if p.reg not in in_unit and marks(p)]


def least_pairs(pupils: Sequence[OpenedPupil], targets: Sequence[int]) -> int | None:
    """The least pairs sharing a mark over ALL assignments with class sizes exactly
    `targets` and every together unit in one class; None if there is none.

    Brute force over the pupils with a mark and the together units; the others
    hold no mark and fill whatever seats are left, which any assignment of the
    rest leaves in exactly the right number (Σ targets = N)."""
    units = request_units(pupils)
    best: int | None = None
    for choice in itertools.product(range(len(targets)), repeat=len(units)):
        load = [0] * len(targets)
        for u, j in zip(units, choice, strict=True):
            load[j] += len(u)
        if any(load[j] > targets[j] for j in range(len(targets))):
            continue
        where = {p.reg: str(j) for u, j in zip(units, choice, strict=True) for p in u}
        c = pairs_sharing(where, [p for u in units for p in u])
        if best is None or c < best:
            best = c
    return best


def stratum_of(p: OpenedPupil) -> str:
    return p.gender + "|" + ",".join(p.strata)


def rounded_sizes(capacities: Sequence[int], targets: Mapping[str, int]) -> dict[str, int]:
    """τ_j of §9 step 3: ⌈N/k⌉ for every class if every capacity reaches it, else t_j."""
    n, k = sum(targets.values()), len(targets)
    u = -(-n // k)
    if min(capacities) >= u:
        return {c: u for c in targets}
    return dict(targets)


def distances(assignment: Mapping[str, str], pupils: Sequence[OpenedPupil],
              targets: Mapping[str, int], capacities: Sequence[int]) -> list[tuple[str, str, int]]:
    """(group, class, distance) for every stratum and gender count outside
    [⌊share⌋, ⌈share⌉], share = count_in_school × τ_j / Στ (§9.2 (b))."""
    sizes = rounded_sizes(capacities, targets)
    n = sum(sizes.values())
    out = []
    for label in (stratum_of, lambda p: p.gender):
        total = Counter(label(p) for p in pupils)
        per = Counter((label(p), assignment[p.reg]) for p in pupils)
        for group, count in total.items():
            for cls, tau in sizes.items():
                share = count * tau  # in units of 1/Στ
                lo, hi = share // n, -(-share // n)
                v = per[(group, cls)]
                d = max(0, lo - v, v - hi)
                if d:
                    out.append((group, cls, d))
    return out
