"""The synthetic district season (lottery_service/demo/district.py).

Every special case is checked independently: the files are re-parsed with
`lottery_service.imports` and each case is found again from the parsed rows
alone, not from the generator's own bookkeeping. Rule IDs: P1–P13, S1–S8, G3.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from functools import cache
from typing import Any

import pytest

from lottery_service import imports
from lottery_service.core.allocation import allocate
from lottery_service.core.eligibility import (
    Application,
    check_eligibility,
    check_units,
    commit_eligibility,
)
from lottery_service.core.grouping import group_all
from lottery_service.core.records import REG, Rules
from lottery_service.core.seed import participants_hash
from lottery_service.demo import district as demo_data

HAN = re.compile(r"[\u4e00-\u9fff]{2,4}")
REG12 = re.compile(r"2026[0-9]{8}")
# The demo admits to grade 7 (初一): leaving primary school in 2026, born Sep 2013–Aug 2014.
BORN = (dt.date(2013, 9, 1), dt.date(2014, 8, 31))


def _kind(kind: str) -> str:
    """The parser's name for a kind (class_plans may be spelled class-plans there)."""
    return kind if kind in imports.KINDS else kind.replace("_", "-")


def parse(district: demo_data.DemoDistrict, kind: str) -> tuple[Any, ...]:
    filename, data = district.files[kind]
    return imports.parse(_kind(kind), data, filename).checked()


@cache
def demo() -> demo_data.DemoDistrict:
    return demo_data.generate_district()


@cache
def parsed() -> dict[str, tuple[Any, ...]]:
    d = demo()
    return {kind: parse(d, kind) for kind in d.files}


def schools() -> dict[str, Any]:
    return {s.id: s for s in parsed()["schools"]}


def applicants_by_school() -> dict[str, list[Any]]:
    by: dict[str, list[Any]] = defaultdict(list)
    for a in parsed()["applicants"]:
        by[a.school].append(a)
    return by


# ------------------------------------------------------------------ files


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    a = demo_data.generate_district(seed=11, applicants=2000)
    b = demo_data.generate_district(seed=11, applicants=2000)
    c = demo_data.generate_district(seed=12, applicants=2000)
    assert a.files == b.files and a.cases == b.cases
    assert a.files["applicants"] != c.files["applicants"]


def test_every_file_parses_without_errors() -> None:
    d = demo()
    assert set(d.files) == {"schools", "applicants", "community", "direct", "pupils",
                            "class-plans", "teachers"}
    for kind, (filename, data) in d.files.items():
        result = imports.parse(_kind(kind), data, filename)
        assert result.ok, (kind, imports.format_report(result))
        assert result.rows, kind


def test_encodings_bom_utf8_and_gb18030_applicants() -> None:
    for kind, (filename, data) in demo().files.items():
        assert filename.endswith(".csv")
        if kind == "applicants":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            assert data.decode("gb18030").startswith("报名号,")
        else:
            assert data.startswith(b"\xef\xbb\xbf")
            data.decode("utf-8")


def test_too_few_applicants_is_refused() -> None:
    with pytest.raises(ValueError):
        demo_data.generate_district(applicants=999)


def test_rules_and_participants() -> None:
    d = demo_data.generate_district(seed=1, applicants=1000, event_id="demo-x")
    r = d.rules  # as an operator writes it; the service adds type, version, origin (§3.1)
    assert {k: r[k] for k in ("event", "year", "grade", "waitlist_promotion", "dice",
                              "beacon")} == {"event": "demo-x", "year": 2026, "grade": 7,
                                             "waitlist_promotion": True, "dice": 20,
                                             "beacon": "quicknet"}  # §5.6: drand quicknet
    assert r["title"] == "2026年示范区义务教育阶段招生（演示）"
    assert "origin" not in r and demo_data.demo_rules(beacon=False)["beacon"] is None
    assert set(d.participants) == {"lottery", "grouping", "teachers"}
    for people in d.participants.values():
        assert {p.role for p in people} == {"bureau", "notary", "supervisor", "parent-rep"}
        participants_hash(people)  # sorted, distinct, ≥ 2 (§5.2)
    assert d.witness in {p.id for p in d.participants["lottery"]}


# ------------------------------------------------------------------ schools (§3.2)


def test_schools_cover_every_school_case() -> None:
    s, by = schools(), applicants_by_school()
    private = [x for x in s.values() if x.kind == "private"]
    public = [x for x in s.values() if x.kind == "public"]
    assert len(private) == 8 and len(public) == 6
    assert all(x.district == "D01" for x in s.values())
    ratio = {x.id: len(by[x.id]) / x.quota for x in private}
    assert sum(1 for v in ratio.values() if v >= 2) >= 3  # over-subscribed (P5)
    assert any(v >= 3.5 for v in ratio.values())
    assert any(v < 1 for v in ratio.values())  # under-subscribed (P4)
    assert [x.authority for x in private].count("city") == 1  # P9
    assert any(x.tuition > 6000 for x in private) and any(x.tuition <= 6000 for x in private)
    assert all(x.tuition == 0 for x in public)
    assert [x.id for x in private] == [x.id for x in demo().schools]
    assert {x.id for x in public} == set(demo().public_schools)


def test_direct_lists_below_and_above_places() -> None:
    """P10: one nine-year school with fewer direct pupils than places, one with more."""
    s, by = schools(), applicants_by_school()
    direct: Counter[str] = Counter()
    for row in parsed()["direct"]:
        assert s[row.school].nine_year
        assert row.reg in {a.reg for a in by[row.school]}
        direct[row.school] += 1
    assert any(n < s[sid].quota for sid, n in direct.items())
    assert any(n > s[sid].quota for sid, n in direct.items())


def test_community_list_smaller_than_community_plan() -> None:
    """P11: fewer community children than community places, so places return."""
    s, by = schools(), applicants_by_school()
    community: Counter[str] = Counter()
    for row in parsed()["community"]:
        a = next(a for a in by[row.school] if a.reg == row.reg)
        assert a.district == "D01"
        community[row.school] += 1
    assert community
    for sid, n in community.items():
        assert 0 < n < s[sid].community_quota


# ------------------------------------------------------------------ applicants


def test_applicant_fields_are_plausible_and_synthetic() -> None:
    apps = parsed()["applicants"]
    assert len(apps) == 5000
    regs = [a.reg for a in apps] + [p.reg for p in parsed()["pupils"]]
    assert len(set(regs)) == len(regs)
    assert all(REG12.fullmatch(r) and REG.fullmatch(r) for r in regs)
    assert all(HAN.fullmatch(a.name) for a in apps)
    assert all(re.fullmatch(r"[0-9]{3}[0-9X]", a.id_last4) for a in apps)
    assert all(a.phone is not None and re.fullmatch(r"1390000[0-9]{4}", a.phone) for a in apps)
    males = sum(a.gender == "M" for a in apps)
    assert 0.45 < males / len(apps) < 0.55
    assert all(BORN[0] <= dt.date.fromisoformat(a.birth_date) <= BORN[1] for a in apps)
    assert all(a.district in demo_data.DISTRICTS for a in apps)


def test_registration_days_spread_over_the_window() -> None:
    """G3: 11–20 June, every day used."""
    days = Counter(a.reg_day for a in parsed()["applicants"])
    assert sorted(days) == [f"2026-06-{d}" for d in range(11, 21)]


def test_p1_graduation_and_residence_cases_present() -> None:
    """P1 for grade 7: leaving primary school this year (小学毕业) and a city residence."""
    apps = parsed()["applicants"]
    leaving = Counter(a.graduating for a in apps)
    assert leaving[False] and leaving[True] > 0.98 * len(apps)
    assert any(a.basis == "none" for a in apps)
    assert {a.basis for a in apps} == {"household", "permit", "none"}


def test_p2_second_applications_present() -> None:
    """The same child (name, birth date, ID last 4) under two regs at two schools."""
    by_child: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for a in parsed()["applicants"]:
        by_child[a.name, a.birth_date, a.id_last4].append(a)
    twice = [rows for rows in by_child.values() if len(rows) > 1]
    assert twice
    for rows in twice:
        assert len(rows) == 2 and rows[0].school != rows[1].school
        assert rows[0].reg != rows[1].reg
    found = sorted(a.reg for rows in twice for a in rows)
    assert found == list(demo().cases["P2-second-application"])


def test_district_cases_p2_and_p9() -> None:
    s = schools()
    apps = parsed()["applicants"]
    out = [a for a in apps if a.district != "D01"]
    assert any(s[a.school].authority == "district" for a in out)  # P2-district
    city = [a for a in out if s[a.school].authority == "city"]
    assert city
    # The city stage runs and is over-subscribed: in-district demand < quota < all demand.
    sid = city[0].school
    local = sum(1 for a in apps if a.school == sid and a.district == "D01")
    assert local < s[sid].quota and s[sid].quota - local < len(city)


def test_defaulters_at_high_and_low_fee_schools() -> None:
    """P3 rejects at tuition > 6000 only; low-fee applications are allowed."""
    s = schools()
    fees = [s[a.school].tuition for a in parsed()["applicants"] if a.defaulter]
    assert any(t > 6000 for t in fees) and any(t <= 6000 for t in fees)


def test_policy_care_children_apply() -> None:
    """P12: a policy-care child choosing a private school is an ordinary applicant."""
    assert any(a.policy_care for a in parsed()["applicants"])


def test_joint_applications_twins_and_triplets() -> None:
    groups: dict[str, list[Any]] = defaultdict(list)
    for a in parsed()["applicants"]:
        if a.sibling_group:
            groups[a.sibling_group].append(a)
    sizes = Counter(len(g) for g in groups.values())
    assert sizes[2] > 0 and sizes[3] > 0 and set(sizes) == {2, 3}
    for members in groups.values():
        assert len({(m.school, m.district, m.birth_date, m.name[0]) for m in members}) == 1
        assert len({m.name for m in members}) == len(members)
    assert any(m.district != "D01" for g in groups.values() for m in g)  # at the city school


def test_same_full_names_within_a_school() -> None:
    names = Counter((a.school, a.name) for a in parsed()["applicants"])
    assert any(n > 1 for n in names.values())


def test_eligibility_rejects_exactly_the_planted_cases() -> None:
    """Cross-check with core/eligibility: planted P1/P2-district/P3 rejected, the rest kept."""
    d, rows = demo(), parsed()
    direct: dict[str, set[str]] = defaultdict(set)
    community: dict[str, set[str]] = defaultdict(set)
    for r in rows["direct"]:
        direct[r.school].add(r.reg)
    for r in rows["community"]:
        community[r.school].add(r.reg)
    apps = [Application(
        reg=a.reg, name=a.name, school=a.school, gender=a.gender,
        birth_date=dt.date.fromisoformat(a.birth_date), district=a.district, basis=a.basis,
        city_resident=a.basis != "none", defaulter=a.defaulter,
        direct_flag=a.reg in direct[a.school], community_flag=a.reg in community[a.school],
        sibling_group=a.sibling_group, reg_day=dt.date.fromisoformat(a.reg_day),
        graduating=a.graduating,
    ) for a in rows["applicants"]]
    rules = Rules.from_json({"type": "rules", "version": 2,
                             "origin": f"draw.example.cn/yunyan/{d.rules['event']}",
                             "rehearsal": False, **d.rules, "beacon": None})
    result = check_eligibility(rules, {s.id: s for s in d.schools}, apps, set(), direct,
                               community)
    got = {r.reg: r.code for r in result.rejections}
    for code in ("P1-graduation", "P1-residence", "P2-district", "P3-defaulter"):
        assert d.cases[code] and all(got.get(reg) == code for reg in d.cases[code]), code
    for case in ("defaulter-low-fee", "policy-care", "out-of-district-city",
                 "joint", "same-name", "direct", "community"):
        assert d.cases[case] and not any(reg in got for reg in d.cases[case]), case
    # Every allocation path of §7.2/§7.3 is exercised by the eligible roster.
    committed = commit_eligibility(d.rules["event"], result.decisions, lambda reg: bytes(32))
    draw = allocate(list(d.schools), list(committed.applicants), bytes(32), True)
    stages = {(sid, s.stage): s for sid, r in draw.schools.items() for s in r.stages}
    assert stages["S003", "city"].lottery  # P9 city stage, over-subscribed
    assert stages["S005", "direct"].lottery  # P10 direct pupils > places
    assert not stages["S004", "direct"].lottery and stages["S004", "direct"].admitted > 0
    assert draw.schools["S006"].returned_to_bureau > 0  # P11
    assert not stages["S007", "district"].lottery  # P4
    assert stages["S008", "district"].lottery  # P5


# ------------------------------------------------------------------ pupils, plans, teachers


def test_pupils_of_public_schools() -> None:
    s, by = schools(), applicants_by_school()
    pupils = parsed()["pupils"]
    admitted = sum(min(x.quota, len(by[x.id])) for x in s.values() if x.kind == "private")
    assert 2.95 * admitted <= len(pupils) <= 3 * admitted
    assert all(s[p.school].kind == "public" for p in pupils)
    assert any(p.sen for p in pupils)
    assert 0.45 < sum(p.gender == "M" for p in pupils) / len(pupils) < 0.55
    modes = {p.sibling_mode for p in pupils if p.sibling_group}
    assert modes == {"together", "apart"}
    groups = Counter((p.school, p.sibling_group) for p in pupils if p.sibling_group)
    assert set(groups.values()) == {2, 3}
    names = Counter((p.school, p.name) for p in pupils)
    assert any(n > 1 for n in names.values())


def test_class_plans_and_one_teacher_per_class() -> None:
    """S3: ceil(cohort / 45) classes of 45; S5: exactly one head teacher per class."""
    s, rows = schools(), parsed()
    pupils = Counter(p.school for p in rows["pupils"])
    classes: dict[str, list[Any]] = defaultdict(list)
    for c in rows["class-plans"]:
        assert c.capacity == 45
        classes[c.school].append(c)
    assert set(classes) == set(s)
    for sid, school in s.items():
        cohort = school.quota if school.kind == "private" else pupils[sid]
        assert len(classes[sid]) == math.ceil(cohort / 45)
    teachers = Counter(t.school for t in rows["teachers"])
    assert teachers == Counter({sid: len(c) for sid, c in classes.items()})
    assert all(re.fullmatch(r"T[0-9]{4}", t.teacher_id) and HAN.fullmatch(t.name)
               for t in rows["teachers"])
    plans = imports.plans_from_rows(rows["class-plans"])
    grouping = group_all(plans, [p.record() for p in rows["pupils"]], bytes(32))
    assert len(grouping.assignments) == len(rows["pupils"])


def test_payments_csv_most_pay_some_forfeit() -> None:
    """P7: the bank-receipt import; absent = forfeited."""
    offers = [(a.reg, a.school) for a in parsed()["applicants"][:400]]
    data = demo_data.payments_csv(offers, 0.05, rng_seed=3)
    assert data == demo_data.payments_csv(reversed(offers), 0.05, rng_seed=3)
    rows = imports.parse("payments", data, "缴费回单.csv").checked()
    assert len(rows) == 400 - 20
    assert {(r.reg, r.school) for r in rows} < set(offers)
    assert len({r.receipt for r in rows}) == len(rows)
    assert {r.paid_on for r in rows} == {"2026-07-24", "2026-07-25"}
    assert len(imports.parse("payments", demo_data.payments_csv(offers, 0.0, 1),
                             "x.csv").checked()) == 400


def test_larger_district_generates_and_parses() -> None:
    d = demo_data.generate_district(seed=5, applicants=20_000)
    assert len(parse(d, "applicants")) == 20_000
    assert all(d.cases[c] for c in ("P1-graduation", "P2-second-application", "joint",
                                     "direct"))


# ------------------------------------------------------------------ city scale


def test_city_scale_records() -> None:
    c = demo_data.city_scale_records(9, districts=10, schools=40, applicants=20_000,
                                     grouping_schools=80, pupils=12_000)
    assert c == demo_data.city_scale_records(9, districts=10, schools=40, applicants=20_000,
                                             grouping_schools=80, pupils=12_000)
    assert (len(c.schools), len(c.applicants), len(c.pupils)) == (40, 20_000, 12_000)
    regs = [a.reg for a in c.applicants] + [p.reg for p in c.pupils]
    assert len(set(regs)) == len(regs)
    check_units(c.applicants)  # members of a unit share school, district, flags (§3.2)
    units = Counter(a.unit for a in c.applicants)
    assert {2, 3} <= set(units.values())
    school = {s.id: s for s in c.schools}
    assert any(a.direct for a in c.applicants) and any(a.community for a in c.applicants)
    out = [a for a in c.applicants if a.district != school[a.school].district]
    assert out and all(school[a.school].authority == "city" for a in out)  # P9
    # Records carry masked names only (§3.2).
    masked = re.compile(r"[\u4e00-\u9fff]{1,2}\*[\u4e00-\u9fff]?")
    names = [*(a.name for a in c.applicants), *(p.name for p in c.pupils),
             *(t.name for t in c.teachers)]
    assert all(masked.fullmatch(n) for n in names)
    assert any(p.strata == ("sen",) for p in c.pupils)
    assert {p.siblings.mode for p in c.pupils if p.siblings} == {"together", "apart"}
    same: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for p in c.pupils:
        if p.same_name:
            same[p.same_name].add((p.school, p.name))
    assert same and all(len(v) == 1 for v in same.values())
    classes = sum(len(p.classes) for p in c.class_plans)
    assert len(c.teachers) == classes and len(c.class_plans) == 80
    draw = allocate(list(c.schools), list(c.applicants), bytes(32), True)
    stages = {s.stage for r in draw.schools.values() for s in r.stages if s.lottery}
    assert {"direct", "district", "city"} <= stages
    grouping = group_all(list(c.class_plans), list(c.pupils), bytes(32))
    assert len(grouping.assignments) == len(c.pupils)
