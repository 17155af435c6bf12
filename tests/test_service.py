"""SupportService end to end, with real parts only.

A real demo team on 127.0.0.1, the real team-API client, a real SQLite store, a real
APScheduler BackgroundScheduler and the real HomeLoop. Time is one fake clock, shared by
the demo team and the service. It starts years ahead of the wall clock, which the
scheduler runs on, so the one-shot alert timer never fires by itself: the tests read its
run time and fire it by hand after moving the clock, instead of waiting for it.

Results that come back from worker threads (fetches, sends) are polled for with a
deadline; nothing here sleeps to let time pass.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
import requests
from apscheduler.schedulers.background import BackgroundScheduler
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.clock import FakeClock as SharedClock
from traysupport.core import alerts as alert_rules
from traysupport.core.alerts import AlertSettings
from traysupport.core.model import (
    ActionKind,
    Alert,
    AlertKind,
    Person,
    Priority,
    SourceStatus,
    Ticket,
    TicketStatus,
    Urgency,
    UserAction,
)
from traysupport.demo import ME, DemoServer
from traysupport.demo.script import P1_AT, P1_WARNING_AT, P2_AT, YOUR_SHIFT_AT
from traysupport.service import ActionError, HomeLoop, PollSettings, ServiceState, SupportService
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import BuiltSource
from traysupport.sources.teamapi import TeamApiSource
from traysupport.store import RETRY_BASE, OutboxEntry, OutboxState, Store

START = datetime(2031, 6, 2, 9, 0, tzinfo=UTC)
"""The demo team's start, and the fake clock's first reading: far ahead of the wall clock."""
# The service's own retries (outbox, next poll) are under test here, not the client's.
FAST = HttpLimits(connect_timeout=2.0, read_timeout=5.0, max_retries=0)
# Long intervals: after the first poll of start(), only the tests decide when to poll.
QUIET_POLLS = PollSettings(rotation_seconds=3600.0, queue_seconds=3600.0, jitter=0.0)
DEADLINE = 10.0
"""Seconds to wait for a worker thread's result before failing the test."""


class FakeClock(SharedClock):
    """The shared fake clock, also set by scenario offset."""

    def at(self, offset: float) -> datetime:
        """Set the clock to scenario offset *offset* (seconds after START, speed 1)."""
        self.now = START + timedelta(seconds=offset)
        return self.now


@dataclass
class Heard:
    """The listener: everything the service reported, in order."""

    states: list[ServiceState] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    def state_changed(self, state: ServiceState) -> None:
        self.states.append(state)

    def alerts_fired(self, alerts: list[Alert]) -> None:
        self.alerts.extend(alerts)

    def of_kind(self, kind: AlertKind, subject: str | None = None) -> list[Alert]:
        return [a for a in self.alerts if a.kind is kind and subject in (None, a.subject)]


@dataclass
class Rig:
    """One running service: its scheduler, home loop, store and listener."""

    service: SupportService
    store: Store
    loop: HomeLoop
    scheduler: BackgroundScheduler
    heard: Heard

    def run_until(self, condition: Callable[[], bool], what: str) -> None:
        """Run the home loop until *condition* holds; fail after DEADLINE seconds."""
        deadline = time.monotonic() + DEADLINE
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}")
            self.loop.run(timeout=0.02)

    def settle(self) -> None:
        """Run the callbacks queued on the home loop so far, in order, then return."""
        done = threading.Event()
        self.loop.call_soon(done.set)
        self.loop.run(until=done, timeout=DEADLINE)
        assert done.is_set(), "the home loop did not get through its queue"

    def timer_at(self) -> datetime:
        """When the one-shot alert timer is due, as the scheduler has it."""
        job = self.scheduler.get_job("alert-timer")
        assert job is not None, "no alert timer scheduled"
        run_at: datetime = job.next_run_time
        return run_at

    def fire_timer(self) -> None:
        """Do what the scheduler does when the alert timer falls due, and settle."""
        job = self.scheduler.get_job("alert-timer")
        assert job is not None, "no alert timer scheduled"
        job.func(*job.args, **job.kwargs)
        self.settle()

    def expected_timer(self, now: datetime) -> datetime | None:
        """What core.alerts says the next instant is, for the service's current view."""
        state = self.service.state()
        return alert_rules.next_instant(state.snapshot, now, state.me, self.service.settings)

    def open_entry(self) -> OutboxEntry:
        entries = self.store.open_entries()
        assert len(entries) == 1, entries
        return entries[0]


class MakeRig(Protocol):
    def __call__(
        self,
        store: Store,
        *,
        rotation: TeamApiSource | None = None,
        queue_source: TeamApiSource | None = None,
        me_hint: str = "",
    ) -> Rig: ...


def free_port() -> int:
    """A port free right now, so a stopped demo server can come back on the same one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def team_source(name: str, url: str) -> TeamApiSource:
    return TeamApiSource(name, url, http=HttpClient(name, url, limits=FAST))


BOTH = frozenset({"rotation", "queue"})


def built(source: Any, roles: frozenset[str] = BOTH, **kwargs: Any) -> BuiltSource:
    """*source* as the composition root builds a team-API source, serving *roles*."""
    return BuiltSource(source.name, "team-api", roles, source, **kwargs)


def built_pair(rotation: TeamApiSource, queue: TeamApiSource) -> list[BuiltSource]:
    """One source serving both roles, or two sources serving one role each."""
    if rotation is queue:
        return [built(rotation)]
    return [built(rotation, frozenset({"rotation"})), built(queue, frozenset({"queue"}))]


def served_ticket(demo: DemoServer, ticket_id: str) -> dict[str, Any]:
    """The ticket as the demo server has it (over HTTP, like anyone else would see it)."""
    answer = requests.get(f"{demo.url}/tickets", timeout=5).json()
    found = [t for t in answer["tickets"] if t["id"] == ticket_id]
    assert found, f"the demo server has no open ticket {ticket_id}"
    ticket: dict[str, Any] = found[0]
    return ticket


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll *condition* (off the home loop) until it holds; fail after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def source(state: ServiceState, label: str) -> SourceStatus:
    found = [s for s in state.snapshot.sources if s.name == label]
    assert len(found) == 1, state.snapshot.sources
    return found[0]


def ticket(state: ServiceState, key: str) -> Ticket:
    found = state.snapshot.ticket(key)
    assert found is not None, f"{key} not in {[t.key for t in state.snapshot.tickets]}"
    return found


def assignee_id(state: ServiceState, key: str) -> str | None:
    assignee = ticket(state, key).assignee
    return None if assignee is None else assignee.id


def keys(state: ServiceState) -> list[str]:
    return sorted(t.key for t in state.snapshot.tickets)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def demo(clock: FakeClock) -> Iterator[DemoServer]:
    server = DemoServer(free_port(), clock=clock, start=START)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "traysupport.sqlite3"


@pytest.fixture
def open_store(store_path: Path) -> Iterator[Callable[[], Store]]:
    """Open the store file (again, for a restart); every store opened is closed after."""
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(Store(store_path))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def make_rig(demo: DemoServer, clock: FakeClock) -> Iterator[MakeRig]:
    """Build services on the demo team; every scheduler and source is stopped after."""
    schedulers: list[BackgroundScheduler] = []
    sources: list[TeamApiSource] = []

    def make(
        store: Store,
        *,
        rotation: TeamApiSource | None = None,
        queue_source: TeamApiSource | None = None,
        me_hint: str = "",
    ) -> Rig:
        shared = team_source("demo", demo.url)
        sources.append(shared)
        rotation = rotation or shared
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.start()
        schedulers.append(scheduler)
        loop, heard = HomeLoop(), Heard()
        service = SupportService(
            sources=built_pair(rotation, queue_source or shared),
            store=store,
            scheduler=scheduler,
            call_soon=loop.call_soon,
            listener=heard,
            # One 15-minute lead: the day-ahead default is tested in test_service_reminders.py.
            settings=AlertSettings(duty_soon_leads=(timedelta(minutes=15),)),
            poll=QUIET_POLLS,
            me_hint=me_hint,
            clock=clock,
        )
        return Rig(service, store, loop, scheduler, heard)

    yield make
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)
    for made in sources:
        made.close()


# --- who I am ------------------------------------------------------------------------------


def test_me_comes_from_the_me_endpoint_when_not_configured(
    make_rig: MakeRig, open_store: Callable[[], Store]
) -> None:
    rig = make_rig(open_store())

    state = rig.service.poll_once()

    assert state.me == ME
    assert keys(state) == ["DEMO-1001", "DEMO-1002"]
    assert all(s.ok for s in state.snapshot.sources)


def test_me_comes_from_the_team_when_configured(
    make_rig: MakeRig, open_store: Callable[[], Store]
) -> None:
    # The token belongs to "you" (GET /me says so); the config names Priya by email.
    rig = make_rig(open_store(), me_hint="Priya.Natarajan@example.com")

    state = rig.service.poll_once()

    assert state.me is not None
    assert state.me.id == "priya"


# --- start-up and alerts ------------------------------------------------------------------


def test_start_shows_the_saved_data_as_stale_then_the_first_poll_replaces_it(
    make_rig: MakeRig, open_store: Callable[[], Store], clock: FakeClock
) -> None:
    first = open_store()
    assert keys(make_rig(first).service.poll_once()) == ["DEMO-1001", "DEMO-1002"]
    first.close()
    clock.at(P2_AT + 1)  # while the app was closed, the P2 arrived
    rig = make_rig(open_store())

    rig.service.start()

    saved = rig.heard.states[-1]
    assert keys(saved) == ["DEMO-1001", "DEMO-1002"]
    for status in saved.snapshot.sources:
        assert (status.ok, status.stale, status.error) == (False, True, "showing saved data")
        assert status.last_ok_at == START
    rig.run_until(
        lambda: all(s.ok for s in rig.service.state().snapshot.sources), "the first polls"
    )
    fresh = rig.heard.states[-1]
    assert keys(fresh) == ["DEMO-1001", "DEMO-1002", "DEMO-1003"]
    assert fresh.me == ME
    for status in fresh.snapshot.sources:
        assert (status.stale, status.error, status.last_ok_at) == (False, "", clock())
    assert rig.scheduler.get_job("poll-demo-queue") is not None
    assert rig.scheduler.get_job("poll-demo-rotation") is not None


def test_alerts_fire_once_are_recorded_and_do_not_fire_again_after_a_restart(
    make_rig: MakeRig, open_store: Callable[[], Store], clock: FakeClock
) -> None:
    store = open_store()
    rig = make_rig(store)

    rig.service.poll_once()
    assert [a.kind for a in rig.heard.alerts] == [AlertKind.DUTY_SOON]
    rig.service.poll_once()
    assert len(rig.heard.alerts) == 1, "the same poll result fired again"

    clock.at(YOUR_SHIFT_AT + 1)
    rig.service.poll_once()
    fired = rig.heard.alerts
    assert {a.kind for a in fired[1:]} == {AlertKind.DUTY_STARTED, AlertKind.NEW_TICKET}
    assert len(fired) == 3
    assert [a.subject for a in rig.heard.of_kind(AlertKind.NEW_TICKET)] == ["demo:1002"]
    assert store.fired_keys() == {a.key for a in fired}
    store.close()

    again = make_rig(open_store())
    again.service.poll_once()
    assert again.heard.alerts == [], "alerts fired again after a restart"

    clock.at(P2_AT + 1)
    again.service.poll_once()
    assert [(a.kind, a.subject) for a in again.heard.alerts] == [
        (AlertKind.NEW_TICKET, "demo:1003")
    ]


def test_the_alert_timer_is_set_for_the_next_instant_and_evaluates_without_a_poll(
    make_rig: MakeRig, open_store: Callable[[], Store], clock: FakeClock, demo: DemoServer
) -> None:
    rig = make_rig(open_store())
    rig.service.poll_once()

    # Off duty, nothing with a running SLA: the next instant is my shift's start.
    assert rig.timer_at() == rig.expected_timer(clock()) == demo.team.instant(YOUR_SHIFT_AT)
    clock.now = rig.timer_at()
    rig.fire_timer()
    assert [a.kind for a in rig.heard.of_kind(AlertKind.DUTY_STARTED)] == [AlertKind.DUTY_STARTED]
    assert all(s.last_ok_at == START for s in rig.service.state().snapshot.sources), (
        "the timer polled instead of evaluating what it had"
    )
    assert rig.timer_at() == rig.expected_timer(clock())
    assert rig.timer_at() > clock()

    # The scripted P1 arrives with a tool deadline whose warning falls due at +90.
    clock.at(P1_AT + 1)
    rig.service.poll_once()
    assert rig.heard.of_kind(AlertKind.NEW_TICKET, "demo:1004")[0].urgency is Urgency.CRITICAL
    assert rig.timer_at() == rig.expected_timer(clock()) == demo.team.instant(P1_WARNING_AT)
    assert rig.heard.of_kind(AlertKind.SLA_WARNING) == []
    clock.now = rig.timer_at()
    rig.fire_timer()
    warnings = rig.heard.of_kind(AlertKind.SLA_WARNING)
    assert [(a.subject, a.urgency) for a in warnings] == [("demo:1004", Urgency.CRITICAL)]


# --- a failing source ----------------------------------------------------------------------

OPS_TICKET = {
    "id": "77",
    "key": "OPS-77",
    "title": "Disk full on db-2",
    "priority": "P3",
    "status": "new",
    "created_at": "2031-06-02T08:00:00Z",
    "assignee_id": None,
}


class FlakyQueue:
    """A team-API tickets endpoint that answers, or fails with a 500, as the test says."""

    def __init__(self) -> None:
        self.failing = False

    def __call__(self, request: Request) -> Response:
        if self.failing:
            error = {"error": {"code": "unavailable", "message": "the database is down"}}
            return Response(json.dumps(error), 500, content_type="application/json")
        page = {"tickets": [OPS_TICKET], "next": None}
        return Response(json.dumps(page), 200, content_type="application/json")

    def people(self, request: Request) -> Response:
        people = {"people": [{"id": "ops-1", "name": "Ops Person"}]}
        return Response(json.dumps(people), 200, content_type="application/json")


def test_a_failing_source_keeps_its_last_good_data_and_alerts_once_down_and_once_back(
    make_rig: MakeRig,
    open_store: Callable[[], Store],
    clock: FakeClock,
    httpserver: HTTPServer,
) -> None:
    flaky = FlakyQueue()
    httpserver.expect_request("/api/v1/tickets").respond_with_handler(flaky)
    # A queue-only team-API source also reads its people (its assignees' names).
    httpserver.expect_request("/api/v1/people").respond_with_handler(flaky.people)
    ops = team_source("ops", httpserver.url_for("/api/v1"))
    store = open_store()
    rig = make_rig(store, queue_source=ops)
    assert keys(rig.service.poll_once()) == ["OPS-77"]
    good_at = clock()

    flaky.failing = True
    for failures in (1, 2, 3, 4):
        clock.now += timedelta(minutes=1)
        state = rig.service.poll_once()
        queue = source(state, "ops")
        assert (queue.ok, queue.stale, queue.failures) == (False, True, failures)
        assert "500" in queue.error
        assert "the database is down" in queue.error
        assert queue.last_ok_at == good_at
        assert keys(state) == ["OPS-77"], "a failed fetch erased the last good queue"
        assert source(state, "demo").ok
        down = rig.heard.of_kind(AlertKind.SOURCE_DOWN)
        assert len(down) == (0 if failures < 3 else 1), (failures, down)
    saved = store.load_snapshot("ops/queue")
    assert saved is not None
    assert [t.key for t in saved.tickets] == ["OPS-77"]
    assert down[0].subject == "ops"
    assert rig.heard.of_kind(AlertKind.SOURCE_RECOVERED) == []

    flaky.failing = False
    for _ in range(2):
        clock.now += timedelta(minutes=1)
        state = rig.service.poll_once()
        queue = source(state, "ops")
        assert (queue.ok, queue.failures, queue.error, queue.last_ok_at) == (True, 0, "", clock())
    recovered = rig.heard.of_kind(AlertKind.SOURCE_RECOVERED)
    assert [a.subject for a in recovered] == ["ops"]
    assert len(rig.heard.of_kind(AlertKind.SOURCE_DOWN)) == 1
    httpserver.check_assertions()


class FlakyRotation:
    """A team-API rotation (one person, her shifts) that can fail, and whose shifts can move."""

    def __init__(self, shifts: list[dict[str, str]]) -> None:
        self.failing = False
        self.shifts = shifts

    def people(self, request: Request) -> Response:
        return self._answer({"people": [{"id": "you", "name": "Sam Rivera"}]})

    def shift_list(self, request: Request) -> Response:
        return self._answer({"shifts": self.shifts})

    def _answer(self, body: dict[str, object]) -> Response:
        if self.failing:
            return Response('{"error": {"code": "unavailable", "message": "down"}}', 503)
        return Response(json.dumps(body), 200, content_type="application/json")


def _shift(start: str, end: str) -> dict[str, str]:
    return {"person_id": "you", "start": start, "end": end, "role": "primary"}


def test_a_shift_moved_during_an_outage_is_reported_once_the_source_is_back(
    make_rig: MakeRig,
    open_store: Callable[[], Store],
    clock: FakeClock,
    httpserver: HTTPServer,
) -> None:
    later = _shift("2031-06-05T09:00:00Z", "2031-06-05T17:00:00Z")
    rotation_api = FlakyRotation([_shift("2031-06-03T13:00:00Z", "2031-06-03T17:00:00Z"), later])
    httpserver.expect_request("/api/v1/people").respond_with_handler(rotation_api.people)
    httpserver.expect_request("/api/v1/shifts").respond_with_handler(rotation_api.shift_list)
    rota = team_source("rota", httpserver.url_for("/api/v1"))
    rig = make_rig(open_store(), rotation=rota, me_hint="you")
    rig.service.poll_once()
    assert rig.heard.of_kind(AlertKind.SHIFT_CHANGED) == []

    rotation_api.failing = True
    clock.now += timedelta(minutes=5)
    assert not source(rig.service.poll_once(), "rota").ok
    rotation_api.shifts = [_shift("2031-06-03T14:00:00Z", "2031-06-03T18:00:00Z"), later]
    rotation_api.failing = False
    for _ in range(2):
        clock.now += timedelta(minutes=5)
        assert source(rig.service.poll_once(), "rota").ok

    changed = rig.heard.of_kind(AlertKind.SHIFT_CHANGED)
    assert len(changed) == 1, "the move made during the outage was not reported once"
    assert changed[0].body.startswith("Moved:")
    httpserver.check_assertions()


# --- the outbox ----------------------------------------------------------------------------


def test_acknowledge_is_recorded_before_it_is_sent_then_confirmed(
    make_rig: MakeRig, open_store: Callable[[], Store], demo: DemoServer
) -> None:
    store = open_store()
    rig = make_rig(store)
    typo = ticket(rig.service.poll_once(), "DEMO-1002")

    action = rig.service.acknowledge(typo)

    entry = rig.open_entry()  # before the home loop has run: not confirmed, but durable
    assert (entry.id, entry.action.kind, entry.action.ticket_id, entry.action.by) == (
        action.id,
        ActionKind.ACKNOWLEDGE,
        "1002",
        "you",
    )
    assert entry.state in (OutboxState.PENDING, OutboxState.SENDING)
    assert [e.id for e in rig.heard.states[-1].pending_for(typo)] == [action.id]
    rig.run_until(lambda: store.open_entries() == [], "the acknowledgement to be confirmed")
    served = served_ticket(demo, "1002")
    assert (served["status"], served["acknowledged_by"], served["assignee_id"]) == (
        "acknowledged",
        "you",
        "you",
    )
    # The confirmation triggers a queue poll: the service then sees it acknowledged too.
    rig.run_until(
        lambda: ticket(rig.service.state(), "DEMO-1002").acknowledged, "the confirming poll"
    )
    history = store.history("demo:1002")
    assert history is not None
    assert history.acknowledged_by == "you"


def test_hand_over_is_recorded_before_it_is_sent_then_confirmed(
    make_rig: MakeRig, open_store: Callable[[], Store], demo: DemoServer
) -> None:
    store = open_store()
    rig = make_rig(store)
    state = rig.service.poll_once()
    priya = state.snapshot.person("priya")
    assert priya is not None

    action = rig.service.hand_over(ticket(state, "DEMO-1001"), priya, "VAT fix needs a deploy")

    entry = rig.open_entry()
    assert (entry.id, entry.action.kind, entry.action.to, entry.action.note) == (
        action.id,
        ActionKind.HAND_OVER,
        "priya",
        "VAT fix needs a deploy",
    )
    rig.run_until(lambda: store.open_entries() == [], "the hand over to be confirmed")
    served = served_ticket(demo, "1001")
    assert served["assignee_id"] == "priya"
    assert [(n["by"], n["text"]) for n in served["notes"]] == [("you", "VAT fix needs a deploy")]
    rig.run_until(
        lambda: assignee_id(rig.service.state(), "DEMO-1001") == "priya", "the confirming poll"
    )


def test_a_hand_over_resent_after_a_crash_is_applied_exactly_once(
    make_rig: MakeRig, open_store: Callable[[], Store], demo: DemoServer
) -> None:
    store = open_store()
    crashing = make_rig(store)
    state = crashing.service.poll_once()
    priya = state.snapshot.person("priya")
    assert priya is not None
    note = "Customer replies by 14:00; the fix is on staging"

    action = crashing.service.hand_over(ticket(state, "DEMO-1002"), priya, note)
    assert [e.id for e in store.open_entries()] == [action.id]
    # The server applies it, but the app dies before its home loop records the answer.
    wait_for(lambda: served_ticket(demo, "1002")["assignee_id"] == "priya", "the hand over")
    assert [e.state for e in store.open_entries()] == [OutboxState.SENDING]
    store.close()

    restarted = make_rig(open_store())
    # Opening changes no lease; the closed store's claim is taken over by the next drain.
    assert [e.state for e in restarted.store.open_entries()] == [OutboxState.SENDING]
    restarted.service.start()
    restarted.run_until(lambda: restarted.store.open_entries() == [], "the resend")

    served = served_ticket(demo, "1002")
    assert served["assignee_id"] == "priya"
    assert [(n["by"], n["text"]) for n in served["notes"]] == [("you", note)]


def test_a_send_that_cannot_reach_the_server_stays_pending_and_goes_out_once_it_is_back(
    make_rig: MakeRig, open_store: Callable[[], Store], demo: DemoServer, clock: FakeClock
) -> None:
    store = open_store()
    rig = make_rig(store)
    typo = ticket(rig.service.poll_once(), "DEMO-1002")
    demo.stop()

    rig.service.acknowledge(typo)
    rig.run_until(lambda: rig.open_entry().attempts == 1, "the failed send")
    entry = rig.open_entry()
    assert entry.state is OutboxState.PENDING
    assert "refused the connection" in entry.last_error
    assert entry.next_attempt_at == clock() + RETRY_BASE

    # Still down: a failed poll leaves the action waiting out its backoff.
    rig.service.refresh_now()
    rig.run_until(
        lambda: all(s.failures > 0 for s in rig.service.state().snapshot.sources), "both polls"
    )
    assert (rig.open_entry().state, rig.open_entry().attempts) == (OutboxState.PENDING, 1)

    demo.start()
    clock.now += RETRY_BASE / 3  # back, long before the backoff ends: it goes at once
    rig.service.refresh_now()
    rig.run_until(lambda: store.open_entries() == [], "the retried send")
    assert served_ticket(demo, "1002")["status"] == "acknowledged"


GONE = Ticket(
    id="9999",
    key="DEMO-9999",
    title="Closed long ago",
    priority=Priority.P3,
    status=TicketStatus.NEW,
    created_at=START - timedelta(days=3),
    source="demo",
)


@pytest.mark.parametrize(
    ("act", "reason"),
    [
        pytest.param(
            lambda s, t: s.hand_over(t, Person("nobody", "No Body"), "over to you"),
            "no person 'nobody' on the demo team",
            id="422-unknown-recipient",
        ),
        pytest.param(
            lambda s, t: s.acknowledge(GONE), "no open ticket 9999", id="404-unknown-ticket"
        ),
    ],
)
def test_a_refused_action_fails_with_the_servers_reason(
    make_rig: MakeRig,
    open_store: Callable[[], Store],
    demo: DemoServer,
    act: Callable[[SupportService, Ticket], object],
    reason: str,
) -> None:
    store = open_store()
    rig = make_rig(store)
    typo = ticket(rig.service.poll_once(), "DEMO-1002")

    act(rig.service, typo)

    rig.run_until(lambda: rig.open_entry().state is OutboxState.FAILED, "the refusal")
    entry = rig.open_entry()
    assert reason in entry.last_error
    assert entry.attempts == 1
    assert store.due(datetime.max.replace(tzinfo=UTC)) == [], "a refused action is due again"
    served = served_ticket(demo, "1002")
    assert (served["assignee_id"], served["notes"], served["status"]) == (None, [], "new")


# --- holding alerts back -------------------------------------------------------------------


def test_a_snooze_silences_that_ticket_until_it_ends(
    make_rig: MakeRig, open_store: Callable[[], Store], clock: FakeClock, demo: DemoServer
) -> None:
    store = open_store()
    rig = make_rig(store)
    clock.at(P1_AT + 1)
    p1 = ticket(rig.service.poll_once(), "DEMO-1004")
    until = clock.at(600)
    clock.at(P1_AT + 1)

    rig.service.snooze(p1, until)

    assert store.open_entries() == [], "a snooze is local: done as soon as it is recorded"
    assert rig.service.settings.snoozed == (("demo:1004", until),)
    clock.now = demo.team.instant(P1_WARNING_AT)
    rig.fire_timer()
    assert rig.heard.of_kind(AlertKind.SLA_WARNING) == [], "the snoozed P1 warned"
    assert rig.timer_at() == until
    clock.now = until
    rig.fire_timer()
    assert [a.subject for a in rig.heard.of_kind(AlertKind.SLA_WARNING)] == ["demo:1004"]
    assert served_ticket(demo, "1004")["status"] == "new", "a snooze reached the server"


def test_pause_holds_every_alert_until_it_ends(
    make_rig: MakeRig, open_store: Callable[[], Store], clock: FakeClock
) -> None:
    rig = make_rig(open_store())
    until = START + timedelta(seconds=YOUR_SHIFT_AT + 5)

    rig.service.pause(until)
    clock.at(YOUR_SHIFT_AT + 1)  # on duty, with an unacknowledged ticket in the queue
    rig.service.poll_once()

    assert rig.heard.alerts == []
    assert rig.timer_at() == until
    clock.now = until
    rig.fire_timer()
    assert {a.kind for a in rig.heard.alerts} == {AlertKind.DUTY_STARTED, AlertKind.NEW_TICKET}


def test_pause_and_snoozes_survive_a_restart_and_expired_ones_are_dropped(
    make_rig: MakeRig, open_store: Callable[[], Store], clock: FakeClock
) -> None:
    first = make_rig(open_store())
    clock.at(P1_AT + 1)
    state = first.service.poll_once()
    paused_until = clock() + timedelta(minutes=30)
    first.service.pause(paused_until)
    first.service.snooze(ticket(state, "DEMO-1004"), clock() + timedelta(hours=1))
    first.service.snooze(ticket(state, "DEMO-1003"), clock() + timedelta(minutes=5))
    first.store.close()

    clock.now += timedelta(minutes=10)  # the short snooze is over by the restart
    again = make_rig(open_store())
    again.service.poll_once()

    assert again.service.settings.paused_until == paused_until
    assert [ref for ref, _ in again.service.settings.snoozed] == ["demo:1004"]


def test_a_transient_failure_wakes_the_outbox_when_its_backoff_ends(
    make_rig: MakeRig, open_store: Callable[[], Store], demo: DemoServer
) -> None:
    rig = make_rig(open_store())
    typo = ticket(rig.service.poll_once(), "DEMO-1002")
    demo.stop()

    action = rig.service.acknowledge(typo)
    rig.run_until(lambda: rig.open_entry().attempts == 1, "the failed send")

    job = rig.scheduler.get_job(f"retry-{action.id}")
    assert job is not None, "nothing wakes the outbox for the retry"
    wait = (job.next_run_time - datetime.now(UTC)).total_seconds()
    assert RETRY_BASE.total_seconds() - 5 < wait <= RETRY_BASE.total_seconds()


def test_an_action_needs_to_know_who_i_am(
    make_rig: MakeRig, open_store: Callable[[], Store]
) -> None:
    store = open_store()
    rig = make_rig(store, me_hint="nobody@example.com")
    state = rig.service.poll_once()
    assert state.me is None

    with pytest.raises(ActionError, match="set `me` in the config"):
        rig.service.acknowledge(ticket(state, "DEMO-1002"))
    assert store.open_entries() == []


def test_start_prunes_actions_confirmed_more_than_a_week_ago(
    make_rig: MakeRig, open_store: Callable[[], Store], clock: FakeClock
) -> None:
    store = open_store()
    for age, action_id in ((timedelta(days=8), "old"), (timedelta(days=6), "recent")):
        store.record(
            UserAction(
                id=action_id,
                kind=ActionKind.ACKNOWLEDGE,
                source="demo",
                ticket_id="1002",
                by="you",
                created_at=clock() - age,
            )
        )
        store.claim(clock() - age)
        store.mark_done(action_id, clock() - age)
    rig = make_rig(store)

    rig.service.start()

    assert store.entry("old") is None
    assert store.entry("recent") is not None


def test_a_poll_that_changes_nothing_publishes_nothing_and_writes_nothing(
    make_rig: MakeRig, open_store: Callable[[], Store], clock: FakeClock
) -> None:
    store = open_store()
    rig = make_rig(store)
    rig.service.poll_once()
    published = len(rig.heard.states)
    saved = store.load_snapshot("demo/queue")
    assert saved is not None
    clock.now += timedelta(seconds=1)  # nothing in the demo's script happens in between

    rig.service.refresh_now()
    rig.run_until(
        lambda: all(s.last_ok_at == clock() for s in rig.service.state().snapshot.sources),
        "both polls",
    )
    rig.settle()

    assert len(rig.heard.states) == published, "an unchanged poll was published"
    assert store.load_snapshot("demo/queue") == saved, "an unchanged poll rewrote the saved data"

    rig.service.pause(clock() + timedelta(minutes=5))  # a change the UI shows: published
    assert len(rig.heard.states) == published + 1
