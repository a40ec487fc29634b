"""The sealed openings (PROTOCOL.md §17.3) and a family's own openings (§17.1, §17.2).

What the frozen commitments open to is kept at each freeze (`SealedOpeningTable`).
`openings(event)` is `openings.jsonl`: for the supervision group and the notary,
written next to the bundle and never into it or any publication. `family(event,
reg)` is what one family may open: its attribute openings and, if it was
rejected, its rejection leaf with the inclusion proof under the logged
`eligibility_rejections` root (a receipt's `records` item, §14); only the app
server hands it out, after the family's second factor.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.privacy import AttributeOpening, RejectionLeaf, openings_file, rejection_tree
from ..core.season import PhaseError, SeasonState
from ..core.seed import CEREMONIES, Ceremony
from .lifecycle import sealed_attributes, sealed_rejections
from .unit_of_work import Database

__all__ = ["FamilyOpenings", "Openings", "RejectionOpening"]


@dataclass(frozen=True)
class RejectionOpening:
    """A rejected family's leaf and its RFC 9162 inclusion proof (§17.2)."""

    leaf: RejectionLeaf
    index: int
    size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class FamilyOpenings:
    reg: str
    attributes: tuple[tuple[Ceremony, AttributeOpening], ...]
    rejection: RejectionOpening | None


class Openings:
    def __init__(self, db: Database) -> None:
        self._db = db

    def openings(self, event_id: str) -> bytes:
        """`openings.jsonl` (§17.3); each opening checked against the logged commitment."""
        with self._db.event(event_id) as work:
            state, s = work.state, work.session
            if state.rules is None:
                raise PhaseError("the event has no rule set yet (§3.1)")
            attributes: list[tuple[Ceremony, AttributeOpening]] = []
            for kind in CEREMONIES:
                c = state.ceremonies[kind]
                if c.frozen is None:
                    continue
                sealed = sealed_attributes(s, event_id, kind)
                for record in c.records:
                    attrs = getattr(record, "attrs", None)
                    if attrs is None:
                        continue
                    opening = sealed.get(getattr(record, "reg", ""))
                    if opening is None or opening.attrs != attrs:
                        raise PhaseError(f"no sealed opening matches the {kind} record of "
                                         f"{getattr(record, 'reg', '')} (§17.1)",
                                         section="17.1")
                    attributes.append((kind, opening))
            leaves = _rejections(work.state, sealed_rejections(s, event_id))
            return openings_file(event_id, state.rules.origin, attributes, leaves)

    def family(self, event_id: str, reg: str) -> FamilyOpenings:
        """What the family of `reg` may open (§17): never another family's."""
        with self._db.event(event_id) as work:
            state, s = work.state, work.session
            attributes = tuple(
                (kind, opening) for kind in CEREMONIES
                if state.ceremonies[kind].frozen is not None
                and (opening := sealed_attributes(s, event_id, kind).get(reg)) is not None)
            leaves = _rejections(state, sealed_rejections(s, event_id))
            tree = rejection_tree(leaves)
            index = tree.index_of(reg)
            rejection = None if index is None else RejectionOpening(
                tree.leaves[index], index, tree.count, tuple(tree.inclusion_proof(index)))
            return FamilyOpenings(reg, attributes, rejection)


def _rejections(state: SeasonState, leaves: list[RejectionLeaf]) -> list[RejectionLeaf]:
    """The sealed leaves, checked against the logged `eligibility_rejections` (§17.2)."""
    logged = state.ceremonies["lottery"].rejections
    if logged is None:
        return []
    tree = rejection_tree(leaves)
    if (tree.count, tree.root) != (logged.body.count, logged.body.root):
        raise PhaseError("the sealed rejections do not match the logged root (§17.2)",
                         section="17.2")
    return list(tree.leaves)
