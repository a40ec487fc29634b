"""Step 6: the rule set hash (§3.1)."""

from __future__ import annotations

from verifier import ceremony
from verifier.errors import VerificationError
from verifier.steps.context import Context


def check(ctx: Context) -> str:
    st = ctx.state
    if st.rules is None or st.rules_hash is None:
        raise VerificationError("rules", "§11.3", "no event_created entry")
    if ceremony.tagged_hash(ceremony.TAG_RULES, st.rules.canon) != st.rules_hash:
        raise VerificationError("rules", "§3.1", "rules_hash differs from H(rules)")
    return st.rules_hash.hex()
