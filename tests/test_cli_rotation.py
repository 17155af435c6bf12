"""`traysupport rotation check FILE` as a real process: exit 0 with the plan, 2 with problems."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_cli import traysupport

EXAMPLE = Path(__file__).parents[1] / "docs" / "examples" / "rotation.toml"


def test_a_valid_file_prints_who_is_on_when(tmp_path: Path) -> None:
    run = traysupport(tmp_path, "rotation", "check", str(EXAMPLE), "--weeks", "3")
    assert run.code == 0, run
    assert "valid. 4 member(s), 2 rotation(s)" in run.out
    assert "Europe/Berlin" in run.out  # the file's zone, said whatever zone times are in
    for word in ("primary", "secondary", "out-of-hours primary", "(Support nights)"):
        assert word in run.out, run.out


def test_an_invalid_file_exits_2_with_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        EXAMPLE.read_text()
        .replace("version = 1", "version = 4")
        .replace('person = "ben@example.com"', 'person = "zed@example.com"')
    )
    run = traysupport(tmp_path, "rotation", "check", str(bad))
    assert run.code == 2, run
    assert f"{bad}: version = 4 is not known; write 1." in run.out
    assert "[override #1] person = 'zed@example.com' is not a [[member]]" in run.out
    assert "2 problem(s)" in run.out


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    run = traysupport(tmp_path, "rotation", "check", str(tmp_path / "none.toml"))
    assert run.code == 2 and "does not exist" in run.out, run


def test_times_are_shown_in_the_users_ui_timezone(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[ui]\ntimezone = "Asia/Tokyo"\n', encoding="utf-8")
    run = traysupport(tmp_path, "--config", str(config), "rotation", "check", str(EXAMPLE))
    assert run.code == 0, run
    assert "times in Asia/Tokyo, UTC+09:00 (your ui.timezone)" in run.out, run.out
    # The example hands off on Mondays at 09:00 in Berlin: 17:00 in Tokyo, in winter.
    assert re.search(r"^  Mon \S+ 17:00 - ", run.out, re.MULTILINE), run.out
