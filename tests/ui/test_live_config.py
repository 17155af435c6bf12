"""Settings changed while the tray app runs are applied without a restart (issue 10).

The real app (`running_app`: engine on its home thread, widgets, the file watcher) on
team-API sources served by demo teams on 127.0.0.1; settings files written the way
editors and `config_edit` write them (a temp file renamed over the old one).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from tests.ui.test_app import TIMEOUT_MS, Outside, close_message_boxes, held_clock
from traysupport import app as tray_module
from traysupport import paths
from traysupport.config import Config, load_config
from traysupport.demo import DemoServer

pytestmark = pytest.mark.qt_log_ignore(
    "systemTrayWindowChanged",
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
)

BAD_EDIT = 'config_version = 2\n[poll]\nqueue_seconds = "often"\n'


def write_atomically(path: Path, text: str) -> None:
    """As an editor saves: a temp file beside it, renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def team_file(*sources: tuple[str, str]) -> str:
    text = "config_version = 2\n"
    for name, url in sources:
        text += f'[[source]]\nname = "{name}"\nprovider = "team-api"\nurl = "{url}"\n'
    return text


class Run:
    """The running app and what it told the user."""

    def __init__(self, app: tray_module.TrayApp) -> None:
        self.app = app
        self.problems: list[str] = []
        self.applied: list[Config] = []
        app.live.problem.connect(self.problems.append)
        app.live.applied.connect(self.applied.append)

    def sources(self) -> set[str]:
        latest = self.app.listener.latest
        return set() if latest is None else {t.source for t in latest.snapshot.tickets}

    def watch_settled(self) -> bool:
        """The watcher has read the files as they are now."""
        watch = self.app.live._watch
        return watch is not None and watch._seen == watch._contents()


@pytest.fixture
def teams() -> Iterator[tuple[DemoServer, DemoServer]]:
    clock = held_clock()
    alpha, beta = DemoServer(clock=clock), DemoServer(clock=clock)
    alpha.start()
    beta.start()
    yield alpha, beta
    alpha.stop()
    beta.stop()


@contextmanager
def running(config: Config) -> Iterator[Run]:
    with tray_module.running_app(config, hooks=Outside().hooks(), clock=held_clock()) as app:
        yield Run(app)
    close_message_boxes()


def test_a_hand_edit_is_applied_and_the_next_one_too(
    qtbot: QtBot, teams: tuple[DemoServer, DemoServer]
) -> None:
    alpha, beta = teams
    path = paths.config_file()
    write_atomically(path, team_file(("alpha", alpha.url)))
    with running(load_config(path)) as run:
        qtbot.waitUntil(lambda: run.sources() == {"alpha"}, timeout=TIMEOUT_MS)

        write_atomically(path, team_file(("alpha", alpha.url), ("beta", beta.url)))
        qtbot.waitUntil(lambda: run.sources() == {"alpha", "beta"}, timeout=TIMEOUT_MS)

        # The rename ended the watch on the old file: the next edit is seen all the same.
        write_atomically(path, team_file(("beta", beta.url)))
        qtbot.waitUntil(lambda: run.sources() == {"beta"}, timeout=TIMEOUT_MS)
        # The engine's config is set on its thread around the same moment: wait for it.
        qtbot.waitUntil(
            lambda: [s.name for s in run.app.engine.config.sources] == ["beta"],
            timeout=TIMEOUT_MS,
        )
        assert run.problems == []


def test_a_bad_edit_is_told_once_and_the_last_good_settings_stay(
    qtbot: QtBot, teams: tuple[DemoServer, DemoServer]
) -> None:
    alpha, beta = teams
    path = paths.config_file()
    write_atomically(path, team_file(("alpha", alpha.url)))
    with running(load_config(path)) as run:
        qtbot.waitUntil(lambda: run.sources() == {"alpha"}, timeout=TIMEOUT_MS)
        good = run.app.engine.config

        write_atomically(path, BAD_EDIT)
        qtbot.waitUntil(lambda: len(run.problems) == 1, timeout=TIMEOUT_MS)
        message = str(_loader_error(path))
        assert message in run.problems[0]
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        assert any(message in box.text() for box in shown), "the user was not told"

        # Saved again unchanged (an editor's second save): not told twice.
        write_atomically(path, BAD_EDIT)
        qtbot.waitUntil(run.watch_settled, timeout=TIMEOUT_MS)
        assert len(run.problems) == 1
        assert run.app.engine.config is good
        assert run.sources() == {"alpha"}

        write_atomically(path, team_file(("alpha", alpha.url), ("beta", beta.url)))
        qtbot.waitUntil(lambda: run.sources() == {"alpha", "beta"}, timeout=TIMEOUT_MS)
        assert len(run.problems) == 1


def _loader_error(path: Path) -> Exception:
    from traysupport.config import ConfigError

    try:
        load_config(path)
    except ConfigError as error:
        return error
    raise AssertionError("the bad edit loaded")


def test_the_settings_windows_save_is_applied_once(
    qtbot: QtBot, teams: tuple[DemoServer, DemoServer]
) -> None:
    alpha, beta = teams
    path = paths.config_file()
    write_atomically(path, team_file(("alpha", alpha.url)))
    with running(load_config(path)) as run:
        qtbot.waitUntil(lambda: run.sources() == {"alpha"}, timeout=TIMEOUT_MS)

        write_atomically(path, team_file(("alpha", alpha.url), ("beta", beta.url)))
        run.app.apply_config(load_config(path))  # what the window does after its Save
        qtbot.waitUntil(lambda: run.sources() == {"alpha", "beta"}, timeout=TIMEOUT_MS)
        qtbot.waitUntil(run.watch_settled, timeout=TIMEOUT_MS)
        QApplication.processEvents()
        assert len(run.applied) == 1, "the watcher applied the Save again"


def test_from_the_demo_team_to_the_users_own_without_a_restart(
    qtbot: QtBot, teams: tuple[DemoServer, DemoServer]
) -> None:
    alpha, _beta = teams
    before = set(threading.enumerate())
    path = paths.config_file()
    with running(Config()) as run:
        demo_home = run.app.home
        qtbot.waitUntil(lambda: run.sources() == {"demo"}, timeout=TIMEOUT_MS)
        assert not run.app.window.demo_banner.isHidden()

        write_atomically(path, team_file(("alpha", alpha.url)))
        qtbot.waitUntil(lambda: run.sources() == {"alpha"}, timeout=TIMEOUT_MS)

        assert run.app.home is not demo_home
        assert not demo_home.thread.is_alive(), "the demo engine still runs"
        assert not run.app.engine.config.is_demo
        assert run.app.window.demo_banner.isHidden()
        home = run.app.home
    assert not home.thread.is_alive()
    assert not home.scheduler.running
    qtbot.waitUntil(lambda: set(threading.enumerate()) <= before, timeout=TIMEOUT_MS)


def test_settings_that_cannot_be_built_leave_the_demo_running(qtbot: QtBot) -> None:
    path = paths.config_file()
    with running(Config()) as run:
        demo_home = run.app.home
        qtbot.waitUntil(lambda: run.sources() == {"demo"}, timeout=TIMEOUT_MS)

        # Loads, but cannot be built: a Zendesk queue with neither view nor query.
        write_atomically(
            path,
            'config_version = 2\n[[source]]\nname = "desk"\nprovider = "zendesk"\n'
            'subdomain = "acme"\n',
        )
        qtbot.waitUntil(lambda: len(run.problems) == 1, timeout=TIMEOUT_MS)

        assert run.app.home is demo_home and demo_home.thread.is_alive()
        assert run.app.engine.config.is_demo


def test_which_alerts_sound_is_applied_live(
    qtbot: QtBot, teams: tuple[DemoServer, DemoServer]
) -> None:
    alpha, _beta = teams
    path = paths.config_file()
    write_atomically(path, team_file(("alpha", alpha.url)))
    with running(load_config(path)) as run:
        assert run.app.notifier._sounds == frozenset({"critical"})

        edit = team_file(("alpha", alpha.url)).replace(
            "config_version = 2\n", 'config_version = 2\n[alerts]\nsound = ["new_ticket"]\n'
        )
        write_atomically(path, edit)
        qtbot.waitUntil(lambda: len(run.applied) == 1, timeout=TIMEOUT_MS)

        assert run.app.notifier._sounds == frozenset({"new_ticket"})
