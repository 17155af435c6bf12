"""A real session bus with a recording notification server, for checking D-Bus hints.

`private_bus` starts ``dbus-daemon`` on a bus of its own (no service folders: nothing
is auto-started on it) and runs, on its own asyncio thread, a server that owns
``org.freedesktop.Notifications`` and records every ``Notify`` call with its hints,
unwrapped from their variants. The app's `NativeBackend` talks to it through the real
desktop-notifier and dbus_fast, as it would to GNOME Shell or KDE.

No ``from __future__ import annotations`` here: dbus_fast reads the D-Bus signatures
from the methods' annotations, which must stay plain strings such as "as".
"""
# ruff: noqa: F722, F821, N802, PLR0917 - D-Bus signatures as annotations, D-Bus names

import asyncio
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbus_fast import Variant
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal

STOP_TIMEOUT = 5.0
_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass
class Received:
    """One Notify call."""

    app_name: str
    summary: str
    body: str
    urgency: int
    hints: dict[str, Any] = field(default_factory=dict)


class _Server(ServiceInterface):
    def __init__(self, capabilities: list[str], received: list[Received]) -> None:
        super().__init__("org.freedesktop.Notifications")
        self._capabilities = capabilities
        self._received = received

    @method()
    def GetCapabilities(self) -> "as":
        return self._capabilities

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["recorder", "traysupport tests", "1.0", "1.2"]

    @method()
    def Notify(
        self,
        app_name: "s",
        replaces_id: "u",
        app_icon: "s",
        summary: "s",
        body: "s",
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",
    ) -> "u":
        plain = {k: v.value if isinstance(v, Variant) else v for k, v in hints.items()}
        urgency = plain.pop("urgency", 1)
        self._received.append(Received(app_name, summary, body, urgency, plain))
        return len(self._received)

    @method()
    def CloseNotification(self, notification_id: "u") -> None:
        return None

    @signal()
    def NotificationClosed(self, notification_id: int, reason: int) -> "uu":
        return [notification_id, reason]

    @signal()
    def ActionInvoked(self, notification_id: int, action: str) -> "us":
        return [notification_id, action]


@dataclass
class PrivateBus:
    """The bus's address and what the server received."""

    address: str
    received: list[Received]


def missing() -> str:
    """Why the bus cannot run here ("" when it can)."""
    return "" if shutil.which("dbus-daemon") else "needs dbus-daemon (./dev.sh setup)"


@contextmanager
def private_bus(folder: Path, capabilities: list[str]) -> Iterator[PrivateBus]:
    """A dbus-daemon and a recording notification server on it; both stopped after."""
    config = folder / "bus.conf"
    config.write_text(_BUS_CONFIG.format(folder=folder), encoding="utf-8")
    daemon = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # "cannot raise the fd limit" as a user: noise
        text=True,
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="notification-server", daemon=True)
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        received: list[Received] = []
        thread.start()

        async def serve() -> MessageBus:
            bus = await MessageBus(bus_address=address).connect()
            bus.export("/org/freedesktop/Notifications", _Server(capabilities, received))
            await bus.request_name("org.freedesktop.Notifications")
            return bus

        bus = asyncio.run_coroutine_threadsafe(serve(), loop).result(STOP_TIMEOUT)
        try:
            yield PrivateBus(address, received)
        finally:

            async def stop() -> None:
                bus.disconnect()
                await bus.wait_for_disconnect()

            asyncio.run_coroutine_threadsafe(stop(), loop).result(STOP_TIMEOUT)
    finally:
        if thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(STOP_TIMEOUT)
        loop.close()
        daemon.terminate()
        daemon.wait(STOP_TIMEOUT)
        if daemon.stdout is not None:
            daemon.stdout.close()
