"""Command line: ``python -m verifier audit_logs/<event-id> [--key FILE] ...``.

Prints numbered steps, each naming its PROTOCOL.md section, ✓ or ✗ (skipped
steps with –); exits 0 only when every step passes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from verifier import proof, register
from verifier.errors import VerificationError
from verifier.verify import Options, Verification

_MARK = {"pass": "✓", "fail": "✗", "skipped": "–"}


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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    opts = Options(
        key_text=args.key.read_text("utf-8") if args.key else None,
        trusted_text=args.trusted.read_text("utf-8") if args.trusted else None)
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
        if not args.school:
            print("--class-register needs --school", file=sys.stderr)
            return 2
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
                       "status": r.status, "detail": r.detail} for r in v.results],
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
