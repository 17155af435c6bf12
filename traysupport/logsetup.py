"""Logging to a rotating file in the user log dir, and warnings to the terminal.

Every handler masks the registered secrets (`traysupport.sources.redact`) from every
record — message, arguments, exception and stack text — whatever logged it, and writes
control and bidi characters as escapes (`traysupport.textout`): a log line read in a
terminal (stderr, or `tail -f` on the file) cannot drive it.
"""

from __future__ import annotations

import logging
import logging.handlers

from traysupport import paths
from traysupport.sources.redact import redact
from traysupport.textout import visible

LOG_FILE = "traysupport.log"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Masks registered secrets in a record before any handler formats it.

    The message is formatted here (arguments included) and the record keeps only the
    masked text; exception and stack text are formatted and masked the same way.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place; never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg!s} {record.args!r}"  # a bad format string still logs
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class VisibleFormatter(logging.Formatter):
    """A formatter whose lines show control and bidi characters as escapes."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, made safe for a terminal."""
        return visible(super().format(record))


def configure(verbose: bool = False) -> None:
    """Send INFO and up to the log file; WARNING (INFO when verbose) to stderr."""
    root = logging.getLogger()
    if getattr(root, "_traysupport_configured", False):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.INFO if verbose else logging.WARNING)
    terminal.setFormatter(VisibleFormatter("traysupport: %(message)s"))
    terminal.addFilter(RedactingFilter())
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
        to_file.setFormatter(VisibleFormatter(FORMAT))
        to_file.addFilter(RedactingFilter())
        root.addHandler(to_file)
    root._traysupport_configured = True  # type: ignore[attr-defined]
    # urllib3 logs every connection at DEBUG; its warnings are enough.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
