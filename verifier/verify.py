"""Running the step table over one bundle, behind one error boundary.

``Verification.run()`` runs every step of `verifier.steps.STEPS` in order. A
step fails with its VerificationError's diagnostics; a step that cannot run here
(NotChecked: no openings, no py_ecc, no policy) is *not checked*, never passed;
any other exception is a verifier bug, reported as the step's failure (✗ with
the exception) rather than raised, so no bundle, however malformed, can crash
the verifier.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from verifier import note
from verifier.bundle import Bundle
from verifier.errors import NotChecked, VerificationError
from verifier.log import LogState
from verifier.steps import STEPS, Context, Options, Step

__all__ = ["Options", "Status", "StepResult", "Verification"]


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"
    NOT_CHECKED = "not checked"
    """The step checked what it could and says what it could not; never a pass."""


SATISFIES = frozenset({Status.PASS, Status.NOT_CHECKED})
"""A step needing another runs when that one passed or checked all it could."""


@dataclass(frozen=True)
class StepResult:
    number: int
    name: str
    section: str
    status: Status
    detail: str = ""
    unexpected: bool = False
    """The step raised something other than VerificationError: a verifier bug."""


def _run_step(step: Step, ctx: Context) -> StepResult:
    """The one boundary every step runs behind."""
    try:
        detail = step.check(ctx)
    except VerificationError as exc:
        return StepResult(step.number, step.name, step.section, Status.FAIL, exc.diagnostics())
    except NotChecked as exc:
        return StepResult(step.number, step.name, step.section, Status.NOT_CHECKED, exc.detail)
    except Exception as exc:  # the one boundary: report, never crash
        return StepResult(step.number, step.name, step.section, Status.FAIL,
                          f"unexpected error in the verifier, {type(exc).__name__}: {exc} "
                          "(the bundle is not verified)", unexpected=True)
    return StepResult(step.number, step.name, step.section, Status.PASS, detail)


class Verification:
    """Runs the numbered steps; ``results`` holds one StepResult per step."""

    def __init__(self, root: Path, options: Options | None = None) -> None:
        self.ctx = Context(root, options or Options())
        self.results: list[StepResult] = []

    def run(self) -> list[StepResult]:
        """Run every step; the cyclic garbage collector is paused meanwhile.

        A city log leaves millions of small acyclic objects alive to the end;
        the collector would rescan them again and again (about a second) and
        free nothing, since no step builds reference cycles.
        """
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._run()
        finally:
            if enabled:
                gc.enable()
        return self.results

    def _run(self) -> None:
        status: dict[int, Status] = {}
        for step in STEPS:
            missing = [n for n in step.needs if status.get(n) not in SATISFIES]
            if missing:
                said = ", ".join(f"step {n} ({status.get(n, Status.SKIPPED).value})"
                                 for n in missing)
                res = StepResult(step.number, step.name, step.section, Status.SKIPPED,
                                 f"not run: needs {said}")
            else:
                res = _run_step(step, self.ctx)
            status[step.number] = res.status
            self.results.append(res)

    @property
    def ok(self) -> bool:
        """No step failed (or was skipped for a failure); some may be not checked."""
        return bool(self.results) and all(r.status in SATISFIES for r in self.results)

    @property
    def not_checked(self) -> list[StepResult]:
        return [r for r in self.results if r.status == Status.NOT_CHECKED]

    @property
    def rehearsal(self) -> bool:
        """The rule set says rehearsal (演练, §19): never an official result."""
        rules = self.ctx.state.rules
        return rules is not None and rules.rehearsal

    # What the CLI, proofs (§14) and the register check (§15) read.

    @property
    def state(self) -> LogState:
        return self.ctx.state

    @property
    def bundle(self) -> Bundle | None:
        return self.ctx.bundle

    @property
    def checkpoints(self) -> dict[int, note.Checkpoint]:
        return self.ctx.checkpoints

    @property
    def key_pinned(self) -> bool:
        return self.ctx.key_pinned

    @property
    def progress(self) -> str:
        return self.ctx.order.stage if self.ctx.order is not None else ""
