"""A tiny Qt program around a real `Notifier`, driven by the e2e tests through pipes.

Run as ``python -m tests.e2e.notify_helper [--tray]`` in the desktop's environment (the
xcb platform on its Xvfb, its session bus); with ``--tray`` it shows a tray icon too and
gives it to the notifier, as the app does. It reads JSON commands from stdin, one a line:

- ``{"show": [alert, ...]}``: `Notifier.show` with these alerts (`Alert` fields);
- ``{"quit": true}``: close the notifier and exit.

It writes JSON events to stdout, one a line: ``{"event": "ready"}`` once running,
``{"event": "shown", "channel": ...}`` after each show, ``{"event": "action", "key":
..., "action": ..., "gui_thread": ...}`` for every `action_invoked`, and ``{"event":
"closed"}`` at the end. Log records go to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from traysupport.core.model import Alert, AlertAction, AlertKind, Urgency
from traysupport.ui import icons
from traysupport.ui.notify import Notifier
from traysupport.ui.presenter import TrayState

GIVE_UP_MS = 60_000
"""The helper ends itself if the test never says quit."""


def alert_from(data: dict[str, Any]) -> Alert:
    """An `Alert` from its JSON form (enum values as strings)."""
    return Alert(
        key=data["key"],
        kind=AlertKind(data["kind"]),
        title=data["title"],
        body=data["body"],
        urgency=Urgency(data["urgency"]),
        subject=data.get("subject", ""),
        actions=tuple(AlertAction(a) for a in data.get("actions", ())),
    )


def emit(event: str, **fields: object) -> None:
    """One event line on stdout."""
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


class Commands(QObject):
    """Reads stdin on a thread; hands each line to the GUI thread."""

    line = Signal(str)

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for text in sys.stdin:
            self.line.emit(text)
        self.line.emit('{"quit": true}')


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    app = QApplication(sys.argv)
    app.setApplicationName("traysupport")
    tray = None
    if "--tray" in sys.argv:
        tray = QSystemTrayIcon(icons.tray_icon(TrayState.SLA_BREACHED, badge=1), app)
        tray.setToolTip("traysupport")
        tray.show()
    notifier = Notifier(tray=tray)

    def acted(key: str, action: str) -> None:
        emit("action", key=key, action=action, gui_thread=QThread.currentThread() is app.thread())

    def command(text: str) -> None:
        order = json.loads(text)
        if order.get("quit"):
            notifier.close()
            emit("closed")
            app.quit()
            return
        notifier.show([alert_from(a) for a in order["show"]])
        emit("shown", channel=notifier.channel)

    notifier.action_invoked.connect(acted)
    commands = Commands()
    commands.line.connect(command, Qt.ConnectionType.QueuedConnection)
    commands.start()
    QTimer.singleShot(GIVE_UP_MS, app.quit)
    emit("ready")
    app.exec()
    notifier.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
