"""Helpers for tests/integration/test_tamper.py: build the real demo bundle, tamper with copies
of it, re-sign as an attacker holding the log key, and run the verifier in process.

The service side (lottery_service) builds and re-signs; the standalone verifier
(verifier/) judges. Nothing here shares code with the verifier's checks.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lottery_service.config import Settings
from lottery_service.core.canonical import canonical_json
from lottery_service.core.merkle import MerkleTree, leaf_hash
from lottery_service.core.note import Checkpoint, Signer, Verifier, sign_note
from lottery_service.core.policy import bundle_policy
from lottery_service.demo import run_demo
from lottery_service.runtime import open_runtime
from verifier.verify import Options, StepResult, Verification

Obj = dict[str, Any]


@dataclass(frozen=True)
class Demo:
    """One real demo bundle and the log key that signed it."""

    bundle: Path
    signer: Signer
    vkey_text: str
    openings: bytes  # the sealed openings (§17.3), kept beside the bundle, never in it


@dataclass(frozen=True)
class Report:
    """The verifier's step results over one bundle."""

    results: tuple[StepResult, ...]
    key_pinned: bool

    @property
    def ok(self) -> bool:
        return all(r.status == "pass" for r in self.results)

    @property
    def first_failure(self) -> StepResult | None:
        return next((r for r in self.results if r.status == "fail"), None)

    def status(self, number: int) -> str:
        return next(r.status for r in self.results if r.number == number)


def build_demo(work: Path) -> Demo:
    """Run the service demo (1000 applicants) into `work`; a few seconds."""
    settings = Settings(data_dir=work / "data", audit_dir=work / "audit",
                        database_url=f"sqlite:///{work}/data/s.db")
    rt = open_runtime(settings)
    try:
        link = run_demo(rt, applicants=1000, say=lambda _s: None)
        openings = rt.service.openings.openings(link.name)  # audit_logs/<event-id>
    finally:
        rt.engine.dispose()
    seed = bytes.fromhex((work / "data" / "log-signing.key").read_text().strip())
    bundle = link.resolve()
    vkey_text = (bundle / "keys" / "log.vkey").read_text("utf-8")
    origin = Verifier.from_text(vkey_text.strip()).name  # §12.1: key name = origin
    signer = Signer(name=origin, private_key=Ed25519PrivateKey.from_private_bytes(seed))
    assert vkey_text.strip() == signer.verifier_key(), "log-signing.key is not the bundle's key"
    return Demo(bundle, signer, vkey_text, openings)


def openings_beside(bundle: Path) -> Path:
    """Where a test keeps the sealed openings of its bundle copy (§17.3: never inside)."""
    return bundle.with_name(bundle.name + "-openings.jsonl")


def copy_bundle(src: Path, dst: Path) -> Path:
    """A private copy with symbolic links resolved (the bundle is published via one, §13)."""
    shutil.copytree(src, dst, symlinks=False)
    return dst


def read_lines(bundle: Path) -> list[bytes]:
    """entries.jsonl as entries without their newlines."""
    return (bundle / "entries.jsonl").read_bytes().splitlines()


def write_lines(bundle: Path, lines: list[bytes]) -> None:
    (bundle / "entries.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))


def find_seq(bundle: Path, pred: Callable[[Obj], bool]) -> int:
    """The seq of the first entry satisfying `pred`."""
    for seq, line in enumerate(read_lines(bundle)):
        if pred(json.loads(line)):
            return seq
    raise LookupError("no entry matches")


def entry(bundle: Path, seq: int) -> Obj:
    obj: Obj = json.loads(read_lines(bundle)[seq])
    return obj


def edit_entry(bundle: Path, seq: int, change: Callable[[Obj], None]) -> None:
    """Rewrite entry `seq` as canon(change(entry)) (§2.1), leaving the checkpoints alone."""
    lines = read_lines(bundle)
    obj: Obj = json.loads(lines[seq])
    change(obj)
    lines[seq] = canonical_json(obj)
    write_lines(bundle, lines)


def insert_entry(bundle: Path, at: int, obj: Obj) -> None:
    """Insert `obj` as entry `at` (§11.1: seq is the 0-based index, so every later entry is
    renumbered) and move each checkpoint that covered position `at` one size up, as an
    attacker rewriting history would; `resign` then signs the moved checkpoints."""
    lines = read_lines(bundle)
    obj["seq"] = at
    later = []
    for line in lines[at:]:
        e = json.loads(line)
        e["seq"] += 1
        later.append(canonical_json(e))
    write_lines(bundle, [*lines[:at], canonical_json(obj), *later])
    for size in sorted(checkpoint_sizes(bundle), reverse=True):
        if size > at:
            (bundle / "checkpoints" / f"{size}.note").rename(
                bundle / "checkpoints" / f"{size + 1}.note")


def checkpoint_sizes(bundle: Path) -> list[int]:
    return sorted(int(p.stem) for p in (bundle / "checkpoints").glob("*.note"))


def signed_checkpoint(lines: list[bytes], size: int, signer: Signer) -> str:
    """A §12 checkpoint note over the first `size` of `lines`, signed by `signer`."""
    tree = MerkleTree([leaf_hash(line) for line in lines])
    body = Checkpoint(origin=signer.name, size=size, root_hash=tree.root(size)).body()
    return sign_note(body, [signer])


def resign(bundle: Path, signer: Signer) -> None:
    """What an attacker holding a log key does: re-sign every checkpoint over the
    current entries.jsonl at the original sizes and publish the key as keys/log.vkey,
    so that only the semantic steps can notice the change. The bundle's witness policy
    becomes the log key alone (the witnesses never cosigned the new checkpoints): only an
    auditor holding the real policy out of band notices at step 2 (§13.1)."""
    lines = read_lines(bundle)
    tree = MerkleTree([leaf_hash(line) for line in lines])
    for size in checkpoint_sizes(bundle):
        body = Checkpoint(origin=signer.name, size=size, root_hash=tree.root(size)).body()
        (bundle / "checkpoints" / f"{size}.note").write_text(sign_note(body, [signer]), "utf-8")
    (bundle / "keys" / "log.vkey").write_text(signer.verifier_key() + "\n", "utf-8")
    for witness_key in (bundle / "keys").glob("witness-*.vkey"):
        witness_key.unlink()
    (bundle / "keys" / "tlog-policy.txt").write_text(
        bundle_policy(signer.verifier_key(), {}, 0).to_text(), "utf-8")


def verify(bundle: Path, key_text: str | None = None, trusted_text: str | None = None,
           openings: bytes | None = None, policy_text: str | None = None) -> Report:
    """Run the standalone verifier in process (the same object ``python -m verifier`` uses),
    with the sealed openings given, else those of `openings_beside(bundle)` if written."""
    beside = openings_beside(bundle)
    if openings is None and beside.exists():
        openings = beside.read_bytes()
    v = Verification(bundle, Options(key_text=key_text, trusted_text=trusted_text,
                                     policy_text=policy_text, openings_data=openings))
    v.run()
    return Report(tuple(v.results), v.key_pinned)
