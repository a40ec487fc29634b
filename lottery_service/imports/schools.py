"""Schools named by code or by name, resolved against the event's school list (issue 12 §4).

Bureau exports name the school (报名学校: "贵阳市第一民办学校"), not its code.
`SchoolDirectory` resolves a cell to one school: an exact code first, then the
name after normalising (full-width forms, spaces, bracket styles). An unknown or
ambiguous name is a row error with a hint (the closest names, or the codes to
choose from). It also knows each school's kind, so an application to a public
school is refused at the door (P13), and the facts the list validators need
(nine-year, community plan: P10, P11).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

from .results import Reason

__all__ = ["KnownSchool", "SchoolDirectory", "SchoolKind"]

SchoolKind = Literal["public", "private"]


class _SchoolLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def district(self) -> str: ...
    @property
    def nine_year(self) -> bool: ...
    @property
    def community_quota(self) -> int: ...


@dataclass(frozen=True, slots=True)
class KnownSchool:
    """A school of the event as the import layer needs it."""

    id: str
    name: str = ""
    kind: SchoolKind | None = None  # None: not known (a plain list of codes)
    district: str = ""
    nine_year: bool = False  # nine- or twelve-year school: may promote its own pupils (P10)
    community_quota: int = 0  # community-supporting places (P11)


def _name_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


class SchoolDirectory:
    """The schools of one event, by code and by name. A `Container[str]` of codes."""

    def __init__(self, schools: Iterable[KnownSchool]) -> None:
        self._by_id: dict[str, KnownSchool] = {}
        self._by_name: dict[str, list[KnownSchool]] = {}
        for s in schools:
            self._by_id[s.id] = s
            if s.name:
                self._by_name.setdefault(_name_key(s.name), []).append(s)

    @classmethod
    def of(cls, rows: Iterable[_SchoolLike]) -> SchoolDirectory:
        """From imported `SchoolRow`s or the service's stored school rows (same fields)."""
        return cls(KnownSchool(r.id, r.name, "public" if r.kind == "public" else "private",
                               r.district, r.nine_year, r.community_quota) for r in rows)

    @classmethod
    def codes(cls, codes: Iterable[str]) -> SchoolDirectory:
        """Codes only: no names, kinds unknown (the interface of earlier versions)."""
        return cls(KnownSchool(c) for c in codes)

    def __contains__(self, code: object) -> bool:
        return code in self._by_id

    def __iter__(self) -> Iterator[KnownSchool]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, code: str) -> KnownSchool | None:
        return self._by_id.get(code)

    @property
    def has_names(self) -> bool:
        return bool(self._by_name)

    def resolve(self, text: str) -> KnownSchool | Reason:
        """The school a cell names (code or name), or why it names none."""
        hit = self._by_id.get(text)
        if hit is not None:
            return hit
        matches = self._by_name.get(_name_key(text), [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            codes = "、".join(f"{s.id}" for s in matches)
            return Reason(f"school name {text} is ambiguous: codes {codes}",
                          f"学校名称「{text}」对应多所学校（代码 {codes}）",
                          f"请改填学校代码：{codes}", f"give the code instead: {codes}")
        close = difflib.get_close_matches(_name_key(text), list(self._by_name), n=3,
                                          cutoff=0.6)
        if close:
            names = "、".join(f"{self._by_name[k][0].name}（{self._by_name[k][0].id}）"
                             for k in close)
            return Reason(f"unknown school {text}", f"未知学校「{text}」",
                          f"是否为：{names}？", "did you mean one of the listed schools?")
        return Reason(f"unknown school {text}", f"未知学校「{text}」",
                      "请填写学校名单中的学校代码或学校全称",
                      "give a code or full name from the school list")
