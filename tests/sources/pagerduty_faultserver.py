"""A misbehaving PagerDuty ``/oncalls`` server, for the provider contract (contract.py).

One endpoint, ``oncalls``, answering provider-apis.md §1's shape (one item per
escalation level, so every shift comes twice, at levels 1 and 2, and the provider must
keep it once), paged by ``offset``/``limit`` with ``more`` at most *page_size* items a
page, filtered to the asked ``since``/``until``. It wants ``Authorization: Token
token=<token>`` (else 401, as PagerDuty answers), or misbehaves as the `Fault` set on it
says, with every mode of tests/faultmodes.py in JSON terms. It reuses
tests/faultwire.py's `FaultHttpd` for handler tracking, so `stop()` ends hung handlers.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from tests.faultmodes import Fault, Mode
from tests.faultwire import JOIN_SECONDS, FaultHttpd

PEOPLE = (("PU1", "Ada Lo", "ada@example.com"), ("PU2", "Bob Ng", "bob@example.com"))
PORTAL = b"<!doctype html><html><body><h1>Wi-Fi login</h1><form method=post></form></body></html>"
HOSTILE_NAME = "Eve\x1b[31m\u202eEvil\u0000 Person"


def oncall_shifts(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """(user id, start, end): eighteen 12-hour shifts from a day before *now*, alternating."""
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    return [
        (PEOPLE[n % 2][0], first + timedelta(hours=12 * n), first + timedelta(hours=12 * (n + 1)))
        for n in range(18)
    ]


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def oncalls(now: datetime, since: datetime, until: datetime, *, hostile: bool) -> list[object]:
    """Sound items overlapping [since, until), each at levels 1 and 2; *hostile* adds bad ones."""
    users = {
        pid: {"id": pid, "type": "user", "name": name, "email": email}
        for pid, name, email in PEOPLE
    }
    schedule = {
        "id": "PS1",
        "type": "schedule_reference",
        "summary": "Core\u202e\x07" if hostile else "Core",
    }
    policy = {"id": "PE1", "type": "escalation_policy_reference", "summary": "Core EP"}
    items: list[object] = []
    for n, (pid, start, end) in enumerate(oncall_shifts(now)):
        if not (start < until and end > since):
            continue
        user = dict(users[pid], name=HOSTILE_NAME) if hostile and n == 1 else users[pid]
        for level in (1, 2):
            items.append(
                {
                    "user": user,
                    "schedule": schedule,
                    "escalation_policy": policy,
                    "escalation_level": level,
                    "start": _stamp(start),
                    "end": _stamp(end),
                }
            )
    if hostile:  # an impossible time, one ending before it starts, one with no user
        bad = {"user": users["PU1"], "schedule": schedule, "escalation_level": 1}
        items += [
            dict(bad, start="2026-13-99T99:00:00Z", end=_stamp(now)),
            dict(bad, start=_stamp(now), end=_stamp(now - timedelta(1))),
            dict(bad, user=None, start=_stamp(now), end=_stamp(now + timedelta(1))),
            "not an on-call",
        ]
    return items


def _time(values: list[str] | None, default: datetime) -> datetime:
    try:
        return datetime.fromisoformat(values[0]) if values else default
    except ValueError:
        return default


class PagerDutyFaultServer:
    """The API on 127.0.0.1, an ephemeral port; ``set("oncalls", fault)`` switches it."""

    def __init__(self, token: str, page_size: int = 100, now: datetime | None = None) -> None:
        self.token = token
        self.page_size = page_size
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
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="pdfault"
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
            raise RuntimeError(f"pagerduty fault server handlers still running: {left}")

    @property
    def origin(self) -> str:
        """http://127.0.0.1:<port>."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The base URL (PagerDuty's API has no path prefix)."""
        return self.origin

    @property
    def writes(self) -> list[Any]:
        """The rotation takes no writes."""
        return []

    def set(self, endpoint: str, fault: Fault, *, times: int | None = None) -> None:
        """Answer ``oncalls`` with *fault* from now on (*times* is not needed here)."""
        assert endpoint == "oncalls" and times is None
        with self._lock:
            self._fault = fault

    def clear(self) -> None:
        """The sound answer again."""
        self.set("oncalls", Fault())

    def hits(self, endpoint: str) -> int:
        """Requests for *endpoint* ("oncalls")."""
        with self._lock:
            return self._hits.get(endpoint, 0)

    def count(self, endpoint: str) -> Fault:
        """Count a request; the fault to answer it with."""
        with self._lock:
            self._hits[endpoint] = self._hits.get(endpoint, 0) + 1
            return self._fault


class _Httpd(FaultHttpd):
    def __init__(self, owner: PagerDutyFaultServer) -> None:  # FaultHttpd's, with our handler
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
        owner: PagerDutyFaultServer = self.server.owner  # type: ignore[assignment]
        parts = urlsplit(self.path)
        if parts.path == "/portal":
            self._send(200, PORTAL, "text/html; charset=utf-8")
            return
        moved = parts.path.startswith("/moved/")
        if parts.path.removeprefix("/moved") != "/oncalls":
            self._json(404, {"error": {"message": "Not Found", "code": 2100}})
            return
        fault = owner.count("moved/oncalls" if moved else "oncalls")
        if fault.mode is Mode.ECHO_AUTH:
            echo = f"no such key (Authorization: {self.headers.get('Authorization')})"
            body = {"error": {"message": echo, "code": 2006}}
            self._json(fault.status, body, (("X-Echo", str(self.headers.get("Authorization"))),))
            return
        if self.headers.get("Authorization") != f"Token token={owner.token}":
            self._json(401, {"error": {"message": "Authentication failed", "code": 2006}})
            return
        if moved or fault.mode in (Mode.OK, Mode.HOSTILE):
            self._page(owner, parse_qs(parts.query), hostile=fault.mode is Mode.HOSTILE)
            return
        self._misbehave(owner, fault)

    def _page(
        self, owner: PagerDutyFaultServer, query: dict[str, list[str]], *, hostile: bool
    ) -> None:
        since = _time(query.get("since"), owner.now)
        until = _time(query.get("until"), owner.now)
        items = oncalls(owner.now, since, until, hostile=hostile)
        offset = int(query.get("offset", ["0"])[0])
        limit = min(int(query.get("limit", ["25"])[0]), owner.page_size)
        chunk = items[offset : offset + limit]
        more = offset + limit < len(items)
        self._json(
            200, {"oncalls": chunk, "limit": limit, "offset": offset, "more": more, "total": None}
        )

    def _misbehave(self, owner: PagerDutyFaultServer, fault: Fault) -> None:
        mode = fault.mode
        if mode is Mode.STATUS:
            body = json.dumps({"error": {"message": "injected fault", "code": 2000}}).encode()
            self._send(fault.status, body, "application/json", fault.headers)
        elif mode is Mode.HANG:
            owner.stopping.wait()
            self.close_connection = True
        elif mode is Mode.DRIP:
            body = json.dumps({"oncalls": [], "more": False}).encode()
            self._head(200, "application/json", len(body))
            for index in range(len(body)):
                if owner.stopping.wait(fault.interval):
                    break
                self.wfile.write(body[index : index + 1])
            self.close_connection = True
        elif mode is Mode.GARBAGE:
            self._send(200, random.Random(7).randbytes(2048), "application/json")
        elif mode is Mode.WRONG_SHAPE:
            self._json(200, {"oncalls": {"not": "a list"}, "more": False})
        elif mode is Mode.HUGE:
            self._head(200, "application/json", fault.size if fault.declare_length else None)
            chunk, left = b'{"oncalls":["' + b"x" * (64 * 1024), fault.size
            while left > 0 and not owner.stopping.is_set():
                self.wfile.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
                chunk = b"x" * (64 * 1024)
            self.close_connection = True
        elif mode is Mode.REDIRECT:
            targets = {
                "portal": f"{owner.origin}/portal",
                "other-portal": f"http://localhost:{self.server.server_address[1]}/portal",
                "moved": f"{owner.origin}/moved{self.path}",
                "other-moved": f"http://localhost:{self.server.server_address[1]}/moved{self.path}",
            }
            location = targets.get(fault.target, fault.target)
            self._send(fault.status, b"", "text/plain", (("Location", location),))
        elif mode is Mode.HTML:
            self._send(200, PORTAL, "text/html; charset=utf-8")
        elif mode is Mode.RESET:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:  # REPLY
            raw = (
                fault.payload
                if isinstance(fault.payload, bytes)
                else json.dumps(fault.payload).encode()
            )
            self._send(
                fault.status, raw, dict(fault.headers).get("Content-Type", "application/json")
            )

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

    def _json(self, status: int, body: object, headers: Any = ()) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: Any = ()) -> None:
        self._head(status, content_type, len(body), headers)
        self.wfile.write(body)
