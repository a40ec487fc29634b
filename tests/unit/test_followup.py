"""AfterCommit (service/followup.py): a follow-up never fails a step, and a busy
database reads as a postponement in the log, not as a crash."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from lottery_service.service.followup import AfterCommit


def test_a_busy_database_is_one_warning_line_and_the_next_task_still_runs(
        caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    def push(event_id: str) -> None:
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError(
            "database is locked"))

    after = AfterCommit([push, ran.append])
    with caplog.at_level(logging.WARNING, logger="lottery_service.followup"):
        after.run("demo-2026")
    assert ran == ["demo-2026"]
    [record] = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "postponed until the next commit" in record.getMessage()
    assert "database is locked" in record.getMessage()


def test_any_other_failure_is_logged_with_its_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    def publish(event_id: str) -> None:
        raise ValueError("disk full")

    with caplog.at_level(logging.WARNING, logger="lottery_service.followup"):
        AfterCommit([publish]).run("demo-2026")
    [record] = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None
