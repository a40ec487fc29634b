"""Step 11: the drand beacon (§5.6): the chain, each ceremony's schedule and round.

Without `py_ecc` the BLS signature and the chain key's subgroup check cannot be
computed: the step then says *not checked* for exactly those, never passed.
"""

from __future__ import annotations

from verifier import beacon
from verifier.errors import NotChecked, VerificationError
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    st = ctx.state
    rules = st.rules
    if rules is None:
        raise VerificationError("beacon", "§11.3", "no rule set")
    if rules.beacon is None:
        for name, cer in st.ceremonies.items():
            if cer.opened is not None and cer.opened.beacon_round is not None:
                raise VerificationError("beacon", "§5.6", f"{name}: a beacon round, but the "
                                        "rules name no chain")
        return "no beacon (rules.beacon is null): physical_entropy_by and beacon_round null"
    chain = beacon.parse_chain(rules.beacon)
    ctx.chain = chain
    unchecked = chain.public_key_checked is beacon.SignatureStatus.NOT_CHECKED
    out = [f"chain {chain.chain.hex()[:16]}… (period {chain.period} s)"]
    for name, cer in st.ceremonies.items():
        if cer.opened is None:
            continue
        if cer.opened.beacon_round is None:
            raise VerificationError("beacon", "§5.6", f"{name}: no beacon round although the "
                                    "rules name a chain")
        due = beacon.round_in_force(chain, cer.schedule)
        said = f"{name}: round {due}"
        if cer.postponements:
            said += f" after {cer.postponements} postponement(s)"
        if cer.beacon is not None:
            got = beacon.check_entry(chain, cer.beacon, due)
            unchecked = unchecked or got.status is beacon.SignatureStatus.NOT_CHECKED
            said += (" verified" if got.status is beacon.SignatureStatus.VERIFIED
                     else " (randomness = SHA-256(signature) checked)")
        else:
            said += " not yet logged"
        out.append(said)
    detail = "; ".join(out)
    if unchecked:
        raise NotChecked(f"{detail}; {beacon.NOT_CHECKED} (nor the chain key's subgroup)")
    return detail
