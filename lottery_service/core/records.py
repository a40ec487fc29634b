"""Records of PROTOCOL.md §3 (version 2): the rule set and the ceremony input records.

Each record is a frozen dataclass with `to_json()` (the value whose canonical
encoding is hashed) and a strict `from_json()` (`core.strict`). None carries
personal data or a sensitive attribute: names are masked before a record is
made (`mask_name`), and gender and balancing strata are committed to (`attrs`,
§17.1), never published. `OpenedPupil` is a pupil record together with its
opened attributes: what the grouping (§9) computes on, held by the service
and, in the sealed openings (§17.3), by the supervision group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from .beacon import BeaconChain
from .checkpoint import REHEARSAL_SEGMENT, check_origin_prefix
from .errors import ProtocolError, RecordError
from .strict import (
    EVENT_ID,
    HEX32,
    ID,
    REG,
    StrictError,
    boolean,
    date,
    integer,
    is_masked_name,
    items,
    literal,
    members,
    pattern,
    text,
)

__all__ = [
    "EVENT_ID", "HEX32", "ID", "REG", "VERSION", "Applicant", "Authority", "ClassPlan",
    "ClassSpec", "Gender", "InputRecord", "OpenedPupil", "Pupil", "Rules", "School",
    "SiblingMode", "Siblings", "Teacher", "mask_name", "parse_origin", "record_from_json",
]

VERSION: Final = 2  # PROTOCOL.md version 2; a version 1 value is refused (preamble)

Gender = Literal["F", "M"]
Authority = Literal["city", "district"]
SiblingMode = Literal["together", "apart"]
GENDERS: Final[tuple[Gender, ...]] = get_args(Gender)


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧*娜, 赵 → 赵* (§3.2, code points)."""
    name = name.strip()
    if not name:
        raise RecordError("a name is needed to make a masked name (§3.2)")
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" + name[-1]


def _masked(obj: dict[str, Any], what: str) -> str:
    value = text(obj, "name", what)
    if not is_masked_name(value):
        raise StrictError(f"{what}.name: not a masked name (§3.2): {value!r}", section="3.2")
    return value


def _ident(obj: dict[str, Any], key: str, what: str) -> str:
    return pattern(obj, key, what, ID, "id")


def _reg(obj: dict[str, Any], key: str, what: str) -> str:
    return pattern(obj, key, what, REG, "reg")


def parse_origin(origin: str) -> tuple[str, bool, str]:
    """A §12.1 log origin as (prefix, rehearsal, event id), or RecordError."""
    head, _, event = origin.rpartition("/")
    rehearsal = head.endswith("/" + REHEARSAL_SEGMENT)
    prefix = head.removesuffix("/" + REHEARSAL_SEGMENT) if rehearsal else head
    if not EVENT_ID.fullmatch(event) or len(origin.encode("utf-8")) > 255:
        raise RecordError(f"origin {origin!r} is not <prefix>/<event> (§12.1)", section="1")
    try:
        check_origin_prefix(prefix)
    except ProtocolError as exc:
        raise RecordError(f"origin prefix: {exc.message}", section="1") from None
    return prefix, rehearsal, event


# ------------------------------------------------------------------ rule set

_RULES: Final = frozenset({"type", "version", "event", "origin", "rehearsal", "title", "year",
                           "grade", "high_fee_threshold", "waitlist_promotion", "dice",
                           "beacon"})


@dataclass(frozen=True, slots=True)
class Rules:
    """The rule set (§3.1); its hash enters every seed (§5.7)."""

    event: str
    origin: str
    title: str
    year: int
    grade: int
    rehearsal: bool = False
    high_fee_threshold: int = 6000
    waitlist_promotion: bool = True
    dice: int = 20
    beacon: BeaconChain | None = None

    def __post_init__(self) -> None:
        if not EVENT_ID.fullmatch(self.event):
            raise RecordError(f"rules.event: {self.event!r} is not an event id", section="1")
        _, rehearsal, event = parse_origin(self.origin)
        if event != self.event:
            raise RecordError(f"rules.origin {self.origin!r} does not end with /{self.event}",
                              section="3.1")
        if rehearsal != self.rehearsal:
            raise RecordError("rules.origin has the /rehearsal/ form exactly when rehearsal "
                              "is true", section="3.1, §19")
        if self.grade not in (1, 7):
            raise RecordError("rules.grade: must be 1 or 7 (S1)", section="3.1", rule="S1")
        if self.dice < 20:
            raise RecordError("rules.dice: at least 20 dice", section="3.1")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "rules", "version": VERSION, "event": self.event, "origin": self.origin,
            "rehearsal": self.rehearsal, "title": self.title, "year": self.year,
            "grade": self.grade, "high_fee_threshold": self.high_fee_threshold,
            "waitlist_promotion": self.waitlist_promotion, "dice": self.dice,
            "beacon": None if self.beacon is None else self.beacon.to_json(),
        }

    @classmethod
    def from_json(cls, obj: Any) -> Rules:
        w = "rules"
        if type(obj) is dict and obj.get("version") == 1 and type(obj["version"]) is int:
            raise RecordError("version 1 is not supported (PROTOCOL.md version 2)",
                              section="preamble")
        o = members(obj, _RULES, w)
        if o["type"] != "rules" or o["version"] != VERSION or type(o["version"]) is not int:
            raise RecordError(f"rules: type must be \"rules\" and version {VERSION}",
                              section="3.1")
        return cls(
            event=pattern(o, "event", w, EVENT_ID, "event id"),
            origin=text(o, "origin", w), rehearsal=boolean(o, "rehearsal", w),
            title=text(o, "title", w), year=integer(o, "year", w),
            grade=integer(o, "grade", w), high_fee_threshold=integer(o, "high_fee_threshold", w),
            waitlist_promotion=boolean(o, "waitlist_promotion", w),
            dice=integer(o, "dice", w),
            beacon=None if o["beacon"] is None else BeaconChain.from_json(o["beacon"]),
        )


# ------------------------------------------------------------ input records

_SCHOOL: Final = frozenset({"type", "id", "name", "district", "authority", "tuition", "quota",
                            "community_quota", "nine_year"})


@dataclass(frozen=True, slots=True)
class School:
    """A private school taking part in the lottery (§3.2, P13)."""

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
            raise RecordError(f"school.id: {self.id!r} is not an id", section="1")
        if not 0 <= self.community_quota <= self.quota:
            raise RecordError(f"{self.id}: 0 <= community_quota <= quota", section="3.2",
                              rule="P11")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "school", "id": self.id, "name": self.name, "district": self.district,
            "authority": self.authority, "tuition": self.tuition, "quota": self.quota,
            "community_quota": self.community_quota, "nine_year": self.nine_year,
        }

    @classmethod
    def from_json(cls, obj: Any) -> School:
        w = "school"
        o = members(obj, _SCHOOL, w)
        authority: Authority = "city" if literal(o, "authority", w, get_args(Authority)) \
            == "city" else "district"
        return cls(
            id=_ident(o, "id", w), name=text(o, "name", w), district=_ident(o, "district", w),
            authority=authority, tuition=integer(o, "tuition", w), quota=integer(o, "quota", w),
            community_quota=integer(o, "community_quota", w),
            nine_year=boolean(o, "nine_year", w),
        )


_APPLICANT: Final = frozenset({"type", "reg", "name", "school", "district", "reg_day",
                               "direct", "community", "unit", "attrs"})


@dataclass(frozen=True, slots=True)
class Applicant:
    """An eligible applicant in the frozen lottery input (§3.2); `attrs` commits to the
    gender (§17.1). `unit` is the smallest reg of a joint application, else `reg`."""

    reg: str
    name: str
    school: str
    district: str
    reg_day: str
    attrs: str
    direct: bool = False
    community: bool = False
    unit: str = ""

    def __post_init__(self) -> None:
        if not REG.fullmatch(self.reg):
            raise RecordError(f"applicant.reg: {self.reg!r} is not a registration number",
                              section="1")
        if not self.unit:
            object.__setattr__(self, "unit", self.reg)
        elif not REG.fullmatch(self.unit) or self.unit > self.reg:
            raise RecordError(f"applicant {self.reg}: unit must be the smallest reg of the "
                              "unit", section="3.2")
        if not HEX32.fullmatch(self.attrs):
            raise RecordError(f"applicant {self.reg}: attrs is not a hex32", section="17.1")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "applicant", "reg": self.reg, "name": self.name, "school": self.school,
            "district": self.district, "reg_day": self.reg_day, "direct": self.direct,
            "community": self.community, "unit": self.unit, "attrs": self.attrs,
        }

    @classmethod
    def from_json(cls, obj: Any) -> Applicant:
        w = "applicant"
        o = members(obj, _APPLICANT, w)
        return cls(
            reg=_reg(o, "reg", w), name=_masked(o, w), school=_ident(o, "school", w),
            district=_ident(o, "district", w), reg_day=date(o["reg_day"], f"{w}.reg_day"),
            attrs=pattern(o, "attrs", w, HEX32, "hex32"), direct=boolean(o, "direct", w),
            community=boolean(o, "community", w), unit=_reg(o, "unit", w),
        )


@dataclass(frozen=True, slots=True)
class Siblings:
    group: str
    mode: SiblingMode

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "mode": self.mode}

    @classmethod
    def from_json(cls, obj: Any) -> Siblings | None:
        if obj is None:
            return None
        w = "pupil.siblings"
        o = members(obj, ("group", "mode"), w)
        mode: SiblingMode = "together" if literal(o, "mode", w, get_args(SiblingMode)) \
            == "together" else "apart"
        return cls(_ident(o, "group", w), mode)


def _same_name(o: dict[str, Any], what: str) -> str | None:
    return None if o["same_name"] is None else _ident(o, "same_name", what)


_PUPIL: Final = frozenset({"type", "reg", "name", "school", "attrs", "siblings", "same_name"})


@dataclass(frozen=True, slots=True)
class Pupil:
    """A pupil of the locked cohort (S2), input to grouping (§3.2); `attrs` commits to the
    gender and balancing strata (§17.1)."""

    reg: str
    name: str
    school: str
    attrs: str
    siblings: Siblings | None = None
    same_name: str | None = None

    def __post_init__(self) -> None:
        if not REG.fullmatch(self.reg):
            raise RecordError(f"pupil.reg: {self.reg!r} is not a registration number",
                              section="1")
        if not HEX32.fullmatch(self.attrs):
            raise RecordError(f"pupil {self.reg}: attrs is not a hex32", section="17.1")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "pupil", "reg": self.reg, "name": self.name, "school": self.school,
            "attrs": self.attrs,
            "siblings": None if self.siblings is None else self.siblings.to_json(),
            "same_name": self.same_name,
        }

    @classmethod
    def from_json(cls, obj: Any) -> Pupil:
        w = "pupil"
        o = members(obj, _PUPIL, w)
        return cls(reg=_reg(o, "reg", w), name=_masked(o, w), school=_ident(o, "school", w),
                   attrs=pattern(o, "attrs", w, HEX32, "hex32"),
                   siblings=Siblings.from_json(o["siblings"]), same_name=_same_name(o, w))


_OPENED_PUPIL: Final = frozenset({"type", "reg", "name", "school", "gender", "strata",
                                  "siblings", "same_name"})


@dataclass(frozen=True, slots=True)
class OpenedPupil:
    """A pupil with its opened attributes (§9: gender and strata from the opening, §17.1).

    Never logged: the log holds the `Pupil` record; this is what the service and,
    with the sealed openings, the supervision group group on. Its JSON form (the
    grouping vectors' input) is the record with `gender` and `strata` in place of
    `attrs`.
    """

    reg: str
    name: str
    school: str
    gender: Gender
    strata: tuple[str, ...] = ()
    siblings: Siblings | None = None
    same_name: str | None = None

    def __post_init__(self) -> None:
        if not REG.fullmatch(self.reg):
            raise RecordError(f"pupil.reg: {self.reg!r} is not a registration number",
                              section="1")
        if list(self.strata) != sorted(set(self.strata)):
            raise RecordError(f"pupil {self.reg}: strata must be sorted and distinct",
                              section="17.1")

    def record(self, attrs: str) -> Pupil:
        """The §3.2 record, with the commitment to this pupil's attributes."""
        return Pupil(self.reg, self.name, self.school, attrs, self.siblings, self.same_name)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "pupil", "reg": self.reg, "name": self.name, "school": self.school,
            "gender": self.gender, "strata": list(self.strata),
            "siblings": None if self.siblings is None else self.siblings.to_json(),
            "same_name": self.same_name,
        }

    @classmethod
    def from_json(cls, obj: Any) -> OpenedPupil:
        w = "pupil"
        o = members(obj, _OPENED_PUPIL, w)
        strata = items(o, "strata", w)
        if any(type(s) is not str or not ID.fullmatch(s) for s in strata):
            raise StrictError("pupil.strata: not a list of ids", section="17.1")
        gender: Gender = "F" if literal(o, "gender", w, GENDERS) == "F" else "M"
        return cls(reg=_reg(o, "reg", w), name=text(o, "name", w),
                   school=_ident(o, "school", w), gender=gender, strata=tuple(strata),
                   siblings=Siblings.from_json(o["siblings"]), same_name=_same_name(o, w))


@dataclass(frozen=True, slots=True)
class ClassSpec:
    id: str
    capacity: int


_PLAN: Final = frozenset({"type", "school", "name", "classes"})


@dataclass(frozen=True, slots=True)
class ClassPlan:
    """A school's approved class plan (S3): classes sorted by id, none without seats.
    `name` is the school's public name (public schools have no lottery record, §3.2)."""

    school: str
    name: str
    classes: tuple[ClassSpec, ...]

    def __post_init__(self) -> None:
        ids = [c.id for c in self.classes]
        if not ids:
            raise RecordError(f"class plan {self.school}: no classes (S3)", section="3.2",
                              rule="S3")
        if ids != sorted(set(ids)):
            raise RecordError(f"class plan {self.school}: class ids must be sorted and "
                              "distinct", section="3.2", rule="S3")
        for c in self.classes:
            if not ID.fullmatch(c.id) or c.capacity < 1:
                raise RecordError(f"class plan {self.school}: bad class {c.id!r}",
                                  section="3.2", rule="S3")

    @property
    def seats(self) -> int:
        return sum(c.capacity for c in self.classes)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "class-plan", "school": self.school, "name": self.name,
            "classes": [{"id": c.id, "capacity": c.capacity} for c in self.classes],
        }

    @classmethod
    def from_json(cls, obj: Any) -> ClassPlan:
        w = "class-plan"
        o = members(obj, _PLAN, w)
        classes = []
        for c in items(o, "classes", w, nonempty=True):
            f = members(c, ("id", "capacity"), f"{w}.classes[]")
            classes.append(ClassSpec(_ident(f, "id", "class"), integer(f, "capacity", "class", 1)))
        return cls(school=_ident(o, "school", w), name=text(o, "name", w),
                   classes=tuple(classes))


_TEACHER: Final = frozenset({"type", "school", "id", "name"})


@dataclass(frozen=True, slots=True)
class Teacher:
    """A head teacher named by a school (S5); ids are unique within the event (§1)."""

    school: str
    id: str
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"type": "teacher", "school": self.school, "id": self.id, "name": self.name}

    @classmethod
    def from_json(cls, obj: Any) -> Teacher:
        w = "teacher"
        o = members(obj, _TEACHER, w)
        return cls(school=_ident(o, "school", w), id=_ident(o, "id", w), name=_masked(o, w))


InputRecord = School | Applicant | Pupil | ClassPlan | Teacher

INPUT_TYPES: Final[dict[str, dict[str, Any]]] = {
    "lottery": {"school": School.from_json, "applicant": Applicant.from_json},
    "grouping": {"pupil": Pupil.from_json, "class-plan": ClassPlan.from_json},
    "teachers": {"teacher": Teacher.from_json},
}
"""The record types each ceremony takes (§5.1), by `type` member."""


def record_from_json(obj: Any, ceremony: str | None = None) -> InputRecord:
    """Parse an input record by its `type` member; with `ceremony`, only that ceremony's
    types (§5.1)."""
    if type(obj) is not dict or type(obj.get("type")) is not str:
        raise StrictError("input record: not an object with a type")
    tables = [INPUT_TYPES[ceremony]] if ceremony in INPUT_TYPES else list(INPUT_TYPES.values())
    for table in tables:
        parse = table.get(obj["type"])
        if parse is not None:
            record: InputRecord = parse(obj)
            return record
    where = f"a {ceremony} input" if ceremony else "an input record"
    raise StrictError(f"record type {obj['type']!r} is not {where} (§5.1)")

