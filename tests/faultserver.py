"""A real team-API server on 127.0.0.1 that misbehaves on demand, per endpoint, while it runs.

`FaultServer` speaks docs/team-api.md under ``/api/v1`` (GET me, people, shifts,
tickets with cursors and ETags; POST acknowledge and handover with Idempotency-Key) on
a plausible team, and switches any endpoint to a `Fault`: a status with headers, a
hang, a 1-byte drip, garbage, a wrong shape, a huge streamed body, a redirect, a
captive-portal HTML page, an echo of the Authorization header, a connection reset, or
hostile text. It counts requests per path and records every write.

    with FaultServer(token="t") as server:
        server.set("tickets", Fault.hang())
        ...                                   # talk to server.url
        assert server.count("tickets") == 2

`stop()` ends every handler at once — hangs and drips wait on an event, open sockets
are shut down — and joins their threads, so a test leaves no thread or socket behind.
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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from tests import faultdata
from tests.faultdata import Json

log = logging.getLogger(__name__)

BASE_PATH = "/api/v1"
MIB = 1024 * 1024
ENDPOINTS = ("me", "people", "shifts", "tickets", "acknowledge", "handover")
"""What `set` switches; "*" switches them all."""
_MAX_REQUEST_BODY = MIB
_JOIN_SECONDS = 5.0


class Mode(StrEnum):
    """How an endpoint answers."""

    OK = "ok"
    STATUS = "status"
    HANG = "hang"
    DRIP = "drip"
    GARBAGE = "garbage"
    WRONG_SHAPE = "wrong-shape"
    HUGE = "huge"
    REDIRECT = "redirect"
    HTML = "html"
    ECHO_AUTH = "echo-auth"
    RESET = "reset"
    HOSTILE = "hostile"
    REPLY = "reply"


@dataclass(frozen=True, slots=True)
class Fault:
    """One way of answering; build it with the class methods."""

    mode: Mode = Mode.OK
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    interval: float = 1.0
    """DRIP: seconds between bytes."""
    size: int = 100 * MIB
    """HUGE: bytes sent (generated as they go, never held)."""
    declare_length: bool = False
    """HUGE: send Content-Length (else the body ends when the connection closes)."""
    target: str = "other-portal"
    """REDIRECT: "portal", "other-portal", "moved", "other-moved" or an absolute URL."""
    payload: object = None
    """REPLY: what to send; bytes as they are, anything else as JSON."""

    @classmethod
    def ok(cls) -> Fault:
        """Answer as the contract says."""
        return cls()

    @classmethod
    def answer(
        cls,
        status: int,
        *,
        retry_after: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Fault:
        """A JSON error in the contract's shape with *status* (and Retry-After, headers)."""
        extra = headers if retry_after is None else (("Retry-After", retry_after), *headers)
        return cls(Mode.STATUS, status, extra)

    @classmethod
    def reply(
        cls, status: int, payload: object, *, content_type: str = "application/json"
    ) -> Fault:
        """Exactly this answer: *payload* as JSON, or as raw bytes when it is bytes."""
        return cls(Mode.REPLY, status, (("Content-Type", content_type),), payload=payload)

    @classmethod
    def hang(cls) -> Fault:
        """Read the request, never answer (until the server stops)."""
        return cls(Mode.HANG)

    @classmethod
    def drip(cls, interval: float = 1.0) -> Fault:
        """The right answer, one byte every *interval* seconds."""
        return cls(Mode.DRIP, interval=interval)

    @classmethod
    def garbage(cls) -> Fault:
        """200 with random bytes labelled application/json."""
        return cls(Mode.GARBAGE)

    @classmethod
    def wrong_shape(cls) -> Fault:
        """200 with valid JSON in the wrong shape (a list, a missing field...)."""
        return cls(Mode.WRONG_SHAPE)

    @classmethod
    def huge(cls, size: int = 100 * MIB, *, declare_length: bool = False) -> Fault:
        """200 with a *size*-byte JSON body, streamed."""
        return cls(Mode.HUGE, size=size, declare_length=declare_length)

    @classmethod
    def redirect(cls, status: int = 302, to: str = "other-portal") -> Fault:
        """A redirect; see `target` for *to*."""
        return cls(Mode.REDIRECT, status, target=to)

    @classmethod
    def html(cls) -> Fault:
        """200 with a captive portal's HTML login page."""
        return cls(Mode.HTML)

    @classmethod
    def echo_auth(cls, status: int = 401) -> Fault:
        """An error whose body and headers repeat the Authorization header sent."""
        return cls(Mode.ECHO_AUTH, status)

    @classmethod
    def reset(cls) -> Fault:
        """Read the request, then reset the connection (RST, no answer)."""
        return cls(Mode.RESET)

    @classmethod
    def hostile(cls) -> Fault:
        """The right shape, with hostile text and out-of-range times in it."""
        return cls(Mode.HOSTILE)


@dataclass(frozen=True, slots=True)
class Write:
    """A write request as the server received it."""

    endpoint: str
    ticket_id: str
    body: object
    """The parsed JSON body, or the raw bytes when it is not JSON."""
    idempotency_key: str | None
    authorization: str | None


@dataclass(slots=True)
class _Switch:
    fault: Fault
    times: int | None


@dataclass(slots=True)
class _State:
    """Everything handlers share; touched only under `lock`."""

    lock: threading.Condition = field(default_factory=threading.Condition)
    """Also notified on each request, for `wait_hits`."""
    switches: dict[str, _Switch] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)
    writes: list[Write] = field(default_factory=list)
    tickets: dict[str, Json] = field(default_factory=dict)
    replies: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)


class FaultServer:
    """The team API on 127.0.0.1, an ephemeral port, each endpoint switchable at runtime.

    With *token*, OK and HOSTILE answers want ``Authorization: Bearer <token>``; the
    faults answer whatever is sent, as a broken proxy would. *now* fixes the data's clock.
    """

    def __init__(
        self, *, token: str | None = None, now: datetime | None = None, page_size: int = 50
    ) -> None:
        self.token = token
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.page_size = page_size
        self.stopping = threading.Event()
        """Set by `stop()`: hangs and drips end when it is."""
        self._state = _State()
        self._httpd: _Httpd | None = None
        self._serving: threading.Thread | None = None

    # -- life --------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on 127.0.0.1 (a free port) and serve on a thread."""
        if self._httpd is not None:
            raise RuntimeError("the fault server is already running")
        httpd = _Httpd(self)
        self._httpd = httpd
        with self._state.lock:
            self._state.tickets = {t["id"]: t for t in faultdata.tickets(self.now, self.origin)}
        self._serving = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="faultserver"
        )
        self._serving.start()
        return self

    def stop(self) -> None:
        """End every handler (hung ones included), close every socket, join every thread."""
        httpd, serving = self._httpd, self._serving
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        if serving is not None:
            serving.join(_JOIN_SECONDS)
        httpd.server_close()
        left = httpd.end_handlers()
        self._httpd = self._serving = None
        if left:
            raise RuntimeError(f"fault server handlers still running after stop: {left}")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        if self._httpd is None:
            raise RuntimeError("the fault server is not running")
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def other_origin(self) -> str:
        """The same server under another origin (``localhost``): a token must not go there."""
        return f"http://localhost:{self.port}"

    @property
    def url(self) -> str:
        """The API base URL to configure."""
        return self.origin + BASE_PATH

    # -- switching and watching --------------------------------------------------------

    def set(self, endpoint: str, fault: Fault, *, times: int | None = None) -> None:
        """Answer *endpoint* ("tickets", "acknowledge"..., "*" for all) with *fault*.

        With *times*, only the next *times* requests; then it answers OK again.
        """
        names = ENDPOINTS if endpoint == "*" else (endpoint,)
        for name in names:
            if name not in ENDPOINTS:
                raise ValueError(f"unknown endpoint {name!r}; one of {ENDPOINTS} or '*'")
        with self._state.lock:
            for name in names:
                self._state.switches[name] = _Switch(fault, times)

    def clear(self) -> None:
        """Every endpoint back to OK."""
        with self._state.lock:
            self._state.switches.clear()

    def count(self, path: str) -> int:
        """Requests for *path* under the base URL ("tickets", "tickets/142/acknowledge").

        Redirect targets count as "moved/<path>", the captive portal's page as "portal".
        """
        with self._state.lock:
            return self._state.counts[path.strip("/")]

    def hits(self, endpoint: str) -> int:
        """Requests for *endpoint* ("acknowledge" counts every ticket's)."""
        with self._state.lock:
            return self._state.hits[endpoint]

    def wait_hits(self, endpoint: str, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until *endpoint* has had *count* requests (e.g. one is now hanging)."""
        with self._state.lock:
            return self._state.lock.wait_for(lambda: self._state.hits[endpoint] >= count, timeout)

    @property
    def writes(self) -> list[Write]:
        """Every write received, in order, whatever was answered."""
        with self._state.lock:
            return list(self._state.writes)

    def ticket(self, ticket_id: str) -> Json:
        """The server's current state of a ticket (to see whether a write was applied)."""
        with self._state.lock:
            return dict(self._state.tickets[ticket_id])

    # -- answering (called by handlers) --------------------------------------------------

    def _take(self, endpoint: str) -> Fault:
        with self._state.lock:
            self._state.hits[endpoint] += 1
            self._state.lock.notify_all()
            switch = self._state.switches.get(endpoint)
            if switch is None:
                return Fault()
            if switch.times is not None:
                switch.times -= 1
                if switch.times <= 0:
                    del self._state.switches[endpoint]
            return switch.fault

    def _count(self, path: str) -> None:
        with self._state.lock:
            self._state.counts[path] += 1

    def _record(self, write: Write) -> None:
        with self._state.lock:
            self._state.writes.append(write)

    def _read_answer(self, endpoint: str, query: dict[str, list[str]], hostile: bool) -> Json:
        """The JSON a GET answers, hostile or not."""
        now = self.now
        if endpoint == "me":
            return faultdata.hostile_people()[0] if hostile else dict(faultdata.ME)
        if endpoint == "people":
            people = faultdata.hostile_people() if hostile else list(faultdata.PEOPLE)
            return {"people": people}
        if endpoint == "shifts":
            return {"shifts": faultdata.hostile_shifts(now) if hostile else faultdata.shifts(now)}
        with self._state.lock:
            sound = [dict(t) for t in self._state.tickets.values()]
        items = faultdata.hostile_tickets(sound) if hostile else sound
        start = int((query.get("cursor") or ["0"])[0] or 0)
        page = items[start : start + self.page_size]
        more = start + self.page_size < len(items)
        return {"tickets": page, "next": str(start + self.page_size) if more else None}

    def _apply_write(
        self, endpoint: str, ticket_id: str, body: object, key: str | None
    ) -> tuple[int, Json]:
        """Apply an action once per Idempotency-Key; (status, answer)."""
        fingerprint = f"{endpoint}/{ticket_id}\n{json.dumps(body, sort_keys=True)}"
        with self._state.lock:
            seen = self._state.replies.get(key) if key else None
            if seen is not None:
                if seen[0] != fingerprint:
                    return 422, _error(422, "Idempotency-Key already used for another request")
                return seen[1], json.loads(seen[2])
            ticket = self._state.tickets.get(ticket_id)
            if ticket is None:
                return 404, _error(404, f"no open ticket {ticket_id}")
            if not isinstance(body, dict) or not isinstance(body.get("by"), str):
                return 422, _error(422, '"by" is required')
            people = {p["id"] for p in faultdata.PEOPLE}
            if endpoint == "acknowledge":
                if ticket["status"] == "new":
                    ticket["status"] = "acknowledged"
                if ticket["acknowledged_at"] is None:
                    ticket["acknowledged_at"] = faultdata.iso(self.now)
                ticket["assignee_id"] = ticket["assignee_id"] or body["by"]
            else:
                if body.get("to") not in people:
                    return 422, _error(422, f"unknown recipient: {body.get('to')}")
                ticket["assignee_id"] = body["to"]
                ticket.setdefault("notes", []).append(str(body.get("note", "")))
            answer = dict(ticket)
            if key:
                self._state.replies[key] = (fingerprint, 200, json.dumps(answer).encode())
            return 200, answer


class _Httpd(ThreadingHTTPServer):
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

    def handle_error(self, request: Any, client_address: Any) -> None:
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
            thread.join(_JOIN_SECONDS)
        return [t.name for t in threads if t.is_alive()]


class _Handler(BaseHTTPRequestHandler):
    """One connection; each request is routed to its endpoint and its fault."""

    protocol_version = "HTTP/1.1"
    server: _Httpd

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
            owner._count("portal")
            self._send(200, _portal_page(), "text/html; charset=utf-8")
            return
        # A redirect's target under /moved answers as the API does, without faults.
        moved = path.startswith("/moved/")
        path = path.removeprefix("/moved")
        if not path.startswith(BASE_PATH + "/"):
            self._send_json(404, _error(404, f"no such path; the API lives under {BASE_PATH}"))
            return
        relative = path.removeprefix(BASE_PATH + "/").strip("/")
        owner._count(f"moved/{relative}" if moved else relative)
        endpoint, ticket_id = _endpoint(relative)
        if endpoint is None:
            self._send_json(404, _error(404, f"no such endpoint /{relative}"))
            return
        writing = endpoint in ("acknowledge", "handover")
        if writing:
            owner._record(
                Write(
                    endpoint,
                    ticket_id,
                    _parsed(body),
                    self.headers.get("Idempotency-Key"),
                    self.headers.get("Authorization"),
                )
            )
        fault = Fault() if moved else owner._take(endpoint)
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
            self._send_json(401, _error(401, "missing or wrong token"))
            return
        if endpoint in ("acknowledge", "handover"):
            if self.command != "POST":
                self._send_json(405, _error(405, "use POST here"), (("Allow", "POST"),))
                return
            key = self.headers.get("Idempotency-Key")
            status, answer = owner._apply_write(endpoint, ticket_id, _parsed(body), key)
            if hostile and status == 200:
                answer = faultdata.hostile_version(answer)
            self._send_json(status, answer)
            return
        if self.command != "GET":
            self._send_json(405, _error(405, "use GET here"), (("Allow", "GET"),))
            return
        payload = _encode(owner._read_answer(endpoint, query, hostile))
        etag = f'"{hashlib.sha256(payload).hexdigest()[:16]}"'
        if etag in (self.headers.get("If-None-Match") or ""):
            self._send(304, b"", "", (("ETag", etag),))
            return
        self._send(200, payload, "application/json", (("ETag", etag),))

    def _misbehave(self, fault: Fault, endpoint: str, writing: bool) -> None:
        owner = self.server.owner
        mode = fault.mode
        if mode is Mode.STATUS:
            self._send_json(fault.status, _error(fault.status, "injected fault"), fault.headers)
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
            self._send_json(fault.status, _error(fault.status, message), echo)
        elif mode is Mode.RESET:
            # SO_LINGER 0: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

    def _sound_answer(self, endpoint: str, writing: bool) -> Json:
        owner = self.server.owner
        if writing:
            with owner._state.lock:
                return dict(next(iter(owner._state.tickets.values())))
        return owner._read_answer(endpoint, {}, hostile=False)

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

    def _head(
        self,
        status: int,
        content_type: str,
        length: int | None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
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
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self._head(status, content_type, len(payload), headers)
        self.wfile.write(payload)

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


def _error(status: int, message: str) -> Json:
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
