"""The SMS gateway interface, the file gateway of the demo, and the settings of both.

A gateway sends a *batch*: messages of one template, each to one phone number,
under one batch id the service chose and stored before calling (the gateway's
external id, e.g. Alibaba Cloud's `OutId`). After a crash the service asks the
gateway what it holds for that batch (`status`) before sending anything again,
so a message is sent once even across kill -9 (`service.notifications`).

    SmsGateway            send(batch, messages) → per message accepted or refused
                          status(batch, messages, sent_on) → per message Delivery
    ├── FileGateway       JSON lines in a file (demo, tests); status reads the file
    └── AliyunGateway     Alibaba Cloud SMS (dysmsapi 2017-05-25), `service.sms_aliyun`
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final, Protocol

from ..errors import ConfigurationError
from ..storage.family_tables import NoticeTopic

__all__ = ["PUBLIC_BASE_URL_ENV", "Delivery", "FileGateway", "Sent", "Sms", "SmsGateway",
           "SmsSettings", "open_gateway"]

PUBLIC_BASE_URL_ENV: Final = "SUNSHINE_PUBLIC_BASE_URL"
DEMO_BASE_URL: Final = "http://127.0.0.1:8000"  # `make run`; only with the file gateway


@dataclass(frozen=True)
class Sms:
    """One message: `key` is its idempotency key, `params` the template's values."""

    key: str
    phone: str
    topic: NoticeTopic
    params: Mapping[str, str]
    text: str  # the message as the family reads it


class Delivery(StrEnum):
    """What a gateway says of a message it was given."""

    UNKNOWN = "unknown"  # it has no record: never received, may be sent again
    ACCEPTED = "accepted"  # received, no handset receipt yet
    DELIVERED = "delivered"
    FAILED = "failed"  # received, and the carrier reported failure


@dataclass(frozen=True)
class Sent:
    """The gateway's answer for one message of a batch."""

    key: str
    accepted: bool
    error: str = ""


class SmsGateway(Protocol):
    """A provider adapter. `send` raises only when the outcome is unknown (timeout,
    connection lost): the service then asks `status` before sending again."""

    max_batch: int

    def send(self, batch: str, messages: Sequence[Sms]) -> Sequence[Sent]: ...

    def status(self, batch: str, messages: Sequence[Sms],
               sent_on: dt.date) -> Mapping[str, Delivery]: ...


class FileGateway:
    """Appends one JSON line per message (batch, key, to, message) and syncs; `status`
    finds a batch's lines again. A line cut short by a crash does not count as sent."""

    max_batch = 500

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, batch: str, messages: Sequence[Sms]) -> Sequence[Sent]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps({"batch": batch, "key": m.key, "to": m.phone,
                                    "topic": m.topic, "message": m.text},
                                   ensure_ascii=False) + "\n" for m in messages)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(lines)
            out.flush()
            os.fsync(out.fileno())
        return [Sent(m.key, True) for m in messages]

    def status(self, batch: str, messages: Sequence[Sms],
               sent_on: dt.date) -> Mapping[str, Delivery]:
        found = {line["key"] for line in self.lines() if line.get("batch") == batch}
        return {m.key: Delivery.ACCEPTED if m.key in found else Delivery.UNKNOWN
                for m in messages}

    def lines(self) -> list[dict[str, str]]:
        """Every complete line written so far."""
        if not self.path.exists():
            return []
        out = []
        for raw in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(raw))
            except ValueError:
                continue
        return out


@dataclass(frozen=True)
class SmsSettings:
    """What the messages and their sending need from the deployment (environment):

    - `SUNSHINE_PUBLIC_BASE_URL`: the public address of the pages (the link in every
      message; never taken from a request's Host); required with a real gateway;
    - `SUNSHINE_SMS_PROVIDER`: `file` (default; `sms-outbox.jsonl` in the data
      directory) or `aliyun` (`service.sms_aliyun` lists its own settings);
    - `SUNSHINE_PAYMENT_DEADLINE`: the payment deadline as written in the reminder
      (the parents' page shows the same text);
    - `SUNSHINE_SMS_SETTLE_SECONDS`: how long a batch found in flight after a crash is
      left to the gateway before its record is trusted (default 60).
    """

    provider: str
    public_base_url: str
    payment_deadline: str | None = None
    settle_seconds: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SmsSettings:
        provider = env.get("SUNSHINE_SMS_PROVIDER", "file").strip() or "file"
        if provider not in ("file", "aliyun"):
            raise ConfigurationError(
                f"SUNSHINE_SMS_PROVIDER={provider!r}: expected file or aliyun",
                zh=f"SUNSHINE_SMS_PROVIDER={provider!r} 无效，可选 file 或 aliyun")
        base = env.get(PUBLIC_BASE_URL_ENV, "").strip().rstrip("/")
        if not base and provider != "file":
            raise ConfigurationError(
                f"{PUBLIC_BASE_URL_ENV} is not set: every message links to the family's page",
                zh=f"未设置 {PUBLIC_BASE_URL_ENV}（家长查询页面的公网地址，短信中的链接）")
        if base and not base.startswith(("https://", "http://")):
            raise ConfigurationError(
                f"{PUBLIC_BASE_URL_ENV}={base!r} is not an http(s) address",
                zh=f"{PUBLIC_BASE_URL_ENV}={base!r} 不是 http(s) 地址")
        settle = env.get("SUNSHINE_SMS_SETTLE_SECONDS", "").strip()
        try:
            settle_seconds = float(settle) if settle else 60.0
        except ValueError:
            raise ConfigurationError(
                f"SUNSHINE_SMS_SETTLE_SECONDS={settle!r} is not a number of seconds",
                zh=f"SUNSHINE_SMS_SETTLE_SECONDS={settle!r} 不是秒数") from None
        return cls(provider=provider, public_base_url=base or DEMO_BASE_URL,
                   payment_deadline=env.get("SUNSHINE_PAYMENT_DEADLINE") or None,
                   settle_seconds=settle_seconds)

    def page_link(self, event_id: str, reg: str | None = None) -> str:
        """The family's page; with one child, its number filled in (check.js reads
        `#reg=`). The second factor is never in a link."""
        link = f"{self.public_base_url}/events/{event_id}/check"
        return f"{link}#reg={reg}" if reg else link


def open_gateway(settings: SmsSettings, data_dir: Path,
                 env: Mapping[str, str] = os.environ) -> SmsGateway:
    """The configured gateway: the file in the data directory, or Alibaba Cloud SMS
    (imported only then: the SDK is not loaded for the demo)."""
    if settings.provider == "aliyun":
        from .sms_aliyun import AliyunGateway, AliyunSettings

        return AliyunGateway(AliyunSettings.from_env(env))
    return FileGateway(data_dir / "sms-outbox.jsonl")
