"""Which alerts of one call show on their own and which are summed up, and in what words.

Pure functions over alerts (no Qt, no backends), used by `notify.Notifier`:

- `family` says what an alert is about (its ticket, its source, or "duty"), so a later
  alert about the same thing replaces the earlier notification.
- `split_flood` keeps one alert per family (the most urgent, and of those the last) and,
  past `FLOOD_AFTER` of them, keeps only `CRITICAL_KEPT` critical ones on their own; a
  backend that shows one message at a time gets a summary for more than one.
- `summary_text` and `most_urgent` make the summary note's text and urgency.
"""

from __future__ import annotations

from collections.abc import Sequence

from traysupport.core.model import Alert, AlertKind, Urgency
from traysupport.ui.notify_types import BODY_LINES

FLOOD_AFTER = 3
"""More alerts than this in one call are summed up."""
CRITICAL_KEPT = 2
"""Critical alerts still shown on their own in a flood."""

_URGENCY_RANK = {Urgency.CRITICAL: 0, Urgency.NORMAL: 1, Urgency.LOW: 2}
_TICKET_KINDS = frozenset(
    {
        AlertKind.NEW_TICKET,
        AlertKind.SLA_WARNING,
        AlertKind.SLA_BREACHED,
        AlertKind.ASSIGNED_TO_ME,
        AlertKind.PRIORITY_RAISED,
    }
)
_DUTY_KINDS = frozenset({AlertKind.DUTY_SOON, AlertKind.DUTY_STARTED, AlertKind.DUTY_ENDING})
_SOURCE_KINDS = frozenset({AlertKind.SOURCE_DOWN, AlertKind.SOURCE_RECOVERED})
_PLURALS = {
    AlertKind.NEW_TICKET: "new tickets",
    AlertKind.SLA_WARNING: "SLAs due soon",
    AlertKind.SLA_BREACHED: "SLAs breached",
    AlertKind.ASSIGNED_TO_ME: "tickets assigned to you",
    AlertKind.PRIORITY_RAISED: "tickets raised in priority",
    AlertKind.DUTY_SOON: "duty reminders",
    AlertKind.DUTY_STARTED: "shifts started",
    AlertKind.DUTY_ENDING: "shifts ending",
    AlertKind.SHIFT_CHANGED: "rotation changes",
    AlertKind.SOURCE_DOWN: "sources down",
    AlertKind.SOURCE_RECOVERED: "sources back",
    AlertKind.REVIEW: "review reminders",
}
_TITLES_PER_KIND = 2
"""A summary names this many alerts of a kind by their titles; more are counted."""


def family(alert: Alert) -> str:
    """What an alert is about, for replacement: its ticket, its source, or "duty"."""
    if alert.kind in _TICKET_KINDS:
        return f"ticket|{alert.subject}"
    if alert.kind in _SOURCE_KINDS:
        return f"source|{alert.subject}"
    if alert.kind in _DUTY_KINDS:
        return "duty"
    return alert.key  # each rotation change stands on its own


def split_flood(
    alerts: Sequence[Alert], one_at_a_time: bool = False
) -> tuple[list[Alert], list[Alert]]:
    """(alerts shown on their own, alerts summed up) for one call; see the module."""
    best: dict[str, tuple[int, int]] = {}  # family -> (urgency rank, position)
    for position, alert in enumerate(alerts):
        rank = _URGENCY_RANK[alert.urgency]
        if family(alert) not in best or rank <= best[family(alert)][0]:
            best[family(alert)] = (rank, position)  # ties: the later condition wins
    unique = [alerts[position] for _, position in sorted(best.values())]
    if len(unique) <= (1 if one_at_a_time else FLOOD_AFTER):
        return unique, []
    kept = 0 if one_at_a_time else CRITICAL_KEPT
    alone = [a for a in unique if a.urgency is Urgency.CRITICAL][:kept]
    return alone, [a for a in unique if a not in alone]


def summary_text(alerts: Sequence[Alert], more: bool) -> tuple[str, str]:
    """(title, body) of the note summing up *alerts*; *more* when others show on their own.

    The body has a line per kind of alert, in order: the alerts' own titles for one or two
    of a kind, a count for more ("4 new tickets").
    """
    title = f"{len(alerts)} {'more ' if more else ''}alerts"
    groups: dict[AlertKind, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.kind, []).append(alert)
    lines: list[tuple[str, int]] = []  # (text, alerts it stands for)
    for kind, members in groups.items():
        if len(members) <= _TITLES_PER_KIND:
            lines.extend((a.title, 1) for a in members)
        else:
            lines.append((f"{len(members)} {_PLURALS[kind]}", len(members)))
    if len(lines) > BODY_LINES:
        rest = sum(n for _, n in lines[BODY_LINES - 1 :])
        lines = [*lines[: BODY_LINES - 1], (f"…and {rest} more", rest)]
    return title, "\n".join(text for text, _ in lines)


def most_urgent(alerts: Sequence[Alert]) -> Urgency:
    """The highest urgency among *alerts* (a summary's own)."""
    return min((a.urgency for a in alerts), key=_URGENCY_RANK.__getitem__)
