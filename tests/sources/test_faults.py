"""HttpClient and the team-API source against a misbehaving server (tests/faultserver.py).

Each test here is one fault of issue 6: unconfirmed writes reported as done (5), hangs and
drips (6), an echoed token (8), refused bodies kept in memory (10), a forgotten
Retry-After (12). Real sockets throughout; time is injected where the test is about
waiting, and only generous upper bounds are asserted on things that must end. Every
fault case against the team API runs in the provider contract
(tests/sources/test_teamapi_contract.py).
"""

from __future__ import annotations

import base64
import gc
import logging
import threading
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from tests.conftest import FAULT_TOKEN
from tests.faultserver import Fault, FaultServer
from tests.sources.contract import CONTRACT_LIMITS, within
from traysupport.core.model import Person
from traysupport.logsetup import RedactingFilter
from traysupport.sources.base import (
    AuthError,
    BadDataError,
    RateLimitedError,
    SourceError,
    StoppedError,
    UnavailableError,
    UnconfirmedError,
)
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.teamapi import TeamApiSource

ALICE = Person("alice", "Alice Martin")
BOB = Person("bob", "Bob Okafor")
NOW = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


@dataclass
class FakeTime:
    """Wall clock and monotonic clock the test moves; `sleep` moves both."""

    wall: float = NOW.timestamp()
    mono: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


def client(
    server: FaultServer, limits: HttpLimits = CONTRACT_LIMITS, **options: object
) -> HttpClient:
    """A client of the fault server with its token."""
    return HttpClient(
        "faulty",
        server.url,
        auth=f"Bearer {FAULT_TOKEN}",
        limits=limits,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def source(fault_server: FaultServer) -> Iterator[TeamApiSource]:
    http = client(fault_server)
    made = TeamApiSource("faulty", fault_server.url, FAULT_TOKEN, http=http)
    yield made
    made.close()


# --- 5: a write is confirmed only by the answer the provider documents ------------------


def test_a_captive_portal_page_does_not_confirm_an_acknowledgement(
    fault_server: FaultServer, source: TeamApiSource
) -> None:
    fault_server.set("acknowledge", Fault.html())
    with pytest.raises(UnconfirmedError) as caught:
        source.acknowledge("142", ALICE, "key-1")
    message = str(caught.value)
    assert "was not confirmed" in message
    assert "an HTML page, maybe a proxy or captive portal login" in message
    assert "stays in the outbox" in message


@pytest.mark.parametrize(
    ("status", "target"), [(302, "other-portal"), (307, "moved"), (303, "portal")]
)
def test_a_redirected_write_is_not_followed_and_not_confirmed(
    fault_server: FaultServer, source: TeamApiSource, status: int, target: str
) -> None:
    fault_server.set("acknowledge", Fault.redirect(status, target))
    with pytest.raises(UnconfirmedError, match=rf"redirect \({status}\)"):
        source.acknowledge("142", ALICE, "key-1")
    assert fault_server.count("portal") == 0
    assert fault_server.count("moved/tickets/142/acknowledge") == 0
    assert fault_server.hits("acknowledge") == 1


@pytest.mark.parametrize(
    "answer",
    [
        {"ok": True},
        {"id": "999", "status": "acknowledged"},
        {"id": "142", "status": "new", "acknowledged_at": None},
        {"id": "142"},
        [{"id": "142", "status": "acknowledged"}],
        b"",
    ],
    ids=["no-ticket", "other-ticket", "still-new", "no-status", "a-list", "empty"],
)
def test_an_acknowledgement_needs_the_acknowledged_ticket_back(
    fault_server: FaultServer, source: TeamApiSource, answer: object
) -> None:
    fault_server.set("acknowledge", Fault.reply(200, answer))
    with pytest.raises(UnconfirmedError, match="was not confirmed"):
        source.acknowledge("142", ALICE, "key-1")
    assert fault_server.hits("acknowledge") == 1


def test_a_handover_needs_the_ticket_assigned_to_the_recipient(
    fault_server: FaultServer, source: TeamApiSource
) -> None:
    source.hand_over("142", BOB, "over to you", ALICE, "key-2")  # confirmed: bob has it
    assert fault_server.ticket("142")["assignee_id"] == "bob"
    wrong = {"id": "142", "status": "acknowledged", "assignee_id": "alice"}
    fault_server.set("handover", Fault.reply(200, wrong))
    with pytest.raises(UnconfirmedError, match="not the ticket 142 handed over to bob"):
        source.hand_over("142", BOB, "again", ALICE, "key-3")


def test_the_documented_answers_confirm(fault_server: FaultServer, source: TeamApiSource) -> None:
    source.acknowledge("142", ALICE, "key-1")
    source.hand_over("143", ALICE, "yours", BOB, "key-2")
    assert fault_server.ticket("142")["status"] == "acknowledged"
    assert [w.idempotency_key for w in fault_server.writes] == ["key-1", "key-2"]


def test_a_hostile_but_documented_answer_confirms(
    fault_server: FaultServer, source: TeamApiSource
) -> None:
    fault_server.set("acknowledge", Fault.hostile())
    source.acknowledge("142", ALICE, "key-1")


def test_a_write_must_say_what_confirms_it(fault_server: FaultServer) -> None:
    with client(fault_server) as http, pytest.raises(TypeError, match="confirm"):
        http.request("POST", "tickets/142/acknowledge", json_body={"by": "alice"})
    assert fault_server.writes == []


# --- 6: a total deadline, a budget across retries, abort ---------------------------------


def test_a_drip_ends_at_the_answer_deadline(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.drip(0.2))
    limits = HttpLimits(read_timeout=5, max_answer_seconds=2, max_call_seconds=10, max_retries=0)
    with client(fault_server, limits) as http:
        outcome = within(6, lambda: http.get_json("tickets"))
    assert isinstance(outcome, UnavailableError)
    assert "whole answer within 2 s" in str(outcome)


def test_a_hang_ends_at_the_call_budget_whatever_the_retries(fault_server: FaultServer) -> None:
    fault_server.set("people", Fault.hang())
    limits = HttpLimits(
        read_timeout=1, max_answer_seconds=5, max_call_seconds=2.5, max_retries=10, backoff_max=0.1
    )
    with client(fault_server, limits) as http:
        outcome = within(6, lambda: http.get_json("people"))
    assert isinstance(outcome, UnavailableError)
    assert fault_server.hits("people") <= 4


def test_retry_after_waits_count_against_the_budget(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.answer(503, retry_after="4"))
    time = FakeTime()
    limits = HttpLimits(max_call_seconds=10, max_retries=10)
    http = client(fault_server, limits, sleep=time.sleep, monotonic=lambda: time.mono)
    with http, pytest.raises(UnavailableError):
        http.get_json("tickets")
    assert time.sleeps == [4.0, 4.0]
    assert fault_server.hits("tickets") == 3


def test_close_stops_a_hung_request_on_another_thread_at_once(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.hang())
    limits = HttpLimits(read_timeout=60, max_answer_seconds=60, max_call_seconds=60)
    http = client(fault_server, limits)
    outcome: list[BaseException] = []
    worker = threading.Thread(target=_failing_into, args=(outcome, http, "tickets"))
    worker.start()
    assert fault_server.wait_hits("tickets")
    http.close()
    worker.join(2)
    assert not worker.is_alive(), "the hung request outlived close() by 2 s"
    assert len(outcome) == 1
    assert isinstance(outcome[0], StoppedError)
    assert isinstance(outcome[0], UnavailableError)  # transient: an action stays pending


def test_close_wakes_a_retry_wait_at_once(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.answer(503, retry_after="50"))
    limits = HttpLimits(max_call_seconds=120, max_retry_after=120)
    http = client(fault_server, limits)
    outcome: list[BaseException] = []
    worker = threading.Thread(target=_failing_into, args=(outcome, http, "tickets"))
    worker.start()
    assert fault_server.wait_hits("tickets")
    http.close()
    worker.join(2)
    assert not worker.is_alive(), "the retry wait outlived close() by 2 s"
    assert isinstance(outcome[0], StoppedError)


def test_a_closed_client_sends_nothing(fault_server: FaultServer) -> None:
    http = client(fault_server)
    http.close()
    with pytest.raises(StoppedError):
        http.get_json("people")
    assert fault_server.hits("people") == 0


def test_the_deadline_watchdog_ends_when_no_request_is_in_flight(
    fault_server: FaultServer,
) -> None:
    with client(fault_server) as http:
        http.get_json("people")
    watchdogs = [t for t in threading.enumerate() if t.name == "traysupport-http-deadline"]
    for watchdog in watchdogs:
        watchdog.join(2)
    assert not any(t.is_alive() for t in watchdogs)


def _failing_into(outcome: list[BaseException], http: HttpClient, path: str) -> None:
    try:
        http.get_json(path)
    except SourceError as error:
        outcome.append(error)


# --- 8: the source's token never leaks, whatever the server echoes -----------------------


def test_an_echoed_token_reaches_no_message_and_no_log(
    fault_server: FaultServer, source: TeamApiSource, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fault_server.set("*", Fault.echo_auth())
    errors: list[SourceError] = []
    for call in (
        source.fetch_tickets,
        source.fetch_people,
        lambda: source.acknowledge("142", ALICE, "key-1"),
    ):
        with pytest.raises(AuthError) as caught:
            call()
        errors.append(caught.value)
    assert "invalid credentials: *** (base64 ***)" in str(errors[0])
    encoded = base64.b64encode(f"Bearer {FAULT_TOKEN}".encode()).decode()
    shown = [str(e) for e in errors] + [repr(e.args) + e.problem + e.hint for e in errors]
    shown += [r.getMessage() + repr(r.args) for r in caplog.records]
    for text in shown:
        assert FAULT_TOKEN not in text
        assert encoded not in text


def test_a_redirected_read_does_not_carry_the_token_to_another_origin(
    fault_server: FaultServer, source: TeamApiSource
) -> None:
    fault_server.set("tickets", Fault.redirect(302, "other-moved"))
    with pytest.raises(AuthError):  # the other origin wants the token, and got none
        source.fetch_tickets()
    assert fault_server.count("moved/tickets") == 1


def test_the_log_filter_redacts_registered_secrets_from_every_record() -> None:
    client_with_token = HttpClient("x", "http://127.0.0.1:9", auth="Basic dXNlcjpwYXNzLXdvcmQtOTk=")
    client_with_token.close()
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep()
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "server said %s and %r", "pass-word-99", {"auth": "dXNlcjpwYXNzLXdvcmQtOTk="}
        )
        try:
            raise ValueError("echo: user:pass-word-99")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert lines
    assert not any("pass-word-99" in line or "dXNlcjpwYXNzLXdvcmQtOTk" in line for line in lines)
    assert "server said *** and {'auth': '***'}" in lines[0]


# --- 10: a refused body is not kept alive by the error ----------------------------------


def test_refused_bodies_are_not_kept_by_the_errors(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.huge(4 * 1024 * 1024))
    limits = HttpLimits(max_response_bytes=1024 * 1024, max_retries=0)
    kept: list[SourceError] = []
    with client(fault_server, limits) as http:
        http.get_json("people")  # warm up: connection pool, imports
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(10):
                with pytest.raises(BadDataError, match="larger than 1024 KiB") as caught:
                    http.get_json("tickets")
                kept.append(caught.value)
            gc.collect()
            retained = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    assert len(kept) == 10
    assert retained < 2 * 1024 * 1024, f"{retained} bytes still held after 10 refused answers"
    for error in kept:
        assert error.__context__ is None
        assert error.__cause__ is None


# --- 12: a Retry-After is honoured across calls ------------------------------------------


def test_retry_after_is_remembered_and_nothing_is_sent_before_it(
    fault_server: FaultServer,
) -> None:
    time = FakeTime()
    fault_server.set("tickets", Fault.answer(429, retry_after="3600"))
    with client(fault_server, clock=lambda: time.wall, monotonic=lambda: time.mono) as http:
        with pytest.raises(RateLimitedError):
            http.get_json("tickets")
        fault_server.clear()
        for _ in range(8):
            time.advance(60)
            with pytest.raises(RateLimitedError) as caught:
                http.get_json("tickets")
        assert fault_server.hits("tickets") == 1
        refused = caught.value
        assert refused.retry_after == pytest.approx(3600 - 8 * 60)
        assert refused.until == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
        assert "rate limited until 09:00 UTC" in str(refused)
        with pytest.raises(RateLimitedError):
            http.get_json("people")  # the whole source waits, not one path
        time.advance(3600)
        assert http.get_json("tickets")
    assert fault_server.hits("tickets") == 2
    assert fault_server.hits("people") == 0


def test_a_503_retry_after_and_a_rate_limit_reset_are_remembered(
    fault_server: FaultServer,
) -> None:
    time = FakeTime()
    reset = str(int(time.wall) + 600)
    with client(fault_server, clock=lambda: time.wall, monotonic=lambda: time.mono) as http:
        fault_server.set("people", Fault.answer(503, retry_after="300"), times=1)
        with pytest.raises(UnavailableError):
            http.get_json("people")
        with pytest.raises(RateLimitedError) as caught:
            http.get_json("people")
        assert caught.value.retry_after == pytest.approx(300)
        time.advance(300)
        headers = (("X-RateLimit-Reset", reset),)
        fault_server.set("people", Fault.answer(429, headers=headers), times=1)
        with pytest.raises(RateLimitedError):
            http.get_json("people")
        with pytest.raises(RateLimitedError) as caught:
            http.get_json("people")
        assert caught.value.retry_after == pytest.approx(300)
    assert fault_server.hits("people") == 2
