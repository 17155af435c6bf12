"""Silence (issue 11) in what is saved and what is shown: the action and the source's
"can silence" survive the store's JSON (and what older versions saved still reads); a
pending silence shows as pending in `status`, and changes nothing else about the ticket
until its tool confirms."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from traysupport import codec
from traysupport.core.alerts import AlertSettings
from traysupport.core.model import (
    ActionKind,
    Person,
    Priority,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    UserAction,
)
from traysupport.report import status_text
from traysupport.service import ServiceState
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.presenter import tray_view

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ME = Person("sam", "Sam Rivera", "sam@example.com")
SENTRY = SourceStatus("sentry", ok=True, last_ok_at=NOW, provider="sentry", actions=("silence",))


def _ticket() -> Ticket:
    created = NOW - timedelta(minutes=30)
    return Ticket(
        "4711", "API-1K", "KeyError in checkout", Priority.P2, TicketStatus.NEW, created,
        "sentry", assignee=ME,
    )  # fmt: skip


def _silence() -> UserAction:
    return UserAction("s1", ActionKind.SILENCE, "sentry", "4711", ME.id, NOW)


def test_a_silence_and_a_source_that_can_silence_round_trip_through_the_codec() -> None:
    action = _silence()
    assert codec.decode_action(codec.loads(codec.dumps(codec.encode_action(action)))) == action
    snapshot = Snapshot(NOW, tickets=(_ticket(),), sources=(SENTRY,))
    again = codec.decode_snapshot(codec.loads(codec.dumps(codec.encode_snapshot(snapshot))))
    assert again.sources[0].actions == ("silence",)


def test_what_older_versions_saved_still_reads() -> None:
    old_action = codec.encode_action(replace(_silence(), kind=ActionKind.ACKNOWLEDGE))
    assert codec.decode_action(old_action).kind is ActionKind.ACKNOWLEDGE
    saved = codec.encode_snapshot(Snapshot(NOW, sources=(SENTRY,)))
    del saved["sources"][0]["actions"]  # before sources said which extra actions they take
    assert codec.decode_snapshot(saved).sources[0].actions == ()


def _state(*outbox: OutboxEntry) -> ServiceState:
    snapshot = Snapshot(NOW, people=(ME,), tickets=(_ticket(),), sources=(SENTRY,))
    return ServiceState(snapshot, ME, outbox, AlertSettings())


def test_a_pending_silence_shows_as_pending_in_status() -> None:
    entry = OutboxEntry(_silence(), OutboxState.PENDING, 0, NOW)
    [row] = [
        line
        for line in status_text(_state(entry), NOW, UTC, demo=False).splitlines()
        if "API-1K" in line
    ]
    assert row.endswith("[pending silence]")


def test_a_pending_silence_leaves_the_tickets_assignee_alone_in_the_tray() -> None:
    entry = OutboxEntry(_silence(), OutboxState.SENDING, 0, NOW)
    # Before, a pending silence was taken for a hand over to nobody: my ticket left my count.
    assert tray_view(_state(entry), NOW, UTC) == tray_view(_state(), NOW, UTC)
