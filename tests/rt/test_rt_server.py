"""Smoke tests against the real Request Tracker 5: the facts the `rt` provider relies on.

Each test writes down what RT 5.0.3 really answers (see also /work/notes/rt_observed.md).
Tests that change a ticket make their own (`RTServer.new_ticket`), so their order and
the xdist worker they land on do not matter (each worker that runs one starts its own RT).
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.rt import rt_server as rt
from tests.rt.rt_server import OBSERVER, SLA_MINUTES, RTServer, start_rt

SAM = "sam@example.com"
PRIYA = "priya@example.com"
UNSET_DUE = "1970-01-01T00:00:00Z"
TIMEOUT = 30


def _get(server: RTServer, who: str, path: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{server.api}{path}", params=params, headers=server.headers(who), timeout=TIMEOUT
    )


def _put(
    server: RTServer, who: str, path: str, body: object, if_match: str | None = None
) -> requests.Response:
    headers = server.headers(who)
    if if_match is not None:
        headers["If-Match"] = if_match
    return requests.put(f"{server.api}{path}", json=body, headers=headers, timeout=TIMEOUT)


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_search_pages_with_total_and_next_page(rt_server: RTServer) -> None:
    """Paging: total/count/page/pages/per_page, next_page until the last page; ids are strings."""
    seen: list[str] = []
    reply = _get(
        rt_server,
        SAM,
        "/tickets",
        query=f"Queue = '{rt_server.queue}'",
        fields="Subject,Priority,Due,Owner,Status",
        orderby="id",
        order="ASC",
        per_page=2,
    )
    while True:
        assert reply.status_code == 200
        body = reply.json()
        assert {"total", "count", "page", "pages", "per_page", "items"} <= body.keys()
        assert body["per_page"] == 2
        assert body["count"] == len(body["items"])
        for item in body["items"]:
            assert isinstance(item["id"], str)
            assert item["type"] == "ticket"
            assert isinstance(item["Priority"], str)
            assert {"id", "type", "_url"} <= item["Owner"].keys()
        seen += [item["id"] for item in body["items"]]
        if "next_page" not in body:
            assert body["page"] == body["pages"]
            break
        reply = requests.get(body["next_page"], headers=rt_server.headers(SAM), timeout=TIMEOUT)
    assert [int(i) for i in seen] == sorted(int(i) for i in seen)
    assert set(rt_server.tickets) <= {int(i) for i in seen}


def test_search_with_no_match_and_a_bad_query(rt_server: RTServer) -> None:
    """No match: 200 with pages 0 (a float 0.0 in RT's JSON); broken TicketSQL: 400 with why."""
    empty = _get(rt_server, SAM, "/tickets", query="Queue = 'NoSuchQueue'")
    assert empty.status_code == 200
    assert empty.json()["total"] == 0
    assert empty.json()["pages"] == 0
    assert empty.json()["items"] == []
    bad = _get(rt_server, SAM, "/tickets", query="Queue = ")
    assert bad.status_code == 400
    assert "Incomplete query" in bad.json()["message"]


def test_ticket_fields_due_priority_owner(rt_server: RTServer) -> None:
    """One ticket: id a number, Priority a string, unset Due is 1970-01-01, no SLA key."""
    p1, _, _, no_sla, _ = rt_server.tickets
    reply = _get(rt_server, SAM, f"/ticket/{no_sla}")
    assert reply.status_code == 200
    assert reply.headers["ETag"].startswith('"')
    assert "Last-Modified" in reply.headers
    ticket = reply.json()
    assert ticket["id"] == no_sla
    assert ticket["Priority"] == "10"
    assert ticket["Due"] == UNSET_DUE
    # No SLA: the key is absent here (a search with fields=SLA gives "").
    assert "SLA" not in ticket
    assert ticket["Owner"]["id"] == "Nobody"
    assert ticket["Status"] == "new"
    assert ticket["Queue"]["id"] == str(rt_server.queue_id)
    refs = {link["ref"] for link in ticket["_hyperlinks"]}
    assert {"self", "history", "comment", "correspond", "lifecycle"} <= refs
    first = _get(rt_server, SAM, f"/ticket/{p1}").json()
    assert (first["Priority"], first["SLA"]) == ("90", "P1")


def test_sla_levels_set_due_from_created(rt_server: RTServer) -> None:
    """RT's %ServiceAgreements: Due = Created + the level's response time (give or take the
    second RT applies the SLA in); no SLA, no Due."""
    for ticket_id, level in zip(rt_server.tickets, ("P1", "P2", "P3"), strict=False):
        ticket = _get(rt_server, SAM, f"/ticket/{ticket_id}").json()
        assert ticket["SLA"] == level
        due = _iso(ticket["Due"]) - _iso(ticket["Created"])
        # RT starts the clock when it applies the SLA, a moment after Created: on a
        # loaded machine that moment can fall in the next second.
        target = timedelta(minutes=SLA_MINUTES[level])
        assert target <= due <= target + timedelta(seconds=5), (level, ticket["Due"])
    no_sla = _get(rt_server, SAM, f"/ticket/{rt_server.tickets[4]}").json()
    assert no_sla["Due"] == UNSET_DUE


def test_orderby_due_puts_unset_due_first(rt_server: RTServer) -> None:
    """orderby=Due ASC sorts 1970-01-01 (no deadline) before every real deadline."""
    body = _get(
        rt_server,
        SAM,
        "/tickets",
        query=f"Queue = '{rt_server.queue}'",
        fields="Due",
        orderby="Due",
        order="ASC",
        per_page=100,
    ).json()
    dues = [item["Due"] for item in body["items"]]
    assert dues[0] == UNSET_DUE
    assert dues == sorted(dues)


def test_take_with_if_match_then_stale_etag_gives_412(rt_server: RTServer) -> None:
    """Acknowledge = Owner me + Status open: 200 with messages; a stale If-Match gives 412."""
    ticket_id = rt_server.new_ticket("take with If-Match", 60, "P2")
    etag = _get(rt_server, SAM, f"/ticket/{ticket_id}").headers["ETag"]
    took = _put(rt_server, SAM, f"/ticket/{ticket_id}", {"Owner": SAM, "Status": "open"}, etag)
    assert took.status_code == 200
    assert took.json() == [
        f"Ticket {ticket_id}: Owner changed from Nobody to {SAM}",
        f"Ticket {ticket_id}: Status changed from 'new' to 'open'",
    ]
    after = _get(rt_server, SAM, f"/ticket/{ticket_id}")
    assert after.json()["Owner"]["id"] == SAM
    assert after.json()["Status"] == "open"
    assert after.headers["ETag"] != etag
    stale = _put(rt_server, PRIYA, f"/ticket/{ticket_id}", {"Owner": PRIYA}, etag)
    assert stale.status_code == 412
    assert stale.json() == {"message": "Precondition Failed"}
    again = _put(
        rt_server,
        SAM,
        f"/ticket/{ticket_id}",
        {"Owner": SAM, "Status": "open"},
        after.headers["ETag"],
    )
    assert (again.status_code, again.json()) == (200, [])


def test_refused_owner_change_is_a_200_with_rts_words(rt_server: RTServer) -> None:
    """Owner = a user without OwnTicket: 200 and a message, the ticket unchanged."""
    ticket_id = rt_server.new_ticket("refused owner", 40)
    refused = _put(rt_server, SAM, f"/ticket/{ticket_id}", {"Owner": OBSERVER})
    assert refused.status_code == 200
    assert refused.json() == [f"Ticket {ticket_id}: That user may not own tickets in that queue"]
    assert _get(rt_server, SAM, f"/ticket/{ticket_id}").json()["Owner"]["id"] == "Nobody"
    # The acting user lacks ModifyTicket: still 200, one "Permission Denied" per field.
    denied = _put(rt_server, OBSERVER, f"/ticket/{ticket_id}", {"Owner": SAM, "Status": "open"})
    assert denied.status_code == 200
    assert denied.json() == [f"Ticket {ticket_id}: Permission Denied"] * 2
    assert _get(rt_server, SAM, f"/ticket/{ticket_id}").json()["Status"] == "new"


def test_take_endpoint_needs_json_and_words_its_refusals(rt_server: RTServer) -> None:
    """PUT /take: 415 without a JSON Content-Type; 'already owns' is a message, not []."""
    ticket_id = rt_server.new_ticket("take endpoint", 30)
    path = f"{rt_server.api}/ticket/{ticket_id}/take"
    bare = requests.put(path, headers=rt_server.headers(PRIYA), timeout=TIMEOUT)
    assert bare.status_code == 415
    took = _put(rt_server, PRIYA, f"/ticket/{ticket_id}/take", {})
    assert took.json() == [f"Owner changed from Nobody to {PRIYA}"]
    again = _put(rt_server, PRIYA, f"/ticket/{ticket_id}/take", {})
    assert again.json() == ["That user already owns that ticket"]
    other = _put(rt_server, SAM, f"/ticket/{ticket_id}/take", {})
    assert (other.status_code, other.json()) == (
        200,
        ["You can only take tickets that are unowned"],
    )
    assert _get(rt_server, SAM, f"/ticket/{ticket_id}").json()["Owner"]["id"] == PRIYA


def test_handover_sets_owner_and_adds_one_comment(rt_server: RTServer) -> None:
    """Hand over = Owner priya, then a comment: 201 with Location; history shows both."""
    ticket_id = rt_server.new_ticket("hand over", 80, "P1")
    _put(rt_server, SAM, f"/ticket/{ticket_id}", {"Owner": SAM, "Status": "open"})
    moved = _put(rt_server, SAM, f"/ticket/{ticket_id}", {"Owner": PRIYA})
    assert moved.json() == [f"Ticket {ticket_id}: Owner changed from {SAM} to {PRIYA}"]
    note = requests.post(
        f"{rt_server.api}/ticket/{ticket_id}/comment",
        json={"Content": "Handing over: VPN logs attached.", "ContentType": "text/plain"},
        headers=rt_server.headers(SAM),
        timeout=TIMEOUT,
    )
    assert note.status_code == 201
    assert note.json() == ["Comments added"]
    assert note.headers["Location"].startswith("/REST/2.0/transaction/")
    history = _get(
        rt_server,
        SAM,
        f"/ticket/{ticket_id}/history",
        fields="Type,Creator,Field,OldValue,NewValue",
        per_page=100,
    ).json()
    comments = [t for t in history["items"] if t["Type"] == "Comment"]
    assert len(comments) == 1
    assert comments[0]["Creator"]["id"] == SAM
    owners = [t for t in history["items"] if t["Type"] == "Set" and t["Field"] == "Owner"]
    # Owner transactions carry user ids, not names.
    assert owners[-1]["NewValue"] == str(rt_server.user_ids[PRIYA])


def test_history_pages_for_an_agent_are_unsized_and_may_be_short(rt_server: RTServer) -> None:
    """History as a non-admin: total/pages null, no next_page, and pages shorter than
    per_page while more follow (RT drops the transactions she may not see after paging):
    read pages until one is empty."""
    ticket_id = rt_server.tickets[0]
    first = _get(rt_server, SAM, f"/ticket/{ticket_id}/history", per_page=2, page=1).json()
    assert (first["total"], first["pages"], first.get("next_page")) == (None, None, None)
    assert first["count"] < 2  # the hidden EmailRecord transaction still took its place
    second = _get(rt_server, SAM, f"/ticket/{ticket_id}/history", per_page=2, page=2).json()
    assert second["count"] > 0
    admin = _get(rt_server, "root", f"/ticket/{ticket_id}/history", per_page=2, page=1).json()
    assert admin["total"] is not None
    assert "next_page" in admin


def test_correspond_by_the_owner_clears_the_sla_due(rt_server: RTServer) -> None:
    """Owner in the search via fields[Owner]; take honours If-Match; a reply by the owner
    answers the SLA's response deadline, so Due goes back to 1970-01-01 (a comment does not)."""
    ticket_id = rt_server.new_ticket("reply clears due", 70, "P1")
    etag = _get(rt_server, SAM, f"/ticket/{ticket_id}").headers["ETag"]
    assert _put(rt_server, SAM, f"/ticket/{ticket_id}/take", {}, etag).status_code == 200
    assert _put(rt_server, SAM, f"/ticket/{ticket_id}/take", {}, etag).status_code == 412
    found = _get(
        rt_server, SAM, "/tickets", query=f"id = {ticket_id}", fields="Owner,Due",
        **{"fields[Owner]": "Name,EmailAddress,RealName"},
    ).json()["items"][0]  # fmt: skip
    assert found["Owner"]["EmailAddress"] == SAM
    assert found["Owner"]["RealName"] == "Sam Rivera"
    assert found["Due"] != UNSET_DUE
    for kind in ("comment", "correspond"):
        reply = requests.post(
            f"{rt_server.api}/ticket/{ticket_id}/{kind}",
            json={"Content": f"a {kind}", "ContentType": "text/plain"},
            headers=rt_server.headers(SAM),
            timeout=TIMEOUT,
        )
        assert reply.status_code == 201
        due = _get(rt_server, SAM, f"/ticket/{ticket_id}").json()["Due"]
        assert (due == UNSET_DUE) == (kind == "correspond"), (kind, due)


def test_comment_refusals_are_400(rt_server: RTServer) -> None:
    """Comments, unlike PUT, refuse with a 400: no right, or JSON without ContentType."""
    ticket_id = rt_server.tickets[2]
    path = f"{rt_server.api}/ticket/{ticket_id}/comment"
    body = {"Content": "not allowed", "ContentType": "text/plain"}
    denied = requests.post(path, json=body, headers=rt_server.headers(OBSERVER), timeout=TIMEOUT)
    assert (denied.status_code, denied.json()) == (400, {"message": "Permission Denied"})
    bare = requests.post(
        path, json={"Content": "x"}, headers=rt_server.headers(SAM), timeout=TIMEOUT
    )
    assert bare.status_code == 400
    assert bare.json()["message"] == "ContentType is a required field for application/json"


def test_users_listed_by_email_for_a_privileged_user(rt_server: RTServer) -> None:
    """GET /users (Privileged is enough) with fields: Name = EmailAddress, RealName."""
    query = '[{"field":"EmailAddress","operator":"LIKE","value":"example.com"}]'
    reply = _get(rt_server, SAM, "/users", query=query, fields="Name,EmailAddress,RealName")
    assert reply.status_code == 200
    people = {item["EmailAddress"]: item["RealName"] for item in reply.json()["items"]}
    assert people[SAM] == "Sam Rivera"
    assert people[PRIYA] == "Priya Natarajan"


def test_auth_and_conditional_get(rt_server: RTServer) -> None:
    """A bad token is 401; If-None-Match with the current ETag is 304; unknown id 404."""
    ticket = f"{rt_server.api}/ticket/{rt_server.tickets[0]}"
    bad = requests.get(ticket, headers={"Authorization": "token nope"}, timeout=TIMEOUT)
    assert (bad.status_code, bad.json()) == (401, {"message": "Unauthorized"})
    etag = requests.get(ticket, headers=rt_server.headers(SAM), timeout=TIMEOUT).headers["ETag"]
    same = requests.get(
        ticket, headers={**rt_server.headers(SAM), "If-None-Match": etag}, timeout=TIMEOUT
    )
    assert same.status_code == 304
    missing = _get(rt_server, SAM, "/ticket/99999")
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})


def test_rt_missing_names_the_packages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the packages the reason says what to install (the fixture skips, or fails in CI)."""
    monkeypatch.setattr(rt, "RT_SERVER", tmp_path / "no-rt-server")
    reason = rt.rt_missing()
    assert reason is not None
    assert "request-tracker5" in reason


@pytest.mark.usefixtures("rt_server")  # skips (or fails in CI) without RT, like the rest
def test_a_stopped_instance_leaves_no_process_or_port(tmp_path: Path) -> None:
    """start_rt then stop: the process group is gone and the port refuses connections."""
    server = start_rt(tmp_path)
    try:
        port = int(server.url.rsplit(":", 1)[1])
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert not rt._group_alive(server.process.pid)
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", port))
