"""The quick window: my duty, who is on, and the queue by SLA urgency, with its actions.

It is a normal small top-level window rather than a frameless popup: every window
manager gives it focus, it can be moved and resized, and Esc (or closing it) only hides
it. The clock ticks once a second while it is shown and not at all while it is hidden.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from traysupport import paths
from traysupport.core.duty import duty
from traysupport.core.model import Ticket
from traysupport.core.timefmt import format_clock, format_duration, format_instant, local
from traysupport.service import ActionError, ServiceState, utc_now
from traysupport.store import OutboxState
from traysupport.ui.handover_dialog import HandoverDialog
from traysupport.ui.ports import SupportControl
from traysupport.ui.presenter import on_now_line
from traysupport.ui.queue_model import (
    ChangeMarks,
    Column,
    PlainTextDelegate,
    PriorityChipDelegate,
    QueueFilter,
    QueueModel,
    Rows,
)

log = logging.getLogger(__name__)

STATE_FILE_NAME = "queue-window.json"
DEFAULT_SIZE = QSize(880, 480)
SNOOZE_FOR = timedelta(minutes=30)
WEB_SCHEMES = ("http", "https")
_EDGE = 12
"""Gap in pixels between the window and the tray icon or the screen's edge."""
_COLUMN_WIDTHS = {
    Column.PRIORITY: 40,
    Column.KEY: 86,
    Column.ASSIGNEE: 112,
    Column.AGE: 56,
    Column.SLA: 156,
    Column.STATE: 130,
}

UrlOpener = Callable[[QUrl], Any]


def place_near(size: QSize, anchor: QRect | None, available: QRect) -> QPoint:
    """Where a window of *size* goes: beside the tray icon *anchor*, else bottom-right.

    Beside means above an icon in the lower half of the screen and below one in the
    upper half, its edge aligned with the icon's; always inside *available*.
    """
    if anchor is not None and anchor.isValid():
        right_side = anchor.center().x() >= available.center().x()
        x = anchor.right() + 1 - size.width() if right_side else anchor.left()
        lower_half = anchor.center().y() >= available.center().y()
        y = anchor.top() - _EDGE - size.height() if lower_half else anchor.bottom() + 1 + _EDGE
    else:
        x = available.right() + 1 - _EDGE - size.width()
        y = available.bottom() + 1 - _EDGE - size.height()
    x = max(available.left(), min(x, available.right() + 1 - size.width()))
    y = max(available.top(), min(y, available.bottom() + 1 - size.height()))
    return QPoint(x, y)


def _when(instant: datetime, now: datetime, tz: Any) -> str:
    """A clock time today, else weekday and time ("17:00", "Tue 09:00")."""
    if local(instant, tz).date() == local(now, tz).date():
        return format_clock(instant, tz)
    return format_instant(instant, tz, now)


def duty_summary(state: ServiceState, now: datetime) -> tuple[str, str, bool]:
    """(headline, countdown, on duty) for the window's header."""
    tz = state.settings.tz
    if state.me is None:
        if not state.snapshot.people:
            return ("Waiting for the rotation…", "", False)
        return ("You are not on the team", "set “me” in Settings", False)
    status = duty(state.snapshot.shifts, state.me, now)
    if status.until is not None:
        role = f" · {status.role}" if status.role is not None else ""
        left = format_duration(status.until - now)
        return (f"On duty{role}", f"until {_when(status.until, now, tz)} · {left} left", True)
    upcoming = status.next_shift
    if upcoming is None:
        return ("Off duty", "no shift scheduled", False)
    wait = format_duration(upcoming.start - now)
    return ("Off duty", f"next shift {_when(upcoming.start, now, tz)} · in {wait}", False)


def on_now_text(state: ServiceState, now: datetime) -> str:
    """Who is on duty now, as the tray menu says it: "On now: you (primary), Mei (shadow)"."""
    return on_now_line(duty(state.snapshot.shifts, state.me, now))


def stale_text(state: ServiceState, now: datetime) -> str:
    """The offline banner's text, or "" while every source answers (or has yet to try)."""
    failing = [s for s in state.snapshot.sources if not s.ok and s.failures > 0]
    if not failing:
        return ""
    errors = "; ".join(f"{s.name}: {_clip(s.error or 'not answering')}" for s in failing)
    known = [s.last_ok_at for s in failing if s.last_ok_at is not None]
    if not known:
        return f"Offline — no data yet ({errors})"
    return f"Offline — showing data from {_when(min(known), now, state.settings.tz)} ({errors})"


def _clip(text: str, limit: int = 160) -> str:
    """Server text on one line and of a bounded length, for a label that must stay small."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plain_label(
    text: str = "", *, bold: bool = False, muted: bool = False, parent: QWidget | None = None
) -> QLabel:
    """A label that shows its text literally: server text is never markup."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    if muted:
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class QueueTable(QTableView):
    """The queue's table: Enter acknowledges, and an empty queue says so."""

    acknowledge_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = ""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter and Return acknowledge the selection, rather than start an edit."""
        plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not plain:
            self.acknowledge_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """The rows, or a line saying why there are none."""
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            painter.end()


EMPTY_TEXT = {
    QueueFilter.MINE: "Nothing assigned to you",
    QueueFilter.UNASSIGNED: "No unassigned tickets",
    QueueFilter.ALL: "The queue is empty",
}
FILTER_TIPS = {
    QueueFilter.MINE: "Show the tickets assigned to you (Alt+M)",
    QueueFilter.UNASSIGNED: "Show the tickets nobody has taken (Alt+U)",
    QueueFilter.ALL: "Show every open ticket (Alt+A)",
}
# A segmented control in the palette's own colours, so it follows light and dark themes.
_SEGMENTED_STYLE = """
#filters QPushButton {
    padding: 3px 12px; border: 1px solid palette(mid); border-left: none;
    background: palette(button); color: palette(button-text);
}
#filters QPushButton:checked {
    background: palette(highlight); color: palette(highlighted-text);
    border-color: palette(highlight);
}
#filters QPushButton:focus { border: 1px solid palette(highlight); }
#filters QPushButton#filter-mine {
    border-left: 1px solid palette(mid);
    border-top-left-radius: 4px; border-bottom-left-radius: 4px;
}
#filters QPushButton#filter-mine:checked { border-left-color: palette(highlight); }
#filters QPushButton#filter-all { border-top-right-radius: 4px; border-bottom-right-radius: 4px; }
"""
FILTER_LABELS = {
    QueueFilter.MINE: "&Mine",
    QueueFilter.UNASSIGNED: "&Unassigned",
    QueueFilter.ALL: "&All",
}


class QueueWindow(QWidget):
    """The queue window; feed it with `set_state`, open it with `show_near`."""

    setup_requested = Signal()
    """The user asked to set up their own team (from the demo banner)."""

    def __init__(
        self,
        control: SupportControl,
        *,
        demo: bool = False,
        clock: Callable[[], datetime] = utc_now,
        open_url: UrlOpener = QDesktopServices.openUrl,
        state_file: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("traysupport — queue")
        self.setMinimumSize(720, 320)
        self._control, self._clock, self._open_url = control, clock, open_url
        self._state_file = state_file
        self._state = control.state()
        self.handover_dialog: HandoverDialog | None = None
        self.model = QueueModel(self)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.refresh_clock)
        self._build()
        self.set_demo(demo)
        self._restore()
        self.set_state(self._state)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(12, 10, 12, 10)
        root.setSpacing(8)
        root.addLayout(self._build_header())
        self.demo_banner = self._build_demo_banner()
        root.addWidget(self.demo_banner)
        self.stale_banner, self.stale_label = _banner("stale")
        root.addWidget(self.stale_banner)
        root.addLayout(self._build_filters())
        self.table = self._build_table()
        root.addWidget(self.table, 1)
        self.notice = plain_label(muted=True)
        self.notice.setWordWrap(True)
        self.notice.hide()
        root.addWidget(self.notice)
        root.addLayout(self._build_actions())

    def _build_header(self) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(2)
        line = QHBoxLayout()
        self.duty_dot = plain_label(parent=self)
        self.duty_dot.setFixedSize(10, 10)
        self.duty_label = plain_label(bold=True)
        self.countdown_label = plain_label()
        line.addWidget(self.duty_dot)
        line.addWidget(self.duty_label)
        line.addStretch(1)
        line.addWidget(self.countdown_label)
        box.addLayout(line)
        self.on_now_label = plain_label(muted=True)
        box.addWidget(self.on_now_label)
        return box

    def _build_demo_banner(self) -> QFrame:
        frame, label = _banner("demo")
        label.setText("Demo team — set up your team to see your own rotation and queue.")
        button = QPushButton("Set up…", frame)
        button.setAutoDefault(False)
        button.clicked.connect(self.setup_requested.emit)
        layout = frame.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.addWidget(button)
        return frame

    def _build_filters(self) -> QHBoxLayout:
        segments = QWidget(self)
        segments.setObjectName("filters")
        segments.setStyleSheet(_SEGMENTED_STYLE)
        inner = QHBoxLayout(segments)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(0)
        self.filter_group = QButtonGroup(self)
        self.filter_buttons: dict[QueueFilter, QPushButton] = {}
        for which in QueueFilter:
            button = QPushButton(FILTER_LABELS[which], segments)
            button.setObjectName(f"filter-{which}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setToolTip(FILTER_TIPS[which])
            button.clicked.connect(lambda _checked=False, w=which: self.set_filter(w))
            self.filter_group.addButton(button)
            self.filter_buttons[which] = button
            inner.addWidget(button)
        self.filter_buttons[QueueFilter.ALL].setChecked(True)
        line = QHBoxLayout()
        line.addWidget(segments)
        line.addStretch(1)
        self.count_label = plain_label(muted=True)
        line.addWidget(self.count_label)
        return line

    def _build_table(self) -> QueueTable:
        table = QueueTable(self)
        table.setModel(self.model)
        table.setItemDelegate(PlainTextDelegate(table))
        table.setItemDelegateForColumn(Column.PRIORITY, PriorityChipDelegate(table))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)  # Tab leaves the table instead of walking cells
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setCornerButtonEnabled(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in _COLUMN_WIDTHS.items():
            table.setColumnWidth(column, width)
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
        table.acknowledge_requested.connect(self.acknowledge_selected)
        table.selectionModel().selectionChanged.connect(self._selection_changed)
        return table

    def _action(
        self, text: str, slot: Callable[[], None], keys: Iterable[str], tip: str
    ) -> QAction:
        action = QAction(text, self)  # parented: PySide6 collects parentless actions
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> QHBoxLayout:
        self.acknowledge_action = self._action(
            "Acknowledge", self.acknowledge_selected, (), "Acknowledge the selected tickets (Enter)"
        )
        self.handover_action = self._action(
            "Hand over…", self.hand_over_selected, ("Ctrl+H",), "Hand the tickets over (Ctrl+H)"
        )
        self.open_action = self._action(
            "Open", self.open_selected, ("Ctrl+O",), "Open the tickets in the browser (Ctrl+O)"
        )
        self.snooze_action = self._action(
            "Snooze 30 min", self.snooze_selected, ("S",), "Silence their alerts for 30 min (S)"
        )
        self.retry_action = self._action(
            "Retry", self.retry_selected, ("Ctrl+R",), "Send the failed actions again (Ctrl+R)"
        )
        self.hide_action = self._action("Hide", self.hide, ("Esc",), "Hide the window (Esc)")
        self.refresh_action = self._action(
            "Refresh", self._control.refresh_now, ("F5",), "Ask every source now (F5)"
        )
        line = QHBoxLayout()
        for action in (
            self.acknowledge_action,
            self.handover_action,
            self.open_action,
            self.snooze_action,
        ):
            line.addWidget(_button(action, self))
        line.addStretch(1)
        self.retry_button = _button(self.retry_action, self)
        line.addWidget(self.retry_button)
        return line

    # -- feeding -------------------------------------------------------------------------

    def set_demo(self, demo: bool) -> None:
        """Show or hide the demo-team banner."""
        self.demo_banner.setVisible(demo)

    def set_state(
        self, state: ServiceState, rows: Rows | None = None, marks: ChangeMarks | None = None
    ) -> None:
        """Show *state*, keeping the selection and the scroll position (*rows*, *marks*:
        made beforehand, see `QueueModel.set_state`)."""
        self._state = state
        now = self._clock()
        chosen = {t.ref for t in self.selected_tickets()}
        current = self._current_cell()
        scrolled = self.table.verticalScrollBar().value()
        self.model.set_state(state, now, rows, marks)
        self._reselect(chosen, current)
        self.table.verticalScrollBar().setValue(scrolled)
        self._show_counts()
        self._show_header(now)
        self._update_actions()
        if self.handover_dialog is not None:
            self.handover_dialog.set_state(state)

    def refresh_clock(self) -> None:
        """Move the countdowns to the clock's time (every second while shown)."""
        now = self._clock()
        self.model.tick(now)
        self._show_header(now)

    def set_filter(self, which: QueueFilter) -> None:
        """Show my, unassigned or all tickets."""
        chosen = {t.ref for t in self.selected_tickets()}
        current = self._current_cell()
        self.model.set_filter(which)
        self.filter_buttons[which].setChecked(True)
        self.table.empty_text = EMPTY_TEXT[which]
        self._reselect(chosen, current)
        self._show_counts()
        self._update_actions()

    def _show_header(self, now: datetime) -> None:
        headline, countdown, on_duty = duty_summary(self._state, now)
        self.duty_label.setText(headline)
        self.countdown_label.setText(countdown)
        dot = f"background: {'#1e8e3e' if on_duty else '#9aa0a6'}; border-radius: 5px;"
        if self.duty_dot.styleSheet() != dot:  # restyling every second would be waste
            self.duty_dot.setStyleSheet(dot)
        self.on_now_label.setText(on_now_text(self._state, now))
        stale = stale_text(self._state, now)
        self.stale_label.setText(stale)
        self.stale_banner.setVisible(bool(stale))

    def _show_counts(self) -> None:
        for which, button in self.filter_buttons.items():
            button.setText(f"{FILTER_LABELS[which]}  {self.model.count(which)}")
        shown = self.model.rowCount()
        self.count_label.setText(f"{shown} ticket{'' if shown == 1 else 's'}")

    # -- selection -----------------------------------------------------------------------

    def selected_tickets(self) -> list[Ticket]:
        """The selected tickets, in table order."""
        return [self.model.ticket_at(r) for r in self.selected_rows()]

    def selected_rows(self) -> list[int]:
        """The selected rows, in order.

        Read from the selection's ranges: `selectedRows()` asks the model for its column
        count once per row, which takes seconds with 10,000 rows selected.
        """
        selection = self.table.selectionModel().selection()
        rows: set[int] = set()
        for i in range(selection.count()):
            span = selection.at(i)
            rows.update(range(span.top(), span.bottom() + 1))
        return sorted(rows)

    def _current_cell(self) -> tuple[str, int] | None:
        """The current cell as (ticket ref, column): rows move between states, refs stay."""
        current = self.table.currentIndex()
        if not current.isValid():
            return None
        return (self.model.ticket_at(current.row()).ref, current.column())

    def _reselect(self, refs: set[str], current: tuple[str, int] | None) -> None:
        """Select the rows of *refs* again after a reset (in one call, runs merged).

        The current cell comes back on its ticket and in its column: a poll must not
        move the keyboard's place (arrow keys, type-to-search in the Key column).
        """
        rows = self.model.rows_of(refs | ({current[0]} if current else set()))
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for start, end in _runs(sorted(rows[r] for r in refs if r in rows)):
            selection.select(self.model.index(start, 0), self.model.index(end, last))
        flags = QItemSelectionModel.SelectionFlag
        model = self.table.selectionModel()
        if current is not None and current[0] in rows:
            index = self.model.index(rows[current[0]], current[1])
            model.setCurrentIndex(index, flags.NoUpdate)
        model.select(selection, flags.ClearAndSelect | flags.Rows)

    def focus_ticket(self, ref: str) -> bool:
        """Select the ticket with this ref, id or key (switching to All if hidden)."""
        if self.model.row_of(ref) is None and self.model.has_ticket(ref):
            self.set_filter(QueueFilter.ALL)
        row = self.model.row_of(ref)
        if row is None:
            self._notify(f"{ref} is no longer in the queue")
            return False
        index = self.model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag
        self.table.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
        self.table.scrollTo(index)
        self.table.setFocus()
        return True

    def _notify(self, text: str) -> None:
        """A line under the table about the last action; "" hides it."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _selection_changed(self) -> None:
        """Say why a lone selected action failed (the State column has little room)."""
        rows = self.selected_rows()
        entry = self.model.entry_at(rows[0]) if len(rows) == 1 else None
        if entry is not None and entry.state is OutboxState.FAILED:
            ticket = self.model.ticket_at(rows[0])
            self._notify(
                f"{ticket.key}: {entry.last_error} — press Retry (Ctrl+R) to send it again"
            )
        else:
            self._notify("")
        self._update_actions()

    def _update_actions(self) -> None:
        tickets = self.selected_tickets()
        entries = [self.model.entry_at(r) for r in self.selected_rows()]
        pending = {(e.action.source, e.action.ticket_id) for e in entries if e is not None}
        self.acknowledge_action.setEnabled(
            any(not t.acknowledged and (t.source, t.id) not in pending for t in tickets)
        )
        self.handover_action.setEnabled(
            self._state.me is not None and self.model.count(QueueFilter.ALL) > 0
        )
        self.open_action.setEnabled(any(_web_url(t) is not None for t in tickets))
        self.snooze_action.setEnabled(bool(tickets))
        failed = [e for e in entries if e is not None and e.state is OutboxState.FAILED]
        self.retry_action.setEnabled(bool(failed))
        self.retry_button.setVisible(any(e.state is OutboxState.FAILED for e in self._state.outbox))

    # -- actions -------------------------------------------------------------------------

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
        self.set_state(self._control.state())
        if problems:  # after set_state, whose new selection clears the line
            self._notify(f"Could not {verb} " + "; ".join(problems))

    def acknowledge_selected(self) -> None:
        """Acknowledge every selected ticket that is not acknowledged yet."""
        if not self.acknowledge_action.isEnabled():
            return
        pending = {(e.action.source, e.action.ticket_id) for e in self._state.outbox}
        todo = [
            t
            for t in self.selected_tickets()
            if not t.acknowledged and (t.source, t.id) not in pending
        ]
        self._each("acknowledge", todo, self._control.acknowledge)

    def snooze_selected(self) -> None:
        """Silence the selected tickets' alerts for 30 minutes."""
        until = self._clock() + SNOOZE_FOR
        self._each("snooze", self.selected_tickets(), lambda t: self._control.snooze(t, until))

    def retry_selected(self) -> None:
        """Send the selected rows' failed actions again."""
        for entry in (self.model.entry_at(r) for r in self.selected_rows()):
            if entry is not None and entry.state is OutboxState.FAILED:
                self._control.retry(entry.id)
        self.set_state(self._control.state())

    def open_selected(self) -> None:
        """Open the selected tickets' pages; only http and https links are followed."""
        skipped = []
        for ticket in self.selected_tickets():
            url = _web_url(ticket)
            if url is None:
                skipped.append(ticket.key)
            else:
                self._open_url(url)
        if skipped:
            self._notify(f"No web link to open for {', '.join(skipped)}")

    def hand_over_selected(self) -> None:
        """Open the handover dialog on the selected tickets (my open ones if none)."""
        if not self.handover_action.isEnabled():
            return
        if self.handover_dialog is not None:
            self.handover_dialog.raise_()
            return
        dialog = HandoverDialog(
            self._control, tickets=self.selected_tickets() or None, clock=self._clock, parent=self
        )
        dialog.finished.connect(self._handover_closed)
        self.handover_dialog = dialog
        dialog.open()

    def _handover_closed(self) -> None:
        if self.handover_dialog is not None:
            self.handover_dialog.deleteLater()
        self.handover_dialog = None
        self.set_state(self._control.state())

    # -- showing -------------------------------------------------------------------------

    def show_near(self, anchor: QRect | None = None) -> None:
        """Show the window beside the tray icon's *anchor* (bottom-right without one)."""
        screen = None
        if anchor is not None and anchor.isValid():
            screen = QGuiApplication.screenAt(anchor.center())
        screen = screen or self.screen() or QGuiApplication.primaryScreen()
        # Before the first show the frame is unknown; allow for a typical title bar.
        frame = self.frameGeometry().size() if self.isVisible() else self.size() + QSize(2, 32)
        self.move(place_near(frame, anchor, screen.availableGeometry()))
        if self.isVisible():
            self.raise_()  # a window being shown is mapped on top anyway
        self.show()
        self.activateWindow()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Catch up with the time spent hidden, tick every second, and focus the table."""
        super().showEvent(event)
        self.refresh_clock()
        self.timer.start()
        if not self.table.selectionModel().hasSelection() and self.model.rowCount():
            self.focus_ticket(self.model.ticket_at(0).ref)
        self.table.setFocus()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        """Stop ticking, and remember the size."""
        self.timer.stop()
        self._save()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Closing hides: the app lives on in the tray."""
        event.ignore()
        self.hide()

    # -- remembering ---------------------------------------------------------------------

    def _settings_path(self) -> Path:
        return self._state_file or paths.data_dir() / STATE_FILE_NAME

    def _restore(self) -> None:
        """The size and filter of last time, or the defaults."""
        size, which = DEFAULT_SIZE, QueueFilter.ALL
        try:
            saved = json.loads(self._settings_path().read_text(encoding="utf-8"))
            size = QSize(int(saved["width"]), int(saved["height"])).expandedTo(self.minimumSize())
            which = QueueFilter(saved.get("filter", "all"))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("ignoring %s: %s", self._settings_path(), error)
        self.resize(size)
        self.set_filter(which)

    def _save(self) -> None:
        path = self._settings_path()
        data = {"width": self.width(), "height": self.height(), "filter": str(self.model.filter)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            scratch = path.with_suffix(".tmp")
            scratch.write_text(json.dumps(data), encoding="utf-8")
            scratch.replace(path)
        except OSError as error:  # only the size is lost
            log.warning("could not save the window size to %s: %s", path, error)


def _banner(kind: str) -> tuple[QFrame, QLabel]:
    frame = QFrame()
    frame.setObjectName(f"{kind}-banner")
    colours = {
        "demo": ("#e8f0fe", "#aecbfa", "#174ea6"),
        "stale": ("#fff4d6", "#f0c36d", "#5c3b00"),
    }
    back, border, ink = colours[kind]
    name = f"QFrame#{kind}-banner"
    frame.setStyleSheet(
        f"{name} {{ background: {back}; border: 1px solid {border}; border-radius: 4px; }}"
        f" {name} QLabel {{ color: {ink}; }}"
    )
    layout = QHBoxLayout(frame)
    layout.setContentsMargins(8, 4, 8, 4)
    label = plain_label(parent=frame)
    label.setWordWrap(True)
    layout.addWidget(label, 1)
    frame.hide()
    return frame, label


def _button(action: QAction, parent: QWidget) -> QPushButton:
    """A push button that mirrors *action* (QPushButton cannot take an action itself)."""
    button = QPushButton(action.text(), parent)
    button.setToolTip(action.toolTip())
    button.setAutoDefault(False)
    button.clicked.connect(action.trigger)
    action.enabledChanged.connect(button.setEnabled)
    button.setEnabled(action.isEnabled())
    return button


def _web_url(ticket: Ticket) -> QUrl | None:
    """The ticket's page, if it is an http(s) link; nothing else is handed to the desktop."""
    url = QUrl(ticket.url, QUrl.ParsingMode.StrictMode)
    if url.isValid() and url.scheme().lower() in WEB_SCHEMES and url.host():
        return url
    return None


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
