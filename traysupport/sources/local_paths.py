"""Settings that name a local file: a relative path is read from the config file's folder.

A team ships its rotation file or calendar inside its installer, next to its
``team-defaults.toml``, and writes ``path = "rotation.toml"``. A source is built without
knowing where its config file is, and the folder the app starts in is anyone's guess, so
the config loader anchors such a value when it reads the file that sets it: a setting
kind that implements `FolderRelative` is given the raw value and that file's folder
before it parses. A relative path that reaches `parse` unanchored (nothing said which
file it came from) is refused there with the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class FolderRelative(Protocol):
    """A setting kind whose relative paths mean "beside the config file that sets it"."""

    def anchored(self, raw: object, folder: Path) -> object:
        """*raw* as written in a config file in *folder*: a relative path made absolute
        against *folder*; anything else (a URL, ``~``, an absolute path, not text) as is."""
        ...


def is_relative_path(text: str) -> bool:
    """True for a plain path that is neither absolute nor starts with ``~``."""
    return bool(text) and not Path(text).expanduser().is_absolute()


def anchored_path(text: str, folder: Path) -> str:
    """*text*, a plain path, made absolute against *folder* when it is relative."""
    return str(folder / text) if is_relative_path(text) else text
