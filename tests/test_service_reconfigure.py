"""Changed settings applied to a running service (issue 10): `SupportService.reconfigure`.

Real parts, as in tests/test_service_sources.py: demo teams and team-API servers on
127.0.0.1, the team-API client, a SQLite store, APScheduler's BackgroundScheduler and
the HomeLoop, one fake clock for the rules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.test_service import DEADLINE, QUIET_POLLS, START, built
from tests.test_service_sources import (  # noqa: F401  (fixtures)
    QUEUE_ONLY,
    DeskApi,
    MakeService,
    Recording,
    clock,
    demos,
    make_service,
    status,
)
from traysupport.core.alerts import AlertSettings, QuietHours
from traysupport.core.model import ActionKind, UserAction
from traysupport.demo import DemoServer
from traysupport.service.polljobs import job_id
from traysupport.sources.provider import BuiltSource
from traysupport.store import OutboxState


class Closing(Recording):
    """A team-API source that says whether it was closed."""

    def __init__(self, name: str, url: str) -> None:
        super().__init__(name, url)
        self.closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


def poll_jobs(rig_scheduler: object) -> list[str]:
    jobs = rig_scheduler.get_jobs()  # type: ignore[attr-defined]
    return sorted(j.id for j in jobs if j.id.startswith("poll-"))


def test_an_added_source_is_polled_at_once_and_the_others_are_left_alone(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
) -> None:
    alpha = Closing("alpha", demos().url)
    kept = built(alpha)
    rig = make_service([kept], me_hint="you")
    rig.service.start()
    rig.run_until(lambda: status(rig.service.state(), "alpha").ok, "alpha's first polls")
    before = status(rig.service.state(), "alpha")
    due = {j: rig.scheduler.get_job(j).next_run_time for j in poll_jobs(rig.scheduler)}

    beta = Closing("beta", demos().url)
    rig.service.reconfigure([kept, built(beta, QUEUE_ONLY)], AlertSettings(), QUIET_POLLS)

    assert poll_jobs(rig.scheduler) == [
        "poll-alpha-queue",
        "poll-alpha-rotation",
        "poll-beta-queue",
    ]
    rig.run_until(
        lambda: any(t.source == "beta" for t in rig.service.state().snapshot.tickets),
        "beta's tickets",
    )
    assert status(rig.service.state(), "beta").ok
    # The unchanged source: same data, same jobs, same connections.
    assert status(rig.service.state(), "alpha") == before
    for job, when in due.items():
        assert rig.scheduler.get_job(job).next_run_time == when, f"{job} was moved"
    assert not alpha.closed


def test_a_removed_source_loses_its_jobs_connections_and_pending_actions(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
    clock: object,  # noqa: F811
) -> None:
    alpha, beta = Closing("alpha", demos().url), Closing("beta", demos().url)
    kept = built(alpha)
    rig = make_service([kept, built(beta, QUEUE_ONLY)], me_hint="you")
    rig.service.start()
    rig.run_until(
        lambda: (
            len(rig.service.state().snapshot.sources) == 2
            and all(s.ok for s in rig.service.state().snapshot.sources)
        ),
        "the first polls",
    )
    late_poll = rig.scheduler.get_job(job_id("beta", "queue"))
    # Recorded, not yet sent (the outbox drains after the next poll or action).
    pending = UserAction("a-beta", ActionKind.ACKNOWLEDGE, "beta", "1002", "you", START)
    rig.store.record(pending)

    rig.service.reconfigure([kept], AlertSettings(), QUIET_POLLS)

    assert beta.closed and not alpha.closed
    assert poll_jobs(rig.scheduler) == ["poll-alpha-queue", "poll-alpha-rotation"]
    state = rig.service.state()
    assert [s.name for s in state.snapshot.sources] == ["alpha"]
    assert all(t.source == "alpha" for t in state.snapshot.tickets)
    entry = rig.store.entry("a-beta")
    assert entry is not None and entry.state is OutboxState.FAILED
    assert entry.last_error == (
        'the source "beta" is no longer in the settings; add it back or dismiss this action'
    )
    assert beta.sent == []
    # A poll of it handed out just before it went does nothing now.
    late_poll.func(*late_poll.args)
    rig.settle()
    assert [s.name for s in rig.service.state().snapshot.sources] == ["alpha"]


def test_a_source_with_a_new_url_is_rebuilt_and_what_the_old_one_fetched_is_dropped(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
    httpserver: HTTPServer,
) -> None:
    release, asked = threading.Event(), threading.Event()

    def hang(request: Request) -> Response:
        asked.set()
        release.wait(DEADLINE)
        return Response('{"tickets": [], "next": null}', 200, content_type="application/json")

    old_server = HTTPServer(host="127.0.0.1")
    old_server.start()
    try:
        old_server.expect_request("/api/v1/people").respond_with_json({"people": []})
        old_server.expect_request("/api/v1/tickets").respond_with_handler(hang)
        desk = DeskApi()
        httpserver.expect_request("/api/v1/people").respond_with_handler(desk.people)
        httpserver.expect_request("/api/v1/tickets").respond_with_handler(desk.tickets)
        old = Closing("desk", old_server.url_for("/api/v1"))
        rig = make_service([built(old, QUEUE_ONLY)], me_hint="you")
        job = rig.scheduler.get_job  # not started: the test runs the old fetch by hand
        assert job(job_id("desk", "queue")) is None
        fetching = threading.Thread(target=rig.service._poller._poll_job, args=("desk", "queue"))
        fetching.start()
        assert asked.wait(DEADLINE), "the old source was not asked"

        new = Closing("desk", httpserver.url_for("/api/v1"))
        rig.service.reconfigure([built(new, QUEUE_ONLY)], AlertSettings(), QUIET_POLLS)
        assert old.closed and not new.closed
        release.set()
        fetching.join(DEADLINE)
        assert not fetching.is_alive()
        rig.settle()
        # The old fetch (ended by the close, or answered empty) is no news of the new one.
        assert status(rig.service.state(), "desk").failures == 0

        rig.service.poll_once(budget=DEADLINE)
        assert [t.key for t in rig.service.state().snapshot.tickets] == ["DESK-1001"]
    finally:
        release.set()
        old_server.clear()
        old_server.stop()


def test_a_started_service_polls_a_rebuilt_source_at_once_on_its_own_jobs(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
    httpserver: HTTPServer,
) -> None:
    desk = DeskApi()
    httpserver.expect_request("/api/v1/people").respond_with_handler(desk.people)
    httpserver.expect_request("/api/v1/tickets").respond_with_handler(desk.tickets)
    old = Closing("desk", demos().url)
    rig = make_service([built(old, QUEUE_ONLY)], me_hint="you")
    rig.service.start()
    rig.run_until(lambda: status(rig.service.state(), "desk").ok, "the first poll")
    assert "DESK-1001" not in [t.key for t in rig.service.state().snapshot.tickets]

    new = Closing("desk", httpserver.url_for("/api/v1"))
    rig.service.reconfigure([built(new, QUEUE_ONLY)], AlertSettings(), QUIET_POLLS)

    assert old.closed
    assert poll_jobs(rig.scheduler) == ["poll-desk-queue"]
    rig.run_until(
        lambda: [t.key for t in rig.service.state().snapshot.tickets] == ["DESK-1001"],
        "the new server's tickets",
    )


def test_new_alert_settings_apply_at_once_and_the_pause_and_snoozes_stay(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
    clock: object,  # noqa: F811
) -> None:
    kept = built(Closing("alpha", demos().url))
    rig = make_service([kept], me_hint="you")
    rig.service.start()
    until = START + timedelta(hours=2)
    rig.service.pause(until)
    published = len(rig.heard.states)

    quiet = QuietHours(datetime(2031, 1, 1, 22).time(), datetime(2031, 1, 1, 7).time())
    rig.service.reconfigure([kept], AlertSettings(quiet_hours=quiet), QUIET_POLLS)

    settings = rig.service.settings
    assert settings.quiet_hours == quiet
    assert settings.paused_until == until, "the pause was lost"
    assert len(rig.heard.states) > published, "the new state was not published"
    assert rig.service.state().settings == settings


def test_a_new_poll_interval_moves_an_unchanged_sources_jobs(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
) -> None:
    kept = built(Closing("alpha", demos().url), QUEUE_ONLY)
    rig = make_service([kept], me_hint="you")
    rig.service.start()

    faster = replace(QUIET_POLLS, queue_seconds=90.0)
    rig.service.reconfigure([kept], AlertSettings(), faster)

    job = rig.scheduler.get_job("poll-alpha-queue")
    assert job.trigger.interval == timedelta(seconds=90)
    rig.run_until(lambda: status(rig.service.state(), "alpha").ok, "the polls")


def test_two_sources_of_one_name_are_refused_and_nothing_changes(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
) -> None:
    kept = built(Closing("alpha", demos().url))
    rig = make_service([kept], me_hint="you")
    twin: BuiltSource = built(Closing("alpha", demos().url))
    try:
        with pytest.raises(ValueError, match="same name"):
            rig.service.reconfigure([kept, twin], AlertSettings(), QUIET_POLLS)
    finally:
        twin.close()
    assert rig.service._poller.source("alpha") is kept
