"""QueueModel: order, countdown texts, colours, ticks, filters and action states."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QTextDocument

from tests.ui.conftest import (
    ACKED_P3,
    BREACHED_P1,
    FAILED_HANDOVER,
    FAILED_P3,
    HTML_TITLE,
    ME,
    NO_SLA_P4,
    NOW,
    OK_P2,
    PENDING_ACK,
    PRIYA,
    TEAM,
    TICKETS,
    TOOL_P3,
    WARNING_P1,
    _ticket,
    action,
    team_state,
)
from traysupport.core.alerts import AlertSettings
from traysupport.core.model import (
    ActionKind,
    Priority,
    Sla,
    SlaKind,
    Snapshot,
    Ticket,
    TicketStatus,
)
from traysupport.core.sla import SlaState, urgency_order
from traysupport.service import ServiceState
from traysupport.store import OutboxEntry, OutboxState
from traysupport.ui.queue_cells import plain_tooltip
from traysupport.ui.queue_model import (
    OUTBOX_ROLE,
    SLA_STATE_ROLE,
    TICKET_ROLE,
    Column,
    QueueFilter,
    QueueModel,
)

DISPLAY = Qt.ItemDataRole.DisplayRole
WARNING_TINT, BREACHED_TINT = "#fff4d6", "#fde4e1"


@pytest.fixture
def model(qapp: object) -> QueueModel:
    made = QueueModel()
    made.set_state(team_state(), NOW)
    return made


def refs(model: QueueModel) -> list[str]:
    return [model.ticket_at(r).ref for r in range(model.rowCount())]


def cell(model: QueueModel, ticket: Ticket, column: Column, role: int = DISPLAY) -> object:
    row = model.row_of(ticket.ref)
    assert row is not None, f"{ticket.key} is not shown"
    return model.data(model.index(row, column), role)


def colour(model: QueueModel, ticket: Ticket, column: Column, role: int) -> str | None:
    brush = cell(model, ticket, column, role)
    return None if brush is None else brush.color().name()  # type: ignore[attr-defined]


# -- order --------------------------------------------------------------------------------


def test_rows_are_ordered_by_sla_time_left_like_urgency_order(model: QueueModel) -> None:
    expected = urgency_order(TICKETS, team_state().settings.sla, NOW)
    assert refs(model) == [t.ref for t in expected]
    # Spelled out, so the test does not only trust urgency_order: breached, then the least
    # time left, then those without a running SLA by priority.
    assert refs(model) == [
        t.ref for t in (BREACHED_P1, WARNING_P1, OK_P2, TOOL_P3, FAILED_P3, ACKED_P3, NO_SLA_P4)
    ]


def test_order_matches_urgency_order_on_a_large_queue_with_ties(qapp: object) -> None:
    rng = random.Random(7)
    tickets = tuple(
        _ticket(
            2000 + i,
            f"ticket {i}",
            rng.choice(list(Priority)),
            timedelta(minutes=rng.choice((0, 30, 30, 90, 600, 3000))),
            assignee=rng.choice((*TEAM, None)),
            status=rng.choice(list(TicketStatus)),
            sla=rng.choice((None, Sla(NOW + timedelta(hours=1), SlaKind.RESOLUTION))),
        )
        for i in range(500)
    )
    model = QueueModel()
    model.set_state(team_state(tickets=tickets, outbox=()), NOW)
    expected = urgency_order(tickets, team_state().settings.sla, NOW)
    assert refs(model) == [t.ref for t in expected]


# -- texts and colours --------------------------------------------------------------------


def test_countdown_texts(model: QueueModel) -> None:
    assert cell(model, BREACHED_P1, Column.SLA) == "breached 33 min ago"
    assert cell(model, WARNING_P1, Column.SLA) == "12 min"
    assert cell(model, OK_P2, Column.SLA) == "2 h 30 min"
    assert cell(model, TOOL_P3, Column.SLA) == "8 h"
    assert cell(model, ACKED_P3, Column.SLA) == "—"  # acknowledged: the response SLA stopped
    assert cell(model, NO_SLA_P4, Column.SLA) == "—"  # P4 has no SLA


def test_other_columns(model: QueueModel) -> None:
    assert cell(model, WARNING_P1, Column.PRIORITY) == "P1"
    assert cell(model, WARNING_P1, Column.KEY) == "DEMO-1003"
    assert cell(model, WARNING_P1, Column.ASSIGNEE) == "You"
    assert cell(model, TOOL_P3, Column.ASSIGNEE) == PRIYA.name
    assert cell(model, BREACHED_P1, Column.ASSIGNEE) == "Unassigned"
    assert cell(model, WARNING_P1, Column.AGE) == "48 min"
    assert cell(model, TOOL_P3, Column.AGE) == "1 d"
    assert cell(model, NO_SLA_P4, Column.AGE) == "2 d"
    assert cell(model, TOOL_P3, Column.STATE) == "In progress"
    assert cell(model, ACKED_P3, Column.STATE) == "Acknowledged"
    assert cell(model, BREACHED_P1, Column.STATE) == "New"


def test_warning_rows_are_amber_and_breached_rows_red(model: QueueModel) -> None:
    background, foreground = Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole
    for column in Column:
        assert colour(model, WARNING_P1, column, background) == WARNING_TINT
        assert colour(model, BREACHED_P1, column, background) == BREACHED_TINT
        assert colour(model, OK_P2, column, background) is None
    assert colour(model, WARNING_P1, Column.SLA, foreground) == "#8a5300"
    assert colour(model, BREACHED_P1, Column.SLA, foreground) == "#b3261e"
    assert cell(model, BREACHED_P1, Column.SLA, Qt.ItemDataRole.FontRole).bold()  # type: ignore[attr-defined]
    assert cell(model, OK_P2, Column.SLA, Qt.ItemDataRole.FontRole) is None
    assert cell(model, WARNING_P1, Column.KEY, SLA_STATE_ROLE) is SlaState.WARNING
    assert cell(model, OK_P2, Column.KEY, SLA_STATE_ROLE) is SlaState.OK


@pytest.mark.parametrize(
    ("offset", "state", "text"),
    [
        (timedelta(minutes=-3, seconds=-1), SlaState.OK, "15 min"),  # 09:56:59
        (timedelta(minutes=-3), SlaState.WARNING, "15 min"),  # 09:57:00, the warning
        (timedelta(minutes=11, seconds=30), SlaState.WARNING, "30 s"),
        (timedelta(minutes=12), SlaState.BREACHED, "breached just now"),  # 10:12:00
        (timedelta(minutes=15), SlaState.BREACHED, "breached 3 min ago"),
    ],
)
def test_warning_and_breach_fall_exactly_on_their_instants(
    qapp: object, offset: timedelta, state: SlaState, text: str
) -> None:
    model = QueueModel()
    model.set_state(team_state(tickets=(WARNING_P1,)), NOW + offset)
    assert cell(model, WARNING_P1, Column.KEY, SLA_STATE_ROLE) is state
    assert cell(model, WARNING_P1, Column.SLA) == text


def test_html_in_a_title_is_kept_as_text(model: QueueModel) -> None:
    assert cell(model, WARNING_P1, Column.TITLE) == HTML_TITLE
    assert cell(model, WARNING_P1, Column.TITLE, Qt.ItemDataRole.ToolTipRole) == HTML_TITLE
    # Qt would render the raw title as bold markup in a tooltip; the view's form reads literally.
    shown = QTextDocument()
    shown.setHtml(plain_tooltip(HTML_TITLE))
    assert shown.toPlainText() == HTML_TITLE
    shown.setHtml(plain_tooltip("line one\nline <two> & three"))
    assert shown.toPlainText() == "line one\nline <two> & three"


def test_objects_behind_a_row(model: QueueModel) -> None:
    assert cell(model, OK_P2, Column.TITLE, TICKET_ROLE) == OK_P2
    assert cell(model, OK_P2, Column.TITLE, OUTBOX_ROLE) == PENDING_ACK
    assert cell(model, BREACHED_P1, Column.TITLE, OUTBOX_ROLE) is None
    assert model.data(QModelIndex(), DISPLAY) is None


# -- action states ------------------------------------------------------------------------


def test_pending_and_failed_actions_show_in_the_state_column(model: QueueModel) -> None:
    assert cell(model, OK_P2, Column.STATE) == "Acknowledging…"
    assert cell(model, FAILED_P3, Column.STATE) == "Failed: conflict: ticket was reassigned — Retry"
    assert colour(model, FAILED_P3, Column.STATE, Qt.ItemDataRole.ForegroundRole) == "#b3261e"
    tip = cell(model, FAILED_P3, Column.STATE, Qt.ItemDataRole.ToolTipRole)
    assert "Retry (Ctrl+R)" in str(tip)


def test_a_pending_hand_over_and_a_failure_beside_a_newer_pending_action(qapp: object) -> None:
    handing = OutboxEntry(
        action(ActionKind.HAND_OVER, BREACHED_P1, to="priya"), OutboxState.PENDING, 0, NOW
    )
    later_ack = OutboxEntry(action(ActionKind.ACKNOWLEDGE, FAILED_P3), OutboxState.PENDING, 0, NOW)
    model = QueueModel()
    model.set_state(team_state(outbox=(handing, FAILED_HANDOVER, later_ack)), NOW)
    assert cell(model, BREACHED_P1, Column.STATE) == "Handing over…"
    # A failure needs the user, so it is what the row shows, whatever came after it.
    assert cell(model, FAILED_P3, Column.STATE, OUTBOX_ROLE) == FAILED_HANDOVER


def test_snoozes_are_not_actions_but_show_until_they_end(qapp: object) -> None:
    snooze = OutboxEntry(
        action(ActionKind.SNOOZE, OK_P2, until=NOW + timedelta(minutes=30)),
        OutboxState.PENDING,
        0,
        NOW,
    )
    state = team_state(outbox=(snooze,))
    settings = replace(state.settings, snoozed=((BREACHED_P1.ref, NOW + timedelta(minutes=30)),))
    model = QueueModel()
    model.set_state(replace(state, settings=settings), NOW)
    assert cell(model, OK_P2, Column.STATE) == "New"
    assert cell(model, BREACHED_P1, Column.STATE) == "Snoozed"
    model.tick(NOW + timedelta(minutes=30))
    assert cell(model, BREACHED_P1, Column.STATE) == "New"


# -- ticking ------------------------------------------------------------------------------


def _record_changes(model: QueueModel) -> list[tuple[int, int, int, int]]:
    seen: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda tl, br, _roles=(): seen.append((tl.row(), br.row(), tl.column(), br.column()))
    )
    return seen


def test_tick_repaints_only_the_time_columns(model: QueueModel) -> None:
    seen = _record_changes(model)
    model.tick(NOW + timedelta(seconds=1))
    model.tick(NOW + timedelta(seconds=61))
    assert seen, "a tick must repaint the countdowns"
    assert {(c1, c2) for _r1, _r2, c1, c2 in seen} == {(Column.AGE, Column.SLA)}
    assert all((r1, r2) == (0, model.rowCount() - 1) for r1, r2, _c1, _c2 in seen)
    assert cell(model, WARNING_P1, Column.SLA) == "10 min"
    assert cell(model, WARNING_P1, Column.AGE) == "49 min"


def test_tick_repaints_the_whole_row_whose_sla_state_changes(model: QueueModel) -> None:
    seen = _record_changes(model)
    row = model.row_of(WARNING_P1.ref)
    model.tick(NOW + timedelta(minutes=12, seconds=5))  # past 10:12, the P1's deadline
    whole_rows = [(r1, r2) for r1, r2, c1, c2 in seen if (c1, c2) == (0, len(Column) - 1)]
    assert whole_rows == [(row, row)]
    assert colour(model, WARNING_P1, Column.KEY, Qt.ItemDataRole.BackgroundRole) == BREACHED_TINT
    seen.clear()
    model.tick(NOW + timedelta(minutes=12, seconds=6))
    assert {(c1, c2) for _r1, _r2, c1, c2 in seen} == {(Column.AGE, Column.SLA)}


def test_tick_backwards_repaints_rows_that_change_back(model: QueueModel) -> None:
    model.tick(NOW + timedelta(minutes=13))
    seen = _record_changes(model)
    model.tick(NOW)
    row = model.row_of(WARNING_P1.ref)
    assert (row, row, 0, len(Column) - 1) in seen
    assert cell(model, WARNING_P1, Column.KEY, SLA_STATE_ROLE) is SlaState.WARNING


# -- filters ------------------------------------------------------------------------------


def test_filters_and_their_counts(model: QueueModel) -> None:
    mine = {WARNING_P1.ref, OK_P2.ref, ACKED_P3.ref, FAILED_P3.ref}
    unassigned = {BREACHED_P1.ref, NO_SLA_P4.ref}
    assert (model.count(QueueFilter.MINE), model.count(QueueFilter.UNASSIGNED)) == (4, 2)
    assert model.count(QueueFilter.ALL) == len(TICKETS)
    model.set_filter(QueueFilter.MINE)
    assert set(refs(model)) == mine
    assert refs(model) == [
        r
        for r in [t.ref for t in urgency_order(TICKETS, team_state().settings.sla, NOW)]
        if r in mine
    ]
    model.set_filter(QueueFilter.UNASSIGNED)
    assert set(refs(model)) == unassigned
    model.set_filter(QueueFilter.ALL)
    assert len(refs(model)) == len(TICKETS)


def test_mine_is_empty_when_i_am_not_known(qapp: object) -> None:
    model = QueueModel()
    model.set_state(team_state(me=None), NOW)
    model.set_filter(QueueFilter.MINE)
    assert model.rowCount() == 0
    assert model.count(QueueFilter.MINE) == 0


def test_set_state_replaces_rows_and_keeps_the_filter(model: QueueModel) -> None:
    model.set_filter(QueueFilter.UNASSIGNED)
    taken = replace(BREACHED_P1, assignee=ME)
    model.set_state(team_state(tickets=(taken, NO_SLA_P4, OK_P2)), NOW)
    assert model.filter is QueueFilter.UNASSIGNED
    assert refs(model) == [NO_SLA_P4.ref]
    assert model.has_ticket(BREACHED_P1.key)
    assert not model.has_ticket("DEMO-9999")


def test_empty_state(qapp: object) -> None:
    model = QueueModel()
    model.set_state(ServiceState(Snapshot(taken_at=NOW), None, (), AlertSettings()), NOW)
    assert model.rowCount() == 0
    model.tick(NOW + timedelta(seconds=1))  # nothing to repaint, and no error
