"""The runtime: polls the sources, evaluates alerts, drains the outbox, reports to a listener.

Threading model. Everything that touches the store or the service's state runs on one
*home* thread, a `HomeLoop`'s: the CLI's main thread, or the tray app's own home thread
(`traysupport.home`), never its GUI thread. Network calls run as APScheduler jobs on
worker threads and hand their results back through the injected `call_soon`, which
queues a callback on the home thread. The service imports no Qt.

The parts, one job each, behind the `SupportService` façade the UI and the CLI talk to:
`polling` (each source's parts, their last good data), with `polljobs` (one scheduler
job per source and role, each with its own interval and backoff), `fetching` (the
network side, on worker threads), `merge` and `people` (every source's data as one
team, one rotation, one queue) and `parts` (what is kept per source and role);
`evaluation` (alerts, fired keys, the wake-up timer), `outbox` (sending the user's
actions, each to its ticket's own source), `holds` (pause and snoozes), `homeloop` (the
headless home thread) and `model` (what they share).
"""

from traysupport.service.facade import SupportService
from traysupport.service.homeloop import HomeLoop
from traysupport.service.model import (
    DONE_ACTIONS_KEPT,
    FIRED_KEYS_KEPT,
    SHIFT_WINDOW_AHEAD,
    SHIFT_WINDOW_BEHIND,
    TRANSIENT_ERRORS,
    ActionError,
    CallSoon,
    Clock,
    PollSettings,
    Scheduler,
    ServiceListener,
    ServiceState,
    new_action,
    utc_now,
)

__all__ = [
    "DONE_ACTIONS_KEPT",
    "FIRED_KEYS_KEPT",
    "SHIFT_WINDOW_AHEAD",
    "SHIFT_WINDOW_BEHIND",
    "TRANSIENT_ERRORS",
    "ActionError",
    "CallSoon",
    "Clock",
    "HomeLoop",
    "PollSettings",
    "Scheduler",
    "ServiceListener",
    "ServiceState",
    "SupportService",
    "new_action",
    "utc_now",
]
