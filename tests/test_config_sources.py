"""Settings: the ``[[source]]`` tables of config_version 2, laid over the team defaults
by name, the version-1 ``[rotation]`` / ``[queue]`` sections read as sources, and
sources written back."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from traysupport.config import Config, ConfigError, load_config, load_defaults, render
from traysupport.config_source_schema import SourceCommon, SourceConfig, demo_source
from traysupport.sources import teamapi
from traysupport.sources.registry import PROVIDERS
from traysupport.sources.teamapi import DemoSettings, TeamApiSettings

CHOICES = ", ".join(f'"{name}"' for name in PROVIDERS)
"""Every provider, as a refusal lists them (each provider added joins the list)."""

V2 = "config_version = 2\n"


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own files and tokens out of every test."""
    monkeypatch.delenv("TRAYSUPPORT_TEAM_DEFAULTS", raising=False)
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path / "home"))
    for name in [n for n in os.environ if n.startswith("TRAYSUPPORT_") and n.endswith("TOKEN")]:
        monkeypatch.delenv(name)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, team: str | None = None) -> Config:
    """The settings of a user file holding *text*, over a team file holding *team*."""
    user = write(tmp_path / "config.toml", text)
    return load_config(user, write(tmp_path / "team.toml", team) if team is not None else None)


def problems(tmp_path: Path, text: str, team: str | None = None) -> tuple[str, ...]:
    """The problems `load` finds, each with its file's path taken off the front."""
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, team)
    return tuple(p.removeprefix(f"{tmp_path}/") for p in caught.value.problems)


def team_api(
    name: str,
    url: str,
    *roles: str,
    token_ref: str = "",
    poll: timedelta | None = None,
    me: str = "",
) -> SourceConfig:
    """A team-API source as the loader makes it."""
    common = SourceCommon(name, "team-api", frozenset(roles), token_ref, poll, me)
    return SourceConfig(common, TeamApiSettings(url=url))


def demo(name: str, *roles: str, token_ref: str = "") -> SourceConfig:
    """A demo-team source as the loader makes it."""
    return SourceConfig(SourceCommon(name, "demo", frozenset(roles), token_ref), DemoSettings())


# --- [[source]] tables ------------------------------------------------------------------


def test_each_source_table_is_read_with_its_providers_keys(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        V2
        + """
        [[source]]
        name = "desk"
        provider = "team-api"
        url = "https://desk.example/api/v1"
        roles = ["queue"]
        token_ref = "desk-token"

        [[source]]
        name = "play"
        provider = "demo"
        """,
    )
    assert config.sources == (
        team_api("desk", "https://desk.example/api/v1", "queue", token_ref="desk-token"),
        demo("play"),
    )
    desk, play = config.sources
    assert (desk.url, desk.token_ref, desk.roles) == (
        "https://desk.example/api/v1",
        "desk-token",
        frozenset({"queue"}),
    )
    assert (play.token_ref, play.roles) == (
        "play",
        frozenset({"rotation", "queue"}),
    )  # the defaults
    assert config.is_demo and config.source("desk") is desk


def test_roles_default_to_what_the_provider_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        PROVIDERS, "team-api", dataclasses.replace(teamapi.SPEC, roles=frozenset({"queue"}))
    )
    text = V2 + '[[source]]\nname = "desk"\nprovider = "team-api"\nurl = "https://d.example"\n'
    [desk] = load(tmp_path, text).sources
    assert desk.common.roles == frozenset() and desk.roles == {"queue"}


def test_a_role_the_provider_cannot_serve_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        PROVIDERS, "team-api", dataclasses.replace(teamapi.SPEC, roles=frozenset({"queue"}))
    )
    text = V2 + (
        '[[source]]\nname = "desk"\nprovider = "team-api"\nurl = "https://d.example"\n'
        'roles = ["rotation", "queue"]\n'
    )
    assert problems(tmp_path, text) == (
        'config.toml: source.desk.roles asks for rotation, but "team-api" serves only queue;'
        " remove it from roles.",
    )


SOURCE_PROBLEMS = [
    (
        '[[source]]\nname = "desk"\nprovider = "team-api"\n',
        'source.desk.url is empty, but provider = "team-api" needs it; set url in the'
        " source's table.",
    ),
    (
        '[[source]]\nname = "desk"\nprovider = "team-api"\nurl = ""\n',
        'source.desk.url is empty, but provider = "team-api" needs it; set url in the'
        " source's table.",
    ),
    (
        '[[source]]\nname = "desk"\nprovider = "team-api"\nurl = "https://d.example"\n'
        'tokenref = "x"\n',
        'source.desk.tokenref is not a setting of a "team-api" source; did you mean'
        " source.desk.token_ref? Remove it or correct its name.",
    ),
    (
        '[[source]]\nname = "play"\nprovider = "demo"\nurl = "https://play.example"\n',
        'source.play.url is not a setting of a "demo" source; Remove it or correct its name.',
    ),
    (
        '[[source]]\nname = "desk"\nprovider = "servicenow"\nurl = "https://d.example"\n',
        f'source.desk.provider = "servicenow" is not a known choice; use one of {CHOICES}.',
    ),
    (
        '[[source]]\nname = "desk"\nprovider = "dmeo"\n',
        f'source.desk.provider = "dmeo" is not a known choice; use one of {CHOICES}'
        ' (did you mean "demo"?).',
    ),
    (
        '[[source]]\nname = "desk"\nprovider = "demo"\n[[source]]\nname = "desk"\n'
        'provider = "demo"\n',
        'two [[source]] tables are named "desk"; give each its own name.',
    ),
    (
        '[[source]]\nprovider = "demo"\n',
        '[[source]] number 1 has no name; add name = "..." to it.',
    ),
    (
        '[[source]]\nname = "desk"\n',
        f'the source "desk" has no provider; add provider = one of {CHOICES}.',
    ),
    (
        '[[source]]\nname = 5\nprovider = "demo"\n',
        '[[source]] number 1 has no name; add name = "..." to it.',
    ),
    (
        'source = ["desk"]\n',
        'source = ["desk"] is not a list of tables; write each source as its own [[source]]'
        ' table with name = "..." and provider = "...".',
    ),
    (
        "source = 3\n",
        "source = 3 is not a list of tables; write each source as its own [[source]] table"
        ' with name = "..." and provider = "...".',
    ),
    (
        '[[source]]\nname = "jira:eu"\nprovider = "demo"\n',
        'source.jira:eu.name = "jira:eu" is not a valid name; use up to 40 letters, digits,'
        " -, _ and ., starting with a letter or digit (no colon: SOURCE:KEY names a ticket).",
    ),
    (
        '[[source]]\nname = "play"\nprovider = "demo"\nroles = ["rota"]\n',
        'source.play.roles = ["rota"] names the unknown role "rota"; write ["rotation"],'
        ' ["queue"] or ["rotation", "queue"] (did you mean "rotation"?).',
    ),
    (
        '[[source]]\nname = "play"\nprovider = "demo"\npoll_seconds = 5\n',
        "source.play.poll_seconds = 5 is too often for a ticket tool; set it to 15 or more,"
        " or 0 for the default.",
    ),
    (
        '[[source]]\nname = "play"\nprovider = "demo"\nme = 7\n',
        'source.play.me = 7 is not text; put it in double quotes, e.g. "text".',
    ),
]


@pytest.mark.parametrize(("text", "message"), SOURCE_PROBLEMS)
def test_each_source_problem_names_the_file_the_key_and_the_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    assert problems(tmp_path, V2 + text) == (f"config.toml: {message}",)


def test_a_url_that_is_refused_is_not_also_called_empty(tmp_path: Path) -> None:
    text = V2 + '[[source]]\nname = "desk"\nprovider = "team-api"\nurl = "desk.example"\n'
    assert problems(tmp_path, text) == (
        'config.toml: source.desk.url = "desk.example" is not an http(s) URL; write it like'
        ' "https://support.example.com".',
    )


def test_every_source_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = V2 + (
        '[[source]]\nname = "a"\nprovider = "team-api"\n'
        '[[source]]\nname = "b"\nprovider = "demo"\nroles = []\n'
        '[[source]]\nname = "c"\nprovider = "demo"\n'
    )
    found = problems(tmp_path, text)
    assert [p.split(" ")[1] for p in found] == ["source.a.url", "source.b.roles"]


# --- team defaults and the user's file, by source name ------------------------------------

TEAM = (
    V2
    + """
[[source]]
name = "desk"
provider = "team-api"
url = "https://desk.example/api/v1"
roles = ["queue"]
poll_seconds = 60

[[source]]
name = "rota"
provider = "team-api"
url = "https://rota.example/api/v1"
roles = ["rotation"]
"""
)


def test_the_user_adds_to_a_team_source_by_its_name(tmp_path: Path) -> None:
    user = V2 + '[[source]]\nname = "desk"\nme = "ana@example.com"\ntoken_ref = "ana-desk"\n'
    config = load(tmp_path, user, TEAM)
    assert config.sources == (
        team_api(
            "desk",
            "https://desk.example/api/v1",
            "queue",
            token_ref="ana-desk",
            poll=timedelta(seconds=60),
            me="ana@example.com",
        ),
        team_api("rota", "https://rota.example/api/v1", "rotation"),
    )


def test_a_user_source_is_added_after_the_teams_in_order(tmp_path: Path) -> None:
    user = V2 + (
        '[[source]]\nname = "mine"\nprovider = "demo"\n'
        '[[source]]\nname = "rota"\nurl = "https://mirror.example/api/v1"\n'
    )
    config = load(tmp_path, user, TEAM)
    assert [s.name for s in config.sources] == ["desk", "rota", "mine"]
    assert config.source("rota") == team_api("rota", "https://mirror.example/api/v1", "rotation")


def test_a_problem_in_a_merged_source_names_the_file_that_set_the_key(tmp_path: Path) -> None:
    user = V2 + '[[source]]\nname = "desk"\npoll_seconds = 1\ncolour = "red"\n'
    assert problems(tmp_path, user, TEAM) == (
        'config.toml: source.desk.colour is not a setting of a "team-api" source; Remove it'
        " or correct its name.",
        "config.toml: source.desk.poll_seconds = 1 is too often for a ticket tool; set it to"
        " 15 or more, or 0 for the default.",
    )


def test_a_team_source_without_its_required_url_names_the_team_file(tmp_path: Path) -> None:
    team = V2 + '[[source]]\nname = "desk"\nprovider = "team-api"\n'
    assert problems(tmp_path, V2 + 'me = "ana"\n', team) == (
        'team.toml: source.desk.url is empty, but provider = "team-api" needs it; set url in'
        " the source's table.",
    )


def test_per_source_me_and_poll_seconds(tmp_path: Path) -> None:
    text = V2 + (
        'me = "ana"\n'
        '[[source]]\nname = "a"\nprovider = "demo"\nme = "ana@example.com"\npoll_seconds = 30\n'
        '[[source]]\nname = "b"\nprovider = "demo"\npoll_seconds = 0\n'
    )
    config = load(tmp_path, text)
    a, b = config.sources
    assert config.me == "ana"
    assert (a.common.me, a.common.poll) == ("ana@example.com", timedelta(seconds=30))
    assert (b.common.me, b.common.poll) == ("", None)  # the top-level me, the roles' interval


# --- version 1: [rotation] and [queue] --------------------------------------------------


def test_version_1_with_both_roles_demo_is_the_demo_team(tmp_path: Path) -> None:
    config = load(tmp_path, '[rotation]\nprovider = "demo"\n[queue]\nprovider = "demo"\n')
    assert config.sources == () and config.effective_sources == (demo_source(),)
    assert config == Config()


def test_version_1_with_both_roles_on_one_server_is_one_source(tmp_path: Path) -> None:
    url = "https://team.example/api/v1"
    config = load(
        tmp_path,
        f'[rotation]\nprovider = "team-api"\nurl = "{url}"\ntoken_ref = "rota"\n'
        f'[queue]\nprovider = "team-api"\nurl = "{url}"\ntoken_ref = "desk"\n',
    )
    # Version 1 read one server once, with the rotation's token.
    assert config.sources == (team_api("team-api", url, "rotation", "queue", token_ref="rota"),)


def test_version_1_with_two_servers_is_two_sources(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        '[rotation]\nprovider = "team-api"\nurl = "https://r.example"\n'
        '[queue]\nprovider = "team-api"\nurl = "https://q.example"\n',
    )
    assert config.sources == (
        team_api("team-api-rotation", "https://r.example", "rotation", token_ref="rotation"),
        team_api("team-api", "https://q.example", "queue", token_ref="queue"),
    )


def test_version_1_sections_are_laid_over_the_teams_key_by_key(tmp_path: Path) -> None:
    team = '[queue]\nprovider = "team-api"\nurl = "https://q.example"\n'
    config = load(tmp_path, '[queue]\ntoken_ref = "mine"\n', team)
    assert config.sources == (
        demo("demo", "rotation", token_ref="rotation"),
        team_api("team-api", "https://q.example", "queue", token_ref="mine"),
    )


def test_version_1_keys_in_a_version_2_file_are_refused_with_a_hint(tmp_path: Path) -> None:
    text = V2 + '[queue]\nprovider = "team-api"\n'
    assert problems(tmp_path, text) == (
        "config.toml: queue.provider is a config_version 1 setting; in version 2 each source"
        " is a [[source]] table (name, provider, roles, url...): see docs/configuration.md.",
    )


@pytest.mark.parametrize("split", [False, True])
def test_version_1_sections_and_source_tables_together_are_refused(
    tmp_path: Path, split: bool
) -> None:
    old = '[queue]\nprovider = "team-api"\nurl = "https://q.example"\n'
    new = '[[source]]\nname = "play"\nprovider = "demo"\n'
    found = problems(tmp_path, new, old) if split else problems(tmp_path, old + new)
    where = "team.toml" if split else "config.toml"
    assert found == (
        f"{where}: [rotation] / [queue] (config_version 1) and [[source]] tables are both set;"
        " move the old sections into [[source]] tables (docs/configuration.md).",
    )


# --- writing sources back ---------------------------------------------------------------


def test_sources_survive_render_and_load(tmp_path: Path) -> None:
    config = Config(
        sources=(
            team_api(
                "desk",
                "https://desk.example/api/v1",
                "queue",
                token_ref="desk-token",
                poll=timedelta(seconds=45),
                me="ana@example.com",
            ),
            team_api("rota", "https://rota.example/api/v1"),
            demo("play", "rotation"),
        )
    )
    text = render(config)
    assert tomllib.loads(text)["source"] == [
        {
            "name": "desk",
            "provider": "team-api",
            "roles": ["queue"],
            "token_ref": "desk-token",
            "poll_seconds": 45,
            "me": "ana@example.com",
            "url": "https://desk.example/api/v1",
        },
        {"name": "rota", "provider": "team-api", "url": "https://rota.example/api/v1"},
        {"name": "play", "provider": "demo", "roles": ["rotation"]},
    ]
    assert load(tmp_path, text) == config


def test_over_team_defaults_only_what_differs_is_written(tmp_path: Path) -> None:
    team = write(tmp_path / "team.toml", TEAM)
    base = load_defaults(team)
    desk, rota = base.sources
    mine = dataclasses.replace(desk.common, me="ana@example.com", token_ref="ana-desk")
    config = dataclasses.replace(
        base, sources=(dataclasses.replace(desk, common=mine), rota, demo("play"))
    )
    text = render(config, base)
    assert tomllib.loads(text) == {
        "config_version": 2,
        "source": [
            {"name": "desk", "token_ref": "ana-desk", "me": "ana@example.com"},
            {"name": "play", "provider": "demo"},
        ],
    }
    assert load(tmp_path, text, TEAM) == config
    assert tomllib.loads(render(base, base)) == {"config_version": 2}


def test_a_key_set_back_to_its_default_over_the_team_survives(tmp_path: Path) -> None:
    team = write(tmp_path / "team.toml", TEAM)
    base = load_defaults(team)
    desk, rota = base.sources
    config = dataclasses.replace(
        base,
        sources=(
            dataclasses.replace(desk, common=dataclasses.replace(desk.common, poll=None)),
            rota,
        ),
    )
    assert load(tmp_path, render(config, base), TEAM) == config
