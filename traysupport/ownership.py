"""Which process shows a home's notifications: the one holding its notifications lock.

Several traysupport processes may run on one home (the tray app, `watch` in a terminal,
`status` and `ack` now and then). Alerts are recorded as fired when they are shown, so
only one process may show them: two would both notify, and a process that shows nothing
must not mark anything fired. The holder of an advisory lock on a file in the runtime
folder is that process. The operating system drops the lock when the process ends,
however it ends (`kill -9` included), so a crashed holder never blocks the next one.

`try_hold` never blocks: a process that cannot get the lock goes on without notifying
and tries again later, so it takes over when the holder quits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import IO

from traysupport import paths

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "notifications.lock"


class NotificationsLock:
    """An advisory, non-blocking lock on one file; held until `release` or process exit."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.runtime_dir() / LOCK_FILE_NAME
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        """True while this process holds the lock."""
        return self._file is not None

    def try_hold(self) -> bool:
        """Take the lock if it is free; True when this process holds it (now or already)."""
        if self._file is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # "a+": never truncate a file whose lock someone else holds.
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115  # kept open
        except OSError as error:
            # Without a lock file nobody can coordinate; notifying beats staying silent.
            log.warning("cannot open %s (%s); notifying without a lock", self.path, error)
            return True
        if not _lock(handle):
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def holder(self) -> int | None:
        """The process id the holder wrote, when it can be read."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        """Let another process take the lock (the file stays: deleting it would race)."""
        if self._file is None:
            return
        with contextlib.suppress(OSError):
            self._file.truncate(0)
        self._file.close()  # closing the descriptor drops the lock
        self._file = None


def _lock(handle: IO[str]) -> bool:
    """Lock *handle* without waiting; False when another process holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt  # noqa: PLC0415

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl  # noqa: PLC0415

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
