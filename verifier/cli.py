"""Command line (PROTOCOL.md v2).

    python -m verifier BUNDLE [--key FILE] [--policy FILE] [--trusted FILE]
                              [--openings FILE] [--json]
                              [--class-register FILE --school ID]
    python -m verifier receipt FILE --policy FILE [--reg REG]
                              [--trusted FILE [--consistency FILE]] [--json]

A bundle's numbered steps are printed with their PROTOCOL.md section: ✓ passed,
✗ failed, – skipped (a step it needs failed), ? not checked (it could not run
here and says why: never a pass). Exit codes: 0 every check that ran passed on
an official event; 1 something failed; 2 usage error; 3 a rehearsal (演练, §19)
that verified, which is never an official result. `receipt` runs §14's steps 1–6
and exits 0 only when all pass.

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
from typing import Any

from verifier import receipt, register, strict
from verifier.errors import VerificationError
from verifier.verify import Options, Status, Verification

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REHEARSAL = 0, 1, 2, 3
_MARK = {Status.PASS: "✓", Status.FAIL: "✗", Status.SKIPPED: "–", Status.NOT_CHECKED: "?"}
REHEARSAL = "演练 REHEARSAL — not an official result (§19)"


class UsageError(Exception):
    """A command line the verifier cannot act on (exit 2)."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m verifier",
                                description="Verify a Sunshine Draw audit bundle "
                                            "(docs/PROTOCOL.md v2). For a family's receipt: "
                                            "python -m verifier receipt FILE --policy FILE.")
    p.add_argument("bundle", type=Path, help="audit_logs/<event-id>")
    p.add_argument("--key", type=Path, help="pin the log's verifier key (recommended, §13)")
    p.add_argument("--policy", type=Path,
                   help="witness policy (C2SP tlog-policy, §13.1); default: the bundle's "
                        "keys/tlog-policy.txt")
    p.add_argument("--trusted", type=Path, help="a previously trusted signed checkpoint")
    p.add_argument("--openings", type=Path,
                   help="the sealed openings (§17.3; supervision group and notary only)")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--class-register", type=Path, metavar="FILE",
                   help="CSV class register to re-check (§15, S9); needs --school")
    p.add_argument("--school", help="school id for --class-register")
    return p


def _receipt_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m verifier receipt",
                                description="Check a family's receipt (§14, tlog-proof@v1) "
                                            "offline.")
    p.add_argument("file", type=Path, help="the .tlog-proof file")
    p.add_argument("--policy", type=Path, required=True,
                   help="the event's witness policy (keys/tlog-policy.txt, §13.1)")
    p.add_argument("--reg", help="the registration number asked about (default: the "
                                 "receipt's)")
    p.add_argument("--trusted", type=Path, help="a checkpoint trusted before (§14 step 3)")
    p.add_argument("--consistency", type=Path,
                   help="consistency proof from --trusted to the receipt's checkpoint: one "
                        "base64 hash per line")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    return p


def _read(path: Path | None, what: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _read_text(path: Path | None, what: str) -> str | None:
    data = _read(path, what)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path} is not UTF-8 text") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verifier; the exit code is the result."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["receipt"]:
            return _receipt_main(args[1:])
        return _main(args)
    except BrokenPipeError:  # the reader went away (`| head`): say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except UsageError as exc:
        print(f"python -m verifier: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # argparse: --help (0) or a bad command line (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except Exception as exc:  # the one boundary: report, never a traceback
        print(f"✗ unexpected error in the verifier, {type(exc).__name__}: {exc}")
        print("\nRESULT: VERIFICATION FAILED")
        return EXIT_FAILED


def _main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    if args.class_register and not args.school:
        raise UsageError("--class-register needs --school")
    opts = Options(key_text=_read_text(args.key, "--key file"),
                   trusted_text=_read_text(args.trusted, "--trusted file"),
                   policy_text=_read_text(args.policy, "--policy file"),
                   openings_data=_read(args.openings, "--openings file"))
    v = Verification(args.bundle, opts)
    v.run()
    extra: dict[str, object] = {}
    code = EXIT_OK if v.ok else EXIT_FAILED
    if args.class_register:
        try:
            extra["class_register"] = register.check_file(v, args.school, args.class_register)
        except VerificationError as exc:
            extra["class_register_error"] = exc.diagnostics()
            code = EXIT_FAILED
    if code == EXIT_OK and v.rehearsal:
        code = EXIT_REHEARSAL
    if args.json:
        report = {
            "bundle": str(args.bundle), "event": v.state.event, "ok": v.ok,
            "rehearsal": v.rehearsal, "key_pinned": v.key_pinned, "progress": v.progress,
            "steps": [{"number": r.number, "name": r.name, "section": r.section,
                       "status": r.status.value, "detail": r.detail} for r in v.results],
            "exit": code, **extra}
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return code
    print(f"Sunshine Draw verifier — {args.bundle} (event {v.state.event})")
    if v.rehearsal:
        print(REHEARSAL)
    for r in v.results:
        sep = " — " if r.detail else ""
        print(f"{_MARK[r.status]} {r.number}. {r.name} ({r.section}){sep}{r.detail}")
    if not v.key_pinned:
        print("! The log key was not pinned: pass --key with a key obtained out of band (§13).")
    for k, val in extra.items():
        print(f"\n{k}:")
        print(json.dumps(val, ensure_ascii=False, indent=2))
    print("\nRESULT: " + _verdict(v, code))
    return code


def _verdict(v: Verification, code: int) -> str:
    if code == EXIT_FAILED:
        return "VERIFICATION FAILED"
    unchecked = v.not_checked
    said = "all checks passed" if not unchecked else (
        f"every check that ran passed; {len(unchecked)} not checked (steps "
        f"{', '.join(str(r.number) for r in unchecked)}, see ?)")
    return f"{REHEARSAL}: {said}" if code == EXIT_REHEARSAL else said


def _receipt_main(argv: Sequence[str]) -> int:
    args = _receipt_parser().parse_args(argv)
    text = _read_text(args.file, "receipt")
    policy_text = _read_text(args.policy, "--policy file")
    if text is None or policy_text is None:  # argparse requires both
        raise UsageError("a receipt and --policy are needed")
    trusted = None
    if args.trusted is not None:
        proof: list[bytes] = []
        lines = (_read_text(args.consistency, "--consistency file") or "").split("\n")
        for n, line in enumerate(lines, 1):
            if not line:
                continue
            try:
                proof.append(strict.b64_bytes(line, 32))
            except strict.StrictError as exc:
                raise UsageError(f"--consistency line {n}: {exc}") from None
        trusted = receipt.Trusted(_read_text(args.trusted, "--trusted file") or "",
                                  tuple(proof))
    elif args.consistency is not None:
        raise UsageError("--consistency needs --trusted")
    rep = receipt.check(text, policy_text, args.reg, trusted)
    code = EXIT_OK if rep.ok else EXIT_FAILED
    if args.json:
        print(json.dumps(rep.as_json(), ensure_ascii=False, indent=2))
        return code
    print(f"Sunshine Draw receipt check — {args.file}")
    for k, name in enumerate(receipt.STEPS, 1):
        if name in rep.steps:
            status = rep.steps[name]
            mark = "✓" if status == receipt.StepStatus.PASSED else "?"
            print(f"{mark} {k}. {name}: {status}")
        elif rep.failed_step == k:
            print(f"✗ {k}. {name}: {rep.reason}")
    if rep.ok:
        _print_fields(rep)
    print("\nRESULT: " + ("receipt verified" if rep.ok else "RECEIPT NOT VERIFIED"))
    return code


def _print_fields(rep: receipt.Report) -> None:
    cp, w, f = rep.checkpoint or {}, rep.witnesses or {}, rep.fields or {}
    names = ", ".join(c["witness"] for c in w.get("cosigned", [])) or "none"
    print(f"\ncheckpoint: {cp.get('origin')} size {cp.get('size')}")
    print(f"witnesses: {len(w.get('cosigned', []))} cosigned ({names}); quorum "
          f"{'met' if w.get('quorum_met') else 'NOT met'}")
    shown: dict[str, Any] = dict(f)
    print(f"status: {shown.pop('status', '?')}")
    for k, val in shown.items():
        print(f"  {k}: {json.dumps(val, ensure_ascii=False)}")
