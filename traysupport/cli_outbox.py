"""The commands that act on one ticket through the outbox: ack, handover, retry, dismiss.

Each names its ticket as `cli_tickets` reads it, records actions in the outbox (or makes
failed ones due again, or drops them), and waits for what became of them (`cli_actions`):
exit 0 when the tool confirmed, 1 when it refused, 75 when the action is saved to send
later. `cli` hands these to its parser; the engine and the store load only when one runs.
"""

from __future__ import annotations

import argparse
import threading
from typing import TYPE_CHECKING

from traysupport.cli import (
    ACTION_TIMEOUT_SECONDS,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_QUEUED,
    STATUS_BUDGET_SECONDS,
    CliError,
    Session,
    open_session,
    say,
)
from traysupport.core.model import ActionKind

if TYPE_CHECKING:
    from traysupport.cli_tickets import FailedActions
    from traysupport.core.model import Snapshot, Ticket, UserAction
    from traysupport.service import ServiceState

VERBS = {
    ActionKind.ACKNOWLEDGE: "acknowledge",
    ActionKind.HAND_OVER: "hand over",
    ActionKind.SNOOZE: "snooze",
    ActionKind.SILENCE: "silence",
}
"""How each kind of action is said in a sentence."""


def cmd_ack(args: argparse.Namespace) -> int:
    """Acknowledge one ticket, through the outbox."""
    with open_session(args) as session:
        ticket = find_ticket(session, args.ticket)
        action = session.engine.service.acknowledge(ticket)
        return await_reported(session, action, f"Acknowledged {ticket.key}")


def cmd_handover(args: argparse.Namespace) -> int:
    """Hand one ticket over to a teammate with a note, through the outbox."""
    with open_session(args) as session:
        ticket = find_ticket(session, args.ticket)
        state = session.engine.service.state()
        person = state.snapshot.person(args.to)
        if person is None:
            names = ", ".join(p.id for p in state.snapshot.people)
            raise CliError(f"nobody called {args.to!r} on the team (try one of: {names})")
        from traysupport.core.handover import handover_note  # noqa: PLC0415

        if state.me is None:
            raise CliError("who you are on the team is not known; set `me` in the config")
        # The same text the handover dialog previews and writes: who, to whom, when, note.
        note = handover_note(
            state.me, person, args.note or "", session.clock(), session.engine.config.ui.tz
        )
        action = session.engine.service.hand_over(ticket, person, note)
        return await_reported(session, action, f"Handed {ticket.key} over to {person.name}")


def cmd_silence(args: argparse.Namespace) -> int:
    """Silence one ticket in its tool until it escalates, through the outbox; a source
    that cannot silence refuses it (exit 1), with what to do instead."""
    with open_session(args) as session:
        ticket = find_ticket(session, args.ticket)
        action = session.engine.service.silence(ticket)
        return await_reported(session, action, f"Silenced {ticket.key}")


def cmd_retry(args: argparse.Namespace) -> int:
    """Send a ticket's failed actions again, oldest first, and report each outcome."""
    from traysupport.store import StoreError  # noqa: PLC0415

    with open_session(args) as session:
        service = session.engine.service
        state = service.show_saved()
        if state.me is None:  # who I am is in the writes (PagerDuty's From, for one)
            state = service.poll_once(budget=STATUS_BUDGET_SECONDS)
        failed = _failed_on(session, state, args.ticket)
        codes = []
        for entry in failed.entries:
            try:
                service.retry(entry.id)
            except (KeyError, StoreError):
                codes.append(_changed_meanwhile(entry.action, failed.name))
                continue
            done = _done_text(entry.action, failed.name, state.snapshot)
            try:
                codes.append(await_reported(session, entry.action, done))
            except CliError as refused:  # said, and the ticket's other actions still go
                say(f"traysupport: {refused}", error=True)
                codes.append(refused.code)
    # The worst outcome decides: a refusal needs the user, a saved action only time.
    return EXIT_FAILED if EXIT_FAILED in codes else max(codes, default=EXIT_OK)


def cmd_dismiss(args: argparse.Namespace) -> int:
    """Drop a ticket's failed actions without sending them; say what was dropped."""
    from traysupport.store import StoreError  # noqa: PLC0415

    with open_session(args) as session:
        service = session.engine.service
        failed = _failed_on(session, service.show_saved(), args.ticket)
        code = EXIT_OK
        for entry in failed.entries:
            action = entry.action
            try:
                service.dismiss(entry.id)
            except (KeyError, StoreError):
                code = _changed_meanwhile(action, failed.name)
                continue
            why = " ".join(entry.last_error.split()) or "refused"
            say(f"Dismissed {VERBS[action.kind]} {failed.name} — {why}")
    return code


def _failed_on(session: Session, state: ServiceState, wanted: str) -> FailedActions:
    """The failed actions of the ticket *wanted* names, from the saved data and the outbox
    (no network: the ticket may have left the queue, or its source the settings)."""
    from traysupport.cli_tickets import TicketRefError, failed_named  # noqa: PLC0415

    store = session.engine.store

    def known_key(ref: str) -> str | None:
        record = store.history(ref)
        return None if record is None else record.key

    try:
        return failed_named(state.snapshot, wanted, state.outbox, known_key)
    except TicketRefError as error:
        raise CliError(str(error)) from error


def _changed_meanwhile(action: UserAction, name: str) -> int:
    """Another traysupport process retried or dropped the action first: say so."""
    say(
        f"traysupport: the {VERBS[action.kind]} of {name} is no longer "
        "failed (another traysupport process acted on it); see `traysupport status`",
        error=True,
    )
    return EXIT_FAILED


def _done_text(action: UserAction, name: str, snapshot: Snapshot) -> str:
    """What to print once the tool confirmed *action*, as `ack` and `handover` say it."""
    if action.kind is ActionKind.HAND_OVER:
        person = snapshot.person(action.to)
        return f"Handed {name} over to {person.name if person else action.to}"
    if action.kind is ActionKind.ACKNOWLEDGE:
        return f"Acknowledged {name}"
    if action.kind is ActionKind.SILENCE:
        return f"Silenced {name}"
    return f"Done: {VERBS[action.kind]} {name}"


def find_ticket(session: Session, wanted: str) -> Ticket:
    """The ticket to act on (see `cli_tickets`): from the saved data when it names one
    (so the action is recorded before any network), else after one poll within the
    status budget."""
    from traysupport.cli_tickets import TicketRefError, named  # noqa: PLC0415

    service = session.engine.service
    state = service.show_saved()
    if len(state.snapshot.matching(wanted)) != 1 or state.me is None:
        state = service.poll_once(budget=STATUS_BUDGET_SECONDS)
    try:
        return named(state.snapshot, wanted)
    except TicketRefError as error:
        raise CliError(str(error)) from error


def await_reported(session: Session, action: UserAction, success: str) -> int:
    """Wait for the recorded action's outcome (see `cli_actions`) and report it.

    Confirmed: *success*, exit 0; refused: `CliError` with the tool's reason (exit 1);
    saved but not confirmed within the budget: EXIT_QUEUED, saying who sends it.
    """
    from traysupport.cli_actions import Outcome, await_action  # noqa: PLC0415

    changed = threading.Event()  # this process's own send came back: look at once
    session.listener.on_change = lambda _state: changed.set()
    result = await_action(session.engine, session.loop, changed, action.id, ACTION_TIMEOUT_SECONDS)
    if result.outcome is Outcome.REFUSED:
        raise CliError(f"not done: {result.detail}")
    if result.outcome is Outcome.CONFIRMED:
        say(success)
        return EXIT_OK
    say(result.detail)
    return EXIT_QUEUED
