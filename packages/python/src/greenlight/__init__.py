"""Greenlight for Python: ask a person before an automation acts, and wait for the answer.

>>> from greenlight import Greenlight
>>> gl = Greenlight("https://greenlight.example.com", api_key="gk_...")
>>> request = gl.create_approval({"title": "Deploy v2", "description": "Friday deploy", "priority": "high"})
>>> decided = gl.wait_for_decision(request["id"], timeout=600)
>>> decided.approved
"""

from ._flows import Reconnecting
from ._generated import models
from ._generated.constants import DECISION_OUTCOMES, WAIT_OUTCOMES
from ._version import __version__
from .client import AsyncGreenlight, Greenlight
from .errors import (
    ApiError,
    AuthenticationError,
    ConflictError,
    ContractMismatchError,
    DecisionTimeoutError,
    EmergencyStopError,
    GreenlightError,
    NetworkError,
    NotApprovedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestMismatchError,
    ServerError,
    ValidationError,
    is_transient,
)
from .outcomes import Outcome, outcome_of_delivery, outcome_of_event, outcome_of_status
from .webhooks import (
    Delivery,
    RawRequest,
    VerifiedWebhook,
    WebhookVerificationError,
    parse_event,
    parse_webhook,
    parse_webhook_request,
    parse_webhook_request_async,
    raw_request,
    raw_request_async,
    raw_wsgi,
    sign_webhook,
    verify_webhook,
)

__all__ = [
    "ApiError",
    "AsyncGreenlight",
    "AuthenticationError",
    "ConflictError",
    "ContractMismatchError",
    "DECISION_OUTCOMES",
    "DecisionTimeoutError",
    "Delivery",
    "EmergencyStopError",
    "Greenlight",
    "GreenlightError",
    "NetworkError",
    "NotApprovedError",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "RateLimitError",
    "RawRequest",
    "Reconnecting",
    "RequestMismatchError",
    "ServerError",
    "ValidationError",
    "VerifiedWebhook",
    "WAIT_OUTCOMES",
    "WebhookVerificationError",
    "__version__",
    "is_transient",
    "models",
    "outcome_of_delivery",
    "outcome_of_event",
    "outcome_of_status",
    "parse_event",
    "parse_webhook",
    "parse_webhook_request",
    "parse_webhook_request_async",
    "raw_request",
    "raw_request_async",
    "raw_wsgi",
    "sign_webhook",
    "verify_webhook",
]
