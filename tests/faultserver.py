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

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from tests import faultdata
from tests.faultdata import Json
from tests.faultmodes import BASE_PATH, ENDPOINTS, MIB, Fault, Mode, Write
from tests.faultwire import FaultHttpd, error_json, stop_serving

__all__ = ["BASE_PATH", "ENDPOINTS", "MIB", "Fault", "FaultServer", "Mode", "Write"]


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
        self._httpd: FaultHttpd | None = None
        self._serving: threading.Thread | None = None

    # -- life --------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on 127.0.0.1 (a free port) and serve on a thread."""
        if self._httpd is not None:
            raise RuntimeError("the fault server is already running")
        httpd = FaultHttpd(self)
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
        left = stop_serving(httpd, serving, self.stopping)
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

    # -- answering (called by the handlers in tests.faultwire) ---------------------------

    def take_fault(self, endpoint: str) -> Fault:
        """The fault for this request to *endpoint* (counted; a limited one used up)."""
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

    def count_request(self, path: str) -> None:
        """Count a request for *path* under the base URL."""
        with self._state.lock:
            self._state.counts[path] += 1

    def record_write(self, write: Write) -> None:
        """Keep a write as received."""
        with self._state.lock:
            self._state.writes.append(write)

    def first_ticket(self) -> Json:
        """A sound ticket, as a write's answer is shaped."""
        with self._state.lock:
            return dict(next(iter(self._state.tickets.values())))

    def read_answer(self, endpoint: str, query: dict[str, list[str]], hostile: bool) -> Json:
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

    def apply_write(
        self, endpoint: str, ticket_id: str, body: object, key: str | None
    ) -> tuple[int, Json]:
        """Apply an action once per Idempotency-Key; (status, answer)."""
        fingerprint = f"{endpoint}/{ticket_id}\n{json.dumps(body, sort_keys=True)}"
        with self._state.lock:
            seen = self._state.replies.get(key) if key else None
            if seen is not None:
                if seen[0] != fingerprint:
                    return 422, error_json(422, "Idempotency-Key already used for another request")
                return seen[1], json.loads(seen[2])
            ticket = self._state.tickets.get(ticket_id)
            if ticket is None:
                return 404, error_json(404, f"no open ticket {ticket_id}")
            if not isinstance(body, dict) or not isinstance(body.get("by"), str):
                return 422, error_json(422, '"by" is required')
            people = {p["id"] for p in faultdata.PEOPLE}
            if endpoint == "acknowledge":
                if ticket["status"] == "new":
                    ticket["status"] = "acknowledged"
                if ticket["acknowledged_at"] is None:
                    ticket["acknowledged_at"] = faultdata.iso(self.now)
                ticket["assignee_id"] = ticket["assignee_id"] or body["by"]
            else:
                if body.get("to") not in people:
                    return 422, error_json(422, f"unknown recipient: {body.get('to')}")
                ticket["assignee_id"] = body["to"]
                ticket.setdefault("notes", []).append(str(body.get("note", "")))
            answer = dict(ticket)
            if key:
                self._state.replies[key] = (fingerprint, 200, json.dumps(answer).encode())
            return 200, answer
