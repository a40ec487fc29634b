"""The console's own routes (api/routes/operate.py): templates, the error file of an
upload (which stores nothing), the console's read model and the structured preview."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from lottery_service.api import create_app
from lottery_service.imports import KINDS
from tests.paths import FIXTURES

from .conftest import OPERATOR, auth, runtime_at

EVENT = "console-api-2026"
RULES = {"event": EVENT, "title": "测试招生", "year": 2026, "grade": 1, "dice": 20}
IMPORTS = FIXTURES / "imports"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    rt = runtime_at(tmp_path)
    with TestClient(create_app(rt, operator=OPERATOR)) as c:
        assert c.post("/api/v1/events", headers=auth(OPERATOR),
                      json={"rules": RULES}).status_code == 200
        yield c
    rt.close()


def _upload(client: TestClient, kind: str, path: Path, suffix: str = "") -> object:
    return client.post(f"/api/v1/events/{EVENT}/imports/{kind}{suffix}", headers=auth(OPERATOR),
                       files={"file": (path.name, path.read_bytes(), "text/csv")})


def test_every_kind_has_a_template_to_download(client: TestClient) -> None:
    for kind in KINDS:
        r = client.get(f"/api/v1/imports/templates/{kind}.xlsx")
        assert r.status_code == 200, kind
        assert r.headers["content-disposition"] == f'attachment; filename="template-{kind}.xlsx"'
        book = openpyxl.load_workbook(io.BytesIO(r.content))
        assert book.sheetnames == ["数据", "填写说明"]
    assert client.get("/api/v1/imports/templates/nothing.xlsx").status_code in (404, 422)


def test_a_refused_upload_names_row_column_value_and_hint_and_its_error_file_lists_them(
        client: TestClient) -> None:
    assert _upload(client, "schools", IMPORTS / "schools.csv").status_code == 200  # type: ignore[attr-defined]
    refused = _upload(client, "applicants", IMPORTS / "applicants_errors.csv")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    errors = refused.json()["errors"]  # type: ignore[attr-defined]
    dated = next(e for e in errors if e["value"] == "2019-02-30")
    assert (dated["row"], dated["column"]) == (3, "出生日期")
    assert dated["reason_zh"] and dated["hint"]
    r = _upload(client, "applicants", IMPORTS / "applicants_errors.csv", "/errors.xlsx")
    assert r.status_code == 200  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active  # type: ignore[attr-defined]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == ["行号", "列名", "单元格内容", "问题", "修改提示"]
    assert rows[1 + errors.index(dated)][:3] == ["3", "出生日期", "2019-02-30"]
    assert len(rows) == 1 + len(errors)
    status = client.get(f"/api/v1/events/{EVENT}/console", headers=auth(OPERATOR)).json()
    assert status["stored"]["applicants"] == 0  # neither the upload nor the error file stored
    schools = len((IMPORTS / "schools.csv").read_text().splitlines()) - 1
    assert status["stored"]["schools"] == schools
    assert status["phase"] == "registration"
    assert status["ceremonies"]["lottery"]["participants"] == []


def test_the_console_read_model_and_preview_need_the_admin(client: TestClient) -> None:
    assert client.get(f"/api/v1/events/{EVENT}/console").status_code == 401
    assert client.get(f"/api/v1/events/{EVENT}/console/roster-preview").status_code == 401
    assert _upload(client, "schools", IMPORTS / "schools.csv").status_code == 200  # type: ignore[attr-defined]
    assert _upload(client, "applicants", IMPORTS / "applicants.csv").status_code == 200  # type: ignore[attr-defined]
    p = client.get(f"/api/v1/events/{EVENT}/console/roster-preview", headers=auth(OPERATOR)).json()
    assert p["applications"] >= p["eligible"]
    assert len(p["confirm"]) == 12
    for r in p["rejected"]:
        assert r["code"].startswith(r["rule"]) and r["count"] >= 1 and r["meaning"]
