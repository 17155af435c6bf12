"""The demo team's response deadline ends at acknowledgement, as a ticket tool's does.

The app keeps a tool's deadline running after acknowledgement (core/sla.py rule 5): the
tool is authoritative. So the demo, playing a tool, stops giving the response deadline
once the ticket is acknowledged, or acknowledging the demo P1 would still warn.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.clock import FakeClock
from traysupport.demo import DemoTeam

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_acknowledging_the_demo_p1_meets_its_response_deadline() -> None:
    clock = FakeClock(START + timedelta(seconds=45))
    team = DemoTeam(START, clock=clock)
    [p1] = [t for t in team.tickets()["tickets"] if t["priority"] == "P1"]
    assert p1["sla"]["kind"] == "response"
    acknowledged = team.acknowledge(p1["id"])
    assert acknowledged["sla"] is None
    assert team.ticket(p1["id"])["sla"] is None
