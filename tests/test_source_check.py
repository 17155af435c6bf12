"""source_check: one source tested off any GUI against a real local team-API server:
what it found, or the error and its fix, within its budget and never with the token."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import FAULT_TOKEN
from tests.faultserver import Fault, FaultServer
from traysupport.config import Config, load_config
from traysupport.source_check import CheckResult, check_named, check_source


def team_config(tmp_path: Path, url: str, me: str = "alice") -> Config:
    path = tmp_path / "config.toml"
    path.write_text(
        f'config_version = 2\nme = "{me}"\n'
        f'[[source]]\nname = "desk"\nprovider = "team-api"\nurl = "{url}"\n',
        encoding="utf-8",
    )
    return load_config(path)


def no_token_in(result: CheckResult) -> None:
    for text in (result.summary, result.error, result.fix, result.text):
        assert FAULT_TOKEN not in text


def test_a_source_that_answers_says_what_it_found(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    config = team_config(tmp_path, fault_server.url)
    result = check_source(config.sources[0], config, token=FAULT_TOKEN)
    assert result.ok, result
    assert "open ticket" in result.summary and "you are Alice Martin" in result.summary
    assert "people" in result.summary and result.error == ""
    assert fault_server.count("/api/v1/tickets") >= 1 or fault_server.hits("tickets") >= 1
    no_token_in(result)


def test_a_refused_token_gives_the_error_and_fix_without_the_token(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    fault_server.set("tickets", Fault.echo_auth(401))
    config = team_config(tmp_path, fault_server.url)
    result = check_source(config.sources[0], config, token=FAULT_TOKEN)
    assert not result.ok and result.summary == ""
    assert result.error.startswith("desk: ")
    assert "token" in result.fix.lower()
    no_token_in(result)


def test_a_server_that_never_answers_is_given_up_on_within_the_budget(
    tmp_path: Path, fault_server: FaultServer
) -> None:
    fault_server.set("tickets", Fault.hang())
    config = team_config(tmp_path, fault_server.url)
    started = time.monotonic()
    result = check_source(config.sources[0], config, token=FAULT_TOKEN, budget=1.0)
    assert time.monotonic() - started < 8  # budget + closing grace; the bug was 30 s+
    assert not result.ok
    assert "desk" in result.error
    assert result.error.startswith("desk: ") and "within 1 s" in result.error


def test_no_such_source_names_the_configured_ones(tmp_path: Path) -> None:
    config = team_config(tmp_path, "https://desk.example.com/api")
    result = check_named(config, "nope")
    assert not result.ok and "nope" in result.error and "desk" in result.fix


@pytest.mark.parametrize("me", ["nobody-here"])
def test_a_me_nobody_matches_is_said(tmp_path: Path, fault_server: FaultServer, me: str) -> None:
    config = team_config(tmp_path, fault_server.url, me=me)
    result = check_source(config.sources[0], config, token=FAULT_TOKEN)
    assert result.ok and "nobody there matches me = 'nobody-here'" in result.summary
