"""The tray app's process: config → engine on its home thread → tray, queue window and
notifications on the GUI thread (`tray_app`), and quitting.

`run_tray` is what `traysupport` without a subcommand runs. `running_app` builds and
starts everything on an existing QApplication and takes it down again, so tests drive
the real composition without `exec()`. Nothing here decides what a widget shows (the
presenter and the widgets do), and nothing here waits on the engine: it runs on a home
thread of its own (`traysupport.home`, `tray_app`).

Icon first: `run_tray` shows the tray icon, in a neutral "starting" look, before it
imports and builds the engine, because a user who starts the app looks at the tray
for it. So this module imports at the top only what that icon needs (Qt, the tray, the
icons); the engine's modules (runtime: requests, APScheduler, keyring, SQLite) and the
rest of the UI (queue window, notifier) are imported where they are used.

Quitting: SIGTERM and Ctrl-C are watched from the moment the QApplication exists until
the process ends (`QuitRequests`), and end whatever runs then — the start, the app
with any window or dialog open, the "cannot start" box — with `QCoreApplication.exit`,
which ends every event loop at once; `quit()` would first ask each window to close, and
one that refuses (the queue window hides instead) could keep the app running. Quitting
waits for the engine at most `home.STOP_SECONDS`: a fetch hung on a dead server is left
behind on its daemon thread.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from traysupport import __version__, latency, paths
from traysupport.home_control import HomeControl
from traysupport.service import Clock, utc_now
from traysupport.ui import icons
from traysupport.ui.app_listener import AppListener
from traysupport.ui.live_config import home_maker
from traysupport.ui.single_instance import SingleInstance
from traysupport.ui.tray import TrayIcon
from traysupport.ui.tray_app import Hooks, TrayApp, message_box

if TYPE_CHECKING:
    from traysupport import runtime
    from traysupport.config import Config
    from traysupport.home import OpenEngine, ServiceHome

__all__ = ["AppListener", "Hooks", "TrayApp", "run_tray", "running_app"]

log = logging.getLogger(__name__)

APP_NAME = "traysupport"
ORGANISATION = "traysupport"
EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
STARTING_TOOLTIP = "traysupport — starting…"
EMBED_TIMEOUT_MS = 100
"""How long the start waits for an XEmbed tray to take the icon in (it takes ~5 ms)."""


@contextmanager
def running_app(
    config: Config,
    *,
    hooks: Hooks,
    speed: float = 1.0,
    instance: SingleInstance | None = None,
    user_config: Config | None = None,
    config_path: Path | None = None,
    starting: StartingTray | None = None,
    open_engine: OpenEngine | None = None,
    clock: Clock = utc_now,
) -> Iterator[TrayApp]:
    """The engine on its home thread, the UI on this one, started; all taken down on exit.

    *starting* is the icon `show_starting_tray` put up: the app takes it over. While the
    engine is built the event loop runs (user input held back), so a signal can end the
    start: then `StartInterruptedError`. Raises `runtime.SetupError`, `StoreError` or
    `OSError` when it cannot start. *open_engine* is `runtime.open_engine` but in tests.

    *clock* is the app's one clock: the service, its sources, the demo team it starts
    and the widgets all read it (tests pass a fake one and move it; the scheduler's
    timers count on the wall clock whatever it says). Give *starting* the same one.
    """
    from traysupport.home import ServiceHome  # noqa: PLC0415  # see the module doc

    control = starting.control if starting is not None else HomeControl(clock)
    listener = AppListener(control, tz=config.ui.tz, demo=config.is_demo, clock=clock)
    home = ServiceHome(
        config,
        listener=listener,
        demo_speed=speed,
        on_built=listener.engine_built,
        open_engine=open_engine,
        clock=clock,
    )
    app: TrayApp | None = None
    home.start()
    try:
        engine = _built_engine(home, listener)
        app = TrayApp(
            engine,
            listener,
            home=home,
            control=control,
            hooks=hooks,
            user_config=user_config,
            config_path=config_path,
            clock=clock,
            tray=starting.icon if starting is not None else None,
            make_home=home_maker(listener, demo_speed=speed, open_engine=open_engine, clock=clock),
        )
        control.bind(home.call_soon, engine.service, listener.settle)
        if instance is not None:
            instance.activated.connect(app.show_window)
        app.start()
        latency.tune()  # what start-up made is never walked again by the collector
        yield app
    finally:
        if app is not None:
            app.stop()
        control.unbind()
        # The GUI is gone by now; a fetch hung on a dead server is not waited for.
        # (Changed settings may have put the engine on another home: that one.)
        (app.home if app is not None else home).stop()
        latency.restore()


class StartInterruptedError(Exception):
    """The start was ended (a signal) before the engine was built."""


def _built_engine(home: ServiceHome, listener: AppListener) -> runtime.Engine:
    """Run the event loop until the home thread has built the engine, or something ends
    every loop (`QCoreApplication.exit`: a signal); the build's own error is raised."""
    if not home.built:
        waiting = QEventLoop()
        listener.built.connect(waiting.quit)
        if not home.built:  # built meanwhile: `built` is on its way, and would end no loop
            # User input waits: the starting icon's menu has nothing to act on yet.
            waiting.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        listener.built.disconnect(waiting.quit)
    if not home.built:
        raise StartInterruptedError
    return home.engine()


# -- the process ------------------------------------------------------------------------


class StartupError(Exception):
    """The app cannot start; the message says what to fix."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def show_startup_error(message: str) -> None:
    """Tell the user why the app cannot start (modal: there is nothing else to show).

    A signal ends it like a click on OK (`QuitRequests`), as it ends any event loop.
    """
    box = message_box(
        None,
        QMessageBox.Icon.Critical,
        "traysupport cannot start",
        message,
        "Fix this and start traysupport again. `traysupport doctor` checks the settings.",
    )
    box.exec()


class QuitRequests:
    """Where SIGTERM and Ctrl-C go, whatever the app is doing at that moment.

    While the app runs, to its `TrayApp.quit` (widgets down, then the loop ends); before
    and after (the start, the "cannot start" box), straight to `QCoreApplication.exit`,
    which ends the event loop running then, and makes any loop started afterwards return
    at once — so nothing the start does next can wait for the user.
    """

    def __init__(self) -> None:
        self.asked = False
        self.target: Callable[[], None] | None = None

    def ask(self) -> None:
        """A signal came: end what runs (called on the GUI thread)."""
        self.asked = True
        if self.target is not None:
            self.target()
        else:
            QCoreApplication.exit(EXIT_OK)


def _application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(icons.app_icon())
    app.setQuitOnLastWindowClosed(False)  # the tray lives on with every window closed
    return app


def _configs(args: argparse.Namespace) -> tuple[Config, Config]:
    """(the config to run, the user's own config as loaded)."""
    from traysupport.config import ConfigError, load_config  # noqa: PLC0415

    try:
        config = load_config(args.config)
    except ConfigError as error:
        raise StartupError(str(error), EXIT_CONFIG) from error
    return (config.as_demo() if args.demo else config), config


def run_tray(args: argparse.Namespace) -> int:
    """The tray app until the user quits; returns the process exit code.

    The icon comes first, in its "starting" look; the engine is imported and built
    after it (see the module doc), and a failure there still ends in a message box.
    SIGTERM and Ctrl-C end it in every state (see `QuitRequests`).
    """
    from traysupport.ui.qtloop import QuitOnSignals  # noqa: PLC0415  # Qt and the stdlib

    app = _application()
    quitting = QuitRequests()
    signals = QuitOnSignals(quitting.ask)
    try:
        instance = SingleInstance()
        if not instance.acquire():
            log.info("traysupport is already running; asked it to show its window")
            return EXIT_OK
        try:
            return _start(app, args, instance, quitting)
        finally:
            instance.release()
    finally:
        signals.close()


def _start(
    app: QApplication, args: argparse.Namespace, instance: SingleInstance, quitting: QuitRequests
) -> int:
    """The icon, then the engine and the event loop; the "cannot start" box if it fails."""
    # exit, not quit: quit asks every window to close first, and one may refuse.
    hooks = Hooks(quit=partial(QCoreApplication.exit, EXIT_OK))
    starting = show_starting_tray(hooks)
    try:
        if quitting.asked:  # while the icon was embedding
            return EXIT_OK
        return _run_engine(app, args, starting, hooks=hooks, instance=instance, quitting=quitting)
    except StartInterruptedError:
        log.info("asked to quit while starting")
        return EXIT_OK
    except StartupError as error:
        starting.icon.tray.hide()  # a "starting" icon must not stay beside the error
        return _failed(str(error), error.code, quitting)


def _run_engine(
    app: QApplication,
    args: argparse.Namespace,
    starting: StartingTray,
    *,
    hooks: Hooks,
    instance: SingleInstance,
    quitting: QuitRequests,
) -> int:
    """Build the engine behind the icon and run the event loop; StartupError if it fails."""
    from traysupport import runtime  # noqa: PLC0415  # see the module doc
    from traysupport.store import StoreError  # noqa: PLC0415

    try:
        config, user_config = _configs(args)
        _apply_start_at_login(config)
        with running_app(
            config,
            hooks=hooks,
            speed=args.speed,
            instance=instance,
            user_config=user_config,
            config_path=args.config,
            starting=starting,
        ) as tray_app:
            if quitting.asked:  # the signal ended the start's loop just as it was built
                return EXIT_OK
            quitting.target = tray_app.quit
            app.aboutToQuit.connect(tray_app.stop)  # logout
            if not args.demo:
                tray_app.settings.welcome_if_new()  # a first start: no settings file yet
            try:
                return app.exec()
            finally:
                quitting.target = None
    except runtime.SetupError as error:
        message = f"{args.config or paths.config_file()}: {error}"
        raise StartupError(message, EXIT_CONFIG) from error
    except (StoreError, OSError) as error:
        raise StartupError(str(error), EXIT_FAILED) from error


def _apply_start_at_login(config: Config) -> None:
    """The ``start_at_login`` setting, if new or changed since it was last applied: an
    entry the user removed by hand stays removed (`traysupport.autostart`)."""
    from traysupport import autostart  # noqa: PLC0415  # see the module doc

    outcome = autostart.apply_at_start(config.start_at_login)
    log.debug("start at login: %s", outcome)


def _failed(message: str, code: int, quitting: QuitRequests) -> int:
    log.error("cannot start: %s", message)
    if not quitting.asked:
        show_startup_error(message)
    return code


# -- the icon before the engine ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartingTray:
    """The icon shown while starting, and the control behind its menu: a `HomeControl`
    that shows an empty state and asks to wait until the engine is bound to it."""

    icon: TrayIcon
    control: HomeControl


def show_starting_tray(hooks: Hooks, clock: Clock = utc_now) -> StartingTray:
    """Show the tray icon at once, off duty and "starting…", before the engine exists.

    Without a tray nothing shows here: the app says so once it runs (`TrayIcon.start`).
    *clock* is the one `running_app` is given too.
    """
    control = HomeControl(clock)
    icon = TrayIcon(control, now=clock, is_tray_available=hooks.is_tray_available)
    icon.tray.setToolTip(STARTING_TOOLTIP)
    if hooks.is_tray_available():
        icon.tray.show()
        _let_the_tray_embed(icon.tray)
    return StartingTray(icon, control)


def _let_the_tray_embed(tray: QSystemTrayIcon) -> None:
    """Run the event loop until an XEmbed tray has taken the icon in (its geometry moves
    from the origin into the panel) and painted it, at most `EMBED_TIMEOUT_MS`.

    The engine is built without an event loop running; an icon embedded but never
    painted would be an empty slot in the panel until then. A StatusNotifier tray (the
    D-Bus one, with no geometry to wait for) draws the icon itself: one turn sends it.
    """
    shown_at = tray.geometry()
    QCoreApplication.processEvents()
    if not shown_at.isValid():
        return
    loop = QEventLoop()
    poll, give_up = QTimer(loop), QTimer(loop)
    poll.setInterval(5)

    def embedded() -> None:
        if tray.geometry() != shown_at:
            loop.quit()

    poll.timeout.connect(embedded)
    give_up.setSingleShot(True)
    give_up.timeout.connect(loop.quit)
    poll.start()
    give_up.start(EMBED_TIMEOUT_MS)
    loop.exec()
    # Stopped by hand: the closure keeps the loop, and so its timers, alive; a 5 ms
    # timer left running would cost idle CPU for as long as the app runs.
    poll.stop()
    give_up.stop()
    poll.timeout.disconnect(embedded)
    QCoreApplication.processEvents()  # the expose and paint that follow embedding
