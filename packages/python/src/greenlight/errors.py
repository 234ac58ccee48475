"""One exception class per kind of failure, so callers branch with ``except`` rather than on numbers.

API errors carry the error envelope's ``code``, ``message``, ``details`` and ``request_id`` (quote it
to support). The families and the status each stands for are those of the TypeScript SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Sequence, Tuple, Union

if TYPE_CHECKING:
    from .outcomes import Outcome


class GreenlightError(Exception):
    """Anything this SDK raises."""


class ApiError(GreenlightError):
    """Any error answered by the API. Subclasses narrow it by status."""

    def __init__(
        self,
        *,
        status: int,
        code: str,
        message: str,
        details: Optional[Mapping[str, Any]] = None,
        request_id: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details: Mapping[str, Any] = details or {}
        self.request_id = request_id
        self.headers = headers

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}" + (f" (request {self.request_id})" if self.request_id else "")


class ValidationError(ApiError):
    """400, 413, 415: the request itself is wrong; sending it again cannot help."""

    @property
    def issues(self) -> List[Mapping[str, Any]]:
        """Each field the server refused and why (``details.issues``): ``{"path": "response.amount",
        "message": "..."}`` for an answer; empty when the server named none."""
        issues = self.details.get("issues")
        if not isinstance(issues, list):
            return []
        return [i for i in issues if isinstance(i, Mapping) and isinstance(i.get("path"), str) and isinstance(i.get("message"), str)]


class AuthenticationError(ApiError):
    """401: missing, invalid, expired or revoked credentials."""


class PermissionDeniedError(ApiError):
    """403: authenticated, but not allowed (scope, role, self-approval, not the step's approver)."""


class NotFoundError(ApiError):
    """404: no such resource in the caller's organization."""


class ConflictError(ApiError):
    """409: the request conflicts with the resource's state (already decided, idempotency key reused…)."""


class RateLimitError(ApiError):
    """429, once the client's own retries are spent (or the Retry-After is longer than it waits)."""

    def __init__(self, *, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Seconds until the window resets (Retry-After).
        self.retry_after = retry_after


class EmergencyStopError(ApiError):
    """503 EMERGENCY_STOP: an admin stopped all approval activity in the organization. Not retried."""


class ServerError(ApiError):
    """5xx other than the emergency stop, once retries are spent."""


class NetworkError(GreenlightError):
    """No response at all (connection refused, reset, DNS, timeout), once retries are spent."""


Issue = Tuple[Tuple[Union[str, int], ...], str]


class ContractMismatchError(GreenlightError):
    """A response that does not match the contract: whoever answered is not the API this SDK was built for."""

    def __init__(self, message: str, *, operation_id: str, status: int, issues: Sequence[Issue], body: Any) -> None:
        super().__init__(message)
        self.operation_id = operation_id
        self.status = status
        #: Where the body differs: (path, reason) pairs.
        self.issues: List[Issue] = list(issues)
        self.body = body


class RequestMismatchError(ContractMismatchError):
    """An answer about another request than the one asked about: never read as its decision."""

    def __init__(self, *, expected_id: str, received_id: Any, operation_id: str, body: Any) -> None:
        super().__init__(
            f"asked about approval request {expected_id}, answered about {received_id!r}",
            operation_id=operation_id,
            status=200,
            issues=[(("id",), f"expected {expected_id}")],
            body=body,
        )
        self.expected_id = expected_id
        self.received_id = received_id


class DecisionTimeoutError(GreenlightError):
    """``wait_for_decision`` reached its own timeout with the request still pending."""

    #: A wait that ran out is no decision: the request is still pending.
    outcome = "timed_out"

    def __init__(self, approval_id: str, approval: Any) -> None:
        super().__init__(f"approval request {approval_id} is still pending")
        self.approval_id = approval_id
        #: The request as last seen (still pending).
        self.approval = approval


class NotApprovedError(GreenlightError):
    """A gated function did not run: its request was rejected, revoked, cancelled or expired, or the wait ran out."""

    def __init__(self, message: str, result: "Outcome") -> None:
        super().__init__(message)
        self.result = result
        self.outcome = result.outcome
        self.approval = result.approval
        self.approval_id: str = result.approval["id"]
        #: What the reviewer said (the decision's comment, or the revocation's reason), if anything.
        self.comment: Optional[str] = result.comment


def api_error_for(*, retry_after: Optional[float] = None, **init: Any) -> ApiError:
    """The error class for a status and code, as the TypeScript SDK's ``apiErrorFor`` chooses it;
    ``init`` is ApiError's keyword arguments."""
    status: int = init["status"]
    code: str = init["code"]
    if status == 429:
        return RateLimitError(retry_after=retry_after, **init)
    if code == "EMERGENCY_STOP":
        return EmergencyStopError(**init)
    cls: type[ApiError] = ApiError
    if status in (400, 413, 415):
        cls = ValidationError
    elif status == 401:
        cls = AuthenticationError
    elif status == 403:
        cls = PermissionDeniedError
    elif status == 404:
        cls = NotFoundError
    elif status == 409:
        cls = ConflictError
    elif status >= 500:
        cls = ServerError
    return cls(**init)


def is_transient(err: BaseException) -> bool:
    """What a server restart, a dropped connection or an overloaded server looks like once retries are spent.

    Asking again later may succeed; every other error will answer the same.
    """
    return isinstance(err, (NetworkError, ServerError, RateLimitError))
