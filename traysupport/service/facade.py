"""`SupportService`: the one object the UI, the CLI and the home thread talk to.

It wires its parts together (`Poller`, `Evaluator`, `OutboxSender`, the holds) and
keeps the alert settings in force; it does none of their work itself. Its methods run
on the home thread (see the package's docstring for the threading model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from traysupport.core import alerts as alert_rules
from traysupport.core.model import ActionKind, Person, Snapshot, Ticket, UserAction
from traysupport.service.evaluation import Evaluator
from traysupport.service.holds import Snoozes, load_holds, save_holds, with_snooze
from traysupport.service.model import (
    CallSoon,
    Clock,
    PollSettings,
    Publisher,
    Scheduler,
    ServiceListener,
    ServiceState,
    Wiring,
    new_action,
    utc_now,
)
from traysupport.service.outbox import OutboxSender
from traysupport.service.parts import Outcome
from traysupport.service.polling import Poller
from traysupport.service.review import load_reviewed, save_reviewed
from traysupport.sources.base import SourceError
from traysupport.sources.provider import QUEUE, BuiltSource
from traysupport.store import Store

DEFAULT_POLL = PollSettings()
"""Every five minutes for a rotation, every minute for a queue."""


class SupportService:
    """Polls every source, fires alerts, and applies user actions to the tickets' sources."""

    def __init__(
        self,
        *,
        sources: Sequence[BuiltSource],
        store: Store,
        scheduler: Scheduler,
        call_soon: CallSoon,
        listener: ServiceListener,
        settings: alert_rules.AlertSettings,
        poll: PollSettings = DEFAULT_POLL,
        me_hint: str = "",
        clock: Clock = utc_now,
        owns_alerts: Callable[[], bool] | None = None,
    ) -> None:
        """*sources* are polled in their order (which also decides whose record of a
        person is shown, and who "me" is first looked up in); *poll* gives each role's
        default interval, which a source's own `poll_seconds` overrides; *me_hint* is
        who the user is wherever a source names nobody (`BuiltSource.me`).
        *owns_alerts* says whether this process may show (and so record) alerts now;
        see `traysupport.ownership`. None: always (a process alone on its home)."""
        self._store = store
        self._clock = clock
        self._settings = settings
        self._publisher = Publisher(listener, self.state)
        wiring = Wiring(store, scheduler, call_soon, clock)
        self._poller = Poller(
            sources=sources,
            wiring=wiring,
            on_fetched=self._apply_fetch,
            settings=lambda: self._settings,
            poll=poll,
            me_hint=me_hint,
        )
        self._evaluator = Evaluator(
            wiring=wiring,
            listener=listener,
            snapshot=self._poller.snapshot,
            me=lambda: self._poller.me,
            settings=lambda: self._settings,
            publish=self._publisher.publish,
            owns_alerts=owns_alerts or (lambda: True),
        )
        self._outbox = OutboxSender(
            queues=self._poller.queue,
            known=lambda name: self._poller.source(name) is not None,
            wiring=wiring,
            person=self._poller.own_person,
            # Only the action's own queue can confirm it; the others have no news.
            on_sent=lambda action: self._poller.poll_soon(action.source, QUEUE),
            publish=self._publisher.publish,
        )

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        """Show the saved data at once, then poll every source now and on its intervals."""
        now = self._clock()
        self._evaluator.prune(now)
        self._outbox.prune(now)
        self._load_saved()
        self._poller.schedule()
        self._publisher.publish()

    def reconfigure(
        self,
        sources: Sequence[BuiltSource],
        settings: alert_rules.AlertSettings,
        poll: PollSettings = DEFAULT_POLL,
        *,
        me_hint: str | None = None,
    ) -> None:
        """Home thread: run on changed settings, without a restart.

        *sources* replace the current ones: a source passed as the very object already
        polled keeps its data and jobs (`Poller.replace_sources`); the others are polled
        now, from their saved data. The sources let go of are closed here (a fetch of
        theirs in flight ends, and what it brings is dropped). Actions waiting for a
        source no longer configured fail as such; the new settings' alerts apply at once,
        with the pause and snoozes kept. *me_hint* None keeps the current one.
        """
        hint = self._poller.me_hint if me_hint is None else me_hint
        dropped = self._poller.replace_sources(sources, poll, hint)
        for built in dropped:
            built.close()
        self._settings = replace(
            settings,
            paused_until=self._settings.paused_until,
            snoozed=self._settings.snoozed,
            reviewed_at=self._settings.reviewed_at,
        )
        self._evaluate()
        self._outbox.drain()  # publishes: the new sources' state, and any action failed

    def refresh_now(self) -> None:
        """Poll every source at once (the tray's "Refresh now")."""
        self._poller.refresh_now()

    def show_saved(self) -> ServiceState:
        """The last good data from the store, without any network (stale until a poll)."""
        self._load_saved()
        self._publisher.publish()
        return self.state()

    def poll_once(self, budget: float | None = None) -> ServiceState:
        """Fetch every source at once, evaluate, and return the state (CLI, tests).

        A source that has not answered within *budget* seconds keeps its saved data,
        shown stale with why; its fetch is abandoned (on a daemon thread, which the
        HTTP client's own deadline ends) so a hung server cannot hold the command.
        """
        self.show_saved()
        for (source, role), outcome in self._poller.fetch_all(budget).items():
            self._apply_fetch(source, role, outcome, evaluate=False)
        self._evaluate()
        return self.state()

    def _load_saved(self) -> None:
        """What the store kept: fired alerts, each source's last good data, the holds."""
        self._evaluator.load_fired()
        self._poller.load_saved()
        self._settings = load_holds(self._store, self._settings, self._clock())
        self._settings = load_reviewed(self._store, self._settings)

    def _apply_fetch(self, source: str, role: str, outcome: Outcome, evaluate: bool = True) -> None:
        """Home thread: keep what a fetch brought; then alert and send what it allows."""
        changed = self._poller.apply(source, role, outcome)
        if role == QUEUE and not isinstance(outcome, SourceError):
            # That queue answers: its actions waiting out a backoff go now (no other's).
            self._outbox.expedite(source)
        if evaluate:
            if changed:
                # Time-driven alerts come from the timer; an unchanged poll adds nothing.
                self._evaluate()
            self._outbox.drain()

    def _evaluate(self) -> None:
        """Home thread: fire the alerts that are due (see `Evaluator.evaluate`)."""
        self._evaluator.evaluate()

    # -- state -------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The merged view of the last good data of every source."""
        return self._poller.snapshot()

    def state(self) -> ServiceState:
        """What the UI shows now."""
        return ServiceState(
            snapshot=self.snapshot(),
            me=self._poller.me,
            outbox=tuple(self._store.open_entries()),
            settings=self._settings,
        )

    @property
    def settings(self) -> alert_rules.AlertSettings:
        """The alert settings in force (with pause and snoozes)."""
        return self._settings

    def update_settings(self, settings: alert_rules.AlertSettings) -> None:
        """Apply new alert settings (pause, quiet hours...) and re-evaluate."""
        self._settings = settings
        self._evaluate()

    def pause(self, until: datetime | None) -> None:
        """Hold every notification until *until* (None resumes); kept across restarts."""
        self._set_holds(until, self._settings.snoozed)

    def mark_reviewed(self, at: datetime | None = None) -> None:
        """The queue is reviewed as of *at* (default now): the next review counts from there."""
        when = self._clock() if at is None else at
        self.update_settings(save_reviewed(self._store, self._settings, when))

    def _set_holds(self, paused_until: datetime | None, snoozed: Snoozes) -> None:
        now = self._clock()
        self.update_settings(save_holds(self._store, self._settings, paused_until, snoozed, now))

    # -- user actions ------------------------------------------------------------------

    def acknowledge(self, ticket: Ticket) -> UserAction:
        """Acknowledge *ticket*: recorded in the outbox first, then sent."""
        return self._act(ActionKind.ACKNOWLEDGE, ticket)

    def hand_over(self, ticket: Ticket, to: Person, note: str) -> UserAction:
        """Hand *ticket* over to *to* with *note*: recorded first, then sent."""
        return self._act(ActionKind.HAND_OVER, ticket, to=to.id, note=note)

    def silence(self, ticket: Ticket) -> UserAction:
        """Silence *ticket* in its tool (archived until it escalates): recorded first,
        then sent; a source that cannot silence fails it with a message."""
        return self._act(ActionKind.SILENCE, ticket)

    def snooze(self, ticket: Ticket, until: datetime) -> UserAction:
        """Silence *ticket*'s alerts until *until* (local only, nothing is sent)."""
        return self._act(ActionKind.SNOOZE, ticket, until=until)

    def retry(self, action_id: str) -> None:
        """Try a failed action again now."""
        self._store.retry(action_id)
        self._outbox.drain()

    def dismiss(self, action_id: str) -> None:
        """Drop a failed action: the user gave up on it (its source may be gone)."""
        self._store.dismiss(action_id)
        self._publisher.publish()

    def _act(self, kind: ActionKind, ticket: Ticket, **extra: Any) -> UserAction:
        action = new_action(kind, ticket, self._poller.me, self._clock(), **extra)
        self.submit(action)
        return action

    def submit(self, action: UserAction) -> None:
        """Record an action made by `new_action` (on any thread), then send it; a snooze
        also holds the ticket's alerts. The tray app makes actions on the GUI thread and
        submits them here on the home thread."""
        self._store.record(action)
        self._outbox.drain()
        if action.kind is ActionKind.SNOOZE and action.until is not None:
            ref = f"{action.source}:{action.ticket_id}"
            snoozed = with_snooze(self._settings.snoozed, ref, action.until)
            self._set_holds(self._settings.paused_until, snoozed)
