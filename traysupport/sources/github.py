"""GitHub Issues as a queue: the open issues of some repositories, written back.

provider-apis.md §5 "GitHub Issues" and §10 "GitHub". Issues come from ``GET
/repos/{owner}/{repo}/issues`` per repository (``state=open``, the label filter, 100 a
page), paged by the ``Link`` header (``paging.LinkHeader``; §5 "Pagination": never built
by hand). Pull requests, which the list includes, are skipped. Every GET is conditional
(the `HttpClient`'s ETag cache sends ``If-None-Match``): an unchanged list answers 304,
which costs no primary quota (§5 "Conditional requests"; §10: only with a valid
Authorization header, which every request here has). Rate limits (§5 "Rate-limit
headers"): the primary (403/429 with ``x-ratelimit-remaining: 0``, wait until
``x-ratelimit-reset``) and the secondary (403/429 with ``retry-after``, or only a message:
wait at least 60 s) are `RateLimitedError`, never `AuthError`; a page whose answer says
no quota is left ends the read rather than spend a refused request.
Writes in `github_writes`, shapes in `github_shapes`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from traysupport.core.model import Person, Priority, Ticket
from traysupport.sources.base import (
    NO_STEPS,
    AuthError,
    BadDataError,
    RateLimitedError,
    SourceError,
    Steps,
    UnavailableError,
)
from traysupport.sources.github_shapes import (
    REPO_RE,
    IssueReading,
    LabelPriorities,
    parse_issue,
    parse_user,
    priority_map,
)
from traysupport.sources.github_writes import IssueWrites
from traysupport.sources.http import HttpClient
from traysupport.sources.paging import LinkHeader, Page, pages, parsed_once
from traysupport.sources.provider import ProviderSpec, SourceContext
from traysupport.sources.settings import Choice, InvalidValueError, Text, TextList, Url, setting
from traysupport.sources.urls import Params

log = logging.getLogger(__name__)

API_URL = "https://api.github.com"  # §5 "Basics"; GitHub Enterprise Server: https://HOST/api/v3
PAGE_SIZE = 100  # §5: per_page ≤ 100
MAX_PAGES = 50
"""5000 open issues in one repository is a repository to filter by label, not a queue."""
MAX_PROFILES = 50
"""Assignable users whose public profile (for a public email) is read by `fetch_people`."""
SECONDARY_WAIT = 60.0
"""§5: a secondary limit without retry-after: "wait at least 60 s"."""
HEADERS = {
    "Accept": "application/vnd.github+json",  # §5 "Basics"
    "X-GitHub-Api-Version": "2022-11-28",
}
AUTH_HINT = (
    "Make a GitHub token (Settings > Developer settings > Personal access tokens): a "
    "fine-grained one with Issues: Read and write on these repositories (or a classic one "
    "with the repo scope), and save it under this source's token_ref."
)


class GitHubSource:
    """Some repositories' open issues as a QueueSource. Thread-safe like its `HttpClient`."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        repos: tuple[str, ...],
        labels: tuple[str, ...] = (),
        priorities: dict[str, Priority] | None = None,
        default_priority: Priority = Priority.P3,
        acknowledge_label: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._name = name
        self._clock = clock
        self._http = http
        self._repos = repos
        self._labels = labels
        self._priorities = priorities or priority_map(())
        self._default_priority = default_priority
        self._people: dict[str, Person] = {}
        self._writes = IssueWrites(name, http, acknowledge_label=acknowledge_label)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    @property
    def name(self) -> str:
        """The source's configured name."""
        return self._name

    # -- reads ----------------------------------------------------------------------------

    def fetch_me(self) -> Person | None:
        """The token's user (``GET /user``): login, name, and the email if public."""
        with self._refusals():
            return parse_user(self._http.get_json("user"), self._name, "")

    def fetch_people(self) -> list[Person]:
        """The repositories' assignable users (``GET /repos/{o}/{r}/assignees``).

        That list has no emails; each user's public profile (``GET /users/{login}``,
        conditional, so a 304 is free) gives the public email when there is one, which
        is what the rotation's people are matched by. Without a public email a person
        is still offered by login, and a ticket shows their login.
        """
        found: dict[str, Person] = {}
        for repo in self._repos:
            read = self._pages(f"repos/{repo}/assignees", {"per_page": PAGE_SIZE})
            users = parsed_once(
                read,
                lambda v, p: parse_user(v, self._name, p),
                lambda person: person.id.casefold(),
                source=self._name,
                what="assignees",
                log=log,
            )
            for user in users:
                found.setdefault(user.id.casefold(), user)
        people = [self._profile(p) if n < MAX_PROFILES else p for n, p in enumerate(found.values())]
        self._people = {person.id.casefold(): person for person in people}
        return people

    def _profile(self, person: Person) -> Person:
        """*person* with the name and public email of their profile; as is when it fails."""
        try:
            with self._refusals():
                answer = self._http.get_json(f"users/{person.id}")
            profile = parse_user(answer, self._name, "")
        except (RateLimitedError, AuthError, UnavailableError):
            raise
        except SourceError as exc:  # a user gone since, a profile unreadable: keep the login
            log.info("%s: no profile for %s: %s", self._name, person.id, exc.problem)
            return person
        if profile.id.casefold() != person.id.casefold():
            return person
        return profile

    def fetch_tickets(self) -> list[Ticket]:
        """The open issues (no pull requests) of every repository, with the label filter."""
        tickets: list[Ticket] = []
        params: dict[str, str | int] = {"state": "open", "per_page": PAGE_SIZE}
        if self._labels:
            params["labels"] = ",".join(self._labels)  # §5: an issue must have all of them
        for repo in self._repos:
            reading = IssueReading(
                self._name, repo, self._priorities, self._default_priority, self._people
            )
            read = self._pages(f"repos/{repo}/issues", params)
            tickets += parsed_once(
                read,
                _issue_parser(reading),
                lambda t: t.id,
                source=self._name,
                what="issues",
                log=log,
            )
        return tickets

    def _pages(self, path: str, params: Params) -> Iterator[Page]:
        def items_of(body: object) -> list[object]:
            if not isinstance(body, list):
                raise BadDataError(self._name, f"{path} did not answer a list")
            return body

        with self._refusals():
            paging = LinkHeader()
            for page in pages(
                self._http,
                path,
                params,
                paging,
                items_of=items_of,
                max_pages=MAX_PAGES,
                what=path.rsplit("/", 1)[-1],
            ):
                yield page
                if paging.following(page) is not None:
                    self._mind_budget(page)

    def _mind_budget(self, page: Page) -> None:
        """§9 rule 3: with the primary quota spent, ask for no further page (it would be
        refused); say when it comes back (``x-ratelimit-reset``, epoch seconds)."""
        headers = page.fetched.headers
        left = (headers.get("x-ratelimit-remaining") or "").strip()
        if left != "0":
            return
        reset = (headers.get("x-ratelimit-reset") or "").strip()
        now = self._clock().timestamp()
        wait = max(float(reset) - now, 0.0) if reset.isdigit() else None
        problem = f"GitHub's hourly API quota is spent after page {page.number}"
        hint = "traysupport reads the queue again once GitHub's quota is back."
        raise RateLimitedError(self._name, problem, wait, hint)

    # -- writes (github_writes) -------------------------------------------------------------

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Assign the issue to *by* (and add the acknowledge label); nothing when it is.

        GitHub takes no key: the change is a state, so a repeat finds it done.
        """
        with self._refusals():
            self._writes.acknowledge(ticket_id, by, steps=steps)

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
        """Make *to* the issue's assignee, then comment *note* (once; see `IssueWrites`)."""
        with self._refusals():
            self._writes.hand_over(ticket_id, to, note, by, steps=steps)

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        """A 401/403 says how to make a GitHub token; a 403 that is GitHub's secondary
        rate limit (its message says so, with no retry-after) is a `RateLimitedError`."""
        try:
            yield
        except AuthError as exc:
            if "rate limit" in exc.problem.lower():
                problem = f"GitHub's secondary rate limit: {exc.problem}"
                raise RateLimitedError(self._name, problem, SECONDARY_WAIT) from None
            raise AuthError(self._name, f"GitHub refused: {exc.problem}", AUTH_HINT) from None


def _issue_parser(reading: IssueReading) -> Callable[[object, str], Ticket | None]:
    def parse(value: object, path: str) -> Ticket | None:
        return parse_issue(value, path, reading)

    return parse


# -- the provider ---------------------------------------------------------------------


class RepoList(TextList):
    """Repositories as ``owner/repo``: ``["acme/app", "acme/api"]``."""

    label = "list of owner/repo"

    def parse(self, raw: object) -> tuple[str, ...]:
        repos = super().parse(raw)
        for repo in repos:
            if not REPO_RE.fullmatch(repo):
                fix = 'write it like ["acme/app", "acme/api"]'
                raise InvalidValueError(f"has {repo!r}, not owner/repo", fix)
        return repos


@dataclass(frozen=True, slots=True)
class GitHubSettings:
    """A GitHub queue's settings."""

    url: str = setting(
        Url(), API_URL, 'GitHub API URL; GitHub Enterprise Server: "https://HOST/api/v3".'
    )
    repos: tuple[str, ...] = setting(
        RepoList(), (), 'The repositories whose open issues are the queue, e.g. ["acme/app"].'
    )
    labels: tuple[str, ...] = setting(
        TextList(), (), 'Only issues with all these labels, e.g. ["support"]; []: every issue.'
    )
    priorities: tuple[tuple[str, str], ...] = setting(
        LabelPriorities(), (), 'Label to P1..P4, e.g. { "sev1" = "P1" }; P1..P4 labels built in.'
    )
    default_priority: str = setting(
        Choice(("P1", "P2", "P3", "P4")), "P3", "The priority of an issue with no priority label."
    )
    acknowledge_label: str = setting(
        Text(), "", 'A label acknowledging adds besides assigning me, e.g. "triaged"; "": none.'
    )


def _build(settings: GitHubSettings, context: SourceContext) -> GitHubSource:
    if not settings.repos:
        raise SourceError(
            context.name,
            "no repositories are set",
            'Set repos = ["owner/repo"], the repositories whose issues are the queue.',
        )
    auth = f"Bearer {context.token}" if context.token else None  # §5 "Basics"
    return GitHubSource(
        context.name,
        context.http(settings.url or API_URL, auth=auth, headers=HEADERS),
        repos=settings.repos,
        labels=settings.labels,
        priorities=priority_map(settings.priorities),
        default_priority=Priority.parse(settings.default_priority),
        acknowledge_label=settings.acknowledge_label.strip(),
        clock=context.clock,
    )


SPEC = ProviderSpec(
    name="github",
    roles=frozenset({"queue"}),
    settings=GitHubSettings,
    build=_build,
    description="GitHub Issues: repositories' open issues by label; ack and hand over.",
    docs="docs/providers.md#github",
)
