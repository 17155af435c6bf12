"""Desktop notifications for alerts: a chain of backends, flood summaries, replacement.

`Notifier.show` turns alerts into notes (one notification each) and hands them to the
first backend of its chain that works: the platform's notification server through
desktop-notifier (`notify_dbus.NativeBackend`, with buttons), then the tray icon's
balloon (`TrayBalloonBackend`, one message at a time, no buttons), then the log
(`LogBackend`, always last, it cannot fail). A backend that fails, at once or later, is
skipped for the rest of the session with one log line, and the note goes to the next.

Rules:

- **Plain text.** Alert text comes from servers. Every note's text is cleaned here
  (control and bidi-override characters removed, the title one line, the body at most
  `BODY_LINES` lines, both bounded); a backend that shows markup escapes it
  (`markup_escape`).
- **One per subject.** A later alert about the same ticket or source, or any later duty
  alert, replaces the earlier notification (withdrawn, then the new one shown), so stale
  ones do not pile up. In one call, only one alert per subject is shown: the most urgent,
  and of those the last (the rules order alerts by the instant their condition began).
- **Floods.** A call with more than `FLOOD_AFTER` alerts (start-up, waking from sleep)
  shows at most `CRITICAL_KEPT` critical alerts on their own, with their buttons, and
  sums up all the others in one note ("5 more alerts"), critical if any of them is,
  with an Open button. A new summary replaces the previous one and the notes of the
  subjects it covers. A backend that shows one message at a time (the tray balloon)
  gets a summary whenever a call brings more than one alert.
- **Actions.** `action_invoked(alert_key, action)` is emitted on the GUI thread, with an
  `AlertAction` value for a button and `DEFAULT_ACTION` for a click on the body; a
  summary's key is `SUMMARY_KEY`. `alert(key)` gives back the alert (its subject is the
  ticket ref). Backends may report from any thread: reports travel by queued signals.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import unicodedata
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QSystemTrayIcon

from traysupport import paths
from traysupport.core.model import Alert, AlertAction, AlertKind, Urgency

log = logging.getLogger(__name__)

DEFAULT_ACTION = "default"
"""The action reported for a click on a notification's body."""
SUMMARY_KEY = "summary"
"""The alert key reported for a summary note (no real key lacks a "|")."""
FLOOD_AFTER = 3
"""More alerts than this in one call are summed up."""
CRITICAL_KEPT = 2
"""Critical alerts still shown on their own in a flood."""
TITLE_MAX = 120
BODY_MAX = 600
BODY_LINES = 8
_REMEMBERED = 256
"""Notes and alerts kept for actions and fallbacks; older ones are long off screen."""

ACTION_LABELS = {
    AlertAction.ACKNOWLEDGE: "Acknowledge",
    AlertAction.SNOOZE: "Snooze 30 min",
    AlertAction.OPEN: "Open",
    AlertAction.HAND_OVER: "Hand over…",
}
_URGENCY_RANK = {Urgency.CRITICAL: 0, Urgency.NORMAL: 1, Urgency.LOW: 2}
_TICKET_KINDS = frozenset({AlertKind.NEW_TICKET, AlertKind.SLA_WARNING, AlertKind.SLA_BREACHED})
_DUTY_KINDS = frozenset({AlertKind.DUTY_SOON, AlertKind.DUTY_STARTED, AlertKind.DUTY_ENDING})
_SOURCE_KINDS = frozenset({AlertKind.SOURCE_DOWN, AlertKind.SOURCE_RECOVERED})
_PLURALS = {
    AlertKind.NEW_TICKET: "new tickets",
    AlertKind.SLA_WARNING: "SLAs due soon",
    AlertKind.SLA_BREACHED: "SLAs breached",
    AlertKind.DUTY_SOON: "duty reminders",
    AlertKind.DUTY_STARTED: "shifts started",
    AlertKind.DUTY_ENDING: "shifts ending",
    AlertKind.SHIFT_CHANGED: "rotation changes",
    AlertKind.SOURCE_DOWN: "sources down",
    AlertKind.SOURCE_RECOVERED: "sources back",
}
_TITLES_PER_KIND = 2
"""A summary names this many alerts of a kind by their titles; more are counted."""
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MARKUP = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


# --- what backends see --------------------------------------------------------------------


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


# --- floods and summaries -----------------------------------------------------------------


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
    """(alerts shown on their own, alerts summed up) for one call; see the module rules."""
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


def _most_urgent(alerts: Sequence[Alert]) -> Urgency:
    return min((a.urgency for a in alerts), key=_URGENCY_RANK.__getitem__)


# --- the notifier -------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    """A note handed to a backend, with what the notifier needs to follow it up."""

    note: Note
    family: str
    covers: tuple[str, ...] = ()
    """The families a summary stands for."""
    backend: int = field(default=-1)


class _Reports(QObject):
    """Carries backends' reports to the GUI thread (its own object, without a parent:
    a backend thread may still report while the notifier is being destroyed, and Qt then
    just drops the connection instead of emitting on a dying object)."""

    action = Signal(str, str)
    """(note id, action)"""
    failed = Signal(str, str)
    """(note id, reason)"""


class _Events:
    """`BackendEvents` for every backend: each report becomes a queued signal."""

    def __init__(self) -> None:
        self.reports = _Reports()

    def action(self, note_id: str, action: str) -> None:
        self.reports.action.emit(note_id, action)

    def failed(self, note_id: str, reason: str) -> None:
        self.reports.failed.emit(note_id, reason)


class Notifier(QObject):
    """Shows alerts as desktop notifications and reports their buttons; see the module."""

    action_invoked = Signal(str, str)
    """(alert key, action): a button (an `AlertAction` value) or the body (`DEFAULT_ACTION`)."""

    def __init__(
        self,
        tray: QSystemTrayIcon | None = None,
        *,
        backends: Sequence[NoteBackend] | None = None,
        app_name: str = paths.APP_NAME,
        parent: QObject | None = None,
    ) -> None:
        """Use *backends* in order (the standard chain for *tray* when None); the log last."""
        super().__init__(parent)
        chain = list(standard_backends(app_name, tray) if backends is None else backends)
        self._backends: list[NoteBackend] = [*chain, LogBackend()]
        self._current = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._alerts: OrderedDict[str, Alert] = OrderedDict()
        self._by_family: dict[str, str] = {}
        self._events = _Events()
        self._closed = False
        queued = Qt.ConnectionType.QueuedConnection
        self._events.reports.action.connect(self._on_reported_action, queued)
        self._events.reports.failed.connect(self._on_reported_failure, queued)

    @property
    def channel(self) -> str:
        """The name of the backend in use now (for diagnostics)."""
        return self._backends[self._current].name

    def alert(self, key: str) -> Alert | None:
        """The alert shown under *key* (recent ones only); None for a summary."""
        return self._alerts.get(key)

    def show(self, alerts: Sequence[Alert]) -> None:
        """Show *alerts* (most urgent first), summed up when there are too many."""
        if self._closed or not alerts:
            return
        alone, summed = split_flood(alerts, self._backends[self._current].one_at_a_time)
        for alert in alone:
            self._remember_alert(alert)
            self._present(_Entry(self._note(alert), family(alert)))
        if summed:
            for alert in summed:
                self._remember_alert(alert)
            self._present(self._summary(summed, more=bool(alone)))

    def close(self) -> None:
        """Close every backend (idempotent); later calls to `show` do nothing."""
        if self._closed:
            return
        self._closed = True
        for backend in self._backends:
            try:
                backend.close()
            except Exception:  # closing the rest matters more
                log.warning("closing the %s notifications failed", backend.name, exc_info=True)

    # -- notes -------------------------------------------------------------------------

    @staticmethod
    def _note(alert: Alert) -> Note:
        return Note(
            id=uuid.uuid4().hex,
            key=alert.key,
            kind=alert.kind.value,
            title=plain_title(alert.title),
            body=plain_body(alert.body),
            urgency=alert.urgency,
            actions=tuple((a.value, ACTION_LABELS[a]) for a in alert.actions),
        )

    @staticmethod
    def _summary(alerts: Sequence[Alert], more: bool) -> _Entry:
        title, body = summary_text(alerts, more)
        note = Note(
            id=uuid.uuid4().hex,
            key=SUMMARY_KEY,
            kind="summary",
            title=plain_title(title),
            body=plain_body(body),
            urgency=_most_urgent(alerts),
            actions=((AlertAction.OPEN.value, ACTION_LABELS[AlertAction.OPEN]),),
            covers=tuple(a.key for a in alerts),
        )
        return _Entry(note, SUMMARY_KEY, tuple(family(a) for a in alerts))

    def _remember_alert(self, alert: Alert) -> None:
        self._alerts[alert.key] = alert
        self._alerts.move_to_end(alert.key)
        while len(self._alerts) > _REMEMBERED:
            self._alerts.popitem(last=False)

    def _present(self, entry: _Entry) -> None:
        """Replace what *entry* supersedes, then deliver it."""
        for stale in (entry.family, *entry.covers):
            old = self._by_family.pop(stale, None)
            if old is not None:
                self._withdraw(old)
        self._by_family[entry.family] = entry.note.id
        self._entries[entry.note.id] = entry
        while len(self._entries) > _REMEMBERED:
            _, dropped = self._entries.popitem(last=False)
            if self._by_family.get(dropped.family) == dropped.note.id:
                del self._by_family[dropped.family]
        self._deliver(entry)

    def _deliver(self, entry: _Entry) -> None:
        """Hand *entry* to the first backend that takes it."""
        index = self._current
        while True:
            backend = self._backends[index]
            try:
                backend.show(entry.note, self._events)
            except Exception as exc:  # any failure means: try the next one
                if index == len(self._backends) - 1:
                    log.error("no way left to show notifications: %s", failure_reason(exc))
                    return
                transient = isinstance(exc, BackendUnavailableError) and exc.transient
                if not transient:
                    self._give_up(index, failure_reason(exc))
                index += 1
                continue
            entry.backend = index
            return

    def _withdraw(self, note_id: str) -> None:
        entry = self._entries.get(note_id)
        if entry is None or entry.backend < self._current:
            return  # never shown, or shown by a backend that has failed since
        try:
            self._backends[entry.backend].withdraw(note_id)
        except Exception:  # a stale note left on screen is harmless
            log.debug("withdrawing a notification failed", exc_info=True)

    def _give_up(self, index: int, reason: str) -> None:
        """Skip backend *index* (and any before it) for the rest of the session."""
        if index < self._current:
            return
        self._current = index + 1
        log.warning(
            "%s failed (%s); using %s for the rest of this session",
            self._backends[index].name,
            reason,
            self._backends[self._current].name,
        )

    # -- reports from backends ---------------------------------------------------------

    @Slot(str, str)
    def _on_reported_action(self, note_id: str, action: str) -> None:
        entry = self._entries.get(note_id)
        if entry is None or self._closed:
            log.debug("action %s on a forgotten notification", action)
            return
        self.action_invoked.emit(entry.note.key, action)

    @Slot(str, str)
    def _on_reported_failure(self, note_id: str, reason: str) -> None:
        entry = self._entries.get(note_id)
        if entry is None or self._closed or entry.backend < 0:
            return
        self._give_up(entry.backend, reason)
        if self._by_family.get(entry.family) == note_id:  # still the latest: show it elsewhere
            self._deliver(entry)


def failure_reason(exc: BaseException) -> str:
    """One line saying what went wrong: the exception type and the first line of its text."""
    text = str(exc).strip().splitlines()
    return _clip(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__, 200)


# --- the simple backends ------------------------------------------------------------------


class LogBackend:
    """The last resort: a line in the log with the alert's kind and key, never its text."""

    name = "the log"
    one_at_a_time = False

    def show(self, note: Note, events: BackendEvents) -> None:
        """Log *note*'s kind and key (a summary's: the keys it covers)."""
        if note.covers:
            log.info("notification (log only): %s of %s", note.kind, ", ".join(note.covers))
        else:
            log.info("notification (log only): %s %s", note.kind, note.key)

    def withdraw(self, note_id: str) -> None:
        """Nothing to take back."""

    def close(self) -> None:
        """Nothing to release."""


_TRAY_ICONS = {
    Urgency.CRITICAL: QSystemTrayIcon.MessageIcon.Critical,
    Urgency.NORMAL: QSystemTrayIcon.MessageIcon.Information,
    Urgency.LOW: QSystemTrayIcon.MessageIcon.NoIcon,
}
_TRAY_MSECS = {Urgency.CRITICAL: 0, Urgency.NORMAL: 10_000, Urgency.LOW: 5_000}
"""0: Qt's balloon stays until clicked (critical notes stay until handled)."""


class TrayBalloonBackend:
    """The tray icon's message balloon: plain text, one at a time, a click opens it.

    Qt shows the texts as plain text in its own balloon and in the native Windows and
    macOS ones, so nothing is escaped here.
    """

    name = "tray messages"
    one_at_a_time = True

    def __init__(self, tray: QSystemTrayIcon) -> None:
        self._tray = tray
        self._shown = ""
        self._events: BackendEvents | None = None
        tray.messageClicked.connect(self._clicked)

    def show(self, note: Note, events: BackendEvents) -> None:
        """Show *note* in the balloon, replacing the one shown before."""
        if not self._tray.supportsMessages():
            raise BackendUnavailableError("the tray cannot show messages")
        if not (QSystemTrayIcon.isSystemTrayAvailable() and self._tray.isVisible()):
            raise BackendUnavailableError("no tray icon is showing", transient=True)
        self._shown, self._events = note.id, events
        msecs = _TRAY_MSECS[note.urgency]
        self._tray.showMessage(note.title, note.body, _TRAY_ICONS[note.urgency], msecs)

    def withdraw(self, note_id: str) -> None:
        """Qt cannot take a balloon back; the next message replaces it anyway."""

    def close(self) -> None:
        """Stop reporting clicks."""
        self._events = None
        with contextlib.suppress(RuntimeError, TypeError):  # the tray is gone already
            self._tray.messageClicked.disconnect(self._clicked)

    def _clicked(self) -> None:
        if self._events is not None and self._shown:
            self._events.action(self._shown, DEFAULT_ACTION)


def standard_backends(app_name: str, tray: QSystemTrayIcon | None) -> list[NoteBackend]:
    """The platform's notifications (when desktop-notifier loads), then *tray*'s balloon."""
    chain: list[NoteBackend] = []
    try:
        from traysupport.ui.notify_dbus import NativeBackend  # noqa: PLC0415 - optional
    except (ImportError, OSError) as exc:  # a bundle without it or its resources
        log.warning("desktop notifications are unavailable: %s", failure_reason(exc))
    else:
        chain.append(NativeBackend(app_name, icon_file()))
    if tray is not None:
        chain.append(TrayBalloonBackend(tray))
    return chain


def icon_file() -> Path | None:
    """The app icon as a PNG for notification servers (written once); None if impossible."""
    from traysupport.ui import icons  # noqa: PLC0415 - QtSvg only when notifying

    svg = icons.app_svg()
    digest = hashlib.sha256(svg.encode()).hexdigest()[:12]
    path = paths.data_dir() / f"notification-icon-{digest}.png"  # a new design, a new file
    if path.exists():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if icons.render(svg, 128).save(str(path)):
            return path
    except OSError as exc:
        log.warning("cannot write the notification icon: %s", exc)
    return None
