"""What the queue window's actions do to the selected tickets, through the control.

Acknowledge, snooze, silence, retry, dismiss, open and hand over: each ticket or failed action is
tried on its own, a failure is reported on the window's notice line and the others still
go, and the window is shown the new state. The buttons and keys that trigger them, and
when each applies, are the `queue_actions.ActionBar` made here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QWidget

from traysupport.core.model import Ticket
from traysupport.service import ActionError, ServiceState
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.handover_dialog import HandoverDialog
from traysupport.ui.ports import SupportControl
from traysupport.ui.queue_actions import (
    SNOOZE_FOR,
    ActionBar,
    each_action,
    silenceable,
    web_url,
)

log = logging.getLogger(__name__)

UrlOpener = Callable[[QUrl], Any]


class QueueView(Protocol):
    """What the commands read from the window and tell it."""

    def shown_state(self) -> ServiceState:
        """The state the window shows."""

    def selected_tickets(self) -> list[Ticket]:
        """The selected tickets, in table order."""

    def selected_entries(self) -> list[OutboxEntry | None]:
        """The selected tickets' outbox entries, in step with `selected_tickets`."""

    def set_state(self, state: ServiceState) -> None:
        """Show *state*, keeping the selection."""

    def notify(self, text: str) -> None:
        """A line under the table about the last action; "" hides it."""


class QueueCommands:
    """The window's actions on its selection, and the bar that triggers them."""

    def __init__(
        self,
        window: QWidget,
        view: QueueView,
        control: SupportControl,
        *,
        clock: Callable[[], datetime],
        open_url: UrlOpener,
    ) -> None:
        self._window, self._view, self._control = window, view, control
        self._clock, self._open_url = clock, open_url
        self.handover_dialog: HandoverDialog | None = None
        self.bar = ActionBar(
            window,
            acknowledge=self.acknowledge,
            hand_over=self.hand_over,
            open_=self.open,
            snooze=self.snooze,
            silence=self.silence,
            retry=self.retry,
            dismiss=self.dismiss,
            refresh=control.refresh_now,
            mark_reviewed=self.mark_reviewed,
        )

    def _each(self, verb: str, tickets: list[Ticket], act: Callable[[Ticket], object]) -> None:
        """Apply *act* to each ticket; a failure is reported, and the others still go."""
        problems = []
        for ticket in tickets:
            try:
                act(ticket)
            except ActionError as error:  # e.g. who I am is not known yet: the message says
                problems.append(f"{ticket.key}: {error}")
            except Exception as error:  # the store or a bug: say so, keep the window alive
                log.exception("could not %s %s", verb, ticket.ref)
                problems.append(f"{ticket.key}: {error}")
        self._view.set_state(self._control.state())
        if problems:  # after set_state, whose new selection clears the line
            self._view.notify(f"Could not {verb} " + "; ".join(problems))

    def acknowledge(self) -> None:
        """Acknowledge every selected ticket that is not acknowledged yet."""
        if not self.bar.acknowledge.isEnabled():  # Enter in the table comes here directly
            return
        pending = {(e.action.source, e.action.ticket_id) for e in self._view.shown_state().outbox}
        todo = [
            t
            for t in self._view.selected_tickets()
            if not t.acknowledged and (t.source, t.id) not in pending
        ]
        self._each("acknowledge", todo, self._control.acknowledge)

    def snooze(self) -> None:
        """Silence the selected tickets' alerts for 30 minutes."""
        until = self._clock() + SNOOZE_FOR
        tickets = self._view.selected_tickets()
        self._each("snooze", tickets, lambda t: self._control.snooze(t, until))

    def silence(self) -> None:
        """Silence the selected tickets in their tools (those whose source can, and that
        wait for nothing in the outbox): archived until they escalate."""
        if not self.bar.silence.isEnabled():
            return
        state = self._view.shown_state()
        pending = {(e.action.source, e.action.ticket_id) for e in state.outbox}
        todo = silenceable(state, self._view.selected_tickets(), pending)
        self._each("silence", todo, self._control.silence)

    def mark_reviewed(self) -> None:
        """The queue is reviewed as of now: the "New since review" filter empties."""
        problem = ""
        try:
            self._control.mark_reviewed()
        except ActionError as error:  # starting or quitting: the message says
            problem = f"Could not mark reviewed: {error}"
        self._view.set_state(self._control.state())
        if problem:  # after set_state, whose new selection clears the line
            self._view.notify(problem)

    def retry(self) -> None:
        """Send the selected rows' failed actions again."""
        self._on_failed("retry", self._control.retry, self._failed_selected())

    def dismiss(self) -> None:
        """Drop the selected rows' failed actions: they will not be sent."""
        self._on_failed("dismiss", self._control.dismiss, self._failed_selected())

    def dismiss_unlisted(self, action_id: str) -> None:
        """Drop a failed action of a ticket the queue does not list (its banner line)."""
        self._on_failed("dismiss", self._control.dismiss, [action_id])

    def _failed_selected(self) -> list[str]:
        entries = self._view.selected_entries()
        return [e.id for e in entries if e is not None and e.state is OutboxState.FAILED]

    def _on_failed(self, verb: str, act: Callable[[str], object], ids: list[str]) -> None:
        """Apply *act* to each failed action in *ids*, then show the new state."""
        problem = each_action(verb, ids, act)
        self._view.set_state(self._control.state())
        if problem:  # after set_state, whose new selection clears the line
            self._view.notify(problem)

    def open(self) -> None:
        """Open the selected tickets' pages; only http and https links are followed."""
        skipped = []
        for ticket in self._view.selected_tickets():
            url = web_url(ticket)
            if url is None:
                skipped.append(ticket.key)
            else:
                self._open_url(url)
        if skipped:
            self._view.notify(f"No web link to open for {', '.join(skipped)}")

    def hand_over(self) -> None:
        """Open the handover dialog on the selected tickets (my open ones if none)."""
        if not self.bar.handover.isEnabled():
            return
        if self.handover_dialog is not None:
            self.handover_dialog.raise_()
            return
        dialog = HandoverDialog(
            self._control,
            tickets=self._view.selected_tickets() or None,
            clock=self._clock,
            parent=self._window,
        )
        dialog.finished.connect(self._handover_closed)
        self.handover_dialog = dialog
        dialog.open()

    def _handover_closed(self) -> None:
        if self.handover_dialog is not None:
            self.handover_dialog.deleteLater()
        self.handover_dialog = None
        self._view.set_state(self._control.state())
