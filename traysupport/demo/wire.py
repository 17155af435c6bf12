"""HTTP plumbing for the demo server: bytes on a socket to `Request`, `Reply` back to bytes.

It knows nothing of the team API: every request, whatever its method, goes to one
``respond`` callable. What it does decide is what can be refused before anyone looks at
the request: bodies over 64 KiB (413), chunked bodies (411), a bad Content-Length (400),
and malformed request lines — all answered in JSON like every other error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, cast

logger = logging.getLogger(__name__)

MAX_BODY: Final = 64 * 1024
"""Request bodies above this many bytes are refused with 413."""
# The contract's error codes are a closed list; any other refusal of a request as sent
# (400, 405, 411, 413...) is "invalid", and its status says which.
_CODES: Final = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    429: "rate_limited",
}


@dataclass(frozen=True, slots=True)
class Request:
    """What the server needs of an HTTP request."""

    method: str
    target: str
    body: bytes = b""
    authorization: str | None = None
    if_none_match: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer: status, body and extra headers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def json_reply(
    status: int, payload: dict[str, object], headers: tuple[tuple[str, str], ...] = ()
) -> Reply:
    """*payload* as a compact UTF-8 JSON answer."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, body, headers=headers)


def error_reply(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """A JSON error in the contract's shape, its code derived from *status*."""
    code = _CODES.get(status, "unavailable" if status >= 500 else "invalid")
    return json_reply(status, {"error": {"code": code, "message": message}}, headers)


class WireServer(ThreadingHTTPServer):
    """A threading HTTP server that hands every request to *respond*.

    Closing it ends every connection and joins every handler thread: a stopped demo
    team leaves nothing running (a keep-alive connection would otherwise hold its
    thread until the client's next request or the timeout).
    """

    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], respond: Callable[[Request], Reply]) -> None:
        super().__init__(address, _Handler)
        self.respond = respond
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Note the connection before its thread starts, so closing can end it."""
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve one connection on its thread; forget it when it ends."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)

    def server_close(self) -> None:
        """Stop listening, end every open connection, then join the handler threads."""
        with self._open_lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        super().server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone mid-answer (the tray app aborts its fetches when it quits) is no
        error to print; anything else is reported as socketserver does."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("demo team: %s went away before its answer", client_address)
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP into `Request`s for `WireServer.respond` and its `Reply`s into HTTP."""

    server_version = "traysupport-demo/1"
    # A stalled client must not hold a thread forever.
    timeout = 10

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve()

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve()

    def do_PUT(self) -> None:
        """Serve a PUT (with a 405: the contract has none)."""
        self._serve()

    def do_PATCH(self) -> None:
        """Serve a PATCH (with a 405: the contract has none)."""
        self._serve()

    def do_DELETE(self) -> None:
        """Serve a DELETE (with a 405: the contract has none)."""
        self._serve()

    def do_HEAD(self) -> None:
        """Serve a HEAD (with a 405, and no body)."""
        self._serve()

    def _serve(self) -> None:
        # Every method comes here; `respond` decides which are allowed where.
        body = self._read_body()
        if isinstance(body, Reply):
            self._send(body)
            return
        request = Request(
            self.command,
            self.path,
            body,
            self.headers.get("Authorization"),
            self.headers.get("If-None-Match"),
            self.headers.get("Idempotency-Key"),
        )
        self._send(cast(WireServer, self.server).respond(request))

    def _read_body(self) -> bytes | Reply:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return error_reply(411, "send the body with a Content-Length")
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            return error_reply(400, "Content-Length is not a number of bytes")
        if length > MAX_BODY:
            # Unread, and the connection closed after the answer: requests (urllib3)
            # still reads the 413 even when it is cut off sending the rest.
            self.close_connection = True
            return error_reply(413, f"the body is over {MAX_BODY // 1024} KiB")
        return self.rfile.read(length)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.status != 304 and self.command != "HEAD":
            self.wfile.write(reply.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer protocol errors (a bad request line, an unknown method) in JSON too."""
        self.close_connection = True
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        self._send(error_reply(code, message or phrase))

    def log_message(self, format: str, *args: Any) -> None:
        """Log requests at DEBUG: the demo is quiet unless asked."""
        logger.debug("%s %s", self.address_string(), format % args)
