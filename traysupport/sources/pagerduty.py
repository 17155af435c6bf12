"""PagerDuty (REST API v2) as a rotation source: who is on call, from ``GET /oncalls``.

provider-apis.md §1. Shifts come from ``/oncalls`` for the configured schedules and/or
escalation policies, asked for whole (not cut at the window's edges) and read with the
classic offset/limit/more paging. Parsing and the per-level de-duplication live in
`pagerduty_oncalls`; a queue role (incidents, issue 9) can join this module's source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from traysupport.core.model import Person, Shift, require_aware
from traysupport.sources.base import AuthError, NotFoundError, RejectedError
from traysupport.sources.http import HttpClient
from traysupport.sources.pagerduty_oncalls import (
    OnCall,
    merge_oncalls,
    parse_oncall,
    parse_user,
    people_of,
)
from traysupport.sources.paging import OffsetLimit, pages
from traysupport.sources.parse import JsonObject, format_utc, keep_valid
from traysupport.sources.provider import ProviderSpec, SourceContext
from traysupport.sources.settings import Choice, TextList, Url, setting
from traysupport.sources.urls import ParamValue

log = logging.getLogger(__name__)

REGION_URLS = {"us": "https://api.pagerduty.com", "eu": "https://api.eu.pagerduty.com"}
"""provider-apis.md §1 "Basics": the US base URL [SPEC servers]; EU is its api.eu twin."""
ACCEPT = "application/vnd.pagerduty+json;version=2"  # §1 "Other headers": pins version 2
PAGE_LIMIT = 100  # §1 "Pagination": max 100 a page
MAX_PAGES = 99  # §1: offset+limit <= 10000, so 100 pages of 100 is the most there is
PEOPLE_AHEAD = timedelta(days=30)
"""fetch_people reads who is on call from now to this far ahead."""
AUTH_HINT = (
    "Create a PagerDuty REST API key (Integrations > API Access Keys, or a user token "
    "under My Profile > User Settings) and save it under this source's token_ref."
)


class PagerDutySource:
    """PagerDuty on-calls as a RotationSource. Thread-safe like its `HttpClient`."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        schedule_ids: tuple[str, ...] = (),
        escalation_policy_ids: tuple[str, ...] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._name = name
        self._http = http
        self._schedule_ids = schedule_ids
        self._policy_ids = escalation_policy_ids
        self._clock = clock

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
        """The people on call from now to `PEOPLE_AHEAD`, with emails (``include[]=users``)."""
        now = self._now()
        return people_of(self._oncalls(now, now + PEOPLE_AHEAD))

    def fetch_shifts(self, since: datetime, until: datetime) -> list[Shift]:
        """Shifts overlapping [since, until), whole, one per person, period and schedule."""
        require_aware(since, "since")
        require_aware(until, "until")
        return merge_oncalls(self._oncalls(since, until))

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

    @contextmanager
    def _auth_hint(self) -> Iterator[None]:
        """A 401/403 says how to get a PagerDuty key, not just "check the token"."""
        try:
            yield
        except AuthError as exc:
            problem = f"PagerDuty refused the API key: {exc.problem}"
            raise AuthError(self._name, problem, AUTH_HINT) from None

    def _now(self) -> datetime:
        return self._clock()


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


def _build(settings: PagerDutySettings, context: SourceContext) -> PagerDutySource:
    url = settings.url or REGION_URLS[settings.region]
    auth = f"Token token={context.token}" if context.token else None  # §1 "Auth header"
    http = context.http(url, auth=auth, headers={"Accept": ACCEPT})
    return PagerDutySource(
        context.name,
        http,
        schedule_ids=settings.schedule_ids,
        escalation_policy_ids=settings.escalation_policy_ids,
        clock=context.clock,
    )


SPEC = ProviderSpec(
    name="pagerduty",
    roles=frozenset({"rotation"}),
    settings=PagerDutySettings,
    build=_build,
    description="PagerDuty schedules: who is on call, from the REST API (/oncalls).",
    docs="docs/providers.md#pagerduty",
)
