"""The first start: no settings file yet, so ask — try the demo team, or set up my team.

Shown once the app runs (on the demo team, which is what no settings means), not
modal: the tray works behind it. "Try the demo team" writes a settings file that
changes nothing (so the question is not asked again at the next start); "Set up my
team" opens the settings window's Sources page, with the providers of the team's
defaults file offered first when there is one.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

DEMO, SET_UP = "demo", "set-up"

INTRO = (
    "traysupport watches your support rotation and your team's ticket queue from the"
    " tray: it tells you when your shift starts, when a ticket arrives or nears its SLA,"
    " and lets you acknowledge or hand over a ticket in two clicks.\n\n"
    "There are no settings yet. Try it on a made-up team first, or connect your own."
)


def team_note(team_sources: Sequence[str]) -> str:
    """What the welcome says of a team's defaults declaring *team_sources* (names)."""
    if not team_sources:
        return ""
    return (
        f"Your team's defaults name {len(team_sources)} source"
        f"{'' if len(team_sources) == 1 else 's'} ({', '.join(team_sources)}): set up adds"
        " your API token to them."
    )


class WelcomeDialog(QDialog):
    """The two choices of a first start; `chosen(DEMO | SET_UP)` when one is taken."""

    chosen = Signal(str)

    def __init__(self, team_sources: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome")  # Qt adds " — traysupport"
        heading = QLabel("Welcome to traysupport")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.team = QLabel(team_note(team_sources))
        self.team.setWordWrap(True)
        self.team.setTextFormat(Qt.TextFormat.PlainText)
        self.team.setVisible(bool(team_sources))
        self.demo = QPushButton("Try the &demo team")
        self.demo.setToolTip("Made-up people and tickets, no server needed; set up later")
        self.set_up = QPushButton("&Set up my team")
        self.set_up.setToolTip("Add your ticket tool and rotation, with your API token")
        self.set_up.setDefault(True)
        self.demo.clicked.connect(self._demo)
        self.set_up.clicked.connect(self._set_up)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.demo)
        buttons.addWidget(self.set_up)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(self.team)
        layout.addStretch()
        layout.addLayout(buttons)
        self.resize(480, 220)

    @Slot()
    def _demo(self) -> None:
        self.chosen.emit(DEMO)
        self.accept()

    @Slot()
    def _set_up(self) -> None:
        self.chosen.emit(SET_UP)
        self.accept()
