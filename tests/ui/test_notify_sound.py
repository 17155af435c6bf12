"""Alert sounds: which notes sound (``alerts.sound``), and how each backend plays it.

The platform's notifications get the ``sound-file`` hint (a plain path, as the
freedesktop spec says and GNOME Shell reads it) for a note that sounds, and
``suppress-sound`` for one that must not (so a server that sounds by default stays
quiet); checked on a real session bus, through the real desktop-notifier, against a
server that records the hints it receives. The tray balloon beeps instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from tests.ui.notification_server import PrivateBus, missing, private_bus
from tests.ui.test_notify import DUTY_SOON, WAIT_MS, Recorder, p1, ticket_alert
from traysupport.core.model import AlertKind
from traysupport.sounds import alert_sound
from traysupport.ui.notify import Notifier, TrayBalloonBackend
from traysupport.ui.notify_dbus import NativeBackend

SOUND = alert_sound()


def test_by_default_critical_alerts_sound_and_the_rest_not(qtbot: QtBot) -> None:
    recorder = Recorder()
    made = Notifier(backends=[recorder])
    made.show([p1(1), ticket_alert(2), DUTY_SOON])
    assert [(n.key, n.sound) for n in recorder.shown] == [
        (p1(1).key, True),
        (ticket_alert(2).key, False),
        (DUTY_SOON.key, False),
    ]
    made.close()


def test_the_kinds_that_sound_are_chosen_and_changed_live(qtbot: QtBot) -> None:
    recorder = Recorder()
    made = Notifier(backends=[recorder], sounds=frozenset({"duty_soon"}))
    made.show([p1(1), DUTY_SOON])
    assert [n.sound for n in recorder.shown] == [False, True]
    made.set_sounds(frozenset({"critical", "new_ticket"}))
    made.show([ticket_alert(3)])
    assert recorder.shown[-1].sound
    made.close()


def test_a_summary_sounds_when_one_of_its_alerts_would(qtbot: QtBot) -> None:
    recorder = Recorder()
    made = Notifier(backends=[recorder])
    made.show([ticket_alert(n) for n in range(1, 6)])
    assert [(n.kind, n.sound) for n in recorder.shown] == [("summary", False)]
    made.set_sounds(frozenset({"sla_warning"}))
    made.show([*(ticket_alert(n) for n in range(11, 15)), ticket_alert(20, AlertKind.SLA_WARNING)])
    assert (recorder.shown[-1].kind, recorder.shown[-1].sound) == ("summary", True)
    made.close()


# -- on a real session bus ----------------------------------------------------------------


@pytest.fixture
def bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateBus]:
    if why := missing():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(why)
        pytest.skip(why)
    with private_bus(tmp_path, ["actions", "body", "body-markup", "sound"]) as running:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", running.address)
        yield running


def run_native(qtbot: QtBot, bus: PrivateBus, alerts: list[Any], sound: Path | None) -> None:
    backend = NativeBackend("traysupport", sound_file=sound)
    fallback = Recorder("fallback")
    made = Notifier(backends=[backend, fallback])
    try:
        made.show(alerts)
        qtbot.waitUntil(lambda: len(bus.received) == len(alerts), timeout=WAIT_MS)
    finally:
        made.close()
    assert fallback.shown == []


def test_a_p1_sends_the_sound_file_as_a_path_and_others_suppress_sound(
    qtbot: QtBot, bus: PrivateBus
) -> None:
    assert SOUND is not None
    run_native(qtbot, bus, [p1(1), ticket_alert(2)], SOUND)
    loud, quiet = bus.received
    assert loud.summary == "New P1 DEMO-1"
    assert loud.urgency == 2
    assert loud.hints["sound-file"] == str(SOUND)  # a path, not a file:// URI
    assert "suppress-sound" not in loud.hints
    assert quiet.hints["suppress-sound"] is True
    assert "sound-file" not in quiet.hints and "sound-name" not in quiet.hints


def test_without_the_file_a_p1_asks_for_the_themes_sound(qtbot: QtBot, bus: PrivateBus) -> None:
    run_native(qtbot, bus, [p1(1)], None)
    [loud] = bus.received
    assert loud.hints["sound-name"] == "message-new-instant"
    assert "sound-file" not in loud.hints


# -- the tray balloon ---------------------------------------------------------------------


def test_the_tray_balloon_beeps_for_a_note_that_sounds(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    tray = QSystemTrayIcon()
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(tray, "supportsMessages", lambda: True)
    monkeypatch.setattr(tray, "isVisible", lambda: True)
    shown: list[str] = []
    monkeypatch.setattr(tray, "showMessage", lambda title, *rest: shown.append(title))
    beeps: list[bool] = []
    balloon = TrayBalloonBackend(tray, beep=lambda: beeps.append(True))
    made = Notifier(backends=[balloon])
    made.show([ticket_alert(1)])
    assert beeps == []
    made.show([p1(2)])
    assert beeps == [True] and shown == ["New P2 DEMO-1", "New P1 DEMO-2"]
    made.close()
