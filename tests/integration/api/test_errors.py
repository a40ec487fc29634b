"""No input reaches a user as an HTTP 500 or a bare database error; every error answer has
one shape, Chinese first, and its status is documented in the OpenAPI (issues 8, 9, 14)."""

from __future__ import annotations

import base64
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lottery_service.api.schemas import ErrorOut
from lottery_service.runtime import Runtime
from lottery_service.service import imports as import_service

from .conftest import APPLICANTS, OPERATOR, Season, auth, runtime_at

HUGE = 2**63


def _spec(season: Season) -> dict[str, Any]:
    spec: dict[str, Any] = season.client.get("/api/v1/openapi.json").json()
    return spec


def _template(spec: dict[str, Any], path: str) -> str:
    """The OpenAPI path a concrete path is served by (literal segments win)."""
    matches = [t for t in spec["paths"]
               if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", t), path)]
    return min(matches, key=lambda t: t.count("{"))


def refused(season: Season, method: str, path: str, status: int, **kw: Any) -> dict[str, Any]:
    """Call, expect `status` with the one error shape, and its status in the OpenAPI."""
    response = season.client.request(method, season.base + path, **kw)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    ErrorOut.model_validate(body)
    assert body["detail"] == f"{body['message_zh']}\n{body['message_en']}"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message_zh"]), body
    spec = _spec(season)
    template = _template(spec, (season.base + path).split("?")[0])
    documented = spec["paths"][template][method.lower()]["responses"]
    assert str(status) in documented, (template, status, sorted(documented))
    return body


def _rules(event: str, **changes: Any) -> dict[str, Any]:
    rules = {"event": event, "title": "测试", "year": 2026,
             "grade": 1, "high_fee_threshold": 6000, "waitlist_promotion": True, "dice": 20,
             "beacon": None}
    return {**rules, **changes}


def _holder() -> str:
    key = X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(key).decode()


def test_create_event_with_grade_3_is_422_naming_S1(season: Season) -> None:
    """Issue 8 item 14: a rule set with grade 3 is a precise refusal, not a traceback."""
    response = season.client.post("/api/v1/events", headers=auth(OPERATOR), json={
        "rules": _rules("g3-2026", grade=3)})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "RecordError" and "S1" in body["message_en"]
    assert "不符合" in body["message_zh"]
    assert season.client.get("/api/v1/events/g3-2026").status_code == 404  # nothing stored


def test_window_with_an_unknown_phase_or_no_zone_is_422_G3(season: Season) -> None:
    body = refused(season, "POST", "/windows", 422, headers=auth(OPERATOR), json={
        "phase": "lunch", "opens": "2026-06-11T08:00:00+08:00",
        "closes": "2026-06-21T00:00:00+08:00"})
    assert body["error"] == "RejectedInputError" and "lunch" in body["message_zh"]
    body = refused(season, "POST", "/windows", 422, headers=auth(OPERATOR), json={
        "phase": "registration", "opens": "2026-06-11T08:00:00",
        "closes": "2026-06-21T00:00:00"})
    assert "时区" in body["message_zh"] and body["rule"] == "G3"


def test_participants_unknown_role_or_twice_the_same_id_is_422(season: Season) -> None:
    """Issue 8 item 14, issue 9 item 4: never an IntegrityError."""
    people = [{"id": "notary-1", "role": "notary"}, {"id": "x-1", "role": "king"}]
    body = refused(season, "POST", "/participants/lottery", 422, headers=auth(OPERATOR),
                   json={"participants": people, "escrow_key": _holder()})
    assert body["error"] == "RequestValidationError" and body["fields"]
    twice = [{"id": "notary-1", "role": "notary"}, {"id": "notary-1", "role": "bureau"}]
    body = refused(season, "POST", "/participants/lottery", 422, headers=auth(OPERATOR),
                   json={"participants": twice, "escrow_key": _holder()})
    assert "notary-1" in body["message_zh"] and body["section"] == "5.2"


@pytest.mark.parametrize("path", [f"/checkpoints/{HUGE}", f"/checkpoints/{HUGE}/consistency?from=1",
                                  f"/checkpoints/2/consistency?from={HUGE}",
                                  f"/stream?from={HUGE}"])
def test_huge_integers_in_paths_and_queries_are_422_not_500(season: Season, path: str) -> None:
    """Issue 9 item 4: bounded integers (the database's range) in paths and queries."""
    refused(season, "GET", path, 422)


def test_huge_sizes_in_bodies_are_422(season: Season) -> None:
    refused(season, "POST", "/corrections", 422, headers=auth(OPERATOR),
            json={"refers_to": HUGE, "reason": "x"})
    refused(season, "POST", "/proof", 422,
            json={"reg": "R20260001", "id_last4": "1234", "trusted_size": HUGE})


def test_errors_of_every_kind_have_their_documented_status(season: Season) -> None:
    refused(season, "POST", "/roster/freeze", 401)
    refused(season, "POST", "/roster/freeze", 403, headers=auth(season.token("school", "S001")))
    refused(season, "GET", "/checkpoints/999", 404)
    refused(season, "POST", "/draw", 409, headers=auth(OPERATOR))
    refused(season, "GET", "/results/S009", 404)
    gone = season.client.post("/api/v1/events/nosuch-2026/export", headers=auth(OPERATOR))
    assert gone.status_code == 404 and "nosuch-2026" in gone.json()["message_zh"]


def test_export_of_an_unknown_event_publishes_nothing(season: Season) -> None:
    audit: Path = season.client.app.state.runtime.settings.audit_dir  # type: ignore[attr-defined]
    before = set(audit.iterdir()) if audit.exists() else set()
    assert season.client.post("/api/v1/events/nosuch-2026/export",
                              headers=auth(OPERATOR)).status_code == 404
    assert season.client.get("/api/v1/events/nosuch-2026/bundle.zip").status_code == 404
    assert (set(audit.iterdir()) if audit.exists() else set()) == before


def test_pupil_taken_by_another_school_is_409_in_chinese_S2(season: Season) -> None:
    """Issue 8 item 9: a school's upload naming another school's pupil was an HTTP 500."""
    season.register(APPLICANTS)
    season.freeze_roster()
    season.ceremony("lottery")
    season.post("/draw")
    season.confirm()
    header = "报名号,姓名,性别,学校代码\n"
    first = season.upload("pupils", (header + "P20269001,赵一,男,S001\n").encode(),
                          season.token("school", "S001"))
    assert first.status_code == 200, first.text
    body = refused(season, "POST", "/imports/pupils", 409,
                   headers=auth(season.token("school", "S002")),
        files={"file": ("p.csv", (header + "P20269001,赵一,男,S002\n").encode(), "text/csv")})
    assert body["rule"] == "S2" and "P20269001" in body["message_zh"] and "S001" in body["detail"]
    # the refused file changed nothing; the first school keeps its pupil
    again = season.upload("pupils", (header + "P20269001,赵一,男,S001\n").encode(),
                          season.token("school", "S001"))
    assert again.status_code == 200


def test_concurrent_imports_of_one_kind_the_second_is_told_409_G2(
        season: Season, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 9 item 4: two schools files at once: one is stored, the other is refused
    (it never hears "done" while its data was overwritten)."""
    header = "学校代码,学校名称,区县,性质,学费,审批机关,招生计划,配套计划,九年一贯\n"
    second = (header + "S001,阳光小学,D01,民办,5000,区,2,0,否\n"
              "S003,启明小学,D01,民办,3000,区,4,0,否\n").encode()
    parse = import_service.parsing.parse
    inner: list[int] = []

    def racing(kind: str, data: bytes, filename: str, **kw: Any) -> Any:
        if filename == "first.csv":  # while it is being read, another file is stored
            inner.append(season.upload("schools", second, name="second.csv").status_code)
        return parse(kind, data, filename, **kw)

    monkeypatch.setattr(import_service.parsing, "parse", racing)
    body = refused(season, "POST", "/imports/schools", 409, headers=auth(OPERATOR),
                   files={"file": ("first.csv", (
                       header + "S002,明德小学,D01,民办,4000,区,5,0,否\n").encode(), "text/csv")})
    assert inner == [200] and body["error"] == "ImportBusyError" and body["rule"] == "G2"
    schools = {s["school"] for s in season.client.get(season.base).json()["schools"]}
    assert schools == {"S001", "S003"}  # the file stored first stands; the other changed nothing
    # once nothing runs beside it, the same file goes in
    monkeypatch.setattr(import_service.parsing, "parse", parse)
    assert season.upload("schools", header.encode() + "S002,明德小学,D01,民办,4000,区,5,0,否\n"
                         .encode()).status_code == 200


def _at_once(n: int, call: Any) -> list[Any]:
    """Run `call` in `n` threads released together; each answer or exception, collected."""
    barrier = threading.Barrier(n)
    answers: list[Any] = []

    def run() -> None:
        barrier.wait()
        try:
            answers.append(call())
        except Exception as exc:  # collected: the caller's assertion names it
            answers.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_simultaneous_creation_of_one_event_is_not_a_500(tmp_path: Path, backend: str) -> None:
    """Issue 9 item 4 (PostgreSQL: UniqueViolation): every caller gets its answer, one
    `event_created` is logged."""
    rt: Runtime = runtime_at(tmp_path, backend)
    try:
        for round_ in range(3):
            event = f"race{round_}-2026"
            answers = _at_once(4, lambda e=event: len(  # type: ignore[misc]
                rt.service.lifecycle.create_event(_rules(e))))
            assert sorted(answers) == [0, 0, 0, 1], answers
            assert rt.service.lifecycle.state(event).size == 1
    finally:
        rt.close()


def test_openapi_documents_one_error_shape_for_every_4xx(season: Season) -> None:
    """Every documented 4xx of every operation is an `ErrorOut`, as every error answer is."""
    spec = _spec(season)
    documented = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "422" in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (path, status)
                    documented += 1
    assert documented > 100 and "HTTPValidationError" not in spec["components"]["schemas"]
