"""API tokens: kept in the OS keyring, read from it or the environment, never from a file.

A source's token is kept under its ``token_ref`` (default: its name) in the keyring,
service "traysupport". Where no keyring backend works (a minimal Linux desktop without
a Secret Service), a token can come from ``TRAYSUPPORT_<TOKEN_REF>_TOKEN`` (or
``TRAYSUPPORT_TOKEN`` for every source); storing one then fails with a message saying so.
There is no plaintext fallback: a token is never written to a file by traysupport.

`keyring_status` says, for the settings window and ``doctor``, whether the keyring works,
how to get one that does, and the environment alternative.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

import keyring
import keyring.errors

__all__ = [
    "SECRET_SERVICE",
    "KeyringStatus",
    "SecretError",
    "delete_secret",
    "get_secret",
    "has_token",
    "keyring_status",
    "secret_env_names",
    "set_secret",
    "token_origin",
]

log = logging.getLogger(__name__)

SECRET_SERVICE = "traysupport"


class SecretError(Exception):
    """A token cannot be kept; the message says what to do instead."""


def secret_env_names(token_ref: str) -> tuple[str, str]:
    """The environment variables a token is looked up in, most specific first."""
    name = re.sub(r"[^A-Z0-9]", "_", token_ref.upper())
    return f"TRAYSUPPORT_{name}_TOKEN", "TRAYSUPPORT_TOKEN"


def _backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _keyring() -> Any:
    """The keyring backend, or None when it keeps nothing.

    The fail backend (no keyring found) has priority 0; the null backend and a chainer
    with nothing to chain are below that. Real backends are above.
    """
    backend = keyring.get_keyring()
    return backend if backend.priority > 0 else None


# --- status ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """Whether tokens can be kept in the keyring here, and what to do when not."""

    works: bool
    backend: str
    """The backend's dotted class name, e.g. "keyring.backends.SecretService.Keyring"."""
    how_to_get: str
    """How to get a working keyring on this system ("" when one works)."""
    env_alternative: str
    """The environment variables a token can come from instead."""

    @property
    def summary(self) -> str:
        """One line: the backend, or that there is none, with both ways out."""
        if self.works:
            return f"tokens are kept in the OS keyring ({self.backend})"
        return (
            f"no usable keyring ({self.backend}): tokens cannot be kept here. "
            f"{self.how_to_get} Or {self.env_alternative}"
        )


def _how_to_get_one() -> str:
    """How to get a keyring backend on this operating system."""
    if sys.platform == "darwin":
        return "The macOS Keychain should answer: check that the login keychain is unlocked."
    if sys.platform.startswith("win"):
        return "The Windows Credential Manager should answer: check that it runs."
    return (
        "Install and start a Secret Service (gnome-keyring, e.g. `sudo apt install"
        " gnome-keyring`, or KeePassXC with its Secret Service integration on), or KWallet"
        " on KDE, then log in again."
    )


def keyring_status() -> KeyringStatus:
    """Whether the keyring works here; when not, how to get one and the environment way."""
    backend = keyring.get_keyring()
    env = (
        "set the environment variable TRAYSUPPORT_<TOKEN_REF>_TOKEN (or TRAYSUPPORT_TOKEN"
        " for every source) before starting traysupport."
    )
    works = backend.priority > 0
    return KeyringStatus(works, _backend_name(backend), "" if works else _how_to_get_one(), env)


# --- reading and keeping ----------------------------------------------------------------


def _from_keyring(token_ref: str) -> str | None:
    backend = _keyring()
    if backend is None:
        return None
    try:
        value = backend.get_password(SECRET_SERVICE, token_ref)
    except keyring.errors.KeyringError as exc:
        log.warning("keyring unreadable for %s (%s); trying the environment", token_ref, exc)
        return None
    return str(value) if value else None


def token_origin(token_ref: str) -> str | None:
    """Where the token of *token_ref* comes from: "keyring", the environment variable's
    name, or None when there is none. Never the token itself."""
    if _from_keyring(token_ref):
        return "keyring"
    return next((name for name in secret_env_names(token_ref) if os.environ.get(name)), None)


def has_token(token_ref: str) -> bool:
    """Whether a token is kept under *token_ref* (keyring or environment)."""
    return token_origin(token_ref) is not None


def get_secret(token_ref: str) -> str | None:
    """The token kept under *token_ref*: from the keyring, else the environment, else None."""
    value = _from_keyring(token_ref)
    if value:
        return value
    for name in secret_env_names(token_ref):
        if value := os.environ.get(name):
            return value
    return None


def _keyring_or_fail(token_ref: str) -> Any:
    backend = _keyring()
    if backend is None:
        raise SecretError(
            f"No usable keyring on this system to keep the {token_ref} token; set the "
            f"environment variable {secret_env_names(token_ref)[0]} to it instead "
            f"(or get a keyring: {_how_to_get_one()})"
        )
    return backend


def set_secret(token_ref: str, value: str) -> None:
    """Keep *value* as the token of *token_ref* in the keyring; `SecretError` if none.

    Never falls back to a file: without a keyring the error names the environment
    variable to use instead.
    """
    if not value:
        raise ValueError("an empty token cannot be kept; use delete_secret to remove one")
    try:
        _keyring_or_fail(token_ref).set_password(SECRET_SERVICE, token_ref, value)
    except keyring.errors.KeyringError as exc:
        env = secret_env_names(token_ref)[0]
        raise SecretError(
            f"The keyring refused the {token_ref} token ({exc}); set the environment "
            f"variable {env} to it instead."
        ) from exc


def delete_secret(token_ref: str) -> None:
    """Remove the token of *token_ref* from the keyring, if it is there."""
    with contextlib.suppress(keyring.errors.PasswordDeleteError):  # nothing to delete
        _keyring_or_fail(token_ref).delete_password(SECRET_SERVICE, token_ref)
