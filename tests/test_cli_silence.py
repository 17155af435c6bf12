"""`traysupport silence TICKET` (issue 11): through the outbox like `ack`, with the same
ticket resolution and exit codes; a source whose tool cannot silence (the team API, the
demo) refuses it with exit 1, saying what to do, and nothing is sent.

Real parts, as in tests/test_cli.py: the CLI in its own process against the demo team
served in this one.
"""

from __future__ import annotations

from tests.test_cli import EXIT_FAILED, DemoRun, by_id, demo, ok, status, traysupport

__all__ = ["demo"]  # the module-scoped fixture, shared with tests/test_cli.py's shape


def test_silence_is_a_command_with_the_ticket_argument(demo: DemoRun) -> None:
    run = ok(demo.home, "silence", "--help")
    assert "until it escalates" in run.out
    assert "TICKET" in run.out.upper()


def test_silencing_a_ticket_of_a_source_that_cannot_silence_exits_1_and_says_why(
    demo: DemoRun,
) -> None:
    run = traysupport(demo.home, "silence", "DEMO-1003", "--demo")

    assert run.code == EXIT_FAILED, run
    assert "not done:" in run.err
    assert "cannot silence tickets" in run.err
    assert run.out == ""
    after = status(demo.home)
    assert by_id(after, "1003")["status"] == by_id(demo.first_status, "1003")["status"]


def test_silencing_an_unknown_ticket_exits_1_like_ack(demo: DemoRun) -> None:
    run = traysupport(demo.home, "silence", "DEMO-9999", "--demo")
    assert run.code == EXIT_FAILED
    assert "no open ticket 'DEMO-9999'" in run.err
