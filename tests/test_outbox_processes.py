"""Three real traysupport processes share one outbox: every action reaches the server once.

Each process runs the real service (store, team-API client, scheduler, home loop) on the
same database, records nothing, and drains what is there. The server counts the POSTs
per Idempotency-Key and does NOT deduplicate them: a count above one is an action
delivered twice, which only the idempotency key of a real server would have hidden.

The server holds every POST until the third process has started and drained once, so
that process opens the store while the first two are in the middle of sending. That is
when the old store reset their actions to pending and sent them all again.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from traysupport.core.model import ActionKind, UserAction
from traysupport.store import OutboxState, Store

REPO = Path(__file__).resolve().parents[1]
ACTIONS = 20
DEADLINE = 60.0
"""Seconds to wait for any one step before failing (the whole test takes a few)."""

PERSON = {"id": "you", "name": "Sam Rivera"}

_DRAINER = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC
    from pathlib import Path
    from apscheduler.schedulers.background import BackgroundScheduler
    from traysupport.core.alerts import AlertSettings
    from traysupport.service import HomeLoop, PollSettings, SupportService
    from traysupport.sources.http import HttpClient, HttpLimits
    from traysupport.sources.provider import BuiltSource
    from traysupport.sources.teamapi import TeamApiSource
    from traysupport.store import Store

    class Quiet:
        def state_changed(self, state): pass
        def alerts_fired(self, alerts): pass

    db, url = Path(sys.argv[1]), sys.argv[2]
    # One attempt per send, and patience for the held POSTs: retries are not under test.
    limits = HttpLimits(read_timeout=30.0, max_retries=0)
    source = TeamApiSource("team", url, http=HttpClient("team", url, limits=limits))
    store = Store(db)
    scheduler = BackgroundScheduler(timezone=UTC)
    loop = HomeLoop()
    service = SupportService(
        sources=[BuiltSource("team", "team-api", frozenset({"rotation", "queue"}), source)],
        store=store, scheduler=scheduler,
        call_soon=loop.call_soon, listener=Quiet(), settings=AlertSettings(),
        poll=PollSettings(rotation_seconds=3600.0, queue_seconds=3600.0, jitter=0.0),
        me_hint="you",
    )
    print("ready", flush=True)
    sys.stdin.readline()  # the test starts the drainers of one wave together
    scheduler.start()
    service.start()  # polls both sources; each poll's result drains the outbox
    deadline = time.monotonic() + float(sys.argv[3])
    while not all(s.ok for s in service.state().snapshot.sources):
        if time.monotonic() > deadline:
            sys.exit("the first polls did not come back")
        loop.run(timeout=0.05)
    print("drained", flush=True)
    while store.open_entries() and time.monotonic() < deadline:
        loop.run(timeout=0.05)
    left = store.open_entries()
    scheduler.shutdown(wait=True)
    store.close()
    source.close()
    sys.exit(f"not done: {[(e.id, e.state, e.last_error) for e in left]}" if left else 0)
    """
)


class CountingTeamApi(ThreadingHTTPServer):
    """A team API on 127.0.0.1 that counts POSTs per Idempotency-Key and holds them."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.posts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.release = threading.Event()
        """Set to let the held POSTs be answered."""
        self.first_post = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api"


class _Handler(BaseHTTPRequestHandler):
    server: CountingTeamApi

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: pytest shows a failing test's output, not every request

    def do_GET(self) -> None:
        answers: dict[str, object] = {
            "/api/people": {"people": [PERSON]},
            "/api/shifts": {"shifts": []},
            "/api/tickets": {"tickets": [], "next": None},
            "/api/me": PERSON,
        }
        path = self.path.split("?", 1)[0]
        if path in answers:
            self._answer(200, answers[path])
        else:
            self._answer(404, {"error": {"code": "not_found", "message": path}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        key = self.headers.get("Idempotency-Key", "")
        with self.server.lock:
            self.server.posts[key] += 1  # counted on arrival: a duplicate counts at once
        self.server.first_post.set()
        self.server.release.wait(DEADLINE)
        ticket_id = self.path.split("/")[-2]
        self._answer(
            200,
            {
                "id": ticket_id,
                "key": f"SUP-{ticket_id}",
                "title": "Printer on fire",
                "priority": "P3",
                "status": "acknowledged",
                "created_at": "2024-05-06T08:00:00Z",
                "assignee_id": "you",
                "acknowledged_at": "2024-05-06T09:00:00Z",
            },
        )

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def team_api() -> Iterator[CountingTeamApi]:
    server = CountingTeamApi()
    thread = threading.Thread(target=server.serve_forever, name="team-api")
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


class Drainer:
    """One traysupport process draining the outbox; its output lines arrive on a queue."""

    def __init__(self, script: Path, db_path: Path, url: str, name: str) -> None:
        self.errors = script.with_name(f"{name}.stderr")
        with self.errors.open("w", encoding="utf-8") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, str(script), str(db_path), url, str(DEADLINE)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put("")  # end of output

    def expect(self, wanted: str) -> None:
        """Wait for the next line to be *wanted*; fail with the process's stderr if not."""
        try:
            line = self.lines.get(timeout=DEADLINE)
        except queue.Empty:
            line = "(nothing)"
        if line != wanted:
            _, err = self.finish()
            pytest.fail(f"expected {wanted!r} from a drainer, got {line!r}; stderr:\n{err}")

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.close()

    def finish(self) -> tuple[int, str]:
        """Wait for the process to end (kill it after DEADLINE); its exit code and stderr."""
        try:
            self.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(DEADLINE)
        assert self.process.stdout is not None
        self.process.stdout.close()
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        return self.process.returncode, self.errors.read_text(encoding="utf-8")


def _start_wave(script: Path, db_path: Path, url: str, count: int) -> list[Drainer]:
    """Start *count* drainers, wait until each is ready, then let them go together."""
    first = len(list(script.parent.glob("*.stderr")))
    wave = [Drainer(script, db_path, url, f"drainer-{first + n}") for n in range(count)]
    for drainer in wave:
        drainer.expect("ready")
    for drainer in wave:
        drainer.go()
    return wave


def test_three_processes_draining_one_outbox_deliver_each_action_once(
    tmp_path: Path, team_api: CountingTeamApi
) -> None:
    db_path = tmp_path / "state.sqlite3"
    recorded = datetime.now(UTC) - timedelta(minutes=1)
    with Store(db_path) as store:
        for n in range(ACTIONS):
            store.record(
                UserAction(
                    id=f"00000000-0000-4000-8000-{n:012d}",
                    kind=ActionKind.ACKNOWLEDGE,
                    source="team",
                    ticket_id=str(100 + n),
                    by="you",
                    created_at=recorded,
                )
            )
    script = tmp_path / "drainer.py"
    script.write_text(_DRAINER, encoding="utf-8")
    drainers: list[Drainer] = []
    try:
        # Two processes drain at once: each action is claimed by one of them.
        drainers += _start_wave(script, db_path, team_api.url, 2)
        for drainer in drainers:
            drainer.expect("drained")
        assert team_api.first_post.wait(DEADLINE), "no action was sent"
        # A third process starts while their sends are held at the server.
        drainers += _start_wave(script, db_path, team_api.url, 1)
        drainers[-1].expect("drained")
        team_api.release.set()
        outcomes = [drainer.finish() for drainer in drainers]
    finally:
        for drainer in drainers:
            if drainer.process.returncode is None:
                drainer.process.kill()
                drainer.finish()
    with team_api.lock:
        posts = dict(team_api.posts)
    twice = {key: n for key, n in posts.items() if n != 1}
    assert twice == {}, f"{len(twice)} of {ACTIONS} actions were delivered more than once"
    assert len(posts) == ACTIONS
    for code, err in outcomes:
        assert code == 0, err
        assert "Traceback" not in err, err
    with Store(db_path) as store:
        entries = [store.entry(key) for key in posts]
    assert all(e is not None and e.state is OutboxState.DONE for e in entries)
