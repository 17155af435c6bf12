"""The `rt` provider against the real Request Tracker 5 (tests/rt/conftest.py's `rt_server`).

Each test that changes a ticket makes its own (`RTServer.new_ticket`), so the order of
the tests and the other RT tests of the session do not matter. The provider is built
through its `ProviderSpec` with the seeded agents' tokens, as the app builds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.rt.rt_server import OBSERVER, RTServer
from traysupport.core.model import Person, Priority, TicketStatus
from traysupport.sources import rt
from traysupport.sources.base import AuthError, ConflictError, RejectedError
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext
from traysupport.sources.rt_shapes import TicketState

SAM = Person("sam@example.com", "Sam Rivera", "sam@example.com")
PRIYA = Person("priya@example.com", "Priya Natarajan", "priya@example.com")
TIMEOUT = 30


LIMITS = HttpLimits(max_retries=1, backoff_base=0.05, backoff_max=0.1)


def build(server: RTServer, token: str) -> rt.RtSource:
    """The source as the app builds it, for *token*; retries kept quick."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        return HttpClient("rt", base_url, auth=auth, limits=LIMITS, **kwargs)

    context = SourceContext(name="rt", token=token, http=http, clock=lambda: datetime.now(UTC))
    source = rt.SPEC.build(rt.RtSettings(url=server.url), context)
    assert isinstance(source, rt.RtSource)
    return source


def direct(server: RTServer, who: str, **options: Any) -> rt.RtSource:
    """An RtSource made by hand (a page size, a subclass), on its own client."""
    http = HttpClient("rt", server.api, auth=f"token {server.tokens[who]}", limits=LIMITS)
    kind = options.pop("kind", rt.RtSource)
    made: rt.RtSource = kind("rt", http, web_url=server.url, **options)
    return made


@pytest.fixture
def sam(rt_server: RTServer) -> Iterator[rt.RtSource]:
    source = build(rt_server, rt_server.tokens[SAM.id])
    yield source
    source.close()


@pytest.fixture
def priya(rt_server: RTServer) -> Iterator[rt.RtSource]:
    source = build(rt_server, rt_server.tokens[PRIYA.id])
    yield source
    source.close()


def _ticket(server: RTServer, number: int) -> tuple[dict[str, Any], str]:
    """The ticket as root sees it, and its ETag."""
    reply = requests.get(
        f"{server.api}/ticket/{number}", headers=server.headers("root"), timeout=TIMEOUT
    )
    reply.raise_for_status()
    return reply.json(), reply.headers["ETag"]


def _comments(server: RTServer, number: int) -> list[str]:
    """The text of every comment on the ticket, oldest first."""
    history = requests.get(
        f"{server.api}/ticket/{number}/history",
        params={"fields": "Type", "per_page": 100},
        headers=server.headers("root"),
        timeout=TIMEOUT,
    ).json()
    texts = []
    for entry in history["items"]:
        if entry["Type"] != "Comment":
            continue
        parts = requests.get(
            f"{server.api}/transaction/{entry['id']}/attachments",
            params={"fields": "Content"},
            headers=server.headers("root"),
            timeout=TIMEOUT,
        ).json()
        texts += [p["Content"].strip() for p in parts["items"] if p.get("Content", "").strip()]
    return texts


def test_the_queue_has_rts_priorities_sla_deadlines_and_pages(
    rt_server: RTServer, sam: rt.RtSource
) -> None:
    made = {
        rt_server.new_ticket("provider: urgent", 95, sla="P1"): (Priority.P1, timedelta(hours=1)),
        rt_server.new_ticket("provider: normal", 60, sla="P2"): (Priority.P2, timedelta(hours=3)),
        rt_server.new_ticket("provider: low", 25, sla="P3"): (Priority.P3, timedelta(hours=24)),
        rt_server.new_ticket("provider: no sla", 5): (Priority.P4, None),
    }
    tickets = {t.id: t for t in sam.fetch_tickets()}
    for number, (priority, due_after) in made.items():
        ticket = tickets[str(number)]
        assert ticket.key == str(number)
        assert ticket.priority is priority
        assert ticket.status is TicketStatus.NEW and ticket.assignee is None
        assert ticket.url == rt_server.ticket_url(number)
        if due_after is None:
            assert ticket.sla is None  # RT's 1970-01-01: the team's policy gives one
        else:
            assert ticket.sla is not None and ticket.sla.due_at is not None
            assert ticket.sla.due_at - ticket.created_at == due_after
    numbers = [int(t) for t in tickets]
    assert numbers == sorted(numbers)


def test_small_pages_give_every_ticket_once(rt_server: RTServer, sam: rt.RtSource) -> None:
    for n in range(3):
        rt_server.new_ticket(f"provider: paged {n}", 10)
    whole = [t.id for t in sam.fetch_tickets()]
    paged_source = direct(rt_server, SAM.id, page_size=2)
    try:
        paged = [t.id for t in paged_source.fetch_tickets()]
    finally:
        paged_source.close()
    assert len(whole) >= 7 and paged == whole


def test_people_are_the_agents_with_their_emails(sam: rt.RtSource) -> None:
    people = {person.id: person for person in sam.fetch_people()}
    assert people[SAM.id] == SAM and people[PRIYA.id] == PRIYA
    assert "Nobody" not in people and "RT_System" not in people


def test_acknowledge_takes_and_opens_and_a_second_one_writes_nothing(
    rt_server: RTServer, sam: rt.RtSource
) -> None:
    number = rt_server.new_ticket("provider: take me", 90, sla="P1")
    sam.acknowledge(str(number), SAM, "ack-1")
    body, etag = _ticket(rt_server, number)
    assert body["Owner"]["id"] == SAM.id and body["Status"] == "open"
    sam.acknowledge(str(number), SAM, "ack-1")
    assert _ticket(rt_server, number)[1] == etag  # no transaction: nothing was written
    (seen,) = [t for t in sam.fetch_tickets() if t.id == str(number)]
    assert seen.assignee == SAM and seen.status is TicketStatus.IN_PROGRESS
    assert seen.sla is not None  # taking does not move Due


def test_hand_over_sets_the_owner_and_comments_once_when_sent_twice(
    rt_server: RTServer, sam: rt.RtSource
) -> None:
    number = rt_server.new_ticket("provider: hand me over", 50, sla="P2")
    sam.acknowledge(str(number), SAM, "ack")
    note = "Handing over to Priya: VPN logs attached.\nCall the customer at 10."
    sam.hand_over(str(number), PRIYA, note, SAM, "hand-1")
    sam.hand_over(str(number), PRIYA, note, SAM, "hand-1")
    body, _ = _ticket(rt_server, number)
    assert body["Owner"]["id"] == PRIYA.id
    assert _comments(rt_server, number) == [note]


class Killed(BaseException):
    """The app died (SIGKILL) at this point: nothing after it ran."""


class CrashAfterComment:
    """Outbox steps; with *crash*, the record of the comment never lands (killed after the POST)."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.retrying = False
        self.crash = True

    def done(self, step: str) -> bool:
        return step in self.kept

    def record(self, step: str) -> None:
        if step == "comment" and self.crash:
            raise Killed
        self.kept.append(step)


def test_a_kill_in_the_middle_of_a_hand_over_ends_with_one_comment(
    rt_server: RTServer, sam: rt.RtSource
) -> None:
    number = rt_server.new_ticket("provider: killed mid-way", 50)
    steps = CrashAfterComment()
    with pytest.raises(Killed):
        sam.hand_over(str(number), PRIYA, "over to you", SAM, "h", steps=steps)
    assert steps.kept == ["owner"]
    steps.retrying, steps.crash = True, False  # the restarted app sends what is left
    sam.hand_over(str(number), PRIYA, "over to you", SAM, "h", steps=steps)
    assert steps.kept == ["owner", "comment"]
    assert _comments(rt_server, number) == ["over to you"]


def test_a_refused_hand_over_is_reported_in_rts_words(
    rt_server: RTServer, sam: rt.RtSource
) -> None:
    number = rt_server.new_ticket("provider: refuse me", 50)
    sam.acknowledge(str(number), SAM, "ack")
    dana = Person(OBSERVER, "Dana Observer", OBSERVER)
    with pytest.raises(RejectedError) as caught:
        sam.hand_over(str(number), dana, "for dana", SAM, "hand")
    assert "That user may not own tickets in that queue" in str(caught.value)
    assert _ticket(rt_server, number)[0]["Owner"]["id"] == SAM.id
    assert _comments(rt_server, number) == []


def test_taking_someone_elses_ticket_is_a_conflict_in_rts_words(
    rt_server: RTServer, sam: rt.RtSource, priya: rt.RtSource
) -> None:
    number = rt_server.new_ticket("provider: priya's", 50)
    priya.acknowledge(str(number), PRIYA, "ack")
    with pytest.raises(ConflictError) as caught:
        sam.acknowledge(str(number), SAM, "ack")
    assert "You can only take tickets that are unowned" in str(caught.value)
    assert _ticket(rt_server, number)[0]["Owner"]["id"] == PRIYA.id


class StaleRead(rt.RtSource):
    """Reads the ticket once before someone else changes it: its first read is kept."""

    stale: TicketState | None = None

    def _state(self, number: str) -> TicketState:
        if self.stale is not None:
            stale, self.stale = self.stale, None
            return stale
        return super()._state(number)


def test_a_change_made_meanwhile_gives_412_and_a_conflict(
    rt_server: RTServer, priya: rt.RtSource
) -> None:
    number = rt_server.new_ticket("provider: raced", 50)
    racing = direct(rt_server, SAM.id, kind=StaleRead)
    assert isinstance(racing, StaleRead)
    try:
        racing.stale = racing._state(str(number))
        priya.acknowledge(str(number), PRIYA, "ack")  # changes the ETag under it
        with pytest.raises(ConflictError, match="Precondition Failed"):
            racing.acknowledge(str(number), SAM, "ack")
    finally:
        racing.close()
    assert _ticket(rt_server, number)[0]["Owner"]["id"] == PRIYA.id


def test_a_wrong_token_says_how_to_get_one(rt_server: RTServer) -> None:
    source = build(rt_server, "1-99-0000000000000000000000000000dead")
    try:
        with pytest.raises(AuthError, match="Auth Tokens"):
            source.fetch_tickets()
    finally:
        source.close()
