"""The queue window's action bar: its actions, their keys and buttons, and when each applies.

Each action is a row of `shortcuts.SHORTCUTS` (text, keys, tooltip); its button shows the
key ("Hand over… (Ctrl+H)") rather than hiding it in a tooltip.

An action is enabled only when it would do something to the selection: acknowledge
needs a ticket that is neither acknowledged nor already waiting in the outbox, silence a
ticket of a source that can silence (`SourceStatus.actions`), retry and
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

from traysupport.core.model import ActionKind, Ticket
from traysupport.service import ActionError, ServiceState
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.queue_model import QueueFilter, QueueModel
from traysupport.ui.shortcuts import button_text, shortcut, tip

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
        silence: Slot,
        retry: Slot,
        dismiss: Slot,
        refresh: Slot,
        mark_reviewed: Slot,
    ) -> None:
        self._window = window
        # Enter acknowledges in the table itself (`QueueTable`): as a window-wide key it
        # would also take Enter from the buttons.
        self.acknowledge = self._action("acknowledge", acknowledge, bound=False)
        self.handover = self._action("handover", hand_over)
        self.open = self._action("open", open_)
        self.snooze = self._action("snooze", snooze)
        self.silence = self._action("silence", silence)
        self.retry = self._action("retry", retry)
        self.dismiss = self._action("dismiss", dismiss)
        self.hide = self._action("hide", window.hide)
        self.refresh = self._action("refresh", refresh)
        self.mark_reviewed = self._action("mark-reviewed", mark_reviewed)
        self.layout = QHBoxLayout()
        for action in (self.acknowledge, self.handover, self.open, self.snooze):
            self.layout.addWidget(_button(action, window))
        # Shown only while a source can silence: most teams' tools cannot.
        self.silence_button = _button(self.silence, window)
        self.layout.addWidget(self.silence_button)
        # Shown on the "New since review" filter, where the review is done.
        self.reviewed_button = _button(self.mark_reviewed, window)
        self.layout.addWidget(self.reviewed_button)
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
            self.silence,
            self.retry,
            self.dismiss,
            self.mark_reviewed,
        )
        """The actions on the queue's selection (Hide and Refresh are the window's own)."""

    def _action(self, name: str, slot: Slot, bound: bool = True) -> QAction:
        """The action of the `shortcuts` row *name*, its key bound on the window if *bound*."""
        row = shortcut(name)
        action = QAction(row.label, self._window)  # parented: PySide6 collects parentless ones
        action.setObjectName(name)
        if bound:
            action.setShortcuts([QKeySequence(k) for k in row.keys])
        action.setToolTip(tip(row))
        action.setIconText(button_text(row))
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
        self.silence.setEnabled(bool(silenceable(state, tickets, pending)))
        self.silence_button.setVisible(
            any(ActionKind.SILENCE.value in s.actions for s in state.snapshot.sources)
        )
        self.mark_reviewed.setEnabled(model.count(QueueFilter.NEW) > 0)
        self.reviewed_button.setVisible(model.filter is QueueFilter.NEW)
        failed = [e for e in entries if e is not None and e.state is OutboxState.FAILED]
        self.retry.setEnabled(bool(failed))
        self.dismiss.setEnabled(bool(failed))
        listed = sum(e.state is OutboxState.FAILED for e in state.outbox) > unlisted
        self.retry_button.setVisible(listed)
        self.dismiss_button.setVisible(listed)


def silenceable(
    state: ServiceState, tickets: list[Ticket], pending: set[tuple[str, str]]
) -> list[Ticket]:
    """The *tickets* whose source can silence (its status lists "silence") and that have
    no action waiting in the outbox."""
    able = {s.name for s in state.snapshot.sources if ActionKind.SILENCE.value in s.actions}
    return [t for t in tickets if t.source in able and (t.source, t.id) not in pending]


def _button(action: QAction, parent: QWidget) -> QPushButton:
    """A push button that mirrors *action* (QPushButton cannot take an action itself)."""
    button = QPushButton(action.iconText(), parent)  # "Open (Ctrl+O)": the key in sight
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
