"""Each kind of import: its columns (with the names real exports use) and row builder.

docs/IMPORTS.md documents every table here; a test checks that every accepted
column name appears there. Format and rule checks that need only the file happen
here (P13: an application to a public school; P11: community plan ≤ quota);
checks against other imports are the validators in rules.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..core.eligibility import Basis
from ..core.records import Authority, SiblingMode
from .columns import Col
from .fields import RowReader, choice_reason, duplicate
from .results import Reason
from .rows import (
    ApplicantRow,
    ClassPlanRow,
    ListRow,
    LockKind,
    LockRow,
    PaymentRow,
    PupilRow,
    SchoolRow,
    TeacherRow,
)
from .schools import SchoolKind

__all__ = ["KINDS", "Kind"]

Builder = Callable[[RowReader], Any]


@dataclass(frozen=True)
class Kind:
    """One import kind: what the file is called, its columns, how a row is built."""

    name: str
    zh: str
    cols: tuple[Col, ...]
    row_type: type[Any]
    builder: Callable[[], Builder]  # a fresh builder (with its duplicate maps) per file
    ignored: tuple[str, ...] = ()
    doc: str = ""


class _Unique:
    """Reports a repeated key as "duplicate of row N" on the later row, citing `rule` when
    the uniqueness is a policy rule's (e.g. S5: a teacher id once in the event)."""

    def __init__(self, rule: str = "") -> None:
        self.seen: dict[object, int] = {}
        self.rule = rule

    def check(self, row: RowReader, name: str, key: object) -> None:
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            row.error(name, replace(duplicate(first), rule=self.rule)
                      if self.rule else duplicate(first))


def _group_conflict(what: str, what_zh: str, group: str, row: int) -> Reason:
    return Reason(f"sibling group {group} differs in {what} from row {row}",
                  f"多胞胎/兄弟姐妹组 {group} 的{what_zh}与第 {row} 行不一致",
                  "同一组的成员必须一致", "members of one group must agree")


def _mismatch(what_en: str, what_zh: str) -> Reason:
    return Reason(f"differs from the ID number's {what_en}", f"与身份证号中的{what_zh}不一致",
                  "请核对该单元格与身份证号", "check this cell against the ID number")


R_PUBLIC_TUITION = Reason("a public school charges no tuition: must be 0",
                          "公办学校不收学费，应为 0", "公办学校的学费请填 0 或留空",
                          "give 0 or leave empty", "P13")
R_COMMUNITY_OVER = Reason("community quota exceeds the quota (P11)",
                          "配套计划超过招生计划（P11）", "小区配套计划是招生计划的一部分",
                          "the community plan is part of the quota", "P11")
R_MODE_NEEDS_GROUP = Reason("given without a sibling group", "未填兄弟姐妹组却填写了同班意愿",
                            "请同时填写兄弟姐妹组，或清空同班意愿", "give the group too")
R_NOT_RESIDENT_BASIS = Reason(
    "basis 无 (none) contradicts 本市户籍或居住证 = 是",
    "户籍类型为「无」，本市户籍或居住证却为「是」",
    "请核对这两列", "check both columns", "P1")
R_SCHOOL_NAME_CODE = Reason("the school name and code name different schools",
                            "学校名称与学校代码不是同一所学校", "请核对这两列",
                            "check both columns")

# ----------------------------------------------------------------------------- schools

_SCHOOL_KINDS: Mapping[str, SchoolKind] = {
    "公办": "public", "民办": "private", "公办学校": "public", "民办学校": "private",
    "public": "public", "private": "private",
}
_AUTHORITIES: Mapping[str, Authority] = {
    "市": "city", "市级": "city", "市教育局": "city", "city": "city",
    "区": "district", "区级": "district", "县": "district", "县级": "district",
    "区教育局": "district", "县教育局": "district", "district": "district",
}

SCHOOL_COLS = (
    Col("id", "学校代码", ("学校编号", "学校标识码", "school", "schoolid"), example="S001",
        fmt="代码：字母、数字、. _ -，最多 64 位"),
    Col("name", "学校名称", ("校名", "学校全称"), example="贵阳市第一民办学校", fmt="文本"),
    Col("district", "区县", ("区县代码", "所属区县", "所在区县"), example="D01",
        fmt="区县代码"),
    Col("kind", "性质", ("办学性质", "学校性质", "公办民办"), example="民办", fmt="公办/民办"),
    Col("tuition", "学费", ("每学期学费", "收费标准", "学费标准"), example="9800",
        fmt="元/学期，整数；公办学校填 0 或留空"),
    Col("authority", "审批机关", ("审批部门", "审批单位"), example="市级",
        fmt="市/区/县（市级审批的学校可跨区招生，P9）"),
    Col("quota", "招生计划", ("招生计划数", "计划数", "核定招生计划", "招生人数"),
        example="120", fmt="整数"),
    Col("community_quota", "配套计划", ("小区配套计划", "配套名额", "小区配套名额"),
        required=False, default="0", example="20", fmt="整数，≤ 招生计划，默认 0（P11）"),
    Col("nine_year", "九年一贯", ("九年一贯制", "一贯制", "是否九年一贯制", "一贯制学校"),
        example="是", fmt="是/否：九年或十二年一贯制（可直升，P10）"),
)


def _schools() -> Builder:
    ids = _Unique()

    def build(r: RowReader) -> SchoolRow:
        sid = r.ident("id")
        if sid:
            ids.check(r, "id", sid)
        name, district = r.text("name", free=True), r.ident("district")
        kind = r.choice("kind", _SCHOOL_KINDS, choice_reason("公办/民办"))
        public = r.ok("kind") and kind == "public"
        tuition = r.integer("tuition", 0, default=0 if public else None)
        if public and r.ok("tuition") and tuition != 0:
            r.error("tuition", R_PUBLIC_TUITION)
        authority = r.choice("authority", _AUTHORITIES, choice_reason("市/区/县"))
        quota = r.integer("quota", 0)
        community = r.integer("community_quota", 0, default=0)
        if r.ok("quota") and r.ok("community_quota") and community > quota:
            r.error("community_quota", R_COMMUNITY_OVER)
        nine_year = r.flag("nine_year")
        return SchoolRow(sid, name, district, kind, tuition, authority, quota, community,
                         nine_year, r.number)

    return build


# ----------------------------------------------------------------------------- applicants

_BASES: Mapping[str, Basis] = {
    "户籍": "household", "本市户籍": "household", "户口": "household",
    "居住证": "permit", "本市居住证": "permit", "无": "none",
    "household": "household", "permit": "permit", "none": "none",
}

APPLICANT_COLS = (
    Col("reg", "报名号", ("报名编号", "报名序号"), example="202600001234",
        fmt="大写字母或数字，4-32 位；设为文本格式"),
    Col("name", "姓名", ("学生姓名", "儿童姓名", "幼儿姓名", "考生姓名"), example="张三丰",
        fmt="文本；不能有控制字符、尖括号，不能以 = + - @ 开头"),
    Col("gender", "性别", unless="id_number", example="男",
        fmt="男/女（有身份证号时可省略，并与之核对）"),
    Col("birth_date", "出生日期", ("出生年月日", "生日"), unless="id_number",
        example="2019-08-31", fmt="日期（有身份证号时可省略，并与之核对）"),
    Col("district", "区县", ("户籍所在区", "户籍所在区县", "所在区县", "居住区县", "区县代码"),
        example="D01", fmt="区县代码：户籍或居住证所在区县（P2）"),
    Col("basis", "户籍类型", ("户口类型", "户籍性质", "入学依据"), example="户籍",
        fmt="户籍/居住证/无（P1）"),
    Col("city_resident", "本市户籍或居住证", ("是否本市户籍或居住证", "本市户籍/居住证",
                                         "本市户籍或居住证明", "是否本市"),
        required=False, default="按户籍类型推定：户籍、居住证为是，无为否", example="是",
        fmt="是/否：户籍或监护人居住证在本市（P1）；缺少此列时按户籍类型推定"),
    Col("defaulter", "失信被执行人", ("是否失信被执行人", "监护人是否失信被执行人",
                                  "父母是否失信被执行人"),
        example="否", fmt="是/否（P3）"),
    Col("policy_care", "政策照顾", ("政策照顾生", "是否政策照顾", "是否政策照顾生"),
        example="否", fmt="是/否（P12，仅作记录；安置请用「锁定名单」）"),
    Col("school", "申请学校", ("报名学校", "志愿学校", "学校代码", "申请学校代码", "学校"),
        example="S001", fmt="学校代码或学校全称（须为民办学校，P13）"),
    Col("school_name", "学校名称", ("申请学校名称", "报名学校名称"), required=False,
        example="贵阳市第一民办学校", fmt="学校全称；与学校代码同时给出时须一致"),
    Col("sibling_group", "多胞胎组", ("多胞胎编号", "双胞胎组", "同胞组"), required=False,
        example="", fmt="代码；同组的多胞胎报同一学校时一起派位"),
    Col("reg_day", "报名日期", ("报名时间", "提交时间", "报名提交时间"), example="2026-06-11",
        fmt="日期或日期时间（取日期）"),
    Col("id_last4", "身份证后四位", ("身份证号后四位", "证件号后四位"), unless="id_number",
        example="123X", fmt="4 位，数字或 X；文本格式（家长查询的第二因子）"),
    Col("id_number", "身份证号", ("身份证号码", "公民身份号码", "证件号码", "学生身份证号"),
        required=False, example="", fmt="18 位，校验 GB 11643；只保留后四位，不存储"),
    Col("phone", "手机", ("手机号", "手机号码", "联系电话", "家长电话", "监护人电话", "联系方式"),
        required=False, example="13800138000", fmt="11 位手机号（短信通知，S6）"),
    Col("graduating", "小学毕业", ("是否小学毕业", "应届小学毕业生", "应届毕业"),
        required=False, default="否", example="否", fmt="是/否，默认否：七年级派位必填（P1）"),
    Col("direct", "申请直升", ("直升", "是否直升", "本校直升"), required=False, example="否",
        fmt="是/否，默认否：申请本校直升（P10，须在批准的直升名单上）"),
)


def _applicants() -> Builder:
    regs = _Unique()
    groups: dict[tuple[str, str], tuple[int, str]] = {}

    def build(r: RowReader) -> ApplicantRow:
        reg = r.reg()
        if reg:
            regs.check(r, "reg", reg)
        name = r.text("name", free=True)
        needs_id = not (r.has("gender") and r.has("birth_date") and r.has("id_last4"))
        facts = r.id_number(required=needs_id) if r.has("id_number") else None
        if r.has("gender"):
            gender = r.gender()
            if facts is not None and r.ok("gender") and gender != facts.gender:
                r.error("gender", _mismatch("gender digit", "性别"))
        else:
            gender = facts.gender if facts is not None else "F"
        if r.has("birth_date"):
            birth = r.date("birth_date")
            if facts is not None and birth and birth != facts.birth_date.isoformat():
                r.error("birth_date", _mismatch("birth date", "出生日期"))
        else:
            birth = facts.birth_date.isoformat() if facts is not None else ""
        if r.has("id_last4"):
            last4 = r.id_last4()
            if facts is not None and last4 and last4 != facts.last4:
                r.error("id_last4", _mismatch("last four characters", "后四位"))
        else:
            last4 = facts.last4 if facts is not None else ""
        district = r.ident("district")
        basis = r.choice("basis", _BASES, choice_reason("户籍/居住证/无"))
        # P1: without the column, 户籍/居住证 are taken to be the city's (said in the report)
        resident = r.flag("city_resident") if r.has("city_resident") else basis != "none"
        if r.ok("basis") and r.ok("city_resident") and basis == "none" and resident:
            r.error("city_resident", R_NOT_RESIDENT_BASIS)
        defaulter, care = r.flag("defaulter"), r.flag("policy_care")
        school = r.school("school" if r.has("school") else "school_name", private_only=True)
        if r.has("school") and r.has("school_name") and school:
            other = r.school("school_name", private_only=True)
            if other and other != school:
                r.error("school_name", R_SCHOOL_NAME_CODE)
        group = r.ident("sibling_group", optional=True) or None
        reg_day = r.date("reg_day", with_time=True)
        phone = r.phone()
        graduating = r.flag("graduating", default=False)
        direct = r.flag("direct", default=False)
        if group is not None and school and r.ok("district"):
            first = groups.setdefault((group, school), (r.number, district))
            if first[1] != district:
                r.error("district", _group_conflict("district", "区县", group, first[0]))
        return ApplicantRow(reg, name, gender, birth, r.sheet.intern(district), basis, resident,
                            defaulter, care, school, group, r.sheet.intern(reg_day), last4,
                            phone, graduating, direct, r.number)

    return build


# ----------------------------------------------------------------------------- lists

LIST_COLS = (
    Col("school", "学校代码", ("学校", "学校名称", "申请学校", "报名学校"), example="S001",
        fmt="学校代码或学校全称（民办学校）"),
    Col("reg", "报名号", ("报名编号",), example="202600001234", fmt="报名号（须是该校的申请人）"),
)


def _lists() -> Builder:
    regs = _Unique()

    def build(r: RowReader) -> ListRow:
        school, reg = r.school("school", private_only=True), r.reg()
        if reg:
            regs.check(r, "reg", reg)
        return ListRow(school, reg, r.number)

    return build


# ----------------------------------------------------------------------------- payments

PAYMENT_COLS = (
    Col("reg", "报名号", ("报名编号",), example="202600001234", fmt="报名号"),
    Col("school", "学校代码", ("学校", "学校名称", "录取学校", "收款学校"), example="S001",
        fmt="学校代码或学校全称（须是录取学校，P7）"),
    Col("receipt", "回单号", ("回单编号", "银行回单号", "交易流水号", "流水号", "凭证号"),
        example="HX20260724001", fmt="代码，不能重复"),
    Col("paid_on", "缴费日期", ("缴费时间", "交易日期", "交易时间", "支付日期", "支付时间"),
        example="2026-07-24", fmt="日期或日期时间（须在缴费期内，P7）"),
)


def _payments() -> Builder:
    regs, receipts = _Unique(), _Unique()

    def build(r: RowReader) -> PaymentRow:
        reg = r.reg()
        if reg:
            regs.check(r, "reg", reg)
        school = r.school("school", private_only=True)
        receipt = r.ident("receipt")
        if receipt:
            receipts.check(r, "receipt", receipt)
        return PaymentRow(reg, school, receipt, r.date("paid_on", with_time=True), r.number)

    return build


# ----------------------------------------------------------------------------- locks

_LOCKS: Mapping[str, LockKind] = {
    "公办学校确认": LockKind.PUBLIC_SCHOOL, "公办确认": LockKind.PUBLIC_SCHOOL,
    "公办录取": LockKind.PUBLIC_SCHOOL, "公办学校录取": LockKind.PUBLIC_SCHOOL,
    "民办学校确认": LockKind.PRIVATE_SCHOOL, "民办确认": LockKind.PRIVATE_SCHOOL,
    "民办录取": LockKind.PRIVATE_SCHOOL, "民办学校录取": LockKind.PRIVATE_SCHOOL,
    "政策照顾安置": LockKind.POLICY_CARE, "政策照顾": LockKind.POLICY_CARE,
    "政策照顾生": LockKind.POLICY_CARE,
    **{k.value: k for k in LockKind},
}

LOCK_COLS = (
    Col("reg", "报名号", ("报名编号",), example="202600001234", fmt="报名号"),
    Col("lock", "锁定类型", ("锁定原因", "类型", "录取类型", "安置类型"), example="公办学校确认",
        fmt="公办学校确认/民办学校确认/政策照顾安置（P8、P12）"),
    Col("locked_on", "锁定日期", ("日期", "确认日期", "安置日期", "录取日期"),
        example="2026-07-10", fmt="日期"),
    Col("authority", "发文单位", ("批准单位", "确认单位", "安置单位", "审批机关", "发证机关"),
        example="云岩区教育局", fmt="文本"),
    Col("school", "学校", ("录取学校", "安置学校", "学校名称"), required=False,
        example="贵阳市第十九中学", fmt="文本（可为本次派位以外的学校）"),
)


def _locks() -> Builder:
    regs = _Unique()

    def build(r: RowReader) -> LockRow:
        reg = r.reg()
        if reg:
            regs.check(r, "reg", reg)
        lock = r.choice("lock", _LOCKS, choice_reason("公办学校确认/民办学校确认/政策照顾安置"))
        return LockRow(reg, lock, r.date("locked_on", with_time=True),
                       r.text("authority", free=True), r.text("school", optional=True,
                                                              free=True), r.number)

    return build


# ----------------------------------------------------------------------------- class plans

PLAN_COLS = (
    Col("school", "学校代码", ("学校", "学校名称"), example="S001", fmt="学校代码或学校全称"),
    Col("class_id", "班级", ("class", "班级编号", "班号"), example="01", fmt="代码"),
    Col("capacity", "额定人数", ("班额", "人数", "学位数"), example="45", fmt="整数 ≥ 1（S3）"),
)


def _plans() -> Builder:
    classes = _Unique()

    def build(r: RowReader) -> ClassPlanRow:
        school, class_id = r.school("school"), r.ident("class_id")
        if school and class_id:
            classes.check(r, "class_id", (school, class_id))
        return ClassPlanRow(school, class_id, r.integer("capacity", 1), r.number)

    return build


# ----------------------------------------------------------------------------- teachers

TEACHER_COLS = (
    Col("school", "学校代码", ("学校", "学校名称"), example="S001", fmt="学校代码或学校全称"),
    Col("teacher_id", "工号", ("teacher", "教师工号", "教师编号"), example="T0001",
        fmt="代码，本次活动内唯一（S5）"),
    Col("name", "姓名", ("教师姓名", "班主任姓名", "班主任"), example="李老师", fmt="文本"),
)


def _teachers() -> Builder:
    ids = _Unique("S5")

    def build(r: RowReader) -> TeacherRow:
        school, tid = r.school("school"), r.ident("teacher_id")
        if tid:
            ids.check(r, "teacher_id", tid)
        return TeacherRow(school, tid, r.text("name", free=True), r.number)

    return build


# ----------------------------------------------------------------------------- pupils

_MODES: Mapping[str, SiblingMode] = {
    "同班": "together", "分班": "apart", "together": "together", "apart": "apart",
}

PUPIL_COLS = (
    Col("reg", "报名号", ("学籍号", "学生编号"), example="202600001234", fmt="报名号或学籍号"),
    Col("name", "姓名", ("学生姓名",), example="张三丰", fmt="文本"),
    Col("gender", "性别", example="男", fmt="男/女"),
    Col("school", "学校代码", ("学校", "学校名称", "录取学校"), example="S001",
        fmt="学校代码或学校全称"),
    Col("sen", "特殊需要", ("特殊教育需要", "随班就读"), required=False, example="否",
        fmt="是/否，默认否（S8 分层）"),
    Col("sibling_group", "兄弟姐妹组", ("多胞胎组", "同胞组"), required=False, example="",
        fmt="代码"),
    Col("sibling_mode", "同班意愿", ("同班/分班",), required=False, example="",
        fmt="同班/分班：填写兄弟姐妹组时必填"),
    Col("id_last4", "身份证后四位", ("身份证号后四位",), required=False, example="123X",
        fmt="4 位，数字或 X"),
    Col("id_number", "身份证号", ("身份证号码", "公民身份号码", "证件号码"), required=False,
        example="", fmt="18 位；只保留后四位，不存储"),
    Col("phone", "手机", ("手机号", "手机号码", "联系电话", "家长电话"), required=False,
        example="13800138000", fmt="11 位手机号（S6）"),
)


def _pupils() -> Builder:
    regs = _Unique()
    groups: dict[tuple[str, str], tuple[int, SiblingMode]] = {}

    def build(r: RowReader) -> PupilRow:
        reg = r.reg()
        if reg:
            regs.check(r, "reg", reg)
        name, gender = r.text("name", free=True), r.gender()
        school = r.school("school")
        sen = r.flag("sen", default=False)
        group = r.ident("sibling_group", optional=True) or None
        mode: SiblingMode | None = None
        if group is not None:
            chosen = r.choice("sibling_mode", _MODES, choice_reason("同班/分班"))
            mode = chosen
            if school and r.ok("sibling_mode"):
                first = groups.setdefault((school, group), (r.number, chosen))
                if first[1] != chosen:
                    r.error("sibling_mode", _group_conflict("mode", "同班意愿", group, first[0]))
        elif r.text("sibling_mode", optional=True):
            r.error("sibling_mode", R_MODE_NEEDS_GROUP)
        facts = r.id_number() if r.has("id_number") else None
        last4 = r.id_last4(optional=True) if r.has("id_last4") else ""
        if facts is not None:
            if last4 and last4 != facts.last4:
                r.error("id_last4", _mismatch("last four characters", "后四位"))
            if r.ok("gender") and gender != facts.gender:
                r.error("gender", _mismatch("gender digit", "性别"))
            last4 = last4 or facts.last4
        return PupilRow(reg, name, gender, school, sen, group, mode, last4, r.phone(), r.number)

    return build


KINDS: Mapping[str, Kind] = {k.name: k for k in (
    Kind("schools", "学校名单", SCHOOL_COLS, SchoolRow, _schools,
         doc="民办学校参加派位（§3.2），公办学校只用于分班（S1，P13）"),
    Kind("applicants", "民办学校报名名单", APPLICANT_COLS, ApplicantRow, _applicants,
         doc="每人一行（P1-P3、P10、P12 的依据，§7.1）"),
    Kind("community", "小区配套名单", LIST_COLS, ListRow, _lists,
         doc="区教育局批准的小区配套生（P11）"),
    Kind("direct", "直升名单", LIST_COLS, ListRow, _lists,
         doc="区教育局批准的直升生（P10，仅九年/十二年一贯制学校的七年级派位）"),
    Kind("locks", "锁定名单", LOCK_COLS, LockRow, _locks,
         doc="已被公办/民办学校确认录取或由区教育局安置的学生（P8、P12）"),
    Kind("payments", "缴费回单", PAYMENT_COLS, PaymentRow, _payments,
         doc="银行回单：确认名额的唯一凭证（P7）"),
    Kind("class-plans", "班级计划", PLAN_COLS, ClassPlanRow, _plans, doc="各校班级与班额（S3）"),
    Kind("teachers", "班主任名单", TEACHER_COLS, TeacherRow, _teachers, doc="每班一名班主任（S5）"),
    Kind("pupils", "新生名单", PUPIL_COLS, PupilRow, _pupils, doc="锁定的新生名单（S2）"),
)}
