"""`traysupport doctor`'s checks of the settings that need no network: a source that needs
a token and has none, and a source on a provider whose API is ending (Opsgenie).

Doctor runs in-process on a real config file; every source points at one local server
that refuses everyone, so the source checks run too and nothing leaves the machine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import keyring.backend
import pytest
from pytest_httpserver import HTTPServer

from tests.test_config import MemoryKeyring
from traysupport import doctor
from traysupport.sources.opsgenie import API_ENDS

SECRET = "pd-secret-Zq81-never-shown"
"""A token in the environment: doctor must find it and never print it."""


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """A keyring that keeps tokens in memory, and no TRAYSUPPORT_ variables."""
    for name in [n for n in os.environ if n.startswith("TRAYSUPPORT_")]:
        monkeypatch.delenv(name)
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def refusing(httpserver: HTTPServer) -> str:
    """A local server answering 401 to every request; its base URL."""
    httpserver.expect_request(re.compile("^/")).respond_with_json(
        {"error": "unauthorized"}, status=401
    )
    return httpserver.url_for("").rstrip("/")


def doctor_lines(config: Path, now: datetime | None = None) -> list[str]:
    lines: list[str] = []
    doctor.run(config, demo=False, out=lines.append, now=now)
    return lines


def write_config(tmp_path: Path, url: str) -> Path:
    rotation = tmp_path / "rotation.toml"
    rotation.write_text(
        Path(__file__).parents[1].joinpath("docs", "examples", "rotation.toml").read_text()
    )
    config = tmp_path / "config.toml"
    config.write_text(
        "config_version = 2\n"
        f'[[source]]\nname = "pd"\nprovider = "pagerduty"\nurl = "{url}"\n'
        f'[[source]]\nname = "pd-env"\nprovider = "pagerduty"\nurl = "{url}"\n'
        f'[[source]]\nname = "pd-kept"\nprovider = "pagerduty"\nurl = "{url}"\n'
        'token_ref = "kept"\n'
        f'[[source]]\nname = "rota"\nprovider = "rotation-file"\npath = "{rotation}"\n',
        encoding="utf-8",
    )
    return config


def test_a_source_that_needs_a_token_and_has_none_is_named_with_how_to_give_it(
    tmp_path: Path,
    refusing: str,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRAYSUPPORT_PD_ENV_TOKEN", SECRET)
    memory_keyring.set_password("traysupport", "kept", "kept-secret-Yy7")

    lines = doctor_lines(write_config(tmp_path, refusing))

    missing = [line for line in lines if "no token" in line]
    assert len(missing) == 1, lines  # pd-env (environment) and pd-kept (keyring) have one
    line = missing[0]
    assert line.startswith("! pd (pagerduty):"), line
    assert 'token_ref "pd"' in line
    assert "TRAYSUPPORT_PD_TOKEN" in line
    assert 'keyring (service "traysupport", user name "pd"' in line
    # The rotation file needs none; it is not asked for one.
    assert not any(line.startswith("! rota") for line in lines), lines
    text = "\n".join(lines)
    assert SECRET not in text and "kept-secret-Yy7" not in text
    assert lines[-1].endswith("problem(s) found."), "doctor stopped before its last line"


def test_a_token_ref_shared_by_two_sources_is_named_once_per_source(
    tmp_path: Path, refusing: str, memory_keyring: MemoryKeyring
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "config_version = 2\n"
        f'[[source]]\nname = "a"\nprovider = "pagerduty"\nurl = "{refusing}"\n'
        'token_ref = "team-pd"\n'
        f'[[source]]\nname = "b"\nprovider = "opsgenie"\nurl = "{refusing}"\n'
        'token_ref = "team-pd"\n',
        encoding="utf-8",
    )

    missing = [line for line in doctor_lines(config) if "no token" in line]

    assert [line.split(":")[0] for line in missing] == ["! a (pagerduty)", "! b (opsgenie)"]
    assert all("TRAYSUPPORT_TEAM_PD_TOKEN" in line for line in missing), missing


def opsgenie_config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'config_version = 2\n[[source]]\nname = "ops"\nprovider = "opsgenie"\nurl = "{url}"\n',
        encoding="utf-8",
    )
    return config


def test_an_opsgenie_source_is_told_when_its_api_ends_and_where_to_move(
    tmp_path: Path, refusing: str, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password("traysupport", "ops", "genie-key")
    before = datetime.combine(API_ENDS - timedelta(days=30), datetime.min.time(), UTC)

    lines = doctor_lines(opsgenie_config(tmp_path, refusing), now=before)

    ending = [line for line in lines if "jsm-oncall" in line]
    assert len(ending) == 1, lines
    assert ending[0].startswith("! ops (opsgenie):")
    assert f"ends on {API_ENDS.isoformat()}" in ending[0]
    assert "in 30 days" in ending[0]
    assert "docs/providers.md#jsm-oncall" in ending[0]


def test_after_the_end_an_opsgenie_source_is_told_its_api_has_ended(
    tmp_path: Path, refusing: str, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password("traysupport", "ops", "genie-key")
    after = datetime.combine(API_ENDS, datetime.min.time(), UTC)

    lines = doctor_lines(opsgenie_config(tmp_path, refusing), now=after)

    ending = [line for line in lines if "jsm-oncall" in line and line.startswith("! ops")]
    assert len(ending) == 1, lines
    assert f"ended on {API_ENDS.isoformat()}" in ending[0]


def test_no_keyring_says_how_to_get_one_and_the_environment_way(
    tmp_path: Path, refusing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        lines = doctor_lines(write_config(tmp_path, refusing))
    finally:
        keyring.set_keyring(before)
    (line,) = [line for line in lines if line.startswith("! keyring:")]
    assert "no usable keyring" in line
    assert "gnome-keyring" in line or "Keychain" in line or "Credential Manager" in line
    assert "TRAYSUPPORT_<TOKEN_REF>_TOKEN" in line


def test_a_missing_token_points_at_token_set(
    tmp_path: Path, refusing: str, memory_keyring: MemoryKeyring
) -> None:
    lines = doctor_lines(write_config(tmp_path, refusing))
    (line,) = [line for line in lines if line.startswith("! pd (pagerduty): no token")]
    assert "`traysupport token set pd`" in line
