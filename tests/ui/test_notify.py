"""Notifications: plain text, the backend chain, urgency, floods, replacement, actions.

Backends are tested at their boundary: a `Recorder` implements the same `NoteBackend`
protocol as the real ones and records what the notifier hands it; the real
`NativeBackend` runs its own asyncio thread against a `FakeLibrary` shaped like
desktop-notifier's `DesktopNotifier`, which records the `Notification` objects it is
given and "presses" their buttons on the library's loop thread, as D-Bus signals would.
(tests/e2e/test_notify_dunst.py does the same against a real dunst.)
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from desktop_notifier import Capability, Icon, Notification
from desktop_notifier import Urgency as NativeUrgency
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from tests.ui.conftest import HTML_TITLE
from traysupport import paths
from traysupport.core.model import Alert, AlertAction, AlertKind, Urgency
from traysupport.ui.notify import (
    BODY_LINES,
    SUMMARY_KEY,
    TITLE_MAX,
    BackendEvents,
    BackendUnavailableError,
    Note,
    Notifier,
    TrayBalloonBackend,
    icon_file,
    markup_escape,
    split_flood,
    standard_backends,
)
from traysupport.ui.notify_dbus import NativeBackend

WAIT_MS = 5_000
TICKET_ACTIONS = (AlertAction.ACKNOWLEDGE, AlertAction.SNOOZE, AlertAction.OPEN)


def ticket_alert(
    number: int,
    kind: AlertKind = AlertKind.NEW_TICKET,
    urgency: Urgency = Urgency.NORMAL,
    title: str = "",
    body: str = "Customer can't pay.\nSLA due in 50 min (10:50).",
) -> Alert:
    """An alert like the rules make, about ticket DEMO-*number*."""
    heads = {
        AlertKind.NEW_TICKET: f"New P2 DEMO-{number}",
        AlertKind.SLA_WARNING: f"P2 DEMO-{number}: response SLA due in 12 min",
        AlertKind.SLA_BREACHED: f"P2 DEMO-{number}: response SLA breached",
    }
    return Alert(
        key=f"{kind.value}|demo:{number}|{urgency.value}",
        kind=kind,
        title=title or heads[kind],
        body=body,
        urgency=urgency,
        subject=f"demo:{number}",
        actions=TICKET_ACTIONS,
    )


def p1(number: int, kind: AlertKind = AlertKind.NEW_TICKET) -> Alert:
    """A critical alert about P1 ticket DEMO-*number*."""
    title = ticket_alert(number, kind).title.replace("P2", "P1")
    return ticket_alert(number, kind, Urgency.CRITICAL, title=title)


DUTY_SOON = Alert("duty_soon|a", AlertKind.DUTY_SOON, "On duty in 15 min", "Primary 09:00-17:00")
DUTY_STARTED = Alert("duty_started|a", AlertKind.DUTY_STARTED, "You are on duty", "Until 17:00")
DUTY_ENDING = Alert(
    "duty_ending|a",
    AlertKind.DUTY_ENDING,
    "Your shift ends in 30 min",
    "You hold 2 tickets: DEMO-1, DEMO-2.",
    subject="support|you|primary",
    actions=(AlertAction.HAND_OVER,),
)
SOURCE_DOWN = Alert(
    "source_down|queue|x", AlertKind.SOURCE_DOWN, "Can't reach queue", "3 failed", subject="queue"
)
SOURCE_BACK = Alert(
    "source_recovered|queue|x",
    AlertKind.SOURCE_RECOVERED,
    "queue is back",
    "Fetching works again.",
    Urgency.LOW,
    subject="queue",
)


@dataclass
class Recorder:
    """A `NoteBackend` that records what it is given; *fail* makes `show` raise it."""

    name: str = "recorder"
    one_at_a_time: bool = False
    fail: Exception | None = None
    shown: list[Note] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    attempts: int = 0
    closed: bool = False
    events: BackendEvents | None = None

    def show(self, note: Note, events: BackendEvents) -> None:
        self.attempts += 1
        if self.fail is not None:
            raise self.fail
        self.shown.append(note)
        self.events = events

    def withdraw(self, note_id: str) -> None:
        self.withdrawn.append(note_id)

    def close(self) -> None:
        self.closed = True

    def note(self, key: str) -> Note:
        return next(n for n in self.shown if n.key == key)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def notifier(qtbot: QtBot, recorder: Recorder) -> Iterator[Notifier]:
    made = Notifier(backends=[recorder])
    yield made
    made.close()


# -- plain text ---------------------------------------------------------------------------


def test_markup_escape_escapes_what_pango_reads() -> None:
    assert markup_escape(HTML_TITLE + " & \"x\" 'y'") == (
        "&lt;b&gt;Checkout&lt;/b&gt; returns 500 for EU cards &amp; &quot;x&quot; &#39;y&#39;"
    )


def test_backends_get_clean_bounded_plain_text(notifier: Notifier, recorder: Recorder) -> None:
    hostile_title = "New P1\x1b[31m \u202eDEMO-1\t<b>x</b>\r\n" + "long " * 60
    body = "\x00First line &amp; <i>markup</i>\r\n\r\n\tsecond\x07\n" + "\n".join(
        f"line {n}" for n in range(20)
    )
    notifier.show([ticket_alert(1, title=hostile_title, body=body)])
    [note] = recorder.shown
    assert note.title.startswith("New P1[31m DEMO-1 <b>x</b> long long")
    assert len(note.title) == TITLE_MAX and note.title.endswith("…")
    lines = note.body.splitlines()
    assert lines[:2] == ["First line &amp; <i>markup</i>", "second"]  # plain: escaping is the
    assert len(lines) == BODY_LINES and lines[-1] == "…"  # backend's job (markup servers only)
    assert not any(ch < " " and ch != "\n" for ch in note.title + note.body)


# -- the real desktop-notifier backend, at its boundary -----------------------------------


@dataclass
class FakeLibrary:
    """Shaped like `DesktopNotifier` as `NativeBackend` uses it (including the private
    D-Bus parts it reaches defensively); records calls, presses buttons."""

    fail: Exception | None = None
    dispatch: bool = True
    server_caps: tuple[str, ...] = ("actions", "body", "body-markup")
    app: tuple[str, Icon | None] | None = None
    sent: list[Notification] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    loop: asyncio.AbstractEventLoop | None = None
    callback_threads: list[str] = field(default_factory=list)
    _backend: Any = None

    def __post_init__(self) -> None:
        async def ask() -> list[str]:
            return list(self.server_caps)

        self._backend = SimpleNamespace(interface=SimpleNamespace(call_get_capabilities=ask))

    def factory(self, app_name: str, icon: Icon | None) -> FakeLibrary:
        self.app = (app_name, icon)
        return self

    async def get_capabilities(self) -> frozenset[Capability]:
        if self.fail is not None:
            raise self.fail
        self.loop = asyncio.get_running_loop()
        return frozenset({Capability.BUTTONS, Capability.ON_CLICKED})

    async def send_notification(self, notification: Notification) -> str:
        self.sent.append(notification)
        if self.dispatch and notification.on_dispatched is not None:
            notification.on_dispatched()
        return notification.identifier

    async def clear(self, identifier: str) -> None:
        self.cleared.append(identifier)

    def press(self, notification: Notification, action: str) -> None:
        """The server reports *action* (a button id, or "default"), on the library's loop."""
        if action == "default":
            callback: Callable[[], Any] | None = notification.on_clicked
        else:
            callback = next(b.on_pressed for b in notification.buttons if b.identifier == action)
        assert callback is not None and self.loop is not None

        def run() -> None:
            self.callback_threads.append(threading.current_thread().name)
            callback()

        self.loop.call_soon_threadsafe(run)


@dataclass
class Native:
    notifier: Notifier
    library: FakeLibrary
    fallback: Recorder


@pytest.fixture
def native(qtbot: QtBot) -> Iterator[Native]:
    with native_run(FakeLibrary()) as run:
        yield run


@contextmanager
def native_run(library: FakeLibrary, markup: bool | None = None) -> Iterator[Native]:
    """A notifier with a real `NativeBackend` on *library*, then a `Recorder`."""
    backend = NativeBackend("traysupport", markup=markup, library=library.factory)
    fallback = Recorder("fallback")
    made = Notifier(backends=[backend, fallback])
    try:
        yield Native(made, library, fallback)
    finally:
        made.close()
    assert not any(t.name == "desktop-notifier" for t in threading.enumerate())


def test_native_escapes_bodies_for_markup_servers_and_sends_titles_as_they_are(
    qtbot: QtBot, native: Native
) -> None:
    native.notifier.show([ticket_alert(1, title="New P2 <b>DEMO-1</b>", body=HTML_TITLE)])
    qtbot.waitUntil(lambda: len(native.library.sent) == 1, timeout=WAIT_MS)
    [sent] = native.library.sent
    assert sent.title == "New P2 <b>DEMO-1</b>"  # a summary is plain text by the spec
    assert sent.message == "&lt;b&gt;Checkout&lt;/b&gt; returns 500 for EU cards"
    assert native.library.app == ("traysupport", None)


@pytest.mark.parametrize(("caps", "expected"), [((), HTML_TITLE), (("body-markup",), "&lt;b&gt;")])
def test_native_asks_the_server_whether_it_reads_markup(
    qtbot: QtBot, caps: tuple[str, ...], expected: str
) -> None:
    with native_run(FakeLibrary(server_caps=caps)) as run:
        run.notifier.show([ticket_alert(1, body=HTML_TITLE)])
        qtbot.waitUntil(lambda: len(run.library.sent) == 1, timeout=WAIT_MS)
        assert run.library.sent[0].message.startswith(expected)


def test_native_maps_urgency_and_offers_only_the_alerts_buttons(
    qtbot: QtBot, native: Native
) -> None:
    native.notifier.show([p1(1), ticket_alert(2), SOURCE_BACK])
    native.notifier.show([DUTY_ENDING])
    qtbot.waitUntil(lambda: len(native.library.sent) == 4, timeout=WAIT_MS)
    critical, normal, low, ending = native.library.sent
    assert [n.urgency for n in (critical, normal, low, ending)] == [
        NativeUrgency.Critical,
        NativeUrgency.Normal,
        NativeUrgency.Low,
        NativeUrgency.Normal,
    ]
    buttons = [(b.identifier, b.title) for b in critical.buttons]
    assert buttons == [
        ("acknowledge", "Acknowledge"),
        ("snooze", "Snooze 30 min"),
        ("open", "Open"),
    ]
    assert low.buttons == ()
    assert [(b.identifier, b.title) for b in ending.buttons] == [("hand_over", "Hand over…")]


def test_a_button_pressed_on_the_library_thread_arrives_on_the_gui_thread(
    qtbot: QtBot, native: Native
) -> None:
    alert = p1(1)
    native.notifier.show([alert])
    qtbot.waitUntil(lambda: len(native.library.sent) == 1, timeout=WAIT_MS)
    threads: list[bool] = []
    native.notifier.action_invoked.connect(
        lambda *_: threads.append(QThread.currentThread() is QApplication.instance().thread())  # type: ignore[union-attr]
    )
    for action in ("acknowledge", "default"):
        with qtbot.waitSignal(native.notifier.action_invoked, timeout=WAIT_MS) as got:
            native.library.press(native.library.sent[0], action)
        assert got.args == [alert.key, action]
    assert native.library.callback_threads == ["desktop-notifier"] * 2
    assert threads == [True, True]
    assert native.notifier.alert(alert.key) == alert


def test_native_closes_the_notification_a_later_alert_replaces(
    qtbot: QtBot, native: Native
) -> None:
    native.notifier.show([ticket_alert(7, AlertKind.SLA_WARNING)])
    native.notifier.show([ticket_alert(7, AlertKind.SLA_BREACHED, Urgency.CRITICAL)])
    qtbot.waitUntil(lambda: len(native.library.sent) == 2, timeout=WAIT_MS)
    assert native.library.cleared == [native.library.sent[0].identifier]


@pytest.mark.parametrize(
    "library",
    [
        FakeLibrary(fail=ConnectionRefusedError("no session bus")),
        FakeLibrary(dispatch=False),  # the library logged and swallowed the server's no
    ],
    ids=["no-bus", "refused"],
)
def test_without_a_notification_server_the_next_backend_takes_over(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture, library: FakeLibrary
) -> None:
    with native_run(library) as run:
        with caplog.at_level(logging.WARNING, logger="traysupport.ui.notify"):
            run.notifier.show([p1(1)])
            qtbot.waitUntil(lambda: len(run.fallback.shown) == 1, timeout=WAIT_MS)
        assert run.fallback.shown[0].key == p1(1).key
        [line] = caplog.records
        assert line.getMessage().startswith("desktop notifications failed (")
        assert run.notifier.channel == "fallback"
        run.notifier.show([p1(2)])  # straight to the fallback from now on
        assert [n.key for n in run.fallback.shown] == [p1(1).key, p1(2).key]
        assert len(library.sent) <= 1


# -- the chain ----------------------------------------------------------------------------


def test_a_failing_backend_is_skipped_for_the_session_with_one_log_line(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Recorder("broken", fail=BackendUnavailableError("no D-Bus"))
    second = Recorder("second")
    made = Notifier(backends=[broken, second])
    with caplog.at_level(logging.WARNING, logger="traysupport.ui.notify"):
        made.show([p1(1)])
        made.show([p1(2)])
    assert broken.attempts == 1
    assert [n.key for n in second.shown] == [p1(1).key, p1(2).key]
    assert [r.getMessage() for r in caplog.records] == [
        "broken failed (BackendUnavailableError: no D-Bus); using second for the rest of "
        "this session"
    ]
    made.close()
    assert broken.closed and second.closed


def test_a_transient_failure_passes_one_note_on_but_keeps_the_backend(qtbot: QtBot) -> None:
    tray = Recorder("tray", fail=BackendUnavailableError("no tray yet", transient=True))
    later = Recorder("later")
    made = Notifier(backends=[tray, later])
    made.show([p1(1)])
    tray.fail = None
    made.show([p1(2)])
    assert [n.key for n in later.shown] == [p1(1).key]
    assert [n.key for n in tray.shown] == [p1(2).key]
    made.close()


def test_a_late_failure_sends_the_note_to_the_next_backend(qtbot: QtBot) -> None:
    first, second = Recorder("first"), Recorder("second")
    made = Notifier(backends=[first, second])
    made.show([p1(1)])
    [note] = first.shown
    assert first.events is not None
    threading.Thread(target=first.events.failed, args=(note.id, "daemon went away")).start()
    qtbot.waitUntil(lambda: len(second.shown) == 1, timeout=WAIT_MS)
    assert second.shown[0] == note
    made.show([p1(2)])
    assert len(first.shown) == 1 and len(second.shown) == 2
    made.close()


def test_the_log_is_the_last_resort_and_logs_only_kind_and_key(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    made = Notifier(backends=[Recorder("broken", fail=RuntimeError("boom"))])
    secret = "Customer Jane Roe's card 4111 1111 1111 1111 declined"
    with caplog.at_level(logging.INFO, logger="traysupport.ui.notify"):
        made.show([ticket_alert(1, title="New P2 DEMO-1 " + secret, body=secret)])
        made.show([ticket_alert(n, body=secret) for n in range(2, 7)])
    assert made.channel == "the log"
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert lines == [
        "notification (log only): new_ticket new_ticket|demo:1|normal",
        "notification (log only): summary of "
        + ", ".join(f"new_ticket|demo:{n}|normal" for n in range(2, 7)),
    ]
    assert secret not in caplog.text
    made.close()


def test_the_tray_balloon_shows_plain_text_by_urgency_and_reports_clicks(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    @dataclass
    class Tray:  # QSystemTrayIcon's surface as the backend uses it (offscreen has no tray)
        messages: list[tuple[str, str, QSystemTrayIcon.MessageIcon, int]] = field(
            default_factory=list
        )
        clicked: list[Callable[[], None]] = field(default_factory=list)

        def __post_init__(self) -> None:
            self.messageClicked = SimpleNamespace(
                connect=self.clicked.append, disconnect=self.clicked.remove
            )

        def supportsMessages(self) -> bool:  # noqa: N802 - Qt's name
            return True

        def isVisible(self) -> bool:  # noqa: N802 - Qt's name
            return True

        def showMessage(self, *args: Any) -> None:  # noqa: N802 - Qt's name
            self.messages.append(args)

    tray = Tray()
    balloon = TrayBalloonBackend(tray)  # type: ignore[arg-type]
    made = Notifier(backends=[balloon])
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    made.show([ticket_alert(1, title="New P2 <b>DEMO-1</b>")])
    made.show([p1(2)])
    kind = QSystemTrayIcon.MessageIcon
    assert [(m[0], m[2], m[3]) for m in tray.messages] == [
        ("New P2 <b>DEMO-1</b>", kind.Information, 10_000),
        ("New P1 DEMO-2", kind.Critical, 0),  # stays until clicked
    ]
    with qtbot.waitSignal(made.action_invoked, timeout=WAIT_MS) as got:
        tray.clicked[0]()
    assert got.args == [p1(2).key, "default"]  # the balloon on screen is the last one
    made.close()
    assert tray.clicked == []


def test_while_no_tray_shows_notes_go_to_the_log_and_the_tray_is_tried_again(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    tray = QSystemTrayIcon()  # offscreen: no system tray
    made = Notifier(backends=[TrayBalloonBackend(tray)])
    with caplog.at_level(logging.INFO, logger="traysupport.ui.notify"):
        made.show([p1(1)])
    assert [r.getMessage() for r in caplog.records] == [
        f"notification (log only): new_ticket {p1(1).key}"
    ]
    assert made.channel == "tray messages"  # a tray may appear after login
    made.close()


def test_the_standard_chain_is_native_then_tray_then_log(qtbot: QtBot) -> None:
    tray = QSystemTrayIcon()
    chain = standard_backends("traysupport", tray)
    assert [type(b) for b in chain] == [NativeBackend, TrayBalloonBackend]
    for backend in chain:
        backend.close()
    made = Notifier(tray=None)
    assert made.channel == "desktop notifications"
    made.close()


def test_the_notification_icon_is_written_once_to_the_data_folder(qtbot: QtBot) -> None:
    path = icon_file()
    assert path is not None and path.parent == paths.data_dir()
    assert path.read_bytes().startswith(b"\x89PNG")
    stamp = path.stat().st_mtime_ns
    assert icon_file() == path and path.stat().st_mtime_ns == stamp


# -- floods -------------------------------------------------------------------------------


def test_up_to_three_alerts_show_one_by_one(notifier: Notifier, recorder: Recorder) -> None:
    alerts = [p1(1), ticket_alert(2), SOURCE_DOWN]
    notifier.show(alerts)
    assert [n.key for n in recorder.shown] == [a.key for a in alerts]


def test_a_flood_keeps_two_criticals_alone_and_sums_up_the_rest(
    notifier: Notifier, recorder: Recorder
) -> None:
    alerts = [
        p1(1),
        p1(2, AlertKind.SLA_BREACHED),
        p1(3, AlertKind.SLA_WARNING),
        ticket_alert(4),
        ticket_alert(5),
        DUTY_STARTED,
        SOURCE_DOWN,
    ]
    notifier.show(alerts)
    first, second, summary = recorder.shown
    assert (first.key, second.key) == (p1(1).key, p1(2, AlertKind.SLA_BREACHED).key)
    assert first.actions == second.actions != ()
    assert summary.key == SUMMARY_KEY
    assert summary.title == "5 more alerts"
    assert summary.body.splitlines() == [
        "P1 DEMO-3: response SLA due in 12 min",
        "New P2 DEMO-4",
        "New P2 DEMO-5",
        "You are on duty",
        "Can't reach queue",
    ]
    assert summary.urgency is Urgency.CRITICAL  # the P1 it stands for
    assert summary.actions == (("open", "Open"),)
    assert summary.covers == tuple(a.key for a in alerts[2:])
    assert notifier.alert(SUMMARY_KEY) is None
    assert notifier.alert(ticket_alert(5).key) == ticket_alert(5)


def test_a_flood_without_criticals_is_one_normal_summary(
    notifier: Notifier, recorder: Recorder
) -> None:
    notifier.show([ticket_alert(n) for n in range(1, 5)] + [SOURCE_BACK])
    [summary] = recorder.shown
    assert summary.title == "5 alerts"
    assert summary.body == "4 new tickets\nqueue is back"
    assert summary.urgency is Urgency.NORMAL


def test_one_call_shows_one_alert_per_subject_the_most_urgent_then_the_latest() -> None:
    fresh = ticket_alert(1)
    breached = ticket_alert(1, AlertKind.SLA_BREACHED, Urgency.CRITICAL)
    other = ticket_alert(2)
    assert split_flood([fresh, breached, other]) == ([breached, other], [])
    # Started late in a shift: that it ends soon is what matters now.
    assert split_flood([DUTY_STARTED, other, DUTY_ENDING]) == ([other, DUTY_ENDING], [])


def test_a_long_summary_says_how_many_it_leaves_out(notifier: Notifier, recorder: Recorder) -> None:
    kinds = [AlertKind.NEW_TICKET, AlertKind.SLA_WARNING, AlertKind.SLA_BREACHED]
    alerts = [ticket_alert(n, kinds[n % 3]) for n in range(1, 7)]  # two of each kind
    alerts += [
        DUTY_ENDING,
        SOURCE_DOWN,
        Alert("shift_changed|x", AlertKind.SHIFT_CHANGED, "Rota", ""),
    ]
    notifier.show(alerts)
    [summary] = recorder.shown
    lines = summary.body.splitlines()
    assert len(lines) == BODY_LINES
    assert lines[-1] == "…and 2 more"  # 7 named, 2 left out
    assert summary.title == "9 alerts"


def test_a_one_at_a_time_backend_gets_a_summary_for_two(qtbot: QtBot) -> None:
    balloon = Recorder("balloon", one_at_a_time=True)
    made = Notifier(backends=[balloon])
    made.show([p1(1)])
    made.show([p1(2), ticket_alert(3)])
    assert [(n.key, n.title) for n in balloon.shown] == [
        (p1(1).key, "New P1 DEMO-1"),
        (SUMMARY_KEY, "2 alerts"),
    ]
    made.close()


def test_the_summarys_open_button_reports_the_summary_key(
    qtbot: QtBot, notifier: Notifier, recorder: Recorder
) -> None:
    notifier.show([ticket_alert(n) for n in range(1, 6)])
    [summary] = recorder.shown
    assert recorder.events is not None
    with qtbot.waitSignal(notifier.action_invoked, timeout=WAIT_MS) as got:
        recorder.events.action(summary.id, "open")
    assert got.args == [SUMMARY_KEY, "open"]


# -- replacement --------------------------------------------------------------------------


def test_a_later_alert_about_the_same_ticket_replaces_the_earlier(
    notifier: Notifier, recorder: Recorder
) -> None:
    warning = ticket_alert(1, AlertKind.SLA_WARNING)
    notifier.show([warning, ticket_alert(2)])
    notifier.show([ticket_alert(1, AlertKind.SLA_BREACHED, Urgency.CRITICAL)])
    assert recorder.withdrawn == [recorder.note(warning.key).id]
    notifier.show([ticket_alert(3)])
    assert len(recorder.withdrawn) == 1  # another ticket replaces nothing


def test_duty_alerts_replace_each_other_and_sources_their_own(
    notifier: Notifier, recorder: Recorder
) -> None:
    notifier.show([DUTY_SOON, SOURCE_DOWN])
    notifier.show([DUTY_STARTED])
    notifier.show([SOURCE_BACK])
    assert recorder.withdrawn == [
        recorder.note(DUTY_SOON.key).id,
        recorder.note(SOURCE_DOWN.key).id,
    ]


def test_a_summary_replaces_the_last_summary_and_the_notes_it_covers(
    notifier: Notifier, recorder: Recorder
) -> None:
    notifier.show([ticket_alert(1, AlertKind.SLA_WARNING)])
    notifier.show([ticket_alert(n) for n in range(10, 15)])
    notifier.show(
        [ticket_alert(1, AlertKind.SLA_BREACHED)] + [ticket_alert(n) for n in range(20, 24)]
    )
    warning, first_summary, _ = recorder.shown
    assert recorder.withdrawn == [first_summary.id, warning.id]


def test_nothing_shows_after_close(notifier: Notifier, recorder: Recorder) -> None:
    notifier.close()
    notifier.close()
    notifier.show([p1(1)])
    assert recorder.shown == [] and recorder.closed
