"""What `traysupport status` says beside a queued ticket: an action refused for good is a
failure with the tool's words, not "[pending]"; a paused SLA is paused, not "no SLA"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from traysupport.core.alerts import AlertSettings
from traysupport.core.model import (
    ActionKind,
    Person,
    Priority,
    Sla,
    Snapshot,
    SourceStatus,
    Ticket,
    TicketStatus,
    UserAction,
)
from traysupport.report import status_dict, status_text
from traysupport.service import ServiceState
from traysupport.store import OutboxEntry, OutboxState

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ME = Person("sam@example.com", "Sam Rivera", "sam@example.com")
REFUSAL = (
    "RT refused to make dana@example.com the owner of ticket 7: "
    "Ticket 7: That user may not own tickets in that queue"
)


def _ticket(number: str, sla: Sla | None = None) -> Ticket:
    created = NOW - timedelta(minutes=30)
    return Ticket(number, number, "VPN down", Priority.P2, TicketStatus.NEW, created, "rt", sla=sla)


def _entry(state: OutboxState, error: str = "") -> OutboxEntry:
    action = UserAction("h1", ActionKind.HAND_OVER, "rt", "7", ME.id, NOW, to="dana@example.com")
    return OutboxEntry(action, state, 1, NOW, error)


def _state(ticket: Ticket, *outbox: OutboxEntry) -> ServiceState:
    sources = (SourceStatus("rt", ok=True, last_ok_at=NOW),)
    return ServiceState(
        Snapshot(NOW, tickets=(ticket,), sources=sources), ME, outbox, AlertSettings()
    )


def _row(state: ServiceState) -> str:
    [row] = [
        line for line in status_text(state, NOW, UTC, demo=False).splitlines() if " 7 " in line
    ]
    return row


def test_a_refused_action_on_a_listed_ticket_shows_as_failed_with_the_tools_words() -> None:
    row = _row(_state(_ticket("7"), _entry(OutboxState.FAILED, REFUSAL)))
    assert "[pending]" not in row
    assert "[failed: RT refused to make dana@example.com the owner" in row
    assert "may not own tickets in that queue]" in row


def test_an_action_still_to_send_is_pending() -> None:
    for waiting in (OutboxState.PENDING, OutboxState.SENDING):
        row = _row(_state(_ticket("7"), _entry(waiting, "502 bad gateway")))
        assert row.endswith("[pending]"), row


def test_a_paused_sla_is_shown_paused_in_text_and_json() -> None:
    state = _state(_ticket("7", Sla(due_at=None, paused=True)))
    assert "SLA paused" in _row(state)
    [ticket] = status_dict(state, NOW, demo=False)["tickets"]
    assert (ticket["sla_state"], ticket["sla_due"]) == ("paused", None)


def test_no_sla_is_still_none() -> None:
    state = _state(replace_priority(_ticket("7"), Priority.P4))
    assert "no SLA" in _row(state)
    [ticket] = status_dict(state, NOW, demo=False)["tickets"]
    assert (ticket["sla_state"], ticket["sla_due"]) == ("none", None)


def replace_priority(ticket: Ticket, priority: Priority) -> Ticket:
    """*ticket* at *priority* (P4 has no SLA target by default)."""
    return Ticket(
        ticket.id, ticket.key, ticket.title, priority, ticket.status, ticket.created_at, "rt"
    )


def test_an_exempt_item_reads_no_sla_not_paused() -> None:
    state = _state(_ticket("7", Sla(due_at=None, exempt=True)))
    assert "no SLA" in _row(state) and "paused" not in _row(state)
    [ticket] = status_dict(state, NOW, demo=False)["tickets"]
    assert (ticket["sla_state"], ticket["sla_due"]) == ("none", None)
