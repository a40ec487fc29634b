"""Step 7: calendar windows checked from entry times (§11.4; G3, P6).

The window in force for a step is the phase's last window_set logged before it
and not removed since (§11.3 (2) lets neither happen once it has opened). A
ceremony's entries from its first commitment to its last result lie in
[opens, closes); a waiting step (an input_frozen, payments_closed) is at or after
closes. Imports and their daily hours are not logged: the service enforces them.
"""

from __future__ import annotations

from verifier.errors import VerificationError
from verifier.log import Window
from verifier.steps.context import Context

CEREMONY_WINDOWS = {"lottery": "lottery_ceremony", "grouping": "grouping_ceremony",
                    "teachers": "teacher_ceremony"}


def in_force(windows: list[Window], phase: str, seq: int) -> Window | None:
    current: Window | None = None
    for w in windows:
        if w.seq >= seq:
            break
        if w.phase == phase:
            current = w if w.opens is not None else None
    return current


def check(ctx: Context) -> str:
    st = ctx.state
    done: list[str] = []
    for name, cer in st.ceremonies.items():
        phase = CEREMONY_WINDOWS[name]
        if cer.first_commitment is None:
            continue
        seq, start = cer.first_commitment
        w = in_force(st.windows, phase, seq)
        if w is None:
            continue
        end = cer.span_end or start
        if not (w.opens is not None and w.closes is not None and w.opens <= start
                and end < w.closes):
            raise VerificationError("windows", "§11.4",
                                    f"the {name} ceremony ran {start} … {end}, outside its "
                                    f"{phase} window {w.opens} … {w.closes} (P6)")
        done.append(f"{name} ceremony inside {phase}")
    waits = 0
    for phase, seq, time in st.waits:
        w = in_force(st.windows, phase, seq)
        if w is None:
            continue
        if w.closes is not None and time < w.closes:
            raise VerificationError("windows", "§11.4",
                                    f"entry {seq} at {time} comes before the {phase} window "
                                    f"closes at {w.closes} (G3)")
        waits += 1
    phases = sorted({w.phase for w in st.windows})
    if not phases:
        return "no windows logged"
    return "; ".join([*done, f"{waits} step(s) after their windows closed",
                      f"windows logged for {', '.join(phases)}"])
