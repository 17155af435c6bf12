"""A misbehaving Opsgenie / JSM operations server, for the provider contract.

Endpoints (switchable into every mode of tests/faultmodes.py): ``schedules`` (paged by
``paging.next`` for Opsgenie, ``links.next`` + ``values`` for JSM), ``oncalls``,
``timeline`` and (JSM) ``users`` (Jira user/bulk). Opsgenie recipients carry their
usernames (emails); JSM's carry account ids only, resolved through ``users``. Serving,
stopping and the fault dispatch are tests/sources/vendor_faultserver.py's; this holds
only the APIs' shapes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qs

from tests.faultmodes import Fault, Mode
from tests.sources.vendor_faultserver import HOSTILE_NAME as HOSTILE
from tests.sources.vendor_faultserver import VendorFaultServer, VendorHandler

PEOPLE = {"u-ada": "Ada Lo", "u-bob": "Bob Ng"}
PORTAL = b"<!doctype html><html><body><h1>Wi-Fi login</h1></body></html>"
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


class _Handler(VendorHandler):
    PORTAL_PAGE = PORTAL

    @property
    def owner(self) -> OpsFaultServer:
        return cast(OpsFaultServer, self.server.vendor)

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

    def _route(self) -> None:
        owner, request = self.owner, self._request()
        if request is None:
            return
        path, query, moved = request
        endpoint = self._endpoint(owner, path)
        if endpoint is None:
            self._json(404, {"message": "No such path"})
            return
        fault = owner.count(("moved/" if moved else "") + endpoint)
        keys = (f"GenieKey {owner.token}", f"Bearer {owner.token}")
        if not self._authorized(*keys) and fault.mode is not Mode.ECHO_AUTH:
            self._json(401, {"message": "Unauthorized"})
            return
        if moved or fault.mode in (Mode.OK, Mode.HOSTILE):
            hostile = fault.mode is Mode.HOSTILE and not moved
            self._json(200, owner.answer(endpoint, parse_qs(query), path, hostile))
            return
        self._misbehave(fault)

    # The ops APIs' shapes for the fault modes.
    def _status_body(self, fault: Fault) -> tuple[bytes, str]:
        body = {"message": "injected fault", "code": fault.status}
        return json.dumps(body).encode(), "application/json"

    def _drip_body(self) -> bytes:
        return b'{"data": []}' * 8

    def _wrong_shape(self) -> bytes:
        return b"[1, 2, 3]"

    def _huge_chunks(self) -> tuple[bytes, bytes]:
        chunk = b'{"pad":"' + b"x" * (64 * 1024)
        return chunk, chunk

    def _echo_auth(self, fault: Fault) -> None:
        echo = f"bad key: {self.headers.get('Authorization')}"
        self._send(fault.status, echo.encode(), "text/plain", (("X-Echo", echo),))


class OpsFaultServer(VendorFaultServer):
    """On 127.0.0.1, an ephemeral port; *jsm* picks the JSM paths and shapes.

    Each endpoint is switched on its own (``set("timeline", fault)``).
    """

    HANDLER = _Handler
    NAME = "ops"

    def __init__(self, token: str, page_size: int, *, jsm: bool) -> None:
        super().__init__(token)
        self.page_size, self.jsm = page_size, jsm

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
            page = every[offset : offset + self.page_size]
            nxt = offset + self.page_size
            link = f"{path}?offset={nxt}" if nxt < len(every) else None
            if self.jsm:
                return {"values": page, "links": {"next": link} if link else {}}
            return {"data": page, "paging": {"next": link} if link else {}, "took": 0.01}
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
