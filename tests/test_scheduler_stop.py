"""Stopping the scheduler while it hands out a job (`home.stop_scheduler`).

APScheduler's `shutdown` marks the scheduler stopped before it takes the job stores'
lock. A one-off job (a poll asked for at once, an action's send) being handed to the
executor at that moment is then looked for among the jobs not yet started, is not found,
and `JobLookupError` ends the scheduler's thread with a traceback on stderr: the last
line a user saw of `traysupport ack` now and then. The executor below holds the hand-out
until the stop has begun, so the race is lost every time, not once in a while.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING

from traysupport.home import DaemonJobs, stop_scheduler

DEADLINE = 5.0


class HandsOutWhenStopping(DaemonJobs):
    """Hands a job out only once the scheduler has been asked to stop (or pause)."""

    def __init__(self) -> None:
        super().__init__()
        self.handing_out = threading.Event()
        self.scheduler: BackgroundScheduler | None = None

    def _do_submit_job(self, job: Any, run_times: list[Any]) -> None:
        self.handing_out.set()
        deadline = time.monotonic() + DEADLINE
        while self.scheduler is not None and self.scheduler.state == STATE_RUNNING:
            assert time.monotonic() < deadline, "the stop never began"
            time.sleep(0.001)  # waiting for another thread's state change, not for time
        super()._do_submit_job(job, run_times)


def test_stopping_while_a_one_off_job_is_handed_out_raises_nothing_on_any_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    jobs = HandsOutWhenStopping()
    scheduler = BackgroundScheduler(timezone=UTC, executors={"default": jobs})
    jobs.scheduler = scheduler
    ran = threading.Event()
    scheduler.start()
    scheduler.add_job(ran.set)  # one-off, due now: what `poll_soon` adds
    assert jobs.handing_out.wait(DEADLINE)

    stop_scheduler(scheduler)

    assert not scheduler.running
    assert jobs.join(DEADLINE)
    assert failures == []
    assert ran.is_set()  # handed out before the stop: it ran


def test_stopping_a_scheduler_that_never_started_or_already_stopped_is_a_no_op() -> None:
    scheduler = BackgroundScheduler(timezone=UTC, executors={"default": DaemonJobs()})
    stop_scheduler(scheduler)
    scheduler.start()
    stop_scheduler(scheduler)
    stop_scheduler(scheduler)
    assert not scheduler.running
