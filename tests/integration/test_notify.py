"""Notifications that reach families (issue 11 item 5): through the real Alibaba Cloud SDK
to a local stub of its HTTP API (tests/aliyun_sms_stub.py), on SQLite and PostgreSQL.

One message per phone number per step (twins on one phone: one message naming
both), each with the family's page link from SUNSHINE_PUBLIC_BASE_URL; sent in
batches; a number the gateway refuses is retried alone and listed for the
operator with the families who have no phone; a re-run sends nothing twice;
handset receipts come from QuerySendDetails. Kill -9 mid-batch: test_notify_kill.py.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lottery_service.api import create_app
from lottery_service.cli import app as cli_app
from lottery_service.core.season import PhaseError
from lottery_service.errors import ConfigurationError, RejectedInputError
from lottery_service.runtime import Runtime
from lottery_service.service.sms import Sms, SmsSettings
from lottery_service.service.sms_aliyun import AliyunGateway, AliyunSettings
from tests.aliyun_sms_stub import Stub, env_for, serve_stub
from tests.integration.api.conftest import (
    APPLICANT_HEADER,
    OPERATOR,
    SCHOOLS_CSV,
    Season,
    auth,
    runtime_at,
)

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

BASE_URL = "https://zhaosheng.example.gov.cn"
TWIN_PHONE = "13900000001"
# reg → (school, ID digits, phone, birth date): twins share a phone; one family has
# none; R20269999 is too young (P1-age) and is told so in the draw message.
FAMILIES = {
    "R20260001": ("S001", "1001", TWIN_PHONE, "2019-05-01"),
    "R20260002": ("S001", "1002", TWIN_PHONE, "2019-05-01"),
    **{f"R2026{i:04d}": ("S001" if i < 6 else "S002", f"{1000 + i:04d}", f"1390000{i:04d}",
                         "2019-05-01") for i in range(3, 8)},
    "R20260008": ("S002", "1008", "", "2019-05-01"),
    "R20269999": ("S001", "4321", "13900009999", "2021-03-01"),
}
PHONES = {phone for _, _, phone, _ in FAMILIES.values() if phone}


def applicants_csv() -> bytes:
    rows = [f"{reg},王小{i}华,{'男' if i % 2 else '女'},{born},D01,户籍,否,否,{school},,"
            f"2026-06-1{i % 9},{last4},{phone}\n"
            for i, (reg, (school, last4, phone, born)) in enumerate(sorted(FAMILIES.items()))]
    return (APPLICANT_HEADER + "".join(rows)).encode()


@dataclass
class World:
    rt: Runtime
    season: Season
    stub: Stub

    @property
    def notices(self):  # type: ignore[no-untyped-def]
        return self.rt.service.notifications


@pytest.fixture
def world(tmp_path: Path, backend: str) -> Iterator[World]:
    """A drawn event whose messages go through the SDK to the stub."""
    rt = runtime_at(tmp_path, backend)
    with serve_stub() as stub, TestClient(create_app(rt, operator=OPERATOR)) as client:
        rt.service.notifications.gateway = AliyunGateway(
            AliyunSettings.from_env(env_for(stub.port)))
        rt.service.notifications.settings = SmsSettings(
            provider="aliyun", public_base_url=BASE_URL, payment_deadline="7月25日17:00",
            settle_seconds=0)
        season = Season(client, "notify-2026")
        season.create()
        assert season.upload("schools", SCHOOLS_CSV.encode()).status_code == 200
        assert season.upload("applicants", applicants_csv()).status_code == 200
        season.freeze_roster()
        season.ceremony("lottery")
        season.post("/draw")
        yield World(rt, season, stub)
    rt.close()


def test_draw_result_one_message_per_phone_twins_together(world: World) -> None:
    done = world.notices.notify(world.season.event, "draw")
    assert done.sent == len(PHONES) == len(world.stub.records) and done.no_phone == 1
    assert {r.phone for r in world.stub.records} == PHONES  # one each
    twins = world.stub.messages_to(TWIN_PHONE)[0]
    assert "R20260001" in twins.content and "R20260002" in twins.content
    assert twins.content.startswith("【阳光招生】摇号结果已公布：")
    assert f"{BASE_URL}/events/notify-2026/check" in twins.content
    single = world.stub.messages_to("13900000003")[0]
    assert f"{BASE_URL}/events/notify-2026/check#reg=R20260003" in single.content
    assert any(word in single.content for word in ("摇号录取", "候补第", "未被"))
    rejected = world.stub.messages_to("13900009999")[0]
    assert "未通过资格审核" in rejected.content
    assert all("1001" not in r.content for r in world.stub.records)  # no second factor
    again = world.notices.notify(world.season.event, "draw")
    assert again.queued == 0 and len(world.stub.records) == len(PHONES)  # never twice


def test_messages_are_sent_in_batches(world: World) -> None:
    world.notices.gateway.max_batch = 3  # type: ignore[misc]
    world.notices.notify(world.season.event, "draw")
    assert world.stub.requests.count("SendBatchSms") == math.ceil(len(PHONES) / 3)


def test_a_refused_number_is_retried_alone_then_listed_for_the_operator(world: World) -> None:
    bad = "13900000004"
    world.stub.refuse.add(bad)
    done = world.notices.notify(world.season.event, "draw")
    assert done.failed == 1 and done.sent == len(PHONES) - 1
    # the first batch was refused as a whole; each of its numbers then went alone, and
    # the refused one a third time before it counts as failed
    assert world.stub.messages_to(bad) == []
    assert world.stub.requests.count("SendBatchSms") == 1 + len(PHONES) + 1
    listed = world.season.client.get(
        f"{world.season.base}/notifications/recipients", headers=auth(OPERATOR)).json()
    by_status = {r["status"]: r for r in listed["recipients"]}
    assert set(by_status) == {"failed", "no_phone"}
    assert by_status["failed"]["phone"] == "139****0004"
    assert by_status["failed"]["status_zh"] == "发送失败"
    assert by_status["failed"]["attempts"] == 3
    assert "MOBILE_NUMBER_ILLEGAL" in by_status["failed"]["error"]
    assert by_status["no_phone"]["regs"] == ["R20260008"]
    assert by_status["no_phone"]["status_zh"] == "没有手机号"
    # the log would get its count once nothing is pending: failures are final
    assert done.pending == 0


def test_the_operator_sends_and_lists_from_the_api_and_the_cli(world: World,
                                                               tmp_path: Path) -> None:
    url = f"{world.season.base}/notifications/steps"
    refused = world.season.client.post(url, json={"topic": "draw"})
    assert refused.status_code == 401
    sent = world.season.client.post(url, json={"topic": "draw"}, headers=auth(OPERATOR))
    assert sent.status_code == 200, sent.text
    assert sent.json()["sent"] == len(PHONES) and sent.json()["round"] is None
    steps = world.season.client.get(url, headers=auth(OPERATOR)).json()
    assert {(s["topic"], s["status"], s["messages"]) for s in steps} == {
        ("draw", "sent", len(PHONES)), ("draw", "no_phone", 1)}
    no_round = world.season.client.post(url, json={"topic": "forfeit"}, headers=auth(OPERATOR))
    assert no_round.status_code == 422 and "缴费轮次" in no_round.json()["message_zh"]
    runner = CliRunner()
    data = world.rt.settings.data_dir
    listed = runner.invoke(cli_app, ["notices", "list", world.season.event, "--data", str(data)])
    assert listed.exit_code == 0, listed.output
    assert "没有手机号" in listed.output and "R20260008" in listed.output
    counted = runner.invoke(cli_app, ["notices", "steps", world.season.event, "--data",
                                      str(data)])
    assert "摇号结果" in counted.output and "已发送" in counted.output
    bad = runner.invoke(cli_app, ["notices", "send", world.season.event, "nonsense",
                                  "--data", str(data)])
    assert bad.exit_code == 1 and "没有通知类型" in bad.output


def test_reminder_forfeit_and_promotion_after_a_payment_round(world: World) -> None:
    season, notices = world.season, world.notices
    event = season.event
    reminder = notices.notify(event, "payment_reminder")
    admitted = []
    for school in ("S001", "S002"):
        records = season.client.get(f"{season.base}/results/{school}").json()["records"]
        admitted += [(r["reg"], school) for r in records if r["outcome"] == "admitted"]
    with_phone = {FAMILIES[reg][2] for reg, _ in admitted if FAMILIES[reg][2]}
    assert reminder.sent == len(with_phone)
    assert all("7月25日17:00" in r.content for r in world.stub.records)
    # everyone pays but the first admitted family of S001, which gives its place up
    quitter = next(reg for reg, school in admitted if school == "S001")
    gone = season.client.post(f"{season.base}/decline", json={
        "reg": quitter, "id_last4": FAMILIES[quitter][1], "confirm": "放弃"})
    assert gone.status_code == 200, gone.text
    receipts = "报名号,学校代码,回单号,缴费日期\n" + "".join(
        f"{reg},{school},RC{i:04d},2026-07-20\n"
        for i, (reg, school) in enumerate(admitted) if reg != quitter)
    assert season.upload("payments", receipts.encode()).status_code == 200
    season.post("/payments/rounds")
    before = len(world.stub.records)
    forfeit = notices.notify(event, "forfeit", 1)
    assert forfeit.sent == 1
    told = world.stub.records[before]
    assert quitter in told.content and "家长已在线放弃" in told.content
    assert "第1轮" in told.content
    promotion = notices.notify(event, "promotion", 1)
    promoted = world.stub.records[before + 1:]
    assert promotion.sent == len(promoted) >= 1
    assert all("递补录取" in r.content and "第1轮" in r.content for r in promoted)
    with pytest.raises(PhaseError) as early:
        notices.notify(event, "forfeit", 2)
    assert "第2轮缴费结算之后" in early.value.zh


def test_class_messages_wait_for_the_matching(world: World) -> None:
    with pytest.raises(PhaseError) as caught:
        world.notices.notify(world.season.event, "class")
    assert "班主任匹配完成之后" in caught.value.zh


def test_handset_receipts_are_fetched(world: World) -> None:
    world.stub.failing.add("13900000005")
    world.notices.notify(world.season.event, "draw")
    assert world.notices.refresh(world.season.event) == len(PHONES)
    statuses = {s.status: s.messages for s in world.notices.steps(world.season.event)}
    assert statuses == {"delivered": len(PHONES) - 1, "failed": 1, "no_phone": 1}
    failed = world.notices.recipients(world.season.event, ["failed"])
    assert failed[0].phone == "139****0005" and "运营商回执" in failed[0].error


# ------------------------------------------------------------------ the adapter


def test_the_stub_checks_the_sdks_signature() -> None:
    """A wrong secret is refused: the stub really verifies ACS3-HMAC-SHA256."""
    with serve_stub() as stub:
        env = env_for(stub.port) | {"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "not-the-secret"}
        gateway = AliyunGateway(AliyunSettings.from_env(env))
        sms = Sms(key="k", phone="13900000001", topic="draw",
                  params={"title": "t", "children": "c", "link": "l"}, text="t")
        sent = gateway.send("b1", [sms])
        assert not sent[0].accepted and "SignatureDoesNotMatch" in sent[0].error
        assert stub.records == []


def test_settings_are_checked_in_chinese() -> None:
    with pytest.raises(ConfigurationError) as caught:
        SmsSettings.from_env({"SUNSHINE_SMS_PROVIDER": "aliyun"})
    assert "SUNSHINE_PUBLIC_BASE_URL" in caught.value.zh
    with pytest.raises(ConfigurationError):
        SmsSettings.from_env({"SUNSHINE_PUBLIC_BASE_URL": "zhaosheng.example"})
    with pytest.raises(ConfigurationError) as missing:
        AliyunSettings.from_env({"SUNSHINE_SMS_PROVIDER": "aliyun"})
    assert "SUNSHINE_SMS_SIGN_NAME" in missing.value.zh
    with pytest.raises(ConfigurationError):  # plain http only to a loopback stub
        AliyunSettings.from_env(env_for(1) | {"SUNSHINE_SMS_ENDPOINT": "sms.example.com"})
    link = SmsSettings.from_env({"SUNSHINE_PUBLIC_BASE_URL": BASE_URL + "/"}).page_link(
        "e-2026", "R1")
    assert link == f"{BASE_URL}/events/e-2026/check#reg=R1"
    with pytest.raises(RejectedInputError):
        from lottery_service.service.notifications import topic_of

        topic_of("sms")
