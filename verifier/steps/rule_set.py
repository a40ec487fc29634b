"""Step 6: the rule set, its hash and its origin (§3.1, §12.1, §19)."""

from __future__ import annotations

from verifier import ceremony
from verifier.errors import VerificationError
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    st = ctx.state
    rules = st.rules
    if rules is None or st.rules_hash is None:
        raise VerificationError("rules", "§11.3", "no event_created entry")
    if ceremony.tagged_hash(ceremony.TAG_RULES, rules.canon) != st.rules_hash:
        raise VerificationError("rules", "§3.1", "rules_hash differs from H(rules)")
    key = ctx.log_key()
    if rules.origin != key.name:
        raise VerificationError("rules", "§12.1",
                                f"rules.origin {rules.origin!r} is not the log key's name "
                                f"{key.name!r}")
    kind = "REHEARSAL (演练, §19)" if rules.rehearsal else "official event"
    chain = "no beacon" if rules.beacon is None else "drand beacon (step 11)"
    return f"{st.rules_hash.hex()}; origin {rules.origin}; {kind}; {chain}"
