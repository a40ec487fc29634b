"""The verifier's §15 register reading against tests/vectors/register.json (S9)."""

from __future__ import annotations

import pytest

from tests.register_cases import Case, load
from verifier import register

CASES = load()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_S9_register_vector(case: Case) -> None:
    if case.error is not None:
        with pytest.raises(register.RegisterError) as err:
            register.parse(case.data)
        assert (err.value.code, err.value.row) == case.error, str(err.value)
        return
    assert list(register.parse(case.data).items()) == case.rows
