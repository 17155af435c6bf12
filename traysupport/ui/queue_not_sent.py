"""The queue window's banner of failed actions whose ticket it does not list.

A failed action shows on its ticket's row, with Retry. When the ticket is not in the
queue any more (its source was removed from the settings, or the ticket was closed),
there is no row: without this banner the action would be neither seen nor dropped. So
each one gets a line under the header — "Not sent: acknowledge DEMO-1004 (beta) — the
source "beta" is no longer in the settings; add it back or dismiss this action" — and a
Dismiss button (Alt+D; with several, Alt+D moves between them and Space presses).

Keys, source names and errors come from servers and settings files: each is made one
line of plain text without control or bidi characters, clipped, and shown in a label
that never reads markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from traysupport.core.model import ActionKind
from traysupport.service import ServiceState
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.queue_header import banner_frame, plain_label
from traysupport.ui.shortcuts import key_text, shortcut
from traysupport.ui.source_health import NAME_SHOWN, shown

MAX_SHOWN = 5
"""Lines shown at once; the rest are counted (dismissing one brings the next)."""
KEY_SHOWN = 40
"""Characters of a ticket's key shown."""
REASON_SHOWN = 200
"""Characters of the reason shown (the removed-source one is about 100 with its name)."""
DISMISS_TEXT = shortcut("dismiss-unlisted").label
DISMISS_TIP = f"Drop this action: it will not be sent ({key_text(shortcut('dismiss-unlisted'))})"

VERBS = {
    ActionKind.ACKNOWLEDGE: "acknowledge",
    ActionKind.HAND_OVER: "hand over",
    ActionKind.SNOOZE: "snooze",
    ActionKind.SILENCE: "silence",
}

Where = tuple[str, str]
"""A ticket's identity: (source, ticket id)."""


def _where(entry: OutboxEntry) -> Where:
    return (entry.action.source, entry.action.ticket_id)


def listed_keys(state: ServiceState) -> dict[Where, str]:
    """The key of each listed ticket that has an action in the outbox.

    One pass over the tickets, and none while the outbox is empty (nearly always), so a
    queue of 10,000 tickets costs the GUI thread nothing here between actions.
    """
    wanted = {_where(e) for e in state.outbox}
    if not wanted:
        return {}
    ids = {ticket_id for _, ticket_id in wanted}
    return {
        (t.source, t.id): t.key
        for t in state.snapshot.tickets
        if t.id in ids and (t.source, t.id) in wanted
    }


def not_listed(state: ServiceState, listed: Mapping[Where, str]) -> list[OutboxEntry]:
    """The failed actions whose ticket is not in *listed* (`listed_keys`), oldest first."""
    failed = (e for e in state.outbox if e.state is OutboxState.FAILED)
    return sorted((e for e in failed if _where(e) not in listed), key=lambda e: e.action.created_at)


def not_sent_text(entry: OutboxEntry, key: str = "") -> str:
    """One banner line: what was not sent, for which ticket of which source, and why.

    *key* is the ticket's key when it was seen listed; else its id is all there is.
    """
    action = entry.action
    verb = VERBS.get(action.kind, str(action.kind))
    ticket = shown(key or action.ticket_id, KEY_SHOWN)
    source = shown(action.source, NAME_SHOWN)
    reason = shown(entry.last_error or "the ticket tool refused it", REASON_SHOWN)
    return f"Not sent: {verb} {ticket} ({source}) — {reason}"


@dataclass(frozen=True, slots=True)
class _Line:
    """One shown line: the action it drops and the text it says."""

    action_id: str
    text: str


class NotSentBanner:
    """The failed actions of unlisted tickets, each with a Dismiss button; hidden if none.

    Not a widget of its own: `frame` goes into the window's layout. *dismiss* is called
    with the action's id when its button is pressed.
    """

    def __init__(self, parent: QWidget, dismiss: Callable[[str], None]) -> None:
        self._dismiss = dismiss
        self.frame = banner_frame("failed")
        self.frame.setParent(parent)
        self._layout = QVBoxLayout(self.frame)
        self._layout.setContentsMargins(8, 4, 8, 4)
        self._layout.setSpacing(2)
        self.more_label = plain_label(parent=self.frame)
        self._layout.addWidget(self.more_label)
        self.lines: list[_Line] = []
        self.buttons: list[QPushButton] = []
        self._rows: list[QWidget] = []
        self._keys: dict[Where, str] = {}
        self.count = 0
        """How many failed actions have no listed ticket (shown or counted)."""
        self.fallback_focus: QWidget | None = None
        """Where the keyboard goes when the last line it was on is dismissed."""

    def show(self, state: ServiceState) -> None:
        """Show the failed actions of *state* whose ticket it does not list."""
        listed = listed_keys(state)
        # A ticket's key is in the state only while it is listed: remember the keys of
        # tickets with actions, so a ticket that went away is still called by its key.
        waiting = {_where(e) for e in state.outbox}
        self._keys = {w: k for w, k in {**self._keys, **listed}.items() if w in waiting}
        entries = not_listed(state, listed)
        self.count = len(entries)
        lines = [
            _Line(e.id, not_sent_text(e, self._keys.get(_where(e), "")))
            for e in entries[:MAX_SHOWN]
        ]
        if lines != self.lines:
            self._rebuild(lines)
        more = self.count - len(lines)
        self.more_label.setText(f"… and {more} more not sent; dismiss these to see them")
        self.more_label.setVisible(more > 0)
        self.frame.setVisible(bool(lines))

    def _rebuild(self, lines: list[_Line]) -> None:
        """Replace the lines, keeping the keyboard on a Dismiss button if it was on one."""
        focused = next((i for i, b in enumerate(self.buttons) if b.hasFocus()), None)
        for row in self._rows:
            row.hide()  # a hidden button's Alt+D is off at once
            row.deleteLater()  # later: this may run inside its button's own click
        self._rows, self.buttons, self.lines = [], [], lines
        for at, line in enumerate(lines):
            row, button = self._row(line)
            self._layout.insertWidget(at, row)
            row.show()  # the layout would show it only later, and focus needs it shown
            self._rows.append(row)
            self.buttons.append(button)
        if focused is None:
            return
        if self.buttons:
            self.buttons[min(focused, len(self.buttons) - 1)].setFocus()
        elif self.fallback_focus is not None:
            self.fallback_focus.setFocus()

    def _row(self, line: _Line) -> tuple[QWidget, QPushButton]:
        row = QWidget(self.frame)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        label = plain_label(line.text, parent=row)
        label.setWordWrap(True)
        layout.addWidget(label, 1)
        button = QPushButton(DISMISS_TEXT, row)
        button.setAutoDefault(False)
        button.setToolTip(DISMISS_TIP)
        button.setAccessibleName(f"Dismiss: {line.text}")  # which one, for a screen reader

        def pressed() -> None:
            self._dismiss(line.action_id)

        button.clicked.connect(pressed)
        layout.addWidget(button)
        return row, button
