"""Steps 2–4: checkpoint signatures and the witness policy, roots over the entries,
consistency (§12, §13.1, §4)."""

from __future__ import annotations

from verifier import merkle, note, policy, records
from verifier.errors import NotChecked, VerificationError
from verifier.steps.context import Context
from verifier.strict import StrictError


def _fail(message: str, section: str = "§12") -> VerificationError:
    return VerificationError("signatures", section, message)


def _policy(ctx: Context, key: note.VerifierKey) -> policy.Policy | None:
    text = ctx.options.policy_text
    where = "--policy"
    if text is None:
        text, where = ctx.load_bundle().policy, "keys/tlog-policy.txt"
    if text is None:
        return None
    try:
        pol = policy.parse_policy(text)
    except policy.PolicyError as exc:
        raise _fail(f"{where}: {exc}", "§13.1") from None
    if pol.logs and all(k.public_key != key.public_key or k.name != key.name
                        for k in pol.logs):
        raise _fail(f"{where} lists no log key equal to the log's key {key.name}", "§13.1")
    return pol


def _bundle_witnesses(ctx: Context) -> list[note.VerifierKey]:
    out = []
    for label, text in ctx.load_bundle().witness_keys.items():
        try:
            out.append(note.parse_verifier_key(text))
        except note.NoteError as exc:
            raise _fail(f"keys/witness-{label}.vkey: {exc}", "§13") from None
    return out


def signatures(ctx: Context) -> str:
    """Step 2: every checkpoint is signed by the log key, whose name is the origin (§12.1);
    listed witnesses' cosignatures verify; the latest checkpoint meets the policy."""
    bundle = ctx.load_bundle()
    key = ctx.log_key()
    try:
        records.origin(key.name, "log key name")
    except StrictError as exc:
        raise _fail(str(exc), "§12.1") from None
    if not bundle.notes:
        raise _fail("no signed checkpoints")
    pol = _policy(ctx, key)
    in_keys = _bundle_witnesses(ctx)
    if pol is not None:  # §13: the bundle's witness keys are the policy's
        listed = {(w.name, w.public_key) for w in pol.witnesses.values()}
        stray = [w.name for w in in_keys if (w.name, w.public_key) not in listed]
        if stray:
            raise _fail(f"keys/ holds a witness key of {stray[0]} that the policy does not "
                        "list", "§13, §13.1")
    witnesses = list(pol.witnesses.values()) if pol is not None else in_keys
    for size, text in sorted(bundle.notes.items()):
        try:
            n = note.parse_note(text)
            note.verify_note(n, key)
            cp = note.parse_checkpoint(n.text)
        except note.NoteError as exc:
            raise _fail(f"checkpoints/{size}.note: {exc}") from None
        if cp.origin != key.name:
            raise _fail(f"checkpoints/{size}.note: origin {cp.origin!r} is not the log key's "
                        f"name {key.name!r}", "§12.1")
        if cp.size != size:
            raise _fail(f"checkpoints/{size}.note holds size {cp.size}", "§13")
        for w in witnesses:  # signed note: a line of a known key must verify (§12.3)
            if any(s.name == w.name and s.key_id == w.key_id for s in n.signatures):
                try:
                    note.verify_cosignature(n, w)
                except note.NotCheckedError:
                    pass  # counts as absent, reported below
                except note.NoteError as exc:
                    raise _fail(f"checkpoints/{size}.note: {exc}") from None
        ctx.notes[size] = n
        ctx.checkpoints[size] = cp
    latest = max(bundle.notes)
    pin = "pinned key" if ctx.key_pinned else "key NOT pinned (keys/log.vkey; use --key)"
    head = f"{len(ctx.notes)} checkpoints signed by {key.name}, {pin}"
    if pol is None:
        names = sorted({w.name for w in witnesses
                        if any(s.name == w.name for s in ctx.notes[latest].signatures)})
        raise NotChecked(f"{head}; latest checkpoint {latest} cosigned by {len(names)} "
                         f"witness(es) of keys/ ({', '.join(names) or 'none'}); quorum not "
                         "checked: no keys/tlog-policy.txt and no --policy (§13.1)")
    try:
        q = policy.check_quorum(bundle.notes[latest], pol)
    except note.NoteError as exc:
        raise _fail(f"checkpoints/{latest}.note: {exc}") from None
    ctx.quorum = q
    if q.invalid:
        raise _fail(f"checkpoints/{latest}.note: invalid signatures of {', '.join(q.invalid)}")
    cosigned = (f"latest checkpoint {latest} cosigned by {len(q.cosigned)} of "
                f"{len(pol.witnesses)} witness(es) ({', '.join(q.cosigned) or 'none'})")
    if q.not_checked:
        cosigned += (f"; {', '.join(q.not_checked)}: ML-DSA-44 cosignature not checked "
                     "(this cryptography build has none), counted as absent")
    if not q.met:
        raise _fail(f"{head}; {cosigned}: the witness policy's quorum is NOT met", "§13.1")
    return f"{head}; {cosigned}; quorum met"


def roots(ctx: Context) -> str:
    """Step 3: each checkpoint root is the Merkle root of its first size entries."""
    if not ctx.lines_read:
        raise VerificationError("roots", "§13", "entries.jsonl could not be read")
    n = ctx.state.entries
    for size, cp in sorted(ctx.checkpoints.items()):
        if size > n:
            raise VerificationError("roots", "§11.1",
                                    f"checkpoint size {size} exceeds the {n} entries")
        if ctx.state.roots.get(size, merkle.EMPTY_ROOT if size == 0 else None) != cp.root:
            raise VerificationError("roots", "§11.1, §4",
                                    f"checkpoint {size}: root differs from the entries")
    latest = max(ctx.checkpoints, default=0)
    if latest != n:
        raise VerificationError("roots", "§12",
                                f"entries {latest}..{n - 1} are not covered by a signed "
                                "checkpoint")
    return f"latest checkpoint covers all {latest} entries"


def consistency(ctx: Context) -> str:
    """Step 4: the checkpoints (and --trusted) are consistent (RFC 9162 §2.1.4).

    Every checkpoint's root was recomputed from a prefix of the one entry sequence
    (step 1), so any two that step 3 matched are consistent by construction; a
    trusted checkpoint is compared with the root of the same prefix.
    """
    if not ctx.lines_read:
        raise VerificationError("consistency", "§13", "entries.jsonl could not be read")
    sizes = sorted(ctx.checkpoints)
    detail = (f"{len(sizes)} checkpoints are prefixes of one log "
              "(each root recomputed from the same entries)")
    text = ctx.options.trusted_text
    if text is not None:
        detail += "; " + _trusted(ctx, text, ctx.state.entries)
    return detail


def _trusted(ctx: Context, text: str, latest: int) -> str:
    key = ctx.log_key()
    try:
        n = note.parse_note(text)
        note.verify_note(n, key)
        cp = note.parse_checkpoint(n.text)
    except note.NoteError as exc:
        raise VerificationError("consistency", "§12", f"--trusted: {exc}") from None
    if cp.origin != key.name:
        raise VerificationError("consistency", "§12",
                                f"--trusted is a checkpoint of {cp.origin!r}, not this log")
    if cp.size > latest:
        raise VerificationError("consistency", "§12",
                                f"ROLLBACK EVIDENCE: trusted checkpoint has size {cp.size}, the "
                                f"bundle only {latest} (the log shrank)")
    ours = ctx.state.roots.get(cp.size, merkle.EMPTY_ROOT if cp.size == 0 else None)
    if ours != cp.root:
        raise VerificationError("consistency", "§12",
                                f"FORK EVIDENCE: the trusted checkpoint {cp.size} is not a "
                                "prefix of the bundle's log")
    return f"consistent with trusted checkpoint {cp.size}"
