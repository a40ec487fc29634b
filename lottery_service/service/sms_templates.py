"""The families' SMS in Chinese, one template per topic of §11.2 (issue 11 item 5).

One message per phone number per event step: twins on one phone get one message
naming each child (`children`). Names are the masked names the log shows (§3.2):
the gateway is a third party. Every message links to the family's page, where
the result is checked in the family's own browser; the text says so, because an
SMS itself proves nothing.

A gateway template has the variables `title`, `children`, `link` and, per topic,
`school`, `deadline`, `round` (`params`); `text` is the same message rendered,
for the file gateway and the operator's list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from ..storage.family_tables import NoticeTopic

__all__ = ["TEMPLATES", "TOPIC_ZH", "Child", "render"]

TOPIC_ZH: Final[Mapping[NoticeTopic, str]] = {
    "draw": "摇号结果", "payment_reminder": "缴费提醒", "promotion": "递补录取",
    "forfeit": "放弃学位", "class": "分班结果",
}
# The approved template text, `{name}` per variable (the gateway's console writes ${name}).
TEMPLATES: Final[Mapping[NoticeTopic, str]] = {
    "draw": "【{title}】摇号结果已公布：{children}。请用报名号和身份证后4位在 {link} "
            "查询，并在手机上核验结果（以核验结果为准）。",
    "payment_reminder": "【{title}】{children}已获录取，请于{deadline}前缴费确认学位，"
                        "逾期视为放弃。如不需要该学位，可在 {link} 在线放弃。",
    "promotion": "【{title}】{children}已在第{round}轮递补录取，请于{deadline}前缴费确认学位。"
                 "详情及核验：{link}",
    "forfeit": "【{title}】{children}（第{round}轮）。如有疑问请联系区教育局招生办。"
               "详情：{link}",
    "class": "【{title}】分班结果：{children}。详情及核验：{link}",
}


@dataclass(frozen=True)
class Child:
    """One child named in a message, and what the message says of it."""

    reg: str
    name: str  # masked (§3.2)
    line: str  # e.g. 摇号录取阳光小学; 候补第3位; 已编入阳光小学01班，班主任王*老师


def render(topic: NoticeTopic, children: Sequence[Child], *, title: str, link: str,
           deadline: str | None = None, round_no: int = 0) -> tuple[dict[str, str], str]:
    """The template values and the rendered text of one message."""
    named = "；".join(f"{c.name}（报名号{c.reg}）{c.line}" for c in children)
    params = {"title": title, "children": named, "link": link}
    if topic in ("payment_reminder", "promotion"):
        params["deadline"] = deadline or "规定期限"
    if topic in ("promotion", "forfeit"):
        params["round"] = str(round_no)
    return params, TEMPLATES[topic].format(**params)
