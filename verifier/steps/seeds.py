"""Step 12: seeds (§5.5, §5.7)."""

from __future__ import annotations

from verifier import ceremony
from verifier.errors import VerificationError
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    st = ctx.state
    rules, rules_hash, event = st.rules, st.rules_hash, st.event
    if rules is None or rules_hash is None or event is None:
        raise VerificationError("seeds", "§11.3", "no rule set")
    done = []
    for name, cer in st.ceremonies.items():
        entry = cer.seed
        if entry is None:
            continue
        opened, frozen, physical = cer.opened, cer.frozen, cer.physical
        if opened is None or frozen is None or physical is None:
            raise VerificationError("seeds", "§5.1", f"{name}: seed without its ceremony steps")
        if len(physical.values) != rules.dice:
            raise VerificationError("seeds", "§5.5", f"{name}: {len(physical.values)} dice, "
                                    f"the rules say {rules.dice}")
        if (entry.input_root, entry.input_size) != (frozen.root, frozen.size):
            raise VerificationError("seeds", "§5.7", f"{name}: the seed entry's input_root and "
                                    "input_size are not the last input_frozen's")
        beacon = None
        if rules.beacon is not None:
            if cer.beacon is None:
                raise VerificationError("seeds", "§5.6", f"{name}: seed without its beacon")
            beacon = bytes.fromhex(cer.beacon["randomness"])
        contributions: list[tuple[str, bytes | None, bytes | None]] = []
        for p in opened.participants:
            s = cer.settlements.get(p)
            if s is None:
                raise VerificationError("seeds", "§5.1", f"{name}: {p} is not settled")
            com = cer.commitments.get(p)
            contributions.append((p, None if com is None else com.commitment, s.secret))
        want = ceremony.seed(event, name, rules_hash, opened.participants_hash, frozen.root,
                             frozen.size, contributions, physical.values, beacon)
        if want != entry.seed:
            raise VerificationError("seeds", "§5.7", f"{name}: seed differs from §5.7")
        done.append(name)
    return ", ".join(done) + " recomputed" if done else "no seed drawn yet"
