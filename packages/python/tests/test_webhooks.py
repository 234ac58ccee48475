"""Callbacks as Greenlight sends them to a real receiver: verified, bound to their request, forgeries refused."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Dict, Mapping, Optional

import pytest
from conftest import Received, Receiver, body

from greenlight import (
    ContractMismatchError,
    Greenlight,
    WebhookVerificationError,
    parse_event,
    parse_webhook,
    parse_webhook_request,
    parse_webhook_request_async,
    sign_webhook,
)


def _delivery_for(receiver: Receiver, approval_id: str, count: int) -> Received:
    for item in receiver.wait_for(count):
        if json.loads(item.body)["data"]["approval_id"] == approval_id:
            return item
    raise AssertionError(f"no callback for {approval_id}")


def test_a_callback_verifies_for_its_own_request_and_no_other(requester: Greenlight, approver: Greenlight, receiver: Receiver) -> None:
    secret = requester.get_callback_secret()["secret"]
    # One receiver URL shared by two requests, as the seed's own example has it: the binding is the receiver's job.
    hook = f"{receiver.url}/hook"
    mine = requester.create_approval(body("Mine", callback_url=hook))
    other = requester.create_approval(body("Another request", callback_url=hook))

    approver.reject(mine["id"], "not this one")
    delivery = _delivery_for(receiver, mine["id"], 1)
    verified = parse_webhook(delivery.body, delivery.headers, secret=secret, approval_id=mine["id"])
    assert verified.outcome == "rejected"
    assert verified.approval_id == mine["id"]
    assert verified.payload["data"]["approval"]["decision_comment"] == "not this one"  # type: ignore[index]

    # The other request's callback, correctly signed, arrives at the same URL: refused for mine.
    approver.approve(other["id"])
    others = _delivery_for(receiver, other["id"], 2)
    with pytest.raises(WebhookVerificationError) as caught:
        parse_webhook(others.body, others.headers, secret=secret, approval_id=mine["id"])
    assert caught.value.reason == "wrong_request"
    # It is a genuine delivery, and the right receiver accepts it as what it is.
    assert parse_webhook(others.body, others.headers, secret=secret, approval_id=other["id"]).outcome == "approved"
    # Signature-only verification of an org-wide subscription's delivery does not bind: parse_event.
    assert parse_event(others.body, others.headers, secret=secret).approval_id == other["id"]


def _signed(secret: str, payload: Dict[str, Any], *, timestamp: Optional[int] = None, webhook_id: str = "msg_test") -> tuple:
    raw = json.dumps(payload).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    return raw, {"webhook-id": webhook_id, "webhook-timestamp": str(ts), "webhook-signature": sign_webhook(secret, webhook_id, ts, raw)}


@pytest.mark.parametrize(
    "forgery,reason",
    [
        ("body changed after signing", "no_matching_signature"),
        ("signed with another secret", "no_matching_signature"),
        ("no signature", "missing_headers"),
        ("timestamp outside the tolerance", "timestamp_too_old"),
        ("timestamp in the future", "timestamp_too_new"),
        ("timestamp not a number", "invalid_timestamp"),
    ],
)
def test_a_forged_callback_is_refused(requester: Greenlight, approver: Greenlight, receiver: Receiver, forgery: str, reason: str) -> None:
    secret = requester.get_callback_secret()["secret"]
    made = requester.create_approval(body(callback_url=f"{receiver.url}/hook"))
    approver.reject(made["id"], "no")
    genuine = _delivery_for(receiver, made["id"], 1)
    headers: Mapping[str, str] = dict(genuine.headers)
    raw = genuine.body
    if forgery == "body changed after signing":
        # Turning a rejection into an approval is exactly what a forger wants.
        raw = raw.replace(b'"approval.rejected"', b'"approval.approved"').replace(b'"status":"rejected"', b'"status":"approved"')
        assert raw != genuine.body
    elif forgery == "signed with another secret":
        raw, headers = _signed("whsec_" + "QUJD" * 8, json.loads(genuine.body))
    elif forgery == "no signature":
        headers = {k: v for k, v in headers.items() if k != "webhook-signature"}
    elif forgery == "timestamp outside the tolerance":
        raw, headers = _signed(secret, json.loads(genuine.body), timestamp=int(time.time()) - 301)
    elif forgery == "timestamp in the future":
        raw, headers = _signed(secret, json.loads(genuine.body), timestamp=int(time.time()) + 301)
    else:
        headers = {**headers, "webhook-timestamp": "soon"}
    with pytest.raises(WebhookVerificationError) as caught:
        parse_webhook(raw, headers, secret=secret, approval_id=made["id"])
    assert caught.value.reason == reason
    # The genuine delivery still verifies (the checks above refused the forgery, not everything).
    assert parse_webhook(genuine.body, genuine.headers, secret=secret, approval_id=made["id"]).outcome == "rejected"


def test_a_signed_body_of_the_wrong_shape_is_a_contract_mismatch(requester: Greenlight) -> None:
    secret = requester.get_callback_secret()["secret"]
    raw, headers = _signed(secret, {"type": "approval.approved", "data": {"approval_id": "x"}})
    with pytest.raises(ContractMismatchError):
        parse_webhook(raw, headers, secret=secret, approval_id="x")
    with pytest.raises(TypeError):
        parse_webhook(raw, headers, secret=secret, approval_id="")


class _Headers:
    """Headers as the frameworks hand them over: case-insensitive, read with .get."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = {k.lower(): v for k, v in headers.items()}

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self._headers.get(name.lower(), default)


class FlaskLikeRequest:
    def __init__(self, raw: bytes, headers: Mapping[str, str]) -> None:
        self._raw, self.headers = raw, _Headers(headers)

    def get_data(self, cache: bool = True, as_text: bool = False) -> bytes:
        return self._raw


class DjangoLikeRequest:
    def __init__(self, raw: bytes, headers: Mapping[str, str]) -> None:
        self.body, self.headers = raw, _Headers(headers)


class StarletteLikeRequest:
    def __init__(self, raw: bytes, headers: Mapping[str, str]) -> None:
        self._raw, self.headers = raw, _Headers({k.title(): v for k, v in headers.items()})

    async def body(self) -> bytes:
        return self._raw


def test_the_framework_helpers_read_the_raw_body(requester: Greenlight, approver: Greenlight, receiver: Receiver) -> None:
    secret = requester.get_callback_secret()["secret"]
    made = requester.create_approval(body(callback_url=f"{receiver.url}/hook"))
    approver.approve(made["id"])
    genuine = _delivery_for(receiver, made["id"], 1)
    for request in (FlaskLikeRequest(genuine.body, genuine.headers), DjangoLikeRequest(genuine.body, genuine.headers)):
        assert parse_webhook_request(request, secret=secret, approval_id=made["id"]).outcome == "approved"
        with pytest.raises(WebhookVerificationError):
            parse_webhook_request(request, secret=secret, approval_id="00000000-0000-4000-8000-000000000000")
    starlette = StarletteLikeRequest(genuine.body, genuine.headers)
    assert asyncio.run(parse_webhook_request_async(starlette, secret=secret, approval_id=made["id"])).outcome == "approved"
    with pytest.raises(TypeError):
        parse_webhook_request(starlette, secret=secret, approval_id=made["id"])
