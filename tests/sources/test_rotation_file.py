"""The rotation-file provider: the format's problems, a file path, and a URL (pytest-httpserver)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from traysupport.core.model import Role
from traysupport.sources.base import BadDataError, SourceError
from traysupport.sources.http import HttpClient
from traysupport.sources.provider import SourceContext
from traysupport.sources.rotation_file import SPEC, RotationFileSettings, RotationFileSource
from traysupport.sources.rotation_format import RotationFileError, parse_rotation
from traysupport.sources.section import read_section

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "rotation.toml"
SMALL = """
version = 1
name = "Desk"
timezone = "Europe/Berlin"
turn = "daily"
handoff_time = "08:00"
start = 2026-01-05

[[member]]
name = "Ana"
email = "ana@example.com"

[[member]]
name = "Ben"
"""
JAN6 = datetime(2026, 1, 6, 12, tzinfo=UTC)


def _context(name: str = "rota") -> SourceContext:
    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient(name, base_url, auth=auth, **kwargs)

    return SourceContext(name=name, token=None, http=http, clock=lambda: JAN6)


def _build(path: str) -> RotationFileSource:
    source = SPEC.build(RotationFileSettings(path=path), _context())
    assert isinstance(source, RotationFileSource)
    return source


def _problems(text: str) -> list[str]:
    with pytest.raises(RotationFileError) as caught:
        parse_rotation(text, "team.toml")
    return caught.value.problems


def test_the_worked_example_parses() -> None:
    file = parse_rotation(EXAMPLE.read_text(), str(EXAMPLE))
    assert len(file.plans) == 2 and file.plans[1].hours is not None
    assert "Dana Novak" in file.people


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("version = 1", "version = 7"), "team.toml: version = 7 is not known; write 1."),
        (("version = 1\n", ""), "team.toml: version is missing; add version = 1"),
        (('"Europe/Berlin"', '"Europe/Berln"'), 'team.toml: timezone = "Europe/Berln"'),
        (('turn = "daily"', 'turn = "hourly"'), 'team.toml: turn = "hourly"'),
        (("start = 2026-01-05", "start = 5"), "start is missing or not a date"),
        (('handoff_time = "08:00"', 'handof_time = "08:00"'), "did you mean handoff_time?"),
        (('email = "ana@example.com"', 'email = "ana"'), "[member #1] email is not an email"),
        (('name = "Ben"', 'name = "Ben"\nemail = "ana@example.com"'), "is listed twice"),
        (("start = 2026-01-05", "start = 2026-01-05\noverride = 5"), "[[override]] tables"),
        (("= 2026-01-05", "= 2026-01-05\nx ="), "team.toml: is not valid TOML"),
    ],
)
def test_each_problem_names_the_file_the_key_and_the_fix(
    change: tuple[str, str], expected: str
) -> None:
    assert change[0] in SMALL
    problems = _problems(SMALL.replace(change[0], change[1], 1))
    assert any(expected in line for line in problems), problems


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[[override]]\nfrom = 2026-01-07\nuntil = 2026-01-06\nperson = "Ben"',
            "[override #1] until is not after from",
        ),
        (
            '[[override]]\nfrom = 2026-01-07\nuntil = 2026-01-08\nperson = "Cy"',
            "[override #1] person = 'Cy' is not a [[member]]",
        ),
        ('[[swap]]\nfrom = 2026-01-07\nuntil = 2026-01-08\na = "Ben"', "[swap #1] b is missing"),
        (
            '[[shadow]]\nperson = "Ben"\nfrom = "soon"\nuntil = 2026-01-08',
            "[shadow #1] from is missing or not a date",
        ),
        ('[[out_of_hours]]\nmembers = ["Ben"]', "[out_of_hours] #1 covers no hours"),
        ('[[out_of_hours]]\nmembers = ["Ben"]\nnightly = "18-9"', 'nightly = "18-9"'),
    ],
)
def test_table_problems_name_the_table(table: str, expected: str) -> None:
    problems = _problems(SMALL + "\n" + table + "\n")
    assert any(expected in line for line in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    assert len(_problems("version = 3\n")) == 4


def test_a_relative_path_is_refused_with_the_fix() -> None:
    problems: list[str] = []
    read_section(RotationFileSettings, {"path": "rota.toml"}, "[[source]] rota", problems)
    assert len(problems) == 1 and "relative path" in problems[0] and "~/" in problems[0]
    read_section(RotationFileSettings, {"path": "~/rota.toml"}, "[[source]] rota", problems)
    read_section(RotationFileSettings, {"path": "https://x.org/r.toml"}, "s", problems)
    assert len(problems) == 1


def test_the_provider_reads_a_file_and_rereads_it_each_poll(tmp_path: Path) -> None:
    path = tmp_path / "rotation.toml"
    path.write_text(SMALL)
    source = _build(str(path))
    assert source.fetch_me() is None
    assert {p.id for p in source.fetch_people()} == {"ana@example.com", "Ben"}
    shifts = source.fetch_shifts(JAN6, JAN6 + timedelta(days=1))
    # Daily at 08:00 Berlin (07:00 UTC): Jan 5 Ana, Jan 6 Ben, Jan 7 Ana.
    assert [(s.person.id, s.start.hour, s.role) for s in shifts] == [
        ("Ben", 7, Role.PRIMARY),
        ("ana@example.com", 7, Role.PRIMARY),
    ]
    assert all(s.rotation == "Desk" for s in shifts)
    path.write_text(SMALL.replace("version = 1", "version = 9"))
    with pytest.raises(BadDataError, match="version = 9 is not known") as caught:
        source.fetch_shifts(JAN6, JAN6 + timedelta(days=1))
    assert "rotation check" in str(caught.value)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    source = _build(str(tmp_path / "nope.toml"))
    with pytest.raises(SourceError, match="does not exist"):
        source.fetch_people()


def test_the_provider_reads_a_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/team/rotation.toml").respond_with_data(
        SMALL, content_type="application/toml"
    )
    source = _build(httpserver.url_for("/team/rotation.toml"))
    try:
        shifts = source.fetch_shifts(JAN6, JAN6 + timedelta(hours=1))
        assert [s.person.id for s in shifts] == ["Ben"]
    finally:
        source.close()


def test_a_login_page_instead_of_the_file_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/r.toml").respond_with_data(
        "<html>sign in</html>", content_type="text/html"
    )
    source = _build(httpserver.url_for("/r.toml"))
    try:
        with pytest.raises(BadDataError):
            source.fetch_people()
    finally:
        source.close()
