"""config show/set, source add/test and token set, as a user runs them: `python -m
traysupport` in a subprocess under its own TRAYSUPPORT_HOME.

The keyring is a file-based test backend the subprocess loads (tests.keyrings.FileKeyring),
or keyring's fail backend for a machine without one. Sources are tested against the
fault server (a real team-API server on 127.0.0.1). No run may print a traceback or the
token; no file but the test keyring may hold the token.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAULT_TOKEN
from tests.faultserver import Fault, FaultServer
from tests.keyrings import file_keyring_env
from tests.test_cli import TIMEOUT, Run, environment

EXIT_FAILED, EXIT_USAGE = 1, 2
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def run(home: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "traysupport", *args],
        env={**environment(home), **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert FAULT_TOKEN not in done.stdout + done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


def config_file(home: Path) -> Path:
    return home / "config" / "config.toml"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def keyring_env(tmp_path: Path) -> dict[str, str]:
    return file_keyring_env(tmp_path / "keyring.json")


def test_config_show_gives_every_setting_with_its_origin(home: Path, tmp_path: Path) -> None:
    team = tmp_path / "team-defaults.toml"
    team.write_text(
        'config_version = 2\n[alerts]\nduty_ending_minutes = 45\nquiet_hours = "23:00-06:00"\n'
    )
    path = config_file(home)
    path.parent.mkdir(parents=True)
    path.write_text('config_version = 2\n[alerts]\nquiet_hours = "22:00-07:00"\n')
    env = {"TRAYSUPPORT_TEAM_DEFAULTS": str(team)}
    shown = run(home, "config", "show", env=env)
    assert shown.code == 0, shown
    lines = shown.out.splitlines()
    assert 'alerts.quiet_hours = "22:00-07:00"  (user)' in lines
    assert "alerts.duty_ending_minutes = 45  (team)" in lines
    assert "poll.queue_seconds = 60  (built-in)" in lines
    assert 'source.demo.provider = "demo"  (built-in)' in lines
    answer = json.loads(run(home, "config", "show", "--json", env=env).out)
    assert answer["alerts.quiet_hours"] == {"value": "22:00-07:00", "origin": "user"}
    assert answer["alerts.duty_soon_minutes"] == {"value": [1440, 15], "origin": "built-in"}


def test_config_set_keeps_comments_and_refuses_what_the_loader_refuses(home: Path) -> None:
    path = config_file(home)
    path.parent.mkdir(parents=True)
    path.write_text('# mine\nconfig_version = 2\nme = "sam"  # me\n')
    done = run(home, "config", "set", "alerts.quiet_hours", "22:00-07:00")
    assert done.code == 0, done
    assert "alerts.quiet_hours" in done.out
    text = path.read_text()
    assert text.startswith('# mine\nconfig_version = 2\nme = "sam"  # me\n')
    assert 'quiet_hours = "22:00-07:00"' in text
    refused = run(home, "config", "set", "poll.queue_seconds", "5")
    assert refused.code == EXIT_USAGE
    assert "poll.queue_seconds = 5 is below the minimum 15" in refused.err
    assert str(path) in refused.err and ".tmp" not in refused.err
    assert path.read_text() == text
    unknown = run(home, "config", "set", "alerts.quiet_hour", "")
    assert unknown.code == EXIT_USAGE and "did you mean alerts.quiet_hours" in unknown.err


def test_a_team_api_source_set_up_from_the_terminal(
    home: Path, keyring_env: dict[str, str], fault_server: FaultServer, tmp_path: Path
) -> None:
    added = run(
        home, "source", "add", "team-api", "--name", "desk", "--url", fault_server.url,
        "--set", "me=alice", env=keyring_env,
    )  # fmt: skip
    assert added.code == 0, added
    assert "traysupport token set desk" in added.out
    failed = run(home, "source", "test", "desk", env=keyring_env)
    assert failed.code == EXIT_FAILED and "✗ desk (team-api):" in failed.err
    kept = run(home, "token", "set", "desk", stdin=FAULT_TOKEN + "\n", env=keyring_env)
    assert kept.code == 0, kept
    assert json.loads((tmp_path / "keyring.json").read_text()) == {"traysupport/desk": FAULT_TOKEN}
    tested = run(home, "source", "test", env=keyring_env)
    assert tested.code == 0, tested
    assert tested.out.startswith("✓ desk (team-api): ") and "you are Alice Martin" in tested.out
    fault_server.set("tickets", Fault.echo_auth(401))
    refused = run(home, "source", "test", "desk", env=keyring_env)
    assert refused.code == EXIT_FAILED and "token" in refused.err
    # The token is in the test keyring and nowhere else under the home.
    files = [p for p in home.rglob("*") if p.is_file()]
    assert not any(FAULT_TOKEN.encode() in p.read_bytes() for p in files)
    shown = json.loads(run(home, "config", "show", "--json", env=keyring_env).out)
    assert shown["source.desk.token"] == {"value": None, "origin": "keyring"}
    assert shown["source.desk.url"] == {"value": fault_server.url, "origin": "user"}


def test_without_a_keyring_token_set_refuses_and_names_the_environment_way(
    home: Path, tmp_path: Path
) -> None:
    run(home, "source", "add", "team-api", "--name", "desk", "--url", "https://d.example.com")
    done = run(home, "token", "set", "desk", stdin="s3cret-never-kept\n", env=NO_KEYRING)
    assert done.code == EXIT_FAILED
    assert "no usable keyring" in done.err and "TRAYSUPPORT_<TOKEN_REF>_TOKEN" in done.err
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not any(b"s3cret-never-kept" in p.read_bytes() for p in files)


def test_adding_a_source_twice_or_a_bad_one_is_refused(home: Path) -> None:
    assert run(home, "source", "add", "demo", "--name", "one").code == 0
    again = run(home, "source", "add", "demo", "--name", "one")
    assert again.code == EXIT_USAGE and "already called 'one'" in again.err
    no_url = run(home, "source", "add", "rt", "--name", "it")
    assert no_url.code == EXIT_USAGE and "source.it.url is empty" in no_url.err
    unknown = run(home, "source", "add", "jira", "--name", "j")
    assert unknown.code == EXIT_USAGE and 'did you mean "jira-sm"' in unknown.err
    bad = run(home, "source", "add", "demo", "--name", "two", "--set", "poll_seconds")
    assert bad.code == EXIT_USAGE and "KEY=VALUE" in bad.err
    assert "it" not in config_file(home).read_text().split("one")[-1]


def test_config_set_changes_a_source_key(home: Path) -> None:
    assert run(home, "source", "add", "demo", "--name", "one").code == 0
    done = run(home, "config", "set", "source.one.poll_seconds", "120")
    assert done.code == 0, done
    assert "poll_seconds = 120" in config_file(home).read_text()
    shown = json.loads(run(home, "config", "show", "--json").out)
    assert shown["source.one.poll_seconds"] == {"value": 120, "origin": "user"}
    missing = run(home, "config", "set", "source.two.poll_seconds", "120")
    assert missing.code == EXIT_USAGE and "no source is called 'two'" in missing.err
