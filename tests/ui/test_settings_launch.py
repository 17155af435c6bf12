"""The first start's welcome and the settings window as the app opens it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import keyring
import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from tests.keyrings import MemoryKeyring
from tests.ui.conftest import PRIYA, TEAM
from traysupport.config import Config, load_config
from traysupport.ui.settings_launch import WELCOME_HOLD, SettingsLauncher
from traysupport.ui.welcome import DEMO, SET_UP

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TRAYSUPPORT_TEAM_DEFAULTS", raising=False)
    return tmp_path / "config.toml"


def _launcher(
    qtbot: QtBot, path: Path, team: Path | None = None, **kwargs: object
) -> SettingsLauncher:
    launcher = SettingsLauncher(path, team_defaults=team, **kwargs)  # type: ignore[arg-type]
    return launcher


def test_a_first_start_asks_and_the_demo_choice_is_remembered(
    qtbot: QtBot, config_path: Path
) -> None:
    launcher = _launcher(qtbot, config_path)
    assert launcher.welcome_if_new()
    assert launcher.welcome is not None and launcher.welcome.isVisible()
    launcher.welcome.chosen.emit(DEMO)
    launcher.welcome.accept()
    assert config_path.read_text(encoding="utf-8").startswith("# traysupport settings")
    assert load_config(config_path, None) == Config()  # the demo team, nothing changed
    assert launcher.window is None
    qtbot.waitUntil(lambda: launcher.welcome is None, timeout=1000)
    assert not launcher.welcome_if_new()  # not asked again


def test_set_up_my_team_opens_the_sources_page_with_add_open(
    qtbot: QtBot, config_path: Path
) -> None:
    launcher = _launcher(qtbot, config_path)
    launcher.welcome_if_new()
    assert launcher.welcome is not None
    launcher.welcome.set_up.click()
    window = launcher.window
    assert window is not None and window.isVisible() and window.tabs.currentIndex() == 0
    dialog = window.sources.dialog
    assert dialog is not None and dialog.isVisible() and not dialog.draft.loaded_name
    assert not config_path.exists()  # nothing written before Save
    launcher.close()


def test_with_a_teams_defaults_set_up_opens_the_teams_source_for_its_token(
    qtbot: QtBot, config_path: Path, tmp_path: Path
) -> None:
    team = tmp_path / "team-defaults.toml"
    team.write_text(
        'config_version = 2\n[[source]]\nname = "acme-desk"\nprovider = "zendesk"\n'
        'subdomain = "acme"\nview_id = 7\n'
    )
    launcher = _launcher(qtbot, config_path, team)
    launcher.welcome_if_new()
    assert launcher.welcome is not None and "acme-desk" in launcher.welcome.team.text()
    launcher.welcome.chosen.emit(SET_UP)
    window = launcher.window
    assert window is not None
    dialog = window.sources.dialog
    assert dialog is not None and dialog.draft.name == "acme-desk"
    assert dialog.provider_name == "zendesk"
    window.sources.add()
    assert window.sources.dialog is not None
    assert window.sources.dialog.provider_name == "zendesk"  # the team's provider first
    launcher.close()


def test_the_general_page_offers_the_people_the_sources_know(
    qtbot: QtBot, config_path: Path
) -> None:
    launcher = _launcher(qtbot, config_path, people=lambda: TEAM)
    window = launcher.open("general")
    assert window.tabs.currentIndex() == 2
    me = window.forms["general"].editor("me")
    combo = me.focusProxy()
    texts = [combo.itemText(i) for i in range(combo.count())]  # type: ignore[attr-defined]
    assert f"{PRIYA.name} ({PRIYA.id})" in texts
    combo.setCurrentIndex(texts.index(f"{PRIYA.name} ({PRIYA.id})"))  # type: ignore[attr-defined]
    assert window.save(), window.banner.text()
    assert load_config(config_path, None).me == PRIYA.id
    assert launcher.open() is window  # one window, raised
    launcher.close()


def test_the_general_page_pauses_and_resumes_at_once(qtbot: QtBot, config_path: Path) -> None:
    spans: list[object] = []
    launcher = _launcher(qtbot, config_path, pause=spans.append)
    window = launcher.open("general")
    window.findChild(QPushButton, "pause:&Pause 1 hour").click()
    window.findChild(QPushButton, "pause:&Resume").click()
    assert spans == [timedelta(hours=1), None]
    assert window.banner.text() == "Notifications resumed."
    assert not config_path.exists()
    launcher.close()


def test_a_first_start_holds_notifications_until_the_user_has_chosen(
    qtbot: QtBot, config_path: Path
) -> None:
    # The app runs on the made-up team behind the welcome: its reminders must not pop up
    # before the user chose it, nor while they set up their own team instead.
    spans: list[timedelta | None] = []
    launcher = _launcher(qtbot, config_path, pause=spans.append)
    launcher.welcome_if_new()
    assert launcher.welcome is not None
    assert spans == [WELCOME_HOLD]
    launcher.welcome.demo.click()
    assert spans == [WELCOME_HOLD, None], "choosing the demo team did not resume"

    other = _launcher(qtbot, config_path.with_name("other.toml"), pause=spans.append)
    spans.clear()
    other.welcome_if_new()
    assert other.welcome is not None
    other.welcome.set_up.click()
    qtbot.waitUntil(lambda: other.welcome is None, timeout=1000)
    assert spans == [WELCOME_HOLD], "resumed while the user was still setting up"
    window = other.window
    assert window is not None
    if window.sources.dialog is not None:
        window.sources.dialog.reject()
    window.reject()
    qtbot.waitUntil(lambda: other.window is None, timeout=1000)
    assert spans == [WELCOME_HOLD, None]
