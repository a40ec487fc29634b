"""Eligibility before freezing (PROTOCOL.md §7.1; rules P1–P3, P8, P10–P12)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from lottery_service.core.eligibility import (
    CODES,
    Application,
    EligibilityResult,
    LotteryInput,
    age_cutoff,
    check_eligibility,
    commit_eligibility,
)
from lottery_service.core.errors import AllocationError, ProtocolError, RecordError
from lottery_service.core.records import Applicant, Rules, School
from tests.paths import VECTORS as VECTOR_DIR

VECTORS = VECTOR_DIR / "eligibility.json"
CASES = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
RULES = Rules(event="demo-2026", origin="draw.example.cn/yunyan/demo-2026", title="t",
              year=2026, grade=1)
SCHOOLS = {
    "S001": School("S001", "s", "D01", "district", 5000, 10, 2, True),
    "S009": School("S009", "s", "D02", "city", 8000, 10, 0, False),
}


def application(reg: str = "2026000001", **kw: Any) -> Application:
    base: dict[str, Any] = dict(
        reg=reg, name="张三丰", school="S001", gender="F", birth_date=dt.date(2020, 3, 1),
        district="D01", basis="household", city_resident=True, defaulter=False,
        direct_flag=False, community_flag=False, sibling_group=None,
        reg_day=dt.date(2026, 6, 11), graduating=False)
    base.update(kw)
    return Application(**base)


def check(apps: list[Application], rules: Rules = RULES, locked: frozenset[str] = frozenset(),
          direct: dict[str, frozenset[str]] | None = None,
          community: dict[str, frozenset[str]] | None = None) -> EligibilityResult:
    return check_eligibility(rules, SCHOOLS, apps, locked, direct or {}, community or {})


def codes(result: EligibilityResult) -> dict[str, str]:
    return {r.reg: r.code for r in result.rejections}


def records(result: EligibilityResult) -> list[Applicant]:
    """The applicant records the freeze would log (salts are irrelevant here)."""
    return list(commit_eligibility("demo-2026", result.decisions, lambda reg: bytes(32)).applicants)


RULES7 = Rules(event="demo-2026", origin="draw.example.cn/yunyan/demo-2026", title="t",
               year=2026, grade=7)
OLD = dt.date(2013, 1, 1)


def run_vector(inp: dict[str, Any]) -> tuple[EligibilityResult, LotteryInput]:
    rules = Rules.from_json(inp["rules"])
    schools = {s["id"]: School.from_json(s) for s in inp["schools"]}
    salts = {a["reg"]: bytes.fromhex(a["salt"]) for a in inp["applications"]}
    apps = [Application(**({k: v for k, v in a.items() if k != "salt"}
                           | {"birth_date": dt.date.fromisoformat(a["birth_date"]),
                              "reg_day": dt.date.fromisoformat(a["reg_day"])}))
            for a in inp["applications"]]
    result = check_eligibility(
        rules, schools, apps, frozenset(inp["locked"]),
        {k: frozenset(v) for k, v in inp["direct_lists"].items()},
        {k: frozenset(v) for k, v in inp["community_lists"].items()})
    return result, commit_eligibility(rules.event, result.decisions, salts.__getitem__)


VALID = [c for c in CASES if "expected" in c]
REFUSED = [c for c in CASES if "error" in c]


@pytest.mark.parametrize("case", VALID, ids=[c["name"] for c in VALID])
def test_vectors(case: dict[str, Any]) -> None:
    result, committed = run_vector(case["input"])
    exp = case["expected"]
    decided = {r.reg: r.code for r in result.rejections}
    assert [{"reg": a["reg"], "code": decided.get(a["reg"])}
            for a in sorted(case["input"]["applications"], key=lambda a: a["reg"])] == \
        exp["decisions"]
    assert [r.to_json() for r in committed.applicants] == exp["applicant_records"]
    assert [leaf.leaf.decode() for leaf in committed.rejections.leaves] == exp["rejection_leaves"]
    assert {"count": committed.rejections.count, "root": committed.rejections.root.hex()} == \
        exp["eligibility_rejections"]
    tree = committed.rejections
    for opening in exp["rejection_openings"]:
        item = opening["records_item"]
        index = tree.index_of(opening["reg"])
        assert index == item["index"] and tree.count == item["size"]
        assert tree.leaves[index].leaf.decode() == item["record"]
        assert [base64.b64encode(h).decode() for h in tree.inclusion_proof(index)] == \
            item["proof"]
    for record in committed.applicants:  # every attrs opens to the application's gender
        assert committed.openings[record.reg].attrs == record.attrs


@pytest.mark.parametrize("case", REFUSED, ids=[c["name"] for c in REFUSED])
def test_refusals(case: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as caught:
        run_vector(case["input"])
    want = case["error"]
    assert (caught.value.section, caught.value.rule) == (want["section"].removeprefix("§"),
                                                         want["rule"])
    assert caught.value.message == want["reason"]


def test_vectors_cover_every_code() -> None:
    seen = {d["code"] for c in VALID for d in c["expected"]["decisions"]} - {None}
    assert seen == set(CODES)


def test_every_application_gets_exactly_one_result() -> None:
    case = next(c for c in CASES if c["name"] == "worked")
    result, _ = run_vector(case["input"])
    regs = [a["reg"] for a in case["input"]["applications"]]
    assert sorted([e.application.reg for e in result.eligible]
                  + [r.reg for r in result.rejections]) == sorted(regs)


def test_P1_residence_requires_household_or_permit_in_city() -> None:
    result = check([application("R0001", basis="none"),
                    application("R0002", basis="permit", city_resident=False),
                    application("R0003", basis="permit"),
                    # household registration outside the city, no permit (issue 8 item 1)
                    application("R0004", basis="household", city_resident=False)])
    assert codes(result) == {"R0001": "P1-residence", "R0002": "P1-residence",
                             "R0004": "P1-residence"}
    assert [a.reg for a in records(result)] == ["R0003"]


def test_P1_age_cutoff_is_31_august() -> None:
    assert age_cutoff(2026) == dt.date(2020, 8, 31)
    result = check([application("R0001", birth_date=dt.date(2020, 8, 31)),
                    application("R0002", birth_date=dt.date(2020, 9, 1))])
    assert codes(result) == {"R0002": "P1-age"}


def test_P1_graduation_for_grade_7() -> None:
    result = check([application("R0001", graduating=True, birth_date=OLD),
                    application("R0002", birth_date=OLD)], rules=RULES7)
    assert codes(result) == {"R0002": "P1-graduation"}


def test_P2_second_application_rejects_every_application_of_the_child() -> None:
    result = check([application("R0001", child="c1"),
                    application("R0002", school="S009", child="c1")])
    assert [(r.reg, r.school, r.code) for r in result.rejections] == [
        ("R0001", "S001", "P2-second-application"), ("R0002", "S009", "P2-second-application")]
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
    result = check([application("R0001"), application("R0002")],
                   locked=frozenset({"R0001"}))
    assert codes(result) == {"R0001": "P8-locked"}


def test_P10_claim_without_approval_rejected_and_only_the_flag_makes_direct() -> None:
    # the flag is the claim (申请直升) or the approved list, as the service sets it
    result = check([application("R0001", direct_flag=True, graduating=True, birth_date=OLD),
                    application("R0002", graduating=True, birth_date=OLD)],
                   rules=RULES7, direct={"S001": frozenset({"R0002"})})
    assert codes(result) == {"R0001": "P10-not-approved"}
    assert [(a.reg, a.direct) for a in records(result)] == [("R0002", False)]


def test_P10_direct_promotion_needs_approved_list() -> None:
    result = check([application("R0001", direct_flag=True, graduating=True, birth_date=OLD),
                    application("R0002", direct_flag=True, graduating=True, birth_date=OLD)],
                   rules=RULES7, direct={"S001": frozenset({"R0002"})})
    assert codes(result) == {"R0001": "P10-not-approved"}
    assert [(a.reg, a.direct) for a in records(result)] == [("R0002", True)]
    with pytest.raises(AllocationError, match="grade-7"):  # no direct promotion in grade 1
        check([application("R0002", direct_flag=True)], direct={"S001": frozenset({"R0002"})})


def test_P11_community_only_when_on_the_approved_list() -> None:
    result = check([application("R0001", community_flag=True),
                    application("R0002", community_flag=True)],
                   community={"S001": frozenset({"R0001"})})
    assert [(a.reg, a.community) for a in records(result)] == [("R0001", True),
                                                               ("R0002", False)]


def test_first_failing_rule_in_table_order() -> None:
    result = check([application("R0001", basis="none", defaulter=True, district="D09",
                                birth_date=dt.date(2021, 1, 1))], locked=frozenset({"R0001"}))
    assert codes(result) == {"R0001": "P1-residence"}


def test_joint_unit_and_masked_names() -> None:
    result = check([application("R0003", name="陈一", sibling_group="G"),
                    application("R0002", name="欧阳娜娜", sibling_group="G"),
                    application("R0001", sibling_group="G", basis="none")])
    records = commit_eligibility("demo-2026", result.decisions, lambda reg: bytes(32)).applicants
    assert [(a.reg, a.unit, a.name) for a in records] == [
        ("R0002", "R0002", "欧*娜"), ("R0003", "R0002", "陈*")]


def test_inconsistent_sibling_unit_raises() -> None:
    with pytest.raises(AllocationError, match="joint application"):
        check([application("R0001", sibling_group="G", direct_flag=True, graduating=True,
                            birth_date=OLD),
               application("R0002", sibling_group="G", graduating=True, birth_date=OLD)],
              rules=RULES7, direct={"S001": frozenset({"R0001"})})


def test_bad_application_rejected() -> None:
    with pytest.raises(RecordError):
        application("r-1")
    with pytest.raises(RecordError):
        application(basis="hukou")
    with pytest.raises(AllocationError, match="not a private school"):
        check([application(school="S404")])
