"""The demo team over HTTP: a real team-API server on 127.0.0.1, standard library only.

It serves docs/team-api.md under ``/api/v1`` — ETag and ``If-None-Match``, cursor
paging, ``Idempotency-Key`` on POST, JSON errors, an optional Bearer token — and a tiny
HTML page per ticket at ``/ticket/{id}``. A `DemoTeam` holds the state; one lock
serialises every request against it, since the team is not thread-safe and the demo's
load is one laptop's polling. The socket side lives in `traysupport.demo.wire`.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Final, Self, cast
from urllib.parse import parse_qs, unquote, urlsplit

from traysupport.demo.scenario import DemoTeam
from traysupport.demo.shapes import DemoError, JsonObject
from traysupport.demo.wire import Reply, Request, WireServer, error_reply, json_reply

logger = logging.getLogger(__name__)

BASE_PATH: Final = "/api/v1"
"""Where the API lives on the server; the base URL ends with it."""
_REMEMBERED_KEYS: Final = 1024
# shutdown() waits up to one poll interval; the default 0.5 s would slow every test.
_POLL_INTERVAL: Final = 0.05
# The ticket page shows server text; forbid scripts and everything else it never needs.
_PAGE_HEADERS: Final = (("Content-Security-Policy", "default-src 'none'"),)


@dataclass(frozen=True, slots=True)
class _Remembered:
    fingerprint: str
    reply: Reply


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _not_allowed(allowed: str) -> Reply:
    return error_reply(405, f"use {allowed} here", (("Allow", allowed),))


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    # A weak validator is as good as a strong one for a 304 (RFC 9110 weak comparison).
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def _json_body(raw: bytes) -> JsonObject:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DemoError(400, "the body is not valid UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise DemoError(400, "the body must be a JSON object")
    return cast(JsonObject, body)


def _text(body: JsonObject, name: str) -> str:
    """The required string field *name* of a POST body; 422 when missing or not a string."""
    value = body.get(name)
    if value is None:
        raise DemoError(422, f'"{name}" is required')
    if not isinstance(value, str):
        raise DemoError(422, f'"{name}" must be a string')
    return value


def _time(query: dict[str, list[str]], name: str) -> datetime:
    values = query.get(name)
    if not values or not values[0]:
        raise DemoError(400, f"{name} is required (ISO 8601 with an offset)")
    text = values[0]
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            # An unencoded "+01:00" arrives as " 01:00" after form decoding.
            value = datetime.fromisoformat(text.replace(" ", "+"))
        except ValueError:
            raise DemoError(400, f"{name} is not an ISO 8601 time") from None
    if value.utcoffset() is None:
        raise DemoError(400, f"{name} needs an offset, e.g. Z or +01:00")
    return value


def _ticket_page(ticket: JsonObject) -> bytes:
    """A bare HTML page for a ticket; every value from the team is escaped."""

    def esc(value: object) -> str:
        return html.escape("" if value is None else str(value))

    status = "closed" if ticket.get("closed_at") else ticket["status"]
    notes = cast(list[dict[str, str]], ticket["notes"])
    items = "".join(f"<li>{esc(n['at'])} {esc(n['by'])}: {esc(n['text'])}</li>" for n in notes)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{esc(ticket['key'])}</title></head><body>"
        f"<h1>{esc(ticket['key'])}: {esc(ticket['title'])}</h1>"
        f"<p>{esc(ticket['priority'])} · {esc(status)} · assignee {esc(ticket['assignee_id'])}"
        f" · opened {esc(ticket['created_at'])}</p>"
        f"<ul>{items}</ul></body></html>"
    )
    return page.encode("utf-8")


def _loopback(host: str) -> str:
    """*host* as the IPv4 loopback address to bind; ValueError for anything else."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.version != 4 or not address.is_loopback:
        raise ValueError(f"the demo server binds an IPv4 loopback address only, not {host!r}")
    return host


class DemoServer:
    """The demo team served on 127.0.0.1: `start()`, read `url`, `stop()` (or use `with`).

    Without *clock* and *start* the scenario starts now on the real clock. With *token*
    every API request must carry ``Authorization: Bearer <token>``.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        speed: float = 1.0,
        seed: int = 7,
        token: str | None = None,
        host: str = "127.0.0.1",
        clock: Callable[[], datetime] | None = None,
        start: datetime | None = None,
        page_size: int = 50,
    ) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be 0..65535 (0 picks a free one), got {port}")
        read_clock = clock or _utc_now
        began = start if start is not None else read_clock().replace(microsecond=0)
        self.team = DemoTeam(began, speed, seed, clock=read_clock, page_size=page_size)
        """The scenario being served; touch it only while the server is stopped."""
        self._host = _loopback(host)
        self._port = port
        self._token = token
        self._lock = threading.Lock()
        self._remembered: OrderedDict[str, _Remembered] = OrderedDict()
        self._httpd: WireServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True between `start()` and `stop()`."""
        return self._httpd is not None

    @property
    def site_url(self) -> str:
        """The server's root, e.g. ``http://127.0.0.1:8123`` (ticket pages live here)."""
        if self._httpd is None:
            raise RuntimeError("the demo server is not running; call start() first")
        return f"http://{self._host}:{self._httpd.server_port}"

    @property
    def url(self) -> str:
        """The API base URL to configure, e.g. ``http://127.0.0.1:8123/api/v1``."""
        return self.site_url + BASE_PATH

    def start(self) -> None:
        """Bind the port and serve on a daemon thread; OSError if the port is taken."""
        if self._httpd is not None:
            raise RuntimeError("the demo server is already running")
        httpd = WireServer((self._host, self._port), self.respond)
        self._httpd = httpd
        with self._lock:
            self.team.site_url = self.site_url
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name="traysupport-demo",
            daemon=True,
        )
        self._thread.start()
        logger.info("demo team serving at %s", self.url)

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread; a no-op when stopped."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        logger.info("demo team stopped")

    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def respond(self, request: Request) -> Reply:
        """Answer one request (the HTTP-free core of the server); never raises."""
        with self._lock:
            try:
                return self._dispatch(request)
            except DemoError as error:
                return error_reply(error.status, error.message)
            except Exception:
                logger.exception("demo server failed on %s %s", request.method, request.target)
                return error_reply(500, "the demo server failed; see its log")

    def _dispatch(self, request: Request) -> Reply:
        parts = urlsplit(request.target)
        path = parts.path
        if path.startswith("/ticket/"):
            # The browser page: no token, since a browser opening the link has none.
            if request.method != "GET":
                return _not_allowed("GET")
            ticket = self.team.ticket(unquote(path.removeprefix("/ticket/")))
            return Reply(200, _ticket_page(ticket), "text/html; charset=utf-8", _PAGE_HEADERS)
        if path != BASE_PATH and not path.startswith(BASE_PATH + "/"):
            raise DemoError(404, f"no such path; the API lives under {BASE_PATH}")
        if not self._authorized(request.authorization):
            message = "missing or wrong token; send Authorization: Bearer <token>"
            return error_reply(401, message, (("WWW-Authenticate", 'Bearer realm="demo"'),))
        segments = [unquote(s) for s in path.removeprefix(BASE_PATH).strip("/").split("/")]
        return self._api(request, segments, parse_qs(parts.query, keep_blank_values=True))

    def _api(self, request: Request, segments: list[str], query: dict[str, list[str]]) -> Reply:
        """Route an authorised request under the base path to its endpoint."""
        team = self.team
        match segments:
            case ["me"]:
                return self._get(request, team.me)
            case ["people"]:
                return self._get(request, team.people)
            case ["shifts"]:
                return self._get(
                    request, lambda: team.shifts(_time(query, "since"), _time(query, "until"))
                )
            case ["tickets"]:
                return self._get(request, lambda: team.tickets(query.get("cursor", [""])[0]))
            case ["tickets", ticket_id, "acknowledge"]:
                return self._post(
                    request, lambda body: team.acknowledge(ticket_id, _text(body, "by"))
                )
            case ["tickets", ticket_id, "handover"]:
                return self._post(
                    request,
                    lambda body: team.hand_over(
                        ticket_id,
                        _text(body, "to"),
                        _text(body, "note"),
                        _text(body, "by"),
                    ),
                )
        raise DemoError(404, f"no such endpoint /{'/'.join(segments)}")

    def _authorized(self, header: str | None) -> bool:
        if self._token is None:
            return True
        scheme, _, value = (header or "").strip().partition(" ")
        # Constant-time, so the demo does not teach timing leaks.
        same = hmac.compare_digest(value.strip().encode(), self._token.encode())
        return scheme.lower() == "bearer" and same

    @staticmethod
    def _get(request: Request, answer: Callable[[], JsonObject]) -> Reply:
        if request.method != "GET":
            return _not_allowed("GET")
        body = json_reply(200, answer()).body
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        if _etag_matches(request.if_none_match, etag):
            return Reply(304, headers=(("ETag", etag),))
        return Reply(200, body, headers=(("ETag", etag),))

    def _post(self, request: Request, action: Callable[[JsonObject], JsonObject]) -> Reply:
        """Apply *action* once per Idempotency-Key; a repeat gets the first answer back."""
        if request.method != "POST":
            return _not_allowed("POST")
        body = _json_body(request.body)
        key = request.idempotency_key
        fingerprint = urlsplit(request.target).path + "\n" + json.dumps(body, sort_keys=True)
        seen = self._remembered.get(key) if key else None
        if seen is not None:
            if seen.fingerprint != fingerprint:
                raise DemoError(422, "Idempotency-Key already used for another request")
            replayed = (*seen.reply.headers, ("Idempotent-Replayed", "true"))
            return Reply(seen.reply.status, seen.reply.body, headers=replayed)
        # Only successes are remembered: a refused request changed nothing, so trying it
        # again with the same key is as safe as the first time.
        reply = json_reply(200, action(body))
        if key:
            self._remembered[key] = _Remembered(fingerprint, reply)
            while len(self._remembered) > _REMEMBERED_KEYS:
                self._remembered.popitem(last=False)
        return reply


def serve_forever(
    port: int,
    speed: float,
    host: str = "127.0.0.1",
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the demo team until Ctrl+C (`traysupport demo-server`), then stop cleanly.

    *on_ready* is called with the base URL once the server listens (the CLI prints it).
    """
    server = DemoServer(port, speed=speed, host=host)
    server.start()
    try:
        if on_ready is not None:
            on_ready(server.url)
        threading.Event().wait()
    except KeyboardInterrupt:
        logger.info("demo team interrupted")
    finally:
        server.stop()
