"""Where traysupport keeps its files: the per-user config, data, log and runtime folders.

The folders come from platformdirs (XDG on Linux, ~/Library on macOS, %APPDATA% on
Windows). Setting ``TRAYSUPPORT_HOME`` puts them all under one folder instead, which is
what tests and portable installs want. The environment is read on every call, not at
import, so a test can set it with ``monkeypatch.setenv``.

Nothing here creates a folder: whoever writes a file creates its parent.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import platformdirs

APP_NAME = "traysupport"
HOME_ENV = "TRAYSUPPORT_HOME"

CONFIG_FILE_NAME = "config.toml"
DATABASE_FILE_NAME = "traysupport.sqlite3"
LOG_FILE_NAME = "traysupport.log"


def home_override() -> Path | None:
    """The folder named by ``TRAYSUPPORT_HOME``, or None when it is unset or empty."""
    raw = os.environ.get(HOME_ENV, "").strip()
    return Path(raw).expanduser() if raw else None


def config_dir() -> Path:
    """The folder of the user's settings file."""
    home = home_override()
    # appauthor=False: no "traysupport/traysupport" nesting on Windows.
    return home / "config" if home else platformdirs.user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """The folder of the state database (outbox, fired alerts, history, cache)."""
    home = home_override()
    return home / "data" if home else platformdirs.user_data_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """The folder of the rotating log file."""
    home = home_override()
    return home / "log" if home else platformdirs.user_log_path(APP_NAME, appauthor=False)


def runtime_dir() -> Path:
    """The folder for files that live as long as a session (the demo server's address)."""
    home = home_override()
    if home:
        return home / "run"
    with warnings.catch_warnings():
        # Without a usable $XDG_RUNTIME_DIR platformdirs warns and falls back to a private
        # folder under /tmp, which is all a session file needs; the warning is only noise.
        warnings.simplefilter("ignore", UserWarning)
        return platformdirs.user_runtime_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    """The user's settings file."""
    return config_dir() / CONFIG_FILE_NAME


def database_file() -> Path:
    """The SQLite state database."""
    return data_dir() / DATABASE_FILE_NAME


def log_file() -> Path:
    """The log file (rotated by whoever sets up logging)."""
    return log_dir() / LOG_FILE_NAME
