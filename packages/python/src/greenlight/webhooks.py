"""Verifying what Greenlight POSTs to a ``callback_url`` or a webhook subscription.

Standard Webhooks (https://www.standardwebhooks.com, "Verifying webhooks"): the signature is base64
HMAC-SHA256, keyed with the base64-decoded part of the ``whsec_`` secret, over
``<webhook-id>.<webhook-timestamp>.<raw body>``. The header may carry several space-separated
``v1,<sig>`` entries (during a secret rotation both secrets sign); one match is enough. Signatures
are compared in constant time.

A valid signature only says Greenlight sent it: every request of the organization is signed with the
same secret, and one receiver URL may serve many requests. A callback is a decision for *your*
request only when its body names your request's id, which is why ``parse_webhook`` requires the id
you expect and refuses a delivery about any other.

Limits: replay protection is the timestamp tolerance only; a receiver that must never act twice also
dedupes on ``webhook-id`` (the same on every retry of one event). The body must be the raw bytes as
received: re-serialized JSON does not verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Optional, Sequence, Union, cast

from ._check import check
from ._generated.constants import DEFAULT_TOLERANCE_SECONDS
from ._generated.models import DecisionOutcome, WebhookPayload
from .errors import ContractMismatchError, GreenlightError
from .outcomes import outcome_of_delivery

Headers = Union[Mapping[str, Any], Any]
"""A mapping of header names to values (any case), or an object with ``.get(name)`` (Flask, Django, Starlette)."""

Body = Union[bytes, bytearray, memoryview, str]

VerificationFailure = Literal[
    "missing_headers",
    "invalid_timestamp",
    "timestamp_too_old",
    "timestamp_too_new",
    "no_matching_signature",
    "invalid_secret",
    "wrong_request",
]


class WebhookVerificationError(GreenlightError):
    """A delivery that is not to be trusted: answer it with a 4xx and act on nothing in it."""

    def __init__(self, reason: VerificationFailure, message: str) -> None:
        super().__init__(message)
        self.reason: VerificationFailure = reason


@dataclass(frozen=True)
class VerifiedWebhook:
    #: ``webhook-id``: the same on every retry of one event (dedupe on it).
    id: str
    timestamp: int


@dataclass(frozen=True)
class Delivery:
    """A verified delivery whose body matches the contract."""

    id: str
    timestamp: int
    payload: WebhookPayload

    @property
    def outcome(self) -> Optional[DecisionOutcome]:
        """The decision it reports (an approval only when the request it carries says approved), else None."""
        return outcome_of_delivery(self.payload)

    @property
    def approval_id(self) -> Optional[str]:
        return self.payload["data"].get("approval_id")


def header_value(headers: Headers, name: str) -> Optional[str]:
    """A header's value by name, whatever shape the framework hands headers over in."""
    if isinstance(headers, Mapping):
        for key, value in headers.items():
            if isinstance(key, str) and key.lower() == name:
                return " ".join(value) if isinstance(value, (list, tuple)) else str(value)
        return None
    getter = getattr(headers, "get", None)
    if getter is None:
        raise TypeError("headers must be a mapping or have .get(name)")
    value = getter(name)
    return None if value is None else str(value)


def _raw(body: Body) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def _key(secret: str) -> bytes:
    encoded = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
    if not _BASE64.match(encoded):
        raise WebhookVerificationError("invalid_secret", "the signing secret is not whsec_ + base64")
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise WebhookVerificationError("invalid_secret", "the signing secret is not whsec_ + base64") from exc


def sign_webhook(secret: str, webhook_id: str, timestamp: int, body: Body) -> str:
    """The ``v1,<base64>`` signature of one message: what the sender puts in ``webhook-signature``."""
    mac = hmac.new(_key(secret), f"{webhook_id}.{timestamp}.".encode("utf-8") + _raw(body), hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def verify_webhook(
    body: Body,
    headers: Headers,
    *,
    secret: Union[str, Sequence[str]],
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[float] = None,
) -> VerifiedWebhook:
    """Raises WebhookVerificationError unless one signature matches and the timestamp is fresh.

    ``secret``: one ``whsec_`` secret, or several (the current and the previous one of a rotation).
    """
    webhook_id = header_value(headers, "webhook-id")
    timestamp_text = header_value(headers, "webhook-timestamp")
    signatures = header_value(headers, "webhook-signature")
    if not webhook_id or not timestamp_text or not signatures:
        raise WebhookVerificationError("missing_headers", "webhook-id, webhook-timestamp and webhook-signature are required")
    if not re.fullmatch(r"\d{1,15}", timestamp_text):
        raise WebhookVerificationError("invalid_timestamp", "webhook-timestamp is not a Unix time in seconds")
    timestamp = int(timestamp_text)
    now_seconds = int(time.time() if now is None else now)
    if timestamp < now_seconds - tolerance_seconds:
        raise WebhookVerificationError("timestamp_too_old", "webhook-timestamp is too old")
    if timestamp > now_seconds + tolerance_seconds:
        raise WebhookVerificationError("timestamp_too_new", "webhook-timestamp is in the future")

    candidates = []
    for entry in signatures.split(" "):
        parts = entry.split(",")
        if len(parts) == 2 and parts[0] == "v1":
            try:
                candidates.append(base64.b64decode(parts[1], validate=True))
            except binascii.Error:
                continue
    raw = _raw(body)
    for one in [secret] if isinstance(secret, str) else list(secret):
        expected = base64.b64decode(sign_webhook(one, webhook_id, timestamp, raw)[3:])
        # Every candidate is compared (no early exit on the first), each in constant time.
        matched = False
        for candidate in candidates:
            if hmac.compare_digest(candidate, expected):
                matched = True
        if matched:
            return VerifiedWebhook(webhook_id, timestamp)
    raise WebhookVerificationError("no_matching_signature", "no signature matches the payload")


def parse_event(
    body: Body,
    headers: Headers,
    *,
    secret: Union[str, Sequence[str]],
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[float] = None,
) -> Delivery:
    """A subscription's delivery (any request of the organization): verified, and checked against the contract.

    To act on a decision of one request of yours, use ``parse_webhook`` with that request's id.
    """
    verified = verify_webhook(body, headers, secret=secret, tolerance_seconds=tolerance_seconds, now=now)
    try:
        payload = json.loads(_raw(body).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ContractMismatchError("webhook body is not JSON", operation_id="webhook", status=200, issues=[((), "not JSON")], body=body) from exc
    issues = check("WebhookPayload", payload)
    if issues:
        raise ContractMismatchError("webhook body does not match the contract", operation_id="webhook", status=200, issues=issues, body=payload)
    return Delivery(verified.id, verified.timestamp, cast(WebhookPayload, payload))


def parse_webhook(
    body: Body,
    headers: Headers,
    *,
    secret: Union[str, Sequence[str]],
    approval_id: str,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[float] = None,
) -> Delivery:
    """A callback for the request ``approval_id``: signature, freshness, shape, and whose decision it is.

    Raises WebhookVerificationError (``reason`` says which check failed; ``wrong_request`` for a
    correctly signed delivery about another request) or ContractMismatchError. Answer a refusal with
    a 4xx (e.g. 409 for ``wrong_request``, so the sender stops retrying) and act on nothing in it.
    """
    if not approval_id:
        raise TypeError("approval_id is required: a callback counts only for the request you are waiting on")
    delivery = parse_event(body, headers, secret=secret, tolerance_seconds=tolerance_seconds, now=now)
    data = delivery.payload["data"]
    carried = data.get("approval")
    if data.get("approval_id") != approval_id or (carried is not None and carried.get("id") != approval_id):
        raise WebhookVerificationError(
            "wrong_request",
            f"this delivery is about request {data.get('approval_id')!r}, not {approval_id!r}",
        )
    return delivery


# ---------------------------------------------------------------------------------------------
# The raw body and headers, as each kind of web framework hands them over (none is imported).


@dataclass(frozen=True)
class RawRequest:
    body: bytes
    headers: Headers


def raw_request(request: Any) -> RawRequest:
    """The raw body and headers of a Flask/Werkzeug or Django request (sync frameworks).

    Flask: ``request.get_data()`` (the bytes as received, cached so the view can still read them).
    Django: ``request.body``. For FastAPI/Starlette use ``await raw_request_async(request)``; for a
    bare WSGI app, ``raw_wsgi(environ)``.
    """
    get_data = getattr(request, "get_data", None)
    if callable(get_data):
        return RawRequest(bytes(get_data(cache=True)), request.headers)
    body = getattr(request, "body", None)
    if isinstance(body, (bytes, bytearray, memoryview)):
        return RawRequest(bytes(body), request.headers)
    if callable(body):
        raise TypeError("this request's body() is a coroutine (Starlette, FastAPI): use await raw_request_async(request)")
    raise TypeError("not a Flask, Werkzeug or Django request: pass the raw body and headers to parse_webhook")


async def raw_request_async(request: Any) -> RawRequest:
    """The raw body and headers of a Starlette or FastAPI request (``await request.body()``)."""
    return RawRequest(bytes(await request.body()), request.headers)


def raw_wsgi(environ: Mapping[str, Any]) -> RawRequest:
    """The raw body and the headers of a WSGI request, read from ``wsgi.input`` (CONTENT_LENGTH bytes)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return RawRequest(body, headers)


def parse_webhook_request(request: Any, *, secret: Union[str, Sequence[str]], approval_id: str) -> Delivery:
    """``parse_webhook`` on a Flask/Werkzeug or Django request."""
    raw = raw_request(request)
    return parse_webhook(raw.body, raw.headers, secret=secret, approval_id=approval_id)


async def parse_webhook_request_async(request: Any, *, secret: Union[str, Sequence[str]], approval_id: str) -> Delivery:
    """``parse_webhook`` on a Starlette or FastAPI request."""
    raw = await raw_request_async(request)
    return parse_webhook(raw.body, raw.headers, secret=secret, approval_id=approval_id)
