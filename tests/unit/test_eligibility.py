"""Eligibility before freezing (PROTOCOL.md §7.1; rules P1–P3, P8, P10–P12)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from lottery_service.core.eligibility import (
    CODES,
    Application,
    EligibilityResult,
    age_cutoff,
    check_eligibility,
)
from lottery_service.core.errors import AllocationError, RecordError
from lottery_service.core.records import Rules, School
from tests.paths import VECTORS as VECTOR_DIR

VECTORS = VECTOR_DIR / "eligibility.json"
CASES = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
RULES = Rules(event="demo-2026", title="t", year=2026, grade=1)
SCHOOLS = {
    "S001": School("S001", "s", "D01", "district", 5000, 10, 2, True),
    "S009": School("S009", "s", "D02", "city", 8000, 10, 0, False),
}


def application(reg: str = "2026000001", **kw: Any) -> Application:
    base: dict[str, Any] = dict(
        reg=reg, name="张三丰", school="S001", gender="F", birth_date=dt.date(2020, 3, 1),
        district="D01", basis="household", city_resident=True, defaulter=False,
        policy_care=False, direct_flag=False, community_flag=False, sibling_group=None,
        reg_day=dt.date(2026, 6, 11), graduating=False)
    base.update(kw)
    return Application(**base)


def check(apps: list[Application], rules: Rules = RULES, locked: frozenset[str] = frozenset(),
          direct: dict[str, frozenset[str]] | None = None,
          community: dict[str, frozenset[str]] | None = None) -> EligibilityResult:
    return check_eligibility(rules, SCHOOLS, apps, locked, direct or {}, community or {})


def codes(result: EligibilityResult) -> dict[str, str]:
    return {r.reg: r.code for r in result.rejections}


def run_vector(inp: dict[str, Any]) -> dict[str, Any]:
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


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vectors(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(AllocationError):
            run_vector(case["input"])
    else:
        assert run_vector(case["input"]) == case["expected"]


def test_vectors_cover_every_code() -> None:
    seen = {r["code"] for c in CASES for r in c.get("expected", {}).get("rejections", [])}
    assert seen == set(CODES)


def test_every_application_gets_exactly_one_result() -> None:
    case = next(c for c in CASES if c["name"] == "worked")
    out = run_vector(case["input"])
    regs = [a["reg"] for a in case["input"]["applications"]]
    assert sorted([a["reg"] for a in out["eligible"]] + [r["reg"] for r in out["rejections"]]) \
        == sorted(regs)


def test_P1_residence_requires_household_or_permit_in_city() -> None:
    result = check([application("R0001", basis="none"),
                    application("R0002", basis="permit", city_resident=False),
                    application("R0003", basis="permit"),
                    # household registration outside the city, no permit (issue 8 item 1)
                    application("R0004", basis="household", city_resident=False)])
    assert codes(result) == {"R0001": "P1-residence", "R0002": "P1-residence",
                             "R0004": "P1-residence"}
    assert [a.reg for a in result.eligible] == ["R0003"]


def test_P1_age_cutoff_is_31_august() -> None:
    assert age_cutoff(2026) == dt.date(2020, 8, 31)
    result = check([application("R0001", birth_date=dt.date(2020, 8, 31)),
                    application("R0002", birth_date=dt.date(2020, 9, 1))])
    assert codes(result) == {"R0002": "P1-age"}


def test_P1_graduation_for_grade_7() -> None:
    rules7 = Rules(event="demo-2026", title="t", year=2026, grade=7)
    old = dt.date(2013, 1, 1)
    result = check([application("R0001", graduating=True, birth_date=old),
                    application("R0002", birth_date=old)], rules=rules7)
    assert codes(result) == {"R0002": "P1-graduation"}


def test_P2_second_application_rejects_every_application_of_the_child() -> None:
    result = check([application("R0001"), application("R0001", school="S009")])
    assert [(r.reg, r.school, r.code) for r in result.rejections] == [
        ("R0001", "S001", "P2-second-application"), ("R0001", "S009", "P2-second-application")]
    assert result.eligible == ()


def test_P2_district_unless_city_approved() -> None:
    result = check([application("R0001", district="D02"),
                    application("R0002", school="S009", district="D01")])
    assert codes(result) == {"R0001": "P2-district"}


def test_P3_defaulter_only_above_high_fee_threshold() -> None:
    result = check([application("R0001", defaulter=True, school="S009", district="D02"),
                    application("R0002", defaulter=True)])
    assert codes(result) == {"R0001": "P3-defaulter"}


def test_P8_locked_applicant_rejected() -> None:
    result = check([application("R0001", policy_care=True), application("R0002")],
                   locked=frozenset({"R0001"}))
    assert codes(result) == {"R0001": "P8-locked"}


def test_P10_claim_without_approval_rejected_and_only_the_flag_makes_direct() -> None:
    # the flag is the claim (申请直升) or the approved list, as the service sets it
    result = check([application("R0001", direct_flag=True), application("R0002")],
                   direct={"S001": frozenset({"R0002"})})
    assert codes(result) == {"R0001": "P10-not-approved"}
    assert [(a.reg, a.direct) for a in result.eligible] == [("R0002", False)]


def test_P10_direct_promotion_needs_approved_list() -> None:
    result = check([application("R0001", direct_flag=True),
                    application("R0002", direct_flag=True)],
                   direct={"S001": frozenset({"R0002"})})
    assert codes(result) == {"R0001": "P10-not-approved"}
    assert [(a.reg, a.direct) for a in result.eligible] == [("R0002", True)]


def test_P11_community_only_when_on_the_approved_list() -> None:
    result = check([application("R0001", community_flag=True),
                    application("R0002", community_flag=True)],
                   community={"S001": frozenset({"R0001"})})
    assert [(a.reg, a.community) for a in result.eligible] == [("R0001", True),
                                                               ("R0002", False)]


def test_first_failing_rule_in_table_order() -> None:
    result = check([application("R0001", basis="none", defaulter=True, district="D09",
                                birth_date=dt.date(2021, 1, 1))], locked=frozenset({"R0001"}))
    assert codes(result) == {"R0001": "P1-residence"}


def test_joint_unit_and_masked_names() -> None:
    result = check([application("R0003", name="陈一", sibling_group="G"),
                    application("R0002", name="欧阳娜娜", sibling_group="G"),
                    application("R0001", sibling_group="G", basis="none")])
    assert [(a.reg, a.unit, a.name) for a in result.eligible] == [
        ("R0002", "R0002", "欧*娜"), ("R0003", "R0002", "陈*")]


def test_inconsistent_sibling_unit_raises() -> None:
    with pytest.raises(AllocationError, match="unit"):
        check([application("R0001", sibling_group="G", direct_flag=True),
               application("R0002", sibling_group="G")],
              direct={"S001": frozenset({"R0001"})})


def test_bad_application_rejected() -> None:
    with pytest.raises(RecordError):
        application("r-1")
    with pytest.raises(RecordError):
        application(basis="hukou")
    with pytest.raises(AllocationError, match="unknown school"):
        check([application(school="S404")])
