"""The tray app's engine on a home thread of its own: `ServiceHome`.

The GUI thread must never wait on the engine: at 10,000 tickets a changed poll costs
~50 ms of alert evaluation and ~80 ms of SQLite writes, five times a frame. So the tray
app runs the service the way the CLI does (`service` module doc): everything that
touches the store or the service's state runs in order on one *home* thread (a
`service.HomeLoop`), which also builds the engine (`runtime.open_engine`: the `Store`
belongs to the thread that opened it) and takes it down. APScheduler's
`BackgroundScheduler` times the polls and the alert timer on its own thread; each job
(a fetch, a send) runs on a daemon thread of its own (`DaemonJobs`), so a fetch stuck
on a dead server can never hold the app when the user quits. The widgets talk to the
service through `home_control.HomeControl`, and the service's listener hands its
reports to the GUI thread (in the app, by queued Qt signals).

No Qt here: the app passes in what must happen on its side (`on_built`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC
from typing import TYPE_CHECKING, Any, Protocol

from apscheduler.executors.base import BaseExecutor, run_job
from apscheduler.schedulers.background import BackgroundScheduler

from traysupport.service import CallSoon, Clock, HomeLoop, ServiceListener, utc_now

if TYPE_CHECKING:
    from traysupport.config import Config
    from traysupport.runtime import Engine

log = logging.getLogger(__name__)

STOP_SECONDS = 1.5
"""How long quitting waits for the engine to close: within the 2 s a signal allows."""


class OpenEngine(Protocol):
    """`runtime.open_engine`'s shape (tests pass their own)."""

    def __call__(
        self,
        config: Config,
        *,
        scheduler: Any,
        call_soon: CallSoon,
        listener: ServiceListener,
        demo_speed: float = 1.0,
        clock: Clock = utc_now,
    ) -> AbstractContextManager[Engine]:
        """The engine, built on entry and closed on exit."""
        ...


class DaemonJobs(BaseExecutor):  # type: ignore[misc]
    """An APScheduler executor that runs each job on a daemon thread of its own.

    A thread pool's workers are joined when the interpreter exits, so one fetch hung on
    a dead server would hold the process for its whole deadline after the user quit.
    Jobs are few (a poll a minute, a send now and then), so a thread each costs nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self._threads: set[threading.Thread] = set()
        self._guard = threading.Lock()

    def _do_submit_job(self, job: Any, run_times: list[Any]) -> None:
        thread = threading.Thread(
            target=self._run, args=(job, run_times), name=f"traysupport-{job.id}", daemon=True
        )
        with self._guard:
            self._threads.add(thread)
        thread.start()

    def _run(self, job: Any, run_times: list[Any]) -> None:
        try:
            events = run_job(job, job._jobstore_alias, run_times, self._logger.name)
        except BaseException as error:  # as the thread pool executor reports it
            self._run_job_error(job.id, error, error.__traceback__)
        else:
            self._run_job_success(job.id, events)
        finally:
            with self._guard:
                self._threads.discard(threading.current_thread())

    def running(self) -> list[threading.Thread]:
        """The jobs' threads still running."""
        with self._guard:
            return [t for t in self._threads if t.is_alive()]

    def join(self, timeout: float | None) -> bool:
        """Wait for the running jobs, at most *timeout* seconds; True when none is left."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self.running():
            thread.join(None if deadline is None else max(deadline - time.monotonic(), 0.0))
        return not self.running()

    def shutdown(self, wait: bool = True) -> None:
        """With *wait*, wait for the running jobs (the app waits with a deadline instead)."""
        if wait:
            self.join(None)


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Stop *scheduler* without waiting for its jobs; a no-op when it is not running.

    Not `shutdown` alone: it marks the scheduler stopped before taking the job stores'
    lock, so a one-off job being handed out then (a poll asked for at once, a send) is
    looked for among the jobs not yet added, and `JobLookupError` kills the scheduler's
    thread with a traceback on stderr. Paused, that round finishes as usual; emptying the
    stores waits for it (their lock) and leaves no later round anything to hand out.
    """
    if not scheduler.running:
        return
    scheduler.pause()
    scheduler.remove_all_jobs()
    scheduler.shutdown(wait=False)


class ServiceHome:
    """The engine built, run and closed on its own thread; thread-safe to drive.

    `start()` starts the thread, which builds the engine and then calls *on_built* (on
    the home thread) whether the build worked or not: `engine()` then returns it or
    raises what went wrong. `start_service()` starts the polls; `stop()` takes it all
    down, waiting a bounded time. *open_engine* is `runtime.open_engine` unless a test
    passes another; *clock* is the engine's (the service's, its sources', the demo's).
    """

    def __init__(
        self,
        config: Config,
        *,
        listener: ServiceListener,
        demo_speed: float = 1.0,
        on_built: Callable[[], None] = lambda: None,
        open_engine: OpenEngine | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._config = config
        self._clock = clock
        self._listener = listener
        self._demo_speed = demo_speed
        self._on_built = on_built
        self._open_engine = open_engine
        self._loop = HomeLoop()
        self.jobs = DaemonJobs()
        self.scheduler = BackgroundScheduler(timezone=UTC, executors={"default": self.jobs})
        self._built = threading.Event()
        self._stopping = threading.Event()
        self._engine: Engine | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="traysupport-home", daemon=True)

    # -- driving it (any thread) ---------------------------------------------------------

    def start(self) -> None:
        """Build the engine on the home thread; *on_built* says when it is done."""
        self._thread.start()

    @property
    def built(self) -> bool:
        """True once the build ended, well or not (`engine()` tells which)."""
        return self._built.is_set()

    def wait_built(self, timeout: float | None = None) -> bool:
        """Block until the build ended (for tests and headless use); False on timeout."""
        return self._built.wait(timeout)

    def engine(self) -> Engine:
        """The engine, once built; raises the error that stopped the build."""
        if self._error is not None:
            raise self._error
        if self._engine is None:
            raise RuntimeError("the engine is not built yet")
        return self._engine

    @property
    def thread(self) -> threading.Thread:
        """The home thread (the service's callbacks run on it)."""
        return self._thread

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run *callback* on the home thread, after those queued before it."""
        self._loop.call_soon(callback)

    def start_service(self) -> None:
        """Start the scheduler and the service: saved data at once, then polls."""
        engine = self.engine()

        def start() -> None:
            if self._stopping.is_set():
                return
            self.scheduler.start()
            engine.service.start()

        self.call_soon(start)

    def wake(self) -> None:
        """Run the jobs that are due now (after sleep: what fell due meanwhile)."""
        if self.scheduler.running:
            self.scheduler.wakeup()

    def stop(self, timeout: float = STOP_SECONDS) -> bool:
        """Stop the loop, the scheduler and the engine, waiting at most *timeout* seconds
        (for a build still running too); True when no thread of it is left."""
        deadline = time.monotonic() + timeout
        self._stopping.set()
        self._loop.stop()
        if self._thread.is_alive():
            self._thread.join(max(deadline - time.monotonic(), 0.0))
        # A fetch in flight was aborted when the sources closed; give it the time left.
        jobs_done = self.jobs.join(max(deadline - time.monotonic(), 0.0))
        left = [t.name for t in self.jobs.running()]
        if self._thread.is_alive():
            left.append(self._thread.name)
        if left:
            # Daemon threads: the process ends anyway; they must not hold the quit.
            log.warning("stopped without waiting for %s", ", ".join(left))
        return jobs_done and not self._thread.is_alive()

    # -- the home thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            with self._opened() as engine:
                self._engine = engine
                self._done_building()
                try:
                    self._loop.run(until=self._stopping)
                finally:
                    stop_scheduler(self.scheduler)
        except Exception as error:  # the build failed (SetupError, StoreError...): say so
            if self._built.is_set():  # closing failed: the app is going anyway
                log.exception("closing the engine failed")
            else:
                self._error = error
        finally:
            self._done_building()  # the build itself may have failed

    def _opened(self) -> AbstractContextManager[Engine]:
        opener = self._open_engine
        if opener is None:
            from traysupport import runtime  # noqa: PLC0415  # requests, keyring...: here

            opener = runtime.open_engine
        return opener(
            self._config,
            scheduler=self.scheduler,
            call_soon=self._loop.call_soon,
            listener=self._listener,
            demo_speed=self._demo_speed,
            clock=self._clock,
        )

    def _done_building(self) -> None:
        if self._built.is_set():
            return
        self._built.set()
        try:
            self._on_built()
        except Exception:  # the GUI side went away: nothing to tell
            log.exception("reporting the engine's build failed")
