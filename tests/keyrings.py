"""Keyring backends for tests: the system here has no Secret Service.

`MemoryKeyring` is set in-process with `keyring.set_keyring`. A subprocess cannot see
it, so `FileKeyring` keeps passwords in a JSON file named by `KEYRING_FILE_ENV`; a
subprocess gets it with ``PYTHON_KEYRING_BACKEND=tests.keyrings.FileKeyring`` (and the
repository on PYTHONPATH). Both are for tests only: a token in a file is what the app
itself never does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors
from jaraco.classes import properties

KEYRING_FILE_ENV = "TEST_KEYRING_FILE"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps passwords in a dict (set it with `keyring.set_keyring`)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


class FileKeyring(keyring.backend.KeyringBackend):
    """A keyring in the JSON file $TEST_KEYRING_FILE, readable by the test after a subprocess."""

    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 -- a class property
        # Not viable unless a test asked for it: keyring picks any backend class it sees.
        if KEYRING_FILE_ENV not in os.environ:
            raise RuntimeError(f"{KEYRING_FILE_ENV} is not set")
        return 1

    @staticmethod
    def _path() -> Path:
        return Path(os.environ[KEYRING_FILE_ENV])

    def _read(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read() | {f"{service}/{username}": password}
        self._path().write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if data.pop(f"{service}/{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._path().write_text(json.dumps(data), encoding="utf-8")


def file_keyring_env(path: Path) -> dict[str, str]:
    """Environment variables that make a subprocess use a `FileKeyring` at *path*."""
    root = str(Path(__file__).resolve().parent.parent)
    pythonpath = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH", "")]))
    return {
        "PYTHON_KEYRING_BACKEND": "tests.keyrings.FileKeyring",
        KEYRING_FILE_ENV: str(path),
        "PYTHONPATH": pythonpath,
    }
