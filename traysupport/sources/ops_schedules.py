"""The rotation source Opsgenie and JSM operations share: schedules, on-calls, timeline.

provider-apis.md §2 "On-call endpoints" (Opsgenie) and §10 "Jira Service Management
operations" (the same resources under another base URL and auth). The two provider
modules (`opsgenie`, `jsm_oncall`) build an `OpsScheduleSource` with their base URL,
their wording for a refused key, and (JSM) a `resolve` that turns account ids into names.

- ``GET schedules`` (paged where the API pages) gives the schedules; the configured
  ``schedules`` (names or ids) pick some, none means all.
- ``fetch_people``: ``GET schedules/{id}/on-calls`` at now: who is on call now.
- ``fetch_shifts``: ``GET schedules/{id}/timeline`` over the window in days: the
  ``finalTimeline`` periods (overrides and forwarding already applied), kept whole.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from traysupport.core.model import Person, Role, Shift, require_aware
from traysupport.sources.base import NotFoundError, auth_refusal
from traysupport.sources.http import HttpClient
from traysupport.sources.opsgenie_shapes import (
    NextLink,
    Period,
    Schedule,
    items_of,
    parse_oncall_people,
    parse_period,
    parse_schedule,
    recipient_person,
    timeline_periods,
)
from traysupport.sources.paging import pages
from traysupport.sources.parse import format_utc, keep_valid

log = logging.getLogger(__name__)

MAX_PAGES = 50
MAX_TIMELINE_DAYS = 62
"""A timeline asked for longer is cut here: the service asks for a week or two."""
Resolver = Callable[[list[Person]], list[Person]]


class OpsScheduleSource:
    """Opsgenie-shaped schedules as a RotationSource. Thread-safe like its `HttpClient`."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        vendor: str,
        auth_hint: str,
        schedules: tuple[str, ...] = (),
        resolve: Resolver | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._name = name
        self._http = http
        self._vendor = vendor
        self._auth_hint_text = auth_hint
        self._wanted = schedules
        self._resolve = resolve or (lambda people: people)
        self._clock = clock

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    @property
    def name(self) -> str:
        """The source's configured name."""
        return self._name

    def fetch_people(self) -> list[Person]:
        """Who is on call now in the chosen schedules, each once, names resolved."""
        now = self._clock()
        people: dict[str, Person] = {}
        with self._auth_hint():
            for schedule in self.schedules():
                # §2 on-calls [SPEC]: scheduleIdentifierType (not identifierType) here
                answer = self._http.get_json(
                    f"schedules/{quote(schedule.id, safe='')}/on-calls",
                    {"scheduleIdentifierType": "id", "flat": "false", "date": format_utc(now)},
                )
                raw = parse_oncall_people(answer, self._name)
                for person in keep_valid(
                    _users_in(raw), self._participant, self._name, "onCallParticipants", log
                ):
                    people.setdefault(person.id, person)
            return self._resolve(list(people.values()))

    def fetch_shifts(self, since: datetime, until: datetime) -> list[Shift]:
        """The timeline's periods overlapping [since, until), whole, one shift each."""
        require_aware(since, "since")
        require_aware(until, "until")
        # §10: a timeline starts at the beginning of the unit (day) containing `date`, in
        # the schedule's zone: ask from a day early, and a day more, so no edge is lost.
        start = since - timedelta(days=1)
        days = min(MAX_TIMELINE_DAYS, math.ceil((until - since) / timedelta(days=1)) + 2)
        periods: dict[tuple[str, datetime, datetime, str], Period] = {}
        with self._auth_hint():
            for schedule in self.schedules():
                answer = self._http.get_json(
                    f"schedules/{quote(schedule.id, safe='')}/timeline",
                    {
                        "identifierType": "id",  # §2: the timeline's spelling
                        "interval": days,
                        "intervalUnit": "days",
                        "date": format_utc(start),
                    },
                )
                for label, raw in timeline_periods(answer, self._name, schedule):
                    found = keep_valid(
                        [raw], self._period_parser(label), self._name, "finalTimeline", log
                    )
                    for period in found:
                        if period is not None and period.start < until and period.end > since:
                            key = (period.person.id, period.start, period.end, period.rotation)
                            periods.setdefault(key, period)
            named = {p.id: p for p in self._resolve(_distinct(p.person for p in periods.values()))}
        return [
            Shift(
                person=named.get(p.person.id, p.person),
                start=p.start,
                end=p.end,
                role=Role.PRIMARY,  # a schedule's final timeline is who is paged first
                rotation=p.rotation,
            )
            for p in sorted(periods.values(), key=lambda p: (p.start, p.person.id, p.rotation))
        ]

    def schedules(self) -> list[Schedule]:
        """The account's schedules (every page), narrowed to the configured ones."""
        found: list[Schedule] = []
        for page in pages(
            self._http,
            "schedules",
            None,
            NextLink(),
            items_of=lambda body: items_of(body, self._name),
            max_pages=MAX_PAGES,
            what="schedules",
        ):
            found += keep_valid(page.items, self._schedule_item, self._name, "schedules", log)
        if not self._wanted:
            return found
        chosen: list[Schedule] = []
        missing: list[str] = []
        for wanted in self._wanted:
            match = [s for s in found if wanted == s.id or wanted.casefold() == s.name.casefold()]
            if match:
                chosen += [s for s in match if s not in chosen]
            else:
                missing.append(wanted)
        if missing:
            names = ", ".join(sorted(s.name for s in found)[:10]) or "none"
            raise NotFoundError(
                self._name,
                f"no {self._vendor} schedule is called {', '.join(missing)}",
                f"Check `schedules` in Settings (names or ids); the key can see: {names}.",
            )
        return chosen

    def _schedule_item(self, value: object, path: str) -> Schedule:
        return parse_schedule(value, self._name, path)

    def _participant(self, value: object, path: str) -> Person:
        person = recipient_person(value, self._name, path)
        assert person is not None  # _users_in keeps users only
        return person

    def _period_parser(self, label: str) -> Callable[[object, str], Period | None]:
        def parse(value: object, path: str) -> Period | None:
            return parse_period(label, value, self._name, path)

        return parse

    def _auth_hint(self) -> AbstractContextManager[None]:
        """A 401/403 says how to get a working key for this vendor, not just "check it"."""
        said = f"{self._vendor} refused the credentials"
        return auth_refusal(self._name, said, self._auth_hint_text)


def _users_in(participants: list[object]) -> list[object]:
    """User participants, those nested under an escalation or team too (§2 on-calls)."""
    found: list[object] = []
    for raw in participants:
        if not isinstance(raw, dict):
            found.append(raw)  # keep_valid reports and skips it
            continue
        kind = raw.get("type", "user")
        if kind == "user" or not isinstance(kind, str):
            found.append(raw)
        nested = raw.get("onCallParticipants")
        if isinstance(nested, list):
            found += _users_in(nested)
    return found


def _distinct(people: Iterable[Person]) -> list[Person]:
    """Each person once, by id, first seen kept."""
    seen: dict[str, Person] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())
