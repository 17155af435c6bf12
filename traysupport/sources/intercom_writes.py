"""Intercom's write-backs: assign (acknowledge) and assign-then-note (hand over).

provider-apis.md §10 "Intercom": assign is ``POST /conversations/{id}/parts`` with
``message_type: assignment`` (no ``body``: there it would be a customer-visible reply);
the internal note is ``POST /conversations/{id}/reply`` with ``message_type: note``. Both
answer the conversation. Intercom takes no idempotency key, so repeats are made harmless
by state: the conversation is read first (already assigned: no assignment sent), and the
note is not posted when the author's latest note in the conversation is this text.
"""

from __future__ import annotations

from traysupport.core.model import Person
from traysupport.sources.base import NO_STEPS, RejectedError, Steps
from traysupport.sources.http import HttpClient
from traysupport.sources.intercom_shapes import ID_CHARS, id_of, notes_by, plain_text
from traysupport.sources.parse import JsonObject


class ConversationWrites:
    """The writes of one Intercom source, through its `HttpClient`."""

    def __init__(self, name: str, http: HttpClient) -> None:
        self._name = name
        self._http = http

    def acknowledge(self, conversation_id: str, by: Person) -> None:
        """Assign the conversation to *by*; nothing when it already is theirs."""
        path = self._path(conversation_id)
        me = self._admin(by, "who acknowledges")
        if self._assignee(self._read(path)) == me:
            return
        self._assign(path, conversation_id, by, by)

    def hand_over(
        self, conversation_id: str, to: Person, note: str, by: Person, steps: Steps = NO_STEPS
    ) -> None:
        """Assign to *to*, then post *note* as an internal note: two steps, each done once.

        The conversation is read once; its assignee skips an assignment already made, and
        *by*'s latest note being this text skips the note (a repeat, or a retry whose note
        got through before its answer was lost).
        """
        path = self._path(conversation_id)
        me = self._admin(by, "who hands over")
        recipient = self._admin(to, "the recipient")
        conversation: JsonObject | None = None
        if not steps.done("assign"):
            conversation = self._read(path)
            if self._assignee(conversation) != recipient:
                self._assign(path, conversation_id, by, to)
            steps.record("assign")
        if not note.strip() or steps.done("note"):
            return
        if conversation is None or steps.retrying:
            conversation = self._read(path)  # what an earlier attempt may have posted
        mine = notes_by(conversation, me)
        if mine and mine[-1] == plain_text(note):
            steps.record("note")
            return
        body = {"message_type": "note", "type": "admin", "admin_id": me, "body": note}
        self._http.post_json(
            f"{path}/reply",
            body,
            confirm=lambda answer: self._is(answer, conversation_id),
            expected=f"conversation {conversation_id} with the note",
        )
        steps.record("note")

    def _assign(self, path: str, conversation_id: str, by: Person, to: Person) -> None:
        me, assignee = self._admin(by, "who assigns"), self._admin(to, "the assignee")
        body = {"message_type": "assignment", "type": "admin", "admin_id": me}
        self._http.post_json(
            f"{path}/parts",
            body | {"assignee_id": assignee},
            confirm=lambda answer: self._is(answer, conversation_id, assignee),
            expected=f"conversation {conversation_id} assigned to admin {assignee}",
        )

    def _is(self, answer: object, conversation_id: str, assignee: str | None = None) -> bool:
        """The answer is this conversation (assigned to *assignee* when given)."""
        conversation = JsonObject.of(answer, self._name, "")
        if id_of(conversation, "id") != conversation_id:
            return False
        return assignee is None or self._assignee(conversation) == assignee

    def _read(self, path: str) -> JsonObject:
        return JsonObject.of(self._http.get_json(path), self._name, "")

    @staticmethod
    def _assignee(conversation: JsonObject) -> str | None:
        return id_of(conversation, "admin_assignee_id")

    def _path(self, conversation_id: str) -> str:
        text = conversation_id.strip()
        if not (text.isascii() and text.isalnum() and 0 < len(text) <= ID_CHARS):
            problem = f"{conversation_id!r} is not an Intercom conversation id"
            raise RejectedError(self._name, problem, "Give the conversation's id from its URL.")
        return f"conversations/{text}"

    def _admin(self, person: Person, role: str) -> str:
        if person.id.isascii() and person.id.isalnum() and 0 < len(person.id) <= ID_CHARS:
            return person.id
        problem = f"{role}, {person.name!r}, has no Intercom admin id ({person.id!r})"
        hint = "Pick the person from this source's people (Intercom teammates, by email)."
        raise RejectedError(self._name, problem, hint)
