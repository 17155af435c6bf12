"""config_edit: the user's config.toml edited in place, checked by the real loader, saved
atomically with its comments and layout kept."""

from __future__ import annotations

import os
import stat
from datetime import time, timedelta
from pathlib import Path

import pytest

from traysupport.config import ConfigError, load_config
from traysupport.config_edit import open_edit, source_rows, value_from_text
from traysupport.config_schema import SETTINGS

COMMENTED = """\
# my settings, written by hand
config_version = 2
me = "sam"   # that's me

[alerts]
# keep quiet at night
quiet_hours = "22:00-07:00"

[[source]]
name = "desk"        # our help desk
provider = "team-api"
url = "https://desk.example.com/api"

[[source]]
name = "rota"
provider = "demo"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    return path


def test_setting_a_key_keeps_comments_and_layout(config_file: Path) -> None:
    edit = open_edit(config_file)
    edit.set("alerts.duty_ending_minutes", 20)
    edit.set("poll.queue_seconds", 30)
    config = edit.save()
    assert config.alerts.duty_ending == timedelta(minutes=20)
    assert config.poll.queue_interval == timedelta(seconds=30)
    text = config_file.read_text(encoding="utf-8")
    for kept in ("# my settings, written by hand", 'me = "sam"   # that\'s me', "# keep quiet"):
        assert kept in text
    assert 'name = "desk"        # our help desk' in text
    assert text.startswith('# my settings, written by hand\nconfig_version = 2\nme = "sam"')
    loaded = load_config(config_file)
    assert loaded.alerts.quiet_hours == (time(22), time(7))
    assert [s.name for s in loaded.sources] == ["desk", "rota"]


def test_a_bad_value_is_refused_in_the_loaders_words_and_the_file_is_untouched(
    config_file: Path,
) -> None:
    edit = open_edit(config_file)
    edit.set("alerts.duty_ending_minutes", 5000)
    with pytest.raises(ConfigError) as refused:
        edit.save()
    (problem,) = refused.value.problems
    assert problem.startswith(f"{config_file}: alerts.duty_ending_minutes = 5000 is above")
    assert ".tmp" not in problem
    assert config_file.read_text(encoding="utf-8") == COMMENTED
    assert [p.name for p in config_file.parent.iterdir()] == ["config.toml"]  # no temp left


def test_an_unknown_key_is_refused_with_the_closest_one(config_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"alerts\.quiet_hour is not a setting; did you mean"):
        open_edit(config_file).set("alerts.quiet_hour", "")


def test_a_new_file_is_made_with_mode_0600_and_loads(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    edit = open_edit(path)
    edit.set("me", "robin@example.com")
    edit.set_source("desk", {"provider": "team-api", "url": "https://desk.example.com/api"})
    config = edit.save()
    assert config.me == "robin@example.com"
    assert [(s.name, s.provider, s.url) for s in config.sources] == [
        ("desk", "team-api", "https://desk.example.com/api")
    ]
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "config_version = 2" in path.read_text(encoding="utf-8")


def test_an_existing_files_mode_becomes_0600(config_file: Path) -> None:
    config_file.chmod(0o644)
    open_edit(config_file).save()
    if os.name == "posix":
        assert stat.S_IMODE(config_file.stat().st_mode) == 0o600


def test_sources_are_changed_moved_and_removed(config_file: Path) -> None:
    edit = open_edit(config_file)
    edit.set_source("desk", {"poll_seconds": 120, "me": "sam@example.com"})
    edit.set_source("ops", {"provider": "demo", "roles": ["rotation"]})
    edit.move_source("ops", 0)
    edit.remove_source("rota")
    config = edit.save()
    assert [s.name for s in config.sources] == ["ops", "desk"]
    desk = config.source("desk")
    assert desk is not None and desk.common.poll == timedelta(seconds=120)
    assert 'name = "desk"        # our help desk' in config_file.read_text(encoding="utf-8")
    edit = open_edit(config_file)
    edit.unset_source_key("desk", "poll_seconds")
    edit.rename_source("ops", "rotation")
    config = edit.save()
    assert [s.name for s in config.sources] == ["rotation", "desk"]
    assert config.sources[1].common.poll is None


def test_a_source_with_a_missing_url_is_refused_as_the_loader_says(config_file: Path) -> None:
    edit = open_edit(config_file)
    edit.set_source("it", {"provider": "rt"})
    with pytest.raises(ConfigError, match=r"source\.it\.url is empty"):
        edit.check()


def test_naming_a_source_the_file_lacks_says_which_it_has(config_file: Path) -> None:
    with pytest.raises(ConfigError, match=r'no \[\[source\]\] is named "nope".*"desk", "rota"'):
        open_edit(config_file).move_source("nope", 0)


def test_a_team_source_cannot_be_removed_but_can_be_changed(tmp_path: Path) -> None:
    team = tmp_path / "team-defaults.toml"
    team.write_text(
        'config_version = 2\n[[source]]\nname = "desk"\nprovider = "team-api"\n'
        'url = "https://desk.example.com/api"\n',
        encoding="utf-8",
    )
    path = tmp_path / "config.toml"
    edit = open_edit(path, team)
    assert edit.team_source_names() == ["desk"]
    edit.set_source("desk", {"me": "sam"})
    config = edit.save()
    assert config.sources[0].common.me == "sam" and config.sources[0].url.startswith("https")
    assert "provider" not in path.read_text(encoding="utf-8")  # only what the user changed
    edit = open_edit(path, team)
    with pytest.raises(ConfigError, match="comes from the team defaults"):
        edit.remove_source("desk")
    assert edit.source_names() == []  # the user's changes to it are gone


def test_a_file_that_is_not_toml_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("me = 'sam'\nalerts = = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{path}:2: TOML syntax error"):
        open_edit(path)


def test_a_command_lines_text_is_read_as_the_setting_needs() -> None:
    kind = SETTINGS["me"].kind
    assert value_from_text(kind, "123") == "123"  # text, though it reads as a TOML number
    assert value_from_text(SETTINGS["poll.queue_seconds"].kind, "30") == 30
    assert value_from_text(SETTINGS["ui.timezone"].kind, "Europe/Berlin") == "Europe/Berlin"
    assert value_from_text(SETTINGS["alerts.duty_soon_minutes"].kind, "[60, 5]") == [60, 5]
    assert value_from_text(SETTINGS["alerts.p1_off_duty"].kind, "false") is False
    assert value_from_text(SETTINGS["poll.queue_seconds"].kind, "often") == "often"
    assert "url" in source_rows("team-api") and "token_ref" in source_rows("team-api")
