"""Who an iCalendar on-call event is about: the exporter's shape, and the person in it.

Each exporter writes the person differently (provider-apis.md §6, §8, §10 "iCalendar
feeds: traps"): PagerDuty ``SUMMARY:On Call - <Name> - <Schedule>`` with a bare email
in ``ATTENDEE``; LinkedIn oncall ``SUMMARY:<team> <role> shift: <Name>`` with
``ATTENDEE;CN=<Name>:MAILTO:<email>``; GoAlert ``SUMMARY:<Name> On-Call (<App>:
<Schedule>)`` HTML-escaped; Grafana OnCall ``SUMMARY:[L1] <username>``; Google
Calendar free text. The exporter is recognised from PRODID and the SUMMARY shape; a
configured ``person_pattern`` (a regex with the named group ``person``) overrides its
default. People are matched by email, then by name; ``aliases`` map the names or
usernames a feed writes to emails.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from icalendar import Calendar, Event

from traysupport.core.model import Person
from traysupport.sources.parse import clean_text

NAME_CHARS = 200
EMAIL_CHARS = 320
_EMAIL = re.compile(r"[^\s@<>:;,\"']+@[^\s@<>:;,\"']+\.[^\s@<>:;,\"']+")

# The default person pattern of each exporter; group "person" is the name, username or email.
PATTERNS: dict[str, str] = {
    # provider-apis.md §6 PagerDuty: "On Call - Ada Lo - Core Escalation" [3P samples]
    "pagerduty": r"^On Call - (?P<person>.+?)(?: - .*)?$",
    # §6/§8 LinkedIn oncall: "core-infra primary shift: Ada Lo" [SRC linkedin/oncall ical.py]
    "linkedin": r"shift: (?P<person>.+)$",
    # §6 GoAlert full-schedule feed: "Ada Lo On-Call (GoAlert: Core) Begins*" [SRC calsub]
    "goalert": r"^(?P<person>.+?) On-Call \(",
    # §6 Grafana OnCall final export: "[L1] ada" or "ada" [SRC grafana/oncall ical_utils.py]
    "grafana": r"^(?:\[L\d+\]\s*)?@?(?P<person>\S.*?)\s*$",
    # §6 Google Calendar: free text, "@Ada Lo", "Ada Lo" or an email
    "google": r"^(?:\[L\d+\]\s*)?@?(?P<person>\S.*?)\s*$",
    "opsgenie": r"^(?P<person>.+?)(?: - .*)?$",  # §6: no real sample found; a guess
    "generic": r"^(?:\[L\d+\]\s*)?@?(?P<person>\S.*?)\s*$",
}
EXPORTERS = tuple(PATTERNS)


def recognise(calendar: Calendar) -> str:
    """The exporter that wrote *calendar*: "pagerduty", "goalert"... or "generic"."""
    prodid = str(calendar.get("PRODID", "")).lower()
    summaries = [str(e.get("SUMMARY", "")) for e in calendar.walk("VEVENT")[:20]]
    uids = [str(e.get("UID", "")) for e in calendar.walk("VEVENT")[:20]]
    if "grafana" in prodid:
        return "grafana"
    if "ri_cal" in prodid or "pagerduty" in prodid or _most(summaries, "On Call - "):
        return "pagerduty"
    if "goalert" in prodid or _most(summaries, " On-Call ("):
        return "goalert"
    if "opsgenie" in prodid or "atlassian" in prodid:
        return "opsgenie"
    if _most(uids, "@oncall") or _most(summaries, " shift: "):
        return "linkedin"
    if "google" in prodid:
        return "google"
    return "generic"


def _most(texts: list[str], marker: str) -> bool:
    """True when at least half of *texts* (and one) contain *marker*."""
    hits = sum(marker in t for t in texts)
    return hits > 0 and 2 * hits >= len(texts)


@dataclass(frozen=True, slots=True)
class Named:
    """Who an event names: a display name, an email, either or both."""

    name: str = ""
    email: str = ""


def text_of(event: Event, key: str) -> str:
    """A text property, HTML entities decoded (GoAlert escapes names: ``O&#39;Shea``)."""
    value = event.get(key)
    if value is None:
        return ""
    return html.unescape(str(value))


def named_in(event: Event, pattern: re.Pattern[str]) -> Named:
    """The person *event* is about: ATTENDEE first, then SUMMARY, then DESCRIPTION."""
    attendee = _attendee(event)
    if attendee.email and attendee.name:
        return attendee
    for key in ("SUMMARY", "DESCRIPTION"):
        text = text_of(event, key).strip()
        # DESCRIPTION: LinkedIn writes the name on its first line, contacts below it
        found = _match(text.splitlines()[0] if text else "", pattern)
        if found.name or found.email:
            # PagerDuty: the email in ATTENDEE (no CN), the name in SUMMARY
            return Named(attendee.name or found.name, attendee.email or found.email)
    return attendee


def _attendee(event: Event) -> Named:
    """The first ATTENDEE, ``mailto:`` or a bare email (PagerDuty), with its CN."""
    value = event.get("ATTENDEE")
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return Named()
    address = str(value).strip()
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:") :]
    params = getattr(value, "params", {})
    name = html.unescape(str(params.get("CN", ""))).strip().strip('"')
    email = address if _EMAIL.fullmatch(address) else ""
    return Named(clean_text(name, NAME_CHARS), clean_text(email, EMAIL_CHARS).lower())


def _match(text: str, pattern: re.Pattern[str]) -> Named:
    if not text:
        return Named()
    match = pattern.search(text)
    if match is None:
        return Named()
    groups = match.groupdict()
    found = (groups.get("person") or next((g for g in groups.values() if g), "") or "").strip()
    if _EMAIL.fullmatch(found):
        return Named(email=clean_text(found, EMAIL_CHARS).lower())
    return Named(name=clean_text(found, NAME_CHARS))


class Directory:
    """The people a feed names, matched by email, then by name (aliases applied).

    Built from every event of the feed first, so a shift written with only a name
    finds the email another event (or an alias) gave the same name.
    """

    def __init__(self, aliases: Mapping[str, str]) -> None:
        self._aliases = {k.strip().lower(): v.strip().lower() for k, v in aliases.items()}
        self._by_email: dict[str, Person] = {}
        self._email_of_name: dict[str, str] = {}
        self._by_name: dict[str, Person] = {}

    def learn(self, everyone: Iterable[Named]) -> None:
        """Remember who the feed names, and which name goes with which email."""
        for named in everyone:
            if named.email and named.name:
                self._email_of_name.setdefault(named.name.lower(), named.email)
        for named in everyone:
            self.resolve(named)

    def resolve(self, named: Named) -> Person | None:
        """The person *named* is: id = email when one is known, else the name."""
        email = named.email or self._email_for(named.name)
        if email:
            known = self._by_email.get(email)
            if known is None or (not _has_name(known) and named.name):
                known = Person(id=email, name=named.name or email, email=email)
                self._by_email[email] = known
            return known
        if not named.name:
            return None
        key = named.name.lower()
        return self._by_name.setdefault(key, Person(id=named.name, name=named.name))

    def _email_for(self, name: str) -> str:
        key = name.strip().lower()
        if not key:
            return ""
        return self._aliases.get(key) or self._email_of_name.get(key, "")

    @property
    def people(self) -> list[Person]:
        """Everyone resolved so far, those with an email first."""
        return [*self._by_email.values(), *self._by_name.values()]


def _has_name(person: Person) -> bool:
    return person.name != person.email
