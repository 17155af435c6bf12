"""Logging to a rotating file in the user log dir, and warnings to the terminal."""

from __future__ import annotations

import logging
import logging.handlers

from traysupport import paths

LOG_FILE = "traysupport.log"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure(verbose: bool = False) -> None:
    """Send INFO and up to the log file; WARNING (INFO when verbose) to stderr."""
    root = logging.getLogger()
    if getattr(root, "_traysupport_configured", False):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.INFO if verbose else logging.WARNING)
    terminal.setFormatter(logging.Formatter("traysupport: %(message)s"))
    root.addHandler(terminal)
    try:
        folder = paths.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        to_file = logging.handlers.RotatingFileHandler(
            folder / LOG_FILE, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as error:
        root.warning("cannot write the log file (%s); logging to the terminal only", error)
    else:
        to_file.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(to_file)
    root._traysupport_configured = True  # type: ignore[attr-defined]
    # urllib3 logs every connection at DEBUG; its warnings are enough.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
