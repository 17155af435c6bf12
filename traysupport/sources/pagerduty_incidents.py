"""PagerDuty incidents as the queue: read, acknowledged and handed over (provider-apis.md §1).

Reads: ``GET /incidents`` for triggered and acknowledged incidents with
``date_range=all`` (the default window is the last month, §1 "Open incidents", and an
old incident still open is still in the queue), for the configured users, teams or
services, else for the token's own user; classic offset paging; ``include[]=assignees``
so that assignees come with emails. Priority: the account's incident priorities by
their order (``GET /priorities`` lists them most to least severe, §10 "PagerDuty
quirks"; plans without them refuse, then urgency decides), read rarely.

Writes carry the acting user's email in ``From`` (§1 "Other headers": required on
``PUT /incidents/{id}`` and the notes POST) and read the incident first: a resolved one
is never touched (acknowledging it would reopen it), one I already acknowledged, or
already assigned to the recipient, sends nothing. A hand-over is two calls (§1: no call
does both), kept as the steps "reassign" and "note"; a note is looked for before it is
posted again, since PagerDuty takes no idempotency key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from traysupport.core.model import Person, Priority, Ticket
from traysupport.sources.base import (
    NO_STEPS,
    AuthError,
    ConflictError,
    NotFoundError,
    RejectedError,
    SourceError,
    Steps,
)
from traysupport.sources.http import HttpClient
from traysupport.sources.pagerduty_incident_shapes import (
    NOTE_CHARS,
    OPEN,
    IncidentState,
    Reading,
    note_text,
    parse_incident,
    state_of,
)
from traysupport.sources.pagerduty_oncalls import ID_CHARS
from traysupport.sources.paging import OffsetLimit, pages, parsed_once
from traysupport.sources.parse import JsonObject
from traysupport.sources.urls import ParamValue

log = logging.getLogger(__name__)

PAGE_LIMIT = 100  # §1 "Pagination": max 100 a page
MAX_PAGES = 99  # §1: offset+limit <= 10000
PRIORITIES_REFRESH = timedelta(hours=6)
"""How long the account's priority levels are trusted before they are read again."""
WRITE_HINT = (
    " Acknowledging and handing over need a REST API user token (My Profile > User "
    "Settings > Create API User Token), or a full-access account key with from_email "
    "set: PagerDuty takes changes only with a user's email in the From header."
)
Refused = Callable[[str], AbstractContextManager[None]]
"""A context that turns an AuthError into one saying which PagerDuty key to make."""


class PriorityRanks:
    """The account's priority levels (``GET /priorities``), read rarely and kept per source.

    A refusal (a plan without priorities answers an error, §10) means none: urgency
    decides until the next read. A failure to reach the server keeps the levels read
    before, or fails the read when there are none yet.
    """

    def __init__(self, name: str, http: HttpClient, clock: Callable[[], datetime]) -> None:
        self._name = name
        self._http = http
        self._clock = clock
        self._lock = threading.Lock()
        self._ranks: dict[str, Priority] | None = None
        self._read_at: datetime | None = None

    def get(self) -> Mapping[str, Priority]:
        """Priority id → P1..P4: the first level P1, the second P2, the rest down to P4."""
        with self._lock:
            now = self._clock()
            if (
                self._ranks is not None
                and self._read_at is not None
                and now - self._read_at < PRIORITIES_REFRESH
            ):
                return self._ranks
            try:
                ranks = self._read()
            except (RejectedError, NotFoundError, AuthError, ConflictError) as refused:
                log.info("%s: no incident priorities (%s); urgency decides", self._name, refused)
                ranks = {}
            except SourceError:
                if self._ranks is None:
                    raise
                log.warning("%s: priorities not read again; the ones read before kept", self._name)
                return self._ranks
            self._ranks, self._read_at = ranks, now
            return ranks

    def _read(self) -> dict[str, Priority]:
        ids: list[str] = []
        for page in pages(
            self._http,
            "priorities",
            None,
            OffsetLimit(limit=PAGE_LIMIT),
            items_of=lambda body: JsonObject.of(body, self._name, "").require_list("priorities"),
            max_pages=MAX_PAGES,
            what="priorities",
        ):
            for index, value in enumerate(page.items):
                item = JsonObject.of(value, self._name, f"priorities[{index}]")
                ids.append(item.require_str("id", max_chars=ID_CHARS))
        return {pid: Priority(min(rank, len(Priority))) for rank, pid in enumerate(ids, 1)}


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose incidents: these users', teams' or services'; all empty: the token's user."""

    user_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    service_ids: tuple[str, ...] = ()


class IncidentQueue:
    """The queue role of a PagerDuty source; thread-safe like its `HttpClient`."""

    def __init__(
        self,
        name: str,
        http: HttpClient,
        *,
        scope: Scope,
        from_email: str,
        urgencies: Mapping[str, Priority],
        clock: Callable[[], datetime],
        whoami: Callable[[], Person | None],
        refused: Refused,
    ) -> None:
        self._name = name
        self._http = http
        self._scope = scope
        self._from_email = from_email
        self._urgencies = dict(urgencies)
        self._whoami = whoami
        self._refused = refused
        self._ranks = PriorityRanks(name, http, clock)
        self._me_id = ""

    def fetch_tickets(self) -> list[Ticket]:
        """Every triggered or acknowledged incident in scope, whatever its age."""
        params: dict[str, ParamValue] = {
            "statuses[]": list(OPEN),
            "date_range": "all",  # §1: since/until ignored; the default is the last month
            "include[]": "assignees",  # full users: the assignee's email
            **self._filters(),
        }
        reading = Reading(self._name, self._ranks.get(), self._urgencies)

        def parse(value: object, path: str) -> Ticket | None:
            return parse_incident(value, path, reading)

        with self._refused(""):
            read = pages(
                self._http,
                "incidents",
                params,
                OffsetLimit(limit=PAGE_LIMIT),
                items_of=lambda body: JsonObject.of(body, self._name, "").require_list("incidents"),
                max_pages=MAX_PAGES,
                what="incidents",
            )
            found = parsed_once(
                read, parse, lambda t: t.id, source=self._name, what="incidents", log=log
            )
        return found

    def _filters(self) -> dict[str, ParamValue]:
        scope = self._scope
        chosen = {
            "user_ids[]": list(scope.user_ids),
            "team_ids[]": list(scope.team_ids),
            "service_ids[]": list(scope.service_ids),
        }
        filters: dict[str, ParamValue] = {k: v for k, v in chosen.items() if v}
        if filters:
            return filters
        if not self._me_id:
            me = self._whoami()
            if me is None:
                raise SourceError(
                    self._name,
                    "the API key has no user of its own (an account key), so whose "
                    "incidents to read is not known",
                    "Set user_ids (your PagerDuty user id, e.g. PABC123), team_ids or "
                    "service_ids in this source, or use a user token.",
                )
            self._me_id = me.id
        return {"user_ids[]": [self._me_id]}

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        """Acknowledge as *by* (``PUT /incidents/{id}``, §1); nothing sent when *by* already did.

        One call: *idempotency_key* and *steps* are not needed, the incident's state
        (read first) makes a repeat send nothing.
        """
        sender = self._sender(by)
        path = _incident_path(ticket_id)
        with self._refused(WRITE_HINT):
            state = self._open_state(path, ticket_id, "acknowledging")
            if state.status == "acknowledged" and by.id in state.acknowledger_ids:
                return
            change = {"incident": {"type": "incident_reference", "status": "acknowledged"}}
            self._http.request(
                "PUT",
                path,
                json_body=change,
                headers={"From": sender},
                confirm=lambda answer: self._confirms(answer, ticket_id, "acknowledged", ""),
                expected=f"incident {ticket_id} acknowledged",
            )

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
        """Reassign to *to*, then add *note*: two calls, the steps "reassign" and "note".

        Already assigned to *to* alone sends no reassignment. The note is looked for
        among the incident's notes (same text, same author) when this may be a repeat:
        a retry, or an incident found already with *to*.
        """
        sender = self._sender(by)
        path = _incident_path(ticket_id)
        maybe_repeat = steps.retrying
        with self._refused(WRITE_HINT):
            if not steps.done("reassign"):
                state = self._open_state(path, ticket_id, "handing over")
                if state.assignee_ids == {to.id}:
                    maybe_repeat = True
                else:
                    assignee = {"id": to.id, "type": "user_reference"}
                    change = {
                        "incident": {
                            "type": "incident_reference",
                            "assignments": [{"assignee": assignee}],
                        }
                    }
                    self._http.request(
                        "PUT",
                        path,
                        json_body=change,
                        headers={"From": sender},
                        confirm=lambda answer: self._confirms(answer, ticket_id, "", to.id),
                        expected=f"incident {ticket_id} assigned to {to.id}",
                    )
                steps.record("reassign")
            if not steps.done("note"):
                if note.strip() and not (maybe_repeat and self._noted(path, by, note)):
                    self._http.post_json(
                        f"{path}/notes",
                        {"note": {"content": note}},
                        {"From": sender},
                        confirm=lambda answer: note_text(answer, self._name) == note.strip(),
                        expected=f"the note on incident {ticket_id}",
                    )
                steps.record("note")

    def _open_state(self, path: str, ticket_id: str, doing: str) -> IncidentState:
        state = state_of(self._http.get_json(path), self._name)
        if state.status not in OPEN:
            raise ConflictError(
                self._name,
                f"incident {ticket_id} is {state.status}; {doing} it would reopen it",
                "Refresh the queue: someone resolved it already.",
            )
        return state

    def _confirms(self, answer: object, ticket_id: str, status: str, assignee: str) -> bool:
        state = state_of(answer, self._name)
        return (
            state.id == ticket_id
            and (not status or state.status == status)
            and (not assignee or assignee in state.assignee_ids)
        )

    def _noted(self, path: str, by: Person, note: str) -> bool:
        """Whether the incident has this note by *by* (``GET /incidents/{id}/notes``)."""
        answer = JsonObject.of(self._http.get_json(f"{path}/notes"), self._name, "")
        for index, value in enumerate(answer.require_list("notes")):
            item = JsonObject.of(value, self._name, f"notes[{index}]")
            author = item.optional_object("user")
            by_them = author is None or author.optional_str("id", max_chars=ID_CHARS) == by.id
            if (
                by_them
                and item.optional_str("content", max_chars=NOTE_CHARS).strip() == note.strip()
            ):
                return True
        return False

    def _sender(self, by: Person) -> str:
        """The ``From`` email: *by*'s, else the configured from_email (§1, §10)."""
        sender = by.email or self._from_email
        if not sender:
            raise RejectedError(
                self._name,
                f"PagerDuty takes a change only with the acting user's email (From), "
                f"and none is known for {by.name}",
                "Set from_email in this source to your PagerDuty login email, or use a "
                "user token so that traysupport knows who you are.",
            )
        return sender


def _incident_path(ticket_id: str) -> str:
    return f"incidents/{quote(ticket_id, safe='')}"
