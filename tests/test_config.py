"""Settings: defaults, layering, every validation message, saving, secrets, time zones."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import tomllib
from collections.abc import Iterator
from datetime import time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import keyring
import keyring.backend
import keyring.errors
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keyring.backends import fail

from traysupport import paths
from traysupport.config import (
    Config,
    ConfigError,
    SecretError,
    delete_secret,
    describe,
    get_secret,
    load_config,
    load_defaults,
    render,
    save_config,
    secret_env_names,
    set_secret,
)
from traysupport.config_schema import (
    SETTINGS,
    Choice,
    ChoiceSet,
    ClockRange,
    ClockTime,
    Duration,
    DurationList,
    Flag,
    Kind,
    Number,
    OptionalDuration,
    Real,
    Text,
    TimeZone,
    Url,
    build,
    system_zone,
    toml_text,
)
from traysupport.config_source_schema import SourceCommon, SourceConfig, demo_source
from traysupport.sources.setting_times import ClockTimes
from traysupport.sources.settings import TextList
from traysupport.sources.teamapi import DemoSettings, TeamApiSettings


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own files and tokens out of every test."""
    monkeypatch.delenv("TRAYSUPPORT_TEAM_DEFAULTS", raising=False)
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path / "home"))
    for name in [n for n in os.environ if n.startswith("TRAYSUPPORT_") and n.endswith("TOKEN")]:
        monkeypatch.delenv(name)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(text: str, path: Path) -> tuple[str, ...]:
    write(path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


# --- loading --------------------------------------------------------------------------


def test_no_file_at_all_is_the_demo_team_with_typed_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml")
    assert config == Config()
    assert config.sources == () and config.effective_sources == (demo_source(),)
    assert config.is_demo and config.source_description == "the embedded demo team"
    assert config.poll.queue_interval == timedelta(seconds=60)
    assert config.poll.rotation_interval == timedelta(minutes=5)
    assert (config.sla.p1, config.sla.p4) == (timedelta(hours=1), None)
    assert config.alerts.duty_soon == (timedelta(days=1), timedelta(minutes=15))
    assert config.alerts.evening_before == time(18, 0)
    assert (config.alerts.quiet_hours, config.ui.timezone) == (None, None)


def test_the_default_file_is_under_traysupport_home(tmp_path: Path) -> None:
    write(tmp_path / "home" / "config" / "config.toml", 'me = "ana"\n')
    assert load_config().me == "ana"


def test_the_users_file_overrides_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        """
        me = "ana@example.com"
        [queue]
        provider = "team-api"
        url = "https://support.example.com/api/v1"
        token_ref = "team"
        [poll]
        queue_seconds = 30
        [alerts]
        duty_soon_minutes = [60, 15]
        quiet_hours = "22:00-07:00"
        evening_before = ""
        breach_repeat_minutes = 0
        [ui]
        timezone = "Europe/Berlin"
        """,
    )
    config = load_config(path)
    assert config.me == "ana@example.com"
    # A version-1 file: its [queue] is a "team-api" source, its rotation still the demo's.
    assert config.sources == (
        source("demo", "demo", "rotation", token_ref="rotation"),
        source("team-api", "https://support.example.com/api/v1", "queue", token_ref="team"),
    )
    assert config.is_demo
    assert config.poll.queue_interval == timedelta(seconds=30)
    assert config.alerts.duty_soon == (timedelta(hours=1), timedelta(minutes=15))
    assert config.alerts.quiet_hours == (time(22, 0), time(7, 0))
    assert (config.alerts.evening_before, config.alerts.breach_repeat) == (None, None)
    assert config.ui.timezone == ZoneInfo("Europe/Berlin") == config.ui.tz


def source(name: str, url: str, *roles: str, token_ref: str = "") -> SourceConfig:
    """A source as a version-1 file gives it: the team API at *url*, or the demo team."""
    provider = "demo" if url == "demo" else "team-api"
    options = DemoSettings() if url == "demo" else TeamApiSettings(url=url)
    common = SourceCommon(name, provider, frozenset(roles), token_ref)
    return SourceConfig(common, options)


TEAM = """
[rotation]
provider = "team-api"
url = "https://team.example.com/api/v1"
[queue]
provider = "team-api"
url = "https://team.example.com/api/v1"
[poll]
queue_seconds = 30
rotation_seconds = 600
"""


def test_team_defaults_lie_under_the_users_file_key_by_key(tmp_path: Path) -> None:
    team = write(tmp_path / "team-defaults.toml", TEAM)
    user = write(tmp_path / "config.toml", "[poll]\nqueue_seconds = 45\n")
    config = load_config(user, team_defaults=team)
    assert config.poll.queue_interval == timedelta(seconds=45)  # the user's
    assert config.poll.rotation_interval == timedelta(seconds=600)  # the team's
    # Both roles on one server: one source, named as version 1 named its tickets.
    assert config.sources == (
        source(
            "team-api", "https://team.example.com/api/v1", "rotation", "queue", token_ref="rotation"
        ),
    )
    assert not config.is_demo
    assert load_defaults(team).poll.queue_interval == timedelta(seconds=30)


@pytest.mark.parametrize("name_the_folder", [False, True])
def test_team_defaults_are_found_by_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name_the_folder: bool
) -> None:
    team = write(tmp_path / "team" / "team-defaults.toml", TEAM)
    monkeypatch.setenv("TRAYSUPPORT_TEAM_DEFAULTS", str(team.parent if name_the_folder else team))
    assert [s.provider for s in load_config(tmp_path / "none.toml").sources] == ["team-api"]


def test_a_named_team_defaults_file_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAYSUPPORT_TEAM_DEFAULTS", str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError, match=r"gone\.toml: no such file; create it or fix the path"):
        load_config(tmp_path / "none.toml")


def test_team_defaults_beside_a_frozen_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "app" / "team-defaults.toml", TEAM)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "app" / "traysupport"))
    assert [s.provider for s in load_config(tmp_path / "none.toml").sources] == ["team-api"]


def test_traysupport_home_puts_every_folder_under_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert (paths.config_file(), paths.database_file(), paths.log_file()) == (
        home / "config" / "config.toml",
        home / "data" / "traysupport.sqlite3",
        home / "log" / "traysupport.log",
    )
    assert paths.runtime_dir() == home / "run"


def test_without_traysupport_home_the_platform_folders_are_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRAYSUPPORT_HOME", "")
    folders = [paths.config_dir(), paths.data_dir(), paths.log_dir(), paths.runtime_dir()]
    assert all("traysupport" in folder.parts for folder in folders)
    assert paths.config_dir() != paths.data_dir()


# --- validation messages --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[poll]\nqueue_seconds = 5",
            "poll.queue_seconds = 5 is below the minimum 15; set it between 15 and 3600.",
        ),
        (
            "[poll]\nrotation_seconds = 90000",
            "poll.rotation_seconds = 90000 is above the maximum 86400; "
            "set it between 60 and 86400.",
        ),
        (
            '[poll]\nqueue_seconds = "60"',
            'poll.queue_seconds = "60" is not a whole number; '
            "set it between 15 and 3600, without quotes.",
        ),
        (
            "[poll]\njitter = 0.9",
            "poll.jitter = 0.9 is above the maximum 0.5; set it between 0.0 and 0.5.",
        ),
        (
            "[sla]\nwarn_fraction = nan",
            "sla.warn_fraction = nan is out of range; set it between 0.01 and 0.99.",
        ),
        (
            "[sla]\nwarn_fraction = true",
            "sla.warn_fraction = true is not a number; "
            "set it between 0.01 and 0.99, without quotes.",
        ),
        (
            "[sla]\np2_minutes = -1",
            "sla.p2_minutes = -1 is below the minimum 0; set it between 0 and 525600.",
        ),
        (
            '[alerts]\np1_off_duty = "yes"',
            'alerts.p1_off_duty = "yes" is not true or false; write true or false, without quotes.',
        ),
        (
            "[alerts]\nduty_soon_minutes = 15",
            "alerts.duty_soon_minutes = 15 is not a list of minutes; write it like [60, 15].",
        ),
        (
            "[alerts]\nduty_soon_minutes = [15, 0]",
            "alerts.duty_soon_minutes = [15, 0] has item 2 = 0 that is below the minimum 1; "
            "set it between 1 and 10080.",
        ),
        (
            '[alerts]\nevening_before = "6pm"',
            'alerts.evening_before = "6pm" is not a time of day; '
            'write it as "HH:MM" (24-hour) in quotes, or "".',
        ),
        (
            "[alerts]\nevening_before = 18:00:00",
            "alerts.evening_before = datetime.time(18, 0) is not a time of day; "
            'write it as "HH:MM" (24-hour) in quotes, or "".',
        ),
        (
            '[alerts]\nquiet_hours = "22:00"',
            'alerts.quiet_hours = "22:00" is not a span of hours; '
            'write it as "HH:MM-HH:MM", e.g. "22:00-07:00", or "" for none.',
        ),
        (
            '[alerts]\nquiet_hours = "07:00-07:00"',
            'alerts.quiet_hours = "07:00-07:00" starts and ends at the same time; '
            'write it as "HH:MM-HH:MM", e.g. "22:00-07:00", or "" for none.',
        ),
        (
            "[alerts]\nsource_down_after = 0",
            "alerts.source_down_after = 0 is below the minimum 1; set it between 1 and 100.",
        ),
        (
            '[queue]\nprovider = "jria"',
            'queue.provider = "jria" is not a known choice; use one of "team-api", "demo".',
        ),
        (
            '[rotation]\nprovider = "dmeo"',
            'rotation.provider = "dmeo" is not a known choice; '
            'use one of "team-api", "demo" (did you mean "demo"?).',
        ),
        (
            '[queue]\nurl = "support.example.com"',
            'queue.url = "support.example.com" is not an http(s) URL; '
            'write it like "https://support.example.com".',
        ),
        (
            '[queue]\ntoken_ref = "my token"',
            'queue.token_ref = "my token" is not a valid name; use letters, digits, - and _.',
        ),
        ("me = 42", 'me = 42 is not text; put it in double quotes, e.g. "text".'),
        (
            '[ui]\ntimezone = "Europe/Berln"',
            'ui.timezone = "Europe/Berln" is not a known time zone; use an IANA name such as '
            '"Europe/Berlin", or "" for the system zone (did you mean "Europe/Berlin"?).',
        ),
        (
            '[queue]\nprovider = "team-api"',
            'queue.url is empty, but queue.provider = "team-api" needs it; '
            'set queue.url, e.g. "https://support.example.com/api/v1".',
        ),
        (
            "[poll]\nqueue_second = 30",
            "poll.queue_second is not a setting; did you mean poll.queue_seconds? "
            "Remove it or correct its name.",
        ),
        (
            "[alert]\nquiet_hours = ''",
            "alert.quiet_hours is not a setting; did you mean alerts.quiet_hours? "
            "Remove it or correct its name.",
        ),
        ("colour = 'red'", "colour is not a setting; Remove it or correct its name."),
        ("poll = 5", "poll = 5 is not a table; put its settings under [poll]."),
        (
            "config_version = 9",
            "config_version = 9 is from a newer traysupport (this one knows 2); "
            "upgrade traysupport.",
        ),
        ("config_version = 'one'", 'config_version = "one" is not valid; set it to 2.'),
        ("config_version = 0", "config_version = 0 is not valid; set it to 2."),
        ("config_version = true", "config_version = true is not valid; set it to 2."),
    ],
)
def test_each_problem_names_the_file_the_key_and_the_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    assert problems_of(text, path) == (f"{path}: {message}",)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    team = write(tmp_path / "team-defaults.toml", "[sla]\nwarn_fraction = 2\n")
    user = write(tmp_path / "config.toml", "[poll]\nqueue_seconds = 1\njitter = -1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(user, team_defaults=team)
    assert [p.split(":")[0] for p in caught.value.problems] == [str(team), str(user), str(user)]


def test_a_file_in_the_home_folder_is_shown_with_a_tilde(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    [problem] = problems_of("[poll]\nqueue_seconds = 5", tmp_path / ".config" / "x.toml")
    assert problem.startswith("~/.config/x.toml: poll.queue_seconds = 5 is below")


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    [problem] = problems_of('me = "ana"\n[poll\nqueue_seconds = 30\n', path)
    assert problem.startswith(f"{path}:2: TOML syntax error: ")
    assert "(at line 2, column" in problem  # tomllib's own words follow
    assert problem.endswith("; fix the syntax on that line.")


def test_a_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'me = "\xff"\n')
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(path)


def test_a_file_that_says_config_version_1_is_read_as_before(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        'config_version = 1\n[rotation]\nprovider = "team-api"\nurl = "https://r.example"\n',
    )
    assert load_config(path).sources == (
        source("team-api", "https://r.example", "rotation", token_ref="rotation"),
        source("demo", "demo", "queue", token_ref="queue"),
    )


# --- the schema, time zones -----------------------------------------------------------


def test_describe_lists_every_setting_with_type_default_and_help() -> None:
    rows = {row.key: row for row in describe()}
    assert list(rows) == list(SETTINGS)
    assert all(row.help and row.type for row in rows.values())
    assert (rows["poll.queue_seconds"].default, rows["poll.queue_seconds"].type) == (
        "60",
        "seconds 15..3600",
    )
    assert rows["alerts.duty_soon_minutes"].default == "[1440, 15]"
    assert rows["ui.timezone"].default == '""'


def test_every_default_is_a_valid_value_of_its_kind() -> None:
    for setting in SETTINGS.values():
        assert setting.kind.parse(setting.kind.dump(setting.default)) == setting.default


def test_an_empty_timezone_is_the_system_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert system_zone() == ZoneInfo("Asia/Tokyo")
    assert Config().ui.tz == ZoneInfo("Asia/Tokyo")
    monkeypatch.setenv("TZ", "Not/AZone")
    assert isinstance(system_zone(), tzinfo)  # whatever the system has, never an error


@pytest.mark.parametrize("name", ["America", "../../etc/passwd", "/etc/localtime", "Mars/Base"])
def test_a_zone_that_does_not_exist_is_refused(tmp_path: Path, name: str) -> None:
    [problem] = problems_of(f"[ui]\ntimezone = {toml_text(name)}", tmp_path / "c.toml")
    assert "is not a known time zone" in problem


def test_as_demo_switches_every_source_and_keeps_the_rest() -> None:
    real = dataclasses.replace(
        build({"me": "ana"}),
        sources=(
            source("rota", "https://r.example.com", "rotation"),
            source("desk", "https://q.example.com", "queue"),
        ),
    )
    assert not real.is_demo
    assert real.source_description == (
        "rota (team-api at https://r.example.com); desk (team-api at https://q.example.com)"
    )
    assert real.source("desk") is real.sources[1] and real.source("demo") is None
    demo = real.as_demo()
    assert demo.is_demo and demo.sources == (demo_source(),) and demo.me == "ana"
    assert demo.source("demo") == demo_source()


def test_one_demo_source_among_others_is_still_a_demo() -> None:
    mixed = Config(sources=(source("desk", "https://q.example.com", "queue"), demo_source()))
    assert mixed.is_demo  # the embedded team must run, and the UI says so
    assert mixed.source_description == "desk (team-api at https://q.example.com); demo (demo)"


# --- saving ---------------------------------------------------------------------------


def test_saving_writes_only_changes_with_their_help(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "config.toml"
    save_config(Config(), path)
    assert tomllib.loads(path.read_text()) == {"config_version": 2}
    changed = build({"me": "ana", "poll.queue_seconds": timedelta(seconds=30)})
    save_config(changed, path)
    text = path.read_text()
    assert tomllib.loads(text) == {"config_version": 2, "me": "ana", "poll": {"queue_seconds": 30}}
    assert (
        "# How often to fetch the queue. (seconds 15..3600; default 60)\nqueue_seconds = 30" in text
    )
    assert load_config(path) == changed
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left


def test_saving_over_team_defaults_leaves_them_out(tmp_path: Path) -> None:
    team = write(tmp_path / "team-defaults.toml", TEAM)
    user = tmp_path / "config.toml"
    config = load_config(user, team_defaults=team)
    save_config(config, user, base=load_defaults(team))
    assert tomllib.loads(user.read_text()) == {"config_version": 2}
    assert load_config(user, team_defaults=team) == config


def test_a_failed_save_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "config.toml", 'me = "old"\n')

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_config(build({"me": "new"}), path)
    assert path.read_text() == 'me = "old"\n'
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def _values_of(kind: Kind[Any]) -> st.SearchStrategy[Any]:
    """Every valid value of a kind, for the round-trip property."""
    minutes = st.times().map(lambda t: t.replace(second=0, microsecond=0))
    if isinstance(kind, Text):
        return st.from_regex(kind.pattern, fullmatch=True) if kind.pattern else st.text()
    if isinstance(kind, Url):
        return st.just("") | st.from_regex(
            r"https?://[a-z]+\.example(/[a-z0-9/]*)?", fullmatch=True
        )
    if isinstance(kind, Choice):
        return st.sampled_from(kind.choices)
    if isinstance(kind, ChoiceSet):
        return st.frozensets(st.sampled_from(kind.choices))
    if isinstance(kind, Number):
        return st.integers(kind.low, kind.high)
    if isinstance(kind, Real):
        return st.floats(kind.low, kind.high)
    if isinstance(kind, Duration):
        unit = kind.unit
        return st.integers(kind.number.low, kind.number.high).map(lambda n: timedelta(**{unit: n}))
    if isinstance(kind, OptionalDuration):
        return st.none() | _values_of(kind.duration).filter(bool)
    if isinstance(kind, DurationList):
        return st.lists(_values_of(kind.duration), max_size=4).map(tuple)
    if isinstance(kind, ClockTime):
        return st.none() | minutes
    if isinstance(kind, ClockRange):
        return st.none() | st.tuples(minutes, minutes).filter(lambda r: r[0] != r[1])
    if isinstance(kind, ClockTimes):  # kept sorted and unique, as "HH:MM"
        clocks = st.lists(minutes.map(lambda t: t.strftime("%H:%M")), unique=True, max_size=3)
        return clocks.map(lambda v: tuple(sorted(v)))
    if isinstance(kind, TextList):
        names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
        return st.lists(names, max_size=3).map(tuple)
    if isinstance(kind, TimeZone):
        zones = st.sampled_from(["UTC", "Europe/Berlin", "America/St_Johns"]).map(ZoneInfo)
        return st.none() | zones
    assert isinstance(kind, Flag), f"no strategy for {kind}"
    return st.booleans()


configs = st.fixed_dictionaries({key: _values_of(s.kind) for key, s in SETTINGS.items()})


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(configs)
def test_any_valid_config_survives_save_and_load(tmp_path: Path, values: dict[str, Any]) -> None:
    config = build(values)
    path = tmp_path / "round-trip.toml"
    save_config(config, path)
    assert load_config(path) == config
    assert tomllib.loads(render(config))  # and it is plain TOML


@given(st.text())
def test_any_text_is_written_as_toml_that_reads_back(text: str) -> None:
    assert tomllib.loads(f"x = {toml_text(text)}")["x"] == text


# --- secrets --------------------------------------------------------------------------


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps passwords in a dict."""

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


class LockedKeyring(MemoryKeyring):
    """A keyring that is there but refuses everything (a locked secret service)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")


@pytest.fixture
def use_keyring() -> Iterator[Any]:
    before = keyring.get_keyring()

    def use(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(before)


def test_without_a_keyring_tokens_come_from_the_environment(
    use_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_keyring(fail.Keyring())
    assert get_secret("rotation") is None
    monkeypatch.setenv("TRAYSUPPORT_TOKEN", "general")
    assert get_secret("rotation") == "general"
    monkeypatch.setenv("TRAYSUPPORT_ROTATION_TOKEN", "specific")
    assert get_secret("rotation") == "specific"
    assert secret_env_names("team-api") == ("TRAYSUPPORT_TEAM_API_TOKEN", "TRAYSUPPORT_TOKEN")


def test_without_a_keyring_saving_a_token_says_to_use_the_environment(use_keyring: Any) -> None:
    use_keyring(fail.Keyring())
    with pytest.raises(SecretError, match=r"No usable keyring.*TRAYSUPPORT_QUEUE_TOKEN"):
        set_secret("queue", "s3cret")


def test_the_keyring_is_asked_first(use_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = use_keyring(MemoryKeyring())
    monkeypatch.setenv("TRAYSUPPORT_QUEUE_TOKEN", "from-env")
    set_secret("queue", "from-keyring")
    assert backend.passwords == {("traysupport", "queue"): "from-keyring"}
    assert get_secret("queue") == "from-keyring"
    delete_secret("queue")
    delete_secret("queue")  # already gone: fine
    assert get_secret("queue") == "from-env"
    with pytest.raises(ValueError, match="empty token"):
        set_secret("queue", "")


def test_a_locked_keyring_falls_back_and_never_logs_the_token(
    use_keyring: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    use_keyring(LockedKeyring())
    monkeypatch.setenv("TRAYSUPPORT_QUEUE_TOKEN", "s3cret-token")
    with caplog.at_level(logging.DEBUG):
        assert get_secret("queue") == "s3cret-token"
    assert "locked" in caplog.text and "s3cret-token" not in caplog.text
    with pytest.raises(SecretError, match=r"refused.*TRAYSUPPORT_QUEUE_TOKEN"):
        set_secret("queue", "s3cret-token")
