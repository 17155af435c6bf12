"""Sentry as a queue: an organization's unresolved issues (of projects, or of a team).

provider-apis.md §7 "Sentry API" and §10 "Sentry, as a rotation uses it". The issues come
from ``GET /api/0/organizations/{org}/issues/?query=is:unresolved …`` (a bare JSON array,
paged by the ``Link`` header, whose ``rel="next"`` link is always there and says
``results="false"`` on the last page: `paging.LinkHeader`). Projects are given as slugs
and sent as the ids the endpoint takes (``project`` is "the IDs of projects",
docs.sentry.io list-an-organizations-issues), read once from the organization's projects.
Writes (assign, note, archive) are `sentry_writes`; parsing is `sentry_shapes`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from traysupport.core.model import Person, Priority, Ticket
from traysupport.sources.base import (
    NO_STEPS,
    RateLimitedError,
    SourceError,
    Steps,
    auth_refusal,
)
from traysupport.sources.http import HttpClient
from traysupport.sources.paging import LinkHeader, Page, pages, parsed_once
from traysupport.sources.parse import JsonObject, as_list
from traysupport.sources.provider import ProviderSpec, SourceContext
from traysupport.sources.sentry_shapes import (
    IssueReading,
    PriorityTable,
    parse_issue,
    parse_member,
    parse_user,
    priority_map,
    sentry_id,
)
from traysupport.sources.sentry_writes import IssueWrites
from traysupport.sources.settings import Choice, Text, TextList, Url, setting
from traysupport.sources.urls import Params
from traysupport.sources.waits import server_wait

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # §7: org issues take ``limit``; 100 is Sentry's page maximum
MAX_PAGES = 50
"""5,000 unresolved issues are a filter to narrow, not a queue to review."""
LOW_BUDGET = 0
"""§7 "Rate limits", §9 rule 3: with this many requests left, no further page is asked."""
SLUG = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"
PRIORITY_FILTERS = {
    "any": "",
    "medium": "issue.priority:[high,medium]",
    "high": "issue.priority:[high]",
}
"""§10: the team's queue query filters priority this way."""
AUTH_HINT = (
    "In Sentry, make a personal token (User settings > Personal Tokens) with the scopes "
    "event:read, event:write, project:read, member:read and org:read, and save it under "
    "this source's token_ref; you must be a member of the organization and its projects."
)


class SentrySource:
    """A Sentry organization's unresolved issues as a QueueSource (thread-safe as `HttpClient`)."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        organization: str,
        projects: tuple[str, ...] = (),
        team: str = "",
        environment: str = "",
        min_priority: str = "any",
        stats_period: str = "14d",
        priorities: dict[str, Priority] | None = None,
        no_sla: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._name = name
        self._http = http
        self._org = organization
        self._projects = projects
        self._team = team.removeprefix("#")
        self._environment = environment
        self._min_priority = min_priority
        self._stats_period = stats_period
        self._priorities = priorities or priority_map(())
        self._no_sla = no_sla
        self._clock = clock
        self._project_ids: tuple[str, ...] | None = None
        self._people: dict[str, Person] = {}
        self._writes = IssueWrites(name, http, organization)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    @property
    def name(self) -> str:
        """The source's configured name."""
        return self._name

    # -- reads ----------------------------------------------------------------------------

    def fetch_me(self) -> Person | None:
        """The token's user (``GET /api/0/``, whose ``user`` is null for an integration's)."""
        with self._auth_hint():
            answer = self._http.get_json("api/0/")
        user = JsonObject.of(answer, self._name, "").optional_object("user")
        if user is None or user.raw("id") is None:
            return None
        return parse_user(user)

    def fetch_people(self) -> list[Person]:
        """The organization's members with a user (invites left out), with emails."""
        path = f"api/0/organizations/{self._org}/members/"
        read = self._pages(path, {"per_page": PAGE_SIZE}, "members")
        found = parsed_once(
            read,
            lambda v, p: parse_member(v, self._name, p),
            lambda p: p.id,
            source=self._name,
            what="members",
            log=log,
        )
        self._people = {person.id: person for person in found}
        return found

    def fetch_tickets(self) -> list[Ticket]:
        """The unresolved issues asked for, newest activity first as Sentry sorts them."""
        reading = IssueReading(self._name, self._priorities, self._people, self._no_sla)
        params: dict[str, str | int | list[str]] = {"query": self.query(), "limit": PAGE_SIZE}
        if self._projects:
            params["project"] = list(self._ids_of_projects())
        if self._environment:
            params["environment"] = self._environment
        if self._stats_period:
            params["statsPeriod"] = self._stats_period
        read = self._pages(f"api/0/organizations/{self._org}/issues/", params, "issues")
        return parsed_once(
            read,
            lambda v, p: parse_issue(v, p, reading),
            lambda t: t.id,
            source=self._name,
            what="issues",
            log=log,
        )

    def query(self) -> str:
        """The issue search sent (§10): unresolved, the team's, at the priorities asked."""
        terms = ["is:unresolved"]
        if self._team:
            terms.append(f"assigned_or_suggested:#{self._team}")
        if PRIORITY_FILTERS[self._min_priority]:
            terms.append(PRIORITY_FILTERS[self._min_priority])
        return " ".join(terms)

    def _ids_of_projects(self) -> tuple[str, ...]:
        """The configured project slugs as ids, read once (``GET …/projects/``)."""
        if self._project_ids is not None:
            return self._project_ids
        ids: dict[str, str] = {}
        for page in self._pages(f"api/0/organizations/{self._org}/projects/", None, "projects"):
            for n, value in enumerate(page.items):
                if not isinstance(value, dict):
                    continue
                item = JsonObject.of(value, self._name, f"projects[{n}]")
                slug = item.optional_str("slug", max_chars=100)
                if slug in self._projects and item.raw("id") is not None:
                    ids[slug] = sentry_id(item, "id")
        missing = [slug for slug in self._projects if slug not in ids]
        if missing:
            raise SourceError(
                self._name,
                f"organization {self._org} has no project {', '.join(missing)} this token can see",
                "Check the projects setting (the slugs in the projects' URLs) and that the "
                "token's user is a member of those projects' teams.",
            )
        self._project_ids = tuple(ids[slug] for slug in self._projects)
        return self._project_ids

    def _pages(self, path: str, params: Params | None, what: str) -> Iterator[Page]:
        def items_of(body: object) -> list[object]:
            return as_list(body, self._name, what)  # §7: a bare JSON array

        with self._auth_hint():
            paging = LinkHeader()
            for page in pages(
                self._http,
                path,
                params,
                paging,
                items_of=items_of,
                max_pages=MAX_PAGES,
                what=what,
            ):
                yield page
                if paging.following(page) is not None:
                    self._mind_budget(page)

    def _mind_budget(self, page: Page) -> None:
        """§7 "Rate limits": with the window's requests spent, ask for no more pages (each
        would be a 429); say when the budget comes back (the reset is epoch seconds)."""
        headers = page.fetched.headers
        left = (headers.get("X-Sentry-Rate-Limit-Remaining") or "").strip()
        if not left.isdigit() or int(left) > LOW_BUDGET:
            return
        now = self._now().timestamp()
        wait = server_wait(headers, 429, now)
        wait = 60.0 if wait is None or not math.isfinite(wait) else wait
        problem = f"Sentry's API budget is spent after page {page.number}; no further page is asked"
        hint = "traysupport reads the queue again later; a longer poll_seconds spends less."
        raise RateLimitedError(self._name, problem, wait, hint)

    def _now(self) -> datetime:
        return self._clock() if self._clock is not None else datetime.now(UTC)

    # -- writes (sentry_writes) -------------------------------------------------------------

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Assign the issue to *by*; nothing sent when it already is (no key needed)."""
        with self._auth_hint():
            self._writes.acknowledge(ticket_id, by)

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
        """Assign the issue to *to*, then add *note* as a Sentry note: two steps."""
        with self._auth_hint():
            self._writes.hand_over(ticket_id, to, note, by, steps)

    def silence(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Archive the issue until it escalates (it leaves the unresolved queue); nothing
        sent when it is archived already. Sentry records who did it from the token."""
        with self._auth_hint():
            self._writes.silence(ticket_id)

    def _auth_hint(self) -> AbstractContextManager[None]:
        return auth_refusal(self._name, "Sentry refused", AUTH_HINT)


# -- the provider ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentrySettings:
    """A Sentry organization's queue settings."""

    url: str = setting(
        Url(), "https://sentry.io", "Sentry's base URL; a self-hosted one, or https://de.sentry.io."
    )
    organization: str = setting(
        Text(f"({SLUG})?", "a slug: letters, digits, -, _ and ."), "", "The organization's slug."
    )
    projects: tuple[str, ...] = setting(
        TextList(), (), 'Project slugs whose issues are the queue, e.g. ["api", "web"]; []: all.'
    )
    team: str = setting(
        Text(f"(#?{SLUG})?", "a team slug"),
        "",
        'A team slug: only issues assigned or suggested to it ("assigned_or_suggested:#team").',
    )
    environment: str = setting(Text(), "", 'Only events in this environment, e.g. "production".')
    min_priority: str = setting(
        Choice(("any", "medium", "high")),
        "any",
        '"high": only high; "medium": high and medium; "any": every priority.',
    )
    stats_period: str = setting(
        Text(r"(\d{1,4}[smhdw])?", "a number and s, m, h, d or w"),
        "14d",
        'Only issues seen within this period, e.g. "24h", "14d"; "": Sentry\'s default.',
    )
    priorities: tuple[tuple[str, str], ...] = setting(
        PriorityTable(), (), 'Sentry priority to P1..P4, e.g. { medium = "P3" }; others default.'
    )
    sla: str = setting(
        Choice(("none", "policy")),
        "none",
        '"none": issues have no SLA; "policy": the team\'s targets apply.',
    )


def _build(settings: SentrySettings, context: SourceContext) -> SentrySource:
    if not settings.organization:
        raise SourceError(
            context.name,
            "organization is not set",
            "Set organization to your organization's slug (in sentry.io/organizations/<slug>/).",
        )
    auth = f"Bearer {context.token}" if context.token else None  # §7 "Basics"
    return SentrySource(
        context.name,
        context.http(settings.url, auth=auth),
        organization=settings.organization,
        projects=settings.projects,
        team=settings.team,
        environment=settings.environment.strip(),
        min_priority=settings.min_priority,
        stats_period=settings.stats_period,
        priorities=priority_map(settings.priorities),
        no_sla=settings.sla == "none",
        clock=context.clock,
    )


SPEC = ProviderSpec(
    name="sentry",
    roles=frozenset({"queue"}),
    settings=SentrySettings,
    build=_build,
    description="Sentry: an organization's unresolved issues (projects or a team); assign, note.",
    docs="docs/providers.md#sentry",
)
