"""C2SP tlog-policy: the bundle's witness policy and its quorum (PROTOCOL.md §13).

Written from https://c2sp.org/tlog-policy, independently of the service:

* lines end in LF; items are separated by runs of spaces or tabs; blank lines
  and lines whose first item starts with ``#`` are ignored; the only control
  characters allowed are tab and LF;
* ``log <vkey> [<url>]`` (Ed25519, type 0x01, here);
* ``witness <name> <vkey> [<url>]`` (type 0x04 Ed25519 or 0x06 ML-DSA-44);
* ``group <name> all|any|<k> <member>...`` with 1 ≤ k ≤ n, members defined on
  earlier lines, each at most once, never ``none``;
* exactly one ``quorum <name>``, the name defined earlier or ``none``;
* witness and group names share one namespace with ``none``; no two log or
  witness lines wrap the same public key.

A checkpoint meets the policy when a listed log signed it and the valid
cosignatures of listed witnesses satisfy the quorum. A listed key whose
signature fails rejects the note (signed-note "Signatures"); an ML-DSA-44
cosignature this cryptography build cannot check counts as absent and is
reported as not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier import note

_WS = re.compile(r"[ \t]+")
_BAD = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_K = re.compile(r"[1-9][0-9]*")


class PolicyError(ValueError):
    """A policy file that breaks tlog-policy; the message names the line."""


@dataclass(frozen=True)
class Policy:
    logs: tuple[note.VerifierKey, ...]
    witnesses: dict[str, note.VerifierKey]
    groups: dict[str, tuple[int, tuple[str, ...]]]  # name → (k, members)
    quorum: str

    def satisfied(self, cosigned: frozenset[str]) -> bool:
        """Whether witnesses (by policy name) that cosigned meet the quorum."""
        def met(name: str) -> bool:
            if name == "none":
                return True
            if name in self.groups:
                k, members = self.groups[name]
                return sum(1 for m in members if met(m)) >= k
            return name in cosigned
        return met(self.quorum)


@dataclass(frozen=True)
class QuorumResult:
    """What a checkpoint note achieved under a policy; `met` is the verdict."""

    met: bool
    log: str | None
    cosigned: tuple[str, ...]
    not_checked: tuple[str, ...]
    invalid: tuple[str, ...]

    def summary(self) -> str:
        parts = [f"quorum {'met' if self.met else 'NOT met'}",
                 f"log {self.log or 'not signed by a listed log'}",
                 f"{len(self.cosigned)} valid cosignature(s)"
                 + (f" ({', '.join(self.cosigned)})" if self.cosigned else "")]
        if self.not_checked:
            parts.append(f"not checked (no ML-DSA-44 here): {', '.join(self.not_checked)}")
        if self.invalid:
            parts.append(f"INVALID signatures: {', '.join(self.invalid)}")
        return "; ".join(parts)


def parse_policy(text: str) -> Policy:
    """Parse a policy file; PolicyError says which line breaks which rule."""
    if text and not text.endswith("\n"):
        raise PolicyError("policy: the last line does not end in a newline")
    logs: list[note.VerifierKey] = []
    witnesses: dict[str, note.VerifierKey] = {}
    groups: dict[str, tuple[int, tuple[str, ...]]] = {}
    quorum: str | None = None
    seen_keys: set[bytes] = set()

    def key(text: str, algs: tuple[int, ...], what: str) -> note.VerifierKey:
        try:
            k = note.parse_verifier_key(text)
        except note.NoteError as exc:
            raise PolicyError(f"{what} key: {exc}") from None
        if k.alg not in algs:
            raise PolicyError(f"{what} key {k.name} has signature type 0x{k.alg:02x}")
        if k.public_key in seen_keys:
            raise PolicyError(f"{what} key {k.name} duplicates a key listed before")
        seen_keys.add(k.public_key)
        return k

    def new_name(name: str) -> str:
        if name == "none" or name in witnesses or name in groups:
            raise PolicyError(f"name {name!r} is defined twice")
        return name

    for number, line in enumerate(text.split("\n")[:-1], 1):
        where = f"policy line {number}"
        if _BAD.search(line):
            raise PolicyError(f"{where}: control character")
        items = [i for i in _WS.split(line) if i]
        if not items or items[0].startswith("#"):
            continue
        word, args = items[0], items[1:]
        try:
            if word == "log" and len(args) in (1, 2):
                logs.append(key(args[0], (note.ALG_ED25519,), "log"))
            elif word == "witness" and len(args) in (2, 3):
                name = new_name(args[0])
                witnesses[name] = key(args[1], note.COSIGNATURE_ALGS, "witness")
            elif word == "group" and len(args) >= 3:
                name, members = new_name(args[0]), tuple(args[2:])
                for m in members:
                    if m not in witnesses and m not in groups:
                        raise PolicyError(f"group member {m!r} is not defined before")
                if len(set(members)) != len(members):
                    raise PolicyError(f"group {name!r} names a member twice")
                spelled = args[1]
                k = (len(members) if spelled == "all" else 1 if spelled == "any"
                     else int(spelled) if _K.fullmatch(spelled) else 0)
                if not 1 <= k <= len(members):
                    raise PolicyError(f"group {name!r}: threshold {spelled!r} is not "
                                      f"all, any or 1..{len(members)}")
                groups[name] = (k, members)
            elif word == "quorum" and len(args) == 1:
                if quorum is not None:
                    raise PolicyError("more than one quorum line")
                if args[0] != "none" and args[0] not in witnesses and args[0] not in groups:
                    raise PolicyError(f"quorum {args[0]!r} is not defined before")
                quorum = args[0]
            else:
                raise PolicyError(f"not a log, witness, group or quorum line: {line.strip()!r}")
        except PolicyError as exc:
            raise PolicyError(f"{where}: {exc}") from None
    if quorum is None:
        raise PolicyError("policy: no quorum line")
    return Policy(tuple(logs), witnesses, groups, quorum)


def check_quorum(checkpoint_note: str, policy: Policy) -> QuorumResult:
    """Check a signed checkpoint against the policy (raises NoteError if malformed)."""
    parsed = note.parse_note(checkpoint_note)
    signed = {(s.name, s.key_id) for s in parsed.signatures}
    invalid: list[str] = []
    log: str | None = None
    for k in policy.logs:
        if (k.name, k.key_id) in signed:
            try:
                note.verify_note(parsed, k)
                log = k.name
            except note.NoteError:
                invalid.append(k.name)
    cosigned: list[str] = []
    not_checked: list[str] = []
    for name, k in policy.witnesses.items():
        if (k.name, k.key_id) not in signed:
            continue
        try:
            note.verify_cosignature(parsed, k)
            cosigned.append(name)
        except note.NotCheckedError:
            not_checked.append(name)
        except note.NoteError:
            invalid.append(name)
    log_ok = log is not None or not policy.logs
    met = log_ok and not invalid and policy.satisfied(frozenset(cosigned))
    return QuorumResult(met, log, tuple(cosigned), tuple(not_checked), tuple(invalid))
