"""The runtime: polls the sources, evaluates alerts, drains the outbox, reports to a listener.

Threading model. Everything that touches the store or the service's state runs on one
*home* thread, a `HomeLoop`'s: the CLI's main thread, or the tray app's own home thread
(`traysupport.home`), never its GUI thread. Network calls run as APScheduler jobs on
worker threads and hand their results back through the injected `call_soon`, which
queues a callback on the home thread. The service imports no Qt.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from traysupport.core import alerts as alert_rules
from traysupport.core.model import (
    ActionKind,
    Alert,
    Person,
    Shift,
    Snapshot,
    SourceStatus,
    Ticket,
    UserAction,
)
from traysupport.core.sla import SlaState, sla_state
from traysupport.core.timefmt import format_clock, format_instant, local
from traysupport.sources.base import (
    QueueSource,
    RateLimitedError,
    RotationSource,
    SourceError,
    UnavailableError,
    UnconfirmedError,
)
from traysupport.store import OutboxEntry, Store

log = logging.getLogger(__name__)

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


HOLDS_KEY = "alert_holds"
"""Where the pause and the snoozes are kept in the store, so a restart keeps them."""


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
    """How often each source is polled."""

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


@dataclass(slots=True)
class _Part:
    """The last good data of one source and how its fetches went."""

    label: str
    status: SourceStatus
    people: tuple[Person, ...] = ()
    shifts: tuple[Shift, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    me: Person | None = None
    """Who the source says the token belongs to (rotation only, when asked)."""


class SupportService:
    """Polls the rotation and the queue, fires alerts, and applies user actions."""

    def __init__(
        self,
        *,
        rotation: RotationSource,
        queue_source: QueueSource,
        store: Store,
        scheduler: Any,
        call_soon: CallSoon,
        listener: ServiceListener,
        settings: alert_rules.AlertSettings,
        poll: PollSettings = PollSettings(),
        me_hint: str = "",
        fetch_me: Callable[[], Person | None] | None = None,
        clock: Clock = utc_now,
        owns_alerts: Callable[[], bool] | None = None,
    ) -> None:
        """*owns_alerts* says whether this process may show (and so record) alerts now;
        see `traysupport.ownership`. None: always (a process alone on its home)."""
        self._rotation = rotation
        self._queue = queue_source
        self._store = store
        self._scheduler = scheduler
        self._call_soon = call_soon
        self._listener = listener
        self._settings = settings
        self._poll = poll
        self._me_hint = me_hint
        self._fetch_me = fetch_me
        self._me: Person | None = None
        self._clock = clock
        self._owns_alerts = owns_alerts or (lambda: True)
        self._was_owner = False
        self._parts = {
            "rotation": _Part(f"rotation ({rotation.name})", SourceStatus(rotation.name, ok=False)),
            "queue": _Part(
                f"queue ({queue_source.name})", SourceStatus(queue_source.name, ok=False)
            ),
        }
        self._previous: Snapshot | None = None
        self._trusted: Snapshot | None = None
        """The last evaluated snapshot whose sources were all ok (for shift changes)."""
        self._fired: set[str] = set()
        self._sending: set[str] = set()
        self._breach_noted: set[str] = set()
        self._published: object = None

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        """Show the saved data at once, then poll both sources now and on their intervals."""
        now = self._clock()
        self._store.prune_fired(now - FIRED_KEYS_KEPT)
        self._store.prune_done(now - DONE_ACTIONS_KEPT)
        self._fired = set(self._store.fired_keys())
        self._load_saved()
        self._load_holds()
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
        self._publish()

    def refresh_now(self) -> None:
        """Poll both sources at once (the tray's "Refresh now")."""
        for role in self._parts:
            self._scheduler.add_job(self._poll_job, args=[role])

    def show_saved(self) -> ServiceState:
        """The last good data from the store, without any network (stale until a poll)."""
        self._fired = set(self._store.fired_keys())
        self._load_saved()
        self._load_holds()
        self._publish()
        return self.state()

    def poll_once(self, budget: float | None = None) -> ServiceState:
        """Fetch every source at once, evaluate, and return the state (CLI, tests).

        A source that has not answered within *budget* seconds keeps its saved data,
        shown stale with why; its fetch is abandoned (on a daemon thread, which the
        HTTP client's own deadline ends) so a hung server cannot hold the command.
        """
        self.show_saved()
        for role, outcome in self._fetch_all(budget).items():
            self._apply_fetch(role, outcome, evaluate=False)
        self._evaluate()
        return self.state()

    def _fetch_all(self, budget: float | None) -> dict[str, _Part | SourceError]:
        """Fetch every source on its own thread; wait at most *budget* seconds for all."""
        outcomes: dict[str, _Part | SourceError] = {}
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

    # -- state -------------------------------------------------------------------------

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

    def state(self) -> ServiceState:
        """What the UI shows now."""
        return ServiceState(
            snapshot=self.snapshot(),
            me=self._me,
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

    def _set_holds(
        self, paused_until: datetime | None, snoozed: tuple[tuple[str, datetime], ...]
    ) -> None:
        now = self._clock()
        paused = paused_until if paused_until is not None and paused_until > now else None
        active = tuple((ref, until) for ref, until in snoozed if until > now)
        holds = {
            "paused_until": None if paused is None else paused.isoformat(),
            "snoozed": [[ref, until.isoformat()] for ref, until in active],
        }
        self._store.set_user_state(HOLDS_KEY, json.dumps(holds))
        self.update_settings(replace(self._settings, paused_until=paused, snoozed=active))

    def _load_holds(self) -> None:
        """The pause and snoozes of the last run; a damaged record is dropped, not fatal."""
        raw = self._store.user_state(HOLDS_KEY)
        if raw is None:
            return
        try:
            holds = json.loads(raw)
            paused = holds["paused_until"]
            until = None if paused is None else datetime.fromisoformat(paused)
            snoozed = tuple((str(r), datetime.fromisoformat(u)) for r, u in holds["snoozed"])
            settings = replace(self._settings, paused_until=until, snoozed=snoozed)
        except (ValueError, TypeError, KeyError):
            log.warning("dropped unreadable pause/snooze state")
            return
        now = self._clock()
        self._settings = replace(
            settings,
            paused_until=until if until is not None and until > now else None,
            snoozed=tuple(s for s in snoozed if s[1] > now),
        )

    # -- polling -----------------------------------------------------------------------

    def _poll_job(self, role: str) -> None:
        """Worker thread: fetch, then hand the outcome to the home thread."""
        outcome = self._fetch(role)
        self._call_soon(lambda: self._apply_fetch(role, outcome))

    def _fetch(self, role: str) -> _Part | SourceError:
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
                return _Part(part.label, ok, people=people, shifts=tuple(shifts), me=me)
            tickets = tuple(self._queue.fetch_tickets())
            ok = SourceStatus(part.status.name, ok=True, last_ok_at=now)
            return _Part(part.label, ok, tickets=tickets)
        except SourceError as error:
            return error
        except Exception as error:  # a provider bug must not kill the poll loop
            log.exception("%s: unexpected error while polling", part.label)
            return SourceError(part.status.name, f"unexpected error ({type(error).__name__})")

    def _apply_fetch(self, role: str, outcome: _Part | SourceError, evaluate: bool = True) -> None:
        """Home thread: keep the new data, or keep the old data and count the failure."""
        part = self._parts[role]
        changed = True
        if isinstance(outcome, SourceError):
            log.warning("%s: %s", part.label, outcome)
            part.status = replace(
                part.status,
                ok=False,
                error=self._problem(outcome),
                failures=part.status.failures + 1,
            )
        else:
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
                # It answers again: what waits for it goes now, not at its backoff's end.
                if self._store.expedite(self._queue.name, self._clock()):
                    log.info("%s answers again; sending its pending actions", part.label)
            self._parts[role] = outcome
            if changed:
                # An unchanged poll (most of them) costs no write: the saved copy then
                # carries the time the data last changed, not when it was last confirmed.
                self._save_part(role, outcome)
            if role == "rotation":
                self._resolve_me()
        if evaluate:
            if changed:
                # Time-driven alerts come from the timer; an unchanged poll adds nothing.
                self._evaluate()
            self._drain_outbox()

    def _problem(self, error: SourceError) -> str:
        """What a source's status says of a failure: when a rate limit ends, in local time."""
        if isinstance(error, RateLimitedError) and error.until is not None:
            tz, now = self._settings.tz, self._clock()
            same_day = local(error.until, tz).date() == local(now, tz).date()
            until = format_clock(error.until, tz) if same_day else format_instant(error.until, tz)
            return f"{error.source}: rate limited until {until}; {error.hint}"
        return str(error)

    def _save_part(self, role: str, part: _Part) -> None:
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

    def _load_saved(self) -> None:
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

    def _ask_me(self) -> Person | None:
        """Worker thread: ask the source who the token belongs to, once, when not configured."""
        if self._me_hint or self._me is not None or self._fetch_me is None:
            return None
        try:
            return self._fetch_me()
        except SourceError as error:
            log.warning("could not ask the source who I am: %s", error)
            return None

    def _resolve_me(self) -> None:
        """Find the user on the team: the configured id/email/name, else the source's /me."""
        part = self._parts["rotation"]
        if self._me_hint:
            self._me = next((p for p in part.people if p.matches(self._me_hint)), self._me)
        elif part.me is not None:
            self._me = part.me

    # -- alerts ------------------------------------------------------------------------

    def _evaluate(self) -> None:
        """Home thread: fire what is due, record it, and wake up for the next instant.

        Only the process that owns the home's notifications does: another one shows the
        state but never marks an alert fired that it did not show.
        """
        now = self._clock()
        current = self.snapshot()
        if not self._take_alerts():
            self._previous = current
            self._record_breaches(current, now)
            self._publish()
            return
        decided = alert_rules.plan(
            self._previous, current, now, self._me, self._settings, self._fired, self._trusted
        )
        fired = decided.alerts
        for alert in fired:
            self._store.mark_fired(alert.key, now)
            self._fired.add(alert.key)
        self._previous = current
        if current.sources and all(s.ok for s in current.sources):
            self._trusted = current
        self._record_breaches(current, now)
        self._schedule_wakeup(decided.wake_at)
        if fired:
            self._listener.alerts_fired(fired)
        self._publish()

    def _take_alerts(self) -> bool:
        """Whether this process shows alerts now; on taking over, learn what was shown."""
        owner = self._owns_alerts()
        if owner and not self._was_owner:
            # Another process may have shown alerts while this one could not.
            self._fired = set(self._store.fired_keys())
        self._was_owner = owner
        return owner

    def _observe_changes(self, before: tuple[Ticket, ...], after: tuple[Ticket, ...]) -> None:
        """History: record new and changed tickets (a poll mostly repeats the last one)."""
        known = {t.ref: t for t in before}
        changed = [t for t in after if (old := known.get(t.ref)) is not t and old != t]
        if changed:
            self._store.observe(changed, self._clock())

    def _record_breaches(self, current: Snapshot, now: datetime) -> None:
        """History: the first time each ticket is seen breached, whoever is alerted."""
        policy = self._settings.sla
        for ticket in current.tickets:
            if ticket.ref in self._breach_noted:
                continue
            if sla_state(ticket, policy, now) is SlaState.BREACHED:
                self._store.note_breached(ticket.ref, now)
                self._breach_noted.add(ticket.ref)

    def _schedule_wakeup(self, instant: datetime | None) -> None:
        """One one-shot job at the next instant an alert can fall due."""
        if instant is None:
            if self._scheduler.get_job("alert-timer") is not None:
                self._scheduler.remove_job("alert-timer")
            return
        self._scheduler.add_job(
            lambda: self._call_soon(self._evaluate),
            "date",
            run_date=instant,
            id="alert-timer",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def _publish(self) -> None:
        """Tell the listener, unless nothing it shows has changed since the last time.

        A poll that changed nothing must not redraw the tray or reset the window's model
        (which loses the user's place in the table), so the state is compared first.
        """
        state = self.state()
        seen = _what_is_shown(state)
        if seen == self._published:
            return
        self._published = seen
        self._listener.state_changed(state)

    # -- user actions ------------------------------------------------------------------

    def acknowledge(self, ticket: Ticket) -> UserAction:
        """Acknowledge *ticket*: recorded in the outbox first, then sent."""
        return self._act(ActionKind.ACKNOWLEDGE, ticket)

    def hand_over(self, ticket: Ticket, to: Person, note: str) -> UserAction:
        """Hand *ticket* over to *to* with *note*: recorded first, then sent."""
        return self._act(ActionKind.HAND_OVER, ticket, to=to.id, note=note)

    def snooze(self, ticket: Ticket, until: datetime) -> UserAction:
        """Silence *ticket*'s alerts until *until* (local only, nothing is sent)."""
        return self._act(ActionKind.SNOOZE, ticket, until=until)

    def retry(self, action_id: str) -> None:
        """Try a failed action again now."""
        self._store.retry(action_id)
        self._drain_outbox()

    def _act(self, kind: ActionKind, ticket: Ticket, **extra: Any) -> UserAction:
        action = new_action(kind, ticket, self._me, self._clock(), **extra)
        self.submit(action)
        return action

    def submit(self, action: UserAction) -> None:
        """Record an action made by `new_action` (on any thread), then send it; a snooze
        also holds the ticket's alerts. The tray app makes actions on the GUI thread and
        submits them here on the home thread."""
        self._store.record(action)
        self._drain_outbox()
        if action.kind is ActionKind.SNOOZE and action.until is not None:
            ref = f"{action.source}:{action.ticket_id}"
            snoozed = tuple(s for s in self._settings.snoozed if s[0] != ref)
            self._set_holds(self._settings.paused_until, (*snoozed, (ref, action.until)))

    def _drain_outbox(self) -> None:
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
            people = self._parts["rotation"].people
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
            self._scheduler.add_job(self._poll_job, args=["queue"])
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
            lambda: self._call_soon(self._drain_outbox),
            "date",
            run_date=utc_now() + delay,
            id=f"retry-{action_id}",
            replace_existing=True,
        )


def _data(part: _Part) -> tuple[object, ...]:
    """What a fetch brought, without when: to tell an unchanged poll."""
    return (part.people, part.shifts, part.tickets, part.me)


def _what_is_shown(state: ServiceState) -> tuple[object, ...]:
    """The parts of a state the UI shows; a healthy source's last fetch time is not one."""
    snapshot = state.snapshot
    sources = tuple(
        (s.name, s.ok, s.error, s.failures, None if s.ok else s.last_ok_at)
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


def _person(people: tuple[Person, ...], person_id: str) -> Person:
    """The team member with this id, or a bare Person when the team list lacks them."""
    return next((p for p in people if p.id == person_id), Person(person_id, person_id))


class HomeLoop:
    """Runs callbacks in order on one thread: the headless stand-in for the GUI loop."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Queue *callback* to run on the loop's thread (thread-safe)."""
        self._queue.put(callback)

    def run(self, until: threading.Event | None = None, timeout: float | None = None) -> None:
        """Run callbacks on the calling thread until `stop()`, *until* is set, or *timeout*."""
        deadline = None if timeout is None else utc_now() + timedelta(seconds=timeout)
        while until is None or not until.is_set():
            wait = 0.1 if deadline is None else (deadline - utc_now()).total_seconds()
            if wait <= 0:
                return
            try:
                callback = self._queue.get(timeout=min(wait, 0.1))
            except queue.Empty:
                continue
            if callback is None:
                return
            try:
                callback()
            except Exception:  # one bad callback must not stop the app
                log.exception("callback failed")

    def stop(self) -> None:
        """Make `run()` return after the callbacks queued so far."""
        self._queue.put(None)
