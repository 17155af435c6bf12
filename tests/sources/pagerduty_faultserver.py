"""A misbehaving PagerDuty REST API server, for the provider contract (contract.py).

The rotation's endpoints in provider-apis.md §1's shapes: ``oncalls`` (one item per
escalation level, so every shift comes twice, at levels 1 and 2, and the provider must
keep it once, filtered to the asked ``since``/``until``), ``users`` and ``me`` (``GET
/users``, ``/users/me``), ``schedule`` (``GET /schedules/PS1``, the same shifts
rendered). The queue's: ``priorities``, ``incidents`` (``GET /incidents``), ``incident``
(``GET /incidents/{id}``), ``update`` (``PUT /incidents/{id}``), ``notes`` (``GET
…/notes``) and ``note`` (``POST …/notes``), with the quirks of
tests/sources/pagerduty_incident_state.py. Lists page by ``offset``/``limit`` with
``more``, at most *page_size* items a page. It wants ``Authorization: Token
token=<token>`` (else 401, as PagerDuty answers), or misbehaves as the `Fault` set on
an endpoint says, with every mode of tests/faultmodes.py in JSON terms; a ``times``
fault answers that many requests, then the sound answer again. A RESET on ``update`` or
``note`` applies the write before cutting the connection: the answer is what is lost.
Routing and ``times`` are tests/sources/api_faultserver.py's; serving, stopping and the
fault dispatch tests/sources/vendor_faultserver.py's.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, ClassVar, cast

from tests.faultmodes import Fault
from tests.sources import pagerduty_incident_state as pd
from tests.sources.api_faultserver import ApiFaultServer, ApiHandler
from tests.sources.pagerduty_incident_state import PEOPLE, full_user, stamp
from tests.sources.vendor_faultserver import HOSTILE_NAME

HOSTILE_TITLE = "Disk \x1b]0;owned\x07full\u202e\x1b[2J"


def oncall_shifts(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """(user id, start, end): eighteen 12-hour shifts from a day before *now*, alternating."""
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    return [
        (PEOPLE[n % 2][0], first + timedelta(hours=12 * n), first + timedelta(hours=12 * (n + 1)))
        for n in range(18)
    ]


def oncalls(now: datetime, since: datetime, until: datetime, *, hostile: bool) -> list[object]:
    """Sound items overlapping [since, until), each at levels 1 and 2; *hostile* adds bad ones."""
    users = {pid: full_user(pid) for pid, _name, _email in PEOPLE}
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
                    "start": stamp(start),
                    "end": stamp(end),
                }
            )
    if hostile:  # an impossible time, one ending before it starts, one with no user
        bad = {"user": users["PU1"], "schedule": schedule, "escalation_level": 1}
        items += [
            dict(bad, start="2026-13-99T99:00:00Z", end=stamp(now)),
            dict(bad, start=stamp(now), end=stamp(now - timedelta(1))),
            dict(bad, user=None, start=stamp(now), end=stamp(now + timedelta(1))),
            "not an on-call",
        ]
    return items


def _time(values: list[str] | None, default: datetime) -> datetime:
    try:
        return datetime.fromisoformat(values[0]) if values else default
    except ValueError:
        return default


def _endpoint(method: str, path: str) -> tuple[str | None, str]:
    """The endpoint a request is for, and the incident id in its path ("" if none)."""
    reads = {
        "/oncalls": "oncalls",
        "/users": "users",
        "/users/me": "me",
        "/priorities": "priorities",
        "/incidents": "incidents",
        "/schedules/PS1": "schedule",
    }
    if method == "GET" and path in reads:
        return reads[path], ""
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "incidents":
        return {"GET": "incident", "PUT": "update"}.get(method), parts[1]
    if len(parts) == 3 and parts[0] == "incidents" and parts[2] == "notes":
        return {"GET": "notes", "POST": "note"}.get(method), parts[1]
    return None, ""


class _Handler(ApiHandler):
    NOT_FOUND: ClassVar[object] = {"error": {"message": "Not Found", "code": 2100}}
    UNAUTHORIZED: ClassVar[object] = {"error": {"message": "Authentication failed", "code": 2006}}
    WRITES = frozenset({"update", "note"})
    WRITE_HEADER = "From"
    COUNTS_MOVED = True

    @property
    def owner(self) -> PagerDutyFaultServer:
        return cast(PagerDutyFaultServer, self.server.vendor)

    def _endpoint(self, path: str) -> tuple[str | None, str]:
        return _endpoint(self.command, path)

    def _answer_write(self, status: int, body: Any, *, hostile: bool) -> None:
        if hostile and isinstance(body.get("incident"), dict):
            self._json(status, {"incident": dict(body["incident"], title=HOSTILE_TITLE)})
        else:
            self._json(status, body)

    def _read(
        self, endpoint: str, incident_id: str, query: dict[str, list[str]], *, hostile: bool
    ) -> None:
        owner, now = self.owner, self.owner.now
        if endpoint == "oncalls":
            since, until = _time(query.get("since"), now), _time(query.get("until"), now)
            self._page("oncalls", oncalls(now, since, until, hostile=hostile), query)
        elif endpoint == "users":
            users: list[object] = [full_user(pid) for pid, _n, _e in PEOPLE]
            if hostile:
                users += [dict(full_user("PU1"), id="PU9", name=HOSTILE_NAME), {"id": None}, 7]
            self._page("users", users, query)
        elif endpoint == "me":
            self._json(200, {"user": full_user("PU1")})
        elif endpoint == "priorities":
            levels: list[object] = [
                {"id": pid, "type": "priority", "name": pid} for pid in pd.PRIORITY_IDS
            ]
            self._page("priorities", levels, query)
        elif endpoint == "schedule":
            self._schedule()
        elif endpoint == "incidents":
            self._page("incidents", owner.listing(query, hostile=hostile), query)
        elif incident_id not in owner.incidents:
            self._json(404, {"error": {"message": "Not Found", "code": 2100}})
        elif endpoint == "incident":
            self._json(200, {"incident": owner.incidents[incident_id].json(now)})
        else:  # notes
            self._json(200, {"notes": list(owner.incidents[incident_id].notes)})

    def _page(self, key: str, items: list[object], query: dict[str, list[str]]) -> None:
        offset = int(query.get("offset", ["0"])[0])
        limit = min(int(query.get("limit", ["25"])[0]), self.owner.page_size)
        chunk, more = items[offset : offset + limit], offset + limit < len(items)
        headers = (("ratelimit-limit", "960"), ("ratelimit-remaining", "959"))
        body = {key: chunk, "limit": limit, "offset": offset, "more": more, "total": None}
        self._json(200, body, headers)

    def _schedule(self) -> None:
        entries = [
            {"start": stamp(start), "end": stamp(end), "user": pd.user_ref(pid)}
            for pid, start, end in oncall_shifts(self.owner.now)
        ]
        final = {"name": "Final Schedule", "rendered_schedule_entries": entries}
        self._json(200, {"schedule": {"id": "PS1", "name": "Core", "final_schedule": final}})

    # PagerDuty's shapes for the fault modes.
    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        body = {"error": {"message": "injected fault", "code": 2000}}
        return json.dumps(body).encode(), "application/json"

    def _drip_body(self) -> bytes:
        return json.dumps({"oncalls": [], "incidents": [], "more": False}).encode()

    def _wrong_shape(self) -> bytes:
        body = {"oncalls": {"not": "a list"}, "incidents": 3, "users": "x", "incident": [1]}
        return json.dumps(body | {"more": False}).encode()

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        return b'{"incidents":["' + b"x" * (64 * 1024), b"x" * (64 * 1024)

    def _redirect_targets(self) -> dict[str, str]:
        port = self.server.server_address[1]
        return super()._redirect_targets() | {
            "other-moved": f"http://localhost:{port}/moved{self.path}"
        }

    def _echo_body(self, echo: str) -> object:  # before the token check, as PagerDuty does
        return {"error": {"message": f"no such key (Authorization: {echo})", "code": 2006}}


class PagerDutyFaultServer(ApiFaultServer):
    """The API on 127.0.0.1, an ephemeral port; ``set(endpoint, fault, times=)`` switches it."""

    HANDLER = _Handler
    NAME = "pagerduty"

    def __init__(self, token: str, page_size: int = 100, now: datetime | None = None) -> None:
        super().__init__(token, page_size, now)
        self.authorization = f"Token token={token}"
        self.incidents = pd.incidents()
        self.received: list[tuple[str, str, bytes, str | None]] = []

    def listing(self, query: dict[str, list[str]], *, hostile: bool) -> list[object]:
        """The incidents ``GET /incidents`` answers, full assignees; *hostile* adds bad ones."""
        with self._lock:
            found = pd.listed(self.incidents, self.now, query)
            items: list[object] = [i.json(self.now, full=True) for i in found]
        if hostile and items:
            items[0] = found[0].json(self.now, full=True, title=HOSTILE_TITLE)
            bad = found[0].json(self.now)
            items += [
                dict(bad, id="PIX1", created_at="2026-13-45T25:61:00Z"),
                dict(bad, id=None),
                dict(bad, id="PIX2", urgency="sky-high", priority=None),
                dict(bad, id="PIX3", assignments="nobody"),
                "not an incident",
            ]
        return items

    def write(
        self, endpoint: str, incident_id: str, raw: bytes, from_header: str | None
    ) -> tuple[int, Any]:
        """Apply a PUT or a note; (status, answer)."""
        with self._lock:
            self.received.append((endpoint, incident_id, raw, from_header))
            incident = self.incidents.get(incident_id)
            if incident is None:
                return 404, {"error": {"message": "Not Found", "code": 2100}}
            by = pd.sender(from_header)
            if by is None:  # §10: a missing From answers 400, code 2016
                return 400, pd.MISSING_FROM
            if endpoint == "note":
                return pd.add_note(incident, raw, by, self.now)
            status, body = pd.update(incident, raw, by)
            return status, body or {"incident": incident.json(self.now)}

    def state(self, incident_id: str) -> tuple[object, ...]:
        """What a repeat must not change (see `pagerduty_incident_state.state`)."""
        with self._lock:
            return pd.state(self.incidents[incident_id])
