"""Export of the public audit bundle (PROTOCOL.md §13), atomically.

A rehearsal's bundle (§19) is marked 演练 / REHEARSAL in its README and by a
marker file. The sealed openings (§17.3) are written beside the bundle, never
inside it, so a published bundle cannot carry them.

The bundle is written into a fresh directory beside the target, then published
by replacing the symlink `audit_logs/<event-id>` with `os.replace`, which is
atomic: a reader (or a crash) sees the old bundle or the new one, never half.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

README = """# Audit bundle for event {event}
{banner}
This folder is the public, signed audit log of one admission event
(docs/PROTOCOL.md §13). It holds no personal data: registration numbers and
masked names only.

- `entries.jsonl`: every log entry, one canonical JSON object per line (§11).
- `checkpoints/<size>.note`: signed checkpoints of the log (C2SP tlog-checkpoint
  in a C2SP signed note, §12), with the witnesses' cosignatures (§12.3).
- `keys/log.vkey`: the log's Ed25519 verifier key; `keys/witness-*.vkey`: the
  witnesses' cosignature keys (Ed25519 or ML-DSA-44).
- `keys/tlog-policy.txt`: the witness policy (C2SP tlog-policy, §13.1): the log
  key, the witnesses and how many of them must cosign a checkpoint.

## Verify

    python -m verifier audit_logs/{event} --key <log key obtained from the bureau>

The verifier needs only Python 3.11+, `cryptography` and `rfc8785`. It replays
the whole log and recomputes every seed, lottery result, grouping and matching;
it exits 0 only when every step passes. Options: `--trusted <checkpoint.note>`
to check consistency with a checkpoint you saved earlier; `--policy
keys/tlog-policy.txt` to require the witnesses' quorum; `--applicant <reg>`
for one applicant's proof chain; `--class-register <csv> --school <id>` for the
S9 class-register re-check; `--json` for machine-readable output.
"""

REHEARSAL_BANNER = """
**演练 / REHEARSAL — 不是正式结果 / not an official result.** This event is a
rehearsal (§19): its origin is `{origin}`, it is signed with the rehearsal key,
not the official log key, and nothing in it may be published or used as a
result. The official event's log records this rehearsal's final checkpoint
(`rehearsal_recorded`).
"""

REHEARSAL_MARKER = "REHEARSAL.txt"
REHEARSAL_TEXT = ("演练：本审计包来自演练，不是正式结果。\n"
                  "REHEARSAL: this bundle is from a rehearsal, not an official result.\n"
                  "origin: {origin}\n")
POLICY_FILE = "tlog-policy.txt"


@dataclass(frozen=True)
class BundleContent:
    """What one bundle holds (§13): the log as stored and the keys to check it."""

    event_id: str
    origin: str
    entries: Iterable[bytes]
    checkpoints: Mapping[int, str]
    log_vkey: str
    witnesses: Mapping[str, str]
    policy: str
    rehearsal: bool


def write_bundle(audit_dir: Path, content: BundleContent) -> Path:
    """Write the §13 layout into a fresh directory and publish it at `audit_dir/<event>`."""
    event_id = content.event_id
    audit_dir.mkdir(parents=True, exist_ok=True)
    target = audit_dir / event_id
    staging = audit_dir / f".{event_id}.{secrets.token_hex(6)}"
    (staging / "checkpoints").mkdir(parents=True)
    (staging / "keys").mkdir()
    with open(staging / "entries.jsonl", "wb") as out:
        for raw in content.entries:
            out.write(raw + b"\n")
    for size, note in content.checkpoints.items():
        (staging / "checkpoints" / f"{size}.note").write_text(note, encoding="utf-8")
    (staging / "keys" / "log.vkey").write_text(content.log_vkey + "\n", encoding="utf-8")
    for name, vkey in content.witnesses.items():
        # §13: the name percent-encoded, so witness.example.com/w1 is one file name.
        (staging / "keys" / f"witness-{quote(name, safe='')}.vkey").write_text(
            vkey + "\n", encoding="utf-8")
    (staging / "keys" / POLICY_FILE).write_text(content.policy, encoding="utf-8")
    banner = REHEARSAL_BANNER.format(origin=content.origin) if content.rehearsal else ""
    (staging / "README.md").write_text(README.format(event=event_id, banner=banner),
                                       encoding="utf-8")
    if content.rehearsal:  # §19: marked so that no one takes it for a result
        (staging / REHEARSAL_MARKER).write_text(REHEARSAL_TEXT.format(origin=content.origin),
                                                encoding="utf-8")
    _fsync_tree(staging)
    _publish(staging, target)
    return target


def write_beside(audit_dir: Path, name: str, data: bytes) -> Path:
    """Write a private file next to the bundles (never inside one), mode 0600, atomically:
    the sealed openings (§17.3) go to the supervision group, not to the public."""
    audit_dir.mkdir(parents=True, exist_ok=True)
    target = audit_dir / name
    temp = audit_dir / f".{name}.{secrets.token_hex(6)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
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
