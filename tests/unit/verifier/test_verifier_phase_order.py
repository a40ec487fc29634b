"""The verifier's phase order against tests/vectors/phase_order.json (PROTOCOL.md v2 §11.3,
§5.1): every valid log passes, every invalid one fails at its last entry with the
rule the case names, and every listed rule has at least one negative case."""

from __future__ import annotations

import pytest

from tests.phase_order_cases import Case, Entry, load
from verifier import log, phases, records

RULES, CASES = load()


def _items(entries: tuple[Entry, ...]) -> list[phases.Item]:
    return [log.item_of(seq, e.type, e.time, e.body) for seq, e in enumerate(entries)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_phase_order_vector(case: Case) -> None:
    items = _items(case.log)
    if case.violates is None:
        phases.check_order(items, case.beacon, case.rehearsal)
        return
    if len(items) > 1:  # the log before the last entry is in order
        phases.check_order(items[:-1], case.beacon, case.rehearsal)
    with pytest.raises(phases.PhaseError) as err:
        phases.check_order(items, case.beacon, case.rehearsal)
    assert err.value.seq == len(items) - 1, err.value.diagnostics()
    assert err.value.rule.value == case.violates, err.value.diagnostics()


def test_every_rule_has_a_negative_case_and_is_the_verifiers() -> None:
    negative = {c.violates for c in CASES if c.violates is not None}
    assert negative == set(RULES) == {r.value for r in phases.Rule}


def test_phase_order_knows_every_entry_type() -> None:
    """A new entry type (§11.2) cannot be parsed without a phase-order rule."""
    assert set(records.BODIES) == phases.TYPES


def test_every_entry_type_appears_in_a_valid_case() -> None:
    """The valid cases exercise every §11.2 type, so no handler is only ever refused."""
    seen = {e.type for c in CASES if c.violates is None for e in c.log}
    assert seen == phases.TYPES
