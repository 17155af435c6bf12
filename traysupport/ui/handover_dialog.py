"""The handover dialog: to whom, which tickets, a note, and how each hand over went.

The recipient defaults to whoever is next on duty when my duty ends
(`core.handover.plan_handover`); typing filters the team
(`handover_people`). The preview shows exactly the
text the ticket tool receives (`core.handover.handover_note`), and that text is what is
sent; its time moves on with the clock each minute while the dialog shows. After
"Hand over" the dialog stays open and follows each ticket's action through the outbox
as new states arrive via `set_state`: pending, then done (it left the outbox) or failed
(with Retry).

Plain Enter never submits, being too easy to press in a list of tickets: Ctrl+Enter
does, as does the button; Esc cancels. The ticket list is `handover_tickets`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QHideEvent, QKeyEvent, QKeySequence, QPalette, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from traysupport.core.duty import Duty, duty
from traysupport.core.handover import handover_note, plan_handover
from traysupport.core.model import Person, Ticket
from traysupport.core.timefmt import format_clock
from traysupport.service import ActionError, ServiceState, utc_now
from traysupport.store import OutboxState
from traysupport.ui.handover_people import TeamPicker
from traysupport.ui.handover_tickets import KEY, STATUS, TITLE, HandoverTickets
from traysupport.ui.ports import SupportControl
from traysupport.ui.presenter import ALWAYS_ON_CALL, open_duty_text
from traysupport.ui.shortcuts import shortcut, tip

log = logging.getLogger(__name__)

PENDING, DONE = "Handing over…", "Done"
_KEY, _TITLE, _STATUS = KEY, TITLE, STATUS
"""Columns of the ticket list (`handover_tickets`)."""


def _label(text: str = "", *, muted: bool = False, bold: bool = False) -> QLabel:
    """A label showing its text literally (names and titles come from servers)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if muted:
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class HandoverDialog(QDialog):
    """Hand one or more tickets over to a teammate with a note."""

    def __init__(
        self,
        control: SupportControl,
        *,
        tickets: Sequence[Ticket] | None = None,
        end_of_shift: bool = False,
        clock: Callable[[], datetime] = utc_now,
        parent: QWidget | None = None,
    ) -> None:
        """*tickets* are checked; without them (or at *end_of_shift*) all my open ones are."""
        super().__init__(parent)
        self.setWindowTitle("Hand over tickets")
        self._control, self._clock = control, clock
        self._state = control.state()
        self._actions: dict[str, Ticket] = {}
        """Action id -> its ticket, once submitted."""
        self._results: dict[str, str] = {}
        """Ticket key -> what became of its hand over, once submitted."""
        self._to_name = ""
        self.preview_timer = QTimer(self)
        """Wakes at each new minute of the clock, so the preview's time is the one sent."""
        self.preview_timer.setSingleShot(True)
        self.preview_timer.timeout.connect(self._next_minute)
        now, me, policy = clock(), self._state.me, self._state.settings.sla
        plan = None if me is None else plan_handover(self._state.snapshot, me, now, policy)
        self._next = None if plan is None else plan.recipient
        mine = () if plan is None else plan.tickets
        status = duty(self._state.snapshot.shifts, me, now)
        self._build(self._heading(end_of_shift, status))
        self.people.fill(self._state, self._next, status)
        chosen = mine if tickets is None or end_of_shift else tuple(tickets)
        self.tickets.fill(chosen, mine, self._state, now)
        self._update()

    # -- building ------------------------------------------------------------------------

    def _build(self, heading: str) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        self.heading = _label(heading, bold=True)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search the team…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter_people)
        self.search.installEventFilter(self)
        self.people = TeamPicker(self)
        self.people.currentItemChanged.connect(self._update)
        self.people.itemActivated.connect(self._person_activated)
        self.tickets = HandoverTickets(self)
        self.tickets.itemChanged.connect(self._update)
        self.note = QPlainTextEdit(self)
        self.note.setPlaceholderText("What should they know? (optional)")
        self.note.setTabChangesFocus(True)  # Tab must leave the box, not type a tab
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 4 + 14)
        self.note.textChanged.connect(self._update)
        for section, widget in (
            (shortcut("to").label, self.search),
            (None, self.people),
            (shortcut("tickets").label, self.tickets),
            (shortcut("note").label, self.note),
        ):
            if section is not None:
                title = _label(section, bold=True)
                title.setBuddy(widget)
                layout.addWidget(title)
            layout.addWidget(widget, 1 if widget is self.tickets else 0)
        layout.addWidget(self._build_preview())
        layout.addWidget(self._build_buttons())
        for keys in shortcut("hand-over-now").keys:
            QShortcut(QKeySequence(keys), self, self.submit)
        self.resize(560, 560)

    def _build_preview(self) -> QFrame:
        frame = QFrame(self)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(frame)
        box.setContentsMargins(8, 6, 8, 6)
        box.addWidget(_label("Written to each ticket:", muted=True))
        self.preview = _label()
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.preview)
        self.problem = _label()
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        box.addWidget(self.problem)
        return frame

    def _build_buttons(self) -> QDialogButtonBox:
        role = QDialogButtonBox.ButtonRole
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("Hand over", role.AcceptRole)
        self.ok_button.setToolTip(tip(shortcut("hand-over-now")))
        self.retry_button = self.buttons.addButton("Retry failed", role.ActionRole)
        self.retry_button.hide()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.clicked.connect(self.submit)
        self.retry_button.clicked.connect(self.retry_failed)
        self.cancel_button.clicked.connect(self._close)
        for button in (self.ok_button, self.retry_button, self.cancel_button):
            button.setAutoDefault(False)
        return self.buttons

    def _heading(self, end_of_shift: bool, status: Duty) -> str:
        until = status.until
        if end_of_shift and until is not None:
            # A permanent on-call has no end to name (its end is the model's far bound).
            open_text = open_duty_text(status)
            if open_text is not None:
                said = "You are" if open_text == ALWAYS_ON_CALL else "Your shift has"
                return f"{said} {open_text}. Hand over your open tickets:"
            tz = self._state.settings.tz
            return f"Your shift ends at {format_clock(until, tz)}. Hand over your open tickets:"
        return "Hand tickets over to a teammate"

    # -- reading -------------------------------------------------------------------------

    def recipient(self) -> Person | None:
        """The chosen teammate, if one is chosen and shown."""
        return self.people.chosen()

    def checked_tickets(self) -> list[Ticket]:
        """The tickets to hand over, most urgent first."""
        return self.tickets.checked()

    def note_text(self, now: datetime) -> str:
        """What each ticket gets, as of *now* ("" without a recipient)."""
        me, to = self._state.me, self.recipient()
        if me is None or to is None:
            return ""
        return handover_note(me, to, self.note.toPlainText(), now, self._state.settings.tz)

    def results(self) -> dict[str, str]:
        """Ticket key -> "Handing over…", "Done", "Will retry (…)" or "Failed: …"."""
        return dict(self._results)

    # -- choosing ------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """In the search box, Up/Down move in the team list and Enter moves on."""
        if watched is self.search and isinstance(event, QKeyEvent):
            key = event.key()
            if event.type() == QEvent.Type.KeyPress and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                QApplication.sendEvent(self.people, QKeyEvent(event.type(), key, event.modifiers()))
                return True
            plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
                if event.type() == QEvent.Type.KeyPress:
                    self.note.setFocus()
                return True
        return super().eventFilter(watched, event)

    def _person_activated(self) -> None:
        self.note.setFocus()

    def _filter_people(self, text: str) -> None:
        """Show the teammates who match *text*, then what can be handed over to whom."""
        self.people.show_matching(text)
        self._update()

    def _problem(self, to: Person | None, count: int) -> str:
        """Why the tickets cannot be handed over yet, or ""."""
        if self._state.me is None:
            return "You are not on this team's list: set “me” in the settings first."
        if to is None:
            typed = self.search.text().strip()
            return f"Nobody on the team matches “{typed}”." if typed else "Choose who gets them."
        return "" if count else "Check at least one ticket."

    def _update(self) -> None:
        if self._actions or self._results:
            return
        count, to = len(self.checked_tickets()), self.recipient()
        self.ok_button.setText(f"Hand over {_plural(count, 'ticket')}")
        problem = self._problem(to, count)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.ok_button.setEnabled(not problem)
        self.preview.setText(self.note_text(self._clock()) or "—")

    def _next_minute(self) -> None:
        self._update()
        self._wait_for_next_minute()

    def _wait_for_next_minute(self) -> None:
        now = self._clock()
        left = 60 - now.second - now.microsecond / 1e6
        self.preview_timer.start(max(1, round(left * 1000)))

    # -- handing over --------------------------------------------------------------------

    def submit(self) -> None:
        """Hand every checked ticket over, then follow how each one goes."""
        if not self.ok_button.isEnabled() or self._results:
            return
        to, tickets = self.recipient(), self.checked_tickets()
        assert to is not None
        text = self.note_text(self._clock())
        for ticket in tickets:
            try:
                made = self._control.hand_over(ticket, to, text)
            except Exception as error:  # ActionError, the store, a bug: report it per ticket
                if not isinstance(error, ActionError):
                    log.exception("could not hand over %s", ticket.ref)
                self._results[ticket.key] = f"Failed: {error}"
                continue
            self._actions[made.id] = ticket
            self._results[ticket.key] = PENDING
        self._enter_results(to, len(tickets))
        self.set_state(self._control.state())

    def _enter_results(self, to: Person, count: int) -> None:
        self._to_name = to.name
        for widget in (self.search, self.people, self.note):
            widget.setEnabled(False)
        self.ok_button.hide()
        self.cancel_button.setText("Close")
        self.heading.setText(f"Handing over {_plural(count, 'ticket')} to {to.name}…")
        self.problem.hide()
        self.tickets.keep_checked()
        self.cancel_button.setFocus()

    def set_state(self, state: ServiceState) -> None:
        """Follow the hand overs in *state*'s outbox (before submitting, only keep it)."""
        self._state = state
        if not self._actions:
            return
        entries = {e.id: e for e in state.outbox}
        failed = [
            e for e in entries.values() if e.id in self._actions and e.state is OutboxState.FAILED
        ]
        # Only what reached the outbox can be sent again; a refusal by the store cannot.
        self.retry_button.setVisible(bool(failed))
        for action_id, ticket in self._actions.items():
            entry = entries.get(action_id)
            if entry is None:
                self._results[ticket.key] = DONE  # confirmed: it left the outbox
            elif entry.state is OutboxState.FAILED:
                self._results[ticket.key] = f"Failed: {entry.last_error or 'refused'}"
            elif entry.last_error:
                self._results[ticket.key] = f"Will retry ({entry.last_error})"
            else:
                self._results[ticket.key] = PENDING
        self._show_results()

    def _show_results(self) -> None:
        self.tickets.show_results(self._results)
        failed = sum(1 for r in self._results.values() if r.startswith("Failed"))
        done = sum(1 for r in self._results.values() if r == DONE)
        if done + failed == len(self._results):
            summary = (
                f"{done} handed over, {failed} failed."
                if failed
                else f"{_plural(done, 'ticket')} handed over to {self._to_name}."
            )
            self.heading.setText(summary)

    def retry_failed(self) -> None:
        """Send the failed hand overs again."""
        entries = {e.id: e for e in self._control.state().outbox}
        for action_id in self._actions:
            entry = entries.get(action_id)
            if entry is not None and entry.state is OutboxState.FAILED:
                self._control.retry(action_id)
        self.set_state(self._control.state())

    def _close(self) -> None:
        if self._results:
            self.accept()
        else:
            self.reject()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """No default button, so plain Enter hands nothing over; focus where typing starts."""
        super().showEvent(event)
        self._wait_for_next_minute()
        self.ok_button.setDefault(False)
        (self.search if self._next is None else self.note).setFocus()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        """A hidden dialog's preview needs no ticking."""
        self.preview_timer.stop()
        super().hideEvent(event)
