"""Export of the public audit bundle (PROTOCOL.md §13), atomically.

The bundle is written into a fresh directory beside the target, then published
by replacing the symlink `audit_logs/<event-id>` with `os.replace`, which is
atomic: a reader (or a crash) sees the old bundle or the new one, never half.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote

README = """# Audit bundle for event {event}

This folder is the public, signed audit log of one admission event
(docs/PROTOCOL.md §13). It holds no personal data: registration numbers and
masked names only.

- `entries.jsonl`: every log entry, one canonical JSON object per line (§11).
- `checkpoints/<size>.note`: signed checkpoints of the log (C2SP tlog-checkpoint
  in a C2SP signed note, §12), with supervisors' cosignatures.
- `keys/log.vkey`: the log's Ed25519 verifier key; `keys/witness-*.vkey`: the
  supervisors' cosigning keys.

## Verify

    python -m verifier audit_logs/{event} --key <log key obtained from the bureau>

The verifier needs only Python 3.11+, `cryptography` and `rfc8785`. It replays
the whole log and recomputes every seed, lottery result, grouping and matching;
it exits 0 only when every step passes. Options: `--trusted <checkpoint.note>`
to check consistency with a checkpoint you saved earlier; `--applicant <reg>`
for one applicant's proof chain; `--class-register <csv> --school <id>` for the
S9 class-register re-check; `--json` for machine-readable output.
"""


def write_bundle(audit_dir: Path, event_id: str, entries: Iterable[bytes],
                 checkpoints: Mapping[int, str], log_vkey: str,
                 witnesses: Mapping[str, str]) -> Path:
    """Write the §13 layout into a fresh directory and publish it at `audit_dir/<event_id>`."""
    audit_dir.mkdir(parents=True, exist_ok=True)
    target = audit_dir / event_id
    staging = audit_dir / f".{event_id}.{secrets.token_hex(6)}"
    (staging / "checkpoints").mkdir(parents=True)
    (staging / "keys").mkdir()
    with open(staging / "entries.jsonl", "wb") as out:
        for raw in entries:
            out.write(raw + b"\n")
    for size, note in checkpoints.items():
        (staging / "checkpoints" / f"{size}.note").write_text(note, encoding="utf-8")
    (staging / "keys" / "log.vkey").write_text(log_vkey + "\n", encoding="utf-8")
    for name, vkey in witnesses.items():
        # §13: the name percent-encoded, so witness.example.com/w1 is one file name.
        (staging / "keys" / f"witness-{quote(name, safe='')}.vkey").write_text(
            vkey + "\n", encoding="utf-8")
    (staging / "README.md").write_text(README.format(event=event_id), encoding="utf-8")
    _fsync_tree(staging)
    _publish(staging, target)
    return target


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def _publish(staging: Path, target: Path) -> None:
    """Point `target` at `staging` atomically and remove the previous bundle."""
    old = target.resolve() if target.is_symlink() else None
    if target.exists() and not target.is_symlink():
        # A plain directory from an older export: move it aside first.
        aside = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
        target.rename(aside)
        old = aside
    link = target.with_name(f".{target.name}.link-{secrets.token_hex(4)}")
    os.symlink(staging.name, link)
    os.replace(link, target)
    if old is not None and old != staging.resolve() and old.exists():
        shutil.rmtree(old)
    for stale in target.parent.glob(f".{target.name}.*"):
        if stale.resolve() != staging.resolve() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
