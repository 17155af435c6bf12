"""The rotation-file provider: a team's rotation written as a TOML file, no scheduling tool.

The file (format: docs/providers.md#rotation-file, parsed by `rotation_format`) is read
from a local path or an http(s) URL on every fetch, so an edit shows on the next poll;
the expansion into shifts is `core.rotation_plan`'s (no I/O there).

Relative paths: the provider's `SourceContext` does not carry the config file's folder,
so the config loader anchors a relative ``path`` to the folder of the file that sets it
(`traysupport.sources.local_paths`): a team ships the rotation file beside its team
defaults. A relative path that reaches the provider unanchored is refused with the fix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from traysupport.core.model import Person, Shift, require_aware
from traysupport.core.rotation_plan import all_shifts
from traysupport.sources.base import BadDataError
from traysupport.sources.files import read_text_file
from traysupport.sources.http import HttpClient
from traysupport.sources.local_paths import anchored_path, is_relative_path
from traysupport.sources.provider import ProviderSpec, SourceContext
from traysupport.sources.rotation_format import RotationFile, RotationFileError, parse_rotation
from traysupport.sources.settings import InvalidValueError, Kind, setting

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000
"""A rotation file is a few kilobytes; anything past a megabyte is the wrong file."""
TOML_TYPES = ("application/toml", "text/plain", "text/x-toml", "application/octet-stream")
"""What servers and file hosts label a .toml file as."""


class FileOrUrl(Kind[str]):
    """An http(s) URL, or a path to the rotation file: absolute, ``~``, or relative to the
    folder of the config file that names it (anchored by the loader, `anchored`)."""

    label = "file path or http(s) URL"

    def anchored(self, raw: object, folder: Path) -> object:
        """A relative path written in a config file in *folder*, as a path in *folder*."""
        if not isinstance(raw, str) or is_url(raw.strip()) or "://" in raw:
            return raw
        return anchored_path(raw.strip(), folder)

    def parse(self, raw: object) -> str:
        """The location as written; a relative path or another scheme is refused."""
        fix = 'write an absolute path like "/etc/team/rotation.toml" or "~/rotation.toml", or a URL'
        if not isinstance(raw, str):
            raise InvalidValueError("is not text", fix)
        text = raw.strip()
        if not text:
            return ""
        if is_url(text):
            return text
        if "://" in text:
            raise InvalidValueError("is not an http(s) URL or a file path", fix)
        if is_relative_path(text):
            # Only a config file gives a relative path a folder (the loader anchors it).
            raise InvalidValueError(
                "is a relative path (it would depend on the folder the app starts in)", fix
            )
        return text


def is_url(text: str) -> bool:
    """True for an http:// or https:// location."""
    return text.lower().startswith(("http://", "https://"))


class RotationFileSource:
    """A RotationSource over one rotation file (path or URL), read afresh on every fetch."""

    def __init__(self, name: str, location: str, *, http: HttpClient | None) -> None:
        self._name = name
        self._location = location
        self._http = http
        self._file: RotationFile | None = None

    @property
    def name(self) -> str:
        """The source's name."""
        return self._name

    def close(self) -> None:
        """Close the HTTP connections, if any."""
        if self._http is not None:
            self._http.close()

    def fetch_me(self) -> Person | None:
        """A file has no login: who I am comes from the source's ``me``."""
        return None

    def fetch_people(self) -> list[Person]:
        """The file's members."""
        return list(self._read().people.values())

    def fetch_shifts(self, since: datetime, until: datetime) -> list[Shift]:
        """Every rotation's shifts in the file overlapping [since, until), UTC."""
        require_aware(since, "since")
        require_aware(until, "until")
        file = self._read()
        try:
            return all_shifts(file.plans, file.people, since, until)
        except ValueError as error:  # a window too long: the caller's mistake, said plainly
            raise BadDataError(
                self._name, f"the rotation file could not be expanded: {error}"
            ) from None

    def _read(self) -> RotationFile:
        text = self._text()
        try:
            self._file = parse_rotation(text, self._where())
        except RotationFileError as error:
            raise BadDataError(
                self._name,
                "the rotation file is not valid: " + "; ".join(error.problems),
                "Fix the file (check it with `traysupport rotation check FILE`).",
            ) from None
        return self._file

    def _where(self) -> str:
        return self._location

    def _text(self) -> str:
        if self._http is not None:
            return self._http.get_text(self._location, types=TOML_TYPES)
        return read_file(self._name, Path(self._location).expanduser())


def read_file(source: str, path: Path) -> str:
    """The file's UTF-8 text, or a SourceError saying what is wrong with it."""
    return read_text_file(source, path, "the rotation file", MAX_FILE_BYTES)


@dataclass(frozen=True, slots=True)
class RotationFileSettings:
    """Where the rotation file is."""

    path: str = setting(
        FileOrUrl(),
        "",
        "The rotation file: a path (relative: beside this config file) or an https:// URL.",
    )


def _build(settings: RotationFileSettings, context: SourceContext) -> RotationFileSource:
    if is_url(settings.path):
        # A private link may hold a token (a raw-file URL with ?token=): never shown.
        http = context.http(settings.path, url_is_secret=True)
        return RotationFileSource(context.name, settings.path, http=http)
    return RotationFileSource(context.name, settings.path, http=None)


SPEC = ProviderSpec(
    name="rotation-file",
    roles=frozenset({"rotation"}),
    settings=RotationFileSettings,
    build=_build,
    description="A rotation written in a TOML file (path or URL), for teams without a scheduler.",
    docs="docs/providers.md#rotation-file",
    required=("path",),
    needs_token=False,
)
