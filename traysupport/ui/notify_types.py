"""What notification backends see: the `Note`, the backend protocols, and plain text.

Shared by the notifier (`notify`), the simple backends (`notify_backends`) and the
platform's notifications (`notify_dbus`), so that none of them imports another for its
types. Every note's text is cleaned here (control and bidi-override characters removed,
the title one line, the body at most `BODY_LINES` lines, both bounded); a backend that
shows markup escapes it (`markup_escape`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Protocol

from traysupport.core.model import Urgency

DEFAULT_ACTION = "default"
"""The action reported for a click on a notification's body."""
SUMMARY_KEY = "summary"
"""The alert key reported for a summary note (no real key lacks a "|")."""
TITLE_MAX = 120
BODY_MAX = 600
BODY_LINES = 8
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MARKUP = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


@dataclass(frozen=True, slots=True)
class Note:
    """One notification as a backend shows it; the text is plain, clean and bounded."""

    id: str
    key: str
    """The alert's key, or `SUMMARY_KEY`."""
    kind: str
    """The alert's kind, or "summary"."""
    title: str
    body: str
    urgency: Urgency
    actions: tuple[tuple[str, str], ...] = ()
    """(action, button label) pairs, in order."""
    covers: tuple[str, ...] = ()
    """A summary's alert keys."""
    sound: bool = False
    """Play the alert sound with it (the ``alerts.sound`` setting decides)."""


class BackendUnavailableError(Exception):
    """A backend cannot show notes; *transient* when it may work again later."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


class BackendEvents(Protocol):
    """What a backend reports back; may be called from any thread."""

    def action(self, note_id: str, action: str) -> None:
        """The user pressed a button (or the body: `DEFAULT_ACTION`) of a note."""
        ...

    def failed(self, note_id: str, reason: str) -> None:
        """The note could not be shown after all (the backend is unusable)."""
        ...


class NoteBackend(Protocol):
    """One way to show notes. All calls come from the GUI thread and return at once."""

    name: str
    one_at_a_time: bool
    """True when a new note hides the previous one (then floods are summed up sooner)."""

    def show(self, note: Note, events: BackendEvents) -> None:
        """Show *note*; raise (ideally `BackendUnavailableError`) when that cannot work now."""
        ...

    def withdraw(self, note_id: str) -> None:
        """Take a note off the screen, if it is still there."""
        ...

    def close(self) -> None:
        """Release everything; no reports after this returns."""
        ...


# --- plain text ---------------------------------------------------------------------------


def _visible(text: str) -> str:
    """*text* without control, surrogate and bidi-override characters; newlines kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(
        ch
        for ch in text
        if ch == "\n" or (unicodedata.category(ch) not in {"Cc", "Cs"} and ch not in _BIDI_CONTROLS)
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain_title(text: str, limit: int = TITLE_MAX) -> str:
    """*text* as one clean line of at most *limit* characters."""
    return _clip(" ".join(_visible(text).split()), limit)


def plain_body(text: str, limit: int = BODY_MAX, lines: int = BODY_LINES) -> str:
    """*text* as clean lines (blank ones dropped), at most *lines* of them and *limit* chars."""
    rows = [" ".join(row.split()) for row in _visible(text).splitlines()]
    rows = [row for row in rows if row]
    if len(rows) > lines:
        rows = [*rows[: lines - 1], "…"]
    return _clip("\n".join(rows), limit)


def markup_escape(text: str) -> str:
    """*text* escaped for freedesktop (Pango) markup, as GLib's g_markup_escape_text does."""
    return "".join(_MARKUP.get(ch, ch) for ch in text)


def failure_reason(exc: BaseException) -> str:
    """One line saying what went wrong: the exception type and the first line of its text."""
    text = str(exc).strip().splitlines()
    return _clip(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__, 200)
