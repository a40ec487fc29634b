"""Command line: ``python -m verifier audit_logs/<event-id> [--key FILE] ...``.

Prints numbered steps, each naming its PROTOCOL.md section, ✓ or ✗ (skipped
steps with –); exits 0 only when every step passes, 1 when the bundle (or the
applicant proof, or the class register) does not verify, 2 on a usage error.
`main` is the one error boundary: whatever happens, it prints a message and
returns an exit code; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from verifier import proof, register
from verifier.errors import VerificationError
from verifier.verify import Options, Status, Verification

_MARK = {Status.PASS: "✓", Status.FAIL: "✗", Status.SKIPPED: "–"}


class UsageError(Exception):
    """A command line the verifier cannot act on (exit 2)."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m verifier",
                                description="Verify a Sunshine Draw audit bundle "
                                            "(docs/PROTOCOL.md).")
    p.add_argument("bundle", type=Path, help="audit_logs/<event-id>")
    p.add_argument("--key", type=Path, help="pin the log's verifier key (recommended)")
    p.add_argument("--trusted", type=Path, help="a previously trusted signed checkpoint")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--applicant", metavar="REG", help="print this applicant's proof (§14)")
    p.add_argument("--class-register", type=Path, metavar="FILE",
                   help="CSV class register to re-check (§15, S9); needs --school")
    p.add_argument("--school", help="school id for --class-register")
    return p


def _read_text(path: Path | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path} is not UTF-8 text") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verifier; the exit code is the result."""
    try:
        return _main(argv)
    except BrokenPipeError:  # the reader went away (`| head`): say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except UsageError as exc:
        print(f"python -m verifier: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the one boundary: report, never a traceback
        print(f"✗ unexpected error in the verifier, {type(exc).__name__}: {exc}")
        print("\nRESULT: VERIFICATION FAILED")
        return 1


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.class_register and not args.school:
        raise UsageError("--class-register needs --school")
    opts = Options(key_text=_read_text(args.key, "--key file"),
                   trusted_text=_read_text(args.trusted, "--trusted file"))
    v = Verification(args.bundle, opts)
    v.run()
    extra: dict[str, object] = {}
    code = 0 if v.ok else 1
    if args.applicant:
        try:
            extra["applicant"] = proof.build(v, args.applicant)
        except VerificationError as exc:
            extra["applicant_error"] = exc.diagnostics()
            code = 1
    if args.class_register:
        try:
            extra["class_register"] = register.check_file(v, args.school, args.class_register)
        except VerificationError as exc:
            extra["class_register_error"] = exc.diagnostics()
            code = 1
    if args.json:
        report = {
            "bundle": str(args.bundle), "event": v.state.event, "ok": v.ok,
            "key_pinned": v.key_pinned, "progress": v.progress,
            "steps": [{"number": r.number, "name": r.name, "section": r.section,
                       "status": r.status.value, "detail": r.detail} for r in v.results],
            **extra}
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return code
    print(f"Sunshine Draw verifier — {args.bundle} (event {v.state.event})")
    for r in v.results:
        sep = " — " if r.detail else ""
        print(f"{_MARK[r.status]} {r.number}. {r.name} ({r.section}){sep}{r.detail}")
    if not v.key_pinned:
        print("! The log key was not pinned: pass --key with a key obtained out of band (§13).")
    for k, val in extra.items():
        print(f"\n{k}:")
        print(json.dumps(val, ensure_ascii=False, indent=2))
    print("\nRESULT: " + ("all checks passed" if v.ok else "VERIFICATION FAILED"))
    return code
