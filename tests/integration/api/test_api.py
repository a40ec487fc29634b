"""The HTTP API: roles, phase order, imports, the lottery ceremony, look-up and proofs."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from sqlmodel import Session, select

from lottery_service.core.note import (
    SIG_COSIGNATURE_V1,
    Signer,
    Verifier,
    cosign,
    open_note,
)
from lottery_service.runtime import Runtime
from lottery_service.storage.models import ApplicationTable
from tests.support import proof_x
from verifier import receipt as verifier_receipt

from .conftest import APPLICANTS, OPERATOR, SCHOOLS_CSV, Season, auth


def test_openapi_is_served_under_v1(season: Season) -> None:
    spec = season.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/events/{event_id}/lookup" in spec["paths"]
    assert "/api/v1/events/{event_id}/imports/{kind}" in spec["paths"]


def test_public_cannot_write(season: Season) -> None:
    """G1: anyone may read; every write needs a token of the right event and role."""
    no_token = season.client.post(f"{season.base}/roster/freeze")
    assert no_token.status_code == 401
    bad_token = season.client.post(f"{season.base}/roster/freeze", headers=auth("sd_nope"))
    assert bad_token.status_code == 401
    school = season.token("school", "S001")
    assert season.client.post(f"{season.base}/roster/freeze",
                              headers=auth(school)).status_code == 403
    # a token of another event is refused too
    other = Season(season.client, "other-2026")
    other.create()
    foreign = other.token("admin")
    assert season.client.post(f"{season.base}/roster/freeze",
                              headers=auth(foreign)).status_code == 403
    assert season.client.get(season.base).status_code == 200


def test_out_of_order_step_is_409_naming_the_phase(season: Season) -> None:
    """§11.3: the draw cannot come before the roster freeze and the ceremony."""
    response = season.client.post(f"{season.base}/draw", headers=auth(OPERATOR))
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "PhaseError"
    assert body["phase"] == "registration"
    assert "registration" in body["detail"]
    assert body["section"] == "11.3"


def test_bad_import_is_422_with_row_report_and_nothing_stored(season: Season) -> None:
    """G2: one bad row rejects the whole file and the report lists every bad row."""
    good = "R20260001,张三,男,2019-05-01,D01,户籍,否,否,S001,,2026-06-11,1234,13800000001\n"
    bad = ("R20260002,李四,X,2019-02-30,D01,户籍,否,否,S001,,2026-06-11,12,13800000002\n")
    data = ("报名号,姓名,性别,出生日期,区县,户籍类型,失信被执行人,政策照顾,申请学校,多胞胎组,"
            "报名日期,身份证后四位,手机\n" + good + bad).encode()
    assert season.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
    response = season.upload("applicants", data)
    assert response.status_code == 422
    body = response.json()
    fields = {(e["row"], e["field"]) for e in body["errors"]}
    assert {(3, "gender"), (3, "birth_date"), (3, "id_last4")} <= fields
    assert all(e["row"] == 3 for e in body["errors"])
    assert "nothing was imported" in body["report"]
    engine = season.client.app.state.runtime.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        assert session.exec(select(ApplicationTable)).all() == []
    # an unsupported file type is the same 422 shape
    xls = season.upload("schools", b"\xd0\xcf", name="old.xls")
    assert xls.status_code == 422
    assert xls.json()["errors"][0]["field"] == "file"


def test_school_token_may_upload_only_its_own_rows(season: Season) -> None:
    """S3/S5: a school's staff send their own plans; a foreign row rejects the file."""
    assert season.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
    token = season.token("school", "S001")
    plans = "学校代码,班级,额定人数\nS001,01,45\nS002,01,45\nS002,02,45\n"
    response = season.upload("class_plans", plans.encode(), token)
    assert response.status_code == 403
    rows = response.json()["rows"]
    assert [(r["class_id"], r["school"]) for r in rows] == [("01", "S002"), ("02", "S002")]
    # bureau-only kinds are refused outright
    assert season.upload("applicants", b"x", token).status_code == 403
    # own rows pass the scope check and then meet the phase rule (409, §11.3)
    own = season.upload("class_plans", b"\xe5\xad\xa6\xe6\xa0\xa1\xe4\xbb\xa3\xe7\xa0\x81,"
                        + "班级,额定人数\nS001,01,45\n".encode(), token)
    assert own.status_code == 409
    assert own.json()["phase"] == "registration"


def test_participant_acts_only_for_itself(season: Season) -> None:
    """§5.3: a commitment or reveal belongs to the participant holding the token."""
    season.register(APPLICANTS)
    season.freeze_roster()
    token = season.token("participant", "bureau-1")
    response = season.client.post(
        f"{season.base}/ceremonies/lottery/commitments", headers=auth(token),
        json={"commitment": "00" * 32, "escrow": "AA==", "participant": "notary-1"})
    assert response.status_code == 403
    for p in ("bureau-1", "notary-1"):
        assert season.commit("lottery", p).status_code == 200
    season.post("/ceremonies/lottery/commitments/close")
    steal = season.client.post(
        f"{season.base}/ceremonies/lottery/reveals", headers=auth(token),
        json={"secret": season.secrets["lottery", "notary-1"].hex(), "participant": "notary-1"})
    assert steal.status_code == 403
    # only the notary (escrow holder) or the admin enters escrow openings
    opening = season.client.post(
        f"{season.base}/ceremonies/lottery/escrow-openings", headers=auth(token),
        json={"participant": "notary-1", "secret": season.secrets["lottery", "notary-1"].hex()})
    assert opening.status_code == 403
    # a wrong secret is a protocol error (§5.3), 422
    wrong = season.client.post(f"{season.base}/ceremonies/lottery/reveals", headers=auth(token),
                               json={"secret": "11" * 32})
    assert wrong.status_code == 422
    assert wrong.json()["section"] == "5.3"


def test_whole_lottery_ceremony_then_lookup_and_proof(drawn: tuple[Runtime, Season]) -> None:
    """P5, §5, §14: the ceremony via the API; a family's result and a proof that verifies."""
    rt, season = drawn
    event = season.client.get(season.base).json()
    assert event["phase"] == "drawn"
    assert event["ceremonies"]["lottery"]["step"] == "seeded"
    assert event["ceremonies"]["lottery"]["settled"]["parent-rep-1"] == "escrow_opened"
    counts = {s["school"]: s for s in event["schools"]}
    assert counts["S001"]["applicants"] == 6 and counts["S001"]["admitted"] == 2
    # repeating a step that took effect is 200 with nothing appended
    assert season.post("/draw") == {"entries": []}
    assert season.post("/ceremonies/lottery/seed") == {"entries": []}

    results = season.client.get(f"{season.base}/results/S001").json()
    assert results["summary"]["quota"] == 2
    assert sorted(r["reg"] for r in results["records"]) == sorted(
        r for r, (s, _) in APPLICANTS.items() if s == "S001")
    assert sum(r["outcome"] == "admitted" for r in results["records"]) == 2
    assert all("*" in r["name"] for r in results["records"])  # masked (§3.2)
    assert "13800" not in json.dumps(results) and "2019-05-01" not in json.dumps(results)

    reg, (school, last4) = sorted(APPLICANTS.items())[0]
    found = season.client.post(f"{season.base}/lookup", json={"reg": reg, "id_last4": last4})
    assert found.status_code == 200, found.text
    assert found.json()["reg"] == reg
    # §14: the look-up is the family's receipt; the verifier checks it with the policy.
    policy = rt.service.witnesses.policy(season.event)
    report = verifier_receipt.check(found.json()["receipt"], policy, reg)
    assert report.ok, report
    proof = season.client.post(f"{season.base}/proof", json={"reg": reg, "id_last4": last4})
    assert proof.status_code == 200 and proof.text == found.json()["receipt"]
    lines = proof.text.split("\n")
    assert lines[0] == verifier_receipt.HEADER
    x = proof_x(proof.text)
    primary = json.loads(x["entry"])
    assert primary["type"] == "lottery_result" and primary["body"]["reg"] == reg
    assert primary["body"]["school"] == school
    assert primary["body"]["outcome"] in ("admitted", "not_admitted")
    keys = season.client.get(f"{season.base}/keys").json()
    note_text = proof.text.split("\n\n", 1)[1]  # the signed checkpoint after the proof
    rules = season.client.get(season.base).json()["rules"]
    assert rules["origin"].endswith(f"/{season.event}")
    assert keys["log"].split("+", 1)[0] == rules["origin"]
    assert note_text.split("\n", 1)[0] == rules["origin"]


# The look-up limits and states are tested in tests/integration/test_throttle*.py.


def test_supervisor_cosigns_a_checkpoint(drawn: tuple[Runtime, Season]) -> None:
    """§12: a registered witness's cosignature is verified and appended; others refused."""
    _, season = drawn
    witness = Signer.generate("supervisor-1")
    vkey = witness.verifier_key(SIG_COSIGNATURE_V1)
    season.post("/witnesses", json={"name": "supervisor-1", "vkey": vkey})
    sizes = season.client.get(f"{season.base}/checkpoints").json()["sizes"]
    latest = season.client.get(f"{season.base}/checkpoints/latest")
    assert latest.headers["content-type"].startswith("text/plain")
    body = latest.text.split("\n\n", 1)[0] + "\n"
    size = int(body.split("\n")[1])
    assert size == max(sizes)
    line = cosign(body, witness, int(time.time()))
    url = f"{season.base}/checkpoints/{size}/cosignatures"
    payload = {"witness": "supervisor-1", "signature": line}
    assert season.client.post(url, json=payload).status_code == 401
    assert season.client.post(url, json=payload,
                              headers=auth(OPERATOR)).status_code == 403  # admin ≠ supervisor
    supervisor = season.token("supervisor", "supervisor-1")
    forged = cosign(body, Signer.generate("supervisor-1"), int(time.time()))
    rejected = season.client.post(url, headers=auth(supervisor),
                                  json={"witness": "supervisor-1", "signature": forged})
    assert rejected.status_code == 422
    ok = season.client.post(url, json=payload, headers=auth(supervisor))
    assert ok.status_code == 200, ok.text
    note = season.client.get(f"{season.base}/checkpoints/{size}").text
    opened = open_note(note, [Verifier.from_text(vkey),
                              Verifier.from_text(season.client.get(
                                  f"{season.base}/keys").json()["log"])])
    assert len(opened.verified_by) == 2
    assert season.client.get(f"{season.base}/keys").json()["witnesses"] == {
        "supervisor-1": vkey}


def test_stream_sends_entries_with_ids(drawn: tuple[Runtime, Season]) -> None:
    """The ceremony screen resumes with ?from= or Last-Event-ID."""
    _, season = drawn

    def read(headers: dict[str, str], query: str, count: int) -> list[tuple[int, str, dict]]:  # type: ignore[type-arg]
        events: list[tuple[int, str, dict]] = []  # type: ignore[type-arg]
        frame: dict[str, str] = {}
        with season.client.stream("GET", f"{season.base}/stream{query}",
                                  headers=headers) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if not line:
                    if "id" in frame:
                        entry = json.loads(frame["data"])  # the entry names its type
                        events.append((int(frame["id"]), entry["type"], entry))
                    frame = {}
                    if len(events) == count:
                        break
                    continue
                key, _, value = line.partition(": ")
                frame[key] = value
        return events

    first = read({}, "?from=0", 3)
    assert [(seq, kind) for seq, kind, _ in first] == [(0, "event_created"),
                                                      (1, "ceremony_opened"),
                                                      (2, "eligibility_rejections")]
    assert all(entry["seq"] == seq and entry["type"] == kind for seq, kind, entry in first)
    resumed = read({"Last-Event-ID": "4"}, "", 2)
    assert [seq for seq, _, _ in resumed] == [5, 6]


def test_bundle_zip_holds_the_log_and_no_personal_data(drawn: tuple[Runtime, Season]) -> None:
    import io
    import zipfile

    _, season = drawn
    response = season.client.get(f"{season.base}/bundle.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert f"{season.event}/entries.jsonl" in names
    assert f"{season.event}/keys/log.vkey" in names
    text = archive.read(f"{season.event}/entries.jsonl").decode()
    assert "张小" not in text  # masked names only (张*明)
    # no phone number (conftest's 1380000NNNN) as a value; a bare "13800" also occurs by
    # chance inside the random hex of commitments, secrets and attribute hashes
    assert re.search(r"(?<![0-9A-Za-z])1380000\d{4}(?![0-9A-Za-z])", text) is None


def test_whole_season_via_api(season: Season, tmp_path: Path) -> None:
    """P7, S2–S6: payments, class plans by each school, grouping, matching, SMS, publish."""
    season.register(APPLICANTS)
    season.freeze_roster()
    season.ceremony("lottery")
    season.post("/draw")
    admitted = season.confirm()
    # each school sends its own plan; one school's upload keeps the other's rows (S3)
    for school in ("S001", "S002"):
        plan = f"学校代码,班级,额定人数\n{school},01,45\n{school},02,45\n"
        response = season.upload("class_plans", plan.encode(), season.token("school", school))
        assert response.status_code == 200, response.text
    season.post("/grouping/freeze")
    season.ceremony("grouping")
    season.post("/grouping/run")
    teachers = "学校代码,工号,姓名\n" + "".join(
        f"{s},T{s}{c},王老师{c}\n" for s in ("S001", "S002") for c in ("1", "2"))
    assert season.upload("teachers", teachers.encode()).status_code == 200
    season.post("/teachers/freeze")
    season.ceremony("teachers")
    season.post("/matching/run")
    sent = season.post("/notifications/send")
    assert sent["sent"] == len(admitted) == sent["queued"]
    assert [e["type"] for e in sent["entries"]] == ["notifications_sent"]
    outbox = season.client.app.state.runtime.settings.data_dir / "sms-outbox.jsonl"  # type: ignore[attr-defined]
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == len(admitted)
    assert season.post("/notifications/send")["entries"] == []  # never sent twice (S6)
    for ceremony in ("lottery", "grouping", "teachers"):
        season.post(f"/publish/{ceremony}")
    assert season.client.get(season.base).json()["phase"] == "published"
    reg, school = admitted[0]
    result = season.client.post(f"{season.base}/lookup", json={
        "reg": reg, "id_last4": APPLICANTS[reg][1]}).json()
    x = proof_x(result["receipt"])
    named = {e["type"]: e["body"] for e in map(json.loads, (i["entry"] for i in x["entries"]))}
    assert named["grouping_result"]["reg"] == reg
    assert named["grouping_result"]["class"] in ("01", "02")
    assert named["matching_result"]["class"] == named["grouping_result"]["class"]
    assert named["matching_result"]["teacher"].startswith(f"T{school}")
    path = Path(season.post("/export")["path"])
    assert (path / "entries.jsonl").exists()


def test_applicants_of_an_unknown_school_are_rejected(season: Season) -> None:
    """G2: an application naming a school the bureau did not import is a bad row."""
    assert season.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
    row = "R20260009,王五,男,2019-05-01,D01,户籍,否,否,S999,,2026-06-11,1234,13800000009\n"
    data = ("报名号,姓名,性别,出生日期,区县,户籍类型,失信被执行人,政策照顾,申请学校,多胞胎组,"
            "报名日期,身份证后四位,手机\n" + row).encode()
    response = season.upload("applicants", data)
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "school")]


def test_applicant_import_reports_rule_rejections_P1_P2(season: Season) -> None:
    """Well-formed applications that break a rule are stored, and the import answer says
    which the roster freeze will reject and under which rule (§7.1)."""
    assert season.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
    rows = [
        "R20260011,王一,男,2019-05-01,D01,户籍,否,否,S001,,2026-06-11,1234,13800000011\n",
        "R20260012,王二,男,2020-09-01,D01,户籍,否,否,S001,,2026-06-11,2345,13800000012\n",
        "R20260013,王三,女,2019-05-01,D02,户籍,否,否,S001,,2026-06-11,3456,13800000013\n",
    ]
    data = ("报名号,姓名,性别,出生日期,区县,户籍类型,失信被执行人,政策照顾,申请学校,多胞胎组,"
            "报名日期,身份证后四位,手机\n" + "".join(rows)).encode()
    response = season.upload("applicants", data)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] == 3
    assert {(r["reg"], r["code"]) for r in body["rejections"]} == {
        ("R20260012", "P1-age"), ("R20260013", "P2-district")}


def test_register_parser_reads_gb18030_like_every_import_S9() -> None:
    """§15: a registry export saved by Chinese Excel (GB18030) reads like UTF-8."""
    from lottery_service.service.register_check import read_register

    text = "学籍号,班级\n202600000001,01\n202600000002,02\n"
    assert read_register(text.encode("gb18030")) == read_register(
        text.encode("utf-8-sig")) == {"202600000001": "01", "202600000002": "02"}
