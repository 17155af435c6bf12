"""The tray icon: its menu, what each item does, and life without a system tray."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.ui.conftest import NOW, FakeControl, team_state
from traysupport import paths
from traysupport.core.model import SourceStatus
from traysupport.ui import icons
from traysupport.ui.autostart import AutostartError
from traysupport.ui.presenter import TrayState, TrayView, tray_view
from traysupport.ui.tray import (
    RETRY_MS,
    TrayIcon,
    menu_text,
    next_morning,
    tray_missing_message,
)

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class FakeAutostart:
    """An in-memory Autostart backend; *broken* makes every change fail."""

    supported: bool = True
    enabled: bool = False
    broken: bool = False
    changes: list[bool] = field(default_factory=list)

    def is_supported(self) -> bool:
        return self.supported

    def why_unsupported(self) -> str:
        return "" if self.supported else "Start at login is not supported on Plan 9 yet."

    def is_enabled(self) -> bool:
        return self.enabled

    def set_enabled(self, enabled: bool) -> None:
        self.changes.append(enabled)
        if self.broken:
            raise AutostartError("Could not write the entry: read-only file system.")
        self.enabled = enabled


@dataclass
class Harness:
    tray: TrayIcon
    control: FakeControl
    clock: FakeClock
    autostart: FakeAutostart
    opened: list[QUrl]
    tray_there: list[bool]

    def item(self, name: str) -> QAction:
        found = self.tray.menu.findChild(QAction, name)
        if found is None:  # the pause submenu's items are children of the submenu
            sub = self.tray.menu.findChild(QMenu, "pause-menu")
            assert sub is not None
            found = sub.findChild(QAction, name)
        assert found is not None, name
        return found


@pytest.fixture
def harness(qtbot: QtBot, control: FakeControl) -> Iterator[Harness]:
    control.current = replace(
        control.current, settings=replace(control.current.settings, tz=BERLIN)
    )
    clock, autostart, opened, there = FakeClock(NOW), FakeAutostart(), [], [False]

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    tray = TrayIcon(
        control,
        now=clock,
        autostart=autostart,
        is_tray_available=lambda: there[0],
        open_url=open_url,
        desktop="ubuntu:GNOME",
    )
    yield Harness(tray, control, clock, autostart, opened, there)
    tray.close()
    tray.deleteLater()


def show(h: Harness, demo: bool = False) -> TrayView:
    view = tray_view(h.control.state(), h.clock(), BERLIN, demo=demo)
    h.tray.update(view)
    return view


def all_actions(menu: QMenu) -> Iterator[QAction]:
    for action in menu.actions():
        yield action
        if action.menu() is not None:
            yield from all_actions(action.menu())  # type: ignore[arg-type]


# -- the menu ------------------------------------------------------------------------------


def test_the_menu_lists_status_then_the_commands_in_order(harness: Harness) -> None:
    view = show(harness)
    entries = [
        a.objectName() or ("---" if a.isSeparator() else a.text())
        for a in harness.tray.menu.actions()
        if a.isVisible()
    ]
    assert entries == [
        *(f"status-{i}" for i in range(len(view.status_lines))),
        "status-end",
        "open-queue",
        "pause",
        "sources",
        "refresh",
        "---",
        "settings",
        "start-at-login",
        "log-folder",
        "---",
        "about",
        "quit",
    ]
    pause = harness.tray.menu.findChild(QMenu, "pause-menu")
    assert pause is not None
    assert [a.objectName() or "---" for a in pause.actions()] == [
        "pause-0",
        "pause-1",
        "pause-morning",
        "---",
        "resume",
    ]


def status_items(harness: Harness) -> list[QAction]:
    return [
        a
        for a in harness.tray.menu.actions()
        if a.isVisible() and a.objectName().startswith("status-") and a.objectName()[7:].isdigit()
    ]


def test_status_lines_are_replaced_on_each_update(harness: Harness) -> None:
    show(harness)
    assert [a.text() for a in status_items(harness)] == [
        "You: on duty as primary until Mon 19:00",
        "Next shift: none scheduled",
        "On now: you (primary), Mei Tanaka (shadow)",
    ]
    harness.clock.now = NOW + timedelta(hours=8)  # Jonas has taken over
    show(harness)
    assert [a.text() for a in status_items(harness)] == [
        "You: off duty",
        "Next shift: none scheduled",
        "On now: Jonas Becker (primary)",
    ]


def test_status_lines_read_as_normal_text_and_open_the_schedule(
    harness: Harness, qtbot: QtBot
) -> None:
    """Disabled items are drawn grey: the duty lines are the menu's most important ones."""
    show(harness)
    items = status_items(harness)
    assert items and all(a.isEnabled() for a in items)
    assert all(a.toolTip() == "Open the schedule" for a in items)
    with qtbot.waitSignal(harness.tray.open_schedule_requested, timeout=1000):
        items[0].trigger()


def test_every_action_has_a_parent(harness: Harness) -> None:
    show(harness, demo=True)
    actions = list(all_actions(harness.tray.menu))
    assert len(actions) > 15
    assert all(a.parent() is not None for a in actions)


def test_text_is_shown_as_written_not_as_shortcut_keys(harness: Harness) -> None:
    assert menu_text("Search & replace") == "Search && replace"
    state = harness.control.current
    people = tuple(
        replace(p, name="Tom & Jerry") if p.id == "mei" else p for p in state.snapshot.people
    )
    shifts = tuple(
        replace(s, person=replace(s.person, name="Tom & Jerry")) if s.person.id == "mei" else s
        for s in state.snapshot.shifts
    )
    snapshot = replace(state.snapshot, people=people, shifts=shifts)
    harness.control.current = replace(state, snapshot=snapshot)
    show(harness)
    texts = [a.text() for a in harness.tray.menu.actions()]
    assert "On now: you (primary), Tom && Jerry (shadow)" in texts


def test_the_demo_offers_to_set_up_the_team(harness: Harness, qtbot: QtBot) -> None:
    show(harness)
    assert not harness.item("demo").isVisible()
    show(harness, demo=True)
    demo = harness.item("demo")
    assert demo.isVisible() and demo.isEnabled()
    visible = [a for a in harness.tray.menu.actions() if a.isVisible()]
    assert visible[0] is demo
    assert visible[1].objectName() == "demo-end" and visible[1].isSeparator()
    with qtbot.waitSignal(harness.tray.settings_requested, timeout=1000):
        demo.trigger()


def test_the_icon_and_tooltip_follow_the_view(harness: Harness) -> None:
    view = show(harness)
    assert view.tray_state is TrayState.SLA_BREACHED
    expected = icons.tray_icon(view.tray_state, view.badge, icons.panel_is_dark("ubuntu:GNOME"))
    assert harness.tray.tray.icon().cacheKey() == expected.cacheKey()
    assert harness.tray.tray.toolTip() == view.tooltip
    harness.control.current = replace(
        harness.control.current, snapshot=replace(harness.control.current.snapshot, tickets=())
    )
    quiet = show(harness)
    assert quiet.tray_state is TrayState.ON_DUTY_QUIET
    assert harness.tray.tray.icon().cacheKey() != expected.cacheKey()


# -- what the items do ---------------------------------------------------------------------


def test_pausing_for_a_while_counts_from_the_clock(harness: Harness) -> None:
    show(harness)
    harness.item("pause-0").trigger()
    harness.clock.now = NOW + timedelta(minutes=7)
    harness.item("pause-1").trigger()
    assert harness.control.called("pause") == [
        (NOW + timedelta(minutes=30),),
        (NOW + timedelta(minutes=7, hours=1),),
    ]


def test_pausing_until_tomorrow_morning_is_nine_local_time(harness: Harness) -> None:
    show(harness)  # 12:00 in Berlin
    morning = harness.item("pause-morning")
    assert morning.text() == "Until 09:00 tomorrow"
    morning.trigger()
    assert harness.control.called("pause") == [(datetime(2031, 6, 3, 7, 0, tzinfo=UTC),)]


def test_before_nine_the_morning_pause_ends_today(harness: Harness) -> None:
    harness.clock.now = datetime(2031, 6, 2, 4, 30, tzinfo=UTC)  # 06:30 in Berlin
    harness.tray.menu.aboutToShow.emit()
    morning = harness.item("pause-morning")
    assert morning.text() == "Until 09:00"
    morning.trigger()
    assert harness.control.called("pause") == [(datetime(2031, 6, 2, 7, 0, tzinfo=UTC),)]


def test_the_morning_is_nine_local_across_a_dst_change() -> None:
    # Berlin puts its clocks forward at 02:00 on Sunday 30 March 2031.
    saturday_night = datetime(2031, 3, 29, 21, 0, tzinfo=UTC)  # 22:00 CET
    assert next_morning(saturday_night, BERLIN) == datetime(2031, 3, 30, 7, tzinfo=UTC)  # CEST
    saturday_early = datetime(2031, 3, 29, 7, 0, tzinfo=UTC)  # 08:00 CET, before nine
    assert next_morning(saturday_early, BERLIN) == datetime(2031, 3, 29, 8, tzinfo=UTC)


def test_resume_is_offered_only_while_paused(harness: Harness) -> None:
    show(harness)
    resume = harness.item("resume")
    assert not resume.isEnabled()
    settings = replace(harness.control.current.settings, paused_until=NOW + timedelta(hours=1))
    harness.control.current = replace(harness.control.current, settings=settings)
    show(harness)
    assert resume.isEnabled()
    resume.trigger()
    assert harness.control.called("pause") == [(None,)]


def test_refresh_asks_the_engine(harness: Harness) -> None:
    harness.item("refresh").trigger()
    assert harness.control.called("refresh_now") == [()]


@pytest.mark.parametrize(
    ("name", "signal"),
    [
        ("open-queue", "open_queue_requested"),
        ("settings", "settings_requested"),
        ("about", "about_requested"),
        ("quit", "quit_requested"),
    ],
)
def test_items_for_the_app_emit_their_signal(
    harness: Harness, qtbot: QtBot, name: str, signal: str
) -> None:
    with qtbot.waitSignal(getattr(harness.tray, signal), timeout=1000):
        harness.item(name).trigger()


def test_open_queue_is_the_default_item(harness: Harness) -> None:
    assert harness.tray.menu.defaultAction() is harness.item("open-queue")


def test_a_left_click_opens_the_queue_and_a_right_click_does_not(
    harness: Harness, qtbot: QtBot
) -> None:
    reason = QSystemTrayIcon.ActivationReason
    with qtbot.assertNotEmitted(harness.tray.open_queue_requested):
        harness.tray.tray.activated.emit(reason.Context)
    with qtbot.waitSignal(harness.tray.open_queue_requested, timeout=1000):
        harness.tray.tray.activated.emit(reason.Trigger)


def test_start_at_login_follows_the_backend(harness: Harness) -> None:
    login = harness.item("start-at-login")
    assert login.isCheckable() and not login.isChecked()
    login.trigger()
    assert harness.autostart.changes == [True]
    assert login.isChecked()
    harness.autostart.enabled = False  # changed behind our back, e.g. by deleting the file
    harness.tray.menu.aboutToShow.emit()
    assert not login.isChecked()


def test_start_at_login_that_fails_says_why_and_stays_off(harness: Harness, qtbot: QtBot) -> None:
    harness.autostart.broken = True
    login = harness.item("start-at-login")
    with qtbot.waitSignal(harness.tray.problem, timeout=1000) as said:
        login.trigger()
    assert not login.isChecked()
    assert "read-only file system" in said.args[0]


def test_start_at_login_is_greyed_out_where_unsupported(qtbot: QtBot, control: FakeControl) -> None:
    tray = TrayIcon(
        control, autostart=FakeAutostart(supported=False), is_tray_available=lambda: False
    )
    login = tray.menu.findChild(QAction, "start-at-login")
    assert login is not None
    assert not login.isEnabled()
    assert "not supported" in login.toolTip()
    tray.close()
    tray.deleteLater()


def test_open_log_folder_creates_and_opens_it(harness: Harness) -> None:
    folder = paths.log_dir()
    assert not folder.exists()
    harness.item("log-folder").trigger()
    assert folder.is_dir()
    assert harness.opened == [QUrl.fromLocalFile(str(folder))]


def test_a_log_folder_nobody_opens_is_reported(qtbot: QtBot, control: FakeControl) -> None:
    tray = TrayIcon(control, autostart=FakeAutostart(), open_url=lambda url: False)
    item = tray.menu.findChild(QAction, "log-folder")
    assert item is not None
    with qtbot.waitSignal(tray.problem, timeout=1000) as said:
        item.trigger()
    assert str(paths.log_dir()) in said.args[0]
    tray.close()
    tray.deleteLater()


# -- without a system tray -----------------------------------------------------------------


def test_without_a_tray_it_says_so_once_and_keeps_looking(harness: Harness, qtbot: QtBot) -> None:
    told: list[str] = []
    harness.tray.tray_unavailable.connect(told.append)
    harness.tray.start()
    assert len(told) == 1
    assert "AppIndicator" in told[0]
    timer = harness.tray.retry_timer
    assert timer.isActive()
    assert timer.interval() == RETRY_MS == 10_000
    with qtbot.assertNotEmitted(harness.tray.tray_available):
        timer.timeout.emit()
        timer.timeout.emit()
        harness.tray.start()
    assert len(told) == 1
    assert timer.isActive()
    assert not harness.tray.tray.isVisible()


@pytest.mark.qt_log_ignore("systemTrayWindowChanged")  # offscreen has no tray window
def test_the_icon_shows_once_a_tray_appears(harness: Harness, qtbot: QtBot) -> None:
    show(harness)
    harness.tray.start()
    harness.tray_there[0] = True
    with qtbot.waitSignal(harness.tray.tray_available, timeout=1000):
        harness.tray.retry_timer.timeout.emit()
    assert harness.tray.tray.isVisible()
    assert not harness.tray.retry_timer.isActive()


@pytest.mark.qt_log_ignore("systemTrayWindowChanged")
def test_with_a_tray_it_shows_at_once(harness: Harness, qtbot: QtBot) -> None:
    harness.tray_there[0] = True
    with qtbot.assertNotEmitted(harness.tray.tray_unavailable):
        harness.tray.start()
    assert harness.tray.tray.isVisible()
    assert not harness.tray.retry_timer.isActive()


def test_the_missing_tray_message_fits_the_desktop() -> None:
    gnome = tray_missing_message("ubuntu:GNOME")
    assert "gnome-shell-extension-appindicator" in gnome
    assert "log out" in gnome
    other = tray_missing_message("XFCE")
    assert "AppIndicator" not in other
    assert "this desktop (XFCE)" in other
    assert "appears by itself" in other
    assert "this desktop." in tray_missing_message("")


# -- several sources -----------------------------------------------------------------------

ROTA = SourceStatus(
    "pagerduty-primary", ok=True, last_ok_at=NOW, provider="pagerduty", roles=("rotation",)
)
ZENDESK = SourceStatus(
    "zendesk-eu",
    ok=False,
    last_ok_at=NOW - timedelta(minutes=12),
    error="timed out & gave up\n<b>retry</b>\x1b[2J",
    failures=3,
    provider="zendesk",
    roles=("queue",),
)
SENTRY = SourceStatus("sentry", ok=True, last_ok_at=NOW, provider="sentry", roles=("queue",))


def with_sources(h: Harness, *sources: SourceStatus) -> TrayView:
    h.control.current = replace(
        h.control.current,
        snapshot=replace(team_state().snapshot, sources=sources),
    )
    return show(h)


def sources_menu(h: Harness) -> QMenu:
    menu = h.tray.menu.findChild(QMenu, "sources-menu")
    assert menu is not None
    return menu


def test_the_sources_submenu_lists_each_source_and_its_state(harness: Harness) -> None:
    with_sources(harness, ROTA, ZENDESK, SENTRY)
    menu = sources_menu(harness)
    assert menu.title() == "So&urces — 1 down"
    items = menu.actions()
    assert [a.text() for a in items] == [
        "pagerduty-primary (pagerduty, rotation): ok",
        # Berlin is UTC+2: the last good fetch was at 09:48 UTC. Server text on one clean
        # line, its "&" shown as written.
        "zendesk-eu (zendesk, queue): down since 11:48 — timed out && gave up <b>retry</b>[2J",
        "sentry (sentry, queue): ok",
    ]
    assert all(not a.isEnabled() and a.parent() is menu for a in items)


def test_the_sources_submenu_follows_each_update(harness: Harness) -> None:
    with_sources(harness, ROTA, ZENDESK, SENTRY)
    before = sources_menu(harness).actions()
    recovered = replace(ZENDESK, ok=True, last_ok_at=NOW, error="", failures=0)
    with_sources(harness, ROTA, recovered)
    menu = sources_menu(harness)
    assert menu.title() == "So&urces"
    assert [a.text() for a in menu.actions()] == [
        "pagerduty-primary (pagerduty, rotation): ok",
        "zendesk-eu (zendesk, queue): ok",
    ]
    assert not set(before) & set(menu.actions())  # the old items are gone, not kept
    with_sources(harness)
    assert [a.text() for a in sources_menu(harness).actions()] == ["No sources yet"]


def test_a_source_down_marks_the_icon_and_the_tooltip_counts(harness: Harness) -> None:
    view = with_sources(harness, ROTA, ZENDESK, SENTRY)
    dark = icons.panel_is_dark("ubuntu:GNOME")
    marked = icons.tray_icon(view.tray_state, view.badge, dark, warning=True)
    assert harness.tray.tray.icon().cacheKey() == marked.cacheKey()
    tooltip = harness.tray.tray.toolTip()
    assert tooltip.startswith("1 of 3 sources down — showing data from 11:48 · ")
    for server_text in ("zendesk", "timed out", "<b>", "retry"):
        assert server_text not in tooltip
    calm = with_sources(harness, ROTA, SENTRY)
    plain = icons.tray_icon(calm.tray_state, calm.badge, dark)
    assert harness.tray.tray.icon().cacheKey() == plain.cacheKey()
    assert "down" not in harness.tray.tray.toolTip()


def test_a_source_still_connecting_is_no_warning(harness: Harness) -> None:
    starting = SourceStatus("zendesk-eu", ok=False, last_ok_at=NOW, provider="zendesk")
    view = with_sources(harness, ROTA, starting)
    assert view.sources_down == 0
    assert sources_menu(harness).title() == "So&urces"
    assert "showing data from 12:00" in sources_menu(harness).actions()[1].text()
