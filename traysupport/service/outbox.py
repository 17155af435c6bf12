"""The outbox sender: claim the due actions, send each on a worker thread, record how
it went, and wake up again when a retry's backoff ends.

Every action is recorded in the store before it is sent; the claim is a lease there,
so no two traysupport processes on one home send the same action and none of them
reaches the source twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from traysupport.core.model import ActionKind, Person, UserAction
from traysupport.service.model import (
    DONE_ACTIONS_KEPT,
    TRANSIENT_ERRORS,
    Wiring,
    utc_now,
)
from traysupport.sources.base import QueueSource, RateLimitedError, SourceError

log = logging.getLogger(__name__)


class OutboxSender:
    """Sends the user's recorded actions to the ticket tool, once each."""

    def __init__(
        self,
        *,
        queue_source: QueueSource,
        wiring: Wiring,
        people: Callable[[], tuple[Person, ...]],
        on_sent: Callable[[], None],
        publish: Callable[[], None],
    ) -> None:
        """*people* is the team (to name who acts); *on_sent* asks for a queue poll, which
        confirms a sent action; *publish* tells the UI that the outbox changed."""
        self._queue = queue_source
        self._store, self._scheduler = wiring.store, wiring.scheduler
        self._call_soon, self._clock = wiring.call_soon, wiring.clock
        self._people = people
        self._on_sent = on_sent
        self._publish = publish
        self._sending: set[str] = set()

    def prune(self, now: datetime) -> None:
        """Forget confirmed actions older than a week."""
        self._store.prune_done(now - DONE_ACTIONS_KEPT)

    def expedite(self, label: str) -> None:
        """The queue answers again: what waits for it goes now, not at its backoff's end."""
        if self._store.expedite(self._queue.name, self._clock()):
            log.info("%s answers again; sending its pending actions", label)

    def drain(self) -> None:
        """Home thread: claim the due actions (and those whose sender stopped); send them.

        The claim is a lease in the store: while it runs, no other traysupport process
        on this home sends those actions, and none of them reaches the source twice.
        """
        now = self._clock()
        for entry in self._store.claim(now):
            action = entry.action
            if action.id in self._sending:
                continue
            if action.kind is ActionKind.SNOOZE:
                self._store.mark_done(action.id, now)
                continue
            self._sending.add(action.id)
            people = self._people()
            by, to = _person(people, action.by), _person(people, action.to)
            self._scheduler.add_job(self._send_job, args=[action, by, to])
        self._publish()

    def _send_job(self, action: UserAction, by: Person, to: Person) -> None:
        """Worker thread: write one action to the ticket tool."""
        try:
            if action.kind is ActionKind.ACKNOWLEDGE:
                self._queue.acknowledge(action.ticket_id, by, action.id)
            else:
                self._queue.hand_over(action.ticket_id, to, action.note, by, action.id)
            error: SourceError | None = None
        except SourceError as failure:
            error = failure
        except Exception as failure:  # a provider bug: keep the action, show the error
            log.exception("unexpected error while sending %s", action.kind)
            error = SourceError(self._queue.name, f"unexpected error ({type(failure).__name__})")
        self._call_soon(lambda: self._action_done(action, error))

    def _action_done(self, action: UserAction, error: SourceError | None) -> None:
        """Home thread: record the outcome; a success is confirmed by polling the queue."""
        self._sending.discard(action.id)
        now = self._clock()
        if error is None:
            self._store.mark_done(action.id, now)
            if action.kind is ActionKind.ACKNOWLEDGE:
                self._store.note_acknowledged(f"{action.source}:{action.ticket_id}", now, action.by)
            self._on_sent()
        elif isinstance(error, TRANSIENT_ERRORS):
            # Not recorded when another process took the action over: its send decides.
            until = error.until if isinstance(error, RateLimitedError) else None
            if self._store.mark_retry(action.id, str(error), now, not_before=until):
                self._wake_for_retry(action.id)
        else:
            # Auth, not found, conflict, bad data: retrying the same request won't help.
            self._store.mark_failed(action.id, str(error))
        self._publish()

    def _wake_for_retry(self, action_id: str) -> None:
        """Drain again when the backoff ends, not only at the next poll after it."""
        entry = self._store.entry(action_id)
        if entry is None:
            return
        # Wall clock: the scheduler's, whatever clock the service is given.
        delay = max(entry.next_attempt_at - self._clock(), timedelta(0))
        self._scheduler.add_job(
            lambda: self._call_soon(self.drain),
            "date",
            run_date=utc_now() + delay,
            id=f"retry-{action_id}",
            replace_existing=True,
        )


def _person(people: tuple[Person, ...], person_id: str) -> Person:
    """The team member with this id, or a bare Person when the team list lacks them."""
    return next((p for p in people if p.id == person_id), Person(person_id, person_id))
