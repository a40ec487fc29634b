"""The numbered verification steps: one table, one module per step or group.

Each `Step` names its PROTOCOL.md section, its function and the steps it needs.
A step runs only when every step it needs passed; otherwise it is reported as
skipped, naming them, and never runs on data they did not vouch for. Steps 6–16
all need a strictly parsed log (1) in phase order (5); later steps also need
the recomputations they build on.

Adding a step: write ``check(ctx: Context) -> str`` (return the detail line,
raise VerificationError to fail) in a module here and add one row below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from verifier.steps import (
    allocation,
    checkpoints,
    classes,
    contributions,
    inputs,
    order,
    parse,
    rule_set,
    seeds,
    teachers,
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
    Step(1, "Bundle layout and strict parsing of every entry", "§13, §2.1, §2.3, §11.1",
         parse.check),
    Step(2, "Checkpoint signatures and witness cosignatures", "§12", checkpoints.signatures),
    Step(3, "Checkpoint roots over the entries", "§11.1, §4", checkpoints.roots, (2,)),
    Step(4, "Consistency between checkpoints", "§12, §4", checkpoints.consistency, (2,)),
    Step(5, "Phase order", "§11.3, §5.1", order.check, (1,)),
    Step(6, "Rule set hash", "§3.1", rule_set.check, (1, 5)),
    Step(7, "Input trees", "§3.3", inputs.check, (1, 5)),
    Step(8, "Participants, commitments and openings", "§5.2, §5.3, §5.4",
         contributions.check, (1, 5)),
    Step(9, "Seeds", "§5.5, §5.6, §5.7", seeds.check, (1, 5)),
    Step(10, "Eligibility rejections not in the roster", "§7.1", allocation.rejections, (1, 5)),
    Step(11, "Lottery numbers and results per school", "§6, §7.2–§7.4", allocation.lottery,
         (1, 5, 7)),
    Step(12, "Bias audit", "§8", allocation.bias_audit, (11,)),
    Step(13, "Payment rounds and promotions", "§7.5", allocation.payments, (11,)),
    Step(14, "Global lock", "§7.6", allocation.lock, (13,)),
    Step(15, "Class grouping", "§9", classes.check, (1, 5, 7)),
    Step(16, "Head-teacher matching", "§10", teachers.check, (1, 5, 7)),
)
