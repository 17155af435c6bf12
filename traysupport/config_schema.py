"""The settings schema: every setting declared once, with its kind, default and help.

Each section is a frozen dataclass and each setting one field declared with `setting`,
carrying its kind (TOML type, bounds or choices, how to read and write it) and help
text; the dotted key is ``section.field``. The flat `SETTINGS` table, validation,
``describe()`` and the settings dialog all derive from these declarations, so adding a
setting is adding one field, and adding a source provider is one `PROVIDERS` entry.

Values are typed: durations are timedeltas, clock times ``datetime.time``, the zone a
``ZoneInfo`` or None for the system zone (which ``datetime.astimezone(None)`` takes).
"""

# ruff: noqa: RUF009 -- `setting()` returns a dataclasses.field(), read once at class creation

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

CONFIG_VERSION = 1
"""Bump when a setting is renamed or changes meaning, with a migration in config.py."""

_T = TypeVar("_T")
_META = "traysupport.setting"


class InvalidValueError(Exception):
    """A value a kind refuses: what is wrong with it, and how to fix it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; {fix}")
        self.problem = problem
        self.fix = fix


def toml_text(value: object) -> str:
    """*value* written as TOML (the subset settings use; others as their repr)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n"}
        escapes |= {"\f": "\\f", "\r": "\\r"}
        return '"' + "".join(escapes.get(c, _control(c)) for c in value) + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    return repr(value)


def _control(c: str) -> str:
    return f"\\u{ord(c):04X}" if ord(c) < 0x20 or ord(c) == 0x7F else c


def _hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {toml_text(close[0])}?)" if close else ""


# --- kinds: what a setting holds, how it reads from TOML and writes back --------------


class Kind(ABC, Generic[_T]):
    """The type of a setting: parse a TOML value (or raise `InvalidValueError`) and dump one."""

    label = ""

    @abstractmethod
    def parse(self, raw: object) -> _T:
        """The typed value of TOML value *raw*."""

    def dump(self, value: _T) -> object:
        """*value* as a TOML value."""
        return value


class Text(Kind[str]):
    """Free text, or a name matching *pattern*."""

    def __init__(self, pattern: str = "", rule: str = "") -> None:
        self.pattern, self.rule = pattern, rule
        self.label = "text" if not pattern else f"name ({rule})"

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise InvalidValueError("is not text", 'put it in double quotes, e.g. "text"')
        if self.pattern and not re.fullmatch(self.pattern, raw):
            raise InvalidValueError("is not a valid name", f"use {self.rule}")
        return raw


class Url(Kind[str]):
    """An http(s) URL, or "" for none."""

    label = 'http(s) URL or ""'

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str) or not re.fullmatch(r"(https?://[^\s/]+\S*)?", raw):
            raise InvalidValueError(
                "is not an http(s) URL", 'write it like "https://support.example.com"'
            )
        return raw


class Choice(Kind[str]):
    """One of a fixed set of names."""

    def __init__(self, choices: tuple[str, ...]) -> None:
        self.choices = choices
        self.label = "one of " + ", ".join(choices)

    def parse(self, raw: object) -> str:
        if raw not in self.choices:
            word = raw if isinstance(raw, str) else ""
            names = ", ".join(toml_text(c) for c in self.choices)
            raise InvalidValueError(
                "is not a known choice", f"use one of {names}{_hint(word, [*self.choices])}"
            )
        return str(raw)


class Flag(Kind[bool]):
    """true or false."""

    label = "true/false"

    def parse(self, raw: object) -> bool:
        if not isinstance(raw, bool):
            raise InvalidValueError("is not true or false", "write true or false, without quotes")
        return raw


class Number(Kind[int]):
    """A whole number within bounds."""

    def __init__(self, low: int, high: int, unit: str = "") -> None:
        self.low, self.high = low, high
        self.label = f"{unit or 'integer'} {low}..{high}"

    def parse(self, raw: object) -> int:
        between = f"set it between {self.low} and {self.high}"
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise InvalidValueError("is not a whole number", f"{between}, without quotes")
        if raw < self.low:
            raise InvalidValueError(f"is below the minimum {self.low}", between)
        if raw > self.high:
            raise InvalidValueError(f"is above the maximum {self.high}", between)
        return raw


class Real(Kind[float]):
    """A number (fractions allowed) within bounds."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.label = f"number {low}..{high}"

    def parse(self, raw: object) -> float:
        between = f"set it between {self.low} and {self.high}"
        if not isinstance(raw, int | float) or isinstance(raw, bool):
            raise InvalidValueError("is not a number", f"{between}, without quotes")
        if not self.low <= raw <= self.high:  # written so that nan fails too
            where = f"below the minimum {self.low}" if raw < self.low else "out of range"
            where = f"above the maximum {self.high}" if raw > self.high else where
            raise InvalidValueError(f"is {where}", between)
        return float(raw)


class Duration(Kind[timedelta]):
    """A whole number of seconds or minutes within bounds, as a timedelta."""

    def __init__(self, unit: str, low: int, high: int) -> None:
        self.unit, self.number = unit, Number(low, high, unit)
        self.label = self.number.label

    def parse(self, raw: object) -> timedelta:
        return timedelta(**{self.unit: self.number.parse(raw)})

    def dump(self, value: timedelta) -> object:
        return int(value / timedelta(**{self.unit: 1}))


class OptionalDuration(Kind[timedelta | None]):
    """Like `Duration`, where 0 means off (None)."""

    def __init__(self, unit: str, high: int) -> None:
        self.duration = Duration(unit, 0, high)
        self.label = f"{self.duration.label} (0: off)"

    def parse(self, raw: object) -> timedelta | None:
        return self.duration.parse(raw) or None

    def dump(self, value: timedelta | None) -> object:
        return 0 if value is None else self.duration.dump(value)


class DurationList(Kind[tuple[timedelta, ...]]):
    """A list of whole minutes (or seconds) within bounds."""

    def __init__(self, unit: str, low: int, high: int) -> None:
        self.duration = Duration(unit, low, high)
        self.label = f"list of {self.duration.label}"

    def parse(self, raw: object) -> tuple[timedelta, ...]:
        if not isinstance(raw, list):
            raise InvalidValueError(
                f"is not a list of {self.duration.unit}", "write it like [60, 15]"
            )
        values = []
        for n, item in enumerate(raw, 1):
            try:
                values.append(self.duration.parse(item))
            except InvalidValueError as exc:
                problem = f"has item {n} = {toml_text(item)} that {exc.problem}"
                raise InvalidValueError(problem, exc.fix) from None
        return tuple(values)

    def dump(self, value: tuple[timedelta, ...]) -> object:
        return [self.duration.dump(v) for v in value]


_CLOCK = r"([01]\d|2[0-3]):([0-5]\d)"


class ClockTime(Kind[time | None]):
    """A time of day "HH:MM" (24-hour), or "" for off."""

    label = 'time "HH:MM" or ""'

    def parse(self, raw: object) -> time | None:
        match = re.fullmatch(_CLOCK, raw) if isinstance(raw, str) else None
        if raw == "":
            return None
        if match is None:
            raise InvalidValueError(
                "is not a time of day", 'write it as "HH:MM" (24-hour) in quotes, or ""'
            )
        return time(int(match[1]), int(match[2]))

    def dump(self, value: time | None) -> object:
        return "" if value is None else value.strftime("%H:%M")


class ClockRange(Kind[tuple[time, time] | None]):
    """A daily span "HH:MM-HH:MM" (it may cross midnight), or "" for none."""

    label = '"HH:MM-HH:MM" or ""'

    def parse(self, raw: object) -> tuple[time, time] | None:
        match = re.fullmatch(f"{_CLOCK}-{_CLOCK}", raw) if isinstance(raw, str) else None
        if raw == "":
            return None
        fix = 'write it as "HH:MM-HH:MM", e.g. "22:00-07:00", or "" for none'
        if match is None:
            raise InvalidValueError("is not a span of hours", fix)
        start, end = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
        if start == end:
            raise InvalidValueError("starts and ends at the same time", fix)
        return start, end

    def dump(self, value: tuple[time, time] | None) -> object:
        return "" if value is None else "-".join(t.strftime("%H:%M") for t in value)


class TimeZone(Kind[ZoneInfo | None]):
    """An IANA zone name, or "" for the system's zone."""

    label = 'IANA time zone or ""'

    def parse(self, raw: object) -> ZoneInfo | None:
        if raw == "":
            return None
        try:
            if isinstance(raw, str):
                return ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass  # OSError: a folder of zones such as "America"
        word = raw if isinstance(raw, str) else ""
        fix = 'use an IANA name such as "Europe/Berlin", or "" for the system zone'
        raise InvalidValueError(
            "is not a known time zone", fix + _hint(word, sorted(available_timezones()))
        )

    def dump(self, value: ZoneInfo | None) -> object:
        return "" if value is None else value.key


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


@dataclass(frozen=True, slots=True)
class SettingMeta:
    """What `setting` attaches to a field."""

    kind: Kind[Any]
    help: str
    name: str
    """The key in TOML ("" for the field's name); it carries the unit, the field not."""


def setting(kind: Kind[_T], default: _T, help: str, name: str = "") -> _T:
    """Declare one setting as a dataclass field (TOML key *name*, default: the field's)."""
    return field(default=default, metadata={_META: SettingMeta(kind, help, name)})


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


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the schema."""

    key: str
    """Dotted TOML key, e.g. "poll.queue_seconds"."""
    attr: str
    """Dotted attribute path in a `Config`, e.g. "poll.queue_interval"."""
    kind: Kind[Any]
    default: Any
    help: str

    @property
    def section(self) -> str:
        """The TOML table the setting lives in ("" for the top level)."""
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        """The key within its table."""
        return self.key.rpartition(".")[2]


def _rows(section: object, prefix: str) -> list[Setting]:
    rows = []
    for f in dataclasses.fields(section):  # type: ignore[arg-type]
        meta = f.metadata.get(_META)
        if meta is None:  # a field without metadata is a section
            rows += _rows(getattr(section, f.name), f"{f.name}.")
        else:
            key, attr = prefix + (meta.name or f.name), prefix + f.name
            rows.append(Setting(key, attr, meta.kind, f.default, meta.help))
    return rows


SETTINGS: dict[str, Setting] = {s.key: s for s in _rows(Config(), "")}
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
