"""The shared priority-table setting kind: parse, messages, and laying over defaults."""

from __future__ import annotations

import pytest

from traysupport.core.model import Priority
from traysupport.sources.priority_table import PriorityTable
from traysupport.sources.settings import InvalidValueError

DEFAULTS = (("urgent", "P1"), ("low", "P4"))


def test_known_names_only_and_p1_to_p4_values() -> None:
    table = PriorityTable("Zendesk priority", '{ urgent = "P1" }', known=("urgent", "low"))
    assert table.label == "table of Zendesk priority = P1..P4"
    assert table.parse({"low": "P3"}) == (("low", "P3"),)
    with pytest.raises(InvalidValueError) as caught:
        table.parse({"sky": "P1"})
    assert caught.value.problem == "names 'sky', not a Zendesk priority (urgent, low)"
    assert caught.value.fix == 'write it like { urgent = "P1" }'
    with pytest.raises(InvalidValueError) as caught:
        table.parse({"low": "P9"})
    assert caught.value.problem == "maps low to 'P9', not P1..P4"
    with pytest.raises(InvalidValueError, match="not a table"):
        table.parse(["low"])


def test_any_name_but_an_empty_one_when_nothing_is_known() -> None:
    table = PriorityTable("Intercom priority", "{}", known=("x",))
    with pytest.raises(InvalidValueError, match="not an Intercom priority"):
        table.parse({"y": "P1"})
    free = PriorityTable("GitHub label", "{}")
    assert free.parse({"Sev 1": "p1"}) == (("Sev 1", "p1"),)
    with pytest.raises(InvalidValueError, match="empty name"):
        free.parse({" ": "P1"})


def test_mapping_lays_pairs_over_defaults_folding_when_asked() -> None:
    exact = PriorityTable("Sentry priority", "{}", defaults=DEFAULTS)
    assert exact.mapping(()) == {"urgent": Priority.P1, "low": Priority.P4}
    assert exact.mapping((("low", "p2"), ("High", "P1"))) == {
        "urgent": Priority.P1,
        "low": Priority.P2,
        "High": Priority.P1,
    }
    folded = PriorityTable("Jira priority name", "{}", defaults=DEFAULTS, fold=True)
    assert folded.mapping(((" URGENT ", "P3"),)) == {"urgent": Priority.P3, "low": Priority.P4}
    assert PriorityTable("urgency", "{}", label="table of urgency (high, low) = P1..P4").label == (
        "table of urgency (high, low) = P1..P4"
    )
