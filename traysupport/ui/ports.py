"""What the widgets may ask of the engine: the one interface the UI is written against.

In the tray app `home_control.HomeControl` implements it for the service, which runs
on a home thread of its own; UI tests use a fake built on the same protocol. All calls
are made on the GUI thread and return at once, without waiting for that thread: what
they change shows in `state()` at once, and the service's own new `ServiceState` comes
back later through the app's listener.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from traysupport.core.model import Person, Ticket, UserAction
from traysupport.service import ServiceState


class SupportControl(Protocol):
    """The user's levers on the engine."""

    def state(self) -> ServiceState:
        """What to show now."""
        ...

    def acknowledge(self, ticket: Ticket) -> UserAction:
        """Acknowledge *ticket* (recorded in the outbox, then sent)."""
        ...

    def hand_over(self, ticket: Ticket, to: Person, note: str) -> UserAction:
        """Hand *ticket* over to *to* with *note* (recorded, then sent)."""
        ...

    def silence(self, ticket: Ticket) -> UserAction:
        """Silence *ticket* in its tool until it escalates (recorded, then sent); only
        for a source whose status lists "silence" in its `actions`."""
        ...

    def snooze(self, ticket: Ticket, until: datetime) -> UserAction:
        """Silence *ticket*'s alerts until *until*."""
        ...

    def retry(self, action_id: str) -> None:
        """Send a failed action again."""
        ...

    def dismiss(self, action_id: str) -> None:
        """Drop a failed action: it will not be sent (its source may be gone)."""
        ...

    def pause(self, until: datetime | None) -> None:
        """Hold all notifications until *until*; None resumes."""
        ...

    def mark_reviewed(self) -> None:
        """The queue is reviewed as of now: review reminders count what is new from here."""
        ...

    def refresh_now(self) -> None:
        """Poll every source now."""
        ...
