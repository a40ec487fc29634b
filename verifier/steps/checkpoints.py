"""Steps 2–4: checkpoint signatures, roots over the entries, consistency (§12, §4)."""

from __future__ import annotations

import itertools

from verifier import merkle, note
from verifier.errors import VerificationError
from verifier.steps.context import Context


def signatures(ctx: Context) -> str:
    """Step 2: every checkpoint is signed by the log key; cosignatures verify."""
    bundle = ctx.load_bundle()
    key = ctx.log_key()
    if not key.name.startswith("sunshine-draw/"):
        raise VerificationError("signatures", "§12",
                                f"log key name {key.name!r} is not sunshine-draw/<event>")
    if not bundle.notes:
        raise VerificationError("signatures", "§12", "no signed checkpoints")
    witnesses = []
    for name, text in bundle.witness_keys.items():
        try:
            witnesses.append(note.parse_verifier_key(text))
        except note.NoteError as exc:
            raise VerificationError("signatures", "§12",
                                    f"witness key {name}: {exc}") from None
    cosigned = dict.fromkeys((w.name for w in witnesses), 0)
    for size, text in sorted(bundle.notes.items()):
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
        ctx.notes[size] = n
        ctx.checkpoints[size] = cp
    event = ctx.state.event
    if event is not None and key.name != f"sunshine-draw/{event}":
        raise VerificationError("signatures", "§12",
                                f"key name {key.name!r} does not name event {event!r}")
    pin = "pinned key" if ctx.key_pinned else "key NOT pinned (keys/log.vkey; use --key)"
    wit = ", ".join(f"{k}: {v} cosigned" for k, v in cosigned.items()) or "no witnesses"
    return f"{len(ctx.notes)} checkpoints, {pin}; {wit}"


def _leaves(ctx: Context, step: str) -> list[bytes]:
    if not ctx.lines_read:
        raise VerificationError(step, "§13", "entries.jsonl could not be read")
    return ctx.state.leaves


def roots(ctx: Context) -> str:
    """Step 3: each checkpoint root is the Merkle root of its first size entries."""
    leaves = _leaves(ctx, "roots")
    for size, cp in sorted(ctx.checkpoints.items()):
        if size > len(leaves):
            raise VerificationError("roots", "§11.1",
                                    f"checkpoint size {size} exceeds {len(leaves)} entries")
        if merkle.root(leaves, size) != cp.root:
            raise VerificationError("roots", "§11.1, §4",
                                    f"checkpoint {size}: root differs from the entries")
    latest = max(ctx.checkpoints, default=0)
    if latest != len(leaves):
        raise VerificationError("roots", "§12",
                                f"entries {latest}..{len(leaves) - 1} are not covered by a "
                                "signed checkpoint")
    return f"latest checkpoint covers all {latest} entries"


def consistency(ctx: Context) -> str:
    """Step 4: successive checkpoints (and --trusted) are consistent (RFC 9162)."""
    leaves = _leaves(ctx, "consistency")
    sizes = sorted(s for s in ctx.checkpoints if 0 < s <= len(leaves))
    for old, new in itertools.pairwise(sizes):
        proof = merkle.consistency_proof(leaves, old, new)
        try:
            merkle.verify_consistency(old, new, ctx.checkpoints[old].root,
                                      ctx.checkpoints[new].root, proof)
        except merkle.MerkleProofError as exc:
            raise VerificationError("consistency", "§12",
                                    f"checkpoints {old} → {new}: {exc}") from None
    detail = f"{max(len(sizes) - 1, 0)} consecutive pairs consistent"
    if ctx.options.trusted_text is not None:
        detail += "; " + _trusted(ctx, ctx.options.trusted_text, sizes[-1] if sizes else 0)
    return detail


def _trusted(ctx: Context, text: str, latest: int) -> str:
    key = ctx.log_key()
    try:
        n = note.parse_note(text)
        note.verify_note(n, key)
        cp = note.parse_checkpoint(n.text)
    except note.NoteError as exc:
        raise VerificationError("consistency", "§12", f"--trusted: {exc}") from None
    if cp.size > latest:
        raise VerificationError("consistency", "§12",
                                f"FORK EVIDENCE: trusted checkpoint has size {cp.size}, the "
                                f"bundle only {latest} (the log shrank)")
    if cp.size == 0:
        return "trusted checkpoint is the empty tree"
    ours = ctx.checkpoints[latest].root
    if cp.size == latest and cp.root != ours:
        raise VerificationError("consistency", "§12",
                                f"FORK EVIDENCE: two signed roots for size {cp.size}")
    proof = merkle.consistency_proof(ctx.state.leaves, cp.size, latest)
    try:
        merkle.verify_consistency(cp.size, latest, cp.root, ours, proof)
    except merkle.MerkleProofError:
        raise VerificationError("consistency", "§12",
                                f"FORK EVIDENCE: trusted checkpoint {cp.size} is not a "
                                f"prefix of the bundle's log") from None
    return f"consistent with trusted checkpoint {cp.size}"
