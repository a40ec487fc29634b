"""Step 5: phase order (§11.3, §5.1), streamed by step 1; the later steps rely on it."""

from __future__ import annotations

from verifier.steps.context import Context


def check(ctx: Context) -> str:
    if ctx.phase_error is not None:
        raise ctx.phase_error
    return f"event has come as far as: {ctx.phase_order().stage}"
