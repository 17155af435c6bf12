"""The fault server does what the fault tests rely on: each mode, counting, and a clean stop."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.conftest import FAULT_TOKEN
from tests.faultcases import FAULT_CASES
from tests.faultserver import ENDPOINTS, Fault, FaultServer

AUTH = {"Authorization": f"Bearer {FAULT_TOKEN}"}


def test_ok_answers_the_contract_with_etags_and_idempotent_writes(
    fault_server: FaultServer,
) -> None:
    with requests.Session() as http:
        first = http.get(f"{fault_server.url}/tickets", headers=AUTH)
        assert first.status_code == 200
        assert [t["id"] for t in first.json()["tickets"]] == ["142", "143", "144", "145"]
        again = http.get(
            f"{fault_server.url}/tickets", headers={**AUTH, "If-None-Match": first.headers["ETag"]}
        )
        assert again.status_code == 304
        assert http.get(f"{fault_server.url}/people").status_code == 401
        for _ in range(2):
            acked = http.post(
                f"{fault_server.url}/tickets/142/acknowledge",
                json={"by": "alice"},
                headers={**AUTH, "Idempotency-Key": "k-1"},
            )
            assert (acked.status_code, acked.json()["status"]) == (200, "acknowledged")
    assert fault_server.count("tickets") == 2
    assert fault_server.count("tickets/142/acknowledge") == 2
    assert [(w.endpoint, w.ticket_id, w.body, w.idempotency_key) for w in fault_server.writes] == [
        ("acknowledge", "142", {"by": "alice"}, "k-1")
    ] * 2
    assert fault_server.ticket("142")["assignee_id"] == "alice"


def test_a_fault_for_a_number_of_times_then_ok(fault_server: FaultServer) -> None:
    fault_server.set("people", Fault.answer(503, retry_after="7"), times=1)
    with requests.Session() as http:
        failed = http.get(f"{fault_server.url}/people", headers=AUTH)
        assert (failed.status_code, failed.headers["Retry-After"]) == (503, "7")
        assert failed.json()["error"]["code"] == "unavailable"
        assert http.get(f"{fault_server.url}/people", headers=AUTH).status_code == 200


def test_echo_puts_the_authorization_header_in_body_and_headers(
    fault_server: FaultServer,
) -> None:
    fault_server.set("me", Fault.echo_auth())
    answer = requests.get(f"{fault_server.url}/me", headers=AUTH, timeout=5)
    assert answer.status_code == 401
    assert FAULT_TOKEN in answer.text
    assert FAULT_TOKEN in answer.headers["X-Echo-Authorization"]


def test_redirects_point_where_they_say(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.redirect(302, "other-portal"))
    portal = requests.get(f"{fault_server.url}/tickets", headers=AUTH, timeout=5)
    assert portal.url.startswith(fault_server.other_origin)
    assert "text/html" in portal.headers["Content-Type"]
    fault_server.set("tickets", Fault.redirect(307, "moved"))
    moved = requests.get(f"{fault_server.url}/tickets", headers=AUTH, timeout=5)
    assert moved.json()["tickets"]
    assert fault_server.count("moved/tickets") == 1


def test_huge_is_streamed_to_its_size(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.huge(3 * 1024 * 1024 + 5))
    answer = requests.get(f"{fault_server.url}/tickets", timeout=10)
    assert len(answer.content) == 3 * 1024 * 1024 + 5
    assert answer.json()["tickets"] == []


def test_hostile_text_is_valid_json_with_lone_surrogate_escapes(fault_server: FaultServer) -> None:
    fault_server.set("tickets", Fault.hostile())
    raw = requests.get(f"{fault_server.url}/tickets", headers=AUTH, timeout=5).content
    assert b"\\ud800" in raw
    assert b"\\u001b]0;" in raw
    assert b"9999-12-31T23:59:59Z" in raw


def test_stop_ends_hung_and_dripping_handlers_at_once() -> None:
    server = FaultServer().start()
    server.set("tickets", Fault.hang())
    server.set("people", Fault.drip(0.5))
    failures: list[type[BaseException]] = []
    arrived = threading.Event()

    def ask(path: str) -> None:
        try:
            requests.get(f"{server.url}/{path}", timeout=30).json()
        except requests.RequestException as error:
            failures.append(type(error))
        finally:
            if len(failures) == 2:
                arrived.set()

    clients = [threading.Thread(target=ask, args=(path,)) for path in ("tickets", "people")]
    for client in clients:
        client.start()
    assert server.wait_hits("tickets") and server.wait_hits("people")
    started = time.monotonic()
    server.stop()
    for client in clients:
        client.join(5)
    assert time.monotonic() - started < 3
    assert arrived.wait(1) and len(failures) == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("faultserver")]


def test_cases_are_named_once_and_endpoints_are_checked(fault_server: FaultServer) -> None:
    assert len({case.id for case in FAULT_CASES}) == len(FAULT_CASES)
    for endpoint in ENDPOINTS:
        fault_server.set(endpoint, Fault.html())
    with pytest.raises(ValueError, match="unknown endpoint"):
        fault_server.set("nope", Fault.ok())
