"""Step 9: every frozen input was feasible when frozen (§3.4).

Checked at every input_frozen, also one later withdrawn (§5.1 (3)): the service
MUST NOT freeze an input the ceremony cannot finish from. §9.3's conditions are
`grouping.school_problems` and `grouping.mixed_modes`, from public records alone.
"""

from __future__ import annotations

from verifier import grouping
from verifier.errors import VerificationError
from verifier.log import Freeze, Input
from verifier.steps.context import Context


def _fail(message: str, section: str = "§3.4") -> VerificationError:
    return VerificationError("feasibility", section, message)


def lottery(inp: Input) -> None:
    """§3.4 lottery: schools exist, units satisfy §3.2, no outsider at a district school."""
    joint: dict[str, list[str]] = {}
    for a in inp.applicants:
        school = inp.schools.get(a.school)
        if school is None:
            raise _fail(f"{a.reg}: school {a.school} is not in the input (P13)")
        if school.authority == "district" and a.district != school.district:
            raise _fail(f"{a.reg}: another district at a district-approved "
                        f"school {a.school} (§7.2, P2)")
        if a.unit != a.reg:
            joint.setdefault(a.unit, []).append(a.reg)
    if not joint:
        return
    regs = {a.reg: (a.school, a.district, a.direct, a.community) for a in inp.applicants
            if a.unit != a.reg or a.reg in joint}
    for unit, members in joint.items():
        head = regs.get(unit)
        if head is None:
            raise _fail(f"{members[0]}: the unit's head {unit} is not in the input "
                        "(§3.2, P13)", "§3.2, §3.4")
        if min(members) < unit:
            raise _fail(f"unit {unit} is not the smallest reg of its members "
                        "(§3.2)", "§3.2, §3.4")
        for reg in members:
            if regs[reg] != head:
                raise _fail(f"{reg}: members of unit {unit} differ in school, "
                            "district, direct or community (§3.2, P13)", "§3.2, §3.4")


def cohort(inp: Input) -> None:
    """§3.4 grouping: one plan per pupils' school, no plan without pupils, and §9.3.

    §9.3 (1) and the plan given twice (2) are the input step's (§1, §3.2); (5) holds
    over the cohort, since §3.2 gives a sibling group one mode.
    """
    by_school: dict[str, list[grouping.Pupil]] = {}
    for p in inp.pupils:
        by_school.setdefault(p.school, []).append(p)
    for sid in sorted(by_school):
        if sid not in inp.plans:
            raise _fail(f"school {sid}: no-plan: its {len(by_school[sid])} pupils have no "
                        "class plan (§9.3 (2), S3)", "§3.4, §9.3")
    for sid in sorted(inp.plans):
        if sid not in by_school:
            raise _fail(f"the class plan of {sid} belongs to no pupil")
    mixed = grouping.mixed_modes(inp.pupils)
    if mixed:
        regs = sorted(p.reg for p in inp.pupils
                      if p.siblings is not None and p.siblings[0] == mixed[0])
        raise _fail(f"mixed-sibling-modes: sibling group {mixed[0]} ({', '.join(regs)}) "
                    "asks both together and apart (§9.3 (5), §3.2, S4)", "§3.4, §9.3")
    for sid, plan in sorted(inp.plans.items()):
        problems = grouping.school_problems(sid, by_school[sid], plan.record())
        if problems:
            first = problems[0]
            named = f" ({', '.join(first.regs)})" if first.regs else ""
            raise _fail(f"school {sid}: {first.problem}: {first.message}{named} (§9.3, "
                        f"{first.rule})", "§3.4, §9.3")


def teachers(inp: Input, groups: Input | None) -> None:
    """§3.4 teachers: as many teachers as classes at every school with a plan, no others."""
    if groups is None:
        raise _fail("no frozen grouping input to match against")
    for sid, plan in sorted(groups.plans.items()):
        n = len(inp.teachers.get(sid, ()))
        if n != len(plan.classes):
            raise _fail(f"school {sid} has {n} teachers for "
                        f"{len(plan.classes)} classes (S5)")
    extra = sorted(set(inp.teachers) - set(groups.plans))
    if extra:
        raise _fail(f"school {extra[0]} has teachers but no class plan (S5)")


def _frozen(name: str, f: Freeze, groups: Input | None) -> None:
    try:
        if name == "lottery":
            lottery(f.input)
        elif name == "grouping":
            cohort(f.input)
        else:
            teachers(f.input, groups)
    except VerificationError as exc:
        raise VerificationError("feasibility", exc.section,
                                f"{name} input_frozen at entry {f.seq}: {exc.message}") from None


def check(ctx: Context) -> str:
    st = ctx.state
    n = 0
    for name, cer in st.ceremonies.items():
        for f in cer.freezes:
            _frozen(name, f, st.input_of("grouping"))
            n += 1
    return f"{n} frozen input(s) feasible" if n else "no input frozen yet"
