"""`traysupport rotation check FILE` shows the next weeks in the user's zone (`ui.timezone`,
else this computer's), says which zone that is, and still says the file's own zone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from traysupport import rotation_check

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "rotation.toml"
NOW = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)
"""A Wednesday in winter: the example hands off on Monday 09:00 Europe/Berlin (08:00 UTC)."""


@pytest.fixture
def system_zone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """This computer's zone is Asia/Tokyo (UTC+09:00, no DST), and no team defaults."""
    monkeypatch.delenv("TRAYSUPPORT_TEAM_DEFAULTS", raising=False)
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def check(config: Path | None) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = rotation_check.run(EXAMPLE, 1, lines.append, config, now=NOW)
    return code, lines


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.usefixtures("system_zone")
def test_times_are_in_the_users_ui_timezone_and_it_is_named(tmp_path: Path) -> None:
    config = config_file(tmp_path, '[ui]\ntimezone = "America/New_York"\n')

    code, lines = check(config)

    assert code == 0, lines
    header = next(line for line in lines if "times in" in line)
    assert "times in America/New_York, UTC-05:00 (your ui.timezone)" in header, header
    # Monday 09:00 in Berlin is 03:00 in New York.
    assert any(line.strip().startswith("Mon 2026-01-12 03:00 -") for line in lines), lines
    assert any("Europe/Berlin" in line for line in lines), "the file's own zone went unsaid"


@pytest.mark.usefixtures("system_zone")
def test_without_ui_timezone_times_are_in_this_computers_zone(tmp_path: Path) -> None:
    code, lines = check(config_file(tmp_path, 'me = "ana@example.com"\n'))

    assert code == 0, lines
    header = next(line for line in lines if "times in" in line)
    assert "times in Asia/Tokyo, UTC+09:00 (this computer's zone)" in header, header
    assert any(line.strip().startswith("Mon 2026-01-12 17:00 -") for line in lines), lines


@pytest.mark.usefixtures("system_zone")
def test_a_config_that_cannot_be_read_is_said_and_the_computers_zone_used(
    tmp_path: Path,
) -> None:
    code, lines = check(config_file(tmp_path, '[ui]\ntimezone = "Mars/Olympus"\n'))

    assert code == 0, lines
    assert any("traysupport doctor" in line for line in lines), lines
    assert any("times in Asia/Tokyo" in line for line in lines), lines
