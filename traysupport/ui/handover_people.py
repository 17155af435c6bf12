"""The handover dialog's team list: the teammates who can receive tickets, whoever is next
on duty first and marked with when their shift starts, filtered by what is typed.

Names and emails come from servers: rows are drawn as plain text (`RoomyRows`).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from traysupport.core.duty import Duty
from traysupport.core.model import Person
from traysupport.core.timefmt import format_clock, format_instant, local
from traysupport.service import ServiceState
from traysupport.ui.handover_tickets import ITEM_ROLE, RoomyRows


def next_shift_text(person: Person, state: ServiceState, now: datetime) -> str:
    """ ", from Mon 17:00" for the person's next shift, or ""."""
    starts = [s.start for s in state.snapshot.shifts if s.person.id == person.id and s.end > now]
    if not starts:
        return ""
    start, tz = min(starts), state.settings.tz
    same_day = local(start, tz).date() == local(now, tz).date()
    return f", from {format_clock(start, tz) if same_day else format_instant(start, tz, now)}"


class TeamPicker(QListWidget):
    """The team but me, one row per person (its `ITEM_ROLE` data is the Person)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty list about five rows high; `fill` puts the team in."""
        super().__init__(parent)
        self.setItemDelegate(RoomyRows(self))
        self.setFixedHeight(self.fontMetrics().height() * 5 + 16)

    def fill(self, state: ServiceState, next_on: Person | None, status: Duty) -> None:
        """The team but me: *next_on* first (and chosen), then by name."""
        me_id = None if state.me is None else state.me.id
        next_id = None if next_on is None else next_on.id
        on_now = {s.person.id: s.role for s in status.on_now}
        others = [p for p in state.snapshot.people if p.id != me_id]
        others.sort(key=lambda p: (p.id != next_id, p.name.casefold()))
        for person in others:
            note = ""
            if person.id in on_now:
                note = f" — on duty now ({on_now[person.id]})"
            elif person.id == next_id:
                note = f" — next on duty{next_shift_text(person, state, status.now)}"
            item = QListWidgetItem(f"{person.name}{note}", self)
            item.setData(ITEM_ROLE, person)
            item.setToolTip(person.email or person.id)
        if next_id is not None:
            self.setCurrentRow(0)

    def chosen(self) -> Person | None:
        """The chosen teammate, if one is chosen and shown."""
        item = self.currentItem()
        if item is None or item.isHidden() or not item.isSelected():
            return None
        person = item.data(ITEM_ROLE)
        return person if isinstance(person, Person) else None

    def show_matching(self, text: str) -> None:
        """Hide teammates who do not match; keep a shown choice, else take the first match."""
        needle = text.strip().casefold()
        first = None
        for item in (self.item(i) for i in range(self.count())):
            person = item.data(ITEM_ROLE)
            item.setHidden(needle not in f"{person.name}\n{person.email}\n{person.id}".casefold())
            if first is None and not item.isHidden():
                first = item
        current = self.currentItem()
        if current is None or current.isHidden() or not current.isSelected():
            if first is None:
                self.clearSelection()
            else:
                self.setCurrentItem(first)
