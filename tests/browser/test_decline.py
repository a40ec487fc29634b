"""Giving a place up on the parents' page (放弃; issue 11 item 6) in real headless Chromium,
on a phone viewport.

The page and its receipts come from `parents_stub.py` (the service does not serve v2
receipts yet), while the give-up requests go to the real service: an event of the
same id, drawn, in its payment window, where the family holds an unconfirmed offer. The
section appears only next to a verified result and only when the server says the offer
can be given up; the button stays disabled until 放弃 is typed; the decision is stored
(`DeclineTable`) and a second visit says it was given up already.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from lottery_service.api import create_app
from lottery_service.api.i18n import t
from lottery_service.runtime import Runtime
from lottery_service.storage.family_tables import DeclineTable
from tests.integration.api.conftest import APPLICANT_HEADER, OPERATOR, Season, runtime_at
from tests.support import served

from . import parents_stub as stub
from .conftest import screenshot_path

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 1}
ADMITTED = stub.SEASON["roles"]["admitted"]
WAITING = stub.SEASON["roles"]["waiting"]
RESULTS = stub.SIZES[2]
SCHOOLS = ("学校代码,学校名称,区县,性质,学费,审批机关,招生计划,配套计划,九年一贯\n"
           "S001,阳光实验学校,D01,民办,5000,区,5,0,否\n")


def z(key: str, **kw: object) -> str:
    return t("zh", key, **kw)


def _real_event(path: Path) -> Runtime:
    """Event `stub.EVENT`, drawn: the stub's admitted family and two others all hold
    offers (quota 5), and the stub's waiting family is not registered here at all."""
    rt = runtime_at(path)
    regs = [ADMITTED, "2026000901", "2026000902"]
    rows = "".join(f"{reg},孙小{i}明,男,2019-05-01,D01,户籍,否,否,S001,,2026-06-1{i},"
                   f"{stub.FACTOR},1380000000{i}\n" for i, reg in enumerate(regs))
    with TestClient(create_app(rt, operator=OPERATOR)) as client:
        season = Season(client, stub.EVENT)
        season.create()
        assert season.upload("schools", SCHOOLS.encode()).status_code == 200
        answer = season.upload("applicants", (APPLICANT_HEADER + rows).encode())
        assert answer.status_code == 200, answer.text
        season.freeze_roster()
        season.ceremony("lottery")
        season.post("/draw")
    return rt


def _both(page_app: Any, service_app: Any) -> Callable[..., Any]:
    """The stub's page and receipts; the real service for /decline."""
    prefix = f"/api/v1/events/{stub.EVENT}/decline"

    async def app(scope: Any, receive: Any, send: Any) -> None:
        target = service_app if scope["type"] == "http" and \
            scope["path"].startswith(prefix) else page_app
        await target(scope, receive, send)

    return app


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, stub.Stub, Runtime]]:
    rt = _real_event(tmp_path_factory.mktemp("decline"))
    s = stub.Stub()
    try:
        with served(_both(s.app(), create_app(rt, operator=OPERATOR))) as url:
            yield url, s, rt
    finally:
        rt.close()


def _look_up(page: Page, base: str, reg: str) -> None:
    page.goto(f"{base}/events/{stub.EVENT}/check")
    page.get_by_label(z("reg")).fill(reg)
    page.get_by_label(z("id_last4")).fill(stub.FACTOR)
    page.get_by_role("button", name=z("lookup")).click()
    expect(page.locator("#outcome")).to_be_visible()


def test_a_family_gives_its_place_up_on_a_phone(site: tuple[str, stub.Stub, Runtime],
                                                new_page: Any) -> None:
    base, s, rt = site
    s.answers = {ADMITTED: RESULTS, WAITING: RESULTS}
    page = new_page(**PHONE)
    _look_up(page, base, ADMITTED)
    expect(page.locator("#outcome")).to_have_text(z("c.s.admitted"))
    section = page.locator("#decline")
    expect(section).to_be_visible()
    expect(section.get_by_role("heading")).to_have_text(z("c.decline.title"))
    page.get_by_role("button", name=z("c.decline.open")).click()
    submit = page.get_by_role("button", name=z("c.decline.submit"))
    expect(submit).to_be_disabled()
    word = page.get_by_label(z("c.decline.type"))
    word.fill("放")
    expect(submit).to_be_disabled()  # the whole word, nothing less
    word.fill("放弃")
    expect(submit).to_be_enabled()
    section.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_path("parents-decline-confirm-390x844.png"))
    submit.click()
    message = page.locator("#decline-message")
    expect(message).to_have_attribute("role", "alert")
    expect(message).to_contain_text("已登记放弃该学位，将在下一轮缴费结算时生效")
    expect(message).to_contain_text("（北京时间）")
    expect(page.locator("#decline-confirm")).to_be_hidden()
    expect(page.locator("#decline-until-round")).to_have_text(z("c.decline.until_round"))
    expect(page.locator("#decline-hint")).to_be_hidden()  # "you may give it up" is over
    section.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_path("parents-decline-done-390x844.png"))
    width = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1]  # nothing wider than the phone
    with rt.service.db.read() as session:
        stored = session.get(DeclineTable, (stub.EVENT, ADMITTED))
    assert stored is not None and stored.at.endswith("Z")

    again = new_page(**PHONE)  # a second visit: already given up, nothing to confirm
    _look_up(again, base, ADMITTED)
    expect(again.locator("#decline-message")).to_have_text(z("c.decline.already"))
    expect(again.get_by_role("button", name=z("c.decline.open"))).to_be_hidden()
    expect(again.locator("#decline-until-round")).to_be_visible()
    again.locator("#decline").scroll_into_view_if_needed()
    again.screenshot(path=screenshot_path("parents-decline-already-390x844.png"))


def test_no_give_up_section_without_an_offer_the_server_knows(
        site: tuple[str, stub.Stub, Runtime], new_page: Any) -> None:
    """A waiting family (unknown to this server's event): the server refuses the second
    factor, so the page offers nothing."""
    base, s, _ = site
    s.answers = {WAITING: RESULTS}
    page = new_page(**PHONE)
    _look_up(page, base, WAITING)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#decline")).to_be_hidden()
