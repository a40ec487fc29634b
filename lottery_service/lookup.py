"""Public results and applicant proofs, read from the signed log (PROTOCOL.md §14).

`ResultIndex` is built once per signed checkpoint from the log entries alone,
so what a family sees is exactly what the log says, and the proof it gets is
the chain the verifier prints: the checkpoint, inclusion proofs of the entries
that decide its result, and the roster record's inclusion in the input tree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .core.canonical import canonical_json
from .core.log import Entry
from .core.merkle import MerkleTree, leaf_hash
from .core.records import Applicant
from .core.season import SeasonState


@dataclass(frozen=True)
class ApplicantResult:
    """Everything public about one registration number, in plain fields."""

    reg: str
    name: str
    school: str
    outcome: str | None = None  # admitted | not_admitted | None (pupil outside the lottery)
    stage: str | None = None
    rank: int | None = None
    waiting: int | None = None
    number: str | None = None
    cutoff: str | None = None
    promoted_round: int | None = None
    forfeited: bool = False
    class_id: str | None = None
    teacher: str | None = None
    school_name: str | None = None  # from the logged school record, when there is one
    teacher_name: str | None = None  # masked, from the logged teacher record

    def to_json(self) -> dict[str, Any]:
        return {
            "reg": self.reg, "name": self.name, "school": self.school,
            "outcome": self.outcome, "stage": self.stage, "rank": self.rank,
            "waiting": self.waiting, "number": self.number, "cutoff": self.cutoff,
            "promoted_round": self.promoted_round, "forfeited": self.forfeited,
            "class": self.class_id, "teacher": self.teacher,
            "school_name": self.school_name, "teacher_name": self.teacher_name,
        }


@dataclass
class ResultIndex:
    """Per-registration results and proof material for one checkpoint."""

    event: str
    size: int
    note: str
    entries: list[Entry]
    results: dict[str, ApplicantResult]
    relevant: dict[str, list[int]] = field(default_factory=dict)
    roster_index: dict[str, int] = field(default_factory=dict)
    roster_leaves: list[bytes] = field(default_factory=list)
    _log_tree: MerkleTree | None = None
    _roster_tree: MerkleTree | None = None

    @classmethod
    def build(cls, event: str, entries: Sequence[Entry], size: int, note: str,
              school_names: Mapping[str, str] | None = None) -> ResultIndex:
        """From the one fold of the log (`SeasonState`); `school_names` adds the bureau's
        public school names the log does not carry for public schools."""
        entries = list(entries[:size])
        state = SeasonState.replay(entries)
        names = {**dict(school_names or {}), **{s.id: s.name for s in state.schools()},
                 **{p.school: p.name for p in state.plans()}}
        teacher_names = {(t.school, t.id): t.name for t in state.teachers()}
        lottery = state.ceremonies["lottery"]
        roster = [canonical_json(r.to_json()) for r in lottery.tree().records] \
            if lottery.frozen is not None else []
        roster_index = {r.reg: i for i, r in enumerate(lottery.tree().records)
                        if isinstance(r, Applicant)} if lottery.frozen is not None else {}
        common = [c.seq for c in (lottery.frozen, lottery.seed) if c is not None]
        people: dict[str, dict[str, Any]] = {}
        relevant: dict[str, list[int]] = {}
        for a in state.applicants():
            people[a.reg] = {"reg": a.reg, "name": a.name, "school": a.school}
        for pupil in state.pupils():
            people.setdefault(pupil.reg, {"reg": pupil.reg, "name": pupil.name,
                                          "school": pupil.school})
            people[pupil.reg]["school"] = pupil.school
        for reg, r in state.lottery_results.items():
            people[reg].update(outcome=r.body.outcome, stage=r.body.stage, rank=r.body.rank,
                               waiting=r.body.waiting,
                               cutoff=None if r.body.cutoff is None else r.body.cutoff.hex())
            relevant.setdefault(reg, []).append(r.seq)
            summary = state.lottery_summaries.get(r.body.school)
            if summary is not None:
                relevant[reg].append(summary.seq)
        for reg, forfeits in state.forfeits_of.items():
            people[reg]["forfeited"] = True
            relevant.setdefault(reg, []).extend(f.seq for f in forfeits)
        for reg, promotions in state.promotions_of.items():
            people[reg].update(outcome="admitted", promoted_round=promotions[-1].body.round)
            relevant.setdefault(reg, []).extend(p.seq for p in promotions)
        for reg, g in state.grouping_results.items():
            people[reg]["class_id"] = g.body.class_
            relevant.setdefault(reg, []).append(g.seq)
            m = state.matching_results.get((g.body.school, g.body.class_))
            if m is not None:
                people[reg]["teacher"] = m.body.teacher
                people[reg]["teacher_name"] = teacher_names.get((m.body.school,
                                                                 m.body.teacher))
                relevant[reg].append(m.seq)
        results: dict[str, ApplicantResult] = {}
        for reg, p in people.items():
            p["school_name"] = names.get(p["school"])
            results[reg] = ApplicantResult(**p)
            relevant[reg] = sorted({*common, *relevant.get(reg, [])})
        return cls(event=event, size=size, note=note, entries=entries, results=results,
                   relevant=relevant, roster_index=roster_index, roster_leaves=roster)

    def proof(self, reg: str, log_vkey: str, trusted_size: int | None = None) -> dict[str, Any]:
        """The §14 proof object for one registration number.

        With `trusted_size` (a checkpoint size the family's browser saw before) it
        also carries the RFC 9162 consistency proof from that size, so the
        browser can tell an extension of what it trusted from a rewritten log.
        """
        if self._log_tree is None:
            self._log_tree = MerkleTree([e.leaf_hash for e in self.entries])
        if self._roster_tree is None:
            self._roster_tree = MerkleTree([leaf_hash(leaf) for leaf in self.roster_leaves])
        proof: dict[str, Any] = {
            "event": self.event, "reg": reg, "checkpoint": self.note, "log_key": log_vkey,
            "entries": [
                {"entry": self.entries[i].raw.decode(), "index": i,
                 "proof": [h.hex() for h in self._log_tree.inclusion_proof(i, self.size)]}
                for i in self.relevant.get(reg, [])
            ],
            "roster": None,
            "consistency": None,
        }
        if trusted_size is not None and 0 < trusted_size <= self.size:
            proof["consistency"] = {
                "old_size": trusted_size,
                "proof": [h.hex() for h in
                          self._log_tree.consistency_proof(trusted_size, self.size)],
            }
        if reg in self.roster_index:
            index = self.roster_index[reg]
            proof["roster"] = {
                "record": self.roster_leaves[index].decode(), "index": index,
                "size": len(self.roster_leaves),
                "proof": [h.hex() for h in self._roster_tree.inclusion_proof(index)],
            }
        return proof
