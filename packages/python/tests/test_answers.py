"""Answers against the real server: a request that asks for an answer and lets the reviewer edit a
field; an approval with an answer and edits; a wrong answer refused naming the field; the wait
answering what was answered, changed and approved."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest
from conftest import World, body

from greenlight import AsyncGreenlight, Greenlight, ValidationError


def refund(run_tag: str) -> Dict[str, Any]:
    return body(
        "Refund order A-1",
        tags={"run": run_tag},
        metadata={"order": "A-1", "input": {"query": "DELETE FROM orders", "limit": 100}},
        response_schema={
            "type": "object",
            "properties": {
                "amount": {"type": "number", "minimum": 0, "maximum": 500},
                "region": {"type": "string", "enum": ["eu", "us"], "default": "eu"},
            },
            "required": ["amount"],
        },
        editable=["metadata.input.query"],
    )


def test_approve_with_an_answer_and_edits_and_the_wait_returns_them(requester: Greenlight, approver: Greenlight, run_tag: str) -> None:
    made = requester.create_approval(refund(run_tag))
    assert made["response_schema"] is not None and made["editable"] == ["metadata.input.query"]

    with pytest.raises(ValidationError) as refused:
        approver.approve(made["id"], response={"amount": 900}, edits={"metadata.input.limit": 5})
    assert [i["path"] for i in refused.value.issues] == ["response.amount", "edits.metadata.input.limit"]
    assert refused.value.details["reason"] == "invalid_answer"
    assert requester.get_approval(made["id"])["status"] == "pending"

    decided = approver.approve(made["id"], "fine", response={"amount": 120}, edits={"metadata.input.query": "SELECT id FROM orders"})
    assert decided["status"] == "approved"

    outcome = requester.wait_for_decision(made["id"], timeout=10)
    assert outcome.approved
    assert outcome.response == {"amount": 120, "region": "eu"}
    assert outcome.edits == [{"path": "metadata.input.query", "before": "DELETE FROM orders", "after": "SELECT id FROM orders"}]
    content = outcome.approved_content
    assert content is not None
    assert content["metadata"] == {"order": "A-1", "input": {"query": "SELECT id FROM orders", "limit": 100}}


def test_a_rejection_answers_nothing_and_the_async_client_decides_with_an_answer(world: World, requester: Greenlight, approver: Greenlight, run_tag: str) -> None:
    rejected = requester.create_approval(refund(run_tag))
    approver.reject(rejected["id"], "no")
    outcome = requester.wait_for_outcome(rejected["id"], timeout=10)
    assert outcome.outcome == "rejected"
    assert outcome.response is None and outcome.edits == [] and outcome.approved_content is None

    made = requester.create_approval(refund(run_tag))

    async def decide() -> Any:
        async with AsyncGreenlight(world.url, api_key=world.approver_key) as gl:
            return await gl.approve(made["id"], response={"amount": 10, "region": "us"})

    assert asyncio.run(decide())["response"] == {"amount": 10, "region": "us"}
