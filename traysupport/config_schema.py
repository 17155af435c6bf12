"""The settings schema: every setting declared once, with its kind, default and help.

Each section is a frozen dataclass and each setting one field declared with `setting`
(from `traysupport.sources.settings`, with the kinds: TOML type, bounds or choices, how
to read and write it) and help text; the dotted key is ``section.field``. The flat
`SETTINGS` table, validation, ``describe()`` and the settings dialog all derive from
these declarations, so adding a setting is adding one field. Sources are
``[[source]]`` tables, declared in `traysupport.config_source_schema`;
`traysupport.config_sources` reads them.

Values are typed: durations are timedeltas, clock times ``datetime.time``, the zone a
``ZoneInfo`` or None for the system zone (which ``datetime.astimezone(None)`` takes).
"""

# ruff: noqa: RUF009 -- `setting()` returns a dataclasses.field(), read once at class creation

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from traysupport.config_source_schema import SourceConfig, demo_source
from traysupport.sounds import DEFAULT_SOUNDS, SOUND_CHOICES
from traysupport.sources.setting_times import (
    ClockRange,
    ClockTime,
    ClockTimes,
    Duration,
    DurationList,
    OptionalDuration,
    TimeZone,
)
from traysupport.sources.settings import (
    Choice,
    ChoiceSet,
    Flag,
    InvalidValueError,
    Kind,
    Number,
    Real,
    Setting,
    SettingMeta,
    Text,
    TextList,
    Url,
    setting,
    setting_rows,
    toml_text,
)

# The kinds live below sources/ so that a provider can declare its settings with them;
# they stay importable from here, where the app's settings are declared.
__all__ = [
    "CONFIG_VERSION",
    "SECTIONS",
    "SETTINGS",
    "AlertsSettings",
    "Choice",
    "ChoiceSet",
    "ClockRange",
    "ClockTime",
    "Config",
    "Duration",
    "DurationList",
    "Flag",
    "InvalidValueError",
    "Kind",
    "Number",
    "OptionalDuration",
    "PollSettings",
    "Real",
    "Setting",
    "SettingMeta",
    "SlaSettings",
    "Text",
    "TimeZone",
    "UiSettings",
    "Url",
    "build",
    "flatten",
    "setting",
    "system_zone",
    "toml_text",
]

CONFIG_VERSION = 2
"""Bump when a setting is renamed or changes meaning, with a migration in config.py."""


@dataclass(frozen=True, slots=True)
class PollSettings:
    """How often sources are fetched."""

    rotation_interval: timedelta = setting(
        Duration("seconds", 60, 86400),
        timedelta(minutes=5),
        "How often to fetch the rotation.",
        "rotation_seconds",
    )
    queue_interval: timedelta = setting(
        Duration("seconds", 15, 3600),
        timedelta(minutes=1),
        "How often to fetch the queue.",
        "queue_seconds",
    )
    jitter: float = setting(
        Real(0.0, 0.5),
        0.1,
        "Random spread of each poll interval, as a fraction of it, so that a team's"
        " laptops do not all ask at the same second.",
    )


def _target(priority: int, minutes: int) -> timedelta | None:
    return setting(
        OptionalDuration("minutes", 525600),
        timedelta(minutes=minutes) or None,
        f"SLA target of a P{priority} ticket when the ticket tool gives no deadline. 0: none.",
        f"p{priority}_minutes",
    )


@dataclass(frozen=True, slots=True)
class SlaSettings:
    """SLA targets and when to warn before a deadline."""

    p1: timedelta | None = _target(1, 60)
    p2: timedelta | None = _target(2, 180)
    p3: timedelta | None = _target(3, 1440)
    p4: timedelta | None = _target(4, 0)
    warn_fraction: float = setting(
        Real(0.01, 0.99), 0.25, "Warn when this fraction of a ticket's SLA time is left."
    )
    warn_min: timedelta = setting(
        Duration("minutes", 0, 1440),
        timedelta(minutes=10),
        "Warn at least this long before a deadline, however short the SLA.",
        "warn_min_minutes",
    )


@dataclass(frozen=True, slots=True)
class AlertsSettings:
    """What to tell the user about, and when to keep quiet."""

    duty_soon: tuple[timedelta, ...] = setting(
        DurationList("minutes", 1, 10080),
        (timedelta(days=1), timedelta(minutes=15)),
        "Remind me this long before each of my shifts starts, e.g. [1440, 15]; [] for never.",
        "duty_soon_minutes",
    )
    evening_before: time | None = setting(
        ClockTime(),
        time(18, 0),
        'The day before a shift starting before 12:00, remind me at this time; "" never.',
    )
    duty_ending: timedelta = setting(
        Duration("minutes", 1, 1440),
        timedelta(minutes=30),
        "Warn this long before my shift ends, with the tickets to hand over.",
        "duty_ending_minutes",
    )
    p1_off_duty: bool = setting(Flag(), True, "Tell me about new P1 tickets when off duty too.")
    assigned_to_me: bool = setting(
        Flag(), True, "Tell me when someone else assigns or reassigns a ticket to me."
    )
    priority_raised: bool = setting(
        Flag(), True, "Tell me when a ticket I hold, or an unassigned one, gets a higher priority."
    )
    breach_repeat: timedelta | None = setting(
        OptionalDuration("minutes", 1440),
        timedelta(minutes=15),
        "Repeat a P1's breached-SLA alert this often until it is acknowledged. 0: once.",
        "breach_repeat_minutes",
    )
    quiet_hours: tuple[time, time] | None = setting(
        ClockRange(), None, 'Hours without notifications, e.g. "22:00-07:00"; "" for none.'
    )
    quiet_allow_p1: bool = setting(Flag(), True, "Let P1 alerts through in quiet hours.")
    sound: frozenset[str] = setting(
        ChoiceSet(SOUND_CHOICES),
        DEFAULT_SOUNDS,
        'Which alerts play a sound: "critical" (P1 tickets, breached SLAs) and/or alert'
        ' kinds such as "new_ticket" or "duty_soon"; [] for none. The desktop\'s'
        " do-not-disturb silences them.",
    )
    source_down_after: int = setting(
        Number(1, 100, "failed fetches"), 3, "Tell me a source is down after this many failures."
    )
    review_times: tuple[str, ...] = setting(
        ClockTimes(),
        ("09:30", "14:00"),
        "On duty, at these local times, sum up what is new in the queue since my last"
        " review; [] for never.",
    )
    review_sources: tuple[str, ...] = setting(
        TextList(),
        (),
        "The sources a review counts, by name; [] for every queue source.",
    )


def system_zone() -> tzinfo:
    """The computer's time zone, as a zone with its DST rules when it can be found."""
    names = [os.environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError):  # Linux and macOS link /etc/localtime into zoneinfo
        names.append(os.path.realpath("/etc/localtime").partition("zoneinfo/")[2])
    for name in filter(None, names):
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError, OSError):
            return ZoneInfo(name)
    # Windows names its zones differently: today's offset, right until the next DST change.
    return datetime.now().astimezone().tzinfo or UTC


@dataclass(frozen=True, slots=True)
class UiSettings:
    """How things are shown."""

    timezone: ZoneInfo | None = setting(
        TimeZone(),
        None,
        'Show times in this zone, an IANA name such as "Europe/Berlin"; "" for the system zone.',
    )

    @property
    def tz(self) -> tzinfo:
        """The zone to show times in: the chosen one, else the system's."""
        return self.timezone or system_zone()


@dataclass(frozen=True, slots=True)
class Config:
    """All settings, typed. `Config()` is the built-in defaults (the demo team)."""

    me: str = setting(
        Text(), "", "Who I am on the team: my person id, email or name. Empty: ask the sources."
    )
    start_at_login: bool = setting(
        Flag(),
        True,
        "Start traysupport when I log in. Applied when it changes; an entry you removed"
        " by hand is not added back.",
    )
    poll: PollSettings = field(default_factory=PollSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    alerts: AlertsSettings = field(default_factory=AlertsSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    sources: tuple[SourceConfig, ...] = ()
    """The ``[[source]]`` tables, in order; none: the embedded demo team."""

    @property
    def effective_sources(self) -> tuple[SourceConfig, ...]:
        """The sources to read: those configured, else the demo team."""
        return self.sources or (demo_source(),)

    @property
    def is_demo(self) -> bool:
        """True when any source is the embedded demo team (it must run, and say so)."""
        return any(s.provider == "demo" for s in self.effective_sources)

    def as_demo(self) -> Config:
        """These settings with the demo team as the only source (``--demo``)."""
        return dataclasses.replace(self, sources=(demo_source(),))

    def source(self, name: str) -> SourceConfig | None:
        """The source called *name*, if configured."""
        return next((s for s in self.effective_sources if s.name == name), None)

    @property
    def source_description(self) -> str:
        """Where the data comes from, in a few words for the user."""
        if all(s.provider == "demo" for s in self.effective_sources):
            return "the embedded demo team"
        return "; ".join(
            f"{s.name} ({s.provider}" + (f" at {s.url}" if s.url else "") + ")"
            for s in self.effective_sources
        )


# --- the flat table, derived ----------------------------------------------------------


SETTINGS: dict[str, Setting] = {s.key: s for s in setting_rows(Config())}
"""Every setting by dotted TOML key, in declaration order."""
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(s.section for s in SETTINGS.values() if s.section))


def build(values: Mapping[str, Any]) -> Config:
    """A Config from typed values by dotted TOML key; keys not given keep their default."""
    defaults = Config()
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    for key, value in values.items():
        section, _, name = SETTINGS[key].attr.rpartition(".")
        (sections[section] if section else top)[name] = value
    for name, changes in sections.items():
        top[name] = dataclasses.replace(getattr(defaults, name), **changes)
    return dataclasses.replace(defaults, **top)


def flatten(config: Config) -> dict[str, Any]:
    """The typed value of every setting of *config*, by dotted TOML key."""
    values = {}
    for key, row in SETTINGS.items():
        value: Any = config
        for part in row.attr.split("."):
            value = getattr(value, part)
        values[key] = value
    return values
