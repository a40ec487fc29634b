"""The sealed openings file (PROTOCOL.md v2 §17.3), read strictly.

``openings.jsonl`` is handed to the supervision group, never published: a header
line, one attribute opening per applicant and pupil record, then one rejection
leaf per rejection, each line canonical JSON followed by a newline. The verifier
checks every opening against its commitment while it streams the log (log.Fold)
and recomputes the rejection tree, the gender bias dimension and the grouping
from it (steps 20–23).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from verifier import records, strict
from verifier.errors import VerificationError
from verifier.strict import StrictError

_HEADER = frozenset({"type", "version", "event", "origin"})
_ATTRIBUTES = frozenset({"type", "ceremony", "reg", "gender", "strata", "salt"})


class Opening(NamedTuple):
    gender: str
    strata: tuple[str, ...]
    salt: bytes


@dataclass
class Openings:
    event: str
    origin: str
    attributes: dict[tuple[str, str], Opening] = field(default_factory=dict)
    """(ceremony, reg) -> its opening (§17.1)."""
    rejections: list[bytes] = field(default_factory=list)
    """Each rejection leaf's canonical bytes, in file order (§17.2)."""
    rejection_leaves: list[dict[str, Any]] = field(default_factory=list)

    def count(self, ceremony: str) -> int:
        return sum(1 for c, _ in self.attributes if c == ceremony)


def _fail(line: int, message: str) -> VerificationError:
    return VerificationError("openings", "§17.3", f"openings line {line}: {message}")


def parse(data: bytes) -> Openings:
    """Read an openings file; VerificationError names the line and the rule."""
    if data and not data.endswith(b"\n"):
        raise VerificationError("openings", "§17.3", "the openings file does not end in a "
                                "newline")
    lines = data.split(b"\n")[:-1] if data else []
    if not lines:
        raise VerificationError("openings", "§17.3", "the openings file is empty")
    out = _header(lines[0])
    in_rejections = False
    for n, raw in enumerate(lines[1:], 2):
        try:
            obj = strict.loads_canonical(raw)
            t = obj.get("type") if isinstance(obj, dict) else None
            if t == "attributes" and not in_rejections:
                records.fields(obj, _ATTRIBUTES, "attributes")
                cer = records.one_of(obj, "ceremony", "attributes", ("lottery", "grouping"))
                records.opening({k: obj[k] for k in ("reg", "gender", "strata", "salt")},
                                "attributes")
                key = (cer, obj["reg"])
                if key in out.attributes:
                    raise StrictError(f"a second opening for {cer} {obj['reg']}")
                out.attributes[key] = Opening(sys.intern(obj["gender"]),
                                              tuple(sys.intern(s) for s in obj["strata"]),
                                              bytes.fromhex(obj["salt"]))
            elif t == "rejection":
                in_rejections = True
                records.rejection(obj)
                out.rejections.append(raw)
                out.rejection_leaves.append(obj)
            else:
                raise StrictError("not an attributes line nor a rejection leaf (attributes "
                                  "come before the rejections)")
        except StrictError as exc:
            raise _fail(n, str(exc)) from None
    return out


def _header(raw: bytes) -> Openings:
    try:
        obj = strict.loads_canonical(raw)
        records.fields(obj, _HEADER, "header")
        if obj["type"] != "openings" or obj["version"] != records.VERSION:
            raise StrictError('the first line is not {"type": "openings", "version": 2, …}')
        if records.origin(obj["origin"], "header.origin")[2] != obj["event"]:
            raise StrictError("header.origin does not name header.event")
    except StrictError as exc:
        raise _fail(1, str(exc)) from None
    return Openings(obj["event"], obj["origin"])
