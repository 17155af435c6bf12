"""Changed settings applied to the running app, without a restart: `LiveConfig`.

Settings come from the settings window's Save (`TrayApp.apply_config`) or from a hand
edit of the files (`config_watch.ConfigWatch`). Most changes are applied to the
running engine on its home thread (`runtime.Engine.apply`: sources rebuilt where their
settings changed, kept where not; the alert and poll settings replaced). A change to
or from the demo team needs another store (the demo's own), so the engine is built
again on a new home thread (`ServiceHome`) and the widgets bound to it; the sources are
made once first (no network), so settings that cannot be built leave the running
engine as it is. Like `tray_app`, this imports the engine's modules where they are used
(the tray icon shows before they are imported: see `app`).

What could not be applied is told through `problem`; the last good settings stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from traysupport.home_control import HomeControl
from traysupport.service import Clock, utc_now
from traysupport.ui.app_listener import AppListener

if TYPE_CHECKING:
    from traysupport.config import Config
    from traysupport.home import OpenEngine, ServiceHome
    from traysupport.runtime import Engine
    from traysupport.ui.config_watch import ConfigWatch

log = logging.getLogger(__name__)

MakeHome = Callable[["Config", Callable[[], None]], "ServiceHome"]
"""A new, unstarted `ServiceHome` for a config, calling the callback once it is built."""


def home_maker(
    listener: AppListener,
    *,
    demo_speed: float = 1.0,
    open_engine: OpenEngine | None = None,
    clock: Clock = utc_now,
) -> MakeHome:
    """How `running_app` makes its `ServiceHome`, for the engines that follow it."""

    def make(config: Config, on_built: Callable[[], None]) -> ServiceHome:
        from traysupport.home import ServiceHome  # noqa: PLC0415  # see `app`'s module doc

        return ServiceHome(
            config,
            listener=listener,
            demo_speed=demo_speed,
            on_built=on_built,
            open_engine=open_engine,
            clock=clock,
        )

    return make


class LiveConfig(QObject):
    """Applies settings to the engine that runs now, or to a new one; GUI thread.

    *forced_demo*: the app runs the demo team whatever the files say (``--demo``).
    `home` and `engine` are the ones running now; `switched(home, engine)` when a new
    engine took over; `applied(config)` once settings are in force (the config run).
    """

    problem = Signal(str)
    applied = Signal(object)
    switched = Signal(object, object)
    _built = Signal(object)

    def __init__(
        self,
        *,
        home: ServiceHome,
        engine: Engine,
        listener: AppListener,
        control: HomeControl,
        make_home: MakeHome,
        forced_demo: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.home, self.engine = home, engine
        self._listener, self._control, self._make_home = listener, control, make_home
        self._forced_demo = forced_demo
        self._starting: tuple[ServiceHome, Config, Config | None] | None = None
        """While a new engine is built: its home, its config, the config to go back to."""
        self._pending: Config | None = None
        """Settings given while a new engine was being built, applied once it is."""
        self._built.connect(self._home_built)
        self._last: Config = engine.config
        """The settings last asked for (so the watcher does not apply a Save again)."""
        self._watch: ConfigWatch | None = None

    def watch(self, config_path: Path, team_defaults: Path | None) -> ConfigWatch:
        """Watch the settings files from now on: a valid edit is applied, an invalid one
        told once through `problem` (the settings in force stay)."""
        from traysupport.config import load_config  # noqa: PLC0415  # see the module doc
        from traysupport.ui.config_watch import ConfigWatch  # noqa: PLC0415

        files = [config_path] if team_defaults is None else [config_path, team_defaults]
        self._watch = ConfigWatch(
            files,
            load=partial(load_config, config_path, team_defaults),
            on_valid=self._edited,
            on_invalid=self._invalid,
            parent=self,
        )
        self._watch.start()
        return self._watch

    def _edited(self, config: Config) -> None:
        if self.run_config(config) == self._last:
            return  # the settings window's Save, applied already
        log.info("the settings files changed: applying them")
        self.apply(config)

    def _invalid(self, message: str) -> None:
        self.problem.emit(
            "The settings file was changed but cannot be used; the settings in force "
            f"stay as they were until it is fixed.\n\n{message}"
        )

    def run_config(self, config: Config) -> Config:
        """The settings the engine runs for the user's *config*."""
        return config.as_demo() if self._forced_demo else config

    def apply(self, config: Config) -> None:
        """Run on the user's *config* from now on (returns at once; see the module doc)."""
        run = self.run_config(config)
        self._last = run
        if self._starting is not None:
            self._pending = run  # newer than those being built: applied once that ends
            return
        if run.is_demo != self.engine.config.is_demo:
            self._switch(run, back_to=self.engine.config)
            return
        self.home.call_soon(partial(self._apply_on_home, self.engine, run))

    def _apply_on_home(self, engine: Engine, config: Config) -> None:
        """Home thread: apply, and say what came of it (signals reach the GUI thread)."""
        from traysupport.runtime import SetupError  # noqa: PLC0415  # see the module doc

        try:
            engine.apply(config)
        except SetupError as error:
            self.problem.emit(f"The changed settings were not applied: {error}")
            return
        self.applied.emit(config)

    # -- another engine ------------------------------------------------------------------

    def _switch(self, config: Config, back_to: Config | None) -> None:
        """Build the engine for *config* on a new home; the old one stops first (two
        would poll and alert at once)."""
        problem = _cannot_build(config)
        if problem:
            self.problem.emit(f"The changed settings were not applied: {problem}")
            return
        log.info("switching the engine to %s", config.source_description)
        self._control.unbind()  # what the user asks meanwhile waits for the new engine
        self.home.stop()
        home = self._make_home(config, partial(self._built.emit, None))
        self._starting = (home, config, back_to)
        home.start()

    @Slot(object)
    def _home_built(self, _unused: object) -> None:
        if self._starting is None:
            return
        home, config, back_to = self._starting
        self._starting = None
        try:
            engine = home.engine()
        except Exception as error:  # SetupError, StoreError, OSError: in their words
            home.stop()
            log.warning("the new settings' engine could not be built: %s", error)
            self.problem.emit(f"The changed settings were not applied: {error}")
            pending, self._pending = self._pending, None
            if pending is not None:
                self._switch(pending, back_to=back_to)
            elif back_to is not None:
                self._switch(back_to, back_to=None)  # the last good settings, once
            return
        self.home, self.engine = home, engine
        self._control.bind(home.call_soon, engine.service, self._listener.settle)
        home.start_service()
        self.switched.emit(home, engine)
        self.applied.emit(config)
        pending, self._pending = self._pending, None
        if pending is not None:
            self.apply(pending)

    def stop(self) -> None:
        """Watch no more; an engine still being built is stopped (the app quits)."""
        if self._watch is not None:
            self._watch.stop()
        if self._starting is not None:
            self._starting[0].stop()
            self._starting = None


def _cannot_build(config: Config) -> str:
    """Why *config*'s sources cannot be made (no network), or "" when they can."""
    if config.is_demo:
        return ""  # the demo team needs its server, which the engine starts
    from traysupport.runtime import SetupError, build_sources  # noqa: PLC0415

    try:
        build_sources(config).close()
    except SetupError as error:
        return str(error)
    return ""
