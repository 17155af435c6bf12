"""Jira Service Management as a queue: a service desk queue's requests, their SLA, written back.

provider-apis.md §3 (Jira Service Management Cloud + the Jira platform API) and §9.

- Tickets: ``GET /rest/servicedeskapi/servicedesk/{id}/queue/{queueId}/issue``, paged by
  ``start``/``limit`` until ``isLastPage``; only the queue's columns come back
  (`jira_sm_shapes`). Each request's SLA: ``GET /rest/servicedeskapi/request/{id}/sla``,
  asked again only when the issue changed (`jira_sm_sla`).
- Acknowledge = assign to me: ``PUT /rest/api/3/issue/{id}/assignee {"accountId"}``
  (Data Center: ``/rest/api/2`` and ``{"name"}``), 204; then, when configured, the
  transition of that name (``GET``, then ``POST .../transitions``), 204. Steps "assign"
  and "transition". Already mine: nothing assigned again.
- Hand over = the same assignment to them (step "assign"), then an internal comment
  ``POST /rest/servicedeskapi/request/{id}/comment {"body", "public": false}``, 201
  (step "comment"). Jira takes no idempotency key: on a retry, or when the issue was
  already theirs, the request's internal comments are read first and a note of mine with
  the same text is not posted again.

Cloud (``https://<site>.atlassian.net``) takes the API token with the account's email as
Basic auth; Data Center a personal access token as a Bearer (`atlassian.basic_or_bearer`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from traysupport.core.model import Person, Priority, Ticket
from traysupport.sources.atlassian import basic_or_bearer
from traysupport.sources.base import (
    NO_STEPS,
    SourceError,
    Steps,
    auth_refusal,
)
from traysupport.sources.http import HttpClient
from traysupport.sources.jira_sm_shapes import (
    Deployment,
    IssueReading,
    PriorityTable,
    QueueIssue,
    parse_issue,
    parse_user,
    priority_map,
    user_item,
)
from traysupport.sources.jira_sm_sla import DEFAULT_SLA, SlaReader
from traysupport.sources.jira_sm_writes import IssueWriter
from traysupport.sources.paging import OffsetLimit, pages, parsed_once
from traysupport.sources.parse import JsonObject, as_list, keep_valid
from traysupport.sources.provider import QUEUE, ProviderSpec, SourceContext
from traysupport.sources.settings import Choice, Number, Text, Url, setting

log = logging.getLogger(__name__)

PAGE_SIZE = 50  # §3: servicedeskapi lists default to 50 a page
MAX_PAGES = 100
ASSIGNABLE = 1000
"""§3: assignable/search looks at this many users at most, whatever the paging."""
CLOUD_HOSTS = (".atlassian.net", ".jira.com")
CLOUD_HINT = (
    "Create an API token at https://id.atlassian.com/manage-profile/security/api-tokens "
    "(a classic one, not a scoped one: those work only through api.atlassian.com), save it "
    "under this source's token_ref and set email to that Atlassian account's email. The "
    "account must be an agent of the service desk, with Assign Issues to write back."
)
DC_HINT = (
    "In Jira, open your profile > Personal Access Tokens, create a token and save it under "
    "this source's token_ref (leave email empty). Its user must be an agent of the service "
    "desk, with Assign Issues to write back."
)


class JiraSmSource:
    """One service desk queue as a QueueSource. Thread-safe like its `HttpClient`."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        site: str,
        deployment: Deployment,
        service_desk_id: str,
        queue_id: int,
        sla_name: str = DEFAULT_SLA,
        priorities: dict[str, Priority] | None = None,
        default_priority: Priority = Priority.P3,
        acknowledge_transition: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._name = name
        self._http = http
        self._deployment = deployment
        self._desk = quote(service_desk_id.strip(), safe="")
        self._queue_id = queue_id
        self._reading = IssueReading(
            name,
            site.rstrip("/"),
            deployment,
            priorities or priority_map(()),
            default_priority,
        )
        self._slas = SlaReader(name, http, sla_name, clock=clock)
        self._writer = IssueWriter(name, http, deployment, acknowledge_transition)
        self._project = ""

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    @property
    def name(self) -> str:
        """The source's configured name."""
        return self._name

    # -- reads ----------------------------------------------------------------------------

    def fetch_me(self) -> Person | None:
        """The token's user: ``GET /rest/api/3/myself`` (Data Center: ``/rest/api/2``)."""
        with self._auth_hint():
            answer = self._http.get_json(f"{self._deployment.api}/myself")
        return parse_user(answer, self._name, "myself", self._deployment)

    def fetch_people(self) -> list[Person]:
        """Who the queue's issues can be assigned to: the project's assignable users,
        active people only, with their emails where their profile shows them (§3)."""
        with self._auth_hint():
            project = self._project_key()
            answer = self._http.get_json(
                f"{self._deployment.api}/user/assignable/search",
                {"project": project, "maxResults": ASSIGNABLE},
            )
        items = as_list(answer, self._name, "")
        found = keep_valid(items, self._user, self._name, "assignable users", log)
        people = {person.id: person for person in found if person is not None}
        return list(people.values())

    def fetch_tickets(self) -> list[Ticket]:
        """The queue's open issues, each with its SLA (asked only for changed ones)."""
        with self._auth_hint():
            read = pages(
                self._http,
                f"rest/servicedeskapi/servicedesk/{self._desk}/queue/{self._queue_id}/issue",
                None,
                OffsetLimit(limit=PAGE_SIZE, offset_param="start", more="", last="isLastPage"),
                items_of=self._values,
                max_pages=MAX_PAGES,
                what="queue issues",
            )
            issues = parsed_once(
                read, self._issue, lambda i: i.ticket.id, source=self._name, what="issues", log=log
            )
            tickets = [
                replace(i.ticket, sla=self._slas.sla(i.ticket.id, i.stamp, exact=i.exact))
                for i in issues
            ]
        self._slas.keep_only(ticket.id for ticket in tickets)
        return tickets

    def _project_key(self) -> str:
        """The service desk's project key (``GET /rest/servicedeskapi/servicedesk/{id}``)."""
        if not self._project:
            answer = self._http.get_json(f"rest/servicedeskapi/servicedesk/{self._desk}")
            desk = JsonObject.of(answer, self._name, "servicedesk")
            self._project = desk.require_str("projectKey", max_chars=255)
        return self._project

    def _values(self, body: object) -> list[object]:
        return JsonObject.of(body, self._name, "").require_list("values")

    def _issue(self, value: object, path: str) -> QueueIssue | None:
        return parse_issue(value, path, self._reading)

    def _user(self, value: object, path: str) -> Person | None:
        return user_item(value, self._name, path, self._deployment)

    # -- writes (jira_sm_writes) ----------------------------------------------------------

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Assign the issue to *by* (nothing sent when it is theirs already), then apply
        the configured transition: steps "assign" and "transition". Jira takes no key."""
        with self._auth_hint():
            self._writer.acknowledge(ticket_id, by, steps=steps)

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
        """Assign the issue to *to*, then *note* as an internal comment: steps "assign" and
        "comment", the note never posted twice (`IssueWriter.hand_over`)."""
        with self._auth_hint():
            self._writer.hand_over(ticket_id, to, note, by, steps=steps)

    def _auth_hint(self) -> AbstractContextManager[None]:
        """A 401/403 says which token to make, for Cloud or for Data Center."""
        hint = CLOUD_HINT if self._deployment.cloud else DC_HINT
        return auth_refusal(self._name, "Jira refused", hint)


# -- the provider ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JiraSmSettings:
    """A Jira Service Management queue's settings."""

    url: str = setting(
        Url(),
        "",
        'The site: "https://<site>.atlassian.net" (Cloud) or Jira Data Center\'s base URL.',
    )
    deployment: str = setting(
        Choice(("auto", "cloud", "data-center")),
        "auto",
        "Cloud or Data Center; auto: Cloud for *.atlassian.net, else Data Center.",
    )
    email: str = setting(
        Text(), "", "Cloud: your Atlassian email (Basic auth with the API token); DC: empty."
    )
    service_desk_id: str = setting(
        Text(r"[A-Za-z0-9_-]{0,64}", "digits, or the project key"),
        "",
        "The service desk's id (or its project key), e.g. 1 or SD.",
    )
    queue_id: int = setting(
        Number(0, 2**53, "queue id"), 0, "The queue's id: the number ending its address."
    )
    sla_name: str = setting(Text(), DEFAULT_SLA, "The SLA whose deadline each ticket shows.")
    priorities: tuple[tuple[str, str], ...] = setting(
        PriorityTable(), (), 'Jira priority name to P1..P4, e.g. { High = "P1" }; others default.'
    )
    default_priority: str = setting(
        Choice(("P1", "P2", "P3", "P4")), "P3", "For a priority not mapped, or not shown."
    )
    acknowledge_transition: str = setting(
        Text(), "", 'A transition applied on acknowledge, e.g. "Start progress"; "": none.'
    )


def is_cloud(url: str, deployment: str) -> bool:
    """Whether *url* is Jira Cloud: as *deployment* says, or (auto) by its host."""
    if deployment != "auto":
        return deployment == "cloud"
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith(CLOUD_HOSTS) or host == "api.atlassian.com"


def _build(settings: JiraSmSettings, context: SourceContext) -> JiraSmSource:
    site = settings.url.strip().rstrip("/")
    if not site or not settings.service_desk_id or not settings.queue_id:
        raise SourceError(
            context.name,
            "url, service_desk_id and queue_id are all needed",
            "Open the queue in Jira: its address ends in …/projects/SD/queues/custom/<queue_id>;"
            " the service desk id is SD's (or write the project key).",
        )
    cloud = is_cloud(site, settings.deployment)
    # §3 "Auth": Cloud, email + API token as Basic; Data Center, a PAT as Bearer.
    auth = basic_or_bearer(settings.email.strip(), context.token)
    # Data Center marks the queue API experimental; Cloud ignores the opt-in.
    headers = {} if cloud else {"X-ExperimentalApi": "opt-in"}
    return JiraSmSource(
        context.name,
        context.http(site, auth=auth, headers=headers),
        site=site,
        deployment=Deployment(cloud=cloud),
        service_desk_id=settings.service_desk_id,
        queue_id=settings.queue_id,
        sla_name=settings.sla_name,
        priorities=priority_map(settings.priorities),
        default_priority=Priority.parse(settings.default_priority),
        acknowledge_transition=settings.acknowledge_transition,
        clock=context.clock,
    )


SPEC = ProviderSpec(
    name="jira-sm",
    roles=frozenset({QUEUE}),
    settings=JiraSmSettings,
    build=_build,
    description="Jira Service Management: a queue's requests with their SLA; assign, comment.",
    docs="docs/providers.md#jira-sm",
    required=("url", "service_desk_id", "queue_id"),
)
