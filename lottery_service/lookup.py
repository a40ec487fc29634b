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
        """`school_names` adds the bureau's public school names the log does not carry
        (public schools appear in it by id only)."""
        entries = list(entries[:size])
        people: dict[str, dict[str, Any]] = {}
        relevant: dict[str, list[int]] = {}
        roster: list[bytes] = []
        roster_index: dict[str, int] = {}
        common: list[int] = []
        cutoffs: dict[tuple[str, str], str | None] = {}
        school_entries: dict[str, list[int]] = {}
        summaries: dict[str, int] = {}  # school -> seq of its part 0 (stage cutoffs)
        school_names = dict(school_names or {})
        teacher_names: dict[tuple[str, str], str] = {}
        for e in entries:
            b = e.body
            if e.type == "input_records" and b["ceremony"] == "lottery":
                for record in b["records"]:
                    raw = canonical_json(record)
                    if record["type"] == "school":
                        school_names[record["id"]] = record["name"]
                    if record["type"] == "applicant":
                        roster_index[record["reg"]] = len(roster)
                        people.setdefault(record["reg"], {
                            "reg": record["reg"], "name": record["name"],
                            "school": record["school"]})
                    roster.append(raw)
            elif e.type == "input_records" and b["ceremony"] == "grouping":
                for record in b["records"]:
                    if record["type"] == "pupil":
                        p = people.setdefault(record["reg"], {
                            "reg": record["reg"], "name": record["name"],
                            "school": record["school"]})
                        p["school"] = record["school"]
            elif e.type == "input_records" and b["ceremony"] == "teachers":
                for record in b["records"]:
                    teacher_names[(record["school"], record["id"])] = record["name"]
            elif e.type in ("input_frozen", "seed") and b["ceremony"] == "lottery":
                common.append(e.seq)
            elif e.type == "lottery_results":
                if b["summary"] is not None:
                    summaries[b["school"]] = e.seq
                    for stage in b["summary"]["stages"]:
                        cutoffs[(b["school"], stage["stage"])] = stage["cutoff"]
                for r in b["records"]:
                    p = people[r["reg"]]
                    p.update(outcome=r["outcome"], stage=r["stage"], rank=r["rank"],
                             waiting=r["waiting"], number=r["number"])
                    relevant.setdefault(r["reg"], []).append(e.seq)
            elif e.type == "payment_round":
                for reg in b["forfeited"]:
                    people[reg]["forfeited"] = True
                    relevant.setdefault(reg, []).append(e.seq)
            elif e.type == "promotions":
                for reg in b["promoted"]:
                    people[reg].update(outcome="admitted", promoted_round=b["round"])
                    relevant.setdefault(reg, []).append(e.seq)
            elif e.type == "grouping_results":
                for r in b["records"]:
                    people[r["reg"]]["class_id"] = r["class"]
                    relevant.setdefault(r["reg"], []).append(e.seq)
            elif e.type == "matching_results":
                school_entries.setdefault(b["school"], []).append(e.seq)
                teacher_of = {p["class"]: p["teacher"] for p in b["pairs"]}
                for p in people.values():
                    if p["school"] == b["school"] and p.get("class_id") in teacher_of:
                        p["teacher"] = teacher_of[p["class_id"]]
        results: dict[str, ApplicantResult] = {}
        for reg, p in people.items():
            if "stage" in p:
                p["cutoff"] = cutoffs.get((p["school"], p["stage"]))
            p["school_name"] = school_names.get(p["school"])
            if p.get("teacher") is not None:
                p["teacher_name"] = teacher_names.get((p["school"], p["teacher"]))
            results[reg] = ApplicantResult(**p)
            chain = [*common, *relevant.get(reg, [])]
            if "stage" in p and p["school"] in summaries:
                chain.append(summaries[p["school"]])
            if p.get("teacher") is not None:
                chain += school_entries.get(p["school"], [])
            relevant[reg] = sorted(set(chain))
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
