"""Several sources in the real tray app: one stops answering, the tray and the window say which.

The CLI half is tests/test_cli_sources.py; this is the GUI half, on the same team: two
demo-team servers in this process on two ports, on fake clocks held one scenario minute
in (DEMO-1001..1004 open on both, nothing moves). "alpha" serves the rotation and its
queue, "beta" only its queue. The app is the real composition (`running_app`), on a fake
clock of its own that a test moves on to give beta's saved data an age; the scheduler's
timers count on the wall clock whatever it says, so nothing waits for a poll interval:
a refresh is asked for from the tray's menu, as a user would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.two_sources import SCRIPT_MINUTE_IN, held_server, write_config
from tests.ui.test_app import TIMEOUT_MS, Outside, close_message_boxes, held_clock
from traysupport import app as tray_module
from traysupport.config import load_config
from traysupport.core.model import ActionKind, SourceStatus, Ticket
from traysupport.demo import DemoServer
from traysupport.service import ServiceState
from traysupport.service.model import PollSettings
from traysupport.service.polljobs import job_id
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui import icons
from traysupport.ui.presenter import TrayView
from traysupport.ui.queue_model import PENDING_TEXT, Column, age_text
from traysupport.ui.source_health import when

pytestmark = pytest.mark.qt_log_ignore(
    "systemTrayWindowChanged",
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
)

OUTAGE = timedelta(minutes=5)
"""How far the app's clock moves on once beta is stopped: the age its data is shown with."""
KEYS = {"DEMO-1001", "DEMO-1002", "DEMO-1003", "DEMO-1004"}
ALPHA_MOVES_ON = timedelta(minutes=30)
"""How far alpha's own team moves on while beta is down: new tickets arrive every 4-10
scenario minutes from +2 min, so at least two."""


@dataclass
class Running:
    """The app on the two-server team, and what the tray icon was last given to show."""

    app: tray_module.TrayApp
    clock: FakeClock
    alpha: DemoServer
    alpha_clock: FakeClock
    beta: DemoServer
    views: list[TrayView] = field(default_factory=list)

    @property
    def state(self) -> ServiceState | None:
        return self.app.listener.latest

    def source(self, name: str) -> SourceStatus | None:
        state = self.state
        sources = () if state is None else state.snapshot.sources
        return next((s for s in sources if s.name == name), None)

    def ok(self, name: str) -> bool:
        source = self.source(name)
        return source is not None and source.ok

    def listed(self) -> dict[str, Ticket]:
        """The tickets in the window's model, by ref."""
        model = self.app.window.model
        return {t.ref: t for t in (model.ticket_at(r) for r in range(model.rowCount()))}

    def refresh_from_the_tray(self) -> None:
        refresh = next(a for a in self.app.tray.menu.actions() if a.objectName() == "refresh")
        refresh.trigger()

    def sources_menu(self) -> QMenu:
        menu = self.app.tray.menu.findChild(QMenu, "sources-menu")
        assert menu is not None
        return menu

    def wait_for_both(self, qtbot: QtBot) -> None:
        """Until both sources have answered and their tickets are in the window."""
        wanted = {f"{s}:{k.removeprefix('DEMO-')}" for s in ("alpha", "beta") for k in KEYS}
        qtbot.waitUntil(
            lambda: self.ok("alpha") and self.ok("beta") and set(self.listed()) >= wanted,
            timeout=TIMEOUT_MS,
        )

    def stop_beta(self, qtbot: QtBot) -> None:
        """Stop beta's server, move the clock on, refresh; until beta is seen down."""
        self.beta.stop()
        self.clock.now += OUTAGE
        self.refresh_from_the_tray()

        def seen() -> bool:
            beta = self.source("beta")
            return beta is not None and not beta.ok and beta.failures >= 1

        qtbot.waitUntil(seen, timeout=TIMEOUT_MS)


@pytest.fixture
def running(qtbot: QtBot, tmp_path: Path) -> Iterator[Running]:
    start = datetime.now(UTC).replace(microsecond=0) - SCRIPT_MINUTE_IN
    (alpha, alpha_clock), (beta, _) = held_server(start), held_server(start)
    alpha.start()
    try:
        beta.start()
        config = load_config(write_config(tmp_path / "config.toml", alpha, beta))
        clock = held_clock()
        with tray_module.running_app(config, hooks=Outside().hooks(), clock=clock) as app:
            run = Running(app, clock, alpha, alpha_clock, beta)
            update = app.tray.update

            def recording(view: TrayView) -> None:
                run.views.append(view)
                update(view)

            app.tray.update = recording  # type: ignore[method-assign]  # what the icon shows
            yield run
        close_message_boxes()
    finally:
        alpha.stop()
        beta.stop()  # again, when a test stopped it: a no-op


def test_a_stopped_server_marks_only_its_source_down_in_the_tray_and_the_window(
    qtbot: QtBot, running: Running
) -> None:
    app, window = running.app, running.app.window
    running.wait_for_both(qtbot)
    both = {(t.source, t.key) for t in running.listed().values() if t.key == "DEMO-1004"}
    assert both == {("alpha", "DEMO-1004"), ("beta", "DEMO-1004")}  # two rows, told apart
    answered_at = running.clock()
    assert running.source("beta") == SourceStatus(
        "beta", ok=True, last_ok_at=answered_at, provider="team-api", roles=("queue",)
    )
    assert not window.stale_banner.isVisibleTo(window)

    running.stop_beta(qtbot)

    now = running.clock()
    # The tray: one source down, the mark on the icon, the submenu says which.
    view = running.views[-1]
    assert view.sources_down == 1
    menu = running.sources_menu()
    assert menu.title() == "So&urces — 1 down"
    alpha_item, beta_item = (a.text() for a in menu.actions())
    assert alpha_item == "alpha (team-api, rotation, queue): ok"
    tz = app.control.state().settings.tz
    assert beta_item.startswith(f"beta (team-api, queue): down since {when(answered_at, now, tz)}")
    dark = icons.panel_is_dark()
    mask = icons.use_mask(view.tray_state)
    marked = icons.tray_icon(view.tray_state, view.badge, dark, mask, warning=True)
    assert app.tray.tray.icon().cacheKey() == marked.cacheKey()
    assert app.tray.tray.toolTip().startswith("1 of 2 sources down")
    # The window: beta's line with its data's age; its tickets kept, with their ages.
    assert window.stale_banner.isVisibleTo(window)
    heading, line = window.stale_label.text().split("\n")
    assert heading == "1 of 2 sources down"
    since = when(answered_at, now, tz)
    assert line.startswith(f"beta: no answer since {since} (data 5 min old) — ")
    assert "alpha" not in line
    listed = running.listed()
    assert {t.key for t in listed.values() if t.source == "beta"} == KEYS
    model = window.model
    for ref in ("beta:1001", "beta:1004"):
        row = model.row_of(ref)
        assert row is not None
        age = model.data(model.index(row, Column.AGE))
        assert age == age_text(listed[ref].created_at, now) != ""

    # Alpha keeps answering: what its team does meanwhile reaches the window...
    running.alpha_clock.now += ALPHA_MOVES_ON
    running.refresh_from_the_tray()

    def alpha_moved_on() -> bool:
        beta = running.source("beta")
        news = [t for t in running.listed().values() if t.source == "alpha" and t.key not in KEYS]
        return bool(news) and beta is not None and beta.failures >= 2

    qtbot.waitUntil(alpha_moved_on, timeout=TIMEOUT_MS)
    assert running.ok("alpha")
    assert running.source("beta").last_ok_at == answered_at  # type: ignore[union-attr]
    assert {t.key for t in running.listed().values() if t.source == "beta"} == KEYS
    # ...and its poll job stays on its interval, while beta's has backed off.
    poll = PollSettings()
    on_time = timedelta(seconds=poll.queue_seconds * (1 + poll.jitter))
    scheduler, wall = app.home.scheduler, datetime.now(UTC)
    alpha_next = scheduler.get_job(job_id("alpha", "queue")).next_run_time
    beta_next = scheduler.get_job(job_id("beta", "queue")).next_run_time
    assert alpha_next - wall <= on_time < beta_next - wall


def _entry(state: ServiceState | None, source: str, ticket_id: str) -> OutboxEntry | None:
    outbox = () if state is None else state.outbox
    found = (e for e in outbox if (e.action.source, e.action.ticket_id) == (source, ticket_id))
    return next(found, None)


def test_acknowledging_a_ticket_of_the_source_that_is_down_stays_pending(
    qtbot: QtBot, running: Running
) -> None:
    running.wait_for_both(qtbot)
    running.stop_beta(qtbot)
    ticket = running.listed()["beta:1004"]
    window = running.app.window
    running.app.show_window(ticket.ref)
    qtbot.waitUntil(lambda: window.selected_tickets() == [ticket], timeout=TIMEOUT_MS)

    qtbot.keyClick(window.table, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]

    def tried() -> bool:  # sent once, and it failed: beta does not answer
        entry = _entry(running.state, "beta", "1004")
        return entry is not None and entry.attempts >= 1

    qtbot.waitUntil(tried, timeout=TIMEOUT_MS)
    entry = _entry(running.state, "beta", "1004")
    assert entry is not None
    assert entry.state is OutboxState.PENDING, entry  # to be sent again, not failed, not done
    assert "beta" in entry.last_error
    model = window.model
    row = model.row_of("beta:1004")
    assert row is not None
    assert model.data(model.index(row, Column.STATE)) == PENDING_TEXT[ActionKind.ACKNOWLEDGE]
    # Nothing went to alpha's DEMO-1004.
    assert _entry(running.state, "alpha", "1004") is None
    assert running.alpha.team.ticket("1004")["status"] == "new"
    assert running.alpha.team.ticket("1004")["acknowledged_by"] is None
