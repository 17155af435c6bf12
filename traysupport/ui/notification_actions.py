"""What a notification's buttons and body do in the running tray app.

A ticket's alert: acknowledge or snooze the ticket, or open the queue window on it; the
end-of-duty alert: the handover dialog; a review reminder: mark the queue reviewed, or
open it on what is new. A summary, or an alert whose ticket has gone since, opens the
window. What the service refuses (e.g. who I am on the team is not known yet) is said
in a message, never as a traceback.

`tray_app.TrayApp` owns one and hands it the notifier's `action_invoked`; the window and
the dialogs stay the app's, reached through the callables it passes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from traysupport.core.model import AlertAction, AlertKind, Ticket
from traysupport.home_control import HomeControl
from traysupport.service import ActionError

if TYPE_CHECKING:
    from traysupport.core.model import Alert
    from traysupport.ui.queue_window import QueueWindow

SNOOZE_FOR = timedelta(minutes=30)


class NotificationActions:
    """Carries out a notification's action through the home control."""

    def __init__(
        self,
        control: HomeControl,
        window: QueueWindow,
        *,
        alert: Callable[[str], Alert | None],
        clock: Callable[[], datetime],
        show_window: Callable[[str], None],
        open_handover: Callable[[], None],
        warn: Callable[[str], object],
    ) -> None:
        """*alert* finds a notification's alert by key (the notifier's); *show_window*
        shows the queue window on a ticket ref ("" for none); *open_handover* opens the
        end-of-shift handover; *warn* tells the user what the service refused."""
        self._control = control
        self._window = window
        self._alert = alert
        self._clock = clock
        self._show_window = show_window
        self._open_handover = open_handover
        self._warn = warn

    def invoke(self, alert_key: str, action: str) -> None:
        """A notification's button (an `AlertAction` value) or its body ("default")."""
        alert = self._alert(alert_key)  # None for a summary, or one long gone
        if alert is not None and alert.kind is AlertKind.REVIEW:
            self._review_action(action)
            return
        ticket = self._ticket(alert.subject) if alert is not None else None
        try:
            if action == AlertAction.ACKNOWLEDGE and ticket is not None:
                self._control.acknowledge(ticket)
            elif action == AlertAction.SNOOZE and ticket is not None:
                self._control.snooze(ticket, self._clock() + SNOOZE_FOR)
            elif action == AlertAction.HAND_OVER:
                self._open_handover()
            else:  # open, the body, a summary, or a ticket now gone
                self._show_window(ticket.ref if ticket is not None else "")
        except ActionError as error:  # e.g. who I am on the team is not known yet
            self._show_window(ticket.ref if ticket is not None else "")
            self._warn(str(error))

    def _review_action(self, action: str) -> None:
        """A review reminder: mark the queue reviewed, or open it on what is new."""
        # Imported here, as tray_app imports the window's modules (see its module doc).
        from traysupport.ui.queue_model import QueueFilter  # noqa: PLC0415

        if action != AlertAction.MARK_REVIEWED:
            self._show_window("")
            self._window.set_filter(QueueFilter.NEW)
            return
        try:
            self._control.mark_reviewed()
        except ActionError as error:  # starting or quitting: nothing recorded
            self._warn(str(error))

    def _ticket(self, ref: str) -> Ticket | None:
        return self._control.state().snapshot.ticket(ref) if ref else None
