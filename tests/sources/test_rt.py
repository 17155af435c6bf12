"""RtSource against a local server answering as RT 5.0.3's REST2 does.

Shapes from bestpractical/rt lib/RT/REST2.pm and what Debian 12's RT 5.0.3 really
answers (/work/notes/rt_observed.md; tests/rt/ runs the real one): ids as strings in
search items and numbers in ``GET /ticket/N``, Priority a numeric string, an unset Due
``1970-01-01T00:00:00Z``, Owner ``{"id": "Nobody"}``, a quoted ETag and a W3CDTF
Last-Modified, and every change answered 200 with a list of messages, refusals too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from traysupport.core.model import Person, Priority, SlaKind, TicketStatus
from traysupport.sources import rt
from traysupport.sources.base import (
    AuthError,
    BadDataError,
    ConflictError,
    NotFoundError,
    QueueSource,
    RateLimitedError,
    RejectedError,
)
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import SourceContext
from traysupport.sources.rt import RtSettings, RtSource
from traysupport.sources.settings import InvalidValueError

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
API = "/REST/2.0"
TOKEN = "1-35-de397279ef7297cc588f6904eabfb7a9"
SAM = Person("sam@example.com", "Sam Rivera", "sam@example.com")
PRIYA = Person("priya@example.com", "Priya Natarajan", "priya@example.com")
NOBODY = {"id": "Nobody", "type": "user", "_url": "http://rt/REST/2.0/user/Nobody"}
JSON = "application/json; charset=utf-8"


def user(name: str, **extra: str) -> dict[str, str]:
    return {"id": name, "type": "user", "_url": f"http://rt/REST/2.0/user/{name}", **extra}


def item(number: int, **fields: object) -> dict[str, object]:
    """One search item as RT 5.0.3 gives it (id a string, Priority a numeric string)."""
    base: dict[str, object] = {
        "id": str(number),
        "type": "ticket",
        "_url": f"http://rt/REST/2.0/ticket/{number}",
        "Subject": f"Ticket {number}",
        "Priority": "50",
        "Status": "new",
        "Due": "1970-01-01T00:00:00Z",
        "Created": "2026-12-06T01:00:00Z",
        "Owner": NOBODY,
    }
    return base | fields


def ticket(number: int, owner: str = "Nobody", status: str = "new") -> dict[str, object]:
    """``GET /ticket/N`` (id a number)."""
    return {"id": number, "Subject": "VPN down", "Status": status, "Owner": user(owner)}


@dataclass
class Seen:
    """One request the server got."""

    method: str
    path: str
    args: dict[str, str]
    headers: dict[str, str]
    body: object


@dataclass
class FakeRt:
    """Answers by (method, path) from queued answers; records every request."""

    server: HTTPServer
    seen: list[Seen] = field(default_factory=list)
    answers: dict[tuple[str, str], list[Callable[[Request], Response]]] = field(
        default_factory=dict
    )

    def on(self, method: str, path: str, *answers: Callable[[Request], Response]) -> None:
        """Answer the next requests for *path* with *answers* in turn (the last repeats)."""
        key = (method, API + path)
        first = key not in self.answers
        self.answers.setdefault(key, []).extend(answers)
        if first:
            self.server.expect_request(API + path, method=method).respond_with_handler(
                lambda request: self._answer(key, request)
            )

    def _answer(self, key: tuple[str, str], request: Request) -> Response:
        raw = request.get_data(as_text=True)
        self.seen.append(
            Seen(
                request.method,
                request.path.removeprefix(API),
                dict(request.args),
                dict(request.headers),
                json.loads(raw) if raw else None,
            )
        )
        queue = self.answers[key]
        return (queue.pop(0) if len(queue) > 1 else queue[0])(request)

    def calls(self) -> list[tuple[str, str]]:
        return [(s.method, s.path) for s in self.seen]


def answer(body: object, status: int = 200, **headers: str) -> Callable[[Request], Response]:
    return lambda _request: Response(json.dumps(body), status, headers, content_type=JSON)


def state(number: int, owner: str, status: str, etag: str) -> Callable[[Request], Response]:
    """A ``GET /ticket/N`` answer with RT's ETag and W3CDTF Last-Modified."""
    return answer(
        ticket(number, owner, status), ETag=etag, **{"Last-Modified": "2026-12-06T02:11:46Z"}
    )


def build(url: str, token: str | None = TOKEN, **settings: Any) -> RtSource:
    """The source built through SPEC, as the app does; the client never sleeps."""

    def http(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        limits = HttpLimits(max_retries=0)
        return HttpClient("rt", base_url, auth=auth, limits=limits, sleep=lambda s: None, **kwargs)

    context = SourceContext(name="rt", token=token, http=http, clock=lambda: NOW)
    source = rt.SPEC.build(RtSettings(url=url, **settings), context)
    assert isinstance(source, RtSource)
    return source


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeRt:
    return FakeRt(httpserver)


@pytest.fixture
def source(httpserver: HTTPServer) -> Iterator[RtSource]:
    made = build(httpserver.url_for("/").rstrip("/"))
    yield made
    made.close()


class Steps:
    """The outbox's record of an action's steps, in memory."""

    def __init__(self, done: tuple[str, ...] = (), retrying: bool = False) -> None:
        self.kept = list(done)
        self.retrying = retrying

    def done(self, step: str) -> bool:
        return step in self.kept

    def record(self, step: str) -> None:
        self.kept.append(step)


# -- reading the queue -------------------------------------------------------------------


def test_is_a_queue_source(source: RtSource) -> None:
    assert isinstance(source, QueueSource)
    assert source.fetch_me() is None  # REST2 has no "who am I"


def test_tickets_are_asked_for_with_the_query_and_read_page_by_page(
    fake: FakeRt, source: RtSource
) -> None:
    fake.on(
        "GET",
        "/tickets",
        answer(
            {
                "page": 1,
                "per_page": 100,
                "count": 1,
                "total": 2,
                "pages": 2,
                "next_page": "http://elsewhere.example/REST/2.0/tickets?page=2",
                "items": [item(1)],
            }
        ),
        answer(
            {
                "page": 2,
                "per_page": 100,
                "count": 1,
                "total": 2,
                "pages": 2,
                "prev_page": "x",
                "items": [item(2), item(1)],
            }
        ),
    )
    tickets = source.fetch_tickets()
    assert [t.id for t in tickets] == ["1", "2"]  # the repeated one kept once
    first, second = fake.seen
    assert first.args == {
        "query": rt.DEFAULT_QUERY,
        "fields": "Subject,Priority,Due,Owner,Status,Created",
        "fields[Owner]": "Name,RealName,EmailAddress",
        "orderby": "id",
        "order": "ASC",
        "page": "1",
        "per_page": "100",
    }
    # next_page's own host is not followed: the page is counted on our own address.
    assert second.path == "/tickets" and second.args["page"] == "2"
    assert first.headers["Authorization"] == f"token {TOKEN}"


def test_a_ticket_reads_number_priority_due_owner_status_and_its_web_page(
    fake: FakeRt, source: RtSource, httpserver: HTTPServer
) -> None:
    owner = user(
        "priya@example.com",
        Name="priya@example.com",
        RealName="Priya Natarajan",
        EmailAddress="priya@example.com",
    )
    fake.on(
        "GET",
        "/tickets",
        answer(
            {
                "page": 1,
                "items": [
                    item(7, Priority="90", Due="2026-12-06T03:11:46Z", Owner=owner, Status="open"),
                    item(8, Priority="10", Status="stalled"),
                    item(9, Priority="50", Due="2026-12-06T05:00:00Z"),
                ],
            }
        ),
    )
    seven, eight, nine = source.fetch_tickets()
    assert (seven.id, seven.key, seven.title) == ("7", "7", "Ticket 7")
    assert seven.priority is Priority.P1 and seven.status is TicketStatus.IN_PROGRESS
    assert seven.assignee == PRIYA
    assert seven.sla is not None and seven.sla.due_at == datetime(
        2026, 12, 6, 3, 11, 46, tzinfo=UTC
    )
    assert seven.sla.kind is SlaKind.RESOLUTION  # past new: the next deadline is resolving
    assert seven.url == httpserver.url_for("/Ticket/Display.html?id=7")
    assert seven.created_at == datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    # Owner Nobody is no one; Due 1970-01-01 is no deadline (the team's policy gives one).
    assert eight.assignee is None and eight.sla is None
    assert eight.priority is Priority.P4 and eight.status is TicketStatus.WAITING
    assert nine.priority is Priority.P2 and nine.sla is not None
    assert nine.sla.kind is SlaKind.RESPONSE


def test_one_malformed_ticket_is_skipped_never_the_queue(fake: FakeRt, source: RtSource) -> None:
    fake.on(
        "GET",
        "/tickets",
        answer(
            {
                "page": 1,
                "items": [
                    item(1),
                    item(2, Priority="urgent!"),
                    item(3, Due="tomorrow"),
                    item(4, Status="resolved"),
                    item(5, id="5; DROP"),
                    {k: v for k, v in item(6).items() if k != "Created"},
                    "not a ticket",
                    item(10, Priority="High", Subject="Evil\x1b[2J\u202e title"),
                ],
            }
        ),
    )
    tickets = source.fetch_tickets()
    assert [t.id for t in tickets] == ["1", "10"]
    assert tickets[1].priority is Priority.P1  # RT 5's default name High is 100
    assert "\x1b" not in tickets[1].title and "\u202e" not in tickets[1].title


def test_an_empty_queue_is_an_empty_list(fake: FakeRt, source: RtSource) -> None:
    fake.on(
        "GET",
        "/tickets",
        answer({"count": 0, "page": 1, "pages": 0.0, "items": [], "per_page": 20, "total": 0}),
    )
    assert source.fetch_tickets() == []


def test_a_wrong_shape_is_bad_data(fake: FakeRt, source: RtSource) -> None:
    fake.on("GET", "/tickets", answer({"items": {"not": "a list"}}))
    with pytest.raises(BadDataError):
        source.fetch_tickets()


def test_a_refused_token_says_how_to_get_an_rt_token(fake: FakeRt, source: RtSource) -> None:
    fake.on("GET", "/tickets", answer({"message": "Unauthorized"}, 401))
    with pytest.raises(AuthError) as caught:
        source.fetch_tickets()
    assert "Auth Tokens" in str(caught.value) and "Unauthorized" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_a_forbidden_token_is_an_auth_error(fake: FakeRt, source: RtSource) -> None:
    fake.on("GET", "/users/privileged", answer({"message": "Forbidden"}, 403))
    with pytest.raises(AuthError, match="privileged"):
        source.fetch_people()


def test_rate_limiting_is_waited_out(fake: FakeRt, source: RtSource) -> None:
    fake.on("GET", "/tickets", answer({"message": "slow down"}, 429, **{"Retry-After": "120"}))
    with pytest.raises(RateLimitedError) as caught:
        source.fetch_tickets()
    assert caught.value.retry_after == pytest.approx(120, abs=2)


def test_a_query_rt_cannot_parse_points_at_the_query_setting(
    fake: FakeRt, source: RtSource
) -> None:
    said = "Incomplete query, last element (OPERATOR) is not close paren or value in 'Queue = '"
    fake.on(
        "GET",
        "/tickets",
        answer({"message": said + " at /usr/share/.../Tickets.pm line 3208.\n"}, 400),
    )
    with pytest.raises(RejectedError) as caught:
        source.fetch_tickets()
    assert "Incomplete query" in str(caught.value) and "query setting" in str(caught.value)


def test_people_are_the_privileged_users_or_on_older_rt_everyone_with_an_email(
    fake: FakeRt, source: RtSource
) -> None:
    fake.on("GET", "/users/privileged", answer({"message": "Not Found"}, 404))
    fake.on(
        "GET",
        "/users",
        answer(
            {
                "page": 1,
                "items": [
                    user("Nobody", Name="Nobody", EmailAddress="", RealName="Nobody in particular"),
                    user(
                        "RT_System",
                        Name="RT_System",
                        EmailAddress="",
                        RealName="The RT System itself",
                    ),
                    user(
                        "sam@example.com",
                        Name="sam@example.com",
                        EmailAddress="sam@example.com",
                        RealName="Sam Rivera",
                    ),
                    user(
                        "priya@example.com",
                        Name="priya@example.com",
                        EmailAddress="priya@example.com",
                        RealName="Priya Natarajan",
                    ),
                    user("noemail", Name="noemail", EmailAddress="", RealName="No Mail"),
                ],
            }
        ),
    )
    assert source.fetch_people() == [SAM, PRIYA]
    assert fake.seen[-1].args["fields"] == "Name,RealName,EmailAddress"


# -- acknowledge -------------------------------------------------------------------------


def test_acknowledge_takes_an_unowned_new_ticket_and_opens_it(
    fake: FakeRt, source: RtSource
) -> None:
    fake.on(
        "GET",
        "/ticket/7",
        state(7, "Nobody", "new", '"44"'),
        state(7, "sam@example.com", "open", '"47"'),
    )
    fake.on(
        "PUT",
        "/ticket/7/take",
        answer(
            [
                "Owner changed from Nobody to sam@example.com",
                "Ticket 7: Status changed from 'new' to 'open'",
            ]
        ),
    )
    source.acknowledge("7", SAM, "k1")
    assert fake.calls() == [("GET", "/ticket/7"), ("PUT", "/ticket/7/take"), ("GET", "/ticket/7")]
    put = fake.seen[1]
    assert put.body == {"Status": "open"}
    assert put.headers["If-Match"] == '"44"'
    assert put.headers["Content-Type"] == "application/json"  # else RT 5.0.3 answers 415
    assert put.headers["Authorization"] == f"token {TOKEN}"


def test_acknowledging_a_ticket_already_mine_and_open_sends_nothing(
    fake: FakeRt, source: RtSource
) -> None:
    fake.on("GET", "/ticket/7", state(7, "sam@example.com", "open", '"44"'))
    source.acknowledge("#7", SAM, "k1")
    assert fake.calls() == [("GET", "/ticket/7")]


def test_acknowledging_my_new_ticket_only_opens_it(fake: FakeRt, source: RtSource) -> None:
    fake.on(
        "GET",
        "/ticket/7",
        state(7, "sam@example.com", "new", '"44"'),
        state(7, "sam@example.com", "open", '"45"'),
    )
    fake.on("PUT", "/ticket/7", answer(["Ticket 7: Status changed from 'new' to 'open'"]))
    source.acknowledge("7", SAM, "k1")
    assert fake.calls()[1] == ("PUT", "/ticket/7")
    assert fake.seen[1].body == {"Status": "open"}


def test_someone_elses_ticket_is_refused_in_rts_words_as_a_conflict(
    fake: FakeRt, source: RtSource
) -> None:
    fake.on("GET", "/ticket/7", state(7, "priya@example.com", "open", '"44"'))
    fake.on("PUT", "/ticket/7/take", answer(["You can only take tickets that are unowned"]))
    with pytest.raises(ConflictError) as caught:
        source.acknowledge("7", SAM, "k1")
    assert "You can only take tickets that are unowned" in str(caught.value)
    assert fake.seen[1].body == {}  # only the take: a refused take must not open the ticket


def test_a_200_refusal_is_found_by_reading_the_ticket_again(fake: FakeRt, source: RtSource) -> None:
    fake.on("GET", "/ticket/7", state(7, "Nobody", "new", '"44"'))
    fake.on(
        "PUT",
        "/ticket/7/take",
        answer(["Ticket 7: Permission Denied", "Ticket 7: Permission Denied"]),
    )
    with pytest.raises(RejectedError) as caught:
        source.acknowledge("7", SAM, "k1")
    assert "Permission Denied" in str(caught.value)
    assert fake.calls()[-1] == ("GET", "/ticket/7")


def test_a_stale_etag_is_a_conflict(fake: FakeRt, source: RtSource) -> None:
    fake.on(
        "GET",
        "/ticket/7",
        state(7, "Nobody", "new", '"44"'),
        state(7, "priya@example.com", "open", '"52"'),
    )
    fake.on("PUT", "/ticket/7/take", answer({"message": "Precondition Failed"}, 412))
    with pytest.raises(ConflictError) as caught:
        source.acknowledge("7", SAM, "k1")
    assert "changed in RT meanwhile" in str(caught.value) and "Precondition Failed" in str(
        caught.value
    )


def test_a_412_after_my_own_change_got_through_is_success(fake: FakeRt, source: RtSource) -> None:
    fake.on(
        "GET",
        "/ticket/7",
        state(7, "Nobody", "new", '"44"'),
        state(7, "sam@example.com", "open", '"47"'),
    )
    fake.on("PUT", "/ticket/7/take", answer({"message": "Precondition Failed"}, 412))
    source.acknowledge("7", SAM, "k1")


def test_a_reread_does_not_send_rts_w3cdtf_last_modified_back(
    fake: FakeRt, source: RtSource
) -> None:
    """RT 5.0.3 answers an If-Modified-Since holding its own W3CDTF date with 500."""

    def strict(request: Request) -> Response:
        if "If-Modified-Since" in request.headers:
            return Response("Internal Server Error", 500, content_type="text/plain")
        return state(7, "sam@example.com", "open", '"47"')(request)

    fake.on("GET", "/ticket/7", state(7, "Nobody", "new", '"44"'), strict)
    fake.on("PUT", "/ticket/7/take", answer(["Owner changed from Nobody to sam@example.com"]))
    source.acknowledge("7", SAM, "k1")
    assert fake.seen[-1].headers.get("If-None-Match") == '"44"'


def test_a_write_answer_that_is_not_rts_list_is_unconfirmed(fake: FakeRt, source: RtSource) -> None:
    from traysupport.sources.base import UnconfirmedError

    fake.on("GET", "/ticket/7", state(7, "Nobody", "new", '"44"'))
    fake.on("PUT", "/ticket/7/take", answer({"tickets": "not messages"}))
    with pytest.raises(UnconfirmedError):
        source.acknowledge("7", SAM, "k1")


def test_a_ticket_id_that_is_no_number_is_not_sent(fake: FakeRt, source: RtSource) -> None:
    with pytest.raises(NotFoundError):
        source.acknowledge("../users", SAM, "k1")
    assert fake.seen == []


# -- hand over ---------------------------------------------------------------------------


def history(*entries: dict[str, object]) -> Callable[[Request], Response]:
    """``GET /ticket/N/history`` newest first (not counted: total and pages null)."""
    return answer(
        {
            "page": 1,
            "per_page": 20,
            "count": len(entries),
            "total": None,
            "pages": None,
            "items": list(entries),
        }
    )


def entry(txn: int, kind: str, creator: str, field: str = "") -> dict[str, object]:
    return {
        "id": str(txn),
        "type": "transaction",
        "Type": kind,
        "Field": field,
        "Creator": user(creator),
    }


def test_hand_over_sets_the_owner_then_comments_two_steps(fake: FakeRt, source: RtSource) -> None:
    fake.on(
        "GET",
        "/ticket/7",
        state(7, "sam@example.com", "open", '"52"'),
        state(7, "priya@example.com", "open", '"76"'),
    )
    fake.on(
        "PUT",
        "/ticket/7",
        answer(["Ticket 7: Owner changed from sam@example.com to priya@example.com"]),
    )
    fake.on(
        "GET",
        "/ticket/7/history",
        history(
            entry(78, "SetWatcher", "sam@example.com", "Owner"),
            entry(76, "Set", "sam@example.com", "Owner"),
            entry(70, "Comment", "sam@example.com"),
        ),
    )
    fake.on(
        "POST",
        "/ticket/7/comment",
        answer(["Comments added"], 201, Location="/REST/2.0/transaction/79"),
    )
    steps = Steps()
    source.hand_over("7", PRIYA, "VPN logs attached.", SAM, "h1", steps=steps)
    assert fake.calls() == [
        ("GET", "/ticket/7"),
        ("PUT", "/ticket/7"),
        ("GET", "/ticket/7"),
        ("GET", "/ticket/7/history"),
        ("POST", "/ticket/7/comment"),
    ]
    assert fake.seen[1].body == {"Owner": "priya@example.com"}
    assert fake.seen[1].headers["If-Match"] == '"52"'
    assert fake.seen[3].args == {
        "fields": "Type,Field,Creator",
        "orderby": "id",
        "order": "DESC",
        "per_page": "20",
    }
    assert fake.seen[4].body == {"Content": "VPN logs attached.", "ContentType": "text/plain"}
    assert steps.kept == ["owner", "comment"]


def test_a_retry_skips_the_owner_done_and_a_comment_already_there(
    fake: FakeRt, source: RtSource
) -> None:
    fake.on(
        "GET",
        "/ticket/7/history",
        history(
            entry(80, "EmailRecord", "RT_System"),
            entry(79, "Comment", "sam@example.com"),
            entry(78, "SetWatcher", "sam@example.com", "Owner"),
        ),
    )
    fake.on(
        "GET",
        "/transaction/79/attachments",
        answer(
            {
                "page": 1,
                "items": [
                    {
                        "id": "23",
                        "type": "attachment",
                        "Content": "",
                        "ContentType": "multipart/mixed",
                    },
                    {
                        "id": "24",
                        "type": "attachment",
                        "Content": "VPN logs attached.\r\n",
                        "ContentType": "text/plain",
                    },
                ],
            }
        ),
    )
    steps = Steps(done=("owner",), retrying=True)
    source.hand_over("7", PRIYA, "VPN logs attached.", SAM, "h1", steps=steps)
    assert fake.calls() == [("GET", "/ticket/7/history"), ("GET", "/transaction/79/attachments")]
    assert steps.kept == ["owner", "comment"]


def test_the_same_note_from_an_earlier_hand_over_is_posted_again(
    fake: FakeRt, source: RtSource
) -> None:
    fake.on("GET", "/ticket/7", state(7, "priya@example.com", "open", '"90"'))
    fake.on(
        "GET",
        "/ticket/7/history",
        history(
            entry(88, "Set", "priya@example.com", "Owner"),  # it came back since
            entry(79, "Comment", "sam@example.com"),
        ),
    )
    fake.on("POST", "/ticket/7/comment", answer(["Comments added"], 201))
    source.hand_over("7", PRIYA, "over to you", SAM, "h2")
    assert ("POST", "/ticket/7/comment") in fake.calls()
    assert ("GET", "/transaction/79/attachments") not in fake.calls()


def test_a_refused_owner_is_reported_in_rts_words_and_no_step_is_kept(
    fake: FakeRt, source: RtSource
) -> None:
    fake.on("GET", "/ticket/7", state(7, "sam@example.com", "open", '"52"'))
    fake.on("PUT", "/ticket/7", answer(["Ticket 7: That user may not own tickets in that queue"]))
    steps = Steps()
    dana = Person("dana@example.com", "Dana Observer")
    with pytest.raises(RejectedError) as caught:
        source.hand_over("7", dana, "n", SAM, "h1", steps=steps)
    assert "That user may not own tickets in that queue" in str(caught.value)
    assert steps.kept == []
    assert ("POST", "/ticket/7/comment") not in fake.calls()


def test_a_refused_comment_keeps_the_owner_step(fake: FakeRt, source: RtSource) -> None:
    fake.on("GET", "/ticket/7", state(7, "priya@example.com", "open", '"52"'))
    fake.on("GET", "/ticket/7/history", history())
    fake.on("POST", "/ticket/7/comment", answer({"message": "Permission Denied"}, 400))
    steps = Steps()
    with pytest.raises(RejectedError, match="Permission Denied"):
        source.hand_over("7", PRIYA, "n", SAM, "h1", steps=steps)
    assert steps.kept == ["owner"]  # already priya's: nothing was sent for it


def test_no_note_no_comment(fake: FakeRt, source: RtSource) -> None:
    fake.on("GET", "/ticket/7", state(7, "priya@example.com", "open", '"52"'))
    source.hand_over("7", PRIYA, "  ", SAM, "h1")
    assert fake.calls() == [("GET", "/ticket/7")]


# -- settings ----------------------------------------------------------------------------


def test_the_url_may_be_given_with_rest_2_0_and_priorities_are_configurable(
    fake: FakeRt, httpserver: HTTPServer
) -> None:
    fake.on(
        "GET",
        "/tickets",
        answer({"page": 1, "items": [item(1, Priority="5"), item(2, Priority="-3")]}),
    )
    made = build(httpserver.url_for("/REST/2.0/"), priorities=(("P1", "5.."), ("P3", "..4")))
    try:
        one, two = made.fetch_tickets()
    finally:
        made.close()
    assert (one.priority, two.priority) == (Priority.P1, Priority.P3)
    assert one.url == httpserver.url_for("/Ticket/Display.html?id=1")


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"P1": "90..", "P2": "..95"}, "overlapping"),
        ({"P1": "90..", "P4": "..80"}, "81..89"),
        ({"P1": "90..", "P4": "10..89"}, "lowest or the highest"),
        ({"P5": "..", "P1": "0.."}, "not one of P1..P4"),
        ({"P1": "high"}, "not a range"),
        ({"P1": "9..1"}, "ends before it starts"),
        ({}, "empty"),
        ({"P1": 90}, "not text"),
    ],
)
def test_priority_ranges_that_cannot_map_every_number_are_refused(
    table: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidValueError, match=problem):
        rt.PriorityRanges().parse(table)


def test_the_default_settings_are_valid() -> None:
    assert rt.PriorityRanges().parse(dict(rt.DEFAULT_PRIORITIES)) == rt.DEFAULT_PRIORITIES
    assert RtSettings().query == "Queue = 'Support' AND Status = '__Active__'"
