"""Every fault case through the command line a user runs: no crash, no false "done", no leak.

`status` reads from the fault server with every endpoint switched into one fault case
(tests/faultcases.py); `ack` writes with only the acknowledge endpoint switched. Whatever
the case, no traceback reaches stderr, no token and no raw terminal control reaches the
terminal, and `ack` says "Acknowledged" only when the server's answer confirmed it.
Hangs and drips, which cost a whole budget, are held to it in tests/test_cli_faults.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FAULT_TOKEN
from tests.faultcases import FAULT_CASES, FaultCase
from tests.faultserver import FaultServer
from tests.test_cli_faults import cli, team_config
from traysupport.cli import EXIT_FAILED, EXIT_NO_ANSWER, EXIT_OK, EXIT_QUEUED
from traysupport.service import TRANSIENT_ERRORS

FAST_CASES = [
    pytest.param(case, id=case.id) for case in FAULT_CASES if case.id not in ("hang", "drip")
]
UNSAFE = ("\x1b", "\x07", "\u202e", "\x00")


def assert_safe(text: str) -> None:
    assert FAULT_TOKEN not in text, "the token reached the terminal"
    for char in UNSAFE:
        assert char not in text, f"{char!r} reached the terminal raw"


@pytest.mark.parametrize("case", FAST_CASES)
def test_status_against_each_fault(
    tmp_path: Path, fault_server: FaultServer, case: FaultCase
) -> None:
    config = team_config(tmp_path, fault_server.url)
    fault_server.set("*", case.fault)

    run = cli(tmp_path, "status", "--config", str(config))

    assert_safe(run.out + run.err)
    expected = EXIT_OK if case.read_error is None else EXIT_NO_ANSWER
    assert run.code == expected, run


@pytest.mark.parametrize("case", FAST_CASES)
def test_ack_against_each_fault(tmp_path: Path, fault_server: FaultServer, case: FaultCase) -> None:
    config = team_config(tmp_path, fault_server.url)
    assert cli(tmp_path, "status", "--config", str(config)).code == EXIT_OK
    fault_server.set("acknowledge", case.fault)

    run = cli(tmp_path, "ack", "SUP-142", "--config", str(config))

    assert_safe(run.out + run.err)
    if case.write_error is None:
        assert (run.code, run.out.strip()) == (EXIT_OK, "Acknowledged SUP-142"), run
        return
    assert "Acknowledged" not in run.out, "an unconfirmed write was reported done"
    transient = issubclass(case.write_error, TRANSIENT_ERRORS)
    assert run.code == (EXIT_QUEUED if transient else EXIT_FAILED), run
