"""What the ticket tools' fault servers share: writes, ``times`` faults, the request routing.

The queue servers (zendesk_faultserver.py, jira_sm_faultserver.py, rt_faultserver.py,
pagerduty_faultserver.py) take writes as well as reads. Each keeps only its API's shapes
(paths, bodies, the header a write needs); the rest is here once:

- `ApiFaultServer`: a fault set with ``times`` answers that many requests, then the sound
  answer again; `write` (the vendor's) applies a write to the server's state.
- `ApiHandler`: one `_route` for them all. A write endpoint, sound or under a RESET, is
  applied before the answer (a RESET cuts the connection after it: the answer is what is
  lost); a read is answered soundly on the ``/moved`` copy or when the fault is OK or
  HOSTILE; anything else is the fault's (vendor_faultserver.py's `_misbehave`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar, cast
from urllib.parse import parse_qs

from tests.faultmodes import Fault, Mode
from tests.sources.vendor_faultserver import VendorFaultServer, VendorHandler


class ApiFaultServer(VendorFaultServer):
    """A queue API on 127.0.0.1; ``set(endpoint, fault, times=)`` switches it.

    Subclasses set `authorization` (the header a sound request carries) and give `write`.
    """

    authorization: str

    def __init__(self, token: str, page_size: int, now: datetime | None = None) -> None:
        super().__init__(token, now)
        self.page_size = page_size
        self._times: dict[str, int] = {}

    def set(self, endpoint: str, fault: Fault, *, times: int | None = None) -> None:
        """Answer *endpoint* with *fault*; with *times*, only the next *times* requests."""
        with self._lock:
            self._faults[endpoint] = fault
            self._times.pop(endpoint, None)
            if times is not None:
                self._times[endpoint] = times

    def count(self, endpoint: str) -> Fault:
        """Count a request; the fault to answer it with (a `times` fault runs out)."""
        with self._lock:
            self._hits[endpoint] = self._hits.get(endpoint, 0) + 1
            fault = self._faults.get(endpoint, Fault())
            if endpoint in self._times:
                self._times[endpoint] -= 1
                if self._times[endpoint] <= 0:
                    del self._times[endpoint], self._faults[endpoint]
            return fault

    def write(self, endpoint: str, key: Any, raw: bytes, header: str | None) -> tuple[int, Any]:
        """Apply a write to *key* as the vendor would; (status, answer or None for none).

        *header* is the request's `ApiHandler.WRITE_HEADER`.
        """
        raise NotImplementedError


class ApiHandler(VendorHandler):
    """One request to a queue API; subclasses give the vendor's shapes below."""

    NOT_FOUND: ClassVar[object]
    """The body of a 404 for a path the API does not have."""
    UNAUTHORIZED: ClassVar[object]
    """The body of a 401 for a request without the right Authorization."""
    WRITES: ClassVar[frozenset[str]]
    """The endpoints that change the server's state."""
    WRITE_HEADER: ClassVar[str] = "Authorization"
    """The request header handed to `ApiFaultServer.write`."""
    COUNTS_MOVED: ClassVar[bool] = False
    """Whether a ``/moved`` request counts as ``moved/<endpoint>`` (a fault of its own)."""
    REPLY_TYPE = "application/json"

    @property
    def owner(self) -> ApiFaultServer:
        return cast(ApiFaultServer, self.server.vendor)

    def do_PUT(self) -> None:  # noqa: N802  (http.server names it)
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        self.do_GET()

    # The vendor's part.
    def _endpoint(self, path: str) -> tuple[str | None, Any]:
        """The endpoint this request (``self.command`` on *path*) is for, and its key."""
        raise NotImplementedError

    def _read(self, endpoint: str, key: Any, query: dict[str, list[str]], *, hostile: bool) -> None:
        """Answer a read soundly (with bad items among the good when *hostile*)."""
        raise NotImplementedError

    def _answer_write(self, status: int, body: Any, *, hostile: bool) -> None:
        """Answer an applied write (*body* None: no body)."""
        if body is None:
            self._send(status, b"", "")
        else:
            self._json(status, body)

    def _echo_body(self, echo: str) -> object:
        """The 401 body that echoes the Authorization header in *echo*."""
        raise NotImplementedError

    def _route(self) -> None:
        owner, request = self.owner, self._request()
        if request is None:
            return
        path, query, moved = request
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        endpoint, key = self._endpoint(path)
        if endpoint is None:
            self._json(404, self.NOT_FOUND)
            return
        fault = owner.count(f"moved/{endpoint}" if moved and self.COUNTS_MOVED else endpoint)
        if fault.mode is Mode.ECHO_AUTH:
            self._echo_auth(fault)
            return
        if not self._authorized(owner.authorization):
            self._json(401, self.UNAUTHORIZED)
            return
        sound, hostile = moved or fault.mode in (Mode.OK, Mode.HOSTILE), fault.mode is Mode.HOSTILE
        if endpoint in self.WRITES:
            if sound or fault.mode is Mode.RESET:
                status, body = owner.write(endpoint, key, raw, self.headers.get(self.WRITE_HEADER))
                if fault.mode is not Mode.RESET:
                    self._answer_write(status, body, hostile=hostile)
                    return
        elif sound:
            self._read(endpoint, key, parse_qs(query), hostile=hostile)
            return
        self._misbehave(fault)

    # The fault modes in JSON terms.
    def _echo_auth(self, fault: Fault) -> None:
        said = str(self.headers.get("Authorization"))
        self._json(fault.status, self._echo_body(said), (("X-Echo", said),))

    def _reply_body(self, fault: Fault) -> bytes:
        if isinstance(fault.payload, bytes):
            return fault.payload
        return json.dumps(fault.payload).encode()
