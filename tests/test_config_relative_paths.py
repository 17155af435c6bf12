"""A file a source reads, given as a relative path, is read from the folder of the config
file that names it: a team ships its rotation file (or calendar) inside its installer next
to its team defaults file, wherever the app is started from."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from traysupport import runtime
from traysupport.config import Config, load_config
from traysupport.sources.ics import IcsSettings
from traysupport.sources.section import read_section

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "rotation.toml"
V2 = "config_version = 2\n"
CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
    "UID:1@test\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\n"
    "DTEND:20260112T090000Z\r\nSUMMARY:On call: Ana Lima\r\n"
    "ATTENDEE:mailto:ana@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture(autouse=True)
def _elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The app starts in a folder that holds none of the files, as an installed app does."""
    monkeypatch.delenv("TRAYSUPPORT_TEAM_DEFAULTS", raising=False)
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path / "home"))
    for name in [n for n in os.environ if n.startswith("TRAYSUPPORT_") and n.endswith("TOKEN")]:
        monkeypatch.delenv(name)
    start = tmp_path / "started-here"
    start.mkdir()
    monkeypatch.chdir(start)
    return start


def installer(tmp_path: Path, team: str) -> Path:
    """An installer folder: the team defaults file, the rotation file and a calendar."""
    folder = tmp_path / "opt" / "acme-support"
    (folder / "feeds").mkdir(parents=True)
    (folder / "rotation.toml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "feeds" / "oncall.ics").write_text(CALENDAR, encoding="utf-8")
    defaults = folder / "team-defaults.toml"
    defaults.write_text(V2 + team, encoding="utf-8")
    return defaults


def user_file(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "home-config"
    folder.mkdir(exist_ok=True)
    path = folder / "config.toml"
    path.write_text(V2 + text, encoding="utf-8")
    return path


def option(config: Config, name: str, key: str) -> object:
    source = next(s for s in config.sources if s.name == name)
    return getattr(source.options, key)


ROTA = '[[source]]\nname = "rota"\nprovider = "rotation-file"\npath = "rotation.toml"\n'


def test_a_rotation_file_beside_the_team_defaults_is_read_from_there(tmp_path: Path) -> None:
    team = installer(tmp_path, ROTA)

    config = load_config(user_file(tmp_path, 'me = "ana@example.com"\n'), team)

    assert option(config, "rota", "path") == str(team.parent / "rotation.toml")
    built = runtime.build_source(config.sources[0], config)
    try:
        assert built.rotation is not None
        people = {p.id for p in built.rotation.fetch_people()}
        week = datetime(2026, 1, 6, tzinfo=UTC)
        shifts = built.rotation.fetch_shifts(week, week + timedelta(days=1))
    finally:
        built.close()
    assert "ana@example.com" in people
    assert shifts, "the installed rotation file gave no shifts"


def test_a_relative_path_in_the_users_file_is_read_from_the_users_folder(
    tmp_path: Path,
) -> None:
    team = installer(tmp_path, ROTA)
    user = user_file(tmp_path, '[[source]]\nname = "rota"\npath = "mine/rotation.toml"\n')

    config = load_config(user, team)

    # The user's key came from the user's file: its folder, not the team's.
    assert option(config, "rota", "path") == str(user.parent / "mine" / "rotation.toml")


def test_a_user_source_of_its_own_reads_relative_to_the_users_file(tmp_path: Path) -> None:
    user = user_file(tmp_path, ROTA.replace("rotation.toml", "../rota/r.toml"))

    config = load_config(user, None)

    assert option(config, "rota", "path") == str(user.parent / ".." / "rota" / "r.toml")


@pytest.mark.parametrize(
    "written",
    ["/etc/acme/rotation.toml", "~/rotation.toml", "https://example.com/rotation.toml"],
)
def test_absolute_home_and_url_locations_are_kept_as_written(tmp_path: Path, written: str) -> None:
    team = installer(tmp_path, ROTA.replace('"rotation.toml"', f'"{written}"'))

    assert option(load_config(None, team), "rota", "path") == written


ICS = '[[source]]\nname = "cal"\nprovider = "ics"\nurl = "feeds/oncall.ics"\n'


def test_a_calendar_file_beside_the_team_defaults_is_read_from_there(tmp_path: Path) -> None:
    team = installer(tmp_path, ICS)

    config = load_config(user_file(tmp_path, ""), team)

    assert option(config, "cal", "url") == str(team.parent / "feeds" / "oncall.ics")
    built = runtime.build_source(config.sources[0], config)
    try:
        assert built.rotation is not None
        week = datetime(2026, 1, 6, tzinfo=UTC)
        shifts = built.rotation.fetch_shifts(week, week + timedelta(days=1))
    finally:
        built.close()
    assert [s.person.email for s in shifts] == ["ana@example.com"]


@pytest.mark.parametrize(
    "written",
    [
        "https://acme.pagerduty.com/private/abc/feed.ics",
        "webcal://example.com/oncall.ics",
        "file:///srv/oncall.ics",
        "/srv/oncall.ics",
        "~/oncall.ics",
    ],
)
def test_calendar_urls_and_absolute_paths_are_kept_as_written(tmp_path: Path, written: str) -> None:
    team = installer(tmp_path, ICS.replace('"feeds/oncall.ics"', f'"{written}"'))

    assert option(load_config(None, team), "cal", "url") == written


def test_a_relative_calendar_path_without_a_config_file_is_refused_not_read_from_here(
    _elsewhere: Path,
) -> None:
    """Nothing but a config file gives a relative path a folder: the working folder is not
    one (it is wherever the app was started)."""
    (_elsewhere / "oncall.ics").write_text(CALENDAR, encoding="utf-8")
    problems: list[str] = []

    read_section(IcsSettings, {"url": "oncall.ics"}, "[[source]] cal", problems)

    assert len(problems) == 1 and "relative path" in problems[0], problems
    assert "~/oncall.ics" in problems[0], "the fix is not said"
