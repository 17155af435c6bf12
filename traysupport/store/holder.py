"""Who holds an outbox lease: a process named by machine, pid and a random part.

The store stamps every action it claims with its holder's name, so another process can
tell whether the holder may still be sending it. A holder on this machine whose pid is
gone is known to be dead at once (that keeps recovery after ``kill -9`` fast); a holder
elsewhere, or one this process cannot check, is taken for alive, and only its lease's
expiry frees its actions. Erring towards "alive" can only delay a send, never double it.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import threading
from dataclasses import dataclass

_SEPARATOR = "|"

_open: set[str] = set()
"""The holders (text form) of the stores open in this process."""
_open_lock = threading.Lock()


def _this_machine() -> str:
    """This host, and on Linux its pid namespace: a pid means nothing outside its namespace.

    A sandboxed app (Flatpak, a container) shares the host name but not the pids, so a
    pid from there must not be looked up here.
    """
    host = socket.gethostname().replace(_SEPARATOR, "_")
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:  # not Linux, or /proc hidden: the host name alone
        return host
    return f"{host}#pidns{namespace}"


MACHINE = _this_machine()


@dataclass(frozen=True, slots=True)
class Holder:
    """A process that may hold outbox leases; its text form is what the store keeps."""

    machine: str
    pid: int
    nonce: str
    """Random, per store: tells two stores of one process (and a reused pid) apart."""

    @classmethod
    def new(cls) -> Holder:
        """A fresh name for a store opened by this process."""
        return cls(MACHINE, os.getpid(), secrets.token_hex(6))

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        """The holder named by *text*, or None when it is not one (an older or newer format)."""
        parts = text.split(_SEPARATOR)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2])

    def __str__(self) -> str:
        return _SEPARATOR.join((self.machine, str(self.pid), self.nonce))

    @property
    def here(self) -> bool:
        """True when it runs (or ran) on this machine, where its pid can be looked up."""
        return self.machine == MACHINE

    @property
    def host(self) -> str:
        """The host name alone, for people."""
        return self.machine.split("#", 1)[0]

    def describe(self) -> str:
        """How a message names it: "traysupport (pid 4242)", with the host when elsewhere."""
        where = "" if self.here else f" on {self.host}"
        return f"traysupport (pid {self.pid}{where})"


def opened(holder: Holder) -> None:
    """Note that a store of this process, named *holder*, is open."""
    with _open_lock:
        _open.add(str(holder))


def closed(holder: Holder) -> None:
    """Note that the store named *holder* closed: it records no outcome any more."""
    with _open_lock:
        _open.discard(str(holder))


def gone(owner: str) -> bool:
    """True when the holder named *owner* is known to send nothing more; False in doubt.

    In this process the open stores are known exactly, so a closed store's actions are
    free at once; on this machine a holder whose pid no longer runs has stopped.
    """
    holder = Holder.parse(owner)
    if holder is None or not holder.here:
        return False
    if holder.pid == os.getpid():
        with _open_lock:
            return owner not in _open
    return not pid_alive(holder.pid)


def describe(owner: str | None) -> str:
    """The holder named *owner* as log lines and messages name it."""
    holder = Holder.parse(owner or "")
    return holder.describe() if holder is not None else "an unknown process"


def pid_alive(pid: int) -> bool:
    """False only when no process *pid* runs on this machine; True when in doubt."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        # Signal 0 checks the pid without sending anything.
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's process, which is alive
        return True
    return True


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
    _ERROR_INVALID_PARAMETER = 87
    _STILL_ACTIVE = 259

    def _windows_pid_alive(pid: int) -> bool:
        # Not os.kill: on Windows, signal 0 is CTRL_C_EVENT and would interrupt the holder.
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return ctypes.get_last_error() != _ERROR_INVALID_PARAMETER
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == _STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
