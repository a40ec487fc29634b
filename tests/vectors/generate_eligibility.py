"""Reference generator for eligibility.json: PROTOCOL.md v2 §7.1, §3.2, §17.1, §17.2.

From the private application table and the bureau's lists to the public
applicant records, the sealed rejection leaves, the `eligibility_rejections`
body and each rejected family's inclusion proof, written from the text alone
(no lottery_service, no verifier).

    .venv/bin/python tests/vectors/generate_eligibility.py [OUT_DIR]
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from generate_ceremony import attrs, b64, canon, fixed_salt, inclusion_path, make_rules, mth, school

Json = Any
GENERATOR = "tests/vectors/generate_eligibility.py"
CODES = ["P1-residence", "P1-age", "P1-graduation", "P2-second-application", "P2-district",
         "P3-defaulter", "P8-locked", "P10-not-approved"]


class Refused(Exception):
    """Refused at import (validated at the door); args = (section, rule, reason)."""


def mask(name: str) -> str:
    """§3.2: keep the first and last character, one * between; 2 chars → 张*; 1 char → 张*."""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" + name[-1]


def check_import(inp: Json) -> None:
    """§7.1 import checks: the lists name only applicants of that school; direct promotion
    only at a nine_year school of a grade-7 event; applications only to the lottery's
    (private) schools, P13."""
    schools = {s["id"]: s for s in inp["schools"]}
    regs = [a["reg"] for a in inp["applications"]]
    if len(set(regs)) != len(regs):
        raise Refused("§1", "P2", "a registration number appears twice")
    of_school = {a["reg"]: a["school"] for a in inp["applications"]}
    for a in inp["applications"]:
        if a["school"] not in schools:
            raise Refused("§7.1", "P13", f"{a['reg']}: {a['school']} is not a private school "
                                         "of this lottery")
        if a["basis"] not in ("household", "permit", "none"):
            raise Refused("§7.1", "P1", f"{a['reg']}: basis is household, permit or none")
    for kind, lists in (("direct", inp["direct_lists"]), ("community", inp["community_lists"])):
        for sid, names in lists.items():
            if sid not in schools:
                raise Refused("§7.1", "P13", f"{kind} list of unknown school {sid}")
            for reg in names:
                if of_school.get(reg) != sid:
                    raise Refused("§7.1", "P10" if kind == "direct" else "P11",
                                  f"{kind} list of {sid} names {reg}, not an applicant of "
                                  "that school")
            if kind == "direct" and names and not (
                    schools[sid]["nine_year"] and inp["rules"]["grade"] == 7):
                raise Refused("§7.1", "P10", f"direct promotion at {sid} needs a nine_year "
                                             "school in a grade-7 event")


def code_of(a: Json, inp: Json, applications_per_child: dict[str, int]) -> str | None:
    """§7.1: the code of the first rule the application fails, in table order."""
    rules, s = inp["rules"], next(s for s in inp["schools"] if s["id"] == a["school"])
    if a["basis"] == "none" or not a["city_resident"]:
        return "P1-residence"
    if rules["grade"] == 1 and date.fromisoformat(a["birth_date"]) > date(rules["year"] - 6,
                                                                           8, 31):
        return "P1-age"
    if rules["grade"] == 7 and not a["graduating"]:
        return "P1-graduation"
    if applications_per_child[a["child"]] > 1:
        return "P2-second-application"
    if a["district"] != s["district"] and s["authority"] != "city":
        return "P2-district"
    if a["defaulter"] and s["tuition"] > rules["high_fee_threshold"]:
        return "P3-defaulter"
    if a["reg"] in inp["locked"]:
        return "P8-locked"
    if a["direct_flag"] and a["reg"] not in inp["direct_lists"].get(a["school"], []):
        return "P10-not-approved"
    return None


def eligibility(inp: Json) -> Json:
    check_import(inp)
    apps = sorted(inp["applications"], key=lambda a: a["reg"])
    per_child: dict[str, int] = {}
    for a in apps:
        per_child[a["child"]] = per_child.get(a["child"], 0) + 1
    codes = {a["reg"]: code_of(a, inp, per_child) for a in apps}
    eligible = [a for a in apps if codes[a["reg"]] is None]
    records = []
    for a in eligible:
        group = [b["reg"] for b in eligible if a["sibling_group"] is not None
                 and b["sibling_group"] == a["sibling_group"] and b["school"] == a["school"]]
        records.append({
            "type": "applicant", "reg": a["reg"], "name": mask(a["name"]), "school": a["school"],
            "district": a["district"], "reg_day": a["reg_day"], "direct": a["direct_flag"],
            "community": a["community_flag"]
            and a["reg"] in inp["community_lists"].get(a["school"], []),
            "unit": min(group) if group else a["reg"],
            "attrs": attrs(a["reg"], a["gender"], [], a["salt"])})
    by_reg = {r["reg"]: r for r in records}
    for r in records:  # §3.2: a unit's members agree; the head is in the input
        for member in ("school", "district", "direct", "community"):
            if r[member] != by_reg[r["unit"]][member]:
                raise Refused("§3.2", "P13", f"{r['reg']}: members of the joint application "
                                             f"{r['unit']} differ in {member}")
    leaves = sorted(canon({"type": "rejection", "event": inp["rules"]["event"], "reg": a["reg"],
                           "school": a["school"], "code": codes[a["reg"]], "salt": a["salt"]})
                    for a in apps if codes[a["reg"]] is not None)
    openings = []
    for i, leaf in enumerate(leaves):
        openings.append({"reg": json.loads(leaf)["reg"], "records_item": {
            "ceremony": "rejections", "index": i, "size": len(leaves), "record": leaf.decode(),
            "proof": [b64(h) for h in inclusion_path(i, leaves)]}})
    return {
        "decisions": [{"reg": a["reg"], "code": codes[a["reg"]]} for a in apps],
        "applicant_records": records,
        "rejection_leaves": [leaf.decode() for leaf in leaves],
        "eligibility_rejections": {"count": len(leaves), "root": mth(leaves).hex()},
        "rejection_openings": openings,
    }


# --- the vectors -------------------------------------------------------------------------

RULES1 = make_rules("demo-2026")
RULES7 = make_rules("demo-2026-g7", grade=7)
SCHOOLS = [school("S001", "阳光实验学校", quota=5, tuition=5000),
           school("S002", "区属民办", district="D01", authority="district", tuition=8000),
           school("S003", "高收费学校", district="D02", tuition=9000, nine_year=True)]


def app(reg: str, **kw: Any) -> Json:
    a = {"reg": reg, "name": "张小明", "child": "child-" + reg, "school": "S001",
         "district": "D01", "basis": "household", "city_resident": True,
         "birth_date": "2020-03-01", "graduating": False, "defaulter": False,
         "direct_flag": False, "community_flag": False, "sibling_group": None,
         "reg_day": "2026-06-11", "gender": "F", "salt": fixed_salt("lottery/" + reg)}
    a.update(kw)
    return a


def inp(applications: list[Json], *, rules: Json = RULES1, locked: list[str] | None = None,
        direct: Json = None, community: Json = None) -> Json:
    return {"rules": rules, "schools": SCHOOLS, "applications": applications,
            "locked": locked or [], "direct_lists": direct or {},
            "community_lists": community or {}}


def case(name: str, i: Json, note: str) -> Json:
    return {"name": name, "note": note, "input": i, "expected": eligibility(i)}


def refused(name: str, i: Json, note: str) -> Json:
    try:
        eligibility(i)
    except Refused as exc:
        section, rule, reason = exc.args
        return {"name": name, "note": note, "input": i,
                "error": {"section": section, "rule": rule, "reason": reason}}
    raise AssertionError(name)


def build() -> Json:
    worked = inp([
        app("2026000001", name="王晓明"),
        app("2026000002", name="李华", basis="none"),
        app("2026000003", name="赵", birth_date="2020-09-01"),
        app("2026000004", name="陈一", child="child-X"),
        app("2026000005", name="陈一", child="child-X", school="S002"),
        app("2026000006", name="欧阳娜娜", school="S002", district="D02"),
        app("2026000007", name="周杰", school="S003", defaulter=True),
        app("2026000008", name="吴芳"),
        app("2026000009", name="郑和", community_flag=True, reg_day="2026-06-12"),
        app("2026000010", name="Li Ming", gender="M", school="S003", district="D03"),
    ], locked=["2026000008"], community={"S001": ["2026000009"]})
    cases = [case("worked", worked, "one application per outcome: eligible, P1-residence, "
                                    "P1-age, P2-second-application (twice), P2-district, "
                                    "P3-defaulter, P8-locked, community, out-of-district at a "
                                    "city school")]
    one = [
        ("P1-residence-no-basis", inp([app("2026100001", basis="none")])),
        ("P1-residence-not-city", inp([app("2026100002", basis="permit", city_resident=False)])),
        ("P1-age", inp([app("2026100003", birth_date="2020-09-01")])),
        ("P1-graduation", inp([app("2026100004", graduating=False, school="S003",
                                   district="D02")], rules=RULES7)),
        ("P2-second-application", inp([app("2026100005", child="c"),
                                       app("2026100006", child="c", school="S003")])),
        ("P2-district", inp([app("2026100007", school="S002", district="D05")])),
        ("P3-defaulter", inp([app("2026100008", school="S003", defaulter=True)])),
        ("P8-locked", inp([app("2026100009")], locked=["2026100009"])),
        ("P10-not-approved", inp([app("2026100010", school="S003", district="D02",
                                      graduating=True, direct_flag=True)], rules=RULES7)),
    ]
    cases += [case(n, i, f"fails {n.split('-', 1)[0]} only") for n, i in one]
    cases += [
        case("P1-age-boundary", inp([app("2026200001", birth_date="2020-08-31"),
                                     app("2026200002", birth_date="2020-09-01")]),
             "born 31 August of year − 6 is eligible; 1 September is not"),
        case("P3-threshold-boundary", inp([app("2026200003", defaulter=True, school="S001"),
                                           app("2026200004", defaulter=True, school="S002"),
                                           app("2026200005", defaulter=True, school="S003")]),
             "tuition 5000 and 8000 vs threshold 6000: only > threshold fails (8000 at S002 "
             "and 9000 at S003)"),
        case("first-failing-rule-wins", inp([
            app("2026200006", basis="none", birth_date="2021-01-01", defaulter=True,
                school="S003", child="d"),
            app("2026200007", child="d", school="S002", district="D09", defaulter=True),
            app("2026200008", school="S002", district="D09", defaulter=True)],
            locked=["2026200008"]),
            "P1-residence before P1-age; P2-second-application before P2-district; P2-district "
            "before P3 and P8"),
        case("P2-counts-rejected-applications", inp([
            app("2026200009", child="e", basis="none"), app("2026200010", child="e")]),
            "the child's other application fails P1 first, yet it still counts for P2: both "
            "rejected, with different codes"),
        case("joint-unit-smallest-eligible-reg", inp([
            app("2026300001", name="双胞一", sibling_group="G1"),
            app("2026300002", name="双胞二", sibling_group="G1"),
            app("2026300003", name="双胞三", sibling_group="G1")], locked=["2026300001"]),
            "the smallest reg is locked (P8), so the unit is the smallest eligible reg"),
        case("sibling-group-across-schools", inp([
            app("2026300004", sibling_group="G2"),
            app("2026300005", sibling_group="G2", child="child-2026300005b", school="S003",
                district="D02")]),
            "a joint application forms a unit per school: two units of one"),
        case("community-list-intersection", inp([
            app("2026400001", community_flag=True), app("2026400002", community_flag=True),
            app("2026400003", community_flag=False)],
            community={"S001": ["2026400001", "2026400003"]}),
            "community = flag and on the list: only 2026400001"),
        case("direct-approved-grade-7", inp([
            app("2026400004", school="S003", district="D02", graduating=True, direct_flag=True),
            app("2026400005", school="S003", district="D02", graduating=True)],
            rules=RULES7, direct={"S003": ["2026400004"]}), "P10 approved"),
        case("no-rejections", inp([app("2026400006"), app("2026400007", gender="M")]),
             "count 0 and the empty-tree root"),
        case("masked-names", inp([app(f"20265000{i:02d}", name=n) for i, n in enumerate(
            ["张", "张明", "张小明", "欧阳娜娜", "阿依古丽·买买提", "Li Ming"])]),
            "§3.2 masking by Unicode code points"),
    ]
    negatives = [
        refused("reject-application-to-public-school", inp([app("2026600001", school="P001")]),
                "P13: refused at import, not an unknown school later"),
        refused("reject-direct-list-non-applicant", inp([app("2026600002", school="S003",
                                                             district="D02", graduating=True)],
                                                        rules=RULES7,
                                                        direct={"S003": ["2026600099"]}),
                "issue 8 item 4"),
        refused("reject-direct-list-other-school", inp([app("2026600003", graduating=True)],
                                                       rules=RULES7,
                                                       direct={"S003": ["2026600003"]}),
                "issue 8 item 4"),
        refused("reject-direct-list-not-nine-year", inp([app("2026600004", graduating=True)],
                                                        rules=RULES7,
                                                        direct={"S001": ["2026600004"]}),
                "issue 8 item 4"),
        refused("reject-direct-list-grade-1", inp([app("2026600005", school="S003",
                                                       district="D02")],
                                                  direct={"S003": ["2026600005"]}),
                "issue 8 item 4"),
        refused("reject-community-list-non-applicant", inp(
            [app("2026600006")], community={"S001": ["2026600007"]}), "issue 8 item 4"),
        refused("reject-joint-unit-mixed-community", inp(
            [app("2026600008", sibling_group="G3", community_flag=True),
             app("2026600009", sibling_group="G3", community_flag=True)],
            community={"S001": ["2026600008"]}),
            "one twin on the community list, the other not: the unit would break §3.2"),
        refused("reject-joint-unit-mixed-district", inp(
            [app("2026600010", sibling_group="G4"),
             app("2026600011", sibling_group="G4", district="D02")]),
            "members of one unit MUST have the same district (§3.2)"),
        refused("reject-duplicate-reg", inp([app("2026600012"), app("2026600012")]), "§1"),
    ]
    return {
        "version": 2, "generator": GENERATOR, "spec": "PROTOCOL.md v2 §3.2, §7.1, §17.1, §17.2",
        "description": (
            "Eligibility from the private application table (§7.1 fields plus name and the "
            "service's salt) and the bureau's lists (locked, direct_lists, community_lists). "
            "expected: the code per application (null = eligible), the applicant records "
            "(ascending reg), the rejection leaves (sorted bytewise), the eligibility_rejections "
            "body and, per rejected reg, the §14 records item (ceremony \"rejections\") that "
            "opens its leaf. Negative cases are refused at import with {section, rule, reason}."),
        "notes": [
            "Each application's salt serves its attribute commitment when eligible and its "
            "rejection leaf when rejected (§17.2 'salt as in §17.1').",
            "P2-second-application counts every application of the child, also ones that "
            "fail an earlier rule (the worked example's child-X has two).",
            "name is the applicant's full name, held privately and masked by code points "
            "(§3.2) for the record; §7.1's table lacked it.",
            "A sibling group forms one unit per school; members at different schools are "
            "separate units.",
            "Proof hashes of records_item are base64, as in §14.",
        ],
        "cases": cases + negatives,
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    (out / "eligibility.json").write_text(
        json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
