"""The verifier's phase order against tests/vectors/phase_order.json (PROTOCOL.md §11.3,
§5.1): every valid log passes, every invalid one fails at its last entry with the
rule the case names, and every listed rule has at least one negative case."""

from __future__ import annotations

import pytest

from tests.phase_order_cases import Case, Entry, load
from verifier import phases, records

RULES, CASES = load()


def _items(log: tuple[Entry, ...]) -> list[phases.Item]:
    items = []
    for seq, e in enumerate(log):
        b = e.body
        items.append(phases.Item(
            seq, e.type, b.get("ceremony"), b.get("participant"),
            tuple(p["id"] for p in b.get("participants", ())), b.get("reason"),
            b.get("refers_to")))
    return items


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_phase_order_vector(case: Case) -> None:
    items = _items(case.log)
    if case.violates is None:
        phases.check_order(items, case.beacon)
        return
    if len(items) > 1:  # the log before the last entry is in order
        phases.check_order(items[:-1], case.beacon)
    with pytest.raises(phases.PhaseError) as err:
        phases.check_order(items, case.beacon)
    assert err.value.seq == len(items) - 1, err.value.diagnostics()
    assert err.value.rule.value == case.violates, err.value.diagnostics()


def test_every_rule_has_a_negative_case_and_is_the_verifiers() -> None:
    negative = {c.violates for c in CASES if c.violates is not None}
    assert negative == set(RULES) == {r.value for r in phases.Rule}


def test_phase_order_knows_every_entry_type() -> None:
    """A new entry type (§11.2) cannot be parsed without a phase-order rule."""
    assert set(records.BODIES) == phases.TYPES
