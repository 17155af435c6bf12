"""`runtime.Engine.apply`: a running engine takes a new config without a restart.

Real parts: demo teams served over HTTP on 127.0.0.1 as team-API sources (one of them
wanting a token), the settings loaded from a real file by the real loader, the real
store, APScheduler and the HomeLoop.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from tests.clock import FakeClock
from tests.test_service import START, Heard
from traysupport.config import Config, load_config
from traysupport.demo import DemoServer
from traysupport.runtime import Engine, RestartNeededError, open_engine
from traysupport.service import HomeLoop

TOKEN = "alpha-token-1"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRAYSUPPORT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TRAYSUPPORT_ALPHA_TOKEN", TOKEN)
    return tmp_path


@pytest.fixture
def servers() -> Iterator[tuple[DemoServer, DemoServer]]:
    clock = FakeClock(START)
    alpha = DemoServer(clock=clock, start=START, token=TOKEN)
    beta = DemoServer(clock=clock, start=START)
    alpha.start()
    beta.start()
    yield alpha, beta
    alpha.stop()
    beta.stop()


def settings(home: Path, *sources: tuple[str, str], extra: str = "") -> Config:
    """The config a file naming team-API *sources* (name, url) loads to."""
    text = f"config_version = 2\n{extra}\n"
    for name, url in sources:
        text += f'[[source]]\nname = "{name}"\nprovider = "team-api"\nurl = "{url}"\n'
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def engine(home: Path, servers: tuple[DemoServer, DemoServer]) -> Iterator[Engine]:
    alpha, _beta = servers
    scheduler = BackgroundScheduler(timezone=UTC)
    loop = HomeLoop()
    config = settings(home, ("alpha", alpha.url))
    with open_engine(
        config, scheduler=scheduler, call_soon=loop.call_soon, listener=Heard(), notifies=False
    ) as running:
        yield running


def names(engine: Engine) -> list[str]:
    return [s.name for s in engine.sources]


def test_an_added_source_is_built_and_the_unchanged_one_kept(
    home: Path, engine: Engine, servers: tuple[DemoServer, DemoServer]
) -> None:
    alpha, beta = servers
    first = engine.service.poll_once(budget=10)
    assert [s.ok for s in first.snapshot.sources] == [True], "the token did not reach alpha"
    kept = engine.sources.built[0]

    engine.apply(settings(home, ("alpha", alpha.url), ("beta", beta.url)))

    assert names(engine) == ["alpha", "beta"]
    assert engine.sources.built[0] is kept, "an unchanged source was built again"
    state = engine.service.poll_once(budget=10)
    assert {t.source for t in state.snapshot.tickets} == {"alpha", "beta"}
    assert engine.config.source("beta") is not None


def test_a_changed_url_or_token_builds_the_source_again(
    home: Path,
    engine: Engine,
    servers: tuple[DemoServer, DemoServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alpha, beta = servers
    kept = engine.sources.built[0]

    monkeypatch.setenv("TRAYSUPPORT_ALPHA_TOKEN", "a-new-token")
    engine.apply(settings(home, ("alpha", alpha.url)))
    rebuilt = engine.sources.built[0]
    assert rebuilt is not kept, "a new token was not taken"
    # The server wants the old token: the new one is refused, so it was sent.
    refused = engine.service.poll_once(budget=10)
    assert not refused.snapshot.sources[0].ok

    engine.apply(settings(home, ("alpha", beta.url)))
    assert engine.sources.built[0] is not rebuilt, "a new URL was not taken"
    assert engine.service.poll_once(budget=10).snapshot.sources[0].ok


def test_new_alert_and_poll_settings_apply_and_the_sources_stay(
    home: Path, engine: Engine, servers: tuple[DemoServer, DemoServer]
) -> None:
    alpha, _beta = servers
    kept = engine.sources.built[0]

    engine.apply(
        settings(
            home,
            ("alpha", alpha.url),
            extra="[alerts]\nduty_ending_minutes = 45\n[poll]\nqueue_seconds = 90\n",
        )
    )

    assert engine.sources.built[0] is kept
    assert engine.service.settings.duty_ending_lead.total_seconds() == 45 * 60
    assert engine.config.poll.queue_interval.total_seconds() == 90


def test_a_switch_to_the_demo_team_needs_another_engine(home: Path, engine: Engine) -> None:
    before = engine.sources

    with pytest.raises(RestartNeededError, match="demo team"):
        engine.apply(Config())

    assert engine.sources is before
