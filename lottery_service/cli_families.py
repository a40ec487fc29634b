"""`sunshine notices …`: the operator's SMS outbox from the command line (S6, §11.2).

Each command parses, calls one `service.notifications` method and prints the
answer, Chinese first; errors meet `cli.Boundary` like every other command.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .config import Settings
from .runtime import open_runtime
from .service import Service
from .service.notifications import STATUS_ZH, topic_of
from .service.sms_templates import TOPIC_ZH

__all__ = ["notices_app"]

console = Console(soft_wrap=True)
notices_app = typer.Typer(help="短信通知 / SMS to families: send a step, list what is not sent.",
                          no_args_is_help=True, pretty_exceptions_enable=False,
                          add_completion=False)

DataDir = Annotated[Path | None, typer.Option(
    "--data", help="data directory (default: SUNSHINE_DATA, else ./data)")]
EventArg = Annotated[str, typer.Argument(help="event id")]


@contextmanager
def _service(data: Path | None) -> Iterator[Service]:
    """The service for one command; its database connections are closed after it."""
    runtime = open_runtime(Settings.from_env(data))
    try:
        yield runtime.service
    finally:
        runtime.close()


@notices_app.command("send")
def send(event: EventArg,
         topic: Annotated[str, typer.Argument(
             help="draw | payment_reminder | promotion | forfeit | class")],
         round_no: Annotated[int | None, typer.Option(
             "--round", help="the payment round (promotion, forfeit)")] = None,
         data: DataDir = None) -> None:
    """Send one step's messages, one per phone number, in batches; resumes safely."""
    which = topic_of(topic)
    with _service(data) as service:
        done = service.notifications.notify(event, which, round_no)
    step = TOPIC_ZH[which] + (f"（第{done.round_no}轮）" if done.round_no else "")
    console.print(f"✓ {step}：新排队 {done.queued} 条，已发送 {done.sent} 条，"
                  f"待发送 {done.pending} 条，失败 {done.failed} 条，没有手机号 {done.no_phone} 条")
    console.print(f"  {which}: {done.queued} queued, {done.sent} sent, {done.pending} pending, "
                  f"{done.failed} failed, {done.no_phone} without a phone")
    if done.entries:
        console.print(f"✓ 已记入日志 / logged: {', '.join(e.type for e in done.entries)}")


@notices_app.command("list")
def list_unsent(event: EventArg, data: DataDir = None) -> None:
    """Families whose message is not sent: pending, in flight, failed, without a phone."""
    with _service(data) as service:
        found = service.notifications.recipients(event)
    if not found:
        console.print("✓ 所有短信均已发送 / every message is sent")
        return
    for r in found:  # one line each: readable on a narrow terminal, easy to copy
        step = TOPIC_ZH[r.topic] + (f"（第{r.round_no}轮）" if r.round_no else "")
        console.print(f"✗ {step}  报名号 {'、'.join(r.regs)}  手机 {r.phone or '—'}  "
                      f"{r.status_zh}（{r.status}）  已尝试 {r.attempts} 次"
                      + (f"  原因：{r.error}" if r.error else ""), markup=False)
    console.print(f"共 {len(found)} 条未发送 / {len(found)} not sent")


@notices_app.command("steps")
def steps(event: EventArg, data: DataDir = None) -> None:
    """Messages per topic, round and status."""
    table = Table("通知 / topic", "轮次 / round", "状态 / status", "条数 / messages")
    with _service(data) as service:
        counts = service.notifications.steps(event)
    for s in counts:
        table.add_row(TOPIC_ZH[s.topic], str(s.round_no or ""), STATUS_ZH[s.status],
                      str(s.messages))
    console.print(table)


@notices_app.command("receipts")
def receipts(event: EventArg, data: DataDir = None) -> None:
    """Fetch handset receipts of sent messages from the gateway."""
    with _service(data) as service:
        changed = service.notifications.refresh(event)
    console.print(f"✓ 更新了 {changed} 条送达状态 / {changed} receipt(s) updated")
