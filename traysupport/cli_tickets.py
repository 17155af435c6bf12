"""Which ticket a command-line argument names: ``KEY``, ``ID`` or ``SOURCE:KEY``.

With several sources two tools may both have ``DEMO-1001``: a bare key that names more
than one ticket is refused with each candidate listed, never guessed, because acting on
the wrong tool's ticket cannot be taken back.
"""

from __future__ import annotations

from traysupport.core.model import Snapshot, SourceStatus, Ticket


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
