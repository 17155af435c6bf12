"""PagerDuty (REST API v2): the rotation (who is on call) and the queue (open incidents).

provider-apis.md §1. Shifts come from ``/oncalls`` for the configured schedules and/or
escalation policies, asked for whole (not cut at the window's edges) and read with the
classic offset/limit/more paging. ``/oncalls`` lists only schedules that an escalation
policy uses [3P sergiitk/pagerbeauty#103]: a configured schedule with no on-calls there
is read from ``GET /schedules/{id}``'s final schedule instead, with ``overflow=true`` so
that its periods come whole too, as the rest of the rotation's do (the rendered entries
are cut at the window's edges otherwise, §1 "Rendered schedule"). ``earliest=true``
(each person's next on-call) is not used: the rotation is read as a window, and nothing
here asks for only the next shift.

People, for both roles, are the account's users (``GET /users``, with emails). Parsing
and the per-level de-duplication live in `pagerduty_oncalls`; the queue role (incidents,
acknowledge, hand over) in `pagerduty_incidents`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from traysupport.core.model import Person, Shift, Ticket, require_aware
from traysupport.sources.base import NO_STEPS, NotFoundError, RejectedError, Steps, auth_refusal
from traysupport.sources.http import HttpClient
from traysupport.sources.pagerduty_incident_shapes import UrgencyTable, urgency_map
from traysupport.sources.pagerduty_incidents import IncidentQueue, Scope
from traysupport.sources.pagerduty_oncalls import (
    OnCall,
    merge_oncalls,
    parse_oncall,
    parse_rendered,
    parse_user,
)
from traysupport.sources.paging import OffsetLimit, pages, parsed_once
from traysupport.sources.parse import JsonObject, format_utc, keep_valid
from traysupport.sources.provider import ROLES, ProviderSpec, SourceContext
from traysupport.sources.settings import Choice, Text, TextList, Url, setting
from traysupport.sources.urls import ParamValue

log = logging.getLogger(__name__)

REGION_URLS = {"us": "https://api.pagerduty.com", "eu": "https://api.eu.pagerduty.com"}
"""provider-apis.md §1 "Basics": the US base URL [SPEC servers]; EU is its api.eu twin."""
ACCEPT = "application/vnd.pagerduty+json;version=2"  # §1 "Other headers": pins version 2
PAGE_LIMIT = 100  # §1 "Pagination": max 100 a page
MAX_PAGES = 99  # §1: offset+limit <= 10000, so 100 pages of 100 is the most there is
AUTH_HINT = (
    "Create a PagerDuty REST API key (Integrations > API Access Keys, or a user token "
    "under My Profile > User Settings) and save it under this source's token_ref."
)


class PagerDutySource:
    """PagerDuty as a RotationSource and a QueueSource. Thread-safe like its `HttpClient`."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        schedule_ids: tuple[str, ...] = (),
        escalation_policy_ids: tuple[str, ...] = (),
        scope: Scope | None = None,
        from_email: str = "",
        urgencies: tuple[tuple[str, str], ...] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._name = name
        self._http = http
        self._schedule_ids = schedule_ids
        self._policy_ids = escalation_policy_ids
        scope = scope or Scope()
        self._team_ids = scope.team_ids
        self._clock = clock
        self._incidents = IncidentQueue(
            name,
            http,
            scope=scope,
            from_email=from_email,
            urgencies=urgency_map(urgencies),
            clock=clock,
            whoami=self.fetch_me,
            refused=self._auth_hint,
        )

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    @property
    def name(self) -> str:
        """The source's configured name."""
        return self._name

    def fetch_me(self) -> Person | None:
        """The token's user (``GET /users/me``); None for an account-level key (§1).

        An account key has no user behind it and is refused with 400 (or 404); then the
        configured ``me`` email is used instead.
        """
        with self._auth_hint():
            try:
                answer = self._http.get_json("users/me")
            except (NotFoundError, RejectedError):
                return None
        body = JsonObject.of(answer, self._name, "")
        return parse_user(body.raw("user"), self._name, "user")

    def fetch_people(self) -> list[Person]:
        """The account's users (of the configured teams), with emails: who a shift or an
        incident can name, and who an incident can be handed over to (``GET /users``)."""
        params: dict[str, ParamValue] = {}
        if self._team_ids:
            params["team_ids[]"] = list(self._team_ids)
        with self._auth_hint():
            read = pages(
                self._http,
                "users",
                params,
                OffsetLimit(limit=PAGE_LIMIT),
                items_of=lambda body: JsonObject.of(body, self._name, "").require_list("users"),
                max_pages=MAX_PAGES,
                what="users",
            )
            people = parsed_once(
                read, self._user_item, lambda p: p.id, source=self._name, what="users", log=log
            )
        return people

    def fetch_shifts(self, since: datetime, until: datetime) -> list[Shift]:
        """Shifts overlapping [since, until), whole, one per person, period and schedule."""
        require_aware(since, "since")
        require_aware(until, "until")
        oncalls = self._oncalls(since, until)
        listed = {oncall.schedule_id for oncall in oncalls}
        for schedule_id in self._schedule_ids:
            if schedule_id not in listed:  # on no escalation policy: not in /oncalls
                oncalls += self._rendered(schedule_id, since, until)
        return merge_oncalls(oncalls)

    def _rendered(self, schedule_id: str, since: datetime, until: datetime) -> list[OnCall]:
        """A schedule's final (rendered) entries, whole periods (§1 "Rendered schedule")."""
        params: dict[str, ParamValue] = {
            "since": format_utc(since),
            "until": format_utc(until),
            "overflow": "true",  # entries not cut at since/until: whole, like /oncalls
            "time_zone": "UTC",
        }
        with self._auth_hint():
            answer = self._http.get_json(f"schedules/{quote(schedule_id, safe='')}", params)
        schedule = JsonObject.of(answer, self._name, "").optional_object("schedule")
        if schedule is None:
            raise JsonObject.of(answer, self._name, "").error("schedule", "is missing")
        final = schedule.optional_object("final_schedule")
        items = final.require_list("rendered_schedule_entries") if final is not None else []
        name = schedule.optional_text("name", max_chars=200) or schedule_id

        def entry(value: object, path: str) -> OnCall:
            return parse_rendered(value, self._name, path, schedule_id, name)

        return keep_valid(items, entry, self._name, f"schedule {schedule_id} entries", log)

    def fetch_tickets(self) -> list[Ticket]:
        """The open incidents (triggered, acknowledged) in scope, whatever their age."""
        return self._incidents.fetch_tickets()

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Acknowledge the incident as *by* (see `pagerduty_incidents`)."""
        self._incidents.acknowledge(ticket_id, by, idempotency_key, steps=steps)

    def hand_over(
        self,
        ticket_id: str,
        to: Person,
        note: str,
        by: Person,
        idempotency_key: str,
        *,
        steps: Steps = NO_STEPS,
    ) -> None:
        """Reassign the incident to *to*, then add *note* (two steps)."""
        self._incidents.hand_over(ticket_id, to, note, by, idempotency_key, steps=steps)

    def _oncalls(self, since: datetime, until: datetime) -> list[OnCall]:
        """Every readable ``/oncalls`` item in the window, a malformed one skipped."""
        # §1 GET /oncalls [SPEC]: without since/until only "now" is answered; periods
        # come whole (the clipping is only in /schedules without overflow=true).
        params: dict[str, ParamValue] = {
            "since": format_utc(since),
            "until": format_utc(until),
            "include[]": "users",  # full users, so people carry emails to merge on
        }
        if self._schedule_ids:
            params["schedule_ids[]"] = list(self._schedule_ids)
        if self._policy_ids:
            params["escalation_policy_ids[]"] = list(self._policy_ids)
        found: list[OnCall] = []
        with self._auth_hint():
            for page in pages(
                self._http,
                "oncalls",
                params,
                OffsetLimit(limit=PAGE_LIMIT),
                items_of=lambda body: JsonObject.of(body, self._name, "").require_list("oncalls"),
                max_pages=MAX_PAGES,
                what="on-calls",
            ):
                path = "oncalls" if page.number == 1 else f"page {page.number} oncalls"
                found += keep_valid(page.items, self._oncall_item, self._name, path, log)
        return found

    def _oncall_item(self, value: object, path: str) -> OnCall:
        return parse_oncall(value, self._name, path)

    def _user_item(self, value: object, path: str) -> Person:
        return parse_user(value, self._name, path)

    def _auth_hint(self, extra: str = "") -> AbstractContextManager[None]:
        """A 401/403 says how to get a PagerDuty key (and, for a write, which kind)."""
        return auth_refusal(self._name, "PagerDuty refused the API key", AUTH_HINT + extra)


@dataclass(frozen=True, slots=True)
class PagerDutySettings:
    """A PagerDuty account's settings."""

    region: str = setting(
        Choice(("us", "eu")), "us", 'Service region: "us" or "eu" (sets the default url).'
    )
    url: str = setting(Url(), "", "API base URL; default from region (api.pagerduty.com).")
    schedule_ids: tuple[str, ...] = setting(
        TextList(), (), 'Schedule ids to read, e.g. ["PABC123"]; from the schedule\'s URL.'
    )
    escalation_policy_ids: tuple[str, ...] = setting(
        TextList(), (), "Escalation policy ids to read (every level's on-call)."
    )
    user_ids: tuple[str, ...] = setting(
        TextList(), (), "Queue: incidents assigned to these users (default: the token's user)."
    )
    team_ids: tuple[str, ...] = setting(
        TextList(), (), "Queue: incidents of these teams; people: these teams' users."
    )
    service_ids: tuple[str, ...] = setting(TextList(), (), "Queue: incidents of these services.")
    urgencies: tuple[tuple[str, str], ...] = setting(
        UrgencyTable(),
        (),
        'Urgency to P1..P4 where incidents have no priority, e.g. { low = "P4" } '
        "(default high P1, low P3).",
    )
    from_email: str = setting(
        Text(), "", "The PagerDuty user's email sent as From on changes (for an account key)."
    )


def _build(settings: PagerDutySettings, context: SourceContext) -> PagerDutySource:
    url = settings.url or REGION_URLS[settings.region]
    auth = f"Token token={context.token}" if context.token else None  # §1 "Auth header"
    http = context.http(url, auth=auth, headers={"Accept": ACCEPT})
    return PagerDutySource(
        context.name,
        http,
        schedule_ids=settings.schedule_ids,
        escalation_policy_ids=settings.escalation_policy_ids,
        scope=Scope(settings.user_ids, settings.team_ids, settings.service_ids),
        from_email=settings.from_email,
        urgencies=settings.urgencies,
        clock=context.clock,
    )


SPEC = ProviderSpec(
    name="pagerduty",
    roles=frozenset(ROLES),
    settings=PagerDutySettings,
    build=_build,
    description="PagerDuty: who is on call (schedules) and open incidents; ack and hand over.",
    docs="docs/providers.md#pagerduty",
)
