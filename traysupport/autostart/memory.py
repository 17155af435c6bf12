"""What the app did about start at login, so that a user's own change is never undone.

One small JSON file in the data folder: ``{"setting": bool | null, "created": bool}``
— the ``start_at_login`` value last applied (null: none yet, the user chose first in
the app), and whether the entry exists because of
us (the setting, or the switch in the tray or the settings window). A missing or
unreadable file is "nothing done yet".
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from traysupport import paths
from traysupport.autostart.base import write_atomically

log = logging.getLogger("traysupport.autostart")

MEMORY_FILE_NAME = "autostart.json"


@dataclass(frozen=True, slots=True)
class Record:
    """What was done last."""

    setting: bool | None
    """The start_at_login value last applied (None: none yet)."""
    created: bool
    """True while the entry exists because we wrote it."""


class Memory:
    """The record's file (default: in the data folder, read from the environment)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        """The file."""
        return self._path if self._path is not None else paths.data_dir() / MEMORY_FILE_NAME

    def load(self) -> Record | None:
        """The record, or None when nothing was recorded (or it cannot be read)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            setting = raw["setting"]
            return Record(
                setting=None if setting is None else bool(setting), created=bool(raw["created"])
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("ignoring %s, which cannot be read: %s", self.path, error)
            return None

    def save(self, record: Record) -> None:
        """Keep *record*; a failure is logged (the worst case is asking once more)."""
        try:
            write_atomically(self.path, json.dumps(asdict(record)).encode())
        except OSError as error:
            log.warning("cannot remember the start-at-login choice in %s: %s", self.path, error)
