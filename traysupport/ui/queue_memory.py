"""What the queue window remembers between runs: its size and its filter, in a JSON file.

A missing file gives the defaults; an unreadable or damaged one is logged and ignored,
and a failed save loses only the size: neither ever reaches the user.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QSize

from traysupport.ui.queue_model import QueueFilter

log = logging.getLogger(__name__)

STATE_FILE_NAME = "queue-window.json"
DEFAULT_SIZE = QSize(880, 480)


def load_view(path: Path, minimum: QSize) -> tuple[QSize, QueueFilter]:
    """The size (at least *minimum*) and filter saved in *path*, or the defaults."""
    size, which = DEFAULT_SIZE, QueueFilter.ALL
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        size = QSize(int(saved["width"]), int(saved["height"])).expandedTo(minimum)
        which = QueueFilter(saved.get("filter", "all"))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("ignoring %s: %s", path, error)
    return size, which


def save_view(path: Path, size: QSize, which: QueueFilter) -> None:
    """Write *size* and *which* to *path* through a scratch file (a crash leaves the old)."""
    data = {"width": size.width(), "height": size.height(), "filter": str(which)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(".tmp")
        scratch.write_text(json.dumps(data), encoding="utf-8")
        scratch.replace(path)
    except OSError as error:  # only the size is lost
        log.warning("could not save the window size to %s: %s", path, error)
