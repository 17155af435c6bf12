"""The service against a misbehaving team-API server: recovery and rate limits.

Real parts only: the fault-injection server (tests/faultserver.py), the team-API client,
a SQLite store, APScheduler's BackgroundScheduler and the HomeLoop. The service's clock
is a fake one that never moves by itself, so an outbox backoff never ends by itself:
what happens, happens because of what the source answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from tests.clock import FakeClock
from tests.conftest import FAULT_TOKEN
from tests.faultserver import Fault, FaultServer
from tests.test_service import QUIET_POLLS, Heard, Rig, built
from traysupport.core.alerts import AlertSettings
from traysupport.service import HomeLoop, SupportService
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.teamapi import TeamApiSource
from traysupport.store import OutboxState, Store

FAST = HttpLimits(connect_timeout=2.0, read_timeout=5.0, max_retries=0)


@pytest.fixture
def clock(fault_server: FaultServer) -> FakeClock:
    # Noon: an hour's rate limit ends the same day, shown as a time of day.
    return FakeClock(fault_server.now.astimezone(UTC).replace(hour=12, minute=0))


@pytest.fixture
def rig(fault_server: FaultServer, clock: FakeClock, tmp_path: Path) -> Iterator[Rig]:
    auth = f"Bearer {FAULT_TOKEN}"
    http = HttpClient("ops", fault_server.url, auth=auth, limits=FAST, clock=_wall(clock))
    source = TeamApiSource("ops", fault_server.url, http=http)
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start()
    loop = HomeLoop()
    heard = Heard()
    with Store(tmp_path / "traysupport.sqlite3") as store:
        service = SupportService(
            sources=[built(source)],
            store=store,
            scheduler=scheduler,
            call_soon=loop.call_soon,
            listener=heard,
            settings=AlertSettings(),
            poll=QUIET_POLLS,
            clock=clock,
        )
        try:
            yield Rig(service, store, loop, scheduler, heard)
        finally:
            scheduler.shutdown(wait=True)
            source.close()


def _wall(clock: FakeClock) -> Callable[[], float]:
    """The fake clock as the HTTP client reads wall time (epoch seconds)."""
    return lambda: clock().timestamp()


def test_a_pending_action_goes_as_soon_as_its_source_answers_again(
    rig: Rig, fault_server: FaultServer, clock: FakeClock
) -> None:
    state = rig.service.poll_once()
    ticket = state.snapshot.tickets[0]
    fault_server.set("acknowledge", Fault.answer(503), times=1)

    action = rig.service.acknowledge(ticket)
    rig.run_until(
        lambda: (e := rig.store.entry(action.id)) is not None and e.attempts == 1,
        "the failed first send",
    )
    waiting = rig.store.entry(action.id)
    assert waiting is not None
    assert waiting.state is OutboxState.PENDING
    assert waiting.next_attempt_at > clock(), "no backoff: the test proves nothing"

    # The clock stands still: only the source answering again can make it go now.
    rig.service.refresh_now()
    rig.run_until(
        lambda: (e := rig.store.entry(action.id)) is not None and e.state is OutboxState.DONE,
        "the action sent after the source answered",
    )
    assert len(fault_server.writes) == 2


def test_a_long_retry_after_holds_every_poll_and_shows_until_when(
    rig: Rig, fault_server: FaultServer, clock: FakeClock
) -> None:
    rig.service.poll_once()
    fault_server.set("tickets", Fault.answer(429, retry_after="3600"))

    rig.service.poll_once()
    asked = fault_server.hits("tickets")
    for _ in range(5):
        state = rig.service.poll_once()

    assert fault_server.hits("tickets") == asked, "polls went on during the rate limit"
    (queue,) = state.snapshot.sources
    assert not queue.ok
    until = clock().replace(tzinfo=UTC).timestamp() + 3600
    shown = datetime.fromtimestamp(until, UTC).strftime("%H:%M")
    assert f"rate limited until {shown}" in queue.error, queue.error
    assert state.snapshot.tickets, "the last good queue was dropped"
