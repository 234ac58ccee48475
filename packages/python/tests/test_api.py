"""The client against the real server: operations, idempotency, pagination, typed errors, retries."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, List

import pytest
from conftest import World, body, reply

from greenlight import (
    AsyncGreenlight,
    AuthenticationError,
    ConflictError,
    ContractMismatchError,
    Greenlight,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ValidationError,
)


def test_create_is_idempotent_get_list_and_find(requester: Greenlight, run_tag: str) -> None:
    first = requester.create_approval(body(tags={"run": run_tag}, external_id=f"EXT-{run_tag}"), idempotency_key=f"deploy-{run_tag}")
    again = requester.create_approval(body(tags={"run": run_tag}, external_id=f"EXT-{run_tag}"), idempotency_key=f"deploy-{run_tag}")
    assert again["id"] == first["id"]
    assert first["status"] == "pending"
    # Without a key of the caller's one is generated, so the client's own retries never duplicate.
    generated = requester.create_approval(body(tags={"run": run_tag}))
    assert len(generated["idempotency_key"] or "") == 36

    detail = requester.get_approval(first["id"])
    assert detail["title"] == "Deploy v2 to production"
    assert detail["results"] == []

    assert (requester.find_by_idempotency_key(f"deploy-{run_tag}") or {}).get("id") == first["id"]
    assert (requester.find_by_external_id(f"EXT-{run_tag}") or {}).get("id") == first["id"]
    assert requester.find_by_idempotency_key(f"never-{run_tag}") is None
    assert [e["type"] for e in requester.list_approval_events(first["id"])["data"]] == ["approval.created"]

    # A reused key with a different body is refused, not answered with the first request.
    with pytest.raises(ConflictError) as reused:
        requester.create_approval(body("Something else", tags={"run": run_tag}), idempotency_key=f"deploy-{run_tag}")
    assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"


def test_pagination_follows_the_cursor_across_pages(requester: Greenlight, run_tag: str) -> None:
    made = [requester.create_approval(body(f"page test {i}", tags={"run": run_tag}))["id"] for i in range(5)]
    pages = [len(p["data"]) for p in requester.iter_approval_pages(tags=f"run:{run_tag}", page_size=2)]
    assert pages == [2, 2, 1]
    seen = [a["id"] for a in requester.iter_approvals(tags=f"run:{run_tag}", page_size=2)]
    # Newest first, every one exactly once.
    assert seen == list(reversed(made))


def test_decide_comment_steps_and_cancel(requester: Greenlight, approver: Greenlight, run_tag: str) -> None:
    a = requester.create_approval(body(tags={"run": run_tag}))
    decided = approver.approve(a["id"], "ok")
    assert decided["status"] == "approved" and decided["decision_comment"] == "ok"
    comment = requester.create_comment(a["id"], {"body": "shipped"})
    assert [c["id"] for c in requester.list_comments(a["id"])["data"]] == [comment["id"]]
    cancelled = requester.cancel_approval(requester.create_approval(body(tags={"run": run_tag}))["id"])
    assert cancelled["status"] == "cancelled"
    result = approver.batch_decide_approvals({"ids": [a["id"], cancelled["id"]], "decision": "approve"})
    assert [r["outcome"] for r in result["data"]] == ["refused", "refused"]
    assert requester.get_me()["scopes"]


@pytest.mark.parametrize(
    "kind,error_class,status,code",
    [
        ("not found", NotFoundError, 404, "NOT_FOUND"),
        ("validation", ValidationError, 400, "VALIDATION_ERROR"),
        ("permission", PermissionDeniedError, 403, "INSUFFICIENT_SCOPE"),
        ("self approval", PermissionDeniedError, 403, "SELF_APPROVAL_FORBIDDEN"),
        ("conflict", ConflictError, 409, "INVALID_STATUS"),
        ("authentication", AuthenticationError, 401, "UNAUTHORIZED"),
    ],
)
def test_typed_errors_carry_the_envelope(world: World, requester: Greenlight, approver: Greenlight, kind: str, error_class: type, status: int, code: str) -> None:
    a = requester.create_approval(body())

    def attempt() -> Any:
        if kind == "not found":
            return requester.get_approval("00000000-0000-4000-8000-000000000000")
        if kind == "validation":
            return requester.create_approval({**body(), "priority": "urgent"})  # type: ignore[typeddict-item]
        if kind == "permission":
            with Greenlight(world.url, api_key=world.reader_key) as reader:
                return reader.approve(a["id"])
        if kind == "self approval":
            return requester.approve(a["id"])
        if kind == "conflict":
            approver.approve(a["id"])
            return approver.approve(a["id"])
        with Greenlight(world.url, api_key="gk_" + "0" * 64) as stranger:
            return stranger.get_me()

    with pytest.raises(error_class) as caught:
        attempt()
    err = caught.value
    assert (err.status, err.code) == (status, code)
    assert err.message.strip()
    assert err.request_id


def test_a_429_is_retried_after_retry_after_then_raised_when_retries_are_spent(world: World) -> None:
    slept: List[float] = []
    # A key allowed 2 requests a minute. The recorded sleeps are the server's Retry-After values; the
    # test does not sit through them, so every retry is refused again until the retries are spent.
    with Greenlight(world.url, api_key=world.limited_key, max_retries=2, max_retry_after=120, sleep=slept.append) as limited:
        for _ in range(2):
            try:
                limited.get_me()
            except RateLimitError:
                pass  # an earlier run of the test on this key, within the same minute
        with pytest.raises(RateLimitError) as caught:
            limited.get_me()
    retry_after = caught.value.retry_after
    # Until the window's first request leaves it: a minute at most, rounded up.
    assert retry_after is not None and 0 < retry_after <= 61
    assert caught.value.code == "RATE_LIMITED"
    assert len(slept) == 2
    # Each pause is the Retry-After answered, plus less than a second of jitter.
    assert all(retry_after <= s < retry_after + 1.5 for s in slept)

    # A Retry-After longer than the client waits is raised at once.
    with Greenlight(world.url, api_key=world.limited_key, max_retry_after=0.5, sleep=slept.append) as impatient:
        slept.clear()
        with pytest.raises(RateLimitError):
            impatient.get_me()
        assert slept == []


class _Impostor(BaseHTTPRequestHandler):
    """A third party pretending to be Greenlight: wrong shapes on purpose."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.startswith("/api/v1/me"):
            self._send(200, "application/json", json.dumps({"org": {"id": 1}, "scopes": "all"}))
        elif self.path.startswith("/api/v1/approvals/"):
            self._send(202, "application/json", "{}")
        else:
            self._send(200, "text/html", "<html>hello</html>")

    def _send(self, status: int, content_type: str, text: str) -> None:
        reply(self, status, content_type, text.encode())

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture()
def impostor() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Impostor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "call,operation_id,status",
    [
        (lambda c: c.get_me(), "getMe", 200),
        (lambda c: c.get_approval("00000000-0000-4000-8000-000000000000"), "getApproval", 202),
        (lambda c: c.list_approvals(), "listApprovals", 200),
    ],
)
def test_a_response_that_does_not_match_the_contract_is_a_contract_mismatch(impostor: str, call: Any, operation_id: str, status: int) -> None:
    with Greenlight(impostor, api_key="gk_test", max_retries=0) as client:
        with pytest.raises(ContractMismatchError) as caught:
            call(client)
    assert (caught.value.operation_id, caught.value.status) == (operation_id, status)
    assert caught.value.issues


def test_the_async_client_makes_the_same_calls(world: World, run_tag: str) -> None:
    async def scenario() -> None:
        async with AsyncGreenlight(world.url, api_key=world.requester_key) as requester, AsyncGreenlight(world.url, api_key=world.approver_key) as approver:
            made = [await requester.create_approval(body(f"async {i}", tags={"run": run_tag})) for i in range(3)]
            seen = [a["id"] async for a in requester.iter_approvals(tags=f"run:{run_tag}", page_size=2)]
            assert seen == [m["id"] for m in reversed(made)]
            await approver.reject(made[0]["id"], "no")
            with pytest.raises(ConflictError):
                await approver.approve(made[0]["id"])
            assert (await requester.get_approval(made[0]["id"]))["status"] == "rejected"

    asyncio.run(scenario())


def test_the_event_stream_replays_and_resumes(requester: Greenlight, approver: Greenlight, run_tag: str) -> None:
    first = requester.create_approval(body(tags={"run": run_tag}))
    approver.approve(first["id"])
    # From the start of the organization's events: this request's created and approved are among them.
    mine = []
    for payload in requester.events(last_event_id="0"):
        if payload["data"]["approval_id"] == first["id"]:
            mine.append(payload)
        if len(mine) == 2:
            break
    assert [p["type"] for p in mine] == ["approval.created", "approval.approved"]
    # Resuming after the created event skips it.
    after = next(p for p in requester.events(last_event_id=mine[0]["data"]["event_id"]) if p["data"]["approval_id"] == first["id"])
    assert after["type"] == "approval.approved"
