"""What follows each committed step, off the step's thread: witness pushes (§12.4), then
the static publication (§18).

A step commits and returns at once; `AfterCommit.notify(event)` (a listener of
the unit of work) queues the event for one background thread, which runs each
task in turn. Events queued twice before their turn run once, with the newest
checkpoint; a task that fails is logged and retried after the next commit. So
no witness, network or disk problem can block or fail a ceremony step.
`drain` waits (bounded) until everything queued has run: an export calls it so
that its bundle carries the witnesses' cosignatures.

Settings (environment, read once at start):

    SUNSHINE_WITNESS_QUORUM              witnesses a checkpoint needs in the policy
                                         (§13.1); default: all registered witnesses
    SUNSHINE_PUBLICATION_ROOT            publication root of official events (§18)
    SUNSHINE_REHEARSAL_PUBLICATION_ROOT  publication root of rehearsals (§19)
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError

from ..errors import ConfigurationError

_log = logging.getLogger("lottery_service.followup")

__all__ = ["AfterCommit", "FollowUpSettings"]


@dataclass(frozen=True)
class FollowUpSettings:
    quorum: int | None = None
    publication_root: Path | None = None
    rehearsal_publication_root: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> FollowUpSettings:
        quorum = env.get("SUNSHINE_WITNESS_QUORUM", "").strip()
        if quorum and not re.fullmatch(r"0|[1-9][0-9]{0,3}", quorum):
            raise ConfigurationError(
                f"SUNSHINE_WITNESS_QUORUM={quorum!r} is not a number of witnesses",
                zh=f"SUNSHINE_WITNESS_QUORUM={quorum!r} 不是见证人数量（非负整数）")
        official = env.get("SUNSHINE_PUBLICATION_ROOT", "").strip()
        rehearsal = env.get("SUNSHINE_REHEARSAL_PUBLICATION_ROOT", "").strip()
        if official and rehearsal and Path(official).resolve() == Path(rehearsal).resolve():
            raise ConfigurationError(
                "the official and the rehearsal publication roots are one directory (§19)",
                zh="正式发布目录与演练发布目录不能是同一个目录（§19）")
        return cls(int(quorum) if quorum else None, Path(official) if official else None,
                   Path(rehearsal) if rehearsal else None)


class AfterCommit:
    """One background thread running `tasks(event)` for each event a commit queued."""

    def __init__(self, tasks: Sequence[Callable[[str], object]] = ()) -> None:
        self.tasks = list(tasks)
        self._queued: dict[str, None] = {}  # insertion-ordered set
        self._running = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()

    def notify(self, event_id: str) -> None:
        """Queue the event (called after each committed step); returns at once."""
        if not self.tasks:
            return
        with self._cond:
            if self._closed:
                return
            self._queued[event_id] = None
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="after-commit",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until everything queued has run; False if `timeout` seconds passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queued or self._running:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None:
                    return not (self._queued or self._running)
                self._cond.wait(left)
        return True

    def run(self, event_id: str) -> None:
        """Run every task for `event_id` now, in the caller's thread; failures are logged."""
        for task in self.tasks:
            name = getattr(task, "__qualname__", task)
            try:
                task(event_id)
            except OperationalError as exc:  # the database busy or away: not a fault here
                _log.warning("after-commit task %s for %s postponed until the next commit "
                             "(database: %s)", name, event_id, str(exc.orig).strip())
            except Exception:  # a follow-up never fails a step; the next commit retries
                _log.exception("after-commit task %s failed for %s", name, event_id)

    def close(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop the thread."""
        self.drain(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queued and not self._closed:
                    self._cond.wait()
                if not self._queued:
                    return
                event_id = next(iter(self._queued))
                del self._queued[event_id]
                self._running = True
            try:
                self.run(event_id)
            finally:
                with self._cond:
                    self._running = False
                    self._cond.notify_all()
