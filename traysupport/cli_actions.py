"""What became of an action `ack` or `handover` recorded: confirmed, refused, or saved for
later, and then who sends it.

The entry is read from the store again as the home loop runs: another traysupport
process on this home may hold the action's lease and send it, and then only the store
tells how that went. `cli` turns the outcome into what it prints and its exit code.

`cli` imports this module only once an action is recorded, so the store it imports stays
out of every other command's start-up, the tray app's icon included.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from traysupport.store import OutboxEntry, OutboxState, Store, holder

if TYPE_CHECKING:
    from traysupport import runtime
    from traysupport.service import HomeLoop

REREAD_SECONDS = 0.2
"""How often `await_action` reads the store for what another process did."""


class Outcome(Enum):
    """Where an action stands when the command stops waiting for it."""

    CONFIRMED = "confirmed"
    """The tool confirmed it."""
    REFUSED = "refused"
    """The tool refused it, or the user dismissed it: it will not be done."""
    SAVED = "saved"
    """Not confirmed within the budget: saved in the outbox, to be sent later."""


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """An `Outcome`, and what to tell the user about it."""

    outcome: Outcome
    detail: str = ""
    """Refused: why. Saved: why it is not confirmed yet, and who will send it."""


def await_action(
    engine: runtime.Engine,
    loop: HomeLoop,
    changed: threading.Event,
    action_id: str,
    budget: float,
) -> ActionOutcome:
    """Run the home loop until the action is confirmed, refused, or left to send later.

    *changed* is set when this process's own send came back, to look at once; otherwise
    the store is read again every `REREAD_SECONDS`, for at most *budget* seconds.
    """
    store = engine.store
    deadline = time.monotonic() + budget
    entry = store.entry(action_id)
    while _in_flight(store, entry) and (left := deadline - time.monotonic()) > 0:
        changed.clear()
        loop.run(until=changed, timeout=min(left, REREAD_SECONDS))
        entry = store.entry(action_id)
    if entry is not None and entry.state is OutboxState.DONE:
        return ActionOutcome(Outcome.CONFIRMED)
    if entry is None:
        return ActionOutcome(
            Outcome.REFUSED, "the action was dismissed before the tool confirmed it"
        )
    if entry.state is OutboxState.FAILED:
        return ActionOutcome(Outcome.REFUSED, entry.last_error)
    return ActionOutcome(Outcome.SAVED, _not_confirmed_yet(engine, entry, budget))


def _in_flight(store: Store, entry: OutboxEntry | None) -> bool:
    """True while an answer may still come: not tried yet, or being sent by a live process."""
    if entry is None:
        return False
    if entry.state is OutboxState.PENDING:
        return entry.attempts == 0
    if entry.state is OutboxState.SENDING:
        return store.holds(entry) or not holder.gone(entry.owner)
    return False


def _not_confirmed_yet(engine: runtime.Engine, entry: OutboxEntry, budget: float) -> str:
    """Why the action is not confirmed yet, that it is saved, and who will send it."""
    sender = holder.describe(entry.owner)
    after = ""
    if entry.state is OutboxState.PENDING:
        why = entry.last_error or "not sent yet"
        after = f" after {entry.next_attempt_at.astimezone().strftime('%H:%M')}"
    elif engine.store.holds(entry):
        why = f"no answer within {budget:g} s"
    elif holder.gone(entry.owner):
        why = f"{sender} stopped while sending it"
    else:
        return (
            f"Not confirmed yet: {sender} is sending it now. "
            "The action is saved, and that process records the tool's answer."
        )
    return f"Not confirmed yet ({why}). The action is saved: {_later_sender(engine, after)}."


def _later_sender(engine: runtime.Engine, after: str) -> str:
    """Who sends a saved action again: a running tray app or `watch`, else the next one.

    A tray app or `watch` on this home holds its notifications lock and drains the
    outbox after every poll; a pid left in the lock file by a dead one does not count.
    """
    running = engine.notifications.holder()
    if running is not None and running != os.getpid() and holder.pid_alive(running):
        return f"traysupport (pid {running}) is running and sends it{after}"
    return (
        f"the tray app or `traysupport watch` sends it{after} once one runs "
        "(so does the next ack or handover)"
    )
