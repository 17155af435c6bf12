"""The settings of sounds and start at login, read through the real loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from traysupport.config import ConfigError, load_config, render
from traysupport.config_schema import SETTINGS, Config
from traysupport.sounds import SOUND_CHOICES


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text("config_version = 2\n" + text, encoding="utf-8")
    team = tmp_path / "team.toml"
    team.write_text("config_version = 2\n", encoding="utf-8")
    return load_config(path, team_defaults=team)


def test_the_defaults_sound_critical_alerts_and_start_at_login() -> None:
    assert Config().alerts.sound == frozenset({"critical"})
    assert Config().start_at_login is True
    assert SETTINGS["alerts.sound"].kind.choices == SOUND_CHOICES  # type: ignore[attr-defined]


def test_the_kinds_that_sound_are_read_and_written(tmp_path: Path) -> None:
    config = load(tmp_path, '[alerts]\nsound = ["new_ticket", "critical"]\n')
    assert config.alerts.sound == frozenset({"new_ticket", "critical"})
    assert 'sound = ["critical", "new_ticket"]' in render(config)  # in the choices' order
    assert load(tmp_path, "[alerts]\nsound = []\n").alerts.sound == frozenset()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["p1"]', r'alerts\.sound.*names the unknown choice "p1".*"critical"'),
        ('["new_tiket"]', r'did you mean "new_ticket"\?'),
        ('"critical"', r"alerts\.sound.*is not a list"),
    ],
)
def test_a_bad_sound_choice_is_refused_with_its_fix(
    tmp_path: Path, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, f"[alerts]\nsound = {value}\n")


def test_start_at_login_is_read(tmp_path: Path) -> None:
    assert load(tmp_path, "start_at_login = false\n").start_at_login is False
    with pytest.raises(ConfigError, match=r"start_at_login.*true or false"):
        load(tmp_path, 'start_at_login = "no"\n')
