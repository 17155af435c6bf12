"""tokens: the keyring's status for the window and doctor, where a token comes from, and
that keeping one never falls back to a file."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from tests.keyrings import MemoryKeyring
from traysupport import tokens

UseKeyring = Callable[[keyring.backend.KeyringBackend], Any]


@pytest.fixture
def use_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[UseKeyring]:
    """Set a keyring backend for one test; no TRAYSUPPORT_ variables leak in."""
    for name in [n for n in os.environ if n.startswith("TRAYSUPPORT_")]:
        monkeypatch.delenv(name)
    before = keyring.get_keyring()

    def use(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(before)


def test_a_working_keyring_is_named(use_keyring: UseKeyring) -> None:
    use_keyring(MemoryKeyring())
    status = tokens.keyring_status()
    assert status.works and status.how_to_get == ""
    assert status.backend == "tests.keyrings.MemoryKeyring"
    assert "OS keyring (tests.keyrings.MemoryKeyring)" in status.summary


def test_no_keyring_says_how_to_get_one_and_the_environment_way(use_keyring: UseKeyring) -> None:
    use_keyring(fail.Keyring())
    status = tokens.keyring_status()
    assert not status.works
    assert "gnome-keyring" in status.how_to_get or "Keychain" in status.how_to_get
    assert "TRAYSUPPORT_<TOKEN_REF>_TOKEN" in status.env_alternative
    assert status.how_to_get in status.summary and status.env_alternative in status.summary


def test_where_a_token_comes_from(use_keyring: UseKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = use_keyring(MemoryKeyring())
    assert tokens.token_origin("desk") is None and not tokens.has_token("desk")
    monkeypatch.setenv("TRAYSUPPORT_DESK_TOKEN", "env-secret")
    assert tokens.token_origin("desk") == "TRAYSUPPORT_DESK_TOKEN"
    tokens.set_secret("desk", "kept-secret")
    assert backend.passwords == {("traysupport", "desk"): "kept-secret"}
    assert tokens.token_origin("desk") == "keyring" and tokens.has_token("desk")
    assert tokens.get_secret("desk") == "kept-secret"


def test_without_a_keyring_keeping_a_token_refuses_and_writes_no_file(
    use_keyring: UseKeyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_keyring(fail.Keyring())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path))
    with pytest.raises(tokens.SecretError, match=r"TRAYSUPPORT_DESK_TOKEN.*get a keyring"):
        tokens.set_secret("desk", "never-in-a-file-Q2")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not any("never-in-a-file-Q2" in p.read_text(errors="replace") for p in written)


def test_config_still_offers_the_token_functions() -> None:
    from traysupport import config

    assert config.get_secret is tokens.get_secret
    assert config.set_secret is tokens.set_secret
    assert config.SECRET_SERVICE == "traysupport"
