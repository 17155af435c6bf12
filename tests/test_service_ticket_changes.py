"""Ticket-change alerts through the running service: real demo team, real store.

The same rig as tests/test_service.py (its fixtures): a teammate reassigning a ticket to
me is told once; my own acknowledge, which makes the ticket mine, is not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tests.test_service import (  # noqa: F401 - pytest fixtures, used by name
    FakeClock,
    MakeRig,
    clock,
    demo,
    make_rig,
    open_store,
    store_path,
    ticket,
)
from traysupport.core.model import AlertKind
from traysupport.demo import DemoServer
from traysupport.store import Store


def test_a_teammates_reassignment_to_me_is_told_once_and_my_acknowledge_never(
    make_rig: MakeRig,  # noqa: F811
    open_store: Callable[[], Store],  # noqa: F811
    demo: DemoServer,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    store = open_store()
    rig = make_rig(store)
    first = rig.service.poll_once()
    assert ticket(first, "DEMO-1001").assignee is not None  # Jonas works on it
    assert rig.heard.of_kind(AlertKind.ASSIGNED_TO_ME) == []

    clock.now += timedelta(seconds=5)
    demo.team.hand_over("1001", "you", "all yours", by="jonas")
    rig.service.poll_once()
    rig.service.poll_once()

    told = rig.heard.of_kind(AlertKind.ASSIGNED_TO_ME)
    assert [(a.subject, a.title) for a in told] == [("demo:1001", "P3 DEMO-1001 assigned to you")]
    assert "Was Jonas Becker's." in told[0].body
    assert told[0].key in store.fired_keys()

    # I take the unassigned P4 myself: the tool makes it mine, which is no news to me.
    clock.now += timedelta(seconds=5)
    rig.service.acknowledge(ticket(rig.service.state(), "DEMO-1002"))
    rig.run_until(
        lambda: ticket(rig.service.state(), "DEMO-1002").acknowledged, "the confirming poll"
    )
    rig.service.poll_once()
    assert [a.subject for a in rig.heard.of_kind(AlertKind.ASSIGNED_TO_ME)] == ["demo:1001"]
