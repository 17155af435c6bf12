"""The on/off settings of the ticket-change alerts reach the alert rules."""

from __future__ import annotations

from traysupport.config_schema import SETTINGS, Config, build
from traysupport.runtime import alert_settings


def test_assigned_to_me_and_priority_raised_are_on_by_default_and_can_be_turned_off() -> None:
    on = alert_settings(Config())
    assert (on.assigned_to_me, on.priority_raised) == (True, True)

    off = alert_settings(build({"alerts.assigned_to_me": False, "alerts.priority_raised": False}))

    assert (off.assigned_to_me, off.priority_raised) == (False, False)
    assert SETTINGS["alerts.assigned_to_me"].section == "alerts"
