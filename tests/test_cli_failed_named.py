"""`cli_tickets.failed_named`: which ticket's failed actions `retry` and `dismiss` mean."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from traysupport.cli_tickets import TicketRefError, failed_named
from traysupport.core.model import (
    ActionKind,
    Priority,
    Snapshot,
    Ticket,
    TicketStatus,
    UserAction,
)
from traysupport.store import OutboxEntry, OutboxState

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _entry(source: str, ticket_id: str, state: OutboxState = OutboxState.FAILED) -> OutboxEntry:
    action = UserAction(
        f"{source}-{ticket_id}", ActionKind.ACKNOWLEDGE, source, ticket_id, "me", NOW
    )
    return OutboxEntry(action, state, 1, NOW, "refused")


def _ticket(source: str, ticket_id: str, key: str) -> Ticket:
    return Ticket(ticket_id, key, "t", Priority.P2, TicketStatus.NEW, NOW, source)


HISTORY = {"zendesk:900": "35436"}


def test_a_ticket_that_left_the_queue_is_named_by_source_and_id_or_its_remembered_key() -> None:
    outbox = (_entry("zendesk", "900"),)
    for wanted in ("zendesk:900", "900", "35436", "zendesk:35436"):
        found = failed_named(Snapshot(NOW), wanted, outbox, HISTORY.get)
        assert found.name == "zendesk:35436" and found.entries == outbox, wanted


def test_a_bare_key_naming_tickets_in_two_sources_is_refused_listing_both() -> None:
    snapshot = Snapshot(NOW, tickets=(_ticket("rt", "7", "7"),))
    outbox = (_entry("zendesk", "7"),)  # the rt ticket has no failure; still, "7" is ambiguous
    with pytest.raises(TicketRefError, match="several tickets; name one of: rt:7, zendesk:7"):
        failed_named(snapshot, "7", outbox, HISTORY.get)
    assert failed_named(snapshot, "zendesk:7", outbox, HISTORY.get).entries == outbox


def test_a_ticket_whose_action_is_still_to_send_has_no_failed_action() -> None:
    snapshot = Snapshot(NOW, tickets=(_ticket("rt", "7", "RT-7"),))
    with pytest.raises(TicketRefError, match=r"RT-7 has no failed action \(its acknowledge"):
        failed_named(snapshot, "RT-7", (_entry("rt", "7", OutboxState.PENDING),), HISTORY.get)
