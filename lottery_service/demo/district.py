"""A synthetic district season: the import files a bureau would upload, and city-scale records.

Everything here is invented and deterministic (one seeded `random.Random`, no
I/O): the same seed gives the same bytes, so demos, tests and benchmarks are
repeatable. People are synthetic: plausible Chinese names drawn from common
characters, phones in the unassigned-looking block 1390000xxxx, registration
numbers "2026" + 8 random digits that encode nothing about the child
(PROTOCOL.md §3.2: no personal data in a reg, which is published).

`generate_district` builds one district (D01 云岩区) with neighbours D02..D10
and every special case the eligibility check (§7.1) and the allocation (§7.2)
must handle, as CSV files in the column headers of `lottery_service.imports`.
`city_scale_records` skips the files and returns core records directly for
benchmarks (bench/city.py).
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import hashlib
import io
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Final

from ..core.records import (
    Applicant,
    ClassPlan,
    ClassSpec,
    Gender,
    OpenedPupil,
    School,
    SiblingMode,
    Siblings,
    Teacher,
    mask_name,
)
from ..core.seed import Participant

__all__ = [
    "CLASS_SIZE",
    "DISTRICTS",
    "HOME_DISTRICT",
    "CityScale",
    "DemoDistrict",
    "city_scale_records",
    "demo_participants",
    "demo_rules",
    "generate_district",
    "payments_csv",
]

YEAR: Final = 2026
HOME_DISTRICT: Final = "D01"
DISTRICTS: Final[Mapping[str, str]] = {
    "D01": "云岩区", "D02": "南明区", "D03": "花溪区", "D04": "乌当区", "D05": "白云区",
    "D06": "观山湖区", "D07": "清镇市", "D08": "修文县", "D09": "息烽县", "D10": "开阳县",
}
NEIGHBOURS: Final = tuple(d for d in DISTRICTS if d != HOME_DISTRICT)
CLASS_SIZE: Final = 45  # standard class size of the demo class plans (S3)
MIN_APPLICANTS: Final = 1000  # below this some special cases would not fit

# G3: registration 11–20 June; more families register on the first days.
REG_DAYS: Final = tuple(dt.date(YEAR, 6, d).isoformat() for d in range(11, 21))
_REG_DAY_CUM: Final = tuple(accumulate((20, 14, 11, 9, 8, 7, 7, 7, 8, 9)))

# The demo admits to grade 7 (初一): direct promotion (P10) exists only there. Pupils
# leaving primary school in 2026 were born from September 2013 to August 2014; P1 asks
# that they graduate this year (小学毕业), whatever their age.
_BORN_FIRST: Final = dt.date(YEAR - 13, 9, 1).toordinal()
_BORN_LAST: Final = dt.date(YEAR - 12, 8, 31).toordinal()

# ---------------------------------------------------------------------- names

# Common surnames with rough relative frequencies (Guizhou adds 龙, 罗, 杨, 吴);
# two compound surnames exercise four-character names in mask_name.
_SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚"
)
_SURNAME_LIST: Final[tuple[str, ...]] = (*_SURNAMES, "欧阳", "上官")
_SURNAME_CUM: Final = tuple(accumulate(
    [max(1, 60 - i) for i in range(len(_SURNAMES))] + [2, 1]))
_MALE: Final = "浩宇轩子俊博文杰睿泽明鹏然晨阳瑞航诚铭昊天烨磊翔嘉乐志毅霖辰彦一安"
_FEMALE: Final = "欣怡梓涵诗雨佳琪悦思可馨萱婷雅晴彤妍语若琳桐瑶依紫嘉一安乐"
_ADULT: Final = "建国华英军红芳平伟丽静敏强磊洁艳秀玉兰梅霞燕勇涛斌超明"


def _surname(rng: random.Random) -> str:
    i = bisect.bisect_right(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])
    return _SURNAME_LIST[i]


def _given(rng: random.Random, gender: Gender) -> str:
    pool = _MALE if gender == "M" else _FEMALE
    if rng.random() < 0.2:
        return rng.choice(pool)
    return rng.choice(pool) + rng.choice(pool)


def _adult_name(rng: random.Random) -> str:
    return _surname(rng) + rng.choice(_ADULT) + (rng.choice(_ADULT) if rng.random() < 0.6 else "")


def _gender(rng: random.Random) -> Gender:
    return "M" if rng.random() < 0.5 else "F"


def _id_last4(rng: random.Random, gender: Gender) -> str:
    # Like a real ID number: the 17th character is odd for boys, even for girls;
    # the 18th is a check character 0-9 or X.
    parity = rng.choice("13579" if gender == "M" else "02468")
    return f"{rng.randrange(100):02d}{parity}{'0123456789X'[rng.randrange(11)]}"


def _phone(rng: random.Random) -> str:
    return f"1390000{rng.randrange(10000):04d}"


def _reg_day(rng: random.Random) -> str:
    return REG_DAYS[bisect.bisect_right(_REG_DAY_CUM, rng.random() * _REG_DAY_CUM[-1])]


def _regs(rng: random.Random, count: int) -> list[str]:
    """`count` distinct 12-digit regs: "2026" + 8 random digits, no personal data."""
    return [f"{YEAR}{n:08d}" for n in rng.sample(range(10**8), count)]


# ---------------------------------------------------------------------- the district


@dataclass(frozen=True, slots=True)
class _Private:
    id: str
    name: str
    authority: str  # "city" | "district"
    tuition: int  # yuan per term; > 6000 is high-fee (P3)
    nine_year: bool
    weight: int  # thousandths of the applications


# Eight private schools of D01, each with its reason to be in the demo.
_PRIVATE: Final = (
    _Private("S001", "明德实验学校", "district", 12800, False, 200),  # ×3 over, high fee
    _Private("S002", "博雅小学", "district", 4500, False, 180),  # ×2 over, low fee
    _Private("S003", "育才外国语学校", "city", 8800, False, 140),  # city-approved (P9)
    _Private("S004", "启智九年制学校", "district", 5800, True, 120),  # direct < places (P10)
    _Private("S005", "致远九年制学校", "district", 9600, True, 40),  # direct > places (P10)
    _Private("S006", "阳光花园配套学校", "district", 6000, False, 140),  # community (P11)
    _Private("S007", "清溪小学", "district", 3800, False, 60),  # under-subscribed (P4)
    _Private("S008", "英才双语学校", "district", 15000, False, 120),  # ×4 over, high fee
)
# Public schools of D01: their pupils are imported for grouping (S1), weights in thousandths.
_PUBLIC: Final = (
    ("S101", "云岩区第一小学", 220), ("S102", "云岩区第二小学", 200),
    ("S103", "云岩区实验小学", 180), ("S104", "云岩区东山小学", 150),
    ("S105", "云岩区北京路小学", 130), ("S106", "云岩区黔灵小学", 120),
)
_DIRECT_SCHOOLS: Final = ("S004", "S005")
_COMMUNITY_SCHOOL: Final = "S006"
_CITY_SCHOOL: Final = "S003"
_HIGH_FEE: Final = ("S001", "S003", "S008", "S005")
_LOW_FEE: Final = ("S002", "S007", "S006", "S004")  # S006 charges exactly 6000: not high (P3)
_DISTRICT_AUTHORITY: Final = ("S001", "S002", "S004", "S007", "S008")

TITLE: Final = "2026年示范区义务教育阶段招生（演示）"


class _App:
    """One application row while it is being built (mutable; becomes a CSV row)."""

    __slots__ = (
        "basis",
        "birth",
        "defaulter",
        "district",
        "gender",
        "graduating",
        "group",
        "last4",
        "name",
        "phone",
        "policy_care",
        "reg",
        "reg_day",
        "school",
        "surname",
    )

    def __init__(self, rng: random.Random, reg: str, school: str, district: str) -> None:
        gender = _gender(rng)
        self.reg, self.school, self.district, self.gender = reg, school, district, gender
        self.surname = _surname(rng)
        self.name = self.surname + _given(rng, gender)
        self.birth = dt.date.fromordinal(rng.randint(_BORN_FIRST, _BORN_LAST))
        self.basis = "户籍" if rng.random() < 0.7 else "居住证"
        self.defaulter = False
        self.graduating = True
        self.policy_care = False
        self.group = ""
        self.reg_day = _reg_day(rng)
        self.last4 = _id_last4(rng, gender)
        self.phone = _phone(rng)

    def child_key(self) -> tuple[str, dt.date, str]:
        return (self.name, self.birth, self.last4)


@dataclass(frozen=True)
class DemoDistrict:
    """A generated season: import files, rule set, participants and the planted cases.

    `files` maps an import kind to (file name, bytes): CSV in UTF-8 with BOM,
    except the applicants file in GB18030 (as Chinese Excel saves it).
    `cases` maps a case name to the registration numbers planted for it: the
    §7.1 rejection codes (what eligibility must reject) and the allowed special
    cases (`defaulter-low-fee`, `policy-care`, `out-of-district-city`, `joint`,
    `same-name`, `direct`, `community`), so a demo run can
    check its outcome against what was planted.
    """

    files: dict[str, tuple[str, bytes]]
    rules: dict[str, Any]  # the operator's rule set (§3.1); the service adds its origin
    participants: dict[str, tuple[Participant, ...]]
    cases: dict[str, tuple[str, ...]]
    schools: tuple[School, ...]  # the private schools as lottery records (§3.2)
    public_schools: tuple[str, ...]
    witness: str = "notary-1"  # reads the dice (§5.5)


def demo_rules(event_id: str = "demo-2026", *, beacon: bool = True) -> dict[str, Any]:
    """The demo rule set (§3.1) as an operator writes it: grade 7 of 2026, waiting-order
    promotion on (P7), 20 dice and, by default, drand quicknet as the beacon (§5.6). The
    service adds type, version and its origin (§12.1)."""
    return {"event": event_id, "title": TITLE, "year": YEAR, "grade": 7,
            "high_fee_threshold": 6000, "waitlist_promotion": True, "dice": 20,
            "beacon": "quicknet" if beacon else None}


def demo_participants() -> dict[str, tuple[Participant, ...]]:
    """Per ceremony, the participants by role id, sorted by id (§5.2, S7)."""
    people = (Participant("bureau-1", "bureau"), Participant("notary-1", "notary"),
              Participant("parent-rep-1", "parent-rep"),
              Participant("supervisor-1", "supervisor"))
    return {c: people for c in ("lottery", "grouping", "teachers")}


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    text = buf.getvalue()
    if encoding == "utf-8":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _slash(d: dt.date) -> str:
    """2019/9/3: the short date Chinese Excel writes (parsed by imports)."""
    return f"{d.year}/{d.month}/{d.day}"


def generate_district(seed: int = 2026, applicants: int = 5000,
                      event_id: str = "demo-2026") -> DemoDistrict:
    """Generate one district's season with every special case planted (see module doc)."""
    if applicants < MIN_APPLICANTS:
        raise ValueError(f"at least {MIN_APPLICANTS} applicants")
    rng = random.Random(seed)
    n = applicants

    # Applications per private school, and the plans that make each school's case.
    count = {s.id: n * s.weight // 1000 for s in _PRIVATE}
    count["S001"] += n - sum(count.values())
    out_city = count[_CITY_SCHOOL] * 45 // 100  # out-of-district applicants at S003 (P9)
    quota = {
        "S001": count["S001"] // 3,
        "S002": count["S002"] // 2,
        # In-district demand below the quota, so a city stage runs and is over-subscribed.
        "S003": (count["S003"] - out_city) * 13 // 10,
        "S004": count["S004"] * 2 // 5,
        "S005": count["S005"] * 5 // 9,
        "S006": count["S006"] * 5 // 9,
        "S007": (count["S007"] * 3 + 1) // 2,  # under-subscribed (P4)
        "S008": count["S008"] // 4,
    }
    direct_n = {"S004": quota["S004"] * 3 // 10,  # fewer direct pupils than places
                "S005": quota["S005"] * 5 // 4}  # more direct pupils than places
    community_quota = quota["S006"] * 3 // 10
    community_n = community_quota * 3 // 5  # fewer than the community plan: places return

    # Public-school pupils: about 3× the private admissions (S1).
    pupil_total = 3 * sum(min(quota[s], count[s]) for s in quota)
    regs = iter(_regs(rng, n + pupil_total))  # applicants, then pupils
    apps: list[_App] = []
    pools: dict[str, list[_App]] = {}  # plain in-district rows still free for a special case
    out_pool: list[_App] = []
    direct: dict[str, list[_App]] = {}
    community: list[_App] = []
    for s in _PRIVATE:
        rows = []
        for i in range(count[s.id]):
            district = HOME_DISTRICT
            if s.id == _CITY_SCHOOL and i < out_city:
                district = rng.choice(NEIGHBOURS)
            rows.append(_App(rng, next(regs), s.id, district))
        apps += rows
        start = 0
        if s.id == _CITY_SCHOOL:
            out_pool = rows[:out_city]
            start = out_city
        elif s.id in direct_n:
            direct[s.id] = rows[:direct_n[s.id]]
            start = direct_n[s.id]
        elif s.id == _COMMUNITY_SCHOOL:
            community = rows[:community_n]
            start = community_n
        pool = rows[start:]
        rng.shuffle(pool)
        pools[s.id] = pool

    def take(schools: Sequence[str]) -> _App:
        open_ = [s for s in schools if pools[s]]
        return pools[rng.choice(open_)].pop()

    k = max(3, n // 500)
    all_private = tuple(s.id for s in _PRIVATE)
    cases: dict[str, list[str]] = {}

    def plant(case: str, row: _App) -> None:
        cases.setdefault(case, []).append(row.reg)

    # P1-graduation: not leaving primary school this year (grade 7).
    for _ in range(k):
        row = take(all_private)
        row.graduating = False
        plant("P1-graduation", row)
    # P1-residence: neither household registration nor residence permit in the city.
    for _ in range(k):
        row = take(all_private)
        row.basis = "无"
        plant("P1-residence", row)
    # P2-district: a neighbouring district's child at a district-approved school.
    for _ in range(k):
        row = take(_DISTRICT_AUTHORITY)
        row.district = rng.choice(NEIGHBOURS)
        plant("P2-district", row)
    # P3: a defaulter's child at a high-fee school is rejected, at a low-fee one allowed.
    for _ in range(k):
        row = take(_HIGH_FEE)
        row.defaulter = True
        plant("P3-defaulter", row)
    for _ in range(k):
        row = take(_LOW_FEE)
        row.defaulter = True
        plant("defaulter-low-fee", row)
    # P12: a policy-care child who chooses a private school follows P1–P11 like anyone.
    for _ in range(max(3, n // 1000)):
        row = take(all_private)
        row.policy_care = True
        plant("policy-care", row)
    # P2-second-application: the same child (name, birth date, ID last 4) at two schools,
    # under two registration numbers; both applications are rejected.
    for _ in range(k):
        first = take(all_private)
        again = take([sid for sid in all_private if sid != first.school])
        for attr in ("surname", "name", "gender", "birth", "district", "basis", "last4", "phone"):
            setattr(again, attr, getattr(first, attr))
        plant("P2-second-application", first)
        plant("P2-second-application", again)
    # Joint applications (§3.2, §6): twins and triplets, one sibling group, one school.
    group_no = 0

    def siblings(head: _App, more: Sequence[_App]) -> None:
        nonlocal group_no
        group_no += 1
        head.group = f"J{group_no:04d}"
        plant("joint", head)
        names = {head.name}
        for m in more:
            for attr in ("surname", "birth", "district", "basis", "reg_day", "phone"):
                setattr(m, attr, getattr(head, attr))
            m.name = head.surname + _given(rng, m.gender)
            while m.name in names:  # twins get different given names
                m.name = head.surname + _given(rng, m.gender)
            names.add(m.name)
            m.group = head.group
            plant("joint", m)

    for size, units in ((2, max(3, n // 150)), (3, max(1, n // 1500))):
        for _ in range(units):
            head = take([sid for sid in all_private if len(pools[sid]) >= size])
            siblings(head, [pools[head.school].pop() for _ in range(size - 1)])
    for _ in range(max(1, n // 2500)):  # out-of-district twins at the city-approved school
        twins = [out_pool.pop(), out_pool.pop()]
        siblings(twins[0], twins[1:])
        for row in twins:
            plant("out-of-district-city", row)
    # 同名: another child with the same full name in the same school (a different child).
    for sid in all_private:
        for _ in range(max(1, count[sid] // 250)):
            if len(pools[sid]) < 2:
                break
            a, b = pools[sid].pop(), pools[sid].pop()
            b.surname, b.name = a.surname, a.name
            plant("same-name", a)
            plant("same-name", b)
    # Eligible out-of-district applicants at the city-approved school (P9 city stage).
    for row in out_pool:
        plant("out-of-district-city", row)
    for sid in _DIRECT_SCHOOLS:
        for row in direct[sid]:
            plant("direct", row)
    for row in community:
        plant("community", row)

    # Only the planted second applications may share a child key (P2).
    second = set(cases["P2-second-application"])
    seen = {row.child_key() for row in apps if row.reg in second}
    for row in apps:
        if row.reg in second:
            continue
        while row.child_key() in seen:
            row.last4 = _id_last4(rng, row.gender)
        seen.add(row.child_key())

    # --- pupils of the public schools, with strata, sibling requests and 同名 (§9).
    pupil_rows: list[list[str]] = []
    pupil_count: dict[str, int] = {}
    pupil_group = 0
    public_weight = sum(w for _, _, w in _PUBLIC)
    for sid, _name, weight in _PUBLIC:
        size = pupil_total * weight // public_weight
        pupil_count[sid] = size
        prows: list[list[str]] = []
        surnames: list[str] = []
        for _ in range(size):
            g = _gender(rng)
            surnames.append(_surname(rng))
            prows.append([next(regs), surnames[-1] + _given(rng, g), "男" if g == "M" else "女",
                         sid, "否", "", ""])
        free = list(range(size))
        rng.shuffle(free)
        for _ in range(max(1, size // 60)):  # special educational needs (a stratum, §9)
            prows[free.pop()][4] = "是"
        for unit in [2] * max(2, size // 200) + [3]:  # siblings: 同班 or 分班 (§9 steps 5–6)
            pupil_group += 1
            picked = [free.pop() for _ in range(unit)]
            members = [prows[i] for i in picked]
            mode = "同班" if rng.random() < 0.6 else "分班"
            if pupil_group <= 2:  # both requests occur in every district
                mode = ("同班", "分班")[pupil_group - 1]
            surname = surnames[picked[0]]
            for m in members:
                m[1] = surname + _given(rng, "M" if m[2] == "男" else "F")
                m[5], m[6] = f"G{pupil_group:04d}", mode
        for _ in range(max(1, size // 300)):  # 同名 in one school
            p, q = prows[free.pop()], prows[free.pop()]
            q[1] = p[1]
        pupil_rows += prows

    # The families' look-up factor and phone, from their own stream so the rest of
    # the district stays as it was.
    contact = random.Random(seed * 7919 + 1)
    for pupil in pupil_rows:
        pupil += [_id_last4(contact, "M" if pupil[2] == "男" else "F"), _phone(contact)]

    # --- class plans (S3) and one head teacher per class (S5).
    cohort = {s.id: quota[s.id] for s in _PRIVATE} | pupil_count
    plan_rows: list[list[object]] = []
    teacher_rows: list[list[str]] = []
    for sid in sorted(cohort):
        classes = max(1, math.ceil(cohort[sid] / CLASS_SIZE))
        width = max(2, len(str(classes)))
        for c in range(1, classes + 1):
            plan_rows.append([sid, f"{c:0{width}d}", CLASS_SIZE])
            teacher_rows.append([sid, f"T{len(teacher_rows) + 1:04d}", _adult_name(rng)])

    school_rows: list[list[object]] = []
    schools: list[School] = []
    for i, s in enumerate(_PRIVATE, start=1):
        cq = community_quota if s.id == _COMMUNITY_SCHOOL else 0
        school_rows.append([i, s.id, s.name, HOME_DISTRICT, "民办", s.tuition,
                            "市级" if s.authority == "city" else "区级", quota[s.id], cq,
                            _yes(s.nine_year)])
        schools.append(School(s.id, s.name, HOME_DISTRICT,
                              "city" if s.authority == "city" else "district",
                              s.tuition, quota[s.id], cq, s.nine_year))
    for i, (sid, name, _w) in enumerate(_PUBLIC, start=len(_PRIVATE) + 1):
        school_rows.append([i, sid, name, HOME_DISTRICT, "公办", 0, "区级", pupil_count[sid], 0,
                            "否"])

    app_rows = [
        [a.reg, a.name, "男" if a.gender == "M" else "女", _slash(a.birth), a.district, a.basis,
         _yes(a.basis != "无"),  # P1: the registration or permit is in the city
         _yes(a.defaulter), _yes(a.policy_care), a.school, a.group,
         _slash(dt.date.fromisoformat(a.reg_day)), a.last4, a.phone, _yes(a.graduating)]
        for a in apps
    ]
    files = {
        "schools": ("学校名单.csv", _csv(
            ("序号", "学校代码", "学校名称", "区县", "性质", "学费", "审批机关", "招生计划",
             "配套计划", "九年一贯"), school_rows, "utf-8")),
        "applicants": ("民办学校报名数据.csv", _csv(
            ("报名号", "姓名", "性别", "出生日期", "区县", "户籍类型", "本市户籍或居住证",
             "失信被执行人", "政策照顾",
             "申请学校", "多胞胎组", "报名日期", "身份证后四位", "手机", "小学毕业"), app_rows,
            "gb18030")),
        "community": ("小区配套名单.csv", _csv(
            ("学校代码", "报名号"), ([a.school, a.reg] for a in community), "utf-8")),
        "direct": ("直升名单.csv", _csv(
            ("学校代码", "报名号"),
            ([a.school, a.reg] for s in _DIRECT_SCHOOLS for a in direct[s]), "utf-8")),
        "pupils": ("公办学校新生名单.csv", _csv(
            ("报名号", "姓名", "性别", "学校代码", "特殊需要", "兄弟姐妹组", "同班意愿",
             "身份证后四位", "手机"), pupil_rows, "utf-8")),
        "class-plans": ("班级计划.csv", _csv(("学校代码", "班级", "额定人数"), plan_rows,
                                         "utf-8")),
        "teachers": ("班主任名单.csv", _csv(("学校代码", "工号", "姓名"), teacher_rows, "utf-8")),
    }
    return DemoDistrict(
        files=files, rules=demo_rules(event_id), participants=demo_participants(),
        cases={c: tuple(sorted(regs_)) for c, regs_ in sorted(cases.items())},
        schools=tuple(schools), public_schools=tuple(sid for sid, _, _ in _PUBLIC),
    )


def payments_csv(offers: Iterable[tuple[str, str]], forfeit_share: float, rng_seed: int, *,
                 window: tuple[str, str] = ("2026-07-24", "2026-07-25")) -> bytes:
    """The bank-receipt import of one payment round (P7): most offers paid, a share forfeited.

    `offers` are (reg, school) pairs holding an unconfirmed offer; round(share × n)
    of them, chosen by `rng_seed`, do not pay and so are simply absent. Receipt
    numbers are unique per round and seed; paid_on falls in `window` (two days).
    """
    rng = random.Random(rng_seed)
    ordered = sorted(set(offers))
    forfeit = set(rng.sample(range(len(ordered)), round(forfeit_share * len(ordered))))
    numbers = rng.sample(range(10**8), len(ordered))
    rows = []
    for i, (reg, school) in enumerate(ordered):
        if i in forfeit:
            continue
        day = window[0] if rng.random() < 0.7 else window[1]
        rows.append([reg, school, f"HD{day.replace('-', '')}{numbers[i]:08d}", day])
    return _csv(("报名号", "学校代码", "回单号", "缴费日期"), rows, "utf-8")


# ---------------------------------------------------------------------- city scale


@dataclass(frozen=True)
class CityScale:
    """Core records of a city-wide season for benchmarks (§3.2): no files, no private data."""

    schools: tuple[School, ...]
    applicants: tuple[Applicant, ...]
    pupils: tuple[OpenedPupil, ...]  # with their attributes, as the grouping reads them
    class_plans: tuple[ClassPlan, ...]
    teachers: tuple[Teacher, ...]
    genders: dict[str, Gender]  # applicants' opened gender (the bias audit's, §8)


def city_scale_records(seed: int, districts: int = 10, schools: int = 120,
                       applicants: int = 200_000, grouping_schools: int = 600,
                       pupils: int = 100_000) -> CityScale:
    """A city's eligible roster and locked cohort as core records, fast (bench/city.py).

    Private schools spread over the districts; every 4th is city-approved and
    takes 30% out-of-district applicants (P9), every 6th is nine-year with a
    direct-promotion group (P10), every 5th has a community plan (P11); about 2%
    of applicants apply jointly as twins or triplets (§6). The grouping covers
    the private schools first, then public ones, with a `sen` stratum, sibling
    requests (together/apart) and 同名 groups (§9).
    """
    if districts < 1 or schools < 1 or applicants < schools or grouping_schools < 1:
        raise ValueError("need at least one district, school and grouping school, "
                         "and one applicant per school")
    rng = random.Random(seed)
    dists = [f"D{i:02d}" for i in range(1, districts + 1)]
    reg_iter = iter(_regs(rng, applicants + pupils))

    # Applications per school: popularity weights from 0.3 to 3.
    weights = [0.3 + 2.7 * rng.random() for _ in range(schools)]
    total = sum(weights)
    counts = [max(1, int(applicants * w / total)) for w in weights]
    counts[0] += applicants - sum(counts)
    while counts[0] < 1:  # rounding took too much from the first school: spread it back
        j = max(range(schools), key=counts.__getitem__)
        counts[j] -= 1
        counts[0] += 1

    school_records: list[School] = []
    apps: list[Applicant] = []
    genders_of: dict[str, Gender] = {}
    for i in range(schools):
        sid = f"S{i + 1:04d}"
        district = dists[i % districts]
        city = i % 4 == 3
        nine = i % 6 == 5
        c = counts[i]
        quota = max(1, int(c / (0.5 + 2.5 * rng.random())))  # from ×3 over to ×0.5 under
        cq = quota // 4 if i % 5 == 4 else 0
        tuition = rng.choice((3800, 4500, 5800, 6000, 8800, 12800, 15000))
        school_records.append(School(sid, f"城市示范民办学校{i + 1:03d}", district,
                                     "city" if city else "district", tuition, quota, cq, nine))
        # Direct pupils fewer than places at half the nine-year schools, more at the others.
        n_direct = min(c, quota * 3 // 10 if i % 12 == 5 else quota * 5 // 4) if nine else 0
        n_community = cq * 3 // 5
        j = 0
        while j < c:
            r = rng.random()
            size = 2 if r < 0.01 else 3 if r < 0.0115 else 1  # twins, triplets (§6)
            size = min(size, c - j)
            is_direct = j < n_direct
            is_community = not is_direct and j < n_direct + n_community
            home = district
            if city and not (is_direct or is_community) and rng.random() < 0.3:
                home = dists[rng.randrange(districts)]
            day = _reg_day(rng)
            unit_regs = sorted(next(reg_iter) for _ in range(size))
            surname = _surname(rng)
            for reg in unit_regs:
                g = _gender(rng)
                genders_of[reg] = g
                attrs = hashlib.sha256(f"{reg}/{g}".encode()).hexdigest()  # stand-in (§17.1)
                apps.append(Applicant(reg, mask_name(surname + _given(rng, g)), sid, home, day,
                                      attrs, is_direct, is_community, unit_regs[0]))
            j += size

    # Grouping: the private schools' cohorts first, then public schools up to the count.
    g_ids = [s.id for s in school_records[:grouping_schools]]
    g_ids += [f"P{i + 1:04d}" for i in range(grouping_schools - len(g_ids))]
    per = [pupils // grouping_schools] * grouping_schools
    for i in range(pupils - sum(per)):
        per[i] += 1
    pupil_records: list[OpenedPupil] = []
    plans: list[ClassPlan] = []
    teachers: list[Teacher] = []
    group_no = same_no = 0
    sen = ("sen",)
    for sid, size in zip(g_ids, per, strict=True):
        names: list[str] = []
        genders: list[Gender] = []
        for _ in range(size):
            g = _gender(rng)
            genders.append(g)
            names.append(_surname(rng) + _given(rng, g))
        sib: list[Siblings | None] = [None] * size
        same: list[str | None] = [None] * size
        i = 0
        while i + 3 <= size:  # every ~100th pupil starts a sibling group or a 同名 pair
            r = rng.random()
            if r < 0.01:
                group_no += 1
                mode: SiblingMode = "together" if rng.random() < 0.6 else "apart"
                k = 3 if rng.random() < 0.1 else 2
                for m in range(i, i + k):
                    sib[m] = Siblings(f"G{group_no}", mode)
                i += k
            elif r < 0.015:
                same_no += 1
                names[i + 1] = names[i]
                same[i] = same[i + 1] = f"N{same_no}"
                i += 2
            else:
                i += 1
        for m in range(size):
            pupil_records.append(OpenedPupil(next(reg_iter), mask_name(names[m]), sid,
                                             genders[m], sen if rng.random() < 0.02 else (),
                                             sib[m], same[m]))
        classes = max(1, math.ceil(size / CLASS_SIZE))
        width = max(2, len(str(classes)))
        plans.append(ClassPlan(sid, f"示范学校{sid}", tuple(
            ClassSpec(f"{c:0{width}d}", CLASS_SIZE) for c in range(1, classes + 1))))
        for _ in range(classes):
            teachers.append(Teacher(sid, f"T{len(teachers) + 1:04d}",
                                    mask_name(_adult_name(rng))))
    return CityScale(tuple(school_records), tuple(apps), tuple(pupil_records), tuple(plans),
                     tuple(teachers), genders_of)
