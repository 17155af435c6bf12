"""Every keyboard shortcut of the queue window and the handover dialog, in one table.

The window's actions, its filter buttons, its tabs' and the dialog's mnemonics are built
from `SHORTCUTS`, and the Help ▸ Keyboard shortcuts page (`shortcuts_page`) lists the
same rows, so what the page says cannot drift from what the keys do (a test also finds
every key bound in the window and checks it is in the table).

A row's *keys* are portable `QKeySequence` strings; `key_text` shows them the
platform's way (Ctrl+H here, ⌘H on macOS). A *label* with "&" is a mnemonic: its key is
Alt and the letter after "&", and the row says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence

QUEUE, TABS, HANDOVER = "Queue window", "Anywhere in the window", "Hand over dialog"
"""The sections of the page, in order."""


@dataclass(frozen=True, slots=True)
class Shortcut:
    """One row: what a key does, and the text of the button or item it belongs to."""

    name: str
    where: str
    keys: tuple[str, ...]
    what: str
    label: str = ""
    """The button's or item's text; with "&" its mnemonic is the key."""


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("acknowledge", QUEUE, ("Return",), "Acknowledge the selected tickets", "Acknowledge"),
    Shortcut("handover", QUEUE, ("Ctrl+H",), "Hand the tickets over", "Hand over…"),
    Shortcut("open", QUEUE, ("Ctrl+O",), "Open the tickets in the browser", "Open"),
    Shortcut("snooze", QUEUE, ("S",), "Silence their alerts for 30 min", "Snooze 30 min"),
    Shortcut(
        "silence",
        QUEUE,
        ("Ctrl+I",),
        "Silence the tickets in their tool until they escalate (Sentry)",
        "Silence",
    ),
    Shortcut("retry", QUEUE, ("Ctrl+R",), "Send the failed actions again", "Retry"),
    Shortcut(
        "dismiss", QUEUE, ("Ctrl+D",), "Drop the failed actions: they will not be sent", "Dismiss"
    ),
    Shortcut(
        "dismiss-unlisted",
        QUEUE,
        ("Alt+D",),
        "Drop an action whose ticket is not listed (the “not sent” banner)",
        "&Dismiss",
    ),
    Shortcut("filter-mine", QUEUE, ("Alt+M",), "Show the tickets assigned to you", "&Mine"),
    Shortcut(
        "filter-unassigned",
        QUEUE,
        ("Alt+U",),
        "Show the tickets nobody has taken",
        "&Unassigned",
    ),
    Shortcut("filter-all", QUEUE, ("Alt+A",), "Show every open ticket", "&All"),
    Shortcut(
        "filter-new",
        QUEUE,
        ("Alt+W",),
        "Show the tickets new since your last review (review reminders)",
        "Ne&w since review",
    ),
    Shortcut(
        "mark-reviewed",
        QUEUE,
        ("Ctrl+Shift+M",),
        "Mark the queue reviewed: the review reminders count what is new from now on",
        "Mark reviewed",
    ),
    Shortcut("tab-queue", TABS, ("Alt+Q",), "Show the Queue tab", "&Queue"),
    Shortcut("tab-schedule", TABS, ("Alt+S",), "Show the Schedule tab", "&Schedule"),
    Shortcut("tab-next", TABS, ("Ctrl+Tab",), "Show the next tab"),
    Shortcut("tab-previous", TABS, ("Ctrl+Shift+Tab",), "Show the previous tab"),
    Shortcut("refresh", TABS, ("F5",), "Ask every source now", "Refresh"),
    Shortcut("shortcuts", TABS, ("F1",), "List these shortcuts", "Keyboard shortcuts"),
    Shortcut("help", TABS, ("Alt+H",), "Open the Help menu", "&Help"),
    Shortcut("hide", TABS, ("Esc",), "Hide the window", "Hide"),
    Shortcut("to", HANDOVER, ("Alt+T",), "Go to the teammate search", "&To"),
    Shortcut("tickets", HANDOVER, ("Alt+K",), "Go to the ticket list", "Tic&kets"),
    Shortcut("note", HANDOVER, ("Alt+N",), "Go to the note", "&Note"),
    Shortcut(
        "hand-over-now",
        HANDOVER,
        ("Ctrl+Return", "Ctrl+Enter"),
        "Hand the checked tickets over (plain Enter never does)",
    ),
    Shortcut("cancel", HANDOVER, ("Esc",), "Cancel, or close once handed over"),
)

_BY_NAME = {s.name: s for s in SHORTCUTS}
_SHOWN = {"Return": "Enter"}
"""Keys named as people say them (Qt calls the main Enter key Return)."""


def shortcut(name: str) -> Shortcut:
    """The row named *name* (a KeyError is a bug: every caller names a row of the table)."""
    return _BY_NAME[name]


def key_text(row: Shortcut) -> str:
    """The row's keys as the platform writes them, "Ctrl+H" or "⌘H"; alternatives joined."""
    texts = [
        _SHOWN.get(k) or QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
        for k in row.keys
    ]
    return " or ".join(dict.fromkeys(texts))


def button_text(row: Shortcut) -> str:
    """A button's text with its key, "Hand over… (Ctrl+H)": shown, not hidden in a tooltip."""
    return f"{row.label} ({key_text(row)})"


def tip(row: Shortcut) -> str:
    """A tooltip: what the row does and its key."""
    return f"{row.what} ({key_text(row)})"


def mnemonic_key(label: str) -> str:
    """The Alt key a label's "&" gives ("&Mine" -> "Alt+M"), or "" without one."""
    at = label.replace("&&", "").find("&")
    plain = label.replace("&&", "")
    if at < 0 or at + 1 >= len(plain):
        return ""
    return f"Alt+{plain[at + 1].upper()}"
