"""Applicant proofs (PROTOCOL.md §14): built from a verified bundle, and checked
from the proof alone (what a family's checker does)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from verifier import ceremony, merkle, note, strict
from verifier.errors import VerificationError

if TYPE_CHECKING:
    from verifier.verify import Verification

Obj = dict[str, Any]


def _fail(message: str, section: str = "§14") -> VerificationError:
    return VerificationError("proof", section, message)


def _wanted(obj: Obj, reg: str, school: str | None) -> bool:
    """Is this entry part of reg's proof (§14)?"""
    t, body = obj["type"], obj["body"]
    if t in ("input_frozen", "seed"):
        return bool(body["ceremony"] == "lottery")
    if t == "lottery_results":
        return any(r["reg"] == reg for r in body["records"])
    if t == "promotions":
        return reg in body["promoted"]
    if t == "grouping_results":
        return any(r["reg"] == reg for r in body["records"])
    if t == "matching_results":
        return school is not None and body["school"] == school
    return False


def build(v: Verification, reg: str) -> Obj:
    """The §14 proof for ``reg`` under the latest signed checkpoint, checked at once."""
    st = v.state
    bundle = v.bundle
    if not v.ok or bundle is None or not v.checkpoints:
        raise _fail("the bundle did not verify; no proof is given")
    applicant = next((a for a in st.applicants if a.reg == reg), None)
    if applicant is None:
        raise _fail(f"{reg} is not among the lottery input records")
    grouped_school = next((s for s, g in st.grouping.items() if reg in g), None)
    size = max(v.checkpoints)
    entries = []
    roster: list[bytes] = []
    """canon() of the lottery input records (the verifier did not keep them)."""
    for seq, raw in enumerate(bundle.lines()):
        if seq >= size:
            break
        obj = strict.loads(raw)
        if obj["type"] == "input_records" and obj["body"]["ceremony"] == "lottery":
            roster.extend(strict.canon(r) for r in obj["body"]["records"])
        if _wanted(obj, reg, grouped_school):
            proof = merkle.inclusion_proof(st.leaves, seq, size)
            entries.append({"entry": raw.decode(), "index": seq,
                            "proof": [p.hex() for p in proof]})
    roster.sort()
    index = next((k for k, c in enumerate(roster)
                  if b'"type":"applicant"' in c and strict.loads(c).get("reg") == reg), None)
    if index is None:
        raise _fail(f"{reg} is not among the lottery input records")
    record = roster[index]
    leaves = [merkle.leaf_hash(c) for c in roster]
    out = {"event": st.event, "reg": reg,
           "checkpoint": bundle.notes[size],
           "log_key": v.ctx.log_key().text,
           "entries": entries,
           "roster": {"record": record.decode(), "index": index, "size": len(leaves),
                      "proof": [p.hex() for p in merkle.inclusion_proof(leaves, index,
                                                                         len(leaves))]}}
    out["summary"] = check(out)
    return out


def check(proof: Obj, key_text: str | None = None) -> Obj:
    """Verify a §14 proof on its own; returns the applicant's outcome."""
    try:
        key = note.parse_verifier_key(key_text or proof["log_key"])
        n = note.parse_note(proof["checkpoint"])
        note.verify_note(n, key)
        cp = note.parse_checkpoint(n.text)
    except (note.NoteError, KeyError) as exc:
        raise _fail(f"checkpoint: {exc}", "§12") from None
    reg = proof["reg"]
    by_type: dict[str, list[Obj]] = {}
    for e in proof["entries"]:
        raw = e["entry"].encode()
        try:
            merkle.verify_inclusion(merkle.leaf_hash(raw), e["index"], cp.size,
                                    [strict.hex_bytes(h) for h in e["proof"]], cp.root)
            obj = strict.loads_canonical(raw)
        except (merkle.MerkleProofError, strict.StrictError) as exc:
            raise _fail(f"entry {e['index']}: {exc}", "§4, §14") from None
        by_type.setdefault(obj["type"], []).append(obj["body"])
    try:
        frozen = by_type["input_frozen"][0]
        seed = strict.hex_bytes(by_type["seed"][0]["seed"])
        results = by_type["lottery_results"][0]
    except (KeyError, IndexError):
        raise _fail("proof lacks input_frozen, seed or lottery_results") from None
    roster = proof["roster"]
    try:
        merkle.verify_inclusion(merkle.leaf_hash(roster["record"].encode()), roster["index"],
                                roster["size"], [strict.hex_bytes(h) for h in roster["proof"]],
                                strict.hex_bytes(frozen["root"]))
    except (merkle.MerkleProofError, strict.StrictError) as exc:
        raise _fail(f"roster record: {exc}", "§3.3, §14") from None
    if roster["size"] != frozen["size"] or strict.loads(roster["record"]).get("reg") != reg:
        raise _fail("roster record is not this applicant's under input_frozen")
    rec = next((r for r in results["records"] if r["reg"] == reg), None)
    if rec is None:
        raise _fail("lottery_results part does not hold the applicant")
    number = ceremony.keyed(seed, ceremony.TAG_NUMBER)(reg).hex()
    if rec["number"] != number:
        raise _fail("logged lottery number differs from number(reg)", "§6")
    summary = results["summary"]
    cutoff = None
    if summary is not None:
        cutoff = next((s["cutoff"] for s in summary["stages"] if s["stage"] == rec["stage"]),
                      None)
    out: Obj = {"reg": reg, "number": number, "unit": rec["unit"], "outcome": rec["outcome"],
                "stage": rec["stage"], "rank": rec["rank"], "waiting": rec["waiting"],
                "cutoff": cutoff, "checkpoint_size": cp.size,
                "promoted_in_round": [p["round"] for p in by_type.get("promotions", [])]}
    for g in by_type.get("grouping_results", []):
        for r in g["records"]:
            if r["reg"] == reg:
                out["class"] = r["class"]
                for m in by_type.get("matching_results", []):
                    for pair in m["pairs"]:
                        if pair["class"] == r["class"]:
                            out["head_teacher"] = pair["teacher"]
    return out
