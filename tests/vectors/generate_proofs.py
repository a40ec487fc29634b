"""Generate tests/vectors/proofs.json: §14 applicant proofs, valid and tampered.

A small event runs end to end through the service core (SeasonState, entries,
Merkle trees, signed checkpoints, ResultIndex), with a fixed Ed25519 log key,
fixed secrets, dice and times, so the output is byte-for-byte deterministic.
The parents' checker (lottery_service/web/static/proof.js) must accept every valid case
with the expected result and reject every tampered case at the named step.

Run by hand: .venv/bin/python tests/vectors/generate_proofs.py
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lottery_service.core.allocation import Draw  # noqa: E402
from lottery_service.core.log import Entry, encode_entry  # noqa: E402
from lottery_service.core.merkle import MerkleTree  # noqa: E402
from lottery_service.core.note import (  # noqa: E402
    Checkpoint,
    Signer,
    add_signature_lines,
    cosign,
    sign_note,
)
from lottery_service.core.records import (  # noqa: E402
    Applicant,
    ClassPlan,
    ClassSpec,
    InputRecord,
    Pupil,
    Rules,
    School,
    Teacher,
)
from lottery_service.core.season import Body, SeasonState  # noqa: E402
from lottery_service.core.seed import (  # noqa: E402
    Ceremony,
    Participant,
    commitment,
    seal_escrow,
)
from lottery_service.lookup import ResultIndex  # noqa: E402

OUT = Path(__file__).with_name("proofs.json")
EVENT = "proof-demo-2026"
ORIGIN = f"sunshine-draw/{EVENT}"


def derive(*parts: str) -> bytes:
    """Fixed 32-byte values for keys, secrets and dice (never use this for real keys)."""
    return hashlib.sha256("\x00".join(("proof-vectors", *parts)).encode()).digest()


LOG_SIGNER = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(derive("log-key")))
OTHER_SIGNER = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(derive("other-key")))
WITNESS = Signer("witness.example/w1", Ed25519PrivateKey.from_private_bytes(derive("witness")))
HOLDER = X25519PrivateKey.from_private_bytes(derive("escrow-holder"))
PARTICIPANTS = (Participant("bureau-1", "bureau"), Participant("notary-1", "notary"))

RULES = Rules(event=EVENT, title="证明示例", year=2026, grade=1, waitlist_promotion=True,
              dice=20)
SCHOOLS = [
    School("S001", "阳光学校", "D01", "district", 5000, 2),
    School("S002", "明德学校", "D02", "district", 5000, 10),
]


def applicant(reg: str, school: str, district: str, gender: str, unit: str = "") -> Applicant:
    return Applicant(reg, "张*明", school, district, "F" if gender == "F" else "M",
                     "2026-06-11", unit=unit or reg)


APPLICANTS = [
    *(applicant(f"R00{k}", "S001", "D01", "FM"[k % 2]) for k in range(1, 6)),
    applicant("R006", "S001", "D01", "F"), applicant("R007", "S001", "D01", "M", unit="R006"),
    applicant("R101", "S002", "D02", "F"), applicant("R102", "S002", "D02", "M"),
]


@dataclass
class Log:
    """The event's entries and the checkpoints signed along the way."""

    state: SeasonState
    entries: list[Entry]
    notes: dict[int, str]

    def append(self, bodies: list[Body]) -> None:
        for type_, body in bodies:
            seq = len(self.entries)
            time = f"2026-07-01T09:{seq // 60:02d}:{seq % 60:02d}Z"
            entry = encode_entry(EVENT, seq, time, type_, body)
            self.state.apply(entry)
            self.entries.append(entry)

    def checkpoint(self) -> int:
        self.notes[len(self.entries)] = sign_checkpoint(self.entries, LOG_SIGNER)
        return len(self.entries)


def root_of(entries: list[Entry]) -> bytes:
    return MerkleTree([e.leaf_hash for e in entries]).root()


def sign_checkpoint(entries: list[Entry], signer: Signer) -> str:
    body = Checkpoint(ORIGIN, len(entries), root_of(entries)).body()
    return sign_note(body, [signer])


def ceremony(log: Log, kind: Ceremony, records: Sequence[InputRecord]) -> None:
    holder = HOLDER.public_key().public_bytes_raw()
    log.append(log.state.freeze_input(kind, PARTICIPANTS, holder, records))
    log.checkpoint()
    for p in PARTICIPANTS:
        secret = derive(kind, p.id, "secret")
        com = commitment(EVENT, kind, p.id, secret)
        ephemeral = X25519PrivateKey.from_private_bytes(derive(kind, p.id, "ephemeral"))
        log.append(log.state.commit(kind, p.id, com, seal_escrow(secret, com, holder, ephemeral)))
    log.append(log.state.close_commitments(kind))
    log.checkpoint()
    for p in PARTICIPANTS:
        log.append(log.state.reveal(kind, p.id, derive(kind, p.id, "secret")))
    dice = [1 + b % 6 for b in derive(kind, "dice")[: RULES.dice]]
    log.append(log.state.physical_entropy(kind, "notary-1", dice))
    log.append(log.state.derive_seed(kind))
    log.checkpoint()


def run_event() -> tuple[Log, int, str, str]:
    """The whole season; returns the log, the draw checkpoint size, the forfeiter, the promoted."""
    log = Log(SeasonState(), [], {})
    log.append(log.state.create_event(RULES))
    log.checkpoint()
    ceremony(log, "lottery", [*SCHOOLS, *APPLICANTS])
    log.append(log.state.publish_draw())
    drawn = log.checkpoint()
    draw = log.state.draw()
    # The first single admitted applicant of S001 does not pay; the front of the
    # waiting order that fits is promoted (§7.5).
    forfeiter = min(o.reg for o in draw.outcomes.values()
                    if o.school == "S001" and o.outcome == "admitted" and o.unit == o.reg
                    and o.reg not in draw.joint)
    log.append(log.state.payment_round([forfeiter], []))
    log.append(log.state.payment_round([], []))
    log.append(log.state.close_payments())
    log.checkpoint()
    confirmed = log.state.payment_state().confirmed()
    promoted = next(reg for reg in confirmed if draw.outcomes[reg].outcome == "not_admitted")
    pupils = [Pupil(reg, "张*明", school, next(a.gender for a in APPLICANTS if a.reg == reg))
              for reg, school in sorted(confirmed.items())]
    plans = [ClassPlan("S001", (ClassSpec("01", 2), ClassSpec("02", 2))),
             ClassPlan("S002", (ClassSpec("01", 2),))]
    ceremony(log, "grouping", [*plans, *pupils])
    log.append(log.state.publish_grouping())
    log.checkpoint()
    teachers = [Teacher("S001", "T0001", "李*"), Teacher("S001", "T0002", "王*"),
                Teacher("S002", "T0003", "赵*")]
    ceremony(log, "teachers", teachers)
    log.append(log.state.publish_matching())
    log.append(log.state.notifications_sent(len(pupils)))
    kinds: tuple[Ceremony, ...] = ("lottery", "grouping", "teachers")
    for kind in kinds:
        log.append(log.state.publish(kind))
    log.checkpoint()
    return log, drawn, forfeiter, promoted


def expected(log: Log, reg: str, size: int, consistency: str) -> dict[str, Any]:
    """What the checker must report, from the allocation, payments and grouping directly."""
    state = log.state
    draw: Draw = state.draw()
    o = draw.outcomes[reg]
    summary = draw.schools[o.school].summary_json()
    cutoff = next(s["cutoff"] for s in summary["stages"] if s["stage"] == o.stage)
    pay = state.payment_state()
    forfeited = any(e.type == "payment_round" and reg in e.body["forfeited"]
                    for e in log.entries[:size])
    promoted_round = None
    for e in log.entries[:size]:
        if e.type == "promotions" and reg in e.body["promoted"]:
            promoted_round = e.body["round"]
    klass = teacher = None
    if reg in pay.confirmed() and size == len(log.entries):
        grouping = state.grouping()
        klass = grouping.assignments[reg][1]
        pairs = next(e.body["pairs"] for e in log.entries
                     if e.type == "matching_results" and e.body["school"] == o.school)
        teacher = next(p["teacher"] for p in pairs if p["class"] == klass)
    return {
        "event": EVENT, "reg": reg, "name": "张*明", "school": o.school,
        "outcome": "admitted" if promoted_round is not None else o.outcome,
        "stage": o.stage, "rank": o.rank, "waiting": o.waiting, "number": o.number.hex(),
        "cutoff": cutoff, "promotedRound": promoted_round, "forfeited": forfeited,
        "class": klass, "teacher": teacher,
        "checkpointSize": size, "checkpointRoot": root_of(log.entries[:size]).hex(),
        "consistency": consistency,
    }


def index_for(entries: list[Entry], note: str) -> ResultIndex:
    return ResultIndex.build(EVENT, entries, len(entries), note)


def rewrite(entries: list[Entry], seq: int, edit: Callable[[dict[str, Any]], None]) -> list[Entry]:
    """A rewritten log: one entry's body edited, re-encoded (the server lying, then signing)."""
    out = list(entries)
    body = copy.deepcopy(out[seq].body)
    edit(body)
    out[seq] = encode_entry(EVENT, seq, out[seq].time, out[seq].type, body)
    return out


def results_seq(entries: list[Entry], reg: str) -> int:
    return next(e.seq for e in entries
                if e.type == "lottery_results" and any(r["reg"] == reg for r in e.body["records"]))


def set_record(reg: str, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def edit(body: dict[str, Any]) -> None:
        for r in body["records"]:
            if r["reg"] == reg:
                r.update(changes)
    return edit


def flip_hex(h: str) -> str:
    return ("1" if h[0] == "0" else "0") + h[1:]


def case(name: str, proof: dict[str, Any], reg: str, *, pinned: str | None,
         trusted: dict[str, Any] | None = None, result: dict[str, Any] | None = None,
         step: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "input": {
        "proof": proof, "reg": reg, "pinned_key": pinned, "trusted_checkpoint": trusted}}
    if step is None:
        c["expected"] = result
    else:
        c["error"] = "ProofError"
        c["step"] = step
    return c


def build() -> dict[str, Any]:
    log, drawn, forfeiter, promoted = run_event()
    entries = log.entries
    size = len(entries)
    vkey = LOG_SIGNER.verifier_key()
    note = log.notes[size]
    index = index_for(entries, note)
    draw = log.state.draw()
    s1 = sorted((o for o in draw.outcomes.values() if o.school == "S001"), key=lambda o: o.reg)
    admitted = next(o.reg for o in s1 if o.outcome == "admitted" and o.reg != forfeiter)
    waiting = next(o.reg for o in s1 if o.outcome == "not_admitted" and o.reg != promoted
                   and o.waiting is not None)
    under = "R101"
    drawn_root = root_of(entries[:drawn]).hex()
    cases: list[dict[str, Any]] = []

    def proof(reg: str, trusted_size: int | None = None,
              idx: ResultIndex | None = None) -> dict[str, Any]:
        return (idx or index).proof(reg, vkey, trusted_size)

    # ---- valid proofs
    for name, reg in (("admitted", admitted), ("not-admitted-waiting", waiting),
                      ("promoted", promoted), ("forfeited", forfeiter),
                      ("under-subscribed", under), ("joint-unit-member", "R007")):
        cases.append(case(name, proof(reg), reg, pinned=vkey,
                          result=expected(log, reg, size, "none")))
    cases.append(case("no-pinned-key", proof(admitted), admitted, pinned=None,
                      result=expected(log, admitted, size, "none")))
    cases.append(case("consistency-from-earlier-checkpoint", proof(promoted, drawn), promoted,
                      pinned=vkey, trusted={"size": drawn, "root": drawn_root},
                      result=expected(log, promoted, size, "extends")))
    cases.append(case("same-checkpoint-as-trusted", proof(admitted), admitted, pinned=vkey,
                      trusted={"size": size, "root": root_of(entries).hex()},
                      result=expected(log, admitted, size, "same")))
    early = index_for(entries[:drawn], log.notes[drawn])
    cases.append(case("newer-checkpoint-trusted", proof(waiting, idx=early), waiting,
                      pinned=vkey, trusted={"size": size, "root": root_of(entries).hex()},
                      result=expected(log, waiting, drawn, "older")))
    line = cosign(Checkpoint(ORIGIN, size, root_of(entries)).body(), WITNESS, 1782900000)
    cosigned = {**proof(admitted), "checkpoint": add_signature_lines(note, [line])}
    cases.append(case("witness-cosignature-ignored", cosigned, admitted, pinned=vkey,
                      result=expected(log, admitted, size, "none")))

    # ---- tampered proofs
    p = proof(waiting)
    k = next(i for i, e in enumerate(p["entries"]) if '"lottery_results"' in e["entry"])
    mine = next(r for r in entries[p["entries"][k]["index"]].body["records"] if r["reg"] == waiting)
    p["entries"][k]["entry"] = p["entries"][k]["entry"].replace(mine["number"],
                                                                flip_hex(mine["number"]))
    cases.append(case("number-changed-in-transit", p, waiting, pinned=vkey, step="inclusion"))

    lied = rewrite(entries, results_seq(entries, waiting),
                   set_record(waiting, number=flip_hex(mine["number"])))
    p = proof(waiting, idx=index_for(lied, sign_checkpoint(lied, LOG_SIGNER)))
    cases.append(case("number-changed-signed-log", p, waiting, pinned=vkey, step="number"))

    p = proof(waiting)
    text = p["entries"][k]["entry"]
    p["entries"][k]["entry"] = text.replace(
        json.dumps(mine, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
        json.dumps({**mine, "outcome": "admitted"}, separators=(",", ":"), sort_keys=True))
    assert p["entries"][k]["entry"] != text
    cases.append(case("outcome-changed-in-transit", p, waiting, pinned=vkey, step="inclusion"))

    lied = rewrite(entries, results_seq(entries, waiting),
                   set_record(waiting, outcome="admitted", waiting=None))
    p = proof(waiting, idx=index_for(lied, sign_checkpoint(lied, LOG_SIGNER)))
    cases.append(case("outcome-changed-signed-log", p, waiting, pinned=vkey, step="outcome"))

    p = proof(admitted)
    p["roster"] = proof(waiting)["roster"]
    cases.append(case("roster-of-another-applicant", p, admitted, pinned=vkey, step="roster"))

    p = proof(admitted)
    p["roster"]["record"] = p["roster"]["record"].replace('"district":"D01"', '"district":"D02"')
    cases.append(case("roster-record-edited", p, admitted, pinned=vkey, step="roster"))

    p = proof(admitted)
    sig_line = p["checkpoint"].split("\n")[-2]
    head, encoded = sig_line.rsplit(" ", 1)
    forged = encoded[:10] + ("A" if encoded[10] != "A" else "B") + encoded[11:]
    p["checkpoint"] = p["checkpoint"].replace(sig_line, f"{head} {forged}")
    cases.append(case("signature-forged", p, admitted, pinned=vkey, step="signature"))

    p = {**proof(admitted), "checkpoint": sign_checkpoint(entries, OTHER_SIGNER)}
    cases.append(case("signature-by-another-key", p, admitted, pinned=vkey, step="signature"))

    p = {**proof(admitted), "checkpoint": sign_checkpoint(entries, OTHER_SIGNER),
         "log_key": OTHER_SIGNER.verifier_key()}
    cases.append(case("log-key-not-the-pinned-key", p, admitted, pinned=vkey, step="key"))

    p = proof(admitted)
    p["entries"][0]["proof"][0] = flip_hex(p["entries"][0]["proof"][0])
    cases.append(case("inclusion-proof-hash-changed", p, admitted, pinned=vkey,
                      step="inclusion"))

    # A fork: another history of the same early size, also signed by the log key.
    forked = rewrite(entries[:drawn], results_seq(entries, waiting),
                     set_record(waiting, rank=99))
    cases.append(case("fork-earlier-checkpoint", proof(promoted, drawn), promoted, pinned=vkey,
                      trusted={"size": drawn, "root": root_of(forked).hex()},
                      step="consistency"))
    cases.append(case("fork-same-size", proof(admitted), admitted, pinned=vkey,
                      trusted={"size": size, "root": flip_hex(root_of(entries).hex())},
                      step="consistency"))
    cases.append(case("consistency-proof-missing", proof(promoted), promoted, pinned=vkey,
                      trusted={"size": drawn, "root": drawn_root}, step="consistency"))
    cases.append(case("proof-for-another-reg", proof(waiting), admitted, pinned=vkey,
                      step="reg"))

    seq = results_seq(entries, admitted)
    raw = entries[seq].raw.replace(b'{"body":', b'{"v":1,"body":', 1)
    dup = list(entries)
    dup[seq] = replace(entries[seq], raw=raw)
    p = proof(admitted, idx=index_for(dup, sign_checkpoint(dup, LOG_SIGNER)))
    cases.append(case("duplicate-key-in-signed-entry", p, admitted, pinned=vkey, step="entry"))

    return {
        "description": (
            "Applicant proofs (§14) for one small event run through the service core with a "
            "fixed log key: valid cases with the result a checker must report, and tampered "
            "cases with the step at which it must fail (ProofError.step). input.reg is the "
            "number the family asked about; pinned_key the log key the page ships (or null); "
            "trusted_checkpoint {size, root hex} a checkpoint verified on an earlier visit "
            "(or null)."
        ),
        "spec": "PROTOCOL.md §14",
        "log_key": vkey,
        "cases": cases,
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
