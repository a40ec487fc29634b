"""Alibaba Cloud SMS (dysmsapi 2017-05-25) behind `SmsGateway`, with its official SDK.

Why this provider and SDK: `alibabacloud-dysmsapi20170525` is Alibaba Cloud's
maintained, generated SDK; its `SendBatchSms` takes up to 100 numbers in one
request *each with its own template values* (Tencent Cloud's `SendSms` gives
every number of a request the same values), so one request carries 100 different
families' messages; and `QuerySendDetails` lists what was sent to a number on a
day with the request's `OutId`, which is how a batch in flight at a crash is
settled before anything is sent again.

- `send`: one `SendBatchSms` per batch, `OutId` = the batch id stored before the call;
  `Code` OK → every message accepted; another `Code` or an HTTP 4xx → refused (sent
  to nobody); a timeout, a lost connection or a 5xx → raised: the outcome is unknown.
  The SDK's own retries are off: a retry could send a batch twice.
- `status`: `QuerySendDetails` per number and day, matched on `OutId`
  (`SendStatus` 1 waiting for the receipt, 2 failed, 3 delivered).

Settings (environment): `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`
(the SDK's usual names), `SUNSHINE_SMS_SIGN_NAME` (the approved signature),
`SUNSHINE_SMS_TEMPLATE_DRAW`, `…_PAYMENT_REMINDER`, `…_PROMOTION`, `…_FORFEIT`,
`…_CLASS` (approved template codes, variables as in `sms_templates.TEMPLATES`),
`SUNSHINE_SMS_ENDPOINT` (default `dysmsapi.aliyuncs.com`) and
`SUNSHINE_SMS_PROTOCOL` (`https`; `http` only for a loopback test endpoint).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, get_args

from alibabacloud_dysmsapi20170525 import models  # type: ignore[import-untyped]
from alibabacloud_dysmsapi20170525.client import Client  # type: ignore[import-untyped]
from alibabacloud_tea_openapi import models as openapi  # type: ignore[import-untyped]
from alibabacloud_tea_openapi.exceptions import (  # type: ignore[import-untyped]
    AlibabaCloudException,
)
from darabonba.runtime import RuntimeOptions  # type: ignore[import-untyped]

from ..errors import ConfigurationError, RemoteError
from ..storage.family_tables import NoticeTopic
from .sms import Delivery, Sent, Sms

__all__ = ["AliyunGateway", "AliyunSettings"]

DEFAULT_ENDPOINT: Final = "dysmsapi.aliyuncs.com"
MAX_BATCH: Final = 100  # SendBatchSms: at most 100 numbers per request
PAGE: Final = 50  # QuerySendDetails: at most 50 records per page
STATUS: Final[Mapping[int, Delivery]] = {1: Delivery.ACCEPTED, 2: Delivery.FAILED,
                                        3: Delivery.DELIVERED}
BEIJING: Final = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class AliyunSettings:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: Mapping[NoticeTopic, str]
    endpoint: str = DEFAULT_ENDPOINT
    protocol: str = "https"
    timeout_ms: int = 10_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> AliyunSettings:
        missing = [name for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID",
                                     "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                                     "SUNSHINE_SMS_SIGN_NAME") if not env.get(name)]
        templates = {topic: env.get(f"SUNSHINE_SMS_TEMPLATE_{topic.upper()}", "")
                     for topic in get_args(NoticeTopic)}
        missing += [f"SUNSHINE_SMS_TEMPLATE_{t.upper()}" for t, code in templates.items()
                    if not code]
        if missing:
            raise ConfigurationError(
                f"Alibaba Cloud SMS needs {', '.join(missing)}",
                zh=f"阿里云短信缺少设置：{'、'.join(missing)}")
        protocol = env.get("SUNSHINE_SMS_PROTOCOL", "https").lower()
        endpoint = env.get("SUNSHINE_SMS_ENDPOINT") or DEFAULT_ENDPOINT
        if protocol not in ("https", "http") or (
                protocol == "http" and not endpoint.startswith(("127.", "localhost"))):
            raise ConfigurationError(
                "SUNSHINE_SMS_PROTOCOL must be https (http only for a loopback endpoint)",
                zh="SUNSHINE_SMS_PROTOCOL 必须是 https（只有本机测试地址可用 http）")
        return cls(access_key_id=env["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                   access_key_secret=env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                   sign_name=env["SUNSHINE_SMS_SIGN_NAME"], templates=templates,
                   endpoint=endpoint, protocol=protocol)


class AliyunGateway:
    max_batch = MAX_BATCH

    def __init__(self, settings: AliyunSettings) -> None:
        self.settings = settings
        self._client = Client(openapi.Config(
            access_key_id=settings.access_key_id,
            access_key_secret=settings.access_key_secret,
            endpoint=settings.endpoint, protocol=settings.protocol))
        self._runtime = RuntimeOptions(autoretry=False, max_attempts=1,
                                       read_timeout=settings.timeout_ms,
                                       connect_timeout=settings.timeout_ms)

    def send(self, batch: str, messages: Sequence[Sms]) -> Sequence[Sent]:
        topics = {m.topic for m in messages}
        if len(topics) != 1 or len(messages) > MAX_BATCH:
            raise ValueError("a batch is one topic and at most 100 messages")
        request = models.SendBatchSmsRequest(
            out_id=batch,
            phone_number_json=json.dumps([m.phone for m in messages]),
            sign_name_json=json.dumps([self.settings.sign_name] * len(messages),
                                      ensure_ascii=False),
            template_code=self.settings.templates[topics.pop()],
            template_param_json=json.dumps([dict(m.params) for m in messages],
                                           ensure_ascii=False))
        try:
            body = self._call(self._client.send_batch_sms_with_options, request)
        except _Refused as refused:
            return [Sent(m.key, False, str(refused)) for m in messages]
        if body.code != "OK":
            error = f"{body.code}: {body.message}"
            return [Sent(m.key, False, error) for m in messages]
        return [Sent(m.key, True) for m in messages]

    def status(self, batch: str, messages: Sequence[Sms],
               sent_on: dt.date) -> Mapping[str, Delivery]:
        days = sorted({sent_on, dt.datetime.now(BEIJING).date()})
        out: dict[str, Delivery] = {}
        for m in messages:
            out[m.key] = Delivery.UNKNOWN
            for day in days:
                found = self._find(m.phone, day, batch)
                if found is not None:
                    out[m.key] = found
                    break
        return out

    def _find(self, phone: str, day: dt.date, batch: str) -> Delivery | None:
        page = 1
        while True:
            body = self._call(self._client.query_send_details_with_options,
                              models.QuerySendDetailsRequest(
                                  phone_number=phone, send_date=day.strftime("%Y%m%d"),
                                  page_size=PAGE, current_page=page))
            if body.code != "OK":
                raise RemoteError(f"QuerySendDetails: {body.code}: {body.message}",
                                  zh=f"短信网关查询失败：{body.code} {body.message}")
            details = body.sms_send_detail_dtos.sms_send_detail_dto \
                if body.sms_send_detail_dtos is not None else []
            for detail in details:
                if detail.out_id == batch:
                    return STATUS.get(int(detail.send_status or 0), Delivery.ACCEPTED)
            if page * PAGE >= int(body.total_count or 0) or not details:
                return None
            page += 1

    def _call(self, method: Any, request: Any) -> Any:
        """One SDK call; a 4xx answer is `_Refused`, anything else unknown is raised."""
        try:
            return method(request, self._runtime).body
        except AlibabaCloudException as exc:
            status = getattr(exc, "status_code", None) or 0
            if 400 <= int(status) < 500:
                raise _Refused(f"{exc.code}: {exc.message}") from None
            raise


class _Refused(Exception):
    """The gateway answered and refused the request: nothing was sent."""
