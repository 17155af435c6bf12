"""Silence as a third action (issue 11): archived in the ticket's tool until it escalates.

Any queue source with a `silence` method (`sources.base.Silenceable`) can be silenced; the
action goes through the outbox like acknowledge and hand over: recorded before any
network, sent once, retried on a transient failure, and confirmed by the next poll, whose
fetch no longer lists the ticket. A source without the method refuses it with a message.

Real parts, as in tests/test_service_sources.py: a demo team on 127.0.0.1 (the team API),
the SQLite store, APScheduler's BackgroundScheduler and the HomeLoop, a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from tests.clock import FakeClock
from tests.test_service import START, built
from tests.test_service_sources import (  # noqa: F401  (fixtures)
    QUEUE_ONLY,
    MakeService,
    Recording,
    by_ref,
    clock,
    demos,
    make_service,
    status,
)
from traysupport.core.model import ActionKind, Person, Ticket
from traysupport.demo import ME, DemoServer
from traysupport.sources.base import NO_STEPS, Silenceable, Steps, UnavailableError
from traysupport.store import OutboxState, Store


class Silencing(Recording):
    """A team API whose tool can also silence: the silenced tickets leave its fetch.

    The first *failures* silences fail as an outage would; *on_send* runs at the start of
    each (the test looks at the store from there, as the network would see it).
    """

    def __init__(
        self, name: str, url: str, failures: int = 0, on_send: Callable[[str], None] = print
    ) -> None:
        super().__init__(name, url)
        self.failures, self.on_send = failures, on_send
        self.silenced: set[str] = set()

    def fetch_tickets(self) -> list[Ticket]:
        """Unresolved tickets only, as Sentry's `is:unresolved` search answers."""
        return [t for t in super().fetch_tickets() if t.id not in self.silenced]

    def silence(
        self, ticket_id: str, by: Person, idempotency_key: str, *, steps: Steps = NO_STEPS
    ) -> None:
        self.on_send(idempotency_key)
        self.sent.append(("silence", ticket_id, by.id, ""))
        if self.failures > 0:
            self.failures -= 1
            raise UnavailableError(self.name, "the silence did not get through")
        self.silenced.add(ticket_id)


def test_the_protocol_tells_which_sources_can_silence(demos: Callable[..., DemoServer]) -> None:  # noqa: F811
    demo = demos()
    able, plain = Silencing("s", demo.url), Recording("r", demo.url)
    try:
        assert isinstance(able, Silenceable)
        assert not isinstance(plain, Silenceable)
    finally:
        able.close()
        plain.close()


def test_a_silence_is_recorded_before_the_network_sent_once_and_leaves_the_queue(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
    tmp_path: Path,
) -> None:
    seen_by_the_network: list[OutboxState | None] = []

    def look(action_id: str) -> None:
        with Store(tmp_path / "traysupport.sqlite3") as other:
            entry = other.entry(action_id)
            seen_by_the_network.append(None if entry is None else entry.state)

    source = Silencing("sentry", demos().url, on_send=look)
    rig = make_service([built(source, QUEUE_ONLY)], me_hint=ME.id)
    state = rig.service.poll_once()
    assert status(state, "sentry").actions == ("silence",)
    ticket = by_ref(state, "sentry:1002")

    action = rig.service.silence(ticket)
    rig.run_until(lambda: rig.store.open_entries() == [], "the silence to be sent")

    assert action.kind is ActionKind.SILENCE
    assert seen_by_the_network == [OutboxState.SENDING], "sent before it was recorded"
    assert source.sent == [("silence", "1002", ME.id, "")]
    entry = rig.store.entry(action.id)
    assert entry is not None and entry.state is OutboxState.DONE
    after = rig.service.poll_once()
    assert "sentry:1002" not in {t.ref for t in after.snapshot.tickets}
    assert source.sent == [("silence", "1002", ME.id, "")], "sent twice"


def test_a_silence_that_fails_for_a_while_is_retried_until_it_gets_through(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    source = Silencing("sentry", demos().url, failures=1, on_send=lambda _: None)
    rig = make_service([built(source, QUEUE_ONLY)], me_hint=ME.id)
    ticket = by_ref(rig.service.poll_once(), "sentry:1002")

    action = rig.service.silence(ticket)
    rig.run_until(
        lambda: (e := rig.store.entry(action.id)) is not None and e.attempts == 1,
        "the first attempt to fail",
    )
    entry = rig.store.entry(action.id)
    assert entry is not None and entry.state is OutboxState.PENDING
    assert "did not get through" in entry.last_error
    pending = rig.service.state().pending_for(ticket)
    assert [e.action.kind for e in pending] == [ActionKind.SILENCE]

    clock.now = START + timedelta(hours=1)  # the backoff ends
    job = rig.scheduler.get_job(f"retry-{action.id}")
    assert job is not None, "nothing wakes the outbox for the retry"
    job.func(*job.args, **job.kwargs)
    rig.run_until(lambda: rig.store.open_entries() == [], "the retry")

    assert [s[0] for s in source.sent] == ["silence", "silence"]
    assert "sentry:1002" not in {t.ref for t in rig.service.poll_once().snapshot.tickets}


def test_a_source_that_cannot_silence_refuses_it_without_any_network(
    make_service: MakeService,  # noqa: F811
    demos: Callable[..., DemoServer],  # noqa: F811
) -> None:
    source = Recording("desk", demos().url)
    rig = make_service([built(source, QUEUE_ONLY)], me_hint=ME.id)
    state = rig.service.poll_once()
    assert status(state, "desk").actions == ()
    ticket = by_ref(state, "desk:1002")

    action = rig.service.silence(ticket)
    rig.run_until(
        lambda: (e := rig.store.entry(action.id)) is not None and e.state is OutboxState.FAILED,
        "the refusal",
    )

    entry = rig.store.entry(action.id)
    assert entry is not None
    assert 'the source "desk" cannot silence tickets' in entry.last_error
    assert "dismiss this action" in entry.last_error
    assert source.sent == []
    assert "desk:1002" in {t.ref for t in rig.service.poll_once().snapshot.tickets}
