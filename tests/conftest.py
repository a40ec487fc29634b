"""Shared fixtures (see tests/support.py for the backends)."""

from __future__ import annotations

import pytest

from tests.support import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each service test runs on SQLite and, where available, PostgreSQL."""
    value: str = request.param
    return value
