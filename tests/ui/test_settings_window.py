"""The settings window against real files, a real keyring backend (in memory) and real
local team-API servers: add a source, test it, save it, refuse what the loader refuses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from tests.conftest import FAULT_TOKEN
from tests.faultserver import Fault, FaultServer
from tests.keyrings import MemoryKeyring
from traysupport.config import ConfigError, load_config
from traysupport.config_schema import SETTINGS, Config
from traysupport.demo.server import DemoServer
from traysupport.sources.registry import BUILT_IN
from traysupport.tokens import SECRET_SERVICE
from traysupport.ui.settings_check import CheckAnswer
from traysupport.ui.settings_model import load_settings
from traysupport.ui.settings_source_dialog import SourceDialog
from traysupport.ui.settings_window import SettingsWindow

TOKEN = "demo-token-4Rk8-secret"
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    server = DemoServer(token=TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TRAYSUPPORT_TEAM_DEFAULTS", raising=False)
    return tmp_path / "config.toml"


def _window(qtbot: QtBot, path: Path, team: Path | None = None, **kwargs: object) -> SettingsWindow:
    window = SettingsWindow(load_settings(path, team), **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    return window


def _add_dialog(window: SettingsWindow, provider: str = "team-api") -> SourceDialog:
    window.sources.add()
    dialog = window.sources.dialog
    assert dialog is not None
    dialog.provider.setCurrentIndex(dialog.provider.findData(provider))
    return dialog


def _fill(dialog: SourceDialog, **values: object) -> None:
    assert dialog.form is not None
    for key, value in values.items():
        dialog.form.editor(key).set_raw(value)


def _answer(qtbot: QtBot, label_text: object, timeout: int = 20_000) -> None:
    qtbot.waitUntil(lambda: not str(label_text()).startswith("Testing"), timeout=timeout)


def test_a_team_api_source_is_added_tested_and_saved_with_its_token_in_the_keyring(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring, demo_server: DemoServer
) -> None:
    applied: list[Config] = []
    window = _window(qtbot, config_path, apply=applied.append)
    dialog = _add_dialog(window)
    _fill(dialog, name="desk", url=demo_server.url)
    dialog.token.line.setText(TOKEN)

    dialog.test.click()
    assert dialog.answer.text().startswith("Testing desk")
    _answer(qtbot, dialog.answer.text)
    assert "open ticket" in dialog.answer.text() and "you are " in dialog.answer.text()
    assert dialog.answer.text().startswith("Connected: ")
    assert TOKEN not in dialog.answer.text()

    dialog.accept()
    assert [d.name for d in window.sources.sources] == ["desk"]
    assert window.save(), window.banner.text()

    text = config_path.read_text(encoding="utf-8")
    assert 'name = "desk"' in text and 'provider = "team-api"' in text
    assert f'url = "{demo_server.url}"' in text
    assert TOKEN not in text
    assert memory_keyring.passwords == {(SECRET_SERVICE, "desk"): TOKEN}
    assert [s.name for s in load_config(config_path, None).sources] == ["desk"]
    assert [s.name for s in applied[0].sources] == ["desk"]
    assert "Applied." in window.banner.text()


def test_the_check_of_a_saved_source_uses_the_token_in_the_keyring(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring, demo_server: DemoServer
) -> None:
    config_path.write_text(
        f'config_version = 2\n[[source]]\nname = "desk"\nprovider = "team-api"\n'
        f'url = "{demo_server.url}"\n'
    )
    memory_keyring.set_password(SECRET_SERVICE, "desk", TOKEN)
    window = _window(qtbot, config_path)
    window.sources.test_connection()
    _answer(qtbot, window.sources.answer.text)
    assert window.sources.answer.text().startswith("desk: Connected: ")


def test_a_hanging_server_never_blocks_the_window_and_its_answer_comes_later(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring
) -> None:
    server = FaultServer(token=FAULT_TOKEN)
    server.start()
    try:
        server.set("tickets", Fault.hang())
        window = _window(qtbot, config_path)
        dialog = _add_dialog(window)
        _fill(dialog, name="slow", url=server.url)
        dialog.token.line.setText(FAULT_TOKEN)
        started = time.monotonic()
        dialog.test.click()
        assert time.monotonic() - started < 1.0  # the click returned: the check is elsewhere
        assert server.wait_hits("tickets", 1, timeout=10)
        # The server holds the request; the window still answers its user.
        ticked = threading.Event()
        QTimer.singleShot(0, ticked.set)
        qtbot.waitUntil(ticked.is_set, timeout=1000)
        assert dialog.form is not None
        qtbot.keyClicks(dialog.form.editor("me").focusProxy(), "sam")
        assert dialog.form.editor("me").raw() == "sam"
        window.show_page("general")
        assert window.tabs.currentIndex() == 2
        assert dialog.answer.text().startswith("Testing slow")
        assert not dialog.test.isEnabled()
    finally:
        server.stop()  # ends the hang: the check answers with what went wrong
    _answer(qtbot, dialog.answer.text)
    assert not dialog.answer.text().startswith("Connected")
    assert "slow" in dialog.answer.text()
    assert dialog.test.isEnabled()
    assert window.sources.checks.wait(5)


def test_a_bad_value_is_refused_with_the_loaders_message_and_nothing_is_written(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring
) -> None:
    config_path.write_text("# my settings\nconfig_version = 2\n")
    window = _window(qtbot, config_path)
    editor = window.forms["notifications"].editor("alerts.quiet_hours")
    editor.set_raw("25:00-07:00")
    editor.edited.emit()
    problem = window.forms["notifications"].rows["alerts.quiet_hours"].problem
    assert not problem.isHidden()

    assert not window.save()
    assert config_path.read_text() == "# my settings\nconfig_version = 2\n"
    config_path.with_name("loader.toml").write_text('[alerts]\nquiet_hours = "25:00-07:00"\n')
    with pytest.raises(ConfigError) as loader:
        load_config(config_path.with_name("loader.toml"), None)
    assert loader.value.problems[0].endswith(": " + problem.text())
    assert problem.text() in window.banner.text()


def test_a_source_the_loader_refuses_is_not_added_and_says_why(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring
) -> None:
    window = _window(qtbot, config_path)
    dialog = _add_dialog(window)
    _fill(dialog, name="desk", poll_seconds=5)  # a URL is required, 5 s is too brisk
    dialog.accept()
    assert dialog.result() == 0 and window.sources.sources == []
    assert "source.desk.url is empty" in dialog.answer.text()
    assert "source.desk.poll_seconds = 5 is too often" in dialog.answer.text()
    _fill(dialog, url="ftp://x")
    dialog.accept()
    assert 'source.desk.url = "ftp://x" is not an http(s) URL' in dialog.answer.text()


def test_values_set_by_the_team_are_shown_as_the_teams_and_may_be_overridden(
    qtbot: QtBot, config_path: Path, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    team = tmp_path / "team-defaults.toml"
    team.write_text(
        'config_version = 2\n[alerts]\nduty_ending_minutes = 45\n[[source]]\nname = "desk"\n'
        'provider = "team-api"\nurl = "https://support.example.com/api/v1"\n'
    )
    config_path.write_text("# mine\nconfig_version = 2\n")
    window = _window(qtbot, config_path, team)
    row = window.forms["notifications"].rows["alerts.duty_ending_minutes"]
    assert row.editor.raw() == 45 and not row.editor.isEnabled()
    assert row.override is not None and "team's defaults" in row.override.text()
    assert window.forms["notifications"].rows["alerts.duty_soon_minutes"].override is None
    [desk] = window.sources.sources
    assert desk.team and set(desk.fixed) == {"provider", "url"}
    window.sources.list.setCurrentRow(0)
    assert not window.sources.buttons["remove"].isEnabled()

    assert window.save()  # nothing changed: the team's value is not copied into my file
    assert "duty_ending" not in config_path.read_text()
    row = window.forms["notifications"].rows["alerts.duty_ending_minutes"]  # pages rebuilt
    assert row.override is not None
    row.override.setChecked(True)
    row.editor.set_raw(20)
    assert window.save(), window.banner.text()
    assert load_config(config_path, team).alerts.duty_ending.total_seconds() == 20 * 60
    assert config_path.read_text().startswith("# mine\n")


def test_every_setting_and_every_providers_keys_appear_once(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring
) -> None:
    window = _window(qtbot, config_path)
    shown = [key for form in window.forms.values() for key in form.rows]
    assert sorted(shown) == sorted(SETTINGS) and len(shown) == len(set(shown))
    dialog = _add_dialog(window)
    offered = [dialog.provider.itemData(i) for i in range(dialog.provider.count())]
    assert sorted(offered) == sorted(spec.name for spec in BUILT_IN)
    for spec in BUILT_IN:
        dialog.provider.setCurrentIndex(dialog.provider.findData(spec.name))
        assert dialog.form is not None
        from traysupport.config_edit import source_rows

        assert set(dialog.form.rows) == set(source_rows(spec.name)) - {"provider"}
        for row in dialog.form.rows.values():
            assert row.editor.toolTip() == row.setting.help


def test_without_a_keyring_the_token_field_says_what_to_do(qtbot: QtBot, config_path: Path) -> None:
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        window = _window(qtbot, config_path)
        assert "TRAYSUPPORT_<TOKEN_REF>_TOKEN" in window.sources.keyring_note.text()
        assert not window.sources.keyring_note.isHidden()
        dialog = _add_dialog(window)
        assert not dialog.token.isEnabled()
        assert "TRAYSUPPORT_<TOKEN_REF>_TOKEN" in dialog.token_note.text()
    finally:
        keyring.set_keyring(before)


def test_check_answers_read_as_the_window_shows_them() -> None:
    assert CheckAnswer(True, "3 open tickets").text == "Connected: 3 open tickets"
    assert CheckAnswer(False, error="desk: 401", fix="Check the token.").text == (
        "desk: 401\nCheck the token."
    )


def test_sources_are_reordered_edited_and_removed_and_the_users_comments_stay(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring
) -> None:
    config_path.write_text(
        "# my settings, by hand\nconfig_version = 2\n\n"
        '[[source]]\nname = "desk"  # the helpdesk\nprovider = "team-api"\n'
        'url = "https://desk.example.com/api/v1"\n\n'
        '[[source]]\nname = "ops"\nprovider = "team-api"\nurl = "https://ops.example.com/api"\n\n'
        '[[source]]\nname = "old"\nprovider = "team-api"\nurl = "https://old.example.com/api"\n'
    )
    memory_keyring.set_password(SECRET_SERVICE, "ops", "ops-token")
    window = _window(qtbot, config_path)
    page = window.sources
    page.list.setCurrentRow(1)
    page.buttons["up"].click()  # ops, desk, old
    page.list.setCurrentRow(2)
    page.buttons["remove"].click()  # ops, desk
    page.list.setCurrentRow(0)
    page.edit()
    assert page.dialog is not None
    _fill(page.dialog, name="ops-api", poll_seconds=120)
    page.dialog.accept()
    assert [d.name for d in page.sources] == ["ops-api", "desk"]
    assert window.save(), window.banner.text()

    text = config_path.read_text()
    assert text.startswith("# my settings, by hand\n") and "# the helpdesk" in text
    assert "old.example.com" not in text
    config = load_config(config_path, None)
    assert [s.name for s in config.sources] == ["ops-api", "desk"]
    [ops, _desk] = config.sources
    assert ops.common.poll is not None and ops.common.poll.total_seconds() == 120
    assert ops.token_ref == "ops"  # renamed: its token is still found where it was kept
    assert "ops-token" not in text


def test_ctrl_s_saves_and_escape_closes_without_saving(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring
) -> None:
    window = _window(qtbot, config_path)
    window.show()
    window.activateWindow()  # a window shortcut needs its window active
    qtbot.waitUntil(window.isActiveWindow, timeout=1000)
    window.forms["general"].editor("me").set_raw("sam")
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert load_config(config_path, None).me == "sam"
    window.forms["general"].editor("me").set_raw("alex")
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
    assert load_config(config_path, None).me == "sam"


def test_an_answer_still_arrives_after_save_rebuilt_the_page(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring
) -> None:
    server = FaultServer(token=FAULT_TOKEN)
    server.start()
    try:
        server.set("tickets", Fault.hang())
        config_path.write_text(
            f'config_version = 2\n[[source]]\nname = "slow"\nprovider = "team-api"\n'
            f'url = "{server.url}"\n'
        )
        memory_keyring.set_password(SECRET_SERVICE, "slow", FAULT_TOKEN)
        window = _window(qtbot, config_path)
        first = window.sources
        first.test_connection()
        assert server.wait_hits("tickets", 1, timeout=10)
        window.forms["general"].editor("me").set_raw("sam")
        assert window.save(), window.banner.text()
        assert window.sources is not first  # the pages were built again from the file
    finally:
        server.stop()
    qtbot.waitUntil(lambda: window.sources.answer.text().startswith("slow: "), timeout=20_000)
    assert window.checks.wait(5)


def test_a_set_of_choices_is_a_check_box_each_and_saved_as_a_list(
    qtbot: QtBot, config_path: Path, memory_keyring: MemoryKeyring
) -> None:
    from traysupport.ui.settings_fields import ChoicesField

    window = _window(qtbot, config_path)
    sound = window.forms["notifications"].editor("alerts.sound")
    assert isinstance(sound, ChoicesField)
    assert sound.raw() == ["critical"]  # the default: P1 is audible
    sound.boxes["critical"].setChecked(False)
    assert window.save(), window.banner.text()
    assert load_config(config_path, None).alerts.sound == frozenset()
