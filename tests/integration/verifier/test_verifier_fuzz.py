"""Fuzzing the verifier (issue 14 item 4): every mutation of a valid bundle fails with
exit 1 and at least one ✗, never a traceback, never a verifier bug.

The bundle is a whole protocol-v2 season built by hand (tests.bundle_builder.build_season:
windows, every ceremony releases its escrow key, one lottery participant never
commits, one contribution is an escrow opening, a forfeit and a promotion), verified
with its sealed openings so that every step runs. Each mutation is constructed so
that the result is invalid by PROTOCOL.md itself, independently of the verifier:

* raw mutations of files (no re-signing): any change to entries.jsonl changes the
  leaves under the latest signed root (§11.1, §12); a change to a checkpoint's
  text or to the log's signature line breaks that signature; a change inside a
  key or of the witness policy breaks its key id or the policy (§12, §13.1);
* entry mutations, renumbered and re-signed by the log key (an attacker holding
  it), so only the semantic steps can tell: deleting an entry the protocol
  requires, duplicating one §11.3 allows once, swapping two entries §11.3 orders
  strictly (SPINE), changing a field whose value the protocol fixes (every field
  but those in FREE), replacing a required entry by an entry of another type.

The mutated bundle is verified in process through the CLI entry (`main`); a
smaller set runs as `python -m verifier` to prove no traceback reaches stderr.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bundle_builder import (
    WITNESS,
    Builder,
    build_season,
    canon,
    openings_path,
    signed_note,
    write_files,
)
from tests.paths import ROOT
from verifier.cli import main

Files = dict[str, bytes]
Obj = dict[str, Any]
MUTATIONS = int(os.environ.get("FUZZ_N", "2000"))
WITNESS_FILE = f"keys/witness-{quote(WITNESS, safe='')}.vkey"

OPTIONAL = frozenset({"window_set", "window_removed", "locks_recorded", "rehearsal_recorded",
                      "escrow_key_released", "notifications_sent", "published", "correction"})
"""Types a log in order may lack (§5.4, §11.3, §11.4): deleting or replacing one may keep it
valid."""
REPEATABLE = frozenset({"window_set", "locks_recorded", "rehearsal_recorded", "correction"})
"""Types §11.3 does not limit to one per event, ceremony or (topic, round): a duplicate may
be valid (a window_set again before its window opens replaces it)."""
SPINE = frozenset({"event_created", "ceremony_opened", "input_frozen", "commitments_closed",
                   "physical_entropy", "seed", "bias_audit", "payments_closed"})
"""Entries §11.3 and §5.1 order strictly: each needs every earlier one before it."""
FREE: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    (None, ("time",)),  # times only need to stay in order and in their windows (§11.1,
    #                     §11.4): a changed time may be valid; the phase vectors test them
    (None, ("type",)),  # a type change is a whole-entry replacement, below
    ("window_set", ("body",)),  # another window that still holds the steps is valid
    ("locks_recorded", ("body", "count")),  # no registration numbers to check it against
    ("commitment", ("body", "escrow")),  # a junk escrow of a revealed secret: a warning (§5.4)
    ("escrow_key_released", ("body", "private_key")),  # X25519 clamps 5 of its bits (RFC
    #     7748 §5): another spelling of the same key is valid; a wrong key is tested apart
    ("physical_entropy", ("body", "witness")),  # the witness's id enters no hash
    ("bias_audit", ("body", "dimensions", "*", "p_ppm")),  # ±1 is tolerated (§8)
    ("notifications_sent", ("body", "messages")),  # counts only (S6)
)
"""Fields whose value the protocol does not fix; every other field's is fixed."""


@dataclass(frozen=True)
class Base:
    builder: Builder
    files: Files
    entries: tuple[Obj, ...]
    sizes: tuple[int, ...]
    openings: bytes


def _sign(b: Builder, lines: list[bytes], size: int) -> str:
    return signed_note(lines, size, b.log_key, b.witness_key, b.origin)


@pytest.fixture(scope="module")
def base() -> Iterator[Base]:
    with tempfile.TemporaryDirectory() as tmp:
        b = build_season(Path(tmp) / "b", settle={"notary-1": "escrow_opened"})
        sealed = openings_path(Path(tmp) / "b").read_bytes()
    # Fewer checkpoints than the builder signs keep each run quick; keep three.
    sizes = (len(b.lines) // 3, 2 * len(b.lines) // 3, len(b.lines))
    b.notes = {s: _sign(b, b.lines, s) for s in sizes}
    yield Base(b, b.files(), tuple(json.loads(x) for x in b.lines), sizes, sealed)


class Scratch:
    """One bundle folder, rewritten for each mutation: only the files that differ
    from what it holds are written or removed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.held: Files = {}
        self.openings = root.parent / "openings.jsonl"
        for sub in ("checkpoints", "keys"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def verify(self, files: Files, sealed: bytes) -> tuple[int, str]:
        """The verifier's exit code and output on the bundle `files`, with the openings."""
        if not self.openings.is_file() or self.openings.read_bytes() != sealed:
            self.openings.write_bytes(sealed)
        for name in set(self.held) - set(files):
            (self.root / name).unlink()
        for name, data in files.items():
            if self.held.get(name) != data:
                (self.root / name).write_bytes(data)
        self.held = dict(files)
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main([str(self.root), "--openings", str(self.openings)])
        return code, out.getvalue()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    """In RAM where the system offers it (/dev/shm): thousands of small writes."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm) as tmp:
            yield Scratch(Path(tmp) / "demo-2026")
    else:
        yield Scratch(tmp_path_factory.mktemp("fuzz") / "demo-2026")


def _encode(entry: Obj) -> bytes:
    """canon(entry), or for a value outside the §2.1 domain (an integer ≥ 2^53) the
    same layout by json.dumps, which rfc8785 refuses to write."""
    try:
        return canon(entry)
    except rfc8785.CanonicalizationError:
        return json.dumps(entry, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()


def resigned(base: Base, entries: list[Obj], *, renumber: bool = True) -> Files:
    """The log as `entries` (renumbered unless told not to), every checkpoint
    re-signed by the log key at the same sizes (§12)."""
    lines = [_encode({**e, "seq": seq} if renumber else e) for seq, e in enumerate(entries)]
    files = {k: v for k, v in base.files.items() if not k.startswith("checkpoints/")}
    files["entries.jsonl"] = b"".join(x + b"\n" for x in lines)
    for size in {min(s, len(lines)) for s in base.sizes} | {len(lines)}:
        files[f"checkpoints/{size}.note"] = _sign(base.builder, lines, size).encode()
    return files


# ------------------------------------------------------------ raw mutations


def _flip(data: bytes, lo: int, hi: int, draw: st.DataObject) -> bytes:
    at = draw.draw(st.integers(lo, hi - 1), label="offset")
    new = draw.draw(st.integers(0, 255).filter(lambda v: v != data[at]), label="byte")
    return data[:at] + bytes([new]) + data[at + 1:]


def raw_entries_bytes(base: Base, d: st.DataObject) -> Files:
    data = base.files["entries.jsonl"]
    return {**base.files, "entries.jsonl": _flip(data, 0, len(data), d)}


def raw_lines(base: Base, d: st.DataObject) -> Files:
    """Delete, duplicate or swap lines of entries.jsonl as they are (no re-signing)."""
    lines = base.files["entries.jsonl"].splitlines(keepends=True)
    k = d.draw(st.integers(0, len(lines) - 1), label="line")
    how = d.draw(st.sampled_from(["delete", "duplicate", "swap"]), label="how")
    if how == "delete":
        del lines[k]
    elif how == "duplicate":
        lines.insert(k, lines[k])
    else:
        j = d.draw(st.integers(0, len(lines) - 1).filter(lambda j: j != k), label="with")
        lines[k], lines[j] = lines[j], lines[k]
    return {**base.files, "entries.jsonl": b"".join(lines)}


def raw_note(base: Base, d: st.DataObject) -> Files:
    """A byte of a checkpoint's text or of the log's signature line (§12)."""
    name = d.draw(st.sampled_from(sorted(k for k in base.files if k.startswith("checkpoints/"))),
                  label="note")
    data = base.files[name]
    log_line_end = data.index(b"\n", data.index(b"\n\n") + 2) + 1
    return {**base.files, name: _flip(data, 0, log_line_end, d)}


def raw_key(base: Base, d: st.DataObject) -> Files:
    """A byte inside a verifier key (not its trailing newline, which is stripped)."""
    name = d.draw(st.sampled_from(["keys/log.vkey", WITNESS_FILE, "keys/tlog-policy.txt"]),
                  label="key")
    data = base.files[name]
    return {**base.files, name: _flip(data, 0, len(data.rstrip(b"\n")), d)}


def raw_layout(base: Base, d: st.DataObject) -> Files:
    """Files missing, renamed or swapped (§13)."""
    notes = sorted((k for k in base.files if k.startswith("checkpoints/")),
                   key=lambda k: int(k.split("/")[1].split(".")[0]))
    files = dict(base.files)
    how = d.draw(st.sampled_from(["no-latest", "no-log-key", "no-entries", "rename", "swap",
                                  "stray", "other-key"]), label="layout")
    if how == "no-latest":  # the last entries are then covered by no checkpoint
        del files[notes[-1]]
    elif how == "no-log-key":
        del files["keys/log.vkey"]
    elif how == "no-entries":
        del files["entries.jsonl"]
    elif how == "rename":  # a note under another size
        files["checkpoints/1.note"] = files.pop(notes[0])
    elif how == "swap":
        files[notes[0]], files[notes[-1]] = files[notes[-1]], files[notes[0]]
    elif how == "stray":
        files["checkpoints/01.note"] = files[notes[0]]
    else:  # re-signed by another key of the same name, keys/log.vkey left as it was
        other = Ed25519PrivateKey.generate()
        lines = base.files["entries.jsonl"].splitlines()
        for k in notes:
            size = int(k.split("/")[1].split(".")[0])
            files[k] = signed_note(lines, size, other, base.builder.witness_key,
                                   base.builder.origin).encode()
    return files


# --------------------------------------------------- re-signed entry mutations


def _entries(base: Base) -> list[Obj]:
    return json.loads(json.dumps(list(base.entries)))  # a deep copy


def deleted(base: Base, d: st.DataObject) -> Files:
    es = _entries(base)
    k = d.draw(st.sampled_from([k for k, e in enumerate(es[:-1])
                                if e["type"] not in OPTIONAL]), label="delete")
    del es[k]
    return resigned(base, es)


def duplicated(base: Base, d: st.DataObject) -> Files:
    es = _entries(base)
    k = d.draw(st.sampled_from([k for k, e in enumerate(es) if e["type"] not in REPEATABLE]),
               label="duplicate")
    es.insert(k + 1, json.loads(json.dumps(es[k])))
    return resigned(base, es)


def swapped(base: Base, d: st.DataObject) -> Files:
    es = _entries(base)
    spine = [k for k, e in enumerate(es) if e["type"] in SPINE]
    i, j = sorted(d.draw(st.lists(st.sampled_from(spine), min_size=2, max_size=2,
                                  unique=True), label="swap"))
    es[i], es[j] = es[j], es[i]
    return resigned(base, es)


def _free(type_: str, path: tuple[str | int, ...]) -> bool:
    for t, pattern in FREE:
        if (t is None or t == type_) and len(path) >= len(pattern) and all(
                p == "*" or p == x for p, x in zip(pattern, path, strict=False)):
            return True
    return False


def _leaves(v: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...],
                                                                         Any]]:
    yield path, v
    if isinstance(v, dict):
        for k, x in v.items():
            yield from _leaves(x, (*path, k))
    elif isinstance(v, list):
        for k, x in enumerate(v):
            yield from _leaves(x, (*path, k))


_CLASSES = ("0123456789", "abcdef", "ghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "+/")


def _changed(v: Any, d: st.DataObject) -> Any:
    """A JSON value other than `v`."""
    if isinstance(v, bool):
        return d.draw(st.sampled_from([not v, None, 0, "true"]), label="bool")
    if isinstance(v, int):
        return d.draw(st.sampled_from([v + 1, v - 1, -v - 1, 2**53, str(v), None]), label="int")
    if isinstance(v, str):
        how = d.draw(st.sampled_from(["alike", "alike", "flip", "append", "empty", "number"]),
                     label="str")
        if how in ("alike", "flip") and v:
            at = d.draw(st.integers(0, len(v) - 1), label="at")
            # "alike" keeps the character's class, so the value usually still parses
            # (hex stays hex, an id an id) and a later step must notice it.
            chars = next((cs for cs in _CLASSES if v[at] in cs), "") if how == "alike" else ""
            c = d.draw(st.sampled_from((chars or "0aZ-.*中\u00e9 ").replace(v[at], "")),
                       label="char")
            return v[:at] + c + v[at + 1:]
        return {"append": v + "0", "empty": "", "number": 7}.get(how, v + "x")
    if v is None:
        return d.draw(st.sampled_from([0, "", [], {}, False]), label="null")
    if isinstance(v, list):
        how = d.draw(st.sampled_from(["drop", "double", "append"] if v else ["append"]),
                     label="list")
        if how == "drop":
            k = d.draw(st.integers(0, len(v) - 1), label="drop at")
            return v[:k] + v[k + 1:]
        if how == "double":
            k = d.draw(st.integers(0, len(v) - 1), label="double at")
            return [*v[:k + 1], v[k], *v[k + 1:]]
        return [*v, None]
    if v and d.draw(st.booleans(), label="drop member"):
        k = d.draw(st.sampled_from(sorted(v)), label="member")
        return {x: y for x, y in v.items() if x != k}
    return {**v, "extra": 1}


def _set(obj: Any, path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    obj[path[0]] = _set(obj[path[0]], path[1:], value)
    return obj


def field_changed(base: Base, d: st.DataObject) -> Files:
    es = _entries(base)
    k = d.draw(st.integers(0, len(es) - 1), label="entry")
    # Deepest first: Hypothesis favours early choices, and a leaf of the body (a hash,
    # a number, an id) is where a later step, not the schema, must notice the change.
    fixed = sorted(((p, v) for p, v in _leaves(es[k]) if not _free(es[k]["type"], p)),
                   key=lambda pv: -len(pv[0]))
    body = [pv for pv in fixed if pv[0][:1] == ("body",)]
    where = d.draw(st.sampled_from(["body", "body", "body", "any"]), label="where")
    path, value = d.draw(st.sampled_from(body if where == "body" and body else fixed),
                         label="field")
    es[k] = _set(es[k], path, _changed(value, d))
    return resigned(base, es, renumber=False)


CORRECTION = {"type": "correction", "body": {"refers_to": 0, "reason": "更正"}}


def replaced(base: Base, d: st.DataObject) -> Files:
    """A required entry (not the last) replaced by an entry of another type."""
    es = _entries(base)
    k = d.draw(st.sampled_from([k for k, e in enumerate(es[:-1]) if e["type"] not in OPTIONAL]),
               label="replace")
    sources = [CORRECTION, *(e for e in base.entries if e["type"] != es[k]["type"])]
    src = d.draw(st.sampled_from(sources), label="by")
    es[k] = {**es[k], "type": src["type"], "body": json.loads(json.dumps(src["body"]))}
    return resigned(base, es, renumber=False)


MUTATORS: tuple[Callable[[Base, st.DataObject], Files], ...] = (
    raw_entries_bytes, raw_lines, raw_note, raw_key, raw_layout,
    deleted, duplicated, swapped, field_changed, field_changed, field_changed, replaced,
    replaced)


def assert_caught(code: int, out: str, what: str) -> None:
    assert code == 1 and "✗" in out, f"{what}: not caught (exit {code})\n{out}"
    assert "Traceback" not in out, f"{what}: traceback\n{out}"
    assert "unexpected error" not in out, f"{what}: the verifier crashed\n{out}"


# ------------------------------------------------------------------- tests


def test_unmutated_bundle_passes(base: Base, scratch: Scratch) -> None:
    code, out = scratch.verify(base.files, base.openings)
    assert code == 0 and "✗" not in out and "RESULT: all checks passed" in out, out
    assert "season published" in out


def test_every_mutation_fails_without_a_crash(base: Base, scratch: Scratch) -> None:
    """≥ 2,000 mutations; each exits 1 with a ✗ and no traceback or verifier bug."""
    ran: list[str] = []

    @settings(max_examples=MUTATIONS, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])
    @given(d=st.data())
    def mutate(d: st.DataObject) -> None:
        mutator = d.draw(st.sampled_from(MUTATORS), label="mutation")
        files = mutator(base, d)
        code, out = scratch.verify(files, base.openings)
        ran.append(mutator.__name__)
        assert_caught(code, out, mutator.__name__)

    mutate()
    assert len(ran) >= MUTATIONS
    assert {m.__name__ for m in MUTATORS} <= set(ran)


def test_known_crashes_are_failures(base: Base, scratch: Scratch) -> None:
    """Issue 14: a correction in place of any required entry of a small bundle used to
    raise AssertionError/KeyError; each is now a ✗."""
    for k, e in enumerate(base.entries[:-1]):
        if e["type"] in OPTIONAL:
            continue
        es = _entries(base)
        es[k] = {**es[k], **CORRECTION}
        code, out = scratch.verify(resigned(base, es), base.openings)
        assert_caught(code, out, f"correction for entry {k} ({e['type']})")


def test_no_traceback_reaches_stderr(base: Base, tmp_path: Path) -> None:
    """`python -m verifier` as a user runs it, on a few mutations and on bad arguments."""
    rng = random.Random(14)
    cases: list[tuple[list[str], int]] = []
    for n in range(8):
        files = dict(base.files)
        data = files["entries.jsonl"]
        at = rng.randrange(len(data))
        files["entries.jsonl"] = data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1:]
        if n % 2:  # a re-signed semantic change
            es = _entries(base)
            k = rng.choice([k for k, e in enumerate(es[:-1]) if e["type"] not in OPTIONAL])
            es[k] = {**es[k], **CORRECTION}
            files = resigned(base, es)
        cases.append(([str(write_files(tmp_path / f"m{n}", files))], 1))
    cases += [([str(tmp_path / "absent")], 1),
              ([str(tmp_path / "m0"), "--key", str(tmp_path / "no.vkey")], 2),
              ([str(tmp_path / "m0"), "--class-register", "x.csv"], 2)]
    for args, want in cases:
        run = subprocess.run([sys.executable, "-m", "verifier", *args], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == want, (args, run.stdout, run.stderr)
        assert "Traceback" not in run.stdout + run.stderr, (args, run.stderr)


def _without(es: list[Obj], type_: str) -> list[Obj]:
    k = next(k for k, e in enumerate(es) if e["type"] == type_)
    return es[:k] + es[k + 1:]


def test_what_the_fuzzer_leaves_alone_is_valid(base: Base, scratch: Scratch) -> None:
    """The exclusions are honest: changes the protocol allows (OPTIONAL, REPEATABLE,
    FREE) keep a re-signed bundle valid, so excluding them loosens nothing."""
    present = {e["type"] for e in base.entries}
    allowed: list[tuple[str, list[Obj]]] = []
    for type_ in sorted(OPTIONAL & present):
        allowed.append((f"without {type_}", _without(_entries(base), type_)))
    for type_ in sorted(REPEATABLE & present):
        es = _entries(base)
        k = next(k for k, e in enumerate(es) if e["type"] == type_)
        allowed.append((f"{type_} twice", [*es[:k + 1], es[k], *es[k + 1:]]))
    es = _entries(base)
    es[2]["time"] = es[3]["time"]  # still in order, before every window opens
    next(e for e in es if e["type"] == "physical_entropy")["body"]["witness"] = "supervisor-7"
    next(e for e in es if e["type"] == "notifications_sent")["body"]["messages"] = 9
    next(e for e in es if e["type"] == "locks_recorded")["body"]["count"] = 3
    window = next(e for e in es if e["type"] == "window_set")["body"]
    window["daily"], window["opens"] = None, "2026-06-02T00:00:00Z"
    release = next(e for e in es if e["type"] == "escrow_key_released")["body"]
    key = bytearray(base64.b64decode(release["private_key"]))
    key[0] ^= 0x07  # the bits X25519 clears (RFC 7748 §5)
    release["private_key"] = base64.b64encode(bytes(key)).decode()
    allowed.append(("free fields changed", es))
    es = _entries(base)
    allowed.append(("a correction added", [*es, {**CORRECTION, "v": 2, "event": es[0]["event"],
                                                 "time": es[-1]["time"]}]))
    for what, entries in allowed:
        code, out = scratch.verify(resigned(base, entries), base.openings)
        assert code == 0 and "✗" not in out, f"{what}\n{out}"
