"""A misbehaving PagerDuty ``/oncalls`` server, for the provider contract (contract.py).

One endpoint, ``oncalls``, answering provider-apis.md §1's shape (one item per
escalation level, so every shift comes twice, at levels 1 and 2, and the provider must
keep it once), paged by ``offset``/``limit`` with ``more`` at most *page_size* items a
page, filtered to the asked ``since``/``until``. It wants ``Authorization: Token
token=<token>`` (else 401, as PagerDuty answers), or misbehaves as the `Fault` set on it
says, with every mode of tests/faultmodes.py in JSON terms. Serving, stopping and the
fault dispatch are tests/sources/vendor_faultserver.py's; this holds only the API's shapes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import cast
from urllib.parse import parse_qs

from tests.faultmodes import Fault, Mode
from tests.sources.vendor_faultserver import HOSTILE_NAME, VendorFaultServer, VendorHandler

PEOPLE = (("PU1", "Ada Lo", "ada@example.com"), ("PU2", "Bob Ng", "bob@example.com"))


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


class _Handler(VendorHandler):
    @property
    def owner(self) -> PagerDutyFaultServer:
        return cast(PagerDutyFaultServer, self.server.vendor)

    def _route(self) -> None:
        owner, request = self.owner, self._request()
        if request is None:
            return
        path, query, moved = request
        if path != "/oncalls":
            self._json(404, {"error": {"message": "Not Found", "code": 2100}})
            return
        fault = owner.count("moved/oncalls" if moved else "oncalls")
        if fault.mode is Mode.ECHO_AUTH:
            self._echo_auth(fault)
            return
        if not self._authorized(f"Token token={owner.token}"):
            self._json(401, {"error": {"message": "Authentication failed", "code": 2006}})
            return
        if moved or fault.mode in (Mode.OK, Mode.HOSTILE):
            self._page(owner, parse_qs(query), hostile=fault.mode is Mode.HOSTILE)
            return
        self._misbehave(fault)

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

    # PagerDuty's shapes for the fault modes.
    REPLY_TYPE = "application/json"

    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        body = {"error": {"message": "injected fault", "code": 2000}}
        return json.dumps(body).encode(), "application/json"

    def _drip_body(self) -> bytes:
        return json.dumps({"oncalls": [], "more": False}).encode()

    def _wrong_shape(self) -> bytes:
        return json.dumps({"oncalls": {"not": "a list"}, "more": False}).encode()

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        return b'{"oncalls":["' + b"x" * (64 * 1024), b"x" * (64 * 1024)

    def _redirect_targets(self) -> dict[str, str]:
        port = self.server.server_address[1]
        return super()._redirect_targets() | {
            "other-moved": f"http://localhost:{port}/moved{self.path}"
        }

    def _echo_auth(self, fault: Fault) -> None:  # before the token check, as PagerDuty does
        echo = f"no such key (Authorization: {self.headers.get('Authorization')})"
        body = {"error": {"message": echo, "code": 2006}}
        self._json(fault.status, body, (("X-Echo", str(self.headers.get("Authorization"))),))

    def _reply_body(self, fault: Fault) -> bytes:
        if isinstance(fault.payload, bytes):
            return fault.payload
        return json.dumps(fault.payload).encode()


class PagerDutyFaultServer(VendorFaultServer):
    """The API on 127.0.0.1, an ephemeral port; ``set("oncalls", fault)`` switches it."""

    HANDLER = _Handler
    NAME = "pagerduty"
    ENDPOINT = "oncalls"

    def __init__(self, token: str, page_size: int = 100, now: datetime | None = None) -> None:
        super().__init__(token, now)
        self.page_size = page_size
