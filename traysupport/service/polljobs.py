"""The poll jobs: one scheduler job per source and role, each on its own interval, with
its own jitter and its own backoff.

Jobs are independent: a source that fails, or hangs until its HTTP deadline, holds
only its own job (``max_instances=1``), never another source's. After consecutive
failures a job's next run moves out (doubling, capped at `MAX_BACKOFF`, never sooner
than its interval; a rate limit's end when the source named one); the first success
brings it back to its interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from traysupport.service.model import PollSettings, Scheduler, utc_now
from traysupport.service.parts import roles_of
from traysupport.sources.base import RateLimitedError, SourceError
from traysupport.sources.provider import ROTATION, BuiltSource

MAX_BACKOFF = timedelta(minutes=10)
"""The longest a failing source waits between two polls (unless it asked for longer)."""


def job_id(source: str, role: str) -> str:
    """The scheduler id of the poll job of one role of one source."""
    return f"poll-{source}-{role}"


def interval(built: BuiltSource, role: str, poll: PollSettings) -> float:
    """Seconds between polls: the source's own, else its role's default."""
    if built.poll_seconds is not None:
        return built.poll_seconds
    return poll.rotation_seconds if role == ROTATION else poll.queue_seconds


def retry_delay(every: float, failures: int, error: SourceError | None, now: datetime) -> timedelta:
    """How long after a failure to poll again: the interval doubled per further failure,
    capped at MAX_BACKOFF but never under the interval; longer if a rate limit says so."""
    doubled = every * 2.0 ** min(max(failures - 1, 0), 30)
    delay = timedelta(seconds=max(every, min(doubled, MAX_BACKOFF.total_seconds())))
    if isinstance(error, RateLimitedError) and error.until is not None:
        delay = max(delay, error.until - now)
    return delay


class PollJobs:
    """Adds, moves and resets the poll jobs; *run(source, role)* is what a job does."""

    def __init__(
        self,
        scheduler: Scheduler,
        sources: Sequence[BuiltSource],
        poll: PollSettings,
        run: Callable[[str, str], None],
    ) -> None:
        self._scheduler = scheduler
        self._sources = {s.name: s for s in sources}
        self._poll = poll
        self._run = run
        self._started = False
        """Whether `schedule` ran: the CLI's `poll_once` polls without jobs."""

    def schedule(self) -> None:
        """Poll every part now, then on its interval."""
        self._started = True
        for built in self._sources.values():
            self._add(built)

    def _add(self, built: BuiltSource) -> None:
        for role in roles_of(built):
            seconds = interval(built, role, self._poll)
            self._scheduler.add_job(
                self._run,
                "interval",
                args=[built.name, role],
                seconds=seconds,
                jitter=seconds * self._poll.jitter or None,
                id=job_id(built.name, role),
                # The scheduler runs on the wall clock, whatever clock the rules get.
                next_run_time=utc_now(),
                max_instances=1,
                coalesce=True,
                replace_existing=True,
            )

    def remove(self, built: BuiltSource) -> None:
        """Remove the jobs of *built* (a fetch running now ends on its own)."""
        for role in roles_of(built):
            if self._scheduler.get_job(job_id(built.name, role)) is not None:
                self._scheduler.remove_job(job_id(built.name, role))

    def replace(self, sources: Sequence[BuiltSource], poll: PollSettings, kept: set[str]) -> None:
        """Jobs for *sources* from now on: those named in *kept* keep theirs unless
        *poll* changed their interval; the others get new ones, polled now. Jobs are
        only made once `schedule` ran (`poll_once` runs without jobs)."""
        old_poll, self._poll = self._poll, poll
        self._sources = {s.name: s for s in sources}
        for built in sources:
            changed = any(
                interval(built, role, poll) != interval(built, role, old_poll)
                for role in roles_of(built)
            )
            moved = changed or poll.jitter != old_poll.jitter
            if self._started and (built.name not in kept or moved):
                # New or rebuilt: polled now; kept but on a new interval: polled now too,
                # then on that interval (the simplest way to move an interval job).
                self._add(built)

    def poll_soon(self, source: str, role: str) -> None:
        """Poll one part once, now, on a worker thread (its interval job stays as it is)."""
        self._scheduler.add_job(self._run, args=[source, role])

    def after_fetch(
        self, source: str, role: str, failures: int, error: SourceError | None, now: datetime
    ) -> None:
        """Move a failing part's job out, or back to its interval after a recovery.

        *failures* is the part's count of consecutive failures before this fetch (on a
        success) or with it (on a failure); *now* is the service's clock, which a rate
        limit's end is measured on.
        """
        built = self._sources.get(source)
        job = self._scheduler.get_job(job_id(source, role))
        if built is None or job is None:
            return  # poll_once (CLI) runs without jobs
        every = interval(built, role, self._poll)
        if error is None:
            if failures == 0:
                return  # the usual case: the job is on its interval already
            delay = timedelta(seconds=every)
        else:
            delay = retry_delay(every, failures, error, now)
        # Wall clock: the scheduler's, whatever clock the service is given.
        self._scheduler.modify_job(job_id(source, role), next_run_time=utc_now() + delay)
