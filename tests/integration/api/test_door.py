"""Issue 8 through the HTTP API: every rule held at the door, every ceremony able to finish.

Each test names the issue's item and the rule it holds (shared/policy/RULES.md). A
refusal is an answer with the row, the column as written, the value and the rule, in
Chinese first, and it changes nothing: never a traceback or an HTTP 500. The season
test drives a whole event through the API where a teacher list is wrong (refused at the
freeze, §3.4) and a class plan must be amended (`input_withdrawn`, §5.1 step 3) before
the grouping commitments; it then completes and the verifier passes its bundle.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from lottery_service.api import create_app
from lottery_service.runtime import Runtime
from lottery_service.storage.models import LogEntryTable, PaymentTable, SchoolTable
from tests.integration.api.conftest import (
    APPLICANT_HEADER,
    APPLICANTS,
    OPERATOR,
    SCHOOLS_CSV,
    Season,
    applicants_csv,
    auth,
    public_b64,
    runtime_at,
)
from tests.paths import ROOT


@dataclass
class Clock:
    """The service's clock, moved by the test (the log's times never go back, §11.1)."""

    now: str = "2026-06-15T02:00:00Z"

    def __call__(self) -> str:
        return self.now


@dataclass
class Door:
    rt: Runtime
    season: Season
    clock: Clock

    def entries(self) -> list[dict[str, Any]]:
        """The log as stored (what the bundle publishes)."""
        with Session(self.rt.engine) as session:
            return [json.loads(raw) for raw in session.exec(
                select(LogEntryTable.raw).where(LogEntryTable.event_id == self.season.event)
                .order_by(col(LogEntryTable.seq)))]


@pytest.fixture
def door(tmp_path: Path) -> Iterator[Door]:
    rt = runtime_at(tmp_path, "sqlite")
    clock = Clock()
    rt.service.db.clock = clock
    with TestClient(create_app(rt, operator=OPERATOR)) as client:
        season = Season(client, "door-2026")
        season.create()
        yield Door(rt, season, clock)
    rt.close()


def refusal(response: Any, status: int = 422) -> dict[str, Any]:
    """An error answer: the status, Chinese first, never a traceback."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message_zh"]), body
    assert "Traceback" not in response.text
    return body


def row_errors(response: Any) -> list[dict[str, Any]]:
    """An import refused with its row errors (row, column as written, value, rule)."""
    body = refusal(response)
    errors: list[dict[str, Any]] = body["errors"]
    assert errors and "共" in body["message_zh"]
    return errors


def log_types(door: Door) -> list[str]:
    return [e["type"] for e in door.entries()]


def preview(season: Season) -> dict[str, Any]:
    shown = season.client.get(season.base + "/roster/preview", headers=auth(OPERATOR))
    assert shown.status_code == 200, shown.text
    body: dict[str, Any] = shown.json()
    return body


# ----------------------------------------------------------------- registration


def test_item_1_P1_residence_outside_the_city_is_rejected(door: Door) -> None:
    s = door.season
    assert s.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
    header = APPLICANT_HEADER.rstrip("\n") + ",本市户籍或居住证\n"
    rows = applicants_csv({"R20260001": ("S001", "1001"), "R20260002": ("S001", "1002")})
    lines = rows.decode().splitlines()[1:]
    data = header + lines[0] + ",否\n" + lines[1] + ",是\n"
    assert s.upload("applicants", data.encode()).status_code == 200
    assert preview(s)["rejected"] == {"P1-residence": 1}
    # 户籍类型「无」 with 本市=是 contradicts itself: refused at the door, nothing stored.
    bad = header + lines[0].replace(",户籍,", ",无,") + ",是\n"
    errors = row_errors(s.upload("applicants", bad.encode()))
    assert [(e["row"], e["rule"]) for e in errors] == [(2, "P1")]
    assert preview(s)["rejected"] == {"P1-residence": 1}


def test_item_2_P8_locks_are_recorded_counted_and_used(door: Door) -> None:
    s = door.season
    s.register(APPLICANTS)
    locked = sorted(APPLICANTS)[0]
    data = ("报名号,锁定类型,锁定日期,发文单位,学校\n"
            f"{locked},公办学校确认,2026-06-12,云岩区教育局,贵阳市第十九中学\n")
    done = s.upload("locks", data.encode())
    assert done.status_code == 200, done.text
    logged = [e for e in door.entries() if e["type"] == "locks_recorded"]
    assert [e["body"] for e in logged] == [{"count": 1}]  # a count, no registration number
    assert locked not in json.dumps(door.entries())
    assert preview(s)["rejected"] == {"P8-locked": 1}
    errors = row_errors(s.upload("locks", ("报名号,锁定类型,锁定日期,发文单位\n"
                                           f"{locked},转学,2026-06-12,云岩区教育局\n").encode()))
    assert errors[0]["row"] == 2 and errors[0]["column"] == "锁定类型"


def test_item_4_P10_P11_lists_are_validated_at_the_door(door: Door) -> None:
    s = door.season
    s.register(APPLICANTS)
    reg = sorted(APPLICANTS)[0]  # an applicant of S001
    # P10: direct promotion only in a grade-7 event and a nine-year school.
    direct = row_errors(s.upload("direct", f"学校代码,报名号\nS001,{reg}\n".encode()))
    assert {e["rule"] for e in direct} == {"P10"}
    # P11: S001 has no community plan; R20269999 is nobody's application.
    community = row_errors(s.upload("community", (
        f"学校代码,报名号\nS001,{reg}\nS002,R20269999\n").encode()))
    assert [(e["row"], e["rule"]) for e in community][:1] == [(2, "P11")]
    assert all(e["rule"] in ("P10", "P11") for e in community)
    assert preview(s)["rejected"] == {}  # nothing was stored


def test_item_5_P13_an_application_to_a_public_school_is_refused(door: Door) -> None:
    s = door.season
    schools = SCHOOLS_CSV + "P001,第一公办小学,D01,公办,0,区,0,0,否\n"
    assert s.upload("schools", schools.encode()).status_code == 200
    errors = row_errors(s.upload("applicants", applicants_csv({"R20260001": ("P001", "1001")})))
    assert [(e["row"], e["column"], e["rule"]) for e in errors] == [(2, "申请学校", "P13")]
    assert "公办学校不参加民办派位" in errors[0]["reason_zh"]


def test_a_file_over_the_upload_limit_names_the_command_line_import(
        door: Door, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the console's upload limit (a province's applicants) the refusal says what
    to do instead, in Chinese first, and stores nothing (docs/IMPORTS.md §5)."""
    from lottery_service.api.routes import imports as route

    s = door.season
    monkeypatch.setattr(route, "MAX_UPLOAD", len(SCHOOLS_CSV.encode()) - 1)
    body = refusal(s.upload("schools", SCHOOLS_CSV.encode()), 413)
    assert "sunshine import" in body["message_zh"] and "命令行" in body["message_zh"]
    monkeypatch.undo()
    with Session(door.rt.engine) as session:
        assert not session.exec(select(SchoolTable).where(
            SchoolTable.event_id == s.event)).all()
    assert s.upload("schools", SCHOOLS_CSV.encode()).status_code == 200


def test_item_14_and_11_setup_refusals(door: Door) -> None:
    """S1 (grade 3), an unknown role, and an escrow key reused across ceremonies (§5.4)."""
    s = door.season
    rules = {"event": "g3-2026", "title": "t", "year": 2026, "grade": 3}
    body = refusal(s.client.post("/api/v1/events", headers=auth(OPERATOR),
                                 json={"rules": rules}))
    assert "S1" in body["message_en"]
    key = public_b64(s.holder("lottery"))
    people = [{"id": "bureau-1", "role": "bureau"}, {"id": "notary-1", "role": "notary"}]
    body = refusal(s.client.post(f"{s.base}/participants/grouping", headers=auth(OPERATOR),
                                 json={"participants": people, "escrow_key": key}))
    assert body["section"] == "5.4" and "lottery" in body["message_en"]
    king = [{"id": "a-1", "role": "king"}, *people]
    refusal(s.client.post(f"{s.base}/participants/teachers", headers=auth(OPERATOR),
                          json={"participants": king, "escrow_key": key}))


# ------------------------------------------------------------------- windows


def test_item_6_P6_G3_windows_are_logged_listed_removed_and_enforced(door: Door) -> None:
    s = door.season
    s.register(APPLICANTS)
    day = {"phase": "lottery_ceremony", "opens": "2026-07-01T09:00:00+08:00",
           "closes": "2026-07-01T12:00:00+08:00"}
    s.post("/windows", json=day)
    s.post("/windows", json={"phase": "payment", "opens": "2026-07-20T00:00:00+08:00",
                             "closes": "2026-07-26T00:00:00+08:00"})
    listed = s.client.get(f"{s.base}/windows").json()
    assert [w["phase"] for w in listed] == ["lottery_ceremony", "payment"]
    s.client.delete(f"{s.base}/windows/payment", headers=auth(OPERATOR))
    assert [w["phase"] for w in s.client.get(f"{s.base}/windows").json()] == [
        "lottery_ceremony"]
    assert log_types(door).count("window_set") == 2 and "window_removed" in log_types(door)
    s.freeze_roster()
    # P6: the lottery is drawn on its announced day: a commitment before it is refused.
    early = s.commit("lottery", "bureau-1")
    assert refusal(early, 409)["rule"] == "G3"
    door.clock.now = "2026-07-01T01:30:00Z"  # 09:30 Beijing time
    assert s.commit("lottery", "bureau-1").status_code == 200
    # A running window can no longer be changed or removed (§11.3 rule 2).
    refusal(s.client.delete(f"{s.base}/windows/lottery_ceremony", headers=auth(OPERATOR)),
            409)


# ------------------------------------------------------------- lottery, payments


def drawn(door: Door) -> Season:
    s = door.season
    s.register(APPLICANTS)
    s.freeze_roster()
    s.ceremony("lottery")
    s.post("/draw")
    return s


def offers(s: Season) -> tuple[list[tuple[str, str]], list[str]]:
    held, waiting = [], []
    for school in ("S001", "S002"):
        for r in s.client.get(f"{s.base}/results/{school}").json()["records"]:
            (held if r["outcome"] == "admitted" else waiting).append((r["reg"], school))
    return held, [reg for reg, _ in waiting]


def paying(door: Door) -> Season:
    """The drawn season inside its payment window (P7)."""
    s = drawn(door)
    s.post("/windows", json={"phase": "payment", "opens": "2026-07-20T00:00:00+08:00",
                             "closes": "2026-07-26T00:00:00+08:00"})
    door.clock.now = "2026-07-21T02:00:00Z"
    return s


def test_item_3_P7_receipts_match_a_held_offer_and_can_be_withdrawn(door: Door) -> None:
    s = paying(door)
    held, waiting = offers(s)
    header = "报名号,学校代码,回单号,缴费日期\n"
    other = "S002" if held[0][1] == "S001" else "S001"
    bad = (header + f"{waiting[0]},S001,R1,2026-07-21\n{held[0][0]},{other},R2,2026-07-21\n"
           f"{held[1][0]},{held[1][1]},R3,2026-07-27\n")
    errors = row_errors(s.upload("payments", bad.encode()))
    assert [(e["row"], e["rule"]) for e in errors] == [(2, "P7"), (3, "P7"), (4, "P7")]
    assert [e["column"] for e in errors] == ["报名号", "学校代码", "缴费日期"]
    good = header + "".join(f"{reg},{school},RC{i},2026-07-21\n"
                            for i, (reg, school) in enumerate(held))
    assert s.upload("payments", good.encode()).status_code == 200
    withdrawn = s.client.delete(f"{s.base}/payments/{held[0][0]}", headers=auth(OPERATOR))
    assert withdrawn.status_code == 200, withdrawn.text
    s.post("/payments/rounds")
    forfeits = [e["body"] for e in door.entries() if e["type"] == "forfeit"]
    assert [(f["reg"], f["reason"]) for f in forfeits] == [(held[0][0], "unpaid")]


def test_P7_a_second_receipts_file_adds_and_replaces_by_registration_number(
        door: Door) -> None:
    """Receipts accumulate (P7): a later file adds new families and replaces the receipt
    of a family already on record, in one executemany per part (issue 13)."""
    s = paying(door)
    held, _ = offers(s)
    header = "报名号,学校代码,回单号,缴费日期\n"
    (a, sa), (b, sb), (c, sc) = held[:3]
    first = header + f"{a},{sa},RA1,2026-07-21\n{b},{sb},RB1,2026-07-21\n"
    assert s.upload("payments", first.encode()).status_code == 200
    second = header + f"{a},{sa},RA2,2026-07-22\n{c},{sc},RC1,2026-07-22\n"
    assert s.upload("payments", second.encode()).status_code == 200
    with Session(door.rt.engine) as session:
        stored = {(p.reg, p.receipt, p.paid_on) for p in session.exec(
            select(PaymentTable).where(PaymentTable.event_id == s.event))}
    assert {(reg, receipt) for reg, receipt, _ in stored} == {(a, "RA2"), (b, "RB1"),
                                                              (c, "RC1")}
    assert {paid for reg, _, paid in stored if reg == a} == {"2026-07-22"}


def test_items_12_13_summaries_count_held_places_and_empty_seats(door: Door) -> None:
    """P11/P13 bookkeeping: a triplet that cannot fit two seats leaves them empty, reported
    as returned to the bureau; a forfeited place is not counted as admitted."""
    s = door.season
    assert s.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
    apps = {f"R2026{i:04d}": ("S001", f"{1000 + i:04d}") for i in range(3)}
    rows = applicants_csv(apps).decode().splitlines()
    triplet = [ln.replace(",否,S001,,", ",否,S001,T1,") for ln in rows[1:]]
    more = applicants_csv({"R20260101": ("S002", "2001"), "R20260102": ("S002", "2002")})
    data = "\n".join([rows[0], *triplet, *more.decode().splitlines()[1:]]) + "\n"
    assert s.upload("applicants", data.encode()).status_code == 200
    s.freeze_roster()
    s.ceremony("lottery")
    s.post("/draw")
    summary = s.client.get(f"{s.base}/results/S001").json()["summary"]
    assert summary["admitted"] == 0 and summary["returned_to_bureau"] == 2  # S001 quota 2
    held, _ = offers(s)
    s.post("/payments/rounds")  # nobody paid: every offer is forfeited (P7)
    counts = {c["school"]: c for c in s.client.get(s.base).json()["schools"]}
    assert counts["S002"]["admitted"] == 0 and len(held) == 2


# ------------------------------------------------- the grouping and teachers season


PUPILS = "报名号,姓名,性别,学校代码\n"


def _grouping_ready(door: Door) -> Season:
    s = drawn(door)
    s.confirm()  # everyone pays; the payment window closes (P7)
    return s


def test_items_7_8_a_wrong_plan_or_teacher_list_never_reaches_a_seed(door: Door,
                                                                     tmp_path: Path) -> None:
    """Acceptance: a season driven only through the API in which a teacher list is wrong
    (refused at its freeze, S5) and a class plan must be amended (S3: refused when too
    small; withdrawn before the first commitment, §5.1 step 3) completes, and its bundle
    verifies."""
    s = _grouping_ready(door)
    plans = "学校代码,班级,额定人数\n"
    # S3: one seat for S001's two confirmed pupils: refused at the door, nothing stored.
    size = len(door.entries())
    errors = row_errors(s.upload("class-plans", (plans + "S001,01,1\nS002,01,3\n").encode()))
    assert [(e["row"], e["column"], e["value"], e["rule"]) for e in errors] == [
        (2, "额定人数", "1", "S3")]
    body = refusal(s.client.post(f"{s.base}/grouping/freeze", headers=auth(OPERATOR)))
    assert body["rule"] == "S3" and body["section"] == "3.4"  # §3.4: no plan, no freeze
    assert len(door.entries()) == size  # nothing logged
    # A plan that fits, frozen, then found wrong (two classes were meant): withdrawn.
    assert s.upload("class-plans", (plans + "S001,01,2\nS002,01,3\n").encode()
                    ).status_code == 200
    s.post("/grouping/freeze")
    s.post("/inputs/grouping/withdraw", json={"reason": "S002 开设两个班 / two classes"})
    assert s.upload("class-plans", (plans + "S001,01,2\nS002,01,2\nS002,02,2\n").encode()
                    ).status_code == 200
    s.post("/grouping/freeze")
    types = log_types(door)
    assert types.count("input_withdrawn") == 1 and "commitment" not in types[
        types.index("input_withdrawn"):]
    s.ceremony("grouping")
    s.post("/grouping/run")
    # S5: three head teachers for S001's one class; a teacher id of another school.
    teachers = "学校代码,工号,姓名\n"
    wrong = teachers + "S001,T001,李明\nS001,T002,王芳\nS002,T003,赵丽\nS002,T004,钱进\n"
    assert {e["rule"] for e in row_errors(s.upload("teachers", wrong.encode()))} == {"S5"}
    body = refusal(s.client.post(f"{s.base}/teachers/freeze", headers=auth(OPERATOR)))
    assert body["rule"] == "S5" and body["section"] == "3.4"  # no list stored: no freeze
    twice = teachers + "S001,T001,李明\nS002,T001,王芳\nS002,T003,赵丽\n"
    assert {e["rule"] for e in row_errors(s.upload("teachers", twice.encode()))} == {"S5"}
    right = teachers + "S001,T001,李明\nS002,T003,赵丽\nS002,T004,钱进\n"
    assert s.upload("teachers", right.encode()).status_code == 200
    s.post("/teachers/freeze")
    s.ceremony("teachers")
    s.post("/matching/run")
    for ceremony in ("lottery", "grouping", "teachers"):
        s.post(f"/publish/{ceremony}")
    bundle = Path(s.post("/export")["path"])
    sealed = tmp_path / "openings.jsonl"
    sealed.write_bytes(door.rt.service.openings.openings(s.event))
    out = subprocess.run([sys.executable, "-m", "verifier", str(bundle), "--json",
                          "--openings", str(sealed)], cwd=ROOT, capture_output=True,
                         text=True, check=False)
    report = json.loads(out.stdout)
    assert out.returncode == 0, report["steps"]
    assert {r["number"] for r in report["steps"] if r["status"] != "pass"} <= {2}


def test_item_10_a_participant_who_never_commits_is_void_and_the_bundle_verifies(
        door: Door) -> None:
    """§5.4: commitments close without parent-rep-1; the service logs its no-commitment
    void, the seed leaves it out, and the verifier passes the exported bundle."""
    s = door.season
    s.register(APPLICANTS)
    s.freeze_roster()
    for p in ("bureau-1", "notary-1"):
        assert s.commit("lottery", p).status_code == 200
    s.post("/ceremonies/lottery/commitments/close")
    voids = [e["body"] for e in door.entries() if e["type"] == "contribution_void"]
    assert voids == [{"ceremony": "lottery", "participant": "parent-rep-1",
                      "reason": "no-commitment"}]
    for p in ("bureau-1", "notary-1"):
        s.post("/ceremonies/lottery/reveals", token=s.token("participant", p),
               json={"secret": s.secrets["lottery", p].hex()})
    s.post("/ceremonies/lottery/entropy", json={"witness": "notary-1", "values": [2] * 20})
    s.post("/ceremonies/lottery/seed")
    s.post("/draw")
    bundle = Path(s.post("/export")["path"])
    out = subprocess.run([sys.executable, "-m", "verifier", str(bundle), "--json"], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    report = json.loads(out.stdout)
    assert out.returncode == 0, report["steps"]
    steps = {r["number"]: r for r in report["steps"]}
    assert steps[10]["status"] == "pass" and steps[12]["status"] == "pass"
