"""Which ticket a command-line argument names: ``KEY``, ``ID`` or ``SOURCE:KEY``.

With several sources two tools may both have ``DEMO-1001``: a bare key that names more
than one ticket is refused with each candidate listed, never guessed, because acting on
the wrong tool's ticket cannot be taken back.

`retry` and `dismiss` name a ticket the same way, among the tickets of failed actions
too (`failed_named`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from traysupport.core.model import Snapshot, SourceStatus, Ticket
from traysupport.store import OutboxEntry, OutboxState


class TicketRefError(Exception):
    """The argument names no ticket, or several; the message says what to type instead."""


def named(snapshot: Snapshot, wanted: str) -> Ticket:
    """The one ticket *wanted* names in *snapshot*, else `TicketRefError`."""
    found = snapshot.matching(wanted)
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(f"{t.source}:{t.key}" for t in found)
        raise TicketRefError(f"{wanted!r} is in several sources; name one of: {names}")
    unreachable = [s for s in snapshot.sources if not s.ok]
    if unreachable:
        raise TicketRefError(f"cannot look up {wanted}: {_why(unreachable)}")
    keys = ", ".join(shown_ref(t, snapshot) for t in snapshot.tickets[:10])
    raise TicketRefError(f"no open ticket {wanted!r} (open: {keys or 'none open'})")


def _why(unreachable: list[SourceStatus]) -> str:
    return "; ".join(s.error or f"{s.name} did not answer" for s in unreachable)


def shown_ref(ticket: Ticket, snapshot: Snapshot) -> str:
    """How to name *ticket* on the command line: its key, with its source when needed."""
    if len(snapshot.matching(ticket.key)) == 1:
        return ticket.key
    return f"{ticket.source}:{ticket.key}"


@dataclass(frozen=True, slots=True)
class FailedActions:
    """The failed actions of the one ticket an argument names, and what to call it."""

    name: str
    """The ticket as the user knows it: its key (with its source when needed), else
    ``SOURCE:ID`` as status's "Not sent:" lists it."""
    entries: tuple[OutboxEntry, ...]
    """Oldest first."""


def failed_named(
    snapshot: Snapshot,
    wanted: str,
    outbox: Sequence[OutboxEntry],
    known_key: Callable[[str], str | None],
) -> FailedActions:
    """The failed actions in *outbox* on the one ticket *wanted* names, else `TicketRefError`.

    *wanted* is read as `named` reads it, against the queue in *snapshot* and against the
    tickets of the failed actions too: a failed action outlives its ticket's place in the
    queue (a closed ticket, a removed source), so ``SOURCE:ID`` names it, and so does its
    key when *known_key* (by ``source:id``) remembers it. Naming two tickets is refused,
    as `named` refuses it: retrying the wrong tool's action cannot be taken back.
    """
    wanted = wanted.strip()
    matching = snapshot.matching(wanted)
    names = {t.ref: shown_ref(t, snapshot) for t in matching}
    qualified = {t.ref: f"{t.source}:{t.key}" for t in matching}  # to tell them apart
    listed = {t.ref: t.key for t in snapshot.tickets}
    failed = [e for e in outbox if e.state is OutboxState.FAILED]
    for entry in failed:
        action = entry.action
        ref = f"{action.source}:{action.ticket_id}"
        key = listed.get(ref) or known_key(ref) or ""
        if ref not in names and _names(wanted, action.source, action.ticket_id, key):
            names[ref] = qualified[ref] = f"{action.source}:{key or action.ticket_id}"
    if len(names) > 1:
        several = ", ".join(sorted(qualified.values()))
        raise TicketRefError(f"{wanted!r} names several tickets; name one of: {several}")
    if not names:
        refs = sorted({f"{e.action.source}:{e.action.ticket_id}" for e in failed})
        raise TicketRefError(
            f"no failed action on {wanted!r} "
            f"({'failed: ' + ', '.join(refs[:10]) if refs else 'no action has failed'})"
        )
    [(ref, name)] = names.items()
    mine = tuple(e for e in failed if f"{e.action.source}:{e.action.ticket_id}" == ref)
    if not mine:
        waiting = [e for e in outbox if f"{e.action.source}:{e.action.ticket_id}" == ref]
        still = f" (its {waiting[-1].action.kind} is still to be sent)" if waiting else ""
        raise TicketRefError(f"{name} has no failed action{still}")
    return FailedActions(name, mine)


def _names(wanted: str, source: str, ticket_id: str, key: str) -> bool:
    """True when *wanted* names this ticket, read as `Snapshot.matching` reads it."""
    own = {ticket_id, key} - {""}
    prefix, colon, rest = wanted.partition(":")
    return wanted in own or bool(colon and prefix == source and rest in own)
