"""Jira Service Management operations ("JSM on-call", Opsgenie's successor) as a rotation.

provider-apis.md §10 "Jira Service Management operations": base
``https://api.atlassian.com/jsm/ops/api/{cloudId}/v1/``, the cloud id from
``https://<site>.atlassian.net/_edge/tenant_info``; Basic auth ``email:api_token`` (§3
"Auth") or a Bearer token; schedules need scope ``read:ops-config:jira-service-management``
and **a missing scope answers 401 "scope does not match"**, not 403. Shapes as Opsgenie's
(`traysupport.sources.opsgenie_shapes`), collections under ``data`` or ``values``.
Responders are Atlassian account ids, resolved here with Jira ``GET /rest/api/3/user/bulk``
through the same gateway (``/ex/jira/{cloudId}``, §3: scoped tokens must use it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

from traysupport.core.model import Person
from traysupport.sources.atlassian import basic_or_bearer
from traysupport.sources.http import HttpClient
from traysupport.sources.ops_schedules import OpsScheduleSource
from traysupport.sources.opsgenie_shapes import parse_jira_user
from traysupport.sources.paging import OffsetLimit, pages
from traysupport.sources.parse import JsonObject, keep_valid
from traysupport.sources.provider import ProviderSpec, SourceContext
from traysupport.sources.settings import Text, TextList, Url, setting

log = logging.getLogger(__name__)

GATEWAY = "https://api.atlassian.com"
BULK_IDS = 50
"""Account ids asked for in one user/bulk call (kept well under URL length limits)."""
AUTH_HINT = (
    "Create an Atlassian API token (id.atlassian.com > Security > API tokens) with scope "
    "read:ops-config:jira-service-management (and read:jira-user for names), set `email` "
    "to its account's email and save the token under token_ref. A 401 saying the scope "
    "does not match means the token lacks that scope."
)


@dataclass(frozen=True, slots=True)
class JsmOnCallSettings:
    """A Jira Service Management operations site's settings."""

    cloud_id: str = setting(
        Text(r"[0-9A-Za-z-]{1,64}", "a cloud id like 1a2b3c4d-..."),
        "",
        "The site's cloud id: open https://<site>.atlassian.net/_edge/tenant_info.",
    )
    email: str = setting(
        Text(),
        "",
        "Your Atlassian account email, for Basic auth with the API token; "
        "empty sends the token as a Bearer (OAuth) token.",
    )
    url: str = setting(Url(), GATEWAY, "API gateway URL (https://api.atlassian.com).")
    schedules: tuple[str, ...] = setting(
        TextList(), (), 'Schedules to read, names or ids, e.g. ["Ops_schedule"]; none: all.'
    )


class AccountNames:
    """Resolves account ids to names and emails with Jira's ``user/bulk`` (§10, §3)."""

    def __init__(self, name: str, http: HttpClient, users_path: str) -> None:
        self._name = name
        self._http = http
        self._path = users_path
        self._known: dict[str, Person] = {}

    def __call__(self, people: list[Person]) -> list[Person]:
        """*people* with names from Jira where the name is still the account id."""
        unknown = sorted({p.id for p in people if p.name == p.id and p.id not in self._known})
        for start in range(0, len(unknown), BULK_IDS):
            self._lookup(unknown[start : start + BULK_IDS])
        return [self._known.get(p.id, p) if p.name == p.id else p for p in people]

    def _lookup(self, ids: list[str]) -> None:
        # user/bulk pages with startAt/maxResults and says isLast [SPEC jira_platform]
        for page in pages(
            self._http,
            self._path,
            {"accountId": ids},
            OffsetLimit(
                limit=BULK_IDS,
                offset_param="startAt",
                limit_param="maxResults",
                more="",
                last="isLast",
            ),
            items_of=lambda body: JsonObject.of(body, self._name, "").require_list("values"),
            max_pages=len(ids) + 1,
            what="users",
        ):
            for person in keep_valid(page.items, self._user, self._name, "users", log):
                self._known[person.id] = person

    def _user(self, value: object, path: str) -> Person:
        return parse_jira_user(value, self._name, path)


def _build(settings: JsmOnCallSettings, context: SourceContext) -> OpsScheduleSource:
    auth = basic_or_bearer(settings.email, context.token)  # §3 "Auth"
    cloud = quote(settings.cloud_id, safe="")
    base = settings.url.rstrip("/")
    http = context.http(f"{base}/jsm/ops/api/{cloud}/v1", auth=auth)
    users = f"{base}/ex/jira/{cloud}/rest/api/3/user/bulk"
    return OpsScheduleSource(
        context.name,
        http,
        vendor="Jira Service Management",
        auth_hint=AUTH_HINT,
        schedules=settings.schedules,
        resolve=AccountNames(context.name, http, users),
        clock=context.clock,
    )


SPEC = ProviderSpec(
    name="jsm-oncall",
    roles=frozenset({"rotation"}),
    settings=JsmOnCallSettings,
    build=_build,
    description="Jira Service Management operations (Opsgenie's successor): who is on call.",
    docs="docs/providers.md#jsm-oncall",
    required=("cloud_id",),
)
