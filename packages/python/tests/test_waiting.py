"""wait_for_decision against the real server: every outcome, a timeout, a restart, and only its own request."""

from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, List, Optional

import pytest
from conftest import World, body, decide_soon, reply

from greenlight import (
    AsyncGreenlight,
    DecisionTimeoutError,
    Greenlight,
    Outcome,
    RequestMismatchError,
)


def _in(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    "decision,outcome,comment",
    [("approve", "approved", "ship it"), ("reject", "rejected", "not on a Friday")],
)
def test_a_decision_by_a_second_principal_ends_the_wait(requester: Greenlight, approver: Greenlight, decision: str, outcome: str, comment: str) -> None:
    made = requester.create_approval(body())
    thread, errors = decide_soon(approver, made["id"], decision, comment)
    result = requester.wait_for_decision(made["id"], timeout=30)
    thread.join()
    assert errors == []
    assert result.outcome == outcome
    assert result.approved is (outcome == "approved")
    assert result.approval["id"] == made["id"]
    assert result.comment == comment


def test_a_cancelled_request_is_cancelled_never_approved(requester: Greenlight) -> None:
    made = requester.create_approval(body())
    thread = threading.Thread(target=requester.cancel_approval, args=(made["id"],))
    thread.start()
    result = requester.wait_for_decision(made["id"], timeout=30)
    thread.join()
    assert (result.outcome, result.approved, result.approval["status"]) == ("cancelled", False, "cancelled")


def test_an_expired_request_is_expired(requester: Greenlight) -> None:
    made = requester.create_approval(body(expires_at=_in(2)))
    result = requester.wait_for_decision(made["id"], timeout=30)
    assert (result.outcome, result.approved, result.approval["status"]) == ("expired", False, "expired")


def test_a_wait_that_runs_out_is_timed_out_distinct_from_every_decision(requester: Greenlight) -> None:
    made = requester.create_approval(body())
    with pytest.raises(DecisionTimeoutError) as caught:
        requester.wait_for_decision(made["id"], timeout=1)
    assert caught.value.outcome == "timed_out"
    assert caught.value.approval["status"] == "pending"
    assert caught.value.approval["timed_out"] is True
    # Without raising: timed_out is its own outcome, and the request is still pending.
    result = requester.wait_for_outcome(made["id"], timeout=1)
    assert (result.outcome, result.approved) == ("timed_out", False)
    assert requester.get_approval(made["id"])["status"] == "pending"


def test_the_wait_survives_a_graceful_restart_and_a_crash_of_the_server(world: World, requester: Greenlight, approver: Greenlight) -> None:
    made = requester.create_approval(body("Migrate the billing database"))
    events: List[str] = []
    changed = threading.Condition()

    def note(what: str) -> None:
        with changed:
            events.append(what)
            changed.notify_all()

    def await_event(what: str, count: int) -> None:
        with changed:
            assert changed.wait_for(lambda: events.count(what) >= count, timeout=90), f"{what} x{count} never came: {events}"

    result: List[Outcome] = []
    failure: List[BaseException] = []

    def wait() -> None:
        try:
            result.append(
                requester.wait_for_decision(
                    made["id"],
                    timeout=240,
                    on_reconnect=lambda info: note("reconnecting"),
                    on_reconnected=lambda: note("reconnected"),
                )
            )
        except BaseException as exc:  # noqa: BLE001 - checked below
            failure.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    try:
        # Each new process starts only once the waiter has noticed the server is gone, and is killed
        # only once the waiter has said it is back (its long poll is then held by that process).
        world.control("stop")
        await_event("reconnecting", 1)
        world.control("start")
        await_event("reconnected", 1)
        before = events.count("reconnecting")
        world.control("kill")
        await_event("reconnecting", before + 1)
        world.control("start")
        await_event("reconnected", 2)
    finally:
        world.control("start")
    approver.approve(made["id"], "after the restarts")
    waiter.join(timeout=60)
    assert failure == []
    assert result[0].outcome == "approved"
    assert result[0].approval["id"] == made["id"]
    assert result[0].comment == "after the restarts"
    # The wait never created anything: one request.
    assert requester.find_by_idempotency_key(made["idempotency_key"] or "")["id"] == made["id"]  # type: ignore[index]


class _Misrouting(BaseHTTPRequestHandler):
    """A proxy in front of the real server that answers a wait on one request with another request's answer."""

    upstream = ""
    rewrite: Optional[tuple] = None

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path
        if self.rewrite and path.startswith(f"/api/v1/approvals/{self.rewrite[0]}"):
            path = path.replace(self.rewrite[0], self.rewrite[1], 1)
        request = urllib.request.Request(self.upstream + path, headers={"authorization": self.headers["authorization"]})
        try:
            with urllib.request.urlopen(request, timeout=70) as res:
                status, content_type, data = res.status, res.headers["content-type"], res.read()
        except urllib.error.HTTPError as err:
            status, content_type, data = err.code, err.headers["content-type"], err.read()
        reply(self, status, content_type, data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture()
def misrouting(world: World) -> Iterator[type]:
    handler = type("Handler", (_Misrouting,), {"upstream": world.url, "rewrite": None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_an_answer_about_another_request_is_an_error_never_its_decision(world: World, requester: Greenlight, approver: Greenlight, misrouting: Any) -> None:
    mine = requester.create_approval(body("Mine, still pending"))
    other = requester.create_approval(body("Another request, approved"))
    approver.approve(other["id"])
    misrouting.rewrite = (mine["id"], other["id"])
    with Greenlight(misrouting.url, api_key=world.requester_key) as through_proxy:
        with pytest.raises(RequestMismatchError) as caught:
            through_proxy.wait_for_decision(mine["id"], timeout=5)
        assert (caught.value.expected_id, caught.value.received_id) == (mine["id"], other["id"])
        with pytest.raises(RequestMismatchError):
            through_proxy.wait_for_outcome(mine["id"], timeout=5, revoke_window="wait")
    assert requester.get_approval(mine["id"])["status"] == "pending"


def test_a_revoke_within_the_window_is_a_rejection_when_the_wait_waits_the_window_out(requester: Greenlight, approver: Greenlight) -> None:
    made = requester.create_approval(body(revocable_for_seconds=300))
    approver.approve(made["id"])
    # By default the approval is answered at once, window open.
    at_once = requester.wait_for_decision(made["id"], timeout=5)
    assert at_once.outcome == "approved" and at_once.approval.get("revocable_until")

    told = threading.Event()
    outcome: List[Outcome] = []
    waiter = threading.Thread(
        target=lambda: outcome.append(
            requester.wait_for_decision(made["id"], timeout=30, revoke_window="wait", on_revoke_window=lambda until: told.set())
        )
    )
    waiter.start()
    assert told.wait(30)
    approver.revoke(made["id"], "wrong tenant")
    waiter.join(30)
    assert outcome[0].outcome == "rejected"
    assert outcome[0].comment == "wrong tenant"

    standing = requester.create_approval(body(revocable_for_seconds=1))
    approver.approve(standing["id"])
    decided = requester.wait_for_decision(standing["id"], timeout=30, revoke_window="wait")
    assert decided.outcome == "approved"
    assert datetime.now(timezone.utc) > datetime.fromisoformat((decided.approval.get("revocable_until") or "").replace("Z", "+00:00"))


def test_the_async_client_waits_for_a_decision(world: World, requester: Greenlight, approver: Greenlight) -> None:
    made = requester.create_approval(body())
    rejected = requester.create_approval(body())

    async def scenario() -> None:
        async with AsyncGreenlight(world.url, api_key=world.requester_key) as client:
            waiting = asyncio.ensure_future(client.wait_for_decision(made["id"], timeout=30))
            await asyncio.to_thread(approver.approve, made["id"])
            assert (await waiting).outcome == "approved"
            with pytest.raises(DecisionTimeoutError):
                await client.wait_for_decision(rejected["id"], timeout=1)
            await asyncio.to_thread(approver.reject, rejected["id"], "no")
            assert (await client.wait_for_outcome(rejected["id"], timeout=5)).outcome == "rejected"

    asyncio.run(scenario())
