"""Records of PROTOCOL.md §3: the rule set and the ceremony input records.

Each record is a frozen dataclass with `to_json()` (the value whose canonical
encoding is hashed) and a strict `from_json()`. None carries personal data:
names are masked before a record is made (`mask_name`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from .errors import RecordError

EVENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
REG = re.compile(r"[A-Z0-9]{4,32}")
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HEX32 = re.compile(r"[0-9a-f]{64}")

Gender = Literal["F", "M"]
Authority = Literal["city", "district"]
SiblingMode = Literal["together", "apart"]


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧*娜 (PROTOCOL.md §3.2)."""
    name = name.strip()
    if len(name) <= 1:
        return name + "*" if name else "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" + name[-1]


def _fields(obj: Any, what: str, names: set[str]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise RecordError(f"{what}: expected an object")
    keys = set(obj)
    if keys != names:
        missing, extra = sorted(names - keys), sorted(keys - names)
        raise RecordError(f"{what}: missing {missing}, unknown {extra}")
    return obj


def _str(obj: dict[str, Any], key: str, what: str, pattern: re.Pattern[str] | None = None) -> str:
    value = obj[key]
    if type(value) is not str:
        raise RecordError(f"{what}.{key}: expected a string")
    if pattern is not None and not pattern.fullmatch(value):
        raise RecordError(f"{what}.{key}: {value!r} does not match {pattern.pattern}")
    return value


def _int(obj: dict[str, Any], key: str, what: str, minimum: int = 0) -> int:
    value = obj[key]
    if type(value) is not int or value < minimum:
        raise RecordError(f"{what}.{key}: expected an integer ≥ {minimum}")
    return value


def _bool(obj: dict[str, Any], key: str, what: str) -> bool:
    value = obj[key]
    if type(value) is not bool:
        raise RecordError(f"{what}.{key}: expected true or false")
    return value


def _gender(obj: dict[str, Any], key: str, what: str) -> Gender:
    value = obj[key]
    if value == "F":
        return "F"
    if value == "M":
        return "M"
    raise RecordError(f"{what}.{key}: expected \"F\" or \"M\"")


def check_date(value: str, what: str) -> str:
    if not DATE.fullmatch(value):
        raise RecordError(f"{what}: {value!r} is not YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(f"{what}: {value!r} is not a valid date") from exc
    return value


@dataclass(frozen=True, slots=True)
class Beacon:
    chain: str
    period: int

    def to_json(self) -> dict[str, Any]:
        return {"chain": self.chain, "period": self.period}


@dataclass(frozen=True, slots=True)
class Rules:
    """The rule set (§3.1); its hash enters every seed."""

    event: str
    title: str
    year: int
    grade: int
    high_fee_threshold: int = 6000
    waitlist_promotion: bool = True
    dice: int = 20
    beacon: Beacon | None = None

    def __post_init__(self) -> None:
        if not EVENT_ID.fullmatch(self.event):
            raise RecordError(f"rules.event: {self.event!r} is not an event id")
        if self.grade not in (1, 7):
            raise RecordError("rules.grade: must be 1 or 7 (S1)")
        if self.dice < 20:
            raise RecordError("rules.dice: at least 20 dice")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "rules",
            "version": 1,
            "event": self.event,
            "title": self.title,
            "year": self.year,
            "grade": self.grade,
            "high_fee_threshold": self.high_fee_threshold,
            "waitlist_promotion": self.waitlist_promotion,
            "dice": self.dice,
            "beacon": None if self.beacon is None else self.beacon.to_json(),
        }

    @classmethod
    def from_json(cls, obj: Any) -> Rules:
        what = "rules"
        o = _fields(obj, what, {"type", "version", "event", "title", "year", "grade",
                                "high_fee_threshold", "waitlist_promotion", "dice", "beacon"})
        if o["type"] != "rules" or o["version"] != 1:
            raise RecordError("rules: type must be \"rules\" and version 1")
        beacon = None
        if o["beacon"] is not None:
            b = _fields(o["beacon"], "rules.beacon", {"chain", "period"})
            beacon = Beacon(_str(b, "chain", "rules.beacon", HEX32),
                            _int(b, "period", "rules.beacon", 1))
        return cls(
            event=_str(o, "event", what, EVENT_ID),
            title=_str(o, "title", what),
            year=_int(o, "year", what, 2000),
            grade=_int(o, "grade", what, 1),
            high_fee_threshold=_int(o, "high_fee_threshold", what),
            waitlist_promotion=_bool(o, "waitlist_promotion", what),
            dice=_int(o, "dice", what, 20),
            beacon=beacon,
        )


@dataclass(frozen=True, slots=True)
class School:
    """A private school taking part in the lottery (§3.2)."""

    id: str
    name: str
    district: str
    authority: Authority
    tuition: int
    quota: int
    community_quota: int = 0
    nine_year: bool = False

    def __post_init__(self) -> None:
        if not ID.fullmatch(self.id):
            raise RecordError(f"school.id: {self.id!r} is not an id")
        if not 0 <= self.community_quota <= self.quota:
            raise RecordError(f"school {self.id}: need 0 ≤ community_quota ≤ quota (P11)")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "school", "id": self.id, "name": self.name, "district": self.district,
            "authority": self.authority, "tuition": self.tuition, "quota": self.quota,
            "community_quota": self.community_quota, "nine_year": self.nine_year,
        }

    @classmethod
    def from_json(cls, obj: Any) -> School:
        what = "school"
        o = _fields(obj, what, {"type", "id", "name", "district", "authority", "tuition",
                                "quota", "community_quota", "nine_year"})
        authority = o["authority"]
        if authority not in ("city", "district"):
            raise RecordError("school.authority: expected \"city\" or \"district\"")
        return cls(
            id=_str(o, "id", what, ID), name=_str(o, "name", what),
            district=_str(o, "district", what, ID), authority=authority,
            tuition=_int(o, "tuition", what), quota=_int(o, "quota", what),
            community_quota=_int(o, "community_quota", what),
            nine_year=_bool(o, "nine_year", what),
        )


@dataclass(frozen=True, slots=True)
class Applicant:
    """An eligible applicant in the frozen lottery roster (§3.2)."""

    reg: str
    name: str
    school: str
    district: str
    gender: Gender
    reg_day: str
    direct: bool = False
    community: bool = False
    unit: str = ""

    def __post_init__(self) -> None:
        if not REG.fullmatch(self.reg):
            raise RecordError(f"applicant.reg: {self.reg!r} is not a registration number")
        if not self.unit:
            object.__setattr__(self, "unit", self.reg)
        elif not REG.fullmatch(self.unit) or self.unit > self.reg:
            raise RecordError(f"applicant {self.reg}: unit must be the smallest reg of the unit")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "applicant", "reg": self.reg, "name": self.name, "school": self.school,
            "district": self.district, "gender": self.gender, "reg_day": self.reg_day,
            "direct": self.direct, "community": self.community, "unit": self.unit,
        }

    @classmethod
    def from_json(cls, obj: Any) -> Applicant:
        what = "applicant"
        o = _fields(obj, what, {"type", "reg", "name", "school", "district", "gender",
                                "reg_day", "direct", "community", "unit"})
        return cls(
            reg=_str(o, "reg", what, REG), name=_str(o, "name", what),
            school=_str(o, "school", what, ID), district=_str(o, "district", what, ID),
            gender=_gender(o, "gender", what),
            reg_day=check_date(_str(o, "reg_day", what), f"{what}.reg_day"),
            direct=_bool(o, "direct", what), community=_bool(o, "community", what),
            unit=_str(o, "unit", what, REG),
        )


@dataclass(frozen=True, slots=True)
class Siblings:
    group: str
    mode: SiblingMode

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "mode": self.mode}


@dataclass(frozen=True, slots=True)
class Pupil:
    """A pupil of the locked cohort (S2), input to grouping (§3.2, §9)."""

    reg: str
    name: str
    school: str
    gender: Gender
    strata: tuple[str, ...] = ()
    siblings: Siblings | None = None
    same_name: str | None = None

    def __post_init__(self) -> None:
        if not REG.fullmatch(self.reg):
            raise RecordError(f"pupil.reg: {self.reg!r} is not a registration number")
        if list(self.strata) != sorted(set(self.strata)):
            raise RecordError(f"pupil {self.reg}: strata must be sorted and distinct")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "pupil", "reg": self.reg, "name": self.name, "school": self.school,
            "gender": self.gender, "strata": list(self.strata),
            "siblings": None if self.siblings is None else self.siblings.to_json(),
            "same_name": self.same_name,
        }

    @classmethod
    def from_json(cls, obj: Any) -> Pupil:
        what = "pupil"
        o = _fields(obj, what, {"type", "reg", "name", "school", "gender", "strata",
                                "siblings", "same_name"})
        strata = o["strata"]
        if not isinstance(strata, list) or any(
            type(s) is not str or not ID.fullmatch(s) for s in strata
        ):
            raise RecordError("pupil.strata: expected a list of ids")
        siblings = None
        if o["siblings"] is not None:
            s = _fields(o["siblings"], "pupil.siblings", {"group", "mode"})
            mode = s["mode"]
            if mode not in ("together", "apart"):
                raise RecordError("pupil.siblings.mode: expected \"together\" or \"apart\"")
            siblings = Siblings(_str(s, "group", "pupil.siblings", ID), mode)
        same_name = o["same_name"]
        if same_name is not None:
            same_name = _str(o, "same_name", what, ID)
        return cls(
            reg=_str(o, "reg", what, REG), name=_str(o, "name", what),
            school=_str(o, "school", what, ID), gender=_gender(o, "gender", what),
            strata=tuple(strata), siblings=siblings, same_name=same_name,
        )


@dataclass(frozen=True, slots=True)
class ClassSpec:
    id: str
    capacity: int


@dataclass(frozen=True, slots=True)
class ClassPlan:
    """A school's approved class plan (S3)."""

    school: str
    classes: tuple[ClassSpec, ...]

    def __post_init__(self) -> None:
        ids = [c.id for c in self.classes]
        if not ids:
            raise RecordError(f"class plan {self.school}: no classes (S3)")
        if ids != sorted(set(ids)):
            raise RecordError(f"class plan {self.school}: class ids must be sorted and distinct")
        for c in self.classes:
            if not ID.fullmatch(c.id) or c.capacity < 1:
                raise RecordError(f"class plan {self.school}: bad class {c.id!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "class-plan", "school": self.school,
            "classes": [{"id": c.id, "capacity": c.capacity} for c in self.classes],
        }

    @classmethod
    def from_json(cls, obj: Any) -> ClassPlan:
        what = "class-plan"
        o = _fields(obj, what, {"type", "school", "classes"})
        if not isinstance(o["classes"], list):
            raise RecordError("class-plan.classes: expected a list")
        classes = []
        for c in o["classes"]:
            f = _fields(c, "class-plan.classes[]", {"id", "capacity"})
            classes.append(ClassSpec(_str(f, "id", "class", ID), _int(f, "capacity", "class", 1)))
        return cls(school=_str(o, "school", what, ID), classes=tuple(classes))


@dataclass(frozen=True, slots=True)
class Teacher:
    """A head teacher named by a school (S5)."""

    school: str
    id: str
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"type": "teacher", "school": self.school, "id": self.id, "name": self.name}

    @classmethod
    def from_json(cls, obj: Any) -> Teacher:
        what = "teacher"
        o = _fields(obj, what, {"type", "school", "id", "name"})
        return cls(school=_str(o, "school", what, ID), id=_str(o, "id", what, ID),
                   name=_str(o, "name", what))


InputRecord = School | Applicant | Pupil | ClassPlan | Teacher

_PARSERS: dict[str, Any] = {
    "school": School.from_json, "applicant": Applicant.from_json, "pupil": Pupil.from_json,
    "class-plan": ClassPlan.from_json, "teacher": Teacher.from_json,
}


def record_from_json(obj: Any) -> InputRecord:
    """Parse any input record by its `type` member."""
    if not isinstance(obj, dict) or obj.get("type") not in _PARSERS:
        raise RecordError("record: unknown or missing type")
    result: InputRecord = _PARSERS[obj["type"]](obj)
    return result
