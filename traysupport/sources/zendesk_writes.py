"""Zendesk's write-backs: acknowledge and hand over, each one ``PUT /api/v2/tickets/{id}.json``.

provider-apis.md §4 "Assign and private comment". Zendesk takes no idempotency key, so a
repeat is made harmless by state: the ticket is read first (already assigned and open:
nothing to send), the PUT goes with ``safe_update`` and the stamp read (a retried PUT
whose first try got through, or someone else's change in between, answers 409 instead of
applying twice), and a hand-over's private note is looked for among the ticket's latest
comments before it is posted again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from traysupport.core.model import Person
from traysupport.sources.base import ConflictError, RejectedError
from traysupport.sources.http import HttpClient
from traysupport.sources.parse import JsonObject, keep_valid
from traysupport.sources.urls import Params
from traysupport.sources.zendesk_shapes import (
    Comment,
    number_of,
    parse_comment,
    same_note,
    ticket_of,
)

log = logging.getLogger(__name__)

COMMENTS_LOOKED_AT = 30
"""The latest comments searched for a note of ours before it is posted again."""


@dataclass(frozen=True, slots=True)
class _State:
    """What a write decides on: the ticket's assignee and status, and its change stamp."""

    assignee_id: str | None
    status: str
    updated_at: str


class TicketWrites:
    """The writes of one Zendesk source, through its `HttpClient` (thread-safe like it)."""

    def __init__(self, name: str, http: HttpClient) -> None:
        self._name = name
        self._http = http

    def acknowledge(self, ticket_id: str, by: Person) -> None:
        """Assign the ticket to *by* and set it open: one PUT (§4), none when it already is.

        Confirmed by the answered ticket. The change is a state (assigned and open), so a
        repeat finds it done and sends nothing.
        """
        me = self._user_number(by, "who acknowledges")

        def taken(state: _State) -> bool:
            return state.assignee_id == str(me) and state.status == "open"

        def changes(state: _State, _again: bool) -> dict[str, object]:
            return {} if taken(state) else {"assignee_id": me, "status": "open"}

        self._write(ticket_id, changes, taken, "acknowledged")

    def hand_over(
        self, ticket_id: str, to: Person, note: str, by: Person, *, retrying: bool
    ) -> None:
        """Assign the ticket to *to* with *note* as a private comment, in one PUT (§4).

        The ticket is read first. Already assigned to *to*: its latest comments are read,
        and only a missing note is sent (or nothing). When *retrying* (the outbox's, or after a
        409 to our own retried PUT), *by*'s latest comment being this note means the
        earlier attempt went through (the PUT carries both at once), so nothing is sent
        again, even if someone reassigned the ticket since.
        """
        recipient = self._user_number(to, "the recipient")
        author = str(self._user_number(by, "who hands over"))
        number = self._ticket_number(ticket_id)
        seen: dict[str, bool] = {}
        private = {"body": note, "public": False}  # §4: public false is an internal note

        def noted(state: _State) -> bool:
            """Whether the note is there (read once per state of the ticket)."""
            if not note.strip():
                return True
            if state.updated_at not in seen:
                seen[state.updated_at] = self._noted(number, author, note)
            return seen[state.updated_at]

        def assigned(state: _State) -> bool:
            return state.assignee_id == str(recipient)

        def changes(state: _State, again: bool) -> dict[str, object]:
            if assigned(state):
                return {} if noted(state) else {"comment": private}
            if (again or retrying) and noted(state):
                return {}  # the earlier PUT went through; someone reassigned it since
            change: dict[str, object] = {"assignee_id": recipient}
            return change | {"comment": private} if note.strip() else change

        self._write(ticket_id, changes, assigned, f"assigned to {to.id}")

    def _write(
        self,
        ticket_id: str,
        changes: Callable[[_State, bool], dict[str, object]],
        confirmed: Callable[[_State], bool],
        what: str,
    ) -> None:
        """Read the ticket, send the *changes* it still needs with ``safe_update`` (§4).

        *changes* gets the ticket's state and whether a PUT was refused with 409 before.
        Done when the answered ticket is *confirmed*. A 409 (Zendesk's update collision,
        or our own PUT retried after its first try got through) re-reads the ticket: with
        nothing left to change that is success, else the PUT goes once more with the new
        stamp, and a second 409 is the ConflictError.
        """
        number = self._ticket_number(ticket_id)
        path = f"api/v2/tickets/{number}.json"
        state = self._state(path)
        for attempt in (1, 2):
            change = changes(state, attempt > 1)
            if not change:
                return
            if state.updated_at:  # §4: 409 on a collision instead of a silent overwrite
                change |= {"safe_update": True, "updated_stamp": state.updated_at}
            try:
                self._http.request(
                    "PUT",
                    path,
                    json_body={"ticket": change},
                    confirm=lambda answer: self._confirms(answer, number, confirmed),
                    expected=f"ticket {number} {what}",
                )
                return
            except ConflictError:
                if attempt == 2:
                    raise
                state = self._state(path)

    def _confirms(self, answer: object, number: int, confirmed: Callable[[_State], bool]) -> bool:
        """The answered ticket is this one, in the state asked for."""
        ticket = ticket_of(answer, self._name)
        return number_of(ticket, "id") == str(number) and confirmed(_state_of(ticket))

    def _state(self, path: str) -> _State:
        return _state_of(ticket_of(self._http.get_json(path), self._name))

    def _noted(self, number: int, author: str, note: str) -> bool:
        """Whether *author*'s latest comment (of the latest few) is this private note."""
        params: Params = {"sort_order": "desc", "page[size]": COMMENTS_LOOKED_AT}
        answer = self._http.get_json(f"api/v2/tickets/{number}/comments.json", params)
        items = JsonObject.of(answer, self._name, "").require_list("comments")
        comments: list[Comment] = keep_valid(
            items, lambda v, p: parse_comment(v, self._name, p), self._name, "comments", log
        )
        mine = next((c for c in comments if c.author_id == author), None)
        return mine is not None and not mine.public and same_note(mine.body, note)

    def _ticket_number(self, ticket_id: str) -> int:
        text = ticket_id.strip().removeprefix("#")
        if not (text.isascii() and text.isdigit() and 0 < len(text) <= 19):
            problem = f"{ticket_id!r} is not a Zendesk ticket number"
            raise RejectedError(self._name, problem, "Give the ticket's number, e.g. 35436.")
        return int(text)

    def _user_number(self, person: Person, role: str) -> int:
        if person.id.isascii() and person.id.isdigit() and 0 < len(person.id) <= 19:
            return int(person.id)
        problem = f"{role}, {person.name!r}, has no Zendesk user id ({person.id!r})"
        hint = "Pick the person from this source's people (Zendesk agents, matched by email)."
        raise RejectedError(self._name, problem, hint)


def _state_of(ticket: JsonObject) -> _State:
    return _State(
        assignee_id=number_of(ticket, "assignee_id"),
        status=ticket.optional_str("status", max_chars=16).lower(),
        updated_at=ticket.optional_str("updated_at", max_chars=64),
    )
