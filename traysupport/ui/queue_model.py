"""The queue as a Qt table: tickets by SLA time left, with countdowns and action states.

Speed matters here: a queue of 10,000 tickets is refreshed on every poll, and the window
ticks every second. So `set_state` does the per-ticket work once (one SLA clock, one
row tuple per ticket, ordered with the same key as `core.sla.urgency_order`) and
resets the model; `data()` formats only the cells the view asks for, which is the few
rows on screen; and `tick` moves the clock and repaints the two time columns, plus the
whole row of each ticket whose colours changed in between (a warning or a breach fell
due, a snooze ran out).

Filters (Mine / Unassigned / All) live inside the model rather than in a proxy: a list
comprehension over precomputed rows is far cheaper than a proxy mapping 10,000 rows.

The rows themselves are made in `queue_rows` (pure, on any thread); the cells are drawn
by the delegates in `queue_cells`.
"""

from __future__ import annotations

import bisect
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette

from traysupport.core.alerts import AlertSettings
from traysupport.core.alerts.review import is_new_since_review
from traysupport.core.model import Person, Ticket
from traysupport.core.sla import SlaState
from traysupport.core.timefmt import format_instant
from traysupport.service import ServiceState
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.queue_rows import (
    PENDING_TEXT,
    STATUS_TEXT,
    ChangeMarks,
    Row,
    Rows,
    age_text,
    build_rows,
    change_marks,
    entry_tip,
    sla_text,
    state_text,
)

__all__ = [
    "OUTBOX_ROLE",
    "PENDING_TEXT",
    "SLA_STATE_ROLE",
    "STATUS_TEXT",
    "TICKET_ROLE",
    "ChangeMarks",
    "Column",
    "QueueFilter",
    "QueueModel",
    "Rows",
    "age_text",
    "build_rows",
    "change_marks",
    "sla_text",
    "state_text",
]

TICKET_ROLE = Qt.ItemDataRole.UserRole + 1
"""The row's `Ticket`."""
OUTBOX_ROLE = Qt.ItemDataRole.UserRole + 2
"""The row's unconfirmed action (`OutboxEntry`), or None."""
SLA_STATE_ROLE = Qt.ItemDataRole.UserRole + 3
"""The row's `SlaState` at the model's `now`."""

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    """The table's columns, in order."""

    PRIORITY = 0
    KEY = 1
    TITLE = 2
    ASSIGNEE = 3
    STATE = 4
    AGE = 5
    SLA = 6


_COLUMNS = len(Column)  # Qt asks for the column count a lot; Enum.__len__ is slow
HEADERS = ("P", "Key", "Title", "Assignee", "State", "Age", "SLA")
HEADER_TIPS = (
    "Priority",
    "Ticket key",
    "Title",
    "Who the ticket is assigned to",
    "The ticket's status, or the state of your action on it",
    "Time since the ticket was opened",
    "Time left until the SLA deadline",
)


class QueueFilter(StrEnum):
    """Which tickets the table shows."""

    MINE = "mine"
    UNASSIGNED = "unassigned"
    ALL = "all"
    NEW = "new"
    """New since my last review (the review reminder opens the window on it)."""


# Fixed light tints with dark text on top: readable under a light and a dark palette alike.
_ROW_TINT = {
    SlaState.WARNING: QBrush(QColor("#fff4d6")),
    SlaState.BREACHED: QBrush(QColor("#fde4e1")),
}
_SLA_INK = {
    SlaState.WARNING: QBrush(QColor("#8a5300")),
    SlaState.BREACHED: QBrush(QColor("#b3261e")),
}
_TINTED_INK = QBrush(QColor("#1f1f1f"))
_FAILED_INK = QBrush(QColor("#b3261e"))


def _is(ticket: Ticket, ref: str) -> bool:
    return ref in (ticket.ref, ticket.id, ticket.key)


class QueueModel(QAbstractTableModel):
    """The open tickets, most urgent first, filtered to Mine / Unassigned / All."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._visible: list[Row] = []
        self._filter = QueueFilter.ALL
        self._me: Person | None = None
        self._settings = AlertSettings()
        self._tz: Any = None
        self._now: datetime | None = None
        self._counts = dict.fromkeys(QueueFilter, 0)
        self._changes: list[datetime] | None = None
        self._change_rows: list[int] = []
        self._bold, self._italic = QFont(), QFont()
        self._bold.setBold(True)
        self._italic.setItalic(True)

    # -- feeding -------------------------------------------------------------------------

    def set_state(
        self,
        state: ServiceState,
        now: datetime,
        rows: Rows | None = None,
        marks: ChangeMarks | None = None,
    ) -> None:
        """Replace every row with the tickets of *state*, as of *now*.

        *rows* is `build_rows(state, now)` and *marks* `change_marks(rows)`, made
        beforehand off the GUI thread, as the app does: at 10,000 tickets they cost
        ~20 ms and ~5 ms (the first tick after a reset would make the marks).
        """
        self.beginResetModel()
        self._me, self._tz, self._now = state.me, state.settings.tz, now
        self._settings = state.settings
        self._rows = build_rows(state, now) if rows is None else rows
        me_id = None if self._me is None else self._me.id
        self._counts = {
            QueueFilter.ALL: len(self._rows),
            QueueFilter.UNASSIGNED: sum(1 for r in self._rows if r.assignee_id is None),
            QueueFilter.MINE: 0
            if me_id is None
            else sum(1 for r in self._rows if r.assignee_id == me_id),
            QueueFilter.NEW: len(self._new_rows()),
        }
        self._refilter()
        if marks is not None and rows is not None and self._visible is rows:
            self._changes, self._change_rows = marks
        self.endResetModel()

    def set_filter(self, which: QueueFilter) -> None:
        """Show only my tickets, only unassigned ones, or all."""
        if which is self._filter:
            return
        self.beginResetModel()
        self._filter = which
        self._refilter()
        self.endResetModel()

    def _refilter(self) -> None:
        me_id = None if self._me is None else self._me.id
        if self._filter is QueueFilter.ALL:
            self._visible = self._rows
        elif self._filter is QueueFilter.UNASSIGNED:
            self._visible = [r for r in self._rows if r.assignee_id is None]
        elif self._filter is QueueFilter.NEW:
            self._visible = self._new_rows()
        else:
            self._visible = [r for r in self._rows if me_id is not None and r.assignee_id == me_id]
        self._changes = None  # built on the first tick: most resets are never ticked

    def _new_rows(self) -> list[Row]:
        """The rows of the tickets new since my last review (as the review reminder counts)."""
        return [r for r in self._rows if is_new_since_review(r.ticket, self._settings)]

    def tick(self, now: datetime) -> None:
        """Move the clock to *now*: repaint the time columns, and rows whose colours changed."""
        before, self._now = self._now, now
        if not self._visible:
            return
        last = len(self._visible) - 1
        self.dataChanged.emit(
            self.index(0, Column.AGE), self.index(last, Column.SLA), [Qt.ItemDataRole.DisplayRole]
        )
        if before is None or before == now:
            return
        for row in self._rows_changing_between(min(before, now), max(before, now)):
            self.dataChanged.emit(self.index(row, 0), self.index(row, _COLUMNS - 1))

    def _rows_changing_between(self, start: datetime, end: datetime) -> list[int]:
        """Visible rows with a warning, breach or snooze end in (start, end]."""
        if self._changes is None:
            self._changes, self._change_rows = change_marks(self._visible)
        lo = bisect.bisect_right(self._changes, start)
        hi = bisect.bisect_right(self._changes, end)
        return sorted(set(self._change_rows[lo:hi]))

    # -- reading -------------------------------------------------------------------------

    @property
    def filter(self) -> QueueFilter:
        """The filter in force."""
        return self._filter

    def count(self, which: QueueFilter) -> int:
        """How many tickets *which* would show."""
        return self._counts[which]

    def ticket_at(self, row: int) -> Ticket:
        """The ticket shown in *row*."""
        return self._visible[row].ticket

    def entry_at(self, row: int) -> OutboxEntry | None:
        """The unconfirmed action shown in *row*, if any."""
        return self._visible[row].entry

    def row_of(self, ref: str) -> int | None:
        """The visible row of the ticket with this ref, id or key, if it is shown."""
        return next((i for i, r in enumerate(self._visible) if _is(r.ticket, ref)), None)

    def rows_of(self, refs: set[str]) -> dict[str, int]:
        """The visible row of each ticket ref in *refs* that is shown."""
        if not refs:
            return {}
        # A ref is "source:id": look at the id first, so that a reset of 10,000 rows does
        # not make 10,000 refs (6 ms of the GUI thread) to find the one selected.
        ids = {ref[i + 1 :] for ref in refs for i, c in enumerate(ref) if c == ":"}
        return {
            r.ticket.ref: i
            for i, r in enumerate(self._visible)
            if r.ticket.id in ids and r.ticket.ref in refs
        }

    def has_ticket(self, ref: str) -> bool:
        """True when a ticket with this ref, id or key is in the queue, whatever the filter."""
        return any(_is(r.ticket, ref) for r in self._rows)

    # -- Qt model interface --------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Visible rows (none under a valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """The fixed columns."""
        return 0 if parent.isValid() else _COLUMNS

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles and their tooltips."""
        if orientation is not Qt.Orientation.Horizontal or not 0 <= section < _COLUMNS:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in (Column.AGE, Column.SLA):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """One cell's text, tooltip, colours or the row's objects."""
        if not index.isValid() or self._now is None:
            return None
        row = self._visible[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._colour(row, column, role)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.AGE, Column.SLA):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == TICKET_ROLE:
            return row.ticket
        if role == OUTBOX_ROLE:
            return row.entry
        if role == SLA_STATE_ROLE:
            return self._sla_state(row)
        return None

    def _sla_state(self, row: Row) -> SlaState:
        assert self._now is not None
        return SlaState.NONE if row.clock is None else row.clock.state(self._now)

    def _display(self, row: Row, column: int) -> str:
        assert self._now is not None
        if column == Column.AGE:
            return age_text(row.ticket.created_at, self._now)
        if column == Column.SLA:
            return sla_text(row.clock, self._now)
        if column == Column.STATE:
            return state_text(row, self._now)
        return (row.priority, row.key, row.title, row.assignee or "Unassigned")[column]

    def _tooltip(self, row: Row, column: int) -> str:
        """Plain text: the view shows it escaped (see queue_cells.PlainTextDelegate)."""
        assert self._now is not None
        if column == Column.SLA and row.clock is not None:
            kind = "Response" if row.clock.kind == "response" else "Resolution"
            due = format_instant(row.clock.breach_at, self._tz, self._now)
            return f"{kind} SLA due {due}"
        if column == Column.SLA:
            return "No SLA running (acknowledged, paused, or none for this priority)"
        if column == Column.STATE and row.entry is not None:
            return entry_tip(row.entry, self._tz, self._now) or row.title
        if column == Column.STATE and row.snoozed_until and row.snoozed_until > self._now:
            return f"Alerts snoozed until {format_instant(row.snoozed_until, self._tz, self._now)}"
        if column == Column.KEY and row.origin:
            return f"{row.ticket.key} — {row.origin}"
        return row.title

    def _colour(self, row: Row, column: int, role: int) -> QBrush | None:
        if (
            column == Column.STATE
            and row.entry is not None
            and role == Qt.ItemDataRole.ForegroundRole
        ):
            if row.entry.state is OutboxState.FAILED:
                return _FAILED_INK
            if self._sla_state(row) not in _ROW_TINT:
                return QGuiApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
        state = self._sla_state(row)
        if state not in _ROW_TINT:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return _ROW_TINT[state]
        return _SLA_INK[state] if column == Column.SLA else _TINTED_INK

    def _font(self, row: Row, column: int) -> QFont | None:
        if column == Column.SLA and self._sla_state(row) in _ROW_TINT:
            return self._bold
        if column == Column.STATE and row.entry is not None:
            return self._bold if row.entry.state is OutboxState.FAILED else self._italic
        return None
