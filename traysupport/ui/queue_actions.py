"""The queue window's action bar: its actions, their keys and buttons, and when each applies.

An action is enabled only when it would do something to the selection: acknowledge
needs a ticket that is neither acknowledged nor already waiting in the outbox, retry and
dismiss a selected failed action, open a ticket with a web link. Retry and Dismiss show
only while a listed ticket has a failed action (the others are in `queue_not_sent`).
The row sits on the Queue tab; while another tab shows, the selection it acts on is out
of sight, so its actions are hidden and their keys do nothing (`show_for_queue`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from traysupport.core.model import Ticket
from traysupport.service import ActionError, ServiceState
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.queue_model import QueueFilter, QueueModel

log = logging.getLogger(__name__)

SNOOZE_FOR = timedelta(minutes=30)
WEB_SCHEMES = ("http", "https")

Slot = Callable[[], None]


class ActionBar:
    """The window's actions (with their shortcuts on the window) and the row of buttons."""

    def __init__(
        self,
        window: QWidget,
        *,
        acknowledge: Slot,
        hand_over: Slot,
        open_: Slot,
        snooze: Slot,
        retry: Slot,
        dismiss: Slot,
        refresh: Slot,
    ) -> None:
        self._window = window
        self.acknowledge = self._action(
            "Acknowledge", acknowledge, (), "Acknowledge the selected tickets (Enter)"
        )
        self.handover = self._action(
            "Hand over…", hand_over, ("Ctrl+H",), "Hand the tickets over (Ctrl+H)"
        )
        self.open = self._action(
            "Open", open_, ("Ctrl+O",), "Open the tickets in the browser (Ctrl+O)"
        )
        self.snooze = self._action(
            "Snooze 30 min", snooze, ("S",), "Silence their alerts for 30 min (S)"
        )
        self.retry = self._action(
            "Retry", retry, ("Ctrl+R",), "Send the failed actions again (Ctrl+R)"
        )
        self.dismiss = self._action(
            "Dismiss",
            dismiss,
            ("Ctrl+D",),
            "Drop the failed actions: they will not be sent (Ctrl+D)",
        )
        self.hide = self._action("Hide", window.hide, ("Esc",), "Hide the window (Esc)")
        self.refresh = self._action("Refresh", refresh, ("F5",), "Ask every source now (F5)")
        self.layout = QHBoxLayout()
        for action in (self.acknowledge, self.handover, self.open, self.snooze):
            self.layout.addWidget(_button(action, window))
        self.layout.addStretch(1)
        self.retry_button = _button(self.retry, window)
        self.layout.addWidget(self.retry_button)
        self.dismiss_button = _button(self.dismiss, window)
        self.layout.addWidget(self.dismiss_button)
        self.on_selection = (
            self.acknowledge,
            self.handover,
            self.open,
            self.snooze,
            self.retry,
            self.dismiss,
        )
        """The actions on the queue's selection (Hide and Refresh are the window's own)."""

    def _action(self, text: str, slot: Slot, keys: Iterable[str], tip: str) -> QAction:
        action = QAction(text, self._window)  # parented: PySide6 collects parentless actions
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setToolTip(tip)
        action.triggered.connect(slot)
        self._window.addAction(action)
        return action

    def show_for_queue(self, shown: bool) -> None:
        """Arm the selection's actions while the queue shows, disarm them otherwise.

        A hidden QAction is also disabled and its shortcut ignored, and shown again it
        takes back the enabled state last set (`update` may run meanwhile), so the
        buttons return as they would have been.
        """
        for action in self.on_selection:
            action.setVisible(shown)

    def update(
        self,
        state: ServiceState,
        model: QueueModel,
        tickets: list[Ticket],
        entries: list[OutboxEntry | None],
        unlisted: int = 0,
    ) -> None:
        """Enable what applies to the selected *tickets* (their outbox *entries* in step);
        *unlisted* failed actions have no ticket in the queue, so no row to select."""
        pending = {(e.action.source, e.action.ticket_id) for e in entries if e is not None}
        self.acknowledge.setEnabled(
            any(not t.acknowledged and (t.source, t.id) not in pending for t in tickets)
        )
        self.handover.setEnabled(state.me is not None and model.count(QueueFilter.ALL) > 0)
        self.open.setEnabled(any(web_url(t) is not None for t in tickets))
        self.snooze.setEnabled(bool(tickets))
        failed = [e for e in entries if e is not None and e.state is OutboxState.FAILED]
        self.retry.setEnabled(bool(failed))
        self.dismiss.setEnabled(bool(failed))
        listed = sum(e.state is OutboxState.FAILED for e in state.outbox) > unlisted
        self.retry_button.setVisible(listed)
        self.dismiss_button.setVisible(listed)


def _button(action: QAction, parent: QWidget) -> QPushButton:
    """A push button that mirrors *action* (QPushButton cannot take an action itself)."""
    button = QPushButton(action.text(), parent)
    button.setToolTip(action.toolTip())
    button.setAutoDefault(False)
    button.clicked.connect(action.trigger)
    action.enabledChanged.connect(button.setEnabled)
    button.setEnabled(action.isEnabled())
    return button


def web_url(ticket: Ticket) -> QUrl | None:
    """The ticket's page, if it is an http(s) link; nothing else is handed to the desktop."""
    url = QUrl(ticket.url, QUrl.ParsingMode.StrictMode)
    if url.isValid() and url.scheme().lower() in WEB_SCHEMES and url.host():
        return url
    return None


def each_action(verb: str, ids: Iterable[str], act: Callable[[str], object]) -> str:
    """Apply *act* to each action id; what went wrong as one line for the user, or ""."""
    problems = []
    for action_id in ids:
        try:
            act(action_id)
        except ActionError as error:  # starting or quitting: the message says
            problems.append(str(error))
        except Exception as error:  # a bug: say so, keep the window alive
            log.exception("could not %s action %s", verb, action_id)
            problems.append(str(error))
    return f"Could not {verb}: " + "; ".join(dict.fromkeys(problems)) if problems else ""
