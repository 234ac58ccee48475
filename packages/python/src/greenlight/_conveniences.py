"""What the clients add to the contract's operations, each written once as a flow (see ``_bind``)."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Concatenate, Literal, Optional, ParamSpec

from ._bind import Page
from ._flows import RevokeWindow, WaitOptions, Reconnecting, wait_for_outcome as _wait_for_outcome
from ._generated.methods import Calls
from ._generated.models import Answer, Approval, ApprovalList, DecideApprovalRequest, DecisionResult, Delivery, Edits, WebhookPayload
from ._transport import Config, Flow, Stream
from .errors import DecisionTimeoutError, NotFoundError
from .outcomes import Outcome

P = ParamSpec("P")


def wait_for_outcome(
    config: Config,
    approval_id: str,
    *,
    timeout: float = 300.0,
    reconnect: bool = True,
    on_reconnect: Optional[Callable[[Reconnecting], Any]] = None,
    on_reconnected: Optional[Callable[[], Any]] = None,
    revoke_window: RevokeWindow = "return",
    on_revoke_window: Optional[Callable[[str], Any]] = None,
) -> Flow[Outcome]:
    """Waits until the request is decided or ``timeout`` seconds pass, and answers which.

    ``Outcome.outcome`` is ``approved``, ``rejected``, ``cancelled``, ``expired``, or ``timed_out``
    (the wait ran out; the request is still pending). Long polls, reconnecting through server
    restarts and dropped connections (``reconnect``). Only an answer about ``approval_id`` counts:
    any other is a RequestMismatchError. See ``WaitOptions`` for ``revoke_window``.
    """
    options = WaitOptions(timeout, reconnect, on_reconnect, on_reconnected, revoke_window, on_revoke_window)
    return _wait_for_outcome(config, approval_id, options)


def _decisive(wait: Callable[Concatenate[Config, str, P], Flow[Outcome]]) -> Callable[Concatenate[Config, str, P], Flow[Outcome]]:
    def flow(config: Config, approval_id: str, /, *args: P.args, **kwargs: P.kwargs) -> Flow[Outcome]:
        result = yield from wait(config, approval_id, *args, **kwargs)
        if result.outcome == "timed_out":
            raise DecisionTimeoutError(approval_id, result.approval)
        return result

    flow.__name__ = flow.__qualname__ = "wait_for_decision"
    flow.__signature__ = inspect.signature(wait)  # type: ignore[attr-defined]
    flow.__doc__ = "As ``wait_for_outcome``, but a wait that runs out raises DecisionTimeoutError (outcome ``timed_out``)."
    return flow


wait_for_decision = _decisive(wait_for_outcome)


def _decision(decision: Literal["approve", "reject"], comment: Optional[str]) -> DecideApprovalRequest:
    body: DecideApprovalRequest = {"decision": decision}
    if comment:
        body["comment"] = comment
    return body


def approve(
    config: Config,
    approval_id: str,
    comment: Optional[str] = None,
    *,
    response: Optional[Answer] = None,
    edits: Optional[Edits] = None,
) -> Flow[DecisionResult]:
    """Approves, with the answer to the request's ``response_schema`` and new values for its ``editable``
    fields (by path) where it asks for them. The server checks both: a wrong one raises ValidationError
    naming each field (``error.issues``), and nothing is decided."""
    body = _decision("approve", comment)
    if response is not None:
        body["response"] = response
    if edits is not None:
        body["edits"] = edits
    return Calls.decide_approval(config, approval_id, body)


def reject(config: Config, approval_id: str, comment: Optional[str] = None) -> Flow[DecisionResult]:
    return Calls.decide_approval(config, approval_id, _decision("reject", comment))


def revoke(config: Config, approval_id: str, reason: Optional[str] = None) -> Flow[Approval]:
    """Rescinds an approval within its revoke window (as an approver who approved it, or an admin)."""
    return Calls.revoke_approval(config, approval_id, {"reason": reason} if reason is not None else {})


def _first(config: Config, **query: Any) -> Flow[Optional[Approval]]:
    page = yield from Calls.list_approvals(config, page_size=1, **query)
    return page["data"][0] if page["data"] else None


def find_by_idempotency_key(config: Config, key: str) -> Flow[Optional[Approval]]:
    """The request created with this idempotency key, however old; None when none."""
    return _first(config, idempotency_key=key)


def find_by_external_id(config: Config, external_id: str) -> Flow[Optional[Approval]]:
    return _first(config, external_id=external_id)


def iter_approval_pages(config: Config, cursor: Optional[Any], /, **query: Any) -> Flow[Page[ApprovalList]]:
    """Every page of ``list_approvals(**query)``, following ``next_page_token``."""
    token = cursor or query.pop("page_token", None)
    page = yield from Calls.list_approvals(config, **query, **({"page_token": token} if token else {}))
    return [page], page.get("next_page_token") or None


def iter_approvals(config: Config, cursor: Optional[Any], /, **query: Any) -> Flow[Page[Approval]]:
    """Every request matching the query, across all pages: ``for a in gl.iter_approvals(status="pending")``."""
    pages, token = yield from iter_approval_pages(config, cursor, **query)
    return [item for page in pages for item in page["data"]], token


def iter_deliveries(config: Config, cursor: Optional[Any], /, **query: Any) -> Flow[Page[Delivery]]:
    """Every delivery matching the query, across all pages."""
    number: int = cursor or query.pop("page", None) or 1
    page = yield from Calls.list_deliveries(config, **query, page=number)
    return page["data"], (number + 1 if number < page["pagination"]["total_pages"] else None)


def unsubscribe(config: Config, webhook_id: str) -> Flow[bool]:
    """Deletes a subscription; one already gone (404) counts as success. Answers whether it existed."""
    try:
        yield from Calls.delete_webhook(config, webhook_id)
        return True
    except NotFoundError:
        return False


def events(config: Config, *, last_event_id: Optional[str] = None) -> Stream[WebhookPayload]:
    """The organization's events, live (Server-Sent Events); resume after ``payload["data"]["event_id"]``."""
    return Calls.stream_events(config, last_event_id=last_event_id)
