"""Reading a §13 bundle: entries streamed line by line; notes, keys and policy as text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from verifier.errors import VerificationError

_NOTE_NAME = re.compile(r"(0|[1-9][0-9]*)\.note")
_WITNESS = re.compile(r"witness-(.+)\.vkey")


@dataclass(frozen=True)
class Bundle:
    root: Path
    notes: dict[int, str]
    """size -> signed note text, from checkpoints/<size>.note."""
    log_key: str | None
    witness_keys: dict[str, str]
    """file label (percent-encoded name) -> verifier key text, from keys/witness-*.vkey."""
    policy: str | None
    """keys/tlog-policy.txt (§13.1), when present."""

    @property
    def entries_path(self) -> Path:
        return self.root / "entries.jsonl"

    def lines(self) -> Iterator[bytes]:
        """Each entry's bytes without its newline; the last line must end in one."""
        try:
            with self.entries_path.open("rb") as f:
                for n, line in enumerate(f):
                    if not line.endswith(b"\n"):
                        raise VerificationError("layout", "§13",
                                                f"entries.jsonl line {n} lacks its newline")
                    yield line[:-1]
        except OSError as exc:
            raise _unreadable(self.entries_path, exc) from None


def _unreadable(path: Path, exc: OSError) -> VerificationError:
    return VerificationError("layout", "§13", f"cannot read {path.name}: "
                             f"{exc.strerror or type(exc).__name__}")


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise VerificationError("layout", "§13", f"{path.name} is not UTF-8") from None
    except OSError as exc:
        raise _unreadable(path, exc) from None


def load(root: Path) -> Bundle:
    """Find the bundle's files; raises when the layout is wrong (§13)."""
    try:
        return _load(root)
    except OSError as exc:
        raise _unreadable(root, exc) from None


def _load(root: Path) -> Bundle:
    if not root.is_dir():
        raise VerificationError("layout", "§13", f"{root} is not a directory")
    if not (root / "entries.jsonl").is_file():
        raise VerificationError("layout", "§13", "entries.jsonl is missing")
    notes: dict[int, str] = {}
    cdir = root / "checkpoints"
    if cdir.is_dir():
        for p in sorted(cdir.iterdir()):
            m = _NOTE_NAME.fullmatch(p.name)
            if not m:
                raise VerificationError("layout", "§13", f"unexpected file checkpoints/{p.name}")
            notes[int(m.group(1))] = _text(p)
    kdir = root / "keys"
    log_key = _text(kdir / "log.vkey") if (kdir / "log.vkey").is_file() else None
    witnesses: dict[str, str] = {}
    if kdir.is_dir():
        for p in sorted(kdir.iterdir()):
            m = _WITNESS.fullmatch(p.name)
            if m:
                witnesses[m.group(1)] = _text(p)
    policy_path = kdir / "tlog-policy.txt"
    policy = _text(policy_path) if policy_path.is_file() else None
    return Bundle(root, notes, log_key, witnesses, policy)
