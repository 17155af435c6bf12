"""Several sources at once in the service (issue 7): ticket identity is (source, id),
actions go to the ticket's own source, people are merged across tools, each source has
one status and its own poll job with its own backoff.

Real parts, as in tests/test_service.py: demo teams and team-API servers on 127.0.0.1,
the team-API client, a SQLite store, APScheduler's BackgroundScheduler and the HomeLoop,
one fake clock for the rules. Poll jobs are run by hand (like the alert timer there)
where the test needs one part polled and not another.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.test_service import (
    DEADLINE,
    FAST,
    QUIET_POLLS,
    START,
    FakeClock,
    Heard,
    Rig,
    built,
    free_port,
    served_ticket,
)
from traysupport.core.alerts import AlertSettings
from traysupport.core.model import ActionKind, AlertKind, Person, SourceStatus, Ticket, UserAction
from traysupport.demo import BASE_PATH, ME, DemoServer
from traysupport.demo.script import P1_AT, P1_WARNING_AT
from traysupport.service import HomeLoop, PollSettings, ServiceState, SupportService
from traysupport.sources.base import NO_STEPS, Steps
from traysupport.sources.http import HttpClient
from traysupport.sources.provider import BuiltSource
from traysupport.sources.teamapi import TeamApiSource
from traysupport.store import OutboxState, Store

QUEUE_ONLY = frozenset({"queue"})


class Recording(TeamApiSource):
    """A team-API source that also remembers which actions it was asked to send."""

    def __init__(self, name: str, url: str) -> None:
        super().__init__(name, url, http=HttpClient(name, url, limits=FAST))
        self.sent: list[tuple[str, str, str, str]] = []
        """(kind, ticket id, by id, to id) of each action asked of this source."""

    def acknowledge(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        self.sent.append(("acknowledge", ticket_id, by.id, ""))
        super().acknowledge(ticket_id, by, idempotency_key, steps=steps)

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
        self.sent.append(("hand_over", ticket_id, by.id, to.id))
        super().hand_over(ticket_id, to, note, by, idempotency_key, steps=steps)


class MakeService(Protocol):
    def __call__(
        self, sources: list[BuiltSource], *, poll: PollSettings = ..., me_hint: str = ""
    ) -> Rig: ...


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def demos(clock: FakeClock) -> Iterator[Callable[..., DemoServer]]:
    """Start demo teams on the shared clock (on a port of choice); all stopped after."""
    started: list[DemoServer] = []

    def start(port: int = 0) -> DemoServer:
        server = DemoServer(port, clock=clock, start=START)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def make_service(clock: FakeClock, tmp_path: Path) -> Iterator[MakeService]:
    """Services on one store file; every scheduler, source and store is closed after."""
    made: list[tuple[BackgroundScheduler, Store, list[BuiltSource]]] = []

    def make(
        sources: list[BuiltSource], *, poll: PollSettings = QUIET_POLLS, me_hint: str = ""
    ) -> Rig:
        store = Store(tmp_path / "traysupport.sqlite3")
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.start()
        made.append((scheduler, store, sources))
        loop, heard = HomeLoop(), Heard()
        service = SupportService(
            sources=sources,
            store=store,
            scheduler=scheduler,
            call_soon=loop.call_soon,
            listener=heard,
            settings=AlertSettings(),
            poll=poll,
            me_hint=me_hint,
            clock=clock,
        )
        return Rig(service, store, loop, scheduler, heard)

    yield make
    for scheduler, store, sources in made:
        scheduler.shutdown(wait=True)
        store.close()
        for source in sources:
            source.close()


def status(state: ServiceState, name: str) -> SourceStatus:
    found = [s for s in state.snapshot.sources if s.name == name]
    assert len(found) == 1, state.snapshot.sources
    return found[0]


def by_ref(state: ServiceState, ref: str) -> Ticket:
    found = [t for t in state.snapshot.tickets if t.ref == ref]
    assert len(found) == 1, [t.ref for t in state.snapshot.tickets]
    return found[0]


def run_job(rig: Rig, job_id: str) -> None:
    """Do what the scheduler does when a poll job falls due, and settle."""
    job = rig.scheduler.get_job(job_id)
    assert job is not None, f"no job {job_id}"
    job.func(*job.args, **job.kwargs)
    rig.settle()


def seconds_to(rig: Rig, job_id: str) -> float:
    """How far (wall clock) the job's next run is."""
    job = rig.scheduler.get_job(job_id)
    assert job is not None, f"no job {job_id}"
    return float((job.next_run_time - datetime.now(UTC)).total_seconds())


# --- (source, id) is a ticket's identity ----------------------------------------------------


def test_two_sources_with_the_same_ticket_ids_never_mix_them_up(
    make_service: MakeService, demos: Callable[..., DemoServer], clock: FakeClock
) -> None:
    alpha_demo, beta_demo = demos(), demos()
    alpha = Recording("alpha", alpha_demo.url)
    beta = Recording("beta", beta_demo.url)
    rig = make_service([built(alpha), built(beta, QUEUE_ONLY)])
    clock.at(P1_AT + 1)  # on duty, each team's scripted P1 just arrived

    state = rig.service.poll_once()

    assert sorted(t.ref for t in state.snapshot.matching("DEMO-1001")) == [
        "alpha:1001",
        "beta:1001",
    ]
    new = {a.subject for a in rig.heard.of_kind(AlertKind.NEW_TICKET)}
    assert {"alpha:1004", "beta:1004"} <= new, "one P1 alert stood for both sources"
    assert {"new_ticket|alpha:1004", "new_ticket|beta:1004"} <= rig.store.fired_keys()

    # A snooze holds that source's ticket only.
    rig.service.snooze(by_ref(state, "alpha:1004"), START + timedelta(seconds=600))
    clock.now = alpha_demo.team.instant(P1_WARNING_AT)
    rig.fire_timer()
    warned = [a.subject for a in rig.heard.of_kind(AlertKind.SLA_WARNING)]
    assert warned == ["beta:1004"]

    # An acknowledgement goes to the ticket's own source, and nowhere else.
    action = rig.service.acknowledge(by_ref(state, "beta:1002"))
    assert action.source == "beta"
    rig.run_until(lambda: rig.store.open_entries() == [], "the acknowledgement")
    assert beta.sent == [("acknowledge", "1002", "you", "")]
    assert alpha.sent == []
    assert served_ticket(beta_demo, "1002")["status"] == "acknowledged"
    assert served_ticket(alpha_demo, "1002")["status"] == "new"
    beta_history, alpha_history = rig.store.history("beta:1002"), rig.store.history("alpha:1002")
    assert beta_history is not None and beta_history.acknowledged_by == "you"
    assert alpha_history is not None and alpha_history.acknowledged_by is None
    # The confirming poll is of beta's queue only.
    rig.run_until(
        lambda: by_ref(rig.service.state(), "beta:1002").acknowledged, "the confirming poll"
    )
    assert not by_ref(rig.service.state(), "alpha:1002").acknowledged


def test_an_action_for_a_source_no_longer_configured_fails_with_why(
    make_service: MakeService, demos: Callable[..., DemoServer], clock: FakeClock
) -> None:
    demo = demos()
    kept = Recording("kept", demo.url)
    rig = make_service([built(kept)])
    gone = UserAction("a-gone", ActionKind.ACKNOWLEDGE, "gone", "1002", "you", clock())
    rig.store.record(gone)

    rig.service.start()

    rig.run_until(
        lambda: (e := rig.store.entry("a-gone")) is not None and e.state is OutboxState.FAILED,
        "the action to fail",
    )
    entry = rig.store.entry("a-gone")
    assert entry is not None
    assert entry.last_error == (
        'the source "gone" is no longer in the settings; add it back or dismiss this action'
    )
    assert rig.store.due(datetime.max.replace(tzinfo=UTC)) == [], "it would be retried"
    assert kept.sent == [], "the action went to another source"
    rig.service.dismiss("a-gone")
    assert rig.store.entry("a-gone") is None


# --- people across tools ---------------------------------------------------------------------


@dataclass
class DeskApi:
    """A queue-only team API whose people have their own ids; it records what it is sent."""

    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def people(self, request: Request) -> Response:
        people = [
            {"id": "u-17", "name": "Sam R.", "email": "Sam.Rivera@Example.com"},
            {"id": "u-20", "name": "Priya N.", "email": "priya.natarajan@example.com"},
        ]
        return _json({"people": people})

    def tickets(self, request: Request) -> Response:
        ticket = {
            "id": "1001",
            "key": "DESK-1001",
            "title": "Refund stuck",
            "priority": "P2",
            "status": "new",
            "created_at": "2031-06-02T08:00:00Z",
            "assignee_id": "u-17",
        }
        return _json({"tickets": [ticket], "next": None})

    def acknowledge(self, request: Request) -> Response:
        self.posts.append(("acknowledge", request.get_json()))
        return _json({"id": "1001", "status": "acknowledged"})

    def hand_over(self, request: Request) -> Response:
        body = request.get_json()
        self.posts.append(("hand_over", body))
        return _json({"id": "1001", "assignee_id": body["to"]})


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


def test_people_merge_by_email_so_me_and_recipients_are_named_in_each_tools_ids(
    make_service: MakeService, demos: Callable[..., DemoServer], httpserver: HTTPServer
) -> None:
    desk = DeskApi()
    httpserver.expect_request("/api/v1/people").respond_with_handler(desk.people)
    httpserver.expect_request("/api/v1/tickets").respond_with_handler(desk.tickets)
    httpserver.expect_request("/api/v1/tickets/1001/acknowledge").respond_with_handler(
        desk.acknowledge
    )
    httpserver.expect_request("/api/v1/tickets/1001/handover").respond_with_handler(desk.hand_over)
    team = Recording("team", demos().url)
    rig = make_service(
        [built(team), built(Recording("desk", httpserver.url_for("/api/v1")), QUEUE_ONLY)]
    )

    state = rig.service.poll_once()

    # Nobody named me: the team's /me says who I am, and the desk knows me by email.
    assert state.me == ME
    ticket = by_ref(state, "desk:1001")
    assert ticket.assignee is not None and ticket.assignee.id == ME.id, "not mine across tools"
    ids = [p.id for p in state.snapshot.people]
    assert "u-17" not in ids and "u-20" not in ids, "one person listed twice"
    priya = state.snapshot.person("priya")
    assert priya is not None

    rig.service.acknowledge(ticket)
    rig.service.hand_over(ticket, priya, "over to you")
    rig.run_until(lambda: rig.store.open_entries() == [], "both actions")

    assert sorted(desk.posts, key=lambda p: p[0]) == [
        ("acknowledge", {"by": "u-17"}),
        ("hand_over", {"to": "u-20", "note": "over to you", "by": "u-17"}),
    ]
    assert team.sent == []
    httpserver.check_assertions()


# --- one status per source, one job per part -------------------------------------------------


@dataclass
class FlakyTeam:
    """A team API serving a rotation and a queue whose tickets endpoint can fail."""

    failing: bool = False

    def people(self, request: Request) -> Response:
        return _json({"people": [{"id": "you", "name": "Sam Rivera"}]})

    def shifts(self, request: Request) -> Response:
        return _json({"shifts": []})

    def tickets(self, request: Request) -> Response:
        if self.failing:
            return _json({"error": {"code": "unavailable", "message": "db down"}}, 500)
        return _json({"tickets": [], "next": None})


def test_each_source_has_one_status_and_one_outage_alert_while_a_part_of_it_fails(
    make_service: MakeService,
    demos: Callable[..., DemoServer],
    httpserver: HTTPServer,
    clock: FakeClock,
) -> None:
    flaky = FlakyTeam()
    for path, handler in (
        ("people", flaky.people),
        ("shifts", flaky.shifts),
        ("tickets", flaky.tickets),
    ):
        httpserver.expect_request(f"/api/v1/{path}").respond_with_handler(handler)
    alpha = Recording("alpha", httpserver.url_for("/api/v1"))
    beta = Recording("beta", demos().url)
    rig = make_service([built(alpha), built(beta, QUEUE_ONLY)], me_hint="you")
    rig.service.start()
    rig.run_until(
        lambda: all(s.ok for s in rig.service.state().snapshot.sources), "the first polls"
    )
    sources = rig.service.state().snapshot.sources
    assert [(s.name, s.provider, s.roles) for s in sources] == [
        ("alpha", "team-api", ("rotation", "queue")),
        ("beta", "team-api", ("queue",)),
    ]

    # The queue polls more often than the rotation: its last good fetch is newer.
    clock.now += timedelta(minutes=4)
    run_job(rig, "poll-alpha-queue")
    flaky.failing = True
    for failures in (1, 2, 3):
        clock.now += timedelta(minutes=1)
        run_job(rig, "poll-alpha-queue")
        state = rig.service.state()
        alpha_status = status(state, "alpha")
        assert (alpha_status.ok, alpha_status.failures) == (False, failures)
        assert "db down" in alpha_status.error
        assert alpha_status.last_ok_at == START, "not the oldest of its parts"
        assert status(state, "beta").ok
    assert [a.subject for a in rig.heard.of_kind(AlertKind.SOURCE_DOWN)] == ["alpha"]

    # The rotation still answers; its newer time must not make the outage look new.
    clock.now += timedelta(minutes=1)
    run_job(rig, "poll-alpha-rotation")
    clock.now += timedelta(minutes=1)
    run_job(rig, "poll-alpha-queue")
    assert status(rig.service.state(), "alpha").last_ok_at == START
    assert len(rig.heard.of_kind(AlertKind.SOURCE_DOWN)) == 1, "the same outage alerted twice"

    flaky.failing = False
    run_job(rig, "poll-alpha-queue")
    back = status(rig.service.state(), "alpha")
    assert (back.ok, back.failures, back.error) == (True, 0, "")
    assert [a.subject for a in rig.heard.of_kind(AlertKind.SOURCE_RECOVERED)] == ["alpha"]


def test_a_hanging_source_does_not_hold_another_sources_polls(
    make_service: MakeService, demos: Callable[..., DemoServer], httpserver: HTTPServer
) -> None:
    release = threading.Event()

    def hang(request: Request) -> Response:
        release.wait(DEADLINE)
        return _json({"tickets": [], "next": None})

    httpserver.expect_request("/api/v1/people").respond_with_json({"people": []})
    httpserver.expect_request("/api/v1/tickets").respond_with_handler(hang)
    stuck = Recording("stuck", httpserver.url_for("/api/v1"))
    rig = make_service([built(stuck, QUEUE_ONLY), built(Recording("team", demos().url))])
    try:
        rig.service.start()
        rig.run_until(lambda: status(rig.service.state(), "team").ok, "the other source's polls")
        waiting = status(rig.service.state(), "stuck")
        assert (waiting.ok, waiting.failures) == (False, 0), (
            "the other source waited for the stuck one"
        )
    finally:
        release.set()
    rig.run_until(lambda: status(rig.service.state(), "stuck").ok, "the stuck source")


def test_a_failing_source_backs_off_and_returns_to_its_interval_once_it_answers(
    make_service: MakeService, demos: Callable[..., DemoServer]
) -> None:
    port = free_port()  # nothing listens there yet: every fetch is refused at once
    down = Recording("down", f"http://127.0.0.1:{port}{BASE_PATH}")
    poll = PollSettings(rotation_seconds=3600.0, queue_seconds=60.0, jitter=0.0)
    rig = make_service([built(down, QUEUE_ONLY), built(Recording("team", demos().url))], poll=poll)
    job = "poll-down-queue"

    rig.service.start()
    for failures, wait in ((1, 60.0), (2, 120.0), (3, 240.0)):
        if failures > 1:
            rig.service.refresh_now()
        rig.run_until(
            lambda n=failures: status(rig.service.state(), "down").failures == n,  # type: ignore[misc]
            f"failure {failures}",
        )
        assert wait - 5 < seconds_to(rig, job) <= wait, failures
    assert 3600 - 5 < seconds_to(rig, "poll-team-rotation") <= 3600, "another source backed off"

    demos(port)
    rig.service.refresh_now()
    rig.run_until(lambda: status(rig.service.state(), "down").ok, "the recovery")
    assert 60 - 5 < seconds_to(rig, job) <= 60, "the backoff outlived the outage"
