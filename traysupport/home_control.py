"""The widgets' stand-in for a service that lives on another thread: `HomeControl`.

In the tray app the service, its store and its alert timer run on a home thread of
their own (`traysupport.home`), so that no poll, store write or evaluation holds the GUI
thread. The widgets are written against `ui.ports.SupportControl`, whose calls return
at once; `HomeControl` implements it without ever waiting for the home thread:

- `state()` answers from the last `ServiceState` published to this side (`published`),
  with the user's own calls that the home thread has not reported back yet applied on
  top: an acknowledgement shows as pending at once, a snooze or a pause holds at once,
  so a window that redraws after an action shows it and a second press does not act
  twice;
- an action is made here (`service.new_action`), so it raises `ActionError` at once when
  it cannot be taken (who I am is not known: judged from the last state), and returns
  the `UserAction`; recording and sending it is posted to the home thread;
- the home thread reports each call back (`settled`) after the state it published, so
  in the app both arrive on the GUI thread in the order they were made.

Before `bind` (the engine is being built) it shows an empty state and asks the user to
wait; after `unbind` (quitting) it refuses. It is thread-safe, and imports no Qt and no
engine beyond the service module, so the "starting" tray icon can hold one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from traysupport.core.alerts import AlertSettings
from traysupport.core.model import ActionKind, Person, Snapshot, Ticket, UserAction
from traysupport.service import (
    ActionError,
    CallSoon,
    Clock,
    ServiceState,
    SupportService,
    new_action,
    utc_now,
)
from traysupport.store import OutboxEntry, OutboxState

log = logging.getLogger(__name__)

Edit = Callable[[ServiceState], ServiceState]
"""How one call not yet reported back changes what the user sees."""
Settle = Callable[[int, str], None]
"""Called on the home thread after call number *n*: (n, a problem to show, or "")."""

STARTING = "traysupport is still starting; try again in a moment"
QUITTING = "traysupport is quitting"


class HomeControl:
    """A `SupportControl` that posts every call to the service's home thread."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state = ServiceState(Snapshot(taken_at=clock()), None, (), AlertSettings())
        self._edits: dict[int, Edit] = {}
        self._calls = 0
        self._home: tuple[CallSoon, SupportService, Settle] | None = None
        self._refusal = STARTING

    # -- the home side -------------------------------------------------------------------

    def bind(self, call_soon: CallSoon, service: SupportService, settle: Settle) -> None:
        """From now on post calls to *service* through *call_soon* (the home loop's);
        *settle* carries each call's report back, after the states it published."""
        with self._lock:
            self._home = (call_soon, service, settle)

    def unbind(self) -> None:
        """Quitting: refuse every call from now on (nothing would record it)."""
        with self._lock:
            self._home = None
            self._refusal = QUITTING

    def published(self, state: ServiceState) -> None:
        """The service published *state* (in the app: delivered on the GUI thread)."""
        with self._lock:
            self._state = state

    def settled(self, call: int) -> None:
        """The home thread has done call number *call*: its states show it from now on."""
        with self._lock:
            self._edits.pop(call, None)

    def _post(self, what: str, work: Callable[[SupportService], object], edit: Edit) -> None:
        """Run *work* on the home thread; show *edit* until it is reported done."""
        with self._lock:
            if self._home is None:
                raise ActionError(self._refusal)
            call_soon, service, settle = self._home
            self._calls += 1
            call = self._calls
            self._edits[call] = edit

        def run() -> None:  # on the home thread
            problem = ""
            try:
                work(service)
            except ActionError as error:
                problem = f"Could not {what}: {error}"
            except Exception as error:  # the store (disk full...) or a bug: say so, go on
                log.exception("could not %s", what)
                problem = f"Could not {what}: {error}"
            settle(call, problem)

        call_soon(run)

    # -- SupportControl ------------------------------------------------------------------

    def state(self) -> ServiceState:
        """The last published state, with the calls not reported back yet applied."""
        with self._lock:
            state, edits = self._state, list(self._edits.values())
        for edit in edits:
            state = edit(state)
        return state

    def _action(self, kind: ActionKind, ticket: Ticket, **extra: object) -> UserAction:
        with self._lock:
            if self._home is None:
                raise ActionError(self._refusal)
        return new_action(kind, ticket, self.state().me, self._clock(), **extra)

    def acknowledge(self, ticket: Ticket) -> UserAction:
        """See `SupportControl.acknowledge`: recorded and sent on the home thread."""
        action = self._action(ActionKind.ACKNOWLEDGE, ticket)
        self._post(f"acknowledge {ticket.key}", _submit(action), _pending(action))
        return action

    def hand_over(self, ticket: Ticket, to: Person, note: str) -> UserAction:
        """See `SupportControl.hand_over`: recorded and sent on the home thread."""
        action = self._action(ActionKind.HAND_OVER, ticket, to=to.id, note=note)
        self._post(f"hand over {ticket.key}", _submit(action), _pending(action))
        return action

    def silence(self, ticket: Ticket) -> UserAction:
        """See `SupportControl.silence`: recorded and sent on the home thread."""
        action = self._action(ActionKind.SILENCE, ticket)
        self._post(f"silence {ticket.key}", _submit(action), _pending(action))
        return action

    def snooze(self, ticket: Ticket, until: datetime) -> UserAction:
        """See `SupportControl.snooze`: shown snoozed at once, kept on the home thread."""
        action = self._action(ActionKind.SNOOZE, ticket, until=until)
        self._post(f"snooze {ticket.key}", _submit(action), _snoozed(ticket.ref, until))
        return action

    def retry(self, action_id: str) -> None:
        """See `SupportControl.retry`: shown pending again at once."""
        self._post("retry the action", lambda s: s.retry(action_id), _retried(action_id))

    def dismiss(self, action_id: str) -> None:
        """See `SupportControl.dismiss`: shown gone at once."""
        self._post("dismiss the action", lambda s: s.dismiss(action_id), _dismissed(action_id))

    def pause(self, until: datetime | None) -> None:
        """See `SupportControl.pause`: shown paused (or resumed) at once."""
        self._post("pause", lambda s: s.pause(until), _paused(until, self._clock()))

    def mark_reviewed(self) -> None:
        """See `SupportControl.mark_reviewed`: shown reviewed at once, kept on the home thread."""
        at = self._clock()
        self._post("mark reviewed", lambda s: s.mark_reviewed(at), _reviewed(at))

    def refresh_now(self) -> None:
        """See `SupportControl.refresh_now`; while starting or quitting, nothing to do."""
        with contextlib.suppress(ActionError):  # the service polls once it starts anyway
            self._post("refresh", SupportService.refresh_now, _unchanged)


def _submit(action: UserAction) -> Callable[[SupportService], None]:
    return lambda service: service.submit(action)


def _unchanged(state: ServiceState) -> ServiceState:
    return state


def _pending(action: UserAction) -> Edit:
    """The action in the outbox, pending, until the service's own entry is published."""
    entry = OutboxEntry(action, OutboxState.PENDING, 0, action.created_at)

    def edit(state: ServiceState) -> ServiceState:
        if any(e.id == action.id for e in state.outbox):
            return state
        return replace(state, outbox=(*state.outbox, entry))

    return edit


def _snoozed(ref: str, until: datetime) -> Edit:
    def edit(state: ServiceState) -> ServiceState:
        others = tuple(s for s in state.settings.snoozed if s[0] != ref)
        return replace(state, settings=replace(state.settings, snoozed=(*others, (ref, until))))

    return edit


def _paused(until: datetime | None, now: datetime) -> Edit:
    # As the service does: a pause that has already ended is no pause.
    paused = until if until is not None and until > now else None
    return lambda state: replace(state, settings=replace(state.settings, paused_until=paused))


def _reviewed(at: datetime) -> Edit:
    return lambda state: replace(state, settings=replace(state.settings, reviewed_at=at))


def _retried(action_id: str) -> Edit:
    def edit(state: ServiceState) -> ServiceState:
        outbox = tuple(
            replace(e, state=OutboxState.PENDING, last_error="")
            if e.id == action_id and e.state is OutboxState.FAILED
            else e
            for e in state.outbox
        )
        return replace(state, outbox=outbox)

    return edit


def _dismissed(action_id: str) -> Edit:
    """The failed action out of the outbox (as the service drops only failed ones)."""

    def edit(state: ServiceState) -> ServiceState:
        outbox = tuple(
            e for e in state.outbox if e.id != action_id or e.state is not OutboxState.FAILED
        )
        return replace(state, outbox=outbox)

    return edit
