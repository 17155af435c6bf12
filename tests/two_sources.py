"""Two demo-team servers as two sources of one config: "alpha" serves the rotation and
its queue, "beta" only its queue. Each runs on a fake clock held one scenario minute in,
so the scripted tickets DEMO-1001..1004 are open on both at once and nothing moves."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.clock import FakeClock
from traysupport.demo import DemoServer

SCRIPT_MINUTE_IN = timedelta(seconds=60)


def held_server(start: datetime) -> tuple[DemoServer, FakeClock]:
    """A demo server (not started) whose script began at *start*, held a minute in."""
    clock = FakeClock(start + SCRIPT_MINUTE_IN)
    return DemoServer(clock=clock, start=start), clock


def write_config(path: Path, alpha: DemoServer, beta: DemoServer) -> Path:
    """The config naming both servers as sources; returns *path*."""
    path.write_text(
        f"""
config_version = 2
me = "sam.rivera@example.com"

[[source]]
name = "alpha"
provider = "team-api"
url = "{alpha.url}"

[[source]]
name = "beta"
provider = "team-api"
url = "{beta.url}"
roles = ["queue"]
""",
        encoding="utf-8",
    )
    return path
