"""Waiting for a decision, revoke windows and execution receipts, written once for both clients.

Each function is a flow (see ``_transport``): the sync and the async client carry out the same steps.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, Literal, Mapping, Optional, Tuple, Union, cast

from ._generated.constants import (
    RECONNECT_MAX_DELAY_SECONDS,
    REVOKE_WINDOW_MARGIN_SECONDS,
    REVOKE_WINDOW_POLL_SECONDS,
    WAIT_TIMEOUT_DEFAULT,
    WAIT_TIMEOUT_MAX,
    WAIT_TIMEOUT_MIN,
)
from ._generated.models import Approval, Priority, WaitResult
from ._transport import Config, Flow, Invoke, Sleep, call
from .errors import ConflictError, ContractMismatchError, GreenlightError, NotApprovedError, RequestMismatchError, is_transient
from .outcomes import Outcome, outcome_of_status

RevokeWindow = Literal["return", "wait"]


@dataclass(frozen=True)
class Reconnecting:
    """Told before each reconnection attempt's pause while the server does not answer."""

    error: GreenlightError
    attempt: int
    delay: float


@dataclass(frozen=True)
class WaitOptions:
    #: Overall limit in seconds. Each long poll lasts at most 60 s of it.
    timeout: float = 300.0
    #: Keep waiting through a server restart or a dropped connection (no response, a 5xx, a 429),
    #: reconnecting with backoff until ``timeout``. Waiting changes nothing, so asking again is safe.
    reconnect: bool = True
    on_reconnect: Optional[Callable[[Reconnecting], Any]] = None
    on_reconnected: Optional[Callable[[], Any]] = None
    #: An approval whose revoke window is still open can become a rejection until the window closes
    #: or an execution is reported. ``"return"``: answered at once (whoever acts reports ``started``
    #: first, which closes the window). ``"wait"``: the wait goes on through the window, answering
    #: ``rejected`` if it is revoked and ``approved`` once a read after its end still finds it approved.
    revoke_window: RevokeWindow = "return"
    on_revoke_window: Optional[Callable[[str], Any]] = None


def as_wait_result(approval: Mapping[str, Any], *, timed_out: bool) -> WaitResult:
    """A request read some other way than the long poll, in the long poll's shape."""
    return cast(WaitResult, {**approval, "timed_out": timed_out})


def _bound(answer: Any, approval_id: str, operation_id: str) -> Any:
    """An answer is about the request asked about, or it is no answer at all."""
    if not isinstance(answer, dict) or answer.get("id") != approval_id:
        raise RequestMismatchError(
            expected_id=approval_id,
            received_id=answer.get("id") if isinstance(answer, dict) else None,
            operation_id=operation_id,
            body=answer,
        )
    return answer


def wait_once(config: Config, approval_id: str, timeout: int = WAIT_TIMEOUT_DEFAULT) -> Flow[WaitResult]:
    """One long poll of the request (bound to its id): answers once it leaves pending, or after ``timeout`` s."""
    answer = yield from call(
        config,
        "waitForApproval",
        params={"id": approval_id},
        query={"timeout": timeout},
        # The server holds the request for up to `timeout` seconds.
        request_timeout=timeout + 15,
    )
    return _bound(answer, approval_id, "waitForApproval")  # type: ignore[no-any-return]


def get_bound(config: Config, approval_id: str) -> Flow[Approval]:
    answer = yield from call(config, "getApproval", params={"id": approval_id}, request_timeout=15)
    return _bound(answer, approval_id, "getApproval")  # type: ignore[no-any-return]


def _pause_to_reconnect(options: WaitOptions, err: GreenlightError, attempt: int, delay: float) -> Flow[None]:
    """Tells the caller the server is not answering, then pauses before asking again."""
    if options.on_reconnect:
        yield Invoke(options.on_reconnect, (Reconnecting(err, attempt, delay),))
    yield Sleep(delay)


def wait_for_outcome(config: Config, approval_id: str, options: WaitOptions) -> Flow[Outcome]:
    """Long-polls until the request leaves ``pending`` or ``timeout`` passes; answers how the wait ended.

    Only the request's own answer counts (an answer about another id is a RequestMismatchError); only
    status ``approved`` is an approval; a status that is neither pending nor a final outcome is a
    ContractMismatchError, never a decision.
    """
    deadline = time.monotonic() + options.timeout
    last_seen: Optional[WaitResult] = None
    failures = 0
    while True:
        remaining = math.ceil(deadline - time.monotonic())
        # After a failure, a short poll first: the server being back is known (and told) at once.
        poll = WAIT_TIMEOUT_MIN if failures else min(WAIT_TIMEOUT_MAX, max(WAIT_TIMEOUT_MIN, remaining))
        try:
            answer = yield from wait_once(config, approval_id, poll)
        except GreenlightError as err:
            if not options.reconnect or not is_transient(err):
                raise
            left = deadline - time.monotonic()
            # Out of time while the server is away: the request as last seen, or the error when none was.
            if left <= 0:
                if last_seen is not None:
                    return Outcome("timed_out", last_seen)
                raise
            failures += 1
            yield from _pause_to_reconnect(options, err, failures, min(left, config.backoff(failures - 1, RECONNECT_MAX_DELAY_SECONDS)))
            continue
        if failures and options.on_reconnected:
            yield Invoke(options.on_reconnected)
        failures = 0
        last_seen = answer
        outcome = outcome_of_status(answer["status"])
        if outcome == "approved" and options.revoke_window == "wait":
            return (yield from _through_revoke_window(config, answer, deadline, options))
        if outcome is not None:
            return Outcome(outcome, answer)
        if answer["status"] != "pending":
            raise ContractMismatchError(
                f"approval request {approval_id} has status {answer['status']!r}, which is no outcome",
                operation_id="waitForApproval",
                status=200,
                issues=[(("status",), "not a known final status")],
                body=answer,
            )
        if time.monotonic() >= deadline:
            return Outcome("timed_out", answer)


def _epoch(timestamp: Optional[str]) -> Optional[float]:
    if not timestamp:
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _through_revoke_window(config: Config, approved: WaitResult, deadline: float, options: WaitOptions) -> Flow[Outcome]:
    """Waits out an approval's revoke window: reads the request every few seconds until it is revoked
    (``rejected``) or a read begun after the window's end (by this clock, plus a margin) still finds it
    approved. A reported execution closes the window on the server, so it ends the wait too."""
    approval: WaitResult = approved
    read_at = time.time()
    told = False
    failures = 0
    while True:
        outcome = outcome_of_status(approval["status"])
        if outcome != "approved":
            if outcome is not None:
                return Outcome(outcome, approval)
            raise ContractMismatchError(
                f"approval request {approval['id']} has status {approval['status']!r} after its approval",
                operation_id="getApproval",
                status=200,
                issues=[(("status",), "not a known final status")],
                body=approval,
            )
        until = _epoch(approval.get("revocable_until"))
        if until is None or approval.get("execution") or read_at >= until + REVOKE_WINDOW_MARGIN_SECONDS:
            return Outcome("approved", approval)
        closes_at = until + REVOKE_WINDOW_MARGIN_SECONDS
        if not told:
            told = True
            if options.on_revoke_window:
                yield Invoke(options.on_revoke_window, (approval.get("revocable_until"),))
        yield Sleep(max(0.0, min(closes_at - time.time(), REVOKE_WINDOW_POLL_SECONDS)))
        started = time.time()
        try:
            fresh = yield from get_bound(config, approval["id"])
        except GreenlightError as err:
            if not options.reconnect or not is_transient(err) or time.time() >= max(closes_at, _wall(deadline)):
                raise
            failures += 1
            yield from _pause_to_reconnect(options, err, failures, config.backoff(failures - 1, RECONNECT_MAX_DELAY_SECONDS))
            continue
        if failures and options.on_reconnected:
            yield Invoke(options.on_reconnected)
        failures = 0
        approval = as_wait_result(fresh, timed_out=False)
        read_at = started


def _wall(monotonic_deadline: float) -> float:
    """A monotonic deadline as wall-clock time."""
    return time.time() + (monotonic_deadline - time.monotonic())


# ---------------------------------------------------------------------------------------------
# Execution receipts and gating.

ExecutionStatus = Literal["started", "succeeded", "failed"]


def report(config: Config, approval_id: str, status: ExecutionStatus, message: str, url: Optional[str] = None) -> Flow[Approval]:
    """Sends an execution receipt, retrying while the server is away (a receipt is worth a few seconds).

    A 409 saying the receipt already has this final status is an earlier attempt that landed: done.
    """
    body: Dict[str, Any] = {"status": status, "message": message[:2000]}
    if url:
        body["url"] = url
    attempt = 0
    while True:
        try:
            answer = yield from call(config, "reportExecution", params={"id": approval_id}, body=body, request_timeout=15)
            return _bound(answer, approval_id, "reportExecution")  # type: ignore[no-any-return]
        except ConflictError as err:
            if err.details.get("execution_status") == status and status != "started":
                return (yield from get_bound(config, approval_id))
            raise
        except GreenlightError as err:
            if not is_transient(err) or attempt >= 4:
                raise
            yield Sleep(min(8.0, 0.5 * 2.0**attempt))
            attempt += 1


@dataclass(frozen=True)
class GateRequest:
    """What a gated call asks and how it waits."""

    body: Mapping[str, Any]
    idempotency_key: Optional[str]
    #: Seconds to wait for a decision; past it the function does not run.
    timeout: float
    #: ``"claim"``: an approval with an open revoke window runs at once, the ``started`` receipt
    #: closing the window (a revoke that came first is a rejection). ``"wait"``: the reviewers get the
    #: whole window, and the function runs once it has closed with the approval standing.
    revoke_window: Literal["claim", "wait"] = "claim"
    #: Withdraw the request when the wait runs out (a decision that lands first still counts).
    cancel_on_timeout: bool = False
    on_created: Optional[Callable[[Approval], Any]] = None
    wait: WaitOptions = WaitOptions()


def ask_and_claim(config: Config, gate: GateRequest, started_message: str) -> Flow[Outcome]:
    """Creates the request, waits for its decision and, on an approval, records ``started``.

    Answers the approval; raises NotApprovedError for every other outcome. Only after ``started`` is
    recorded does the caller run anything: the server takes that receipt or a revoke, never both.
    """
    created = yield from call(
        config,
        "createApproval",
        body=dict(gate.body),
        headers={"idempotency-key": gate.idempotency_key},
    )
    if gate.on_created:
        yield Invoke(gate.on_created, (created,))
    options = WaitOptions(
        timeout=gate.timeout,
        reconnect=gate.wait.reconnect,
        on_reconnect=gate.wait.on_reconnect,
        on_reconnected=gate.wait.on_reconnected,
        revoke_window="wait" if gate.revoke_window == "wait" else "return",
        on_revoke_window=gate.wait.on_revoke_window,
    )
    result = yield from wait_for_outcome(config, created["id"], options)
    if result.outcome == "timed_out" and gate.cancel_on_timeout:
        result = yield from _withdraw(config, result)
    if result.outcome == "approved":
        try:
            claimed = yield from report(config, created["id"], "started", started_message)
            result = Outcome("approved", as_wait_result(claimed, timed_out=False))
        except ConflictError as err:
            if err.details.get("reason") != "revoked":
                raise
            revoked = yield from get_bound(config, created["id"])
            result = Outcome("rejected", as_wait_result(revoked, timed_out=False))
    if result.outcome != "approved":
        raise NotApprovedError(refusal(result, gate.timeout), result)
    return result


def _withdraw(config: Config, timed_out: Outcome) -> Flow[Outcome]:
    """Cancels a request whose wait ran out; a 409 means someone decided first, and that decision stands."""
    try:
        answer = yield from call(config, "cancelApproval", params={"id": timed_out.approval_id}, request_timeout=10)
        cancelled = _bound(answer, timed_out.approval_id, "cancelApproval")
        return Outcome("timed_out", as_wait_result(cancelled, timed_out=True))
    except ConflictError:
        now = yield from get_bound(config, timed_out.approval_id)
        outcome = outcome_of_status(now["status"])
        return Outcome(outcome or "timed_out", as_wait_result(now, timed_out=outcome is None))


def refusal(result: Outcome, timeout: float) -> str:
    """Why a gated call did not run, in words a person (or a model) can act on."""
    said = f": {result.comment}" if result.comment else ""
    approval_id = result.approval_id
    if result.outcome == "rejected":
        if result.approval.get("revoked_at"):
            return f"The approval of request {approval_id} was revoked before it ran{said}"
        return f"Rejected by a reviewer (request {approval_id}){said}"
    if result.outcome == "expired":
        return f"Request {approval_id} expired before anyone decided; it was not run."
    if result.outcome == "cancelled":
        return f"Request {approval_id} was cancelled; it was not run."
    if result.outcome == "timed_out":
        state = "withdrawn" if result.approval.get("status") == "cancelled" else "still pending"
        return f"No decision within {timeout:g} s (request {approval_id} is {state}); it was not run."
    return f"Request {approval_id} was not approved ({result.outcome})."


def json_safe(value: Any) -> Any:
    """A value as JSON can carry it: what JSON cannot is shown by its repr."""
    return json.loads(json.dumps(value, default=repr))


# ---------------------------------------------------------------------------------------------
# A gated call: ``approval()`` and ``require_approval()`` of both clients.


@dataclass(frozen=True)
class GateCall:
    """One gated call: the request it makes, and the receipts it records around the work."""

    request: GateRequest
    started: str
    done: str
    receipt_url: Optional[str] = None

    def ask(self, config: Config) -> Flow[Outcome]:
        return ask_and_claim(config, self.request, self.started)

    def finish(self, config: Config, approved: Outcome, failure: Optional[BaseException]) -> Flow[None]:
        """Records ``succeeded``, or ``failed`` with the exception; a receipt that cannot be recorded is logged."""
        status: ExecutionStatus = "failed" if failure is not None else "succeeded"
        message = _failure_message(failure) if failure is not None else self.done
        try:
            yield from report(config, approved.approval_id, status, message, self.receipt_url)
        except Exception as exc:  # noqa: BLE001 - the work is done; a lost receipt must not undo it
            logging.getLogger("greenlight").warning("could not record the %s receipt of %s: %s", status, approved.approval_id, exc)


@dataclass(frozen=True)
class GateSpec:
    """What ``require_approval(...)`` was given: each call of the gated function becomes a GateCall."""

    call_of: Callable[[Callable[..., Any], Tuple[Any, ...], Mapping[str, Any]], GateCall]


def _format(template: str, arguments: Mapping[str, Any]) -> str:
    try:
        return template.format(**arguments)
    except (KeyError, IndexError, ValueError):
        return template


def _failure_message(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _body(fn_name: Optional[str], args: Mapping[str, Any], title: Optional[str], description: Optional[str], priority: Priority, fields: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """The request a gated call makes: title and description formatted with the call's arguments."""
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
    body: Dict[str, Any] = {
        "title": _format(title, args) if title else f"Run {fn_name}" if fn_name else "Run a gated step",
        "description": _format(description, args) if description else f"{fn_name or 'A gated step'}({shown[:3000]})",
        "priority": priority,
    }
    if fn_name is not None:
        body["metadata"] = {"function": fn_name, "arguments": json_safe(dict(args))}
    body.update(fields or {})
    return body


def _bound_arguments(fn: Callable[..., Any], args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return dict(kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def approval(
    title: str,
    description: Optional[str] = None,
    *,
    priority: Priority = "medium",
    timeout: float = 600.0,
    idempotency_key: Optional[str] = None,
    revoke_window: Literal["claim", "wait"] = "claim",
    cancel_on_timeout: bool = False,
    on_created: Optional[Callable[[Approval], Any]] = None,
    fields: Optional[Mapping[str, Any]] = None,
    receipt_url: Optional[str] = None,
) -> GateCall:
    """Asks, waits, and enters the block only on an approval; records the execution receipts.

    ``with gl.approval("Drop table users", "cleanup job") as approved: ...`` (``async with`` on
    AsyncGreenlight). Raises NotApprovedError (with the reviewer's comment) for a rejection, a revoke, a
    cancellation, an expiry or a wait that ran out, before the block runs. ``started`` is recorded before
    the block; ``succeeded`` after it, or ``failed`` with the exception, which is raised on. ``fields``
    adds to the request (``action_type``, ``tags``, ``expires_at``, ``revocable_for_seconds``…).
    """
    body = _body(None, {}, title, description or title, priority, fields)
    request = GateRequest(body, idempotency_key, timeout, revoke_window, cancel_on_timeout, on_created)
    return GateCall(request, f"Running: {title}", f"Done: {title}", receipt_url)


def require_approval(
    title: Optional[str] = None,
    description: Optional[str] = None,
    *,
    priority: Priority = "medium",
    timeout: float = 600.0,
    idempotency_key: Union[None, str, Callable[..., str]] = None,
    revoke_window: Literal["claim", "wait"] = "claim",
    cancel_on_timeout: bool = False,
    on_created: Optional[Callable[[Approval], Any]] = None,
    fields: Optional[Mapping[str, Any]] = None,
) -> GateSpec:
    """A decorator: each call asks, waits, and runs the function only on an approval.

    ``title`` and ``description`` are formatted with the call's arguments (``"Delete user {user_id}"``);
    the arguments go in the request's ``metadata``. ``idempotency_key`` (a string, or a function of
    the call's arguments) lets a retried task find the request it already made instead of asking
    again. Otherwise as ``approval()``: receipts recorded, NotApprovedError when not approved. On
    AsyncGreenlight it gates coroutine functions, on Greenlight the others.
    """

    def call_of(fn: Callable[..., Any], args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> GateCall:
        name = fn.__qualname__
        key = idempotency_key(*args, **kwargs) if callable(idempotency_key) else idempotency_key
        body = _body(name, _bound_arguments(fn, args, kwargs), title, description, priority, fields)
        request = GateRequest(body, key, timeout, revoke_window, cancel_on_timeout, on_created)
        return GateCall(request, f"Running {name}", f"{name} returned")

    return GateSpec(call_of)
