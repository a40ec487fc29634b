"""A bounded schemathesis run over every operation of the published OpenAPI (issue 9).

Every operation is called with generated inputs against an event that exists (so paths
reach the real handlers, not only the 404 of an unknown event), once with no token, once
with the operator's token and once with a school's. The checks: never a 5xx, every
answer's status is one the schema documents for that operation, and every body matches
the documented schema ("never a traceback or HTTP 500 for a user", COMMON principles).
Bounded and derandomised: the same inputs on every run, a few examples per operation.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from lottery_service.api import create_app
from tests.integration.api.conftest import APPLICANTS, OPERATOR, Season, auth, runtime_at

EVENT = "fuzz-2026"
EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# The event stream answers until the client goes away (its own tests read it with a
# deadline, tests/integration/api/test_serve.py); a generated call would never end.
ENDLESS = {"/api/v1/events/{event_id}/stream"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    """The app of one runtime with a registered event, and the callers' tokens."""
    rt = runtime_at(tmp_path_factory.mktemp("fuzz"))
    app = create_app(rt, operator=OPERATOR)
    with TestClient(app) as client:
        season = Season(client, EVENT)
        season.create()
        season.register(APPLICANTS)
        callers = {"anonymous": "", "operator": OPERATOR,
                   "school": season.token("school", "S001")}
        yield app, callers
    rt.close()


def _failures(app: Any, token: str) -> list[str]:
    """Run every operation with generated cases; the failures, one line each."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = auth(token) if token else {}
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in ENDLESS:
            continue

        cases = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                          operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(case=cases, real=st.booleans())
        def run(case: Any, real: bool) -> None:
            if "event_id" in (case.path_parameters or {}) and real:
                case.path_parameters["event_id"] = EVENT  # reach the real handlers
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (AssertionError, BaseExceptionGroup) as exc:  # a check failed, shrunk
            found.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    return found


@pytest.mark.parametrize("caller", ["anonymous", "operator", "school"])
def test_no_server_error_and_no_schema_violation(api: tuple[Any, dict[str, str]],
                                                 caller: str) -> None:
    app, callers = api
    failures = _failures(app, callers[caller])
    assert not failures, "\n".join(failures)
