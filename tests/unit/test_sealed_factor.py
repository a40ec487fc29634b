"""The second factor sealed at import for the family's shard (§18.3, service/keys.py):
it opens only for the event and registration number it was sealed for, and only with the
data directory's own lookup.key; the sealed text never shows the digits."""

from __future__ import annotations

from pathlib import Path

import pytest

from lottery_service.errors import ConfigurationError
from lottery_service.service.keys import ServiceKeys


def test_a_sealed_factor_opens_only_where_it_was_sealed(tmp_path: Path) -> None:
    keys = ServiceKeys.load(tmp_path / "a")
    sealed = keys.seal_factor("demo-2026", "2026000001", "123x")
    assert "123X" not in sealed and "123x" not in sealed
    assert keys.open_factor("demo-2026", "2026000001", sealed) == "123X"  # upper case
    assert keys.seal_factor("demo-2026", "2026000001", "123X") != sealed  # a fresh nonce
    for event, reg in (("demo-2026", "2026000002"), ("demo-2027", "2026000001")):
        with pytest.raises(ConfigurationError, match=r"lookup\.key"):
            keys.open_factor(event, reg, sealed)
    other = ServiceKeys.load(tmp_path / "b")
    with pytest.raises(ConfigurationError, match=r"lookup\.key"):
        other.open_factor("demo-2026", "2026000001", sealed)
