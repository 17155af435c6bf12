"""The service's listener on the GUI side: what the service reports, on the thread it
reports on, brought to the GUI thread in order.

The service calls `AppListener` on its home thread (`traysupport.home`). There it also
works out what the tray and the queue window will show of a new state (at 10,000
tickets that alone is ~35 ms), so the GUI thread only puts a ready `Published` on
screen; `tray_app.TrayApp` listens to its signals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot

from traysupport import latency
from traysupport.core.model import Alert
from traysupport.home_control import HomeControl
from traysupport.service import ServiceState, utc_now
from traysupport.ui.presenter import TrayView, tray_view

if TYPE_CHECKING:
    from traysupport.ui.queue_model import ChangeMarks, Rows


@dataclass(frozen=True, slots=True)
class Published:
    """A new state with what the tray and the queue window show of it, worked out on the
    home thread."""

    state: ServiceState
    view: TrayView
    rows: Rows
    """The window's rows; cleared once the window shows newer ones (see `TrayApp._show`)."""
    marks: ChangeMarks


class AppListener(QObject):
    """The service's listener. Called on the home thread; its reports reach the GUI
    thread through one queued signal, in the order they were made, and are passed on
    there as the public signals below (and to the `HomeControl`)."""

    published = Signal(object)
    """A new `Published` state."""
    view_changed = Signal(object, object)
    """(state, `TrayView`): the tray of *state* drawn again because time moved on."""
    alerts_published = Signal(object)
    """A `list[Alert]` to notify."""
    problem = Signal(str)
    """A call the user made failed on the home thread; what to tell them."""
    built = Signal()
    """The engine's build ended, well or not."""
    _to_gui = Signal(object)

    def __init__(
        self,
        control: HomeControl,
        *,
        tz: tzinfo,
        demo: bool,
        clock: Callable[[], datetime] = utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._control = control
        self._tz, self._demo, self._clock = tz, demo, clock
        self.latest: ServiceState | None = None
        """The last state the GUI thread was given."""
        self._to_gui.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def configure(self, *, tz: tzinfo, demo: bool) -> None:
        """Changed settings: the time zone and whether the demo team runs."""
        self._tz, self._demo = tz, demo

    # -- on the home thread --------------------------------------------------------------

    def state_changed(self, state: ServiceState) -> None:
        """The service has a new state: work out what it shows, then hand it over."""
        from traysupport.ui.queue_model import build_rows, change_marks  # noqa: PLC0415

        now = self._clock()
        rows = build_rows(state, now)
        made = Published(state, self.view(state, now), rows, change_marks(rows))
        # Before it is handed over, not while the GUI thread shows it (the GIL is one):
        # what this state keeps is never walked by a full collection.
        latency.settle()
        self._to_gui.emit(partial(self._arrived, made))

    def alerts_fired(self, alerts: list[Alert]) -> None:
        """The service fired alerts."""
        self._to_gui.emit(partial(self.alerts_published.emit, list(alerts)))

    def settle(self, call: int, problem: str) -> None:
        """The `HomeControl`'s call number *call* is done (after the states it published)."""
        self._to_gui.emit(partial(self._settled, call, problem))

    def engine_built(self) -> None:
        """The engine's build ended."""
        self._to_gui.emit(self.built.emit)

    def render_again(self, state: ServiceState) -> None:
        """Draw *state*'s tray for the time now (time alone changed it)."""
        self._to_gui.emit(partial(self.view_changed.emit, state, self.view(state, self._clock())))

    def view(self, state: ServiceState, now: datetime) -> TrayView:
        """The tray's view of *state* at *now* (any thread)."""
        return tray_view(state, now, self._tz, self._demo)

    # -- on the GUI thread ---------------------------------------------------------------

    @Slot(object)
    def _run(self, callback: Callable[[], None]) -> None:
        callback()

    def _arrived(self, made: Published) -> None:
        self.latest = made.state
        self._control.published(made.state)
        self.published.emit(made)

    def _settled(self, call: int, problem: str) -> None:
        self._control.settled(call)
        if problem:
            self.problem.emit(problem)
