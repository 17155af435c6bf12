"""The engine on its own home thread (`ServiceHome`) and the widgets' stand-in for it
(`HomeControl`), without Qt: the real engine (`runtime.open_engine`) on the demo team or
on a misbehaving team-API server, a real store, real threads.

The "GUI side" is the test's own thread: the listener hands states and reports to the
control directly, which `HomeControl` allows from any thread. Results from the home
thread are waited for with deadlines; nothing sleeps to let time pass.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.faultserver import Fault, FaultServer
from traysupport.config import Config, load_config
from traysupport.core.model import ActionKind, Alert, Priority, Snapshot, Ticket, TicketStatus
from traysupport.home import ServiceHome
from traysupport.home_control import QUITTING, STARTING, HomeControl
from traysupport.runtime import Engine, SetupError
from traysupport.service import ActionError, ServiceState, new_action
from traysupport.store import OutboxEntry, OutboxState

SPEED = 20.0
DEADLINE = 20.0
"""Seconds to wait for the home thread (the network, the demo's script); seldom reached."""
QUIT_BOUND = 5.0
"""Seconds `stop` may take however the server behaves (its budget is 1.5 s)."""


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path / "home"))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)  # polling a condition another thread makes true, not passing time


@dataclass
class Heard:
    """The listener: what the service reported, on which thread; feeds the control."""

    control: HomeControl
    states: list[ServiceState] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    threads: set[threading.Thread] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    settled: list[int] = field(default_factory=list)

    def state_changed(self, state: ServiceState) -> None:
        self.threads.add(threading.current_thread())
        self.states.append(state)
        self.control.published(state)

    def alerts_fired(self, alerts: list[Alert]) -> None:
        self.threads.add(threading.current_thread())
        self.alerts.extend(alerts)

    def settle(self, call: int, problem: str) -> None:
        self.threads.add(threading.current_thread())
        self.control.settled(call)
        self.settled.append(call)
        if problem:
            self.problems.append(problem)

    def latest(self) -> ServiceState:
        assert self.states, "no state published yet"
        return self.states[-1]


@dataclass
class Running:
    home: ServiceHome
    control: HomeControl
    heard: Heard

    def tickets(self) -> tuple[Ticket, ...]:
        return self.heard.latest().snapshot.tickets if self.heard.states else ()


@contextmanager
def running(config: Config) -> Iterator[Running]:
    """The engine built and started on its home thread, the control bound to it."""
    control = HomeControl()
    heard = Heard(control)
    home = ServiceHome(config, listener=heard, demo_speed=SPEED)
    home.start()
    try:
        assert home.wait_built(DEADLINE)
        engine = home.engine()
        control.bind(home.call_soon, engine.service, heard.settle)
        home.start_service()
        yield Running(home, control, heard)
    finally:
        control.unbind()
        home.stop()


def team_config(tmp_path: Path, url: str) -> Config:
    path = tmp_path / "team.toml"
    path.write_text(
        f'me = "alice"\n[rotation]\nprovider = "team-api"\nurl = "{url}"\n'
        f'[queue]\nprovider = "team-api"\nurl = "{url}"\n',
        encoding="utf-8",
    )
    return load_config(path)


# -- the home thread ---------------------------------------------------------------------


def test_the_service_and_its_store_live_on_the_home_thread() -> None:
    before = set(threading.enumerate())
    with running(Config()) as run:
        wait_until(lambda: len(run.tickets()) >= 2, "the demo team's tickets")
        assert run.heard.threads == {run.home.thread}
        assert threading.current_thread() is not run.home.thread
        # The store belongs to the thread that opened it; no other may write to it.
        with pytest.raises(sqlite3.ProgrammingError):
            run.home.engine().store.open_entries()
    assert not run.home.thread.is_alive()
    assert not run.home.scheduler.running
    wait_until(lambda: set(threading.enumerate()) <= before, "every thread to end")


def test_a_build_that_fails_raises_its_error_to_the_caller() -> None:
    @contextmanager
    def refused(config: Config, **_parts: object) -> Iterator[Engine]:
        raise SetupError("rotation.provider = 'x' is not supported yet")
        yield  # a generator, as open_engine is

    built: list[bool] = []
    home = ServiceHome(
        Config(),
        listener=Heard(HomeControl()),
        on_built=lambda: built.append(True),
        open_engine=refused,
    )
    home.start()
    assert home.wait_built(DEADLINE)
    assert built == [True]
    with pytest.raises(SetupError, match="not supported yet"):
        home.engine()
    assert home.stop()
    assert not home.thread.is_alive()


def test_stopping_does_not_wait_for_a_fetch_hung_on_the_server(tmp_path: Path) -> None:
    with FaultServer(token="t") as server:
        server.set("tickets", Fault.hang())
        config = team_config(tmp_path, server.url)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("TRAYSUPPORT_TOKEN", "t")
            with running(config) as run:
                assert server.wait_hits("tickets", timeout=DEADLINE)  # hanging now
                started = time.monotonic()
                run.home.stop()
                took = time.monotonic() - started
        assert took < QUIT_BOUND  # a hung fetch lasts its whole deadline: 30 s
        assert not run.home.thread.is_alive()


# -- the control ---------------------------------------------------------------------------


def test_an_acknowledgement_shows_at_once_and_is_recorded_on_the_home_thread() -> None:
    with running(Config()) as run:
        wait_until(lambda: run.heard.states and run.heard.latest().me is not None, "who I am")
        wait_until(lambda: len(run.tickets()) >= 2, "the demo team's tickets")
        ticket = next(t for t in run.tickets() if not t.acknowledged)

        action = run.control.acknowledge(ticket)

        assert action.kind is ActionKind.ACKNOWLEDGE and action.ticket_id == ticket.id
        [entry] = run.control.state().pending_for(ticket)  # at once, before the home thread
        assert entry.id == action.id and entry.state is OutboxState.PENDING
        wait_until(lambda: run.heard.settled == [1], "the call to be reported done")
        assert run.heard.problems == []
        wait_until(  # the demo server applied it, and the next poll shows it
            lambda: any(t.ref == ticket.ref and t.acknowledged for t in run.tickets()),
            "the acknowledgement on the server",
        )
        assert run.control.state().pending_for(ticket) == ()


def test_a_snooze_and_a_pause_hold_at_once_and_are_kept_by_the_service() -> None:
    with running(Config()) as run:
        wait_until(lambda: len(run.tickets()) >= 1, "the demo team's tickets")
        ticket = run.tickets()[0]
        until = datetime.now(UTC) + timedelta(minutes=30)
        run.control.snooze(ticket, until)
        run.control.pause(until)
        shown = run.control.state().settings
        assert (ticket.ref, until) in shown.snoozed and shown.paused_until == until
        wait_until(lambda: len(run.heard.settled) == 2, "both calls to be done")
        kept = run.heard.latest().settings
        assert (ticket.ref, until) in kept.snoozed and kept.paused_until == until


def test_a_call_that_fails_on_the_home_thread_is_reported() -> None:
    with running(Config()) as run:
        run.control.retry("no-such-action")
        wait_until(lambda: run.heard.settled == [1], "the call to be reported done")
        [problem] = run.heard.problems
        assert problem.startswith("Could not retry the action")


def test_a_failed_action_for_a_removed_source_is_dismissed_on_the_home_thread() -> None:
    with running(Config()) as run:
        wait_until(lambda: run.heard.states and run.heard.latest().me is not None, "who I am")
        wait_until(lambda: len(run.tickets()) >= 1, "the demo team's tickets")
        gone = replace(run.tickets()[0], source="beta")  # a source not in the settings
        action = run.control.acknowledge(gone)

        def published() -> list[OutboxEntry]:
            return [e for e in run.heard.latest().outbox if e.id == action.id]

        wait_until(
            lambda: [e.state for e in published()] == [OutboxState.FAILED], "the action to fail"
        )
        assert 'the source "beta" is no longer in the settings' in published()[0].last_error

        run.control.dismiss(action.id)

        wait_until(lambda: len(run.heard.settled) == 2, "the dismissal to be done")
        assert run.heard.problems == []
        assert published() == []  # the service dropped it, and said so
        assert all(e.id != action.id for e in run.control.state().outbox)


def test_a_dismissal_shows_at_once_and_only_drops_a_failed_action() -> None:
    control = HomeControl()
    posted: list[Callable[[], None]] = []
    control.bind(posted.append, None, lambda call, problem: None)  # type: ignore[arg-type]
    ticket = Ticket(
        "1", "T-1", "title", Priority.P2, TicketStatus.NEW, datetime(2031, 1, 1, tzinfo=UTC), "t"
    )
    made = datetime(2031, 1, 1, tzinfo=UTC)
    failed = OutboxEntry(
        replace(new_action(ActionKind.SNOOZE, ticket, None, made, until=made), id="failed"),
        OutboxState.FAILED,
        1,
        made,
        "refused",
    )
    sending = replace(
        failed, action=replace(failed.action, id="sending"), state=OutboxState.SENDING
    )
    control.published(replace(control.state(), outbox=(failed, sending)))

    control.dismiss("failed")
    control.dismiss("sending")  # the service refuses this one; nothing to show before it does

    assert control.state().outbox == (sending,)  # at once, before the home thread ran
    assert len(posted) == 2  # the home thread does the dropping


def test_actions_are_refused_at_once_while_starting_without_me_and_when_quitting() -> None:
    control = HomeControl()
    ticket = Ticket(
        "1", "T-1", "title", Priority.P2, TicketStatus.NEW, datetime(2031, 1, 1, tzinfo=UTC), "t"
    )
    assert control.state().snapshot == Snapshot(control.state().snapshot.taken_at)
    with pytest.raises(ActionError, match=STARTING):
        control.acknowledge(ticket)
    control.refresh_now()  # nothing to refresh yet: not an error

    posted: list[Callable[[], None]] = []
    control.bind(posted.append, None, lambda call, problem: None)  # type: ignore[arg-type]
    with pytest.raises(ActionError, match="who you are"):  # the last state has no `me`
        control.acknowledge(ticket)
    assert posted == []  # nothing was sent to the home thread
    control.snooze(ticket, datetime(2031, 1, 1, 1, tzinfo=UTC))  # a snooze needs no `me`
    assert len(posted) == 1

    control.unbind()
    with pytest.raises(ActionError, match=QUITTING):
        control.pause(None)
