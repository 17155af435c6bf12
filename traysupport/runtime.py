"""Headless composition: config → store → sources → service, for the CLI and the tray app.

The tray app (app.py) builds on `open_engine` with its own scheduler and `call_soon`;
the CLI uses it with APScheduler's BackgroundScheduler and a `HomeLoop`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traysupport import paths
from traysupport.config import Config, get_secret
from traysupport.config_source_schema import SourceConfig, demo_source
from traysupport.core.alerts import AlertSettings, QuietHours
from traysupport.core.sla import SlaPolicy
from traysupport.demo import DemoServer
from traysupport.ownership import NotificationsLock
from traysupport.service import (
    CallSoon,
    PollSettings,
    ServiceListener,
    SupportService,
)
from traysupport.service.model import Clock, utc_now
from traysupport.sources.base import SourceError
from traysupport.sources.http import HttpClient, HttpLimits
from traysupport.sources.provider import BuiltSource, HttpFactory, SourceContext
from traysupport.sources.redact import register_secret
from traysupport.sources.setting_times import clock_times
from traysupport.store import Store

log = logging.getLogger(__name__)

DEMO_RUNTIME_FILE = "demo-server.json"


class SetupError(Exception):
    """The configuration names something traysupport cannot build; the message says what."""


def sla_policy(config: Config) -> SlaPolicy:
    """The SLA policy the config asks for."""
    sla = config.sla
    return SlaPolicy(
        p1=sla.p1,
        p2=sla.p2,
        p3=sla.p3,
        p4=sla.p4,
        warn_fraction=sla.warn_fraction,
        warn_min=sla.warn_min,
    )


def alert_settings(config: Config) -> AlertSettings:
    """The alert rules' settings from the config (no pause, no snoozes yet)."""
    alerts = config.alerts
    quiet = None if alerts.quiet_hours is None else QuietHours(*alerts.quiet_hours)
    return AlertSettings(
        tz=config.ui.tz,
        duty_soon_leads=alerts.duty_soon,
        evening_before=alerts.evening_before,
        duty_ending_lead=alerts.duty_ending,
        new_ticket_off_duty_p1=alerts.p1_off_duty,
        assigned_to_me=alerts.assigned_to_me,
        priority_raised=alerts.priority_raised,
        breach_repeat_p1=alerts.breach_repeat,
        source_down_after=alerts.source_down_after,
        quiet_hours=quiet,
        quiet_allow_p1=alerts.quiet_allow_p1,
        review_times=clock_times(alerts.review_times),
        review_sources=alerts.review_sources,
        sla=sla_policy(config),
    )


def poll_settings(config: Config, demo_speed: float = 1.0) -> PollSettings:
    """Poll intervals from the config; the demo team, being local, is polled briskly."""
    if config.is_demo:
        # Its script moves in seconds, and ETag makes an unchanged poll nearly free.
        return PollSettings(
            rotation_seconds=max(2.0, 30.0 / demo_speed),
            queue_seconds=max(1.0, 5.0 / demo_speed),
            jitter=0.0,
        )
    return PollSettings(
        rotation_seconds=config.poll.rotation_interval.total_seconds(),
        queue_seconds=config.poll.queue_interval.total_seconds(),
        jitter=config.poll.jitter,
    )


@dataclass(frozen=True, slots=True)
class Sources:
    """The sources one config asks for, built, in the config's order."""

    built: tuple[BuiltSource, ...]
    demo_url: str = ""
    made_from: tuple[object, ...] = ()
    """For each source, what it was made from (`_made_from`): equal means unchanged."""

    def __iter__(self) -> Iterator[BuiltSource]:
        return iter(self.built)

    def close(self) -> None:
        """Close every source's connections."""
        for source in self.built:
            source.close()


def _http_factory(name: str, token: str | None, limits: HttpLimits | None) -> HttpFactory:
    def make(base_url: str, *, auth: str | None = None, **kwargs: Any) -> HttpClient:
        if limits is not None:
            kwargs.setdefault("limits", limits)
        return HttpClient(name, base_url, auth=auth, **kwargs)

    if token:  # masked from every message, however a provider sends it
        register_secret(token)
    return make


def build_source(
    source: SourceConfig,
    config: Config,
    demo_url: str = "",
    clock: Clock = utc_now,
    *,
    http_limits: HttpLimits | None = None,
) -> BuiltSource:
    """Make one configured source (no network); SetupError when it cannot be made.

    *http_limits* replaces the HTTP client's defaults (a quick probe asks for fewer retries).
    """
    spec = source.spec
    token = None if spec.name == "demo" else get_secret(source.token_ref)
    context = SourceContext(
        name=source.name,
        token=token,
        http=_http_factory(source.name, token, http_limits),
        clock=clock,
        local_url=demo_url,
    )
    try:
        made = spec.build(source.options, context)
    except SourceError as error:
        raise SetupError(str(error)) from error
    poll = source.common.poll
    return BuiltSource(
        name=source.name,
        provider=spec.name,
        roles=source.roles,
        source=made,
        me=source.common.me or config.me,
        poll_seconds=None if poll is None else poll.total_seconds(),
    )


def build_sources(
    config: Config, demo_url: str = "", clock: Clock = utc_now, *, reuse: Sources | None = None
) -> Sources:
    """Make every source the config asks for; *demo_url* is the demo server's base URL.

    With *reuse* (the sources running now), a source whose settings, token and `me` are
    unchanged is that same object, not a new one (`SupportService.reconfigure` keeps
    its data and jobs); only the new ones are closed if building one fails.
    """
    # Compared by equality: a provider's settings may hold lists, so no dict keys.
    old = [] if reuse is None else list(zip(reuse.made_from, reuse.built, strict=True))
    built: list[BuiltSource] = []
    made_from: list[object] = []
    try:
        for source in config.effective_sources:
            key = _made_from(source, config, demo_url)
            same = next((made for made_key, made in old if made_key == key), None)
            built.append(same or build_source(source, config, demo_url, clock))
            made_from.append(key)
    except BaseException:
        for made in built:
            if not any(made is running for _key, running in old):
                made.close()
        raise
    return Sources(tuple(built), demo_url if config.is_demo else "", tuple(made_from))


def _made_from(source: SourceConfig, config: Config, demo_url: str) -> object:
    """What a built source depends on: its settings, its token (as a digest: the token
    itself is kept nowhere but in its client), who the user is, and the demo's URL."""
    token = None if source.spec.name == "demo" else get_secret(source.token_ref)
    digest = "" if token is None else hashlib.sha256(token.encode()).hexdigest()
    return (source, digest, source.common.me or config.me, demo_url)


# -- the demo server shared between processes ---------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoRun:
    """One run of the demo team: where it serves, and an id for its own store."""

    url: str
    run_id: str


def running_demo() -> DemoRun | None:
    """The demo server another traysupport process runs, if it answers."""
    try:
        data = json.loads(_demo_runtime_path().read_text(encoding="utf-8"))
        run = DemoRun(str(data["url"]), str(data["run"]))
        pid = int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _process_alive(pid):
        return None
    # One quick try: a stale file must not make every CLI command wait for retries.
    quick = HttpLimits(max_retries=0, read_timeout=3)
    probe = build_source(demo_source(), Config(), run.url, http_limits=quick)
    try:
        if probe.fetch_me is not None:
            probe.fetch_me()
    except SourceError:
        return None
    finally:
        probe.close()
    return run


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _demo_runtime_path() -> Path:
    return paths.runtime_dir() / DEMO_RUNTIME_FILE


@contextmanager
def demo_server(
    port: int = 0, speed: float = 1.0, clock: Clock = utc_now
) -> Iterator[tuple[DemoServer, DemoRun]]:
    """Run the embedded demo team and publish it, so other processes (the CLI) find it.

    Its script starts at *clock*'s now and plays on that clock (tests pass a fake one).
    """
    server = DemoServer(port=port, speed=speed, clock=clock)
    server.start()
    run = DemoRun(server.url, uuid.uuid4().hex[:12])
    _forget_old_demo_runs()
    info = _demo_runtime_path()
    try:
        info.parent.mkdir(parents=True, exist_ok=True)
        info.write_text(
            json.dumps({"url": run.url, "run": run.run_id, "pid": os.getpid()}), encoding="utf-8"
        )
        yield server, run
    finally:
        with suppress(OSError):
            info.unlink()
        server.stop()


def _forget_old_demo_runs() -> None:
    """A new demo run starts its script afresh: the old runs' fired alerts must not count."""
    for old in demo_store_dir().glob("*.sqlite3*"):
        with suppress(OSError):
            old.unlink()


def demo_store_dir() -> Path:
    """Where the demo runs keep their stores, apart from the user's own."""
    return paths.data_dir() / "demo"


def open_store(config: Config, demo: DemoRun | None = None) -> Store:
    """The user's store, or the demo run's own store."""
    if config.is_demo and demo is not None:
        demo_store_dir().mkdir(parents=True, exist_ok=True)
        return Store(demo_store_dir() / f"{demo.run_id}.sqlite3")
    return Store.open_default()


# -- the engine -----------------------------------------------------------------------------


class RestartNeededError(SetupError):
    """The new settings cannot be applied to the running engine (they switch to or from
    the demo team, which has a store of its own); the message says so."""


@dataclass(slots=True)
class Engine:
    """Everything the CLI and the tray app drive: the config, the store and the service."""

    config: Config
    store: Store
    sources: Sources
    service: SupportService
    notifications: NotificationsLock
    """Held while this process shows the home's alerts (see `traysupport.ownership`)."""
    demo_speed: float = 1.0
    clock: Clock = utc_now

    def apply(self, config: Config) -> None:
        """Home thread: run on *config* from now on, without a restart.

        The sources are built again where their settings (or token) changed, kept where
        not, and handed to `SupportService.reconfigure` with the new alert and poll
        settings. Raises `SetupError` (nothing changed) when a source cannot be built,
        `RestartNeededError` when the change needs another store (to or from the demo).
        """
        if config.is_demo != self.config.is_demo:
            raise RestartNeededError(
                "switching to or from the demo team takes effect when traysupport starts again"
            )
        sources = build_sources(config, self.sources.demo_url, self.clock, reuse=self.sources)
        self.service.reconfigure(
            sources.built,
            alert_settings(config),
            poll_settings(config, self.demo_speed),
            me_hint=config.me,
        )
        self.sources, self.config = sources, config
        log.info("settings applied (%s)", config.source_description)


@contextmanager
def open_engine(
    config: Config,
    *,
    scheduler: Any,
    call_soon: CallSoon,
    listener: ServiceListener,
    demo_speed: float = 1.0,
    notifies: bool = True,
    clock: Clock = utc_now,
) -> Iterator[Engine]:
    """Build the engine; for the demo team, use a running demo server or start one.

    With *notifies* the service shows alerts whenever it holds the home's notifications
    lock (`traysupport.ownership`); without, it never does: one-shot commands show the
    state and must not mark alerts fired that nobody saw.
    """
    lock = NotificationsLock()
    owns_alerts = lock.try_hold if notifies else (lambda: False)
    with demo_for(config, demo_speed, clock) as demo:
        sources = build_sources(config, demo.url if demo else "", clock)
        engine: Engine | None = None
        store = open_store(config, demo)
        try:
            service = SupportService(
                sources=sources.built,
                store=store,
                scheduler=scheduler,
                call_soon=call_soon,
                listener=listener,
                settings=alert_settings(config),
                poll=poll_settings(config, demo_speed),
                me_hint=config.me,
                clock=clock,
                owns_alerts=owns_alerts,
            )
            engine = Engine(config, store, sources, service, lock, demo_speed, clock)
            yield engine
        finally:
            lock.release()
            store.close()
            # The sources now running: `Engine.apply` may have replaced those built here.
            (engine.sources if engine is not None else sources).close()


@contextmanager
def demo_for(
    config: Config, speed: float = 1.0, clock: Clock = utc_now
) -> Iterator[DemoRun | None]:
    """For a demo config, the demo run to use: a running one, else one started here on
    *clock*."""
    if not config.is_demo:
        yield None
        return
    running = running_demo()
    if running is not None:
        log.info("using the demo server at %s", running.url)
        yield running
        return
    with demo_server(speed=speed, clock=clock) as (_server, run):
        yield run
