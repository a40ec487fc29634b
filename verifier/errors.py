"""The verifier's one exception type.

Every failure names the PROTOCOL.md section it enforces so that an auditor can
look the rule up (sigstore-style: one ``VerificationError`` for every phase).
"""

from __future__ import annotations


class VerificationError(Exception):
    """Raised whenever any check of the bundle fails."""

    def __init__(self, step: str, section: str, message: str) -> None:
        super().__init__(f"{section}: {message}")
        self.step = step
        self.section = section
        self.message = message

    def diagnostics(self) -> str:
        """Human text: which rule failed and why."""
        return f"{self.message} ({self.section})"


class NotChecked(Exception):
    """A check that could not run here (no openings, no py_ecc, no policy).

    A step raising it is reported as *not checked*, never as passed; its message
    says what was checked and what was not.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
