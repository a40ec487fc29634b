"""The numbered verification steps over one bundle (PROTOCOL.md §2–§13).

``Verification.run()`` reads entries.jsonl once, streaming, then runs every step
that can run; a step whose prerequisite failed is reported as skipped.

Memory: a city log holds 10^5 applicants and pupils, so the streaming pass keeps
each record once, as a small tuple with repeated strings (schools, districts,
days, outcomes) shared, never the parsed entries; input records are kept as
canonical bytes only until their ceremony's input_frozen folds them into the
input tree.
"""

from __future__ import annotations

import gc
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier import bias, ceremony, draw, grouping, matching, merkle, note, phases, records, strict
from verifier.bundle import Bundle, load
from verifier.errors import VerificationError

Obj = dict[str, Any]


@dataclass
class StepResult:
    number: int
    name: str
    section: str
    status: str  # "pass" | "fail" | "skipped"
    detail: str = ""


@dataclass(frozen=True)
class InputTree:
    """The §3.3 tree of a ceremony's input records as logged before input_frozen."""

    size: int
    root: bytes
    duplicate: bool


@dataclass
class Ceremony:
    """What the log says about one ceremony (§5, §11.2)."""

    opened: Obj | None = None
    input_canon: list[bytes] = field(default_factory=list)
    """canon(record) of each input record, until input_frozen folds them."""
    input_tree: InputTree | None = None
    records_after_freeze: int = 0
    frozen: Obj | None = None
    commitments: dict[str, Obj] = field(default_factory=dict)
    openings: dict[str, bytes | None] = field(default_factory=dict)
    opening_kind: dict[str, str] = field(default_factory=dict)
    void_reason: dict[str, str] = field(default_factory=dict)
    released_key: bytes | None = None
    """The escrow holder's private key from escrow_key_released (§5.4), if any."""
    physical: Obj | None = None
    beacon: Obj | None = None
    seed: bytes | None = None


@dataclass
class LogState:
    """Everything the streaming pass keeps: one compact copy of each record."""

    event: str | None = None
    leaves: list[bytes] = field(default_factory=list)
    items: list[phases.Item] = field(default_factory=list)
    rules: Obj | None = None
    rules_hash: bytes | None = None
    ceremonies: dict[str, Ceremony] = field(default_factory=dict)
    schools: dict[str, Obj] = field(default_factory=dict)
    applicants: list[draw.Applicant] = field(default_factory=list)
    pupils: list[grouping.Pupil] = field(default_factory=list)
    plans: dict[str, Obj] = field(default_factory=dict)
    teachers: dict[str, list[str]] = field(default_factory=dict)
    rejections: list[Obj] = field(default_factory=list)
    lottery_parts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    summaries: dict[str, Obj] = field(default_factory=dict)
    results: dict[str, dict[str, draw.Result]] = field(default_factory=dict)
    """Logged lottery records per school; step 11 frees each school's once compared."""
    bias: list[Obj] | None = None
    rounds: list[Obj] = field(default_factory=list)
    promotions: dict[int, list[Obj]] = field(default_factory=dict)
    payments_closed: int | None = None
    grouping_parts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    grouping: dict[str, dict[str, str]] = field(default_factory=dict)
    matching: dict[str, list[Obj]] = field(default_factory=dict)


@dataclass
class Options:
    key_text: str | None = None
    trusted_text: str | None = None


def _ceremony(state: LogState, name: str) -> Ceremony:
    return state.ceremonies.setdefault(name, Ceremony())


def _fold_inputs(cer: Ceremony) -> None:
    """Build the §3.3 input tree of the records logged so far, then drop their bytes."""
    leaves = sorted(cer.input_canon)
    cer.input_canon = []
    duplicate = any(a == b for a, b in itertools.pairwise(leaves))
    hashes = list(map(merkle.leaf_hash, leaves))
    del leaves
    cer.input_tree = InputTree(len(hashes), merkle.root(hashes), duplicate)


def _absorb(state: LogState, seq: int, raw: bytes) -> None:
    """Strictly parse one entry (§2.1, §2.3, §11.1) and keep what later steps need.

    Duplicate keys are rejected by the canonical comparison (strict module doc).
    """
    if len(raw) >= 65536:
        raise strict.StrictError(f"entry {seq} is {len(raw)} bytes, not below 65536 (§11.1)")
    obj = strict.loads_for_canonical_check(raw)
    records.entry(obj, state.event, seq)
    state.event = obj["event"]
    t, body = obj["type"], obj["body"]
    if t == "input_records":
        recs = body["records"]
        encs = [strict.canon(r) for r in recs]
        body["records"] = []
        enc = strict.canon(obj).replace(b'"records":[]',
                                        b'"records":[' + b",".join(encs) + b"]", 1)
        body["records"] = recs
    else:
        enc = strict.canon(obj)
    if enc != raw:
        raise strict.StrictError(f"entry {seq} is not in canonical form or repeats a key "
                                 "(§2.1, §11.1)")
    c: str = body.get("ceremony", "") if t != "eligibility_rejections" else ""
    state.items.append(phases.Item(seq, t, c or None, body.get("participant"),
                                   body.get("refers_to")))
    if t == "event_created":
        state.rules, state.rules_hash = body["rules"], bytes.fromhex(body["rules_hash"])
        if body["rules"]["event"] != obj["event"]:
            raise strict.StrictError("rules.event differs from the entries' event (§3.1)")
    elif t == "ceremony_opened":
        _ceremony(state, c).opened = body
    elif t == "input_records":
        cer = _ceremony(state, c)
        if cer.input_tree is None:
            cer.input_canon.extend(encs)
        else:
            cer.records_after_freeze += len(encs)
        for r in body["records"]:
            _keep_record(state, r)
    elif t == "input_frozen":
        cer = _ceremony(state, c)
        cer.frozen = body
        if cer.input_tree is None:
            _fold_inputs(cer)
    elif t == "commitment":
        _ceremony(state, c).commitments[body["participant"]] = body
    elif t in ("reveal", "escrow_opened", "contribution_void"):
        cer = _ceremony(state, c)
        sec = bytes.fromhex(body["secret"]) if t != "contribution_void" else None
        cer.openings[body["participant"]] = sec
        cer.opening_kind[body["participant"]] = t
        if t == "contribution_void":
            cer.void_reason[body["participant"]] = body["reason"]
    elif t == "physical_entropy":
        _ceremony(state, c).physical = body
    elif t == "beacon":
        _ceremony(state, c).beacon = body
    elif t == "escrow_key_released":
        cer = _ceremony(state, c)
        if cer.released_key is None:  # a second release fails step 5
            cer.released_key = strict.b64_bytes(body["private_key"], 32)
    elif t == "seed":
        cer = _ceremony(state, c)
        if cer.seed is not None:
            raise strict.StrictError(f"a second seed for {c} (§6, §16)")
        cer.seed = bytes.fromhex(body["seed"])
    elif t == "eligibility_rejections":
        state.rejections.extend(body["rejections"])
    elif t == "lottery_results":
        sid = body["school"]
        state.lottery_parts.setdefault(sid, []).append((body["part"], body["parts"]))
        if body["summary"] is not None:
            state.summaries[sid] = body["summary"]
        res = state.results.setdefault(sid, {})
        for r in body["records"]:
            reg, unit = r["reg"], r["unit"]
            if reg in res:
                raise strict.StrictError(f"{reg} listed twice in lottery_results (§11.2)")
            res[reg] = (reg, r["number"], reg if unit == reg else unit, _intern(r["outcome"]),
                        _intern(r["stage"]), r["rank"], r["waiting"])
    elif t == "bias_audit":
        state.bias = body["dimensions"]
    elif t == "payment_round":
        state.rounds.append(body)
    elif t == "promotions":
        state.promotions.setdefault(body["round"], []).append(body)
    elif t == "payments_closed":
        state.payments_closed = body["rounds"]
    elif t == "grouping_results":
        sid = body["school"]
        state.grouping_parts.setdefault(sid, []).append((body["part"], body["parts"]))
        g = state.grouping.setdefault(sid, {})
        for r in body["records"]:
            if r["reg"] in g:
                raise strict.StrictError(f"{r['reg']} listed twice in grouping_results (§11.2)")
            g[r["reg"]] = _intern(r["class"])
    elif t == "matching_results":
        if body["school"] in state.matching:
            raise strict.StrictError(f"second matching_results for {body['school']}")
        state.matching[body["school"]] = body["pairs"]


_intern = sys.intern
"""One shared copy of each repeated string (school, district, day, outcome, class)."""


def _keep_record(state: LogState, r: Obj) -> None:
    t = r["type"]
    if t == "applicant":
        reg, unit = r["reg"], r["unit"]
        state.applicants.append(draw.Applicant(
            reg, _intern(r["school"]), _intern(r["district"]), r["gender"],
            _intern(r["reg_day"]), r["direct"], r["community"], reg if unit == reg else unit))
    elif t == "school":
        if r["id"] in state.schools:
            raise strict.StrictError(f"school {r['id']} listed twice (§1)")
        state.schools[r["id"]] = r
    elif t == "pupil":
        state.pupils.append(grouping.pupil_of(r))
    elif t == "class-plan":
        if r["school"] in state.plans:
            raise strict.StrictError(f"two class plans for {r['school']} (§3.2)")
        state.plans[r["school"]] = r
    elif t == "teacher":
        state.teachers.setdefault(r["school"], []).append(r["id"])


def _parts_complete(parts: list[tuple[int, int]], what: str) -> None:
    n = parts[0][1]
    if sorted(parts) != [(k, n) for k in range(n)]:
        raise VerificationError("parts", "§11.1", f"{what}: parts are not 0..{n - 1} once each")


class Verification:
    """Runs the numbered steps; ``results`` holds one StepResult per step."""

    def __init__(self, root: Path, options: Options | None = None) -> None:
        self.root = root
        self.options = options or Options()
        self.state = LogState()
        self.bundle: Bundle | None = None
        self.results: list[StepResult] = []
        self.key_pinned = self.options.key_text is not None
        self.progress = ""
        self.checkpoints: dict[int, note.Checkpoint] = {}
        self.notes: dict[int, note.Note] = {}
        self.draws: dict[str, draw.SchoolDraw] = {}
        self.payments: draw.Payments | None = None
        self.lines_read = False

    # ------------------------------------------------------------- runner

    STEPS: tuple[tuple[int, str, str, tuple[int, ...]], ...] = (
        (1, "Bundle layout and strict parsing of every entry", "§13, §2.1, §2.3, §11.1", ()),
        (2, "Checkpoint signatures and witness cosignatures", "§12", ()),
        (3, "Checkpoint roots over the entries", "§11.1, §4", (2,)),
        (4, "Consistency between checkpoints", "§12, §4", (2,)),
        (5, "Phase order", "§11.3, §5.1", (1,)),
        (6, "Rule set hash", "§3.1", (1,)),
        (7, "Input trees", "§3.3", (1,)),
        (8, "Participants, commitments and openings", "§5.2, §5.3, §5.4", (1,)),
        (9, "Seeds", "§5.5, §5.6, §5.7", (1,)),
        (10, "Eligibility rejections not in the roster", "§7.1", (1,)),
        (11, "Lottery numbers and results per school", "§6, §7.2–§7.4", (1,)),
        (12, "Bias audit", "§8", (11,)),
        (13, "Payment rounds and promotions", "§7.5", (11,)),
        (14, "Global lock", "§7.6", (13,)),
        (15, "Class grouping", "§9", (1,)),
        (16, "Head-teacher matching", "§10", (1,)),
    )

    def run(self) -> list[StepResult]:
        """Run every step; the cyclic garbage collector is paused meanwhile.

        A city log leaves millions of small acyclic objects alive to the end;
        the collector would rescan them again and again (about a second) and
        free nothing, since no step builds reference cycles.
        """
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if enabled:
                gc.enable()

    def _run(self) -> list[StepResult]:
        funcs: dict[int, Callable[[], str]] = {
            1: self.step_parse, 2: self.step_signatures, 3: self.step_roots,
            4: self.step_consistency, 5: self.step_phases, 6: self.step_rules,
            7: self.step_inputs, 8: self.step_commitments, 9: self.step_seeds,
            10: self.step_rejections, 11: self.step_lottery, 12: self.step_bias,
            13: self.step_payments, 14: self.step_lock, 15: self.step_grouping,
            16: self.step_matching}
        status: dict[int, str] = {}
        for number, name, section, needs in self.STEPS:
            failed = [n for n in needs if status.get(n) != "pass"]
            if failed:
                res = StepResult(number, name, section, "skipped",
                                 f"needs step {', '.join(map(str, failed))}")
            else:
                try:
                    res = StepResult(number, name, section, "pass", funcs[number]())
                except VerificationError as exc:
                    res = StepResult(number, name, section, "fail", exc.diagnostics())
            status[number] = res.status
            self.results.append(res)
        return self.results

    @property
    def ok(self) -> bool:
        return all(r.status == "pass" for r in self.results)

    # -------------------------------------------------------------- steps

    def step_parse(self) -> str:
        """Step 1: read entries.jsonl once; hash raw lines; parse strictly."""
        self.bundle = load(self.root)
        st = self.state
        sha = merkle.leaf_hash
        error: VerificationError | None = None
        for seq, raw in enumerate(self.bundle.lines()):
            st.leaves.append(sha(raw))
            if error is None:
                try:
                    _absorb(st, seq, raw)
                except strict.StrictError as exc:
                    error = VerificationError("parse", "§2.3", f"entry {seq}: {exc}")
        self.lines_read = True
        if error is not None:
            raise error
        if not st.leaves:
            raise VerificationError("parse", "§11.3", "the log is empty")
        return f"{len(st.leaves)} entries of event {st.event}"

    def _key(self) -> note.VerifierKey:
        text = self.options.key_text
        if text is None:
            assert self.bundle is not None
            if self.bundle.log_key is None:
                raise VerificationError("signatures", "§13", "keys/log.vkey is missing")
            text = self.bundle.log_key
        try:
            return note.parse_verifier_key(text)
        except note.NoteError as exc:
            raise VerificationError("signatures", "§12", f"log key: {exc}") from None

    def step_signatures(self) -> str:
        """Step 2: every checkpoint is signed by the log key; cosignatures verify."""
        if self.bundle is None:
            self.bundle = load(self.root)
        key = self._key()
        if not key.name.startswith("sunshine-draw/"):
            raise VerificationError("signatures", "§12",
                                    f"log key name {key.name!r} is not sunshine-draw/<event>")
        if not self.bundle.notes:
            raise VerificationError("signatures", "§12", "no signed checkpoints")
        witnesses = []
        for name, text in self.bundle.witness_keys.items():
            try:
                witnesses.append(note.parse_verifier_key(text))
            except note.NoteError as exc:
                raise VerificationError("signatures", "§12",
                                        f"witness key {name}: {exc}") from None
        cosigned = dict.fromkeys((w.name for w in witnesses), 0)
        for size, text in sorted(self.bundle.notes.items()):
            try:
                n = note.parse_note(text)
                note.verify_note(n, key)
                cp = note.parse_checkpoint(n.text)
            except note.NoteError as exc:
                raise VerificationError("signatures", "§12",
                                        f"checkpoints/{size}.note: {exc}") from None
            if cp.origin != key.name:
                raise VerificationError("signatures", "§12",
                                        f"checkpoint origin {cp.origin!r} is not {key.name!r}")
            if cp.size != size:
                raise VerificationError("signatures", "§13",
                                        f"checkpoints/{size}.note holds size {cp.size}")
            for w in witnesses:
                if any(s.name == w.name and s.key_id == w.key_id for s in n.signatures):
                    try:
                        note.verify_cosignature(n, w)
                    except note.NoteError as exc:
                        raise VerificationError("signatures", "§12",
                                                f"checkpoints/{size}.note: {exc}") from None
                    cosigned[w.name] += 1
            self.notes[size] = n
            self.checkpoints[size] = cp
        if self.state.event is not None and key.name != f"sunshine-draw/{self.state.event}":
            raise VerificationError("signatures", "§12",
                                    f"key name {key.name!r} does not name event "
                                    f"{self.state.event!r}")
        pin = "pinned key" if self.key_pinned else "key NOT pinned (keys/log.vkey; use --key)"
        wit = ", ".join(f"{k}: {v} cosigned" for k, v in cosigned.items()) or "no witnesses"
        return f"{len(self.notes)} checkpoints, {pin}; {wit}"

    def step_roots(self) -> str:
        """Step 3: each checkpoint root is the Merkle root of its first size entries."""
        if not self.lines_read:
            raise VerificationError("roots", "§13", "entries.jsonl could not be read")
        leaves = self.state.leaves
        for size, cp in sorted(self.checkpoints.items()):
            if size > len(leaves):
                raise VerificationError("roots", "§11.1",
                                        f"checkpoint size {size} exceeds {len(leaves)} entries")
            if merkle.root(leaves, size) != cp.root:
                raise VerificationError("roots", "§11.1, §4",
                                        f"checkpoint {size}: root differs from the entries")
        latest = max(self.checkpoints)
        if latest != len(leaves):
            raise VerificationError("roots", "§12",
                                    f"entries {latest}..{len(leaves) - 1} are not covered by a "
                                    "signed checkpoint")
        return f"latest checkpoint covers all {latest} entries"

    def step_consistency(self) -> str:
        """Step 4: successive checkpoints (and --trusted) are consistent (RFC 9162)."""
        if not self.lines_read:
            raise VerificationError("consistency", "§13", "entries.jsonl could not be read")
        leaves = self.state.leaves
        sizes = sorted(s for s in self.checkpoints if 0 < s <= len(leaves))
        for old, new in itertools.pairwise(sizes):
            proof = merkle.consistency_proof(leaves, old, new)
            try:
                merkle.verify_consistency(old, new, self.checkpoints[old].root,
                                          self.checkpoints[new].root, proof)
            except merkle.MerkleProofError as exc:
                raise VerificationError("consistency", "§12",
                                        f"checkpoints {old} → {new}: {exc}") from None
        detail = f"{max(len(sizes) - 1, 0)} consecutive pairs consistent"
        if self.options.trusted_text is not None:
            detail += "; " + self._trusted(sizes[-1] if sizes else 0)
        return detail

    def _trusted(self, latest: int) -> str:
        key = self._key()
        try:
            n = note.parse_note(self.options.trusted_text or "")
            note.verify_note(n, key)
            cp = note.parse_checkpoint(n.text)
        except note.NoteError as exc:
            raise VerificationError("consistency", "§12", f"--trusted: {exc}") from None
        leaves = self.state.leaves
        if cp.size > latest:
            raise VerificationError("consistency", "§12",
                                    f"FORK EVIDENCE: trusted checkpoint has size {cp.size}, the "
                                    f"bundle only {latest} (the log shrank)")
        if cp.size == latest and cp.root != self.checkpoints[latest].root:
            raise VerificationError("consistency", "§12",
                                    f"FORK EVIDENCE: two signed roots for size {cp.size}")
        if cp.size == 0:
            return "trusted checkpoint is the empty tree"
        proof = merkle.consistency_proof(leaves, cp.size, latest)
        try:
            merkle.verify_consistency(cp.size, latest, cp.root, self.checkpoints[latest].root,
                                      proof)
        except merkle.MerkleProofError:
            raise VerificationError("consistency", "§12",
                                    f"FORK EVIDENCE: trusted checkpoint {cp.size} is not a "
                                    f"prefix of the bundle's log") from None
        return f"consistent with trusted checkpoint {cp.size}"

    def step_phases(self) -> str:
        st = self.state
        parts = {c: [p["id"] for p in cer.opened["participants"]]
                 for c, cer in st.ceremonies.items() if cer.opened is not None}
        beacon = st.rules is not None and st.rules["beacon"] is not None
        self.progress = phases.check_order(st.items, parts, beacon)
        return f"event has come as far as: {self.progress}"

    def step_rules(self) -> str:
        st = self.state
        if st.rules is None or st.rules_hash is None:
            raise VerificationError("rules", "§11.3", "no event_created entry")
        if ceremony.rules_hash(st.rules) != st.rules_hash:
            raise VerificationError("rules", "§3.1", "rules_hash differs from H(rules)")
        return st.rules_hash.hex()

    def step_inputs(self) -> str:
        """Step 7: each input root is the §3.3 tree of the records logged before it."""
        out = []
        for name, cer in self.state.ceremonies.items():
            tree = cer.input_tree
            if cer.frozen is None or tree is None:
                continue
            if cer.records_after_freeze:
                raise VerificationError("inputs", "§5.1",
                                        f"{name}: {cer.records_after_freeze} input records "
                                        "logged after input_frozen")
            if tree.duplicate:
                raise VerificationError("inputs", "§3.3", f"{name}: duplicate input record")
            if cer.frozen["size"] != tree.size or cer.frozen["root"] != tree.root.hex():
                raise VerificationError("inputs", "§3.3",
                                        f"{name}: input root/size differ from the records")
            out.append(f"{name} {tree.size} records")
        self._unique_ids()
        return ", ".join(out) or "no input frozen yet"

    def _unique_ids(self) -> None:
        st = self.state
        if len({a.reg for a in st.applicants}) != len(st.applicants):
            raise VerificationError("inputs", "§1", "a registration number appears twice")
        if len({p.reg for p in st.pupils}) != len(st.pupils):
            raise VerificationError("inputs", "§1", "a pupil registration number appears twice")

    def step_commitments(self) -> str:
        st = self.state
        event = st.event or ""
        n = 0
        checked: list[str] = []
        warnings: list[str] = []
        for name, cer in st.ceremonies.items():
            if cer.opened is None:
                continue
            ps = cer.opened["participants"]
            if ceremony.participants_hash(ps).hex() != cer.opened["participants_hash"]:
                raise VerificationError("commitments", "§5.2",
                                        f"{name}: participants_hash differs")
            for p, sec in cer.openings.items():
                com = cer.commitments.get(p)
                if com is None:
                    raise VerificationError("commitments", "§5.3",
                                            f"{name}: {p} opened without a commitment")
                if sec is not None and (len(sec) != 32 or ceremony.commitment(
                        event, name, p, sec).hex() != com["commitment"]):
                    raise VerificationError("commitments", "§5.3, §5.4",
                                            f"{name}: {cer.opening_kind[p]} of {p} does not "
                                            "match its commitment")
                n += 1
            if cer.released_key is not None:
                checked.append(name)
                warnings += self._escrows(name, cer)
        detail = f"{n} openings match their commitments"
        if checked:
            detail += f"; escrows checked with the released key of {', '.join(checked)}"
        if warnings:
            detail += "; WARNING: " + "; ".join(warnings)
        return detail

    def _escrows(self, name: str, cer: Ceremony) -> list[str]:
        """§5.4 key release: re-open every escrow of the ceremony with the released key.

        escrow_opened must equal the escrow's plaintext and an escrow-invalid void
        must really not open (failures); a reveal whose escrow would not have opened
        is only a warning (the participant sealed junk, §16).
        """
        key = cer.released_key
        assert key is not None and cer.opened is not None
        if ceremony.escrow_public_key(key).hex() != strict.b64_bytes(
                cer.opened["escrow_key"], 32).hex():
            raise VerificationError("commitments", "§5.4",
                                    f"{name}: released escrow key is not the ceremony's "
                                    "escrow_key")
        event = self.state.event or ""
        warnings = []
        for p, kind in sorted(cer.opening_kind.items()):
            com = cer.commitments.get(p)
            if com is None:
                continue
            escrow = strict.b64_bytes(com["escrow"], 80)
            opened = ceremony.escrow_opens(event, name, p, escrow,
                                           bytes.fromhex(com["commitment"]), key)
            if kind == "escrow_opened" and (opened is None or opened != cer.openings[p]):
                raise VerificationError("commitments", "§5.4",
                                        f"{name}: escrow_opened secret of {p} is not the "
                                        "plaintext of its escrow")
            if kind == "contribution_void" and cer.void_reason.get(p) == "escrow-invalid" \
                    and opened is not None:
                raise VerificationError("commitments", "§5.4",
                                        f"{name}: {p} was voided as escrow-invalid, but its "
                                        "escrow opens with the released key")
            if kind == "reveal" and opened is None:
                warnings.append(f"{name}: the escrow of {p} would not have opened "
                                "(junk sealed; its reveal stands)")
        return warnings

    def step_seeds(self) -> str:
        st = self.state
        rules = st.rules
        if rules is None or st.rules_hash is None:
            raise VerificationError("seeds", "§11.3", "no rule set")
        done = []
        for name, cer in st.ceremonies.items():
            if cer.seed is None:
                continue
            assert cer.opened is not None and cer.frozen is not None
            assert cer.physical is not None
            if len(cer.physical["values"]) != rules["dice"]:
                raise VerificationError("seeds", "§5.5",
                                        f"{name}: {len(cer.physical['values'])} dice, rules say "
                                        f"{rules['dice']}")
            chain = rules["beacon"]
            if (chain is None) != (cer.opened["beacon_round"] is None):
                raise VerificationError("seeds", "§5.6", f"{name}: beacon_round vs rules.beacon")
            beacon = None
            if chain is not None:
                b_ = cer.beacon
                if b_ is None or b_["chain"] != chain["chain"] or \
                        b_["round"] != cer.opened["beacon_round"]:
                    raise VerificationError("seeds", "§5.6",
                                            f"{name}: beacon chain or round differs")
                beacon = bytes.fromhex(b_["randomness"])
            contributions = [(p, bytes.fromhex(cer.commitments[p]["commitment"]),
                              cer.openings[p]) for p in cer.commitments]
            want = ceremony.seed(st.event, name, st.rules_hash,
                                 bytes.fromhex(cer.opened["participants_hash"]),
                                 bytes.fromhex(cer.frozen["root"]), cer.frozen["size"],
                                 contributions, cer.physical["values"], beacon)
            if want != cer.seed:
                raise VerificationError("seeds", "§5.7", f"{name}: seed differs from §5.7")
            done.append(name)
        return ", ".join(done) + " recomputed" if done else "no seed drawn yet"

    def step_rejections(self) -> str:
        rejected = {r["reg"] for r in self.state.rejections}
        if rejected:
            for a in self.state.applicants:
                if a.reg in rejected:
                    raise VerificationError("eligibility", "§7.1",
                                            f"rejected {a.reg} appears among the input records")
        return f"{len(self.state.rejections)} rejections, none in the roster"

    def step_lottery(self) -> str:
        st = self.state
        cer = st.ceremonies.get("lottery")
        if not st.results:
            return "no lottery results yet"
        if cer is None or cer.seed is None or st.rules is None:
            raise VerificationError("lottery", "§11.3", "results without a lottery seed")
        number = ceremony.keyed(cer.seed, ceremony.TAG_NUMBER)
        by_school: dict[str, list[draw.Applicant]] = {s_: [] for s_ in st.schools}
        for a in st.applicants:
            if a.school not in by_school:
                raise VerificationError("lottery", "§3.2", f"{a.reg} applies to unknown school")
            by_school[a.school].append(a)
        if set(st.results) != set(st.schools):
            missing = sorted(set(st.schools) - set(st.results))
            raise VerificationError("lottery", "§11.2",
                                    f"lottery_results missing or extra for {missing}")
        n = 0
        for sid in sorted(st.schools):
            _parts_complete(st.lottery_parts[sid], f"lottery_results {sid}")
            d = draw.allocate(st.schools[sid], by_school[sid], number,
                              st.rules["waitlist_promotion"])
            self.draws[sid] = d
            if st.summaries.get(sid) != d.summary:
                raise VerificationError("lottery", "§7.2, §7.3",
                                        f"school {sid}: summary differs from the recomputation")
            # Each side is needed only for this comparison: free both as we go, so
            # the city's 10^5 records are never held twice.
            logged = st.results.pop(sid)
            if logged != d.records:
                if logged.keys() != d.records.keys():
                    raise VerificationError("lottery", "§7.4",
                                            f"school {sid}: results do not list exactly its "
                                            "applicants")
                reg, rec = next((r, x) for r, x in d.records.items() if logged[r] != x)
                raise VerificationError("lottery", "§6, §7.4",
                                        f"school {sid}, {reg}: logged {logged[reg]} but "
                                        f"recomputed {rec}")
            n += len(d.records)
            d.records.clear()
        return f"{len(self.draws)} schools, {n} applicants recomputed"

    def step_bias(self) -> str:
        if self.state.bias is None:
            return "no bias audit yet"
        pools = [p for sid in sorted(self.draws) for p in self.draws[sid].pools]
        want = bias.audit(pools)
        got = self.state.bias
        if len(got) != len(want) or not all(bias.same(w, g) for w, g in zip(want, got,
                                                                               strict=False)):
            raise VerificationError("bias", "§8", "bias audit differs from the recomputation")
        flags = [d["dimension"] for d in got if d["flag"]]
        return f"{len(pools)} pools; flagged: {', '.join(flags) or 'none'}"

    def step_payments(self) -> str:
        st = self.state
        if st.rules is None:
            raise VerificationError("payments", "§3.1", "no rule set")
        pay = draw.Payments(self.draws, st.rules["waitlist_promotion"])
        self.payments = pay
        for rnd in st.rounds:
            r = rnd["round"]
            want = pay.play(r, rnd["forfeited"], rnd["locked_elsewhere"])
            got = {p["school"]: (p["promoted"], p["returned_to_bureau"])
                   for p in st.promotions.get(r, [])}
            if len(got) != len(st.promotions.get(r, [])) or got != want:
                raise VerificationError("payments", "§7.5",
                                        f"round {r}: promotions differ from the recomputation")
        extra = set(st.promotions) - {r["round"] for r in st.rounds}
        if extra:
            raise VerificationError("payments", "§7.5", f"promotions for unknown rounds {extra}")
        if st.payments_closed is not None and (
                st.payments_closed != len(st.rounds) or (st.rounds and not pay.ended)):
            raise VerificationError("payments", "§7.5",
                                        "payments_closed before a round without promotions")
        return f"{len(st.rounds)} rounds replayed"

    def step_lock(self) -> str:
        pay = self.payments
        assert pay is not None
        for reg in pay.offers:
            if reg in pay.locked:
                raise VerificationError("lock", "§7.6", f"{reg} is locked elsewhere yet admitted")
        return f"{len(pay.offers)} admissions, each held once"

    def step_grouping(self) -> str:
        st = self.state
        cer = st.ceremonies.get("grouping")
        if not st.grouping:
            return "no grouping results yet"
        if cer is None or cer.seed is None:
            raise VerificationError("grouping", "§11.3", "grouping results without a seed")
        by_school: dict[str, list[grouping.Pupil]] = {}
        for p in st.pupils:
            by_school.setdefault(p.school, []).append(p)
        if set(st.grouping) != set(by_school):
            raise VerificationError("grouping", "§9", "grouping_results schools differ from "
                                    "the pupils' schools")
        for sid, pupils in sorted(by_school.items()):
            _parts_complete(st.grouping_parts[sid], f"grouping_results {sid}")
            plan = st.plans.get(sid)
            if plan is None:
                raise VerificationError("grouping", "§9", f"no class plan for school {sid}")
            try:
                want = grouping.group_school(cer.seed, sid, pupils, plan)
            except grouping.GroupingError as exc:
                raise VerificationError("grouping", "§9", str(exc)) from None
            if want != st.grouping[sid]:
                bad = sorted(r for r in want if st.grouping[sid].get(r) != want[r])
                raise VerificationError("grouping", "§9",
                                        f"school {sid}: classes differ for {bad[:5]}")
        return f"{len(by_school)} schools, {len(st.pupils)} pupils recomputed"

    def step_matching(self) -> str:
        st = self.state
        cer = st.ceremonies.get("teachers")
        if not st.matching:
            return "no matching results yet"
        if cer is None or cer.seed is None:
            raise VerificationError("matching", "§11.3", "matching results without a seed")
        if set(st.matching) != set(st.teachers):
            raise VerificationError("matching", "§10", "matching_results schools differ from "
                                    "the teachers' schools")
        for sid, teachers in sorted(st.teachers.items()):
            plan = st.plans.get(sid)
            if plan is None:
                raise VerificationError("matching", "§10", f"no class plan for school {sid}")
            try:
                want = matching.match_school(cer.seed, sid, teachers, plan)
            except matching.MatchingError as exc:
                raise VerificationError("matching", "§10", str(exc)) from None
            if want != st.matching[sid]:
                raise VerificationError("matching", "§10", f"school {sid}: pairs differ")
        return f"{len(st.teachers)} schools recomputed"
