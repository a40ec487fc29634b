"""Generate tests/vectors/eligibility.json (PROTOCOL.md §7.1): run by hand, deterministic.

    .venv/bin/python tests/vectors/generate_eligibility.py

Input: the rule set (§3.1), schools (§3.2), the service's private applications
(dates as YYYY-MM-DD), the locked regs, and per school the approved
direct-promotion and community lists. Expected: the eligible applicant records
(§3.2, sorted by reg) and the rejections (§7.1, sorted by reg, school, code).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lottery_service.core.eligibility import Application, check_eligibility
from lottery_service.core.errors import ProtocolError
from lottery_service.core.records import Rules, School

OUT = Path(__file__).with_name("eligibility.json")
Json = dict[str, Any]


def rules(grade: int = 1) -> Json:
    return Rules(event="demo-2026", title="2026年演示招生", year=2026, grade=grade).to_json()


def school(sid: str, district: str = "D01", authority: str = "district",
           tuition: int = 5000) -> Json:
    return {"type": "school", "id": sid, "name": f"民办学校{sid}", "district": district,
            "authority": authority, "tuition": tuition, "quota": 10, "community_quota": 2,
            "nine_year": True}


def app(reg: str, sid: str = "S001", **kw: Any) -> Json:
    base: Json = {"reg": reg, "name": "张三丰", "school": sid, "gender": "F",
                  "birth_date": "2020-03-01", "district": "D01", "basis": "household",
                  "city_resident": True, "defaulter": False, "policy_care": False,
                  "direct_flag": False, "community_flag": False, "sibling_group": None,
                  "reg_day": "2026-06-11", "graduating": False}
    base.update(kw)
    return base


def inputs(applications: list[Json], *, grade: int = 1, schools: list[Json] | None = None,
           locked: list[str] | None = None, direct: dict[str, list[str]] | None = None,
           community: dict[str, list[str]] | None = None) -> Json:
    return {"rules": rules(grade), "schools": schools or [school("S001")],
            "applications": applications, "locked": locked or [],
            "approved_direct": direct or {}, "community_lists": community or {}}


def run_case(inp: Json) -> Json:
    schools = {s["id"]: School.from_json(s) for s in inp["schools"]}
    apps = [Application(**(a | {"birth_date": dt.date.fromisoformat(a["birth_date"]),
                                "reg_day": dt.date.fromisoformat(a["reg_day"])}))
            for a in inp["applications"]]
    result = check_eligibility(
        Rules.from_json(inp["rules"]), schools, apps, frozenset(inp["locked"]),
        {k: frozenset(v) for k, v in inp["approved_direct"].items()},
        {k: frozenset(v) for k, v in inp["community_lists"].items()})
    return {"eligible": [a.to_json() for a in result.eligible],
            "rejections": [r.to_json() for r in result.rejections]}


def case(name: str, inp: Json) -> Json:
    return {"name": name, "input": inp, "expected": run_case(inp)}


def error_case(name: str, inp: Json) -> Json:
    try:
        run_case(inp)
    except ProtocolError as exc:
        return {"name": name, "input": inp, "error": type(exc).__name__}
    raise RuntimeError(f"{name}: expected an error")


def main() -> None:
    city = school("S009", district="D02", authority="city", tuition=8000)
    cases = [
        case("worked", inputs([
            app("2026000001", name="王小明", direct_flag=True),
            app("2026000002", name="李华", community_flag=True),
            app("2026000003", name="欧阳娜娜", community_flag=True),  # not on the list
            app("2026000005", name="陈一", sibling_group="G1", reg_day="2026-06-13"),
            app("2026000004", name="陈二", sibling_group="G1", gender="M",
                reg_day="2026-06-13"),
            app("2026000006", sid="S009", district="D03", basis="permit"),
            app("2026000007", basis="none"),
        ], schools=[school("S001"), city], direct={"S001": ["2026000001"]},
            community={"S001": ["2026000002"]})),
        case("P1-residence", inputs([
            app("2026100001", basis="none", city_resident=False),
            app("2026100002", basis="permit", city_resident=False),
            app("2026100003", basis="permit"),
            app("2026100004", basis="household", city_resident=False)])),
        case("P1-age", inputs([
            app("2026200001", birth_date="2020-08-31"),  # six on 31 August: eligible
            app("2026200002", birth_date="2020-09-01")])),
        case("P1-graduation", inputs([
            app("2026300001", graduating=True, birth_date="2014-01-01"),
            app("2026300002", graduating=False, birth_date="2014-01-01")], grade=7)),
        case("P2-second-application", inputs([
            app("2026400001", sid="S001"), app("2026400001", sid="S009", district="D02"),
            app("2026400002")], schools=[school("S001"), city])),
        case("P2-district", inputs([
            app("2026500001", district="D02"),  # district-approved S001: rejected
            app("2026500002", sid="S009", district="D01")],  # city-approved: eligible
            schools=[school("S001"), city])),
        case("P3-defaulter", inputs([
            app("2026600001", defaulter=True, sid="S009", district="D02"),  # 8000 > 6000
            app("2026600002", defaulter=True),  # 5000: allowed
            app("2026600003", defaulter=True, sid="S010")],  # exactly 6000: allowed
            schools=[school("S001"), city, school("S010", tuition=6000)])),
        case("P8-locked", inputs([
            app("2026700001", policy_care=True), app("2026700002")],
            locked=["2026700001"])),
        case("P10-not-approved", inputs([
            app("2026800001", direct_flag=True), app("2026800002", direct_flag=True)],
            direct={"S001": ["2026800002"]})),
        case("first-failing-rule-wins", inputs([
            app("2026900001", basis="none", defaulter=True, district="D07",
                birth_date="2021-01-01")], locked=["2026900001"])),
        case("joint-unit-smallest-eligible-reg", inputs([
            app("2026950003", sibling_group="T"), app("2026950002", sibling_group="T"),
            app("2026950001", sibling_group="T", basis="none")])),
        error_case("reject-inconsistent-sibling-unit", inputs([
            app("2026990001", sibling_group="T", community_flag=True),
            app("2026990002", sibling_group="T", community_flag=True)],
            community={"S001": ["2026990001"]})),
        error_case("reject-unknown-school", inputs([app("2026990003", sid="S404")])),
    ]
    doc = {
        "description": "Eligibility before freezing: private applications to eligible "
                       "applicant records (unit = smallest eligible reg of a sibling group "
                       "at one school; names masked) or rejections with the first failing "
                       "§7.1 code in table order. Grade 1 cut-off: born on or before "
                       "31 August of year − 6.",
        "spec": "PROTOCOL.md §7.1",
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
