"""The setting kinds, used directly the way a provider module will: a settings dataclass.

A provider declares its own frozen dataclass with `setting()` and the kinds; the flat
rows, validation with the key and the fix, and writing values back all derive from it,
as they do for the app's own sections in config_schema.
"""

# ruff: noqa: RUF009 -- `setting()` returns a dataclasses.field(), read once at class creation

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from traysupport import config_schema
from traysupport.sources import setting_times as time_kinds
from traysupport.sources import settings as kinds
from traysupport.sources.setting_times import Duration, DurationList
from traysupport.sources.settings import (
    Choice,
    Flag,
    InvalidValueError,
    Setting,
    Text,
    Url,
    setting,
    setting_rows,
    toml_text,
)


@dataclass(frozen=True, slots=True)
class PagerSettings:
    """A made-up provider's own keys, declared as a provider module will declare them."""

    url: str = setting(Url(), "https://api.pager.example", "Base URL of the pager API.")
    region: str = setting(Choice(("us", "eu")), "us", "Which of the vendor's regions.")
    me: str = setting(Text(), "", "Who I am in the pager tool.")
    escalations: bool = setting(Flag(), False, "Also show escalation policies.")
    page_wait: timedelta = setting(
        Duration("seconds", 1, 60), timedelta(seconds=5), "Wait between pages.", "page_seconds"
    )
    reminders: tuple[timedelta, ...] = setting(
        DurationList("minutes", 1, 1440), (), "Remind me before a page.", "remind_minutes"
    )


def read_table(prefix: str, raw: Mapping[str, object]) -> tuple[PagerSettings, list[str]]:
    """*raw* checked as the config loader checks a layer: one problem per bad key."""
    rows = {row.name: row for row in setting_rows(PagerSettings(), prefix)}
    values: dict[str, Any] = {}
    problems = []
    for name, value in raw.items():
        row = rows[name]
        try:
            values[row.attr.removeprefix(prefix)] = row.kind.parse(value)
        except InvalidValueError as exc:
            problems.append(f"{row.key} = {toml_text(value)} {exc.problem}; {exc.fix}.")
    return dataclasses.replace(PagerSettings(), **values), problems


def test_a_provider_dataclass_gives_one_row_per_setting_with_its_toml_key() -> None:
    rows = setting_rows(PagerSettings(), "source.")

    assert [r.key for r in rows] == [
        "source.url",
        "source.region",
        "source.me",
        "source.escalations",
        "source.page_seconds",
        "source.remind_minutes",
    ]
    wait = rows[4]
    assert (wait.attr, wait.section, wait.name) == ("source.page_wait", "source", "page_seconds")
    assert (wait.default, wait.help) == (timedelta(seconds=5), "Wait between pages.")
    assert wait.kind.label == "seconds 1..60"


def test_valid_values_come_back_typed() -> None:
    raw = {"region": "eu", "page_seconds": 30, "remind_minutes": [60, 15], "escalations": True}

    parsed, problems = read_table("source.", raw)

    assert problems == []
    assert parsed == PagerSettings(
        region="eu",
        escalations=True,
        page_wait=timedelta(seconds=30),
        reminders=(timedelta(minutes=60), timedelta(minutes=15)),
    )


def test_every_bad_value_is_reported_with_its_key_and_the_fix() -> None:
    raw = {
        "url": "ftp://pager.example",
        "region": "eu2",
        "page_seconds": 0,
        "remind_minutes": [60, 0],
        "escalations": "yes",
    }

    parsed, problems = read_table("source.", raw)

    assert parsed == PagerSettings()  # nothing bad gets through
    assert problems == [
        'source.url = "ftp://pager.example" is not an http(s) URL;'
        ' write it like "https://support.example.com".',
        'source.region = "eu2" is not a known choice; use one of "us", "eu" (did you mean "eu"?).',
        "source.page_seconds = 0 is below the minimum 1; set it between 1 and 60.",
        "source.remind_minutes = [60, 0] has item 2 = 0 that is below the minimum 1;"
        " set it between 1 and 1440.",
        'source.escalations = "yes" is not true or false; write true or false, without quotes.',
    ]


def test_every_default_writes_back_as_toml_that_reads_as_itself() -> None:
    for row in setting_rows(PagerSettings()):
        assert row.kind.parse(row.kind.dump(row.default)) == row.default, row.key


def test_the_declared_dataclass_stays_frozen() -> None:
    parsed, _ = read_table("", {"me": "ada@example.com"})

    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.me = "someone else"  # type: ignore[misc]


def test_config_schema_declares_with_these_kinds_and_still_exports_them() -> None:
    # One definition: the app's schema and a provider's settings share the same classes.
    for name in ("Kind", "Choice", "InvalidValueError", "Setting", "toml_text"):
        assert getattr(config_schema, name) is getattr(kinds, name)
    assert config_schema.Duration is time_kinds.Duration
    assert all(isinstance(row, Setting) for row in config_schema.SETTINGS.values())
    assert config_schema.SETTINGS["poll.queue_seconds"].kind.label == "seconds 15..3600"
