"""Step 5: phase order (§11.3, §5.1); the later steps rely on it."""

from __future__ import annotations

from verifier import phases
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    rules = ctx.state.rules
    beacon = rules is not None and rules.beacon_chain is not None
    ctx.order = phases.check_order(ctx.state.items, beacon)
    return f"event has come as far as: {ctx.order.stage}"
