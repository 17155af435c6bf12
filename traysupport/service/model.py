"""What the service's parts share: its settings, what it reports, and what it is given.

No I/O here and no state: the types the façade and its parts pass to each other, the
user's action as `new_action` makes it, and the `Scheduler` the jobs run on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from traysupport.core import alerts as alert_rules
from traysupport.core.model import ActionKind, Alert, Person, Snapshot, Ticket, UserAction
from traysupport.sources.base import (
    RateLimitedError,
    SourceError,
    UnavailableError,
    UnconfirmedError,
)
from traysupport.store import OutboxEntry, Store

CallSoon = Callable[[Callable[[], None]], None]
Clock = Callable[[], datetime]

SHIFT_WINDOW_BEHIND = timedelta(days=1)
SHIFT_WINDOW_AHEAD = timedelta(days=14)
FIRED_KEYS_KEPT = timedelta(days=30)
DONE_ACTIONS_KEPT = timedelta(days=7)
"""Confirmed actions are kept a week (for looking into "did my ack go out?"), then pruned."""
# Failures that waiting can fix; anything else needs the user to look (and press Retry).
TRANSIENT_ERRORS: tuple[type[SourceError], ...] = (
    UnavailableError,
    RateLimitedError,
    UnconfirmedError,
)


class Scheduler(Protocol):
    """What the service asks of its scheduler (APScheduler's BackgroundScheduler).

    Jobs run on worker threads; the service hands their results to the home thread
    through `call_soon`, never touching its state from a job.
    """

    def add_job(self, func: Callable[..., Any], trigger: str | None = None, **kwargs: Any) -> Any:
        """Run *func* once now (no trigger), at a `"date"`, or on an `"interval"`."""

    def get_job(self, job_id: str) -> Any:
        """The job with this id, or None."""

    def remove_job(self, job_id: str) -> None:
        """Drop the job with this id (it must exist)."""

    def modify_job(self, job_id: str, **changes: Any) -> Any:
        """Change the job with this id (it must exist), e.g. its `next_run_time`."""


@dataclass(frozen=True, slots=True)
class Wiring:
    """What every part of the service works with: the store (home thread only), the
    scheduler its jobs run on, the home thread's `call_soon`, and the rules' clock."""

    store: Store
    scheduler: Scheduler
    call_soon: CallSoon
    clock: Clock


class ActionError(Exception):
    """An action the service cannot take yet; the message says why and what to do."""


def utc_now() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


def new_action(
    kind: ActionKind, ticket: Ticket, me: Person | None, now: datetime, **extra: Any
) -> UserAction:
    """The user's action on *ticket*, ready for `SupportService.submit`; no I/O, so any
    thread may make one. ActionError when it could not be sent (who I am is unknown)."""
    if me is None and kind is not ActionKind.SNOOZE:
        # The ticket tool records who acted; sending no one would be refused anyway.
        raise ActionError(
            "traysupport does not know who you are on the team yet; set `me` in the "
            "config to your id or email (`traysupport doctor` shows who the source knows)"
        )
    return UserAction(
        id=str(uuid.uuid4()),
        kind=kind,
        source=ticket.source,
        ticket_id=ticket.id,
        by=me.id if me else "",
        created_at=now,
        **extra,
    )


@dataclass(frozen=True, slots=True)
class PollSettings:
    """How often a source is polled, by default for each role (a source's own
    `poll_seconds` overrides both)."""

    rotation_seconds: float = 300.0
    queue_seconds: float = 60.0
    jitter: float = 0.1
    """Fraction of the interval added at random, so a team's laptops don't poll in step."""


@dataclass(frozen=True, slots=True)
class ServiceState:
    """What the UI shows: the merged snapshot, who I am, and the actions in flight."""

    snapshot: Snapshot
    me: Person | None
    outbox: tuple[OutboxEntry, ...]
    settings: alert_rules.AlertSettings

    def pending_for(self, ticket: Ticket) -> tuple[OutboxEntry, ...]:
        """Actions on *ticket* that the source has not confirmed yet."""
        return tuple(
            e
            for e in self.outbox
            if e.action.ticket_id == ticket.id and e.action.source == ticket.source
        )


class ServiceListener(Protocol):
    """What the service reports to; called on the home thread only."""

    def state_changed(self, state: ServiceState) -> None:
        """The snapshot, the outbox or the settings changed."""

    def alerts_fired(self, alerts: list[Alert]) -> None:
        """New alerts to show (already recorded as fired)."""


class Publisher:
    """Tells the listener of a new state, unless nothing it shows has changed.

    A poll that changed nothing must not redraw the tray or reset the window's model
    (which loses the user's place in the table), so the state is compared first.
    """

    def __init__(self, listener: ServiceListener, state: Callable[[], ServiceState]) -> None:
        self._listener = listener
        self._state = state
        self._published: object = None

    def publish(self) -> None:
        """Home thread: report the current state if what it shows changed."""
        state = self._state()
        seen = _what_is_shown(state)
        if seen == self._published:
            return
        self._published = seen
        self._listener.state_changed(state)


def _what_is_shown(state: ServiceState) -> tuple[object, ...]:
    """The parts of a state the UI shows; a healthy source's last fetch time is not one."""
    snapshot = state.snapshot
    sources = tuple(
        (s.name, s.ok, s.error, s.failures, None if s.ok else s.last_ok_at, s.actions)
        for s in snapshot.sources
    )
    return (
        snapshot.people,
        snapshot.shifts,
        snapshot.tickets,
        sources,
        state.outbox,
        state.me,
        state.settings,
    )
