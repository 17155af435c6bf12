"""A misbehaving rotation-file server, for the provider contract (tests/sources/contract.py).

Built from tests/sources/ics_faultserver.py with a TOML body. One endpoint, ``feed``, at
``/private/<token>/feed`` (a private link: the token is in the URL path, so the URL itself
must never show in a message). It answers a rotation file whose turns run around `now`
(with an ETag, and 304 when it is sent back), or misbehaves as the
`Fault` set on it says, with every mode of tests/faultmodes.py in rotation-file terms. It reuses
tests/faultwire.py's `FaultHttpd` for handler tracking, so `stop()` ends hung handlers.
"""

from __future__ import annotations

import hashlib
import random
import socket
import struct
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from tests.faultmodes import Fault, Mode
from tests.faultwire import JOIN_SECONDS, FaultHttpd

PEOPLE = (("Ada Lo", "ada@example.com"), ("Bob Ng", "bob@example.com"))
PORTAL = b"<!doctype html><html><body><h1>Wi-Fi login</h1><form method=post></form></body></html>"
HOSTILE_NAME = "Eve\x1b[31m\u202eEvil\u0000 Person"


def feed_shifts(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """(id, start, end): the file's daily turns (00:00 UTC) from three days before *now*."""
    first = datetime.combine(now.date() - timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    return [
        (PEOPLE[n % 2][1], first + timedelta(days=n), first + timedelta(days=n + 1))
        for n in range(14)
    ]


def feed(now: datetime, *, hostile: bool = False) -> bytes:
    """The rotation file (docs/examples/rotation.toml's format) whose turns are `feed_shifts`.

    *hostile* puts control and direction characters in a name and the rotation's name; a
    rotation file is validated whole, so hostile *items* (a broken date) are not served:
    the file would be refused, rightly (see test_rotation_file_contract.py).
    """
    first = now.date() - timedelta(days=3)
    name = "Core\u202e\x07" if hostile else "Core"
    lines = [
        "version = 1",
        f"name = {_toml(name)}",
        'timezone = "UTC"',
        'turn = "daily"',
        'handoff_time = "00:00"',
        f"start = {first.isoformat()}",
    ]
    for n, (person, email) in enumerate(PEOPLE):
        shown = HOSTILE_NAME if hostile and n == 1 else person
        lines += ["", "[[member]]", f"name = {_toml(shown)}", f"email = {_toml(email)}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _toml(text: str) -> str:
    """*text* as a TOML basic string (controls escaped as \\uXXXX)."""
    out = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text)
    return f'"{out}"'


class RotationFaultServer:
    """The feed on 127.0.0.1, an ephemeral port; ``set("feed", fault)`` switches it."""

    def __init__(self, token: str, now: datetime | None = None) -> None:
        self.token = token
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._fault = Fault()
        self._hits: dict[str, int] = {}
        self._httpd: _Httpd | None = None
        self._serving: threading.Thread | None = None

    def start(self) -> Self:
        """Listen and serve on a thread."""
        self._httpd = _Httpd(self)
        self._serving = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="rotationfault"
        )
        self._serving.start()
        return self

    def stop(self) -> None:
        """End every handler (hung ones too), close the sockets, join the threads."""
        httpd, serving = self._httpd, self._serving
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        if serving is not None:
            serving.join(JOIN_SECONDS)
        httpd.server_close()
        left = httpd.end_handlers()
        self._httpd = self._serving = None
        if left:
            raise RuntimeError(f"rotation fault server handlers still running: {left}")

    @property
    def origin(self) -> str:
        """http://127.0.0.1:<port>."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The private file URL (it holds the token)."""
        return f"{self.origin}/private/{self.token}/feed"

    @property
    def writes(self) -> list[Any]:
        """A feed takes no writes."""
        return []

    def set(self, endpoint: str, fault: Fault, *, times: int | None = None) -> None:
        """Answer the feed with *fault* from now on (*times* is not needed here)."""
        assert endpoint == "feed" and times is None
        with self._lock:
            self._fault = fault

    def clear(self) -> None:
        """The sound feed again."""
        self.set("feed", Fault())

    def hits(self, endpoint: str) -> int:
        """Requests for *endpoint* ("feed")."""
        with self._lock:
            return self._hits.get(endpoint, 0)

    def count(self, endpoint: str) -> Fault:
        """Count a request; the fault to answer it with."""
        with self._lock:
            self._hits[endpoint] = self._hits.get(endpoint, 0) + 1
            return self._fault


class _Httpd(FaultHttpd):
    def __init__(self, owner: RotationFaultServer) -> None:  # FaultHttpd's, with our handler
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", 0), _Handler)
        self.owner = owner  # type: ignore[assignment]
        self._lock = threading.Lock()
        self._handlers = set()
        self._sockets = set()


class _Handler(BaseHTTPRequestHandler):
    server: _Httpd

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    def _route(self) -> None:
        owner: RotationFaultServer = self.server.owner  # type: ignore[assignment]
        path = self.path.split("?")[0]
        if path == "/portal":
            self._send(200, PORTAL, "text/html; charset=utf-8")
            return
        moved = path.startswith("/moved/")
        if path.removeprefix("/moved") != f"/private/{owner.token}/feed":
            self._send(404, b"Not found", "text/plain")
            return
        fault = owner.count("moved/feed" if moved else "feed")
        if moved or fault.mode in (Mode.OK, Mode.HOSTILE):
            body = feed(owner.now, hostile=fault.mode is Mode.HOSTILE and not moved)
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            if etag in (self.headers.get("If-None-Match") or ""):
                self._send(304, b"", "", (("ETag", etag),))
            else:
                self._send(200, body, "application/toml; charset=utf-8", (("ETag", etag),))
            return
        self._misbehave(owner, fault)

    def _misbehave(self, owner: RotationFaultServer, fault: Fault) -> None:
        mode = fault.mode
        if mode is Mode.STATUS:
            self._send(fault.status, b"injected fault", "text/plain", fault.headers)
        elif mode is Mode.HANG:
            owner.stopping.wait()
            self.close_connection = True
        elif mode is Mode.DRIP:
            body = feed(owner.now)
            self._head(200, "application/toml", len(body))
            for index in range(len(body)):
                if owner.stopping.wait(fault.interval):
                    break
                self.wfile.write(body[index : index + 1])
            self.close_connection = True
        elif mode is Mode.GARBAGE:
            self._send(200, random.Random(7).randbytes(2048), "application/toml")
        elif mode is Mode.WRONG_SHAPE:  # TOML, but not a rotation file
            self._send(200, b'[tool.poetry]\nname = "x"\n', "application/toml")
        elif mode is Mode.HUGE:
            self._head(200, "application/toml", fault.size if fault.declare_length else None)
            chunk, left = b"# " + b"x" * (64 * 1024 - 3) + b"\n", fault.size
            while left > 0 and not owner.stopping.is_set():
                self.wfile.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
            self.close_connection = True
        elif mode is Mode.REDIRECT:
            targets = {
                "portal": f"{owner.origin}/portal",
                "other-portal": f"http://localhost:{self.server.server_address[1]}/portal",
                "moved": f"{owner.origin}/moved{self.path}",
            }
            location = targets.get(fault.target, fault.target)
            self._send(fault.status, b"", "text/plain", (("Location", location),))
        elif mode is Mode.HTML:
            self._send(200, PORTAL, "text/html; charset=utf-8")
        elif mode is Mode.ECHO_AUTH:  # the secret here is the path: echo it everywhere
            echo = f"no feed at {self.path} (Authorization: {self.headers.get('Authorization')})"
            self._send(fault.status, echo.encode(), "text/plain", (("X-Echo", self.path),))
        elif mode is Mode.RESET:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:  # REPLY
            raw = fault.payload if isinstance(fault.payload, bytes) else b""
            self._send(fault.status, raw, dict(fault.headers).get("Content-Type", "text/plain"))

    def _head(self, status: int, content_type: str, length: int | None, headers: Any = ()) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if length is None:
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", str(length))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, body: bytes, content_type: str, headers: Any = ()) -> None:
        self._head(status, content_type, len(body), headers)
        self.wfile.write(body)
