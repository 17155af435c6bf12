"""The done-when of issue 10 in the running app: from the demo team, a team-API source is
added through the settings window with its token, and its queue appears without a restart;
the token is in the keyring and in no file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from pytestqt.qtbot import QtBot

from tests.clock import FakeClock
from tests.keyrings import MemoryKeyring
from traysupport import app as tray_module
from traysupport import paths
from traysupport.config import Config, load_config
from traysupport.demo.server import DemoServer
from traysupport.tokens import SECRET_SERVICE

pytestmark = pytest.mark.qt_log_ignore(
    "systemTrayWindowChanged",
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
)

TOKEN = "desk-token-9Zq2-secret"
TIMEOUT_MS = 20_000


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_a_source_added_in_the_window_is_polled_without_a_restart(
    qtbot: QtBot, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAYSUPPORT_TEAM_DEFAULTS", raising=False)
    path = paths.config_file()
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    hooks = tray_module.Hooks(quit=lambda: None, is_tray_available=lambda: True)
    with (
        DemoServer(token=TOKEN) as server,
        tray_module.running_app(Config(), hooks=hooks, clock=clock, config_path=path) as app,
    ):
        app.tray.settings_requested.emit()
        window = app.settings.window
        assert window is not None
        window.sources.add()
        dialog = window.sources.dialog
        assert dialog is not None and dialog.form is not None
        dialog.form.editor("name").set_raw("desk")
        dialog.form.editor("url").set_raw(server.url)
        dialog.token.line.setText(TOKEN)
        dialog.accept()
        assert window.save(), window.banner.text()
        assert "Applied." in window.banner.text()

        def desk_tickets() -> bool:
            latest = app.listener.latest
            return latest is not None and any(t.source == "desk" for t in latest.snapshot.tickets)

        qtbot.waitUntil(desk_tickets, timeout=TIMEOUT_MS)
        window.close()

    assert memory_keyring.passwords == {(SECRET_SERVICE, "desk"): TOKEN}
    text = Path(path).read_text(encoding="utf-8")
    assert TOKEN not in text
    assert [s.name for s in load_config(path, None).sources] == ["desk"]
    assert not any(TOKEN in p.read_text(errors="replace") for p in _files(paths.config_dir()))


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]
