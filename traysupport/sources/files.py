"""Reading a provider's local file (a calendar feed, a rotation file) as UTF-8 text.

One reading for every file-backed provider: bounded in size, and every failure a
`SourceError` naming the source, the file and what to do.
"""

from __future__ import annotations

from pathlib import Path

from traysupport.sources.base import BadDataError, SourceError


def read_text_file(source: str, path: Path, what: str, max_bytes: int) -> str:
    """The UTF-8 text of *path* (a leading byte-order mark dropped); *what* names the file
    in messages ("the calendar file"), *max_bytes* bounds what is read."""
    hint = f"Check {what}'s path in Settings and that the file is readable."
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise SourceError(source, f"{what} {path} does not exist", hint) from None
    except OSError as error:
        problem = f"{what} {path} could not be read ({error.strerror or 'error'})"
        raise SourceError(source, problem, hint) from None
    if len(data) > max_bytes:
        limit = f"{max_bytes / 1024 / 1024:g} MB"
        raise BadDataError(source, f"{what} {path} is larger than {limit}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadDataError(
            source, f"{what} {path} is not UTF-8 text (byte {error.start})"
        ) from None
