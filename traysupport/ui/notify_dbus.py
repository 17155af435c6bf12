"""The platform's own notifications through desktop-notifier (D-Bus on Linux), with buttons.

desktop-notifier is asyncio-based. Its event loop runs on a daemon thread owned by
`NativeBackend`, started with the first note. Each call from the GUI thread becomes a
coroutine submitted to that loop (`run_coroutine_threadsafe`), and they run one at a
time, in order, so a withdrawal never overtakes the note it withdraws. The library's
callbacks (buttons, a click on the body) run on the loop thread and go straight to
`BackendEvents`, which the notifier turns into queued Qt signals: nothing here touches
a Qt object.

Failure: the first note asks the server for its capabilities, which fails without a
session bus or without a notification server. That, a call that times out, or a server
that does not take a note, is reported as `failed`, and the notifier moves on.

Markup: on D-Bus the body is escaped when the server reads markup (the "body-markup"
capability); the summary is plain text by the specification and is sent as it is.
Other platforms show plain text.

Replacement: desktop-notifier 6 sends no ``replaces_id``, so a replaced note is closed
(CloseNotification) before its successor is sent.

Sound: a note that sounds (`Note.sound`) carries the ``sound-file`` hint with the app's
own sound (`traysupport.sounds`), and the server plays it, within its own
do-not-disturb; without the file, ``sound-name`` asks the sound theme for
``message-new-instant``. A note that must not sound carries ``suppress-sound``, so a
server that sounds every notification stays quiet. desktop-notifier would send the
file as a ``file://`` URI, which GNOME Shell does not read (the spec says a path), and
has no ``suppress-sound``: the hints are added to its D-Bus call instead
(`_hook_hints`). Elsewhere (macOS, Windows) a note that sounds asks for the system's
notification sound.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from desktop_notifier import DEFAULT_SOUND, Button, Capability, DesktopNotifier, Icon, Notification
from desktop_notifier import Urgency as NativeUrgency

from traysupport.core.model import Urgency
from traysupport.ui.notify_types import (
    DEFAULT_ACTION,
    BackendEvents,
    BackendUnavailableError,
    Note,
    failure_reason,
    markup_escape,
)

log = logging.getLogger(__name__)

CALL_TIMEOUT = 10.0
"""Seconds a call to the notification server may take before it counts as failed."""
CLOSE_TIMEOUT = 3.0
"""Seconds `close` waits for the bus to disconnect and the thread to end."""
THEME_SOUND = "message-new-instant"
"""The sound theme's name asked for when the app's own sound file is missing."""
_HINTS_ARG = 6
"""The position of the hints in the Notify call's arguments (the spec's order)."""

_URGENCIES = {
    Urgency.CRITICAL: NativeUrgency.Critical,
    Urgency.NORMAL: NativeUrgency.Normal,
    Urgency.LOW: NativeUrgency.Low,
}


class Library(Protocol):
    """The part of `desktop_notifier.DesktopNotifier` used here (tests pass a fake)."""

    async def get_capabilities(self) -> frozenset[Capability]:
        """What the server supports; connects first."""
        ...

    async def send_notification(self, notification: Notification) -> str:
        """Send *notification*; returns its identifier."""
        ...

    async def clear(self, identifier: str) -> None:
        """Close the notification *identifier*."""
        ...


LibraryFactory = Callable[[str, Icon | None], Library]


def _desktop_notifier(app_name: str, icon: Icon | None) -> Library:
    return DesktopNotifier(app_name, icon)


class NativeBackend:
    """Notes as the platform's notifications, with buttons; see the module."""

    name = "desktop notifications"
    one_at_a_time = False

    def __init__(
        self,
        app_name: str,
        icon: Path | None = None,
        *,
        markup: bool | None = None,
        library: LibraryFactory = _desktop_notifier,
        timeout: float = CALL_TIMEOUT,
        sound_file: Path | None = None,
    ) -> None:
        """*markup*: whether the server reads markup in bodies (None: ask it);
        *sound_file*: the sound of a note that sounds (None: the theme's)."""
        self._app_name = app_name
        self._sound_file = sound_file
        self._icon = Icon(path=icon) if icon is not None else None
        self._markup = markup
        self._factory = library
        self._timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        # Touched on the loop thread only:
        self._lib: Library | None = None
        self._reads_markup = False
        self._hooked = False
        """True when the sound hints go into the library's D-Bus call."""
        self._hints: dict[str, str | bool] = {}
        """The extra hints of the note being sent."""
        self._serial = asyncio.Lock()
        # Its debug line carries the title and body: never a ticket's text in the log.
        logging.getLogger("desktop_notifier").setLevel(logging.INFO)

    # -- NoteBackend, called on the GUI thread -------------------------------------------

    def show(self, note: Note, events: BackendEvents) -> None:
        """Send *note*; a failure is reported to *events* (from the loop thread)."""
        if self._closed:
            raise BackendUnavailableError("closed")
        future = self._submit(self._send(note, events))
        future.add_done_callback(partial(_report_failure, note.id, events))

    def withdraw(self, note_id: str) -> None:
        """Close the notification of *note_id*, if it is still open."""
        if self._loop is not None and not self._closed:
            self._submit(self._clear(note_id))

    def close(self) -> None:
        """Disconnect from the server and end the loop thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._disconnect(), loop).result(CLOSE_TIMEOUT)
        except Exception as exc:  # the thread must end all the same
            log.debug("disconnecting from the notification server failed: %s", exc)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(CLOSE_TIMEOUT)
        if thread.is_alive():
            log.warning("the desktop notifications thread did not end in time")

    # -- the loop thread -----------------------------------------------------------------

    def _submit(self, work: Coroutine[Any, Any, None]) -> concurrent.futures.Future[None]:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._run, args=(self._loop,), name="desktop-notifier", daemon=True
            )
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            # Whatever is still queued ends here, cancelled, so nothing warns at exit.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _ready(self) -> Library:
        """The connected library; the first call finds out whether there is a server."""
        if self._lib is None:
            lib = self._factory(self._app_name, self._icon)
            try:
                await asyncio.wait_for(lib.get_capabilities(), self._timeout)
                markup = self._markup
                if markup is None:
                    markup = await asyncio.wait_for(_reads_markup(lib), self._timeout)
            except BaseException:
                with contextlib.suppress(Exception):
                    await _disconnect(lib)  # a bus without a server: don't leak its socket
                raise
            self._lib, self._reads_markup = lib, markup
            self._hooked = _hook_hints(lib, lambda: self._hints)
        return self._lib

    async def _send(self, note: Note, events: BackendEvents) -> None:
        async with self._serial:
            lib = await self._ready()
            taken: list[bool] = []
            notification = Notification(
                title=note.title,
                message=markup_escape(note.body) if self._reads_markup else note.body,
                urgency=_URGENCIES[note.urgency],
                buttons=tuple(
                    Button(
                        label, on_pressed=partial(events.action, note.id, action), identifier=action
                    )
                    for action, label in note.actions
                ),
                on_clicked=partial(events.action, note.id, DEFAULT_ACTION),
                on_dispatched=partial(taken.append, True),
                identifier=note.id,
                sound=DEFAULT_SOUND if note.sound and not self._hooked else None,
            )
            self._hints = self._sound_hints(note) if self._hooked else {}
            try:
                # The library logs and swallows a refused note; only on_dispatched tells.
                await asyncio.wait_for(lib.send_notification(notification), self._timeout)
            finally:
                self._hints = {}
            if not taken:
                raise BackendUnavailableError("the notification server did not take the note")

    def _sound_hints(self, note: Note) -> dict[str, str | bool]:
        if not note.sound:
            return {"suppress-sound": True}
        if self._sound_file is not None:
            return {"sound-file": str(self._sound_file)}
        return {"sound-name": THEME_SOUND}

    async def _clear(self, note_id: str) -> None:
        async with self._serial:
            if self._lib is None:
                return
            try:
                await asyncio.wait_for(self._lib.clear(note_id), self._timeout)
            except Exception as exc:  # closed by the user already, most often
                log.debug("closing a notification failed: %s", failure_reason(exc))

    async def _disconnect(self) -> None:
        lib, self._lib = self._lib, None
        if lib is not None:
            await _disconnect(lib)


def _report_failure(
    note_id: str, events: BackendEvents, future: concurrent.futures.Future[None]
) -> None:
    if future.cancelled():
        return  # closing: nobody is waiting for this note any more
    exc = future.exception()
    if exc is not None:
        events.failed(note_id, failure_reason(exc))


def _dbus_part(lib: Library, name: str) -> Any:
    """The D-Bus backend's *name* attribute ("interface", "bus"), or None elsewhere.

    desktop-notifier does not expose them; they are reached through its private backend,
    defensively, because the major version is pinned and nothing else can tell markup
    support or close the connection cleanly.
    """
    return getattr(getattr(lib, "_backend", None), name, None)


async def _reads_markup(lib: Library) -> bool:
    ask = getattr(_dbus_part(lib, "interface"), "call_get_capabilities", None)
    if ask is None:
        return False  # not a freedesktop server (macOS, Windows): bodies are plain text
    capabilities = await ask()
    return "body-markup" in capabilities


def _hook_hints(lib: Library, extra: Callable[[], dict[str, str | bool]]) -> bool:
    """Make the library's Notify call carry the hints *extra* gives; False off D-Bus.

    The call is desktop-notifier's generated D-Bus proxy method, reached defensively
    (see `_dbus_part`); the hints are merged as the library typed its own: variants for
    the spec's ``a{sv}``, text for old servers' ``a{ss}``.
    """
    interface = _dbus_part(lib, "interface")
    call = getattr(interface, "call_notify", None)
    if call is None:
        return False

    async def call_notify(*args: Any) -> Any:
        merged = list(args)
        if len(merged) > _HINTS_ARG and isinstance(merged[_HINTS_ARG], dict):
            merged[_HINTS_ARG] = _merged_hints(merged[_HINTS_ARG], extra())
        return await call(*merged)

    interface.call_notify = call_notify
    return True


def _merged_hints(hints: dict[str, Any], extra: dict[str, str | bool]) -> dict[str, Any]:
    """*hints* with *extra* added, typed like the library's (unknown typing: unchanged)."""
    from dbus_fast.signature import Variant  # noqa: PLC0415 - only on D-Bus

    if not extra or not hints:
        return hints
    if all(isinstance(v, Variant) for v in hints.values()):
        typed = {k: Variant("b" if isinstance(v, bool) else "s", v) for k, v in extra.items()}
        return {**hints, **typed}
    if all(isinstance(v, str) for v in hints.values()):
        return {
            **hints,
            **{k: str(v).lower() if isinstance(v, bool) else v for k, v in extra.items()},
        }
    return hints


async def _disconnect(lib: Library) -> None:
    bus = _dbus_part(lib, "bus")
    if bus is None or not getattr(bus, "connected", False):
        return
    bus.disconnect()
    await asyncio.wait_for(bus.wait_for_disconnect(), CLOSE_TIMEOUT)
