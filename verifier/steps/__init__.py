"""The numbered verification steps: one table, one module per step or group.

Each `Step` names its PROTOCOL.md section, its function and the steps it needs.
A step runs only when every step it needs passed or was *not checked* (which
means: checked what it could, said what it could not); otherwise it is reported
as skipped, naming them, and never runs on data they did not vouch for. Steps
6–23 need a strictly parsed log (1) in phase order (5).

Adding a step: write ``check(ctx: Context) -> str`` (return the detail line,
raise VerificationError to fail, NotChecked when it cannot run here) in a module
here and add one row below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from verifier.steps import (
    allocation,
    beacon_rounds,
    checkpoints,
    classes,
    contributions,
    feasibility,
    inputs,
    order,
    parse,
    recorded,
    rule_set,
    sealed,
    seeds,
    teachers,
    windows,
)
from verifier.steps.context import Context, Options

__all__ = ["STEPS", "Context", "Options", "Step"]


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    section: str
    check: Callable[[Context], str]
    needs: tuple[int, ...] = ()


STEPS: tuple[Step, ...] = (
    Step(1, "Bundle layout and strict parsing of every entry", "§13, §2.1, §2.3, §11.1, §11.2",
         parse.check),
    Step(2, "Checkpoint signatures, origin and witness policy", "§12, §13.1",
         checkpoints.signatures),
    Step(3, "Checkpoint roots over the entries", "§11.1, §4", checkpoints.roots, (2,)),
    Step(4, "Consistency between checkpoints", "§12, §4", checkpoints.consistency, (2,)),
    Step(5, "Phase order", "§11.3, §5.1", order.check, (1,)),
    Step(6, "Rule set, its hash and origin", "§3.1, §12.1, §19", rule_set.check, (1, 5)),
    Step(7, "Calendar windows", "§11.4", windows.check, (1, 5)),
    Step(8, "Input trees, amendments and identifiers", "§3.3, §5.1, §11.1, §1", inputs.check,
         (1, 5)),
    Step(9, "Feasibility of every frozen input", "§3.4", feasibility.check, (8,)),
    Step(10, "Participants, commitments, escrow keys and openings", "§5.2, §5.3, §5.4",
         contributions.check, (1, 5)),
    Step(11, "Beacon chain, schedule and rounds", "§5.6", beacon_rounds.check, (6,)),
    Step(12, "Seeds", "§5.5, §5.7", seeds.check, (6, 8)),
    Step(13, "Lottery numbers and results per school", "§6, §7.2–§7.4", allocation.lottery,
         (9, 12)),
    Step(14, "Bias audit", "§8", allocation.bias_audit, (13,)),
    Step(15, "Payment rounds, forfeits, locks and promotions", "§7.5", allocation.payments,
         (13,)),
    Step(16, "Global lock", "§7.6", allocation.lock, (15,)),
    Step(17, "Class grouping: public checks", "§9, §17.4", classes.check, (9, 12)),
    Step(18, "Head-teacher matching", "§10", teachers.check, (9, 12)),
    Step(19, "Rehearsals, locks, notifications, corrections, publication", "§11.2, §19",
         recorded.check, (1, 5)),
    Step(20, "Sealed openings: every commitment opened", "§17.1, §17.3", sealed.openings,
         (8,)),
    Step(21, "Eligibility rejections recomputed", "§17.2, §7.1", sealed.rejections, (8, 20)),
    Step(22, "Bias audit: gender dimension recomputed", "§8, §17.3", sealed.gender, (14, 20)),
    Step(23, "Class grouping recomputed with every summary", "§9, §17.3", sealed.classes,
         (17, 20)),
)
