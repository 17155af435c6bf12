"""The demo team: a real server on 127.0.0.1, driven by a fake clock (never by sleeping)."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.clock import FakeClock
from traysupport.core.model import Priority, Sla, SlaKind, Ticket, TicketStatus
from traysupport.core.sla import SlaPolicy, warn_at
from traysupport.demo import DemoServer, DemoTeam, serve_forever
from traysupport.demo.wire import MAX_BODY

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)
TIMEOUT = 5


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def server(clock: FakeClock) -> Iterator[DemoServer]:
    with DemoServer(clock=clock, start=START) as running:
        yield running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def at(offset: float, speed: float = 1.0) -> datetime:
    """The real instant of scenario offset *offset* for a team started at START."""
    return START + timedelta(seconds=offset / speed)


def parse(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.utcoffset() is not None
    return value


def get(http: requests.Session, url: str, **params: str) -> Any:
    response = http.get(url, params=params, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def post(
    http: requests.Session, url: str, body: object, key: str | None = None
) -> requests.Response:
    headers = {} if key is None else {"Idempotency-Key": key}
    return http.post(url, json=body, headers=headers, timeout=TIMEOUT)


def open_tickets(http: requests.Session, server: DemoServer) -> dict[str, Any]:
    page = get(http, server.url + "/tickets")
    assert page["next"] is None
    return {t["id"]: t for t in page["tickets"]}


def shifts_at(http: requests.Session, server: DemoServer, instant: datetime) -> list[Any]:
    since, until = instant.isoformat(), (instant + TICK).isoformat()
    found: list[Any] = get(http, server.url + "/shifts", since=since, until=until)["shifts"]
    return found


def error_code(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    code: str = response.json()["error"]["code"]
    assert response.json()["error"]["message"]
    return code


# -- the scripted timeline -------------------------------------------------------------


@pytest.mark.parametrize("speed", [1.0, 20.0])
def test_you_go_on_duty_at_plus_20_seconds_and_not_before(
    speed: float, clock: FakeClock, http: requests.Session
) -> None:
    with DemoServer(clock=clock, start=START, speed=speed) as server:

        def on_duty(instant: datetime) -> dict[str, str]:
            return {s["role"]: s["person_id"] for s in shifts_at(http, server, instant)}

        assert on_duty(START) == {"primary": "alex"}
        assert on_duty(at(20, speed) - TICK) == {"primary": "alex"}
        assert on_duty(at(20, speed)) == {"primary": "you", "shadow": "priya"}
        assert on_duty(at(20 + 3600, speed) - TICK) == {"primary": "you", "shadow": "priya"}
        assert on_duty(at(20 + 3600, speed)) == {"primary": "priya"}
        earlier = get(
            http,
            server.url + "/shifts",
            since=(START - timedelta(days=2)).isoformat(),
            until=at(20, speed).isoformat(),
        )["shifts"]
        assert earlier
        assert "you" not in {s["person_id"] for s in earlier}


@pytest.mark.parametrize("speed", [1.0, 20.0])
def test_tickets_arrive_on_script(speed: float, clock: FakeClock, http: requests.Session) -> None:
    with DemoServer(clock=clock, start=START, speed=speed) as server:
        old = open_tickets(http, server)
        assert list(old) == ["1001", "1002"]
        assert (old["1001"]["priority"], old["1001"]["assignee_id"]) == ("P3", "jonas")
        assert (old["1002"]["priority"], old["1002"]["assignee_id"]) == ("P4", None)

        clock.now = at(30, speed) - TICK
        assert "1003" not in open_tickets(http, server)
        clock.now = at(30, speed)
        p2 = open_tickets(http, server)["1003"]
        assert (p2["priority"], p2["status"], p2["assignee_id"]) == ("P2", "new", None)
        assert parse(p2["created_at"]) == at(30, speed)

        clock.now = at(45, speed) - TICK
        assert "1004" not in open_tickets(http, server)
        clock.now = at(45, speed)
        p1 = open_tickets(http, server)["1004"]
        assert p1["priority"] == "P1"
        assert p1["key"] == "DEMO-1004"
        assert p1["title"] == "<b>Checkout</b> returns 500 for EU cards"
        assert p1["url"] == f"{server.site_url}/ticket/1004"
        due = parse(p1["sla"]["due_at"])
        assert due - timedelta(minutes=15) == at(90, speed)
        # And the app's own SLA maths puts the warning at +90 too.
        ticket = Ticket(
            id="1004",
            key="DEMO-1004",
            title=p1["title"],
            priority=Priority.P1,
            status=TicketStatus.NEW,
            created_at=parse(p1["created_at"]),
            source="demo",
            sla=Sla(due, SlaKind(p1["sla"]["kind"])),
        )
        assert warn_at(ticket, SlaPolicy()) == at(90, speed)


@pytest.mark.parametrize("speed", [1.0, 20.0])
def test_shifts_are_gapless_over_two_days(
    speed: float, clock: FakeClock, http: requests.Session
) -> None:
    with DemoServer(clock=clock, start=START, speed=speed) as server:
        since = START - timedelta(hours=23, minutes=7)
        until = since + timedelta(days=2)
        shifts = get(
            http, server.url + "/shifts", since=since.isoformat(), until=until.isoformat()
        )["shifts"]
    primaries = sorted(
        (parse(s["start"]), parse(s["end"])) for s in shifts if s["role"] == "primary"
    )
    assert primaries[0][0] <= since
    assert primaries[-1][1] >= until
    for (_, end), (start, _) in pairwise(primaries):
        assert end == start
    assert all(parse(s["start"]) < until and parse(s["end"]) > since for s in shifts)
    mine = [s for s in shifts if s["person_id"] == "you"]
    assert mine
    shadows = {(s["start"], s["end"]) for s in shifts if s["role"] == "shadow"}
    assert {(s["start"], s["end"]) for s in mine} == shadows


def test_a_long_shift_window_is_cut_to_16_days(server: DemoServer, http: requests.Session) -> None:
    # The app asks for a day back and 14 days ahead: that window must come back whole.
    until = START + timedelta(days=30)
    shifts = get(http, server.url + "/shifts", since=START.isoformat(), until=until.isoformat())
    last_end = max(parse(s["end"]) for s in shifts["shifts"])
    assert START + timedelta(days=16) <= last_end <= START + timedelta(days=16, hours=1)


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-12-01T09:00:00Z"},
        {"since": "2026-12-01T09:00:00", "until": "2026-12-02T09:00:00Z"},
        {"since": "yesterday", "until": "2026-12-02T09:00:00Z"},
        {"since": "2026-12-02T09:00:00Z", "until": "2026-12-01T09:00:00Z"},
    ],
)
def test_bad_shift_windows_are_400(
    params: dict[str, str], server: DemoServer, http: requests.Session
) -> None:
    response = http.get(server.url + "/shifts", params=params, timeout=TIMEOUT)
    assert error_code(response, 400) == "invalid"


def test_me_is_the_demo_user_on_a_team_of_five(server: DemoServer, http: requests.Session) -> None:
    me = get(http, server.url + "/me")
    assert me["id"] == "you"
    assert me["name"] == "Sam Rivera"  # the UI says "you" itself
    people = get(http, server.url + "/people")["people"]
    assert len(people) == 5
    assert me in people
    assert len({p["id"] for p in people}) == len({p["email"] for p in people}) == 5
    assert all("@" in p["email"] and p["name"] for p in people)


# -- the protocol ----------------------------------------------------------------------


def test_tickets_come_in_pages(clock: FakeClock, http: requests.Session) -> None:
    clock.now = at(45)
    with DemoServer(clock=clock, start=START, page_size=3) as server:
        first = get(http, server.url + "/tickets")
        assert [t["id"] for t in first["tickets"]] == ["1001", "1002", "1003"]
        assert isinstance(first["next"], str)
        second = get(http, server.url + "/tickets", cursor=first["next"])
        assert [t["id"] for t in second["tickets"]] == ["1004"]
        assert second["next"] is None
        bad = http.get(server.url + "/tickets", params={"cursor": "!!"}, timeout=TIMEOUT)
        assert error_code(bad, 400) == "invalid"


def test_etag_gives_304_until_the_state_changes(
    server: DemoServer, clock: FakeClock, http: requests.Session
) -> None:
    url = server.url + "/tickets"
    first = http.get(url, timeout=TIMEOUT)
    etag = first.headers["ETag"]
    again = http.get(url, headers={"If-None-Match": etag}, timeout=TIMEOUT)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag

    clock.now = at(30)
    arrived = http.get(url, headers={"If-None-Match": etag}, timeout=TIMEOUT)
    assert arrived.status_code == 200
    assert arrived.headers["ETag"] != etag

    assert post(http, server.url + "/tickets/1003/acknowledge", {"by": "you"}).ok
    acked = http.get(url, headers={"If-None-Match": arrived.headers["ETag"]}, timeout=TIMEOUT)
    assert acked.status_code == 200
    assert acked.headers["ETag"] not in (etag, arrived.headers["ETag"])


def test_acknowledge_takes_the_ticket_once_per_key(
    server: DemoServer, clock: FakeClock, http: requests.Session
) -> None:
    clock.now = at(60)
    url = server.url + "/tickets/1004/acknowledge"
    first = post(http, url, {"by": "you"}, key="k-ack")
    assert first.status_code == 200
    ticket = first.json()
    assert (ticket["status"], ticket["assignee_id"]) == ("acknowledged", "you")
    assert (ticket["acknowledged_by"], parse(ticket["acknowledged_at"])) == ("you", at(60))
    assert open_tickets(http, server)["1004"] == ticket

    clock.now = at(70)
    handover = {"to": "alex", "note": "", "by": "you"}
    assert post(http, server.url + "/tickets/1004/handover", handover, key="k-hand").ok
    replay = post(http, url, {"by": "you"}, key="k-ack")
    assert replay.status_code == 200
    assert replay.json() == ticket
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert open_tickets(http, server)["1004"]["assignee_id"] == "alex"

    other_key = post(http, url, {"by": "you"}, key="k-again")
    assert other_key.status_code == 200
    assert parse(other_key.json()["acknowledged_at"]) == at(60)

    reused = post(http, server.url + "/tickets/1001/acknowledge", {"by": "you"}, key="k-ack")
    assert error_code(reused, 422) == "invalid"


def test_ids_in_action_urls_are_percent_decoded(server: DemoServer, http: requests.Session) -> None:
    response = post(http, server.url + "/tickets/%31%30%30%32/acknowledge", {"by": "you"})
    assert response.status_code == 200
    assert response.json()["id"] == "1002"


def test_handover_reassigns_and_keeps_the_note_once(
    server: DemoServer, clock: FakeClock, http: requests.Session
) -> None:
    clock.now = at(45)
    url = server.url + "/tickets/1003/handover"
    body = {"to": "mei", "note": "Customer calls back at 15:00 <b>sharp</b>", "by": "you"}
    first = post(http, url, body, key="k1")
    assert first.status_code == 200
    note = {"by": "you", "at": "2026-12-01T09:00:45Z", "text": body["note"]}
    assert (first.json()["assignee_id"], first.json()["notes"]) == ("mei", [note])
    assert post(http, url, body, key="k1").json() == first.json()
    assert open_tickets(http, server)["1003"]["notes"] == [note]

    page = http.get(f"{server.site_url}/ticket/1003", timeout=TIMEOUT)
    assert "15:00 &lt;b&gt;sharp&lt;/b&gt;" in page.text
    assert "<b>sharp" not in page.text


@pytest.mark.parametrize(
    "case",
    [
        ("/tickets/1003/handover", {"to": "nobody", "note": "x", "by": "you"}, 422, "invalid"),
        ("/tickets/1003/handover", {"note": "x", "by": "you"}, 422, "invalid"),
        ("/tickets/1003/handover", {"to": "mei", "by": "you"}, 422, "invalid"),
        ("/tickets/1003/handover", {"to": 7, "note": "", "by": "you"}, 422, "invalid"),
        ("/tickets/1003/acknowledge", {"by": "nobody"}, 422, "invalid"),
        ("/tickets/9999/handover", {"to": "mei", "note": "", "by": "you"}, 404, "not_found"),
        ("/tickets/9999/acknowledge", {"by": "you"}, 404, "not_found"),
        ("/tickets/1003/acknowledge", {}, 422, "invalid"),
        ("/tickets/1003/acknowledge", [], 400, "invalid"),
    ],
)
def test_refused_actions(
    case: tuple[str, object, int, str],
    server: DemoServer,
    clock: FakeClock,
    http: requests.Session,
) -> None:
    path, body, status, code = case
    clock.now = at(45)
    response = post(http, server.url + path, body)
    assert error_code(response, status) == code


def test_bad_bodies_and_paths(server: DemoServer, http: requests.Session) -> None:
    url = server.url + "/tickets/1002/acknowledge"
    bad_json = http.post(url, data=b'{"by": ', timeout=TIMEOUT)
    assert error_code(bad_json, 400) == "invalid"
    too_big = http.post(url, data=b"{}" + b" " * (MAX_BODY - 1), timeout=TIMEOUT)
    assert error_code(too_big, 413) == "invalid"
    fits = b'{"by": "you"}'
    just_fits = http.post(url, data=fits + b" " * (MAX_BODY - len(fits)), timeout=TIMEOUT)
    assert just_fits.status_code == 200
    assert error_code(http.get(server.url + "/nothing", timeout=TIMEOUT), 404) == "not_found"
    assert error_code(http.get(server.site_url + "/", timeout=TIMEOUT), 404) == "not_found"
    wrong_method = http.get(url, timeout=TIMEOUT)
    assert error_code(wrong_method, 405) == "invalid"
    assert wrong_method.headers["Allow"] == "POST"
    assert error_code(http.delete(server.url + "/tickets", timeout=TIMEOUT), 405)


def raw_exchange(server: DemoServer, data: bytes) -> tuple[int, Any]:
    """Send *data* as is and read the answer: for requests no client library would make."""
    port = urlsplit(server.url).port or 0
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Content-Type: application/json" in head
    return int(head.split()[1]), json.loads(body)["error"]["code"]


def test_protocol_errors_are_json(server: DemoServer, http: requests.Session) -> None:
    url = server.url + "/tickets/1002/acknowledge"
    chunked = http.post(url, data=iter([b"{}"]), timeout=TIMEOUT)
    assert error_code(chunked, 411) == "invalid"
    bad_length = b"POST /api/v1/tickets/1002/acknowledge HTTP/1.1\r\nContent-Length: ten\r\n\r\n"
    assert raw_exchange(server, bad_length) == (400, "invalid")
    assert raw_exchange(server, b"BREW /api/v1/me HTTP/1.1\r\n\r\n")[0] == 501
    head = http.head(server.url + "/me", timeout=TIMEOUT)
    assert (head.status_code, head.content) == (405, b"")


def test_closed_tickets_leave_the_queue_and_refuse_actions(
    server: DemoServer, clock: FakeClock, http: requests.Session
) -> None:
    clock.now = at(8 * 3600)
    tickets = open_tickets(http, server)
    newest = max(int(i) for i in tickets)
    closed = [str(i) for i in range(1001, newest) if str(i) not in tickets]
    assert newest > 1004
    assert closed
    response = post(http, server.url + f"/tickets/{closed[0]}/acknowledge", {"by": "you"})
    assert error_code(response, 409) == "conflict"
    page = http.get(f"{server.site_url}/ticket/{closed[0]}", timeout=TIMEOUT)
    assert page.status_code == 200
    assert "closed" in page.text


def test_ticket_page_is_escaped_html(
    server: DemoServer, clock: FakeClock, http: requests.Session
) -> None:
    clock.now = at(45)
    page = http.get(f"{server.site_url}/ticket/1004", timeout=TIMEOUT)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "&lt;b&gt;Checkout&lt;/b&gt; returns 500" in page.text
    assert "<b>Checkout" not in page.text
    missing = http.get(f"{server.site_url}/ticket/9999", timeout=TIMEOUT)
    assert error_code(missing, 404) == "not_found"


def test_token_is_checked_when_configured(clock: FakeClock, http: requests.Session) -> None:
    with DemoServer(clock=clock, start=START, token="s3cret") as server:
        bare = http.get(server.url + "/me", timeout=TIMEOUT)
        assert error_code(bare, 401) == "unauthorized"
        assert bare.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = {"Authorization": "Bearer guess"}
        assert error_code(http.get(server.url + "/me", headers=wrong, timeout=TIMEOUT), 401)
        sneaky = http.post(server.url + "/tickets/1002/acknowledge", json={}, timeout=TIMEOUT)
        assert error_code(sneaky, 401) == "unauthorized"
        http.headers["Authorization"] = "Bearer s3cret"
        assert get(http, server.url + "/me")["id"] == "you"
        assert open_tickets(http, server)["1002"]["status"] == "new"
        del http.headers["Authorization"]
        # The ticket page opens in a browser, which has no token.
        assert http.get(f"{server.site_url}/ticket/1002", timeout=TIMEOUT).status_code == 200


# -- determinism and lifecycle ---------------------------------------------------------


def test_same_seed_and_clock_give_the_same_answers(http: requests.Session) -> None:
    answers = []
    for _ in range(2):
        clock = FakeClock(START)
        with DemoServer(clock=clock, start=START, speed=20) as server:
            for hours in (1, 5, 30):
                clock.now = START + timedelta(hours=hours)
                text = http.get(server.url + "/tickets", timeout=TIMEOUT).text
                answers.append(text.replace(server.site_url, "SITE"))
    assert answers[:3] == answers[3:]
    assert len(set(answers[:3])) == 3


def test_life_does_not_depend_on_how_often_anyone_asks() -> None:
    def history(seed: int, every_minutes: int) -> dict[int, str]:
        clock = FakeClock(START)
        team = DemoTeam(START, 1.0, seed, clock=clock, page_size=1000)
        answers = {}
        for minute in range(every_minutes, 12 * 60 + 1, every_minutes):
            clock.now = START + timedelta(minutes=minute)
            answers[minute] = json.dumps(team.tickets())
        return answers

    often, rarely = history(7, 5), history(7, 60)
    assert {minute: often[minute] for minute in rarely} == rarely
    assert history(7, 5) == often
    assert history(8, 60) != rarely
    last = json.loads(often[12 * 60])["tickets"]
    assert max(int(t["id"]) for t in last) > 1004
    everyone = {t["status"] for answer in often.values() for t in json.loads(answer)["tickets"]}
    assert everyone == {"new", "acknowledged", "in_progress"}


def test_stop_closes_the_port_and_ends_the_thread(clock: FakeClock) -> None:
    server = DemoServer(clock=clock, start=START)
    with pytest.raises(RuntimeError):
        _ = server.url
    server.stop()  # stopping a server that never ran is harmless
    server.start()
    port = urlsplit(server.url).port
    assert port
    with pytest.raises(RuntimeError):
        server.start()
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT):
        pass
    server.stop()
    assert not server.running
    assert not any(t.name == "traysupport-demo" for t in threading.enumerate())
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)


def test_serve_forever_stops_cleanly_on_ctrl_c() -> None:
    seen: list[str] = []

    def ready(url: str) -> None:
        seen.append(url)
        seen.append(requests.get(url + "/me", timeout=TIMEOUT).json()["id"])
        raise KeyboardInterrupt

    serve_forever(0, 20.0, on_ready=ready)
    assert seen[1] == "you"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", urlsplit(seen[0]).port or 0), timeout=TIMEOUT)


def test_requests_are_logged_quietly(
    server: DemoServer, http: requests.Session, capfd: pytest.CaptureFixture[str]
) -> None:
    get(http, server.url + "/me")
    assert capfd.readouterr().err == ""


def test_requests_are_logged_at_debug(
    server: DemoServer, http: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="traysupport.demo"):
        get(http, server.url + "/people")
    assert any("/api/v1/people" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "make",
    [
        lambda: DemoTeam(START.replace(tzinfo=None), clock=lambda: START),
        lambda: DemoTeam(START, 0.0, clock=lambda: START),
        lambda: DemoServer(host="0.0.0.0"),
        lambda: DemoServer(port=70000),
    ],
)
def test_bad_settings_are_refused(make: Any) -> None:
    with pytest.raises(ValueError):
        make()
