"""Fixtures every test may use: the fault-injection team-API server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.faultserver import FaultServer

FAULT_TOKEN = "fault-token-7Qx9-never-shown"
"""The token the `fault_server` fixture wants; tests check it never leaks."""


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A running `FaultServer` wanting `FAULT_TOKEN`; stopped after the test, threads joined."""
    server = FaultServer(token=FAULT_TOKEN)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    left = [t.name for t in threading.enumerate() if t.name.startswith("faultserver")]
    assert not left, f"the fault server left threads running: {left}"
