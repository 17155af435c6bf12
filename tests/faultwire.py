"""The fault server's socket side: a threaded HTTP server whose handlers it can end at once.

`FaultHttpd` tracks every handler thread and connection, so `end_handlers()` can shut
the connections down and join the threads; `_Handler` routes each request to its
endpoint and answers as the endpoint's current `Fault` says, asking the `FaultServer`
(its owner) for the data and the state.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import random
import socket
import struct
import threading
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests import faultdata
from tests.faultdata import Json
from tests.faultmodes import BASE_PATH, ENDPOINTS, MIB, Fault, Mode, Write

if TYPE_CHECKING:
    from tests.faultserver import FaultServer

log = logging.getLogger(__name__)

_MAX_REQUEST_BODY = MIB
JOIN_SECONDS = 5.0
"""How long stopping waits for each handler thread."""


class FaultHttpd(ThreadingHTTPServer):
    """Tracks its handler threads and sockets, so `stop()` can end them all."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: FaultServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner
        self._lock = threading.Lock()
        self._handlers: set[threading.Thread] = set()
        self._sockets: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve on a tracked thread."""
        thread = threading.Thread(
            target=self._serve_one,
            args=(request, client_address),
            name="faultserver-conn",
            daemon=True,  # stop() joins them; this only keeps a forgotten server from hanging exit
        )
        with self._lock:
            self._handlers.add(thread)
            self._sockets.add(request)
        thread.start()

    def _serve_one(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._sockets.discard(request)
                self._handlers.discard(threading.current_thread())

    def handleerror_json(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer is expected here; no traceback on stderr."""
        log.debug("faultserver: a connection failed", exc_info=True)

    def end_handlers(self) -> list[str]:
        """Shut every open connection down and join the handlers; names still alive."""
        with self._lock:
            sockets, threads = list(self._sockets), list(self._handlers)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by its handler
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(JOIN_SECONDS)
        return [t.name for t in threads if t.is_alive()]


def stop_serving(
    httpd: FaultHttpd, serving: threading.Thread | None, stopping: threading.Event
) -> list[str]:
    """End every handler (hung ones included), close every socket, join the serving thread.

    *stopping* is set first, so hangs and drips end; the names of handlers still alive.
    """
    stopping.set()
    httpd.shutdown()
    if serving is not None:
        serving.join(JOIN_SECONDS)
    httpd.server_close()
    return httpd.end_handlers()


class WireHandler(BaseHTTPRequestHandler):
    """Writing an answer's head and body (the fault servers' handlers share it)."""

    def _head(
        self,
        status: int,
        content_type: str,
        length: int | None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Status and headers; no length means the body runs until the connection closes."""
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

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self._head(status, content_type, len(payload), headers)
        self.wfile.write(payload)


class _Handler(WireHandler):
    """One connection; each request is routed to its endpoint and its fault."""

    protocol_version = "HTTP/1.1"
    server: FaultHttpd

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("faultserver: " + format, *args)

    def _serve(self) -> None:
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client went away; nothing to answer

    def _route(self) -> None:
        owner = self.server.owner
        body = self._body()
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        if path == "/portal":
            owner.count_request("portal")
            self._send(200, _portal_page(), "text/html; charset=utf-8")
            return
        # A redirect's target under /moved answers as the API does, without faults.
        moved = path.startswith("/moved/")
        path = path.removeprefix("/moved")
        if not path.startswith(BASE_PATH + "/"):
            self._send_json(404, error_json(404, f"no such path; the API lives under {BASE_PATH}"))
            return
        relative = path.removeprefix(BASE_PATH + "/").strip("/")
        owner.count_request(f"moved/{relative}" if moved else relative)
        endpoint, ticket_id = _endpoint(relative)
        if endpoint is None:
            self._send_json(404, error_json(404, f"no such endpoint /{relative}"))
            return
        writing = endpoint in ("acknowledge", "handover")
        if writing:
            owner.record_write(
                Write(
                    endpoint,
                    ticket_id,
                    _parsed(body),
                    self.headers.get("Idempotency-Key"),
                    self.headers.get("Authorization"),
                )
            )
        fault = Fault() if moved else owner.take_fault(endpoint)
        if fault.mode in (Mode.OK, Mode.HOSTILE):
            self._answer(endpoint, ticket_id, query, body, fault.mode is Mode.HOSTILE)
        else:
            self._misbehave(fault, endpoint, writing)

    def _answer(
        self,
        endpoint: str,
        ticket_id: str,
        query: dict[str, list[str]],
        body: bytes,
        hostile: bool,
    ) -> None:
        """The contract's answer (on hostile data when *hostile*)."""
        owner = self.server.owner
        if owner.token is not None and self.headers.get("Authorization") != f"Bearer {owner.token}":
            self._send_json(401, error_json(401, "missing or wrong token"))
            return
        if endpoint in ("acknowledge", "handover"):
            if self.command != "POST":
                self._send_json(405, error_json(405, "use POST here"), (("Allow", "POST"),))
                return
            key = self.headers.get("Idempotency-Key")
            status, answer = owner.apply_write(endpoint, ticket_id, _parsed(body), key)
            if hostile and status == 200:
                answer = faultdata.hostile_version(answer)
            self._send_json(status, answer)
            return
        if self.command != "GET":
            self._send_json(405, error_json(405, "use GET here"), (("Allow", "GET"),))
            return
        payload = _encode(owner.read_answer(endpoint, query, hostile))
        etag = f'"{hashlib.sha256(payload).hexdigest()[:16]}"'
        if etag in (self.headers.get("If-None-Match") or ""):
            self._send(304, b"", "", (("ETag", etag),))
            return
        self._send(200, payload, "application/json", (("ETag", etag),))

    def _misbehave(self, fault: Fault, endpoint: str, writing: bool) -> None:
        owner = self.server.owner
        mode = fault.mode
        if mode is Mode.STATUS:
            self._send_json(fault.status, error_json(fault.status, "injected fault"), fault.headers)
        elif mode is Mode.REPLY:
            raw = fault.payload if isinstance(fault.payload, bytes) else _encode(fault.payload)
            self._send(fault.status, raw, dict(fault.headers)["Content-Type"])
        elif mode is Mode.HANG:
            owner.stopping.wait()
            self.close_connection = True
        elif mode is Mode.DRIP:
            self._drip(_encode(self._sound_answer(endpoint, writing)), fault.interval)
        elif mode is Mode.GARBAGE:
            noise = random.Random(endpoint).randbytes(2048)
            self._send(200, noise, "application/json")
        elif mode is Mode.WRONG_SHAPE:
            self._send_json(200, _wrong_shape(endpoint, writing))
        elif mode is Mode.HUGE:
            self._huge(fault.size, fault.declare_length)
        elif mode is Mode.REDIRECT:
            self._send(fault.status, b"", "text/plain", (("Location", self._target(fault)),))
        elif mode is Mode.HTML:
            self._send(200, _portal_page(), "text/html; charset=utf-8")
        elif mode is Mode.ECHO_AUTH:
            sent = self.headers.get("Authorization") or ""
            echo = (("X-Echo-Authorization", sent), ("WWW-Authenticate", f'Bearer error="{sent}"'))
            message = f"invalid credentials: {sent} (base64 {_b64(sent)})"
            self._send_json(fault.status, error_json(fault.status, message), echo)
        elif mode is Mode.RESET:
            # SO_LINGER 0: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

    def _sound_answer(self, endpoint: str, writing: bool) -> Json:
        owner = self.server.owner
        if writing:
            return owner.first_ticket()
        return owner.read_answer(endpoint, {}, hostile=False)

    def _target(self, fault: Fault) -> str:
        owner = self.server.owner
        targets = {
            "portal": f"{owner.origin}/portal",
            "other-portal": f"{owner.other_origin}/portal",
            "moved": f"{owner.origin}/moved{self.path}",
            "other-moved": f"{owner.other_origin}/moved{self.path}",
        }
        return targets.get(fault.target, fault.target)

    def _drip(self, payload: bytes, interval: float) -> None:
        self._head(200, "application/json", len(payload))
        for index in range(len(payload)):
            if self.server.owner.stopping.wait(interval):
                break
            self.wfile.write(payload[index : index + 1])
        self.close_connection = True

    def _huge(self, size: int, declare_length: bool) -> None:
        self._head(200, "application/json", size if declare_length else None)
        for chunk in _huge_body(size):
            if self.server.owner.stopping.is_set():
                break
            self.wfile.write(chunk)
        self.close_connection = True

    # -- bytes on the wire -------------------------------------------------------------

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length", "0")
        size = int(length) if length.isdigit() else 0
        return self.rfile.read(min(size, _MAX_REQUEST_BODY)) if size else b""

    def _send_json(
        self, status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self._send(status, _encode(payload), "application/json", headers)


def _endpoint(relative: str) -> tuple[str | None, str]:
    """(endpoint, ticket id) for a path under the base URL; (None, "") when unknown."""
    segments = [unquote(s) for s in relative.split("/")]
    if len(segments) == 1 and segments[0] in ("me", "people", "shifts", "tickets"):
        return segments[0], ""
    if len(segments) == 3 and segments[0] == "tickets" and segments[2] in ENDPOINTS[4:]:
        return segments[2], segments[1]
    return None, ""


def _encode(payload: object) -> bytes:
    # ensure_ascii: lone surrogates go out as \ud800 escapes, as a hostile server sends them.
    return json.dumps(payload, ensure_ascii=True).encode("ascii")


def _parsed(body: bytes) -> object:
    try:
        return json.loads(body) if body.strip() else None
    except ValueError:
        return body


def error_json(status: int, message: str) -> Json:
    """An error body in the contract's shape."""
    codes = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}
    code = codes.get(status, "rate_limited" if status == 429 else "invalid")
    return {"error": {"code": "unavailable" if status >= 500 else code, "message": message}}


def _wrong_shape(endpoint: str, writing: bool) -> object:
    if writing:
        return {"ok": True}
    shapes: dict[str, object] = {
        "me": ["alice"],
        "people": {"people": {"id": "alice"}},
        "shifts": {"shifts": None},
        "tickets": [{"id": "142"}],
    }
    return shapes[endpoint]


def _portal_page() -> bytes:
    return (
        b"<!doctype html><html><head><title>Wi-Fi login</title></head><body>"
        b"<h1>Welcome to CafeNet</h1><form method=post><input name=room>"
        b"<button>Accept and connect</button></form></body></html>"
    )


def _huge_body(size: int) -> Iterator[bytes]:
    """*size* bytes of one JSON object, made as they are sent."""
    head = b'{"tickets": [], "next": null, "padding": "'
    tail = b'"}'
    filler = b"x" * (64 * 1024)
    yield head
    left = size - len(head) - len(tail)
    while left > 0:
        piece = filler[: min(left, len(filler))]
        left -= len(piece)
        yield piece
    yield tail


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
