"""iCalendar on-call feeds (`ics`): a rotation from PagerDuty, Opsgenie, Grafana OnCall,
GoAlert, LinkedIn oncall or Google Calendar, read from https://, webcal://, file:// or a path.

The feed is parsed with `icalendar` and expanded with `recurring-ical-events` over the
window asked for (RRULE, EXDATE, RECURRENCE-ID, VTIMEZONE, DURATION): nothing is parsed
by hand. Traps (provider-apis.md §10 "iCalendar feeds: traps"): cancelled and
zero-length events come back from the expansion and are not shifts; all-day events are
expanded in the calendar's zone (X-WR-TIMEZONE, else the ``timezone`` setting), not UTC.
A private feed URL is itself a secret: the HTTP client is made with ``url_is_secret``.
A relative plain path is read from the folder of the config file that names it (the
loader anchors it, `traysupport.sources.local_paths`), never from the working folder.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import recurring_ical_events  # type: ignore[import-untyped]
from icalendar import Calendar, Event

from traysupport.core.model import Person, Role, Shift, require_aware
from traysupport.sources.base import BadDataError
from traysupport.sources.bodies import CALENDAR_TYPES
from traysupport.sources.files import read_text_file
from traysupport.sources.http import HttpClient
from traysupport.sources.ics_parse import parse_calendar, short
from traysupport.sources.ics_people import PATTERNS, Directory, named_in, recognise
from traysupport.sources.local_paths import anchored_path, is_relative_path
from traysupport.sources.parse import clean_text
from traysupport.sources.provider import ROTATION, ProviderSpec, SourceContext
from traysupport.sources.setting_times import TimeZone
from traysupport.sources.settings import (
    Choice,
    Flag,
    InvalidValueError,
    Kind,
    Text,
    TextTable,
    setting,
)

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
"""A calendar file larger than this is not an on-call feed (the HTTP limit is the client's)."""
NAME_CHARS = 200
_TIMED = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")


class FeedUrl(Kind[str]):
    """https://, http://, webcal:// (read as https), file:// or a plain path (relative:
    to the folder of the config file that names it, anchored by the loader)."""

    label = "feed URL or file path"

    def anchored(self, raw: object, folder: Path) -> object:
        """A relative plain path written in a config file in *folder*, as a path there."""
        if not isinstance(raw, str) or _is_address(raw.strip()):
            return raw
        return anchored_path(raw.strip(), folder)

    def parse(self, raw: object) -> str:
        fix = 'write it like "https://acme.pagerduty.com/private/…/feed" or a file path'
        if not isinstance(raw, str):
            raise InvalidValueError("is not text", fix)
        text = raw.strip()
        scheme = urlsplit(text).scheme.lower()
        if len(scheme) > 1 and scheme not in ("http", "https", "webcal", "file"):
            raise InvalidValueError(f"is a {clean_text(scheme, 20)}: address", fix)
        if not _is_address(text) and is_relative_path(text):
            # The working folder is wherever the app was started: no place to read from.
            raise InvalidValueError(
                "is a relative path (it would depend on the folder the app starts in)",
                'write an absolute path like "/srv/oncall.ics" or "~/oncall.ics", or a URL',
            )
        return text


class PersonPattern(Kind[str]):
    """A regular expression with the named group ``person``, or "" for the exporter's."""

    label = 'regex with (?P<person>…) or ""'

    def parse(self, raw: object) -> str:
        fix = r'write it like "^On Call - (?P<person>.+?) - ", or "" for the default'
        if not isinstance(raw, str):
            raise InvalidValueError("is not text", fix)
        if raw:
            try:
                compiled = re.compile(raw)
            except re.error as error:
                raise InvalidValueError(f"is not a regular expression ({error})", fix) from None
            if not compiled.groupindex:
                raise InvalidValueError("has no named group", fix)
        return raw


@dataclass(frozen=True, slots=True)
class IcsSettings:
    """An iCalendar feed's own settings."""

    url: str = setting(FeedUrl(), "", "The feed: https://, webcal://, file:// or a file path.")
    person_pattern: str = setting(
        PersonPattern(), "", "Regex finding the person in SUMMARY/DESCRIPTION (group `person`)."
    )
    aliases: tuple[tuple[str, str], ...] = setting(
        TextTable(), (), "Names or usernames the feed writes, mapped to people's emails."
    )
    rotation: str = setting(Text(), "", "Rotation name (default: the calendar's X-WR-CALNAME).")
    role: str = setting(Choice(tuple(r.value for r in Role)), "primary", "Role of these shifts.")
    out_of_hours: bool = setting(Flag(), False, "Mark these shifts as out-of-hours cover.")
    timezone: ZoneInfo | None = setting(  # noqa: RUF009 - a kind is not a default value
        TimeZone(), None, "Zone of all-day events when the feed names none (default UTC)."
    )


@dataclass(frozen=True, slots=True)
class _Parsed:
    text: str
    calendar: Calendar
    exporter: str
    zone: ZoneInfo
    directory: Directory
    rotation: str


class IcsSource:
    """One iCalendar feed as a RotationSource; thread-safe (the parsed feed is swapped whole)."""

    def __init__(
        self, name: str, settings: IcsSettings, *, http: HttpClient | None, path: Path | None
    ) -> None:
        self._name = name
        self._settings = settings
        self._http = http
        self._path = path
        self._url = _http_url(settings.url) if http is not None else ""
        self._lock = threading.Lock()
        self._parsed: _Parsed | None = None

    @property
    def name(self) -> str:
        """The source's name."""
        return self._name

    def close(self) -> None:
        """Close the HTTP connections, if any."""
        if self._http is not None:
            self._http.close()

    def fetch_people(self) -> list[Person]:
        """The people the feed names (id: email when known, else the name)."""
        return self._read().directory.people

    def fetch_shifts(self, since: datetime, until: datetime) -> list[Shift]:
        """The feed's events overlapping [since, until), expanded, as shifts in UTC."""
        require_aware(since, "since")
        require_aware(until, "until")
        parsed = self._read()
        zone = parsed.zone
        try:
            # All-day events compare in the zone of the instants given (traps, §10)
            events = recurring_ical_events.of(parsed.calendar).between(
                since.astimezone(zone), until.astimezone(zone)
            )
            events = list(events)
        except (ValueError, TypeError, KeyError, recurring_ical_events.InvalidCalendar) as error:
            problem = f"the feed's recurrences could not be expanded ({short(error)})"
            raise BadDataError(self._name, problem) from None
        shifts = []
        for index, event in enumerate(events):
            shift = self._shift(event, parsed)
            if shift is not None and shift.end > since and shift.start < until:
                shifts.append(shift)
            elif shift is None:
                log.debug("%s: event %d is not a shift", self._name, index)
        return sorted(shifts, key=lambda s: (s.start, s.person.id))

    def _shift(self, event: Event, parsed: _Parsed) -> Shift | None:
        if _cancelled(event):
            return None
        try:
            # Event.end follows DURATION when there is no DTEND (RFC 5545 §3.6.1)
            start = _instant(event.start, parsed.zone)
            end = _instant(event.end, parsed.zone)
        except (KeyError, AttributeError, ValueError, TypeError):  # IncompleteComponent too
            log.warning("%s: skipped an event with unreadable times", self._name)
            return None
        if end is None or end <= start:  # zero-length: Grafana's deleted shifts (§10)
            return None
        person = parsed.directory.resolve(named_in(event, self._pattern(parsed)))
        if person is None:
            log.warning("%s: skipped an event that names nobody", self._name)
            return None
        try:
            return Shift(
                person=person,
                start=start,
                end=end,
                role=Role(self._settings.role),
                rotation=parsed.rotation,
                out_of_hours=self._settings.out_of_hours,
            )
        except ValueError:  # a time out of the range the model holds
            log.warning("%s: skipped an event with times out of range", self._name)
            return None

    def _pattern(self, parsed: _Parsed) -> re.Pattern[str]:
        return re.compile(self._settings.person_pattern or PATTERNS[parsed.exporter])

    def _read(self) -> _Parsed:
        """The feed, fetched (conditionally) and parsed again only when its text changed."""
        text = self._fetch()
        with self._lock:
            if self._parsed is not None and self._parsed.text == text:
                return self._parsed
        parsed = self._parse(text)
        with self._lock:
            self._parsed = parsed
        return parsed

    def _fetch(self) -> str:
        if self._http is not None:
            return self._http.get_text(self._url, types=CALENDAR_TYPES)
        assert self._path is not None
        return _read_calendar(self._name, self._path)

    def _parse(self, text: str) -> _Parsed:
        calendar = parse_calendar(self._name, text)
        _drop_broken(self._name, calendar)
        exporter = recognise(calendar)
        pattern = re.compile(self._settings.person_pattern or PATTERNS[exporter])
        directory = Directory(dict(self._settings.aliases))
        directory.learn([named_in(e, pattern) for e in _events(calendar) if not _cancelled(e)])
        rotation = self._settings.rotation or clean_text(
            str(calendar.get("X-WR-CALNAME", "")), NAME_CHARS
        )
        zone = _zone(calendar, self._settings.timezone)
        return _Parsed(text, calendar, exporter, zone, directory, rotation or self._name)


def _drop_broken(source: str, calendar: Calendar) -> None:
    """Remove events whose times icalendar could not read: one bad event is skipped."""
    kept = []
    for component in calendar.subcomponents:
        broken = [key for key, _ in getattr(component, "errors", []) if key in _TIMED]
        if component.name == "VEVENT" and (broken or "DTSTART" not in component):
            uid = clean_text(str(component.get("UID", "?")), 80)
            what = ", ".join(broken) or "no DTSTART"
            log.warning("%s: skipped the event %s: unreadable %s", source, uid, what)
            continue
        kept.append(component)
    calendar.subcomponents[:] = kept


def _events(calendar: Calendar) -> list[Event]:
    return [c for c in calendar.walk("VEVENT") if isinstance(c, Event)]


def _cancelled(event: Event) -> bool:
    return str(event.get("STATUS", "")).strip().upper() == "CANCELLED"


def _zone(calendar: Calendar, configured: ZoneInfo | None) -> ZoneInfo:
    """X-WR-TIMEZONE (Google, Grafana), else the ``timezone`` setting, else UTC."""
    named = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    if named:
        try:
            return ZoneInfo(named)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            log.warning("unknown X-WR-TIMEZONE %r; using the configured zone", named[:60])
    return configured or ZoneInfo("UTC")


def _instant(value: Any, zone: ZoneInfo) -> datetime:
    """A DTSTART/DTEND value in UTC: a date is midnight in the calendar's zone."""
    if isinstance(value, datetime):
        aware = value if value.utcoffset() is not None else value.replace(tzinfo=zone)
        return aware.astimezone(ZoneInfo("UTC"))
    if isinstance(value, date):
        return datetime.combine(value, time(), zone).astimezone(ZoneInfo("UTC"))
    raise TypeError(f"not a time: {type(value).__name__}")


def _http_url(url: str) -> str:
    """webcal:// is https:// (RFC-less, but what every calendar app does)."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "webcal":
        return "https" + url[len(parts.scheme) :]
    return url


def _is_address(text: str) -> bool:
    """True for a URL (any scheme longer than a Windows drive letter), not a plain path."""
    return len(urlsplit(text).scheme) > 1


def _is_http(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https", "webcal")


def _file_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        return Path(unquote(parts.path))
    return Path(url).expanduser()


def _read_calendar(source: str, path: Path) -> str:
    return read_text_file(source, path, "the calendar file", MAX_FILE_BYTES)


def _build(settings: IcsSettings, context: SourceContext) -> IcsSource:
    if _is_http(settings.url):
        http = context.http(_http_url(settings.url), url_is_secret=True)
        return IcsSource(context.name, settings, http=http, path=None)
    return IcsSource(context.name, settings, http=None, path=_file_path(settings.url))


SPEC = ProviderSpec(
    name="ics",
    roles=frozenset({ROTATION}),
    settings=IcsSettings,
    build=_build,
    description="An iCalendar on-call feed (PagerDuty, Grafana OnCall, GoAlert, Google…).",
    docs="docs/providers.md#ics",
    required=("url",),
    needs_token=False,  # a private feed's URL carries its own secret
)
