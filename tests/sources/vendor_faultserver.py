"""What the vendor-shaped fault servers share: lifecycle, fault switching, the mode dispatch.

The per-vendor servers (ics_faultserver.py, rotation_faultserver.py, pagerduty_faultserver.py,
ops_faultserver.py) differ only in their API's shapes: paths, bodies, tokens. Everything
else lives here once, so a fix to stopping or to a fault mode reaches all of them:

- `VendorFaultServer`: start/stop on 127.0.0.1 (an ephemeral port), ``set``/``clear``/
  ``hits``/``count`` per endpoint (or one endpoint for all, see `ENDPOINT`).
- `VendorHandler`: quiet GET handling, every mode of tests/faultmodes.py with hooks for
  the vendor's bodies, and the Authorization check.
- `FeedHandler`: a private feed at ``/private/<token>/feed`` with an ETag (ICS, rotation).

It reuses tests/faultwire.py's `FaultHttpd` for handler tracking, so `stop()` ends hung
handlers.
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import struct
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from tests.faultmodes import Fault, Mode
from tests.faultwire import FaultHttpd, WireHandler, stop_serving

PORTAL = b"<!doctype html><html><body><h1>Wi-Fi login</h1><form method=post></form></body></html>"
HOSTILE_NAME = "Eve\x1b[31m\u202eEvil\u0000 Person"

Headers = Iterable[tuple[str, str]]


class VendorFaultServer:
    """A vendor's API on 127.0.0.1, an ephemeral port; ``set(endpoint, fault)`` switches it.

    Subclasses name their `HANDLER`, a `NAME` (thread and error messages) and, when the
    API has a single endpoint, `ENDPOINT`: then only it may be set, and its fault answers
    every request (the moved copy too).
    """

    HANDLER: ClassVar[type[VendorHandler]]
    NAME: ClassVar[str]
    ENDPOINT: ClassVar[str | None] = None

    def __init__(self, token: str, now: datetime | None = None) -> None:
        self.token = token
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._hits: dict[str, int] = {}
        self._httpd: VendorHttpd | None = None
        self._serving: threading.Thread | None = None

    def start(self) -> Self:
        """Listen and serve on a thread."""
        self._httpd = VendorHttpd(self)
        self._serving = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.NAME}fault",
        )
        self._serving.start()
        return self

    def stop(self) -> None:
        """End every handler (hung ones too), close the sockets, join the threads."""
        httpd, serving = self._httpd, self._serving
        if httpd is None:
            return
        left = stop_serving(httpd, serving, self.stopping)
        self._httpd = self._serving = None
        if left:
            raise RuntimeError(f"{self.NAME} fault server handlers still running: {left}")

    @property
    def origin(self) -> str:
        """http://127.0.0.1:<port>."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The base URL the provider is built with (the origin, unless a subclass says)."""
        return self.origin

    @property
    def writes(self) -> list[Any]:
        """These read-only APIs take no writes."""
        return []

    def set(self, endpoint: str, fault: Fault, *, times: int | None = None) -> None:
        """Answer *endpoint* with *fault* from now on (*times* is not needed here)."""
        assert times is None and self.ENDPOINT in (None, endpoint)
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
            return self._faults.get(self.ENDPOINT or endpoint, Fault())


class VendorHttpd(FaultHttpd):
    """`FaultHttpd`'s tracking, serving the owner's `HANDLER`."""

    def __init__(self, owner: VendorFaultServer) -> None:  # FaultHttpd's, with its handler
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", 0), owner.HANDLER)
        self.owner = owner  # type: ignore[assignment]
        self.vendor = owner
        self._lock = threading.Lock()
        self._handlers = set()
        self._sockets = set()


class VendorHandler(WireHandler):
    """One request: `_route` (the vendor's) answers soundly or hands a fault to `_misbehave`.

    The class attributes and `_`-hooks below hold the vendor's shapes for each mode.
    """

    server: VendorHttpd
    CONTENT_TYPE: ClassVar[str] = "application/json"
    """Of sound answers, drips, garbage, wrong shapes and huge bodies."""
    REPLY_TYPE: ClassVar[str] = "text/plain"
    """Of a REPLY fault's body when the fault names none."""
    PORTAL_PAGE: ClassVar[bytes] = PORTAL
    """The captive portal's page (``/portal``, and the HTML fault)."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:  # noqa: N802  (http.server names it)
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    @property
    def owner(self) -> VendorFaultServer:
        """The server object this request is answered for."""
        return self.server.vendor

    def _route(self) -> None:
        raise NotImplementedError

    def _request(self) -> tuple[str, str, bool] | None:
        """(path without ``/moved``, query, whether moved); None when the portal was served."""
        parts = urlsplit(self.path)
        if parts.path == "/portal":
            self._send(200, self.PORTAL_PAGE, "text/html; charset=utf-8")
            return None
        moved = parts.path.startswith("/moved/")
        return parts.path.removeprefix("/moved"), parts.query, moved

    def _authorized(self, *accepted: str) -> bool:
        """Whether the Authorization header is one of *accepted*."""
        return (self.headers.get("Authorization") or "") in accepted

    # The vendor's shapes, one hook per mode that differs.
    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        return b"injected fault", "text/plain"

    def _drip_body(self) -> bytes:
        raise NotImplementedError

    def _wrong_shape(self) -> bytes:
        raise NotImplementedError

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        """The first chunk of a huge body, and every chunk after it."""
        raise NotImplementedError

    def _redirect_targets(self) -> dict[str, str]:
        origin, port = self.owner.origin, self.server.server_address[1]
        return {
            "portal": f"{origin}/portal",
            "other-portal": f"http://localhost:{port}/portal",
            "moved": f"{origin}/moved{self.path}",
        }

    def _echo_auth(self, fault: Fault) -> None:
        """The secret here is the path: echo it everywhere."""
        echo = f"no feed at {self.path} (Authorization: {self.headers.get('Authorization')})"
        self._send(fault.status, echo.encode(), "text/plain", (("X-Echo", self.path),))

    def _reply_body(self, fault: Fault) -> bytes:
        return fault.payload if isinstance(fault.payload, bytes) else b""

    def _misbehave(self, fault: Fault) -> None:
        mode, stopping = fault.mode, self.owner.stopping
        if mode is Mode.STATUS:
            body, content_type = self._status_body(fault)
            self._send(fault.status, body, content_type, fault.headers)
        elif mode is Mode.HANG:
            stopping.wait()
            self.close_connection = True
        elif mode is Mode.DRIP:
            body = self._drip_body()
            self._head(200, self.CONTENT_TYPE, len(body))
            for index in range(len(body)):
                if stopping.wait(fault.interval):
                    break
                self.wfile.write(body[index : index + 1])
            self.close_connection = True
        elif mode is Mode.GARBAGE:
            self._send(200, random.Random(7).randbytes(2048), self.CONTENT_TYPE)
        elif mode is Mode.WRONG_SHAPE:
            self._send(200, self._wrong_shape(), self.CONTENT_TYPE)
        elif mode is Mode.HUGE:
            self._head(200, self.CONTENT_TYPE, fault.size if fault.declare_length else None)
            (chunk, rest), left = self._huge_chunks(), fault.size
            while left > 0 and not stopping.is_set():
                self.wfile.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
                chunk = rest
            self.close_connection = True
        elif mode is Mode.REDIRECT:
            location = self._redirect_targets().get(fault.target, fault.target)
            self._send(fault.status, b"", "text/plain", (("Location", location),))
        elif mode is Mode.HTML:
            self._send(200, self.PORTAL_PAGE, "text/html; charset=utf-8")
        elif mode is Mode.ECHO_AUTH:
            self._echo_auth(fault)
        elif mode is Mode.RESET:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:  # REPLY
            content_type = dict(fault.headers).get("Content-Type", self.REPLY_TYPE)
            self._send(fault.status, self._reply_body(fault), content_type)

    def _json(self, status: int, body: object, headers: Headers = ()) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)


class FeedFaultServer(VendorFaultServer):
    """A private feed's server: one endpoint, ``feed``; `url` holds the token."""

    ENDPOINT = "feed"

    @property
    def url(self) -> str:
        """The private feed URL (it holds the token)."""
        return f"{self.origin}/private/{self.token}/feed"


class FeedHandler(VendorHandler):
    """A private feed at ``/private/<token>/feed`` (and ``/moved/...``), with an ETag and 304.

    The token is in the URL path, so no Authorization header is sent and the URL itself
    must never show in a message. Subclasses give `_feed`, `WRONG_SHAPE` and `HUGE_CHUNK`.
    """

    WRONG_SHAPE: ClassVar[bytes]
    """Well-formed in the feed's syntax, but not a feed."""
    HUGE_CHUNK: ClassVar[bytes]
    """Repeated to make a huge body (padding the format would allow)."""

    def _feed(self, hostile: bool) -> bytes:
        raise NotImplementedError

    def _drip_body(self) -> bytes:
        return self._feed(False)

    def _wrong_shape(self) -> bytes:
        return self.WRONG_SHAPE

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        return self.HUGE_CHUNK, self.HUGE_CHUNK

    def _route(self) -> None:
        path = self.path.split("?")[0]
        if path == "/portal":
            self._send(200, self.PORTAL_PAGE, "text/html; charset=utf-8")
            return
        moved = path.startswith("/moved/")
        if path.removeprefix("/moved") != f"/private/{self.owner.token}/feed":
            self._send(404, b"Not found", "text/plain")
            return
        fault = self.owner.count("moved/feed" if moved else "feed")
        if moved or fault.mode in (Mode.OK, Mode.HOSTILE):
            body = self._feed(fault.mode is Mode.HOSTILE and not moved)
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            if etag in (self.headers.get("If-None-Match") or ""):
                self._send(304, b"", "", (("ETag", etag),))
            else:
                self._send(200, body, f"{self.CONTENT_TYPE}; charset=utf-8", (("ETag", etag),))
            return
        self._misbehave(fault)
