"""The schedule tab: on now, next, my 14 days by local day, hand-overs, cleaned names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.conftest import FakeControl, team_state
from traysupport.core.alerts import AlertSettings
from traysupport.core.model import EARLIEST, LATEST, Person, Role, Shift, Snapshot
from traysupport.service import ServiceState
from traysupport.ui.queue_window import QueueWindow
from traysupport.ui.schedule_rows import schedule_lines
from traysupport.ui.schedule_view import ScheduleView

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)  # a Monday, 12:00 in Berlin
ME = Person("me", "Sam", "sam@example.com")
ANA = Person("ana", "Ana", "ana@example.com")
BO = Person("bo", "Bo", "bo@example.com")
H = timedelta(hours=1)


def _state(shifts: tuple[Shift, ...], me: Person | None = ME) -> ServiceState:
    return ServiceState(
        snapshot=Snapshot(taken_at=NOW, people=(ME, ANA, BO), shifts=shifts),
        me=me,
        outbox=(),
        settings=AlertSettings(tz=BERLIN),
    )


# Ana until 14:00 UTC, then me till 22:00; Bo covers the night out of hours; two days on
# I am on again after Ana.
WEEK = (
    Shift(ANA, NOW - 4 * H, NOW + 4 * H, Role.PRIMARY, "support"),
    Shift(ME, NOW + 4 * H, NOW + 12 * H, Role.PRIMARY, "support"),
    Shift(BO, NOW + 12 * H, NOW + 20 * H, Role.PRIMARY, "nights", out_of_hours=True),
    Shift(ANA, NOW + 44 * H, NOW + 52 * H, Role.PRIMARY, "support"),
    Shift(ME, NOW + 52 * H, NOW + 60 * H, Role.SECONDARY, "evenings", out_of_hours=True),
    Shift(ME, NOW + 20 * 24 * H, NOW + 21 * 24 * H, Role.PRIMARY, "support"),
)


def _texts(state: ServiceState, now: datetime = NOW) -> list[str]:
    return [line.text for line in schedule_lines(state, now, BERLIN)]


def test_on_now_and_next_hand_over() -> None:
    texts = _texts(_state(WEEK))
    assert texts[:2] == ["On now", "Primary (support): Ana, until 16:00"]
    # I take over at 16:00: "You", as in the On now lines, not my own name.
    assert texts[2:4] == ["Next", "Hand-over 16:00: You (Primary (support))"]


def test_my_shifts_by_local_day_with_hand_overs_and_out_of_hours() -> None:
    texts = _texts(_state(WEEK))
    mine = texts[texts.index("My shifts, next 14 days") + 1 :]
    assert mine == [
        "Mon 2 Jun",
        "16:00 to Tue 00:00 Primary (support)",
        "  ↳ from Ana",
        "  ↳ hand to Bo",
        "Wed 4 Jun",  # 14:00 UTC on the 4th is 16:00 in Berlin
        "16:00 to Thu 00:00 Secondary (evenings) · out of hours",
        "  ↳ from Ana",
        "  ↳ hand to nobody",
    ]  # the shift 20 days on is past the 14-day horizon


def test_local_day_follows_the_zone() -> None:
    # 23:30 UTC on Monday is already Tuesday in Berlin.
    late = (Shift(ME, NOW + 13.5 * H, NOW + 15 * H, Role.PRIMARY, "support"),)
    assert "Tue 3 Jun" in _texts(_state(late))


def test_empty_schedule_says_so() -> None:
    texts = _texts(_state(()))
    assert "Nobody is on duty now." in texts
    assert "No hand-over in the schedule." in texts
    assert texts[-1] == "No shifts of yours in the next 14 days."
    assert _texts(_state(WEEK, me=None))[-1] == "You are not on the team's rotation yet."


def test_hostile_names_are_clean() -> None:
    evil = Person("ana", "An\u202ea\n<b>x</b>\x07", "ana@example.com")
    shifts = (
        replace(WEEK[0], person=evil, rotation="sup\nport\u200f"),
        *WEEK[1:3],
    )
    texts = _texts(_state(shifts))
    assert "Primary (sup port): Ana <b>x</b>, until 16:00" in texts
    for text in texts:
        assert not any(c in text for c in "\u202e\u200f\n\x07")


def test_widget_shows_the_lines_and_follows_a_new_state(qtbot: QtBot) -> None:
    view = ScheduleView(lambda: NOW)
    qtbot.addWidget(view)
    view.set_state(_state(WEEK))
    assert "  ↳ hand to Bo" in view.texts()
    assert view.list.item(0).font().bold()
    view.set_state(_state(WEEK[:2]))
    assert "  ↳ hand to Bo" not in view.texts()
    assert "  ↳ hand to nobody" in view.texts()


def test_widget_follows_the_clock_when_refreshed(qtbot: QtBot) -> None:
    clock = [NOW]
    view = ScheduleView(lambda: clock[0])
    qtbot.addWidget(view)
    view.set_state(_state(WEEK))
    clock[0] = NOW + 5 * H  # my shift has started
    view.refresh()
    assert "Primary (support): You, until Tue 00:00" in view.texts()


def test_window_has_a_schedule_tab_reached_by_keyboard(qtbot: QtBot, control: FakeControl) -> None:
    window = QueueWindow(control, state_file=None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "&Queue",
        "&Schedule",
    ]
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.schedule
    assert "On now" in window.schedule.texts()
    window.set_state(team_state(me=None))
    assert window.schedule.texts()[-1] == "You are not on the team's rotation yet."


def test_a_rotation_of_many_short_turns_lists_the_first_thirty_and_counts_the_rest() -> None:
    # Hourly turns for two weeks (the demo at 20x has thousands): listing each with its
    # hand-overs held the GUI thread long enough that SIGTERM went unanswered.
    turns = tuple(
        Shift(ME if i % 2 == 0 else ANA, NOW + i * H, NOW + (i + 1) * H, Role.PRIMARY, "support")
        for i in range(1, 300)
    )
    texts = _texts(_state(turns))

    assert sum(1 for t in texts if t.endswith("Primary (support)")) == 30
    assert texts[-1] == "… and 119 more (traysupport shifts --mine lists them all)"


def test_a_permanent_on_call_reads_as_always_on_call_not_a_day_in_3000() -> None:
    # PagerDuty's null start and end, as the model holds them: EARLIEST..LATEST.
    always_me = Shift(ME, EARLIEST, LATEST, Role.SECONDARY, "Core EP")
    always_bo = Shift(BO, EARLIEST, LATEST, Role.SHADOW, "Core EP")
    texts = _texts(_state((WEEK[0], always_me, always_bo)))
    assert "Secondary (Core EP): You, always on call" in texts
    assert "Shadow (Core EP): Bo, always on call" in texts
    # The next hand-over is Ana's end, not the far future's.
    assert "Hand-over 16:00: nobody new" in texts
    mine = texts[texts.index("My shifts, next 14 days") + 1 :]
    assert mine == ["Always on call", "Secondary (Core EP)"]
    assert not any("1 Jan" in t or "3000" in t or "1900" in t for t in texts)


def test_an_on_call_with_a_start_and_no_end() -> None:
    open_end = Shift(ME, NOW + 4 * H, LATEST, Role.PRIMARY, "support")
    texts = _texts(_state((WEEK[0], open_end)))
    mine = texts[texts.index("My shifts, next 14 days") + 1 :]
    assert mine == ["Mon 2 Jun", "16:00, no end Primary (support)", "  ↳ from Ana"]
    assert "Hand-over 16:00: You (Primary (support))" in texts
    later = _texts(_state((WEEK[0], open_end)), NOW + 5 * H)
    assert "Primary (support): You, no end" in later
    assert "No hand-over in the schedule." in later


def test_an_on_call_with_no_start_is_listed_as_already_on_call() -> None:
    no_start = Shift(ME, EARLIEST, NOW + 4 * H, Role.PRIMARY, "support")
    texts = _texts(_state((no_start, WEEK[2])))
    mine = texts[texts.index("My shifts, next 14 days") + 1 :]
    assert mine == ["Already on call", "until 16:00 Primary (support)", "  ↳ hand to nobody"]
    assert "Primary (support): You, until 16:00" in texts
