"""Giving a place up online (放弃; issue 11 item 6, PROTOCOL.md §7.5 reason `declined`),
through the HTTP API on SQLite and PostgreSQL.

A family holding an unconfirmed offer gives it up with its second factor and the typed
word 放弃; the operator's next payment round logs it as a `forfeit` with reason
`declined` and promotes the next family in the same round. Refused, in Chinese and
changing nothing: before the draw, outside the payment window (G3), once paid (P7),
without the typed word, with wrong digits (answered like a look-up, counted as one).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from lottery_service.api import create_app
from lottery_service.runtime import Runtime
from lottery_service.storage.family_tables import DeclineTable
from tests.integration.api.conftest import APPLICANTS, OPERATOR, Season, auth, runtime_at
from tests.support import verified_fields

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@pytest.fixture
def season(tmp_path: Any, backend: str) -> Iterator[tuple[Runtime, Season]]:
    """A registered event (S001: 2 places, 6 applicants), not drawn yet."""
    rt = runtime_at(tmp_path, backend)
    with TestClient(create_app(rt, operator=OPERATOR)) as client:
        s = Season(client, "decline-2026")
        s.create()
        s.register(APPLICANTS)
        yield rt, s
    rt.close()


def draw(s: Season) -> None:
    s.freeze_roster()
    s.ceremony("lottery")
    s.post("/draw")


def records(s: Season, school: str) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = s.client.get(f"{s.base}/results/{school}").json()["records"]
    return answer


def admitted(s: Season, school: str) -> list[str]:
    return sorted(r["reg"] for r in records(s, school) if r["outcome"] == "admitted")


def give_up(s: Season, reg: str, word: str = "放弃", last4: str | None = None) -> Any:
    return s.client.post(f"{s.base}/decline", json={
        "reg": reg, "id_last4": last4 or APPLICANTS[reg][1], "confirm": word})


def options(s: Season, reg: str) -> dict[str, Any]:
    answer = s.client.post(f"{s.base}/decline/options",
                           json={"reg": reg, "id_last4": APPLICANTS[reg][1]})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def stored(rt: Runtime, event: str) -> set[str]:
    with rt.service.db.read() as session:
        return set(session.exec(select(DeclineTable.reg).where(DeclineTable.event_id == event)))


def test_a_declined_place_is_a_declined_forfeit_and_promotes_in_the_same_round(
        season: tuple[Runtime, Season]) -> None:
    rt, s = season
    draw(s)
    quitter, keeper = admitted(s, "S001")
    assert options(s, quitter) == {"can_decline": True, "reason_zh": "可以在线放弃该学位",
                                   "reason": "the offer may be given up", "declined_at": None}
    done = give_up(s, quitter)
    assert done.status_code == 200, done.text
    assert done.json()["already"] is False and done.json()["declined_at"].endswith("Z")
    again = give_up(s, quitter)  # repeating it changes nothing
    assert again.json()["already"] is True
    assert again.json()["declined_at"] == done.json()["declined_at"]
    shown = options(s, quitter)
    assert shown["can_decline"] is False and shown["declined_at"] == done.json()["declined_at"]
    assert stored(rt, s.event) == {quitter}

    # The other offers are paid; the round logs the quitter's forfeit as `declined`.
    receipts = "报名号,学校代码,回单号,缴费日期\n" + "".join(
        f"{reg},{school},RC{i:04d},2026-07-20\n" for i, (reg, school) in enumerate(
            [(keeper, "S001"), *((r, "S002") for r in admitted(s, "S002"))]))
    assert s.upload("payments", receipts.encode()).status_code == 200
    logged = {e["type"] for e in s.post("/payments/rounds")["entries"]}
    assert {"payment_round", "forfeit", "promotion"} <= logged
    settled = rt.service.lifecycle.state(s.event).payments[0]
    assert [f.body.to_json() for f in settled.forfeits] == [
        {"round": 1, "reg": quitter, "school": "S001", "reason": "declined"}]
    promoted = [p.body.reg for p in settled.promotions]
    assert len(promoted) == 1 and promoted[0] not in (quitter, keeper)
    assert promoted[0] in {r["reg"] for r in records(s, "S001")}
    # the family's own look-up now says the place is forfeited (the reason: its receipt)
    looked = s.client.post(f"{s.base}/lookup",
                           json={"reg": quitter, "id_last4": APPLICANTS[quitter][1]})
    assert looked.status_code == 200, looked.text
    assert verified_fields(rt, s.event, looked.json())["status"] == "forfeited-declined"


def test_before_the_draw_nothing_can_be_given_up(season: tuple[Runtime, Season]) -> None:
    rt, s = season
    reg = sorted(APPLICANTS)[0]
    shown = options(s, reg)
    assert shown["can_decline"] is False and "缴费确认期" in shown["reason_zh"]
    refused = give_up(s, reg)
    assert refused.status_code == 409
    assert "只能在缴费确认期内在线放弃学位" in refused.json()["message_zh"]
    assert stored(rt, s.event) == set()


def test_the_typed_word_and_the_digits_are_required(season: tuple[Runtime, Season]) -> None:
    rt, s = season
    draw(s)
    reg = admitted(s, "S001")[0]
    for word in ("", "放", "确认", "fangqi"):
        refused = give_up(s, reg, word)
        assert refused.status_code == 422, word
        assert "请在确认框中输入“放弃”两个字" in refused.json()["message_zh"]
    wrong = give_up(s, reg, last4="0000")
    looked = s.client.post(f"{s.base}/lookup", json={"reg": reg, "id_last4": "0000"})
    assert wrong.status_code == looked.status_code == 404  # told exactly like a look-up
    assert wrong.json()["message_zh"] == looked.json()["message_zh"]
    assert stored(rt, s.event) == set()


def test_a_paid_place_is_not_given_up_online(season: tuple[Runtime, Season]) -> None:
    rt, s = season
    draw(s)
    reg = admitted(s, "S001")[0]
    receipt = f"报名号,学校代码,回单号,缴费日期\n{reg},S001,RC0001,2026-07-20\n"
    assert s.upload("payments", receipt.encode()).status_code == 200
    assert options(s, reg)["can_decline"] is False
    refused = give_up(s, reg)
    assert refused.status_code == 409
    assert "该学位已缴费，不能在线放弃" in refused.json()["message_zh"]
    waiting = next(r["reg"] for r in records(s, "S001") if r["outcome"] != "admitted")
    nothing = give_up(s, waiting)  # a waiting family holds no offer
    assert nothing.status_code == 409
    assert "没有待确认的录取学位" in nothing.json()["message_zh"]
    assert stored(rt, s.event) == set()


def test_outside_the_payment_window_it_is_refused(season: tuple[Runtime, Season]) -> None:
    """G3: the payment window in force bounds giving up as it bounds the receipts."""
    rt, s = season
    set_window = s.client.post(f"{s.base}/windows", headers=auth(OPERATOR), json={
        "phase": "payment", "opens": "2030-07-01T08:00:00+08:00",
        "closes": "2030-07-10T17:00:00+08:00"})
    assert set_window.status_code == 200, set_window.text
    draw(s)
    reg = admitted(s, "S001")[0]
    refused = give_up(s, reg)
    assert refused.status_code == 409, refused.text
    assert "缴费时间窗口为 2030-07-01 08:00" in refused.json()["message_zh"]
    assert stored(rt, s.event) == set()
