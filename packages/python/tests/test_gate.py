"""Gating a function: it runs only on an approval of its own request, with receipts; otherwise a clear refusal."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any, List

import pytest
from conftest import World

from greenlight import AsyncGreenlight, Greenlight, NotApprovedError


def _decider(approver: Greenlight, decision: str, comment: str) -> Any:
    """An on_created callback that has a second principal decide from another thread."""

    def on_created(approval: Any) -> None:
        threading.Thread(target=approver.decide_approval, args=(approval["id"], {"decision": decision, "comment": comment})).start()

    return on_created


def _receipts(client: Greenlight, approval_id: str) -> List[str]:
    events = client.list_approval_events(approval_id)["data"]
    return [e["data"].get("status") for e in events if e["type"] == "approval.execution_reported"]


def test_the_decorator_runs_the_function_only_on_approval_with_receipts(requester: Greenlight, approver: Greenlight) -> None:
    ran: List[str] = []
    created: List[Any] = []

    def make(decision: str, comment: str) -> Any:
        decide = _decider(approver, decision, comment)

        @requester.require_approval("Delete user {user_id}", "Support ticket {ticket}", priority="high", timeout=30, on_created=lambda a: (created.append(a), decide(a)))
        def delete_user(user_id: str, ticket: int = 0) -> str:
            ran.append(user_id)
            return f"deleted {user_id}"

        return delete_user

    assert make("approve", "go ahead")("u_1", ticket=7) == "deleted u_1"
    assert ran == ["u_1"]
    first = requester.get_approval(created[0]["id"])
    assert first["title"] == "Delete user u_1" and first["description"] == "Support ticket 7"
    assert first["metadata"]["arguments"] == {"user_id": "u_1", "ticket": 7}
    assert first["execution"]["status"] == "succeeded"  # type: ignore[index]
    assert _receipts(requester, first["id"]) == ["started", "succeeded"]

    with pytest.raises(NotApprovedError) as refused:
        make("reject", "wrong customer")("u_2")
    assert ran == ["u_1"]
    assert refused.value.outcome == "rejected"
    assert refused.value.comment == "wrong customer"
    assert "wrong customer" in str(refused.value)
    assert refused.value.approval_id == created[1]["id"]
    assert _receipts(requester, created[1]["id"]) == []


def test_a_function_that_raises_records_a_failed_receipt_and_the_error_goes_on(requester: Greenlight, approver: Greenlight) -> None:
    created: List[Any] = []
    decide = _decider(approver, "approve", "ok")

    @requester.require_approval(timeout=30, on_created=lambda a: (created.append(a), decide(a)))
    def migrate() -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        migrate()
    assert _receipts(requester, created[0]["id"]) == ["started", "failed"]
    assert requester.get_approval(created[0]["id"])["execution"]["message"] == "RuntimeError: disk full"  # type: ignore[index]


def test_nothing_runs_when_nobody_decides_in_time_and_the_request_can_be_withdrawn(requester: Greenlight) -> None:
    ran: List[int] = []

    @requester.require_approval("Nobody answers", timeout=1, cancel_on_timeout=True)
    def step() -> None:
        ran.append(1)

    with pytest.raises(NotApprovedError) as refused:
        step()
    assert ran == []
    assert refused.value.outcome == "timed_out"
    assert requester.get_approval(refused.value.approval_id)["status"] == "cancelled"


def test_an_idempotency_key_makes_a_retried_task_find_its_request(requester: Greenlight, approver: Greenlight) -> None:
    key = f"nightly-{uuid.uuid4()}"
    ran: List[str] = []

    @requester.require_approval("Nightly export", timeout=1, idempotency_key=lambda day: f"{key}-{day}")
    def export(day: str) -> None:
        ran.append(day)

    with pytest.raises(NotApprovedError) as first:
        export("2026-11-23")
    approver.approve(first.value.approval_id)
    # The retry waits on the same request, now approved, and runs.
    export("2026-11-23")
    assert ran == ["2026-11-23"]
    assert requester.find_by_idempotency_key(f"{key}-2026-11-23")["id"] == first.value.approval_id  # type: ignore[index]


def test_the_context_manager_enters_the_block_only_on_approval(requester: Greenlight, approver: Greenlight) -> None:
    entered: List[str] = []
    with requester.approval("Rotate the database password", timeout=30, on_created=_decider(approver, "approve", "fine")) as approved:
        entered.append(approved.approval_id)
    assert approved.approved and approved.comment == "fine"
    assert _receipts(requester, entered[0]) == ["started", "succeeded"]

    with pytest.raises(NotApprovedError):
        with requester.approval("Drop the users table", timeout=30, on_created=_decider(approver, "reject", "never")):
            entered.append("dropped")
    assert len(entered) == 1


def test_a_revoke_that_beats_the_start_is_a_refusal(requester: Greenlight, approver: Greenlight) -> None:
    ran: List[int] = []

    def approve_then_revoke(approval: Any) -> None:
        approver.approve(approval["id"])
        approver.revoke(approval["id"], "changed my mind")

    @requester.require_approval("Send the newsletter", timeout=30, fields={"revocable_for_seconds": 300}, on_created=approve_then_revoke)
    def send() -> None:
        ran.append(1)

    with pytest.raises(NotApprovedError) as refused:
        send()
    assert ran == []
    assert refused.value.outcome == "rejected"
    assert refused.value.comment == "changed my mind"


def test_the_async_decorator_gates_a_coroutine(world: World, approver: Greenlight) -> None:
    ran: List[str] = []

    async def scenario() -> None:
        async with AsyncGreenlight(world.url, api_key=world.requester_key) as client:

            async def decide(approval: Any) -> None:
                await asyncio.to_thread(approver.approve, approval["id"], "async ok")

            @client.require_approval("Async step {n}", timeout=30, on_created=decide)
            async def step(n: int) -> int:
                ran.append(f"step {n}")
                return n * 2

            assert await step(21) == 42

            with pytest.raises(TypeError):
                client.require_approval()(lambda: None)

    asyncio.run(scenario())
    assert ran == ["step 21"]
