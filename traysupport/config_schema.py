"""The settings schema: every setting declared once, with its kind, default and help.

Each section is a frozen dataclass and each setting one field declared with `setting`
(from `traysupport.sources.settings`, with the kinds: TOML type, bounds or choices, how
to read and write it) and help text; the dotted key is ``section.field``. The flat
`SETTINGS` table, validation, ``describe()`` and the settings dialog all derive from
these declarations, so adding a setting is adding one field, and adding a source
provider is one `PROVIDERS` entry.

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

from traysupport.sources.settings import (
    Choice,
    ClockRange,
    ClockTime,
    Duration,
    DurationList,
    Flag,
    InvalidValueError,
    Kind,
    Number,
    OptionalDuration,
    Real,
    Setting,
    SettingMeta,
    Text,
    TimeZone,
    Url,
    setting,
    setting_rows,
    toml_text,
)

# The kinds live below sources/ so that a provider can declare its settings with them;
# they stay importable from here, where the app's settings are declared.
__all__ = [
    "CONFIG_VERSION",
    "PROVIDERS",
    "SECTIONS",
    "SETTINGS",
    "AlertsSettings",
    "Choice",
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
    "Provider",
    "QueueSettings",
    "Real",
    "RotationSettings",
    "Setting",
    "SettingMeta",
    "SlaSettings",
    "Text",
    "TimeZone",
    "UiSettings",
    "Url",
    "build",
    "flatten",
    "providers_for",
    "setting",
    "system_zone",
    "toml_text",
]

CONFIG_VERSION = 1
"""Bump when a setting is renamed or changes meaning, with a migration in config.py."""

# --- providers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Provider:
    """A kind of source: what it serves and what it needs configured."""

    name: str
    serves: frozenset[str]
    """"rotation", "queue" or both."""
    needs_url: bool
    help: str


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "team-api",
        frozenset({"rotation", "queue"}),
        needs_url=True,
        help="The traysupport team API (docs/team-api.md).",
    ),
    Provider(
        "demo",
        frozenset({"rotation", "queue"}),
        needs_url=False,
        help="The embedded demo team: made-up people and tickets, no server needed.",
    ),
)


def providers_for(section: str) -> tuple[str, ...]:
    """Names of the providers that can serve *section* ("rotation" or "queue")."""
    return tuple(p.name for p in PROVIDERS if section in p.serves)


# --- the schema -----------------------------------------------------------------------


_SECRET_NAME = Text(r"[A-Za-z0-9_-]+", "letters, digits, - and _")


def _provider(section: str) -> str:
    return setting(Choice(providers_for(section)), "demo", f"Where the {section} comes from.")


def _url(section: str) -> str:
    return setting(Url(), "", f"Base URL of the {section} source (every provider but demo).")


def _token_ref(section: str) -> str:
    return setting(
        _SECRET_NAME,
        section,
        f"Name the {section} API token is kept under: in the OS keyring (service"
        ' "traysupport") or the environment variable TRAYSUPPORT_<NAME>_TOKEN. The token'
        " itself is never written in this file.",
    )


@dataclass(frozen=True, slots=True)
class RotationSettings:
    """Where the rotation (who is on duty when) comes from."""

    provider: str = _provider("rotation")
    url: str = _url("rotation")
    token_ref: str = _token_ref("rotation")


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """Where the support queue (open tickets) comes from."""

    provider: str = _provider("queue")
    url: str = _url("queue")
    token_ref: str = _token_ref("queue")


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
        (timedelta(minutes=15),),
        "Remind me this long before each of my shifts starts, e.g. [60, 15]; [] for never.",
        "duty_soon_minutes",
    )
    evening_before: time | None = setting(
        ClockTime(), time(18, 0), 'The evening before a morning shift, remind me then; "" never.'
    )
    duty_ending: timedelta = setting(
        Duration("minutes", 1, 1440),
        timedelta(minutes=30),
        "Warn this long before my shift ends, with the tickets to hand over.",
        "duty_ending_minutes",
    )
    p1_off_duty: bool = setting(Flag(), True, "Tell me about new P1 tickets when off duty too.")
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
    source_down_after: int = setting(
        Number(1, 100, "failed fetches"), 3, "Tell me a source is down after this many failures."
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
        Text(), "", "Who I am on the team: my person id, email or name. Empty: ask the team API."
    )
    rotation: RotationSettings = field(default_factory=RotationSettings)
    queue: QueueSettings = field(default_factory=QueueSettings)
    poll: PollSettings = field(default_factory=PollSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    alerts: AlertsSettings = field(default_factory=AlertsSettings)
    ui: UiSettings = field(default_factory=UiSettings)

    @property
    def is_demo(self) -> bool:
        """True when any source is the embedded demo team (it must run, and say so)."""
        return "demo" in (self.rotation.provider, self.queue.provider)

    def as_demo(self) -> Config:
        """These settings with both sources switched to the demo team (``--demo``)."""
        return dataclasses.replace(
            self,
            rotation=dataclasses.replace(self.rotation, provider="demo"),
            queue=dataclasses.replace(self.queue, provider="demo"),
        )

    @property
    def source_description(self) -> str:
        """Where the data comes from, in a few words for the user."""
        if self.rotation.provider == self.queue.provider == "demo":
            return "the embedded demo team"
        return "; ".join(
            f"{name} from {s.provider}" + (f" at {s.url}" if s.url else "")
            for name, s in (("rotation", self.rotation), ("queue", self.queue))
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
