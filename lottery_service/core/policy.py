"""C2SP tlog-policy files: which log, which witnesses, what quorum (PROTOCOL.md §13).

The bundle ships one (`keys/tlog-policy.txt`) so that any tlog-policy tool can
tell whether a checkpoint is signed by the log and cosigned by enough
independent witnesses (https://c2sp.org/tlog-policy). Grammar, one item per
line, items separated by spaces or tabs, `#` comments and blank lines ignored:

    log <vkey> [<url>]
    witness <name> <vkey> [<url>]
    group <name> all|any|<k> <name>...
    quorum <name>            (exactly one; `none` asks for no cosignature)

Names share one namespace and must be defined on an earlier line before a group
or the quorum uses them; `none` is predefined. Log keys here are Ed25519 (type
0x01), witness keys cosignature keys (0x04 Ed25519 or 0x06 ML-DSA-44); no two
lines may wrap the same public key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from .errors import ProtocolError
from .note import SIG_ED25519, NoteError, Verifier, split_note

NONE: Final = "none"
# The group the service writes for its witnesses (bundle_policy).
QUORUM_GROUP: Final = "sunshine-witnesses"

_SPACE: Final = re.compile(r"[ \t]+")
_K: Final = re.compile(r"[1-9][0-9]*")
_FORBIDDEN: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

Threshold = int | Literal["all", "any"]


class PolicyError(ProtocolError):
    """A malformed tlog-policy file; the message names the line."""

    section = "13"


@dataclass(frozen=True)
class PolicyLog:
    key: Verifier
    url: str | None = None


@dataclass(frozen=True)
class PolicyWitness:
    name: str
    key: Verifier
    url: str | None = None


@dataclass(frozen=True)
class PolicyGroup:
    name: str
    threshold: Threshold
    members: tuple[str, ...]

    @property
    def k(self) -> int:
        """How many members must have witnessed (tlog-policy "Defining a witness group")."""
        if self.threshold == "all":
            return len(self.members)
        if self.threshold == "any":
            return 1
        return self.threshold


@dataclass(frozen=True)
class Policy:
    """A parsed policy; `parse(p.to_text()) == p` and lines keep their order by kind."""

    logs: tuple[PolicyLog, ...]
    witnesses: tuple[PolicyWitness, ...]
    groups: tuple[PolicyGroup, ...]
    quorum: str

    def __post_init__(self) -> None:
        # Re-check every rule, so a Policy built in code is as valid as a parsed one.
        _Builder.check(self)

    @classmethod
    def parse(cls, text: str) -> Policy:
        """Parse a policy file strictly; PolicyError names the first bad line."""
        builder = _Builder()
        if text and not text.endswith("\n"):
            raise PolicyError("policy file does not end in a newline (tlog-policy "
                              "\"Structure\": every line ends in LF)")
        for number, line in enumerate(text.split("\n")[:-1], start=1):
            try:
                builder.line(line)
            except (PolicyError, NoteError) as e:
                raise PolicyError(f"policy line {number}: {e.args[0]}") from None
        return builder.build()

    def to_text(self) -> str:
        """The policy file: logs, witnesses, groups, then the quorum line."""
        lines = [_join("log", log.key.to_text(), log.url) for log in self.logs]
        lines += [_join("witness", w.name, w.key.to_text(), w.url) for w in self.witnesses]
        lines += [" ".join(("group", g.name, str(g.threshold), *g.members)) for g in self.groups]
        lines.append(f"quorum {self.quorum}")
        return "".join(line + "\n" for line in lines)

    def witnessed(self, cosigned: Iterable[str]) -> bool:
        """Whether witnesses with these policy names meet the quorum."""
        done = frozenset(cosigned)
        groups = {g.name: g for g in self.groups}

        def met(name: str) -> bool:
            if name == NONE:
                return True
            group = groups.get(name)
            if group is None:
                return name in done
            return sum(met(m) for m in group.members) >= group.k

        return met(self.quorum)

    def check(self, note: str) -> QuorumResult:
        """Verify a checkpoint note against this policy (signed-note rules per key).

        The note must carry a valid signature of a listed log (when logs are
        listed); only valid cosignatures of listed witnesses count. A listed key
        whose signature fails makes the note rejected (signed-note "Signatures").
        """
        text, signatures = split_note(note)
        logs = {(log.key.name, log.key.key_id): log for log in self.logs}
        witnesses = {(w.key.name, w.key.key_id): w for w in self.witnesses}
        log_name: str | None = None
        cosigned: list[str] = []
        for sig in signatures:
            log = logs.get((sig.name, sig.key_id))
            witness = witnesses.get((sig.name, sig.key_id))
            if log is not None:
                log.key.verify(text, sig.signature)
                log_name = log.key.name
            elif witness is not None:
                witness.key.verify(text, sig.signature)
                if witness.name not in cosigned:
                    cosigned.append(witness.name)
        if self.logs and log_name is None:
            raise NoteError("checkpoint has no signature from a log of the policy")
        return QuorumResult(log=log_name, cosigned=tuple(cosigned),
                            met=self.witnessed(cosigned))


@dataclass(frozen=True)
class QuorumResult:
    log: str | None
    cosigned: tuple[str, ...]
    met: bool


def bundle_policy(log_vkey: str, witnesses: Mapping[str, str], quorum: int) -> Policy:
    """The bundle's policy: the log key, each witness under its key name, k of them.

    `witnesses` maps name → cosignature vkey (the name must be the vkey's key
    name); `quorum` 0 writes `quorum none`.
    """
    members = []
    for name, vkey in sorted(witnesses.items()):
        key = Verifier.from_text(vkey)
        if key.name != name:
            raise PolicyError(f"witness {name!r} has a key named {key.name!r}")
        members.append(PolicyWitness(name, key))
    if not 0 <= quorum <= len(members):
        raise PolicyError(f"quorum {quorum} is not between 0 and {len(members)} witnesses")
    groups = (PolicyGroup(QUORUM_GROUP, quorum, tuple(m.name for m in members)),) if quorum else ()
    return Policy(logs=(PolicyLog(Verifier.from_text(log_vkey)),), witnesses=tuple(members),
                  groups=groups, quorum=QUORUM_GROUP if quorum else NONE)


def _join(*items: str | None) -> str:
    return " ".join(item for item in items if item is not None)


class _Builder:
    """Collects lines in order and enforces tlog-policy's rules as they come."""

    def __init__(self) -> None:
        self.logs: list[PolicyLog] = []
        self.witnesses: list[PolicyWitness] = []
        self.groups: list[PolicyGroup] = []
        self.quorum: str | None = None
        self.names: set[str] = {NONE}
        self.keys: set[bytes] = set()

    def line(self, line: str) -> None:
        if _FORBIDDEN.search(line) or "\r" in line:
            raise PolicyError("control character (only tab and newline are allowed)")
        items = _SPACE.split(line.strip(" \t"))
        if items == [""] or items[0].startswith("#"):
            return
        keyword, args = items[0], items[1:]
        if keyword == "log":
            self.log(args)
        elif keyword == "witness":
            self.witness(args)
        elif keyword == "group":
            self.group(args)
        elif keyword == "quorum":
            self.set_quorum(args)
        else:
            raise PolicyError(f"unknown keyword {keyword!r}")

    def _key(self, text: str) -> Verifier:
        key = Verifier.from_text(text)
        if key.public_key in self.keys:
            raise PolicyError(f"key {key.name}+{key.key_id.hex()} wraps a public key "
                              "listed before")
        self.keys.add(key.public_key)
        return key

    def _name(self, name: str) -> str:
        if not name or _SPACE.search(name) or _FORBIDDEN.search(name) or "\n" in name:
            raise PolicyError(f"name {name!r} is empty or has whitespace")
        if name in self.names:
            raise PolicyError(f"name {name!r} is already defined")
        self.names.add(name)
        return name

    def log(self, args: Sequence[str]) -> None:
        if len(args) not in (1, 2):
            raise PolicyError("expected: log <vkey> [<url>]")
        key = self._key(args[0])
        if key.sig_type != SIG_ED25519:
            raise PolicyError(f"log key {key.name} is not an Ed25519 (0x01) key")
        self.logs.append(PolicyLog(key, args[1] if len(args) == 2 else None))

    def witness(self, args: Sequence[str]) -> None:
        if len(args) not in (2, 3):
            raise PolicyError("expected: witness <name> <vkey> [<url>]")
        name = self._name(args[0])
        key = self._key(args[1])
        if not key.is_cosigner:
            raise PolicyError(f"witness key {key.name} is not a cosignature "
                              "(0x04 or 0x06) key")
        self.witnesses.append(PolicyWitness(name, key, args[2] if len(args) == 3 else None))

    def group(self, args: Sequence[str]) -> None:
        if len(args) < 3:
            raise PolicyError("expected: group <name> all|any|<k> <name>...")
        name, spelled, members = args[0], args[1], tuple(args[2:])
        for member in members:
            if member == NONE or member not in self.names:
                raise PolicyError(f"group member {member!r} is not defined on an earlier line")
        if len(set(members)) != len(members):
            raise PolicyError(f"group {name!r} lists a member twice")
        threshold: Threshold
        if spelled in ("all", "any"):
            threshold = "all" if spelled == "all" else "any"
        elif _K.fullmatch(spelled) and int(spelled) <= len(members):
            threshold = int(spelled)
        else:
            raise PolicyError(f"group threshold {spelled!r} is not all, any or 1..{len(members)}")
        self.groups.append(PolicyGroup(self._name(name), threshold, members))

    def set_quorum(self, args: Sequence[str]) -> None:
        if len(args) != 1:
            raise PolicyError("expected: quorum <name>")
        if self.quorum is not None:
            raise PolicyError("a second quorum line")
        if args[0] not in self.names:
            raise PolicyError(f"quorum {args[0]!r} is not defined on an earlier line")
        self.quorum = args[0]

    def build(self) -> Policy:
        if self.quorum is None:
            raise PolicyError("policy has no quorum line")
        return Policy(tuple(self.logs), tuple(self.witnesses), tuple(self.groups), self.quorum)

    @classmethod
    def check(cls, policy: Policy) -> None:
        """Replay a Policy's parts through the rules, in the order to_text writes them."""
        builder = cls()
        try:
            for log in policy.logs:
                builder.log([log.key.to_text(), *_url(log.url)])
            for w in policy.witnesses:
                builder.witness([w.name, w.key.to_text(), *_url(w.url)])
            for g in policy.groups:
                builder.group([g.name, str(g.threshold), *g.members])
            builder.set_quorum([policy.quorum])
        except NoteError as e:
            raise PolicyError(str(e)) from None


def _url(url: str | None) -> list[str]:
    if url is None:
        return []
    if not url or _SPACE.search(url) or _FORBIDDEN.search(url):
        raise PolicyError(f"URL {url!r} is empty or has whitespace")
    return [url]
