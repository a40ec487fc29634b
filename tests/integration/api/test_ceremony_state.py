"""The hall screen's reads over HTTP (api/routes/stream.py): the compact state, name
pages and the entry stream, on version-2 log files (tests/hall_log.py) and, for the
wiring, on the service's own log (both database backends)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from lottery_service.runtime import Runtime
from tests.browser.hall_support import hall_app
from tests.hall_log import Log, hall_schools, season

from .conftest import Season

EVENT = "hall-2026"


@pytest.fixture(scope="module")
def log() -> Log:
    return season(EVENT, hall_schools(150), corrections=True)


def frames(client: TestClient, query: str, count: int, headers: dict[str, str] | None = None
           ) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    frame: dict[str, str] = {}
    with client.stream("GET", f"/api/v1/events/{EVENT}/stream{query}",
                       headers=headers or {}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                if "id" in frame:
                    out.append(frame)
                frame = {}
                if len(out) == count:
                    break
                continue
            key, _, value = line.partition(": ")
            frame[key] = value
    return out


def test_state_pages_and_stream_of_a_v2_log_18_1(log: Log, tmp_path: Path) -> None:
    path = log.write(tmp_path / "entries.jsonl", upto=log.index("seed") + 1)
    with TestClient(hall_app({EVENT: path})) as client:
        response = client.get(f"/api/v1/events/{EVENT}/ceremony-state")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"
        state = response.json()
        assert state["size"] == log.index("seed") + 1
        assert state["step"]["key"] == "seeded"
        # The stream from the state's size; every frame is the entry's canonical bytes.
        with path.open("ab") as f:
            for line in log.entries[state["size"]:state["size"] + 3]:
                f.write(line + b"\n")
        got = frames(client, f"?from={state['size']}", 3)
        assert [int(f["id"]) for f in got] == [state["size"] + i for i in range(3)]
        assert [f["data"].encode() for f in got] == log.entries[state["size"]:state["size"] + 3]
        assert all(set(f) == {"id", "data"} for f in got)
        # A reconnect resumes after Last-Event-ID, whatever ?from= says.
        again = frames(client, "?from=0", 1, {"Last-Event-ID": str(state["size"])})
        assert int(again[0]["id"]) == state["size"] + 1
        ignored = frames(client, "?from=2", 1, {"Last-Event-ID": "+3"})  # not canonical
        assert int(ignored[0]["id"]) == 2


def test_name_pages_and_their_refusals_in_chinese_first(log: Log, tmp_path: Path) -> None:
    path = log.write(tmp_path / "entries.jsonl")
    with TestClient(hall_app({EVENT: path})) as client:
        base = f"/api/v1/events/{EVENT}/ceremony-state"
        page: dict[str, Any] = client.get(f"{base}/S001/waiting/1").json()
        results = [json.loads(e)["body"] for e in log.entries
                   if json.loads(e)["type"] == "lottery_result"
                   and json.loads(e)["body"]["school"] == "S001"]
        assert page["total"] == sum(1 for r in results if r["waiting"] is not None)
        assert [r["waiting"] for r in page["records"]] == sorted(
            r["waiting"] for r in results if r["waiting"] is not None)[:len(page["records"])]
        for url, words in ((f"{base}/S001/everyone/1", "没有这种名单"),
                           (f"{base}/S001/waiting/{page['pages'] + 1}", "没有这一页"),
                           (f"{base}/S999/admitted/1", "没有这一页"),
                           ("/api/v1/events/nope/ceremony-state", "没有这个活动"),
                           ("/events/nope/ceremony", "没有这个活动"),
                           ("/api/v1/events/nope/stream", "没有这个活动")):
            refused = client.get(url)
            assert refused.status_code == 404, url
            assert refused.json()["detail"].startswith(words), refused.text
        bad = client.get(f"{base}/S001/waiting/x")
        assert bad.status_code == 422


def test_the_service_log_is_served_as_a_state_too(drawn: tuple[Runtime, Season]) -> None:
    """The wiring: the service's log cache is the source; size is its checkpoint's."""
    runtime, s = drawn
    state = s.client.get(f"{s.base}/ceremony-state").json()
    assert state["size"] == runtime.service.lifecycle.state(s.event).size
    assert state["ceremonies"]["lottery"]["seed"] is not None
    assert s.client.get(f"{s.base}/ceremony-state").content == s.client.get(
        f"{s.base}/ceremony-state").content
