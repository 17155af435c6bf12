"""Watch the settings files while the app runs, and load them again when they change.

The user's ``config.toml`` and the team defaults file are watched with a
`QFileSystemWatcher`. Editors and `traysupport.config_edit` save by writing a temp file
and renaming it over the old one (`os.replace`): the watch on the file then ends with
the old file, so its folder is watched too (the rename shows there), and the file is
watched again once it is back. A burst of changes (an editor's temp file, its rename,
a second save) is taken as one after `DEBOUNCE_MS` of quiet; a change that leaves the
files' bytes as they were (another file in the folder) is no change.

The files are then loaded by the real loader: valid settings go to *on_valid*; invalid
ones to *on_invalid* with the loader's message, once per distinct bad content (the
last good settings stay in force meanwhile, so nothing else is done).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Slot

if TYPE_CHECKING:
    from traysupport.config import Config

log = logging.getLogger(__name__)

DEBOUNCE_MS = 400
"""Quiet time after the last change before the files are read."""


class ConfigWatch(QObject):
    """Calls *on_valid(config)* or *on_invalid(message)* after the watched files change.

    *files* are the settings files (the user's, the team's; a missing one is watched
    for through its folder); *load* is the loader (`config.load_config` on them).
    """

    def __init__(
        self,
        files: Sequence[Path],
        *,
        load: Callable[[], Config],
        on_valid: Callable[[Config], None],
        on_invalid: Callable[[str], None],
        debounce_ms: int = DEBOUNCE_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._files = [Path(f).absolute() for f in files]
        self._load, self._on_valid, self._on_invalid = load, on_valid, on_invalid
        self._watcher = QFileSystemWatcher(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._settled)
        self._watcher.fileChanged.connect(self._changed)
        self._watcher.directoryChanged.connect(self._changed)
        self._seen: tuple[bytes | None, ...] = ()
        self._reported: tuple[bytes | None, ...] | None = None
        """The content whose problems were last told (told once, not at every save)."""

    def start(self) -> None:
        """Watch from now on; the files' content now is taken as the one in force."""
        self._seen = self._contents()
        self._rewatch()

    def stop(self) -> None:
        """Watch no more (idempotent)."""
        self._timer.stop()
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)

    @property
    def watched(self) -> list[str]:
        """The paths watched now (files and folders)."""
        return self._watcher.files() + self._watcher.directories()

    def _rewatch(self) -> None:
        """Watch each file that exists and each file's folder (again, after a rename);
        for a folder not made yet (a first start), its nearest folder that exists."""
        wanted = {str(f) for f in self._files if f.is_file()}
        wanted |= {str(_existing(f.parent)) for f in self._files}
        missing = sorted(wanted - set(self.watched))
        if missing:
            self._watcher.addPaths(missing)

    @Slot(str)
    def _changed(self, _path: str) -> None:
        self._timer.start()  # restarted by every change of a burst

    @Slot()
    def _settled(self) -> None:
        self._rewatch()
        contents = self._contents()
        if contents == self._seen:
            return
        self._seen = contents
        from traysupport.config import ConfigError  # noqa: PLC0415  # after the icon: see `app`

        try:
            config = self._load()
        except ConfigError as error:
            if contents != self._reported:
                self._reported = contents
                log.warning("the changed settings were not applied: %s", error)
                self._on_invalid(str(error))
            return
        except OSError as error:  # unreadable now (a permission, a vanished folder)
            log.warning("could not read the changed settings: %s", error)
            return
        self._reported = None
        self._on_valid(config)

    def _contents(self) -> tuple[bytes | None, ...]:
        """Each file's bytes (None when it is missing or unreadable)."""
        found: list[bytes | None] = []
        for path in self._files:
            try:
                found.append(path.read_bytes())
            except OSError:
                found.append(None)
        return tuple(found)


def _existing(folder: Path) -> Path:
    """*folder*, or its nearest ancestor that exists."""
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return folder
