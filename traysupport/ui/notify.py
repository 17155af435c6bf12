"""Desktop notifications for alerts: a chain of backends, flood summaries, replacement.

`Notifier.show` turns alerts into notes (one notification each) and hands them to the
first backend of its chain that works: the platform's notification server through
desktop-notifier (`notify_dbus.NativeBackend`, with buttons), then the tray icon's
balloon (`TrayBalloonBackend`, one message at a time, no buttons), then the log
(`LogBackend`, always last, it cannot fail). A backend that fails, at once or later, is
skipped for the rest of the session with one log line, and the note goes to the next.

The parts live apart, by job: `notify_types` (the `Note`, the backend protocols, plain
text), `notify_flood` (one per subject, floods and summaries), `notify_backends` (the
standard chain and the tray balloon) and `notify_dbus` (desktop-notifier). This module
is the `Notifier` that follows notes up, and the names callers use.

Rules:

- **Plain text.** Alert text comes from servers. Every note's text is cleaned
  (`notify_types`: control and bidi-override characters removed, the title one line,
  the body at most `BODY_LINES` lines, both bounded); a backend that shows markup
  escapes it (`markup_escape`).
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
- **Sounds.** A note plays the alert sound when the ``alerts.sound`` choices say so
  (`traysupport.sounds`; by default critical alerts only), a summary when any alert
  it covers would; each backend plays it its own way (`notify_dbus`, the balloon).
- **Actions.** `action_invoked(alert_key, action)` is emitted on the GUI thread, with an
  `AlertAction` value for a button and `DEFAULT_ACTION` for a click on the body; a
  summary's key is `SUMMARY_KEY`. `alert(key)` gives back the alert (its subject is the
  ticket ref). Backends may report from any thread: reports travel by queued signals.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QSystemTrayIcon

from traysupport import paths
from traysupport.core.model import Alert, AlertAction
from traysupport.sounds import DEFAULT_SOUNDS, sounds
from traysupport.ui.notify_backends import TrayBalloonBackend, icon_file, standard_backends
from traysupport.ui.notify_flood import (
    CRITICAL_KEPT,
    FLOOD_AFTER,
    family,
    most_urgent,
    split_flood,
    summary_text,
)
from traysupport.ui.notify_types import (
    BODY_LINES,
    BODY_MAX,
    DEFAULT_ACTION,
    SUMMARY_KEY,
    TITLE_MAX,
    BackendEvents,
    BackendUnavailableError,
    Note,
    NoteBackend,
    failure_reason,
    markup_escape,
    plain_body,
    plain_title,
)

__all__ = [  # the notifier, and the names its callers and tests use from here
    "ACTION_LABELS",
    "BODY_LINES",
    "BODY_MAX",
    "CRITICAL_KEPT",
    "DEFAULT_ACTION",
    "FLOOD_AFTER",
    "SUMMARY_KEY",
    "TITLE_MAX",
    "BackendEvents",
    "BackendUnavailableError",
    "LogBackend",
    "Note",
    "NoteBackend",
    "Notifier",
    "TrayBalloonBackend",
    "failure_reason",
    "family",
    "icon_file",
    "markup_escape",
    "plain_body",
    "plain_title",
    "split_flood",
    "standard_backends",
    "summary_text",
]

log = logging.getLogger(__name__)

_REMEMBERED = 256
"""Notes and alerts kept for actions and fallbacks; older ones are long off screen."""

ACTION_LABELS = {
    AlertAction.ACKNOWLEDGE: "Acknowledge",
    AlertAction.SNOOZE: "Snooze 30 min",
    AlertAction.OPEN: "Open",
    AlertAction.HAND_OVER: "Hand over…",
    AlertAction.MARK_REVIEWED: "Mark reviewed",
}


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
        sounds: frozenset[str] = DEFAULT_SOUNDS,
        parent: QObject | None = None,
    ) -> None:
        """Use *backends* in order (the standard chain for *tray* when None); the log last.

        *sounds*: the ``alerts.sound`` choices (`set_sounds` changes them).
        """
        super().__init__(parent)
        self._sounds = sounds
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

    def set_sounds(self, chosen: frozenset[str]) -> None:
        """Which alerts sound from now on (the ``alerts.sound`` setting, applied live)."""
        self._sounds = chosen

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
            self._present(_Entry(self._note(alert, sounds(alert, self._sounds)), family(alert)))
        if summed:
            for alert in summed:
                self._remember_alert(alert)
            loud = any(sounds(alert, self._sounds) for alert in summed)
            self._present(self._summary(summed, more=bool(alone), sound=loud))

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
    def _note(alert: Alert, sound: bool) -> Note:
        return Note(
            id=uuid.uuid4().hex,
            key=alert.key,
            kind=alert.kind.value,
            title=plain_title(alert.title),
            body=plain_body(alert.body),
            urgency=alert.urgency,
            actions=tuple((a.value, ACTION_LABELS[a]) for a in alert.actions),
            sound=sound,
        )

    @staticmethod
    def _summary(alerts: Sequence[Alert], more: bool, sound: bool) -> _Entry:
        title, body = summary_text(alerts, more)
        note = Note(
            id=uuid.uuid4().hex,
            key=SUMMARY_KEY,
            kind="summary",
            title=plain_title(title),
            body=plain_body(body),
            urgency=most_urgent(alerts),
            actions=((AlertAction.OPEN.value, ACTION_LABELS[AlertAction.OPEN]),),
            covers=tuple(a.key for a in alerts),
            sound=sound,
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


# --- the last resort ----------------------------------------------------------------------


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
