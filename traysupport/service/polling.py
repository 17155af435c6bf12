"""Polling: fetch each source on a worker thread, keep its last good data, save it.

The fetches run as scheduler jobs (or, for `poll_once`, on threads of their own with
a budget); each outcome goes back to the home thread through `call_soon`, where
`Poller.apply` keeps the new data or keeps the old and counts the failure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from traysupport.core import alerts as alert_rules
from traysupport.core.model import Person, Shift, Snapshot, SourceStatus, Ticket
from traysupport.core.timefmt import format_clock, format_instant, local
from traysupport.service.model import (
    SHIFT_WINDOW_AHEAD,
    SHIFT_WINDOW_BEHIND,
    PollSettings,
    Wiring,
    utc_now,
)
from traysupport.sources.base import (
    QueueSource,
    RateLimitedError,
    RotationSource,
    SourceError,
    UnavailableError,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Part:
    """The last good data of one source and how its fetches went."""

    label: str
    status: SourceStatus
    people: tuple[Person, ...] = ()
    shifts: tuple[Shift, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    me: Person | None = None
    """Who the source says the token belongs to (rotation only, when asked)."""


Outcome = Part | SourceError
"""What one fetch brought: the source's data, or why there is none."""


class Poller:
    """Polls the rotation and the queue and keeps the last good data of each."""

    def __init__(
        self,
        *,
        rotation: RotationSource,
        queue_source: QueueSource,
        wiring: Wiring,
        on_fetched: Callable[[str, Outcome], None],
        settings: Callable[[], alert_rules.AlertSettings],
        poll: PollSettings,
        me_hint: str,
        fetch_me: Callable[[], Person | None] | None,
    ) -> None:
        """*on_fetched* is called on the home thread with each scheduled poll's outcome."""
        self._rotation = rotation
        self._queue = queue_source
        self._store, self._scheduler = wiring.store, wiring.scheduler
        self._call_soon, self._clock = wiring.call_soon, wiring.clock
        self._on_fetched = on_fetched
        self._settings = settings
        self._poll = poll
        self._me_hint = me_hint
        self._fetch_me = fetch_me
        self.me: Person | None = None
        """Who the user is on the team, once known."""
        self._parts = {
            "rotation": Part(f"rotation ({rotation.name})", SourceStatus(rotation.name, ok=False)),
            "queue": Part(
                f"queue ({queue_source.name})", SourceStatus(queue_source.name, ok=False)
            ),
        }

    # -- what is known -----------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The merged view of the last good data of every source."""
        rotation, queue_part = self._parts["rotation"], self._parts["queue"]
        return Snapshot(
            taken_at=self._clock(),
            people=rotation.people,
            shifts=rotation.shifts,
            tickets=queue_part.tickets,
            sources=tuple(replace(p.status, name=p.label) for p in self._parts.values()),
        )

    @property
    def people(self) -> tuple[Person, ...]:
        """The team, as the rotation last gave it."""
        return self._parts["rotation"].people

    def label(self, role: str) -> str:
        """How the log and the status name the source in *role*."""
        return self._parts[role].label

    # -- scheduling --------------------------------------------------------------------

    def schedule(self) -> None:
        """Poll both sources now and then on their intervals."""
        for role, seconds in (
            ("rotation", self._poll.rotation_seconds),
            ("queue", self._poll.queue_seconds),
        ):
            self._scheduler.add_job(
                self._poll_job,
                "interval",
                args=[role],
                seconds=seconds,
                jitter=seconds * self._poll.jitter or None,
                id=f"poll-{role}",
                # The scheduler runs on the wall clock, whatever clock the rules are given.
                next_run_time=utc_now(),
                max_instances=1,
                coalesce=True,
                replace_existing=True,
            )

    def refresh_now(self) -> None:
        """Poll both sources at once."""
        for role in self._parts:
            self.poll_soon(role)

    def poll_soon(self, role: str) -> None:
        """Poll the source in *role* once, now, on a worker thread."""
        self._scheduler.add_job(self._poll_job, args=[role])

    def _poll_job(self, role: str) -> None:
        """Worker thread: fetch, then hand the outcome to the home thread."""
        outcome = self._fetch(role)
        self._call_soon(lambda: self._on_fetched(role, outcome))

    # -- fetching (worker threads) -----------------------------------------------------

    def fetch_all(self, budget: float | None) -> dict[str, Outcome]:
        """Fetch every source on its own thread; wait at most *budget* seconds for all.

        A source that has not answered in time gets an UnavailableError; its fetch is
        abandoned on a daemon thread, which the HTTP client's own deadline ends.
        """
        outcomes: dict[str, Outcome] = {}
        finished = threading.Semaphore(0)

        def fetch(roles: list[str]) -> None:
            for role in roles:
                outcomes[role] = self._fetch(role)
                finished.release()

        # One thread per source: a source serving both roles is asked in order, rotation
        # first, so its tickets name their assignees (and one hang costs one wait).
        by_source: dict[int, list[str]] = {}
        for role, source in (("rotation", self._rotation), ("queue", self._queue)):
            by_source.setdefault(id(source), []).append(role)
        for roles in by_source.values():
            name = f"fetch-{'-'.join(roles)}"
            threading.Thread(target=fetch, args=[roles], name=name, daemon=True).start()
        deadline = None if budget is None else time.monotonic() + budget
        for _ in self._parts:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            if not finished.acquire(timeout=wait):
                break
        # A dict copy, in role order: a late thread may still add to `outcomes`.
        return {
            role: outcomes.get(role) or self._no_answer(role, budget or 0.0) for role in self._parts
        }

    def _no_answer(self, role: str, budget: float) -> SourceError:
        name = self._parts[role].status.name
        return UnavailableError(name, f"no answer within {budget:g} s")

    def _fetch(self, role: str) -> Outcome:
        """Network I/O for one source; never raises (a bug becomes a SourceError)."""
        now = self._clock()
        part = self._parts[role]
        try:
            if role == "rotation":
                people = tuple(self._rotation.fetch_people())
                shifts = self._rotation.fetch_shifts(
                    now - SHIFT_WINDOW_BEHIND, now + SHIFT_WINDOW_AHEAD
                )
                me = self._ask_me()
                ok = SourceStatus(part.status.name, ok=True, last_ok_at=now)
                return Part(part.label, ok, people=people, shifts=tuple(shifts), me=me)
            tickets = tuple(self._queue.fetch_tickets())
            ok = SourceStatus(part.status.name, ok=True, last_ok_at=now)
            return Part(part.label, ok, tickets=tickets)
        except SourceError as error:
            return error
        except Exception as error:  # a provider bug must not kill the poll loop
            log.exception("%s: unexpected error while polling", part.label)
            return SourceError(part.status.name, f"unexpected error ({type(error).__name__})")

    def _ask_me(self) -> Person | None:
        """Worker thread: ask the source who the token belongs to, once, when not configured."""
        if self._me_hint or self.me is not None or self._fetch_me is None:
            return None
        try:
            return self._fetch_me()
        except SourceError as error:
            log.warning("could not ask the source who I am: %s", error)
            return None

    # -- applying (home thread) --------------------------------------------------------

    def apply(self, role: str, outcome: Outcome) -> bool:
        """Home thread: keep the new data, or keep the old data and count the failure.

        Returns whether what the source shows changed (a failure always does).
        """
        part = self._parts[role]
        if isinstance(outcome, SourceError):
            log.warning("%s: %s", part.label, outcome)
            part.status = replace(
                part.status,
                ok=False,
                error=self._problem(outcome),
                failures=part.status.failures + 1,
            )
            return True
        changed = not part.status.ok or _data(outcome) != _data(part)
        if not part.status.ok:
            # Once per recovery, not per poll: the log shows when data started flowing.
            log.info(
                "%s: fetched (%d people, %d shifts, %d tickets)",
                part.label,
                len(outcome.people),
                len(outcome.shifts),
                len(outcome.tickets),
            )
        if role == "queue":
            self._observe_changes(part.tickets, outcome.tickets)
        self._parts[role] = outcome
        if changed:
            # An unchanged poll (most of them) costs no write: the saved copy then
            # carries the time the data last changed, not when it was last confirmed.
            self._save_part(role, outcome)
        if role == "rotation":
            self._resolve_me()
        return changed

    def _problem(self, error: SourceError) -> str:
        """What a source's status says of a failure: when a rate limit ends, in local time."""
        if isinstance(error, RateLimitedError) and error.until is not None:
            tz, now = self._settings().tz, self._clock()
            same_day = local(error.until, tz).date() == local(now, tz).date()
            until = format_clock(error.until, tz) if same_day else format_instant(error.until, tz)
            return f"{error.source}: rate limited until {until}; {error.hint}"
        return str(error)

    def _observe_changes(self, before: tuple[Ticket, ...], after: tuple[Ticket, ...]) -> None:
        """History: record new and changed tickets (a poll mostly repeats the last one)."""
        known = {t.ref: t for t in before}
        changed = [t for t in after if (old := known.get(t.ref)) is not t and old != t]
        if changed:
            self._store.observe(changed, self._clock())

    def _save_part(self, role: str, part: Part) -> None:
        self._store.save_snapshot(
            role,
            Snapshot(
                taken_at=part.status.last_ok_at or self._clock(),
                people=part.people,
                shifts=part.shifts,
                tickets=part.tickets,
                sources=(part.status,),
            ),
        )

    def load_saved(self) -> None:
        """Start from the last good data, shown as stale until a fetch succeeds."""
        for role, part in self._parts.items():
            saved = self._store.load_snapshot(role)
            if saved is None or part.status.ok:
                continue
            part.people, part.shifts, part.tickets = saved.people, saved.shifts, saved.tickets
            part.status = replace(
                part.status, last_ok_at=saved.taken_at, error="showing saved data"
            )
        self._resolve_me()

    def _resolve_me(self) -> None:
        """Find the user on the team: the configured id/email/name, else the source's /me."""
        part = self._parts["rotation"]
        if self._me_hint:
            self.me = next((p for p in part.people if p.matches(self._me_hint)), self.me)
        elif part.me is not None:
            self.me = part.me


def _data(part: Part) -> tuple[object, ...]:
    """What a fetch brought, without when: to tell an unchanged poll."""
    return (part.people, part.shifts, part.tickets, part.me)
