"""The quick window: my duty, who is on, and the queue by SLA urgency, with its actions.

It is a normal small top-level window rather than a frameless popup: every window
manager gives it focus, it can be moved and resized, and Esc (or closing it) only hides
it. The clock ticks once a second while it is shown and not at all while it is hidden.

Its parts live beside it: the header (`queue_header`), the banner of failed actions
of tickets it does not list (`queue_not_sent`), the table and filter bar
(`queue_table`), the actions on the selection (`queue_commands`, with their bar in
`queue_actions`), the schedule tab (`schedule_view`), its memory (`queue_memory`) and
where it opens (`placement`); this module puts them together and feeds them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QHideEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMenuBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from traysupport import paths
from traysupport.core.model import Ticket
from traysupport.service import ServiceState, utc_now
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.handover_dialog import HandoverDialog
from traysupport.ui.placement import place_near
from traysupport.ui.ports import SupportControl
from traysupport.ui.queue_actions import SNOOZE_FOR, WEB_SCHEMES
from traysupport.ui.queue_commands import QueueCommands, UrlOpener
from traysupport.ui.queue_header import (
    DutyHeader,
    banner,
    duty_summary,
    on_now_text,
    plain_label,
    stale_text,
)
from traysupport.ui.queue_memory import DEFAULT_SIZE, STATE_FILE_NAME, load_view, save_view
from traysupport.ui.queue_model import ChangeMarks, QueueFilter, QueueModel, Rows
from traysupport.ui.queue_not_sent import NotSentBanner
from traysupport.ui.queue_table import (
    EMPTY_TEXT,
    FILTER_LABELS,
    FILTER_TIPS,
    FilterBar,
    QueueTable,
    build_table,
    current_cell,
    empty_text,
    reselect,
    selected_rows,
)
from traysupport.ui.schedule_view import schedule_tabs
from traysupport.ui.shortcuts import shortcut
from traysupport.ui.shortcuts_page import ShortcutsPage

__all__ = [
    "DEFAULT_SIZE",
    "EMPTY_TEXT",
    "FILTER_LABELS",
    "FILTER_TIPS",
    "SNOOZE_FOR",
    "STATE_FILE_NAME",
    "WEB_SCHEMES",
    "QueueTable",
    "QueueWindow",
    "UrlOpener",
    "duty_summary",
    "on_now_text",
    "place_near",
    "plain_label",
    "stale_text",
]

log = logging.getLogger(__name__)


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
        # Qt adds the application's name: "Queue — traysupport".
        self.setWindowTitle("Queue")
        self.setMinimumSize(720, 320)
        self._control, self._clock, self._open_url = control, clock, open_url
        self._state_file = state_file
        self._state = control.state()
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
        self.header = DutyHeader(self)
        self.duty_dot, self.duty_label = self.header.duty_dot, self.header.duty_label
        self.countdown_label = self.header.countdown_label
        self.on_now_label = self.header.on_now_label
        self.stale_banner, self.stale_label = self.header.stale_banner, self.header.stale_label
        root.addLayout(self.header.layout)
        self.demo_banner = self._build_demo_banner()
        root.addWidget(self.demo_banner)
        root.addWidget(self.stale_banner)
        self.not_sent = NotSentBanner(self, self._dismiss_unlisted)
        root.addWidget(self.not_sent.frame)
        self.filters = FilterBar(self, self.set_filter)
        self.filter_group, self.filter_buttons = self.filters.group, self.filters.buttons
        self.count_label = self.filters.count_label
        self.table = build_table(self.model, self)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.notice = plain_label(muted=True)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.commands = QueueCommands(
            self, self, self._control, clock=self._clock, open_url=self._open_url
        )
        self.table.acknowledge_requested.connect(self.commands.acknowledge)
        bar = self.actions_bar = self.commands.bar
        self.acknowledge_action, self.handover_action = bar.acknowledge, bar.handover
        self.open_action, self.snooze_action = bar.open, bar.snooze
        self.retry_action, self.retry_button = bar.retry, bar.retry_button
        self.dismiss_action, self.dismiss_button = bar.dismiss, bar.dismiss_button
        self.not_sent.fallback_focus = self.table
        self.hide_action, self.refresh_action = bar.hide, bar.refresh
        self.tabs, self.schedule = schedule_tabs(self, self._queue_page(), self._clock)
        # The action row acts on the table's selection: only while the table shows.
        self.tabs.currentChanged.connect(
            lambda i: bar.show_for_queue(self.tabs.widget(i) is not self.schedule)
        )
        root.addWidget(self.tabs, 1)
        root.setMenuBar(self._build_help_menu())

    def _build_help_menu(self) -> QMenuBar:
        """Help ▸ Keyboard shortcuts (F1): the page listing every key of `shortcuts`."""
        bar = QMenuBar(self)
        help_menu = bar.addMenu(shortcut("help").label)
        help_menu.setObjectName("help-menu")
        row = shortcut("shortcuts")
        self.shortcuts_action = QAction(row.label, self)
        self.shortcuts_action.setObjectName("shortcuts")
        self.shortcuts_action.setShortcuts([QKeySequence(k) for k in row.keys])
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.addAction(self.shortcuts_action)  # F1 works with the menu closed
        help_menu.addAction(self.shortcuts_action)
        self.shortcuts_page: ShortcutsPage | None = None
        return bar

    def show_shortcuts(self) -> None:
        """Show the Keyboard shortcuts page (one, brought forward if open)."""
        if self.shortcuts_page is None:
            self.shortcuts_page = ShortcutsPage(self)
        self.shortcuts_page.show()
        self.shortcuts_page.raise_()
        self.shortcuts_page.activateWindow()

    def _queue_page(self) -> QWidget:
        """The Queue tab: the filters over the table, the notice line and the action row."""
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(6, 6, 6, 6)  # off the tab frame
        layout.addLayout(self.filters.layout)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notice)
        layout.addLayout(self.actions_bar.layout)
        return page

    def _dismiss_unlisted(self, action_id: str) -> None:
        # Bound late: the commands' buttons are made after the table, for the Tab order.
        self.commands.dismiss_unlisted(action_id)

    def _build_demo_banner(self) -> QFrame:
        frame, label = banner("demo")
        label.setText("Demo team — set up your team to see your own rotation and queue.")
        button = QPushButton("Set up…", frame)
        button.setAutoDefault(False)
        button.clicked.connect(self.setup_requested.emit)
        layout = frame.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.addWidget(button)
        return frame

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
        current = current_cell(self.table, self.model)
        scrolled = self.table.verticalScrollBar().value()
        self.model.set_state(state, now, rows, marks)
        reselect(self.table, self.model, chosen, current)
        self.table.verticalScrollBar().setValue(scrolled)
        self.filters.show_counts(self.model)
        self.table.empty_text = empty_text(state, self.model.filter)
        self.header.show(self._state, now)
        self.not_sent.show(state)
        self._update_actions()
        self.schedule.set_state(state)
        if self.handover_dialog is not None:
            self.handover_dialog.set_state(state)

    def shown_state(self) -> ServiceState:
        """The state the window shows."""
        return self._state

    @property
    def handover_dialog(self) -> HandoverDialog | None:
        """The handover dialog opened from this window's action, while it is open."""
        return self.commands.handover_dialog

    def refresh_clock(self) -> None:
        """Move the countdowns to the clock's time (every second while shown)."""
        now = self._clock()
        self.model.tick(now)
        self.header.show(self._state, now)
        if self.schedule.isVisible():
            self.schedule.refresh()

    def show_schedule(self) -> None:
        """Turn to the Schedule tab (a duty line of the tray menu was chosen)."""
        self.tabs.setCurrentWidget(self.schedule)

    def set_filter(self, which: QueueFilter) -> None:
        """Show my, unassigned or all tickets."""
        chosen = {t.ref for t in self.selected_tickets()}
        current = current_cell(self.table, self.model)
        self.model.set_filter(which)
        self.filter_buttons[which].setChecked(True)
        self.table.empty_text = empty_text(self._state, which)
        reselect(self.table, self.model, chosen, current)
        self.filters.show_counts(self.model)
        self._update_actions()

    # -- selection -----------------------------------------------------------------------

    def selected_tickets(self) -> list[Ticket]:
        """The selected tickets, in table order."""
        return [self.model.ticket_at(r) for r in self.selected_rows()]

    def selected_rows(self) -> list[int]:
        """The selected rows, in order (read by ranges: see `queue_table.selected_rows`)."""
        return selected_rows(self.table)

    def selected_entries(self) -> list[OutboxEntry | None]:
        """The selected rows' outbox entries, in step with `selected_tickets`."""
        return [self.model.entry_at(r) for r in self.selected_rows()]

    def focus_ticket(self, ref: str) -> bool:
        """Select the ticket with this ref, id or key (switching to All if hidden)."""
        if self.model.row_of(ref) is None and self.model.has_ticket(ref):
            self.set_filter(QueueFilter.ALL)
        row = self.model.row_of(ref)
        if row is None:
            self.notify(f"{ref} is no longer in the queue")
            return False
        index = self.model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag
        self.table.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
        self.table.scrollTo(index)
        self.table.setFocus()
        return True

    def notify(self, text: str) -> None:
        """A line under the table about the last action; "" hides it."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _selection_changed(self) -> None:
        """Say why a lone selected action failed (the State column has little room)."""
        rows = self.selected_rows()
        entry = self.model.entry_at(rows[0]) if len(rows) == 1 else None
        if entry is not None and entry.state is OutboxState.FAILED:
            ticket = self.model.ticket_at(rows[0])
            self.notify(
                f"{ticket.key}: {entry.last_error} — press Retry (Ctrl+R) to send it again"
                " or Dismiss (Ctrl+D) to drop it"
            )
        else:
            self.notify("")
        self._update_actions()

    def _update_actions(self) -> None:
        tickets, entries = self.selected_tickets(), self.selected_entries()
        self.actions_bar.update(self._state, self.model, tickets, entries, self.not_sent.count)

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
        size, which = load_view(self._settings_path(), self.minimumSize())
        self.resize(size)
        self.set_filter(which)

    def _save(self) -> None:
        save_view(self._settings_path(), self.size(), self.model.filter)
