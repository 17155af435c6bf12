"""`status` text: an older failure a later confirmed action of the same kind on the same
ticket made moot no longer marks the ticket's row, but is still listed under "Not sent:";
and the key column is as wide as the longest key shown, so long keys keep rows in line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ME = Person("sam@example.com", "Sam Rivera", "sam@example.com")
REFUSAL = "RT refused: That user may not own tickets in that queue"


def _ticket(ticket_id: str, source: str = "rt", key: str = "") -> Ticket:
    created = NOW - timedelta(minutes=30)
    return Ticket(
        ticket_id, key or ticket_id, "VPN down", Priority.P2, TicketStatus.NEW, created, source
    )


def _entry(
    action_id: str,
    state: OutboxState,
    kind: ActionKind = ActionKind.HAND_OVER,
    minutes: int = 0,
    error: str = "",
) -> OutboxEntry:
    action = UserAction(
        action_id,
        kind,
        "rt",
        "7",
        ME.id,
        NOW - timedelta(minutes=60 - minutes),
        to="dana@example.com" if kind is ActionKind.HAND_OVER else "",
    )
    return OutboxEntry(action, state, 1, NOW, error)


def _text(open_entries: tuple[OutboxEntry, ...], confirmed: tuple[OutboxEntry, ...]) -> str:
    sources = (SourceStatus("rt", ok=True, last_ok_at=NOW),)
    snapshot = Snapshot(NOW, tickets=(_ticket("7"),), sources=sources)
    state = ServiceState(snapshot, ME, open_entries, AlertSettings())
    return status_text(state, NOW, UTC, demo=False, confirmed=confirmed)


def _row(text: str) -> str:
    [row] = [line for line in text.splitlines() if line.startswith("  P2  7 ")]
    return row


FAILED = _entry("old", OutboxState.FAILED, minutes=0, error=REFUSAL)


def test_a_failure_a_later_confirmed_action_of_its_kind_superseded_leaves_the_row() -> None:
    text = _text((FAILED,), (_entry("new", OutboxState.DONE, minutes=10),))

    assert "[failed" not in _row(text) and "[pending]" not in _row(text)
    lines = text.splitlines()
    listed = lines[lines.index("Not sent:") + 1]
    assert listed.startswith(f"  hand_over rt:7 — {REFUSAL}"), listed
    assert "a later hand_over was confirmed" in listed


def test_a_failure_stays_on_the_row_without_a_later_confirmation_of_its_kind() -> None:
    earlier = _entry("before", OutboxState.DONE, minutes=-10)
    other_kind = _entry("ack", OutboxState.DONE, ActionKind.ACKNOWLEDGE, minutes=10)
    for confirmed in ((), (earlier,), (other_kind,)):
        text = _text((FAILED,), confirmed)
        assert f"[failed: {REFUSAL}]" in _row(text), confirmed
        assert "Not sent:" not in text


def test_a_later_action_still_pending_keeps_the_failure_on_the_row() -> None:
    pending = _entry("new", OutboxState.PENDING, minutes=10)
    assert f"[failed: {REFUSAL}]" in _row(_text((FAILED, pending), ()))


def test_long_keys_widen_the_key_column_and_rows_stay_in_line() -> None:
    tickets = (_ticket("35436", "zendesk"), _ticket("7", "rt"))
    sources = (SourceStatus("rt", ok=True), SourceStatus("zendesk", ok=True))
    state = ServiceState(Snapshot(NOW, tickets=tickets, sources=sources), ME, (), AlertSettings())
    rows = [r for r in status_text(state, NOW, UTC, demo=False).splitlines() if "SLA in" in r]
    assert len(rows) == 2
    # The SLA text starts in the same column on both rows: the key column fits the key.
    assert len({r.index("SLA in") for r in rows}) == 1, rows
    assert any("zendesk:35436 SLA in" in r for r in rows), rows


def test_a_very_long_key_is_clipped_to_the_bounded_column() -> None:
    tickets = (_ticket("7"), _ticket("1", key="x" * 60))
    sources = (SourceStatus("rt", ok=True),)
    state = ServiceState(Snapshot(NOW, tickets=tickets, sources=sources), ME, (), AlertSettings())
    rows = [r for r in status_text(state, NOW, UTC, demo=False).splitlines() if "SLA in" in r]
    [long_row] = [r for r in rows if "xxx" in r]
    assert "x" * 30 not in long_row and "x" * 29 + "… SLA in" in long_row, long_row
    assert len({r.index("SLA in") for r in rows}) == 1, rows
