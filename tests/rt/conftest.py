"""The session's real Request Tracker: started once per test process, stopped at its end.

`rt_server` skips the tests that use it when RT is not installed, with the reason; with
``TRAYSUPPORT_REQUIRE_RT=1`` (set by .ci/run) that skip is a failure instead, so CI cannot
pass without having run them. RT installed but failing to start is always an error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.rt.rt_server import RTServer, rt_missing, start_rt

REQUIRE_ENV = "TRAYSUPPORT_REQUIRE_RT"


@pytest.fixture(scope="session")
def rt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RTServer]:
    """A running, seeded RT (see tests/rt/rt_server.py); its folder is removed afterwards."""
    reason = rt_missing()
    if reason is not None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("rt")
    server = start_rt(folder)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
