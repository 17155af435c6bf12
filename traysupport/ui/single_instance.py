"""One tray app per user (and per TRAYSUPPORT_HOME): a second launch shows the first.

Who runs is decided by a lock file, held for the life of the process: Qt's QLockFile
notices a lock left by a crashed process (its PID is gone) and takes it over, and two
launches at the same instant cannot both win, which a socket alone cannot promise.
The local socket is only the doorbell: a second launch connects, says "show" (and
maybe which ticket), and exits; the first emits `activated` to come forward.
Two instances must never both run the service: each would notify, so every alert
would come twice.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import logging
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QLockFile, QObject, Qt, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from traysupport import paths

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "tray.lock"
SHOW = "show"
MAX_MESSAGE_BYTES = 1024
CONNECT_TIMEOUT_MS = 1000
CONNECT_ATTEMPTS = 3
"""The first instance takes the lock a moment before it listens: try a few times."""


def server_name() -> str:
    """The socket's name: per user, and per TRAYSUPPORT_HOME so tests stay apart."""
    user = str(os.getuid()) if hasattr(os, "getuid") else getpass.getuser()
    home = str(paths.home_override() or "")
    digest = hashlib.sha256(f"{user}\0{home}".encode()).hexdigest()[:12]
    return f"traysupport-{user}-{digest}"


def parse_message(raw: bytes) -> str | None:
    """The ticket ref of a "show [REF]" line ("" for none), or None if it is not one."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    word, _, ref = text.partition(" ")
    if word != SHOW or "\n" in ref:
        return None
    return ref.strip()


class SingleInstance(QObject):
    """`acquire()` once at start; the winner gets `activated(ref)` from later launches."""

    activated = Signal(str)
    """A later launch asked to be shown; the ticket ref to focus, or ""."""
    _heard = Signal(str)
    """Internal: queued, so the app acts once the socket's own signal has returned."""

    def __init__(self, parent: QObject | None = None, *, lock_path: Path | None = None) -> None:
        super().__init__(parent)
        self._name = server_name()
        self._lock_path = lock_path or paths.runtime_dir() / LOCK_FILE_NAME
        self._lock: QLockFile | None = None
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}
        self._heard.connect(self.activated, Qt.ConnectionType.QueuedConnection)

    @property
    def name(self) -> str:
        """The local socket's name."""
        return self._name

    def acquire(self, ref: str = "") -> bool:
        """True when this process is the one to run; else the running one was told to show.

        *ref* is a ticket the running instance should bring forward.
        """
        lock = QLockFile(str(self._lock_path))
        # The lock lives as long as the app: it must never count as stale by its age.
        lock.setStaleLockTime(0)
        with contextlib.suppress(OSError):
            self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        if lock.tryLock(0):
            self._lock = lock
            self._listen()
            return True
        if lock.error() == QLockFile.LockError.LockFailedError:
            self._ring(ref)  # held by a live process: that one runs, whether it answers or not
            return False
        # No lock can be made here (permissions?): the doorbell is the only guard left.
        log.warning("cannot use the lock file %s (%s)", self._lock_path, lock.error())
        if self._ring(ref):
            return False
        self._listen()
        return True

    def release(self) -> None:
        """Stop listening and give up the lock (at quit)."""
        for socket in list(self._buffers):
            self._drop(socket)
        self._buffers.clear()
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    # -- the second launch --------------------------------------------------------------

    def _ring(self, ref: str) -> bool:
        """Tell the running instance to show itself; False when nobody answers."""
        message = f"{SHOW} {ref}".strip().encode("utf-8") + b"\n"
        for _attempt in range(CONNECT_ATTEMPTS):
            socket = QLocalSocket()
            socket.connectToServer(self._name)
            if socket.waitForConnected(CONNECT_TIMEOUT_MS):
                socket.write(QByteArray(message))
                socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
                socket.disconnectFromServer()
                return True
        log.warning("traysupport is running but does not answer on %s", self._name)
        return False

    # -- the first launch ---------------------------------------------------------------

    def _listen(self) -> None:
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        # We hold the lock, so a socket file left under this name is a crashed run's.
        QLocalServer.removeServer(self._name)
        if not server.listen(self._name):
            # Still the only instance (the lock says so); later launches just can't ring.
            log.warning("cannot listen on %s: %s", self._name, server.errorString())
            return
        server.newConnection.connect(self._accept)
        self._server = server

    @Slot()
    def _accept(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            socket = server.nextPendingConnection()
            self._buffers[socket] = b""
            # Slots that find their socket by sender(): a lambda holding the socket would
            # keep a Python wrapper alive into its destructor.
            socket.readyRead.connect(self._read)
            socket.disconnected.connect(self._closed)
            if socket.bytesAvailable():
                self._take(socket, final=False)

    @Slot()
    def _read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._take(socket, final=False)

    @Slot()
    def _closed(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._take(socket, final=True)

    def _take(self, socket: QLocalSocket, *, final: bool) -> None:
        """Read what *socket* sent; once it is a whole line (or it closed), act on it."""
        if socket not in self._buffers:
            return  # this connection has had its say
        data = self._buffers[socket] + bytes(socket.readAll().data())
        if not (final or b"\n" in data or len(data) > MAX_MESSAGE_BYTES):
            self._buffers[socket] = data
            return
        del self._buffers[socket]
        self._drop(socket)
        if data:
            self._deliver(data.partition(b"\n")[0][:MAX_MESSAGE_BYTES])

    def _drop(self, socket: QLocalSocket) -> None:
        socket.readyRead.disconnect(self._read)
        socket.disconnected.disconnect(self._closed)
        socket.disconnectFromServer()
        socket.deleteLater()

    def _deliver(self, raw: bytes) -> None:
        ref = parse_message(raw)
        if ref is None:
            log.warning("ignored a message on %s that is not a show request", self._name)
            return
        log.info("another launch asked to show the window")
        self._heard.emit(ref)
