"""A misbehaving Opsgenie / JSM operations server, for the provider contract.

Endpoints (switchable into every mode of tests/faultmodes.py): ``schedules`` (paged by
``paging.next`` for Opsgenie, ``links.next`` + ``values`` for JSM), ``oncalls``,
``timeline`` and (JSM) ``users`` (Jira user/bulk). Opsgenie recipients carry their
usernames (emails); JSM's carry account ids only, resolved through ``users``. Reuses
tests/faultwire.py's `FaultHttpd` so `stop()` ends hung handlers.
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

PEOPLE = {"u-ada": "Ada Lo", "u-bob": "Bob Ng"}
PORTAL = b"<!doctype html><html><body><h1>Wi-Fi login</h1></body></html>"
HOSTILE = "Eve\x1b[31m\u202eEvil\u0000 Person"
JSM_BASE = "/jsm/ops/api/cloud-1/v1"
USERS_PATH = "/ex/jira/cloud-1/rest/api/3/user/bulk"


def periods(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """(user id, start, end): eighteen 12-hour periods from a day before *now*, alternating."""
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    ids = list(PEOPLE)
    return [
        (ids[n % 2], first + timedelta(hours=12 * n), first + timedelta(hours=12 * (n + 1)))
        for n in range(18)
    ]


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class OpsFaultServer:
    """On 127.0.0.1, an ephemeral port; *jsm* picks the JSM paths and shapes."""

    def __init__(self, token: str, page_size: int, *, jsm: bool) -> None:
        self.token, self.page_size, self.jsm = token, page_size, jsm
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._hits: dict[str, int] = {}
        self._httpd: _Httpd | None = None
        self._serving: threading.Thread | None = None

    def start(self) -> Self:
        """Listen and serve on a thread."""
        self._httpd = _Httpd(self)
        self._serving = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="opsfault"
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
            raise RuntimeError(f"ops fault server handlers still running: {left}")

    @property
    def origin(self) -> str:
        """http://127.0.0.1:<port>."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The base URL the provider is built with (Opsgenie's root, or the gateway's)."""
        return self.origin

    @property
    def writes(self) -> list[Any]:
        """These endpoints take no writes."""
        return []

    def set(self, endpoint: str, fault: Fault, *, times: int | None = None) -> None:
        """Answer *endpoint* with *fault* from now on."""
        assert times is None
        with self._lock:
            self._faults[endpoint] = fault

    def clear(self) -> None:
        """Every endpoint sound again."""
        with self._lock:
            self._faults.clear()

    def hits(self, endpoint: str) -> int:
        """Requests for *endpoint*."""
        with self._lock:
            return self._hits.get(endpoint, 0)

    def count(self, endpoint: str) -> Fault:
        """Count a request; the fault to answer it with."""
        with self._lock:
            self._hits[endpoint] = self._hits.get(endpoint, 0) + 1
            return self._faults.get(endpoint, Fault())

    def recipient(self, user_id: str, hostile: bool) -> dict[str, Any]:
        """A user recipient: Opsgenie names it by username (email), JSM by account id only."""
        if self.jsm:
            return {"id": user_id, "type": "user"}
        name = HOSTILE if hostile else f"{user_id[2:]}@example.com"
        return {"id": user_id, "name": name, "type": "user"}

    def answer(self, endpoint: str, query: dict[str, list[str]], path: str, hostile: bool) -> Any:
        """The sound (or hostile) JSON answer of *endpoint*."""
        if endpoint == "schedules":
            every = [{"id": "s-1", "name": "Core"}, {"id": "s-2", "name": "Backup"}]
            offset = int(query.get("offset", ["0"])[0])
            items = every[offset : offset + self.page_size]
            nxt = offset + self.page_size
            link = f"{path}?offset={nxt}" if nxt < len(every) else None
            if self.jsm:
                return {"values": items, "links": {"next": link} if link else {}}
            return {"data": items, "paging": {"next": link} if link else {}, "took": 0.01}
        if endpoint == "oncalls":
            who = "u-ada" if "/s-1/" in path else "u-bob"
            people = [self.recipient(who, hostile)]
            if hostile:
                people.append({"id": "", "type": "user"})
            data = {"_parent": {"id": "s-1", "name": "Core"}, "onCallParticipants": people}
            return data if self.jsm else {"data": data, "took": 0.01}
        if endpoint == "timeline":
            found = [] if "/s-2/" in path else periods(self.now)
            items: list[Any] = [
                {
                    "startDate": _iso(start),
                    "endDate": _iso(end),
                    "type": "default",
                    "recipient": self.recipient(uid, hostile and n == 1),
                }
                for n, (uid, start, end) in enumerate(found)
            ]
            if hostile and found:
                items.append({"startDate": "2026-13-99T99:00:00Z", "endDate": _iso(self.now)})
                items.append(
                    {"startDate": _iso(self.now), "endDate": _iso(self.now - timedelta(1))}
                )
            name = "Weekly\u202e\x07" if hostile else "Weekly"
            data = {"finalTimeline": {"rotations": [{"id": "r-1", "name": name, "periods": items}]}}
            return data if self.jsm else {"data": data, "took": 0.01}
        ids = query.get("accountId", [])
        start = int(query.get("startAt", ["0"])[0])
        limit = min(int(query.get("maxResults", ["50"])[0]), self.page_size)
        chosen = ids[start : start + limit]
        users = [
            {
                "accountId": i,
                "displayName": HOSTILE if hostile else PEOPLE.get(i, i),
                "emailAddress": f"{i[2:]}@example.com",
            }
            for i in chosen
        ]
        return {"values": users, "isLast": start + limit >= len(ids)}


class _Httpd(FaultHttpd):
    def __init__(self, owner: OpsFaultServer) -> None:  # FaultHttpd's, with our handler
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

    def _endpoint(self, owner: OpsFaultServer, path: str) -> str | None:
        base = JSM_BASE if owner.jsm else "/v2"
        if owner.jsm and path == USERS_PATH:
            return "users"
        if path == f"{base}/schedules":
            return "schedules"
        for sid in ("s-1", "s-2"):
            if path == f"{base}/schedules/{sid}/on-calls":
                return "oncalls"
            if path == f"{base}/schedules/{sid}/timeline":
                return "timeline"
        return None

    def _authorized(self, owner: OpsFaultServer) -> bool:
        sent = self.headers.get("Authorization") or ""
        return sent in (f"GenieKey {owner.token}", f"Bearer {owner.token}")

    def _route(self) -> None:
        owner: OpsFaultServer = self.server.owner  # type: ignore[assignment]
        parts = urlsplit(self.path)
        if parts.path == "/portal":
            self._send(200, PORTAL, "text/html; charset=utf-8")
            return
        moved = parts.path.startswith("/moved/")
        path = parts.path.removeprefix("/moved")
        endpoint = self._endpoint(owner, path)
        if endpoint is None:
            self._json(404, {"message": "No such path"})
            return
        fault = owner.count(("moved/" if moved else "") + endpoint)
        if not self._authorized(owner) and fault.mode is not Mode.ECHO_AUTH:
            self._json(401, {"message": "Unauthorized"})
            return
        if moved or fault.mode in (Mode.OK, Mode.HOSTILE):
            hostile = fault.mode is Mode.HOSTILE and not moved
            self._json(200, owner.answer(endpoint, parse_qs(parts.query), path, hostile))
            return
        self._misbehave(owner, fault)

    def _misbehave(self, owner: OpsFaultServer, fault: Fault) -> None:
        mode = fault.mode
        if mode is Mode.STATUS:
            body = json.dumps({"message": "injected fault", "code": fault.status}).encode()
            self._send(fault.status, body, "application/json", fault.headers)
        elif mode is Mode.HANG:
            owner.stopping.wait()
            self.close_connection = True
        elif mode is Mode.DRIP:
            body = b'{"data": []}' * 8
            self._head(200, "application/json", len(body))
            for index in range(len(body)):
                if owner.stopping.wait(fault.interval):
                    break
                self.wfile.write(body[index : index + 1])
            self.close_connection = True
        elif mode is Mode.GARBAGE:
            self._send(200, random.Random(7).randbytes(2048), "application/json")
        elif mode is Mode.WRONG_SHAPE:
            self._send(200, b"[1, 2, 3]", "application/json")
        elif mode is Mode.HUGE:
            self._head(200, "application/json", fault.size if fault.declare_length else None)
            chunk, left = b'{"pad":"' + b"x" * (64 * 1024), fault.size
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
        elif mode is Mode.ECHO_AUTH:
            echo = f"bad key: {self.headers.get('Authorization')}"
            self._send(fault.status, echo.encode(), "text/plain", (("X-Echo", echo),))
        elif mode is Mode.RESET:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:  # REPLY
            raw = fault.payload if isinstance(fault.payload, bytes) else b""
            self._send(fault.status, raw, dict(fault.headers).get("Content-Type", "text/plain"))

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode("utf-8", "surrogatepass"), "application/json")

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
