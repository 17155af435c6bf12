"""Every kind of alert can be summed up in a flood, and ticket news replaces its kin."""

from __future__ import annotations

import pytest

from traysupport.core.model import Alert, AlertKind, Urgency
from traysupport.ui.notify_flood import family, split_flood, summary_text


def _alert(kind: AlertKind, n: int) -> Alert:
    return Alert(f"{kind}|{n}", kind, f"{kind} {n}", "", Urgency.NORMAL, subject=f"demo:{n}")


@pytest.mark.parametrize("kind", list(AlertKind))
def test_a_flood_of_any_kind_is_counted_in_the_summary(kind: AlertKind) -> None:
    alerts = [_alert(kind, n) for n in range(4)]
    _, summed = split_flood(alerts)
    title, body = summary_text(summed or alerts, more=False)
    assert title.endswith("alerts")
    assert body.startswith("4 ") or body.count("\n") >= 1


def test_ticket_changes_belong_to_their_ticket() -> None:
    for kind in (AlertKind.ASSIGNED_TO_ME, AlertKind.PRIORITY_RAISED):
        assert family(_alert(kind, 7)) == "ticket|demo:7"
