"""What the grouping tests check, written from PROTOCOL.md §9.2 and sharing no
code with lottery_service.core.grouping or verifier.grouping: brute-force least
conflicts, shares, distances, the literal reference generator, and the small cases
both exhaustive tests walk."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from types import ModuleType

from lottery_service.core.records import ClassPlan, ClassSpec, Gender, OpenedPupil, Siblings
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


# --- the small cases of the exhaustive tests (issue 8: ≤ 3 classes, ≤ 8 pupils) ----

MAX_PUPILS = 8
MAX_REQUESTS = 5
CAPACITIES = [caps for k in range(1, 4)
              for caps in itertools.combinations_with_replacement(range(1, 5), k)]
SEEDS = [hashlib.sha256(f"exhaustive-{i}".encode()).digest() for i in range(2)]

# A request pupil: (sibling label, 同名 label); a sibling label is ("A", i) for
# apart group i or ("T", i) for together group i.
Label = tuple[tuple[str, int] | None, int | None]


def _raw_structures(r: int) -> Iterator[tuple[Label, ...]]:
    """Labellings of r request pupils with labels numbered by first use, every
    label held by two or more pupils and every pupil holding one."""
    def rec(seq: list[Label], na: int, nt: int, nn: int) -> Iterator[tuple[Label, ...]]:
        if len(seq) == r:
            sibs = Counter(s for s, _ in seq if s is not None)
            names = Counter(n for _, n in seq if n is not None)
            if all(c >= 2 for c in sibs.values()) and all(c >= 2 for c in names.values()):
                yield tuple(seq)
            return
        sib_options: list[tuple[str, int] | None] = [None]
        sib_options += [("A", a) for a in range(na + 1)] + [("T", b) for b in range(nt + 1)]
        for s in sib_options:
            for n in [None, *range(nn + 1)]:
                if s is None and n is None:
                    continue
                yield from rec(
                    [*seq, (s, n)],
                    max(na, s[1] + 1) if s is not None and s[0] == "A" else na,
                    max(nt, s[1] + 1) if s is not None and s[0] == "T" else nt,
                    max(nn, n + 1) if n is not None else nn)
    yield from rec([], 0, 0, 0)


def canonical(structure: tuple[Label, ...]) -> tuple[tuple[int, int, int], ...]:
    """The least relabelled form over all orders of the pupils."""
    best: tuple[tuple[int, int, int], ...] | None = None
    for perm in itertools.permutations(structure):
        apart: dict[int, int] = {}
        tog: dict[int, int] = {}
        name: dict[int, int] = {}
        form = []
        for s, n in perm:
            kind, sib = 0, -1
            if s is not None and s[0] == "A":
                kind, sib = 1, apart.setdefault(s[1], len(apart))
            elif s is not None:
                kind, sib = 2, tog.setdefault(s[1], len(tog))
            form.append((kind, sib, -1 if n is None else name.setdefault(n, len(name))))
        key = tuple(form)
        if best is None or key < best:
            best = key
    assert best is not None
    return best


@cache
def structures() -> list[tuple[Label, ...]]:
    """One representative of every request structure of 2..MAX_REQUESTS pupils."""
    out: dict[tuple[tuple[int, int, int], ...], tuple[Label, ...]] = {}
    for r in range(2, MAX_REQUESTS + 1):
        for s in _raw_structures(r):
            out.setdefault(canonical(s), s)
    return list(out.values())


def small_cohort(structure: tuple[Label, ...], free: int, variant: int) -> list[OpenedPupil]:
    """The request pupils of `structure`, then `free` pupils without a request, at
    school S1; `variant` 0: all girls (one gender, one stratum), 1: genders
    alternating and every third pupil `sen` (two genders, four strata)."""
    genders: tuple[Gender, ...] = ("F", "M")
    out = []
    for i in range(len(structure) + free):
        gender = "F" if variant == 0 else genders[i % 2]
        strata = ("sen",) if variant == 1 and i % 3 == 0 else ()
        siblings = same = None
        if i < len(structure):
            s, n = structure[i]
            if s is not None:
                siblings = Siblings(f"{s[0]}{s[1]}", "apart" if s[0] == "A" else "together")
            same = None if n is None else f"N{n}"
        out.append(OpenedPupil(f"P{i:04d}", "张*", "S1", gender, strata, siblings, same))
    return out


@cache
def least_for(structure: tuple[Label, ...], targets: tuple[int, ...]) -> int | None:
    """`least_pairs` for the structure in classes of `targets` (sorted); genders and
    strata do not enter it."""
    return least_pairs(small_cohort(structure, sum(targets) - len(structure), 0), targets)


def request_cases() -> Iterator[tuple[tuple[int, ...], tuple[Label, ...], int, bytes,
                                      list[OpenedPupil]]]:
    """Every small school with requests: (capacities, structure, variant, seed, pupils)
    for each capacity multiset, request structure, pupil count that fits, and seed."""
    for caps in CAPACITIES:
        for structure in structures():
            for n in range(len(structure), min(MAX_PUPILS, sum(caps)) + 1):
                for variant, seed in enumerate(SEEDS):
                    yield caps, structure, variant, seed, small_cohort(
                        structure, n - len(structure), variant)


_LABELS: list[tuple[Gender, tuple[str, ...]]] = [("F", ()), ("F", ("sen",)), ("M", ()),
                                                 ("M", ("sen",))]


def plain_cohorts() -> Iterator[tuple[tuple[int, ...], list[int], list[OpenedPupil]]]:
    """Every small school without requests: (capacities, counts of F|, F|sen, M|,
    M|sen, pupils) for each capacity multiset and every split of every count that
    fits."""
    for caps in CAPACITIES:
        for n in range(1, min(MAX_PUPILS, sum(caps)) + 1):
            for split in itertools.product(range(n + 1), repeat=3):
                if sum(split) > n:
                    continue
                counts = [*split, n - sum(split)]
                labels = [lab for lab, c in zip(_LABELS, counts, strict=True)
                          for _ in range(c)]
                yield caps, counts, [OpenedPupil(f"Q{i:04d}", "张*", "S1", g, st)
                                     for i, (g, st) in enumerate(labels)]
