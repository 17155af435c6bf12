"""The outbox sender: claim the due actions, send each on a worker thread, record how
it went, and wake up again when a retry's backoff ends.

Every action is recorded in the store before it is sent; the claim is a lease there,
so no two traysupport processes on one home send the same action and none of them
reaches the source twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from traysupport.core.model import ActionKind, Person, UserAction
from traysupport.service.model import (
    DONE_ACTIONS_KEPT,
    TRANSIENT_ERRORS,
    Wiring,
    utc_now,
)
from traysupport.sources.base import (
    QueueSource,
    RateLimitedError,
    Silenceable,
    SourceError,
    Steps,
)
from traysupport.store import OutboxEntry

log = logging.getLogger(__name__)


STEP_RECORD_WAIT = 10.0
"""Seconds a send waits for the home thread to record one of its steps."""


class _RecordedSteps:
    """The `Steps` of one action being sent: those done before come from its outbox entry;
    each new one is recorded by the home thread (the store's) before the send goes on."""

    def __init__(
        self,
        entry: OutboxEntry,
        call_soon: Callable[[Callable[[], None]], None],
        mark: Callable[[str, str], bool],
    ) -> None:
        self._id = entry.id
        self._done = set(entry.steps)
        self._call_soon, self._mark = call_soon, mark
        self.retrying = entry.attempts > 0 or entry.resumed or bool(entry.steps)

    def done(self, step: str) -> bool:
        """True when *step* reached the tool on an earlier attempt (or this one)."""
        return step in self._done

    def record(self, step: str) -> None:
        """Worker thread: have the home thread record *step*; wait until it has.

        If the home thread does not answer in time (the app is stopping), the step is
        known done for this attempt only, and a later one may send it again.
        """
        self._done.add(step)
        recorded = threading.Event()

        def mark() -> None:
            try:
                self._mark(self._id, step)
            finally:
                recorded.set()

        self._call_soon(mark)
        if not recorded.wait(STEP_RECORD_WAIT):
            log.warning("outbox: step %r of %s not recorded in time", step, self._id)


class OutboxSender:
    """Sends the user's recorded actions to the ticket's own source, once each."""

    def __init__(
        self,
        *,
        queues: Callable[[str], QueueSource | None],
        known: Callable[[str], bool],
        wiring: Wiring,
        person: Callable[[str, str], Person],
        on_sent: Callable[[UserAction], None],
        publish: Callable[[], None],
    ) -> None:
        """*queues(name)* is the queue of the source of that name (None when it serves
        none), *known(name)* whether that source is configured at all; *person(source,
        id)* is the team member *id* as that source knows them (to name who acts);
        *on_sent* asks for a poll of the action's queue, which confirms it; *publish*
        tells the UI that the outbox changed."""
        self._queues = queues
        self._known = known
        self._store, self._scheduler = wiring.store, wiring.scheduler
        self._call_soon, self._clock = wiring.call_soon, wiring.clock
        self._person = person
        self._on_sent = on_sent
        self._publish = publish
        self._sending: set[str] = set()

    def prune(self, now: datetime) -> None:
        """Forget confirmed actions older than a week."""
        self._store.prune_done(now - DONE_ACTIONS_KEPT)

    def expedite(self, source: str) -> None:
        """*source* answers again: what waits for it goes now, not at its backoff's end."""
        if self._store.expedite(source, self._clock()):
            log.info("%s answers again; sending its pending actions", source)

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
            queue = self._queues(action.source)
            if queue is None:
                # Retrying cannot help: only the user can bring the source back.
                self._store.mark_failed(action.id, self._no_queue(action.source))
                continue
            if action.kind is ActionKind.SILENCE and not isinstance(queue, Silenceable):
                # Only the user can choose another action; retrying would fail the same way.
                self._store.mark_failed(action.id, _cannot_silence(action.source))
                continue
            self._sending.add(action.id)
            by = self._person(action.source, action.by)
            to = self._person(action.source, action.to)
            steps = _RecordedSteps(entry, self._call_soon, self._store.mark_step)
            self._scheduler.add_job(self._send_job, args=[queue, action, by, to, steps])
        self._publish()

    def _no_queue(self, source: str) -> str:
        """Why an action for *source* cannot be sent, and what to do."""
        if not self._known(source):
            return (
                f'the source "{source}" is no longer in the settings; '
                "add it back or dismiss this action"
            )
        return (
            f'the source "{source}" no longer serves the queue; '
            'add "queue" back to its roles or dismiss this action'
        )

    def _send_job(
        self, queue: QueueSource, action: UserAction, by: Person, to: Person, steps: Steps
    ) -> None:
        """Worker thread: write one action to its ticket's source."""
        try:
            if action.kind is ActionKind.ACKNOWLEDGE:
                queue.acknowledge(action.ticket_id, by, action.id, steps=steps)
            elif action.kind is ActionKind.SILENCE:
                if not isinstance(queue, Silenceable):  # checked in drain; a reconfigure
                    raise SourceError(action.source, _cannot_silence(action.source))
                queue.silence(action.ticket_id, by, action.id, steps=steps)
            else:
                queue.hand_over(action.ticket_id, to, action.note, by, action.id, steps=steps)
            error: SourceError | None = None
        except SourceError as failure:
            error = failure
        except Exception as failure:  # a provider bug: keep the action, show the error
            log.exception("unexpected error while sending %s", action.kind)
            error = SourceError(action.source, f"unexpected error ({type(failure).__name__})")
        self._call_soon(lambda: self._action_done(action, error))

    def _action_done(self, action: UserAction, error: SourceError | None) -> None:
        """Home thread: record the outcome; a success is confirmed by polling the queue."""
        self._sending.discard(action.id)
        now = self._clock()
        if error is None:
            self._store.mark_done(action.id, now)
            if action.kind is ActionKind.ACKNOWLEDGE:
                self._store.note_acknowledged(f"{action.source}:{action.ticket_id}", now, action.by)
            self._on_sent(action)
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


def _cannot_silence(source: str) -> str:
    """Why a silence for *source* cannot be sent, and what to do."""
    return (
        f'the source "{source}" cannot silence tickets (its tool has no such action); '
        "dismiss this action, and acknowledge or hand the ticket over instead"
    )
