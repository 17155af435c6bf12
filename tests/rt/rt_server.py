"""A throwaway Request Tracker 5 (Debian's packages) for the integration tests.

`start_rt(folder)` makes a whole RT instance inside one temporary folder and starts it:

1. ``RT_SiteConfig.pm`` in the folder (found through ``RT_SITE_CONFIG``; an empty
   ``RT_SITE_CONFIG_DIR`` keeps Debian's ``/etc/request-tracker5/RT_SiteConfig.d`` out):
   SQLite database ``rt.db`` in the folder, web root (``WebPath ""``), mail to
   ``testfile`` (nothing leaves the machine), logs to the server's stderr, UTC, and
   ``%ServiceAgreements`` levels P1 (response 1 h), P2 (3 h), P3 (24 h).
2. ``rt-setup-database-5 --action init`` builds the schema and RT's initial data.
3. ``seed_rt.pl`` (RT's own Perl API) adds the queue ``Support`` (SLA on), the agents
   sam@example.com "Sam Rivera" and priya@example.com "Priya Natarajan" (may see, own,
   take, steal, modify, comment in Support), dana@example.com "Dana Observer" (may only
   see: setting Owner to her is refused), an auth token for each and for root, and
   five tickets (Priority 90/P1, 50/P2, 20/P3, 10 and 0 with no SLA, so no Due).
4. ``rt-server`` (Starlet, two workers) on 127.0.0.1 at a free port, in its own
   process group; ready once ``GET /REST/2.0/rt`` answers with the root token.

`RTServer.stop()` ends the whole process group and waits for it. `rt_missing()` says
why RT cannot run here (packages not installed), for a skip.

What RT 5.0.3 answers (more, with JSON, in /work/notes/rt_observed.md; each fact is
checked in tests/rt/test_rt_server.py):

- Auth ``Authorization: token <authstring>``; a bad token gives
  ``401 {"message":"Unauthorized"}``.
- Search items carry ``id`` as a string, ``GET /ticket/{id}`` as a number; ``Priority``
  is a numeric string; an unset ``Due`` is ``"1970-01-01T00:00:00Z"`` (and the ``SLA`` key
  is absent); ``Owner`` is ``{"id": "Nobody", ...}`` when unowned. ``orderby=Due`` puts
  the unset ones first. Paging: ``total, count, page, pages, per_page`` and
  ``next_page`` (absent on the last page); an empty result has ``"pages": 0.0``.
- ``ETag`` is the last transaction's id, quoted; a stale ``If-Match`` gives
  ``412 {"message":"Precondition Failed"}``.
- ``PUT /ticket/{id}`` answers 200 with a list of messages, refusals included:
  ``["Ticket 2: That user may not own tickets in that queue"]``; nothing to change
  gives ``[]``. ``PUT /ticket/{id}/take`` needs ``Content-Type: application/json``
  (else 415) and answers ``["That user already owns that ticket"]`` when already mine.
- ``POST /ticket/{id}/comment`` answers ``201 ["Comments added"]`` with ``Location:
  /REST/2.0/transaction/<n>``; without the right it is ``400 {"message":"Permission
  Denied"}``.
- ``GET /users`` needs only a Privileged user. ``fields[Owner]=Name,EmailAddress,RealName``
  puts the owner's email and name into search items.
- History for a non-admin has ``total``/``pages`` null, no ``next_page``, and pages may
  be short while more follow: read until an empty page.
- A reply (correspond) by the owner sets Due back to 1970-01-01; a comment does not.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
SETUP_DATABASE = Path("/usr/sbin/rt-setup-database-5")
SEED_SCRIPT = Path(__file__).with_name("seed_rt.pl")
QUEUE = "Support"
AGENTS = {"sam@example.com": "Sam Rivera", "priya@example.com": "Priya Natarajan"}
"""The seeded agents (may own and comment in Support), by email."""
OBSERVER = "dana@example.com"
"""Sees Support but may not own its tickets: setting Owner to her is refused."""

READY_SECONDS = 60.0
"""Upper bound on rt-server's start (about 3 s here); past it the start has failed."""
STEP_SECONDS = 120.0
"""Upper bound on the database set-up and the seed (about 5 s and 3 s here)."""
STOP_SECONDS = 10.0

SITE_CONFIG = """\
# A throwaway RT for the traysupport tests; written by tests/rt/rt_server.py.
Set($rtname, 'traysupport.test');
Set($Organization, 'traysupport.test');
Set($CorrespondAddress, 'rt@traysupport.test');
Set($CommentAddress, 'rt-comment@traysupport.test');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {port});
Set($WebPath, '');
Set($WebBaseURL, 'http://127.0.0.1:{port}');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{folder}/rt.db');
Set($DatabaseHost, 'localhost');
Set($DatabaseUser, '');
Set($DatabasePassword, '');
Set($MasonDataDir, '{folder}/mason');
Set($MasonSessionDir, '{folder}/sessions');
Set($MailCommand, 'testfile');
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($LogToSTDERR, 'error');
Set($Timezone, 'UTC');
# RT checks the token's bcrypt hash on every request: the default cost 12 takes ~0.2 s each.
Set($BcryptCost, 4);
Set(%ServiceAgreements, (
    AssumeOutsideActor => 1,
    Levels => {{
        'P1' => {{ Response => {{ RealMinutes => 60 }} }},
        'P2' => {{ Response => {{ RealMinutes => 3 * 60 }} }},
        'P3' => {{ Response => {{ RealMinutes => 24 * 60 }} }},
    }},
));
1;
"""
SLA_MINUTES = {"P1": 60, "P2": 3 * 60, "P3": 24 * 60}


class RTStartError(RuntimeError):
    """RT is installed but the instance could not be made or started (with its log)."""


def rt_missing() -> str | None:
    """Why a real RT cannot run here, or None when it can."""
    if shutil.which("perl") is None:
        return "perl is not installed"
    for path in (RT_SERVER, SETUP_DATABASE):
        if not path.exists():
            return (
                f"Request Tracker 5 is not installed ({path} is missing); "
                "install request-tracker5, rt5-db-sqlite and rt5-standalone (see .ci/run)"
            )
    return None


@dataclass
class RTServer:
    """A running throwaway RT: its URLs, seeded names and tokens, and its process."""

    url: str
    """The web root, e.g. ``http://127.0.0.1:43121`` (no trailing slash)."""
    folder: Path
    tokens: dict[str, str]
    """Auth strings by user email, plus ``root`` (SuperUser)."""
    user_ids: dict[str, int]
    queue: str
    queue_id: int
    tickets: tuple[int, ...]
    """The seeded tickets: P1 (Priority 90), P2 (50), P3 (20), no SLA (10), no SLA (0)."""
    process: subprocess.Popen[bytes] = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds each start step took (initdb, seed, serve), for the report."""

    @property
    def api(self) -> str:
        """REST2's base URL."""
        return f"{self.url}/REST/2.0"

    def headers(self, who: str) -> dict[str, str]:
        """The Authorization header for a seeded user (email) or ``root``."""
        return {"Authorization": f"token {self.tokens[who]}"}

    def ticket_url(self, ticket_id: int) -> str:
        """The ticket's page in RT's web UI."""
        return f"{self.url}/Ticket/Display.html?id={ticket_id}"

    def new_ticket(self, subject: str, priority: int, sla: str | None = None) -> int:
        """Create a fresh Support ticket as root through REST2, so a test owns its data."""
        body: dict[str, object] = {
            "Queue": self.queue,
            "Subject": subject,
            "Priority": priority,
            "Requestor": "customer@example.org",
            "Content": f"Created by a test: {subject}",
            "ContentType": "text/plain",
        }
        if sla is not None:
            body["SLA"] = sla
        reply = requests.post(
            f"{self.api}/ticket", json=body, headers=self.headers("root"), timeout=30
        )
        if reply.status_code != 201:
            raise RTStartError(f"creating a ticket: {reply.status_code} {reply.text}")
        return int(reply.json()["id"])

    def log(self) -> str:
        """What rt-server wrote (its errors), for failure messages."""
        path = self.folder / "rt-server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """End rt-server and its workers (the whole process group) and reap them."""
        _stop_group(self.process)


def start_rt(folder: Path) -> RTServer:
    """Make and start an RT instance inside `folder` (which must exist and be empty)."""
    folder = folder.resolve()
    for sub in ("site.d", "mason", "sessions"):
        (folder / sub).mkdir()
    port = _free_port()
    (folder / "RT_SiteConfig.pm").write_text(SITE_CONFIG.format(port=port, folder=folder))
    env = dict(os.environ)
    env.update(
        RT_SITE_CONFIG=str(folder / "RT_SiteConfig.pm"),
        RT_SITE_CONFIG_DIR=str(folder / "site.d"),
        LC_ALL="C.UTF-8",
    )
    timings: dict[str, float] = {}
    begun = time.monotonic()
    _run(
        [str(SETUP_DATABASE), "--action", "init", "--skip-create"],
        env,
        folder,
        "rt-setup-database",
    )
    timings["initdb"] = time.monotonic() - begun
    begun = time.monotonic()
    seeded = json.loads(_run(["perl", str(SEED_SCRIPT)], env, folder, "seeding RT"))
    timings["seed"] = time.monotonic() - begun
    begun = time.monotonic()
    with (folder / "rt-server.log").open("wb") as log:
        # Own process group: stop() ends the Starlet master and its workers together.
        process = subprocess.Popen(
            [str(RT_SERVER), "--host", "127.0.0.1", "--port", str(port), "--max-workers", "2"],
            env=env,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = RTServer(
        url=f"http://127.0.0.1:{port}",
        folder=folder,
        tokens=seeded["tokens"],
        user_ids={k: int(v) for k, v in seeded["user_ids"].items()},
        queue=seeded["queue"],
        queue_id=int(seeded["queue_id"]),
        tickets=tuple(int(t) for t in seeded["tickets"]),
        process=process,
        timings=timings,
    )
    try:
        _wait_ready(server)
    except BaseException:
        server.stop()
        raise
    timings["serve"] = time.monotonic() - begun
    return server


def _free_port() -> int:
    """A port free on 127.0.0.1 right now (rt-server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(argv: list[str], env: dict[str, str], folder: Path, what: str) -> str:
    """Run one set-up step to its end; its stdout, or RTStartError with its output."""
    try:
        done = subprocess.run(
            argv,
            env=env,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=STEP_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RTStartError(f"{what} did not finish within {STEP_SECONDS:.0f} s") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace")
        raise RTStartError(f"{what} failed (exit {done.returncode}):\n{output[-4000:]}")
    return done.stdout.decode()


def _wait_ready(server: RTServer) -> None:
    """Poll REST2 until it answers 200, rt-server exits, or READY_SECONDS pass."""
    deadline = time.monotonic() + READY_SECONDS
    probe = f"{server.api}/rt"
    while True:
        if server.process.poll() is not None:
            raise RTStartError(
                f"rt-server exited with {server.process.returncode} before answering:\n"
                f"{server.log()[-4000:]}"
            )
        try:
            reply = requests.get(probe, headers=server.headers("root"), timeout=5)
        except requests.ConnectionError:
            reply = None
        if reply is not None:
            if reply.status_code == 200:
                return
            raise RTStartError(f"rt-server answered {reply.status_code}: {reply.text[:500]}")
        if time.monotonic() > deadline:
            raise RTStartError(
                f"rt-server did not answer within {READY_SECONDS:.0f} s:\n{server.log()[-4000:]}"
            )
        # Not yet listening: wait for the process to exit or a short while, then probe again.
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=0.1)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers, and reap the leader."""
    if process.poll() is None or _group_alive(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)
    # Workers leave with their master; make sure none is left behind.
    if _group_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group is still there."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
