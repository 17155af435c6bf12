"""The Key cell names the source when tickets from several sources are listed (issue 8)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from tests.ui.conftest import NOW, TICKETS, team_state
from traysupport.core.model import SourceStatus
from traysupport.ui.queue_model import Column, QueueModel

DISPLAY, TIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole
ALPHA = SourceStatus("alpha", ok=True, last_ok_at=NOW, provider="jira")
BETA = SourceStatus("beta", ok=True, last_ok_at=NOW, provider="zendesk")


def _keys(model: QueueModel, role: int = DISPLAY) -> list[object]:
    return [model.data(model.index(r, Column.KEY), role) for r in range(model.rowCount())]


def test_same_key_from_two_sources_reads_differently(qapp: object) -> None:
    one = replace(TICKETS[0], source="alpha")
    other = replace(TICKETS[0], source="beta")
    model = QueueModel()
    model.set_state(team_state(tickets=(one, other), outbox=(), sources=(ALPHA, BETA)), NOW)
    assert sorted(_keys(model)) == [f"alpha:{one.key}", f"beta:{one.key}"]
    tips = sorted(str(t) for t in _keys(model, TIP))
    assert tips == [
        f"{one.key} — From source alpha (jira)",
        f"{one.key} — From source beta (zendesk)",
    ]


def test_one_source_keeps_the_plain_key_and_names_it_in_the_tooltip(qapp: object) -> None:
    tickets = tuple(replace(t, source="alpha") for t in TICKETS)
    model = QueueModel()
    model.set_state(team_state(tickets=tickets, outbox=(), sources=(ALPHA,)), NOW)
    assert sorted(str(k) for k in _keys(model)) == sorted(t.key for t in TICKETS)
    assert {str(t) for t in _keys(model, TIP)} == {
        f"{t.key} — From source alpha (jira)" for t in TICKETS
    }


def test_hostile_source_names_are_cleaned(qapp: object) -> None:
    evil = "al\u202epha\n<b>x</b>"
    one = replace(TICKETS[0], source=evil)
    other = replace(TICKETS[0], source="beta")
    status = SourceStatus(evil, ok=True, last_ok_at=NOW, provider="ji\x07ra")
    model = QueueModel()
    model.set_state(team_state(tickets=(one, other), outbox=(), sources=(status, BETA)), NOW)
    keys = [str(k) for k in _keys(model)]
    assert f"alpha <b>x</b>:{one.key}" in keys
    assert all("\u202e" not in k and "\n" not in k for k in keys)
    assert any("(jira)" in str(t) for t in _keys(model, TIP))
