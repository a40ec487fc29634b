"""Attribute and rejection commitments, and the sealed openings (PROTOCOL.md §17).

Nothing sensitive is linkable to a registration number in a public artefact:
an applicant's or pupil's gender and strata are committed to in its record
(`attrs`, §17.1) and each eligibility rejection is a leaf of a committed tree
(§17.2). The salts come from the service's private key (`service.keys`), so
nobody can try the two genders. The openings go only to the family (its own)
and, sealed, to the supervision group (`openings_file`, §17.3).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from .canonical import canonical_json
from .errors import ProtocolError
from .hashing import TAG_ATTRIBUTES, tagged_hash
from .merkle import MerkleTree, leaf_hash, root_of
from .records import GENDERS, Gender
from .seed import Ceremony
from .strict import (
    EVENT_ID,
    ID,
    REG,
    StrictError,
    hex_bytes,
    items,
    literal,
    members,
    pattern,
)

__all__ = ["AttributeOpening", "RejectionCode", "RejectionLeaf", "RejectionTree",
           "openings_file", "rejection_root", "rejection_tree"]

RejectionCode = Literal["P1-residence", "P1-age", "P1-graduation", "P2-second-application",
                        "P2-district", "P3-defaulter", "P8-locked", "P10-not-approved"]
CODES: Final[tuple[RejectionCode, ...]] = (
    "P1-residence", "P1-age", "P1-graduation", "P2-second-application", "P2-district",
    "P3-defaulter", "P8-locked", "P10-not-approved")
"""The §7.1 codes in table order: an application gets the first one it fails."""


class PrivacyError(ProtocolError):
    title_zh = "属性或拒绝原因的承诺不符合协议"
    section = "17"


@dataclass(frozen=True, slots=True)
class AttributeOpening:
    """What `attrs` commits to (§17.1): gender, sorted distinct strata, and a salt."""

    reg: str
    gender: Gender
    strata: tuple[str, ...]
    salt: bytes

    def __post_init__(self) -> None:
        if not REG.fullmatch(self.reg):
            raise PrivacyError(f"opening.reg: {self.reg!r} is not a registration number",
                               section="1")
        if self.gender not in GENDERS:
            raise PrivacyError("gender is F or M", section="17.1")
        if list(self.strata) != sorted(set(self.strata)) or not all(
                ID.fullmatch(s) for s in self.strata):
            raise PrivacyError("strata are sorted and distinct", section="17.1")
        if len(self.salt) != 32:
            raise PrivacyError("salt is 32 bytes of lower-case hex", section="1")

    def to_json(self) -> dict[str, Any]:
        return {"reg": self.reg, "gender": self.gender, "strata": list(self.strata),
                "salt": self.salt.hex()}

    @property
    def attrs(self) -> str:
        """hex(H("sunshine-draw/v2/attributes", canon(opening)))."""
        return tagged_hash(TAG_ATTRIBUTES, canonical_json(self.to_json())).hex()

    @classmethod
    def from_json(cls, obj: Any) -> AttributeOpening:
        w = "opening"
        try:
            o = members(obj, ("reg", "gender", "strata", "salt"), w)
        except StrictError as exc:
            raise PrivacyError(f"an opening has exactly reg, gender, strata, salt: "
                               f"{exc.message}", section="17.1") from None
        strata = items(o, "strata", w)
        if any(type(s) is not str for s in strata):
            raise PrivacyError("strata are sorted and distinct", section="17.1")
        try:
            gender: Gender = "F" if literal(o, "gender", w, GENDERS) == "F" else "M"
        except StrictError:
            raise PrivacyError("gender is F or M", section="17.1") from None
        try:
            salt = hex_bytes(o, "salt", w)
        except StrictError:
            raise PrivacyError("salt is 32 bytes of lower-case hex", section="1") from None
        return cls(pattern(o, "reg", w, REG, "reg"), gender, tuple(strata), salt)


@dataclass(frozen=True, slots=True)
class RejectionLeaf:
    """One eligibility rejection (§17.2); only its family and the supervision group open it."""

    event: str
    reg: str
    school: str
    code: RejectionCode
    salt: bytes

    def to_json(self) -> dict[str, Any]:
        return {"type": "rejection", "event": self.event, "reg": self.reg,
                "school": self.school, "code": self.code, "salt": self.salt.hex()}

    @property
    def leaf(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, obj: Any) -> RejectionLeaf:
        w = "rejection"
        o = members(obj, ("type", "event", "reg", "school", "code", "salt"), w)
        if o["type"] != "rejection":
            raise StrictError("rejection.type: not \"rejection\"")
        code = literal(o, "code", w, CODES)
        return cls(pattern(o, "event", w, EVENT_ID, "event id"), pattern(o, "reg", w, REG, "reg"),
                   pattern(o, "school", w, ID, "id"), next(c for c in CODES if c == code),
                   hex_bytes(o, "salt", w))


@dataclass(frozen=True)
class RejectionTree:
    """The committed rejections (§17.2): leaves sorted bytewise, their RFC 6962 tree."""

    leaves: tuple[RejectionLeaf, ...]  # in tree order
    root: bytes
    _tree: MerkleTree

    @property
    def count(self) -> int:
        return len(self.leaves)

    def index_of(self, reg: str) -> int | None:
        for i, leaf in enumerate(self.leaves):
            if leaf.reg == reg:
                return i
        return None

    def inclusion_proof(self, index: int) -> list[bytes]:
        """RFC 9162 inclusion proof of leaf `index` (a family's `records` item, §14)."""
        return list(self._tree.inclusion_proof(index, self.count))


def rejection_tree(leaves: Iterable[RejectionLeaf]) -> RejectionTree:
    """Sort the leaves bytewise and build the tree; the empty tree's root is SHA-256("")."""
    ordered = sorted(leaves, key=lambda r: r.leaf)
    _check_distinct([r.leaf for r in ordered])
    tree = MerkleTree([leaf_hash(r.leaf) for r in ordered])
    return RejectionTree(tuple(ordered), tree.root(len(ordered)), tree)


def rejection_root(leaves: Iterable[RejectionLeaf]) -> bytes:
    """The root `rejection_tree` gives, holding only the leaves' bytes (the roster
    preview of a province, where every application may be rejected; issue 13)."""
    ordered = sorted(r.leaf for r in leaves)
    _check_distinct(ordered)
    return root_of(map(leaf_hash, ordered))


def _check_distinct(ordered: Sequence[bytes]) -> None:
    if any(a == b for a, b in itertools.pairwise(ordered)):
        raise PrivacyError("a rejection leaf appears twice", section="17.2")


def openings_file(event: str, origin: str,
                  attributes: Sequence[tuple[Ceremony, AttributeOpening]],
                  rejections: Sequence[RejectionLeaf]) -> bytes:
    """`openings.jsonl` (§17.3): the header, the attribute openings of the lottery by reg,
    then of the grouping by reg, then the rejection leaves in tree order. Never published."""
    order = {"lottery": 0, "grouping": 1, "teachers": 2}
    lines = [canonical_json({"type": "openings", "version": 2, "event": event,
                             "origin": origin})]
    for ceremony, opening in sorted(attributes, key=lambda a: (order[a[0]], a[1].reg)):
        lines.append(canonical_json({"type": "attributes", "ceremony": ceremony,
                                     **opening.to_json()}))
    lines += [r.leaf for r in sorted(rejections, key=lambda r: r.leaf)]
    return b"".join(line + b"\n" for line in lines)
