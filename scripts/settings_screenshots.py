"""Screenshots of the settings window's pages, the source dialog and the welcome.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/settings_screenshots.py [OUT_DIR]

Writes settings-sources.png, settings-source-dialog.png, settings-notifications.png,
settings-general.png and welcome.png (default: docs/screenshots/), each a palette PNG
kept small. The sources are real: a team-API source against the embedded demo team's
server (its Test connection answer is real) and a Zendesk one from a team's defaults
file; the token lives in an in-memory keyring for the run, nothing is written to the
user's files.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import keyring
import keyring.backend
from PySide6.QtCore import QCoreApplication, QDeadlineTimer, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from traysupport.demo.server import DemoServer
from traysupport.tokens import SECRET_SERVICE
from traysupport.ui.settings_model import load_settings
from traysupport.ui.settings_window import SettingsWindow
from traysupport.ui.welcome import WelcomeDialog

TOKEN = "screenshot-token"


class _Keyring(keyring.backend.KeyringBackend):
    """Keeps the run's one token in memory."""

    priority = 1
    passwords: dict[tuple[str, str], str] = {}  # noqa: RUF012 - one run, one keyring

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


def save(widget: QWidget, path: Path) -> None:
    """*widget* as a palette PNG (a settings page has few colours: small files)."""
    image = (
        widget.grab()
        .toImage()
        .convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)
    )
    image.save(str(path), "PNG", 9)
    print(f"{path}: {path.stat().st_size // 1024} KB")


def settle(until: object = None, seconds: float = 20.0) -> None:
    """Run the event loop until *until()* is true (or for a moment)."""
    deadline = QDeadlineTimer(int(seconds * 1000))
    while not deadline.hasExpired():
        QCoreApplication.processEvents()
        if until is None or until():  # type: ignore[operator]
            break


def main(out: Path) -> None:
    """Take the screenshots into *out*."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("traysupport")
    keyring.set_keyring(_Keyring())
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, DemoServer(token=TOKEN) as server:
        _Keyring.passwords[(SECRET_SERVICE, "desk")] = TOKEN
        team = Path(folder) / "team-defaults.toml"
        team.write_text(
            'config_version = 2\n[alerts]\nduty_ending_minutes = 45\n\n[[source]]\nname = "zendesk"'
            '\nprovider = "zendesk"\nsubdomain = "acme"\nemail = "sam.rivera@example.com"\n'
            "view_id = 360001234\n"
        )
        config = Path(folder) / "config.toml"
        config.write_text(
            '# my settings\nconfig_version = 2\nme = "you"\n\n[alerts]\nquiet_hours = "22:00-07:00"'
            f'\n\n[[source]]\nname = "desk"\nprovider = "team-api"\nurl = "{server.url}"\n'
        )
        window = SettingsWindow(load_settings(config, team), pause=lambda _span: None)
        window.resize(760, 560)
        window.show()
        window.sources.list.setCurrentRow(1)
        window.sources.test_connection()
        settle(lambda: "Connected" in window.sources.answer.text())
        save(window, out / "settings-sources.png")
        window.sources.list.setCurrentRow(0)
        window.sources.edit()
        dialog = window.sources.dialog
        assert dialog is not None
        dialog.resize(640, 700)
        settle()
        save(dialog, out / "settings-source-dialog.png")
        dialog.reject()
        window.resize(760, 980)  # room for most of a page of settings
        for page in ("notifications", "general"):
            window.show_page(page)
            settle()
            save(window, out / f"settings-{page}.png")
        window.close()
        welcome = WelcomeDialog()
        welcome.show()
        settle()
        save(welcome, out / "welcome.png")
        welcome.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
