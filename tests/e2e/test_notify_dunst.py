"""Notifications for real: a `Notifier` in a Qt program on Xvfb, talking to dunst over a
private session bus, next to a tray icon in trayer.

The Qt program is `tests.e2e.notify_helper`, run as a subprocess: it needs the xcb
platform on the desktop's display, while the rest of the suite runs offscreen. The
alerts it shows come from the real alert rules on a real snapshot.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import desktop as the_desktop
from tests.e2e.desktop import Desktop, wait_for
from traysupport.core import alerts as rules
from traysupport.core.model import Alert, AlertKind, Priority, Snapshot, Ticket, TicketStatus

pytestmark = pytest.mark.e2e
desktop = the_desktop.desktop  # the fixture

EVENT_TIMEOUT = 15.0
NOW = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)
HOSTILE_TITLE = 'Checkout <b>fails</b> & "pay" <a href="http://x">now</a>'
"""Markup in a ticket title: it must arrive escaped and show as text."""


def p1_ticket(title: str = HOSTILE_TITLE, minutes_old: int = 5) -> Ticket:
    return Ticket(
        id="1004",
        key="DEMO-1004",
        title=title,
        priority=Priority.P1,
        status=TicketStatus.NEW,
        created_at=NOW - timedelta(minutes=minutes_old),
        source="demo",
    )


def alerts_at(ticket: Ticket, now: datetime, kind: AlertKind) -> list[Alert]:
    """The alerts of *kind* the real rules raise for *ticket* at *now* (off duty, P1)."""
    snapshot = Snapshot(taken_at=now, tickets=(ticket,))
    found = rules.evaluate(None, snapshot, now, None, rules.AlertSettings(), ())
    return [alert for alert in found if alert.kind is kind]


class Helper:
    """The notify helper program: commands in on stdin, events out on stdout."""

    def __init__(self, desktop: Desktop, tray: bool) -> None:
        args = [sys.executable, "-m", "tests.e2e.notify_helper", *(["--tray"] if tray else [])]
        self.log = desktop.folder / "helper.log"
        with self.log.open("wb") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                args,
                env=desktop.env,
                cwd=Path(__file__).parents[2],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._events.put(json.loads(line))

    def send(self, **command: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def show(self, alerts: list[Alert]) -> dict[str, Any]:
        self.send(show=[asdict(alert) for alert in alerts])
        return self.expect("shown")

    def expect(self, event: str) -> dict[str, Any]:
        """The next event, which must be *event*."""
        try:
            got = self._events.get(timeout=EVENT_TIMEOUT)
        except queue.Empty:
            log = self.log.read_text("utf-8", errors="replace")
            raise AssertionError(f"no {event!r} from the helper; its log:\n{log}") from None
        assert got["event"] == event, got
        return got

    def stop(self) -> None:
        if self.process.poll() is None:
            self.send(quit=True)
            self.expect("closed")
            self.process.wait(EVENT_TIMEOUT)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.stdout.close()
        assert self.process.stderr is None  # it went to a file
        log = self.log.read_text("utf-8", errors="replace")
        assert "traceback" not in log.lower() and "warning" not in log.lower(), log


@pytest.fixture
def helper(desktop: Desktop) -> Iterator[Helper]:
    started = Helper(desktop, tray=True)
    try:
        started.expect("ready")
        yield started
    finally:
        if started.process.poll() is None:
            started.stop()
        else:
            started.process.wait()


def test_a_p1_arrives_critical_with_escaped_text_and_its_acknowledge_comes_back(
    desktop: Desktop, helper: Helper, tmp_path: Path
) -> None:
    [alert] = alerts_at(p1_ticket(), NOW, AlertKind.NEW_TICKET)
    assert helper.show([alert])["channel"] == "desktop notifications"

    [got] = desktop.wait_received(1)
    assert got["app_name"] == "traysupport"
    assert got["urgency"] == "CRITICAL"
    assert got["summary"] == "New P1 DEMO-1004"
    first_line = got["body"].splitlines()[0]
    assert first_line == (
        "Checkout &lt;b&gt;fails&lt;/b&gt; &amp; &quot;pay&quot; "
        "&lt;a href=&quot;http://x&quot;&gt;now&lt;/a&gt;"
    )
    assert got["icon_path"].endswith(".png")
    wait_for(lambda: desktop.tray_embedded(helper.process.pid), "the tray icon in trayer")
    desktop.screenshot(tmp_path / "notification.png")

    desktop.invoke_action(got["id"], "acknowledge")
    action = helper.expect("action")
    assert action == {
        "event": "action",
        "key": alert.key,
        "action": "acknowledge",
        "gui_thread": True,
    }
    # dunst keeps a notification after a menu action (its own choice: a middle click
    # closes it); closed, it goes to the history, as the server keeps it.
    desktop.close_all()
    [closed] = [h for h in desktop.dunst_history() if h["id"] == int(got["id"])]
    assert closed["summary"] == got["summary"]
    assert closed["body"] == got["body"]
    # What dunst showed: the body's markup escaped, so it reads as the title's own text.
    assert "Checkout &lt;b&gt;fails" in closed["message"]
    assert desktop.displayed_count() == 0


def test_the_breach_replaces_the_warning_of_the_same_ticket(
    desktop: Desktop, helper: Helper
) -> None:
    ticket = p1_ticket("Payments API returns 502", minutes_old=50)
    [warning] = alerts_at(ticket, NOW, AlertKind.SLA_WARNING)
    helper.show([warning])
    [first] = desktop.wait_received(1)
    assert desktop.displayed_count() == 1

    [breach] = alerts_at(ticket, NOW + timedelta(minutes=15), AlertKind.SLA_BREACHED)
    helper.show([breach])
    second = desktop.wait_received(2)[1]
    assert second["summary"] == "P1 DEMO-1004: response SLA breached"
    # The warning was closed by the app, not left behind: one on screen, one in history.
    wait_for(
        lambda: [h["id"] for h in desktop.dunst_history()] == [int(first["id"])],
        "the warning to be withdrawn",
    )
    assert desktop.displayed_count() == 1

    desktop.invoke_action(second["id"], "default")
    assert helper.expect("action")["action"] == "default"
